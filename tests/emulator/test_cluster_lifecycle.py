"""Node lifecycle through the control API: stop/start, drain, restart phases, liveness
transitions, fan-out error entries and replication state (reference §5, §6, §12, §15)."""

import time

import pytest
import requests

from conftest import NodeClient

# status_interval=0: these tests check the replication, lease and liveness model itself over sub-second real
# timings, so /api/v2/nodes/ computes each record per request (kinder than a real node, chosen on purpose here);
# the record schedule of a real node (one write per interval) is tested in test_status_records.py.
FAST = dict(nodes=3, liveness_expiry=0.6, time_until_store_dead=1.6, catchup_seconds=0.6,
            unready_seconds=0.4, drain_seconds=0.4, status_interval=0)


def refused(url):
    try:
        requests.get(url + "/api/v2/health/", timeout=2)
    except requests.ConnectionError:
        return True
    return False


def liveness(c, nid):
    return next(n for n in c.json("/api/v2/nodes/")["nodes"] if n["node_id"] == nid)["liveness_status"]


def under(c):
    return sum(m["ranges.underreplicated"] for n in c.json("/api/v2/nodes/")["nodes"]
               for m in n["store_metrics"].values())


@pytest.fixture
def fast(emulator_factory):
    e = emulator_factory(**FAST)
    c = NodeClient(e, 1, e.login(1))
    return e, c


def test_stop_refuses_connections_and_start_rebinds_same_port(fast):
    e, c = fast
    url3 = e.node_url(3)
    keep = requests.Session()
    assert keep.get(url3 + "/api/v2/health/").status_code == 200  # open keep-alive connection
    st = e.control("POST", "/_emulator/nodes/3/stop")
    assert st["up"] is False and st["listening"] is False
    assert refused(url3)
    with pytest.raises(requests.ConnectionError):
        keep.get(url3 + "/api/v2/health/", timeout=2)
    # other nodes still list it: LIVE until the liveness record expires, then 2, then 1
    assert liveness(c, 3) == 3
    time.sleep(0.8)
    assert liveness(c, 3) == 2
    time.sleep(1.0)
    assert liveness(c, 3) == 1
    e.control("POST", "/_emulator/nodes/3/start")
    r = requests.get(url3 + "/api/v2/health/?ready=true", timeout=2)
    assert r.status_code == 200
    assert liveness(c, 3) == 3


def test_down_node_is_an_error_entry_in_fanouts(fast):
    e, c = fast
    e.control("POST", "/_emulator/nodes/2/stop")
    hot = c.json("/api/v2/ranges/hot/")
    assert hot["response_error"][0]["node_id"] == 2 and "error_message" in hot["response_error"][0]
    assert {r["node_id"] for r in hot["ranges"]} == {1, 3}
    assert hot["next"] == "fDB8MHw="
    ss = c.json("/api/v2/sessions/")
    assert [x["node_id"] for x in ss["errors"]] == [2] and "message" in ss["errors"][0]
    assert 2 not in {s["node_id"] for s in ss["sessions"]}
    rng = c.json("/api/v2/ranges/1/")["responses_by_node_id"]
    assert "error" in rng["2"] and rng["2"]["range_info"]["desc"]["range_id"] == 0
    assert c.get("/api/v2/nodes/2/ranges/").status_code == 500
    # paginated fan-out skips the error node and still terminates
    b = c.json("/api/v2/ranges/hot/?limit=60")
    b = c.json("/api/v2/ranges/hot/?limit=60&start=" + b["next"])
    assert b["response_error"][0]["node_id"] == 2


def test_underreplication_while_down_then_catchup(fast):
    e, c = fast
    assert under(c) == 0
    e.control("POST", "/_emulator/nodes/2/stop")
    n_down = under(c)
    assert n_down > 0
    nodes = c.json("/api/v2/nodes/")["nodes"]
    # counted on the live leaseholders' stores only
    assert sum(m["ranges.underreplicated"] for m in nodes[1]["store_metrics"].values()) == 0
    e.control("POST", "/_emulator/nodes/2/start")
    assert under(c) == n_down  # still catching up
    time.sleep(0.8)
    assert under(c) == 0


def test_two_nodes_down_means_unavailable_ranges(fast):
    e, c = fast
    e.control("POST", "/_emulator/nodes/2/stop")
    e.control("POST", "/_emulator/nodes/3/stop")
    n1 = c.json("/api/v2/nodes/?limit=1")["nodes"][0]
    assert n1["store_metrics"]["1"]["ranges.unavailable"] > 0
    r = NodeClient(e, 1, e.login(1)).get("/api/v2/health/restart_safety/")
    assert r.status_code == 503
    assert r.json()["unavailable_range_count"] > 0


