#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_cmek
short_description: Customer-managed encryption keys (CMEK) of a CockroachDB Cloud ADVANCED cluster
version_added: 0.2.0
description:
  - Enables CMEK with one key per region, rotates the key of a region, adds regions to the cluster together
    with their keys, and revokes CockroachDB Cloud's access to the keys, through the Cloud API
    (C(/api/v1/clusters/{id}/cmek), and C(PATCH /api/v1/clusters/{id}) for new regions).
  - CMEK cannot be disabled once enabled (the API has no such call); there is no O(state=absent).
  - Enabling needs a key for every region of the cluster. Once CMEK is enabled, a region can only be added to the
    cluster with its key, so add regions here (O(additional_regions)), not with
    M(cockroachdb.cockroachdb.cloud_cluster).
  - A key change is a job of the Cloud service that holds the cluster lock; the module waits for a lock held by
    another job before writing, and after the write waits (O(wait)) until the keys leave C(ENABLING),
    C(ROTATING) or C(REVOKING), within O(wait_timeout). A job that ends in C(ENABLE_FAILED), C(ROTATE_FAILED) or
    C(REVOKE_FAILED) fails the task with the API's message.
  - Cloud IAM is eventually consistent - a key or principal granted a moment ago may be refused for a while. Such
    refusals (HTTP 400, 401, 403) are retried for O(iam_propagation_timeout) seconds, as the Terraform
    provider does.
  - Regions of the cluster that O(region_specs) does not name keep their keys (the module never removes a key).
