#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_log_export
short_description: Log export of a CockroachDB Cloud cluster (CloudWatch, Cloud Logging, Log Analytics)
version_added: 0.2.0
description:
  - Enables, updates and disables the export of a cluster's logs to its cloud's logging service through the
    Cloud API (C(/api/v1/clusters/{id}/logexport)).
  - Each change is a job of the Cloud service that holds the cluster lock; the module waits for a lock held by
    another job before writing, and after the write waits (O(wait)) until the export leaves C(ENABLING) or
    C(DISABLING), within O(wait_timeout). A job that ends in C(ENABLE_FAILED) or C(CREDENTIALS_ERROR) fails the
    task with the API's message; the next run sends the configuration again.
  - Cloud IAM is eventually consistent - a principal granted a moment ago may be refused for a while. Such
    refusals (HTTP 400, 401, 403) are retried for O(iam_propagation_timeout) seconds, as the Terraform
    provider does.
  - The task describes the whole configuration (the API replaces it); an unset optional option is sent as
    unset, so removing O(groups) from the task removes the groups.
  - Not available for BASIC clusters; O(type) must be the logging service of the cluster's cloud.
options:
  type:
    description:
      - The logging service, required with O(state=present) - V(AWS_CLOUDWATCH) (clusters on AWS),
        V(GCP_CLOUD_LOGGING) (GCP) or V(AZURE_LOG_ANALYTICS) (Azure).
    type: str
    choices: [AWS_CLOUDWATCH, GCP_CLOUD_LOGGING, AZURE_LOG_ANALYTICS]
  log_name:
    description:
      - Required with O(state=present) - the name of the logs in the sink (CloudWatch log group prefix, Cloud
        Logging log name, Log Analytics table).
    type: str
  auth_principal:
    description:
      - Required with O(state=present) - CloudWatch, the ARN of the IAM role the cluster assumes; Cloud Logging,
        the GCP project id; Log Analytics, the workspace id.
    type: str
  aws_external_id:
    description:
      - The external id to give when assuming the role of O(auth_principal) (ADVANCED clusters on AWS only).
      - Not a secret (the API returns it).
    type: str
  azure_shared_key:
    description:
      - V(AZURE_LOG_ANALYTICS) only, and required there - the workspace's primary or secondary key.
      - Write-only - the API never returns it. It is sent with every write (the API takes the whole
        configuration); whether it alone makes a write is O(update_credentials).
    type: str
  region:
    description:
      - Send every region's logs to this region of the sink (each node's own region when unset).
    type: str
  redact:
    description:
      - Redact the logs before they are exported (the default of the groups).
    type: bool
  omitted_channels:
    description:
      - Log channels not to export (C(SESSIONS), C(SQL_PERF), ...). Compared as a set.
    type: list
    elements: str
  groups:
    description:
      - Groups of channels exported under their own name. Compared by O(groups[].log_name); channels as a set.
      - Cloud exports only these channels - C(SESSIONS), C(OPS), C(HEALTH), C(STORAGE), C(SQL_SCHEMA), C(USER_ADMIN),
        C(PRIVILEGES), C(SENSITIVE_ACCESS), C(SQL_EXEC), C(SQL_PERF); the API refuses others (C(DEV), C(TELEMETRY)).
    type: list
    elements: dict
    suboptions:
      log_name:
        description: Name of the group in the sink.
        type: str
        required: true
      channels:
        description: Channels of the group (C(OPS), C(HEALTH), C(SQL_SCHEMA), ...).
        type: list
        elements: str
        required: true
      min_level:
        description: Lowest severity exported (all when unset).
        type: str
        choices: [WARNING, ERROR, FATAL]
      redact:
        description: Redact this group (the top-level O(redact) when unset).
        type: bool
  state:
    description:
      - V(present) enables (or updates) the export, V(absent) disables it.
      - With V(absent), a cluster that no longer exists is fine (the export went with it).
    type: str
    choices: [present, absent]
    default: present
  update_credentials:
    description:
      - When to send O(azure_shared_key) although nothing else changed (the API never shows it, so it cannot be
        compared).
      - V(on_create) sends it only with a create or another change; V(always) on every run (the task then always
        reports a change). Use V(always) once to rotate the key.
    type: str
    choices: [on_create, always]
    default: on_create
  iam_propagation_timeout:
    description:
      - Seconds during which a write refused with HTTP 400, 401 or 403 is sent again (IAM propagation); a refusal
        that lasts longer fails the task as a permission problem.
    type: int
    default: 600
  wait:
    description:
      - Wait until the export is C(ENABLED) (or gone, with O(state=absent)) after a change.
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
- name: Logs of an AWS cluster to CloudWatch
  cockroachdb.cockroachdb.cloud_log_export:
    cluster: prod-east
    type: AWS_CLOUDWATCH
    log_name: crdb-prod
    auth_principal: arn:aws:iam::123456789012:role/crdb-logs
    redact: true
    omitted_channels: [SESSIONS, SQL_PERF]
    groups:
      - log_name: ops
        channels: [OPS, HEALTH]
        min_level: WARNING

