"""Physical cluster replication streams and the CA certificate download in the Cloud API emulator
(emulator/cloud/families/replication.py): the create rules, STARTING -> REPLICATING -> FAILING_OVER ->
COMPLETED over emulated time, cancel, the list filters, the standby's refusal of writes, audit entries."""

import pytest

from cloud_helpers import Client
from emulator.core import Request

S = "/api/v1/physical-replication-streams"
C = "/api/v1/clusters"


@pytest.fixture
def cl():
    return Client()


def ded(cl, name, region="us-central1", cidr=None, scv=True, provider="GCP", nodes=3, version=None):
    d = {"region_nodes": {region: nodes} if isinstance(region, str) else region,
         "hardware": {"machine_spec": {"num_virtual_cpus": 4}}, "supports_cluster_virtualization": scv}
    if cidr:
        d["cidr_range"] = cidr
    if version:
        d["cockroach_version"] = version
    return cl.create(name, provider, dedicated=d)


def pair(cl):
    return ded(cl, "primary-one", cidr="10.0.0.0/16"), ded(cl, "standby-one", cidr="10.1.0.0/16")


def start(cl, a, b):
    r = cl.post(S, {"primary_cluster_id": a["id"], "standby_cluster_id": b["id"]})
    assert r.status == 200, r
    return r.body


def replicating(cl):
    a, b = pair(cl)
    s = start(cl, a, b)
    cl.advance(cl.api.s.replication_settings["start_seconds"])
    assert cl.get(S + "/" + s["id"]).body["status"] == "REPLICATING"
    return a, b, s


def test_create_starts_then_replicates_with_lag_advancing(cl):
    a, b = pair(cl)
    s = start(cl, a, b)
    assert s["status"] == "STARTING"
    assert set(s) == {"id", "status", "primary_cluster_id", "standby_cluster_id", "created_at"}
    cl.advance(2.9)
    assert cl.get(S + "/" + s["id"]).body["status"] == "STARTING"
    cl.advance(0.2)
    got = cl.get(S + "/" + s["id"]).body
    assert got["status"] == "REPLICATING"
    first = got["replicated_time"]
    cl.advance(60)
    got = cl.get(S + "/" + s["id"]).body
    assert got["replicated_time"] > first
    assert got["replication_lag_seconds"] == 2
    assert got["retained_time"] <= got["replicated_time"]
    # a lag spike, set through the control API
    assert cl.control("PATCH", "/replication/streams/" + s["id"], {"lag_seconds": 40})[0] == 200
    assert cl.get(S + "/" + s["id"]).body["replication_lag_seconds"] == 40


@pytest.mark.parametrize("case, message", [
    ("basic", "ADVANCED"), ("no_virtualization", "supports_cluster_virtualization"), ("provider", "same cloud provider"),
    ("multi_region", "single-region"), ("aws_same_region", "different regions"), ("gcp_overlap", "overlap"),
    ("version", "same major version"), ("same", "two different clusters"),
])
def test_create_rules(cl, case, message):
    if case == "basic":
        a, b = cl.create("basic-one"), ded(cl, "standby-one")
    elif case == "no_virtualization":
        a, b = ded(cl, "primary-one", cidr="10.0.0.0/16"), ded(cl, "standby-one", cidr="10.1.0.0/16", scv=False)
    elif case == "provider":
        a, b = ded(cl, "primary-one"), ded(cl, "standby-one", provider="AWS", region="us-east-1")
    elif case == "multi_region":
        a = ded(cl, "primary-one", cidr="10.0.0.0/16", region={"us-central1": 3, "us-east1": 3})
        b = ded(cl, "standby-one", cidr="10.1.0.0/16")
    elif case == "aws_same_region":
        a = ded(cl, "primary-one", provider="AWS", region="us-east-1")
        b = ded(cl, "standby-one", provider="AWS", region="us-east-1")
    elif case == "gcp_overlap":
        a, b = ded(cl, "primary-one"), ded(cl, "standby-one")  # both get the default 172.28.0.0/14
    elif case == "version":
        a = ded(cl, "primary-one", cidr="10.0.0.0/16", version="v24.1")
        b = ded(cl, "standby-one", cidr="10.1.0.0/16", version="v24.3")
    else:
        a = b = ded(cl, "primary-one")
    r = cl.post(S, {"primary_cluster_id": a["id"], "standby_cluster_id": b["id"]})
    assert r.status == 400, r
    assert message in r.body["message"]
    assert cl.api.s.streams == {}


