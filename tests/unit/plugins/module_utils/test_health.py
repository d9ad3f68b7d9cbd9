# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from hypothesis import given, settings, strategies as st

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.health import evaluate, version_matches


def node(nid, liveness=3, build="v25.4.1", stores=None, started=1000, locality=None):
    if stores is None:
        stores = {str(nid): {"ranges.underreplicated": 0, "ranges.unavailable": 0, "capacity": 100,
                             "capacity.available": 60}}
    return {"node_id": nid, "liveness_status": liveness, "build_tag": build, "store_metrics": stores,
            "started_at": started, "locality": {"tiers": [{"key": "zone", "value": locality or "z%d" % nid}]}}


def ready(nid, ok=True, status=None):
    return {"url": "http://n%d:8080" % nid, "ready": ok, "status": status if status is not None or not ok else 200,
            "error": None}


def healthy_cluster(n=3):
    return [node(i) for i in range(1, n + 1)], {i: ready(i) for i in range(1, n + 1)}


def test_healthy():
    nodes, probes = healthy_cluster()
    v = evaluate(nodes, probes, {"expected_nodes": 3, "same_build": True, "expected_version": "v25.4"})
    assert v["healthy"] and v["passed"] and v["reasons"] == [] and v["streak"] == 1
    assert [d["node_id"] for d in v["nodes"]] == [1, 2, 3]
    assert all(v["checks"].values())


def test_down_node_named():
    nodes, probes = healthy_cluster()
    probes[2] = {"url": "http://n2:8080", "ready": False, "status": None, "error": "connection refused"}
    v = evaluate(nodes, probes)
    assert not v["healthy"]
    assert v["reasons"] == ["node 2 is down: http://n2:8080 did not answer (connection refused)"]
    assert v["nodes"][1]["problems"] == v["reasons"]


def test_not_ready_500():
    nodes, probes = healthy_cluster()
    probes[3] = ready(3, ok=False, status=500)
    v = evaluate(nodes, probes)
    assert v["reasons"] == ["node 3 is not ready: http://n3:8080/api/v2/health/?ready=true answered HTTP 500"]


@pytest.mark.parametrize("status,word", [(0, "UNKNOWN"), (1, "DEAD"), (2, "SUSPECT"), (4, "DECOMMISSIONING"),
                                         (6, "DRAINING")])
def test_liveness_reasons(status, word):
    nodes, probes = healthy_cluster()
    nodes[0]["liveness_status"] = status
    v = evaluate(nodes, probes)
    assert not v["healthy"] and not v["checks"]["live"]
    assert any(r.startswith("node 1 is %s" % word) for r in v["reasons"])


def test_decommissioned_ignored():
    nodes, probes = healthy_cluster()
    nodes.append(node(4, liveness=5, stores={"4": {"ranges.underreplicated": 9}}))
    v = evaluate(nodes, probes, {"expected_nodes": 3})
    assert v["healthy"], v["reasons"]


def test_ranges_summed_over_all_stores_of_all_nodes():
    nodes, probes = healthy_cluster()
    nodes[1]["store_metrics"] = {"2": {"ranges.underreplicated": 0}, "7": {"ranges.underreplicated": 3}}
    nodes[2]["store_metrics"] = {"3": {"ranges.underreplicated": 2, "ranges.unavailable": 1}}
    v = evaluate(nodes, probes)
    assert v["underreplicated"] == 5 and v["unavailable"] == 1
    assert "5 under-replicated range(s) in the cluster (node 2: 3, node 3: 2)" in v["reasons"]
    assert "1 unavailable range(s) in the cluster (node 3: 1)" in v["reasons"]


def test_count_and_builds():
    nodes, probes = healthy_cluster()
    nodes[2]["build_tag"] = "v25.4.0"
    v = evaluate(nodes, probes, {"expected_nodes": 4, "same_build": True, "expected_version": "v25.4.1"})
    assert not v["checks"]["count"] and not v["checks"]["build"]
    assert "node 3 runs v25.4.0, expected v25.4.1" in v["reasons"]
    assert any("2 different builds" in r for r in v["reasons"])
    assert any("3 node(s) that are not decommissioned (1, 2, 3); 4 expected" in r for r in v["reasons"])


def test_version_matches():
    assert version_matches("v25.4.1", "25.4.1")
    assert version_matches("v25.4.1", "v25.4")
    assert not version_matches("v25.4.10", "v25.4.1")
    assert not version_matches("v25.3.1", "v25.4")


def test_stability_window():
    nodes, probes = healthy_cluster()
    v1 = evaluate(nodes, probes, {"stable_checks": 3})
    assert not v1["healthy"] and v1["passed"] and v1["streak"] == 1
    assert v1["reasons"] == ["all conditions held for 1 of 3 consecutive checks"]
    v3 = evaluate(nodes, probes, {"stable_checks": 3}, streak=2)
    assert v3["healthy"] and v3["streak"] == 3
    probes[1] = ready(1, ok=False, status=500)
    v4 = evaluate(nodes, probes, {"stable_checks": 3}, streak=3)
    assert not v4["healthy"] and v4["streak"] == 0


