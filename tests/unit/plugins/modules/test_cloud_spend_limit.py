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


def test_legacy_spend_limit_uses_put(emulated):
    cid = ready_cluster(emulated)["id"]
    res = run(emulated, cluster="shop-dev", spend_limit=0, api_version="2022-03-31")
    assert res["changed"] and writes(emulated) == [("PUT", "/api/v1/clusters/%s/spend-limit" % cid)]
    assert res["limits"]["spend_limit"] == 0
    emulated.clear_requests()
    res = run(emulated, cluster="shop-dev", spend_limit=0, api_version="2022-03-31")
    assert not res["changed"] and writes(emulated) == []


@pytest.mark.parametrize("args,needle", [
    (dict(cluster="shop-prod", spend_limit=100), "ADVANCED"),
    (dict(cluster="shop-dev", spend_limit=-1), "spend_limit"),
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
