"""Conformance of the Cloud API emulator with the official OpenAPI document (API 2024-09-16).

Every implemented operation is exercised; each 200 body is validated (strictly: no properties the
schema does not define) against the operation's response schema, every error body against
``Status``.  The coverage figures are printed and written to
``tests/output/emulator/cloud_conformance.json``.  This file covers the core operations (clusters,
SQL users, databases, allowlists, catalogue, audit log); each resource family of
``emulator/cloud/families/`` has its own ``test_conformance_<family>.py`` (conformance_helpers.py).
"""

import os
import re

import pytest

from cloud_helpers import Client
from conformance_helpers import CheckingClient, finish
from emulator.cloud import families
from emulator.cloud.routes import FAMILY_OPERATION_IDS, OPERATION_IDS, match_route
from emulator.openapi import SpecValidator, load_spec

SPEC = load_spec()
pytestmark = pytest.mark.skipif(
    SPEC is None, reason="cloud-api-openapi.json not found (set CLOUD_API_OPENAPI or provide "
                         "../shared/reference/cloud-api-openapi.json)")


@pytest.fixture(scope="module")
def validator():
    return SpecValidator(SPEC, strict=True)


def test_families_are_distinct_and_tested():
    """No handler name is used by two families; a family that implements operations has its own test file."""
    assert len(OPERATION_IDS) == sum(len(ops) for ops in FAMILY_OPERATION_IDS.values())
    assert len(set(OPERATION_IDS.values())) == len(OPERATION_IDS)
    here = os.path.dirname(os.path.abspath(__file__))
    for family in families.FAMILIES:
        if FAMILY_OPERATION_IDS[family]:
            assert os.path.exists(os.path.join(here, "test_conformance_%s.py" % family)), family


def test_operation_ids_exist_in_spec(validator):
    missing = [op for op in OPERATION_IDS.values() if op not in validator.ops]
    assert not missing
    for handler, op in OPERATION_IDS.items():
        method, path = validator.ops[op][:2]
        # the emulator routes the spec's own path template to the same handler
        concrete = re.sub(r"\{[a-z_]+\}", "x", path.replace("{cidr_mask}", "8"))
        if handler == "list_regions":
            concrete = path
        assert match_route(method, concrete)[0] == handler, (op, path)


