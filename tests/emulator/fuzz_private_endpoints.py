"""Fuzzer hooks of the private endpoint family (see test_cloud_fuzz.py): mostly valid bodies, a customer endpoint
and a trusted owner on the pool's STANDARD (AWS) cluster, and path values that hit them."""

from hypothesis import strategies as st

ENDPOINT_IDS = ["vpce-0123456789abcdef0", "6133183410995353", "vpce-1", "", "*"]

VALID_BODIES = {
    "CockroachCloud_AddPrivateEndpointConnection": st.fixed_dictionaries({"endpoint_id": st.sampled_from(ENDPOINT_IDS)}),
    "CockroachCloud_AddPrivateEndpointTrustedOwner": st.fixed_dictionaries({
        "type": st.just("AWS_ACCOUNT_ID"),
        "external_owner_id": st.one_of(st.from_regex(r"\A[0-9]{12}\Z"), st.sampled_from(["*", "123"]))}),
    "CockroachCloud_SetAwsEndpointConnectionState": st.fixed_dictionaries({
        "status": st.sampled_from(["AVAILABLE", "REJECTED"])}),
}


def prepare(fz):
    """A customer endpoint (and a trusted owner) on the AWS STANDARD pool cluster, once its services are up."""
    cid = fz.pool.get("standard")
    known = getattr(fz, "pe_known", None)
    if known is None or known.get("cluster") != cid:
        known = fz.pe_known = {"cluster": cid, "endpoints": [], "owners": []}
    if not known["endpoints"]:
        status, body = fz.cl.control("POST", "/clusters/%s/private-endpoints" % cid, {})
        if status == 200:
            known["endpoints"].append(body["endpoint_id"])
    if not known["owners"]:
        r = fz.cl.post("/api/v1/clusters/%s/networking/private-endpoint-trusted-owners" % cid,
                       {"type": "AWS_ACCOUNT_ID", "external_owner_id": "*"})
        if r.status == 200:
            known["owners"].append(r.body["trusted_owner"]["id"])


def path_values(fz, op_id, name):
    known = getattr(fz, "pe_known", None) or {}
    if name == "endpoint_id":
        return list(known.get("endpoints") or []) + ENDPOINT_IDS[:2]
    if name == "owner_id":
        return list(known.get("owners") or []) + ["00000000-0000-4000-8000-000000000000"]
    return None
