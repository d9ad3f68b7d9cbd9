#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_backups_info
short_description: Managed backups of a CockroachDB Cloud cluster
version_added: 0.2.0
description:
  - Lists the managed backups of a cluster (C(GET /api/v1/clusters/{id}/backups)), each with its id and the point
    in time it restores to; optionally only those of a time range.
  - The backups to restore from with M(cockroachdb.cockroachdb.cloud_restore).
options:
  start_time:
    description:
      - Only backups whose O(start_time) <= C(as_of_time) (RFC 3339, for example V(2025-01-15T10:30:00Z)).
      - Requires O(end_time) (the API takes both or neither).
    type: str
  end_time:
    description:
      - Only backups whose C(as_of_time) < O(end_time) (RFC 3339). Requires O(start_time).
    type: str
  sort_order:
    description:
      - V(ASC) lists the oldest backup first, V(DESC) the newest first.
    type: str
    choices: [ASC, DESC]
    default: ASC
  limit:
    description:
      - At most this many backups (in O(sort_order)); unset lists them all, page by page.
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
- name: The newest backup of a cluster
  cockroachdb.cockroachdb.cloud_backups_info:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    sort_order: DESC
    limit: 1
  register: newest

- name: Backups of one day
  cockroachdb.cockroachdb.cloud_backups_info:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    start_time: "2025-01-15T00:00:00Z"
    end_time: "2025-01-16T00:00:00Z"
"""

RETURN = r"""
backups:
  description: The backups, in O(sort_order).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the backup (the O(cockroachdb.cockroachdb.cloud_restore#module:backup_id) of a restore).
      type: str
      sample: 1234abcd-1234-1234-abcd-12345678abcd
    as_of_time:
      description: The point in time (UTC) the backup restores to.
      type: str
      sample: "2025-01-15T10:00:00Z"
latest:
  description: The backup with the newest C(as_of_time) among those listed, V(null) when there is none.
  returned: always
  type: dict
  sample:
    id: 1234abcd-1234-1234-abcd-12345678abcd
    as_of_time: "2025-01-15T10:00:00Z"
cluster_id:
  description: Id of the cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_backup import BackupApi, time_range_errors
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)


def validate(params):
    """Messages for bad options the argspec cannot express (empty list = fine); runs before any request."""
    return child_option_errors(params) + time_range_errors(params)


def run(m):
    params = m.params
    target = ClusterTarget(m.client, params["cluster"], params["wait_timeout"])
    backups = m.client.list_backups(target.id, start_time=params["start_time"], end_time=params["end_time"],
                                    sort_order=params["sort_order"], limit=params["limit"])
    latest = max(backups, key=lambda b: b.get("as_of_time") or "") if backups else None
    return dict(changed=False, backups=backups, latest=latest, cluster_id=target.id)


def main():
    m = CloudModule(client_mixins=(BackupApi,), argument_spec=dict(
        CHILD_ARGSPEC,
        start_time=dict(type="str"),
        end_time=dict(type="str"),
        sort_order=dict(type="str", choices=["ASC", "DESC"], default="ASC"),
        limit=dict(type="int"),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
