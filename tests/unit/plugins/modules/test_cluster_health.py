# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_health and its HealthGate against a 5-node in-process emulator on the shared fake clock."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_health
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module

NODES = "/api/v2/nodes/"
HEALTH = "/api/v2/health/"


@pytest.fixture
def cluster(emulated_factory):
    """Five nodes, two stores each."""
    return emulated_factory(nodes=5, stores_per_node=2)


def run(cluster, **args):
    res = run_module(cluster_health, dict(cluster.cluster_args(), **args))
    for secret in cluster.secrets():
        assert secret not in res.output
    return res


def settle(cluster):
    """One status interval (10 s, the emulator's default as a real node's): every node writes its record again."""
    cluster.advance(10)


def next_writes(cluster):
    """Seconds from now until each node's next status record write."""
    now_ns = int(cluster.clock.time() * 1e9)
    status = cluster.control("GET", "/_emulator/status")
    step = int(status["interval"] * 1e9)
    return {int(n): ((r["updated_at"] - now_ns) % step or step) / 1e9 for n, r in status["records"].items()}


def count(cluster, method, path, node_id=None):
    return len([e for e in cluster.requests() if e["method"] == method and e["path"] == path
                and (node_id is None or e["node_id"] == node_id)])


def test_healthy_once_with_node_urls(cluster):
    res = run(cluster, node_urls=cluster.node_urls, expected_nodes=5, same_build=True)
    assert res["healthy"] is True and res["reasons"] == [] and res["changed"] is False
    assert res["polls"] == 1 and res["waited"] == 0
    assert [n["url"] for n in res["nodes"]] == cluster.node_urls
    # one login, one node list, one probe per node, one logout
    assert count(cluster, "GET", NODES) == 1 and count(cluster, "GET", HEALTH) == 5
    assert count(cluster, "POST", "/api/v2/login/") == 1 and count(cluster, "POST", "/api/v2/logout/") == 1
    assert res["requests"] == 7 == len(cluster.requests()) - 1  # the logout comes after the count


def test_proxy_probes_without_node_urls(cluster):
    cluster.stop_node(4)
    res = run(cluster, expected_nodes=5, fail_on_unhealthy=False)
    assert res["healthy"] is False
    url1 = cluster.node_url(1)
    assert "node 4 is down: the proxy answered 502 for it (%s (proxy to node 4))" % url1 in res["reasons"]
    assert {e["node_id"] for e in cluster.requests()} == {1}


def test_stability_window_takes_consecutive_polls(cluster):
    res = run(cluster, node_urls=cluster.node_urls, stable_checks=3, interval=0.25)
    assert res["healthy"] and res["polls"] == 3 and res["streak"] == 3
    assert res["waited"] == pytest.approx(0.5)


def test_failure_lists_every_reason_and_fails(cluster):
    cluster.stop_node(3)
    cluster.advance(5)  # past the liveness expiry: node 3 is SUSPECT
    cluster.patch_node(2, {"stores": {"4": {"ranges.unavailable": 1}}})
    settle(cluster)
    res = run(cluster, node_urls=cluster.node_urls, expected_nodes=6)
    assert res["failed"] is True and res["healthy"] is False
    assert res["msg"].startswith("the cluster is not healthy: ")
    for text in ("node 3 is down: %s did not answer (connection refused)" % cluster.node_url(3),
                 "node 3 is SUSPECT (liveness_status 2)", "under-replicated range(s) in the cluster (node 1: ",
                 "1 unavailable range(s) in the cluster (node 2: 1)", "6 expected"):
        assert text in res["msg"]
    assert len(res["reasons"]) == 5


def test_range_problems_summed_over_every_store(cluster):
    stores = {"3": {"ranges.underreplicated": 4}, "4": {"ranges.underreplicated": 1, "ranges.unavailable": 1}}
    cluster.patch_node(2, {"stores": stores})
    cluster.patch_node(5, {"stores": {"10": {"ranges.underreplicated": 2}}})
    settle(cluster)
    res = run(cluster, node_urls=cluster.node_urls, fail_on_unhealthy=False)
    assert res["reasons"] == ["7 under-replicated range(s) in the cluster (node 2: 5, node 5: 2)",
                              "1 unavailable range(s) in the cluster (node 2: 1)"]
    assert res["underreplicated"] == 7 and res["unavailable"] == 1


def test_wait_until_node_comes_back(cluster):
    cluster.patch_node(2, {"ready": False})
    cluster.clock.after(3.0, lambda: cluster.patch_node(2, {"ready": None}))
    # a wait judges records written after it started: every node's next write (up to one 10 s interval away)
    fresh_at = max(next_writes(cluster).values())
    res = run(cluster, node_urls=cluster.node_urls, wait=True, wait_timeout=30, interval=0.5, stable_checks=2)
    assert res["healthy"] is True
    opens = max(3.0, fresh_at)
    assert opens + 0.5 <= res["waited"] <= opens + 1.0  # the first poll that sees both, plus one more (window 2)
    # a poll every 0.5 s: one node list + 5 probes per poll
    assert res["polls"] == pytest.approx(res["waited"] / 0.5 + 1, abs=1)
    assert count(cluster, "GET", NODES) == res["polls"] and count(cluster, "GET", HEALTH) == 5 * res["polls"]


