# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_spend_limit against the in-process emulator: the cents conversion, idempotence in one read, the legacy
PUT, refusals without a write. (The decisions themselves: module_utils/test_cloud_cluster_changes.py.)"""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_spend_limit
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    ready_cluster,
    run_cloud,
    writes,
)

ADVANCED_SPEC = {"dedicated": {"region_nodes": {"us-east1": 1}, "hardware": {"machine_spec": {"num_virtual_cpus": 2}}}}


def run(emulated, check=False, **args):
    return run_cloud(emulated, cloud_spend_limit, check=check, **args)


def test_spend_limit_converted_and_idempotent(emulated):
    cid = ready_cluster(emulated)["id"]
    res = run(emulated, check=True, cluster="shop-dev", spend_limit=2500)
    assert res["changed"] and writes(emulated) == []
    assert res["conversion"] == {"spend_limit": 2500, "request_unit_limit": 100000000, "storage_mib_limit": 10240}
    res = run(emulated, cluster="shop-dev", spend_limit=2500)
    assert [e["body"] for e in emulated.requests(api="cloud") if e["method"] == "PATCH"] == [
        {"serverless": {"usage_limits": {"request_unit_limit": "100000000", "storage_mib_limit": "10240"}}}]
    assert res["diff"]["before"] == {"usage_limits": {}, "spend_limit": None}
    assert res["diff"]["after"]["spend_limit"] == 2500
    emulated.clear_requests()
    limits = {"request_unit_limit": 100000000, "storage_mib_limit": 10240}
    res = run(emulated, cluster=cid, usage_limits=limits)
    assert not res["changed"] and emulated.paths(api="cloud") == [("GET", "/api/v1/clusters/%s" % cid)]


@pytest.mark.parametrize("args,needle", [
    (dict(cluster="shop-prod", spend_limit=100), "ADVANCED"),
    (dict(cluster="shop-dev", spend_limit=-1), "spend_limit"),
    (dict(cluster="shop-dev", spend_limit=0), "spend_limit must be greater than 0"),
    (dict(cluster="shop-dev", usage_limits={"storage_mib_limit": 0}), "usage_limits.storage_mib_limit"),
    (dict(cluster="nope-nope", spend_limit=100), "cluster"),
    (dict(cluster="shop-dev", spend_limit=100, usage_limits={"request_unit_limit": 5}),
     "parameters are mutually exclusive: usage_limits|spend_limit"),
])
def test_refusals_without_a_write(emulated, args, needle):
    ready_cluster(emulated)
    ready_cluster(emulated, "shop-prod", **ADVANCED_SPEC)
    res = run(emulated, **args)
    assert res.failed and needle in res["msg"] and writes(emulated) == []


@pytest.mark.parametrize("version", ["2022-03-31", "2022-09-20", "2023-04-10"])
def test_legacy_spend_limit_is_a_patch_never_the_unpublished_put(emulated, version):
    cid = ready_cluster(emulated)["id"]
    res = run(emulated, cluster="shop-dev", spend_limit=2500, api_version=version)
    assert not res.failed, res["msg"]
    assert res["changed"] and writes(emulated) == [("PATCH", "/api/v1/clusters/%s" % cid)]
    assert [e["body"] for e in emulated.requests(api="cloud") if e["method"] == "PATCH"] == [
        {"serverless": {"spend_limit": 2500}}]
    assert res["limits"] == {"spend_limit": 2500,
                             "usage_limits": {"request_unit_limit": 100000000, "storage_mib_limit": 10240}}
    emulated.clear_requests()
    res = run(emulated, cluster="shop-dev", spend_limit=2500, api_version=version)
    assert not res["changed"] and writes(emulated) == []


def test_usage_limits_on_2023_04_10_and_refused_before(emulated):
    ready_cluster(emulated)
    limits = {"request_unit_limit": 5000, "storage_mib_limit": 100}
    res = run(emulated, cluster="shop-dev", usage_limits=limits, api_version="2023-04-10")
    assert res["changed"] and res["limits"]["usage_limits"] == limits
    emulated.clear_requests()
    res = run(emulated, cluster="shop-dev", usage_limits=limits, api_version="2022-09-20")
    assert res.failed and "usage_limits needs api_version 2023-04-10" in res["msg"] and writes(emulated) == []


def test_limits_patch_on_a_locked_cluster_waits_then_one_change(emulated):
    # needs CloudClient.update_cluster to wait out a 503 "cluster lock is held" (the WRITES part of issue 10)
    cid = ready_cluster(emulated)["id"]
    emulated.lock_cluster(cid, seconds=600)
    res = run(emulated, cluster="shop-dev", usage_limits={"request_unit_limit": 5000})
    assert not res.failed, res["msg"]
    statuses = [(e["method"], e["status"]) for e in emulated.requests(api="cloud") if e["method"] == "PATCH"]
    assert statuses[0] == ("PATCH", 503) and statuses.count(("PATCH", 200)) == 1


def test_no_op_on_a_locked_cluster_reads_and_returns(emulated):
    cid = ready_cluster(emulated, serverless={"regions": ["us-central1"],
                                              "usage_limits": {"request_unit_limit": "5000"}})["id"]
    emulated.lock_cluster(cid, seconds=3000)
    slept = len(emulated.clock.sleeps)
    res = run(emulated, cluster=cid, usage_limits={"request_unit_limit": 5000})
    assert not res["changed"] and emulated.paths(api="cloud") == [("GET", "/api/v1/clusters/%s" % cid)]
    assert emulated.clock.sleeps[slept:] == []
