"""Cloud API emulator, family ``access``: role grants, person users by email, JWT issuers, invoices."""

import pytest

from cloud_helpers import Client
from emulator.cloud import seed

R = "/api/v1/roles"
J = "/api/v1/jwt-issuers"
ADMIN = "6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d01"
DEV = "6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d02"
ORG = {"type": "ORGANIZATION"}


def role(name, rtype="ORGANIZATION", rid=None):
    res = {"type": rtype}
    if rid:
        res["id"] = rid
    return {"name": name, "resource": res}


@pytest.fixture
def cl():
    return Client()


def actions(cl):
    return [e["action"] for e in cl.get("/api/v1/auditlogevents").body["entries"]]


# -- persons --------------------------------------------------------------------------------------
def test_person_by_email_is_case_insensitive_and_404_when_unknown(cl):
    r = cl.get("/api/v1/users/persons-by-email", query={"email": "Dev@Example.com"})
    assert r.status == 200 and r.body == {"user": {"id": DEV, "email": "dev@example.com"}}
    assert cl.get("/api/v1/users/persons-by-email", query={"email": "nobody@example.com"}).status == 404
    assert cl.get("/api/v1/users/persons-by-email").status == 400


def test_control_adds_a_person_with_org_member(cl):
    st, p = cl.control("POST", "/persons", {"email": "new@example.com", "roles": ["BILLING_VIEWER"]})
    assert st == 200 and [r["name"] for r in p["roles"]] == ["BILLING_VIEWER", "ORG_MEMBER"]
    assert cl.get("/api/v1/users/persons-by-email", query={"email": "new@example.com"}).body["user"]["id"] == p["id"]
    assert cl.control("POST", "/persons", {"email": "NEW@example.com"})[0] == 409
    assert cl.control("POST", "/persons", {"email": "not-an-email"})[0] == 400


# -- role grants ----------------------------------------------------------------------------------
def test_set_roles_replaces_the_whole_set_and_audits_once(cl):
    cid = cl.create("grant-cluster")["id"]
    want = [role("ORG_MEMBER"), role("CLUSTER_ADMIN", "CLUSTER", cid)]
    r = cl.put(R + "/" + DEV, {"roles": want})
    assert r.status == 200
    assert r.body["roles"] == [{"name": "CLUSTER_ADMIN", "resource": {"type": "CLUSTER", "id": cid}},
                               {"name": "ORG_MEMBER", "resource": ORG}]
    assert cl.get(R + "/" + DEV).body == r.body
    n = len(actions(cl))
    assert cl.put(R + "/" + DEV, {"roles": list(reversed(want))}).status == 200  # same set: no entry
    assert len(actions(cl)) == n
    assert actions(cl)[-1] == "AUDIT_LOG_ACTION_ASSIGN_USER_ROLE"


@pytest.mark.parametrize("roles, status, fragment", [
    ([role("CLUSTER_ADMIN")], 400, "ORG_MEMBER"),                                      # ORG_MEMBER required
    ([role("ORG_MEMBER"), role("ORG_ADMIN", "CLUSTER", "x")], 400, "cannot be granted on a CLUSTER"),
    ([role("ORG_MEMBER"), role("CLUSTER_CREATOR", "CLUSTER", "x")], 400, "allowed on: ORGANIZATION, FOLDER"),
    ([role("ORG_MEMBER"), role("CLUSTER_ADMIN", "CLUSTER", "6a1f0c52-0000-4000-8000-000000000000")], 404, "not found"),
    ([role("ORG_MEMBER"), role("FOLDER_ADMIN", "FOLDER", "6a1f0c52-0000-4000-8000-000000000000")], 404, "not found"),
    ([role("ORG_MEMBER"), role("CLUSTER_ADMIN", "CLUSTER")], 400, "resource.id is required"),
    ([role("ORG_MEMBER", rid="someone-else")], 400, "organization's id"),
    ([role("ORG_MEMBER"), role("ORG_MEMBER")], 400, "listed twice"),
])
def test_set_roles_refusals_change_nothing(cl, roles, status, fragment):
    before = cl.get(R + "/" + DEV).body
    n = len(actions(cl))
    r = cl.put(R + "/" + DEV, {"roles": roles})
    assert r.status == status and fragment in r.body["message"], r
    assert cl.get(R + "/" + DEV).body == before and len(actions(cl)) == n


def test_org_id_is_accepted_for_the_organization_and_not_shown(cl):
    r = cl.put(R + "/" + DEV, {"roles": [role("ORG_MEMBER", rid=seed.ORGANIZATION["id"])]})
    assert r.status == 200 and r.body["roles"] == [{"name": "ORG_MEMBER", "resource": ORG}]


