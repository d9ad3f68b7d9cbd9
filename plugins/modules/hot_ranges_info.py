#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: hot_ranges_info
short_description: The hottest ranges of a CockroachDB cluster or of one node, by queries per second
version_added: 0.1.0
description:
  - Reads C(GET /api/v2/ranges/hot/), which fans out to every node (or asks one node), following the fan-out
    token C(next) page by page to the end, and returns the ranges sorted by C(qps), highest first.
  - With O(limit), only the top O(limit) ranges by QPS are returned. All pages are still read, because the
    server orders ranges by node, not by QPS; set O(stop_at_limit=true) to stop reading once O(limit) matching
    ranges are collected (fewer requests, but then the result is the top of what was read, not of the cluster).
  - Each range comes with its per-second rates, databases, tables, indexes, leaseholder and replicas.
  - Needs the C(admin) role or the C(VIEWCLUSTERMETADATA) privilege.
options:
  node_id:
    description:
      - Only the hot ranges of this node (a node id, or V(local) for the node at O(cluster_url)). Default all nodes.
    type: str
  limit:
    description: Return at most this many ranges, the hottest first. V(0) returns every range.
    type: int
    default: 100
  min_qps:
    description: Only ranges with at least this many queries per second.
    type: float
  database:
    description: Only ranges that hold data of this database.
    type: str
  table:
    description: Only ranges that hold data of this table (name without schema, as the server reports it).
    type: str
  page_size:
    description: Ranges asked for per request (the C(limit) query parameter of the fan-out pagination).
    type: int
    default: 1000
  stop_at_limit:
    description: Stop paging as soon as O(limit) matching ranges are collected.
    type: bool
    default: false
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLUSTER_GROUP
notes:
  - Nodes that could not be asked (for example a stopped node) are listed in RV(node_errors); the module does not fail.
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Top 10 hot ranges of the movr database
  cockroachdb.cockroachdb.hot_ranges_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    database: movr
    limit: 10
  register: hot

- name: Every range of node 2 above 100 QPS
  cockroachdb.cockroachdb.hot_ranges_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    node_id: "2"
    min_qps: 100
    limit: 0
"""

RETURN = r"""
ranges:
  description: Hot ranges, highest C(qps) first.
  returned: always
  type: list
  elements: dict
  contains:
    range_id:
      description: "Range id."
      type: int
      returned: always
      sample: 57
    node_id:
      description: "Node that reported the range."
      type: int
      returned: always
      sample: 1
    store_id:
      description: "Store that holds the replica."
      type: int
      returned: always
    qps:
      description: "Queries per second."
      type: float
      returned: always
      sample: 12.5
    reads_per_second:
      description: "Reads per second."
      type: float
      returned: always
    writes_per_second:
      description: "Writes per second."
      type: float
      returned: always
    read_bytes_per_second:
      description: "Bytes read per second."
      type: float
      returned: always
    write_bytes_per_second:
      description: "Bytes written per second."
      type: float
      returned: always
    cpu_time_per_second:
      description: "CPU nanoseconds per second."
      type: float
      returned: always
    leaseholder_node_id:
      description: "Node holding the lease."
      type: int
      returned: always
    replica_node_ids:
      description: "Nodes with a replica."
      type: list
      elements: int
      returned: always
    databases:
      description: "Databases with data in the range."
      type: list
      elements: str
      returned: always
    tables:
      description: "Tables with data in the range."
      type: list
      elements: str
      returned: always
    indexes:
      description: "Indexes with data in the range."
      type: list
      elements: str
      returned: always
    schema_name:
      description: "Schema name (empty on current servers)."
      type: str
      returned: always
node_errors:
  description: Nodes the fan-out could not ask, with the server's message.
  returned: always
  type: list
  elements: dict
  sample: [{node_id: 3, error_message: "failed to dial into node 3 (class=default): connection refused"}]
total_seen:
  description: Hot ranges read from the server, before filters and the limit.
  returned: always
  type: int
total_matched:
  description: Ranges that passed the filters, before the limit.
  returned: always
  type: int
pages:
  description: Pages (requests to C(ranges/hot/)) read.
  returned: always
  type: int
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import (
    ClusterModule,
    page_size_option,
    validate_page_size,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import (
    TopRanges,
    node_error_list,
    node_id_errors,
)


def validate(params):
    errors = node_id_errors(params["node_id"])
    if params["limit"] < 0:
        errors.append("limit must be 0 (every range) or more")
    return errors + validate_page_size(params)


def run(m):
    p = m.params
    top = TopRanges(limit=p["limit"], min_qps=p["min_qps"], database=p["database"], table=p["table"])
    errors = {}
    pages = 0
    for ranges, node_errors in m.client.iter_hot_ranges(node_id=p["node_id"], limit=p["page_size"]):
        pages += 1
        top.add(ranges)
        errors.update(node_errors)
        if p["stop_at_limit"] and p["limit"] and top.matched >= p["limit"]:
            break
    return dict(changed=False, ranges=top.result(), node_errors=node_error_list(errors, "error_message"),
                total_seen=top.seen, total_matched=top.matched, pages=pages)


def main():
    m = ClusterModule(argument_spec=dict(
        node_id=dict(type="str"),
        limit=dict(type="int", default=100),
        min_qps=dict(type="float"),
        database=dict(type="str"),
        table=dict(type="str"),
        page_size=page_size_option(1000),
        stop_at_limit=dict(type="bool", default=False),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
