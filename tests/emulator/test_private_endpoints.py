"""Behaviour of the private endpoint family of the Cloud API emulator: services per region and plan,
the connection state machine, the AWS view, trusted owners, locks, audit entries and the control routes."""

from urllib.parse import quote

import pytest

from cloud_helpers import Client

N = "/api/v1/clusters/%s/networking/"


@pytest.fixture
def cl():
    return Client()


def services(cl, cid):
    r = cl.get(N % cid + "private-endpoint-services")
    assert r.status == 200, r
    return {s["region_name"]: s for s in r.body["services"]}


def connections(cl, cid):
    r = cl.get(N % cid + "private-endpoint-connections")
    assert r.status == 200, r
    return {x["endpoint_id"]: x["status"] for x in r.body["connections"]}


def customer_endpoint(cl, cid, **body):
    status, ep = cl.control("POST", "/clusters/%s/private-endpoints" % cid, body)
    assert status == 200, ep
    return ep


def aws_dedicated(cl, name="pe-aws-one", regions=("us-east-1",), ready_services=True):
    cid = cl.create_dedicated(name, provider="AWS", region_nodes={r: 3 for r in regions})["id"]
    if ready_services:
        assert cl.post(N % cid + "private-endpoint-services").status == 200
        cl.advance(cl.api.settings["private_endpoint_service_seconds"] + 0.01)
    return cid


def audit_actions(cl):
    return [e["action"] for e in cl.get("/api/v1/auditlogevents").body["entries"]]


def test_basic_clusters_have_no_private_endpoints_not_even_reads(cl):
    cid = cl.create("pe-basic-one")["id"]
    for method, path in (("GET", "private-endpoint-services"), ("POST", "private-endpoint-services"),
                         ("GET", "private-endpoint-connections"), ("GET", "private-endpoint-trusted-owners")):
        r = cl.call(method, N % cid + path)
        assert (r.status, r.body["code"]) == (400, 9) and "BASIC" in r.body["message"], r


def test_standard_cluster_has_services_from_its_creation_and_refuses_a_create(cl):
    cid = cl.create("pe-std-one", provider="AWS", serverless={
        "regions": ["us-east-1"], "usage_limits": {"provisioned_virtual_cpus": "2"}})["id"]
    svc = services(cl, cid)["us-east-1"]
    assert svc["status"] == "CREATING"
    assert svc["name"] == "com.amazonaws.vpce.us-east-1." + svc["endpoint_service_id"]
    assert svc["availability_zone_ids"] == ["use1-az1", "use1-az2", "use1-az3"] == svc["aws"]["availability_zone_ids"]
    cl.advance(cl.api.settings["private_endpoint_service_seconds"])
    assert services(cl, cid)["us-east-1"]["status"] == "AVAILABLE"
    r = cl.post(N % cid + "private-endpoint-services")
    assert (r.status, r.body["code"]) == (400, 9)


def test_standard_on_azure_is_refused(cl):
    cid = cl.create("pe-std-azure", provider="AZURE", serverless={
        "regions": ["eastus2"], "usage_limits": {"provisioned_virtual_cpus": "2"}})["id"]
    assert cl.get(N % cid + "private-endpoint-services").status == 400


def test_dedicated_services_are_created_per_region_then_available_and_not_twice(cl):
    cid = aws_dedicated(cl, regions=("us-east-1", "us-west-2"), ready_services=False)
    assert services(cl, cid) == {}
    r = cl.post(N % cid + "private-endpoint-services")
    assert r.status == 200 and r.body["services"] == []  # not listed yet, not even in the answer
    cl.advance(cl.api.settings["private_endpoint_services_visible_seconds"])
    assert {s["region_name"]: s["status"] for s in services(cl, cid).values()} == {
        "us-east-1": "CREATING", "us-west-2": "CREATING"}
    cl.advance(cl.api.settings["private_endpoint_service_seconds"] - 0.5
               - cl.api.settings["private_endpoint_services_visible_seconds"])
    assert {s["status"] for s in services(cl, cid).values()} == {"CREATING"}
    cl.advance(0.5)
    assert {s["status"] for s in services(cl, cid).values()} == {"AVAILABLE"}
    # again: a no-op that answers the existing services (the provider relies on it)
    r = cl.post(N % cid + "private-endpoint-services")
    assert r.status == 200 and [s["status"] for s in r.body["services"]] == ["AVAILABLE", "AVAILABLE"]
    assert audit_actions(cl).count("AUDIT_LOG_ACTION_CREATE_PRIVATE_LINK") == 1


