#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_events_info
short_description: Cluster events (schema changes, node joins and restarts, setting changes) of CockroachDB
version_added: 0.1.0
description:
  - Reads C(GET /api/v2/events/), newest first, page by page until O(limit) events are collected or the log ends.
  - The C(info) payload of each event is parsed from its JSON text; the server hides statements and setting values.
  - Needs the C(admin) role or the C(VIEWCLUSTERMETADATA) privilege.
options:
  type:
    description: Only events of this type, for example V(create_database), V(node_restart), V(set_cluster_setting).
    type: str
  limit:
    description: Return at most this many events (the newest). V(0) reads the whole event log.
    type: int
    default: 100
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.page_size
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLUSTER_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: The last 20 node restarts
  cockroachdb.cockroachdb.cluster_events_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    type: node_restart
    limit: 20
"""

RETURN = r"""
events:
  description: Events, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    timestamp:
      description: "When it happened (RFC 3339)."
      type: str
      returned: always
      sample: "2025-11-22T08:00:00.123456Z"
    event_type:
      description: "Event type."
      type: str
      returned: always
      sample: create_database
    reporting_id:
      description: "Node that reported it."
      type: int
      returned: always
    info:
      description: "The parsed payload."
      type: dict
      returned: always
    unique_id:
      description: "Event id (base64)."
      type: str
      returned: always
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import (
    ClusterModule,
    page_size_option,
    validate_page_size,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import normalize_event


def validate(params):
    errors = ["limit must be 0 (the whole event log) or more"] if params["limit"] < 0 else []
    return errors + validate_page_size(params)


def run(m):
    p = m.params
    rows = m.client.list_events(event_type=p["type"], max_items=p["limit"] or None, limit=p["page_size"])
    return dict(changed=False, events=[normalize_event(e) for e in rows])


def main():
    m = ClusterModule(argument_spec=dict(
        type=dict(type="str"),
        limit=dict(type="int", default=100),
        page_size=page_size_option(500),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
