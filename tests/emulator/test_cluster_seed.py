"""Seed data: determinism, sizes and scale start-up."""

import time

import requests

from conftest import NodeClient


def _snapshot(e):
    c = NodeClient(e, 1, e.login(1))
    hot = c.json("/api/v2/ranges/hot/")["ranges"]
    sessions = [(s["node_id"], s["id"], s["username"]) for s in c.json("/api/v2/sessions/")["sessions"]]
    ranges = c.json("/api/v2/nodes/2/ranges/?limit=20")["ranges"]
    grants = c.json("/api/v2/databases/movr/grants/")
    return hot, sessions, [(r["desc"], r["span"]) for r in ranges], grants


def test_same_seed_same_data_other_seed_other_data(emulator_factory):
    a = emulator_factory(nodes=4, seed=11)
    b = emulator_factory(nodes=4, seed=11)
    c = emulator_factory(nodes=4, seed=12)
    sa, sb, sc = _snapshot(a), _snapshot(b), _snapshot(c)
    assert sa == sb
    assert sa[0] != sc[0] and sa[1] != sc[1]


def test_ranges_per_node_and_replicas(emulator_factory):
    e = emulator_factory(nodes=5, ranges_per_node=7)
    c = NodeClient(e, 1, e.login(1))
    nodes = c.json("/api/v2/nodes/")["nodes"]
    stores = [m for n in nodes for m in n["store_metrics"].values()]
    assert sum(m["replicas.leaseholders"] for m in stores) == 35
    assert sum(m["replicas"] for m in stores) == 35 * 3
    assert len(c.json("/api/v2/ranges/hot/")["ranges"]) == 35
    assert c.json("/api/v2/ranges/35/")["responses_by_node_id"]
    assert c.json("/api/v2/ranges/36/") == {"responses_by_node_id": {}}


def test_single_node_cluster(emulator_factory):
    e = emulator_factory(nodes=1, ranges_per_node=5)
    c = NodeClient(e, 1, e.login(1))
    n = c.json("/api/v2/nodes/")["nodes"]
    assert len(n) == 1 and n[0]["store_metrics"]["1"]["replicas"] == 5
    assert all(r["replica_node_ids"] == [1] for r in c.json("/api/v2/ranges/hot/")["ranges"])


def test_scale_1000_nodes_100k_ranges_serves(emulator_factory):
    """1000 nodes and 100k ranges start (within the factory's ready timeout) and page correctly. The start time is
    printed, not asserted: speed targets live in bench/, and a loaded machine must not fail this test."""
    t = time.monotonic()
    e = emulator_factory(nodes=1000, ranges_per_node=100)
    print("1000 nodes, 100k ranges: ready in %.1f s" % (time.monotonic() - t))
    c = NodeClient(e, 500, e.login(500))
    b = c.json("/api/v2/nodes/?limit=100&offset=900")
    assert [n["node_id"] for n in b["nodes"]][0] == 901 and "next" not in b
    assert c.json("/api/v2/nodes/?limit=100")["next"] == 100
    hot = c.json("/api/v2/ranges/hot/?limit=100")
    assert len(hot["ranges"]) == 100
    e.control("POST", "/_emulator/nodes/777/stop")
    try:
        requests.get(e.node_url(777) + "/api/v2/health/", timeout=2)
        raise AssertionError("node 777 should refuse connections")
    except requests.ConnectionError:
        pass
    nodes = c.json("/api/v2/nodes/?limit=100&offset=700")["nodes"]
    assert len(nodes) == 100
    e.control("POST", "/_emulator/clock", {"advance": 10})  # every other node writes its record once more
    all_nodes = c.json("/api/v2/nodes/")["nodes"]
    total = sum(m["ranges.underreplicated"] for n in all_nodes for m in n["store_metrics"].values())
    assert total == all_nodes[776]["store_metrics"]["777"]["replicas"]  # every range with a replica there
    assert sum(m["ranges.underreplicated"] for m in all_nodes[776]["store_metrics"].values()) == 0
