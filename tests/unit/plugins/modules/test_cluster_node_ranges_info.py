# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_node_ranges_info against the in-process emulator: every page, some ranges, problems only."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_node_ranges_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module


def run(emulated, **args):
    return run_module(cluster_node_ranges_info, dict(emulated.cluster_args(), **args))


def test_all_pages_in_range_order(emulated):
    res = run(emulated, node_id="2", page_size=20)
    ids = [r["range_id"] for r in res["ranges"]]
    assert not res.failed and len(ids) > 20 and ids == sorted(ids) and res["node_id"] == "2"
    assert emulated.paths().count(("GET", "/api/v2/nodes/2/ranges/")) == -(-len(ids) // 20)


def test_some_ranges_and_problems_only(emulated):
    ids = [r["range_id"] for r in run(emulated, node_id="local")["ranges"]][:3]
    some = run(emulated, node_id="local", range_ids=ids)
    assert sorted(r["range_id"] for r in some["ranges"]) == sorted(ids)
    assert run(emulated, node_id="1", problems_only=True)["ranges"] == []
    emulated.stop_node(3)
    emulated.advance(10)  # its replicas are missing until the cluster re-replicates them
    problems = run(emulated, node_id="1", problems_only=True)["ranges"]
    assert problems and all(r["problem_names"] for r in problems)


def test_bad_input_no_request(emulated):
    res = run(emulated, node_id="first", range_ids=[0], page_size=0)
    for text in ("node_id must be a positive node id or 'local'", "range_ids must be positive", "page_size"):
        assert text in res["msg"]
    assert emulated.requests() == []


def test_unknown_node_is_named_without_retrying_the_servers_500(emulated):
    """A node id the cluster does not have: the server's dial fails (generic 500); the node list decides."""
    res = run(emulated, node_id="9")
    assert res.failed and res["msg"] == "node 9 is not in the cluster (nodes: 1, 2, 3)"
    assert emulated.paths() == [("POST", "/api/v2/login/"), ("GET", "/api/v2/nodes/9/ranges/"),
                                ("GET", "/api/v2/nodes/"), ("POST", "/api/v2/logout/")]


def test_a_transient_500_of_a_known_node_is_asked_again(emulated):
    emulated.fault_rules({"kind": "500", "path": "/api/v2/nodes/2/ranges/"})
    res = run(emulated, node_id="2")
    assert not res.failed and res["ranges"]
    assert emulated.paths().count(("GET", "/api/v2/nodes/2/ranges/")) == 2
