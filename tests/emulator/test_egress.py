"""Behaviour of the egress family of the Cloud API emulator: policy, rules, private endpoints."""

import pytest

from cloud_helpers import Client


@pytest.fixture
def cl():
    c = Client()
    c.api.settings["egress_seconds"] = 1.0
    return c


def _advanced(cl, provider="AWS", region="us-east-1", name="egress-one"):
    return cl.create_dedicated(name, provider=provider, region_nodes={region: 3})["id"]


def _deny(cl, cid):
    r = cl.post("/api/v1/clusters/%s/networking/egress-rules/egress-traffic-policy" % cid, {"allow_all": False})
    assert r.status == 200, r
    cl.advance(1.01)


def _rule(name="buckets", **kw):
    body = {"name": name, "type": "FQDN", "destination": "storage.googleapis.com", "description": "GCS"}
    body.update(kw)
    return body


def rules_path(cid, rid=None):
    p = "/api/v1/clusters/%s/networking/egress-rules" % cid
    return p if rid is None else p + "/" + rid


def eps_path(cid, eid=None):
    p = "/api/v1/clusters/%s/networking/egress-private-endpoints" % cid
    return p if eid is None else p + "/" + eid


def test_policy_updates_through_updating_and_is_the_cluster_field(cl):
    cid = _advanced(cl)
    assert cl.get("/api/v1/clusters/" + cid).body["egress_traffic_policy"] == "ALLOW_ALL"
    r = cl.post(rules_path(cid) + "/egress-traffic-policy", {"allow_all": False})
    assert r.status == 200 and r.body == {}
    assert cl.get("/api/v1/clusters/" + cid).body["egress_traffic_policy"] == "UPDATING"
    again = cl.post(rules_path(cid) + "/egress-traffic-policy", {"allow_all": True})
    assert again.status == 400 and again.body["code"] == 9 and "POLICY_UPDATING" in again.body["message"]
    cl.advance(1.01)
    assert cl.get("/api/v1/clusters/" + cid).body["egress_traffic_policy"] == "DEFAULT_DENY"
    actions = [e["action"] for e in cl.api.s.audit]
    assert actions.count("AUDIT_LOG_ACTION_SET_EGRESS_TRAFFIC_POLICY") == 1
    # the same value again: no change, no audit entry
    assert cl.post(rules_path(cid) + "/egress-traffic-policy", {"allow_all": False}).status == 200
    assert cl.get("/api/v1/clusters/" + cid).body["egress_traffic_policy"] == "DEFAULT_DENY"
    assert [e["action"] for e in cl.api.s.audit].count("AUDIT_LOG_ACTION_SET_EGRESS_TRAFFIC_POLICY") == 1


def test_policy_requires_allow_all_and_advanced(cl):
    cid = _advanced(cl)
    assert cl.post(rules_path(cid) + "/egress-traffic-policy", {}).status == 400
    basic = cl.create("basic-egress")["id"]
    r = cl.post(rules_path(basic) + "/egress-traffic-policy", {"allow_all": False})
    assert r.status == 400 and r.body["code"] == 9 and "ADVANCED" in r.body["message"]
    assert cl.get(rules_path(basic)).status == 400
    assert cl.get(eps_path(basic)).status == 400


def test_rules_need_default_deny(cl):
    cid = _advanced(cl)
    r = cl.post(rules_path(cid), _rule())
    assert r.status == 400 and "DEFAULT_DENY" in r.body["message"]
    assert not cl.api.s.clusters[cid].get("ext", {}).get("egress", {}).get("rules")


