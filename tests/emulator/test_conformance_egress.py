"""Conformance of the egress family (traffic policy, egress rules, egress private endpoints) with the official spec."""

import pytest

from conformance_helpers import CheckingClient, finish
from emulator.openapi import SpecValidator, load_spec

SPEC = load_spec()
pytestmark = pytest.mark.skipif(SPEC is None, reason="cloud-api-openapi.json not found")


@pytest.fixture(scope="module")
def validator():
    return SpecValidator(SPEC, strict=True)


def test_egress_operations_conform(validator):
    cl = CheckingClient(validator, update_seconds=1.0)
    cl.api.settings["egress_seconds"] = 1.0
    cid = cl.create_dedicated("egress-conf", provider="AWS", region_nodes={"us-east-1": 3})["id"]
    basic = cl.create("egress-basic")["id"]
    base = "/api/v1/clusters/%s/networking" % cid
    # policy
    assert cl.post(base + "/egress-rules/egress-traffic-policy", {"allow_all": False}).status == 200
    assert cl.post(base + "/egress-rules", {"name": "x", "type": "FQDN", "destination": "a.example.com",
                                            "description": "d"}).status == 400  # POLICY_UPDATING
    cl.advance(1.01)
    assert cl.get("/api/v1/clusters/" + cid).body["egress_traffic_policy"] == "DEFAULT_DENY"
    # rules
    r = cl.post(base + "/egress-rules", {"name": "buckets", "type": "FQDN", "destination": "storage.googleapis.com",
                                         "description": "GCS", "ports": [443]})
    assert r.status == 200 and r.body["Rule"]["state"] == "PENDING_CREATION"
    rid = r.body["Rule"]["id"]
    assert cl.get(base + "/egress-rules", query={"pagination.limit": 1}).status == 200
    assert cl.get(base + "/egress-rules/" + rid).body["rule"]["state"] == "PENDING_CREATION"
    cl.advance(1.01)
    r = cl.patch(base + "/egress-rules/" + rid, {"type": "FQDN", "destination": "storage.googleapis.com",
                                                 "description": "GCS buckets", "ports": [443, 80]})
    assert r.status == 200 and r.body["Rule"]["state"] == "PENDING_UPDATE"
    cl.advance(1.01)
    assert cl.delete(base + "/egress-rules/" + rid, query={"idempotency_key": "k1"}).status == 200
    assert cl.get(base + "/egress-rules/" + rid).status == 200
    cl.advance(1.01)
    assert cl.get(base + "/egress-rules/" + rid).status == 404
    # endpoints
    r = cl.post(base + "/egress-private-endpoints", {"region": "us-east-1", "target_service_type": "MSK_SASL_IAM",
                                                     "target_service_identifier": "arn:aws:kafka:us-east-1:1:cluster/k"})
    assert r.status == 200 and r.body["state"] == "PENDING"
    eid = r.body["id"]
    assert cl.get(base + "/egress-private-endpoints").status == 200
    cl.advance(1.01)
    assert cl.get(base + "/egress-private-endpoints/" + eid).body["state"] == "AVAILABLE"
    r = cl.patch(base + "/egress-private-endpoints/" + eid, {"domain_names": ["kafka.example.com"]})
    assert r.status == 200 and r.body["domain_names_state"] == "PENDING"
    cl.advance(1.01)
    assert cl.patch(base + "/egress-private-endpoints/%s/domain-names" % eid, {"domain_names": []}).status == 200
    assert cl.delete(base + "/egress-private-endpoints/" + eid).status == 200
    # errors are Status bodies
    assert cl.get("/api/v1/clusters/%s/networking/egress-rules" % basic).status == 400
    assert cl.get(base + "/egress-private-endpoints/nope").status == 404
    finish(cl, "egress")
