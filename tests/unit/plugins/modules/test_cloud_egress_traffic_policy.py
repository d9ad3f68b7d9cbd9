# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_egress_traffic_policy against the in-process emulator: the policy is the cluster's field, UPDATING is waited
for, a no-op run reads once, check mode writes nothing, a non-ADVANCED cluster is refused before any write."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_egress_traffic_policy as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

ADVANCED = {"dedicated": {"region_nodes": {"us-east-1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}
POLICY = "/api/v1/clusters/%s/networking/egress-rules/egress-traffic-policy"


def advanced(emulated, name="egress-prod"):
    return ready_cluster(emulated, name, provider="AWS", **ADVANCED)


def policy_of(emulated, cid):
    return next(c for c in emulated.cloud_state()["clusters"] if c["id"] == cid)["egress_traffic_policy"]


def test_policy_changes():
    assert mod.policy_changes({"egress_traffic_policy": "ALLOW_ALL"}, "ALLOW_ALL") == {}
    assert mod.policy_changes({"egress_traffic_policy": "ALLOW_ALL"}, "DEFAULT_DENY") == {
        "egress_traffic_policy": "DEFAULT_DENY"}
    assert mod.policy_changes({"egress_traffic_policy": "ERROR"}, "ALLOW_ALL") == {"egress_traffic_policy": "ALLOW_ALL"}


def test_ladder(emulated):
    cid = advanced(emulated)["id"]
    res = run_cloud(emulated, mod, check=True, cluster="egress-prod", egress_traffic_policy="DEFAULT_DENY")
    assert res["changed"] and res["egress_traffic_policy"] == "DEFAULT_DENY"
    assert writes(emulated) == [] and policy_of(emulated, cid) == "ALLOW_ALL"
    assert res["diff"] == {"before": {"egress_traffic_policy": "ALLOW_ALL"},
                           "after": {"egress_traffic_policy": "DEFAULT_DENY"}}
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="egress-prod", egress_traffic_policy="DEFAULT_DENY")
    assert res["changed"] and res["egress_traffic_policy"] == "DEFAULT_DENY" and res["cluster_id"] == cid
    assert writes(emulated) == [("POST", POLICY % cid)]
    assert policy_of(emulated, cid) == "DEFAULT_DENY"  # waited through UPDATING
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, egress_traffic_policy="DEFAULT_DENY")
    assert not res["changed"] and writes(emulated) == []
    assert reads(emulated) == ["/api/v1/clusters/%s" % cid]  # no-op by id: one read


def test_no_wait_returns_updating(emulated):
    cid = advanced(emulated)["id"]
    res = run_cloud(emulated, mod, cluster=cid, egress_traffic_policy="DEFAULT_DENY", wait=False)
    assert res["changed"] and res["egress_traffic_policy"] == "UPDATING"


def test_updating_at_start_is_waited_for_then_decided(emulated):
    cid = advanced(emulated)["id"]
    emulated.cloud("POST", POLICY % cid, {"allow_all": False})
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, egress_traffic_policy="DEFAULT_DENY")
    assert not res["changed"] and writes(emulated) == []
    assert res["egress_traffic_policy"] == "DEFAULT_DENY"


def test_lock_is_waited_out(emulated):
    cid = advanced(emulated)["id"]
    emulated.lock_cluster(cid, seconds=30)
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, egress_traffic_policy="DEFAULT_DENY")
    assert res["changed"] and policy_of(emulated, cid) == "DEFAULT_DENY"
    assert writes(emulated) == [("POST", POLICY % cid)]


def test_basic_cluster_is_refused_before_any_write(emulated):
    ready_cluster(emulated, "shop-dev")
    res = run_cloud(emulated, mod, cluster="shop-dev", egress_traffic_policy="DEFAULT_DENY")
    assert res.failed and "ADVANCED" in res["msg"] and "cluster" in res["msg"]
    assert writes(emulated) == []


def test_bad_input_names_the_option(emulated):
    advanced(emulated)
    res = run_cloud(emulated, mod, cluster="egress-prod", egress_traffic_policy="DENY")
    assert res.failed and "egress_traffic_policy" in res["msg"]
    res = run_cloud(emulated, mod, cluster=" ", egress_traffic_policy="ALLOW_ALL")
    assert res.failed and "cluster" in res["msg"]
    assert emulated.paths(api="cloud") == []


def test_a_change_that_ends_error_fails_clearly_and_the_next_run_sets_it_again(emulated, clock):
    cid = advanced(emulated)["id"]
    emulated.cloud_control("POST", "/clusters/%s/egress-traffic-policy/fail" % cid)
    start = clock.monotonic()
    res = run_cloud(emulated, mod, cluster=cid, egress_traffic_policy="DEFAULT_DENY", wait_timeout=600)
    assert res.failed and "egress traffic policy" in res["msg"] and "ERROR" in res["msg"], res
    assert clock.monotonic() - start < 30  # gave up at once, not at the timeout
    assert policy_of(emulated, cid) == "ERROR"
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, egress_traffic_policy="DEFAULT_DENY")
    assert res["changed"] and res["egress_traffic_policy"] == "DEFAULT_DENY" and writes(emulated) == [("POST", POLICY % cid)]
