# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The pure side of restart safety: parsing an answer, describing it, and the wait on the shared fake clock.

The request itself is ClusterClient.restart_safety (tests/unit/plugins/module_utils/test_cluster.py)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.restart_safety import (
    describe,
    describe_counters,
    describe_problems,
    parse_restart_safety,
    wait_restart_safe,
)

ZERO = {"unavailable_ranges": 0, "underreplicated_ranges": 0, "raft_leaderships": 0, "stores_not_draining": 0}


def unsafe_body(node_id=3, **counts):
    replicas = []
    range_id = 1
    for status, count in counts.items():
        for _index in range(count):
            replicas.append({"store_id": node_id, "range_id": range_id, "replica_id": 2, "status": status})
            range_id += 1
    return {"is_critical": True, "node_id": node_id, "replicas": replicas}


# -- parsing ---------------------------------------------------------------------------------------

def test_safe_answer():
    r = parse_restart_safety(200, {"is_restart_safe": True})
    assert r == {"safe": True, "status": 200, "supported": True, "permitted": True, "shape": "counters",
                 "counters": ZERO, "problems": {}, "replicas": 0, "node_id": None, "error": None}
    # the replica-list shape's 200
    r = parse_restart_safety(200, {"node_id": 2})
    assert r["safe"] and r["shape"] == "replicas" and r["counters"] is None and r["node_id"] == 2


# -- the v25.4 counters ----------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"underreplicated_range_count": 2, "raft_leadership_on_node_count": 14, "store_not_draining_count": 1},
    {"IsRestartSafe": False, "UnavailableRangeCount": 0, "UnderreplicatedRangeCount": 2,
     "RaftLeadershipOnNodeCount": 14, "StoreNotDrainingCount": 1},
    {"underreplicatedRangeCount": "2", "raftLeadershipOnNodeCount": 14, "storeNotDrainingCount": 1},
])
def test_503_counters_either_spelling_absent_is_zero(body):
    r = parse_restart_safety(503, body, remote_node_id=3)
    assert r["safe"] is False and r["shape"] == "counters" and r["permitted"] and r["error"] is None
    assert r["counters"] == {"unavailable_ranges": 0, "underreplicated_ranges": 2, "raft_leaderships": 14,
                             "stores_not_draining": 1}
    assert r["problems"] == {"Underreplicated": 2, "IsRaftLeader": 14, "StoreNotDraining": 1}
    assert r["replicas"] == 0 and r["node_id"] == 3
    assert describe(r) == "2 ranges would become under-replicated, node still holds 14 Raft leaderships, 1 store is not draining"


def test_counters_in_words():
    assert describe_counters(ZERO) == ""
    assert describe_counters(dict(ZERO, unavailable_ranges=3)) == "3 ranges are unavailable"
    assert describe_counters(dict(ZERO, unavailable_ranges=1, underreplicated_ranges=1, raft_leaderships=1,
                                  stores_not_draining=2)) == (
        "1 range is unavailable, 1 range would become under-replicated, node still holds 1 Raft leadership, "
        "2 stores are not draining")


def test_503_counters_odd_values_and_all_zero():
    r = parse_restart_safety(503, {"raft_leadership_on_node_count": -4, "store_not_draining_count": True,
                                   "unavailable_range_count": "x", "underreplicated_range_count": 1.0})
    assert r["counters"] == dict(ZERO, underreplicated_ranges=1) and r["problems"] == {"Underreplicated": 1}
    r = parse_restart_safety(503, {})
    assert r["safe"] is False and r["counters"] == ZERO and r["problems"] == {}
    assert describe(r) == "503 (not safe) with every counter 0 or absent: the server did not say why"
    # the status decides: a 200 is safe whatever the body says
    assert parse_restart_safety(200, {"is_restart_safe": False, "store_not_draining_count": 1})["safe"] is True


