# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The verdict on fresh status records (health.freshness): pure cases and the property the gate rests on."""

from hypothesis import given, settings, strategies as st

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.health import (
    MAX_CLOCK_OFFSET_NS,
    age_text,
    evaluate,
)

S = 1_000_000_000
T0 = 1_767_225_600 * S  # a node clock reading (Unix ns)


def node(nid, updated_at, started=T0 - 3600 * S, liveness=3, under=0):
    out = {"node_id": nid, "liveness_status": liveness, "build_tag": "v25.4.1", "started_at": started,
           "store_metrics": {str(nid): {"ranges.underreplicated": under, "ranges.unavailable": 0}}}
    if updated_at is not None:
        out["updated_at"] = updated_at
    return out


def probes(n=3):
    return {i: {"url": "http://n%d:8080" % i, "ready": True, "status": 200, "error": None} for i in range(1, n + 1)}


def test_after_a_restart_every_record_must_be_later_than_the_new_start_plus_the_clock_offset():
    back = T0 + 20 * S
    nodes = [node(1, back - 3 * S), node(2, back, started=back), node(3, back + MAX_CLOCK_OFFSET_NS)]
    expect = {"fresh_records": True, "started_after": {2: T0}, "now": (back + 7 * S) / S}
    v = evaluate(nodes, probes(), expect)
    assert not v["passed"] and v["checks"]["fresh"] is False and v["checks"]["restarted"] is True
    assert v["reasons"] == [
        "waiting for fresh status from node 1 (last written 10 s ago, before node 2 came back)",
        "waiting for fresh status from node 2 (last written 7 s ago, before node 2 came back)",
        "waiting for fresh status from node 3 (last written 6 s ago, before node 2 came back)",
    ]
    assert [d["fresh"] for d in v["nodes"]] == [False, False, False]
    assert [d["record_age"] for d in v["nodes"]] == [10.0, 7.0, 6.5]
    nodes = [node(1, back + MAX_CLOCK_OFFSET_NS + 1), node(2, back + 10 * S, started=back), node(3, back + S)]
    v = evaluate(nodes, probes(), expect)
    assert v["healthy"] and v["checks"]["fresh"] and [d["fresh"] for d in v["nodes"]] == [True, True, True]


def test_the_newest_restarted_node_sets_the_bar():
    a, b = T0 + 5 * S, T0 + 9 * S
    nodes = [node(1, b - S, started=a), node(2, b + S, started=b), node(3, b + S)]
    v = evaluate(nodes, probes(), {"fresh_records": True, "started_after": {"1": T0, "2": T0}})
    assert v["reasons"] == ["waiting for fresh status from node 1 (last written at an unknown time, before nodes 1, 2 "
                            "came back)"]


def test_not_yet_restarted_fails_on_restarted_only():
    nodes = [node(1, T0), node(2, T0), node(3, T0)]
    v = evaluate(nodes, probes(), {"fresh_records": True, "started_after": {2: T0}})
    assert v["checks"]["restarted"] is False and v["checks"]["fresh"] is True


def test_without_a_restart_records_must_be_newer_than_the_first_poll_saw():
    nodes = [node(1, T0 + S), node(2, T0), node(3, T0 + 2 * S)]
    v = evaluate(nodes, probes(), {"fresh_records": True, "fresh_after": {1: T0, 2: T0, 3: T0}})
    assert v["reasons"] == ["waiting for fresh status from node 2 (last written at an unknown time, before the gate "
                            "started)"]
    assert [d["fresh"] for d in v["nodes"]] == [True, False, True]


def test_a_record_without_updated_at_cannot_be_judged():
    nodes = [node(1, None), node(2, T0 + S), node(3, T0 + S)]
    v = evaluate(nodes, probes(), {"fresh_records": True, "fresh_after": {1: 0, 2: T0, 3: T0}})
    assert v["reasons"] == ["node 1 reports no updated_at, so whether its status record was written after the gate "
                            "started cannot be judged"]


