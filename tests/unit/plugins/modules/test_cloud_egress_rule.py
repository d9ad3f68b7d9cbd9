# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_egress_rule against the in-process emulator: a set keyed by name with purge, pending rules waited for,
CRL-managed rules left alone, ports cleared by replacing the rule, no-op reads only, check mode without writes."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_egress_rule as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

ADVANCED = {"dedicated": {"region_nodes": {"us-east-1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}
RULES = "/api/v1/clusters/%s/networking/egress-rules"
GCS = {"name": "backups", "type": "FQDN", "destination": "storage.googleapis.com", "description": "GCS", "ports": [443]}
NET = {"name": "kafka", "type": "CIDR", "destination": "10.20.0.0/16", "description": "sink"}


def advanced(emulated, deny=True):
    cid = ready_cluster(emulated, "egress-prod", provider="AWS", **ADVANCED)["id"]
    if deny:
        emulated.cloud("POST", RULES % cid + "/egress-traffic-policy", {"allow_all": False})
        emulated.advance(1.01)
    emulated.clear_requests()
    return cid


def rules_of(emulated, cid):
    return {r["name"]: r for r in emulated.cloud_state()["families"]["egress"][cid]["rules"]}


def test_ladder_with_purge(emulated):
    cid = advanced(emulated)
    res = run_cloud(emulated, mod, check=True, cluster=cid, rules=[GCS, NET])
    assert res["changed"] and res["added"] == ["backups", "kafka"] and writes(emulated) == []
    assert set(rules_of(emulated, cid)) == {"crl-managed-telemetry"}
    res = run_cloud(emulated, mod, cluster=cid, rules=[GCS, NET])
    assert res["changed"] and res["added"] == ["backups", "kafka"]
    assert [w[0] for w in writes(emulated)] == ["POST", "POST"]
    got = rules_of(emulated, cid)
    assert got["backups"]["state"] == "ACTIVE" and got["kafka"]["state"] == "ACTIVE" and got["backups"]["ports"] == [443]
    assert [r["name"] for r in res["rules"]] == ["backups", "crl-managed-telemetry", "kafka"]
    assert all(r["state"] == "ACTIVE" for r in res["rules"])
    # no-op: reads only (the cluster, the rules)
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, rules=[dict(GCS, destination="Storage.GoogleAPIs.com"), NET])
    assert not res["changed"] and writes(emulated) == []
    assert reads(emulated) == ["/api/v1/clusters/%s" % cid, RULES % cid]
    # update one, purge the other; the CRL-managed rule stays
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, rules=[dict(GCS, ports=[443, 80], description="GCS buckets")],
                    purge=True)
    assert res["changed"] and res["updated"] == ["backups"] and res["removed"] == ["kafka"]
    assert [w[0] for w in writes(emulated)] == ["DELETE", "PATCH"]
    got = rules_of(emulated, cid)
    assert set(got) == {"backups", "crl-managed-telemetry"} and got["backups"]["ports"] == [80, 443]
    assert res["diff"]["before"]["kafka"]["destination"] == "10.20.0.0/16" and "kafka" not in res["diff"]["after"]
    # absent
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, rules=[{"name": "backups"}], state="absent")
    assert res["changed"] and res["removed"] == ["backups"]
    assert set(rules_of(emulated, cid)) == {"crl-managed-telemetry"}


def test_clearing_ports_replaces_the_rule(emulated):
    cid = advanced(emulated)
    run_cloud(emulated, mod, cluster=cid, rules=[GCS])
    old_id = rules_of(emulated, cid)["backups"]["id"]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, rules=[dict(GCS, ports=[])])
    assert res["changed"] and res["updated"] == ["backups"]
    assert [w[0] for w in writes(emulated)] == ["DELETE", "POST"]
    got = rules_of(emulated, cid)["backups"]
    assert got["id"] != old_id and "ports" not in got


def test_unset_ports_leave_them(emulated):
    cid = advanced(emulated)
    run_cloud(emulated, mod, cluster=cid, rules=[GCS])
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, rules=[{k: v for k, v in GCS.items() if k != "ports"}])
    assert not res["changed"] and writes(emulated) == []


def test_allow_all_cluster_is_refused_before_any_write(emulated):
    cid = advanced(emulated, deny=False)
    res = run_cloud(emulated, mod, cluster=cid, rules=[GCS])
    assert res.failed and "DEFAULT_DENY" in res["msg"] and "cloud_egress_traffic_policy" in res["msg"]
    assert writes(emulated) == []
    res = run_cloud(emulated, mod, check=True, cluster=cid, rules=[GCS])
    assert res.failed and writes(emulated) == []


def test_crl_managed_rule_cannot_be_named(emulated):
    cid = advanced(emulated)
    res = run_cloud(emulated, mod, cluster=cid, rules=[dict(GCS, name="crl-managed-telemetry")])
    assert res.failed and "managed by CockroachDB Cloud" in res["msg"] and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster=cid, rules=[], purge=True)
    assert not res["changed"] and writes(emulated) == []


