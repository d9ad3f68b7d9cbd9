#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_cluster
short_description: Create, update, upgrade and delete CockroachDB Cloud clusters
version_added: 0.1.0
description:
  - Finds the cluster by O(id), or by O(name) among the organization's active clusters, and brings it to the
    requested state.
  - Creates a missing cluster, and updates an existing one in place with one C(PATCH) that carries only what
    differs. A major version change is sent in a request of its own, as the API requires.
  - Refuses, with a message naming the option and without any write, changes the API cannot make in place
    (cloud provider, ADVANCED versus BASIC/STANDARD, network visibility, CIDR range, removing serverless regions,
    renaming). It never deletes and re-creates a cluster.
  - Waits through C(CREATING) and C(LOCKED) with capped exponential backoff (0.5 s doubling up to 10 s), fails at
    once on C(CREATION_FAILED), and on timeout names the state the cluster was stuck in. A run with nothing to
    change only reads, and does not wait for a lock or maintenance to end.
  - Every write (including turning delete protection off before a delete) waits out a cluster lock (the API
    answers C(503) "cluster lock is held" while an automatic job runs) and is then sent again.
  - On ADVANCED clusters the API may provision an equivalent machine type (same vCPU count) instead of the
    requested O(hardware.machine_type), and other disk IOPS than requested. Neither is reported as a change; see
    O(hardware.machine_type) and O(hardware.disk_iops).
  - Speaks API version 2024-09-16; other values of O(api_version) are refused before any request.
  - A create whose answer is lost (connection dropped, 5xx) is never sent a second time blindly; the cluster is
    looked up by name first, so a lost answer cannot produce a second cluster.
  - Major upgrades are managed steps. Set O(cockroach_version) to start an upgrade and wait for it, then
    O(upgrade_action=finalize) to finalize it early, or O(upgrade_action=rollback) to return to the previous
    version while the upgrade is pending finalization. The result reports RV(upgrade_status).