def test_restart_phases_in_order(fast):
    e, c = fast
    url2 = e.node_url(2)
    e.control("POST", "/_emulator/nodes/2/restart", {"downtime": 0.6, "build_tag": "v25.4.2"})
    phases = []
    deadline = time.monotonic() + 6
    probe = requests.Session()
    while time.monotonic() < deadline:
        try:
            r = probe.get(url2 + "/api/v2/health/?ready=true", timeout=1)
            lv = liveness(c, 2)
            if r.status_code == 200 and lv == 3:
                ph = "live+ready"
            elif lv == 6:
                ph = "draining"
            else:
                ph = "unready"
        except requests.ConnectionError:
            ph = "refused"
            probe = requests.Session()
        if not phases or phases[-1] != ph:
            phases.append(ph)
        if ph == "live+ready" and "refused" in phases:
            break
        time.sleep(0.04)
    assert phases == ["unready", "draining", "refused", "live+ready"]
    n2 = c.json("/api/v2/nodes/")["nodes"][1]
    assert n2["build_tag"] == "v25.4.2" and n2["ServerVersion"]["minor_val"] == 4
    evs = c.json("/api/v2/events/?type=node_restart")["events"]
    assert evs and evs[0]["reporting_id"] == 2


def test_restart_v1_health_messages(fast):
    e, c = fast
    e.control("POST", "/_emulator/nodes/1/restart", {"downtime": 0.5})
    r = requests.get(e.node_url(1) + "/health?ready=1", timeout=2)
    assert r.status_code == 503 and r.json()["message"] == "node is shutting down"


def test_restart_that_never_comes_back(fast):
    e, c = fast
    e.control("POST", "/_emulator/nodes/3/restart", {"downtime": 0, "fail": True,
                                                     "unready_seconds": 0, "drain_seconds": 0})
    time.sleep(0.3)
    assert refused(e.node_url(3))
    time.sleep(1.7)
    assert refused(e.node_url(3))
    assert liveness(c, 3) == 1
    st = e.control("GET", "/_emulator/nodes/3")
    assert st["phase"] == "down" and st["up"] is False
    e.control("POST", "/_emulator/nodes/3/start")
    assert requests.get(e.node_url(3) + "/api/v2/health/?ready=true", timeout=2).status_code == 200


def test_drain_sets_liveness_draining_and_moves_leases(fast):
    e, c = fast
    e.control("POST", "/_emulator/nodes/2/drain")
    assert NodeClient(e, 2).get("/api/v2/health/?ready=true").status_code == 500
    time.sleep(0.5)
    nodes = c.json("/api/v2/nodes/")["nodes"]
    assert nodes[1]["liveness_status"] == 6
    assert nodes[1]["store_metrics"]["2"]["replicas.leaseholders"] == 0
    assert sum(m["replicas.leaseholders"] for n in nodes for m in n["store_metrics"].values()) == 150
    assert NodeClient(e, 2, e.login(2)).get("/api/v2/health/restart_safety/").status_code == 200
    assert not [r for r in c.json("/api/v2/ranges/hot/")["ranges"] if r["node_id"] == 2]
    e.control("POST", "/_emulator/nodes/2/start")  # undrain
    assert liveness(c, 2) == 3


def test_ready_delay_after_start(emulator_factory):
    e = emulator_factory(nodes=2, ready_delay=0.6)
    e.control("POST", "/_emulator/nodes/2/stop")
    e.control("POST", "/_emulator/nodes/2/start")
    c = NodeClient(e, 2)
    r = c.get("/health?ready=1")
    assert r.status_code == 503 and r.json()["error"] == "node is not accepting SQL clients"
    time.sleep(0.7)
    assert c.get("/health?ready=1").status_code == 200


def test_clock_advance_makes_stopped_node_dead(fresh_emulator):
    e = fresh_emulator
    c = NodeClient(e, 1, e.login(1))
    e.control("POST", "/_emulator/nodes/3/stop")
    e.control("POST", "/_emulator/clock", {"advance": 5})
    assert liveness(c, 3) == 2
    e.control("POST", "/_emulator/clock", {"advance": 60})
    assert liveness(c, 3) == 1
    # after store-dead + catch-up the ranges were re-replicated elsewhere
    assert under(c) == 0


def test_stop_while_restarting_keeps_node_down(fast):
    e, c = fast
    e.control("POST", "/_emulator/nodes/2/restart", {"downtime": 0.5, "unready_seconds": 0, "drain_seconds": 0})
    time.sleep(0.1)
    assert refused(e.node_url(2))
    e.control("POST", "/_emulator/nodes/2/stop")
    time.sleep(0.8)
    assert refused(e.node_url(2))
    assert e.control("GET", "/_emulator/nodes/2")["phase"] == "stopped"
