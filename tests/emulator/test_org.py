"""Behaviour of the org family of the Cloud API emulator: the folder tree (paths, name collisions, moves,
depth, delete refused while not empty), clusters in folders, service accounts, API keys (the secret only in
the create answer, a bearer key until the key or its account is deleted), audit entries and pagination."""

import json

import pytest

from cloud_helpers import Client
from emulator.cloud import seed

F, SA, K = "/api/v1/folders", "/api/v1/service-accounts", "/api/v1/api-keys"

SL = {"regions": ["us-central1"]}


@pytest.fixture
def cl():
    return Client()


def folder(cl, name, parent=None, **extra):
    body = dict(name=name, **extra)
    if parent:
        body["parent_id"] = parent
    r = cl.post(F, body)
    assert r.status == 200, r
    return r.body["resource_id"]


def actions(cl):
    return [e["action"] for e in cl.get("/api/v1/auditlogevents").body["entries"]]


def test_tree_paths_and_lookup_by_path(cl):
    prod = folder(cl, "prod")
    pay = folder(cl, "payments", prod)
    eu = folder(cl, "eu", pay)
    got = cl.get(F + "/" + eu).body
    assert got["parent_id"] == pay and [s["name"] for s in got["path"]] == ["prod", "payments"]
    for path in ("/prod/payments/eu", "prod/payments/eu/", "/prod/payments/eu/"):
        assert [f["resource_id"] for f in cl.get(F, query={"path": path}).body["folders"]] == [eu]
    assert cl.get(F, query={"path": "/prod/eu"}).body["folders"] == []
    assert cl.get(F, query={"path": "/"}).body["folders"] == []
    assert cl.get(F + "/root").status == 404
    assert cl.get(F + "/" + prod).body["parent_id"] == "root"


def test_names_collide_only_among_sibling_folders(cl):
    prod = folder(cl, "prod")
    folder(cl, "shop-prod", prod)
    r = cl.post(F, {"name": "shop-prod", "parent_id": prod})
    assert r.status == 409 and r.body["code"] == 6
    assert cl.post(F, {"name": "shop-prod"}).status == 200   # another parent
    cl.create("shop-prod", serverless=SL, parent_id=prod)                  # a cluster may share a folder's name
    other = folder(cl, "other", prod)
    r = cl.patch(F + "/" + other, {"name": "shop-prod"})
    assert r.status == 409


@pytest.mark.parametrize("name", ["", "a/b", " lead", "x" * 49, "tab\there"])
def test_bad_folder_names(cl, name):
    r = cl.post(F, {"name": name})
    assert r.status == 400 and r.body["code"] == 3


def test_moves_refuse_cycles_and_depth(cl):
    a = folder(cl, "a")
    b = folder(cl, "b", a)
    c = folder(cl, "c", b)
    d = folder(cl, "d", c)
    r = cl.post(F, {"name": "e", "parent_id": d})
    assert r.status == 400 and r.body["code"] == 9          # a fifth level
    assert cl.patch(F + "/" + a, {"parent_id": c}).status == 400   # into a descendant
    assert cl.patch(F + "/" + a, {"parent_id": a}).status == 400   # into itself
    top = folder(cl, "top")
    low = folder(cl, "low", top)
    assert cl.patch(F + "/" + b, {"parent_id": low}).status == 400  # b, c, d under top/low: 5 levels
    assert cl.patch(F + "/" + c, {"parent_id": top}).status == 200  # c, d under top: 3 levels
    assert cl.get(F + "/" + d).body["path"][0]["name"] == "top"
    assert cl.patch(F + "/" + c, {"parent_id": "root"}).body["parent_id"] == "root"


def test_delete_refused_while_not_empty_then_allowed(cl):
    prod = folder(cl, "prod")
    child = folder(cl, "child", prod)
    cluster = cl.create("in-folder", serverless=SL, parent_id=prod)
    r = cl.delete(F + "/" + prod)
    assert r.status == 400 and r.body["code"] == 9 and "1 folders, 1 clusters" in r.body["message"]
    assert cl.delete(F + "/" + child).body == {}
    assert cl.delete(F + "/" + prod).status == 400
    assert cl.delete("/api/v1/clusters/" + cluster["id"]).status == 200
    assert cl.delete(F + "/" + prod).status == 200          # a DELETED cluster does not count
    assert cl.get(F + "/" + prod).status == 404
    assert cl.delete(F + "/" + prod).status == 404


