"""Wiring of the emulator (listeners, APIs, ticker) and the control API.

The control API is plain JSON over HTTP on its own listener, without auth and
without fault injection.  Paths are listed in docs/emulator.md.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional

from emulator.cloud import CloudAPI
from emulator.cluster import ClusterState, cluster_api
from emulator.cluster.handlers import RESTART_SAFETY_SHAPES
from emulator.core import Clock, Request, Response
from emulator.routing import ANY, Route, RouteMatch, Router
from emulator.server import Faults, Server


class BadRequest(Exception):
    pass


class Emulator:
    """The whole emulator: Cloud API, N nodes, control API, faults, request log and clock.

    ``server_factory`` owns the listeners: :class:`emulator.server.Server` binds sockets;
    :class:`emulator.inprocess.VirtualServer` only records them (no sockets)."""

    def __init__(self, args, server_factory=Server, clock: Optional[Clock] = None):
        self.args = args
        self.clock = clock if clock is not None else Clock()
        self.initial_faults = (args.fault_rate, args.fault_kinds, args.seed)
        self.faults = Faults(*self.initial_faults)
        self.server = server_factory(args.host, tls=args.tls, faults=self.faults)
        self.cloud = CloudAPI(args.api_key, rate_limit=args.rate_limit, create_seconds=args.create_seconds,
                              update_seconds=args.update_seconds, lock_status=args.lock_status,
                              clock=self.clock, seed=args.seed)
        self.cluster = ClusterState(
            nodes=args.nodes, seed=args.seed, clock=self.clock,
            admin_user=args.admin_user, admin_password=args.admin_password,
            insecure=args.insecure, ranges_per_node=args.ranges_per_node,
            stores_per_node=args.stores_per_node, build_tag=args.build_tag,
            cluster_name=args.cluster_name, liveness_expiry=args.liveness_expiry,
            time_until_store_dead=args.time_until_store_dead, catchup_seconds=args.catchup_seconds,
            unready_seconds=args.unready_seconds, drain_seconds=args.drain_seconds,
            ready_delay=args.ready_delay, host=args.host, finalize_seconds=args.finalize_seconds,
            status_interval=args.status_interval)
        self.cluster_api = cluster_api(self.cluster, restart_safety_shape=self._initial_shape())
        self.cloud_listener = self.server.add_listener("cloud", args.cloud_port, self._cloud_handle)
        base = args.node_port_base
        for nid in range(1, args.nodes + 1):
            port = base + nid - 1 if base else 0
            lst = self.server.add_listener("cluster", port, self.cluster_api.handle, node_id=nid)
            self.cluster.set_http_addr(nid, lst.host, lst.port)
        self.control_listener = self.server.add_listener("control", getattr(args, "control_port", 0), self.handle)
        self._ticker_stop = threading.Event()
        self._sync_lock = threading.Lock()

    def _cloud_handle(self, req: Request) -> Response:
        return self.cloud.handle(req)

    # ---- lifecycle
    def start(self) -> None:
        self.server.start()
        threading.Thread(target=self._ticker, name="emulator-ticker", daemon=True).start()

    def shutdown(self) -> None:
        self._ticker_stop.set()
        self.server.shutdown()

    def ready_info(self) -> Dict[str, Any]:
        return {
            "cloud_url": self.cloud_listener.url,
            "node_urls": [self.server.node_listeners[n].url for n in sorted(self.server.node_listeners)],
            "control_url": self.control_listener.url,
            "api_key": self.args.api_key,
            "admin_user": self.args.admin_user,
            "admin_password": self.args.admin_password,
            "ca_cert": self.server.tls_paths["ca_cert"] if self.server.tls_paths else None,
        }

    def _ticker(self) -> None:
        while not self._ticker_stop.wait(0.02):
            try:
                self.sync()
            except Exception:  # noqa: BLE001 - keep ticking
                import traceback
                traceback.print_exc()

    def sync(self, node_ids=None) -> None:
        """Open/close node listeners so that they match the node processes' state."""
        with self._sync_lock:
            ids = set(node_ids or ()) | self.cluster.advance()
            for nid in sorted(ids):
                lst = self.server.node_listeners.get(nid)
                if lst is None:
                    continue
                want = self.cluster.process_up(nid)
                if want and not lst.up:
                    self.server.open_listener(lst)
                elif not want and lst.up:
                    self.server.close_listener(lst)

    # ---- control API (routes: CONTROL_ROUTES below the class)
    def handle(self, req: Request) -> Response:
        try:
            match = CONTROL_ROUTER.match(req.method, req.path)
            if isinstance(match, RouteMatch):
                return match.handler(self, req, **match.params)
            if match.allowed:
                return Response.json(405, {"error": "use %s" % " or ".join(match.allowed)})
            return Response.json(404, {"error": "unknown control path: %s %s" % (req.method, req.path)})
        except BadRequest as e:
            return Response.json(400, {"error": str(e)})
        except (KeyError, LookupError) as e:
            return Response.json(404, {"error": "not found: %s" % (e.args[0] if e.args else req.path)})

    def _body(self, req: Request) -> Dict[str, Any]:
        if not req.body.strip():
            return {}
        try:
            body = req.json()
        except ValueError as e:
            raise BadRequest("body is not valid JSON: %s" % e)
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        return body

    def c_cloud(self, req: Request, rest: str = "") -> Response:
        return self.cloud.control(req)

    def c_list_requests(self, req: Request) -> Response:
        try:
            since = int(req.q("since") or 0)
        except ValueError:
            raise BadRequest("since must be an integer")
        take = (req.q("take") or "").lower()
        if take not in ("", "0", "false", "1", "true"):
            raise BadRequest("take must be true or false")
        # take=true: read and empty the log in one step (what a test does between two stages, in one request)
        entries = self.server.log.list(since=since, api=req.q("api") or None, clear=take in ("1", "true"))
        return Response.json(200, {"requests": entries, "last_seq": self.server.log.last_seq})

    def c_clear_requests(self, req: Request) -> Response:
        return Response.json(200, {"deleted": self.server.log.clear()})

    def c_node_action(self, req: Request, node_id: str, action: str) -> Response:
        nid = int(node_id)
        self._node(nid)
        body = self._body(req)
        try:
            if action == "stop":
                self.cluster.stop(nid)
            elif action == "start":
                self.cluster.start(nid, build_tag=body.get("build_tag"))
            elif action == "drain":
                self.cluster.drain(nid, unready_seconds=_num(body, "unready_seconds", None))
            else:
                downtime = _num(body, "downtime", 1.0)
                if downtime < 0:
                    raise BadRequest("downtime must be >= 0")
                self.cluster.restart(nid, downtime=downtime, fail=bool(body.get("fail", False)),
                                     build_tag=body.get("build_tag"),
                                     unready_seconds=_num(body, "unready_seconds", None),
                                     drain_seconds=_num(body, "drain_seconds", None),
                                     ready_delay=_num(body, "ready_delay", None))
        except ValueError as e:
            raise BadRequest(str(e))
        self.sync([nid])
        return Response.json(200, self.cluster.node_summary(nid, self.server.node_listeners[nid]))

    def c_get_node(self, req: Request, node_id: str) -> Response:
        nid = int(node_id)
        self._node(nid)
        return Response.json(200, self.cluster.node_summary(nid, self.server.node_listeners[nid]))

    def c_patch_node(self, req: Request, node_id: str) -> Response:
        nid = int(node_id)
        self._node(nid)
        try:
            self.cluster.patch(nid, self._body(req))
        except ValueError as e:
            raise BadRequest(str(e))
        return Response.json(200, self.cluster.node_summary(nid, self.server.node_listeners[nid]))

    def c_node_other_method(self, req: Request, node_id: str) -> Response:
        self._node(int(node_id))  # an unknown node is 404 whatever the method
        return Response.json(405, {"error": "use GET or PATCH"})

    def c_sql(self, req: Request) -> Response:
        """``cockroach sql --execute`` on one node (emulator/cluster/sql.py run_cli)."""
        body = self._body(req)
        unknown = sorted(set(body) - {"sql", "node_id", "user"})
        if unknown:
            raise BadRequest("unknown field(s): %s (allowed: sql, node_id, user)" % ", ".join(unknown))
        sql = body.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise BadRequest("sql must be a non-empty string")
        nid = body.get("node_id", 1)
        if isinstance(nid, bool) or not isinstance(nid, int):
            raise BadRequest("node_id must be an integer")
        self._node(nid)
        user = body.get("user", "root")
        if user not in self.cluster.users or self.cluster.users[user]["is_role"]:
            raise BadRequest("user %r cannot log in" % (user,))
        from emulator.cluster.sql import run_cli
        self.sync()
        with self.cluster.lock:
            status, out = run_cli(self.cluster, sql, nid, user)
        self.sync()
        return Response.json(status, out)

    def c_get_cluster(self, req: Request) -> Response:
        return Response.json(200, self.cluster.describe_versions())

    def c_patch_cluster(self, req: Request) -> Response:
        try:
            self.cluster.patch_versions(self._body(req))
        except ValueError as e:
            raise BadRequest(str(e))
        self.sync()
        return Response.json(200, self.cluster.describe_versions())

    def c_get_faults(self, req: Request) -> Response:
        return Response.json(200, self.faults.describe())

    def c_set_faults(self, req: Request) -> Response:
        body = self._body(req)
        unknown = sorted(set(body) - {"rate", "kinds", "seed", "rules"})
        if unknown:
            raise BadRequest("unknown field(s): %s (allowed: rate, kinds, seed, rules)" % ", ".join(unknown))
        cur = self.faults.describe()
        try:
            rules = Faults.parse_rules(body["rules"]) if "rules" in body else None
            # A body with only "rules" leaves the random faults (and their RNG) alone.
            if rules is None or set(body) & {"rate", "kinds", "seed"}:
                self.faults.configure(body.get("rate", cur["rate"]), body.get("kinds", cur["kinds"]),
                                      body.get("seed", cur["seed"]))
        except (TypeError, ValueError) as e:
            raise BadRequest(str(e))
        if rules is not None:
            self.faults.set_rules(rules)
        return Response.json(200, self.faults.describe())

    def _initial_shape(self) -> str:
        return getattr(self.args, "restart_safety_shape", None) or "counters"

    def c_get_restart_safety(self, req: Request) -> Response:
        return Response.json(200, {"shape": self.cluster_api.restart_safety_shape})

    def c_set_restart_safety(self, req: Request) -> Response:
        body = self._body(req)
        unknown = sorted(set(body) - {"shape"})
        if unknown:
            raise BadRequest("unknown field(s): %s (allowed: shape)" % ", ".join(unknown))
        shape = body.get("shape")
        if shape not in RESTART_SAFETY_SHAPES:
            raise BadRequest("shape must be one of %s, got %r" % (", ".join(RESTART_SAFETY_SHAPES), shape))
        self.cluster_api.restart_safety_shape = shape
        return Response.json(200, {"shape": shape})

    def c_reset(self, req: Request) -> Response:
        self.reset()
        return Response.json(200, {"reset": True})

    def c_state(self, req: Request) -> Response:
        with self.cluster.lock:
            self.cluster.flush_records()
            view = self.cluster.replication_view(self.clock.monotonic())
            nodes = [self.cluster.node_summary(n, self.server.node_listeners[n], view)
                     for n in sorted(self.server.node_listeners)]
        return Response.json(200, {"nodes": nodes, "faults": self.faults.describe(),
                                   "sessions": self.cluster.api_session_count(),
                                   "insecure": self.cluster.insecure,
                                   "clock_offset": self.clock.offset,
                                   "status_interval": self.cluster.status_interval,
                                   "requests_logged": self.server.log.last_seq})

    def c_get_status(self, req: Request) -> Response:
        """The status-record writes (oldest first; ``since`` a seq, ``node_id`` one node) and the interval."""
        try:
            since = int(req.q("since") or 0)
            node_id = int(req.q("node_id")) if req.q("node_id") else None
        except ValueError:
            raise BadRequest("since and node_id must be integers")
        writes = self.cluster.status_writes(since=since, node_id=node_id)
        with self.cluster.lock:
            records = {str(n): {"updated_at": r["updated_at"], "started_at": r["started_at"],
                                "build_tag": r["build_tag"]} for n, r in sorted(self.cluster.records.items())}
        return Response.json(200, {"interval": self.cluster.status_interval, "records": records, "writes": writes,
                                   "last_seq": writes[-1]["seq"] if writes else since})

    def c_set_status(self, req: Request) -> Response:
        body = self._body(req)
        unknown = sorted(set(body) - {"interval"})
        if unknown or "interval" not in body:
            raise BadRequest("the body is {\"interval\": seconds} (0 = records computed per request, kinder than a "
                             "real node)")
        try:
            self.cluster.set_status_interval(body["interval"])
        except ValueError as e:
            raise BadRequest(str(e))
        return Response.json(200, {"interval": self.cluster.status_interval})

    def c_get_clock(self, req: Request) -> Response:
        return Response.json(200, {"offset": self.clock.offset, "time": self.clock.time()})

    def c_advance_clock(self, req: Request) -> Response:
        adv = _num(self._body(req), "advance", 0.0)
        if adv < 0:
            raise BadRequest("advance must be >= 0")
        self.clock.advance(adv)
        self.sync()
        return Response.json(200, {"offset": self.clock.offset, "time": self.clock.time()})

    def _node(self, nid: int) -> None:
        if nid not in self.server.node_listeners:
            raise LookupError("node %d" % nid)

    def reset(self) -> None:
        with self._sync_lock:
            self.clock.offset = 0.0
            self.cluster.reset()
        self.sync(list(self.server.node_listeners))
        self.cloud.reset()
        self.faults.configure(*self.initial_faults)
        self.faults.set_rules([])
        self.cluster_api.restart_safety_shape = self._initial_shape()
        self.server.log.clear()