def test_pending_rule_from_elsewhere_is_waited_out(emulated):
    cid = advanced(emulated)
    emulated.cloud("POST", RULES % cid, dict(NET))
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, rules=[GCS])
    assert res["changed"] and rules_of(emulated, cid)["backups"]["state"] == "ACTIVE"
    posts = [w for w in writes(emulated) if w[0] == "POST"]
    assert 1 <= len(posts) <= 2  # at most one refused while the other rule was pending, then sent again


def test_no_wait_returns_pending(emulated):
    cid = advanced(emulated)
    res = run_cloud(emulated, mod, cluster=cid, rules=[GCS], wait=False)
    assert res["changed"] and next(r for r in res["rules"] if r["name"] == "backups")["state"] == "PENDING_CREATION"


def test_absent_on_a_missing_cluster_is_fine(emulated):
    emulated.cloud_config(rate_limit=0)
    res = run_cloud(emulated, mod, cluster="no-such-cluster", rules=[{"name": "x"}], state="absent")
    assert not res["changed"] and res["cluster_id"] is None


def test_bad_input_names_the_option(emulated):
    cid = advanced(emulated)
    cases = [
        (dict(rules=[dict(GCS, destination="https://x.example.com")]), "rules[0].destination"),
        (dict(rules=[dict(NET, destination="10.20.0.1/16")]), "rules[0].destination"),
        (dict(rules=[dict(NET, destination="10.20.0.0")]), "rules[0].destination"),
        (dict(rules=[dict(GCS, ports=[70000])]), "rules[0].ports"),
        (dict(rules=[dict(GCS, ports=[443, 443])]), "rules[0].ports"),
        (dict(rules=[GCS, GCS]), "rules[1].name"),
        (dict(rules=[dict(GCS, name="bad name")]), "rules[0].name"),
        (dict(rules=[{"name": "x", "type": "FQDN"}]), "rules[0].destination"),
        (dict(rules=[dict(GCS, description="")]), "rules[0].description"),
        (dict(rules=[GCS], purge=True, state="absent"), "purge"),
    ]
    for args, option in cases:
        res = run_cloud(emulated, mod, cluster=cid, **args)
        assert res.failed and option in res["msg"], (args, res["msg"])
        assert "Traceback" not in res.output
    assert emulated.paths(api="cloud") == []


def test_a_rule_write_that_ends_failed_fails_the_run_naming_rule_and_state(emulated, clock):
    cid = advanced(emulated)
    emulated.cloud_control("POST", "/clusters/%s/egress-rules/fail" % cid, {"state": "FAILED"})
    start = clock.monotonic()
    res = run_cloud(emulated, mod, cluster=cid, rules=[GCS], wait_timeout=600)
    assert res.failed and "backups" in res["msg"] and "FAILED" in res["msg"], res
    assert clock.monotonic() - start < 30  # gave up at once, not at the timeout
    assert rules_of(emulated, cid)["backups"]["state"] == "FAILED"
    # a rerun does not call the failed rule fine: it fails the same way, without writing
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, rules=[GCS], wait_timeout=600)
    assert res.failed and "backups" in res["msg"] and "FAILED" in res["msg"] and "state=absent" in res["msg"]
    assert writes(emulated) == []
    # adding another rule meets the failed one: a clear failure naming it, no wait
    start = clock.monotonic()
    res = run_cloud(emulated, mod, cluster=cid, rules=[NET], wait_timeout=600)
    assert res.failed and "backups" in res["msg"] and "FAILED" in res["msg"]
    assert clock.monotonic() - start < 30
    # the way out the message names: remove it, add it again
    res = run_cloud(emulated, mod, cluster=cid, rules=[{"name": "backups"}], state="absent")
    assert res["changed"] and res["removed"] == ["backups"] and "backups" not in rules_of(emulated, cid)
    res = run_cloud(emulated, mod, cluster=cid, rules=[GCS])
    assert res["changed"] and rules_of(emulated, cid)["backups"]["state"] == "ACTIVE"


def test_an_edit_that_ends_error_fails_the_run(emulated, clock):
    cid = advanced(emulated)
    run_cloud(emulated, mod, cluster=cid, rules=[GCS])
    emulated.cloud_control("POST", "/clusters/%s/egress-rules/fail" % cid, {"state": "ERROR"})
    start = clock.monotonic()
    res = run_cloud(emulated, mod, cluster=cid, rules=[dict(GCS, description="GCS buckets")], wait_timeout=600)
    assert res.failed and "backups" in res["msg"] and "ERROR" in res["msg"], res
    assert clock.monotonic() - start < 30
    assert rules_of(emulated, cid)["backups"]["state"] == "ERROR"


def test_a_failed_rule_without_wait_is_not_waited_for(emulated):
    cid = advanced(emulated)
    emulated.cloud_control("POST", "/clusters/%s/egress-rules/fail" % cid, {"state": "FAILED"})
    res = run_cloud(emulated, mod, cluster=cid, rules=[GCS], wait=False)
    assert res["changed"] and rules_of(emulated, cid)["backups"]["state"] == "PENDING_CREATION"
    emulated.advance(1.01)
    res = run_cloud(emulated, mod, cluster=cid, rules=[GCS])
    assert res.failed and "FAILED" in res["msg"]