options:
  region_specs:
    description:
      - The key of each region (the API's C(region_specs)). Required with O(state=present).
      - A region whose key in use differs is rotated to the given key.
    type: list
    elements: dict
    suboptions:
      region:
        description: A region of the cluster (or of O(additional_regions)).
        type: str
        required: true
      key_spec:
        description: The key.
        type: dict
        required: true
        suboptions:
          type:
            description: The key service - C(AWS_KMS) on AWS, C(GCP_CLOUD_KMS) on GCP, C(AZURE_KEY_VAULT) on Azure.
            type: str
            required: true
            choices: [AWS_KMS, GCP_CLOUD_KMS, AZURE_KEY_VAULT]
          uri:
            description: The key's ARN (AWS), resource name (GCP) or URL (Azure).
            type: str
            required: true
          auth_principal:
            description: The IAM role ARN (AWS) or service account (GCP) CockroachDB Cloud uses to reach the key.
            type: str
            required: true
  additional_regions:
    description:
      - Regions to add to the cluster, each with its node count. Each needs its key in O(region_specs).
      - A region that the cluster already has is left alone (its node count is M(cockroachdb.cockroachdb.cloud_cluster)'s).
    type: list
    elements: dict
    suboptions:
      region:
        description: Name of the region.
        type: str
        required: true
      node_count:
        description: Nodes in the region (3 or more).
        type: int
        required: true
  state:
    description:
      - V(present) enables CMEK (or changes keys, adds regions).
      - V(revoked) revokes CockroachDB Cloud's access to every key. The cluster can no longer read its data until
        access is restored outside of this API; this cannot be undone by this module.
    type: str
    choices: [present, revoked]
    default: present
  iam_propagation_timeout:
    description:
      - Seconds during which a write refused with HTTP 400, 401 or 403 is sent again (IAM propagation); a refusal
        that lasts longer fails the task as a permission problem.
    type: int
    default: 600
  wait:
    description:
      - Wait until the keys are C(ENABLED) (C(REVOKED)) after a change.
    type: bool
    default: true
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud_child
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Enable CMEK on a two-region AWS cluster
  cockroachdb.cockroachdb.cloud_cmek:
    cluster: prod-east
    region_specs:
      - region: us-east-1
        key_spec:
          type: AWS_KMS
          uri: arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd
          auth_principal: arn:aws:iam::123456789012:role/crdb-cmek
      - region: us-west-2
        key_spec:
          type: AWS_KMS
          uri: arn:aws:kms:us-west-2:123456789012:key/5555eeee-6666-ffff-7777-000088889999
          auth_principal: arn:aws:iam::123456789012:role/crdb-cmek

- name: Add a region with its key
  cockroachdb.cockroachdb.cloud_cmek:
    cluster: prod-east
    additional_regions:
      - region: eu-central-1
        node_count: 3
    region_specs:
      - region: eu-central-1
        key_spec:
          type: AWS_KMS
          uri: arn:aws:kms:eu-central-1:123456789012:key/aaaa0000-bbbb-1111-cccc-2222dddd3333
          auth_principal: arn:aws:iam::123456789012:role/crdb-cmek

- name: Revoke access to the keys (irreversible here)
  cockroachdb.cockroachdb.cloud_cmek:
    cluster: prod-east
    state: revoked
"""

RETURN = r"""
cmek:
  description:
    - CMEK of the cluster after the run (predicted in check mode), as the API returns it (C(CMEKClusterInfo));
      V(null) when CMEK is not enabled.
  returned: always
  type: dict
  contains:
    status:
      description: Status of CMEK on the cluster (C(ENABLED), C(ROTATING), C(REVOKED), C(ENABLE_FAILED), ...).
      type: str
      sample: ENABLED
    region_infos:
      description: Per region - C(region), C(status), C(key_infos) (each key's C(spec), C(status), C(user_message)).
      type: list
      elements: dict
  sample:
    status: ENABLED
    region_infos:
      - region: us-east-1
        status: ENABLED
        key_infos:
          - spec:
              type: AWS_KMS
              uri: arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd
              auth_principal: arn:aws:iam::123456789012:role/crdb-cmek
            status: ENABLED
            user_message: ""
cluster_id:
  description: Id of the cluster.
  returned: always
  type: str
added_regions:
  description: Regions added to the cluster by this run (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [eu-central-1]
"""

import copy

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_export import (
    ExportApi,
    CMEK_KEY_TYPES,
    FAILED,
    TRANSIENT,
    cmek_changes,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure

KEY_TYPE_OF = {"AWS": "AWS_KMS", "GCP": "GCP_CLOUD_KMS", "AZURE": "AZURE_KEY_VAULT"}


def validate(params):
    """Messages for bad options (empty list = fine); runs before any request."""
    errors = child_option_errors(params)
    specs = params.get("region_specs") or []
    regions = [rs["region"] for rs in specs]
    dupes = sorted(set(r for r in regions if regions.count(r) > 1))
    if dupes:
        errors.append("region_specs: region %s appears more than once" % ", ".join(dupes))
    for i, rs in enumerate(specs):
        for f in ("uri", "auth_principal"):
            if not (rs["key_spec"].get(f) or "").strip():
                errors.append("region_specs[%d].key_spec.%s must not be empty" % (i, f))
    if params["state"] == "present" and not specs:
        errors.append("region_specs is required with state=present (the key of each region)")
    if params["state"] == "revoked" and (specs or params.get("additional_regions")):
        errors.append("state=revoked takes no region_specs or additional_regions: revoking access and changing keys "
                      "are separate runs")
    for i, add in enumerate(params.get("additional_regions") or []):
        if add["region"] not in regions:
            errors.append("additional_regions[%d] (%s) needs its key in region_specs" % (i, add["region"]))
        if add["node_count"] < 3:
            errors.append("additional_regions[%d].node_count must be 3 or more, got %d" % (i, add["node_count"]))
    if params.get("iam_propagation_timeout") is not None and params["iam_propagation_timeout"] < 0:
        errors.append("iam_propagation_timeout must be 0 or more seconds")
    return errors


def cluster_problems(cluster, params):
    """Messages for options that do not fit the cluster (its plan, cloud, regions); before any write."""
    errors = []
    if cluster.get("plan") != "ADVANCED":
        return ["CMEK needs an ADVANCED cluster; %s is %s" % (cluster.get("name"), cluster.get("plan"))]
    want_type = KEY_TYPE_OF.get(cluster.get("cloud_provider"))
    have = set(r.get("name") for r in cluster.get("regions") or [])
    adding = set(a["region"] for a in params.get("additional_regions") or [])
    for i, rs in enumerate(params.get("region_specs") or []):
        if want_type and rs["key_spec"]["type"] != want_type:
            errors.append("region_specs[%d].key_spec.type must be %s for a cluster on %s"
                          % (i, want_type, cluster.get("cloud_provider")))
        if rs["region"] not in have and rs["region"] not in adding:
            errors.append("region_specs[%d].region %s is not a region of the cluster (%s); to add it, list it in "
                          "additional_regions with its node_count" % (i, rs["region"], ", ".join(sorted(have))))
    return errors


def plan_changes(info, cluster, params):
    """What to do: ``{"enable": specs}`` (CMEK off), ``{"rotate": specs}``, ``{"add": {region: nodes}, "add_specs":
    specs}`` (combined as needed), ``{"revoke": True}``; ``{}`` when nothing is to be done."""
    if params["state"] == "revoked":
        if info is None:
            raise ValueError("state=revoked: CMEK is not enabled on cluster %s; there is nothing to revoke"
                             % cluster.get("name"))
        return {} if info.get("status") in ("REVOKED", "REVOKING") else {"revoke": True}
    have = set(r.get("name") for r in cluster.get("regions") or [])
    specs = [{"region": rs["region"], "key_spec": dict((k, rs["key_spec"][k]) for k in ("type", "uri", "auth_principal"))}
             for rs in params["region_specs"]]
    existing = [rs for rs in specs if rs["region"] in have]
    new = [rs for rs in specs if rs["region"] not in have]
    changes = {}
    if info is None:
        missing = sorted(have - set(rs["region"] for rs in existing))
        if missing:
            raise ValueError("enabling CMEK needs a key for every region of the cluster; region_specs lacks %s"
                             % ", ".join(missing))
        changes["enable"] = existing
    else:
        rotate = cmek_changes(info, existing)
        if rotate:
            changes["rotate"] = rotate
        failed = [r.get("region") for r in info.get("region_infos") or [] if r.get("status") in FAILED]
        again = [rs for rs in existing if rs["region"] in failed and rs not in rotate]
        if again:
            changes["rotate"] = changes.get("rotate", []) + again
    if new:
        nodes = dict((r.get("name"), int(r.get("node_count") or 0)) for r in cluster.get("regions") or [])
        for add in params.get("additional_regions") or []:
            if add["region"] not in nodes:
                nodes[add["region"]] = add["node_count"]
        changes["add"] = nodes
        changes["add_specs"] = new
    return changes


def predict(info, changes):
    """The CMEKClusterInfo after ``changes`` (check mode): keys ENABLED (REVOKED), regions sorted by name."""
    out = copy.deepcopy(info) if info else {"status": "ENABLED", "region_infos": []}
    by_region = dict((r["region"], r) for r in out.get("region_infos") or [])
    if changes.get("revoke"):
        out["status"] = "REVOKED"
        for r in by_region.values():
            r["status"] = "REVOKED"
            for k in r.get("key_infos") or []:
                if k.get("status") == "ENABLED":
                    k["status"] = "REVOKED"
        return out
    for rs in changes.get("enable", []) + changes.get("rotate", []) + changes.get("add_specs", []):
        reg = by_region.setdefault(rs["region"], {"region": rs["region"], "key_infos": []})
        for k in reg["key_infos"]:
            if k.get("status") == "ENABLED":
                k["status"] = "DISABLED"
        reg["key_infos"].insert(0, {"spec": dict(rs["key_spec"]), "status": "ENABLED", "user_message": ""})
        reg["status"] = "ENABLED"
    out["region_infos"] = [by_region[r] for r in sorted(by_region)]
    out["status"] = "ENABLED"
    return out


def run(m):
    params = m.params
    client = m.client
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"])
    problems = cluster_problems(target.cluster, params)
    if problems:
        raise ValueError("; ".join(problems))
    deadline = client.deadline(params["wait_timeout"])
    iam = params["iam_propagation_timeout"]
    what = "CMEK of cluster %s" % target.name

    def read():
        return client.get_cmek(target.id)

    info = read()
    if info is not None and info.get("status") in TRANSIENT:
        info = client.wait_export(read, deadline, what)
    changes = plan_changes(info, target.cluster, params)

    def settle():
        if not params["wait"]:
            return read()
        after = client.wait_export(read, deadline, what)
        if after is not None and after.get("status") in FAILED:
            messages = sorted(set(k.get("user_message") for r in after.get("region_infos") or []
                                  for k in r.get("key_infos") or [] if k.get("user_message")))
            raise ValueError("%s ended in %s: %s" % (what, after.get("status"),
                                                     "; ".join(messages) or "no message from the API"))
        return after

    def apply(ch):
        if ch.get("revoke"):
            target.write(lambda: client.revoke_cmek(target.id))
            return settle()
        if ch.get("enable"):
            client.write_iam(target.id, lambda: client.enable_cmek(target.id, ch["enable"]), deadline, iam_timeout=iam)
            settle()
        if ch.get("rotate"):
            client.write_iam(target.id, lambda: client.update_cmek(target.id, ch["rotate"]), deadline, iam_timeout=iam)
            settle()
        if ch.get("add"):
            client.add_cmek_regions(target.id, ch["add"], ch["add_specs"], deadline, iam_timeout=iam)
        return settle()

    # ensure sees "no CMEK" as an object to create; the changes were computed above (ValueError refuses)
    result = ensure(m, info if info is not None else None, "present", result_key="cmek",
                    changes=lambda cur: changes, create=lambda: apply(changes), update=apply,
                    predict=lambda cur, ch: predict(info, changes))
    result["cluster_id"] = target.id
    result["added_regions"] = sorted(set(rs["region"] for rs in changes.get("add_specs", [])))
    return result


def main():
    m = CloudModule(client_mixins=(ExportApi,), argument_spec=dict(
        CHILD_ARGSPEC,
        region_specs=dict(type="list", elements="dict", options=dict(
            region=dict(type="str", required=True),
            key_spec=dict(type="dict", required=True, no_log=False, options=dict(
                type=dict(type="str", required=True, choices=list(CMEK_KEY_TYPES)),
                uri=dict(type="str", required=True),
                auth_principal=dict(type="str", required=True),
            )),
        )),
        additional_regions=dict(type="list", elements="dict", options=dict(
            region=dict(type="str", required=True),
            node_count=dict(type="int", required=True),
        )),
        state=dict(type="str", choices=["present", "revoked"], default="present"),
        iam_propagation_timeout=dict(type="int", default=600),
        wait=dict(type="bool", default=True),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
