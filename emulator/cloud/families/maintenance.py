"""Maintenance window, version deferral, blackout windows and the client CA certificate of a cluster (issue 13).

Ground truth: the official spec (``MaintenanceWindow``, ``ClusterVersionDeferral``, ``BlackoutWindow``,
``ClientCACertInfo``), the Terraform provider's ``maintenance_window.go``, ``version_deferral.go``,
``blackout_window_resource.go`` and ``client_ca_cert_resource.go``, and their documentation.  The state
is kept per cluster id in ``self._maint``; it goes with the cluster (every operation needs a ready
cluster: 404 while CREATING and after deletion).  Every write is refused while the cluster is LOCKED
(``lock_scope``), like the other sub-resources.

Confirmed by the sources and modelled:

* Maintenance window (``PUT|GET|DELETE .../maintenance-window``): ADVANCED clusters only (spec; the
  provider's test mocks "supported for advanced clusters only").  Durations are protobuf JSON durations
  (``"172800s"``, up to nine fractional digits); answered in the canonical form (``"172800s"``,
  ``"1.500s"``).  ``offset_duration`` must be less than one week, ``window_duration`` at least 6 hours and
  less than one week.  GET/DELETE of a cluster without a window answer 404 (the provider removes its
  resource on a 404 read).
* Version deferral (``GET|PUT .../version-deferral``): the five policies; ``deferred_until`` of the
  request is ignored (spec: deprecated).
* Blackout windows: ADVANCED only (400 code 3 "invalid argument: blackout windows are supported for advanced
  clusters only", the message the provider's blackout_window_resource_test.go expects of the real API); start
  at least 7 days ahead; end after start, at most 14 days after it and at most three (calendar) months from now;
  two consecutive maintenance windows may not both be touched by blackout windows (provider documentation).
* Client CA certificate: a write starts a job that locks the cluster (``CRDB_CUSTOM_CLIENT_CA_RUNNING``)
  for ``update_seconds``; the status is PENDING meanwhile, then IS_SET (NOT_SET after a delete), or
  FAILED when the job fails (control ``fail``; the previous certificate stays in effect).  The provider
  polls GET until the status leaves PENDING.

Not confirmed; the harsher case is modelled:

* GET of a maintenance window of a cluster that is not ADVANCED: 404 as for "no window".
* Version deferral PUT on a cluster that is not ADVANCED: 400 FAILED_PRECONDITION (the documentation
  names the setting for Advanced clusters only).  ``FIXED_DEFERRAL`` (deprecated, "equivalent to
  DEFERRAL_60_DAYS") reads back as ``DEFERRAL_60_DAYS``.  ``deferred_until`` is never shown: the emulator
  has no patch releases, and the spec says it is null when no patch is pending.
* Blackout windows need a maintenance window (the provider's example assumes one); they may not overlap
  each other; a window that has started cannot be updated (deleting it is allowed); a window that has
  ended stays listed.  A maintenance-window PUT that would make existing (unfinished) blackout windows
  touch two consecutive maintenance windows is refused.  No limit on their number beyond these rules.
* Client CA: POST when a certificate is in effect answers 409 ALREADY_EXISTS (use PATCH); PATCH or DELETE
  without one answers 404.  ``x509_pem_cert`` must be one or more ``CERTIFICATE`` PEM blocks whose content
  is DER with the shape of an X.509 certificate, and nothing else (a private key is refused and never
  echoed).  Writes on clusters that are not ADVANCED: 400 FAILED_PRECONDITION; GET answers NOT_SET.
"""

import base64
import binascii
import hashlib
import re
from datetime import datetime, timezone

from emulator.cloud.encoding import fmt_ts, parse_ts
from emulator.cloud.errors import ALREADY_EXISTS, FAILED_PRECONDITION, ApiError, bad, not_found
from emulator.core import Response
from emulator.routing import Route

WEEK = 7 * 24 * 3600
MIN_WINDOW = 6 * 3600
BLACKOUT_LEAD = 7 * 24 * 3600
BLACKOUT_MAX = 14 * 24 * 3600
# Monday 1970-01-05 00:00 UTC, the start of the first week of the epoch.
FIRST_MONDAY = 4 * 24 * 3600
NANOS = 1_000_000_000

