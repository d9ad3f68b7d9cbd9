# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_cmek against the in-process emulator: enable (IAM propagation retried), no-op reads only, rotation,
additional regions through the cluster PATCH, revoke, check mode without writes, failures, bad input refused
before any request (or, when it needs the cluster, before any write)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_cmek as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

ROLE = "arn:aws:iam::123456789012:role/crdb-cmek"


def spec(region, n=1, principal=ROLE):
    return {"region": region, "key_spec": {"type": "AWS_KMS", "auth_principal": principal,
                                           "uri": "arn:aws:kms:%s:123456789012:key/k%d" % (region, n)}}


def cluster(emulated, iam_seconds=0):
    emulated.cloud_control("POST", "/export/config", {"export_seconds": 5, "iam_seconds": iam_seconds})
    return ready_cluster(emulated, name="cmek-aws", provider="AWS", dedicated={
        "region_nodes": {"us-east-1": 3, "us-west-2": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}})


def keys_in_use(res):
    return dict((r["region"], r["key_infos"][0]["spec"]["uri"].rsplit("/", 1)[1]) for r in res["cmek"]["region_infos"])


def test_enable_noop_rotate_revoke(emulated):
    cid = cluster(emulated, iam_seconds=20)["id"]
    both = [spec("us-east-1"), spec("us-west-2")]
    res = run_cloud(emulated, mod, check=True, cluster="cmek-aws", region_specs=both)
    assert res["changed"] and res["cmek"]["status"] == "ENABLED" and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="cmek-aws", region_specs=both)
    assert res["changed"] and res["cmek"]["status"] == "ENABLED"
    assert keys_in_use(res) == {"us-east-1": "k1", "us-west-2": "k1"}
    posts = writes(emulated)
    assert len(posts) > 1 and set(posts) == {("POST", "/api/v1/clusters/%s/cmek" % cid)}   # IAM retried
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="cmek-aws", region_specs=both)
    assert not res["changed"] and writes(emulated) == []
    assert reads(emulated) == ["/api/v1/clusters", "/api/v1/clusters/%s/cmek" % cid]
    # rotation of one region (a subset is fine: the other keeps its key)
    res = run_cloud(emulated, mod, check=True, cluster="cmek-aws", region_specs=[spec("us-east-1", 2)])
    assert res["changed"] and keys_in_use(res) == {"us-east-1": "k2", "us-west-2": "k1"} and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="cmek-aws", region_specs=[spec("us-east-1", 2)])
    assert res["changed"] and keys_in_use(res) == {"us-east-1": "k2", "us-west-2": "k1"}
    assert set(writes(emulated)) == {("PUT", "/api/v1/clusters/%s/cmek" % cid)}   # a new key propagates too
    assert [k["status"] for k in res["cmek"]["region_infos"][0]["key_infos"]] == ["ENABLED", "DISABLED"]
    emulated.clear_requests()
    # revoke
    res = run_cloud(emulated, mod, check=True, cluster="cmek-aws", state="revoked")
    assert res["changed"] and res["cmek"]["status"] == "REVOKED" and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="cmek-aws", state="revoked")
    assert res["changed"] and res["cmek"]["status"] == "REVOKED"
    assert writes(emulated) == [("PATCH", "/api/v1/clusters/%s/cmek" % cid)]
    assert not run_cloud(emulated, mod, cluster="cmek-aws", state="revoked")["changed"]


def test_additional_region(emulated):
    cid = cluster(emulated)["id"]
    run_cloud(emulated, mod, cluster="cmek-aws", region_specs=[spec("us-east-1"), spec("us-west-2")])
    emulated.clear_requests()
    args = dict(cluster="cmek-aws", region_specs=[spec("eu-central-1")],
                additional_regions=[{"region": "eu-central-1", "node_count": 3}])
    res = run_cloud(emulated, mod, check=True, **args)
    assert res["changed"] and res["added_regions"] == ["eu-central-1"] and writes(emulated) == []
    res = run_cloud(emulated, mod, **args)
    assert res["changed"] and res["added_regions"] == ["eu-central-1"]
    assert writes(emulated) == [("PATCH", "/api/v1/clusters/%s" % cid)]
    assert keys_in_use(res) == {"eu-central-1": "k1", "us-east-1": "k1", "us-west-2": "k1"}
    cl = emulated.cloud("GET", "/api/v1/clusters/" + cid).json()
    assert sorted(r["name"] for r in cl["regions"]) == ["eu-central-1", "us-east-1", "us-west-2"]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, **args)
    assert not res["changed"] and res["added_regions"] == [] and writes(emulated) == []