def test_nodes_that_are_not_live_fail_on_liveness_not_on_freshness():
    nodes = [node(1, T0 + S), node(2, T0, liveness=2), node(3, T0 + S)]
    v = evaluate(nodes, probes(), {"fresh_records": True, "fresh_after": {1: T0, 2: T0, 3: T0}})
    assert v["checks"]["live"] is False and v["checks"]["fresh"] is True


def test_off_or_without_a_threshold_nothing_is_judged():
    nodes = [node(1, T0), node(2, T0), node(3, T0)]
    assert evaluate(nodes, probes(), {"fresh_records": False, "fresh_after": {1: T0}})["healthy"]
    v = evaluate(nodes, probes(), {"fresh_records": True, "now": T0 / S + 3})
    assert v["healthy"] and [d["fresh"] for d in v["nodes"]] == [None] * 3
    assert [d["record_age"] for d in v["nodes"]] == [3.0] * 3


def test_the_stability_window_counts_only_polls_on_fresh_data():
    expect = {"fresh_records": True, "fresh_after": {1: T0, 2: T0, 3: T0}, "stable_checks": 2}
    stale = [node(1, T0), node(2, T0 + S), node(3, T0 + S)]
    fresh = [node(1, T0 + S), node(2, T0 + S), node(3, T0 + S)]
    v = evaluate(stale, probes(), expect, streak=1)
    assert v["streak"] == 0 and not v["healthy"]
    v = evaluate(fresh, probes(), expect, streak=v["streak"])
    assert v["streak"] == 1 and not v["healthy"]
    assert evaluate(fresh, probes(), expect, streak=v["streak"])["healthy"]


def test_age_text():
    assert age_text(7.2) == "7 s ago" and age_text(125) == "2 min 5 s ago" and age_text(None) == "at an unknown time"


# ---- the property: the gate never opens on a record older than the disruption
ns = st.integers(min_value=-30 * S, max_value=30 * S)


@settings(max_examples=120, deadline=None)
@given(restarted=st.sets(st.integers(1, 4), min_size=1, max_size=4),
       starts=st.dictionaries(st.integers(1, 4), ns, min_size=4, max_size=4),
       written=st.dictionaries(st.integers(1, 4), ns, min_size=4, max_size=4),
       liveness=st.dictionaries(st.integers(1, 4), st.sampled_from([3, 3, 3, 2, 1, 6]), min_size=4, max_size=4),
       missing=st.sets(st.integers(1, 4), max_size=1), streak=st.integers(0, 5))
def test_never_opens_on_a_record_older_than_a_restart(restarted, starts, written, liveness, missing, streak):
    nodes = []
    for nid in range(1, 5):
        started = T0 + starts[nid] if nid in restarted else T0 - 3600 * S
        nodes.append(node(nid, None if nid in missing else T0 + written[nid], started=started, liveness=liveness[nid]))
    expect = {"fresh_records": True, "started_after": {nid: T0 - S * 3600 for nid in restarted}, "stable_checks": 1}
    v = evaluate(nodes, probes(4), expect, streak=streak)
    if v["healthy"]:
        newest = max(T0 + starts[nid] for nid in restarted)
        for n in nodes:
            assert n["liveness_status"] == 3 and "updated_at" in n
            assert n["updated_at"] > newest + MAX_CLOCK_OFFSET_NS


@settings(max_examples=120, deadline=None)
@given(baseline=st.dictionaries(st.integers(1, 3), ns, min_size=3, max_size=3),
       written=st.dictionaries(st.integers(1, 3), ns, min_size=3, max_size=3), streak=st.integers(0, 5))
def test_never_opens_on_a_record_not_newer_than_the_first_poll(baseline, written, streak):
    nodes = [node(nid, T0 + written[nid]) for nid in range(1, 4)]
    expect = {"fresh_records": True, "fresh_after": {nid: T0 + baseline[nid] for nid in range(1, 4)}}
    v = evaluate(nodes, probes(), expect, streak=streak)
    assert v["healthy"] == all(written[nid] > baseline[nid] for nid in range(1, 4))
