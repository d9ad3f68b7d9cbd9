"""Cluster API v2 endpoints: health, nodes, ranges, hot ranges, sessions, SQL-schema endpoints,
with the pagination style of each (reference §5-§7, §10)."""

import base64
import json

from conftest import NodeClient

GENERIC = b"An internal server error has occurred. Please check your CockroachDB logs for more details.\n"


def tok_text(t):
    return base64.urlsafe_b64decode(t).decode()


# ------------------------------------------------------------------ health

def test_health_v2(fresh_emulator):
    c = NodeClient(fresh_emulator)
    for q in ("", "?ready=true", "?ready=1", "?ready=false", "?ready="):
        r = c.get("/api/v2/health/" + q)
        assert r.status_code == 200 and r.content == b"{}", q
        assert r.headers["Content-Type"] == "application/json"
    r = c.get("/api/v2/health/?ready=yes")
    assert r.status_code == 400 and r.content == b"invalid ready value\n"


def test_health_v1(fresh_emulator):
    c = NodeClient(fresh_emulator)
    r = c.get("/health?ready=1")
    assert r.status_code == 200 and r.content == b"{\n\n}"
    fresh_emulator.control("POST", "/_emulator/nodes/1/drain", {"unready_seconds": 0})
    r = c.get("/health?ready=1")
    assert r.status_code == 503
    assert r.json() == {"error": "node is shutting down", "code": 14, "message": "node is shutting down",
                        "details": []}
    assert c.get("/health").status_code == 200
    r = c.get("/api/v2/health/?ready=true")
    assert r.status_code == 500 and r.content == GENERIC
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_not_live_node_is_not_healthy(fresh_emulator):
    fresh_emulator.control("PATCH", "/_emulator/nodes/2", {"liveness_status": 4})
    c = NodeClient(fresh_emulator, 2)
    assert c.get("/api/v2/health/?ready=true").status_code == 500
    assert c.get("/health?ready=1").json()["error"] == "node is not healthy"
    assert c.get("/api/v2/health/").status_code == 200


def test_restart_safety(fresh_emulator):
    """Over HTTP: the v25.4 counters (zero counters omitted), a session required; more in test_restart_safety.py."""
    assert NodeClient(fresh_emulator, 1).get("/api/v2/health/restart_safety/").status_code == 401
    c = NodeClient(fresh_emulator, 1, fresh_emulator.login(1))
    r = c.get("/api/v2/health/restart_safety/")
    assert r.status_code == 503
    body = r.json()
    assert set(body) == {"raft_leadership_on_node_count", "store_not_draining_count"}
    assert body["store_not_draining_count"] == 1 and body["raft_leadership_on_node_count"] > 0
    fresh_emulator.control("POST", "/_emulator/nodes/1/drain", {"unready_seconds": 0})
    r = c.get("/api/v2/health/restart_safety/")
    assert r.status_code == 200 and r.json() == {"is_restart_safe": True}


def test_remote_node_id_proxy(fresh_emulator):
    fresh_emulator.control("POST", "/_emulator/nodes/3/drain", {"unready_seconds": 0})
    c = NodeClient(fresh_emulator, 1)
    assert c.get("/api/v2/health/?ready=true").status_code == 200
    assert c.get("/api/v2/health/?ready=true&remote_node_id=3").status_code == 500
    assert c.get("/api/v2/health/?ready=true&remote_node_id=local").status_code == 200
    assert c.get("/api/v2/health/?remote_node_id=x").status_code == 400
    # a well-formed id the cluster does not have: the proxy's gossip lookup fails (400, not a readiness answer)
    r = c.get("/api/v2/health/?ready=true&remote_node_id=9")
    assert r.status_code == 400
    assert r.content == b"unable to get address for nodeID: 9: unable to look up descriptor for n9\n"


# ------------------------------------------------------------------ nodes