options:
  name:
    description:
      - Cluster name, the natural key. 6 to 20 lowercase letters, digits and dashes, not starting or ending
        with a dash.
      - Required to create a cluster. With O(id), it must match the cluster's name (clusters cannot be renamed).
    type: str
  id:
    description:
      - Cluster id (UUID) of an existing cluster to adopt, instead of finding it by O(name).
    type: str
  state:
    description:
      - V(present) creates or updates the cluster; V(absent) deletes it (a cluster already deleted is unchanged).
    type: str
    choices: [present, absent]
    default: present
  plan:
    description:
      - V(BASIC) and V(STANDARD) are serverless plans and can be switched in place; V(ADVANCED) is dedicated
        hardware. Switching between ADVANCED and BASIC/STANDARD is refused.
      - Required to create a cluster.
    type: str
    choices: [BASIC, STANDARD, ADVANCED]
  provider:
    description:
      - Cloud provider. Required to create a cluster; cannot change afterwards.
    type: str
    choices: [GCP, AWS, AZURE]
  regions:
    description:
      - BASIC/STANDARD only. The complete list of regions, in the provider's spelling. Regions can be added
        but not removed.
    type: list
    elements: str
  primary_region:
    description:
      - BASIC/STANDARD only. Primary region, required when O(regions) has more than one region.
    type: str
  usage_limits:
    description:
      - BASIC/STANDARD only. The complete set of usage limits; a limit left out is removed (unlimited).
      - BASIC uses O(usage_limits.request_unit_limit) and O(usage_limits.storage_mib_limit); STANDARD uses
        O(usage_limits.provisioned_virtual_cpus), which it requires.
      - Not set means the limits are not managed. See also M(cockroachdb.cockroachdb.cloud_spend_limit).
    type: dict
    suboptions:
      request_unit_limit:
        description: Monthly request unit cap (BASIC). Must be positive.
        type: int
      storage_mib_limit:
        description: Storage cap in MiB (BASIC). Must be positive.
        type: int
      provisioned_virtual_cpus:
        description: Maximum vCPUs (STANDARD). Must be positive.
        type: int
  upgrade_type:
    description:
      - BASIC/STANDARD only. V(MANUAL) (STANDARD only) lets O(cockroach_version) choose the major version.
    type: str
    choices: [MANUAL, AUTOMATIC]
  with_empty_ip_allowlist:
    description:
      - BASIC/STANDARD, create only. Start with an empty IP allowlist instead of one entry open to any address.
      - Cannot be read back, so it is not compared with an existing cluster.
    type: bool
  region_nodes:
    description:
      - ADVANCED only. Node count per region, as a complete map; regions left out are removed.
    type: dict
  hardware:
    description:
      - ADVANCED only. Machine size and storage of every node.
    type: dict
    suboptions:
      num_virtual_cpus:
        description: vCPUs per node (the machine type is chosen by the provider).
        type: int
      machine_type:
        description:
          - Machine type per node, instead of O(hardware.num_virtual_cpus).
          - The API may provision an equivalent type of another family with the same vCPU count (for example
            C(n2d-standard-4) for C(n2-standard-4), C(m5.xlarge) for C(m6i.xlarge)). A current type is therefore a
            change only when its C(num_virtual_cpus) differs from the vCPU count in the requested name (GCP
            C(...-N), AWS C(.large) = 2, C(.xlarge) = 4, C(.Nxlarge) = 4 x N, Azure C(Standard_<letters>N...)); a
            name that does not tell its vCPU count is compared as a string.
        type: str
      storage_gib:
        description: Storage per node in GiB; it can grow but not shrink.
        type: int
      disk_iops:
        description:
          - Disk IOPS per node (AWS only; GCP and Azure ignore it, so it is never compared there).
          - The API may provision a rounded value. On AWS the cluster's value counts as a change only when it is
            1000 or more away from the request, and the minimum of 3000 is not a change when less was requested.
        type: int
  network_visibility:
    description:
      - ADVANCED only, set at creation. Compared with an existing cluster and refused when different.
    type: str
    choices: [PUBLIC, PRIVATE]
  cidr_range:
    description:
      - ADVANCED on GCP only, set at creation. Compared with an existing cluster and refused when different.
    type: str
  cockroach_version:
    description:
      - Major version such as V(v24.3). For ADVANCED it chooses the version at creation; on an existing ADVANCED
        or STANDARD (with O(upgrade_type=MANUAL)) cluster a different major starts a major upgrade (or, while an
        upgrade is pending finalization, setting the previous major rolls it back).
      - Compared on the major version only. Not supported on BASIC clusters.
    type: str
  upgrade_action:
    description:
      - V(finalize) finalizes a major upgrade that is pending finalization (after the upgrade that
        O(cockroach_version) starts in the same task, if any).
      - V(rollback) rolls a pending upgrade back to the previous major version.
      - Does nothing when no upgrade is pending finalization.
    type: str
    choices: [finalize, rollback]
  delete_protection:
    description:
      - Whether the cluster refuses to be deleted.
      - With O(state=absent), a protected cluster is only deleted when this is explicitly V(false) (the
        protection is turned off first); otherwise the module fails without any write.
    type: bool
  labels:
    description:
      - The complete set of labels (the API replaces the whole set). Not set means labels are not managed.
    type: dict
  folder:
    description:
      - The folder the cluster belongs in, by absolute path (C(/prod/payments)) or id; V(root) (or C(/)) for the
        top level of the organization. A new cluster is created in it; an existing one is moved to it (a move
        changes only the cluster's C(parent_id), nothing else). Not set means the folder is not managed.
      - A path costs one request to look up; a folder that does not exist fails the task before any write
        (create it with M(cockroachdb.cockroachdb.cloud_folder)).
    type: str
  wait:
    description:
      - Wait until the cluster is C(CREATED) with no operation or upgrade running, after each change.
      - Multi-step changes (an edit plus an upgrade, or an upgrade plus finalize) always wait between steps.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each step before failing with the state the cluster is stuck in.
      - The default is 2 hours, since multi-region updates of the real service can take that long.
    type: int
    default: 7200
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Predicts the resulting cluster from the current one and the options; sends only reads.
  diff_mode:
    support: full
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: A BASIC cluster with request-unit and storage caps
  cockroachdb.cockroachdb.cloud_cluster:
    api_key: "{{ cockroach_api_key }}"
    name: shop-dev
    plan: BASIC
    provider: GCP
    regions: [us-central1]
    usage_limits:
      request_unit_limit: 50000000
      storage_mib_limit: 10240
    labels:
      team: shop
  register: crdb_dev

- name: A three-node ADVANCED cluster on v24.1, protected from deletion
  cockroachdb.cockroachdb.cloud_cluster:
    name: shop-prod
    plan: ADVANCED
    provider: AWS
    region_nodes:
      us-east-1: 3
    hardware:
      num_virtual_cpus: 4
      storage_gib: 35
    cockroach_version: v24.1
    delete_protection: true

- name: Upgrade it to v24.3, wait, and finalize
  cockroachdb.cockroachdb.cloud_cluster:
    name: shop-prod
    cockroach_version: v24.3
    upgrade_action: finalize
    wait_timeout: 7200

- name: Delete a protected cluster (protection must be turned off explicitly)
  cockroachdb.cockroachdb.cloud_cluster:
    name: shop-prod
    state: absent
    delete_protection: false
"""

RETURN = r"""
cluster:
  description:
    - The cluster as C(GET /api/v1/clusters/{id}) returns it after the change (all of the API's fields; the
      main ones are listed here).
    - In check mode, the predicted cluster (fields the API would compute, such as C(id) of a new cluster or
      DNS names, are missing or null).
  returned: when O(state=present)
  type: dict
  contains:
    id:
      description: Cluster id.
      type: str
      sample: 3c9c0c8e-1b2a-4f5e-9d1c-2a7b8c9d0e1f
    name:
      description: Cluster name.
      type: str
      sample: shop-dev
    plan:
      description: BASIC, STANDARD or ADVANCED.
      type: str
      sample: BASIC
    cloud_provider:
      description: GCP, AWS or AZURE.
      type: str
      sample: GCP
    state:
      description: CREATING, CREATED, CREATION_FAILED, DELETED or LOCKED.
      type: str
      sample: CREATED
    operation_status:
      description: What the cluster is busy with (UNSPECIFIED when idle).
      type: str
      sample: UNSPECIFIED
    upgrade_status:
      description: FINALIZED, UPGRADE_AVAILABLE, MAJOR_UPGRADE_RUNNING, PENDING_FINALIZATION or ROLLBACK_RUNNING.
      type: str
      sample: FINALIZED
    cockroach_version:
      description: Full CockroachDB version.
      type: str
      sample: v24.3.5
    config:
      description: C(serverless) (C(routing_id), C(upgrade_type), C(usage_limits) with int64 values as strings) or
        C(dedicated) (C(machine_type), C(num_virtual_cpus), C(storage_gib), C(memory_gib), C(disk_iops)).
      type: dict
      sample: {"serverless": {"routing_id": "shop-dev-1234", "upgrade_type": "AUTOMATIC",
               "usage_limits": {"request_unit_limit": "50000000", "storage_mib_limit": "10240"}}}
    regions:
      description: Regions sorted by name, with C(name), C(sql_dns), C(ui_dns), C(internal_dns),
        C(private_endpoint_dns), C(node_count) and C(primary).
      type: list
      elements: dict
      sample: [{"name": "us-central1", "node_count": 0, "primary": true, "sql_dns": "shop-dev-1234.gcp-us-central1.cockroachlabs.cloud"}]
    sql_dns:
      description: SQL DNS name of the cluster.
      type: str
      sample: shop-dev-1234.gcp-us-central1.cockroachlabs.cloud
    delete_protection:
      description: ENABLED or DISABLED.
      type: str
      sample: DISABLED
    labels:
      description: Labels.
      type: dict
      sample: {"team": "shop"}
    network_visibility:
      description: PUBLIC or PRIVATE (ADVANCED).
      type: str
      sample: PUBLIC
    cidr_range:
      description: CIDR range of a GCP ADVANCED cluster, else empty.
      type: str
      sample: 172.28.0.0/14
    created_at:
      description: Creation time (RFC 3339).
      type: str
      sample: "2026-01-02T03:04:05Z"
    updated_at:
      description: Time of the last change (RFC 3339).
      type: str
      sample: "2026-01-02T03:09:41Z"
    deleted_at:
      description: Deletion time (RFC 3339), only on deleted clusters.
      type: str
      sample: "2026-02-01T00:00:00Z"
    creator_id:
      description: Id of the user or service account that created the cluster.
      type: str
      sample: 2b7f6c3e-91d4-4a8b-b2f0-5e6d7c8a9b10
    account_id:
      description: Cloud account or project that hosts an ADVANCED cluster (empty for BASIC/STANDARD).
      type: str
      sample: crl-prod-abc12
    egress_traffic_policy:
      description: UNSPECIFIED, ERROR, ALLOW_ALL, DEFAULT_DENY or UPDATING.
      type: str
      sample: ALLOW_ALL
    parent_id:
      description: Id of the folder of the cluster (see O(folder)), C(root) at the top level.
      type: str
      sample: root
    is_customer_cloud_account:
      description: Whether the cluster runs in the customer's own cloud account.
      type: bool
      sample: false
    customer_cloud_account:
      description: The customer's cloud account (only for such clusters).
      type: dict
      sample: {"gcp": {"service_account_email": "crdb@example.iam.gserviceaccount.com"}}
upgrade_status:
  description: The cluster's C(upgrade_status) after the task (null when O(state=absent)).
  returned: always
  type: str
  sample: PENDING_FINALIZATION
diff:
  description: The cluster before and after (empty dicts stand for "does not exist").
  returned: always
  type: dict
  contains:
    before:
      description: The cluster before the task.
      type: dict
    after:
      description: The cluster after the task, or the prediction in check mode.
      type: dict
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import checks
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_org import OrgApi, folder_path_error, is_folder_id
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_cluster_changes import (
    cluster_changes,
    cluster_option_errors,
    create_body,
    predict_created,
    predict_updated,
)


def find_current(m):
    p = m.params
    if p["id"]:
        return m.client.find_cluster(cluster_id=p["id"])
    return m.client.find_cluster(name=p["name"])


def must_wait_before(params, current, client):
    """Whether to wait for the cluster before comparing (and changing) it.

    A cluster still CREATING is waited for (it cannot be compared yet). A LOCKED or busy cluster is waited
    for only when there is something to send: a no-op run reads and returns, even during maintenance.
    """
    if current.get("state") == "CREATING":
        return True
    if current.get("state") == "CREATED" and client.is_settled(current):
        return False
    return bool(cluster_changes(params, current))


def run(m):
    p = dict(m.params)
    client = m.client
    wait, timeout = p["wait"], float(p["wait_timeout"])
    current = find_current(m)
    if p.get("folder") is not None and p["state"] == "present":
        # an id is used as it is (no request; the API refuses an unknown one); a path is looked up (one GET)
        p["parent_id"] = p["folder"] if is_folder_id(p["folder"]) else client.resolve_folder(p["folder"])
    checks.refuse_foreign_regions(p, current)

    if p["state"] == "present":
        if current is None:
            create_body(p)  # refuse a create that cannot work before anything else happens
        elif wait and not m.check_mode and must_wait_before(p, current, client):
            current = client.wait_for_cluster(current["id"], timeout=timeout)
    elif current is not None and current.get("delete_protection") == "ENABLED" and p["delete_protection"] is not False:
        raise ValueError("delete_protection: cluster %s has delete protection ENABLED, so it was not deleted; to delete "
                         "it, add delete_protection: false to this task (the protection is turned off first)" % current["name"])

    def apply(cluster, changes):
        steps = ([changes["edit"]] if changes.get("edit") else []) + list(changes.get("version") or [])
        after = cluster
        for index, body in enumerate(steps):
            last = index == len(steps) - 1
            after = client.update_cluster(cluster["id"], body, timeout=timeout, wait=wait or not last)
        return after

    def create():
        cluster, recovered = client.create_cluster(create_body(p))
        if recovered or wait:
            cluster = client.wait_for_cluster(cluster["id"], timeout=timeout)
        if recovered:
            # our create's answer was lost, or another run created the cluster first (409): it is adopted and
            # brought to this task's settings like a cluster found by the first read
            m.module.warn("cluster %s already existed when this task's create was answered (a lost answer, or "
                          "another run creating it at the same moment); it was adopted, no second create was sent"
                          % p["name"])
            left = cluster_changes(p, cluster)
            if left:
                cluster = apply(cluster, left)
        return cluster

    def update(changes):
        return apply(current, changes)

    def delete():
        if current.get("delete_protection") == "ENABLED":
            client.update_cluster(current["id"], {"delete_protection": "DISABLED"}, timeout=timeout, wait=False)
        client.delete_cluster(current["id"])

    def predict(cur, changes):
        if cur is None:
            return predict_created(p, wait=wait)
        return predict_updated(cur, changes, wait=wait)

    result = ensure(
        m, current, p["state"], result_key="cluster",
        changes=lambda cur: cluster_changes(p, cur),
        create=create, update=update, delete=delete, predict=predict,
    )
    result["upgrade_status"] = (result["cluster"] or {}).get("upgrade_status")
    if p["state"] == "absent":
        result.pop("cluster")
    return result


def main():
    m = CloudModule(
        client_mixins=(OrgApi,),
        argument_spec=dict(
            name=dict(type="str"),
            id=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            plan=dict(type="str", choices=["BASIC", "STANDARD", "ADVANCED"]),
            provider=dict(type="str", choices=["GCP", "AWS", "AZURE"]),
            regions=dict(type="list", elements="str"),
            primary_region=dict(type="str"),
            usage_limits=dict(type="dict", options=dict(
                request_unit_limit=dict(type="int"),
                storage_mib_limit=dict(type="int"),
                provisioned_virtual_cpus=dict(type="int"),
            )),
            upgrade_type=dict(type="str", choices=["MANUAL", "AUTOMATIC"]),
            with_empty_ip_allowlist=dict(type="bool"),
            region_nodes=dict(type="dict"),
            hardware=dict(type="dict", options=dict(
                num_virtual_cpus=dict(type="int"),
                machine_type=dict(type="str"),
                storage_gib=dict(type="int"),
                disk_iops=dict(type="int"),
            ), mutually_exclusive=[["num_virtual_cpus", "machine_type"]]),
            network_visibility=dict(type="str", choices=["PUBLIC", "PRIVATE"]),
            cidr_range=dict(type="str"),
            cockroach_version=dict(type="str"),
            upgrade_action=dict(type="str", choices=["finalize", "rollback"]),
            delete_protection=dict(type="bool"),
            labels=dict(type="dict"),
            folder=dict(type="str"),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=7200),
        ),
        required_one_of=[["name", "id"]],
        validate=lambda params: (cluster_option_errors(params) + checks.cloud_cluster_errors(params)
                                 + [e for e in [folder_path_error("folder", params.get("folder"))] if e]),
    )
    m.run(run)


if __name__ == "__main__":
    main()
