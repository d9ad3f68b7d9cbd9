"""Fuzzer hooks of the private endpoint family (see test_cloud_fuzz.py): mostly valid bodies, a customer endpoint
and a trusted owner on the pool's STANDARD (AWS) cluster, and path values that hit them."""

from hypothesis import strategies as st

ENDPOINT_IDS = ["vpce-0123456789abcdef0", "6133183410995353", "vpce-1", "", "*"]
# what prepare() found on the STANDARD pool cluster; read when a body or a path is drawn
KNOWN = {"cluster": None, "endpoints": [], "owners": []}


def _endpoint_body(i):
    ids = KNOWN["endpoints"] * 3 + ENDPOINT_IDS
    return {"endpoint_id": ids[i % len(ids)]}


VALID_BODIES = {
    "CockroachCloud_AddPrivateEndpointConnection": st.integers(0, 50).map(_endpoint_body),
    "CockroachCloud_AddPrivateEndpointTrustedOwner": st.fixed_dictionaries({
        "type": st.just("AWS_ACCOUNT_ID"),
        "external_owner_id": st.one_of(st.from_regex(r"\A[0-9]{12}\Z"), st.sampled_from(["*", "123"]))}),
    "CockroachCloud_SetAwsEndpointConnectionState": st.fixed_dictionaries({
        "status": st.sampled_from(["AVAILABLE", "REJECTED"])}),
}
OWN_OPS = ("CockroachCloud_ListPrivateEndpointConnections", "CockroachCloud_AddPrivateEndpointConnection",
           "CockroachCloud_DeletePrivateEndpointConnection", "CockroachCloud_ListAwsEndpointConnections",
           "CockroachCloud_SetAwsEndpointConnectionState", "CockroachCloud_ListPrivateEndpointTrustedOwners",
           "CockroachCloud_AddPrivateEndpointTrustedOwner", "CockroachCloud_GetPrivateEndpointTrustedOwner",
           "CockroachCloud_RemovePrivateEndpointTrustedOwner")


def prepare(fz):
    """A customer endpoint and a trusted owner on the AWS STANDARD pool cluster (once its services are up)."""
    cid = fz.pool.get("standard")
    if KNOWN["cluster"] != cid:
        KNOWN.update(cluster=cid, endpoints=[], owners=[])
    if not KNOWN["endpoints"]:
        status, body = fz.cl.control("POST", "/clusters/%s/private-endpoints" % cid, {})
        if status == 200:
            KNOWN["endpoints"].append(body["endpoint_id"])
    path = "/api/v1/clusters/%s/networking/private-endpoint-trusted-owners" % cid
    r = fz.cl.get(path)
    owners = [o["id"] for o in (r.body or {}).get("trusted_owners") or []] if r.status == 200 else []
    if r.status == 200 and not owners:
        r = fz.cl.post(path, {"type": "AWS_ACCOUNT_ID", "external_owner_id": "*"})
        if r.status == 200:
            owners = [r.body["trusted_owner"]["id"]]
    KNOWN["owners"] = owners


def path_values(fz, op_id, name):
    """Lists of a fixed length (hypothesis replays a case only if it draws the same way)."""
    if name == "cluster_id" and op_id in OWN_OPS:
        return [KNOWN["cluster"] or fz.pool.get("standard") or "none"]
    if name == "endpoint_id":
        return [(KNOWN["endpoints"] or ENDPOINT_IDS)[0], ENDPOINT_IDS[1]]
    if name == "owner_id":
        return [(KNOWN["owners"] or ["00000000-0000-4000-8000-000000000000"])[0]]
    return None