DEFERRAL_POLICIES = ("NOT_DEFERRED", "DEFERRAL_60_DAYS", "FIXED_DEFERRAL", "DEFERRAL_30_DAYS", "DEFERRAL_90_DAYS")
CA_OPERATION = "CRDB_CUSTOM_CLIENT_CA_RUNNING"

STR = ("str",)
MAINTENANCE_WINDOW = ("obj", {"cluster_id": STR, "offset_duration": STR, "window_duration": STR})
VERSION_DEFERRAL = ("obj", {"cluster_id": STR, "deferral_policy": ("enum", DEFERRAL_POLICIES), "deferred_until": STR})
BLACKOUT_CREATE = ("obj", {"cluster_id": STR, "start_time": STR, "end_time": STR})
BLACKOUT_UPDATE = ("obj", {"cluster_id": STR, "blackout_window_id": STR, "start_time": STR, "end_time": STR})
CLIENT_CA = ("obj", {"cluster_id": STR, "x509_pem_cert": STR})

DURATION_RE = re.compile(r"^(-?)(\d{1,12})(?:\.(\d{1,9}))?s$")
PEM_BLOCK_RE = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----", re.S)


# -- pure helpers ---------------------------------------------------------------------------------
def parse_duration(value, field):
    """A protobuf JSON duration (``"172800s"``, ``"1.5s"``) -> nanoseconds; 400 naming ``field`` otherwise."""
    m = DURATION_RE.match(value if isinstance(value, str) else "")
    if not m:
        raise bad('invalid value for field "%s": %r is not a duration such as "172800s"' % (field, value))
    sign, secs, frac = m.groups()
    nanos = int(secs) * NANOS + int((frac or "").ljust(9, "0") or 0)
    return -nanos if sign else nanos