def test_a_region_added_later_gets_its_service_on_the_next_create(cl):
    cid = aws_dedicated(cl)
    assert cl.patch("/api/v1/clusters/" + cid, {"dedicated": {"region_nodes": {"us-east-1": 3, "us-west-2": 3}}}).status == 200
    cl.wait_unlocked()
    assert list(services(cl, cid)) == ["us-east-1"]
    r = cl.post(N % cid + "private-endpoint-services")
    assert r.status == 200
    assert {s["region_name"]: s["status"] for s in r.body["services"]} == {"us-east-1": "AVAILABLE"}
    cl.advance(cl.api.settings["private_endpoint_services_visible_seconds"])
    assert {r: s["status"] for r, s in services(cl, cid).items()} == {"us-east-1": "AVAILABLE", "us-west-2": "CREATING"}


def test_gcp_and_azure_service_formats(cl):
    gcp = cl.create_dedicated("pe-gcp-one", provider="GCP")["id"]
    azure = cl.create_dedicated("pe-azure-one", provider="AZURE", region_nodes={"eastus2": 3})["id"]
    for cid in (gcp, azure):
        cl.post(N % cid + "private-endpoint-services")
    cl.advance(cl.api.settings["private_endpoint_services_visible_seconds"])
    g = services(cl, gcp)["us-central1"]
    a = services(cl, azure)["eastus2"]
    assert g["name"].startswith("projects/") and "/serviceAttachments/" in g["name"] and "aws" not in g
    assert a["name"].endswith(".eastus2.azure.privatelinkservice") and "/privateLinkServices/" in a["endpoint_service_id"]
    assert g["availability_zone_ids"] == a["availability_zone_ids"] == []


def test_connection_pending_then_available_then_deleting_then_rejected_and_added_again(cl):
    cid = aws_dedicated(cl)
    ep = customer_endpoint(cl, cid)
    assert ep["endpoint_id"].startswith("vpce-") and ep["status"] == "PENDING_ACCEPTANCE"
    assert connections(cl, cid) == {}
    r = cl.post(N % cid + "private-endpoint-connections", {"endpoint_id": ep["endpoint_id"]})
    assert r.status == 200 and r.body["status"] == "STATUS_PENDING" and r.body["external_owner_id"] == ep["external_owner_id"]
    assert r.body["service_name"] == services(cl, cid)["us-east-1"]["name"]
    r = cl.post(N % cid + "private-endpoint-connections", {"endpoint_id": ep["endpoint_id"]})
    assert (r.status, r.body["code"]) == (409, 6)
    cl.advance(cl.api.settings["private_endpoint_connection_seconds"])
    assert connections(cl, cid) == {ep["endpoint_id"]: "STATUS_AVAILABLE"}
    assert cl.delete(N % cid + "private-endpoint-connections/" + ep["endpoint_id"]).status == 200
    assert connections(cl, cid) == {ep["endpoint_id"]: "STATUS_DELETING"}
    r = cl.delete(N % cid + "private-endpoint-connections/" + ep["endpoint_id"])
    assert (r.status, r.body["code"]) == (400, 9)
    r = cl.post(N % cid + "private-endpoint-connections", {"endpoint_id": ep["endpoint_id"]})
    assert (r.status, r.body["code"]) == (400, 9)
    cl.advance(cl.api.settings["private_endpoint_connection_seconds"])
    # a deleted connection stays listed as REJECTED (the provider: re-attach it with another Add)
    assert connections(cl, cid) == {ep["endpoint_id"]: "STATUS_REJECTED"}
    aws = cl.get(N % cid + "aws-endpoint-connections").body["connections"]
    assert [(x["endpoint_id"], x["status"]) for x in aws] == [(ep["endpoint_id"], "REJECTED")]
    r = cl.delete(N % cid + "private-endpoint-connections/" + ep["endpoint_id"])
    assert (r.status, r.body["code"]) == (400, 9)
    assert cl.delete(N % cid + "private-endpoint-connections/vpce-0123456789abcdef0").status == 404
    r = cl.post(N % cid + "private-endpoint-connections", {"endpoint_id": ep["endpoint_id"]})
    assert r.status == 200 and r.body["status"] == "STATUS_PENDING"
    cl.advance(cl.api.settings["private_endpoint_connection_seconds"])
    assert connections(cl, cid) == {ep["endpoint_id"]: "STATUS_AVAILABLE"}
    actions = audit_actions(cl)
    assert "AUDIT_LOG_ACTION_ACCEPT_PRIVATE_LINK" in actions and "AUDIT_LOG_ACTION_REJECT_PRIVATE_LINK" in actions


