"""Conformance of the ``access`` family (role grants, persons, JWT issuers, invoices) with the official spec."""

import pytest

from conformance_helpers import CheckingClient, finish
from emulator.cloud import seed
from emulator.openapi import SpecValidator, load_spec

SPEC = load_spec()
pytestmark = pytest.mark.skipif(SPEC is None, reason="cloud-api-openapi.json not found")


@pytest.fixture(scope="module")
def validator():
    return SpecValidator(SPEC, strict=True)


def test_access_operations(validator):
    cl = CheckingClient(validator)
    cid = cl.create("conf-access")["id"]
    dev = cl.get("/api/v1/users/persons-by-email", query={"email": "dev@example.com"}).body["user"]["id"]
    assert cl.get("/api/v1/users/persons-by-email", query={"email": "x@example.com"}).status == 404
    assert cl.get("/api/v1/roles", query={"pagination.limit": 1}).status == 200
    assert cl.get("/api/v1/roles/" + dev).status == 200
    org = {"type": "ORGANIZATION"}
    assert cl.put("/api/v1/roles/" + dev, {"roles": [{"name": "ORG_MEMBER", "resource": org},
                                                     {"name": "CLUSTER_ADMIN",
                                                      "resource": {"type": "CLUSTER", "id": cid}}]}).status == 200
    assert cl.put("/api/v1/roles/" + dev, {"roles": []}).status == 400
    path = "/api/v1/roles/%s/ORGANIZATION/%s/BILLING_VIEWER" % (dev, seed.ORGANIZATION["id"])
    assert cl.post(path).status == 200
    assert cl.delete(path).status == 200
    assert cl.delete(path).status == 404
    j = cl.post("/api/v1/jwt-issuers", {"issuer_url": "https://idp.example.com", "audience": "a",
                                        "jwks": '{"keys": []}',
                                        "identity_map": [{"token_identity": "x", "cc_identity": "y"}]})
    assert j.status == 200
    assert cl.get("/api/v1/jwt-issuers").status == 200
    assert cl.get("/api/v1/jwt-issuers/" + j.body["id"]).status == 200
    assert cl.patch("/api/v1/jwt-issuers/" + j.body["id"], {"claim": "email"}).status == 200
    assert cl.post("/api/v1/jwt-issuers", {"issuer_url": "https://idp.example.com", "audience": "a"}).status == 409
    assert cl.delete("/api/v1/jwt-issuers/" + j.body["id"]).status == 200
    cl.advance(40 * 86400)
    inv = cl.get("/api/v1/invoices").body["invoices"]
    assert any(i["invoice_items"] for i in inv)
    assert cl.get("/api/v1/invoices/" + inv[-2]["invoice_id"]).status == 200
    assert cl.get("/api/v1/invoices/nope").status == 404
    finish(cl, "access")