@pytest.mark.parametrize("status,body,error,text", [
    (401, "invalid session header\n", None,
     "not permitted: restart_safety needs a valid session of a user with admin (or VIEWCLUSTERMETADATA); log in again "
     "or check the session token (HTTP 401: invalid session header)"),
    (403, "user not allowed to access this endpoint\n", None,
     "not permitted: user app_reader needs admin (or VIEWCLUSTERMETADATA) to ask restart_safety "
     "(HTTP 403: user not allowed to access this endpoint)"),
    (401, None, "login as 'bob' failed: nope. Check username/password",
     "not permitted: login as 'bob' failed: nope. Check username/password"),
])
def test_401_403_are_not_permitted(status, body, error, text):
    r = parse_restart_safety(status, body, error, user="app_reader")
    assert r["permitted"] is False and r["supported"] is True and r["safe"] is False and r["error"] == text
    assert describe(r) == text


def test_proxied_400_names_the_routing_not_a_ready_parameter():
    text = "unable to get address for nodeID: 9: unable to look up descriptor for n9"
    r = parse_restart_safety(400, text, text, remote_node_id=9, via="http://node1:8080")
    assert r["error"] == "node 9 could not be routed to through http://node1:8080 (HTTP 400: %s)" % text
    assert "ready" not in r["error"] and r["node_id"] is None
    assert parse_restart_safety(400, "bad", "bad")["error"] == "HTTP 400: bad"


# -- the replica list (the unmerged variant, still read) ---------------------------------------------

def test_503_counts_problem_statuses():
    r = parse_restart_safety(503, unsafe_body(StoreNotDraining=12, Underreplicated=1, IsRaftLeader=3))
    assert r["safe"] is False and r["supported"] is True
    assert r["problems"] == {"StoreNotDraining": 12, "Underreplicated": 1, "IsRaftLeader": 3}
    assert r["replicas"] == 16
    assert r["node_id"] == 3
    assert describe(r) == "12 replicas StoreNotDraining, 3 IsRaftLeader, 1 Underreplicated"


def test_503_odd_bodies():
    r = parse_restart_safety(503, {"is_critical": True, "node_id": 1, "replicas": [{"range_id": 4}, "junk"]})
    assert r["problems"] == {"unknown": 1}
    r = parse_restart_safety(503, {"is_critical": True})
    assert r["problems"] == {} and r["replicas"] == 0 and "without replicas" in r["error"]
    r = parse_restart_safety(503, "upstream busy")
    assert r["safe"] is False and r["error"] == "HTTP 503: upstream busy"


def test_missing_endpoint_is_unsupported():
    r = parse_restart_safety(404, "404 page not found")
    assert r["supported"] is False and r["safe"] is False and "v25.4" in r["error"]
    r = parse_restart_safety(501, None)
    assert r["supported"] is False and "tenant" in r["error"]


def test_other_statuses_and_no_answer():
    r = parse_restart_safety(500, "Error checking store status\n")
    assert r["supported"] is True and r["error"] == "HTTP 500: Error checking store status"
    r = parse_restart_safety(None, None, "Connection refused")
    assert r["status"] is None and r["error"] == "Connection refused"
    assert describe(r) == "Connection refused"


def test_proxy_502_names_the_unreachable_node():
    r = parse_restart_safety(502, "unable to proxy request to node 3: connection refused",
                             "unable to proxy request to node 3: connection refused", remote_node_id=3,
                             via="http://node1:8080")
    assert r["error"] == ("node 3 could not be reached through http://node1:8080 (unable to proxy request to node 3: "
                          "connection refused)")
    assert parse_restart_safety(502, "bad gateway", "bad gateway")["error"] == "HTTP 502: bad gateway"


def test_describe_problems_order():
    assert describe_problems({}) == ""
    assert describe_problems({"IsRaftLeader": 1}) == "1 replica IsRaftLeader"
    # ties follow the server's order of precedence
    assert describe_problems({"StoreNotDraining": 2, "Unavailable": 2}) == "2 replicas Unavailable, 2 StoreNotDraining"