def test_rule_lifecycle_and_pending_refusals(cl):
    cid = _advanced(cl)
    _deny(cl, cid)
    listed = cl.get(rules_path(cid)).body["rules"]
    assert [(r["name"], r["crl_managed"]) for r in listed] == [("crl-managed-telemetry", True)]
    r = cl.post(rules_path(cid), _rule(ports=[443]))
    assert r.status == 200 and r.body["Rule"]["state"] == "PENDING_CREATION" and r.body["Rule"]["cluster_id"] == cid
    rid = r.body["Rule"]["id"]
    # another write while this one is pending is refused, naming the pending rule
    busy = cl.post(rules_path(cid), _rule("other", destination="example.com"))
    assert busy.status == 400 and busy.body["code"] == 9 and "buckets" in busy.body["message"] and "PENDING_CREATION" in busy.body["message"]
    assert cl.delete(rules_path(cid, rid)).status == 400
    cl.advance(1.01)
    assert cl.get(rules_path(cid, rid)).body["rule"]["state"] == "ACTIVE"
    dup = cl.post(rules_path(cid), _rule())
    assert dup.status == 409 and dup.body["code"] == 6
    # edit: ports cannot be cleared by an edit; type and destination are required
    assert cl.patch(rules_path(cid, rid), {"description": "x"}).status == 400
    r = cl.patch(rules_path(cid, rid), {"type": "FQDN", "destination": "storage.googleapis.com", "ports": []})
    assert r.status == 200 and r.body["Rule"]["ports"] == [443] and r.body["Rule"]["state"] == "ACTIVE"
    r = cl.patch(rules_path(cid, rid), {"type": "CIDR", "destination": "10.0.0.0/8", "description": "net"})
    assert r.status == 200 and r.body["Rule"]["state"] == "PENDING_UPDATE"
    cl.advance(1.01)
    r = cl.delete(rules_path(cid, rid))
    assert r.status == 200 and r.body["Rule"]["state"] == "PENDING_DELETION"
    assert cl.get(rules_path(cid, rid)).body["rule"]["state"] == "PENDING_DELETION"
    cl.advance(1.01)
    assert cl.get(rules_path(cid, rid)).status == 404
    actions = [e["action"] for e in cl.api.s.audit if "EGRESS_RULE" in e["action"]]
    assert actions == ["AUDIT_LOG_ACTION_ADD_EGRESS_RULE", "AUDIT_LOG_ACTION_EDIT_EGRESS_RULE",
                       "AUDIT_LOG_ACTION_DELETE_EGRESS_RULE"]


def test_crl_managed_rule_cannot_be_changed(cl):
    cid = _advanced(cl)
    _deny(cl, cid)
    crl = cl.get(rules_path(cid)).body["rules"][0]
    assert cl.delete(rules_path(cid, crl["id"])).status == 400
    assert cl.patch(rules_path(cid, crl["id"]), {"type": "FQDN", "destination": "x.example.com"}).status == 400


@pytest.mark.parametrize("body, word", [
    (_rule(type="URL"), "type"),
    (_rule(type="CIDR", destination="10.0.0.1/8"), "host bits"),
    (_rule(type="CIDR", destination="10.0.0.0"), "prefix"),
    (_rule(destination="https://example.com"), "domain"),
    (_rule(description=""), "description"),
    (_rule(name=""), "name"),
    (_rule(name="has space"), "name"),
    (_rule(ports=[0]), "port"),
    (_rule(ports=[443, 443]), "duplicates"),
])
def test_rule_validation(cl, body, word):
    cid = _advanced(cl)
    _deny(cl, cid)
    r = cl.post(rules_path(cid), body)
    assert r.status == 400 and word in r.body["message"], r


def test_paths_are_accepted_and_ignored(cl):
    cid = _advanced(cl)
    _deny(cl, cid)
    r = cl.post(rules_path(cid), _rule(paths=["/a"]))
    assert r.status == 200 and "paths" not in r.body["Rule"]


def test_idempotency_key_replays_without_acting(cl):
    cid = _advanced(cl)
    _deny(cl, cid)
    body = _rule(idempotency_key="key-1")
    first = cl.post(rules_path(cid), body)
    again = cl.post(rules_path(cid), body)
    assert first.status == again.status == 200 and first.body == again.body
    assert len(cl.get(rules_path(cid)).body["rules"]) == 2  # the CRL rule and one new rule
    other = cl.post(rules_path(cid), _rule("other", idempotency_key="key-1"))
    assert other.status == 400 and "idempotency_key" in other.body["message"]


def test_lock_refuses_writes_not_reads(cl):
    cid = _advanced(cl)
    cl.control("POST", "/clusters/%s/lock" % cid, {"seconds": 30})
    r = cl.post(rules_path(cid) + "/egress-traffic-policy", {"allow_all": False})
    assert r.status == 503 and "lock" in r.body["message"]
    assert cl.get(rules_path(cid)).status == 200
    assert cl.post(eps_path(cid), {"region": "us-east-1", "target_service_type": "MSK_TLS",
                                   "target_service_identifier": "arn:x"}).status == 503


