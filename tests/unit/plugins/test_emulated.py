# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared unit-test harness (emulated.py, conftest.py): real modules against the in-process emulator."""

import json

import requests

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import transport
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_cluster_info, cluster_nodes_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import InProcessSession, run_module


def test_cluster_nodes_info_pages_through_the_emulator(emulated):
    res = run_module(cluster_nodes_info, emulated.cluster_args(page_size=2))
    assert not res.failed and res["changed"] is False
    assert [n["node_id"] for n in res["nodes"]] == [1, 2, 3]
    assert emulated.paths() == [("POST", "/api/v2/login/")] + [("GET", "/api/v2/nodes/")] * 2 + [
        ("POST", "/api/v2/logout/")]
    for secret in emulated.secrets():
        assert secret not in res.output


def test_cluster_nodes_info_sees_a_stopped_node(emulated):
    emulated.stop_node(3)
    emulated.clock.sleep(5)  # past the liveness expiry
    res = run_module(cluster_nodes_info, emulated.cluster_args(node_ids=[3]))
    assert not res.failed and res["nodes"][0]["liveness_status"] != 3


def test_cluster_nodes_info_bad_password_fails_without_secret(emulated):
    res = run_module(cluster_nodes_info, emulated.cluster_args(password="wrong-password"))
    assert res.failed and "login as 'root' failed" in res["msg"]
    assert "wrong-password" not in res.output


def test_cloud_cluster_info_finds_a_created_cluster(emulated):
    created = emulated.create_cluster("shop-dev")
    res = run_module(cloud_cluster_info, emulated.cloud_args(name="shop-dev"))
    assert not res.failed and [(c["id"], c["state"]) for c in res["clusters"]] == [(created["id"], "CREATED")]
    assert emulated.api_key not in res.output
    assert all(e["status"] == 200 for e in emulated.requests(api="cloud"))


def test_retried_503_costs_no_real_time(emulated):
    emulated.fault_rules({"kind": "503", "path": "/api/v2/nodes/", "count": 2})
    res = run_module(cluster_nodes_info, emulated.cluster_args())
    assert not res.failed and len(res["nodes"]) == 3
    assert [e["status"] for e in emulated.requests() if e["path"] == "/api/v2/nodes/"] == [503, 503, 200]
    assert len(emulated.clock.sleeps) == 2 and all(s > 0 for s in emulated.clock.sleeps)


def test_every_session_is_the_emulator_and_the_plugins_use_the_clock(emulated):
    assert isinstance(requests.Session(), InProcessSession)
    t = transport.Transport(emulated.node_url(1))
    assert isinstance(t.session, InProcessSession)
    before = emulated.clock.monotonic()
    t.throttle.interval = 10.0
    t.throttle.wait()
    t.throttle.wait()
    assert emulated.clock.monotonic() == before + 10.0


def test_run_module_reports_a_failure(emulated):
    res = run_module(cluster_nodes_info.main, emulated.cluster_args(page_size=0))
    assert res.failed and "page_size" in res["msg"]
    assert json.loads(res.output)["failed"] is True
    assert emulated.requests() == []


def test_emulated_factory_takes_cli_flags(emulated_factory):
    emu = emulated_factory(nodes=5)
    res = run_module(cluster_nodes_info, emu.cluster_args(node_id=4))
    assert not res.failed and len(res["nodes"]) == 5
    assert {e["node_id"] for e in emu.requests()} == {4}
