#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_metric_export
short_description: Metric export of a CockroachDB Cloud cluster to CloudWatch, Datadog or Prometheus
version_added: 0.2.0
description:
  - Enables, updates and disables one metric export of a cluster through the Cloud API
    (C(/api/v1/clusters/{id}/metricexport/cloudwatch), C(.../datadog), C(.../prometheus)). A cluster may have
    one of each type; run the module once per type.
  - Each change is a job of the Cloud service that holds the cluster lock; the module waits for a lock held by
    another job before writing, and after the write waits (O(wait)) until the export leaves C(ENABLING) or
    C(DISABLING), within O(wait_timeout). A job that ends in C(ERROR) fails the task with the API's message.
  - The task describes the whole configuration of its type; an unset optional option is sent as unset.
  - Not available for BASIC clusters; CloudWatch only for clusters on AWS.
  - The Datadog API key is never returned by the API (only its last 4 characters), never returned by the module,
    and never printed (it is C(no_log)). See O(update_credentials) for when it is sent.
options:
  type:
    description:
      - The metric export to manage.
    type: str
    required: true
    choices: [cloudwatch, datadog, prometheus]
  state:
    description:
      - V(present) enables the export (or updates it), V(absent) disables it.
      - With V(absent), a cluster that no longer exists is fine (the export went with it).
    type: str
    choices: [present, absent]
    default: present
  role_arn:
    description:
      - CloudWatch only, required with O(state=present) - the IAM role (ARN) the cluster assumes to write metrics.
    type: str
  external_id:
    description:
      - CloudWatch only - the external id to give when assuming O(role_arn) (ADVANCED clusters only).
      - Not a secret (the API returns it); the role's trust policy may require it.
    type: str
  log_group_name:
    description:
      - CloudWatch only - the log group to write to (the service's default when unset).
    type: str
  target_region:
    description:
      - CloudWatch only - the AWS region to export to (each cluster region's own when unset).
    type: str
  site:
    description:
      - Datadog only, required with O(state=present) - the Datadog site.
    type: str
    choices: [US1, US3, US5, US1_GOV, EU1]
  datadog_api_key:
    description:
      - Datadog only, required with O(state=present) - a Datadog API key (the API's C(api_key); named so that it
        is not mistaken for the Cloud API key O(api_key)).
      - Write-only - the API never returns it. It is sent when the export is created or another option changes
        (the API takes the whole configuration), and on every run with O(update_credentials=always).
    type: str
  update_credentials:
    description:
      - When to send O(datadog_api_key) although nothing else changed.
      - V(on_create) sends it only with a create or another change. A key that does not end with the 4 characters
        the API shows is a change too (it was changed elsewhere); the same last 4 characters prove nothing, so a
        new key that happens to end the same way needs V(always).
      - V(always) sends it on every run (the task then always reports a change). Use it once to rotate the key.
    type: str
    choices: [on_create, always]
    default: on_create
  wait:
    description:
      - Wait until the export is C(ENABLED) (or gone, with O(state=absent)) after a change.
      - With V(false) the task returns the status the API reported right after the write.
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
- name: Metrics to Datadog (the key is sent on create only)
  cockroachdb.cockroachdb.cloud_metric_export:
    cluster: prod-east
    type: datadog
    site: US1
    datadog_api_key: "{{ vault_datadog_api_key }}"

- name: Metrics to CloudWatch
  cockroachdb.cockroachdb.cloud_metric_export:
    cluster: prod-east
    type: cloudwatch
    role_arn: arn:aws:iam::123456789012:role/crdb-metrics
    target_region: us-east-1
    log_group_name: crdb-prod

- name: Prometheus scrape endpoints
  cockroachdb.cockroachdb.cloud_metric_export:
    cluster: prod-east
    type: prometheus
  register: prom

- name: Scrape targets per region
  ansible.builtin.debug:
    var: prom.metric_export.targets

- name: Stop exporting to Datadog
  cockroachdb.cockroachdb.cloud_metric_export:
    cluster: prod-east
    type: datadog
    state: absent
"""

RETURN = r"""
metric_export:
  description:
    - The export after the run (predicted in check mode), as the API returns it without any credential;
      V(null) when it is absent.
  returned: always
  type: dict
  contains:
    cluster_id:
      description: Id of the cluster.
      type: str
    status:
      description: C(ENABLED), C(ENABLING), C(DISABLING), C(ERROR) or C(NOT_DEPLOYED).
      type: str
      sample: ENABLED
    user_message:
      description: What the service says about the last job (why it failed).
      type: str
    role_arn:
      description: CloudWatch - the IAM role.
      type: str
    external_id:
      description: CloudWatch - the external id.
      type: str
    log_group_name:
      description: CloudWatch - the log group.
      type: str
    target_region:
      description: CloudWatch - the AWS region.
      type: str
    site:
      description: Datadog - the site.
      type: str
    targets:
      description: Prometheus - scrape URL per region.
      type: dict
      sample: {"us-east-1": "https://cockroachlabs.cloud/api/v1/clusters/.../metricexport/prometheus/us-east-1/scrape"}
  sample:
    cluster_id: 6baa9455-e3e7-4682-8209-4cac629f6fbe
    status: ENABLED
    site: US1
    user_message: ""
cluster_id:
  description: Id of the cluster; V(null) when O(state=absent) found no cluster.
  returned: always
  type: str
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_export import (
    ExportApi,
    FAILED,
    METRIC_FIELDS,
    TRANSIENT,
    metric_export_body,
    metric_export_changes,
    without_credentials,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure

OPTIONS_OF = {
    "cloudwatch": ("role_arn", "external_id", "log_group_name", "target_region"),
    "datadog": ("site", "datadog_api_key"),
    "prometheus": (),
}
REQUIRED_OF = {"cloudwatch": ("role_arn",), "datadog": ("site", "datadog_api_key"), "prometheus": ()}


def validate(params):
    """Messages for bad options (empty list = fine); runs before any request."""
    errors = child_option_errors(params)
    kind = params["type"]
    for other, names in OPTIONS_OF.items():
        if other == kind:
            continue
        for name in names:
            if params.get(name) is not None:
                errors.append("%s is an option of type=%s, not of type=%s; remove it" % (name, other, kind))
    if params["state"] == "present":
        for name in REQUIRED_OF[kind]:
            if not params.get(name):
                errors.append("%s is required with type=%s and state=present" % (name, kind))
    role = params.get("role_arn")
    if role and not role.startswith("arn:"):
        errors.append("role_arn must be the ARN of an IAM role (arn:aws:iam::<account>:role/<name>), got %r" % role)
    return errors


def predict(kind, cluster_id, params):
    out = {"cluster_id": cluster_id, "status": "ENABLED" if params["wait"] else "ENABLING", "user_message": ""}
    for f in METRIC_FIELDS[kind]:
        if params.get(f):
            out[f] = params[f]
    return out


def run(m):
    params = m.params
    client = m.client
    kind = params["type"]
    absent = params["state"] == "absent"
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=absent)
    if target.gone:
        return {"changed": False, "metric_export": None, "diff": {"before": {}, "after": {}}, "cluster_id": None}
    deadline = client.deadline(params["wait_timeout"])
    what = "the %s metric export of cluster %s" % (kind, target.name)

    def read():
        return client.get_metric_export(target.id, kind)

    current = read()
    if current is not None and current.get("status") in TRANSIENT:
        # another run's job: let it finish before deciding
        current = client.wait_export(read, deadline, what)

    def settle(answer):
        if not params["wait"]:
            return answer
        after = client.wait_export(read, deadline, what)
        if after is not None and after.get("status") in FAILED:
            raise ValueError("%s ended in %s: %s" % (what, after.get("status"), after.get("user_message") or
                                                     "no message from the API"))
        return after

    def write(changes):  # pylint: disable=unused-argument
        body = metric_export_body(kind, params)
        return settle(target.write(lambda: client.enable_metric_export(target.id, kind, body)))

    def delete():
        target.write(lambda: client.delete_metric_export(target.id, kind))
        if params["wait"]:
            client.wait_export(read, deadline, what)

    result = ensure(m, current, params["state"], result_key="metric_export",
                    changes=lambda cur: metric_export_changes(kind, cur, params, params["update_credentials"]),
                    create=lambda: write(None), update=write, delete=delete,
                    predict=lambda cur, ch: predict(kind, target.id, params),
                    view=without_credentials)
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(client_mixins=(ExportApi,), argument_spec=dict(
        CHILD_ARGSPEC,
        type=dict(type="str", required=True, choices=["cloudwatch", "datadog", "prometheus"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        role_arn=dict(type="str"),
        external_id=dict(type="str", no_log=False),
        log_group_name=dict(type="str"),
        target_region=dict(type="str"),
        site=dict(type="str", choices=["US1", "US3", "US5", "US1_GOV", "EU1"]),
        datadog_api_key=dict(type="str", no_log=True),
        update_credentials=dict(type="str", choices=["on_create", "always"], default="on_create"),
        wait=dict(type="bool", default=True),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
