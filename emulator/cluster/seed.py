"""Deterministic seed data for the emulated cluster (users, databases, tables,
grants, events, SQL sessions, ranges).  Everything is derived from ``seed``.

Known credentials (documented in docs/emulator.md; tests use the constants):

- ``--admin-user`` / ``--admin-password``: admin (root by default).
- ``app_reader`` / :data:`APP_READER_PASSWORD`: an ordinary SQL user, not admin,
  without VIEWCLUSTERMETADATA: logs in fine, gets 403 on nodes/sessions/events/ranges.
- ``monitor`` / :data:`MONITOR_PASSWORD`: holds the global VIEWCLUSTERMETADATA privilege.
- ``app_writer`` / :data:`APP_WRITER_PASSWORD`: ordinary user.
- ``legacy_user`` / :data:`LEGACY_PASSWORD`: password expired (login -> 401 ``the password has expired``).
- ``reporting_role``, ``admin``, ``public``: roles (cannot log in, not listed by ``users/``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import uuid
from array import array
from typing import Any, Dict, List, Tuple

APP_READER_PASSWORD = "app-reader-password"
APP_WRITER_PASSWORD = "app-writer-password"
MONITOR_PASSWORD = "monitor-password"
LEGACY_PASSWORD = "legacy-password"

REGIONS = ("us-east1", "us-west1", "europe-west1")
ZONES = ("a", "b", "c")


# (user, is_role, password or None, admin member, VIEWCLUSTERMETADATA, expired)
def sql_users(admin_user: str, admin_password: str) -> Dict[str, Dict[str, Any]]:
    users = {
        "root": {"is_role": False, "password": None, "admin": True, "viewmeta": True, "expired": False},
        "admin": {"is_role": True, "password": None, "admin": True, "viewmeta": True, "expired": False},
        "public": {"is_role": True, "password": None, "admin": False, "viewmeta": False, "expired": False},
        "reporting_role": {"is_role": True, "password": None, "admin": False, "viewmeta": False, "expired": False},
        "app_reader": {"is_role": False, "password": APP_READER_PASSWORD, "admin": False, "viewmeta": False,
                       "expired": False},
        "app_writer": {"is_role": False, "password": APP_WRITER_PASSWORD, "admin": False, "viewmeta": False,
                       "expired": False},
        "monitor": {"is_role": False, "password": MONITOR_PASSWORD, "admin": False, "viewmeta": True,
                    "expired": False},
        "legacy_user": {"is_role": False, "password": LEGACY_PASSWORD, "admin": False, "viewmeta": False,
                        "expired": True},
    }
    au = admin_user.lower()
    if au in users and not users[au]["is_role"]:
        users[au]["password"] = admin_password
        users[au]["admin"] = True
        users[au]["viewmeta"] = True
        users[au]["expired"] = False
    else:
        users[au] = {"is_role": False, "password": admin_password, "admin": True, "viewmeta": True,
                     "expired": False}
    if users["root"]["password"] is None:
        users["root"]["password"] = "root-" + hashlib.sha256(admin_password.encode()).hexdigest()[:12]
    return users


# ---------------------------------------------------------------------------- schema

# database -> descriptor id
DATABASES = {"system": 1, "defaultdb": 100, "postgres": 102, "movr": 104, "bank": 120}


def _col(name, typ, nullable=True, default="", hidden=False):
    return {"name": name, "type": typ, "nullable": nullable, "default_value": default, "hidden": hidden}


# (db, schema, table, table_id, columns, indexes[(name, unique, [cols], [storing])])
TABLES: List[Tuple[str, str, str, int, list, list]] = [
    ("movr", "public", "users", 106,
     [_col("id", "UUID", False), _col("city", "VARCHAR", False), _col("name", "VARCHAR"), _col("address", "VARCHAR"),
      _col("credit_card", "VARCHAR")],
     [("users_pkey", True, ["city", "id"], ["name", "address", "credit_card"])]),
    ("movr", "public", "vehicles", 107,
     [_col("id", "UUID", False), _col("city", "VARCHAR", False), _col("type", "VARCHAR"), _col("owner_id", "UUID"),
      _col("creation_time", "TIMESTAMP"), _col("status", "VARCHAR"), _col("current_location", "VARCHAR"),
      _col("ext", "JSONB")],
     [("vehicles_pkey", True, ["city", "id"], []), ("vehicles_auto_index_fk_city_ref_users", False,
                                                    ["city", "owner_id"], [])]),
    ("movr", "public", "rides", 108,
     [_col("id", "UUID", False), _col("city", "VARCHAR", False), _col("vehicle_city", "VARCHAR"),
      _col("rider_id", "UUID"), _col("vehicle_id", "UUID"), _col("start_address", "VARCHAR"),
      _col("end_address", "VARCHAR"), _col("start_time", "TIMESTAMP"), _col("end_time", "TIMESTAMP"),
      _col("revenue", "DECIMAL(10,2)")],
     [("rides_pkey", True, ["city", "id"], []), ("rides_auto_index_fk_city_ref_users", False,
                                                 ["city", "rider_id"], []),
      ("rides_auto_index_fk_vehicle_city_ref_vehicles", False, ["vehicle_city", "vehicle_id"], [])]),
    ("movr", "public", "vehicle_location_histories", 109,
     [_col("city", "VARCHAR", False), _col("ride_id", "UUID", False), _col("timestamp", "TIMESTAMP", False),
      _col("lat", "FLOAT8"), _col("long", "FLOAT8")],
     [("vehicle_location_histories_pkey", True, ["city", "ride_id", "timestamp"], [])]),
    ("movr", "public", "promo_codes", 110,
     [_col("code", "VARCHAR", False), _col("description", "VARCHAR"), _col("creation_time", "TIMESTAMP"),
      _col("expiration_time", "TIMESTAMP"), _col("rules", "JSONB")],
     [("promo_codes_pkey", True, ["code"], [])]),
    ("movr", "public", "user_promo_codes", 111,
     [_col("city", "VARCHAR", False), _col("user_id", "UUID", False), _col("code", "VARCHAR", False),
      _col("timestamp", "TIMESTAMP"), _col("usage_count", "INT8")],
     [("user_promo_codes_pkey", True, ["city", "user_id", "code"], [])]),
    ("movr", "audit", "events", 113,
     [_col("id", "UUID", False, "gen_random_uuid()"), _col("ts", "TIMESTAMPTZ", False, "now()"),
      _col("actor", "STRING"), _col("action", "STRING"), _col("payload", "JSONB")],
     [("events_pkey", True, ["id"], []), ("events_ts_idx", False, ["ts"], ["action"])]),
    ("movr", "reporting", "daily_rides", 115,
     [_col("day", "DATE", False), _col("city", "STRING", False), _col("rides", "INT8"), _col("revenue", "DECIMAL")],
     [("daily_rides_pkey", True, ["day", "city"], [])]),
    ("movr", "Reporting Views", "weekly_summary", 116,
     [_col("week", "DATE", False), _col("rides", "INT8")],
     [("weekly_summary_pkey", True, ["week"], [])]),
    ("bank", "public", "accounts", 122,
     [_col("id", "INT8", False), _col("balance", "DECIMAL"), _col("owner", "STRING")],
     [("accounts_pkey", True, ["id"], [])]),
    ("bank", "public", "transfers", 123,
     [_col("id", "UUID", False, "gen_random_uuid()"), _col("src", "INT8"), _col("dst", "INT8"),
      _col("amount", "DECIMAL"), _col("ts", "TIMESTAMPTZ", True, "now()")],
     [("transfers_pkey", True, ["id"], []), ("transfers_src_idx", False, ["src"], [])]),
    ("defaultdb", "public", "kv", 124,
     [_col("k", "STRING", False), _col("v", "BYTES")],
     [("kv_pkey", True, ["k"], [])]),
]

SYSTEM_TABLES = ["namespace", "descriptor", "users", "zones", "settings", "tenants", "lease", "eventlog",
                 "rangelog", "ui", "jobs", "web_sessions", "table_statistics", "locations", "role_members",
                 "comments", "replication_stats", "reports_meta", "statement_diagnostics", "scheduled_jobs",
                 "sqlliveness", "migrations", "join_tokens", "statement_statistics", "transaction_statistics",
                 "database_role_settings", "tenant_usage", "span_configurations", "task_payloads",
                 "privileges", "external_connections", "job_info", "span_stats_unique_keys", "region_liveness"]

# Database grants: one (grantee, privilege) row each, like SHOW GRANTS ON DATABASE.
_DB_GRANTS = {
    "movr": [("admin", "ALL"), ("root", "ALL"), ("public", "CONNECT"), ("app_writer", "CONNECT"),
             ("app_writer", "CREATE"), ("app_writer", "DROP"), ("app_reader", "CONNECT"),
             ("reporting_role", "CONNECT"), ("reporting_role", "CREATE"), ("monitor", "CONNECT")],
    "bank": [("admin", "ALL"), ("root", "ALL"), ("public", "CONNECT"), ("app_writer", "CONNECT"),
             ("app_writer", "ZONECONFIG")],
    "defaultdb": [("admin", "ALL"), ("root", "ALL"), ("public", "CONNECT")],
    "postgres": [("admin", "ALL"), ("root", "ALL"), ("public", "CONNECT")],
    "system": [("admin", "CONNECT"), ("root", "CONNECT")],
}


def db_grants(db: str) -> List[Dict[str, Any]]:
    rows = sorted(_DB_GRANTS.get(db, []))
    return [{"user": u, "privileges": [p]} for u, p in rows]


def table_grants(db: str, schema: str, table: str) -> List[Dict[str, Any]]:
    rows = [("admin", "ALL"), ("root", "ALL")]
    if db == "movr":
        rows += [("app_reader", "SELECT"), ("app_writer", "SELECT"), ("app_writer", "INSERT"),
                 ("app_writer", "UPDATE"), ("app_writer", "DELETE")]
        if schema == "reporting":
            rows.append(("reporting_role", "SELECT"))
    return [{"user": u, "privileges": [p]} for u, p in sorted(rows)]


def quote_ident(name: str) -> str:
    if name and (name[0].isalpha() or name[0] == "_") and all(c.islower() or c.isdigit() or c == "_" for c in name):
        return name
    return '"%s"' % name.replace('"', '""')


def create_table_statement(schema: str, table: str, columns: list, indexes: list) -> str:
    lines = []
    for c in columns:
        s = "\t%s %s" % (quote_ident(c["name"]), c["type"])
        if not c["nullable"]:
            s += " NOT NULL"
        if c["default_value"]:
            s += " DEFAULT %s" % c["default_value"]
        lines.append(s)
    for name, unique, cols, storing in indexes:
        if name.endswith("_pkey"):
            lines.append("\tCONSTRAINT %s PRIMARY KEY (%s ASC)" % (name, " ASC, ".join(cols)))
        else:
            s = "\t%sINDEX %s (%s ASC)" % ("UNIQUE " if unique else "", name, " ASC, ".join(cols))
            if storing:
                s += " STORING (%s)" % ", ".join(storing)
            lines.append(s)
    return "CREATE TABLE %s.%s (\n%s\n)" % (quote_ident(schema), quote_ident(table), ",\n".join(lines))


def index_rows(indexes: list, columns: list) -> List[Dict[str, Any]]:
    out = []
    for name, unique, cols, storing in indexes:
        seq = 1
        for c in cols:
            row = {"name": name, "unique": unique, "seq": seq, "column": c, "direction": "ASC"}
            out.append(row)
            seq += 1
        for c in storing:
            out.append({"name": name, "unique": unique, "seq": seq, "column": c, "direction": "N/A",
                        "storing": True})
            seq += 1
        if not name.endswith("_pkey"):
            pk = [i for i in indexes if i[0].endswith("_pkey")]
            for c in (pk[0][2] if pk else []):
                if c not in cols:
                    out.append({"name": name, "unique": unique, "seq": seq, "column": c, "direction": "ASC",
                                "implicit": True})
                    seq += 1
    return out


# ---------------------------------------------------------------------------- events

EVENT_TYPES = ["create_database", "create_schema", "create_table", "create_index", "alter_table",
               "grant_privileges", "create_role", "set_cluster_setting", "node_join", "node_restart",
               "change_database_privilege", "drop_table", "create_statistics", "alter_role"]


def rfc3339(ts: float) -> str:
    import datetime
    dt = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % dt.microsecond


def make_event(rng: random.Random, ts: float, etype: str, reporting_id: int, extra: Dict[str, Any]) -> Dict[str, Any]:
    info = {"Timestamp": int(ts * 1e9), "EventType": etype}
    if etype not in ("node_join", "node_restart"):
        info["Statement"] = "<hidden>"
        info["Tag"] = etype.upper().replace("_", " ")
        info["User"] = extra.pop("User", "root")
    if etype == "set_cluster_setting":
        extra.setdefault("Value", "<hidden>")
    info.update(extra)
    return {"timestamp": rfc3339(ts), "event_type": etype, "reporting_id": reporting_id,
            "info": json.dumps(info, separators=(",", ":")),
            "unique_id": base64.b64encode(bytes(rng.getrandbits(8) for _i in range(16))).decode()}


def seed_events(rng: random.Random, now: float, nodes: int) -> List[Dict[str, Any]]:
    """Events oldest first (the API serves them newest first)."""
    ev = []
    t = now - 86400 * 3
    for n in range(1, min(nodes, 9) + 1):
        t += rng.uniform(1, 5)
        ev.append(make_event(rng, t, "node_join", n, {"NodeID": n, "StartedAt": int(t * 1e9),
                                                      "LastUp": int(t * 1e9)}))
    for db, did in DATABASES.items():
        if db == "system":
            continue
        t += rng.uniform(30, 300)
        ev.append(make_event(rng, t, "create_database", 1, {"DescriptorID": did, "DatabaseName": db}))
    for sch in ("audit", "reporting", "Reporting Views"):
        t += rng.uniform(10, 60)
        ev.append(make_event(rng, t, "create_schema", 1, {"DescriptorID": 112, "SchemaName": "movr." + sch,
                                                          "Owner": "root"}))
    for db, schema, table, tid, cols, idx in TABLES:
        t += rng.uniform(5, 60)
        ev.append(make_event(rng, t, "create_table", rng.randint(1, min(nodes, 3)),
                             {"DescriptorID": tid, "TableName": "%s.%s.%s" % (db, schema, table),
                              "Owner": "root"}))
        for name, unique, c, s in idx[1:]:
            t += rng.uniform(1, 10)
            ev.append(make_event(rng, t, "create_index", 1, {"DescriptorID": tid,
                                                             "TableName": "%s.%s.%s" % (db, schema, table),
                                                             "IndexName": name, "MutationID": 1}))
    for role in ("app_reader", "app_writer", "monitor", "reporting_role", "legacy_user"):
        t += rng.uniform(5, 60)
        ev.append(make_event(rng, t, "create_role", 1, {"RoleName": role}))
    for grantee, priv in _DB_GRANTS["movr"][3:]:
        t += rng.uniform(1, 30)
        ev.append(make_event(rng, t, "change_database_privilege", 1,
                             {"DescriptorID": 104, "Grantee": grantee, "GrantedPrivileges": [priv],
                              "DatabaseName": "movr"}))
    for setting in ("kv.rangefeed.enabled", "server.time_until_store_dead", "cluster.organization",
                    "sql.stats.automatic_collection.enabled"):
        t += rng.uniform(60, 600)
        ev.append(make_event(rng, t, "set_cluster_setting", 1, {"SettingName": setting}))
    t += 60
    ev.append(make_event(rng, t, "alter_table", 2, {"DescriptorID": 108, "TableName": "movr.public.rides",
                                                    "MutationID": 2}))
    ev.append(make_event(rng, t + 5, "create_statistics", 1, {"DescriptorID": 108,
                                                              "TableName": "movr.public.rides"}))
    ev.append(make_event(rng, t + 30, "drop_table", 1, {"DescriptorID": 125, "TableName": "defaultdb.public.tmp",
                                                        "CascadeDroppedViews": None}))
    ev.append(make_event(rng, min(t + 90, now - 60), "alter_role", 1, {"RoleName": "app_reader",
                                                                       "Options": ["PASSWORD"]}))
    ev.sort(key=lambda e: e["timestamp"])
    return ev


# ---------------------------------------------------------------------------- SQL sessions

APPS = ["movr", "movr-reporting", "$ cockroach sql", "bank-worker", "$ internal-gc"]
QUERIES = [
    ("SELECT city, count(*) FROM rides WHERE start_time > $1 GROUP BY city",
     "SELECT city, count(*) FROM rides WHERE start_time > $1 GROUP BY city", "SELECT city, count(*) FROM rides"),
    ("UPDATE vehicles SET status = 'in_use' WHERE id = '3a1b...'",
     "UPDATE vehicles SET status = _ WHERE id = _", "UPDATE vehicles SET status = _ WHERE id = _"),
    ("INSERT INTO rides VALUES (...)", "INSERT INTO rides VALUES (__more__)", "INSERT INTO rides"),
    ("SELECT * FROM users WHERE city = 'new york' LIMIT 10", "SELECT * FROM users WHERE city = _ LIMIT _",
     "SELECT * FROM users"),
    ("UPSERT INTO accounts (id, balance) VALUES (7, 100.00)", "UPSERT INTO accounts(id, balance) VALUES (_, _)",
     "UPSERT INTO accounts"),
]


def node_sessions(seed: int, node_id: int, now: float, host_prefix: str = "10.0") -> List[Dict[str, Any]]:
    """SQL sessions open on one node (deterministic per seed and node), sorted by start."""
    rng = random.Random(seed * 1000003 + node_id)
    n = rng.randint(1, 4) if node_id <= 9 else rng.randint(0, 2)
    users = ["app_writer", "app_reader", "root", "app_writer", "monitor"]
    out = []
    for i in range(n):
        start = now - rng.uniform(60, 7200)
        user = users[rng.randrange(len(users))]
        app = APPS[rng.randrange(len(APPS))]
        s: Dict[str, Any] = {
            "node_id": node_id, "username": user,
            "client_address": "%s.%d.%d:%d" % (host_prefix, node_id % 250, rng.randint(2, 250),
                                               rng.randint(30000, 60000)),
            "application_name": app,
            "start": rfc3339(start),
            "id": base64.b64encode(bytes(rng.getrandbits(8) for _i in range(16))).decode(),
            "alloc_bytes": rng.randint(10, 200) * 1024, "max_alloc_bytes": rng.randint(200, 900) * 1024,
            "num_txns_executed": rng.randint(1, 5000),
            "pg_backend_pid": rng.randint(100000, 4000000000),
            "authentication_method": "password",
        }
        closed = i == 3
        active = (not closed) and rng.random() < 0.7
        if active:
            q = QUERIES[rng.randrange(len(QUERIES))]
            qstart = now - rng.uniform(0.01, 30)
            txn = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            s["active_queries"] = [{
                "id": "%032x" % rng.getrandbits(128), "txn_id": txn, "start": rfc3339(qstart),
                "sql": q[0], "sql_no_constants": q[1], "sql_summary": q[2], "is_distributed": rng.random() < 0.3,
                "phase": 1, "progress": round(rng.random(), 3), "elapsed": "%.3fs" % (now - qstart),
                "plan_gist": "AgHQAQIAAwIAAAMGAg==", "database": "movr" if "accounts" not in q[0] else "bank"}]
            s["active_txn"] = {"id": txn, "start": rfc3339(qstart - 0.01), "num_statements_executed": 1,
                               "num_retries": 0, "num_auto_retries": 0, "deadline": "0001-01-01T00:00:00Z",
                               "implicit": True, "alloc_bytes": 10240, "max_alloc_bytes": 20480,
                               "read_only": q[0].startswith("SELECT"), "is_historical": False,
                               "priority": "NORMAL", "quality_of_service": "regular"}
            s["last_active_query"] = q[0]
            s["last_active_query_no_constants"] = q[1]
            s["status"] = 0  # ACTIVE
        elif closed:
            s["status"] = 1  # CLOSED
            s["end"] = rfc3339(now - rng.uniform(1, 50))
            s["last_active_query"] = QUERIES[0][0]
            s["last_active_query_no_constants"] = QUERIES[0][1]
        else:
            s["status"] = 2  # IDLE
            s["last_active_query"] = QUERIES[3][0]
            s["last_active_query_no_constants"] = QUERIES[3][1]
            s["total_active_time"] = "%.1fs" % rng.uniform(1, 100)
        out.append(s)
    out.sort(key=lambda x: x["start"])
    return out


# ---------------------------------------------------------------------------- ranges

def encode_uvarint_key(v: int) -> bytes:
    """CockroachDB ascending varint encoding of a non-negative int (good enough for keys)."""
    if v <= 109:
        return bytes([136 + v])
    v -= 109
    b = v.to_bytes((v.bit_length() + 7) // 8, "big")
    return bytes([245 + len(b)]) + b


class Ranges:
    """Compact range table: replicas (3 node ids), the initial leaseholder, the owning table and QPS.

    Range i (0-based) has id i+1.  Leases start spread evenly over the nodes;
    replicas are placed in distinct nodes, preferably in distinct regions."""

    def __init__(self, seed: int, nodes: int, ranges_per_node: int, node_region):
        rng = random.Random(seed * 7919 + 17)
        total = max(1, nodes * max(1, ranges_per_node))
        self.count = total
        nrep = min(3, nodes)
        self.nrep = nrep
        self.rep = [array("i", [0]) * total for _i in range(nrep)]
        self.lh = array("i", [0]) * total
        self.table = array("i", [0]) * total
        self.qps = array("d", [0.0]) * total
        # owner tables: first ~8% system, rest user tables weighted towards rides/vehicles
        targets = [(t[0], t[2], t[3]) for t in TABLES]
        weights = {"rides": 6, "vehicle_location_histories": 4, "vehicles": 3, "users": 3, "transfers": 3,
                   "accounts": 2, "events": 2}
        wlist = []
        for i, t in enumerate(targets):
            wlist += [i] * weights.get(t[1], 1)
        by_region: Dict[str, List[int]] = {}
        for n in range(1, nodes + 1):
            by_region.setdefault(node_region(n), []).append(n)
        regions = sorted(by_region)
        nsys = max(1, total // 12)
        order = list(range(total))
        rng.shuffle(order)  # rank of each range for Zipf-like QPS
        rr = rng.random
        for i in range(total):
            lh = (i % nodes) + 1
            self.lh[i] = lh
            self.rep[0][i] = lh
            chosen = {lh}
            if nrep > 1:
                reg = node_region(lh)
                others = [r for r in regions if r != reg] or regions
                k = 1
                tries = 0
                while k < nrep:
                    tries += 1
                    if tries < 8 and others:
                        pool = by_region[others[(i + k) % len(others)]]
                    else:
                        pool = None
                    cand = pool[int(rr() * len(pool))] if pool else int(rr() * nodes) + 1
                    if cand not in chosen:
                        chosen.add(cand)
                        self.rep[k][i] = cand
                        k += 1
            self.table[i] = -1 - (i % len(SYSTEM_TABLES)) if i < nsys else wlist[int(rr() * len(wlist))]
            rank = order[i] + 1
            self.qps[i] = round(2500.0 / (rank ** 0.9) * (0.6 + 0.8 * rr()), 3)
        # key spans: consecutive ranges of the same table get consecutive key chunks
        self._chunk = array("i", [0]) * total
        seen: Dict[int, int] = {}
        for i in range(total):
            t = self.table[i]
            self._chunk[i] = seen.get(t, 0)
            seen[t] = self._chunk[i] + 1
        self._chunks = seen

    def replicas(self, i: int) -> List[int]:
        return [self.rep[k][i] for k in range(self.nrep)]

    def table_info(self, i: int) -> Tuple[str, str, str, str, int]:
        """(database, schema, table, index, table_id)"""
        t = self.table[i]
        if t < 0:
            name = SYSTEM_TABLES[-1 - t]
            return "system", "public", name, "primary", 3 + (-1 - t)
        db, schema, table, tid, cols, idx = TABLES[t]
        index = idx[self._chunk[i] % len(idx)][0] if len(idx) > 1 and self._chunk[i] % 4 == 3 else idx[0][0]
        return db, schema, table, index, tid

    def span(self, i: int) -> Tuple[str, str, bytes, bytes]:
        db, schema, table, index, tid = self.table_info(i)
        c = self._chunk[i]
        last = c + 1 >= self._chunks[self.table[i]]
        start_p = "/Table/%d" % tid if c == 0 else "/Table/%d/1/%d" % (tid, c * 1000)
        end_p = "/Table/%d" % (tid + 1) if last else "/Table/%d/1/%d" % (tid, (c + 1) * 1000)
        start_b = encode_uvarint_key(tid) + (b"" if c == 0 else b"\x89" + encode_uvarint_key(c * 1000))
        end_b = encode_uvarint_key(tid + 1) if last else (encode_uvarint_key(tid) + b"\x89" +
                                                          encode_uvarint_key((c + 1) * 1000))
        return start_p, end_p, start_b, end_b


# The alerting rules ``/api/v2/rules/`` serves (a fixed YAML document).
RULES_YAML = """rules/alerts:
    rules:
        - alert: InstanceDead
          expr: up{job="cockroachdb"} == 0
          for: 15m
          annotations:
            description: '{{ $labels.instance }} for cluster {{ $labels.cluster }} has been down for more than 15 minutes.'
            summary: Instance {{ $labels.instance }} dead
        - alert: UnderReplicatedRanges
          expr: (sum by(instance, cluster) (ranges_underreplicated{job="cockroachdb"})) > 0
          for: 1h
          annotations:
            description: '{{ $labels.instance }} has {{ $value }} under-replicated ranges'
            summary: Instance {{ $labels.instance }} has under-replicated ranges
        - alert: UnavailableRanges
          expr: (sum by(instance, cluster) (ranges_unavailable{job="cockroachdb"})) > 0
          for: 10m
          labels:
            severity: testing
          annotations:
            description: '{{ $labels.instance }} has {{ $value }} unavailable ranges'
            summary: Instance {{ $labels.instance }} has unavailable ranges
rules/recording:
    rules:
        - record: node:capacity
          expr: sum without(store) (capacity{job="cockroachdb"})
        - record: cluster:capacity
          expr: sum without(instance) (node:capacity{job="cockroachdb"})
        - record: node:capacity_available
          expr: sum without(store) (capacity_available{job="cockroachdb"})
        - record: cluster:capacity_available
          expr: sum without(instance) (node:capacity_available{job="cockroachdb"})
"""
