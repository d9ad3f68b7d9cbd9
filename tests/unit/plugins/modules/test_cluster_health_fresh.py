# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_health on fresh status records, against the in-process emulator whose nodes write their status record
at process start and then every status interval (10 s by default, as a real node), on the shared fake clock."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_health
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module

S = 1_000_000_000


@pytest.fixture
def cluster(emulated_factory):
    return emulated_factory(nodes=3)


def run(cluster, **args):
    res = run_module(cluster_health, dict(cluster.cluster_args(), node_urls=cluster.node_urls, **args))
    for secret in cluster.secrets():
        assert secret not in res.output
    return res


def records(cluster):
    return {int(n): r for n, r in cluster.control("GET", "/_emulator/status")["records"].items()}


def next_writes(cluster):
    """Seconds from now until each node's next status record write."""
    now_ns = int(cluster.clock.time() * S)
    step = int(cluster.control("GET", "/_emulator/status")["interval"] * S)
    return {n: ((r["updated_at"] - now_ns) % step or step) / S for n, r in records(cluster).items()}


def live_underreplicated(cluster):
    """The live truth (control API), not the records."""
    return sum(m["ranges.underreplicated"] for n in cluster.state()["nodes"] for m in n["store_metrics"].values())


def restart_node2(cluster):
    """Nodes 1 and 3 will not write for 20 s or more; node 2 restarts (down 1 s, catching up 1 s after)."""
    cluster.control("PATCH", "/_emulator/status", {"interval": 30})
    before = run(cluster)["nodes"][1]["started_at"]
    cluster.restart_node(2, downtime=1)
    return before


def test_the_issue_story_without_fresh_records_the_gate_opens_on_stale_data(cluster):
    before = restart_node2(cluster)
    res = run(cluster, wait=True, wait_timeout=60, started_after={2: before}, fresh_records=False)
    assert res["healthy"] is True
    back = res["nodes"][1]["started_at"]
    # it opened on records written before node 2 came back, while ranges were still under-replicated
    assert [n["updated_at"] < back for n in res["nodes"]] == [True, False, True]
    assert res["underreplicated"] == 0 and live_underreplicated(cluster) > 0


def test_after_a_restart_the_gate_waits_for_records_written_after_the_node_came_back(cluster):
    before = restart_node2(cluster)
    writes = next_writes(cluster)
    res = run(cluster, wait=True, wait_timeout=60, started_after={2: before}, stable_checks=3)
    assert res["healthy"] is True and res["checks"]["fresh"] is True
    back = res["nodes"][1]["started_at"]
    assert all(n["updated_at"] > back + S // 2 for n in res["nodes"])
    assert all(n["fresh"] is True for n in res["nodes"])
    # held until nodes 1 and 3 wrote again (20 s or more away) and node 2 wrote its second record (30 s after it
    # came back), then 3 polls on fresh data
    fresh_at = max(writes[1], writes[3], (back - int(cluster.clock.time() * S)) / S + res["waited"] + 30)
    assert res["waited"] >= min(fresh_at, 2 + 30) and live_underreplicated(cluster) == 0
    assert res["waited"] >= 32


def test_progress_names_the_node_and_the_age_of_its_record(cluster):
    before = restart_node2(cluster)
    res = run(cluster, wait=True, wait_timeout=5, started_after={2: before})
    assert res.failed and res["checks"]["fresh"] is False
    assert "waiting for fresh status from node 1 (last written " in res["msg"]
    assert "s ago, before node 2 came back)" in res["msg"]
    ages = {n["node_id"]: n["record_age"] for n in res["nodes"]}
    assert all(age is not None and age >= 0 for age in ages.values())


def test_standalone_wait_judges_records_newer_than_its_first_poll(cluster):
    writes = next_writes(cluster)
    first = {n: r["updated_at"] for n, r in records(cluster).items()}
    res = run(cluster, wait=True, wait_timeout=30, interval=0.5, stable_checks=2)
    assert res["healthy"] is True
    assert all(n["updated_at"] > first[n["node_id"]] for n in res["nodes"])
    fresh_at = max(writes.values())
    assert fresh_at + 0.5 <= res["waited"] <= fresh_at + 1.0  # the first poll after the last write, plus one


def test_fresh_after_carries_the_baseline_of_an_earlier_call(cluster):
    """As health_wait does: one call records the baseline, the wait (in several calls) judges against it."""
    baseline = {n["node_id"]: n["updated_at"] for n in run(cluster)["nodes"]}
    writes = next_writes(cluster)
    short = run(cluster, wait=True, wait_timeout=min(writes.values()) / 2, fresh_after=baseline)
    assert short.failed and short["checks"]["fresh"] is False
    cluster.advance(max(writes.values()))
    res = run(cluster, wait=True, wait_timeout=1, fresh_after=baseline)
    assert res["healthy"] is True and res["polls"] == 1


def test_a_single_evaluation_reports_ages_without_judging(cluster):
    res = run(cluster)
    assert res["healthy"] is True and res["checks"]["fresh"] is True
    assert [n["fresh"] for n in res["nodes"]] == [None, None, None]
    assert all(0 <= n["record_age"] <= 10 for n in res["nodes"])


def test_a_stopped_node_keeps_its_record_and_fails_on_liveness(cluster):
    cluster.stop_node(3)
    cluster.advance(5)
    res = run(cluster, wait=True, wait_timeout=12, fail_on_unhealthy=False)
    assert res["checks"]["live"] is False
    assert not [r for r in res["reasons"] if r.startswith("waiting for fresh status from node 3")]


@pytest.mark.parametrize("args, text", [
    ({"fresh_after": {"x": 1}}, "fresh_after maps node ids to Unix nanoseconds"),
    ({"fresh_after": {"1": "soon"}}, "fresh_after maps node ids to Unix nanoseconds"),
    ({"fresh_records": "maybe"}, "fresh_records"),
])
def test_bad_values_are_refused_before_any_request(cluster, args, text):
    res = run(cluster, **args)
    assert res.failed and text in res["msg"] and cluster.requests() == []