def test_the_last_person_org_admin_stays(cl):
    r = cl.put(R + "/" + ADMIN, {"roles": [role("ORG_MEMBER")]})
    assert r.status == 400 and r.body["code"] == 9 and "ORG_ADMIN" in r.body["message"]
    assert cl.delete(R + "/%s/ORGANIZATION/%s/ORG_ADMIN" % (ADMIN, seed.ORGANIZATION["id"])).status == 400
    # with a second person admin, the first may go
    assert cl.post(R + "/%s/ORGANIZATION/%s/ORG_ADMIN" % (DEV, seed.ORGANIZATION["id"])).status == 200
    assert cl.put(R + "/" + ADMIN, {"roles": [role("ORG_MEMBER")]}).status == 200
    # the service account's ORG_ADMIN does not count
    assert cl.put(R + "/" + DEV, {"roles": [role("ORG_MEMBER")]}).status == 400


def test_add_is_idempotent_remove_of_missing_is_404(cl):
    cid = cl.create("grant-cluster")["id"]
    path = R + "/%s/CLUSTER/%s/CLUSTER_DEVELOPER" % (DEV, cid)
    assert cl.post(path).status == 200
    n = len(actions(cl))
    r = cl.post(path)
    assert r.status == 200 and len(actions(cl)) == n
    assert {"name": "CLUSTER_DEVELOPER", "resource": {"type": "CLUSTER", "id": cid}} in r.body["roles"]
    assert cl.delete(path).status == 200
    assert actions(cl)[-2:] == ["AUDIT_LOG_ACTION_ADD_USER_TO_ROLE", "AUDIT_LOG_ACTION_REMOVE_USER_FROM_ROLE"]
    assert cl.delete(path).status == 404
    assert cl.delete(R + "/%s/ORGANIZATION/%s/ORG_MEMBER" % (DEV, seed.ORGANIZATION["id"])).status == 400
    assert cl.post(R + "/%s/CLUSTER/%s/NOT_A_ROLE" % (DEV, cid)).status == 400


def test_unknown_user_is_404_on_writes_and_has_no_roles_on_read(cl):
    u = "6a1f0c52-0000-4000-8000-00000000dead"
    # the provider takes an empty role list as "the user is gone" (no 404 case in its Read)
    r = cl.get(R + "/" + u)
    assert r.status == 200 and r.body["roles"] == []
    assert cl.put(R + "/" + u, {"roles": [role("ORG_MEMBER")]}).status == 404
    assert cl.post(R + "/%s/ORGANIZATION/%s/ORG_ADMIN" % (u, seed.ORGANIZATION["id"])).status == 404


def test_grants_on_a_deleted_cluster_vanish(cl):
    cid = cl.create("grant-cluster")["id"]
    cl.put(R + "/" + DEV, {"roles": [role("ORG_MEMBER"), role("CLUSTER_ADMIN", "CLUSTER", cid)]})
    assert cl.delete("/api/v1/clusters/" + cid).status == 200
    assert cl.get(R + "/" + DEV).body["roles"] == [{"name": "ORG_MEMBER", "resource": ORG}]


def test_service_accounts_of_the_org_family_are_grantees(cl):
    sa = "6a1f0c52-0000-4000-8000-0000000000aa"
    assert cl.get(R + "/" + sa).body["roles"] == []
    cl.api.s.service_accounts[sa] = {"id": sa, "name": "ci", "roles": []}
    assert cl.get(R + "/" + sa).body["roles"] == [{"name": "ORG_MEMBER", "resource": ORG}]
    assert cl.put(R + "/" + sa, {"roles": [role("ORG_MEMBER"), role("CLUSTER_CREATOR")]}).status == 200


def test_list_role_grants_paginates_by_user(cl):
    r = cl.get(R, query={"pagination.limit": 2})
    assert [g["user_id"] for g in r.body["grants"]] == sorted([seed.SERVICE_ACCOUNT_ID, ADMIN])
    r2 = cl.get(R, query={"pagination.limit": 2, "pagination.page": r.body["pagination"]["next_page"]})
    assert [g["user_id"] for g in r2.body["grants"]] == [DEV, "6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d03"]
    assert "next_page" not in r2.body["pagination"]


# -- JWT issuers ----------------------------------------------------------------------------------
JWKS = '{"keys": [{"kty": "RSA", "kid": "k1", "n": "abc", "e": "AQAB"}]}'


def test_jwt_issuer_crud(cl):
    r = cl.post(J, {"issuer_url": "https://idp.example.com", "audience": "crdb", "jwks": JWKS,
                    "identity_map": [{"token_identity": "/^(.*)@corp$", "cc_identity": "\\1@example.com"}]})
    assert r.status == 200 and r.body["claim"] == "sub"
    iid = r.body["id"]
    assert cl.post(J, {"issuer_url": "https://idp.example.com", "audience": "x"}).status == 409
    r = cl.patch(J + "/" + iid, {"audience": "crdb2", "claim": "email"})
    assert r.body["audience"] == "crdb2" and r.body["claim"] == "email" and r.body["jwks"] == JWKS
    n = len(actions(cl))
    assert cl.patch(J + "/" + iid, {"audience": "crdb2"}).status == 200 and len(actions(cl)) == n
    assert cl.get(J).body["jwt_issuers"][0]["id"] == iid
    assert cl.delete(J + "/" + iid).status == 200
    assert cl.get(J + "/" + iid).status == 404 and cl.delete(J + "/" + iid).status == 404
    assert actions(cl)[-3:] == ["AUDIT_LOG_ACTION_ADD_JWT_ISSUER", "AUDIT_LOG_ACTION_UPDATE_JWT_ISSUER",
                                "AUDIT_LOG_ACTION_DELETE_JWT_ISSUER"]