def test_node_list_unreadable_and_unknown_probe():
    v = evaluate(None, {1: ready(1)}, {"node_list_error": "all nodes refused"})
    assert not v["healthy"]
    assert v["reasons"][0] == "the node list could not be read: all nodes refused"
    nodes, probes = healthy_cluster()
    probes[9] = ready(9)
    v = evaluate(nodes, probes)
    assert v["reasons"] == ["node 9 (http://n9:8080) is not in the node list"]


def test_missing_probe_and_store_metrics():
    nodes, probes = healthy_cluster()
    del probes[2]
    nodes[0]["store_metrics"] = {}
    v = evaluate(nodes, probes)
    assert "node 2 has no readiness probe (no URL for it)" in v["reasons"]
    assert any(r.startswith("node 1 reports no store metrics") for r in v["reasons"])


def test_started_after_and_storage():
    nodes, probes = healthy_cluster()
    v = evaluate(nodes, probes, {"started_after": {"2": 1000}, "min_free_storage": 70})
    assert "node 2 has not restarted yet (its started_at is not newer than 1000)" in v["reasons"]
    assert sum(1 for r in v["reasons"] if "of its capacity available" in r) == 3
    nodes[1]["started_at"] = 2000
    v = evaluate(nodes, probes, {"started_after": {"2": 1000}, "min_free_storage": 50})
    assert v["healthy"], v["reasons"]


# -- property tests ---------------------------------------------------------------------------------

store_st = st.fixed_dictionaries({
    "ranges.underreplicated": st.integers(0, 3),
    "ranges.unavailable": st.integers(0, 2),
})
node_st = st.fixed_dictionaries({
    "liveness": st.sampled_from([0, 1, 2, 3, 3, 3, 3, 4, 5, 6]),
    "build": st.sampled_from(["v25.4.1", "v25.4.1", "v25.4.0"]),
    "stores": st.lists(store_st, min_size=0, max_size=3),
    "probe": st.sampled_from(["ready", "ready", "ready", "500", "down", "missing"]),
})


@settings(max_examples=400, deadline=None)
@given(states=st.lists(node_st, min_size=0, max_size=7), expected=st.none() | st.integers(0, 8),
       same_build=st.booleans(), version=st.sampled_from([None, "v25.4.1", "v25.4"]),
       stable=st.integers(1, 3), streak=st.integers(0, 3))
def test_property_healthy_iff_every_condition(states, expected, same_build, version, stable, streak):
    nodes, probes = [], {}
    for i, s in enumerate(states, 1):
        stores = {str(10 * i + j): m for j, m in enumerate(s["stores"])}
        nodes.append(node(i, liveness=s["liveness"], build=s["build"], stores=stores))
        if s["probe"] == "ready":
            probes[i] = ready(i)
        elif s["probe"] == "500":
            probes[i] = ready(i, ok=False, status=500)
        elif s["probe"] == "down":
            probes[i] = {"url": "u", "ready": False, "status": None, "error": "refused"}
    expect = {"expected_nodes": expected, "same_build": same_build, "expected_version": version,
              "stable_checks": stable}
    v = evaluate(nodes, probes, expect, streak=streak)

    active = [(i, s) for i, s in enumerate(states, 1) if s["liveness"] != 5]
    conditions = {
        "ready": all(s["probe"] == "ready" for _nid, s in active),
        "live": all(s["liveness"] == 3 for _nid, s in active),
        "count": expected is None or len(active) >= expected,
        "underreplicated": sum(m["ranges.underreplicated"] for _nid, s in active for m in s["stores"]) == 0
        and all(s["stores"] for _nid, s in active),
        "unavailable": sum(m["ranges.unavailable"] for _nid, s in active for m in s["stores"]) == 0,
        "build": (not same_build or len(set(s["build"] for _nid, s in active)) <= 1)
        and (version != "v25.4.1" or all(s["build"] == "v25.4.1" for _nid, s in active)),
    }
    # a decommissioned node that still answers is fine; probes only for active nodes matter
    for check, ok in conditions.items():
        assert v["checks"][check] == ok, (check, v["reasons"])
    all_ok = all(conditions.values())
    assert v["passed"] == all_ok
    assert v["healthy"] == (all_ok and streak + 1 >= stable)
    assert v["streak"] == (streak + 1 if all_ok else 0)
    assert (v["reasons"] == []) == v["healthy"]
    # one reason per failed per-node condition, naming the node
    for i, s in active:
        if s["liveness"] != 3:
            assert any(r.startswith("node %d is " % i) and "liveness_status" in r for r in v["reasons"])
        if s["probe"] != "ready":
            assert any(r.startswith("node %d " % i) for r in v["reasons"])