def fmt_duration(nanos):
    """Nanoseconds -> the canonical protobuf JSON form: ``"172800s"``, ``"1.500s"``, ``"0.000001s"``."""
    secs, frac = divmod(nanos, NANOS)
    if frac == 0:
        return "%ds" % secs
    if frac % 1_000_000 == 0:
        return "%d.%03ds" % (secs, frac // 1_000_000)
    if frac % 1000 == 0:
        return "%d.%06ds" % (secs, frac // 1000)
    return "%d.%09ds" % (secs, frac)


def _der_tlv(data, pos):
    """(tag, content start, end) of the DER element at ``pos``; ValueError when malformed."""
    if pos + 2 > len(data):
        raise ValueError("truncated")
    tag = data[pos]
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated")
    return tag, pos, pos + length


def looks_like_certificate(der):
    """DER of the shape SEQUENCE { SEQUENCE tbs, SEQUENCE algorithm, BIT STRING signature }."""
    try:
        tag, start, end = _der_tlv(der, 0)
        if tag != 0x30 or end != len(der):
            return False
        tags = []
        pos = start
        while pos < end:
            t, s, e = _der_tlv(der, pos)
            tags.append(t)
            pos = e
        return tags == [0x30, 0x30, 0x03]
    except ValueError:
        return False


def certificates(pem, field="x509_pem_cert"):
    """The DER bytes of each certificate of a PEM text; 400 (never echoing the text) when it is not one."""
    text = pem.strip() if isinstance(pem, str) else ""
    blocks = PEM_BLOCK_RE.findall(text)
    rest = PEM_BLOCK_RE.sub("", text).strip()
    problem = None
    if not blocks:
        problem = "no PEM block found"
    elif rest:
        problem = "text outside the PEM blocks"
    out = []
    for begin, body, end in blocks:
        if problem:
            break
        if begin != end or begin != "CERTIFICATE":
            problem = "a %s block is not a CERTIFICATE" % (begin if begin == end else "mismatched")
            break
        try:
            der = base64.b64decode(re.sub(r"\s+", "", body), validate=True)
        except (binascii.Error, ValueError):
            problem = "a CERTIFICATE block is not valid base64"
            break
        if not looks_like_certificate(der):
            problem = "a CERTIFICATE block does not hold an X.509 certificate"
            break
        out.append(der)
    if problem:
        raise bad('invalid value for field "%s": not a PEM-encoded X.509 certificate (%s)' % (field, problem))
    return out


def _add_months(us, months):
    dt = datetime.fromtimestamp(us / 1_000_000, tz=timezone.utc)
    month = dt.month - 1 + months
    year = dt.year + month // 12
    month = month % 12 + 1
    day = dt.day
    while True:
        try:
            return int(dt.replace(year=year, month=month, day=day).timestamp() * 1_000_000)
        except ValueError:
            day -= 1


def maintenance_occurrences(window, lo_us, hi_us):
    """[(start_us, end_us)] of the weekly maintenance windows that may touch [lo_us, hi_us)."""
    off_us = window["offset"] // 1000
    len_us = window["window"] // 1000
    week_us = WEEK * 1_000_000
    first = (lo_us - FIRST_MONDAY * 1_000_000 - off_us - len_us) // week_us
    out = []
    k = first
    while True:
        start = FIRST_MONDAY * 1_000_000 + k * week_us + off_us
        if start >= hi_us:
            return out
        out.append((start, start + len_us))
        k += 1


def covers_two_consecutive(window, blackouts):
    """Whether the blackout intervals touch two consecutive maintenance windows."""
    if not blackouts or window is None:
        return False
    lo = min(b[0] for b in blackouts)
    hi = max(b[1] for b in blackouts)
    blocked = [any(s < be and bs < e for bs, be in blackouts) for s, e in maintenance_occurrences(window, lo, hi)]
    return any(a and b for a, b in zip(blocked, blocked[1:]))


class StateMixin:
    def _reset_maintenance(self):
        self._maint = {}

    def _maint_of(self, c):
        return self._maint.setdefault(c["id"], {"window": None, "deferral": "NOT_DEFERRED", "blackouts": {},
                                                "ca": {"cert": None, "status": "NOT_SET", "job": None}})

    @staticmethod
    def _advanced_only(c, what):
        if c.get("plan") != "ADVANCED" and what == "blackout windows":
            # the real answer, word for word (the provider's acceptance test expects it)
            raise bad("invalid argument: blackout windows are supported for advanced clusters only")
        if c.get("plan") != "ADVANCED":
            raise bad("%s are supported for ADVANCED clusters only (cluster %s is %s)" % (what, c["name"], c.get("plan")),
                      FAILED_PRECONDITION)

    # -- maintenance window ------------------------------------------------------------------------
    def get_maintenance_window(self, cid):
        c = self._ready_cluster(cid)
        w = self._maint_of(c)["window"]
        if w is None or c.get("plan") != "ADVANCED":
            raise not_found("maintenance window for cluster %s not found" % cid)
        return w

    def set_maintenance_window(self, cid, body):
        for f in ("offset_duration", "window_duration"):
            if f not in body:
                raise bad('field "%s" is required' % f)
        offset = parse_duration(body["offset_duration"], "offset_duration")
        length = parse_duration(body["window_duration"], "window_duration")
        if not 0 <= offset < WEEK * NANOS:
            raise bad('invalid value for field "offset_duration": must be at least 0s and less than 1 week (604800s)')
        if not MIN_WINDOW * NANOS <= length < WEEK * NANOS:
            raise bad('invalid value for field "window_duration": must be at least 6 hours (21600s) and less than '
                      '1 week (604800s)')
        c = self._mutable_sub(cid)
        self._advanced_only(c, "maintenance windows")
        m = self._maint_of(c)
        window = {"offset": offset, "window": length}
        now_us = self._now_us()
        live = [(b["start"], b["end"]) for b in m["blackouts"].values() if b["end"] > now_us]
        if covers_two_consecutive(window, live):
            raise bad("this maintenance window would let the cluster's blackout windows cover two consecutive "
                      "maintenance windows", FAILED_PRECONDITION)
        m["window"] = window
        self._record("AUDIT_LOG_ACTION_SET_CLUSTER_MAINTENANCE_WINDOW", c, self.render_window(window))
        return window

    def delete_maintenance_window(self, cid):
        c = self._mutable_sub(cid)
        m = self._maint_of(c)
        if m["window"] is None or c.get("plan") != "ADVANCED":
            raise not_found("maintenance window for cluster %s not found" % cid)
        window, m["window"] = m["window"], None
        self._record("AUDIT_LOG_ACTION_DELETE_CLUSTER_MAINTENANCE_WINDOW", c)
        return window

    @staticmethod
    def render_window(w):
        return {"offset_duration": fmt_duration(w["offset"]), "window_duration": fmt_duration(w["window"])}

    # -- version deferral ------------------------------------------------------------------------------
    def get_version_deferral(self, cid):
        return self._maint_of(self._ready_cluster(cid))["deferral"]

    def set_version_deferral(self, cid, body):
        if "deferral_policy" not in body:
            raise bad('field "deferral_policy" is required')
        if "deferred_until" in body:
            parse_ts(body["deferred_until"], "deferred_until")  # ignored, but must be a timestamp
        c = self._mutable_sub(cid)
        self._advanced_only(c, "version deferral policies")
        policy = body["deferral_policy"]
        if policy == "FIXED_DEFERRAL":
            policy = "DEFERRAL_60_DAYS"
        self._maint_of(c)["deferral"] = policy
        self._record("AUDIT_LOG_ACTION_UPDATE_CLUSTER_VERSION_UPGRADE_DEFERRAL", c, {"deferral_policy": policy})
        return policy

    # -- blackout windows --------------------------------------------------------------------------------
    def blackout_windows(self, cid):
        return list(self._maint_of(self._ready_cluster(cid))["blackouts"].values())

    def get_blackout_window(self, cid, wid):
        b = self._maint_of(self._ready_cluster(cid))["blackouts"].get(wid)
        if b is None:
            raise not_found("blackout window %s not found" % wid)
        return b

    def _check_blackout(self, c, m, start, end, other_id=None, start_changed=True):
        now = self._now_us()
        if end <= start:
            raise bad('invalid value for field "end_time": must be after start_time')
        if end - start > BLACKOUT_MAX * 1_000_000:
            raise bad('invalid value for field "end_time": a blackout window lasts at most 14 days')
        if start_changed and start < now + BLACKOUT_LEAD * 1_000_000:
            raise bad('invalid value for field "start_time": must be scheduled at least 7 days in advance')
        if end > _add_months(now, 3):
            raise bad('invalid value for field "end_time": must not be more than three months from now')
        if m["window"] is None:
            raise bad("cluster %s has no maintenance window; set one before scheduling blackout windows" % c["name"],
                      FAILED_PRECONDITION)
        others = [(b["start"], b["end"]) for k, b in m["blackouts"].items() if k != other_id]
        if any(s < end and start < e for s, e in others):
            raise bad("the blackout window overlaps another blackout window of the cluster", FAILED_PRECONDITION)
        live = [iv for iv in others if iv[1] > now] + [(start, end)]
        if covers_two_consecutive(m["window"], live):
            raise bad("blackout windows cannot cover two consecutive maintenance windows", FAILED_PRECONDITION)

    def create_blackout_window(self, cid, body):
        for f in ("start_time", "end_time"):
            if f not in body:
                raise bad('field "%s" is required' % f)
        start = parse_ts(body["start_time"], "start_time")
        end = parse_ts(body["end_time"], "end_time")
        c = self._mutable_sub(cid)
        self._advanced_only(c, "blackout windows")
        m = self._maint_of(c)
        self._check_blackout(c, m, start, end)
        b = {"id": self._uuid(), "cluster_id": c["id"], "start": start, "end": end}
        m["blackouts"][b["id"]] = b
        self._record("AUDIT_LOG_ACTION_CREATE_CLUSTER_BLACKOUT_WINDOW", c, render_blackout(b))
        return b

    def update_blackout_window(self, cid, wid, body):
        start = parse_ts(body["start_time"], "start_time") if "start_time" in body else None
        end = parse_ts(body["end_time"], "end_time") if "end_time" in body else None
        c = self._mutable_sub(cid)
        self._advanced_only(c, "blackout windows")
        m = self._maint_of(c)
        b = m["blackouts"].get(wid)
        if b is None:
            raise not_found("blackout window %s not found" % wid)
        if b["start"] <= self._now_us():
            raise bad("blackout window %s has already started and cannot be changed" % wid, FAILED_PRECONDITION)
        new_start = b["start"] if start is None else start
        new_end = b["end"] if end is None else end
        self._check_blackout(c, m, new_start, new_end, other_id=wid, start_changed=new_start != b["start"])
        b["start"], b["end"] = new_start, new_end
        self._record("AUDIT_LOG_ACTION_UPDATE_CLUSTER_BLACKOUT_WINDOW", c, render_blackout(b))
        return b

    def delete_blackout_window(self, cid, wid):
        c = self._mutable_sub(cid)
        m = self._maint_of(c)
        b = m["blackouts"].pop(wid, None)
        if b is None:
            raise not_found("blackout window %s not found" % wid)
        self._record("AUDIT_LOG_ACTION_DELETE_CLUSTER_BLACKOUT_WINDOW", c, render_blackout(b))
        return b

    # -- client CA certificate -----------------------------------------------------------------------------
    def _ca_tick(self, c):
        """Settle a finished CA job: IS_SET / NOT_SET, or FAILED with the previous certificate kept."""
        ca = self._maint_of(c)["ca"]
        job = ca["job"]
        if job is None or c.get("pending") is job["pending"]:
            return ca
        if c.pop("_client_ca_failed", None) == job["token"]:
            ca["cert"], ca["status"] = job["previous"], "FAILED"
        else:
            ca["cert"] = job["target"]
            ca["status"] = "IS_SET" if job["target"] else "NOT_SET"
        ca["job"] = None
        return ca

    def get_client_ca(self, cid):
        return self._ca_tick(self._ready_cluster(cid))

    def _ca_write(self, cid, body, kind):
        pem = None
        if kind != "delete":
            if "x509_pem_cert" not in body:
                raise bad('field "x509_pem_cert" is required')
            certificates(body["x509_pem_cert"])
            pem = body["x509_pem_cert"]
        c = self._mutable_sub(cid)
        self._advanced_only(c, "client CA certificates")
        ca = self._ca_tick(c)
        if kind == "set" and ca["cert"]:
            raise ApiError(409, ALREADY_EXISTS, "a client CA certificate is already set on cluster %s; update it "
                                                "instead" % c["name"])
        if kind != "set" and not ca["cert"]:
            raise not_found("no client CA certificate is set on cluster %s" % c["name"])
        token = self._uuid()
        pending = {"kind": "client_ca", "snapshot": {"_client_ca_failed": token}}
        ca["job"] = {"pending": pending, "token": token, "target": pem, "previous": ca["cert"]}
        ca["status"] = "PENDING"
        if pem:
            ca["cert"] = pem
        self._start_lock(c, CA_OPERATION, pending, self.settings["update_seconds"])
        action = {"set": "SET", "update": "UPDATE", "delete": "DELETE"}[kind]
        self._record("AUDIT_LOG_ACTION_%s_CLIENT_CA_CERT" % action, c, {"status": "PENDING"})
        self._tick(c)
        return self._ca_tick(c)


def render_blackout(b):
    return {"id": b["id"], "cluster_id": b["cluster_id"], "start_time": fmt_ts(b["start"]), "end_time": fmt_ts(b["end"])}


def render_ca(ca):
    out = {"status": ca["status"]}
    if ca["cert"]:
        out["x509_pem_cert"] = ca["cert"]
    return out


class HandlersMixin:
    def maint_get_window(self, req, ctx, cluster_id):
        return self._ok(self.s.render_window(self.s.get_maintenance_window(cluster_id)))

    def maint_set_window(self, req, ctx, cluster_id):
        body = self._body(req, MAINTENANCE_WINDOW)
        return self._ok(self.s.render_window(self.s.set_maintenance_window(cluster_id, body)))

    def maint_delete_window(self, req, ctx, cluster_id):
        return self._ok(self.s.render_window(self.s.delete_maintenance_window(cluster_id)))

    def maint_get_deferral(self, req, ctx, cluster_id):
        return self._ok({"deferral_policy": self.s.get_version_deferral(cluster_id)})

    def maint_set_deferral(self, req, ctx, cluster_id):
        body = self._body(req, VERSION_DEFERRAL)
        return self._ok({"deferral_policy": self.s.set_version_deferral(cluster_id, body)})

    def maint_list_blackouts(self, req, ctx, cluster_id):
        items = self.s.blackout_windows(cluster_id)
        page, pag = self._paginate(req, items, lambda b: (b["start"], b["id"]))
        return self._ok({"blackout_windows": [render_blackout(b) for b in page], "pagination": pag})

    def maint_create_blackout(self, req, ctx, cluster_id):
        body = self._body(req, BLACKOUT_CREATE)
        return self._ok(render_blackout(self.s.create_blackout_window(cluster_id, body)))

    def maint_get_blackout(self, req, ctx, cluster_id, blackout_window_id):
        return self._ok(render_blackout(self.s.get_blackout_window(cluster_id, blackout_window_id)))

    def maint_update_blackout(self, req, ctx, cluster_id, blackout_window_id):
        body = self._body(req, BLACKOUT_UPDATE)
        return self._ok(render_blackout(self.s.update_blackout_window(cluster_id, blackout_window_id, body)))

    def maint_delete_blackout(self, req, ctx, cluster_id, blackout_window_id):
        return self._ok(render_blackout(self.s.delete_blackout_window(cluster_id, blackout_window_id)))

    def maint_get_ca(self, req, ctx, cluster_id):
        return self._ok(render_ca(self.s.get_client_ca(cluster_id)))

    def maint_set_ca(self, req, ctx, cluster_id):
        return self._ok(render_ca(self.s._ca_write(cluster_id, self._body(req, CLIENT_CA), "set")))

    def maint_update_ca(self, req, ctx, cluster_id):
        return self._ok(render_ca(self.s._ca_write(cluster_id, self._body(req, CLIENT_CA), "update")))

    def maint_delete_ca(self, req, ctx, cluster_id):
        return self._ok(render_ca(self.s._ca_write(cluster_id, {}, "delete")))

    def maint_c_state(self, body, cluster_id):
        c = self.s._cluster(cluster_id)
        return Response.json(200, _view_of(self.s, c))


def _view_of(s, c):
    m = s._maint_of(c)
    ca = s._ca_tick(c)
    return {
        "maintenance_window": s.render_window(m["window"]) if m["window"] else None,
        "deferral_policy": m["deferral"],
        "blackout_windows": [render_blackout(b) for b in sorted(m["blackouts"].values(), key=lambda b: b["start"])],
        "client_ca": {"status": ca["status"],
                      "sha256": [hashlib.sha256(d).hexdigest() for d in certificates(ca["cert"])] if ca["cert"] else []},
    }


def state_view(api):
    s = api.s
    return {cid: _view_of(s, s.clusters[cid]) for cid in sorted(s._maint) if cid in s.clusters}


C = "/api/v1/clusters/{cluster_id}"
H = HandlersMixin
ROUTES = [
    Route("GET", C + "/maintenance-window", H.maint_get_window),
    Route("PUT", C + "/maintenance-window", H.maint_set_window),
    Route("DELETE", C + "/maintenance-window", H.maint_delete_window),
    Route("GET", C + "/version-deferral", H.maint_get_deferral),
    Route("PUT", C + "/version-deferral", H.maint_set_deferral),
    Route("GET", C + "/blackout-windows", H.maint_list_blackouts),
    Route("POST", C + "/blackout-windows", H.maint_create_blackout),
    Route("GET", C + "/blackout-windows/{blackout_window_id}", H.maint_get_blackout),
    Route("PATCH", C + "/blackout-windows/{blackout_window_id}", H.maint_update_blackout),
    Route("DELETE", C + "/blackout-windows/{blackout_window_id}", H.maint_delete_blackout),
    Route("GET", C + "/client-ca-cert", H.maint_get_ca),
    Route("POST", C + "/client-ca-cert", H.maint_set_ca),
    Route("PATCH", C + "/client-ca-cert", H.maint_update_ca),
    Route("DELETE", C + "/client-ca-cert", H.maint_delete_ca),
]
OPERATION_IDS = {
    "maint_get_window": "CockroachCloud_GetMaintenanceWindow",
    "maint_set_window": "CockroachCloud_SetMaintenanceWindow",
    "maint_delete_window": "CockroachCloud_DeleteMaintenanceWindow",
    "maint_get_deferral": "CockroachCloud_GetClusterVersionDeferral",
    "maint_set_deferral": "CockroachCloud_SetClusterVersionDeferral",
    "maint_list_blackouts": "CockroachCloud_ListBlackoutWindows",
    "maint_create_blackout": "CockroachCloud_CreateBlackoutWindow",
    "maint_get_blackout": "CockroachCloud_GetBlackoutWindow",
    "maint_update_blackout": "CockroachCloud_UpdateBlackoutWindow",
    "maint_delete_blackout": "CockroachCloud_DeleteBlackoutWindow",
    "maint_get_ca": "CockroachCloud_GetClientCACert",
    "maint_set_ca": "CockroachCloud_SetClientCACert",
    "maint_update_ca": "CockroachCloud_UpdateClientCACert",
    "maint_delete_ca": "CockroachCloud_DeleteClientCACert",
}
# GET /_emulator/cloud/clusters/{id}/maintenance: this family's state of one cluster.
CONTROL_ROUTES = [Route("GET", "/clusters/{cluster_id}/maintenance", H.maint_c_state)]
