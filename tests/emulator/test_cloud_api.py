"""Cloud API emulator: transport-level behaviour (auth, Cc-Version, errors, rate limit, pagination, audit log)."""

import base64
import json
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloud_helpers import KEY, Client, FakeClock


@pytest.fixture
def cl():
    return Client()


def test_missing_and_wrong_key_are_401(cl):
    for key in ("", "nope"):
        r = cl.get("/api/v1/clusters", key=key)
        assert r.status == 401
        assert r.body["code"] == 16 and r.body["details"] == [] and r.body["message"]
    r = cl.get("/api/v1/clusters", headers={"Authorization": "Basic " + KEY})
    assert r.status == 401


def test_cc_version_default_echo_and_invalid(cl):
    r = cl.get("/api/v1/clusters", version="")
    assert r.status == 200 and r.headers["Cc-Version"] == "2024-09-16"
    for v in ("2022-03-31", "2022-09-20", "2023-04-10", "2024-09-16"):
        r = cl.get("/api/v1/organization", version=v)
        assert r.status == 200 and r.headers["Cc-Version"] == v
    r = cl.get("/api/v1/clusters", version="2021-01-01")
    assert r.status == 400 and r.body == {"code": 3, "message": "invalid Cc-Version.", "details": []}
    assert r.headers["Cc-Version"] == "2024-09-16"
    # Cc-Version on error responses too
    assert cl.get("/api/v1/clusters", key="bad").headers["Cc-Version"] == "2024-09-16"


def test_unknown_path_and_method(cl):
    r = cl.get("/api/v1/nothing-here")
    assert r.status == 404 and r.body["code"] == 5
    r = cl.get("/api/v1/clusters/")  # trailing slash is a different route
    assert r.status == 404
    r = cl.call("PUT", "/api/v1/clusters")
    assert r.status == 405 and r.body["code"] == 12


def test_read_only_key_gets_403_on_mutations(cl):
    st, _body = cl.control("POST", "/keys", {"key": "ro-key", "read_only": True})
    assert st == 200
    assert cl.get("/api/v1/clusters", key="ro-key").status == 200
    r = cl.post("/api/v1/clusters", {"name": "abcdef", "provider": "GCP",
                                     "spec": {"serverless": {"regions": ["us-central1"]}}}, key="ro-key")
    assert r.status == 403 and r.body["code"] == 7
    st, _body = cl.control("DELETE", "/keys/ro-key")
    assert st == 200
    assert cl.get("/api/v1/clusters", key="ro-key").status == 401


def test_unknown_json_field_named(cl):
    r = cl.post("/api/v1/clusters", {"name": "abcdef", "provider": "GCP", "bogus": 1,
                                     "spec": {"serverless": {"regions": ["us-central1"]}}})
    assert r.status == 400 and r.body["code"] == 3 and "bogus" in r.body["message"]
    r = cl.post("/api/v1/clusters", {"name": "abcdef", "provider": "GCP",
                                     "spec": {"serverless": {"regions": ["us-central1"], "spendLimit": 5}}})
    assert r.status == 400 and "spendLimit" in r.body["message"]
    r = cl.post("/api/v1/clusters", raw_body=b"{not json")
    assert r.status == 400 and r.body["code"] == 3


def test_camel_case_input_is_accepted(cl):
    r = cl.post("/api/v1/clusters", {"name": "camel-case", "provider": "GCP",
                                     "spec": {"serverless": {"regions": ["us-central1"],
                                                             "usageLimits": {"requestUnitLimit": 1000}}}})
    assert r.status == 200, r
    assert r.body["config"]["serverless"]["usage_limits"] == {"request_unit_limit": "1000"}


def test_rate_limit_sliding_window():
    clock = FakeClock()
    cl = Client(rate_limit=10, clock=clock)
    statuses = [cl.get("/api/v1/organization").status for _i in range(12)]
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    r = cl.get("/api/v1/organization")
    assert r.body == {"code": 8, "message": "rate limit exceeded", "details": []}
    assert r.headers["Retry-After"] == "1"
    clock.advance(1.01)
    assert cl.get("/api/v1/organization").status == 200
    # per key: a second key has its own budget
    cl.control("POST", "/keys", {"key": "other"})
    assert cl.get("/api/v1/organization", key="other").status == 200
    # 0 disables
    cl.control("POST", "/config", {"rate_limit": 0})
    assert all(cl.get("/api/v1/organization").status == 200 for _i in range(30))