def test_create_needs_ready_unlocked_clusters(cl):
    a, b = pair(cl)
    assert cl.post(S, {"primary_cluster_id": a["id"]}).status == 400
    assert cl.post(S, {"primary_cluster_id": a["id"], "standby_cluster_id": "nope"}).status == 404
    creating = cl.post(C, {"name": "creating-one", "provider": "GCP", "spec": {"dedicated": {
        "region_nodes": {"us-east1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}},
        "cidr_range": "10.2.0.0/16", "supports_cluster_virtualization": True}}}).body
    assert cl.post(S, {"primary_cluster_id": a["id"], "standby_cluster_id": creating["id"]}).status == 404
    cl.control("POST", "/clusters/%s/lock" % b["id"], {"seconds": 5})
    r = cl.post(S, {"primary_cluster_id": a["id"], "standby_cluster_id": b["id"]})
    assert r.status == 503 and "lock" in r.body["message"]
    cl.advance(5)
    start(cl, a, b)


def test_one_active_stream_per_cluster_and_409_for_the_same_pair(cl):
    a, b = pair(cl)
    s = start(cl, a, b)
    r = cl.post(S, {"primary_cluster_id": a["id"], "standby_cluster_id": b["id"]})
    assert r.status == 409 and r.body["code"] == 6 and s["id"] in r.body["message"]
    c = ded(cl, "third-one", cidr="10.2.0.0/16")
    r = cl.post(S, {"primary_cluster_id": c["id"], "standby_cluster_id": b["id"]})
    assert r.status == 400 and "already part of" in r.body["message"]
    r = cl.post(S, {"primary_cluster_id": b["id"], "standby_cluster_id": a["id"]})
    assert r.status == 400


def test_standby_refuses_writes_and_gets_the_primarys_data_after_failover(cl):
    a, b = pair(cl)
    cl.post(C + "/%s/databases" % b["id"], {"name": "old_standby_db"})
    cl.post(C + "/%s/sql-users" % a["id"], {"name": "app", "password": "pw-1234567"})
    cl.post(C + "/%s/databases" % a["id"], {"name": "shop"})
    s = start(cl, a, b)
    names = [d["name"] for d in cl.get(C + "/%s/databases" % b["id"]).body["databases"]]
    assert names == ["defaultdb"]  # wiped at start
    r = cl.post(C + "/%s/databases" % b["id"], {"name": "x"})
    assert r.status == 400 and r.body["code"] == 9 and "standby" in r.body["message"]
    assert cl.post(C + "/%s/sql-users" % b["id"], {"name": "u", "password": "pw-1234567"}).status == 400
    assert cl.post(C + "/%s/databases" % a["id"], {"name": "more"}).status == 200  # the primary is untouched
    cl.advance(3)
    assert cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER"}).status == 200
    assert cl.post(C + "/%s/databases" % b["id"], {"name": "x"}).status == 400
    cl.advance(10)
    assert cl.get(S + "/" + s["id"]).body["status"] == "COMPLETED"
    names = [d["name"] for d in cl.get(C + "/%s/databases" % b["id"]).body["databases"]]
    assert names == ["defaultdb", "more", "shop"]
    assert [u["name"] for u in cl.get(C + "/%s/sql-users" % b["id"]).body["users"]] == ["app"]
    assert cl.post(C + "/%s/databases" % b["id"], {"name": "x"}).status == 200


def test_failover_to_latest_time(cl):
    a, b, s = replicating(cl)
    cl.advance(100)
    before = cl.get(S + "/" + s["id"]).body
    r = cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER"})
    assert r.status == 200
    assert r.body["status"] == "FAILING_OVER"
    assert "failover_at" not in r.body and "replicated_time" not in r.body
    cl.advance(1.9)
    assert cl.get(S + "/" + s["id"]).body["status"] == "FAILING_OVER"
    cl.advance(0.2)
    done = cl.get(S + "/" + s["id"]).body
    assert done["status"] == "COMPLETED"
    assert done["activated_at"] == before["replicated_time"]
    assert "failover_at" not in done


def test_failover_at_a_future_time_waits_for_replicated_time(cl):
    a, b, s = replicating(cl)
    now = cl.get(S + "/" + s["id"]).body
    cl.advance(10)
    # 60 s after the current replicated time + 10 s
    future = "2025-01-01T00:02:00Z"
    r = cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER", "failover_at": future})
    assert r.status == 200 and r.body["failover_at"] == future
    assert now["replicated_time"] < future
    cl.advance(100)
    assert cl.get(S + "/" + s["id"]).body["status"] == "FAILING_OVER"
    cl.advance(30)
    done = cl.get(S + "/" + s["id"]).body
    assert done["status"] == "COMPLETED" and done["activated_at"] == future and done["failover_at"] == future


def test_failover_at_rules(cl):
    a, b, s = replicating(cl)
    r = cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER", "failover_at": "2024-01-01T00:00:00Z"})
    assert r.status == 400 and "retained time" in r.body["message"]
    r = cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER", "failover_at": "2025-01-01T02:00:00Z"})
    assert r.status == 400 and "one hour" in r.body["message"]
    r = cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER", "failover_at": "tomorrow"})
    assert r.status == 400
    assert cl.get(S + "/" + s["id"]).body["status"] == "REPLICATING"


@pytest.mark.parametrize("body, status", [
    ({}, "REPLICATING"), ({"status": "REPLICATING"}, "REPLICATING"), ({"status": "COMPLETED"}, "REPLICATING"),
    ({"status": "CANCELED", "failover_at": "2025-01-01T00:00:05Z"}, "REPLICATING"), ({"id": "x"}, "REPLICATING"),
])
def test_update_refusals(cl, body, status):
    a, b, s = replicating(cl)
    r = cl.patch(S + "/" + s["id"], body)
    assert r.status == 400, r
    assert cl.get(S + "/" + s["id"]).body["status"] == status


def test_transitions_only_from_replicating(cl):
    a, b = pair(cl)
    s = start(cl, a, b)
    r = cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER"})
    assert r.status == 400 and r.body["code"] == 9 and "STARTING" in r.body["message"]
    assert cl.patch(S + "/" + s["id"], {"status": "CANCELED"}).status == 400
    cl.advance(3)
    assert cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER"}).status == 200
    assert cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER"}).status == 400
    assert cl.patch(S + "/" + s["id"], {"status": "CANCELED"}).status == 400
    cl.advance(10)
    assert cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER"}).status == 400
    assert cl.patch(S + "/nope", {"status": "CANCELED"}).status == 404
    assert cl.get(S + "/nope").status == 404


def test_cancel(cl):
    a, b, s = replicating(cl)
    r = cl.patch(S + "/" + s["id"], {"status": "CANCELED"})
    assert r.status == 200 and r.body["status"] == "CANCELED" and "canceled_at" in r.body
    assert cl.post(C + "/%s/databases" % b["id"], {"name": "x"}).status == 200
    # a new stream between the same clusters may start again
    start(cl, a, b)


def test_list_filters_and_show_completed(cl):
    a, b, s1 = replicating(cl)
    cl.patch(S + "/" + s1["id"], {"status": "FAILING_OVER"})
    cl.advance(10)
    c = ded(cl, "third-one", cidr="10.2.0.0/16")
    d = ded(cl, "fourth-one", cidr="10.3.0.0/16")
    s2 = start(cl, c, d)
    assert [x["id"] for x in cl.get(S).body["physical_replication_streams"]] == [s2["id"]]
    got = cl.get(S, query={"show_completed": "true"}).body["physical_replication_streams"]
    assert [x["id"] for x in got] == [s1["id"], s2["id"]]
    q = {"show_completed": "true"}
    assert [x["id"] for x in cl.get(S, query=dict(q, primary_cluster_id=a["id"])).body[
        "physical_replication_streams"]] == [s1["id"]]
    assert cl.get(S, query=dict(q, standby_cluster_id=a["id"])).body["physical_replication_streams"] == []
    assert [x["id"] for x in cl.get(S, query=dict(q, cluster_id=d["id"])).body[
        "physical_replication_streams"]] == [s2["id"]]
    assert cl.get(S, query={"cluster_id": "not-a-uuid"}).status == 400
    page = cl.get(S, query=dict(q, **{"pagination.limit": 1})).body
    assert len(page["physical_replication_streams"]) == 1 and page["pagination"]["next_page"]


def test_deleting_the_standby_cancels_deleting_the_primary_freezes_replication(cl):
    a, b, s = replicating(cl)
    cl.advance(10)
    cl.delete(C + "/" + a["id"])
    frozen = cl.get(S + "/" + s["id"]).body
    cl.advance(50)
    later = cl.get(S + "/" + s["id"]).body
    assert later["status"] == "REPLICATING"
    assert later["replicated_time"] == frozen["replicated_time"]
    assert later["replication_lag_seconds"] == frozen["replication_lag_seconds"] + 50
    # the disaster case: failing over still works
    assert cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER"}).status == 200

    c = ded(cl, "third-one", cidr="10.2.0.0/16")
    d = ded(cl, "fourth-one", cidr="10.3.0.0/16")
    s2 = start(cl, c, d)
    cl.delete(C + "/" + d["id"])
    got = cl.get(S + "/" + s2["id"]).body
    assert got["status"] == "CANCELED" and "canceled_at" in got


def test_audit_entries(cl):
    a, b, s = replicating(cl)
    cl.patch(S + "/" + s["id"], {"status": "FAILING_OVER"})
    actions = [e["action"] for e in cl.get("/api/v1/auditlogevents").body["entries"]]
    assert "AUDIT_LOG_ACTION_CREATE_PHYSICAL_REPLICATION_STREAM" in actions
    assert "AUDIT_LOG_ACTION_FAILOVER_PHYSICAL_REPLICATION_STREAM" in actions


def test_ca_cert_download_needs_no_key(cl):
    a = ded(cl, "primary-one")
    basic = cl.create("basic-one")
    for c in (a, basic):
        r = cl.api.handle(Request("GET", "/clusters/%s/cert" % c["id"], {}, {}, b""))
        assert r.status == 200
        text = r.body.decode()
        assert text.startswith("-----BEGIN CERTIFICATE-----\n") and text.endswith("-----END CERTIFICATE-----\n")
    one = cl.api.handle(Request("GET", "/clusters/%s/cert" % a["id"], {}, {}, b"")).body
    two = cl.api.handle(Request("GET", "/clusters/%s/cert" % basic["id"], {}, {}, b"")).body
    assert one != two
    assert cl.api.handle(Request("GET", "/clusters/nope/cert", {}, {}, b"")).status == 404
    cl.delete(C + "/" + basic["id"])
    assert cl.api.handle(Request("GET", "/clusters/%s/cert" % basic["id"], {}, {}, b"")).status == 404


def test_connection_string_needs_os_for_dedicated(cl):
    a = ded(cl, "primary-one")
    r = cl.get(C + "/%s/connection-string" % a["id"])
    assert r.status == 400 and "os" in r.body["message"]
    assert cl.get(C + "/%s/connection-string" % a["id"], query={"os": "LINUX"}).status == 200
    assert cl.get(C + "/%s/connection-string" % cl.create("basic-one")["id"]).status == 200


def test_control_config(cl):
    status, body = cl.control("POST", "/replication/config", {"start_seconds": 0, "lag_seconds": 7})
    assert status == 200 and body["start_seconds"] == 0 and body["lag_seconds"] == 7
    assert cl.control("POST", "/replication/config", {"nope": 1})[0] == 400
    assert cl.control("POST", "/replication/config", {"lag_seconds": -1})[0] == 400
    a, b = pair(cl)
    s = start(cl, a, b)
    assert cl.get(S + "/" + s["id"]).body["status"] == "REPLICATING"
    cl.advance(10)
    assert cl.get(S + "/" + s["id"]).body["replication_lag_seconds"] == 7
    view = cl.control("GET", "/state")[1]["families"]["replication"]
    assert view["streams"][0]["id"] == s["id"]