def test_nodes_shape(admin):
    body = admin.json("/api/v2/nodes/")
    assert list(body) == ["nodes"]
    nodes = body["nodes"]
    assert [n["node_id"] for n in nodes] == [1, 2, 3]
    n = nodes[0]
    for k in ("node_id", "address", "attrs", "locality", "ServerVersion", "build_tag", "started_at",
              "cluster_name", "sql_address", "metrics", "store_metrics", "total_system_memory", "num_cpus",
              "updated_at", "liveness_status"):
        assert k in n, k
    assert n["address"]["network_field"] == "tcp"
    assert n["ServerVersion"] == {"major_val": 25, "minor_val": 4, "patch": 0, "internal": 0}
    assert n["build_tag"] == "v25.4.1"
    assert n["liveness_status"] == 3
    assert n["started_at"] > 10 ** 18 and n["updated_at"] > n["started_at"]
    tiers = {t["key"]: t["value"] for t in n["locality"]["tiers"]}
    assert tiers["region"] in ("us-east1", "us-west1", "europe-west1")
    assert {t["value"] for nn in nodes for t in nn["locality"]["tiers"] if t["key"] == "region"} == \
        {"us-east1", "us-west1", "europe-west1"}
    sm = n["store_metrics"]["1"]
    for k in ("ranges", "ranges.underreplicated", "ranges.unavailable", "replicas", "replicas.leaseholders",
              "capacity", "capacity.available"):
        assert k in sm, k
    assert sm["ranges.underreplicated"] == 0 and sm["ranges.unavailable"] == 0
    assert n["metrics"]["liveness.livenodes"] == 3
    # leaseholders over all stores = number of ranges
    assert sum(m["replicas.leaseholders"] for nn in nodes for m in nn["store_metrics"].values()) == 150


def test_nodes_offset_pagination(admin):
    b = admin.json("/api/v2/nodes/?limit=2")
    assert [n["node_id"] for n in b["nodes"]] == [1, 2] and b["next"] == 2
    b = admin.json("/api/v2/nodes/?limit=2&offset=2")
    assert [n["node_id"] for n in b["nodes"]] == [3] and "next" not in b
    b = admin.json("/api/v2/nodes/?limit=3")
    assert "next" not in b  # exactly full but nothing remains: in-memory style has no next
    assert admin.get("/api/v2/nodes/?limit=2&offset=5").content == b'{"nodes":null}'
    b = admin.json("/api/v2/nodes/?limit=abc&offset=2")  # invalid limit = no pagination
    assert len(b["nodes"]) == 3 and "next" not in b
    b = admin.json("/api/v2/nodes/?limit=1&offset=-4")
    assert b["nodes"][0]["node_id"] == 1 and b["next"] == 1


def test_node_ranges(admin):
    b = admin.json("/api/v2/nodes/1/ranges/?limit=5")
    assert len(b["ranges"]) == 5 and b["next"] == 5
    ids = [r["desc"]["range_id"] for r in b["ranges"]]
    assert ids == sorted(ids)
    r0 = b["ranges"][0]
    assert set(r0["desc"]) >= {"range_id", "start_key", "end_key", "store_id", "queries_per_second"}
    assert r0["span"]["start_key"].startswith("/Table/")
    assert r0["source_node_id"] == 1 and r0["problems"] == {}
    base64.b64decode(r0["desc"]["start_key"])
    b = admin.json("/api/v2/nodes/local/ranges/?ranges=%d,%d" % (ids[0], ids[2]))
    assert [r["desc"]["range_id"] for r in b["ranges"]] == [ids[0], ids[2]]
    assert admin.get("/api/v2/nodes/0/ranges/").content == b"invalid node ID\n"
    assert admin.get("/api/v2/nodes/x/ranges/").status_code == 400
    assert admin.get("/api/v2/nodes/1/ranges/?ranges=1,x").content == b"invalid range ID\n"
    r = admin.get("/api/v2/nodes/99/ranges/")
    assert r.status_code == 500 and r.content == GENERIC
    b = admin.json("/api/v2/nodes/1/ranges/?limit=500&offset=100000")
    assert b == {"ranges": []}


def test_range_by_id(admin):
    b = admin.json("/api/v2/ranges/7/")
    by = b["responses_by_node_id"]
    assert set(by) == {"1", "2", "3"}
    assert all(v["range_info"]["desc"]["range_id"] == 7 for v in by.values())
    assert admin.json("/api/v2/ranges/999999/") == {"responses_by_node_id": {}}


