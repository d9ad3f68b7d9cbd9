# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hot_ranges_info against the in-process emulator: sorted over every page, filters, early stop, node errors."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import hot_ranges_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module

HOT = "/api/v2/ranges/hot/"


def run(emulated, **args):
    res = run_module(hot_ranges_info, dict(emulated.cluster_args(), **args))
    assert emulated.admin_password not in res.output
    return res


def test_sorted_over_all_pages_and_limited(emulated):
    everything = run(emulated, limit=0, page_size=1000)
    seen = everything["total_seen"]
    assert seen > 25 and everything["pages"] == 1 and len(everything["ranges"]) == seen
    emulated.clear_requests()
    res = run(emulated, limit=5, page_size=10)
    qps = [r["qps"] for r in res["ranges"]]
    assert qps == sorted((r["qps"] for r in everything["ranges"]), reverse=True)[:5]
    assert res["total_seen"] == seen and res["pages"] == seen // 10 + 1
    assert emulated.paths().count(("GET", HOT)) == res["pages"]
    assert res["node_errors"] == []


def test_filters_and_stop_at_limit(emulated):
    full = run(emulated, limit=3, page_size=5, database="movr", min_qps=1)
    res = run(emulated, limit=3, page_size=5, database="movr", min_qps=1, stop_at_limit=True, node_id="local")
    assert len(res["ranges"]) == 3
    assert all(r["databases"] == ["movr"] and r["qps"] >= 1 for r in res["ranges"])
    assert res["pages"] < full["pages"]
    local = [e for e in emulated.requests() if e["path"] == HOT][-res["pages"]:]
    assert all(e["query"]["node_id"] == ["local"] for e in local)


def test_a_stopped_node_is_a_node_error(emulated):
    emulated.stop_node(3)
    res = run(emulated, page_size=7)
    assert not res.failed and res["ranges"]
    assert [e["node_id"] for e in res["node_errors"]] == [3]
    assert "node 3" in res["node_errors"][0]["error_message"]


def test_bad_input_no_request(emulated):
    res = run(emulated, node_id="two", limit=-1, page_size=0)
    assert res.failed and "node_id" in res["msg"] and "limit must be 0" in res["msg"] and "page_size" in res["msg"]
    assert emulated.requests() == []