# -- the wait (fake clock) -------------------------------------------------------------------------

class Script:
    """Answers from a list; each answer costs ``cost`` seconds of the fake clock."""

    def __init__(self, clock, answers, cost=0.01):
        self.clock = clock
        self.answers = list(answers)
        self.cost = cost
        self.calls = 0

    def __call__(self):
        self.calls += 1
        self.clock.advance(self.cost)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer


UNSAFE = parse_restart_safety(503, unsafe_body(StoreNotDraining=12, Underreplicated=1))
SAFE = parse_restart_safety(200, {"node_id": 3})


def test_wait_until_safe(clock):
    probe = Script(clock, [UNSAFE, UNSAFE, UNSAFE, SAFE])
    r = wait_restart_safe(probe, 120, interval=0.5, clock=clock.monotonic, sleep=clock.sleep)
    assert r["safe"] is True and r["polls"] == 4
    assert r["waited"] == 1.51
    assert all(abs(s - 0.49) < 1e-9 for s in clock.sleeps)


def test_wait_times_out_with_last_answer(clock):
    probe = Script(clock, [UNSAFE])
    r = wait_restart_safe(probe, 10, interval=0.5, clock=clock.monotonic, sleep=clock.sleep)
    assert r["safe"] is False and r["problems"] == {"StoreNotDraining": 12, "Underreplicated": 1}
    assert r["polls"] == 21
    assert 10.0 <= r["waited"] <= 10.5


def test_wait_never_faster_than_four_per_second(clock):
    probe = Script(clock, [UNSAFE], cost=0.0)
    r = wait_restart_safe(probe, 5, interval=0.01, clock=clock.monotonic, sleep=clock.sleep)
    assert r["polls"] <= 5 * 4 + 1
    assert min(clock.sleeps) >= 0.25


@pytest.mark.parametrize("status", [401, 403])
def test_wait_stops_at_once_when_not_permitted(clock, status):
    probe = Script(clock, [parse_restart_safety(status, "no", "no")])
    r = wait_restart_safe(probe, 120, clock=clock.monotonic, sleep=clock.sleep)
    assert r["polls"] == 1 and r["permitted"] is False and clock.sleeps == []


def test_wait_stops_at_once_on_missing_endpoint(clock):
    probe = Script(clock, [parse_restart_safety(404, "404 page not found")])
    r = wait_restart_safe(probe, 120, clock=clock.monotonic, sleep=clock.sleep)
    assert r["polls"] == 1 and r["supported"] is False and clock.sleeps == []


def test_wait_zero_timeout_asks_once(clock):
    probe = Script(clock, [UNSAFE])
    r = wait_restart_safe(probe, 0, clock=clock.monotonic, sleep=clock.sleep)
    assert r["polls"] == 1 and clock.sleeps == []


def test_slow_answers_do_not_add_sleep(clock):
    probe = Script(clock, [UNSAFE, SAFE], cost=0.8)
    r = wait_restart_safe(probe, 30, interval=0.5, clock=clock.monotonic, sleep=clock.sleep)
    assert r["safe"] and clock.sleeps == [0.0]


@pytest.mark.parametrize("status,body,polls", [
    (400, "unable to get address for nodeID: 9: unable to look up descriptor for n9", 1),
    (500, "An internal server error has occurred.", 21),
])
def test_wait_stops_at_once_on_a_400_only(clock, status, body, polls):
    """The proxy's 400 for an unknown node never turns safe; a 500 may be transient and is asked again."""
    probe = Script(clock, [parse_restart_safety(status, body, body)])
    r = wait_restart_safe(probe, 10, interval=0.5, clock=clock.monotonic, sleep=clock.sleep)
    assert r["polls"] == polls and r["safe"] is False and r["status"] == status
