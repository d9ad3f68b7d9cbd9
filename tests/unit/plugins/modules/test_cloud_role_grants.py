# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_role_grants: validation (pure), then the module against the in-process emulator: grant on the
organization, a folder and a cluster, purge, ORG_MEMBER kept, one PUT per change, reads only on a no-op,
check mode without writes, the API's refusals reported cleanly."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_role_grants as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

DEV = "6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d02"
ADMIN_EMAIL = "admin@example.com"


def params(**kw):
    base = dict(email="dev@example.com", service_account=None, roles=[], purge=False, state="present")
    base.update(kw)
    return base


def role(name, folder=None, cluster=None):
    return {"name": name, "folder": folder, "cluster": cluster}


@pytest.mark.parametrize("kw, fragment", [
    (dict(roles=[role("ORG_ADMIN", cluster="c1")]), "roles[0].name ORG_ADMIN cannot be granted on a cluster"),
    (dict(roles=[role("ORG_MEMBER"), role("CLUSTER_CREATOR", cluster="c1")]), "roles[1].name CLUSTER_CREATOR"),
    (dict(roles=[role("CLUSTER_ADMIN", folder="/a", cluster="c1")]), "roles[0] names both a folder and a cluster"),
    (dict(roles=[role("CLUSTER_ADMIN", cluster=" ")]), "roles[0].cluster must not be empty"),
    (dict(roles=[role("ORG_MEMBER")], state="absent"), "ORG_MEMBER on the organization cannot be revoked"),
    (dict(purge=True, state="absent"), "purge only works with state=present"),
    (dict(email="nobody"), "email 'nobody' is not an email address"),
])
def test_validate(kw, fragment):
    errors = mod.validate(params(**kw))
    assert any(fragment in e for e in errors), errors


def test_validate_ok_and_keys():
    assert mod.validate(params(roles=[role("CLUSTER_CREATOR", folder="/ci"), role("METRICS_VIEWER", cluster="x")])) == []
    key = ("CLUSTER_ADMIN", "CLUSTER", "abc")
    assert mod.key_text(key) == "CLUSTER_ADMIN@CLUSTER/abc" and mod.text_key("CLUSTER_ADMIN@CLUSTER/abc") == key
    assert mod.text_key(mod.key_text(("ORG_ADMIN", "ORGANIZATION", ""))) == ("ORG_ADMIN", "ORGANIZATION", "")


def roles_in_emulator(emulated, uid):
    return emulated.cloud_state()["families"]["access"]["role_grants"][uid]


def test_grant_ladder_with_purge(emulated):
    cid = ready_cluster(emulated, name="grant-one")["id"]
    want = [role("CLUSTER_ADMIN", cluster="grant-one"), role("BILLING_VIEWER")]
    res = run_cloud(emulated, mod, check=True, roles=want, email="dev@example.com")
    assert res["changed"] and writes(emulated) == []
    assert sorted(res["added"]) == ["BILLING_VIEWER@ORGANIZATION", "CLUSTER_ADMIN@CLUSTER/" + cid]
    assert res["diff"]["before"] == {"ORG_MEMBER@ORGANIZATION": {"name": "ORG_MEMBER", "resource_type": "ORGANIZATION",
                                                                 "resource_id": "", "resource_name": ""}}
    assert res["diff"]["after"]["CLUSTER_ADMIN@CLUSTER/" + cid]["resource_name"] == "grant-one"
    emulated.clear_requests()
    res = run_cloud(emulated, mod, roles=want, email="dev@example.com")
    assert res["changed"] and res["user_id"] == DEV
    assert writes(emulated) == [("PUT", "/api/v1/roles/" + DEV)]  # one write for both grants
    assert [r["name"] for r in roles_in_emulator(emulated, DEV)] == ["BILLING_VIEWER", "CLUSTER_ADMIN", "ORG_MEMBER"]
    assert [(r["name"], r["resource_type"]) for r in res["roles"]] == [
        ("BILLING_VIEWER", "ORGANIZATION"), ("ORG_MEMBER", "ORGANIZATION"), ("CLUSTER_ADMIN", "CLUSTER")]
    # no-op: reads only (person, clusters for the name, roles)
    emulated.clear_requests()
    res = run_cloud(emulated, mod, roles=want, email="dev@example.com")
    assert not res["changed"] and writes(emulated) == []
    assert reads(emulated) == ["/api/v1/users/persons-by-email", "/api/v1/clusters", "/api/v1/roles/" + DEV]
    # purge: only the cluster grant stays (and ORG_MEMBER, never purged)
    emulated.clear_requests()
    res = run_cloud(emulated, mod, roles=[role("CLUSTER_ADMIN", cluster=cid)], purge=True, email="dev@example.com")
    assert res["changed"] and res["removed"] == ["BILLING_VIEWER@ORGANIZATION"] and res["added"] == []
    assert writes(emulated) == [("PUT", "/api/v1/roles/" + DEV)]
    assert [r["name"] for r in roles_in_emulator(emulated, DEV)] == ["CLUSTER_ADMIN", "ORG_MEMBER"]
    # by id: no cluster list read on a no-op
    emulated.clear_requests()
    res = run_cloud(emulated, mod, roles=[role("CLUSTER_ADMIN", cluster=cid)], purge=True, email="dev@example.com")
    assert not res["changed"] and reads(emulated) == ["/api/v1/users/persons-by-email", "/api/v1/roles/" + DEV]
    # absent
    emulated.clear_requests()
    res = run_cloud(emulated, mod, roles=[role("CLUSTER_ADMIN", cluster=cid)], state="absent", email="dev@example.com")
    assert res["changed"] and res["removed"] == ["CLUSTER_ADMIN@CLUSTER/" + cid]
    assert [r["name"] for r in roles_in_emulator(emulated, DEV)] == ["ORG_MEMBER"]
    res = run_cloud(emulated, mod, roles=[role("CLUSTER_ADMIN", cluster=cid)], state="absent", email="dev@example.com")
    assert not res["changed"]
    # a cluster that does not exist (any more) holds no grant: revoking on it is fine, granting on it is not
    res = run_cloud(emulated, mod, roles=[role("CLUSTER_ADMIN", cluster="gone-cluster")], state="absent",
                    email="dev@example.com")
    assert not res["changed"] and not res.failed
    res = run_cloud(emulated, mod, roles=[role("CLUSTER_ADMIN", cluster="gone-cluster")], email="dev@example.com")
    assert res.failed and "roles[0].cluster: no active cluster named 'gone-cluster'" in res["msg"]


