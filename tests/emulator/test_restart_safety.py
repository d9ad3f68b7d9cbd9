"""``/api/v2/health/restart_safety/`` as emulated: the v25.4 counters by default, the replica list behind a flag.

In-process (no sockets, a manual clock); the answers are the ones the HTTP listeners give (test_inprocess.py).
"""

from __future__ import annotations

import pytest

from emulator.cluster.seed import APP_READER_PASSWORD, MONITOR_PASSWORD
from emulator.core import ManualClock
from emulator.inprocess import InProcessEmulator

PATH = "/api/v2/health/restart_safety/"
COUNTER_KEYS = {"unavailable_range_count", "underreplicated_range_count", "raft_leadership_on_node_count",
                "store_not_draining_count"}


def login(emu, user=None, password=None):
    r = emu.session().post(emu.node_url(1) + "/api/v2/login/",
                           data={"username": user or emu.admin_user,
                                 "password": password if password is not None else emu.admin_password})
    assert r.status_code == 200, r.text
    return r.json()["session"]


def ask(emu, node_id, token, **params):
    headers = {"X-Cockroach-API-Session": token} if token else {}
    return emu.session().get(emu.node_url(node_id) + PATH, headers=headers, params=params or None)


@pytest.fixture
def emu():
    return InProcessEmulator(clock=ManualClock(), nodes=3, seed=0)


@pytest.fixture
def token(emu):
    return login(emu)


def test_fresh_node_is_unsafe_with_its_leaderships_and_one_store(emu, token):
    r = ask(emu, 1, token)
    assert r.status_code == 503 and r.headers["Content-Type"] == "application/json"
    body = r.json()
    # zero counters and a false is_restart_safe are omitted
    assert set(body) == {"raft_leadership_on_node_count", "store_not_draining_count"}
    assert body["store_not_draining_count"] == 1
    # the leaderships are the leases the node holds, as /nodes/ reports them
    nodes = emu.session().get(emu.node_url(1) + "/api/v2/nodes/", headers={"X-Cockroach-API-Session": token}).json()
    leases = sum(m["replicas.leaseholders"] for m in nodes["nodes"][0]["store_metrics"].values())
    assert body["raft_leadership_on_node_count"] == leases > 0


def test_drained_node_is_safe(emu, token):
    emu.drain_node(2, unready_seconds=0)
    r = ask(emu, 2, token)
    assert r.status_code == 200 and r.json() == {"is_restart_safe": True}
    assert r.content == b'{"is_restart_safe":true}'
    # the other nodes took the leaderships over: still unsafe
    assert ask(emu, 1, token).json()["raft_leadership_on_node_count"] > 0


def test_peer_down_makes_a_drained_node_unsafe(emu, token):
    """TestCheckRestartSafe_RangeStatus: a drained node whose peer is down has under-replicated ranges only."""
    emu.drain_node(1, unready_seconds=0)
    emu.stop_node(2)
    r = ask(emu, 1, token)
    assert r.status_code == 503
    assert set(r.json()) == {"underreplicated_range_count"} and r.json()["underreplicated_range_count"] > 0
    emu.start_node(2)
    emu.advance(5)  # past --catchup-seconds
    assert ask(emu, 1, token).status_code == 200


def test_lost_quorum_counts_unavailable_ranges(emu, token):
    emu.stop_node(2)
    emu.stop_node(3)
    body = ask(emu, 1, token).json()
    assert body["unavailable_range_count"] > 0
    assert body["underreplicated_range_count"] >= body["unavailable_range_count"]


def test_every_store_counts_until_the_drain():
    emu = InProcessEmulator(clock=ManualClock(), nodes=3, seed=0, stores_per_node=2)
    token = login(emu)
    assert ask(emu, 3, token).json()["store_not_draining_count"] == 2
    emu.drain_node(3, unready_seconds=0)
    assert ask(emu, 3, token).status_code == 200


def test_patched_underreplicated_metric_counts_on_its_node(emu, token):
    emu.drain_node(2, unready_seconds=0)
    emu.patch_node(2, {"ranges.underreplicated": 2})
    r = ask(emu, 2, token)
    assert r.status_code == 503 and r.json() == {"underreplicated_range_count": 2}


def test_through_the_proxy_the_target_answers(emu, token):
    emu.drain_node(3, unready_seconds=0)
    assert ask(emu, 1, token, remote_node_id=3).status_code == 200
    assert ask(emu, 1, token).status_code == 503


@pytest.mark.parametrize("user,password,status,text", [
    (None, None, 401, "invalid session header"),
    ("app_reader", APP_READER_PASSWORD, 403, "user not allowed to access this endpoint"),
])
def test_session_and_admin_required(emu, user, password, status, text):
    token = login(emu, user, password) if user else None
    r = ask(emu, 1, token)
    assert r.status_code == status and r.text == text + "\n"


def test_view_cluster_metadata_is_enough(emu):
    assert ask(emu, 1, login(emu, "monitor", MONITOR_PASSWORD)).status_code == 503


def test_insecure_needs_no_session():
    emu = InProcessEmulator(clock=ManualClock(), nodes=3, seed=0, insecure=True)
    assert ask(emu, 1, None).status_code == 503


def test_replica_list_behind_the_flag():
    emu = InProcessEmulator(clock=ManualClock(), nodes=3, seed=0, restart_safety_shape="replicas")
    token = login(emu)
    body = ask(emu, 1, token).json()
    assert body["is_critical"] is True and body["node_id"] == 1
    assert {x["status"] for x in body["replicas"]} == {"IsRaftLeader", "StoreNotDraining"}
    emu.drain_node(1, unready_seconds=0)
    assert ask(emu, 1, token).json() == {"node_id": 1}


def test_shape_switched_at_run_time_and_restored_by_reset(emu, token):
    assert emu.control("GET", "/_emulator/restart_safety") == {"shape": "counters"}
    assert emu.control("POST", "/_emulator/restart_safety", {"shape": "replicas"}) == {"shape": "replicas"}
    assert "replicas" in ask(emu, 1, token).json()
    r = emu.control_raw("POST", "/_emulator/restart_safety", {"shape": "list"})
    assert r.status == 400 and b"shape must be one of counters, replicas" in r.body
    r = emu.control_raw("POST", "/_emulator/restart_safety", {"shape": "counters", "x": 1})
    assert r.status == 400 and b"unknown field(s): x" in r.body
    emu.reset()
    assert emu.control("GET", "/_emulator/restart_safety") == {"shape": "counters"}
    assert set(ask(emu, 1, login(emu)).json()) <= COUNTER_KEYS