def test_all_operations_conform(validator):
    cl = CheckingClient(validator)
    C = "/api/v1/clusters"
    # catalogue
    cl.get("/api/v1/organization")
    cl.get(C + "/available-regions", query={"provider": "GCP", "serverless": "true", "pagination.limit": 2})
    cl.get("/api/v1/cluster-versions")
    # clusters of every plan
    basic = cl.create("conf-basic", serverless={"regions": ["us-central1", "us-east1"], "primary_region": "us-east1",
                                                "usage_limits": {"request_unit_limit": "1000000"}},
                      labels={"team": "a"}, delete_protection="DISABLED")
    std = cl.create("conf-standard", provider="AWS",
                    serverless={"regions": ["us-east-1"], "usage_limits": {"provisioned_virtual_cpus": "4"},
                                "upgrade_type": "MANUAL"})
    ded = cl.create_dedicated("conf-dedicated", provider="GCP", region_nodes={"us-central1": 3, "us-east1": 3},
                              version="v24.1")
    creating = cl.post(C, {"name": "conf-creating", "provider": "AZURE",
                           "spec": {"dedicated": {"region_nodes": {"eastus2": 1},
                                                  "hardware": {"machine_spec": {"num_virtual_cpus": 2}}}}}).body
    cl.get(C)
    cl.get(C, query={"show_inactive": "true", "pagination.limit": 1, "pagination.sort_by": "CREATED_AT"})
    for c in (basic, std, ded, creating):
        cl.get(C + "/" + c["id"])
    cl.get(C + "/%s/nodes" % ded["id"], query={"pagination.limit": 2})
    cl.get(C + "/%s/nodes" % basic["id"])
    cl.get(C + "/%s/connection-string" % ded["id"], query={"os": "WINDOWS", "sql_user": "u"})
    cl.get(C + "/%s/connection-string" % basic["id"])
    # updates
    cl.patch(C + "/" + basic["id"], {"labels": {"team": "b"}, "serverless": {"usage_limits": {}}})
    cl.patch(C + "/" + ded["id"], {"dedicated": {"region_nodes": {"us-central1": 5, "us-east1": 3},
                                                 "hardware": {"machine_spec": {"num_virtual_cpus": 8}}}})
    cl.get(C + "/" + ded["id"])
    cl.patch(C + "/" + ded["id"], {"labels": {}})  # locked -> 409
    cl.wait_unlocked()
    cl.patch(C + "/" + ded["id"], {"cockroach_version": "v24.3"})
    cl.wait_unlocked()
    cl.patch(C + "/" + ded["id"], {"upgrade_status": "FINALIZED"})
    # SQL users, databases, allowlist
    for c in (basic, ded):
        cid = c["id"]
        cl.post(C + "/%s/sql-users" % cid, {"name": "app_user", "password": "pw-123456789"})
        cl.post(C + "/%s/sql-users" % cid, {"name": "app_user", "password": "pw-123456789"})  # 409
        cl.get(C + "/%s/sql-users" % cid)
        cl.put(C + "/%s/sql-users/app_user/password" % cid, {"password": "pw-987654321"})
        cl.post(C + "/%s/databases" % cid, {"name": "appdb"})
        cl.patch(C + "/%s/databases/appdb" % cid, {"new_name": "appdb2"})
        cl.patch(C + "/%s/databases" % cid, {"name": "appdb2", "new_name": "appdb3"})
        cl.get(C + "/%s/databases" % cid)
        cl.delete(C + "/%s/databases/appdb3" % cid)
        cl.post(C + "/%s/networking/allowlist" % cid, {"cidr_ip": "10.1.0.0", "cidr_mask": 16, "ui": True, "sql": True})
        cl.put(C + "/%s/networking/allowlist/10.2.0.0/16" % cid, {"ui": False, "sql": True, "name": "n"})
        cl.patch(C + "/%s/networking/allowlist/10.1.0.0/16" % cid, {"ui": False, "sql": True})
        cl.get(C + "/%s/networking/allowlist" % cid)
        cl.delete(C + "/%s/networking/allowlist/10.1.0.0/16" % cid)
        cl.delete(C + "/%s/sql-users/app_user" % cid)
    cl.get(C + "/%s/sql-users" % creating["id"])  # 404 while creating
    cl.get("/api/v1/auditlogevents", query={"limit": 3})
    cl.get("/api/v1/auditlogevents", query={"sort_order": "DESC"})
    # errors of several kinds
    cl.get(C, key="wrong")
    cl.get(C, version="1999-01-01")
    cl.post(C, {"name": "x"})
    cl.get("/api/v1/unknown")
    cl.delete(C + "/" + std["id"])
    cl.delete(C + "/" + basic["id"])
    cl.get(C + "/" + basic["id"])
    cl.delete(C + "/" + ded["id"])

    finish(cl, "core")


def test_strict_validator_catches_wrong_shapes(validator):
    """The validator itself must reject what the wire format forbids."""
    ok = Client().create("shape-check")
    assert validator.validate_response("CockroachCloud_GetCluster", 200, ok) == []
    bad = dict(ok, config={"serverless": {"routing_id": "x", "upgrade_type": "AUTOMATIC",
                                          "usage_limits": {"request_unit_limit": 5}}})
    assert validator.validate_response("CockroachCloud_GetCluster", 200, bad)  # int64 must be a string
    extra = dict(ok, surprise=1)
    assert validator.validate_response("CockroachCloud_GetCluster", 200, extra)
    missing = {k: v for k, v in ok.items() if k != "regions"}
    assert validator.validate_response("CockroachCloud_GetCluster", 200, missing)
    assert validator.validate_response("CockroachCloud_GetCluster", 404, {"code": "5", "message": "x", "details": []})
    wrong_ts = dict(ok, created_at="yesterday")
    assert validator.validate_response("CockroachCloud_GetCluster", 200, wrong_ts)
