"""Fuzzer hooks of the egress family (test_cloud_fuzz.py): mostly valid bodies, a known rule and endpoint."""

from hypothesis import strategies as st

RULE_NAME = st.from_regex(r"\A[a-z][a-z0-9-]{0,10}\Z")
FQDN = st.sampled_from(["storage.googleapis.com", "example.com", "api.example.com", "bad host", "10.0.0.0/8"])
CIDR = st.sampled_from(["10.0.0.0/8", "192.168.0.0/16", "10.0.0.1/8", "example.com"])
PORTS = st.lists(st.integers(-1, 70000), max_size=3)

VALID_BODIES = {
    "CockroachCloud_SetEgressTrafficPolicy": st.fixed_dictionaries({"allow_all": st.booleans()},
                                                                   optional={"idempotency_key": st.text(max_size=4)}),
    "CockroachCloud_AddEgressRule": st.one_of(
        st.fixed_dictionaries({"name": RULE_NAME, "type": st.just("FQDN"), "destination": FQDN,
                               "description": st.text(max_size=6)}, optional={"ports": PORTS}),
        st.fixed_dictionaries({"name": RULE_NAME, "type": st.just("CIDR"), "destination": CIDR,
                               "description": st.text(max_size=6)}, optional={"ports": PORTS})),
    "CockroachCloud_EditEgressRule": st.fixed_dictionaries(
        {"type": st.sampled_from(["FQDN", "CIDR"]), "destination": st.one_of(FQDN, CIDR)},
        optional={"description": st.text(max_size=6), "ports": PORTS}),
    "CockroachCloud_CreateEgressPrivateEndpoint": st.fixed_dictionaries({
        "region": st.sampled_from(["us-central1", "us-east-1", "nowhere"]),
        "target_service_identifier": st.text(min_size=1, max_size=8),
        "target_service_type": st.sampled_from(["PRIVATE_SERVICE", "MSK_TLS", "MSK_SASL_IAM"])}),
    "CockroachCloud_UpdateEgressPrivateEndpoint": st.fixed_dictionaries(
        {"domain_names": st.lists(st.sampled_from(["a.example.com", "b.example.com", "bad name"]), max_size=2)}),
    "CockroachCloud_UpdateEgressPrivateEndpointDomainNames": st.fixed_dictionaries(
        {"domain_names": st.lists(st.sampled_from(["a.example.com", "b.example.com"]), max_size=2)}),
}


def prepare(fz):
    """Keep the dedicated pool cluster in DEFAULT_DENY with a known rule and a known endpoint (requests only
    when one of them is missing)."""
    cid = fz.pool.get("dedicated")
    if cid is None:
        return
    e = (fz.cl.api.s.clusters[cid].get("ext") or {}).get("egress") or {}
    base = "/api/v1/clusters/%s/networking" % cid
    if fz.cl.api.s.clusters[cid]["egress_traffic_policy"] == "ALLOW_ALL":
        fz.cl.post(base + "/egress-rules/egress-traffic-policy", {"allow_all": False})
    if not any(r["name"] == "fuzz-rule" for r in (e.get("rules") or {}).values()):
        fz.cl.post(base + "/egress-rules", {"name": "fuzz-rule", "type": "FQDN", "destination": "example.com",
                                            "description": "kept by the fuzzer"})
    if not e.get("endpoints"):
        fz.cl.post(base + "/egress-private-endpoints", {"region": "us-central1", "target_service_type": "PRIVATE_SERVICE",
                                                        "target_service_identifier": "fuzz-target"})


def path_values(fz, op_id, name):
    cid = fz.pool.get("dedicated")
    if cid is None:
        return None
    if name == "rule_id" and "EgressRule" in op_id:
        r = fz.cl.get("/api/v1/clusters/%s/networking/egress-rules" % cid)
        return [x["id"] for x in (r.body or {}).get("rules") or []] or None
    if name == "id" and "EgressPrivateEndpoint" in op_id:
        r = fz.cl.get("/api/v1/clusters/%s/networking/egress-private-endpoints" % cid)
        return [x["id"] for x in (r.body or {}).get("egress_private_endpoints") or []] or None
    return None
