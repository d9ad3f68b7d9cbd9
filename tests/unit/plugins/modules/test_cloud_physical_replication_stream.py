# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_physical_replication_stream against the in-process emulator: create and wait, no-op runs (reads only),
failover only with confirm_failover, to a given time, cancel, check mode without writes, bad input before any
request, the API's refusals as clean failures."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_physical_replication_stream as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    run_cloud,
    writes,
)

S = "/api/v1/physical-replication-streams"


def dedicated(emulated, name, cidr, ready=True):
    return emulated.create_cluster(name, ready=ready, dedicated={
        "region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}},
        "cidr_range": cidr, "supports_cluster_virtualization": True})


@pytest.fixture
def pair(emulated):
    emulated.cloud_config(rate_limit=0)
    a = dedicated(emulated, "shop-prod", "10.0.0.0/16")
    b = dedicated(emulated, "shop-standby", "10.1.0.0/16")
    emulated.clear_requests()
    return a, b


def streams(emulated):
    return emulated.cloud_state()["families"]["replication"]["streams"]


def run(emulated, check=False, **args):
    args.setdefault("primary_cluster", "shop-prod")
    args.setdefault("standby_cluster", "shop-standby")
    return run_cloud(emulated, mod, check=check, **args)


def test_create_waits_until_replicating_then_no_op(emulated, pair):
    a, b = pair
    res = run(emulated, check=True)
    assert res["changed"] and res["stream"]["status"] == "STARTING" and res["stream"]["id"] is None
    assert res["diff"]["before"] == {} and res["diff"]["after"]["status"] == "STARTING"
    assert writes(emulated) == [] and streams(emulated) == []
    res = run(emulated)
    assert res["changed"] and res["stream"]["status"] == "REPLICATING"
    assert res["replication_lag_seconds"] is not None and res["stream"]["retained_time"]
    assert res["primary_cluster_id"] == a["id"] and res["standby_cluster_id"] == b["id"]
    assert writes(emulated) == [("POST", S)]
    assert [s["status"] for s in streams(emulated)] == ["REPLICATING"]
    emulated.clear_requests()
    for check in (True, False):
        res = run(emulated, check=check)
        assert not res["changed"] and res["stream"]["status"] == "REPLICATING"
    assert writes(emulated) == []
    # one run: one list of the clusters (both given by name) and one list of streams
    assert reads(emulated) == ["/api/v1/clusters", S] * 2


def test_create_without_wait_returns_starting_and_by_id(emulated, pair):
    a, b = pair
    res = run(emulated, primary_cluster=a["id"], standby_cluster=b["id"], wait=False)
    assert res["changed"] and res["stream"]["status"] == "STARTING"
    assert reads(emulated) == ["/api/v1/clusters/" + a["id"], "/api/v1/clusters/" + b["id"], S]
    emulated.clear_requests()
    res = run(emulated, primary_cluster=a["id"], wait=False)  # an id and a name: one read, one list
    assert not res["changed"] and reads(emulated) == ["/api/v1/clusters", "/api/v1/clusters/" + a["id"], S]


def test_waits_for_creating_clusters(emulated):
    emulated.cloud_config(rate_limit=0)
    dedicated(emulated, "shop-prod", "10.0.0.0/16", ready=False)
    dedicated(emulated, "shop-standby", "10.1.0.0/16", ready=False)
    res = run(emulated)
    assert not res["failed"], res["msg"]
    assert res["stream"]["status"] == "REPLICATING"


def test_failover_only_with_confirmation(emulated, pair):
    run(emulated)
    emulated.clear_requests()
    res = run(emulated, state="failed_over")
    assert res["failed"] and "confirm_failover=true" in res["msg"]
    assert emulated.paths(api="cloud") == []
    res = run(emulated, state="failed_over", confirm_failover=True, check=True)
    assert res["changed"] and res["stream"]["status"] == "FAILING_OVER" and writes(emulated) == []
    assert res["diff"]["before"]["status"] == "REPLICATING" and res["diff"]["after"]["status"] == "FAILING_OVER"
    res = run(emulated, state="failed_over", confirm_failover=True)
    assert res["changed"] and res["stream"]["status"] == "COMPLETED" and res["stream"]["activated_at"]
    assert res["replication_lag_seconds"] is None
    sid = res["stream"]["id"]
    assert writes(emulated) == [("PATCH", S + "/" + sid)]
    emulated.clear_requests()
    res = run(emulated, state="failed_over", confirm_failover=True)
    assert not res["changed"] and res["stream"]["status"] == "COMPLETED" and writes(emulated) == []
    # present after a failover leaves the completed stream alone (no new stream overwrites the new primary)
    res = run(emulated)
    assert not res["changed"] and writes(emulated) == []


