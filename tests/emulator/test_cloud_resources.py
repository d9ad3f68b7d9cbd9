"""Cloud API emulator: SQL users, databases, allowlist, legacy spend limit, control endpoints."""

import json

import pytest

from cloud_helpers import Client, qpath

C = "/api/v1/clusters"


@pytest.fixture
def cl():
    return Client()


@pytest.fixture
def cid(cl):
    return cl.create("res-cluster")["id"]


# --- SQL users ---------------------------------------------------------------------------------

def test_sql_user_crud_and_password_rotation(cl, cid):
    base = C + "/%s/sql-users" % cid
    r = cl.post(base, {"name": "alice", "password": "pw-one-123"})
    assert r.status == 200 and r.body == {"name": "alice"}
    assert cl.post(base, {"name": "alice", "password": "x"}).status == 409
    cl.post(base, {"name": "bob", "password": "pw"})
    assert cl.get(base).body["users"] == [{"name": "alice"}, {"name": "bob"}]
    r = cl.put(base + "/alice/password", {"password": "pw-two-456"})
    assert r.status == 200 and r.body == {"name": "alice"}
    st, state = cl.control("GET", "/state")
    users = state["clusters"][0]["_emulator"]["users"]
    assert users == [{"name": "alice", "password_version": 2}, {"name": "bob", "password_version": 1}]
    assert "pw-two-456" not in json.dumps(state) and "pw-one-123" not in json.dumps(state)
    assert cl.put(base + "/nobody/password", {"password": "x"}).status == 404
    assert cl.delete(base + "/bob").body == {"name": "bob"}
    assert cl.delete(base + "/bob").status == 404
    acts = [e["action"] for e in cl.get("/api/v1/auditlogevents").body["entries"]]
    assert {"AUDIT_LOG_ACTION_CREATE_SQL_USER", "AUDIT_LOG_ACTION_CHANGE_SQL_USER_PASSWORD",
            "AUDIT_LOG_ACTION_DELETE_SQL_USER"} <= set(acts)


@pytest.mark.parametrize("payload", [{"name": "", "password": "x"}, {"name": "ok"}, {"name": "bad name", "password": "x"},
                                     {"name": "x" * 64, "password": "x"}, {"name": 5, "password": "x"}])
def test_sql_user_validation(cl, cid, payload):
    r = cl.post(C + "/%s/sql-users" % cid, payload)
    assert r.status == 400 and r.body["code"] == 3


def test_sql_users_unknown_cluster(cl):
    assert cl.get(C + "/nope/sql-users").status == 404


# --- databases ----------------------------------------------------------------------------------

def test_database_crud_and_renames(cl, cid):
    base = C + "/%s/databases" % cid
    r = cl.post(base, {"name": "app"})
    assert r.status == 200 and r.body == {"name": "app", "table_count": "0"}
    assert cl.post(base, {"name": "app"}).status == 409
    r = cl.patch(base + "/app", {"new_name": "app2"})
    assert r.status == 200 and r.body["name"] == "app2"
    r = cl.patch(base, {"name": "app2", "new_name": "app3"})
    assert r.status == 200 and r.body["name"] == "app3"
    assert cl.patch(base + "/missing", {"new_name": "zzz"}).status == 404
    assert cl.patch(base + "/app3", {"new_name": "defaultdb"}).status == 409
    cl.control("PATCH", "/clusters/%s" % cid, {"table_counts": {"app3": 7}})
    names = cl.get(base).body["databases"]
    assert names == [{"name": "app3", "table_count": "7"}, {"name": "defaultdb", "table_count": "0"}]
    r = cl.delete(base + "/app3")
    assert r.status == 200 and r.body == {"name": "app3", "table_count": "7"}
    assert cl.delete(base + "/app3").status == 404
    assert cl.post(base, {"name": "system"}).status == 400
    assert cl.post(base, {}).status == 400