@pytest.mark.parametrize("provider, region, good, bad_id", [
    ("AWS", "us-east-1", "vpce-0123456789abcdef0", "endpoint-id"),
    ("GCP", "us-central1", "6133183410995353", "vpce-0123456789abcdef0"),
    ("AZURE", "eastus2", "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/app/providers/"
                         "Microsoft.Network/privateEndpoints/pe-one", "6133183410995353"),
])
def test_endpoint_ids_follow_the_provider_format(cl, provider, region, good, bad_id):
    cid = cl.create_dedicated("pe-fmt-%s" % provider.lower(), provider=provider, region_nodes={region: 3})["id"]
    cl.post(N % cid + "private-endpoint-services")
    r = cl.post(N % cid + "private-endpoint-connections", {"endpoint_id": good})
    assert r.status == 404, r  # no customer endpoint can exist while the service is CREATING
    cl.advance(10)
    r = cl.post(N % cid + "private-endpoint-connections", {"endpoint_id": bad_id})
    assert (r.status, r.body["code"]) == (400, 3) and "endpoint_id" in r.body["message"]
    r = cl.post(N % cid + "private-endpoint-connections", {"endpoint_id": good})
    assert r.status == 404  # well-formed, but no such endpoint exists on the customer's side
    customer_endpoint(cl, cid, endpoint_id=good)
    r = cl.post(N % cid + "private-endpoint-connections", {"endpoint_id": good})
    assert r.status == 200 and r.body["region_name"] == region
    assert ("external_owner_id" in r.body) == (provider == "AWS")
    cl.advance(5)
    # the endpoint id goes URL-encoded into the path (Azure ids contain slashes)
    assert cl.delete(N % cid + "private-endpoint-connections/" + quote(good, safe="")).status == 200


def test_trusted_owners_gate_new_connections(cl):
    cid = aws_dedicated(cl)
    stranger = customer_endpoint(cl, cid, external_owner_id="999999999999")
    friend = customer_endpoint(cl, cid, external_owner_id="012345678901")
    owner = cl.post(N % cid + "private-endpoint-trusted-owners",
                    {"type": "AWS_ACCOUNT_ID", "external_owner_id": "012345678901"}).body["trusted_owner"]
    r = cl.post(N % cid + "private-endpoint-connections", {"endpoint_id": stranger["endpoint_id"]})
    assert (r.status, r.body["code"]) == (400, 9) and "trusted owner" in r.body["message"]
    assert cl.post(N % cid + "private-endpoint-connections", {"endpoint_id": friend["endpoint_id"]}).status == 200
    star = cl.post(N % cid + "private-endpoint-trusted-owners",
                   {"type": "AWS_ACCOUNT_ID", "external_owner_id": "*"}).body["trusted_owner"]
    assert cl.post(N % cid + "private-endpoint-connections", {"endpoint_id": stranger["endpoint_id"]}).status == 200
    listed = cl.get(N % cid + "private-endpoint-trusted-owners").body["trusted_owners"]
    assert [o["id"] for o in listed] == [owner["id"], star["id"]]
    assert cl.get(N % cid + "private-endpoint-trusted-owners/" + owner["id"]).body["trusted_owner"] == owner
    assert cl.delete(N % cid + "private-endpoint-trusted-owners/" + owner["id"]).body["trusted_owner"] == owner
    assert cl.get(N % cid + "private-endpoint-trusted-owners/" + owner["id"]).status == 404
    assert cl.get(N % cid + "private-endpoint-trusted-owners/not-a-uuid").status == 400


@pytest.mark.parametrize("body, status, code", [
    ({"type": "AWS_ACCOUNT_ID", "external_owner_id": "12345"}, 400, 3),
    ({"type": "AWS_ACCOUNT_ID", "external_owner_id": "abcdefghijkl"}, 400, 3),
    ({"external_owner_id": "012345678901"}, 400, 3),
    ({"type": "GCP_PROJECT", "external_owner_id": "012345678901"}, 400, 3),
])
def test_trusted_owner_validation(cl, body, status, code):
    cid = aws_dedicated(cl, ready_services=False)
    r = cl.post(N % cid + "private-endpoint-trusted-owners", body)
    assert (r.status, r.body["code"]) == (status, code), r


def test_trusted_owners_only_on_aws_and_not_twice(cl):
    gcp = cl.create_dedicated("pe-gcp-owner", provider="GCP")["id"]
    r = cl.post(N % gcp + "private-endpoint-trusted-owners", {"type": "AWS_ACCOUNT_ID", "external_owner_id": "012345678901"})
    assert (r.status, r.body["code"]) == (400, 9)
    cid = aws_dedicated(cl, ready_services=False)
    body = {"type": "AWS_ACCOUNT_ID", "external_owner_id": "012345678901"}
    assert cl.post(N % cid + "private-endpoint-trusted-owners", body).status == 200
    r = cl.post(N % cid + "private-endpoint-trusted-owners", body)
    assert (r.status, r.body["code"]) == (409, 6)
    actions = audit_actions(cl)
    assert "AUDIT_LOG_ACTION_ADD_PRIVATE_ENDPOINT_TRUSTED_OWNER" in actions


