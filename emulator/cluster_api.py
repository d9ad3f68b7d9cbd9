"""CockroachDB Cluster API v2 (``/api/v2/``) for N emulated nodes.

Ground truth: ../shared/reference/cluster-api-v2.md.  Every node serves the
same cluster-wide data from one :class:`ClusterState`; each listener passes
its node id in ``Request.node_id``.  Node processes have a lifecycle
(running, unready, draining, down, back) driven by the control API; liveness,
readiness, lease placement and under-replication are computed from it at
request time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import secrets
import threading
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs

from emulator import cluster_seed as seed_mod
from emulator.core import Clock, Request, Response

GENERIC_500 = "An internal server error has occurred. Please check your CockroachDB logs for more details."
NOT_FOUND = "404 page not found"
SESSION_HEADER = "x-cockroach-api-session"
SESSION_TTL = 7 * 24 * 3600.0
HOT_RANGES_PER_STORE = 128

LIVENESS_NAMES = {0: "UNKNOWN", 1: "DEAD", 2: "UNAVAILABLE", 3: "LIVE", 4: "DECOMMISSIONING",
                  5: "DECOMMISSIONED", 6: "DRAINING"}


def text(status: int, msg: str) -> Response:
    return Response.text(status, msg)


def generic_500() -> Response:
    return Response.text(500, GENERIC_500)


def go_json(status: int, obj: Any) -> Response:
    """Go encoding/json: compact, HTML characters escaped."""
    body = json.dumps(obj, separators=(",", ":"))
    body = body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Response(status, body.encode("utf-8"), {"Content-Type": "application/json"})


# --------------------------------------------------------------------------- Go-compatible helpers

_B64_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_MAP = {c: i for i, c in enumerate(_B64_STD)}


def go_b64decode(s: str) -> bytes:
    """base64.StdEncoding.DecodeString with Go's error positions.

    Raises ValueError('illegal base64 data at input byte N')."""
    def err(n):
        return ValueError("illegal base64 data at input byte %d" % n)
    out = bytearray()
    si = 0
    n = len(s)
    while True:
        if si == n:
            return bytes(out)
        dbuf = [0, 0, 0, 0]
        dlen = 4
        j = 0
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise err(si - j)
            ch = s[si]
            si += 1
            if ch in _B64_MAP:
                dbuf[j] = _B64_MAP[ch]
                j += 1
                continue
            if ch in "\r\n":
                continue
            if ch != "=":
                raise err(si - 1)
            # padding
            if j in (0, 1):
                raise err(si - 1)
            if j == 2:
                while si < n and s[si] in "\r\n":
                    si += 1
                if si == n:
                    raise err(n)
                if s[si] != "=":
                    raise err(si - 1)
                si += 1
            while si < n and s[si] in "\r\n":
                si += 1
            if si < n:
                raise err(si)
            dlen = j
            break
        val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3]
        b = val.to_bytes(3, "big")
        if dlen == 4:
            out += b
        elif dlen == 3:
            out += b[:2]
        else:
            out += b[:1]
        if dlen < 4:
            return bytes(out)


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_session_cookie(sid: int, secret: bytes) -> str:
    raw = b"\x08" + _varint(sid) + b"\x12" + _varint(len(secret)) + secret
    return base64.b64encode(raw).decode()


def decode_session_cookie(raw: bytes) -> Tuple[int, bytes]:
    """Parse serverpb.SessionCookie proto bytes; ValueError on garbage."""
    i, n = 0, len(raw)
    sid, secret = 0, b""

    def read_varint():
        nonlocal i
        shift, val = 0, 0
        while True:
            if i >= n or shift > 63:
                raise ValueError("bad varint")
            b = raw[i]
            i += 1
            val |= (b & 0x7F) << shift
            if not b & 0x80:
                return val
            shift += 7
    if n == 0:
        raise ValueError("empty")
    while i < n:
        key = read_varint()
        field, wt = key >> 3, key & 7
        if wt == 0:
            v = read_varint()
            if field == 1:
                sid = v
        elif wt == 2:
            ln = read_varint()
            if i + ln > n:
                raise ValueError("truncated")
            if field == 2:
                secret = raw[i:i + ln]
            i += ln
        else:
            raise ValueError("bad wire type")
    return sid, secret


def parse_go_bool(v: str) -> Optional[bool]:
    if v in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if v in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise ValueError(v)


def go_atoi(v: Optional[str]) -> Optional[int]:
    if v is None:
        return None
    if not re.fullmatch(r"[+-]?[0-9]+", v):
        return None
    return int(v)


# --------------------------------------------------------------------------- pagination

def _limit_offset(req: Request):
    """``limit`` (None when absent or not positive: no paging) and ``offset`` (0 when absent or negative)."""
    limit = go_atoi(req.q("limit"))
    if limit is None or limit <= 0:
        return None, 0
    offset = go_atoi(req.q("offset"))
    return limit, (offset if offset is not None and offset >= 0 else 0)


def page_offset_memory(items: list, req: Request):
    """§10.1: returns (page, next or None)."""
    limit, offset = _limit_offset(req)
    if limit is None:
        return items, None
    page = items[offset:offset + limit]
    nxt = offset + limit if offset + limit < len(items) else None
    return page, nxt


def page_offset_sql(items: list, req: Request):
    """§10.2: next = offset + len(page) whenever the page is full."""
    limit, offset = _limit_offset(req)
    if limit is None:
        return items, None
    page = items[offset:offset + limit]
    nxt = offset + len(page) if len(page) >= limit else None
    return page, nxt


def encode_fanout_token(done: List[int], in_progress: int, index: int, remaining: List[int]) -> str:
    s = "%s|%d|%d|%s" % ("".join("%d," % n for n in done), in_progress, index,
                         "".join("%d," % n for n in remaining))
    return base64.urlsafe_b64encode(s.encode()).decode()


def decode_fanout_token(tok: str):
    try:
        s = base64.urlsafe_b64decode(tok.encode("ascii")).decode("ascii")
        parts = s.split("|")
        if len(parts) != 4:
            raise ValueError

        def ids(x):
            return [int(v) for v in x.split(",") if v != ""]
        return ids(parts[0]), int(parts[1]), int(parts[2]), ids(parts[3])
    except (ValueError, UnicodeError, TypeError):
        return None


def paginate_fanout(node_ids: List[int], fetch, limit: Optional[int], start: Optional[str]):
    """§10.3 token pagination over nodes in ascending id order.

    fetch(node_id) -> list of items, or raises NodeUnreachable.  Returns
    (items, errors[(node_id, message)], next_token)."""
    items: list = []
    errors: list = []
    if limit is None or limit <= 0:
        for nid in node_ids:
            try:
                items.extend(fetch(nid))
            except NodeUnreachable as e:
                errors.append((nid, str(e)))
        return items, errors, encode_fanout_token([], 0, 0, [])
    state = decode_fanout_token(start) if start else None
    if state is None:
        done, in_prog, idx, remaining = [], 0, 0, list(node_ids)
    else:
        done, in_prog, idx, remaining = state
    left = limit
    while left > 0:
        if in_prog == 0:
            if not remaining:
                break
            in_prog, idx = remaining.pop(0), 0
        try:
            lst = fetch(in_prog)
        except NodeUnreachable as e:
            errors.append((in_prog, str(e)))
            done.append(in_prog)
            in_prog, idx = 0, 0
            continue
        chunk = lst[idx:idx + left]
        items.extend(chunk)
        left -= len(chunk)
        end = idx + len(chunk)
        if end >= len(lst):
            done.append(in_prog)
            in_prog, idx = 0, 0
        else:
            idx = end
    return items, errors, encode_fanout_token(done, in_prog, idx, remaining)


class NodeUnreachable(Exception):
    pass


# --------------------------------------------------------------------------- state

class Node:
    def __init__(self, nid: int):
        self.id = nid
        self.reset_runtime()
        self.build_tag = ""
        self.locality: List[Dict[str, str]] = []
        self.http_addr = ("127.0.0.1", 0)

    def reset_runtime(self):
        self.stopped_at: Optional[float] = None      # monotonic, hard stop
        self.stop_draining = False                   # liveness draining flag at stop time
        self.drain_started: Optional[float] = None   # control drain
        self.drain_unready = 0.5
        self.plan: Optional[Dict[str, Any]] = None   # restart plan
        self.came_back: Optional[float] = None       # monotonic time the process came back
        self.ready_at = 0.0                          # monotonic; ready only after this
        self.liveness_override: Optional[int] = None
        self.ready_override: Optional[bool] = None
        self.manual_store: Dict[int, Dict[str, float]] = {}
        self.extra_metrics: Dict[str, float] = {}
        self.down_wall: Optional[float] = None       # wall time the process stopped


class ClusterState:
    def __init__(self, nodes: int = 3, seed: int = 0, clock: Optional[Clock] = None, admin_user: str = "root",
                 admin_password: str = "", insecure: bool = False, ranges_per_node: int = 50,
                 stores_per_node: int = 1, build_tag: str = "v25.4.1", cluster_name: str = "",
                 liveness_expiry: float = 1.5, time_until_store_dead: float = 30.0, catchup_seconds: float = 1.0,
                 unready_seconds: float = 0.5, drain_seconds: float = 0.5, ready_delay: float = 0.0,
                 host: str = "127.0.0.1"):
        self.clock = clock or Clock()
        self.n = nodes
        self.seed = seed
        self.insecure = insecure
        self.admin_user = admin_user.lower()
        self.admin_password = admin_password
        self.spn = max(1, stores_per_node)
        self.default_build_tag = build_tag
        self.cluster_name = cluster_name
        self.liveness_expiry = liveness_expiry
        self.time_until_store_dead = max(time_until_store_dead, liveness_expiry)
        self.catchup_seconds = catchup_seconds
        self.unready_seconds = unready_seconds
        self.drain_seconds = drain_seconds
        self.ready_delay = ready_delay
        self.host = host
        self.lock = threading.RLock()
        self.users = seed_mod.sql_users(admin_user, admin_password)
        self.nodes: Dict[int, Node] = {i: Node(i) for i in range(1, nodes + 1)}
        self.ranges = seed_mod.Ranges(seed, nodes, ranges_per_node, self.region_of)
        self._index_ranges()
        self._boot_wall = self.clock.time()
        self.reset()

    # ---- static layout
    def region_of(self, nid: int) -> str:
        return seed_mod.REGIONS[(nid - 1) % 3]

    def zone_of(self, nid: int) -> str:
        return "%s-%s" % (self.region_of(nid), seed_mod.ZONES[((nid - 1) // 3) % 3])

    def store_ids(self, nid: int) -> List[int]:
        return [(nid - 1) * self.spn + j + 1 for j in range(self.spn)]

    def store_of(self, nid: int, ridx: int) -> int:
        return (nid - 1) * self.spn + (ridx % self.spn) + 1

    def _index_ranges(self) -> None:
        R = self.ranges
        self.node_ranges: Dict[int, List[int]] = {i: [] for i in range(1, self.n + 1)}
        self.store_replicas: Dict[int, int] = {}
        self.store_leases: Dict[int, int] = {}
        self.store_lease_qps: Dict[int, float] = {}
        spn = self.spn
        nr = self.node_ranges
        for k in range(R.nrep):
            col = R.rep[k]
            for i in range(R.count):
                nr[col[i]].append(i)
        for nid, lst in nr.items():
            lst.sort()
            for i in lst:
                sid = (nid - 1) * spn + (i % spn) + 1
                self.store_replicas[sid] = self.store_replicas.get(sid, 0) + 1
        lh, qps = R.lh, R.qps
        for i in range(R.count):
            sid = (lh[i] - 1) * spn + (i % spn) + 1
            self.store_leases[sid] = self.store_leases.get(sid, 0) + 1
            self.store_lease_qps[sid] = self.store_lease_qps.get(sid, 0.0) + qps[i]

    def set_http_addr(self, nid: int, host: str, port: int) -> None:
        self.nodes[nid].http_addr = (host, port)

    # ---- reset
    def reset(self) -> None:
        with self.lock:
            now_wall = self.clock.time()
            for nid, node in self.nodes.items():
                node.reset_runtime()
                node.build_tag = self.default_build_tag
                node.started_at = self._boot_wall - 3600 - (nid * 7.3)
                node.locality = [{"key": "region", "value": self.region_of(nid)},
                                 {"key": "zone", "value": self.zone_of(nid)}]
            self.api_sessions: Dict[int, Dict[str, Any]] = {}
            self._last_sid = 0
            import random
            rng = random.Random(self.seed * 31 + 5)
            self.events = seed_mod.seed_events(rng, now_wall, self.n)
            self._event_rng = rng
            self.sql_sessions: Dict[int, List[Dict[str, Any]]] = {}
            self.killed_sessions: set = set()
            self.active_plans: set = set()

    # ---- lifecycle (control API)
    def _node(self, nid: int) -> Node:
        if nid not in self.nodes:
            raise LookupError("node %d" % nid)
        return self.nodes[nid]

    def stop(self, nid: int) -> None:
        with self.lock:
            node = self._node(nid)
            now = self.clock.monotonic()
            if node.plan is not None and not self.process_up(nid, now):
                # stopped while down in a restart: stay down, do not come back
                node.stopped_at = node.plan["drain_end"]
                node.stop_draining = True
                node.plan = None
                self.active_plans.discard(nid)
                return
            if not self.process_up(nid, now):
                return
            node.stop_draining = self.liveness(nid, now) == 6
            node.plan = None
            self.active_plans.discard(nid)
            node.stopped_at = now
            node.down_wall = self.clock.time()
            self.killed_sessions.add(nid)

    def start(self, nid: int) -> None:
        with self.lock:
            node = self._node(nid)
            now = self.clock.monotonic()
            if node.plan is not None:
                # cut a restart short: come back now
                self._finish_plan(nid, now)
                return
            if node.stopped_at is not None:
                node.stopped_at = None
                node.came_back = now
                node.ready_at = now + self.ready_delay
                node.started_at = self.clock.time()
                node.down_wall = None
                self._add_event("node_restart", nid)
            node.drain_started = None
            node.stop_draining = False

    def drain(self, nid: int, unready_seconds: Optional[float] = None) -> None:
        with self.lock:
            node = self._node(nid)
            now = self.clock.monotonic()
            if not self.process_up(nid, now):
                raise ValueError("node %d is not running" % nid)
            if node.drain_started is None:
                node.drain_started = now
                node.drain_unready = self.unready_seconds if unready_seconds is None else unready_seconds

    def restart(self, nid: int, downtime: float = 1.0, fail: bool = False, build_tag: Optional[str] = None,
                unready_seconds: Optional[float] = None, drain_seconds: Optional[float] = None,
                ready_delay: Optional[float] = None) -> None:
        with self.lock:
            node = self._node(nid)
            now = self.clock.monotonic()
            u = self.unready_seconds if unready_seconds is None else unready_seconds
            d = self.drain_seconds if drain_seconds is None else drain_seconds
            if node.stopped_at is not None:
                # already down: just schedule the come-back
                t0 = now - u - d
                node.stopped_at = None
            else:
                t0 = now
            down_end = math.inf if fail or downtime >= 1e8 else t0 + u + d + downtime
            node.plan = {"t0": t0, "unready_end": t0 + u, "drain_end": t0 + u + d, "down_end": down_end,
                         "build_tag": build_tag,
                         "ready_delay": self.ready_delay if ready_delay is None else ready_delay}
            node.drain_started = None
            self.active_plans.add(nid)

    def _finish_plan(self, nid: int, now: float) -> None:
        node = self.nodes[nid]
        plan = node.plan
        node.plan = None
        self.active_plans.discard(nid)
        back = min(now, plan["down_end"])
        node.came_back = back
        node.ready_at = back + plan["ready_delay"]
        node.started_at = self.clock.time() - (now - back)
        node.down_wall = None
        node.stopped_at = None
        node.drain_started = None
        node.stop_draining = False
        if plan.get("build_tag"):
            node.build_tag = plan["build_tag"]
        self.killed_sessions.add(nid)
        self._add_event("node_restart", nid)

    def advance(self) -> set:
        """Move restart plans forward; returns node ids whose process state may have changed."""
        if not self.active_plans:
            return set()
        with self.lock:
            now = self.clock.monotonic()
            touched = set(self.active_plans)
            for nid in list(self.active_plans):
                node = self.nodes[nid]
                if node.plan and now >= node.plan["drain_end"] and node.down_wall is None:
                    node.down_wall = self.clock.time() - (now - node.plan["drain_end"])
                    self.killed_sessions.add(nid)
                if node.plan and now >= node.plan["down_end"]:
                    self._finish_plan(nid, now)
            return touched

    def patch(self, nid: int, body: Dict[str, Any]) -> None:
        with self.lock:
            node = self._node(nid)
            known = {"build_tag", "liveness_status", "ranges.underreplicated", "ranges.unavailable", "stores",
                     "locality", "metrics", "ready", "started_at"}
            unknown = set(body) - known
            if unknown:
                raise ValueError("unknown field(s): %s (known: %s)" % (", ".join(sorted(unknown)),
                                                                       ", ".join(sorted(known))))
            if "build_tag" in body:
                if not isinstance(body["build_tag"], str) or not body["build_tag"]:
                    raise ValueError("build_tag must be a non-empty string")
                node.build_tag = body["build_tag"]
            if "liveness_status" in body:
                v = body["liveness_status"]
                if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v not in LIVENESS_NAMES):
                    raise ValueError("liveness_status must be an integer 0..6 or null")
                node.liveness_override = v
            if "ready" in body:
                v = body["ready"]
                if v is not None and not isinstance(v, bool):
                    raise ValueError("ready must be true, false or null")
                node.ready_override = v
            first = self.store_ids(nid)[0]
            for key in ("ranges.underreplicated", "ranges.unavailable"):
                if key in body:
                    node.manual_store.setdefault(first, {})[key] = self._metric_value(key, body[key])
            if "stores" in body:
                if not isinstance(body["stores"], dict):
                    raise ValueError("stores must be an object keyed by store id")
                for sid_s, metrics in body["stores"].items():
                    try:
                        sid = int(sid_s)
                    except ValueError:
                        raise ValueError("store id %r is not an integer" % sid_s)
                    if sid not in self.store_ids(nid):
                        raise ValueError("node %d has no store %d (stores: %s)" % (nid, sid, self.store_ids(nid)))
                    if not isinstance(metrics, dict):
                        raise ValueError("stores.%s must be an object" % sid_s)
                    for k, v in metrics.items():
                        node.manual_store.setdefault(sid, {})[k] = self._metric_value(k, v)
            if "metrics" in body:
                if not isinstance(body["metrics"], dict):
                    raise ValueError("metrics must be an object")
                for k, v in body["metrics"].items():
                    node.extra_metrics[k] = self._metric_value(k, v)
            if "locality" in body:
                loc = body["locality"]
                if isinstance(loc, dict):
                    node.locality = [{"key": str(k), "value": str(v)} for k, v in loc.items()]
                elif isinstance(loc, list) and all(isinstance(t, dict) and "key" in t and "value" in t for t in loc):
                    node.locality = [{"key": str(t["key"]), "value": str(t["value"])} for t in loc]
                else:
                    raise ValueError("locality must be an object {key: value} or a list of {key, value}")
            if "started_at" in body:
                node.started_at = float(body["started_at"])

    @staticmethod
    def _metric_value(k, v):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError("%s must be a number" % k)
        return v

    def _add_event(self, etype: str, nid: int) -> None:
        ts = self.clock.time()
        extra = {"NodeID": nid, "StartedAt": int(ts * 1e9), "LastUp": int((ts - 1) * 1e9)}
        self.events.append(seed_mod.make_event(self._event_rng, ts, etype, nid, extra))

    # ---- derived state
    def process_up(self, nid: int, now: Optional[float] = None) -> bool:
        node = self.nodes[nid]
        if now is None:
            now = self.clock.monotonic()
        if node.stopped_at is not None:
            return False
        p = node.plan
        if p is not None and p["drain_end"] <= now < p["down_end"]:
            return False
        return True

    def down_since(self, node: Node, now: float) -> Optional[float]:
        if node.stopped_at is not None:
            return node.stopped_at
        p = node.plan
        if p is not None and p["drain_end"] <= now < p["down_end"]:
            return p["drain_end"]
        return None

    def draining(self, node: Node, now: float) -> bool:
        p = node.plan
        if p is not None and now >= p["unready_end"]:
            return True
        if node.drain_started is not None and now >= node.drain_started + node.drain_unready:
            return True
        return False

    def liveness(self, nid: int, now: Optional[float] = None) -> int:
        node = self.nodes[nid]
        if node.liveness_override is not None:
            return node.liveness_override
        if now is None:
            now = self.clock.monotonic()
        ds = self.down_since(node, now)
        if ds is not None:
            el = now - ds
            if el < self.liveness_expiry:
                was_draining = node.stop_draining if node.stopped_at is not None else True
                return 6 if was_draining else 3
            if el < self.time_until_store_dead:
                return 2
            return 1
        if self.draining(node, now):
            return 6
        return 3

    def readiness(self, nid: int, now: Optional[float] = None) -> Tuple[bool, str]:
        """(ready, v1 reason) for a node whose process is up."""
        node = self.nodes[nid]
        if now is None:
            now = self.clock.monotonic()
        if node.ready_override is not None:
            return node.ready_override, ("" if node.ready_override else "node is not healthy")
        if node.plan is not None or node.drain_started is not None:
            return False, "node is shutting down"
        lv = self.liveness(nid, now)
        if lv in (4, 5):
            return False, "node is not healthy"
        if lv != 3:
            return False, "node is not healthy"
        if now < node.ready_at:
            return False, "node is not accepting SQL clients"
        return True, ""

    def replication_view(self, now: float):
        """Effective lease moves and under-replicated/unavailable counts per store.

        Returns (underrep{sid:n}, unavail{sid:n}, lease_delta{sid:+-n}, lease_qps_delta, eff_lh{ridx:nid},
        range_state{ridx: (under, unavail)})."""
        down, catching, draining = set(), set(), set()
        for nid, node in self.nodes.items():
            ds = self.down_since(node, now)
            if ds is not None:
                rereplicated = (now - ds) >= self.time_until_store_dead + self.catchup_seconds
                if not rereplicated:
                    down.add(nid)
                continue
            if node.came_back is not None and now - node.came_back < self.catchup_seconds:
                catching.add(nid)
            if self.draining(node, now):
                draining.add(nid)
        under: Dict[int, int] = {}
        unav: Dict[int, int] = {}
        ldelta: Dict[int, int] = {}
        qdelta: Dict[int, float] = {}
        eff: Dict[int, int] = {}
        rstate: Dict[int, Tuple[bool, bool]] = {}
        affected = down | catching | draining
        if not affected:
            return under, unav, ldelta, qdelta, eff, rstate
        R = self.ranges
        quorum = R.nrep // 2 + 1
        seen = set()
        for nid in affected:
            for i in self.node_ranges[nid]:
                if i in seen:
                    continue
                seen.add(i)
                reps = R.replicas(i)
                lh0 = R.lh[i]
                live = [r for r in reps if r not in down]
                bad = sum(1 for r in reps if r in down or r in catching)
                if lh0 not in down and lh0 not in draining:
                    lh = lh0
                else:
                    cands = [r for r in reps if r not in down and r not in draining]
                    lh = cands[0] if cands else (live[0] if live else 0)
                if lh != lh0:
                    eff[i] = lh
                    s0 = self.store_of(lh0, i)
                    ldelta[s0] = ldelta.get(s0, 0) - 1
                    qdelta[s0] = qdelta.get(s0, 0.0) - R.qps[i]
                    if lh:
                        s1 = self.store_of(lh, i)
                        ldelta[s1] = ldelta.get(s1, 0) + 1
                        qdelta[s1] = qdelta.get(s1, 0.0) + R.qps[i]
                is_unav = len(live) < quorum
                is_under = bad > 0
                if is_under or is_unav:
                    rstate[i] = (is_under, is_unav)
                    if lh:
                        s = self.store_of(lh, i)
                        if is_under:
                            under[s] = under.get(s, 0) + 1
                        if is_unav:
                            unav[s] = unav.get(s, 0) + 1
        return under, unav, ldelta, qdelta, eff, rstate

    # ---- node status objects
    def server_version(self, build_tag: str) -> Dict[str, int]:
        m = re.match(r"v?(\d+)\.(\d+)", build_tag or "")
        major, minor = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        return {"major_val": major, "minor_val": minor, "patch": 0, "internal": 0}

    def node_status(self, nid: int, now: float, wall: float, view, livenodes: int) -> Dict[str, Any]:
        node = self.nodes[nid]
        under, unav, ldelta, qdelta = view[:4]
        lv = self.liveness(nid, now)
        up = self.process_up(nid, now)
        ds = self.down_since(node, now)
        as_of = wall - (now - ds) if ds is not None else wall
        rpc_port = 26257 + nid - 1
        addr = {"network_field": "tcp", "address_field": "%s:%d" % (self.host, rpc_port)}
        rng_h = (nid * 2654435761) & 0xFFFFFFFF
        stores = {}
        total_leases = 0
        for sid in self.store_ids(nid):
            reps = self.store_replicas.get(sid, 0)
            leases = max(0, self.store_leases.get(sid, 0) + ldelta.get(sid, 0)) if up else 0
            total_leases += leases
            cap = 500 * 1024 ** 3
            used = reps * 48 * 1024 ** 2 + (rng_h % 1000) * 1024 ** 2
            m = {"ranges": reps, "ranges.underreplicated": under.get(sid, 0),
                 "ranges.unavailable": unav.get(sid, 0), "ranges.overreplicated": 0,
                 "replicas": reps, "replicas.leaders": leases, "replicas.leaseholders": leases,
                 "replicas.quiescent": max(0, reps - leases), "capacity": cap,
                 "capacity.available": cap - used - 20 * 1024 ** 3, "capacity.used": used,
                 "livebytes": int(used * 0.8),
                 "rebalancing.queriespersecond": round(max(0.0, self.store_lease_qps.get(sid, 0.0) +
                                                           qdelta.get(sid, 0.0)), 3) if up else 0}
            for k, v in node.manual_store.get(sid, {}).items():
                if k in ("ranges.underreplicated", "ranges.unavailable"):
                    m[k] = m.get(k, 0) + v
                else:
                    m[k] = v
            stores[str(sid)] = m
        uptime = max(0.0, as_of - node.started_at)
        sessions = 0 if not up else len(self.node_sql_sessions(nid))
        metrics = {
            "liveness.livenodes": livenodes if lv in (3, 4, 6) else 0,
            "liveness.heartbeatsuccesses": int(uptime / 3),
            "sql.conns": sessions,
            "sql.query.count": int(uptime * (20 + rng_h % 30)),
            "sql.select.count": int(uptime * (15 + rng_h % 20)),
            "sql.insert.count": int(uptime * (3 + rng_h % 5)),
            "sys.uptime": int(uptime),
            "sys.cpu.combined.percent-normalized": round(0.05 + (rng_h % 300) / 1000.0, 4),
            "sys.rss": 1_500_000_000 + (rng_h % 500) * 1_000_000,
            "sys.goroutines": 900 + rng_h % 400,
            "build.timestamp": 1761000000,
            "exec.latency-p99": 12_000_000 + rng_h % 5_000_000,
        }
        metrics.update(node.extra_metrics)
        return {
            "node_id": nid,
            "address": addr,
            "attrs": {},
            "locality": {"tiers": [dict(t) for t in node.locality] or None},
            "ServerVersion": self.server_version(node.build_tag),
            "build_tag": node.build_tag,
            "started_at": int(node.started_at * 1e9),
            "cluster_name": self.cluster_name,
            "sql_address": addr,
            "metrics": metrics,
            "store_metrics": stores,
            "total_system_memory": 16 * 1024 ** 3,
            "num_cpus": 4,
            "updated_at": int(as_of) * 1_000_000_000,
            "liveness_status": lv,
        }

    def nodes_snapshot(self, node_ids: List[int]) -> List[Dict[str, Any]]:
        with self.lock:
            now = self.clock.monotonic()
            wall = self.clock.time()
            view = self.replication_view(now)
            live = sum(1 for n in self.nodes if self.liveness(n, now) in (3, 4, 6))
            return [self.node_status(n, now, wall, view, live) for n in node_ids]

    def node_summary(self, nid: int, listener=None, view=None) -> Dict[str, Any]:
        with self.lock:
            now = self.clock.monotonic()
            if view is None:
                view = self.replication_view(now)
            node = self.nodes[nid]
            up = self.process_up(nid, now)
            ready = self.readiness(nid, now)[0] if up else False
            if node.stopped_at is not None:
                phase = "stopped"
            elif node.plan is not None:
                p = node.plan
                phase = ("unready" if now < p["unready_end"] else "draining" if now < p["drain_end"]
                         else "down")
            elif node.drain_started is not None:
                phase = "drained" if self.draining(node, now) else "unready"
            elif node.came_back is not None and now < node.ready_at:
                phase = "starting"
            else:
                phase = "running"
            st = self.node_status(nid, now, self.clock.time(), view, 0)
            return {"id": nid, "node_id": nid, "port": node.http_addr[1],
                    "url": listener.url if listener is not None else None,
                    "up": up, "listening": bool(listener.up) if listener is not None else up,
                    "ready": ready, "phase": phase,
                    "liveness_status": st["liveness_status"],
                    "liveness": LIVENESS_NAMES.get(st["liveness_status"], "UNKNOWN"),
                    "build_tag": node.build_tag, "locality": node.locality,
                    "store_metrics": st["store_metrics"]}

    # ---- SQL sessions
    def node_sql_sessions(self, nid: int) -> List[Dict[str, Any]]:
        s = self.sql_sessions.get(nid)
        if s is None or nid in self.killed_sessions:
            if nid in self.killed_sessions:
                s = []
            else:
                s = seed_mod.node_sessions(self.seed, nid, self._boot_wall)
            self.sql_sessions[nid] = s
        return s

    # ---- API sessions (login tokens)
    def create_session(self, user: str) -> str:
        with self.lock:
            wall = self.clock.time()
            sid = (int(wall * 1e5) << 15) | 1
            if sid <= self._last_sid:
                sid = self._last_sid + 1
            self._last_sid = sid
            secret = secrets.token_bytes(16)
            self.api_sessions[sid] = {"hash": hashlib.sha256(secret).digest(), "user": user,
                                      "expires": wall + SESSION_TTL, "revoked": None}
            return encode_session_cookie(sid, secret)

    def validate_session(self, sid: int, secret: bytes) -> Optional[str]:
        with self.lock:
            rec = self.api_sessions.get(sid)
            if rec is None or rec["revoked"] is not None:
                return None
            if self.clock.time() >= rec["expires"]:
                return None
            if not hmac.compare_digest(rec["hash"], hashlib.sha256(secret).digest()):
                return None
            return rec["user"]

    def revoke_session(self, sid: int) -> bool:
        with self.lock:
            rec = self.api_sessions.get(sid)
            if rec is None:
                return False
            rec["revoked"] = self.clock.time()
            return True

    def api_session_count(self) -> int:
        with self.lock:
            return sum(1 for r in self.api_sessions.values() if r["revoked"] is None)


# --------------------------------------------------------------------------- HTTP API

_ROUTES = [
    # (regex, handler name, auth, view-cluster-metadata role)
    (r"login/", "login", False, False),
    (r"logout/", "logout", False, False),
    (r"health/", "health", False, False),
    (r"health/restart_safety/", "restart_safety", False, False),
    (r"rules/", "rules", False, False),
    (r"sessions/", "sessions", True, True),
    (r"nodes/", "nodes", True, True),
    (r"nodes/(?P<node_id>[^/]+)/ranges/", "node_ranges", True, True),
    (r"ranges/hot/", "hot_ranges", True, True),
    (r"ranges/(?P<range_id>[0-9]+)/", "range", True, True),
    (r"events/", "events", True, True),
    (r"users/", "users", True, False),
    (r"databases/", "databases", True, False),
    (r"databases/(?P<database>[\w.]+)/", "database", True, False),
    (r"databases/(?P<database>[\w.]+)/grants/", "db_grants", True, False),
    (r"databases/(?P<database>[\w.]+)/tables/", "db_tables", True, False),
    (r"databases/(?P<database>[\w.]+)/tables/(?P<table>[\w.]+)/", "table_details", True, False),
    (r"sql/", "sql", True, False),
]
_COMPILED = [(re.compile("^/api/v2/" + rx + "$", re.ASCII), name, auth, role) for rx, name, auth, role in _ROUTES]


class ClusterAPI:
    def __init__(self, state: ClusterState):
        self.s = state

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
                    return text(400, "node %d not found" % target)
                if not self.s.process_up(target):
                    return text(502, "unable to proxy request to node %d: connection refused" % target)
                req = Request(req.method, req.path, req.query, req.headers, req.body, node_id=target)
        path = req.path
        if path == "/health" or path == "/_admin/v1/health":
            return self.v1_health(req)
        if path == "/_status/vars":
            return self.status_vars(req)
        for rx, name, auth, role in _COMPILED:
            m = rx.match(path)
            if not m:
                continue
            user = None
            if auth:
                user, err = self.authenticate(req)
                if err is not None:
                    return err
                if role and not self.has_view_metadata(user):
                    return text(403, "user not allowed to access this endpoint")
            return getattr(self, "h_" + name)(req, user, **m.groupdict())
        return text(404, NOT_FOUND)

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
    def h_login(self, req: Request, user) -> Response:
        if req.method != "POST":
            return text(404, "not found")
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

    def h_logout(self, req: Request, user) -> Response:
        if req.method != "POST":
            return text(404, "not found")
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
    def h_health(self, req: Request, user) -> Response:
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

    def v1_health(self, req: Request) -> Response:
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

    def h_restart_safety(self, req: Request, user) -> Response:
        s = self.s
        nid = req.node_id
        with s.lock:
            now = s.clock.monotonic()
            node = s.nodes[nid]
            view = s.replication_view(now)
            rstate = view[5]
            eff = view[4]
            drained = s.draining(node, now)
            reps = []
            R = s.ranges
            for i in s.node_ranges[nid]:
                st = rstate.get(i)
                if st and st[1]:
                    status = "Unavailable"
                elif st and st[0]:
                    status = "Underreplicated"
                elif not drained and eff.get(i, R.lh[i]) == nid:
                    status = "IsRaftLeader"
                elif not drained:
                    status = "StoreNotDraining"
                else:
                    continue
                replicas = R.replicas(i)
                reps.append({"store_id": s.store_of(nid, i), "range_id": i + 1,
                             "replica_id": replicas.index(nid) + 1, "status": status})
        if reps:
            return go_json(503, {"is_critical": True, "node_id": nid, "replicas": reps})
        return go_json(200, {"node_id": nid})

    def status_vars(self, req: Request) -> Response:
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

    def h_rules(self, req: Request, user) -> Response:
        return Response(200, RULES_YAML.encode(), {"Content-Type": "text/plain; charset=utf-8"})

    # ---- nodes and ranges
    def h_nodes(self, req: Request, user) -> Response:
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
        eff, rstate = view[4:6]
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

    def h_node_ranges(self, req: Request, user, node_id: str) -> Response:
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

    def h_range(self, req: Request, user, range_id: str) -> Response:
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
        eff = view[4]
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

    def h_hot_ranges(self, req: Request, user) -> Response:
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

    def h_sessions(self, req: Request, user) -> Response:
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
    def h_events(self, req: Request, user) -> Response:
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

    def h_users(self, req: Request, user) -> Response:
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

    def h_databases(self, req: Request, user) -> Response:
        page, nxt = page_offset_memory(self._visible_dbs(user), req)
        out: Dict[str, Any] = {}
        if page:
            out["databases"] = page
        if nxt:
            out["next"] = nxt
        return go_json(200, out)

    def h_database(self, req: Request, user, database: str) -> Response:
        if database not in seed_mod.DATABASES:
            return text(404, "database not found")
        return go_json(200, {"descriptor_id": seed_mod.DATABASES[database]})

    def h_db_grants(self, req: Request, user, database: str) -> Response:
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

    def h_db_tables(self, req: Request, user, database: str) -> Response:
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

    def h_table_details(self, req: Request, user, database: str, table: str) -> Response:
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

    def h_sql(self, req: Request, user) -> Response:
        if req.method != "POST":
            return Response(405, json.dumps({"error": {"message": "only POST supported"}},
                                            separators=(",", ":")).encode(),
                            {"Content-Type": "application/json", "X-Content-Type-Options": "nosniff"})
        ct = req.header("content-type")
        if ct not in (None, "", "application/json", "application/octet-stream"):
            return Response(400, json.dumps({"error": {"message": 'expecting content-type json: "%s"' % ct}},
                                            separators=(",", ":")).encode(),
                            {"Content-Type": "application/json", "X-Content-Type-Options": "nosniff"})
        return Response(200, json.dumps({"error": {"message": "the emulator does not execute SQL",
                                                   "code": "0A000", "severity": "ERROR"}},
                                        separators=(",", ":")).encode(),
                        {"Content-Type": "application/json", "X-Content-Type-Options": "nosniff"})


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