def test_database_name_with_special_chars(cl, cid):
    base = C + "/%s/databases" % cid
    assert cl.post(base, {"name": "we ird/name"}).status == 200
    assert cl.delete(base + "/" + qpath("we ird/name")).status == 200


# --- allowlist ----------------------------------------------------------------------------------

def test_allowlist_crud(cl, cid):
    base = C + "/%s/networking/allowlist" % cid
    r = cl.post(base, {"cidr_ip": "10.0.0.0", "cidr_mask": 8, "ui": True, "sql": False, "name": "office"})
    assert r.status == 200 and r.body == {"cidr_ip": "10.0.0.0", "cidr_mask": 8, "ui": True, "sql": False, "name": "office"}
    lst = cl.get(base).body
    assert lst["propagating"] is True
    assert [(e["cidr_ip"], e["cidr_mask"]) for e in lst["allowlist"]] == [("0.0.0.0", 0), ("10.0.0.0", 8)]
    cl.advance(1.1)
    assert cl.get(base).body["propagating"] is False
    assert cl.post(base, {"cidr_ip": "10.0.0.0", "cidr_mask": 8, "ui": True, "sql": True}).status == 409
    r = cl.put(base + "/192.168.1.0/24", {"ui": False, "sql": True})
    assert r.status == 200 and r.body["cidr_mask"] == 24
    r = cl.patch(base + "/10.0.0.0/8", {"sql": True, "ui": True, "name": "renamed"})
    assert r.status == 200 and r.body["name"] == "renamed" and r.body["sql"] is True
    assert cl.patch(base + "/10.9.9.9/32", {"sql": True, "ui": True}).status == 404
    r = cl.delete(base + "/10.0.0.0/8")
    assert r.status == 200 and r.body["cidr_ip"] == "10.0.0.0"
    assert cl.delete(base + "/10.0.0.0/8").status == 404
    assert cl.delete(base + "/10.0.0.0/abc").status == 400
    assert cl.post(base, {"cidr_ip": "300.0.0.1", "cidr_mask": 8, "ui": True, "sql": True}).status == 400
    assert cl.post(base, {"cidr_ip": "10.0.0.1", "cidr_mask": 33, "ui": True, "sql": True}).status == 400
    acts = [e["action"] for e in cl.get("/api/v1/auditlogevents").body["entries"]]
    assert {"AUDIT_LOG_ACTION_ADD_IP_ALLOWLIST", "AUDIT_LOG_ACTION_EDIT_IP_ALLOWLIST",
            "AUDIT_LOG_ACTION_DELETE_IP_ALLOWLIST"} <= set(acts)


def test_allowlist_sorted_by_address(cl, cid):
    base = C + "/%s/networking/allowlist" % cid
    for ip in ("192.168.0.0", "9.0.0.0", "10.0.0.0"):
        cl.post(base, {"cidr_ip": ip, "cidr_mask": 16, "ui": True, "sql": True})
    ips = [e["cidr_ip"] for e in cl.get(base).body["allowlist"]]
    assert ips == ["0.0.0.0", "9.0.0.0", "10.0.0.0", "192.168.0.0"]


# --- legacy spend limit -------------------------------------------------------------------------

def test_put_spend_limit_is_an_unknown_path_on_every_version(cl, cid):
    path = C + "/%s/spend-limit" % cid
    for version in ("2022-03-31", "2022-09-20", "2023-04-10", "2024-09-16"):
        r = cl.put(path, {"spend_limit": 500}, version=version)
        assert r.status == 404 and r.body == {"code": 5, "message": "Not Found", "details": []}


