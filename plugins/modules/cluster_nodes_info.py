#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_nodes_info
short_description: List the nodes of a CockroachDB cluster with liveness, version and range health
version_added: 0.1.0
description:
  - Reads C(GET /api/v2/nodes/), following its offset pagination to the end, and returns every node with its
    addresses, locality as a dict, build tag and version, liveness as a name next to the raw int,
    start and update times as ISO 8601, and its under-replicated and unavailable ranges summed over all its stores.
  - Filters by node id and by liveness are applied to the full list.
  - Needs the C(admin) role or the C(VIEWCLUSTERMETADATA) privilege.
options:
  node_ids:
    description: Only return these nodes. Empty returns every node.
    type: list
    elements: int
    default: []
  liveness:
    description:
      - Only return nodes whose liveness is one of these names (or raw ints as strings).
    type: list
    elements: str
    default: []
  include_metrics:
    description: Also return each node's raw node-level C(metrics) and per-store C(store_metrics).
    type: bool
    default: false
  page_size:
    description: Nodes asked for per request.
    type: int
    default: 200
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLUSTER_GROUP
notes:
  - Liveness names are V(live), V(dead), V(suspect), V(decommissioning), V(decommissioned), V(draining) and
    V(unknown) (V(unavailable) is accepted as a filter alias of V(suspect)).
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: All nodes
  cockroachdb.cockroachdb.cluster_nodes_info:
    cluster_url: https://node1:8080
    username: admin
    password: "{{ crdb_password }}"
  register: crdb

- name: Fail when a node is not live
  ansible.builtin.assert:
    that: crdb.nodes | rejectattr('liveness', 'eq', 'live') | list | length == 0

- name: Only draining and dead nodes, with a session token
  cockroachdb.cockroachdb.cluster_nodes_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    liveness: [draining, dead]
"""

RETURN = r"""
nodes:
  description: The nodes, in node id order.
  returned: always
  type: list
  elements: dict
  contains:
    node_id:
      description: "Node id."
      type: int
      returned: always
      sample: 1
    address:
      description: "RPC address C(host:port)."
      type: str
      returned: always
      sample: "crdb1:26257"
    sql_address:
      description: "SQL address C(host:port)."
      type: str
      returned: always
      sample: "crdb1:26257"
    locality:
      description: "Locality tiers as a dict."
      type: dict
      returned: always
      sample: {region: us-east1, zone: us-east1-b}
    locality_tiers:
      description: "Locality tiers as C(key=value) strings in server order."
      type: list
      elements: str
      returned: always
    attrs:
      description: "Node attributes."
      type: list
      elements: str
      returned: always
    build_tag:
      description: "Build tag of the binary."
      type: str
      returned: always
      sample: v25.4.1
    version:
      description: "C(major.minor) of the server version."
      type: str
      returned: always
      sample: "25.4"
    server_version:
      description: "The raw C(ServerVersion) object."
      type: dict
      returned: always
    cluster_name:
      description: "Cluster name (empty if unset)."
      type: str
      returned: always
    started_at:
      description: "Process start time, ISO 8601 UTC."
      type: str
      returned: always
      sample: "2025-11-22T08:26:40.000000Z"
    updated_at:
      description: "When the node last wrote its status record, ISO 8601 UTC."
      type: str
      returned: always
    liveness:
      description: "Liveness name."
      type: str
      returned: always
      sample: live
    liveness_status:
      description: "Raw C(liveness_status) int (3 live, 6 draining, ...)."
      type: int
      returned: always
      sample: 3
    is_live:
      description: "Whether the liveness is V(live)."
      type: bool
      returned: always
    store_ids:
      description: "Store ids of the node."
      type: list
      elements: int
      returned: always
    ranges:
      description: "Ranges over all stores."
      type: int
      returned: always
    ranges_underreplicated:
      description: "Under-replicated ranges summed over all stores."
      type: int
      returned: always
      sample: 0
    ranges_unavailable:
      description: "Unavailable ranges summed over all stores."
      type: int
      returned: always
      sample: 0
    replicas:
      description: "Replicas over all stores."
      type: int
      returned: always
    leaseholders:
      description: "Leaseholder replicas over all stores."
      type: int
      returned: always
    num_cpus:
      description: "CPUs."
      type: int
      returned: always
    total_system_memory:
      description: "Memory in bytes."
      type: int
      returned: always
    live_nodes_seen:
      description: "The node's C(liveness.livenodes) gauge (live nodes as seen by this node)."
      type: int
      returned: always
    metrics:
      description: "Raw node-level metrics."
      type: dict
      returned: when O(include_metrics=true)
    store_metrics:
      description: "Raw store metrics by store id."
      type: dict
      returned: when O(include_metrics=true)
summary:
  description: Counts over the returned nodes.
  returned: always
  type: dict
  contains:
    node_count:
      description: "Number of nodes returned."
      type: int
      returned: always
    by_liveness:
      description: "Node count by liveness name."
      type: dict
      returned: always
      sample: {live: 2, draining: 1}
    ranges_underreplicated:
      description: "Sum over the returned nodes."
      type: int
      returned: always
    ranges_unavailable:
      description: "Sum over the returned nodes."
      type: int
      returned: always
    build_tags:
      description: "Distinct build tags."
      type: list
      elements: str
      returned: always
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import (
    ClusterModule,
    page_size_option,
    validate_page_size,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import (
    cluster_summary,
    filter_nodes,
    liveness_filter_errors,
    normalize_node,
)


def validate(params):
    errors = liveness_filter_errors(params["liveness"]) + validate_page_size(params)
    if any(n < 1 for n in params["node_ids"]):
        errors.append("node_ids must be positive node ids")
    return errors


def run(m):
    raw = m.client.list_nodes(limit=m.params["page_size"])
    nodes = [normalize_node(n, include_metrics=m.params["include_metrics"]) for n in raw]
    nodes.sort(key=lambda n: n.get("node_id") or 0)
    nodes = filter_nodes(nodes, m.params["node_ids"], m.params["liveness"])
    return dict(changed=False, nodes=nodes, summary=cluster_summary(nodes))


def main():
    m = ClusterModule(argument_spec=dict(
        node_ids=dict(type="list", elements="int", default=[]),
        liveness=dict(type="list", elements="str", default=[]),
        include_metrics=dict(type="bool", default=False),
        page_size=page_size_option(200),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