# The control API: plain JSON, no auth, no faults, not logged.  A trailing slash is optional.
C = Emulator
CONTROL_ROUTES = [
    Route(ANY, "/_emulator/cloud", C.c_cloud),                     # Cloud side: emulator/cloud/routes.py
    Route(ANY, "/_emulator/cloud/{rest:path}", C.c_cloud),
    Route("GET", "/_emulator/requests", C.c_list_requests),
    Route("DELETE", "/_emulator/requests", C.c_clear_requests),
    Route("POST", r"/_emulator/nodes/{node_id:\d+}/{action:stop|start|drain|restart}", C.c_node_action),
    Route("GET", r"/_emulator/nodes/{node_id:\d+}", C.c_get_node),
    Route("PATCH", r"/_emulator/nodes/{node_id:\d+}", C.c_patch_node),
    Route(ANY, r"/_emulator/nodes/{node_id:\d+}", C.c_node_other_method),
    Route("POST", "/_emulator/sql", C.c_sql),
    Route("GET", "/_emulator/cluster", C.c_get_cluster),
    Route("PATCH", "/_emulator/cluster", C.c_patch_cluster),
    Route("GET", "/_emulator/faults", C.c_get_faults),
    Route("POST", "/_emulator/faults", C.c_set_faults),
    Route("POST", "/_emulator/reset", C.c_reset),
    Route("GET", "/_emulator/restart_safety", C.c_get_restart_safety),
    Route("POST", "/_emulator/restart_safety", C.c_set_restart_safety),
    Route(ANY, "/_emulator/state", C.c_state),
    Route("GET", "/_emulator/status", C.c_get_status),
    Route("PATCH", "/_emulator/status", C.c_set_status),
    Route("GET", "/_emulator/clock", C.c_get_clock),
    Route("POST", "/_emulator/clock", C.c_advance_clock),
]
CONTROL_ROUTER = Router(CONTROL_ROUTES, optional_trailing_slash=True)


def _num(body: Dict[str, Any], key: str, default: Optional[float]):
    if key not in body or body[key] is None:
        return default
    v = body[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise BadRequest("%s must be a number" % key)
    return float(v)