- name: Logs to Azure Log Analytics (the shared key is sent on create only)
  cockroachdb.cockroachdb.cloud_log_export:
    cluster: prod-azure
    type: AZURE_LOG_ANALYTICS
    log_name: crdb
    auth_principal: "{{ workspace_id }}"
    azure_shared_key: "{{ vault_workspace_key }}"

- name: Stop exporting logs
  cockroachdb.cockroachdb.cloud_log_export:
    cluster: prod-east
    state: absent
"""

RETURN = r"""
log_export:
  description:
    - The log export after the run (predicted in check mode), as the API returns it, without credentials;
      V(null) when it is absent.
  returned: always
  type: dict
  contains:
    cluster_id:
      description: Id of the cluster.
      type: str
    spec:
      description: The configuration (the options of this module, without O(azure_shared_key)).
      type: dict
    status:
      description: C(ENABLED), C(ENABLING), C(DISABLING), C(ENABLE_FAILED), C(DISABLE_FAILED) or C(CREDENTIALS_ERROR).
      type: str
      sample: ENABLED
    user_message:
      description: What the service says about the last job.
      type: str
    created_at:
      description: When the export was first enabled.
      type: str
    updated_at:
      description: When it last changed.
      type: str
  sample:
    cluster_id: 6baa9455-e3e7-4682-8209-4cac629f6fbe
    spec:
      type: AWS_CLOUDWATCH
      log_name: crdb-prod
      auth_principal: arn:aws:iam::123456789012:role/crdb-logs
      redact: true
    status: ENABLED
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
    LOG_EXPORT_TYPES,
    LOG_LEVELS,
    TRANSIENT,
    log_export_body,
    log_export_changes,
    without_credentials,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure


def validate(params):
    """Messages for bad options (empty list = fine); runs before any request."""
    errors = child_option_errors(params)
    if params["state"] == "present":
        for name in ("type", "log_name", "auth_principal"):
            if not (params.get(name) or "").strip():
                errors.append("%s is required with state=present" % name)
        azure = params.get("type") == "AZURE_LOG_ANALYTICS"
        if azure and not params.get("azure_shared_key"):
            errors.append("azure_shared_key is required with type=AZURE_LOG_ANALYTICS (the API takes the whole "
                          "configuration on every write)")
        if params.get("azure_shared_key") and params.get("type") and not azure:
            errors.append("azure_shared_key is only used with type=AZURE_LOG_ANALYTICS; remove it")
        if params.get("aws_external_id") and params.get("type") and params["type"] != "AWS_CLOUDWATCH":
            errors.append("aws_external_id is only used with type=AWS_CLOUDWATCH; remove it")
        if params.get("type") == "AWS_CLOUDWATCH" and params.get("auth_principal") \
                and not params["auth_principal"].startswith("arn:"):
            errors.append("auth_principal must be the ARN of an IAM role with type=AWS_CLOUDWATCH, got %r"
                          % params["auth_principal"])
    names = [g.get("log_name") for g in params.get("groups") or []]
    dupes = sorted(set(n for n in names if names.count(n) > 1))
    if dupes:
        errors.append("groups: log_name %s appears more than once" % ", ".join(dupes))
    for i, g in enumerate(params.get("groups") or []):
        if not g.get("channels"):
            errors.append("groups[%d].channels must name at least one channel" % i)
    if params.get("iam_propagation_timeout") is not None and params["iam_propagation_timeout"] < 0:
        errors.append("iam_propagation_timeout must be 0 or more seconds")
    return errors


