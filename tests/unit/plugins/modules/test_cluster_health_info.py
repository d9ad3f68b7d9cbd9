# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_health_info against the in-process emulator: readiness as a result, liveness, restart safety."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_health_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module

HEALTH = "/api/v2/health/"


def run(emulated, **args):
    res = run_module(cluster_health_info, dict(emulated.cluster_args(), **args))
    assert emulated.admin_password not in res.output
    return res


def test_not_ready_is_a_result_not_a_failure(emulated):
    emulated.drain_node(2)
    emulated.advance(30)
    res = run(emulated, node_id=2)
    assert not res.failed and res["ready"] is False and res["status"] == 500 and res["meaning"].startswith("not ready")
    assert res["liveness"] == "draining" and res["liveness_status"] == 6
    health = [e for e in emulated.requests() if e["path"] == HEALTH]
    assert health[0]["query"] == {"ready": ["true"], "remote_node_id": ["2"]} and health[0]["node_id"] == 1


def test_without_node_id_needs_no_login(emulated):
    res = run(emulated)
    assert res["ready"] is True and res["liveness"] is None and res["restart_safety"] is None
    assert emulated.paths() == [("GET", HEALTH)]


def test_stopped_node_through_the_proxy_and_direct(emulated):
    emulated.stop_node(3)
    res = run(emulated, node_id=3)
    assert not res.failed and res["status"] == 502 and res["meaning"].startswith("no answer: node 3")
    res = run(emulated, node_url=emulated.node_url(3), retries=0)
    assert not res.failed and res["status"] is None and "unreachable" in res["meaning"]


def test_restart_safety_waits_until_safe(emulated):
    emulated.drain_node(3)
    res = run(emulated, node_id=3, restart_safety=True, wait_safe_timeout=120, wait_safe_interval=1)
    safety = res["restart_safety"]
    assert not res.failed and safety["safe"] is True and safety["message"] == "node 3 is safe to stop"
    assert safety["polls"] > 1 and 0 < safety["waited"] < 120


def test_restart_safety_not_safe_says_why(emulated):
    res = run(emulated, node_id=3, restart_safety=True)
    safety = res["restart_safety"]
    assert not res.failed and safety["safe"] is False and safety["polls"] == 1 and safety["shape"] == "counters"
    leaderships = safety["counters"]["raft_leaderships"]
    assert leaderships > 0 and safety["message"] == (
        "node 3 is not safe to stop: node still holds %d Raft leaderships, 1 store is not draining" % leaderships)
    paths = [e for e in emulated.requests() if e["path"] == "/api/v2/health/restart_safety/"]
    assert paths[0]["query"] == {"remote_node_id": ["3"]} and paths[0]["status"] == 503


def test_restart_safety_names_under_replicated_ranges_after_a_wait(emulated):
    emulated.drain_node(3)
    emulated.stop_node(2)
    res = run(emulated, node_id=3, restart_safety=True, wait_safe_timeout=2, wait_safe_interval=1)
    safety = res["restart_safety"]
    n = safety["counters"]["underreplicated_ranges"]
    assert not res.failed and n > 0 and safety["polls"] == 3
    assert safety["message"] == "node 3 is not safe to stop after 2s: %d ranges would become under-replicated" % n


def test_restart_safety_not_permitted_ends_the_wait_at_once(emulated):
    from emulator.cluster.seed import APP_READER_PASSWORD  # a seeded SQL user without admin or VIEWCLUSTERMETADATA

    res = run(emulated, node_url=emulated.node_url(3), restart_safety=True, wait_safe_timeout=120,
              username="app_reader", password=APP_READER_PASSWORD)
    safety = res["restart_safety"]
    assert not res.failed and safety["permitted"] is False and safety["polls"] == 1 and safety["waited"] == 0
    assert safety["message"] == (
        "node %s is not known to be safe to stop: not permitted: user app_reader needs admin (or VIEWCLUSTERMETADATA) "
        "to ask restart_safety (HTTP 403: user not allowed to access this endpoint)" % emulated.node_url(3))
    assert APP_READER_PASSWORD not in res.output


def test_restart_safety_replica_list_still_read(emulated):
    emulated.control("POST", "/_emulator/restart_safety", {"shape": "replicas"})
    res = run(emulated, node_id=3, restart_safety=True)
    safety = res["restart_safety"]
    assert safety["shape"] == "replicas" and safety["counters"] is None and safety["replicas"] == 150
    assert safety["message"].startswith("node 3 is not safe to stop: ") and "replicas StoreNotDraining" in safety["message"]


def test_bad_input_no_request(emulated):
    res = run(emulated, node_url="node1:8080", node_id=0, wait_safe_timeout=-1, wait_safe_interval=0.1)
    for text in ("node_url must be a node's base URL", "node_id must be a positive", "wait_safe_timeout must be at least 0",
                 "wait_safe_interval must be at least 0.25"):
        assert text in res["msg"]
    assert emulated.requests() == []


def test_unknown_node_is_named_not_a_bad_ready_parameter(emulated):
    """The proxy answers 400 for a node id it cannot route to: an unknown node, not a readiness answer."""
    res = run(emulated, node_id=9, restart_safety=True, wait_safe_timeout=60)
    assert res.failed and res["msg"].startswith("node 9 is not in the cluster (nodes: 1, 2, 3); ")
    assert "boolean" not in res["msg"]
    # the 400 of the restart-safety probe ends its wait at once
    assert emulated.paths().count(("GET", "/api/v2/health/restart_safety/")) == 1


def test_unknown_node_with_its_own_url_is_a_liveness_error(emulated):
    res = run(emulated, node_id=9, node_url=emulated.node_url(2))
    assert not res.failed and res["ready"] is True
    assert res["liveness"] == "unknown" and res["liveness_error"] == "node 9 is not in the cluster (nodes: 1, 2, 3)"


@pytest.mark.parametrize("args,text", [
    ({"restart_safety": True, "wait_safe_timeout": float("nan")}, "wait_safe_timeout must be a finite number"),
    ({"restart_safety": True, "wait_safe_timeout": float("inf")}, "wait_safe_timeout must be a finite number"),
    ({"restart_safety": True, "wait_safe_timeout": 1e12}, "wait_safe_timeout must be at least 0 and at most 86400"),
    ({"restart_safety": True, "wait_safe_interval": float("nan")}, "wait_safe_interval must be a finite number, got nan"),
    ({"restart_safety": True, "wait_safe_interval": 1e9}, "a finite number up to 3600"),
])
def test_non_finite_and_out_of_range_numbers_are_refused(emulated, args, text):
    res = run(emulated, node_id=3, **args)
    assert res.failed and text in res["msg"] and "Traceback" not in res.output
    assert emulated.requests() == []
