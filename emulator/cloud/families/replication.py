"""Physical cluster replication (PCR) streams between two ADVANCED clusters (issue 13), and the
cluster CA certificate download.

Operations (spec tag "Physical Cluster Replication", PREVIEW): List / Create / Get / Update
``/api/v1/physical-replication-streams[/{id}]``.  Sources: the official spec, the Cloud docs page
"Physical Cluster Replication for Resiliency" (cockroachdb/docs
src/current/cockroachcloud/physical-cluster-replication.md) and terraform-provider-cockroach
``internal/provider/physical_replication_stream.go`` (waits for REPLICATING after create, for
COMPLETED after failover; a stream is never deleted).

Rules of a create (400 FAILED_PRECONDITION unless said otherwise), from the docs' prerequisites,
each checked in this order:

* both clusters exist and are ready (404 otherwise, as any cluster sub-resource), are not LOCKED (the
  lock error), are not the same cluster (400 INVALID_ARGUMENT);
* both are ADVANCED, were created with ``supports_cluster_virtualization`` (the docs call the flag
  ``support_physical_cluster_replication``; the 2024-09-16 spec only has the former, the Terraform
  example sets it), are on the same cloud provider, have exactly one region each;
* AWS and Azure: the two regions differ; GCP: the same region is allowed but the two ``cidr_range``
  must not overlap (every GCP cluster created without ``cidr_range`` gets 172.28.0.0/14, so two of them
  overlap, as the docs warn);
* the same major version (the docs do not say for Cloud; self-hosted allows the standby one version
  ahead: the harsher rule is modelled);
* neither cluster is already in an active stream (STARTING, REPLICATING, FAILING_OVER); the same
  pair already active answers 409 ALREADY_EXISTS (a client that lost the answer of its POST adopts it).

State machine (lazy, against the emulator clock; durations in ``replication_settings``, changed with
``POST /_emulator/cloud/replication/config``):

* STARTING for ``start_seconds`` (the docs: VPC peering and validation, "around 5 minutes"); the
  standby's data is wiped at create (the docs: a backup is taken, then all data is deleted).
* REPLICATING: ``replicated_time`` = now - ``lag_seconds`` (per stream: ``PATCH
  /_emulator/cloud/replication/streams/{id}`` ``{"lag_seconds": n}``), whole seconds;
  ``replication_lag_seconds`` = now - replicated_time; ``retained_time`` = max(the time replication
  began, now - ``retention_seconds``).  These three fields are shown only while REPLICATING (the docs'
  examples); when the primary is deleted (a disaster), replicated_time stops advancing and the lag
  grows: failing over is still possible.
* PATCH ``{"status": "FAILING_OVER", "failover_at"?}`` only from REPLICATING.  Without
  ``failover_at`` the stream fails over to the current replicated time; with it, the time must lie
  between ``retained_time`` and now + 1 hour (400 otherwise).  The stream is COMPLETED
  ``failover_seconds`` after both the request and the moment replicated time reaches the failover
  time; ``activated_at`` is that failover time; ``failover_at`` is shown only when the request gave it.
  At COMPLETED the standby holds the primary's SQL users and databases (PCR copies system tables).
* PATCH ``{"status": "CANCELED"}`` only from REPLICATING (``canceled_at``); ``failover_at`` with it is
  refused.  Every other transition (STARTING -> anything, the current status again, a terminal status)
  is 400 FAILED_PRECONDITION; a body without ``status`` is 400 INVALID_ARGUMENT.
* A standby deleted while the stream is active cancels it (``canceled_at`` = the deletion); a stream
  is never deleted and outlives its clusters.  A standby in an active stream refuses every write to
  its SQL users, databases and allowlist (400 FAILED_PRECONDITION; the docs: it accepts no reads or
  writes before failover) through ``_replication_write_guard``, called by ``CloudState._mutable_sub``.
* The list hides COMPLETED streams unless ``show_completed=true`` (CANCELED ones are listed: the
  parameter names only the completed state); sorted by ``created_at``; the cluster filters must be
  UUIDs (400) and an unknown cluster simply matches nothing.

The CA certificate: ``GET /clusters/{cluster_id}/cert`` (outside ``/api/v1``, no API key needed: the
Terraform provider's ``cockroach_cluster_cert`` downloads it from ``<server>/clusters/<id>/cert``
without one; the Cloud Console's connect dialog gives the same URL).  The emulator answers a PEM block
per cluster (``application/x-pem-file``) that is NOT a parseable X.509 certificate (the emulator has no
crypto library), and a plain-text 404 for a cluster that is unknown, deleted or still CREATING (the
real endpoint is not the API gateway; its error format is unknown).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import ipaddress
import re

from emulator.cloud.encoding import _enum, _obj, STR, decode, fmt_ts, parse_ts
from emulator.cloud.errors import ALREADY_EXISTS, FAILED_PRECONDITION, ApiError, bad, not_found
from emulator.core import Response
from emulator.routing import Route

ACTIVE = ("STARTING", "REPLICATING", "FAILING_OVER")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
STATUS = _enum("STARTING", "REPLICATING", "FAILING_OVER", "COMPLETED", "CANCELED")
CREATE_BODY = _obj(primary_cluster_id=STR, standby_cluster_id=STR)
# The request message also carries the path's id (gRPC-gateway ``body: "spec"`` would not; the harsher
# reading: the body is the spec alone, an ``id`` in it is an unknown field).
UPDATE_BODY = _obj(status=STATUS, failover_at=STR)
MAX_FUTURE_US = 3600 * 1_000_000

DEFAULT_SETTINGS = {
    "start_seconds": 3.0,        # STARTING -> REPLICATING
    "failover_seconds": 2.0,     # FAILING_OVER -> COMPLETED once the failover time is reached
    "lag_seconds": 2.0,          # replication lag of a new stream
    "retention_seconds": 4 * 3600.0,  # how far back retained_time reaches (at most)
}


def _whole(us):
    return us - us % 1_000_000


class StateMixin:
    def _reset_replication(self):
        self.streams = {}
        self.replication_settings = dict(DEFAULT_SETTINGS)

    # -- time ------------------------------------------------------------------------------------
    def _tick_stream(self, s):
        now = self._now_us()
        if s["status"] in ACTIVE:
            standby = self.clusters.get(s["standby_cluster_id"])
            if standby is not None and standby["state"] == "DELETED":
                s["status"] = "CANCELED"
                s["canceled_at"] = standby["deleted_at"]
                return
        if s["status"] == "STARTING" and now >= s["replicating_at"]:
            s["status"] = "REPLICATING"
        if s["status"] == "FAILING_OVER" and now >= s["complete_at"]:
            s["status"] = "COMPLETED"
            s["activated_at"] = s["failover_to"]
            primary = self.clusters.get(s["primary_cluster_id"])
            standby = self.clusters.get(s["standby_cluster_id"])
            if primary is not None and standby is not None:
                standby["users"] = copy.deepcopy(primary["users"])
                standby["databases"] = copy.deepcopy(primary["databases"])

    def _tick_streams(self):
        for s in self.streams.values():
            self._tick_stream(s)

    def _replicated_us(self, s, now=None):
        """Replicated time of a stream (whole seconds): now - lag, frozen once the primary is gone."""
        now = self._now_us() if now is None else now
        primary = self.clusters.get(s["primary_cluster_id"])
        if primary is not None and primary["state"] == "DELETED":
            now = min(now, primary["deleted_at"])
        return max(s["replicating_at"], _whole(now - int(s["lag_seconds"] * 1_000_000)))

    def _retained_us(self, s, now=None):
        now = self._now_us() if now is None else now
        return max(s["replicating_at"], _whole(now - int(self.replication_settings["retention_seconds"] * 1_000_000)))

    # -- the standby refuses writes ---------------------------------------------------------------
    def _replication_write_guard(self, c):
        for s in self.streams.values():
            if s["standby_cluster_id"] != c["id"]:
                continue
            self._tick_stream(s)
            if s["status"] in ACTIVE:
                raise bad("cluster %s is the standby of physical replication stream %s (status %s): it accepts no "
                          "changes until the stream is completed" % (c["name"], s["id"], s["status"]),
                          FAILED_PRECONDITION)

    # -- operations ----------------------------------------------------------------------------
    def _stream_cluster(self, cid, role):
        if not cid:
            raise bad("%s_cluster_id is required" % role)
        c = self._ready_cluster(cid)
        if c["state"] == "LOCKED":
            raise self._lock_error()
        return c

    def create_stream(self, body):
        p = self._stream_cluster(body.get("primary_cluster_id"), "primary")
        sb = self._stream_cluster(body.get("standby_cluster_id"), "standby")
        if p["id"] == sb["id"]:
            raise bad("primary_cluster_id and standby_cluster_id must name two different clusters")
        for c in (p, sb):
            if c["plan"] != "ADVANCED" or c["dedicated"] is None:
                raise bad("cluster %s is a %s cluster: physical replication needs two ADVANCED clusters"
                          % (c["name"], c["plan"]), FAILED_PRECONDITION)
            if not c["dedicated"].get("supports_cluster_virtualization"):
                raise bad("cluster %s was not created with supports_cluster_virtualization: physical replication "
                          "needs it on both clusters" % c["name"], FAILED_PRECONDITION)
        if p["provider"] != sb["provider"]:
            raise bad("the primary is on %s and the standby on %s: both clusters must be on the same cloud provider"
                      % (p["provider"], sb["provider"]), FAILED_PRECONDITION)
        for c in (p, sb):
            if len(c["dedicated"]["region_nodes"]) != 1:
                raise bad("cluster %s has %d regions: physical replication needs single-region clusters"
                          % (c["name"], len(c["dedicated"]["region_nodes"])), FAILED_PRECONDITION)
        pr, sr = list(p["dedicated"]["region_nodes"])[0], list(sb["dedicated"]["region_nodes"])[0]
        if p["provider"] != "GCP" and pr == sr:
            raise bad("on %s the primary and the standby must be in different regions (both are in %s)"
                      % (p["provider"], pr), FAILED_PRECONDITION)
        if p["provider"] == "GCP" and p["cidr_range"] and sb["cidr_range"]:
            if ipaddress.ip_network(p["cidr_range"]).overlaps(ipaddress.ip_network(sb["cidr_range"])):
                raise bad("the CIDR ranges of the primary (%s) and the standby (%s) overlap; create the clusters "
                          "with distinct cidr_range values" % (p["cidr_range"], sb["cidr_range"]), FAILED_PRECONDITION)
        pv, sv = p["version"].split(".")[:2], sb["version"].split(".")[:2]
        if pv != sv:
            raise bad("the primary runs %s and the standby %s: both clusters must run the same major version"
                      % (".".join(pv), ".".join(sv)), FAILED_PRECONDITION)
        self._tick_streams()
        for s in self.streams.values():
            if s["status"] not in ACTIVE:
                continue
            if s["primary_cluster_id"] == p["id"] and s["standby_cluster_id"] == sb["id"]:
                raise ApiError(409, ALREADY_EXISTS, "a physical replication stream from %s to %s already exists (%s)"
                               % (p["name"], sb["name"], s["id"]))
            for c in (p, sb):
                if c["id"] in (s["primary_cluster_id"], s["standby_cluster_id"]):
                    raise bad("cluster %s is already part of physical replication stream %s (status %s)"
                              % (c["name"], s["id"], s["status"]), FAILED_PRECONDITION)
        now = self._now_us()
        s = {
            "id": self._uuid(), "primary_cluster_id": p["id"], "standby_cluster_id": sb["id"],
            "status": "STARTING", "created_at": now,
            "replicating_at": now + int(self.replication_settings["start_seconds"] * 1_000_000),
            "lag_seconds": float(self.replication_settings["lag_seconds"]),
            "failover_at": None, "failover_to": None, "complete_at": None, "activated_at": None, "canceled_at": None,
        }
        self.streams[s["id"]] = s
        # The standby's data is backed up and deleted before replication starts.
        sb["users"] = {}
        sb["databases"] = {"defaultdb": {"table_count": 0}}
        self._record("AUDIT_LOG_ACTION_CREATE_PHYSICAL_REPLICATION_STREAM", p,
                     {"id": s["id"], "primary_cluster_id": p["id"], "standby_cluster_id": sb["id"]})
        self._tick_stream(s)
        return s

    def get_stream(self, sid):
        s = self.streams.get(sid)
        if s is None:
            raise not_found("physical replication stream %s not found" % sid)
        self._tick_stream(s)
        return s

    def update_stream(self, sid, body):
        s = self.get_stream(sid)
        want = body.get("status")
        if not want:
            raise bad("status is required: FAILING_OVER or CANCELED")
        if want not in ("FAILING_OVER", "CANCELED"):
            raise bad("status may only be set to FAILING_OVER or CANCELED, not %s" % want)
        if s["status"] != "REPLICATING":
            raise bad("physical replication stream %s is %s: only a REPLICATING stream can change to %s"
                      % (sid, s["status"], want), FAILED_PRECONDITION)
        standby = self.clusters.get(s["standby_cluster_id"])
        if standby is not None and standby["state"] == "LOCKED":
            raise self._lock_error()
        now = self._now_us()
        if want == "CANCELED":
            if "failover_at" in body:
                raise bad("failover_at cannot be set when canceling a stream")
            s["status"] = "CANCELED"
            s["canceled_at"] = now
            self._record("AUDIT_LOG_ACTION_CANCEL_PHYSICAL_REPLICATION_STREAM", self.clusters.get(s["primary_cluster_id"]),
                         {"id": sid})
            return s
        replicated = self._replicated_us(s, now)
        if "failover_at" in body:
            at = parse_ts(body["failover_at"], "failover_at")
            retained = self._retained_us(s, now)
            if at < retained:
                raise bad("failover_at %s is before the retained time %s of the stream"
                          % (fmt_ts(at), fmt_ts(retained)), FAILED_PRECONDITION)
            if at > now + MAX_FUTURE_US:
                raise bad("failover_at %s is more than one hour in the future" % fmt_ts(at), FAILED_PRECONDITION)
            s["failover_at"] = at
            target = at
        else:
            target = replicated
        # Reached when replicated time gets there (now - lag >= target), then the failover takes its time.
        reach = max(now, target + int(s["lag_seconds"] * 1_000_000))
        s["failover_to"] = target
        s["complete_at"] = reach + int(self.replication_settings["failover_seconds"] * 1_000_000)
        s["status"] = "FAILING_OVER"
        self._record("AUDIT_LOG_ACTION_FAILOVER_PHYSICAL_REPLICATION_STREAM", standby, dict(body, id=sid))
        self._tick_stream(s)
        return s

    def list_streams(self, primary=None, standby=None, either=None, show_completed=False):
        self._tick_streams()
        out = []
        for s in self.streams.values():
            if primary and s["primary_cluster_id"] != primary:
                continue
            if standby and s["standby_cluster_id"] != standby:
                continue
            if either and either not in (s["primary_cluster_id"], s["standby_cluster_id"]):
                continue
            if s["status"] == "COMPLETED" and not show_completed:
                continue
            out.append(s)
        return out

    def cluster_ca_cert(self, cid):
        c = self.clusters.get(cid)
        if c is None:
            return None
        self._tick(c)
        if c["state"] not in ("CREATED", "LOCKED"):
            return None
        raw = b""
        seed = ("crdb-ca:%s:%s" % (c["id"], c["created_at"])).encode("utf-8")
        while len(raw) < 480:
            seed = hashlib.sha256(seed).digest()
            raw += seed
        body = base64.b64encode(raw[:480]).decode("ascii")
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % "\n".join(lines)


def render_stream(api, s):
    st = api.s
    out = {
        "id": s["id"], "status": s["status"], "primary_cluster_id": s["primary_cluster_id"],
        "standby_cluster_id": s["standby_cluster_id"], "created_at": fmt_ts(s["created_at"]),
    }
    if s["status"] == "REPLICATING":
        now = st._now_us()
        replicated = st._replicated_us(s, now)
        out["replicated_time"] = fmt_ts(replicated)
        out["replication_lag_seconds"] = int((now - replicated) // 1_000_000)
        out["retained_time"] = fmt_ts(st._retained_us(s, now))
    if s["failover_at"] is not None and s["status"] in ("FAILING_OVER", "COMPLETED"):
        out["failover_at"] = fmt_ts(s["failover_at"])
    if s["status"] == "COMPLETED":
        out["activated_at"] = fmt_ts(s["activated_at"])
    if s["status"] == "CANCELED" and s["canceled_at"] is not None:
        out["canceled_at"] = fmt_ts(s["canceled_at"])
    return out


class HandlersMixin:
    def _q_cluster_id(self, req, name):
        v = req.q(name)
        if v in (None, ""):
            return None
        if not UUID_RE.match(v):
            raise bad('invalid value for query parameter "%s": %r is not a cluster id' % (name, v))
        return v

    def pcr_list(self, req, ctx):
        items = self.s.list_streams(primary=self._q_cluster_id(req, "primary_cluster_id"),
                                    standby=self._q_cluster_id(req, "standby_cluster_id"),
                                    either=self._q_cluster_id(req, "cluster_id"),
                                    show_completed=self._qbool(req, "show_completed"))
        page, pag = self._paginate(req, items, lambda s: (s["created_at"], s["id"]))
        return self._ok({"physical_replication_streams": [render_stream(self, s) for s in page], "pagination": pag})

    def pcr_create(self, req, ctx):
        body = self._body(req, CREATE_BODY)
        return self._ok(render_stream(self, self.s.create_stream(body)))

    def pcr_get(self, req, ctx, stream_id):
        return self._ok(render_stream(self, self.s.get_stream(stream_id)))

    def pcr_update(self, req, ctx, stream_id):
        body = self._body(req, UPDATE_BODY)
        return self._ok(render_stream(self, self.s.update_stream(stream_id, body)))

    def pcr_cluster_cert(self, req, ctx, cluster_id):
        pem = self.s.cluster_ca_cert(cluster_id)
        if pem is None:
            return Response.text(404, "Not Found")
        return Response(200, pem.encode("ascii"), {"Content-Type": "application/x-pem-file"})

    # -- control ------------------------------------------------------------------------------------
    def c_pcr_config(self, body):
        for k, v in body.items():
            if k not in DEFAULT_SETTINGS:
                raise bad("unknown replication setting %s (known: %s)" % (k, ", ".join(sorted(DEFAULT_SETTINGS))))
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise bad("%s must be a number of seconds, 0 or more" % k)
            self.s.replication_settings[k] = float(v)
        return Response.json(200, dict(self.s.replication_settings))

    def c_pcr_stream(self, body, stream_id):
        s = self.s.get_stream(stream_id)
        body = decode(body, _obj(lag_seconds=("int32",)))
        if "lag_seconds" in body:
            if body["lag_seconds"] < 0:
                raise bad("lag_seconds must not be negative")
            s["lag_seconds"] = float(body["lag_seconds"])
        return Response.json(200, render_stream(self, s))


S = "/api/v1/physical-replication-streams"
ROUTES = [
    Route("GET", S, HandlersMixin.pcr_list),
    Route("POST", S, HandlersMixin.pcr_create),
    Route("GET", S + "/{stream_id}", HandlersMixin.pcr_get),
    Route("PATCH", S + "/{stream_id}", HandlersMixin.pcr_update),
    # the CA certificate download: not an API operation (no operationId), no API key needed
    Route("GET", "/clusters/{cluster_id}/cert", HandlersMixin.pcr_cluster_cert, "public"),
]
OPERATION_IDS = {
    "pcr_list": "CockroachCloud_ListPhysicalReplicationStreams",
    "pcr_create": "CockroachCloud_CreatePhysicalReplicationStream",
    "pcr_get": "CockroachCloud_GetPhysicalReplicationStream",
    "pcr_update": "CockroachCloud_UpdatePhysicalReplicationStream",
}
CONTROL_ROUTES = [
    Route("POST", "/replication/config", HandlersMixin.c_pcr_config),       # start/failover/lag/retention seconds
    Route("PATCH", "/replication/streams/{stream_id}", HandlersMixin.c_pcr_stream),  # {"lag_seconds": n}
]


def state_view(api):
    st = api.s
    st._tick_streams()
    return {
        "settings": dict(st.replication_settings),
        "streams": [dict(render_stream(api, s), _lag_seconds=s["lag_seconds"],
                         _failover_to=fmt_ts(s["failover_to"]) if s["failover_to"] is not None else None)
                    for s in sorted(st.streams.values(), key=lambda x: (x["created_at"], x["id"]))],
    }
