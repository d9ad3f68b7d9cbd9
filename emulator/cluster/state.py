"""The simulated cluster behind the Cluster API: nodes, their process lifecycle, liveness, readiness,
lease placement, under-replication, SQL users and API sessions.  No HTTP objects here: the handlers
(``handlers.py``) read and change it; the control API drives the node lifecycle.

Every node serves the same cluster-wide data from one :class:`ClusterState`.  Node processes have a
lifecycle (running, unready, draining, down, back) driven by the control API; liveness, readiness,
lease placement and under-replication are computed from it at request time.

Status records.  As on a real node (``pkg/server/node.go``, ``startWriteNodeStatus``: one write when the
process starts, then one every ``server.status`` sample interval, ``base.DefaultMetricsSampleInterval`` =
10 s), ``GET /api/v2/nodes/`` serves each node's *stored* record: ``metrics``, ``store_metrics``,
``updated_at`` and the descriptor fields (build, ``started_at``, locality, address) are as of that node's
last write, and a stopped node keeps its last record.  Only ``liveness_status`` is computed at request
time (the real handler scans liveness from KV).  Each node writes on its own phase (anchored at its
process start).  Writes are materialised lazily but exactly: before every state change and before every
read, each record due since the last materialisation is written with the state *as of its due time*
(the state only changes through this object, so flushing before each change makes that exact), which
makes the socket emulator and the in-process one with a fake clock behave the same.
``status_interval=0`` computes records per request (``updated_at`` = now): kinder than a real node, an
explicit opt-in only.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import threading
from collections import deque
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from emulator.cluster import seed as seed_mod
from emulator.cluster import settings as settings_mod
from emulator.cluster import versions as versions_mod
from emulator.cluster.encoding import encode_session_cookie
from emulator.core import Clock

SESSION_TTL = 7 * 24 * 3600.0
HOT_RANGES_PER_STORE = 128
DEFAULT_STATUS_INTERVAL = 10.0     # base.DefaultMetricsSampleInterval
STATUS_LOG_MAX = 100000            # record writes kept for the control API
STATUS_LOG_PER_FLUSH = 1000        # due writes listed per node and materialisation (the record is the last one)

LIVENESS_NAMES = {0: "UNKNOWN", 1: "DEAD", 2: "UNAVAILABLE", 3: "LIVE", 4: "DECOMMISSIONING",
                  5: "DECOMMISSIONED", 6: "DRAINING"}


class ReplicationView(NamedTuple):
    """What the nodes' state does to the ranges right now (``ClusterState.replication_view``)."""

    underreplicated: Dict[int, int]            # store id -> ranges it leads that are under-replicated
    unavailable: Dict[int, int]                # store id -> ranges it leads that lost quorum
    lease_delta: Dict[int, int]                # store id -> leases gained (+) or lost (-) by moves
    qps_delta: Dict[int, float]                # store id -> queries/s gained or lost with those leases
    leaseholder: Dict[int, int]                # range index -> node now holding a moved lease (0: none)
    range_state: Dict[int, Tuple[bool, bool]]  # range index -> (under-replicated, unavailable)


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
        self.anchor = 0.0                            # monotonic; status records are due at anchor + k*interval
        self.start_error: Optional[str] = None       # why the last start failed (binary vs cluster version)