def test_wait_times_out_with_reason(cluster):
    cluster.patch_node(5, {"ready": False})
    res = run(cluster, node_urls=cluster.node_urls, wait=True, wait_timeout=5, interval=1)
    assert res["failed"] is True and not res["healthy"]
    assert res["waited"] <= 5
    assert "after waiting" in res["msg"] and "node 5 is not ready" in res["msg"]


def test_node_list_fails_over_when_login_node_is_down(cluster):
    cluster.stop_node(1)
    res = run(cluster, node_urls=cluster.node_urls, fail_on_unhealthy=False)
    assert res["api_url"] == cluster.node_url(2) and res["failovers"] == 1
    # (its replicas are under-replicated at once; that is the only other reason)
    assert res["reasons"][0] == "node 1 is down: %s did not answer (connection refused)" % cluster.node_url(1)
    assert [r for r in res["reasons"][1:] if "under-replicated range(s)" not in r] == []
    assert count(cluster, "POST", "/api/v2/login/") == 1 and count(cluster, "POST", "/api/v2/logout/") == 1
    assert count(cluster, "GET", NODES, node_id=2) == 1


def test_session_token_no_login(cluster):
    token = cluster.login()
    cluster.clear_requests()
    res = run(cluster, session=token, username=None, password=None, node_urls=cluster.node_urls)
    assert res["healthy"] and count(cluster, "POST", "/api/v2/login/") == 0
    assert count(cluster, "POST", "/api/v2/logout/") == 0 and token not in res.output


def test_started_after(cluster):
    since = int(cluster.clock.time() * 1e9)
    res = run(cluster, node_urls=cluster.node_urls, started_after={"3": since}, fail_on_unhealthy=False)
    assert res["reasons"] == ["node 3 has not restarted yet (its started_at is not newer than %d)" % since]
    cluster.restart_node(3, downtime=1)
    res = run(cluster, node_urls=cluster.node_urls, started_after={"3": since}, wait=True, wait_timeout=60)
    assert res["healthy"] and res["waited"] > 1


@pytest.mark.parametrize("args,text", [
    ({"node_urls": ["n1:8080"]}, "must start with http:// or https://"),
    ({"node_urls": {"one": "http://n1:8080"}}, "is not a node id"),
    ({"node_urls": "http://n1:8080"}, "node_urls must be a list"),
    ({"node_urls": ["http://n1:8080/api/v2"]}, "without /api/v2"),
    ({"interval": 0}, "interval must be more than 0"),
    ({"stable_checks": 0}, "stable_checks must be 1 or more"),
    ({"expected_nodes": 0}, "expected_nodes must be 1 or more"),
    ({"min_free_storage": 120}, "min_free_storage is a percentage"),
    ({"started_after": {"3": "soon"}}, "started_after maps node ids"),
    ({"wait": True, "wait_timeout": float("nan")}, "wait_timeout must be a finite number, got nan"),
    ({"wait": True, "wait_timeout": float("inf")}, "wait_timeout must be a finite number"),
    ({"wait": True, "wait_timeout": 1e12}, "wait_timeout must be at least 0 and at most 86400 seconds"),
    ({"wait_timeout": -1}, "wait_timeout must be at least 0"),
    ({"interval": float("nan")}, "interval must be a finite number"),
    ({"interval": float("-inf")}, "interval must be a finite number"),
    ({"interval": 1e9}, "interval must be more than 0 and at most 3600 seconds"),
    ({"probe_timeout": float("nan")}, "probe_timeout must be a finite number"),
    ({"probe_timeout": 0}, "probe_timeout must be more than 0"),
    ({"min_free_storage": float("nan")}, "min_free_storage must be a finite number, got nan"),
    ({"stable_checks": 10 ** 6}, "stable_checks must be 1 or more (at most 1000)"),
])
def test_bad_input_no_request(cluster, args, text):
    res = run(cluster, **args)
    assert res["failed"] is True and text in res["msg"]
    assert cluster.requests() == []


def test_wrong_password_no_secret(cluster):
    res = run(cluster, password="wrong-" + cluster.admin_password, node_urls=cluster.node_urls)
    assert res["failed"] is True and "login as 'root' failed" in res["msg"]
    assert "wrong-" + cluster.admin_password not in res.output


# -- transient errors are asked again, never reported as "not ready" (issue 10) ---------------------------------

def preflight(cluster, **args):
    """The rolling_restart pre-flight: one evaluation (no wait) of a 3-poll stability window."""
    base = dict(node_urls=cluster.node_urls, expected_nodes=5, stable_checks=3, interval=0.5)
    base.update(args)
    return run(cluster, **base)


def probes_of(cluster, node_id):
    return [e for e in cluster.requests() if e["path"] == HEALTH and e["node_id"] == node_id]


