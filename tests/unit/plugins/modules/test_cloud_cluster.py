# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_cluster against the in-process emulator: request counts of no-op runs, check mode without writes,
a lost create answer, waits and their timeout, version steps sent alone, delete protection, no secrets.
(The decisions themselves: module_utils/test_cloud_cluster_changes.py.)"""

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_cluster
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    ready_cluster,
    run_cloud,
    writes,
)

BASIC = dict(name="shop-dev", plan="BASIC", provider="GCP", regions=["us-central1"], labels={"team": "shop"})
ADVANCED_SPEC = {"dedicated": {"region_nodes": {"us-east1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}},
                               "cockroach_version": "v24.1"}}


def run(emulated, check=False, **args):
    return run_cloud(emulated, cloud_cluster, check=check, **args)


def bodies(emulated, method):
    return [e["body"] for e in emulated.requests(api="cloud") if e["method"] == method]


def state_of(emulated, cid):
    return next(c for c in emulated.cloud_state()["clusters"] if c["id"] == cid)


def test_ladder_check_apply_check_apply(emulated):
    emulated.cloud_config(rate_limit=0)
    res = run(emulated, check=True, **BASIC)
    assert res["changed"] and res["cluster"]["name"] == "shop-dev" and res["cluster"]["state"] == "CREATED"
    assert emulated.paths(api="cloud") == [("GET", "/api/v1/clusters")]
    res = run(emulated, **BASIC)
    assert res["changed"] and res["cluster"]["state"] == "CREATED" and res["cluster"]["labels"] == {"team": "shop"}
    assert [m for m, p in writes(emulated)] == ["POST"]
    for check in (True, False):
        emulated.clear_requests()
        res = run(emulated, check=check, **BASIC)
        assert not res["changed"] and res["diff"]["before"] == res["diff"]["after"]
        assert emulated.paths(api="cloud") == [("GET", "/api/v1/clusters")]  # a no-op is one read


def test_update_is_one_patch_with_only_the_difference(emulated):
    cid = ready_cluster(emulated, labels={"team": "shop"}, serverless={"regions": ["us-central1"]})["id"]
    args = dict(BASIC)
    args.update(labels={"team": "web"}, delete_protection=True)
    res = run(emulated, check=True, **args)
    assert res["changed"] and res["cluster"]["labels"] == {"team": "web"} and writes(emulated) == []
    res = run(emulated, **args)
    assert bodies(emulated, "PATCH") == [{"labels": {"team": "web"}, "delete_protection": "ENABLED"}]
    assert res["diff"]["before"]["labels"] == {"team": "shop"} and res["diff"]["after"]["labels"] == {"team": "web"}
    assert state_of(emulated, cid)["delete_protection"] == "ENABLED"


def test_lost_create_answer_makes_no_second_cluster(emulated, monkeypatch):
    warned = []
    monkeypatch.setattr(AnsibleModule, "warn", lambda self, msg: warned.append(msg))
    emulated.cloud_config(rate_limit=0)
    emulated.fault_rules({"kind": "reset_after", "method": "POST", "path": "/api/v1/clusters"})
    res = run(emulated, **BASIC)
    assert res["changed"] and res["cluster"]["state"] == "CREATED"
    assert [m for m, p in writes(emulated)] == ["POST"]
    assert len(emulated.cloud_state()["clusters"]) == 1
    assert any("no second create" in w for w in warned)


def test_creation_failed_fails_fast(emulated):
    emulated.fail_next_create()
    res = run(emulated, **BASIC)
    assert res.failed and "CREATION_FAILED" in res["msg"]


def test_wait_timeout_names_the_state_with_capped_backoff(emulated):
    emulated.cloud_config(rate_limit=0, create_seconds=10 ** 6)
    slept = len(emulated.clock.sleeps)
    res = run(emulated, wait_timeout=60, rate_limit=0, **BASIC)
    assert res.failed and "still CREATING" in res["msg"] and "timed out after 60s" in res["msg"]
    sleeps = emulated.clock.sleeps[slept:]
    # capped exponential backoff: 0.5 s doubling up to 10 s, never past the deadline
    assert sleeps[:6] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0]
    assert max(sleeps) == 10.0 and sum(sleeps) == pytest.approx(60.0)


def test_upgrade_then_finalize_each_alone(emulated):
    ready_cluster(emulated, "shop-prod", **ADVANCED_SPEC)
    args = dict(name="shop-prod", cockroach_version="v24.3", upgrade_action="finalize")
    res = run(emulated, check=True, **args)
    assert res["changed"] and res["upgrade_status"] == "FINALIZED" and writes(emulated) == []
    res = run(emulated, **args)
    assert bodies(emulated, "PATCH") == [{"cockroach_version": "v24.3"}, {"upgrade_status": "FINALIZED"}]
    assert res["upgrade_status"] == "FINALIZED" and res["cluster"]["cockroach_version"].startswith("v24.3")
    emulated.clear_requests()
    res = run(emulated, **args)
    assert not res["changed"] and writes(emulated) == []


def test_absent(emulated):
    cid = ready_cluster(emulated)["id"]
    res = run(emulated, check=True, name="shop-dev", state="absent")
    assert res["changed"] and writes(emulated) == [] and "cluster" not in res
    res = run(emulated, name="shop-dev", state="absent")
    assert res["changed"] and writes(emulated) == [("DELETE", "/api/v1/clusters/%s" % cid)]
    res = run(emulated, id=cid, state="absent")
    assert not res["changed"]


def test_absent_refuses_a_protected_cluster_without_a_write(emulated):
    cid = ready_cluster(emulated, serverless={"regions": ["us-central1"]}, delete_protection="ENABLED")["id"]
    res = run(emulated, name="shop-dev", state="absent")
    assert res.failed and "delete_protection" in res["msg"] and writes(emulated) == []
    res = run(emulated, name="shop-dev", state="absent", delete_protection=False)
    assert res["changed"] and [m for m, p in writes(emulated)] == ["PATCH", "DELETE"]
    assert state_of(emulated, cid)["state"] == "DELETED"


@pytest.mark.parametrize("args,needle", [
    (dict(BASIC, provider="AWS"), "provider"),
    (dict(BASIC, plan="ADVANCED", regions=None, region_nodes={"us-east1": 3}), "plan"),
    (dict(BASIC, regions=["us-east1"]), "regions"),
])
def test_immutable_refused_without_write(emulated, args, needle):
    ready_cluster(emulated)
    res = run(emulated, **args)
    assert res.failed and res["msg"].startswith(needle) and writes(emulated) == []


@pytest.mark.parametrize("args,needle", [
    (dict(plan="BASIC"), "one of the following is required: name, id"),
    (dict(BASIC, name="Bad_Name!"), "name 'Bad_Name!' is not a valid cluster name"),
    (dict(name="shop-prod", plan="ADVANCED", provider="GCP", region_nodes={"us-east1": 3},
          hardware={"num_virtual_cpus": 4, "machine_type": "n2-standard-4"}),
     "parameters are mutually exclusive: num_virtual_cpus|machine_type found in hardware"),
])
def test_bad_input_fails_before_any_request(emulated, args, needle):
    res = run(emulated, **args)
    assert res.failed and needle in res["msg"] and emulated.requests() == []


# -- issue 10: the real service's answers ------------------------------------------------------------------------
AWS_ADVANCED = dict(name="shop-prod", plan="ADVANCED", provider="AWS", region_nodes={"us-east-1": 3},
                    hardware={"machine_type": "m6i.xlarge", "disk_iops": 4321})


def test_swapped_machine_type_and_rounded_iops_are_no_change(emulated):
    emulated.cloud_config(rate_limit=0)
    res = run(emulated, **AWS_ADVANCED)
    hw = res["cluster"]["config"]["dedicated"]
    assert res["changed"] and hw["machine_type"] == "m5.xlarge" and hw["disk_iops"] == 5000  # the server's answer
    for check in (True, False):
        emulated.clear_requests()
        res = run(emulated, check=check, **AWS_ADVANCED)
        assert not res["changed"] and emulated.paths(api="cloud") == [("GET", "/api/v1/clusters")]  # only a read
    emulated.clear_requests()
    resize = dict(AWS_ADVANCED)
    resize["hardware"] = {"machine_type": "m6i.2xlarge"}
    res = run(emulated, **resize)  # a real resize
    assert res["changed"] and bodies(emulated, "PATCH") == [
        {"dedicated": {"hardware": {"machine_spec": {"machine_type": "m6i.2xlarge"}}}}]
    assert res["cluster"]["config"]["dedicated"]["num_virtual_cpus"] == 8


def test_disk_iops_ignored_on_gcp(emulated):
    ready_cluster(emulated, "shop-prod", **ADVANCED_SPEC)
    res = run(emulated, name="shop-prod", hardware={"num_virtual_cpus": 4, "disk_iops": 9000})
    assert not res["changed"] and writes(emulated) == []


def test_no_op_on_a_locked_cluster_reads_and_returns(emulated):
    cid = ready_cluster(emulated, labels={"team": "shop"}, serverless={"regions": ["us-central1"]})["id"]
    emulated.lock_cluster(cid, seconds=3000)
    slept = len(emulated.clock.sleeps)
    res = run(emulated, **BASIC)
    assert not res["changed"] and res["cluster"]["state"] == "LOCKED"
    assert emulated.paths(api="cloud") == [("GET", "/api/v1/clusters")] and emulated.clock.sleeps[slept:] == []


def test_locked_cluster_waited_for_before_the_patch(emulated):
    cid = ready_cluster(emulated, labels={"team": "shop"}, serverless={"regions": ["us-central1"]})["id"]
    emulated.lock_cluster(cid, seconds=600)
    args = dict(BASIC)
    args["labels"] = {"team": "web"}
    res = run(emulated, **args)
    assert res["changed"] and res["cluster"]["labels"] == {"team": "web"} and res["cluster"]["state"] == "CREATED"
    assert [(e["method"], e["status"]) for e in emulated.requests(api="cloud") if e["method"] == "PATCH"] == [
        ("PATCH", 200)]
    assert emulated.clock.sleeps and sum(emulated.clock.sleeps) >= 600


def test_patch_meeting_a_lock_waits_for_created_then_one_change(emulated):
    # needs CloudClient.update_cluster to wait out a 503 "cluster lock is held" (the WRITES part of issue 10)
    cid = ready_cluster(emulated, labels={"team": "shop"}, serverless={"regions": ["us-central1"]})["id"]
    emulated.lock_cluster(cid, seconds=600)
    args = dict(BASIC)
    args["labels"] = {"team": "web"}
    res = run(emulated, wait=False, **args)  # no wait before: the PATCH meets the lock
    assert not res.failed, res["msg"]
    assert res["changed"] and res["cluster"]["labels"] == {"team": "web"}
    statuses = [(e["method"], e["status"]) for e in emulated.requests(api="cloud") if e["method"] == "PATCH"]
    assert statuses[0] == ("PATCH", 503) and statuses.count(("PATCH", 200)) == 1 and statuses[-1] == ("PATCH", 200)
    assert bodies(emulated, "PATCH")[-1] == {"labels": {"team": "web"}}


def test_delete_protection_patch_on_a_locked_cluster_waits(emulated):
    # needs CloudClient.update_cluster to wait out a 503 "cluster lock is held" (the WRITES part of issue 10)
    cid = ready_cluster(emulated, serverless={"regions": ["us-central1"]}, delete_protection="ENABLED")["id"]
    emulated.lock_cluster(cid, seconds=600)
    res = run(emulated, name="shop-dev", state="absent", delete_protection=False)
    assert not res.failed, res["msg"]
    ok = [(e["method"], e["status"]) for e in emulated.requests(api="cloud") if e["method"] in ("PATCH", "DELETE")]
    assert ok[0] == ("PATCH", 503) and ok.count(("PATCH", 200)) == 1 and ok[-1] == ("DELETE", 200)
    assert state_of(emulated, cid)["state"] == "DELETED"


def test_updates_wait_up_to_two_hours_by_default(emulated):
    ready_cluster(emulated, "shop-prod", **ADVANCED_SPEC)
    emulated.cloud_config(update_seconds=5400)  # a 90-minute multi-region update
    res = run(emulated, name="shop-prod", region_nodes={"us-east1": 3, "us-central1": 3})
    assert not res.failed and res["changed"] and res["cluster"]["state"] == "CREATED"


def test_manual_upgrade_type_on_a_basic_cluster_refused_without_plan_option(emulated):
    ready_cluster(emulated)
    res = run(emulated, name="shop-dev", upgrade_type="MANUAL")
    assert res.failed and res["msg"].startswith("upgrade_type MANUAL is not supported on BASIC clusters")
    assert writes(emulated) == []


def test_older_api_version_refused_before_any_request(emulated):
    res = run(emulated, api_version="2022-03-31", **BASIC)
    assert res.failed and res["msg"].startswith("api_version 2022-03-31 is not supported by cloud_cluster")
    assert emulated.requests() == []


# -- folder (issue 12) ------------------------------------------------------------------------------------------
def make_folder(emulated, name, parent="root"):
    return emulated.cloud("POST", "/api/v1/folders", {"name": name, "parent_id": parent}).json()["resource_id"]


def test_folder_create_in_move_to_and_noop(emulated):
    emulated.cloud_config(rate_limit=0)
    prod = make_folder(emulated, "prod")
    pay = make_folder(emulated, "payments", prod)
    emulated.clear_requests()
    args = dict(BASIC, folder="/prod/payments")
    res = run(emulated, check=True, **args)
    assert res["changed"] and res["cluster"]["parent_id"] == pay and writes(emulated) == []
    res = run(emulated, **args)
    assert res["changed"] and bodies(emulated, "POST")[0]["spec"]["parent_id"] == pay
    cid = res["cluster"]["id"]
    assert state_of(emulated, cid)["parent_id"] == pay
    emulated.clear_requests()
    res = run(emulated, **args)
    assert not res["changed"] and writes(emulated) == []
    assert emulated.paths(api="cloud") == [("GET", "/api/v1/clusters"), ("GET", "/api/v1/folders")]
    emulated.clear_requests()
    res = run(emulated, **dict(BASIC, folder=pay))  # by id: no lookup at all
    assert not res["changed"] and emulated.paths(api="cloud") == [("GET", "/api/v1/clusters")]
    res = run(emulated, check=True, **dict(BASIC, folder="/prod"))
    assert res["changed"] and res["diff"]["after"]["parent_id"] == prod and writes(emulated) == []
    res = run(emulated, **dict(BASIC, folder="/prod"))
    assert res["changed"] and bodies(emulated, "PATCH") == [{"parent_id": prod}]
    assert state_of(emulated, cid)["parent_id"] == prod
    emulated.clear_requests()
    res = run(emulated, **dict(BASIC, folder="root"))
    assert res["changed"] and bodies(emulated, "PATCH") == [{"parent_id": "root"}]
    assert state_of(emulated, cid)["parent_id"] == "root"


def test_missing_folder_fails_before_any_write(emulated):
    emulated.cloud_config(rate_limit=0)
    make_folder(emulated, "prod")
    emulated.clear_requests()
    res = run(emulated, **dict(BASIC, folder="/prod/payments"))
    assert res.failed and "/prod has no folder 'payments'" in res["msg"] and writes(emulated) == []
    res = run(emulated, **dict(BASIC, folder="/a//b"))
    assert res.failed and res["msg"].startswith("folder: ")
