#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_node_ranges_info
short_description: The ranges one CockroachDB node holds, with their problems
version_added: 0.1.0
description:
  - Reads C(GET /api/v2/nodes/{node_id}/ranges/), every page, and returns the node's range replicas in range id order
    with their descriptor, span, lease history, problems and statistics.
  - Needs the C(admin) role or the C(VIEWCLUSTERMETADATA) privilege.
options:
  node_id:
    description: A node id, or V(local) for the node at O(cluster_url).
    type: str
    required: true
  range_ids:
    description: Only these ranges.
    type: list
    elements: int
    default: []
  problems_only:
    description: Only ranges with at least one problem (under-replicated, unavailable, no lease, ...).
    type: bool
    default: false
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
- name: Problem ranges of node 2
  cockroachdb.cockroachdb.cluster_node_ranges_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    node_id: "2"
    problems_only: true
"""

RETURN = r"""
ranges:
  description: The node's replicas, in range id order.
  returned: always
  type: list
  elements: dict
  contains:
    range_id:
      description: "Range id (from C(desc))."
      type: int
      returned: always
      sample: 57
    problem_names:
      description: "Names of the problems flagged true."
      type: list
      elements: str
      returned: always
      sample: [underreplicated]
    problems:
      description: "Problem flags as the server returns them (false ones absent)."
      type: dict
      returned: always
    desc:
      description: "Range descriptor (C(range_id), C(start_key), C(end_key))."
      type: dict
      returned: always
    span:
      description: "Pretty-printed start and end keys."
      type: dict
      returned: always
    stats:
      description: "Rates such as C(queries_per_second)."
      type: dict
      returned: always
    lease_history:
      description: "Recent leases."
      type: list
      elements: dict
      returned: always
    source_node_id:
      description: "Reporting node."
      type: int
      returned: when the server sets it
    source_store_id:
      description: "Store of the replica."
      type: int
      returned: when the server sets it
node_id:
  description: The node asked, as given.
  returned: always
  type: str
  sample: "2"
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import (
    ClusterModule,
    page_size_option,
    validate_page_size,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import (
    node_id_errors,
    normalize_range_info,
)


def validate(params):
    errors = node_id_errors(params["node_id"])
    if any(r < 1 for r in params["range_ids"]):
        errors.append("range_ids must be positive range ids")
    return errors + validate_page_size(params)


def run(m):
    p = m.params
    rows = m.client.list_node_ranges(p["node_id"], range_ids=p["range_ids"], limit=p["page_size"])
    ranges = [normalize_range_info(r) for r in rows]
    if p["problems_only"]:
        ranges = [r for r in ranges if r["problem_names"]]
    return dict(changed=False, ranges=ranges, node_id=p["node_id"])


def main():
    m = ClusterModule(argument_spec=dict(
        node_id=dict(type="str", required=True),
        range_ids=dict(type="list", elements="int", default=[]),
        problems_only=dict(type="bool", default=False),
        page_size=page_size_option(500),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