def test_one_evaluation_survives_a_503_and_a_429_on_probes(cluster):
    cluster.fault_rules({"kind": "503", "path": HEALTH, "node_id": 3},
                        {"kind": "429", "path": HEALTH, "node_id": 2, "skip": 1},
                        {"kind": "500", "path": HEALTH, "node_id": 4, "skip": 2},
                        {"kind": "reset_before", "path": HEALTH, "node_id": 5},
                        {"kind": "503", "path": NODES, "skip": 1})
    res = preflight(cluster)
    assert res["healthy"] is True and res["reasons"] == [] and res["polls"] == 3
    # each faulty probe was asked once more; the 429's Retry-After (1 s) was waited out
    assert [len(probes_of(cluster, n)) for n in (1, 2, 3, 4, 5)] == [3, 4, 4, 4, 4]
    assert [e["status"] for e in probes_of(cluster, 2)][1:3] == [429, 200]
    assert count(cluster, "GET", NODES) == 4 and res["retried"] == 3


def test_one_evaluation_through_the_proxy_survives_a_503(cluster):
    cluster.fault_rules({"kind": "503", "path": HEALTH, "node_id": 1, "skip": 2})
    res = preflight(cluster, node_urls=None)
    assert res["healthy"] is True and res["polls"] == 3


def test_a_node_really_not_ready_is_named(cluster):
    cluster.patch_node(2, {"ready": False})
    cluster.fault_rules({"kind": "503", "path": HEALTH, "node_id": 3})
    res = preflight(cluster, fail_on_unhealthy=False)
    assert res["healthy"] is False
    assert res["reasons"] == ["node 2 is not ready: %s/api/v2/health/?ready=true answered HTTP 500" % cluster.node_url(2)]
    # the 500 was confirmed by every attempt (connection retries: 3)
    assert [e["status"] for e in probes_of(cluster, 2)] == [500] * 4


def test_only_transient_answers_are_no_verdict(cluster):
    cluster.fault_rules({"kind": "503", "path": HEALTH, "node_id": 4, "count": 10})
    res = preflight(cluster, fail_on_unhealthy=False, retries=2)
    assert res["healthy"] is False and len(res["reasons"]) == 1
    assert res["reasons"][0] == ("node 4 could not be probed: %s/api/v2/health/?ready=true answered HTTP 503 on 3 "
                                 "attempts, a transient error and no readiness answer" % cluster.node_url(4))
    assert "not ready" not in res["reasons"][0]


def test_a_stopped_node_is_asked_once_per_poll(cluster):
    cluster.stop_node(5)
    res = preflight(cluster, fail_on_unhealthy=False)
    assert "node 5 is down: %s did not answer (connection refused)" % cluster.node_url(5) in res["reasons"]
    assert res["polls"] == 1 and res["retried"] == 0


def test_waiting_retries_stop_at_the_deadline(cluster):
    cluster.fault_rules({"kind": "429", "path": HEALTH, "node_id": 2, "count": 1000})
    res = run(cluster, node_urls=cluster.node_urls, expected_nodes=5, wait=True, wait_timeout=3, interval=0.5,
              fail_on_unhealthy=False)
    assert res["healthy"] is False and res["waited"] <= 3.5
    assert res["reasons"][0].startswith("node 2 could not be probed: ")


# -- defaults: one build and the declared node count (issue 10) --------------------------------------------------

def test_mixed_builds_fail_by_default(cluster):
    cluster.patch_node(4, {"build_tag": "v25.4.2"})
    settle(cluster)
    res = run(cluster, node_urls=cluster.node_urls, fail_on_unhealthy=False)
    assert res["healthy"] is False and res["checks"]["build"] is False
    assert res["reasons"] == ["the nodes run 2 different builds: v25.4.1 on node(s) 1, 2, 3, 5; v25.4.2 on node(s) 4"]
    assert run(cluster, node_urls=cluster.node_urls, same_build=False)["healthy"] is True


def test_the_count_comes_from_node_urls_not_from_the_node_list(cluster):
    """Six URLs declared, five nodes in the list: the short list fails although every listed node is fine."""
    urls = {i + 1: url for i, url in enumerate(cluster.node_urls)}
    urls[6] = cluster.node_urls[0]
    res = run(cluster, node_urls=urls, fail_on_unhealthy=False)
    assert res["checks"]["count"] is False
    assert "the node list has 5 node(s) that are not decommissioned (1, 2, 3, 4, 5); 6 expected" in res["reasons"]


def test_an_undeclared_count_is_refused_before_any_request(cluster):
    res = run(cluster)
    assert res.failed and "the expected node count is unknown: set expected_nodes" in res["msg"]
    assert "check_node_count=false" in res["msg"] and cluster.requests() == []


def test_the_count_check_can_be_switched_off(cluster):
    res = run(cluster, check_node_count=False, expected_nodes=9)
    assert res["healthy"] is True and res["checks"]["count"] is True


def test_a_reset_node_list_fails_over_without_a_second_login(cluster):
    cluster.fault_rules({"kind": "reset_before", "path": NODES, "node_id": 1})
    res = preflight(cluster)
    assert res["healthy"] is True and res["failovers"] == 1
    assert count(cluster, "POST", "/api/v2/login/") == 1
