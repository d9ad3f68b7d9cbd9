"""Conformance of the private endpoint family (services, connections, AWS endpoint connections, trusted owners)
with the official OpenAPI document: every operation answers a valid 200 and valid errors."""

import pytest

from conformance_helpers import CheckingClient, finish
from emulator.openapi import SpecValidator, load_spec

SPEC = load_spec()
pytestmark = pytest.mark.skipif(SPEC is None, reason="cloud-api-openapi.json not found")

N = "/api/v1/clusters/%s/networking/"


@pytest.fixture(scope="module")
def validator():
    return SpecValidator(SPEC, strict=True)


def test_private_endpoint_operations_conform(validator):
    cl = CheckingClient(validator)
    aws = cl.create_dedicated("conf-pe-aws", provider="AWS", region_nodes={"us-east-1": 3, "us-west-2": 3})["id"]
    gcp = cl.create_dedicated("conf-pe-gcp", provider="GCP")["id"]
    std = cl.create("conf-pe-std", provider="AWS", serverless={"regions": ["us-east-1"],
                                                               "usage_limits": {"provisioned_virtual_cpus": "2"}})["id"]
    basic = cl.create("conf-pe-basic")["id"]
    cl.get(N % aws + "private-endpoint-services")  # empty list before the create
    cl.post(N % aws + "private-endpoint-services")
    cl.post(N % aws + "private-endpoint-services")  # 409
    cl.post(N % gcp + "private-endpoint-services")
    cl.post(N % std + "private-endpoint-services")  # 400: created with the cluster
    cl.get(N % basic + "private-endpoint-services")  # 400: BASIC
    cl.advance(10)
    for cid in (aws, gcp, std):
        cl.get(N % cid + "private-endpoint-services")
    status, ep = cl.control("POST", "/clusters/%s/private-endpoints" % aws, {"region_name": "us-west-2"})
    assert status == 200, ep
    status, ep2 = cl.control("POST", "/clusters/%s/private-endpoints" % aws, {"external_owner_id": "111122223333"})
    assert status == 200, ep2
    status, gep = cl.control("POST", "/clusters/%s/private-endpoints" % gcp, {})
    assert status == 200, gep
    cl.get(N % aws + "aws-endpoint-connections")
    cl.get(N % gcp + "aws-endpoint-connections")  # 400: not AWS
    cl.post(N % aws + "private-endpoint-connections", {"endpoint_id": ep["endpoint_id"]})
    cl.post(N % aws + "private-endpoint-connections", {"endpoint_id": "bogus"})  # 400
    cl.post(N % aws + "private-endpoint-connections", {"endpoint_id": "vpce-0123456789abcdef0"})  # 404
    cl.post(N % gcp + "private-endpoint-connections", {"endpoint_id": gep["endpoint_id"]})
    cl.get(N % aws + "private-endpoint-connections")
    cl.get(N % gcp + "private-endpoint-connections")
    cl.patch(N % aws + "aws-endpoint-connections/" + ep2["endpoint_id"], {"status": "AVAILABLE"})
    cl.patch(N % aws + "aws-endpoint-connections/" + ep2["endpoint_id"], {"status": "BOGUS"})  # 400
    cl.advance(5)
    cl.get(N % aws + "private-endpoint-connections")
    cl.get(N % aws + "aws-endpoint-connections")
    cl.delete(N % aws + "private-endpoint-connections/" + ep["endpoint_id"])
    cl.delete(N % aws + "private-endpoint-connections/" + ep["endpoint_id"])  # 400: deleting
    cl.delete(N % aws + "private-endpoint-connections/vpce-0123456789abcdef0")  # 404
    cl.get(N % aws + "private-endpoint-connections")
    # trusted owners
    added = cl.post(N % aws + "private-endpoint-trusted-owners",
                    {"type": "AWS_ACCOUNT_ID", "external_owner_id": "012345678901"}).body["trusted_owner"]
    cl.post(N % aws + "private-endpoint-trusted-owners", {"type": "AWS_ACCOUNT_ID", "external_owner_id": "*"})
    cl.post(N % aws + "private-endpoint-trusted-owners",
            {"type": "AWS_ACCOUNT_ID", "external_owner_id": "012345678901"})  # 409
    cl.post(N % aws + "private-endpoint-trusted-owners", {"type": "AWS_ACCOUNT_ID", "external_owner_id": "12"})  # 400
    cl.post(N % gcp + "private-endpoint-trusted-owners",
            {"type": "AWS_ACCOUNT_ID", "external_owner_id": "012345678901"})  # 400: not AWS
    cl.get(N % aws + "private-endpoint-trusted-owners")
    cl.get(N % std + "private-endpoint-trusted-owners")
    cl.get(N % aws + "private-endpoint-trusted-owners/" + added["id"])
    cl.get(N % aws + "private-endpoint-trusted-owners/" + "0" * 8 + "-0000-4000-8000-" + "0" * 12)  # 404
    cl.delete(N % aws + "private-endpoint-trusted-owners/" + added["id"])
    cl.delete(N % aws + "private-endpoint-trusted-owners/" + added["id"])  # 404
    finish(cl, "private_endpoints")
