# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_nodes_info against the in-process emulator: every page, one login and one logout, filters, bad input."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_nodes_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module


def run(emulated, **args):
    res = run_module(cluster_nodes_info, dict(emulated.cluster_args(), **args))
    for secret in emulated.secrets():
        assert secret not in res.output
    return res


def test_all_pages_one_login_one_logout(emulated_factory):
    emu = emulated_factory(nodes=5)
    emu.drain_node(2)
    emu.advance(30)
    emu.patch_node(3, {"stores": {"3": {"ranges.underreplicated": 2}}})
    emu.patch_node(5, {"stores": {"5": {"ranges.underreplicated": 1}}})
    emu.advance(10)  # one status interval: nodes 3 and 5 write their records again
    emu.clear_requests()
    res = run(emu, page_size=2)
    assert not res.failed and res["changed"] is False
    assert [n["node_id"] for n in res["nodes"]] == [1, 2, 3, 4, 5]
    assert res["nodes"][1]["liveness"] == "draining" and res["nodes"][1]["liveness_status"] == 6
    assert res["summary"]["ranges_underreplicated"] >= 3 and res["summary"]["node_count"] == 5
    assert emu.paths() == [("POST", "/api/v2/login/")] + [("GET", "/api/v2/nodes/")] * 3 + [("POST", "/api/v2/logout/")]


def test_with_session_makes_no_login_and_filters(emulated):
    emulated.drain_node(2)
    emulated.advance(30)
    token = emulated.login()
    emulated.clear_requests()
    res = run(emulated, session=token, username=None, password=None, liveness=["draining"], node_ids=[1, 2])
    assert [n["node_id"] for n in res["nodes"]] == [2]
    assert emulated.paths() == [("GET", "/api/v2/nodes/")]
    assert token not in res.output


def test_metrics_only_when_asked(emulated):
    plain = run(emulated)
    full = run(emulated, include_metrics=True)
    assert "metrics" not in plain["nodes"][0] and full["nodes"][0]["metrics"] and full["nodes"][0]["store_metrics"]


def test_bad_input_fails_before_any_request(emulated):
    res = run(emulated, liveness=["sleepy"], page_size=0, node_ids=[0])
    assert res.failed and "'sleepy'" in res["msg"] and "draining" in res["msg"]
    assert "page_size must be 1 or more" in res["msg"] and "node_ids must be positive" in res["msg"]
    res = run(emulated, cluster_url=emulated.node_url(1) + "/api/v2/")
    assert res.failed and "without /api/v2" in res["msg"]
    assert emulated.requests() == []


def test_wrong_password_clear_message_no_secret(emulated):
    res = run(emulated, password="wrong-" + emulated.admin_password)
    assert res.failed and "login as 'root' failed" in res["msg"] and "did not match" in res["msg"]
    assert "wrong-" not in res.output and "Traceback" not in res.output
    assert emulated.paths() == [("POST", "/api/v2/login/")]


def test_invalid_token_clear_message(emulated):
    res = run(emulated, session="bm90LWEtdG9rZW4=", username=None, password=None)
    assert res.failed and "session token was rejected" in res["msg"] and res["status"] == 401
    assert "bm90LWEtdG9rZW4=" not in res.output
