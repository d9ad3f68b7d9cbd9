#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_backup_config
short_description: Managed backup settings of a CockroachDB Cloud cluster
version_added: 0.2.0
description:
  - Turns the managed backups of a cluster on or off and sets how often they are taken and how long they
    are kept (C(/api/v1/clusters/{id}/backups-config)).
  - Reads the configuration and sends only the fields that differ; a run that changes nothing sends only reads.
  - O(retention_days) can be changed only once per cluster (the Cloud API refuses a second change; it needs a
    support ticket). A cluster starts with 30 days; when the current value is another one it was set already,
    and the module fails B(before sending anything) when O(retention_days) asks for a different value. The first
    change is made with a warning that it cannot be repeated.
  - Waits for a cluster that is still being created to be C(CREATED) first, and for a cluster lock held by
    another job to clear before the write.
options:
  enabled:
    description:
      - Whether managed backups are taken. Unset leaves it as it is.
    type: bool
  frequency_minutes:
    description:
      - Minutes between two backups (it sets the recovery point objective). Unset leaves it as it is.
    type: int
    choices: [5, 10, 15, 30, 60, 240, 1440]
  retention_days:
    description:
      - Days a backup is kept. Unset leaves it as it is.
      - Can be set only once; see the description.
    type: int
    choices: [2, 7, 30, 90, 365]
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
seealso:
  - module: cockroachdb.cockroachdb.cloud_backups_info
  - module: cockroachdb.cockroachdb.cloud_restore
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Back up every 15 minutes, keep backups for 7 days
  cockroachdb.cockroachdb.cloud_backup_config:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    enabled: true
    frequency_minutes: 15
    retention_days: 7

- name: Pause managed backups (frequency and retention unchanged)
  cockroachdb.cockroachdb.cloud_backup_config:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    enabled: false
"""

RETURN = r"""
backup_config:
  description: The backup configuration after the run (predicted in check mode).
  returned: always
  type: dict
  contains:
    enabled:
      description: Whether managed backups are taken.
      type: bool
      sample: true
    frequency_minutes:
      description: Minutes between two backups.
      type: int
      sample: 60
    retention_days:
      description: Days a backup is kept.
      type: int
      sample: 30
  sample:
    enabled: true
    frequency_minutes: 60
    retention_days: 30
cluster_id:
  description: Id of the cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_backup import (
    BackupApi,
    FREQUENCIES,
    RETENTIONS,
    backup_config_changes,
    retention_refusal,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import deep_merge, ensure


def validate(params):
    """Messages for bad options the argspec cannot express (empty list = fine); runs before any request."""
    errors = child_option_errors(params)
    if all(params.get(k) is None for k in ("enabled", "frequency_minutes", "retention_days")):
        errors.append("set at least one of enabled, frequency_minutes or retention_days")
    return errors


def view(config):
    return {k: config.get(k) for k in ("enabled", "frequency_minutes", "retention_days")}


def run(m):
    params = m.params
    client = m.client
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"])
    current = view(client.get_backup_config(target.id))
    desired = {k: params[k] for k in ("enabled", "frequency_minutes", "retention_days")}

    def changes(cur):
        wanted = backup_config_changes(cur, desired)
        refusal = retention_refusal(cur, wanted)
        if refusal:
            raise ValueError(refusal)
        if "retention_days" in wanted:
            m.module.warn("retention_days changes from %s to %s days; the Cloud API lets it be set only once, a later "
                          "change needs a support ticket" % (cur.get("retention_days"), wanted["retention_days"]))
        return wanted

    def update(wanted):
        return view(target.write(lambda: client.update_backup_config(
            target.id, wanted, client.deadline(target.wait_timeout))))

    result = ensure(m, current, "present", result_key="backup_config", changes=changes, update=update,
                    predict=deep_merge, view=view)
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(client_mixins=(BackupApi,), argument_spec=dict(
        CHILD_ARGSPEC,
        enabled=dict(type="bool"),
        frequency_minutes=dict(type="int", choices=list(FREQUENCIES)),
        retention_days=dict(type="int", choices=list(RETENTIONS)),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