def test_failed_rotation_fails_the_task(emulated):
    cid = cluster(emulated)["id"]
    run_cloud(emulated, mod, cluster="cmek-aws", region_specs=[spec("us-east-1"), spec("us-west-2")])
    emulated.cloud_control("POST", "/clusters/%s/export/fail" % cid, {"target": "cmek"})
    res = run_cloud(emulated, mod, cluster="cmek-aws", region_specs=[spec("us-west-2", 7)])
    assert res.failed and "ended in ROTATE_FAILED" in res["msg"] and "k7" in res["msg"]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="cmek-aws", region_specs=[spec("us-west-2", 7)])
    assert res["changed"] and keys_in_use(res)["us-west-2"] == "k7" and len(writes(emulated)) == 1


def test_iam_refusal_that_lasts_fails(emulated):
    cluster(emulated, iam_seconds=100000)
    res = run_cloud(emulated, mod, cluster="cmek-aws", region_specs=[spec("us-east-1"), spec("us-west-2")],
                    iam_propagation_timeout=30)
    assert res.failed and "permanent permission problem" in res["msg"] and "Insufficient permissions" in res["msg"]


def test_waits_for_another_jobs_lock(emulated):
    cid = cluster(emulated)["id"]
    emulated.lock_cluster(cid, seconds=50)
    res = run_cloud(emulated, mod, cluster="cmek-aws", region_specs=[spec("us-east-1"), spec("us-west-2")])
    assert res["changed"] and res["cmek"]["status"] == "ENABLED"


@pytest.mark.parametrize("args, fragment", [
    (dict(), "region_specs is required with state=present"),
    (dict(region_specs=[spec("us-east-1"), spec("us-east-1", 2)]), "region us-east-1 appears more than once"),
    (dict(state="revoked", region_specs=[spec("us-east-1")]), "state=revoked takes no region_specs"),
    (dict(region_specs=[spec("us-east-1")], additional_regions=[{"region": "eu-central-1", "node_count": 3}]),
     "additional_regions[0] (eu-central-1) needs its key in region_specs"),
    (dict(region_specs=[spec("eu-central-1")], additional_regions=[{"region": "eu-central-1", "node_count": 1}]),
     "node_count must be 3 or more"),
    (dict(region_specs=[spec("us-east-1", principal=" ")]), "region_specs[0].key_spec.auth_principal must not be"),
])
def test_bad_input_before_any_request(emulated, args, fragment):
    cluster(emulated)
    res = run_cloud(emulated, mod, cluster="cmek-aws", **args)
    assert res.failed and fragment in res["msg"], res["msg"]
    assert emulated.paths(api="cloud") == []


@pytest.mark.parametrize("args, fragment", [
    (dict(region_specs=[spec("us-east-1")]), "needs a key for every region of the cluster; region_specs lacks us-west-2"),
    (dict(region_specs=[spec("us-east-1"), spec("eu-central-1")]), "to add it, list it in additional_regions"),
    (dict(region_specs=[dict(spec("us-east-1"), key_spec=dict(spec("us-east-1")["key_spec"], type="GCP_CLOUD_KMS")),
                        spec("us-west-2")]), "key_spec.type must be AWS_KMS"),
    (dict(state="revoked"), "CMEK is not enabled"),
])
def test_bad_input_for_the_cluster_before_any_write(emulated, args, fragment):
    cluster(emulated)
    res = run_cloud(emulated, mod, cluster="cmek-aws", **args)
    assert res.failed and fragment in res["msg"], res["msg"]
    assert writes(emulated) == []


def test_basic_cluster_is_refused(emulated):
    ready_cluster(emulated, name="basic-one")
    res = run_cloud(emulated, mod, cluster="basic-one", region_specs=[spec("us-central1")])
    assert res.failed and "CMEK needs an ADVANCED cluster" in res["msg"] and writes(emulated) == []
