"""Conformance of the export family (CMEK, log export, metric exports) with the official spec: every
operation answers a body its response schema accepts (strictly), errors included."""

import pytest

from conformance_helpers import CheckingClient, finish
from emulator.openapi import SpecValidator, load_spec

SPEC = load_spec()
pytestmark = pytest.mark.skipif(SPEC is None, reason="cloud-api-openapi.json not found")

C = "/api/v1/clusters/%s"
ARN = "arn:aws:iam::123456789012:role/crdb-export"


@pytest.fixture(scope="module")
def validator():
    return SpecValidator(SPEC, strict=True)


def test_export_operations_conform(validator):
    cl = CheckingClient(validator)
    cl.control("POST", "/export/config", {"export_seconds": 2, "iam_seconds": 1})
    ded = cl.create_dedicated("conf-export", provider="AWS", region_nodes={"us-east-1": 3, "us-west-2": 3})
    p = C % ded["id"]

    def key(region, n):
        return {"region": region, "key_spec": {"type": "AWS_KMS", "auth_principal": ARN,
                                               "uri": "arn:aws:kms:%s:123456789012:key/k%d" % (region, n)}}

    cl.get(p + "/cmek")                                            # 404: not enabled
    r = cl.post(p + "/cmek", {"region_specs": [key("us-east-1", 1), key("us-west-2", 1)]})
    assert r.status == 400 and "Insufficient permissions" in r.body["message"]   # IAM propagation
    cl.advance(1.1)
    assert cl.post(p + "/cmek", {"region_specs": [key("us-east-1", 1), key("us-west-2", 1)]}).status == 200
    assert cl.get(p + "/cmek").body["status"] == "ENABLING"
    assert cl.put(p + "/cmek", {"region_specs": [key("us-east-1", 2)]}).status == 503   # lock held
    cl.advance(2.1)
    cl.put(p + "/cmek", {"region_specs": [key("us-east-1", 2)]})
    cl.advance(1.1)
    assert cl.put(p + "/cmek", {"region_specs": [key("us-east-1", 2)]}).body["status"] == "ROTATING"
    cl.advance(2.1)
    assert cl.get(p + "/cmek").body["status"] == "ENABLED"
    assert cl.patch(p + "/cmek", {"action": "REVOKE"}).body["status"] == "REVOKING"
    cl.advance(2.1)
    # log export
    cl.get(p + "/logexport")
    spec = {"type": "AWS_CLOUDWATCH", "log_name": "crdb", "auth_principal": ARN, "redact": True,
            "region": "us-east-1", "omitted_channels": ["SESSIONS"],
            "groups": [{"log_name": "ops", "channels": ["OPS", "HEALTH"], "min_level": "WARNING"}]}
    cl.post(p + "/logexport", spec)
    cl.advance(1.1)
    assert cl.post(p + "/logexport", spec).body["status"] == "ENABLING"
    cl.advance(2.1)
    assert cl.get(p + "/logexport").body["status"] == "ENABLED"
    assert cl.delete(p + "/logexport").body["status"] == "DISABLING"
    cl.advance(2.1)
    # metric exports
    bodies = {"cloudwatch": {"role_arn": ARN, "target_region": "us-east-1", "log_group_name": "crdb",
                             "external_id": "ext"},
              "datadog": {"site": "US1", "api_key": "dd-key-0123456789abcdef"},
              "prometheus": None}
    for kind, body in bodies.items():
        mp = p + "/metricexport/" + kind
        cl.get(mp)
        cl.post(mp, body)
        cl.get(mp)
        cl.advance(2.1)
        assert cl.get(mp).body["status"] == "ENABLED"
        assert cl.delete(mp).body["status"] == "DISABLING"
        cl.advance(2.1)
        gone = cl.get(mp)
        assert gone.status == (200 if kind == "prometheus" else 404), gone.body
    finish(cl, "export")
