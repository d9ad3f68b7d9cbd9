"""Handlers of the Cluster API v2: parse the request, call the state, answer as CockroachDB does.

Ground truth: ../shared/reference/cluster-api-v2.md.  The route table is ``routes.py``; each node's
listener passes its node id in ``Request.node_id``.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs

from emulator.cluster import seed as seed_mod
from emulator.cluster import sql as sql_mod
from emulator.cluster.encoding import (NOT_FOUND, decode_session_cookie, generic_500, go_atoi, go_b64decode,
                                       go_json, parse_go_bool, text)
from emulator.cluster.paging import page_offset_memory, page_offset_sql, paginate_fanout
from emulator.cluster.seed import RULES_YAML
from emulator.cluster.state import HOT_RANGES_PER_STORE, ClusterState, NodeUnreachable
from emulator.core import Request, Response
from emulator.routing import RouteMatch, Router

USER = "user"          # route access: any logged-in SQL user
METADATA = "metadata"  # route access: admin or VIEWCLUSTERMETADATA

SESSION_HEADER = "x-cockroach-api-session"

# restart_safety: the state's counter -> the JSON key served (zero counters are omitted)
RESTART_SAFETY_FIELDS = (("unavailable", "unavailable_range_count"),
                         ("underreplicated", "underreplicated_range_count"),
                         ("raft_leaderships", "raft_leadership_on_node_count"),
                         ("stores_not_draining", "store_not_draining_count"))
RESTART_SAFETY_SHAPES = ("counters", "replicas")


class ClusterAPI:
    """One object for all nodes; ``handle(req)`` answers a request made to node ``req.node_id``."""

    def __init__(self, state: ClusterState, router: Router, restart_safety_shape: str = "counters"):
        self.s = state
        self.router = router
        self.restart_safety_shape = restart_safety_shape

    def handle(self, req: Request) -> Response:
        resp = self._handle(req)
        resp.headers.setdefault("Cache-control", "no-cache")
        return resp

    def _handle(self, req: Request) -> Response:
        remote = req.q("remote_node_id")
        if remote is None:
            for part in (req.header("cookie") or "").split(";"):
                k, _sep, v = part.strip().partition("=")
                if k == "remote_node_id":
                    remote = v
        if remote not in (None, "", "local"):
            try:
                target = int(remote)
                if target <= 0:
                    raise ValueError
            except ValueError:
                return text(400, "invalid remote_node_id: %s" % remote)
            if target != req.node_id:
                if target not in self.s.nodes:
                    # nodeProxy.routeToNode (pkg/server/node_http_router.go): the gossip lookup of the
                    # node's HTTP address fails -> http.Error 400 with the wrapped error text
                    return text(400, "unable to get address for nodeID: %d: unable to look up descriptor for n%d"
                                % (target, target))
                if not self.s.process_up(target):
                    return text(502, "unable to proxy request to node %d: connection refused" % target)
                req = Request(req.method, req.path, req.query, req.headers, req.body, node_id=target)
        match = self.router.match(req.method, req.path)
        if not isinstance(match, RouteMatch):
            return text(404, NOT_FOUND)  # Go's mux: unknown path, no trailing-slash redirect
        user = None
        if match.route.access is not None:
            user, err = self.authenticate(req)
            if err is not None:
                return err
            if match.route.access == METADATA and not self.has_view_metadata(user):
                return text(403, "user not allowed to access this endpoint")
        return match.handler(self, req, user, **match.params)

    # ---- answers for a known path with another method
    def login_other_method(self, req: Request, user) -> Response:
        return text(404, "not found")

    def sql_other_method(self, req: Request, user) -> Response:
        return sql_mod.request_error(405, "only POST supported")

    # ---- auth
    def authenticate(self, req: Request):
        if self.s.insecure:
            return "root", None
        hdr = req.header(SESSION_HEADER)
        if not hdr:
            return None, text(401, "invalid session header")
        if hdr == "cookie":
            tok = self._cookie_token(req)
            if tok is None:
                return None, text(400, "invalid session header")
            try:
                raw = go_b64decode(tok)
            except ValueError:
                return None, text(400, "invalid session header")
        else:
            try:
                raw = go_b64decode(hdr)
            except ValueError as e:
                return None, text(400, str(e))
        try:
            sid, secret = decode_session_cookie(raw)
        except ValueError:
            return None, text(401, "the provided authentication session could not be validated")
        user = self.s.validate_session(sid, secret)
        if user is None:
            return None, text(401, "the provided authentication session could not be validated")
        return user, None

    @staticmethod
    def _cookie_token(req: Request) -> Optional[str]:
        cookies = {}
        for part in (req.header("cookie") or "").split(";"):
            k, sep, v = part.strip().partition("=")
            if sep:
                cookies[k] = v
        val = cookies.get("session")
        if not val:
            return None
        if "," in val:
            parts = val.split(",")
            want = cookies.get("tenant") or "system"
            pairs = list(zip(parts[0::2], parts[1::2]))
            for tok, tenant in pairs:
                if tenant == want:
                    return tok
            return None
        return val

    def has_view_metadata(self, user: str) -> bool:
        u = self.s.users.get(user)
        return bool(u and (u["admin"] or u["viewmeta"]))

    def is_admin(self, user: str) -> bool:
        u = self.s.users.get(user)
        return bool(u and u["admin"])

    # ---- login / logout
    def login(self, req: Request, user) -> Response:
        form: Dict[str, List[str]] = {}
        ctype = (req.header("content-type") or "").split(";")[0].strip().lower()
        if ctype == "application/x-www-form-urlencoded" and req.body:
            try:
                form = parse_qs(req.body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                return generic_500()
        for k, v in req.query.items():
            form.setdefault(k, []).extend(v)
        username = (form.get("username") or [""])[0]
        password = (form.get("password") or [""])[0]
        logged = {k: (v[0] if len(v) == 1 else v) for k, v in form.items()} if form else None
        if not username:
            r = text(400, "username not specified")
            r.logged_body = logged
            return r
        name = username.lower()
        u = self.s.users.get(name)
        bad = text(401, "the provided credentials did not match any account on the server")
        bad.logged_body = logged
        if u is None or u["is_role"] or not u["password"]:
            return bad
        if u["expired"]:
            r = text(401, "the password has expired")
            r.logged_body = logged
            return r
        if not password or not hmac.compare_digest(password.encode(), u["password"].encode()):
            return bad
        tok = self.s.create_session(name)
        r = go_json(200, {"session": tok})
        r.logged_body = logged
        return r

    def logout(self, req: Request, user) -> Response:
        hdr = req.header(SESSION_HEADER)
        if not hdr:
            return text(400, "invalid or unspecified session")
        try:
            sid, _sig = decode_session_cookie(go_b64decode(hdr))
        except ValueError:
            return generic_500()
        if not self.s.revoke_session(sid):
            return text(400, "invalid session")
        return go_json(200, {"logged_out": True})

    # ---- health
    def health(self, req: Request, user) -> Response:
        v = req.q("ready")
        ready = False
        if v:
            try:
                ready = parse_go_bool(v)
            except ValueError:
                return text(400, "invalid ready value")
        if not ready:
            return go_json(200, {})
        ok = self.s.readiness(req.node_id)[0]
        if not ok:
            return generic_500()
        return go_json(200, {})

    def v1_health(self, req: Request, user=None) -> Response:
        v = req.q("ready")
        ready = False
        if v:
            try:
                ready = parse_go_bool(v)
            except ValueError:
                msg = 'parsing field "ready": strconv.ParseBool: parsing "%s": invalid syntax' % v
                return Response(400, json.dumps({"error": msg, "code": 3, "message": msg, "details": []},
                                                separators=(",", ":")).encode(),
                                {"Content-Type": "application/json"})
        if ready:
            ok, reason = self.s.readiness(req.node_id)
            if not ok:
                return Response(503, json.dumps({"error": reason, "code": 14, "message": reason, "details": []},
                                                separators=(",", ":")).encode(),
                                {"Content-Type": "application/json"})
        return Response(200, b"{\n\n}", {"Content-Type": "application/json"})

    def restart_safety(self, req: Request, user) -> Response:
        """``GET /api/v2/health/restart_safety/``: may the node that receives the request be terminated now?

        What was read (cockroachdb/cockroach ``pkg/server``; reference 5.3) and what was not:

        * v25.4 (PR #142930) answers **503 while unsafe, 200 when safe** (TestRestartSafetyV2: a fresh node
          503, after a drain 200) with a ``RestartSafetyResponse`` of counters, a Go struct of package
          ``server`` with fields ``IsRestartSafe``, ``UnavailableRangeCount``, ``UnderreplicatedRangeCount``,
          ``RaftLeadershipOnNodeCount``, ``StoreNotDrainingCount`` (int32; TestCheckRestartSafe_*: an
          undrained one-store node has leaderships > 0 and ``StoreNotDrainingCount == 1``; a drained node whose
          peer is down has ``UnderreplicatedRangeCount > 0`` and the other counters 0). The handler and the
          struct's JSON tags were not in any copy read.  Served here: snake_case keys (the other v2 structs
          carry snake_case tags) with zero counters and a false ``is_restart_safe`` **omitted** (the harsher
          case: a client must read an absent counter as 0 and decide on the status code).  Without tags Go
          would write the field names with every zero present; the collection reads both spellings.
        * ``checkRestartSafe`` takes an ``allowMinimumQuorum`` flag; the query parameter that sets it was not
          found, so none is honoured here (the harsher case: the strict check).
        * Auth: the only route table read (a later master with the unmerged replica-list variant) registers
          the route without auth; how v25.4 registers it was not read, and CockroachDB's own test calls it
          with an admin client.  Modelled harsher: a session is required (401 without) and admin or
          VIEWCLUSTERMETADATA (403 otherwise), as for every other route that reveals ranges.
        * Not modelled: 500 ``Error checking store status``, 501 on a non-system tenant.

        ``--restart-safety-shape replicas`` (or ``POST /_emulator/restart_safety``) serves the replica list of
        the unmerged variant instead (``is_critical``, ``node_id``, ``replicas[]``), which no release serves.
        """
        nid = req.node_id
        if self.restart_safety_shape == "replicas":
            reps = self.s.restart_blockers(nid)
            if reps:
                return go_json(503, {"is_critical": True, "node_id": nid, "replicas": reps})
            return go_json(200, {"node_id": nid})
        counts = self.s.restart_safety_counts(nid)
        safe = not any(counts.values())
        body = {"is_restart_safe": True} if safe else {}
        for key, field in RESTART_SAFETY_FIELDS:
            if counts[key]:
                body[field] = counts[key]
        return go_json(200 if safe else 503, body)

    def status_vars(self, req: Request, user=None) -> Response:
        st = self.s.nodes_snapshot([req.node_id])[0]
        lines = []
        for k, v in sorted(st["metrics"].items()):
            name = re.sub(r"[^a-zA-Z0-9_]", "_", k)
            lines.append("# HELP %s %s\n# TYPE %s gauge\n%s %s" % (name, k, name, name, v))
        for sid, m in sorted(st["store_metrics"].items()):
            for k, v in sorted(m.items()):
                name = re.sub(r"[^a-zA-Z0-9_]", "_", k)
                lines.append('%s{store="%s"} %s' % (name, sid, v))
        return Response(200, ("\n".join(lines) + "\n").encode(),
                        {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})

    def rules(self, req: Request, user) -> Response:
        return Response(200, RULES_YAML.encode(), {"Content-Type": "text/plain; charset=utf-8"})

    # ---- nodes and ranges
    def nodes(self, req: Request, user) -> Response:
        ids = sorted(self.s.nodes)
        page, nxt = page_offset_memory(ids, req)
        nodes = self.s.nodes_snapshot(page) if page else None
        out: Dict[str, Any] = {"nodes": nodes}
        if nxt:
            out["next"] = nxt
        return go_json(200, out)

    def _parse_node_id(self, v: str, local: int) -> Optional[int]:
        if v == "local":
            return local
        n = go_atoi(v)
        if n is None or n <= 0:
            return None
        return n

    def _range_info(self, i: int, nid: int, view, zero: bool = False) -> Dict[str, Any]:
        s, R = self.s, self.ranges
        if zero:
            return {"desc": {"range_id": 0, "store_id": 0, "queries_per_second": 0}, "span": {},
                    "lease_history": None, "problems": {}, "stats": {}}
        eff, rstate = view.leaseholder, view.range_state
        lh = eff.get(i, R.lh[i])
        sp, ep, sb, eb = R.span(i)
        reps = R.replicas(i)
        wall = s.clock.time()
        is_lh = lh == nid
        qps = R.qps[i]
        stats: Dict[str, Any] = {}
        if is_lh:
            wf = 0.15 + (i * 7 % 40) / 100.0
            stats = {"queries_per_second": qps, "writes_per_second": round(qps * wf, 3),
                     "requests_per_second": round(qps * 1.1, 3), "reads_per_second": round(qps * (1 - wf), 3),
                     "write_bytes_per_second": round(qps * wf * 512, 1),
                     "read_bytes_per_second": round(qps * (1 - wf) * 2048, 1),
                     "cpu_time_per_second": round(qps * 45000, 1)}
        problems = {}
        st = rstate.get(i)
        if st and is_lh:
            if st[0]:
                problems["underreplicated"] = True
            if st[1]:
                problems["unavailable"] = True
        lease = {"start": {"wall_time": int((wall - 600 - i % 500) * 1e9), "logical": 0},
                 "expiration": None,
                 "replica": {"node_id": lh, "store_id": s.store_of(lh, i) if lh else 0,
                             "replica_id": reps.index(lh) + 1 if lh in reps else 0, "type": 0},
                 "proposed_ts": {"wall_time": int((wall - 600 - i % 500) * 1e9), "logical": 0},
                 "epoch": 1, "sequence": 3, "acquisition_type": 2}
        info: Dict[str, Any] = {
            "desc": {"range_id": i + 1, "start_key": base64.b64encode(sb).decode(),
                     "end_key": base64.b64encode(eb).decode(), "store_id": 0, "queries_per_second": 0},
            "span": {"start_key": sp, "end_key": ep},
            "source_node_id": nid,
            "source_store_id": s.store_of(nid, i),
            "lease_history": [lease],
            "problems": problems,
            "stats": stats,
        }
        if qps < 1.0 and not st:
            info["quiescent"] = True
        else:
            info["ticking"] = True
        return info

    @property
    def ranges(self):
        return self.s.ranges

    def node_ranges(self, req: Request, user, node_id: str) -> Response:
        nid = self._parse_node_id(node_id, req.node_id)
        if nid is None:
            return text(400, "invalid node ID")
        if nid not in self.s.nodes or not self.s.process_up(nid):
            return generic_500()
        wanted = None
        rq = req.q("ranges")
        if rq:
            wanted = set()
            for part in rq.split(","):
                r = go_atoi(part.strip())
                if r is None:
                    return text(400, "invalid range ID")
                wanted.add(r)
        with self.s.lock:
            idx = self.s.node_ranges[nid]
            if wanted is not None:
                idx = [i for i in idx if i + 1 in wanted]
            page, nxt = page_offset_memory(idx, req)
            view = self.s.replication_view(self.s.clock.monotonic())
            infos = [self._range_info(i, nid, view) for i in page]
        out: Dict[str, Any] = {"ranges": infos}
        if nxt:
            out["next"] = nxt
        return go_json(200, out)

    def range(self, req: Request, user, range_id: str) -> Response:
        rid = int(range_id)
        s = self.s
        out: Dict[str, Any] = {}
        with s.lock:
            now = s.clock.monotonic()
            view = s.replication_view(now)
            reps = s.ranges.replicas(rid - 1) if 1 <= rid <= s.ranges.count else []
            for nid in sorted(s.nodes):
                if not s.process_up(nid, now):
                    host, port = s.nodes[nid].http_addr
                    out[str(nid)] = {"range_info": self._range_info(0, nid, view, zero=True),
                                     "error": "failed to dial into node %d (class=default): connection refused"
                                              % nid}
                elif nid in reps:
                    out[str(nid)] = {"range_info": self._range_info(rid - 1, nid, view)}
        return go_json(200, {"responses_by_node_id": out})

    def _hot_list(self, nid: int, view) -> List[Dict[str, Any]]:
        s, R = self.s, self.s.ranges
        eff = view.leaseholder
        mine = [i for i in range(nid - 1, R.count, s.n) if eff.get(i, nid) == nid]
        mine += [i for i, lh in eff.items() if lh == nid]
        by_store: Dict[int, List[int]] = {}
        for i in mine:
            by_store.setdefault(s.store_of(nid, i), []).append(i)
        out = []
        for sid in sorted(by_store):
            top = sorted(by_store[sid], key=lambda i: -R.qps[i])[:HOT_RANGES_PER_STORE]
            for i in top:
                db, schema, table, index, tid = R.table_info(i)
                qps = R.qps[i]
                wf = 0.15 + (i * 7 % 40) / 100.0
                out.append({"range_id": i + 1, "node_id": nid, "qps": qps,
                            "writes_per_second": round(qps * wf, 3), "reads_per_second": round(qps * (1 - wf), 3),
                            "write_bytes_per_second": round(qps * wf * 512, 1),
                            "read_bytes_per_second": round(qps * (1 - wf) * 2048, 1),
                            "cpu_time_per_second": round(qps * 45000, 1),
                            "leaseholder_node_id": nid, "databases": [db], "tables": [table],
                            "indexes": [index], "schema_name": "", "replica_node_ids": sorted(R.replicas(i)),
                            "store_id": sid})
        return out

    def hot_ranges(self, req: Request, user) -> Response:
        s = self.s
        nq = req.q("node_id")
        targets = sorted(s.nodes)
        if nq:
            nid = self._parse_node_id(nq, req.node_id)
            if nid is None:
                return text(400, "invalid node ID")
            targets = [nid]
        limit = go_atoi(req.q("limit"))
        with s.lock:
            now = s.clock.monotonic()
            view = s.replication_view(now)
            cache: Dict[int, list] = {}

            def fetch(nid):
                if nid not in s.nodes or not s.process_up(nid, now):
                    raise NodeUnreachable("failed to dial into node %d (class=default): connection refused" % nid)
                if nid not in cache:
                    cache[nid] = self._hot_list(nid, view)
                return cache[nid]
            items, errs, nxt = paginate_fanout(targets, fetch, limit, req.q("start"))
        out: Dict[str, Any] = {"ranges": items or None}
        if errs:
            out["response_error"] = [{"error_message": m, "node_id": n} for n, m in errs]
        out["next"] = nxt
        return go_json(200, out)

    def sessions(self, req: Request, user) -> Response:
        s = self.s
        uname = req.q("username")
        excl = req.q("exclude_closed_sessions") == "true"
        limit = go_atoi(req.q("limit"))
        with s.lock:
            now = s.clock.monotonic()

            def fetch(nid):
                if not s.process_up(nid, now):
                    raise NodeUnreachable("failed to dial into node %d (class=default): connection refused" % nid)
                lst = s.node_sql_sessions(nid)
                if uname:
                    lst = [x for x in lst if x["username"] == uname]
                if excl:
                    lst = [x for x in lst if x.get("status") != 1]
                return lst
            items, errs, nxt = paginate_fanout(sorted(s.nodes), fetch, limit, req.q("start"))
        return go_json(200, {"sessions": items, "errors": [{"message": m, "node_id": n} for n, m in errs],
                             "internal_app_name_prefix": "$ internal", "next": nxt})

    # ---- SQL schema endpoints
    def events(self, req: Request, user) -> Response:
        typ = req.q("type")
        with self.s.lock:
            evs = list(reversed(self.s.events))
        if typ:
            evs = [e for e in evs if e["event_type"] == typ]
        page, nxt = page_offset_sql(evs, req)
        out: Dict[str, Any] = {"events": page or None}
        if nxt is not None:
            out["next"] = nxt
        return go_json(200, out)

    def users(self, req: Request, user) -> Response:
        if not self.is_admin(user):
            # runs as the caller: no SELECT on system.users -> SQL error -> generic 500
            return generic_500()
        names = sorted(u for u, rec in self.s.users.items() if not rec["is_role"])
        page, nxt = page_offset_sql(names, req)
        out: Dict[str, Any] = {"users": [{"username": u} for u in page] or None}
        if nxt is not None:
            out["next"] = nxt
        return go_json(200, out)

    def _visible_dbs(self, user: str) -> List[str]:
        dbs = sorted(seed_mod.DATABASES)
        if self.is_admin(user):
            return dbs
        out = []
        for db in dbs:
            grantees = {g["user"] for g in seed_mod.db_grants(db)}
            if user in grantees or "public" in grantees:
                out.append(db)
        return out

    def databases(self, req: Request, user) -> Response:
        page, nxt = page_offset_memory(self._visible_dbs(user), req)
        out: Dict[str, Any] = {}
        if page:
            out["databases"] = page
        if nxt:
            out["next"] = nxt
        return go_json(200, out)

    def database(self, req: Request, user, database: str) -> Response:
        if database not in seed_mod.DATABASES:
            return text(404, "database not found")
        return go_json(200, {"descriptor_id": seed_mod.DATABASES[database]})

    def db_grants(self, req: Request, user, database: str) -> Response:
        if database not in seed_mod.DATABASES:
            return text(404, "database not found")
        page, nxt = page_offset_sql(seed_mod.db_grants(database), req)
        out: Dict[str, Any] = {"grants": page or None}
        if nxt is not None:
            out["next"] = nxt
        return go_json(200, out)

    def _tables_of(self, database: str):
        if database == "system":
            return [("public", t) for t in seed_mod.SYSTEM_TABLES]
        return [(t[1], t[2]) for t in seed_mod.TABLES if t[0] == database]

    def db_tables(self, req: Request, user, database: str) -> Response:
        if database not in seed_mod.DATABASES:
            return text(404, "database not found")
        rows = sorted(self._tables_of(database), key=lambda st: (st[1], st[0]))
        names = ["%s.%s" % (seed_mod.quote_ident(sch), seed_mod.quote_ident(t)) for sch, t in rows]
        page, nxt = page_offset_sql(names, req)
        out: Dict[str, Any] = {}
        if page:
            out["table_names"] = page
        if nxt is not None:
            out["next"] = nxt
        return go_json(200, out)

    def table_details(self, req: Request, user, database: str, table: str) -> Response:
        if database not in seed_mod.DATABASES:
            return text(404, "database or table not found")
        schema, _sep, tname = table.rpartition(".")
        schema = schema or "public"
        found = [t for t in seed_mod.TABLES if t[0] == database and t[1] == schema and t[2] == tname]
        if not found:
            return text(404, "database or table not found")
        db, schema, tname, tid, cols, idx = found[0]
        R = self.s.ranges
        rcount = sum(1 for i in range(R.count) if R.table[i] >= 0 and seed_mod.TABLES[R.table[i]][3] == tid)
        total = rcount * 48 * 1024 ** 2 + tid * 1000
        columns = []
        for c in cols:
            col = {"name": c["name"], "type": c["type"]}
            if c["nullable"]:
                col["nullable"] = True
            if c["default_value"]:
                col["default_value"] = c["default_value"]
            if c["hidden"]:
                col["hidden"] = True
            columns.append(col)
        if not any(i[0].endswith("_pkey") and "rowid" in i[2] for i in idx):
            pass
        zone = {"range_min_bytes": 134217728, "range_max_bytes": 536870912, "gc": {"ttl_seconds": 14400},
                "global_reads": None, "num_replicas": 3, "num_voters": None, "constraints": [],
                "voter_constraints": [], "inherited_constraints": True, "null_voter_constraints_is_empty": False,
                "lease_preferences": [], "inherited_lease_preferences": True, "subzones": [], "subzone_spans": []}
        out = {
            "grants": seed_mod.table_grants(db, schema, tname),
            "columns": columns,
            "indexes": [dict(r) for r in seed_mod.index_rows(idx, cols)],
            "range_count": max(1, rcount),
            "create_table_statement": seed_mod.create_table_statement(schema, tname, cols, idx),
            "zone_config": zone,
            "zone_config_level": 1,
            "descriptor_id": tid,
            "stats_last_created_at": seed_mod.rfc3339(self.s._boot_wall - 1800 - tid),
            "data_total_bytes": total,
            "data_live_bytes": int(total * 0.85),
            "data_live_percentage": 85.0,
        }
        for r in out["indexes"]:
            for k in ("storing", "implicit"):
                if not r.get(k):
                    r.pop(k, None)
        return go_json(200, out)

    def sql(self, req: Request, user) -> Response:
        """POST /api/v2/sql/: emulator/cluster/sql.py (statements it answers, errors as the real handler)."""
        return sql_mod.handle_http(self.s, req, user)