def test_hot_ranges_unpaginated(admin):
    b = admin.json("/api/v2/ranges/hot/")
    assert b["next"] == "fDB8MHw="
    assert "response_error" not in b
    rs = b["ranges"]
    assert len(rs) == 150
    keys = {"range_id", "node_id", "qps", "writes_per_second", "reads_per_second", "write_bytes_per_second",
            "read_bytes_per_second", "cpu_time_per_second", "leaseholder_node_id", "databases", "tables",
            "indexes", "schema_name", "replica_node_ids", "store_id"}
    assert set(rs[0]) == keys
    qps = sorted((r["qps"] for r in rs), reverse=True)
    assert qps[0] > 10 * qps[len(qps) // 2]  # skewed
    assert any(r["databases"] == ["movr"] and r["tables"] == ["rides"] for r in rs)
    assert len(rs[0]["replica_node_ids"]) == 3
    assert admin.get("/api/v2/ranges/hot/?node_id=abc").content == b"invalid node ID\n"
    one = admin.json("/api/v2/ranges/hot/?node_id=2")["ranges"]
    assert {r["node_id"] for r in one} == {2}


def test_hot_ranges_token_pagination(admin):
    seen, start, pages = [], None, 0
    while True:
        q = "/api/v2/ranges/hot/?limit=40" + ("&start=" + start if start else "")
        b = admin.json(q)
        assert "next" in b
        got = b["ranges"] or []
        seen += [r["range_id"] for r in got]
        pages += 1
        start = b["next"]
        if len(got) < 40:
            break
    assert pages == 4 and len(seen) == 150 == len(set(seen))
    assert tok_text(start) == "1,2,3,|0|0|"
    b = admin.json("/api/v2/ranges/hot/?limit=40")
    assert tok_text(b["next"]) == "|1|40|2,3,"
    b = admin.json("/api/v2/ranges/hot/?limit=50")
    assert tok_text(b["next"]) == "1,|0|0|2,3,"
    # undecodable start token restarts from the beginning
    b2 = admin.json("/api/v2/ranges/hot/?limit=50&start=@@@")
    assert [r["range_id"] for r in b2["ranges"]] == [r["range_id"] for r in b["ranges"]]


def test_sessions(admin):
    b = admin.json("/api/v2/sessions/")
    assert set(b) == {"sessions", "errors", "internal_app_name_prefix", "next"}
    assert b["next"] == "fDB8MHw=" and b["errors"] == [] and b["internal_app_name_prefix"] == "$ internal"
    ss = b["sessions"]
    assert len({s["node_id"] for s in ss}) >= 2
    assert any(s.get("active_queries") for s in ss)
    q = next(s for s in ss if s.get("active_queries"))["active_queries"][0]
    assert {"id", "txn_id", "start", "sql", "phase"} <= set(q)
    users = {s["username"] for s in ss}
    u = sorted(users)[0]
    assert all(s["username"] == u for s in admin.json("/api/v2/sessions/?username=" + u)["sessions"])
    open_only = admin.json("/api/v2/sessions/?exclude_closed_sessions=true")["sessions"]
    assert all(s.get("status") != 1 for s in open_only)
    # token pagination, limit 1
    seen, start = [], None
    for _i in range(100):
        b = admin.json("/api/v2/sessions/?limit=1" + ("&start=" + start if start else ""))
        seen += [s["id"] for s in b["sessions"]]
        start = b["next"]
        if len(b["sessions"]) < 1:
            break
    assert seen == [s["id"] for s in ss]


def test_events(admin):
    b = admin.json("/api/v2/events/")
    evs = b["events"]
    assert "next" not in b
    ts = [e["timestamp"] for e in evs]
    assert ts == sorted(ts, reverse=True)
    assert len({e["event_type"] for e in evs}) >= 5
    e = evs[0]
    assert set(e) == {"timestamp", "event_type", "reporting_id", "info", "unique_id"}
    info = json.loads(e["info"])
    assert info.get("Statement", "<hidden>") == "<hidden>"
    assert b"\\u003chidden\\u003e" in admin.get("/api/v2/events/").content  # Go escapes <>
    ct = admin.json("/api/v2/events/?type=create_table")["events"]
    assert ct and all(x["event_type"] == "create_table" for x in ct)
    assert admin.get("/api/v2/events/?type=nope").content == b'{"events":null}'


def test_sql_offset_style_full_page_has_next(admin):
    total = len(admin.json("/api/v2/events/")["events"])
    b = admin.json("/api/v2/events/?limit=%d" % total)
    assert b["next"] == total  # exactly full page: next present
    b = admin.json("/api/v2/events/?limit=%d&offset=%d" % (total, total))
    assert b == {"events": None}
    b = admin.json("/api/v2/events/?limit=5&offset=%d" % (total - 3))
    assert len(b["events"]) == 3 and "next" not in b


def test_users(admin):
    b = admin.json("/api/v2/users/")
    names = [u["username"] for u in b["users"]]
    assert names == sorted(names) and "root" in names and "app_reader" in names
    assert "admin" not in names and "public" not in names
    b = admin.json("/api/v2/users/?limit=2")
    assert b["next"] == 2 and len(b["users"]) == 2


def test_databases(admin):
    b = admin.json("/api/v2/databases/")
    assert b == {"databases": ["bank", "defaultdb", "movr", "postgres", "system"]}
    b = admin.json("/api/v2/databases/?limit=2&offset=2")
    assert b == {"databases": ["movr", "postgres"], "next": 4}
    assert admin.get("/api/v2/databases/?limit=2&offset=9").content == b"{}"
    assert admin.json("/api/v2/databases/movr/") == {"descriptor_id": 104}
    r = admin.get("/api/v2/databases/nope/")
    assert r.status_code == 404 and r.content == b"database not found\n"


def test_grants_pages(admin):
    full = admin.json("/api/v2/databases/movr/grants/")["grants"]
    assert all(len(g["privileges"]) == 1 for g in full)
    assert len({g["user"] for g in full}) >= 5
    assert sum(1 for g in full if g["user"] == "app_writer") >= 2
    pages, offset, got = 0, 0, []
    while True:
        b = admin.json("/api/v2/databases/movr/grants/?limit=2&offset=%d" % offset)
        got += b["grants"] or []
        pages += 1
        if "next" not in b:
            break
        offset = b["next"]
    assert got == full and pages == len(full) // 2 + 1
    r = admin.get("/api/v2/databases/nope/grants/")
    assert r.status_code == 404 and r.content == b"database not found\n"


def test_tables_and_details(admin):
    names = admin.json("/api/v2/databases/movr/tables/")["table_names"]
    assert "public.rides" in names and "audit.events" in names and "reporting.daily_rides" in names
    assert '"Reporting Views".weekly_summary' in names
    b = admin.json("/api/v2/databases/movr/tables/?limit=3")
    assert len(b["table_names"]) == 3 and b["next"] == 3
    d = admin.json("/api/v2/databases/movr/tables/public.rides/")
    assert d["descriptor_id"] == 108 and d["range_count"] >= 1
    assert d["create_table_statement"].startswith("CREATE TABLE public.rides")
    assert {c["name"] for c in d["columns"]} >= {"id", "city", "revenue"}
    assert d["zone_config"]["num_replicas"] == 3 and d["zone_config_level"] == 1
    assert all(len(g["privileges"]) == 1 for g in d["grants"])
    assert admin.json("/api/v2/databases/movr/tables/rides/")["descriptor_id"] == 108
    assert admin.json("/api/v2/databases/movr/tables/audit.events/")["descriptor_id"] == 113
    r = admin.get("/api/v2/databases/movr/tables/nope/")
    assert r.status_code == 404 and r.content == b"database or table not found\n"
    r = admin.get("/api/v2/databases/nope/tables/")
    assert r.status_code == 404 and r.content == b"database not found\n"


def test_rules_yaml(fresh_emulator):
    r = NodeClient(fresh_emulator).get("/api/v2/rules/")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "rules/recording:" in r.text and "rules/alerts:" in r.text


def test_sql_endpoint_method_and_content_type(admin):
    r = admin.get("/api/v2/sql/")
    assert r.status_code == 405 and r.json()["error"]["message"] == "only POST supported"
    r = admin.post("/api/v2/sql/", data=b"{}", headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 400 and "expecting content-type json" in r.json()["error"]["message"]


def test_any_method_on_read_endpoints(admin):
    assert admin.post("/api/v2/nodes/").status_code == 200


def test_v1_health_bad_ready_value_is_gateway_400(fresh_emulator):
    r = NodeClient(fresh_emulator).get("/health?ready=maybe")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 3 and set(body) == {"error", "code", "message", "details"}


def test_status_vars_prometheus(fresh_emulator):
    r = NodeClient(fresh_emulator).get("/_status/vars")
    assert r.status_code == 200 and 'ranges_underreplicated{store="1"} 0' in r.text
