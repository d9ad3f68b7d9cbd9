# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_private_endpoint_trusted_owner: the desired owners (pure), then the module against the in-process
emulator: one owner, a set with purge, no-op request counts, check mode without writes, bad input."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_private_endpoint_trusted_owner as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

A = "012345678901"
B = "210987654321"
C = "111122223333"


def aws_cluster(emulated, name="shop-pe"):
    return ready_cluster(emulated, name=name, provider="AWS", dedicated={
        "region_nodes": {"us-east-1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}})["id"]


def owners(emulated, cid):
    return {o["external_owner_id"]: o for o in emulated.cloud_state()["families"]["private_endpoints"]
            .get(cid, {}).get("trusted_owners", [])}


def params(**kw):
    base = dict(cluster="c1", wait_timeout=60, external_owner_id=None, owners=None, type="AWS_ACCOUNT_ID",
                purge=False, state="present")
    base.update(kw)
    return base


def test_desired_owners_keyed_by_owner_id():
    got = mod.desired_owners(params(owners=[A, " *"]))
    assert list(got) == [A, "*"] and got[A]["type"] == "AWS_ACCOUNT_ID" and got[A]["id"] is None


@pytest.mark.parametrize("kw, fragment", [
    (dict(external_owner_id="12345"), "external_owner_id '12345' is not an AWS account id"),
    (dict(owners=[A, "abc"]), "owners[1] 'abc'"),
    (dict(owners=[A, A]), "owners[1] %s is listed twice" % A),
    (dict(external_owner_id=""), "external_owner_id '' is not"),
])
def test_desired_owners_refuses_naming_the_option(kw, fragment):
    with pytest.raises(ValueError) as err:
        mod.desired_owners(params(**kw))
    assert fragment in str(err.value)


def test_one_owner_ladder(emulated):
    cid = aws_cluster(emulated)
    path = "/api/v1/clusters/%s/networking/private-endpoint-trusted-owners" % cid
    res = run_cloud(emulated, mod, check=True, cluster="shop-pe", external_owner_id=A)
    assert res["changed"] and res["added"] == [A] and writes(emulated) == []
    assert res["trusted_owners"] == [{"id": None, "type": "AWS_ACCOUNT_ID", "external_owner_id": A, "created_at": None}]
    assert owners(emulated, cid) == {}
    res = run_cloud(emulated, mod, cluster="shop-pe", external_owner_id=A)
    assert res["changed"] and writes(emulated) == [("POST", path)]
    assert res["trusted_owners"][0]["id"] == owners(emulated, cid)[A]["id"]
    assert res["diff"] == {"before": {}, "after": {A: {"type": "AWS_ACCOUNT_ID"}}}
    for check in (True, False):
        emulated.clear_requests()
        again = run_cloud(emulated, mod, check=check, cluster="shop-pe", external_owner_id=A)
        assert not again["changed"] and writes(emulated) == [] and reads(emulated) == ["/api/v1/clusters", path]
    owner_id = owners(emulated, cid)[A]["id"]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-pe", external_owner_id=A, state="absent")
    assert res["changed"] and res["removed"] == [A] and owners(emulated, cid) == {}
    assert writes(emulated) == [("DELETE", "%s/%s" % (path, owner_id))]


def test_purge_makes_the_list_exact(emulated):
    cid = aws_cluster(emulated)
    run_cloud(emulated, mod, cluster="shop-pe", owners=[A, B])
    emulated.clear_requests()
    res = run_cloud(emulated, mod, check=True, cluster="shop-pe", owners=[B, C], purge=True)
    assert res["added"] == [C] and res["removed"] == [A] and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-pe", owners=[B, C], purge=True)
    assert [m for m, p in writes(emulated)] == ["DELETE", "POST"] and sorted(owners(emulated, cid)) == [C, B]
    assert [o["external_owner_id"] for o in res["trusted_owners"]] == [C, B]  # sorted by owner id
    res = run_cloud(emulated, mod, cluster="shop-pe", owners=[], purge=True)
    assert res["removed"] == [C, B] and owners(emulated, cid) == {}


def test_writes_wait_out_a_lock(emulated):
    cid = aws_cluster(emulated)
    emulated.lock_cluster(cid, seconds=20)
    res = run_cloud(emulated, mod, cluster="shop-pe", external_owner_id="*")
    assert res["changed"] and list(owners(emulated, cid)) == ["*"]


def test_a_gcp_cluster_fails_with_the_api_message(emulated):
    ready_cluster(emulated, name="shop-gcp", dedicated={
        "region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}})
    res = run_cloud(emulated, mod, cluster="shop-gcp", external_owner_id=A)
    assert res.failed and "only on AWS clusters" in res["msg"]


def test_absent_on_a_cluster_that_is_gone_is_fine(emulated):
    res = run_cloud(emulated, mod, cluster="no-such-cluster", external_owner_id=A, state="absent")
    assert not res["changed"] and res["cluster_id"] is None


@pytest.mark.parametrize("args, fragment", [
    (dict(external_owner_id="12"), "external_owner_id '12'"),
    (dict(external_owner_id=A, owners=[B]), "mutually exclusive: external_owner_id|owners"),
    (dict(external_owner_id=A, purge=True), "purge is True but all of the following are missing: owners"),
    (dict(owners=[A], purge=True, state="absent"), "purge only works with state=present"),
    (dict(external_owner_id=A, type="GCP_PROJECT"), "type"),
])
def test_bad_input_fails_before_any_request(emulated, args, fragment):
    res = run_cloud(emulated, mod, cluster="shop-pe", **args)
    assert res.failed and fragment in res["msg"] and emulated.requests() == []