def test_keyset_pagination_over_clusters(cl):
    names = ["cluster-%02d" % i for i in range(7)]
    for n in reversed(names):
        cl.create(n, ready=False)
    seen, page, pages = [], "", 0
    while True:
        r = cl.get("/api/v1/clusters", query={"pagination.limit": 3, "pagination.page": page})
        assert r.status == 200
        seen += [c["name"] for c in r.body["clusters"]]
        pages += 1
        page = r.body["pagination"].get("next_page")
        if not page:
            break
        assert len(r.body["clusters"]) == 3
    assert seen == names and pages == 3
    # token is opaque base64; DESC order and previous_page
    r = cl.get("/api/v1/clusters", query={"pagination.limit": 2, "pagination.sort_order": "DESC"})
    assert [c["name"] for c in r.body["clusters"]] == names[::-1][:2]
    r2 = cl.get("/api/v1/clusters", query={"pagination.limit": 2, "pagination.sort_order": "DESC",
                                           "pagination.page": r.body["pagination"]["next_page"]})
    assert [c["name"] for c in r2.body["clusters"]] == names[::-1][2:4]
    r3 = cl.get("/api/v1/clusters", query={"pagination.limit": 2, "pagination.sort_order": "DESC",
                                           "pagination.page": r2.body["pagination"]["previous_page"]})
    assert [c["name"] for c in r3.body["clusters"]] == names[::-1][:2]
    base64.urlsafe_b64decode(r.body["pagination"]["next_page"] + "==")


def test_default_page_size_is_100(cl):
    c = cl.create("many-users")
    for i in range(105):
        assert cl.post("/api/v1/clusters/%s/sql-users" % c["id"], {"name": "u%03d" % i, "password": "pw-123456"}).status == 200
    r = cl.get("/api/v1/clusters/%s/sql-users" % c["id"])
    assert len(r.body["users"]) == 100 and r.body["pagination"]["next_page"]
    r = cl.get("/api/v1/clusters/%s/sql-users" % c["id"], query={"pagination.page": r.body["pagination"]["next_page"]})
    assert [u["name"] for u in r.body["users"]] == ["u%03d" % i for i in range(100, 105)]
    assert "next_page" not in r.body["pagination"]


@pytest.mark.parametrize("query", [
    {"pagination.limit": "x"}, {"pagination.limit": "-1"}, {"pagination.sort_order": "UP"},
    {"pagination.page": "!!!"}, {"pagination.as_of_time": "yesterday"}, {"show_inactive": "maybe"},
    {"pagination.sort_by": "SIZE"},
])
def test_bad_query_parameters_are_400(cl, query):
    r = cl.get("/api/v1/clusters", query=query)
    assert r.status == 400 and r.body["code"] == 3


def test_audit_log_cursor(cl):
    c = cl.create("audited-one")
    cid = c["id"]
    for i in range(5):
        cl.advance(1)
        cl.post("/api/v1/clusters/%s/sql-users" % cid, {"name": "user%d" % i, "password": "secret-pw"})
    r = cl.get("/api/v1/auditlogevents")
    actions = [e["action"] for e in r.body["entries"]]
    assert actions == ["AUDIT_LOG_ACTION_CREATE_CLUSTER"] + ["AUDIT_LOG_ACTION_CREATE_SQL_USER"] * 5
    assert "secret-pw" not in json.dumps(r.body)
    assert r.body["next_starting_from"] == r.body["entries"][-1]["created_at"]
    # limit + exclusive starting_from
    r = cl.get("/api/v1/auditlogevents", query={"limit": 2})
    assert len(r.body["entries"]) == 2
    r2 = cl.get("/api/v1/auditlogevents", query={"limit": 2, "starting_from": r.body["next_starting_from"]})
    assert r2.body["entries"][0]["created_at"] > r.body["entries"][-1]["created_at"]
    # ASC past the end still returns next_starting_from; DESC omits it at the first entry
    r = cl.get("/api/v1/auditlogevents", query={"starting_from": "2099-01-01T00:00:00Z"})
    assert r.body["entries"] == [] and r.body["next_starting_from"]
    r = cl.get("/api/v1/auditlogevents", query={"sort_order": "DESC", "limit": 3})
    assert len(r.body["entries"]) == 3 and r.body["next_starting_from"]
    r = cl.get("/api/v1/auditlogevents", query={"sort_order": "DESC", "starting_from": r.body["next_starting_from"]})
    assert r.body["entries"][-1]["action"] == "AUDIT_LOG_ACTION_CREATE_CLUSTER"
    assert "next_starting_from" not in r.body
    assert cl.get("/api/v1/auditlogevents", query={"starting_from": "nope"}).status == 400


