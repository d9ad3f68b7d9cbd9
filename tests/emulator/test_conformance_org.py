"""Conformance of the org family (folders, service accounts, API keys) with the official spec: every operation
answers a 200 that validates strictly, and its errors validate as ``Status``."""

import pytest

from conformance_helpers import CheckingClient, finish
from emulator.openapi import SpecValidator, load_spec

SPEC = load_spec()
pytestmark = pytest.mark.skipif(SPEC is None, reason="cloud-api-openapi.json not found")

SL = {"regions": ["us-central1"]}


@pytest.fixture(scope="module")
def validator():
    return SpecValidator(SPEC, strict=True)


def test_org_operations_conform(validator):
    cl = CheckingClient(validator)
    F, SA, K = "/api/v1/folders", "/api/v1/service-accounts", "/api/v1/api-keys"
    prod = cl.post(F, {"name": "prod", "labels": {"env": "prod"}}).body
    pay = cl.post(F, {"name": "payments", "parent_id": prod["resource_id"]}).body
    cl.post(F, {"name": "payments", "parent_id": prod["resource_id"]})  # 409
    cl.post(F, {"name": "x", "parent_id": "3f0c1a2b-1111-4222-8333-444455556666"})  # 404
    cl.create("conf-in-folder", serverless=SL, parent_id=pay["resource_id"])
    cl.get(F)
    cl.get(F, query={"path": "/prod/payments", "pagination.limit": 1})
    cl.get(F + "/" + pay["resource_id"])
    cl.get(F + "/root")  # 404
    cl.get(F + "/%s/contents" % prod["resource_id"])
    cl.get(F + "/%s/contents" % pay["resource_id"])
    cl.get(F + "/root/contents", query={"pagination.limit": 1})
    cl.patch(F + "/" + pay["resource_id"], {"name": "pay", "labels": {"team": "pay"}})
    cl.patch(F + "/" + pay["resource_id"], {"parent_id": pay["resource_id"]})  # 400: into itself
    cl.delete(F + "/" + prod["resource_id"])  # 400: not empty
    spare = cl.post(F, {"name": "spare"}).body
    cl.delete(F + "/" + spare["resource_id"])

    sa = cl.post(SA, {"name": "ci", "description": "deploys",
                      "roles": [{"name": "CLUSTER_ADMIN", "resource": {"type": "ORGANIZATION"}},
                                {"name": "FOLDER_ADMIN", "resource": {"type": "FOLDER", "id": prod["resource_id"]}}]}).body
    cl.post(SA, {"name": ""})  # 400
    cl.get(SA)
    cl.get(SA + "/" + sa["id"])
    cl.patch(SA + "/" + sa["id"], {"description": "deploys apps"})
    key = cl.post(K, {"name": "deploy", "service_account_id": sa["id"]}).body
    cl.post(K, {"name": "deploy", "service_account_id": "nope"})  # 400
    cl.get(K)
    cl.get(K, query={"service_account_id": sa["id"], "pagination.limit": 1})
    cl.get(K + "/" + key["api_key"]["id"])
    cl.patch(K + "/" + key["api_key"]["id"], {"name": "deploy-2"})
    cl.get("/api/v1/clusters", key=key["secret"])
    cl.delete(K + "/" + key["api_key"]["id"])
    cl.get("/api/v1/clusters", key=key["secret"])  # 401
    cl.post(K, {"name": "second", "service_account_id": sa["id"]})
    cl.delete(SA + "/" + sa["id"])
    cl.get(SA + "/" + sa["id"])  # 404
    finish(cl, "org")
