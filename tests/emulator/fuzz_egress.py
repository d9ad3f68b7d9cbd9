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
    "CockroachCloud_EditEgressRule": st.one_of(
        st.fixed_dictionaries({"type": st.just("FQDN"), "destination": st.sampled_from(["example.com", "a.example.com"])},
                              optional={"description": st.text(min_size=1, max_size=6), "ports": PORTS}),
        st.fixed_dictionaries({"type": st.just("CIDR"), "destination": CIDR},
                              optional={"description": st.text(max_size=6), "ports": PORTS})),
    "CockroachCloud_CreateEgressPrivateEndpoint": st.fixed_dictionaries({
        "region": st.sampled_from(["us-central1", "us-central1", "us-central1", "nowhere"]),
        "target_service_identifier": st.text(min_size=1, max_size=8),
        "target_service_type": st.sampled_from(["PRIVATE_SERVICE", "PRIVATE_SERVICE", "MSK_TLS"])}),
    "CockroachCloud_UpdateEgressPrivateEndpoint": st.fixed_dictionaries(
        {"domain_names": st.lists(st.sampled_from(["a.example.com", "b.example.com", "bad name"]), max_size=2)}),
    "CockroachCloud_UpdateEgressPrivateEndpointDomainNames": st.fixed_dictionaries(
        {"domain_names": st.lists(st.sampled_from(["a.example.com", "b.example.com"]), max_size=2)}),
}


PLACEHOLDER = "00000000-0000-4000-8000-000000000000"


def prepare(fz):
    """Keep the dedicated pool cluster in DEFAULT_DENY with a known rule and a known endpoint (requests only when
    one of them is missing); their ids are kept on the fuzzer for ``path_values``."""
    cid = fz.pool.get("dedicated")
    if cid is None:
        return
    fz.cl.api.settings["egress_seconds"] = 0.0  # the fuzzer's clock stands still: settle at once
    c = fz.cl.api.s.clusters[cid]
    e = (c.get("ext") or {}).get("egress") or {}
    base = "/api/v1/clusters/%s/networking" % cid
    if c["egress_traffic_policy"] == "ALLOW_ALL":
        fz.cl.post(base + "/egress-rules/egress-traffic-policy", {"allow_all": False})
    rule = next((r for r in (e.get("rules") or {}).values() if r["name"] == "fuzz-rule"), None)
    if rule is None:
        r = fz.cl.post(base + "/egress-rules", {"name": "fuzz-rule", "type": "FQDN", "destination": "example.com",
                                                "description": "kept by the fuzzer"})
        rule = (r.body or {}).get("Rule") if r.status == 200 else None
    fz.egress_rule_id = rule["id"] if rule else PLACEHOLDER
    endpoint = next(iter((e.get("endpoints") or {}).values()), None)
    if endpoint is None:
        r = fz.cl.post(base + "/egress-private-endpoints", {"region": "us-central1", "target_service_type": "PRIVATE_SERVICE",
                                                            "target_service_identifier": "fuzz-target"})
        endpoint = r.body if r.status == 200 else None
    if endpoint is not None and endpoint["state"] == "PENDING_ACCEPTANCE":
        fz.cl.control("POST", "/clusters/%s/egress-private-endpoints/%s/accept" % (cid, endpoint["id"]))
    fz.egress_endpoint_id = endpoint["id"] if endpoint else PLACEHOLDER


def path_values(fz, op_id, name):
    """One known id (always one value, so that hypothesis draws the same shape every time)."""
    if name == "rule_id" and "EgressRule" in op_id:
        return [getattr(fz, "egress_rule_id", PLACEHOLDER)]
    if name == "id" and "EgressPrivateEndpoint" in op_id:
        return [getattr(fz, "egress_endpoint_id", PLACEHOLDER)]
    return None