def test_failover_at_a_time_and_without_wait(emulated, pair):
    run(emulated)
    now = emulated.cloud_control("POST", "/clock", {"advance": 30})["time"]
    res = run(emulated, state="failed_over", confirm_failover=True, failover_at=now, wait=False)
    assert res["changed"] and res["stream"]["status"] == "FAILING_OVER" and res["stream"]["failover_at"] == now
    body = [e for e in emulated.requests(api="cloud") if e["method"] == "PATCH"][0]["body"]
    assert body == {"status": "FAILING_OVER", "failover_at": now}
    emulated.clear_requests()
    # a second run finds it failing over: no write, waits for COMPLETED
    res = run(emulated, state="failed_over", confirm_failover=True, failover_at=now)
    assert not res["changed"] and res["stream"]["status"] == "COMPLETED" and res["stream"]["activated_at"] == now
    assert writes(emulated) == []


def test_failover_refusals(emulated, pair):
    res = run(emulated, state="failed_over", confirm_failover=True)
    assert res["failed"] and "state=present" in res["msg"] and writes(emulated) == []
    run(emulated, wait=False)
    emulated.clear_requests()
    res = run(emulated, state="failed_over", confirm_failover=True)
    assert res["failed"] and "STARTING" in res["msg"] and writes(emulated) == []
    emulated.cloud_control("POST", "/clock", {"advance": 10})
    res = run(emulated, state="failed_over", confirm_failover=True, failover_at="2001-01-01T00:00:00Z")
    assert res["failed"] and "retained time" in res["msg"]
    assert [s["status"] for s in streams(emulated)] == ["REPLICATING"]


def test_cancel(emulated, pair):
    res = run(emulated, state="canceled")
    assert res["failed"] and "confirm_cancel=true" in res["msg"] and emulated.paths(api="cloud") == []
    res = run(emulated, state="canceled", confirm_cancel=True)
    assert not res["changed"] and res["stream"] is None and writes(emulated) == []
    run(emulated)
    emulated.clear_requests()
    res = run(emulated, state="canceled", confirm_cancel=True, check=True)
    assert res["changed"] and res["stream"]["status"] == "CANCELED" and writes(emulated) == []
    res = run(emulated, state="canceled", confirm_cancel=True)
    assert res["changed"] and res["stream"]["status"] == "CANCELED" and res["stream"]["canceled_at"]
    emulated.clear_requests()
    res = run(emulated, state="canceled", confirm_cancel=True)
    assert not res["changed"] and writes(emulated) == []
    # present starts a new stream after a cancel
    res = run(emulated)
    assert res["changed"] and writes(emulated) == [("POST", S)]
    assert [s["status"] for s in streams(emulated)] == ["CANCELED", "REPLICATING"]


def test_api_refusal_is_a_clean_failure(emulated):
    emulated.cloud_config(rate_limit=0)
    dedicated(emulated, "shop-prod", "10.0.0.0/16")
    emulated.create_cluster("shop-standby")  # BASIC
    res = run(emulated)
    assert res["failed"] and "ADVANCED" in res["msg"]


def test_a_locked_cluster_is_waited_for(emulated, pair):
    a, b = pair
    emulated.cloud_control("POST", "/clusters/%s/lock" % a["id"], {"seconds": 30})
    res = run(emulated, wait=False)
    assert not res["failed"], res["msg"]
    assert res["stream"]["status"] == "STARTING"


@pytest.mark.parametrize("args, fragment", [
    (dict(primary_cluster=" "), "primary_cluster must be the name or the id"),
    (dict(standby_cluster="shop-prod"), "two different clusters"),
    (dict(failover_at="2025-01-01T00:00:00Z"), "failover_at is only used with state=failed_over"),
    (dict(state="failed_over", confirm_failover=True, failover_at="soon"), "failover_at must be an RFC 3339"),
    (dict(wait_timeout=0), "wait_timeout must be 1 second or more"),
    (dict(state="gone"), "state"),
])
def test_bad_input_sends_nothing(emulated, pair, args, fragment):
    res = run(emulated, **args)
    assert res["failed"] and fragment in res["msg"]
    assert emulated.paths(api="cloud") == []


def test_unknown_cluster_names_the_option(emulated, pair):
    res = run(emulated, standby_cluster="nope-nope")
    assert res["failed"] and "standby_cluster" in res["msg"] and writes(emulated) == []


def test_lost_create_answer_makes_no_second_stream(emulated, pair):
    emulated.fault_rules({"kind": "reset_after", "method": "POST", "path": S})
    res = run(emulated, wait=False)
    assert not res["failed"], res["msg"]
    assert res["changed"] and res["stream"]["status"] in ("STARTING", "REPLICATING")
    assert [m for m, p in writes(emulated)] == ["POST"]
    assert len(streams(emulated)) == 1


def test_lost_failover_answer_is_not_sent_again(emulated, pair):
    run(emulated)
    sid = streams(emulated)[0]["id"]
    emulated.clear_requests()
    emulated.fault_rules({"kind": "reset_after", "method": "PATCH", "path": S + "/" + sid})
    res = run(emulated, state="failed_over", confirm_failover=True)
    assert not res["failed"], res["msg"]
    assert res["changed"] and res["stream"]["status"] == "COMPLETED"
    # one PATCH: the re-read found the stream failing over (a second PATCH would be refused by the API)
    assert writes(emulated) == [("PATCH", S + "/" + sid)]