def test_set_aws_state_answers_the_status_before_the_change(cl):
    cid = aws_dedicated(cl)
    ep = customer_endpoint(cl, cid)
    path = N % cid + "aws-endpoint-connections/" + ep["endpoint_id"]
    r = cl.patch(path, {"status": "AVAILABLE"})
    assert r.status == 200 and r.body["status"] == "PENDING_ACCEPTANCE"
    assert cl.get(N % cid + "aws-endpoint-connections").body["connections"][0]["status"] == "PENDING"
    cl.advance(5)
    assert cl.patch(path, {"status": "REJECTED"}).body["status"] == "AVAILABLE"
    assert cl.get(N % cid + "aws-endpoint-connections").body["connections"][0]["status"] == "REJECTED"
    assert cl.patch(N % cid + "aws-endpoint-connections/vpce-0123456789abcdef0", {"status": "AVAILABLE"}).status == 404
    assert cl.patch(path, {}).status == 400
    cl.control("PATCH", "/clusters/%s/private-endpoints/%s" % (cid, ep["endpoint_id"]), {"status": "EXPIRED"})
    r = cl.patch(path, {"status": "AVAILABLE"})
    assert (r.status, r.body["code"]) == (400, 9)
    gcp = cl.create_dedicated("pe-gcp-aws", provider="GCP")["id"]
    assert cl.get(N % gcp + "aws-endpoint-connections").status == 400


def test_failed_services_and_a_failed_endpoint(cl):
    cid = aws_dedicated(cl, ready_services=False)
    cl.post(N % cid + "private-endpoint-services")
    cl.control("POST", "/clusters/%s/private-endpoint-services/fail" % cid)
    cl.advance(10)
    assert services(cl, cid)["us-east-1"]["status"] == "CREATE_FAILED"
    status, body = cl.control("POST", "/clusters/%s/private-endpoints" % cid, {})
    assert status == 400


def test_writes_wait_for_the_cluster_lock_and_reads_do_not(cl):
    cid = aws_dedicated(cl)
    cl.control("POST", "/clusters/%s/lock" % cid, {"seconds": 30})
    assert cl.get(N % cid + "private-endpoint-services").status == 200
    r = cl.post(N % cid + "private-endpoint-trusted-owners", {"type": "AWS_ACCOUNT_ID", "external_owner_id": "*"})
    assert (r.status, r.body["code"]) == (503, 14)


def test_everything_goes_with_the_cluster(cl):
    creating = cl.create_dedicated("pe-creating", provider="AWS", region_nodes={"us-east-1": 3}, ready=False)["id"]
    assert cl.get(N % creating + "private-endpoint-services").status == 404
    cid = aws_dedicated(cl)
    assert cl.delete("/api/v1/clusters/" + cid).status == 200
    for path in ("private-endpoint-services", "private-endpoint-connections", "private-endpoint-trusted-owners",
                 "aws-endpoint-connections"):
        assert cl.get(N % cid + path).status == 404


def test_timings_are_settings_and_reset_restores_them(cl):
    status, dummy = cl.control("POST", "/config", {"private_endpoint_service_seconds": 30})
    assert status == 200
    cid = aws_dedicated(cl, ready_services=False)
    cl.post(N % cid + "private-endpoint-services")
    cl.advance(10)
    assert services(cl, cid)["us-east-1"]["status"] == "CREATING"
    cl.control("POST", "/reset")
    assert cl.api.settings["private_endpoint_service_seconds"] == 3.0
    status, state = cl.control("GET", "/state")
    assert state["families"]["private_endpoints"] == {}


def test_created_services_are_not_listed_for_the_visible_seconds(cl):
    """The provider retries an empty list right after its create: the list lags behind the create."""
    cid = aws_dedicated(cl, regions=("us-east-1",), ready_services=False)
    assert cl.control("POST", "/config", {"private_endpoint_services_visible_seconds": 2,
                                          "private_endpoint_service_seconds": 5})[0] == 200
    r = cl.post(N % cid + "private-endpoint-services")
    assert r.status == 200 and r.body["services"] == []
    cl.advance(1.9)
    assert services(cl, cid) == {}
    # a second create in the window is the provider's no-op: nothing new, still nothing listed, one audit entry
    assert cl.post(N % cid + "private-endpoint-services").body["services"] == []
    status, body = cl.control("POST", "/clusters/%s/private-endpoints" % cid, {})
    assert status == 400, body  # no customer endpoint against a service nobody can see yet
    cl.advance(0.1)
    assert services(cl, cid)["us-east-1"]["status"] == "CREATING"
    cl.advance(3)
    assert services(cl, cid)["us-east-1"]["status"] == "AVAILABLE"
    assert audit_actions(cl).count("AUDIT_LOG_ACTION_CREATE_PRIVATE_LINK") == 1
    cl.control("POST", "/reset")
    assert cl.api.settings["private_endpoint_services_visible_seconds"] == 1.0