@pytest.mark.parametrize("body, fragment", [
    ({"audience": "a"}, "issuer_url is required"),
    ({"issuer_url": "https://x.example.com"}, "audience is required"),
    ({"issuer_url": "http://x.example.com", "audience": "a"}, "https://"),
    ({"issuer_url": "https://x.example.com", "audience": "a", "jwks": "{"}, "not valid JSON"),
    ({"issuer_url": "https://x.example.com", "audience": "a", "jwks": "[]"}, '"keys" list'),
    ({"issuer_url": "https://x.example.com", "audience": "a", "identity_map": [{"token_identity": "x"}]}, "needs"),
    ({"issuer_url": "https://x.example.com", "audience": "a",
      "identity_map": [{"token_identity": "/(", "cc_identity": "\\1"}]}, "regular expression"),
    ({"issuer_url": "https://x.example.com", "audience": "a",
      "identity_map": [{"token_identity": "/(.*)", "cc_identity": "x"}]}, "\\1"),
])
def test_jwt_issuer_refusals(cl, body, fragment):
    r = cl.post(J, body)
    assert r.status == 400 and fragment in r.body["message"], r
    assert cl.get(J).body["jwt_issuers"] == []


def test_jwt_issuer_url_stays_unique_on_update(cl):
    a = cl.post(J, {"issuer_url": "https://a.example.com", "audience": "x"}).body["id"]
    cl.post(J, {"issuer_url": "https://b.example.com", "audience": "x"})
    assert cl.patch(J + "/" + a, {"issuer_url": "https://b.example.com"}).status == 409


# -- invoices -------------------------------------------------------------------------------------
def test_invoices_per_month_with_items_per_cluster(cl):
    basic = cl.create("inv-basic")["id"]
    cl.advance(31 * 86400)  # 2025-02-01: January is finalized
    invoices = cl.get("/api/v1/invoices").body["invoices"]
    assert invoices[0]["period_start"] == "2024-01-01T00:00:00Z"
    assert [i["status"] for i in invoices[-2:]] == ["FINALIZED", "DRAFT"]
    jan = invoices[-2]
    assert jan["period_start"] == "2025-01-01T00:00:00Z" and jan["period_end"] == "2025-02-01T00:00:00Z"
    assert [i["cluster"]["id"] for i in jan["invoice_items"]] == [basic]
    item = jan["invoice_items"][0]
    assert item["totals"][0]["amount"] == round(sum(x["total"]["amount"] for x in item["line_items"]), 2) > 0
    assert jan["totals"] == item["totals"]
    assert cl.get("/api/v1/invoices/" + jan["invoice_id"]).body == jan
    assert cl.get("/api/v1/invoices/nope").status == 404
    # filters
    only = cl.get("/api/v1/invoices", query={"start_time": "2025-01-01T00:00:00Z",
                                             "end_time": "2025-02-01T00:00:00Z"}).body["invoices"]
    assert [i["invoice_id"] for i in only] == [jan["invoice_id"]]
    assert [i["status"] for i in cl.get("/api/v1/invoices", query={"status": "DRAFT"}).body["invoices"]] == ["DRAFT"]
    assert cl.get("/api/v1/invoices", query={"status": "PAID"}).status == 400
    assert cl.get("/api/v1/invoices", query={"start_time": "soon"}).status == 400
    # a deleted cluster is billed for the time it existed, and only then
    cl.delete("/api/v1/clusters/" + basic)
    cl.advance(31 * 86400)
    invoices = cl.get("/api/v1/invoices").body["invoices"]
    assert [len(i["invoice_items"]) for i in invoices[-3:]] == [1, 1, 0]


def test_audit_actions_are_spec_values():
    import json
    import os
    from emulator.openapi import spec_path
    path = spec_path()
    if path is None:
        pytest.skip("no spec")
    with open(path) as f:
        allowed = set(json.load(f)["components"]["schemas"]["AuditLogAction"]["enum"])
    src = open(os.path.join(os.path.dirname(__file__), "..", "..", "emulator", "cloud", "families", "access.py")).read()
    import re
    used = set(re.findall(r'"(AUDIT_LOG_ACTION_[A-Z_]+)"', src))
    assert used and used <= allowed, used - allowed
