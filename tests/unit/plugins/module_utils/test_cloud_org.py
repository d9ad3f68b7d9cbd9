# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_org: the pure helpers (paths, ambiguity, contents text), then OrgApi against the in-process emulator:
folder resolution by path or id (request counts), parents created top down, service accounts by name, and an
API key whose create answer was lost (never sent twice, never a key without its secret)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cloud_org
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_org import (
    ApiKeySecretLostError,
    describe_contents,
    folder_path,
    folder_path_error,
    named,
    split_folder_path,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import CloudConnection
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError


@pytest.mark.parametrize("path, names", [
    ("/prod/payments", ["prod", "payments"]), ("prod/payments/", ["prod", "payments"]), ("/", []), ("", []),
    ("/a", ["a"]),
])
def test_split_folder_path(path, names):
    assert split_folder_path(path) == names


@pytest.mark.parametrize("path", ["/prod//x", "/ prod", "/prod /x"])
def test_split_folder_path_refuses_bad_segments(path):
    with pytest.raises(ValueError):
        split_folder_path(path)


def test_folder_path_error_names_the_option():
    assert folder_path_error("folder", "/prod/payments") is None
    assert folder_path_error("folder", "root") is None
    assert folder_path_error("folder", "3f0c1a2b-1111-4222-8333-444455556666") is None
    assert folder_path_error("folder", "/a//b").startswith("folder: ")


def test_folder_path_from_a_resource():
    res = {"resource_id": "x", "name": "payments", "path": [{"id": "p", "name": "prod"}]}
    assert folder_path(res) == "/prod/payments"
    assert folder_path(dict(cloud_org.ROOT)) == "/"


def test_named_refuses_ambiguity_with_the_ids():
    items = [{"id": "1", "name": "ci"}, {"id": "2", "name": "ci"}, {"id": "3", "name": "ops"}]
    assert named(items, "ops", "service account")["id"] == "3"
    assert named(items, "none", "service account") is None
    with pytest.raises(ValueError, match="ids: 1, 2"):
        named(items, "ci", "service account")


def test_describe_contents():
    res = [{"resource_type": "CLUSTER", "name": "shop"}, {"resource_type": "FOLDER", "name": "b"},
           {"resource_type": "FOLDER", "name": "a"}]
    assert describe_contents(res) == "2 folders (a, b) and 1 cluster (shop)"
    assert describe_contents([]) is None


@pytest.fixture
def cloud(emulated):
    emulated.cloud_config(rate_limit=0)
    emulated.client = CloudConnection({"api_key": emulated.api_key, "api_url": emulated.cloud_url,
                                       "rate_limit": 0}).client()
    return emulated


def calls(cloud):
    return [(e["method"], e["path"].replace("/api/v1", "")) for e in cloud.requests(api="cloud")]


def test_resolve_folder_by_path_is_one_request_and_by_id_too(cloud):
    c = cloud.client
    fid = c.resolve_folder("/prod/payments", create_parents=True)
    state = cloud.cloud_state()["families"]["org"]["folders"]
    assert [f["path"] for f in state] == ["/prod", "/prod/payments"]
    cloud.clear_requests()
    assert c.resolve_folder("/prod/payments") == fid
    assert calls(cloud) == [("GET", "/folders")]
    cloud.clear_requests()
    assert c.resolve_folder(fid) == fid
    assert calls(cloud) == [("GET", "/folders/%s" % fid)]
    cloud.clear_requests()
    assert c.resolve_folder("root") == "root" and calls(cloud) == []


def test_missing_folder_names_the_missing_part_and_writes_nothing(cloud):
    c = cloud.client
    c.resolve_folder("/prod", create_parents=True)
    cloud.clear_requests()
    with pytest.raises(NotFoundError, match="/prod has no folder 'payments'"):
        c.resolve_folder("/prod/payments/eu")
    assert all(m == "GET" for m, _p in calls(cloud))


def test_create_parents_creates_only_what_is_missing(cloud):
    c = cloud.client
    c.resolve_folder("/prod", create_parents=True)
    cloud.clear_requests()
    c.resolve_folder("/prod/payments/eu", create_parents=True, labels={"team": "pay"})
    assert [p for m, p in calls(cloud) if m == "POST"] == ["/folders", "/folders"]
    state = cloud.cloud_state()["families"]["org"]["folders"]
    assert [(f["path"], f["labels"]) for f in state] == [
        ("/prod", {}), ("/prod/payments", {}), ("/prod/payments/eu", {"team": "pay"})]


def test_service_account_by_name_or_id_and_ambiguity(cloud):
    c = cloud.client
    a = c.create_service_account("ci", "first")
    assert c.find_service_account("ci")["id"] == a["id"]
    assert c.find_service_account(a["id"])["id"] == a["id"]
    assert c.find_service_account("nobody") is None
    b = c.create_service_account("ci", "second")
    with pytest.raises(ValueError, match=b["id"]):
        c.find_service_account("ci")


def test_api_key_secret_authenticates_and_a_lost_answer_is_never_resent(cloud):
    c = cloud.client
    sa = c.create_service_account("ci", "")
    key, secret = c.create_api_key(sa["id"], "deploy")
    assert secret.startswith(key["id"] + "_")
    other = CloudConnection({"api_key": secret, "api_url": cloud.cloud_url, "rate_limit": 0}).client()
    assert other.list_clusters() == []
    # the answer of the next create is lost after the server acted: found by name, never sent twice
    cloud.fault_rules({"kind": "reset_after", "method": "POST", "path": "/api/v1/api-keys"})
    cloud.clear_requests()
    with pytest.raises(ApiKeySecretLostError, match="delete that key"):
        c.create_api_key(sa["id"], "lost")
    assert [p for m, p in calls(cloud) if m == "POST"] == ["/api-keys"]
    names = sorted(k["name"] for k in c.list_api_keys(sa["id"]))
    assert names == ["deploy", "lost"]