class ClusterState:
    def __init__(self, nodes: int = 3, seed: int = 0, clock: Optional[Clock] = None, admin_user: str = "root",
                 admin_password: str = "", insecure: bool = False, ranges_per_node: int = 50,
                 stores_per_node: int = 1, build_tag: str = "v25.4.1", cluster_name: str = "",
                 liveness_expiry: float = 1.5, time_until_store_dead: float = 30.0, catchup_seconds: float = 1.0,
                 unready_seconds: float = 0.5, drain_seconds: float = 0.5, ready_delay: float = 0.0,
                 host: str = "127.0.0.1", finalize_seconds: float = 2.0,
                 status_interval: float = DEFAULT_STATUS_INTERVAL):
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
        if not (status_interval >= 0 and math.isfinite(status_interval)):
            raise ValueError("status interval must be a finite number of seconds >= 0")
        self.status_interval = float(status_interval)
        self.records: Dict[int, Dict[str, Any]] = {}
        self.record_at: Dict[int, float] = {}        # monotonic time of each node's last record write
        self.status_log: deque = deque(maxlen=STATUS_LOG_MAX)
        self._status_seq = 0
        self._flushed = 0.0
        self._came_back: set = set()                 # plans finished by a flush, for the next advance()
        self.versions = versions_mod.VersionModel(versions_mod.series_of(build_tag) or (25, 4), finalize_seconds)
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
                node.anchor = self.clock.monotonic() - (now_wall - node.started_at)
            self.api_sessions: Dict[int, Dict[str, Any]] = {}
            self._last_sid = 0
            import random
            rng = random.Random(self.seed * 31 + 5)
            self.events = seed_mod.seed_events(rng, now_wall, self.n)
            self._event_rng = rng
            self.sql_sessions: Dict[int, List[Dict[str, Any]]] = {}
            self.killed_sessions: set = set()
            self.active_plans: set = set()
            self.versions.reset()
            self.setting_values: Dict[str, Any] = {}
            self.cluster_log: List[Dict[str, Any]] = []
            self._reset_records()

    # ---- lifecycle (control API)
    def _node(self, nid: int) -> Node:
        if nid not in self.nodes:
            raise LookupError("node %d" % nid)
        return self.nodes[nid]

    def stop(self, nid: int) -> None:
        with self.lock:
            node = self._node(nid)
            now = self.clock.monotonic()
            self.flush_records(now)
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

    def start(self, nid: int, build_tag: Optional[str] = None) -> None:
        """Start a stopped node's process; ``build_tag``: on another binary (swapped while it was down)."""
        with self.lock:
            node = self._node(nid)
            now = self.clock.monotonic()
            self.flush_records(now)
            if build_tag is not None:
                if not isinstance(build_tag, str) or versions_mod.series_of(build_tag) is None:
                    raise ValueError("build_tag must look like v25.4.1")
                if self.process_up(nid, now):
                    raise ValueError("node %d is running: stop it before starting it on another binary" % nid)
            if node.plan is not None:
                # cut a restart short: come back now
                if build_tag is not None:
                    node.plan["build_tag"] = build_tag
                self._finish_plan(nid, now)
                return
            if node.stopped_at is not None:
                if not self._can_start(nid, build_tag or node.build_tag):
                    return
                if build_tag:
                    node.build_tag = build_tag
                node.stopped_at = None
                node.came_back = now
                node.ready_at = now + self.ready_delay
                node.started_at = self.clock.time()
                node.down_wall = None
                node.anchor = now
                self._add_event("node_restart", nid)
                self._write_record(nid, now, now, wall=node.started_at)  # a node writes as its process starts
            node.drain_started = None
            node.stop_draining = False

    def drain(self, nid: int, unready_seconds: Optional[float] = None) -> None:
        with self.lock:
            node = self._node(nid)
            now = self.clock.monotonic()
            self.flush_records(now)
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
            self.flush_records(now)
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
        if not self._can_start(nid, plan.get("build_tag") or node.build_tag):
            node.stopped_at = plan["drain_end"]
            node.stop_draining = True
            return
        node.came_back = back
        node.ready_at = back + plan["ready_delay"]
        node.started_at = self.clock.time() - (now - back)
        node.anchor = back
        node.down_wall = None
        node.stopped_at = None
        node.drain_started = None
        node.stop_draining = False
        if plan.get("build_tag"):
            node.build_tag = plan["build_tag"]
        self.killed_sessions.add(nid)
        self._add_event("node_restart", nid)
        self._write_record(nid, back, now, wall=node.started_at)  # a node writes as its process starts

    def advance(self) -> set:
        """Move restart plans forward; returns node ids whose process state may have changed (including plans
        that a read already finished: a flush of the status records moves plans forward too)."""
        self.tick_versions()
        if not self.active_plans and not self._came_back:
            return set()
        with self.lock:
            now = self.clock.monotonic()
            touched = set(self.active_plans) | self._came_back
            self._came_back = set()
            self.flush_records(now)
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
            self.flush_records()
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

    def replication_view(self, now: float) -> "ReplicationView":
        """Effective lease moves and under-replicated/unavailable counts per store (a :class:`ReplicationView`)."""
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
            return ReplicationView(under, unav, ldelta, qdelta, eff, rstate)
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
                # a node that came back holds no leases until it has caught up (they moved away in its drain and
                # come back with rebalancing): the ranges it led count on the other nodes' stores meanwhile
                if lh0 not in down and lh0 not in draining and lh0 not in catching:
                    lh = lh0
                else:
                    cands = [r for r in reps if r not in down and r not in draining and r not in catching] or \
                        [r for r in reps if r not in down and r not in draining]
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
        return ReplicationView(under, unav, ldelta, qdelta, eff, rstate)

    def restart_safety_counts(self, nid: int) -> Dict[str, int]:
        """The v25.4 restart-safety counters of node ``nid`` now (``/api/v2/health/restart_safety/``).

        Computed from the same :meth:`replication_view` as ``store_metrics``, so the two never disagree:

        * ``unavailable``: ranges with a replica on ``nid`` that lost their quorum;
        * ``underreplicated``: ranges with a replica on ``nid`` that have another replica down or still
          catching up (stopping ``nid`` too would take them further down); an unavailable range counts
          here as well, as in the server's range metrics;
        * ``raft_leaderships``: ranges whose (effective) leader is on ``nid``; a drain moves them away;
        * ``stores_not_draining``: every store of ``nid`` until it drains, then 0.

        ``ranges.underreplicated``/``ranges.unavailable`` set on one of its stores with the control API's
        PATCH count here too: a store counts the ranges it leads, and every one of them has a replica on
        ``nid``.
        """
        with self.lock:
            now = self.clock.monotonic()
            node = self.nodes[nid]
            view = self.replication_view(now)
            rstate, eff, lh = view.range_state, view.leaseholder, self.ranges.lh
            counts = {"unavailable": 0, "underreplicated": 0, "raft_leaderships": 0,
                      "stores_not_draining": 0 if self.draining(node, now) else self.spn}
            for i in self.node_ranges[nid]:
                under, unav = rstate.get(i, (False, False))
                counts["unavailable"] += int(unav)
                counts["underreplicated"] += int(under)
                counts["raft_leaderships"] += int(eff.get(i, lh[i]) == nid)
            for metrics in node.manual_store.values():
                counts["unavailable"] += max(0, int(metrics.get("ranges.unavailable", 0)))
                counts["underreplicated"] += max(0, int(metrics.get("ranges.underreplicated", 0)))
            return counts

    def restart_blockers(self, nid: int) -> List[Dict[str, Any]]:
        """Replicas on ``nid`` that make a restart unsafe now, in the replica-list shape of an unmerged change
        (``--restart-safety-shape replicas``; no release serves it)."""
        with self.lock:
            now = self.clock.monotonic()
            node = self.nodes[nid]
            view = self.replication_view(now)
            rstate = view.range_state
            eff = view.leaseholder
            drained = self.draining(node, now)
            reps = []
            R = self.ranges
            for i in self.node_ranges[nid]:
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
                reps.append({"store_id": self.store_of(nid, i), "range_id": i + 1,
                             "replica_id": replicas.index(nid) + 1, "status": status})
        return reps

    # ---- status records (see the module docstring)
    def _reset_records(self) -> None:
        """Every node's last record as of its latest due write (the cluster was steady before now)."""
        now = self.clock.monotonic()
        self.records = {}
        self.record_at = {}
        self.status_log.clear()
        self._came_back = set()
        self._flushed = now
        if self.status_interval <= 0:
            return
        for nid, node in self.nodes.items():
            t = self._latest_due(node.anchor, -math.inf, now)
            self._write_record(nid, t if t is not None else now, now, log=False)

    def _latest_due(self, anchor: float, lo: float, hi: float, open_end: bool = False) -> Optional[float]:
        """The latest anchor + k*interval (k >= 0) in (lo, hi] (in (lo, hi) with ``open_end``)."""
        step = self.status_interval
        if hi < anchor:
            return None
        t = anchor + math.floor((hi - anchor) / step) * step
        if t > hi or (open_end and t >= hi):
            t -= step
        if t < anchor or t <= lo:
            return None
        return t

    def _due_writes(self, nid: int, lo: float, hi: float, open_end: bool = False) -> List[float]:
        """Times in (lo, hi] at which node ``nid`` writes its record under the current state (oldest first,
        at most STATUS_LOG_PER_FLUSH of the latest).  Restart plans finish before this is asked past their
        ``down_end``, so a plan here means: the old process writes until ``drain_end``."""
        node = self.nodes[nid]
        if node.stopped_at is not None:
            return []
        if node.plan is not None:
            if hi >= node.plan["drain_end"]:
                hi, open_end = node.plan["drain_end"], True
        last = self._latest_due(node.anchor, lo, hi, open_end)
        if last is None:
            return []
        step = self.status_interval
        times = [last]
        while len(times) < STATUS_LOG_PER_FLUSH:
            t = times[-1] - step
            if t <= lo or t < node.anchor:
                break
            times.append(t)
        times.reverse()
        return times

    def _write_record(self, nid: int, t: float, now: float, log: bool = True, views=None,
                      wall: Optional[float] = None) -> None:
        """Node ``nid`` writes its status record at monotonic ``t`` (<= ``now``), with the state as of ``t``."""
        if self.status_interval <= 0:
            return
        if views is None:
            views = {}
        view = views.get(t)
        if view is None:
            view = views[t] = (self.replication_view(t),
                               sum(1 for n in self.nodes if self.liveness(n, t) in (3, 4, 6)))
        if wall is None:
            wall = self.clock.time() - (now - t)
        rec = self.node_status(nid, t, wall, view[0], view[1])
        rec.pop("liveness_status", None)
        self.records[nid] = rec
        self.record_at[nid] = t
        if log:
            self._log_write(nid, rec["updated_at"])

    def _log_write(self, nid: int, updated_at: int) -> None:
        self._status_seq += 1
        self.status_log.append({"seq": self._status_seq, "node_id": nid, "updated_at": updated_at,
                                "started_at": int(self.nodes[nid].started_at * 1e9), "time": updated_at / 1e9})

    def _write_due(self, lo: float, hi: float, now: float, open_end: bool = False) -> None:
        views: Dict[float, Any] = {}
        due = {nid: self._due_writes(nid, lo, hi, open_end) for nid in self.nodes}
        wall_now = self.clock.time()
        for nid, times in sorted(due.items(), key=lambda kv: kv[1][-1] if kv[1] else 0.0):
            if not times:
                continue
            for t in times[:-1]:  # overwritten before anybody read them: listed, not computed
                self._log_write(nid, int((wall_now - (now - t)) * 1e9))
            self._write_record(nid, times[-1], now, views=views)

    def flush_records(self, now: Optional[float] = None) -> None:
        """Write every status record due since the last call, each with the state as of its due time.

        Called before every state change and before every read of the records."""
        with self.lock:
            if now is None:
                now = self.clock.monotonic()
            if self.status_interval <= 0:
                self._flushed = now
                return
            lo = self._flushed
            if now <= lo:
                return
            while True:
                # a restart plan whose process comes back within (lo, now]: records due before it use the old
                # state, then the node comes back (and writes at once), then the rest
                due = sorted((n.plan["down_end"], nid) for nid, n in self.nodes.items()
                             if n.plan is not None and lo < n.plan["down_end"] <= now)
                if not due:
                    break
                back, nid = due[0]
                self._write_due(lo, back, now, open_end=True)
                self._finish_plan(nid, now)
                self._came_back.add(nid)  # advance() reports it, so that its listener opens
                lo = back
                self._flushed = back
            self._write_due(lo, now, now)
            self._flushed = now

    def set_status_interval(self, seconds: float) -> None:
        """Change the interval at run time: each running node's next write is one new interval after its last."""
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) \
                or seconds < 0:
            raise ValueError("interval must be a finite number of seconds >= 0")
        with self.lock:
            now = self.clock.monotonic()
            self.flush_records(now)
            was = self.status_interval
            self.status_interval = float(seconds)
            if seconds <= 0:
                return
            for nid, node in self.nodes.items():
                if was <= 0 or nid not in self.record_at:
                    # from per-request records: each node's record as of now (a down node's as of its stop)
                    node.anchor = now
                    self._write_record(nid, now, now)
                else:
                    node.anchor = self.record_at[nid]
            self._flushed = now

    def status_writes(self, since: int = 0, node_id: Optional[int] = None) -> List[Dict[str, Any]]:
        with self.lock:
            self.flush_records()
            return [dict(e) for e in self.status_log
                    if e["seq"] > since and (node_id is None or e["node_id"] == node_id)]

    # ---- node status objects
    def server_version(self, build_tag: str) -> Dict[str, int]:
        m = re.match(r"v?(\d+)\.(\d+)", build_tag or "")
        major, minor = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
        return {"major_val": major, "minor_val": minor, "patch": 0, "internal": 0}

    def node_status(self, nid: int, now: float, wall: float, view, livenodes: int) -> Dict[str, Any]:
        node = self.nodes[nid]
        under, unav, ldelta, qdelta = view.underreplicated, view.unavailable, view.lease_delta, view.qps_delta
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
            "updated_at": int(as_of * 1e9),
            "liveness_status": lv,
        }

    def nodes_snapshot(self, node_ids: List[int]) -> List[Dict[str, Any]]:
        """``/api/v2/nodes/``: each node's last stored record plus its liveness as of now."""
        with self.lock:
            now = self.clock.monotonic()
            if self.status_interval <= 0:
                wall = self.clock.time()
                view = self.replication_view(now)
                live = sum(1 for n in self.nodes if self.liveness(n, now) in (3, 4, 6))
                return [self.node_status(n, now, wall, view, live) for n in node_ids]
            self.flush_records(now)
            out = []
            for n in node_ids:
                rec = dict(self.records[n])
                rec["liveness_status"] = self.liveness(n, now)
                out.append(rec)
            return out

    def node_summary(self, nid: int, listener=None, view=None) -> Dict[str, Any]:
        """The live truth about a node (control API), plus when its status record was last written."""
        with self.lock:
            now = self.clock.monotonic()
            self.flush_records(now)
            if view is None:
                view = self.replication_view(now)
            node = self.nodes[nid]
            up = self.process_up(nid, now)
            ready = self.readiness(nid, now)[0] if up else False
            if node.stopped_at is not None:
                phase = "failed" if node.start_error else "stopped"
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
                    "store_metrics": st["store_metrics"], "start_error": node.start_error,
                    "record_updated_at": (self.records[nid]["updated_at"] if nid in self.records
                                          else st["updated_at"]),
                    "record_age": round(now - self.record_at[nid], 3) if nid in self.record_at else 0.0}

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

    # ---- cluster version, settings, finalization (versions.py, settings.py; SQL in sql.py)
    def log_event(self, nid: Optional[int], message: str) -> None:
        """The emulator's cluster log (GET /_emulator/cluster ``log``): what a real node would print."""
        self.cluster_log.append({"ts": self.clock.time(), "node_id": nid, "message": message})
        del self.cluster_log[:-500]

    def _can_start(self, nid: int, build_tag: str) -> bool:
        """Binary compatibility at start: False (and the node stays down, logged) when ``build_tag`` cannot run
        against the cluster version."""
        node = self.nodes[nid]
        err = versions_mod.start_error(build_tag, self.active_version(), "/mnt/data%d/cockroach" % nid)
        if err is not None:
            node.start_error = err
            node.build_tag = build_tag
            self.log_event(nid, "n%d: cockroach start (%s) exited: ERROR: %s" % (nid, build_tag, err))
            return False
        node.start_error = None
        return True

    def active_version(self) -> "versions_mod.ActiveVersion":
        with self.lock:
            return self.versions.active(self.clock.monotonic())

    def setting_value(self, setting) -> Tuple[Any, str, str]:
        """(value, default as text, origin) of a catalogue setting."""
        if setting.typ == "m":
            text = versions_mod.fmt(self.versions.version)
            return text, text, "default"
        if setting.name in self.setting_values:
            value, origin = self.setting_values[setting.name], "override"
        else:
            value, origin = setting.default, "default"
        return value, settings_mod.display(setting, setting.default), origin

    def _binary_series(self, nid: int):
        return versions_mod.series_of(self.nodes[nid].build_tag)

    def _member_nodes(self) -> List[int]:
        """Nodes that take part in upgrades: all but decommissioned ones."""
        return [n for n in sorted(self.nodes) if self.nodes[n].liveness_override not in (4, 5)]

    def set_cluster_setting(self, setting, literal: Any, node_id: int) -> None:
        """SET / RESET CLUSTER SETTING (literal None = RESET); SettingError as the real node refuses."""
        with self.lock:
            now, wall = self.clock.monotonic(), self.clock.time()
            self.tick_versions()
            if setting.typ == "m":
                if literal is None:
                    raise settings_mod.SettingError("0A000", 'setting "version" cannot be reset')
                self._set_version(str(literal), node_id, now, wall)
                return
            if literal is None:
                self.setting_values.pop(setting.name, None)
            else:
                value = settings_mod.coerce(setting, literal)
                if setting.name == "cluster.preserve_downgrade_option" and value != "":
                    act = self.versions.active(now)
                    try:
                        wanted = versions_mod.parse_version(value)
                    except ValueError as e:
                        raise settings_mod.SettingError("XXUUU", str(e))
                    if not act.final or wanted != act.at_least:
                        raise settings_mod.SettingError(
                            "XXUUU", "cannot set cluster.preserve_downgrade_option to %s (cluster version is %s)"
                            % (value, act.text))
                self.setting_values[setting.name] = value
            self.log_event(node_id, "n%d: SET CLUSTER SETTING %s = %s" % (
                node_id, setting.name, "DEFAULT" if literal is None else settings_mod.display(
                    setting, self.setting_values.get(setting.name, setting.default))))
            self.tick_versions()

    def _set_version(self, text: str, node_id: int, now: float, wall: float) -> None:
        try:
            target = versions_mod.parse_version(text)
        except ValueError as e:
            raise settings_mod.SettingError("XXUUU", str(e))
        v = self.versions
        act = v.active(now)
        if v.finalization is not None:
            if target == v.finalization["to"]:
                return   # the same upgrade is already running: the statement waits for it (instant here)
            raise settings_mod.SettingError("XXUUU", "cannot upgrade to %s: an upgrade to %s is in progress"
                                            % (text, versions_mod.fmt(v.finalization["to"])))
        binary = self._binary_series(node_id)
        if binary is None or binary < target:
            raise settings_mod.SettingError("XXUUU", "cannot upgrade to %s: node running %s"
                                            % (text, versions_mod.fmt(binary) if binary else "?"))
        if target < act.at_least:
            raise settings_mod.SettingError("XXUUU", "versions cannot be downgraded (attempting to downgrade from "
                                                     "%s to %s)" % (act.text, text))
        if target == act.at_least:
            return
        pdo = self.setting_values.get("cluster.preserve_downgrade_option", "")
        if pdo:
            raise settings_mod.SettingError("XXUUU", "cannot upgrade to %s: cluster.preserve_downgrade_option is set "
                                                     "to %s" % (text, pdo))
        for nid in self._member_nodes():
            b = self._binary_series(nid)
            if not self.process_up(nid, now):
                raise settings_mod.SettingError("XXUUU", "cannot upgrade to %s: node %d is not live" % (text, nid))
            if b is None or b < target:
                raise settings_mod.SettingError("XXUUU", "cannot upgrade to %s: node %d running %s"
                                                % (text, nid, versions_mod.fmt(b) if b else "?"))
        v.start_finalization(target, now, wall, "SET CLUSTER SETTING version")
        self.log_event(node_id, "n%d: finalization %s -> %s started (SET CLUSTER SETTING version)"
                       % (node_id, versions_mod.fmt(v.version), text))

    def tick_versions(self) -> None:
        """Finish a finalization whose time is up; start the automatic one when its conditions hold:
        every non-decommissioned node up and on a newer major, the option unset, auto-upgrade on."""
        with self.lock:
            v = self.versions
            now, wall = self.clock.monotonic(), self.clock.time()
            if v.finalization is not None:
                to = v.finalization["to"]
                if v.tick(now, wall):
                    self.log_event(None, "finalization to %s done" % versions_mod.fmt(to))
                return
            if self.setting_values.get("cluster.preserve_downgrade_option", ""):
                return
            if not self.setting_values.get("cluster.auto_upgrade.enabled", True):
                return
            members = self._member_nodes()
            if not members:
                return
            series = []
            for nid in members:   # cheap on the ticker: stops at the first node not on a newer major
                b = self._binary_series(nid)
                if b is None or b <= v.version or not self.process_up(nid, now):
                    return
                series.append(b)
            target = min(series)
            if target > v.version:
                v.start_finalization(target, now, wall, "auto-upgrade")
                self.log_event(None, "auto-upgrade: finalization %s -> %s started"
                               % (versions_mod.fmt(v.version), versions_mod.fmt(target)))

    def migration_jobs(self) -> List[Dict[str, Any]]:
        """Running upgrade jobs (crdb_internal.jobs, job_type MIGRATION)."""
        with self.lock:
            self.tick_versions()
            f = self.versions.finalization
            if f is None:
                return []
            act = self.versions.active(self.clock.monotonic())
            return [{"job_id": f["job_id"], "status": "running", "created": f["started_wall"],
                     "description": 'Upgrade to %s: "%s"' % (act.text, "emulated upgrade step")}]

    def describe_versions(self) -> Dict[str, Any]:
        """GET /_emulator/cluster."""
        with self.lock:
            self.tick_versions()
            now, wall = self.clock.monotonic(), self.clock.time()
            out = self.versions.describe(now, wall)
            out["settings"] = {st.name: (out["active_version"] if st.typ == "m"
                                         else settings_mod.display(st, self.setting_value(st)[0]))
                               for st in settings_mod.CATALOGUE}
            out["nodes"] = [{"node_id": n, "build_tag": self.nodes[n].build_tag, "up": self.process_up(n, now),
                             "start_error": self.nodes[n].start_error} for n in sorted(self.nodes)]
            out["log"] = list(self.cluster_log)
            return out

    def patch_versions(self, body: Dict[str, Any]) -> None:
        """PATCH /_emulator/cluster: ``finalize_seconds``, ``hold_finalization``, ``version`` (no finalization
        running: put the cluster on another final version, e.g. to test refusals)."""
        known = {"finalize_seconds", "hold_finalization", "version"}
        unknown = set(body) - known
        if unknown:
            raise ValueError("unknown field(s): %s (known: %s)" % (", ".join(sorted(unknown)), ", ".join(sorted(known))))
        with self.lock:
            self.tick_versions()
            v = self.versions
            if "finalize_seconds" in body:
                secs = body["finalize_seconds"]
                if isinstance(secs, bool) or not isinstance(secs, (int, float)) or not 0 <= secs < float("inf"):
                    raise ValueError("finalize_seconds must be a number >= 0")
                v.finalize_seconds = float(secs)
                if v.finalization is not None:
                    v.finalization["seconds"] = float(secs)
            if "hold_finalization" in body:
                hold = body["hold_finalization"]
                if not isinstance(hold, bool):
                    raise ValueError("hold_finalization must be true or false")
                v.hold = hold   # released after its time: done at the next tick
            if "version" in body:
                if v.finalization is not None:
                    raise ValueError("a finalization is running; wait for it or hold it")
                try:
                    v.version = versions_mod.parse_version(str(body["version"]))
                except ValueError as e:
                    raise ValueError("version: %s (want a final version such as 25.4)" % e)
            self.tick_versions()