def test_purge_without_org_member_listed_keeps_it(emulated):
    ready_cluster(emulated, name="grant-two")
    res = run_cloud(emulated, mod, roles=[], purge=True, email="billing@example.com")
    assert res["changed"] and res["removed"] == ["BILLING_COORDINATOR@ORGANIZATION"]
    assert [r["name"] for r in res["roles"]] == ["ORG_MEMBER"]


def test_refusals_are_clean(emulated):
    ready_cluster(emulated, name="grant-three")
    res = run_cloud(emulated, mod, roles=[role("ORG_ADMIN", cluster="grant-three")], email="dev@example.com")
    assert res.failed and "roles[0].name ORG_ADMIN cannot be granted on a cluster" in res["msg"]
    assert emulated.paths(api="cloud") == []  # refused before any request
    res = run_cloud(emulated, mod, roles=[role("CLUSTER_ADMIN", cluster="nope-cluster")], email="dev@example.com")
    assert res.failed and "roles[0].cluster" in res["msg"] and "nope-cluster" in res["msg"] and writes(emulated) == []
    res = run_cloud(emulated, mod, roles=[role("ORG_ADMIN")], email="ghost@example.com")
    assert res.failed and "no person user with email ghost@example.com" in res["msg"] and writes(emulated) == []
    # the last person org admin: the API refuses the whole PUT, nothing changes
    emulated.clear_requests()
    res = run_cloud(emulated, mod, roles=[], purge=True, email=ADMIN_EMAIL)
    assert res.failed and "ORG_ADMIN" in res["msg"]
    assert [r["name"] for r in roles_in_emulator(emulated, "6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d01")] == [
        "ORG_ADMIN", "ORG_MEMBER"]


def test_service_account_by_name_and_folder_by_path(emulated):
    ready_cluster(emulated, name="grant-four")
    sa = emulated.cloud("POST", "/api/v1/service-accounts", {"name": "ci-bot", "description": "ci"}).json()
    folder = emulated.cloud("POST", "/api/v1/folders", {"name": "ci", "parent_id": "root"}).json()
    emulated.clear_requests()
    res = run_cloud(emulated, mod, service_account="ci-bot",
                    roles=[role("CLUSTER_CREATOR", folder="/ci")])
    assert res["changed"] and res["user_id"] == sa["id"]
    assert res["added"] == ["CLUSTER_CREATOR@FOLDER/" + folder["resource_id"]]
    assert writes(emulated) == [("PUT", "/api/v1/roles/" + sa["id"])]
    # the org family shows the service account's roles too
    got = emulated.cloud("GET", "/api/v1/service-accounts/" + sa["id"]).json()
    assert {r["name"] for r in got["roles"]} == {"CLUSTER_CREATOR", "ORG_MEMBER"}
    emulated.clear_requests()
    res = run_cloud(emulated, mod, service_account=sa["id"], roles=[role("CLUSTER_CREATOR", folder=folder["resource_id"])])
    assert not res["changed"] and writes(emulated) == []
    res = run_cloud(emulated, mod, service_account="no-such-sa", roles=[])
    assert res.failed and "service_account" in res["msg"]