@pytest.mark.parametrize("version", ["2022-03-31", "2022-09-20", "2023-04-10"])
def test_legacy_spend_limit_is_a_patch_converted_to_usage_limits(cl, cid, version):
    r = cl.patch(C + "/" + cid, {"serverless": {"spend_limit": 2500}}, version=version)
    assert r.status == 200 and r.headers["Cc-Version"] == version
    sl = r.body["config"]["serverless"]
    assert sl["spend_limit"] == 2500
    assert sl["usage_limits"] == {"request_unit_limit": "100000000", "storage_mib_limit": "10240"}
    new = cl.get(C + "/" + cid).body["config"]["serverless"]
    assert "spend_limit" not in new and new["usage_limits"] == sl["usage_limits"]
    assert cl.patch(C + "/" + cid, {"serverless": {"spendLimit": 700}}, version=version).status == 200
    st, state = cl.control("GET", "/state")
    assert state["clusters"][0]["_emulator"]["spend_limit"] == 700
    for bad_value in (0, -1, "abc"):
        assert cl.patch(C + "/" + cid, {"serverless": {"spend_limit": bad_value}}, version=version).status == 400
    both = {"serverless": {"spend_limit": 100, "usage_limits": {"request_unit_limit": "5"}}}
    assert cl.patch(C + "/" + cid, both, version=version).status == 400
    ded = cl.create_dedicated("ded-spend")
    assert cl.patch(C + "/" + ded["id"], {"serverless": {"spend_limit": 1}}, version=version).status == 400
    std = cl.create("std-spend", serverless={"regions": ["us-central1"],
                                             "usage_limits": {"provisioned_virtual_cpus": "2"}})
    r = cl.patch(C + "/" + std["id"], {"serverless": {"spend_limit": 100}}, version=version)
    assert r.status == 400 and "STANDARD" in r.body["message"]


def test_spend_limit_is_an_unknown_field_on_the_current_version(cl, cid):
    r = cl.patch(C + "/" + cid, {"serverless": {"spend_limit": 2500}})
    assert r.status == 400 and r.body["code"] == 3 and r.body["message"] == 'unknown field "serverless.spend_limit"'
    r = cl.post(C, {"name": "new-spend", "provider": "GCP",
                    "spec": {"serverless": {"regions": ["us-central1"], "spend_limit": 100}}})
    assert r.status == 400 and "spend_limit" in r.body["message"]


# --- control ------------------------------------------------------------------------------------

def test_control_clock_config_reset(cl):
    c = cl.create("ctl-cluster", ready=False)
    st, out = cl.control("POST", "/clock", {"advance": 5})
    assert st == 200 and out["time"]
    assert cl.get(C + "/" + c["id"]).body["state"] == "CREATED"
    st, cfg = cl.control("POST", "/config", {"create_seconds": 0, "update_seconds": 0})
    assert st == 200 and cfg["create_seconds"] == 0
    d = cl.create("instant-c", ready=False)
    assert d["state"] == "CREATED"
    r = cl.patch(C + "/" + d["id"], {"serverless": {"regions": ["us-central1", "us-east1"], "primary_region": "us-east1"}})
    assert r.body["state"] == "CREATED"
    assert cl.control("POST", "/config", {"bogus": 1})[0] == 400
    st, _body = cl.control("POST", "/reset")
    assert st == 200
    assert cl.get(C, query={"show_inactive": "true"}).body["clusters"] == []
    assert cl.get("/api/v1/auditlogevents").body["entries"] == []
    assert cl.control("GET", "/nothing")[0] == 404
    assert cl.control("POST", "/clusters/nope/lock", {"seconds": 1})[0] == 404


def test_control_lock_and_unlock(cl, cid):
    st, out = cl.control("POST", "/clusters/%s/lock" % cid, {"seconds": 30})
    assert st == 200 and out["state"] == "LOCKED"
    assert cl.post(C + "/%s/databases" % cid, {"name": "x"}).status == 503
    cl.control("POST", "/clusters/%s/unlock" % cid)
    assert cl.get(C + "/" + cid).body["state"] == "CREATED"
    assert cl.post(C + "/%s/databases" % cid, {"name": "x"}).status == 200


def test_reset_is_deterministic():
    a, b = Client(seed=7), Client(seed=7)
    assert a.create("same-seed")["id"] == b.create("same-seed")["id"]
