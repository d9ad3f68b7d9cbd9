# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure decisions of the private endpoint family: which regions lack a service, when the services and a
connection are ready, waiting or failed, and which owner ids the API would refuse."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cloud_private_endpoints as pe


def svc(region, status="AVAILABLE"):
    return {"region_name": region, "status": status, "name": "n-" + region}


def test_cluster_regions_and_plan():
    cluster = {"regions": [{"name": "us-west-2"}, {"name": "us-east-1"}], "config": {"dedicated": {}}}
    assert pe.cluster_regions(cluster) == ["us-east-1", "us-west-2"]
    assert pe.is_dedicated(cluster)
    assert not pe.is_dedicated({"config": {"serverless": {}}, "plan": "STANDARD"})
    assert pe.is_dedicated({"plan": "ADVANCED"})


def test_missing_service_regions():
    assert pe.missing_service_regions([svc("us-east-1")], ["us-east-1", "us-west-2"]) == ["us-west-2"]
    assert pe.missing_service_regions([svc("us-east-1"), svc("eu-central-1")], ["us-east-1"]) == []


@pytest.mark.parametrize("services, verdict, detail", [
    ([svc("a"), svc("b")], "ready", ""),
    ([svc("a"), svc("b", "CREATING")], "wait", "b is CREATING"),
    ([svc("a")], "wait", "b is not created yet"),
    ([svc("a", "CREATE_FAILED"), svc("b", "CREATING")], "failed", "a is CREATE_FAILED"),
    ([svc("a", "DELETING"), svc("b")], "failed", "a is DELETING"),
    ([svc("a"), svc("b"), svc("other", "CREATE_FAILED")], "ready", ""),  # other regions do not matter
])
def test_services_verdict(services, verdict, detail):
    assert pe.services_verdict(services, ["a", "b"]) == (verdict, detail)


@pytest.mark.parametrize("status, state, verdict", [
    ("STATUS_AVAILABLE", "present", "ready"),
    ("STATUS_PENDING", "present", "wait"),
    ("STATUS_PENDING_ACCEPTANCE", "present", "wait"),
    ("STATUS_REJECTED", "present", "wait"),
    ("STATUS_EXPIRED", "present", "failed"),
    ("STATUS_FAILED", "present", "failed"),
    ("STATUS_DELETING", "present", "failed"),
    ("STATUS_STALE", "present", "failed"),
    (None, "present", "failed"),
    ("STATUS_DELETING", "absent", "wait"),
    ("STATUS_REJECTED", "absent", "ready"),  # a deleted connection stays listed as REJECTED
    (None, "absent", "ready"),
])
def test_connection_verdict(status, state, verdict):
    connection = None if status is None else {"endpoint_id": "e", "status": status}
    assert pe.connection_verdict(connection, state)[0] == verdict


@pytest.mark.parametrize("value, ok", [
    ("012345678901", True), ("*", True), ("12345678901", False), ("0123456789012", False), ("abcdefghijkl", False),
    ("", False), (None, False),
])
def test_trusted_owner_errors(value, ok):
    errors = pe.trusted_owner_errors("AWS_ACCOUNT_ID", value, "owners[2]")
    assert (errors == []) == ok
    if not ok:
        assert errors[0].startswith("owners[2]")


def test_connection_named_is_exact():
    conns = [{"endpoint_id": "vpce-1"}, {"endpoint_id": "vpce-10"}]
    assert pe.connection_named(conns, "vpce-10") == {"endpoint_id": "vpce-10"}
    assert pe.connection_named(conns, "VPCE-1") is None
