#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_restores_info
short_description: Restore jobs of a CockroachDB Cloud cluster
version_added: 0.2.0
description:
  - Lists the restore jobs that ran or run into a cluster (C(GET /api/v1/clusters/{id}/restores)), or reads one
    by O(restore_id) (C(GET /api/v1/clusters/{id}/restores/{restore_id})).
  - With O(restore_id) in an C(until) loop it watches a restore started by
    M(cockroachdb.cockroachdb.cloud_restore) with O(cockroachdb.cockroachdb.cloud_restore#module:wait=false);
    the restore is over when RV(finished) is true.
options:
  restore_id:
    description:
      - Id of one restore; RV(restores) then holds just that one (a restore that does not exist fails the task).
      - Not with O(start_time), O(end_time), O(limit).
    type: str
  start_time:
    description:
      - Only restores created at or after this time (RFC 3339). Requires O(end_time).
    type: str
  end_time:
    description:
      - Only restores created before this time (RFC 3339). Requires O(start_time).
    type: str
  sort_order:
    description:
      - V(ASC) lists the oldest restore first, V(DESC) the newest first.
    type: str
    choices: [ASC, DESC]
    default: ASC
  limit:
    description:
      - At most this many restores (in O(sort_order)); unset lists them all, page by page.
    type: int
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud_child
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Start a restore without waiting
  cockroachdb.cockroachdb.cloud_restore:
    api_key: "{{ cockroach_api_key }}"
    cluster: staging
    source_cluster: production
    type: CLUSTER
    wait: false
  register: started

- name: Watch it (one line of progress per poll)
  cockroachdb.cockroachdb.cloud_restores_info:
    api_key: "{{ cockroach_api_key }}"
    cluster: staging
    restore_id: "{{ started.restore.id }}"
  register: watched
  until: watched.finished
  retries: 240
  delay: 30

- name: The last five restores
  cockroachdb.cockroachdb.cloud_restores_info:
    api_key: "{{ cockroach_api_key }}"
    cluster: staging
    sort_order: DESC
    limit: 5
"""

RETURN = r"""
restores:
  description: The restores, in O(sort_order) (with O(restore_id), a list of that one).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the restore.
      type: str
    status:
      description: V(PENDING) while it runs, then V(SUCCESS) or V(FAILED).
      type: str
      sample: PENDING
    completion_percent:
      description: Fraction done, from 0 to 1.
      type: float
      sample: 0.5
    type:
      description: V(CLUSTER), V(DATABASE) or V(TABLE).
      type: str
    backup_id:
      description: Id of the backup restored from.
      type: str
    backup_end_time:
      description: The point in time the backup data was captured.
      type: str
    source_cluster_name:
      description: Name of the cluster the backup was taken of.
      type: str
    destination_cluster_name:
      description: Name of the cluster restored into.
      type: str
    created_at:
      description: When the restore was started.
      type: str
    completed_at:
      description: When it ended (absent while it runs, and for a moment after it was marked V(SUCCESS)).
      type: str
    crdb_job_id:
      description: The CockroachDB job id of the restore.
      type: str
    objects:
      description: The databases or tables restored (C(database), C(schema), C(table)).
      type: list
      elements: dict
    restore_opts:
      description: The options of the restore.
      type: dict
    client_error_code:
      description: Error code of a failed restore.
      type: int
    client_error_message:
      description: Error message of a failed restore.
      type: str
finished:
  description:
    - With O(restore_id), whether that restore is over (V(FAILED), or V(SUCCESS) with C(completed_at)); without it,
      whether no listed restore is still running.
  returned: always
  type: bool
  sample: false
cluster_id:
  description: Id of the cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_backup import (
    BackupApi,
    restore_finished,
    time_range_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)


def validate(params):
    """Messages for bad options the argspec cannot express (empty list = fine); runs before any request."""
    errors = child_option_errors(params) + time_range_errors(params)
    if params.get("restore_id") is not None and not params["restore_id"].strip():
        errors.append("restore_id must not be empty (leave it unset to list every restore)")
    return errors


def run(m):
    params = m.params
    target = ClusterTarget(m.client, params["cluster"], params["wait_timeout"])
    if params["restore_id"]:
        restores = [m.client.get_restore(target.id, params["restore_id"].strip())]
    else:
        restores = m.client.list_restores(target.id, start_time=params["start_time"], end_time=params["end_time"],
                                          sort_order=params["sort_order"], limit=params["limit"])
    finished = all(restore_finished(r) for r in restores)
    return dict(changed=False, restores=restores, finished=finished, cluster_id=target.id)


def main():
    m = CloudModule(client_mixins=(BackupApi,), argument_spec=dict(
        CHILD_ARGSPEC,
        restore_id=dict(type="str"),
        start_time=dict(type="str"),
        end_time=dict(type="str"),
        sort_order=dict(type="str", choices=["ASC", "DESC"], default="ASC"),
        limit=dict(type="int"),
    ), validate=validate,
        mutually_exclusive=[("restore_id", "start_time"), ("restore_id", "end_time"), ("restore_id", "limit")])
    m.run(run)


if __name__ == "__main__":
    main()