def test_pagination_of_rules(cl):
    cid = _advanced(cl)
    _deny(cl, cid)
    for i in range(3):
        assert cl.post(rules_path(cid), _rule("r%d" % i, destination="h%d.example.com" % i)).status == 200
        cl.advance(1.01)
    names = []
    page = None
    while True:
        q = {"pagination.limit": 2}
        if page:
            q["pagination.page"] = page
        body = cl.get(rules_path(cid), query=q).body
        names += [r["name"] for r in body["rules"]]
        page = body["pagination"].get("next_page")
        if not page:
            break
    assert names == ["crl-managed-telemetry", "r0", "r1", "r2"]


def test_sub_resources_go_with_the_cluster(cl):
    cid = _advanced(cl)
    _deny(cl, cid)
    assert cl.delete("/api/v1/clusters/" + cid).status == 200
    assert cl.get(rules_path(cid)).status == 404
    assert cl.get(eps_path(cid)).status == 404
    assert cl.get(rules_path("no-such-cluster")).status == 404


def test_endpoint_lifecycle_msk(cl):
    cid = _advanced(cl)
    body = {"region": "us-east-1", "target_service_type": "MSK_SASL_IAM", "target_service_identifier": "arn:kafka"}
    r = cl.post(eps_path(cid), body)
    assert r.status == 200 and r.body["state"] == "PENDING" and r.body["domain_names_state"] == "EMPTY"
    # the cloud-provider endpoint does not exist yet: no connection id, no address (the provider waits for both)
    assert r.body["endpoint_connection_id"] == "" and r.body["endpoint_address"] == ""
    eid = r.body["id"]
    assert cl.get(eps_path(cid, eid)).body["endpoint_connection_id"] == ""
    assert cl.post(eps_path(cid), body).status == 409
    early = cl.patch(eps_path(cid, eid), {"domain_names": ["kafka.example.com"]})
    assert early.status == 400 and "AVAILABLE" in early.body["message"]
    cl.advance(1.01)
    got = cl.get(eps_path(cid, eid)).body
    assert got["state"] == "AVAILABLE" and got["endpoint_connection_id"].startswith("vpce-") and got["endpoint_address"]
    r = cl.patch(eps_path(cid, eid), {"domain_names": ["Kafka.Example.com"]})
    assert r.status == 200 and r.body["domain_names"] == ["kafka.example.com"] and r.body["domain_names_state"] == "PENDING"
    assert cl.patch(eps_path(cid, eid), {"domain_names": []}).status == 400
    cl.advance(1.01)
    assert cl.get(eps_path(cid, eid)).body["domain_names_state"] == "AVAILABLE"
    assert cl.patch(eps_path(cid, eid) + "/domain-names", {"domain_names": []}).body == {}
    cl.advance(1.01)
    assert cl.get(eps_path(cid, eid)).body["domain_names_state"] == "EMPTY"
    assert cl.delete(eps_path(cid, eid)).status == 200
    assert cl.get(eps_path(cid, eid)).body["state"] == "DELETING"
    cl.advance(1.01)
    assert cl.get(eps_path(cid, eid)).status == 404
    actions = [e["action"] for e in cl.api.s.audit if "EGRESS_PRIVATE_ENDPOINT" in e["action"]]
    assert actions == ["AUDIT_LOG_ACTION_CREATE_EGRESS_PRIVATE_ENDPOINT"] + \
        ["AUDIT_LOG_ACTION_UPDATE_EGRESS_PRIVATE_ENDPOINT"] * 2 + ["AUDIT_LOG_ACTION_DELETE_EGRESS_PRIVATE_ENDPOINT"]


def test_private_service_waits_for_acceptance(cl):
    cid = _advanced(cl, provider="GCP", region="us-central1")
    r = cl.post(eps_path(cid), {"region": "us-central1", "target_service_type": "PRIVATE_SERVICE",
                                "target_service_identifier": "projects/p/regions/us-central1/serviceAttachments/s"})
    eid = r.body["id"]
    cl.advance(5)
    assert cl.get(eps_path(cid, eid)).body["state"] == "PENDING_ACCEPTANCE"
    status, body = cl.control("POST", "/clusters/%s/egress-private-endpoints/%s/accept" % (cid, eid))
    assert status == 200 and body["state"] == "AVAILABLE"
    status, body = cl.control("POST", "/clusters/%s/egress-private-endpoints/%s/reject" % (cid, eid))
    assert status == 400