def predict(cluster_id, current, params):
    body = log_export_body(params)
    body.pop("azure_shared_key", None)
    return {"cluster_id": cluster_id, "spec": body, "status": "ENABLED" if params["wait"] else "ENABLING",
            "user_message": "", "created_at": (current or {}).get("created_at"),
            "updated_at": (current or {}).get("updated_at")}


def run(m):
    params = m.params
    client = m.client
    absent = params["state"] == "absent"
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=absent)
    if target.gone:
        return {"changed": False, "log_export": None, "diff": {"before": {}, "after": {}}, "cluster_id": None}
    deadline = client.deadline(params["wait_timeout"])
    what = "the log export of cluster %s" % target.name

    def read():
        return client.get_log_export(target.id)

    current = read()
    if current is not None and current.get("status") in TRANSIENT:
        current = client.wait_export(read, deadline, what)

    def settle(answer):
        if not params["wait"]:
            return answer
        after = client.wait_export(read, deadline, what)
        if after is not None and after.get("status") in FAILED:
            raise ValueError("%s ended in %s: %s" % (what, after.get("status"), after.get("user_message") or
                                                     "no message from the API"))
        return after

    def applied():
        # after an ambiguous failure: the configuration is there (being enabled or enabled) -> done
        now = read()
        return now is not None and not log_export_changes(now, params) and now.get("status") not in FAILED

    def write(changes):  # pylint: disable=unused-argument
        body = log_export_body(params)
        answer = client.write_iam(target.id, lambda: client.enable_log_export(target.id, body), deadline,
                                  iam_timeout=params["iam_propagation_timeout"], applied=applied)
        return settle(answer if answer is not None else read())

    def delete():
        target.write(lambda: client.delete_log_export(target.id))
        if params["wait"]:
            client.wait_export(read, deadline, what)

    result = ensure(m, current, params["state"], result_key="log_export",
                    changes=lambda cur: log_export_changes(cur, params, params["update_credentials"]),
                    create=lambda: write(None), update=write, delete=delete,
                    predict=lambda cur, ch: predict(target.id, cur, params),
                    view=without_credentials)
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(client_mixins=(ExportApi,), argument_spec=dict(
        CHILD_ARGSPEC,
        type=dict(type="str", choices=list(LOG_EXPORT_TYPES)),
        log_name=dict(type="str"),
        auth_principal=dict(type="str"),
        aws_external_id=dict(type="str", no_log=False),
        azure_shared_key=dict(type="str", no_log=True),
        region=dict(type="str"),
        redact=dict(type="bool"),
        omitted_channels=dict(type="list", elements="str"),
        groups=dict(type="list", elements="dict", options=dict(
            log_name=dict(type="str", required=True),
            channels=dict(type="list", elements="str", required=True),
            min_level=dict(type="str", choices=list(LOG_LEVELS)),
            redact=dict(type="bool"),
        )),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        update_credentials=dict(type="str", choices=["on_create", "always"], default="on_create"),
        iam_propagation_timeout=dict(type="int", default=600),
        wait=dict(type="bool", default=True),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