def test_audit_log_returns_all_entries_sharing_the_boundary_timestamp(cl):
    c = cl.create("same-time")
    for i in range(4):  # same fake-clock instant
        cl.post("/api/v1/clusters/%s/sql-users" % c["id"], {"name": "same%d" % i, "password": "pw"})
    first = cl.get("/api/v1/auditlogevents", query={"limit": 1}).body
    assert [e["action"] for e in first["entries"]] == ["AUDIT_LOG_ACTION_CREATE_CLUSTER"]
    r = cl.get("/api/v1/auditlogevents", query={"limit": 2, "starting_from": first["next_starting_from"]})
    assert len(r.body["entries"]) == 4


def test_organization_and_catalogue(cl):
    org = cl.get("/api/v1/organization").body
    assert set(org) >= {"id", "label", "name", "created_at"}
    regs = cl.get("/api/v1/clusters/available-regions", query={"provider": "AWS", "serverless": "true"}).body["regions"]
    assert regs and all(r["provider"] == "AWS" and r["serverless"] for r in regs)
    assert [r["distance"] for r in regs] == sorted(r["distance"] for r in regs)
    allr = cl.get("/api/v1/clusters/available-regions").body["regions"]
    assert {r["provider"] for r in allr} == {"GCP", "AWS", "AZURE"}
    vers = cl.get("/api/v1/cluster-versions").body["versions"]
    assert [v["version"] for v in vers] == sorted((v["version"] for v in vers),
                                                  key=lambda s: tuple(int(x) for x in s[1:].split(".")), reverse=True)
    assert all(set(v) == {"version", "support_status", "support_end", "release_type", "allowed_upgrades"} for v in vers)
    r = cl.get("/api/v1/clusters/available-regions", query={"provider": "IBM"})
    assert r.status == 400


def test_logged_body_is_redacted(cl):
    c = cl.create("redacted-1")
    r = cl.post("/api/v1/clusters/%s/sql-users" % c["id"], {"name": "bob", "password": "hunter2-secret"})
    assert r.raw.logged_body == {"name": "bob", "password": "********"}


def test_thread_safety_parallel_creates():
    cl = Client(create_seconds=0)
    c = cl.create("parallel-1")
    errors = []

    def worker(n):
        for i in range(20):
            r = cl.post("/api/v1/clusters/%s/databases" % c["id"], {"name": "db_%d_%d" % (n, i)})
            if r.status != 200:
                errors.append(r)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    r = cl.get("/api/v1/clusters/%s/databases" % c["id"], query={"pagination.limit": 500})
    assert len(r.body["databases"]) == 161


def test_page_token_is_bound_to_its_list(cl):
    c = cl.create("token-scope")
    for i in range(3):
        cl.post("/api/v1/clusters/%s/databases" % c["id"], {"name": "db%d" % i})
    tok = cl.get("/api/v1/clusters/%s/databases" % c["id"], query={"pagination.limit": 1}).body["pagination"]["next_page"]
    r = cl.get("/api/v1/clusters/%s/networking/allowlist" % c["id"], query={"pagination.page": tok})
    assert r.status == 400 and r.body["code"] == 3
    r = cl.get("/api/v1/clusters/%s/databases" % c["id"], query={"pagination.page": tok, "pagination.sort_order": "DESC"})
    assert r.status == 400


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(n=st.integers(0, 12), limit=st.integers(1, 5), desc=st.booleans())
def test_pagination_walk_visits_every_item_once(n, limit, desc):
    cl = Client(create_seconds=0)
    c = cl.create("walk-test")
    for i in range(n):
        cl.post("/api/v1/clusters/%s/sql-users" % c["id"], {"name": "user%02d" % i, "password": "pw"})
    q = {"pagination.limit": limit, "pagination.sort_order": "DESC" if desc else "ASC"}
    seen, page = [], ""
    for _i in range(20):
        r = cl.get("/api/v1/clusters/%s/sql-users" % c["id"], query=dict(q, **{"pagination.page": page}))
        assert r.status == 200
        seen += [u["name"] for u in r.body["users"]]
        page = r.body["pagination"].get("next_page", "")
        if not page:
            break
    expected = sorted("user%02d" % i for i in range(n))
    assert seen == (expected[::-1] if desc else expected)