@pytest.mark.parametrize("provider, region, body, word", [
    ("GCP", "us-central1", {"region": "us-central1", "target_service_type": "MSK_TLS", "target_service_identifier": "a"},
     "AWS"),
    ("AWS", "us-east-1", {"region": "eu-west-1", "target_service_type": "MSK_TLS", "target_service_identifier": "a"},
     "region"),
    ("AWS", "us-east-1", {"region": "us-east-1", "target_service_type": "MSK_TLS"}, "target_service_identifier"),
    ("AWS", "us-east-1", {"region": "us-east-1", "target_service_type": "NOPE", "target_service_identifier": "a"},
     "enum"),
])
def test_endpoint_validation(cl, provider, region, body, word):
    cid = _advanced(cl, provider=provider, region=region)
    r = cl.post(eps_path(cid), body)
    assert r.status == 400 and word in r.body["message"], r


def test_state_view_shows_the_family(cl):
    cid = _advanced(cl)
    _deny(cl, cid)
    status, state = cl.control("GET", "/state")
    view = state["families"]["egress"][cid]
    assert view["egress_traffic_policy"] == "DEFAULT_DENY" and view["rules"][0]["crl_managed"] is True


def test_control_makes_the_next_rule_write_fail_and_the_failed_rule_blocks_other_writes(cl):
    cid = _advanced(cl)
    _deny(cl, cid)
    status, body = cl.control("POST", "/clusters/%s/egress-rules/fail" % cid, {"state": "BROKEN"})
    assert status == 400, body
    status, body = cl.control("POST", "/clusters/%s/egress-rules/fail" % cid, {})
    assert status == 200 and body["fail_rule"] == "FAILED"
    rid = cl.post(rules_path(cid), _rule()).body["Rule"]["id"]
    assert cl.get(rules_path(cid, rid)).body["rule"]["state"] == "PENDING_CREATION"
    cl.advance(1.01)
    assert cl.get(rules_path(cid, rid)).body["rule"]["state"] == "FAILED"
    # another rule write is refused naming the failed rule; the failed rule's own edit retries it
    r = cl.post(rules_path(cid), _rule("other", destination="example.com"))
    assert (r.status, r.body["code"]) == (400, 9) and "buckets" in r.body["message"] and "FAILED" in r.body["message"]
    r = cl.patch(rules_path(cid, rid), {"type": "FQDN", "destination": "storage.googleapis.com"})
    assert r.status == 200 and r.body["Rule"]["state"] == "PENDING_UPDATE"
    cl.advance(1.01)
    assert cl.get(rules_path(cid, rid)).body["rule"]["state"] == "ACTIVE"  # only the next write failed
    # a failed delete (ERROR) leaves the rule listed; deleting it again removes it
    assert cl.control("POST", "/clusters/%s/egress-rules/fail" % cid, {"state": "ERROR"})[0] == 200
    assert cl.delete(rules_path(cid, rid)).status == 200
    cl.advance(1.01)
    assert cl.get(rules_path(cid, rid)).body["rule"]["state"] == "ERROR"
    assert cl.delete(rules_path(cid, rid)).status == 200
    cl.advance(1.01)
    assert cl.get(rules_path(cid, rid)).status == 404


def test_control_makes_the_next_policy_change_end_in_error(cl):
    cid = _advanced(cl)
    status, body = cl.control("POST", "/clusters/%s/egress-traffic-policy/fail" % cid, {})
    assert status == 200 and body["fail_policy"] is True
    assert cl.post(rules_path(cid) + "/egress-traffic-policy", {"allow_all": False}).status == 200
    assert cl.get("/api/v1/clusters/" + cid).body["egress_traffic_policy"] == "UPDATING"
    cl.advance(1.01)
    assert cl.get("/api/v1/clusters/" + cid).body["egress_traffic_policy"] == "ERROR"
    assert [r["name"] for r in cl.get(rules_path(cid)).body["rules"]] == []  # no managed rule: the switch failed
    r = cl.post(rules_path(cid), _rule())
    assert (r.status, r.body["code"]) == (400, 9)  # rules need DEFAULT_DENY
    # the next change is accepted and ends as asked
    assert cl.post(rules_path(cid) + "/egress-traffic-policy", {"allow_all": False}).status == 200
    cl.advance(1.01)
    assert cl.get("/api/v1/clusters/" + cid).body["egress_traffic_policy"] == "DEFAULT_DENY"