def test_clusters_in_folders_and_contents_order(cl):
    prod = folder(cl, "prod")
    folder(cl, "zeta", prod)
    folder(cl, "alpha", prod)
    c1 = cl.create("shop-bbb", serverless=SL, parent_id=prod)
    c2 = cl.create("shop-aaa")
    assert cl.post("/api/v1/clusters", {"name": "shop-ccc", "provider": "GCP", "spec": {
        "serverless": {"regions": ["us-central1"]}, "parent_id": "3f0c1a2b-1111-4222-8333-444455556666"}}).status == 404
    assert cl.patch("/api/v1/clusters/" + c2["id"], {"parent_id": prod}).body["parent_id"] == prod
    res = cl.get(F + "/%s/contents" % prod).body["resources"]
    assert [(r["resource_type"], r["name"]) for r in res] == [
        ("FOLDER", "alpha"), ("FOLDER", "zeta"), ("CLUSTER", "shop-aaa"), ("CLUSTER", "shop-bbb")]
    assert res[2]["path"] == [{"id": prod, "name": "prod"}]
    # pagination: one per page, in the same order
    seen, page = [], None
    while True:
        q = {"pagination.limit": 1}
        if page:
            q["pagination.page"] = page
        body = cl.get(F + "/%s/contents" % prod, query=q).body
        seen += [r["name"] for r in body["resources"]]
        page = body["pagination"].get("next_page")
        if not page:
            break
    assert seen == ["alpha", "zeta", "shop-aaa", "shop-bbb"]
    assert [r["name"] for r in cl.get(F + "/root/contents").body["resources"]] == ["prod"]
    assert cl.get(F + "/nope/contents").status == 404
    assert c1["parent_id"] == prod


def test_folder_labels_replace_and_are_checked(cl):
    fid = folder(cl, "prod", labels={"env": "prod", "team": "a"})
    assert cl.patch(F + "/" + fid, {"labels": {"env": "prod"}}).body["labels"] == {"env": "prod"}
    assert cl.patch(F + "/" + fid, {"name": "prod2"}).body["labels"] == {"env": "prod"}
    assert cl.patch(F + "/" + fid, {"labels": {"Env": "x"}}).status == 400


def test_audit_entries_for_every_change(cl):
    fid = folder(cl, "prod")
    cl.patch(F + "/" + fid, {"name": "prod"})                # nothing changed: no entry
    cl.patch(F + "/" + fid, {"name": "production"})
    cl.delete(F + "/" + fid)
    sa = cl.post(SA, {"name": "ci"}).body
    cl.patch(SA + "/" + sa["id"], {"description": "d"})
    key = cl.post(K, {"name": "k", "service_account_id": sa["id"]}).body
    cl.patch(K + "/" + key["api_key"]["id"], {"name": "k2"})
    cl.delete(K + "/" + key["api_key"]["id"])
    cl.delete(SA + "/" + sa["id"])
    assert actions(cl) == ["AUDIT_LOG_ACTION_%s" % a for a in (
        "CREATE_FOLDER", "UPDATE_FOLDER", "DELETE_FOLDER", "CREATE_SERVICE_ACCOUNT", "UPDATE_SERVICE_ACCOUNT",
        "CREATE_API_KEY", "UPDATE_API_KEY", "DELETE_API_KEY", "DELETE_SERVICE_ACCOUNT")]
    raw = json.dumps(cl.get("/api/v1/auditlogevents").body)
    assert key["secret"] not in raw


def test_service_accounts_names_not_unique_and_the_seed_account(cl):
    a = cl.post(SA, {"name": "ci", "description": "one"}).body
    b = cl.post(SA, {"name": "ci", "description": "two"}).body
    names = [(s["name"], s["id"]) for s in cl.get(SA).body["service_accounts"]]
    assert names == sorted([("ci", a["id"]), ("ci", b["id"]), (seed.SERVICE_ACCOUNT_NAME, seed.SERVICE_ACCOUNT_ID)])
    r = cl.delete(SA + "/" + seed.SERVICE_ACCOUNT_ID)
    assert r.status == 400 and r.body["code"] == 9
    assert cl.patch(SA + "/" + a["id"], {"name": ""}).status == 400
    assert cl.post(SA, {"name": "x", "roles": [{"name": "CLUSTER_ADMIN", "resource": {
        "type": "CLUSTER", "id": "3f0c1a2b-1111-4222-8333-444455556666"}}]}).status == 404
    assert cl.get(SA + "/nope").status == 404


def test_api_key_secret_once_and_revocation(cl):
    sa = cl.post(SA, {"name": "ci"}).body
    r = cl.post(K, {"name": "deploy", "service_account_id": sa["id"]})
    kid, secret = r.body["api_key"]["id"], r.body["secret"]
    assert kid.startswith("CCDB1_") and len(kid) == 28 and secret.startswith(kid + "_") and len(secret) == 69
    assert "secret" not in cl.get(K + "/" + kid).body
    assert all("secret" not in k for k in cl.get(K).body["api_keys"])
    state = json.dumps(cl.control("GET", "/state")[1])
    assert secret not in state
    assert cl.get("/api/v1/clusters", key=secret).status == 200
    assert cl.post(F, {"name": "made-by-key"}, key=secret).status == 200
    assert cl.delete(K + "/" + kid).status == 200
    assert cl.get("/api/v1/clusters", key=secret).status == 401
    # deleting the service account revokes its keys
    r = cl.post(K, {"name": "second", "service_account_id": sa["id"]})
    secret2 = r.body["secret"]
    assert cl.get("/api/v1/clusters", key=secret2).status == 200
    assert cl.delete(SA + "/" + sa["id"]).status == 200
    assert cl.get("/api/v1/clusters", key=secret2).status == 401
    assert cl.get(K + "/" + r.body["api_key"]["id"]).status == 404


def test_api_key_input_errors(cl):
    sa = cl.post(SA, {"name": "ci"}).body
    assert cl.post(K, {"name": "k", "service_account_id": "not-a-uuid"}).status == 400
    assert cl.post(K, {"name": "k", "service_account_id": "3f0c1a2b-1111-4222-8333-444455556666"}).status == 404
    assert cl.post(K, {"name": "", "service_account_id": sa["id"]}).status == 400
    assert cl.post(K, {"name": "k", "service_account_id": sa["id"], "secret": "x"}).status == 400
    assert cl.get(K + "/CCDB1_nope").status == 404


def test_api_keys_filtered_and_paginated_by_creation(cl):
    a = cl.post(SA, {"name": "a"}).body["id"]
    b = cl.post(SA, {"name": "b"}).body["id"]
    made = []
    for i in range(3):
        made.append(cl.post(K, {"name": "k%d" % i, "service_account_id": a}).body["api_key"]["id"])
        cl.advance(1)
    cl.post(K, {"name": "other", "service_account_id": b})
    body = cl.get(K, query={"service_account_id": a, "pagination.limit": 2}).body
    assert [k["id"] for k in body["api_keys"]] == made[:2] and body["pagination"]["next_page"]
    body = cl.get(K, query={"service_account_id": a, "pagination.limit": 2,
                            "pagination.page": body["pagination"]["next_page"]}).body
    assert [k["id"] for k in body["api_keys"]] == made[2:]


def test_reset_forgets_everything(cl):
    sa = cl.post(SA, {"name": "ci"}).body
    secret = cl.post(K, {"name": "k", "service_account_id": sa["id"]}).body["secret"]
    folder(cl, "prod")
    cl.control("POST", "/reset")
    assert cl.get(F).body["folders"] == []
    assert [s["id"] for s in cl.get(SA).body["service_accounts"]] == [seed.SERVICE_ACCOUNT_ID]
    assert cl.get("/api/v1/clusters", key=secret).status == 401
