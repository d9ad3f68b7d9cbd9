"""Backup configuration, managed backups and restores of a cluster (issue 13).

Operations: ``GET|PATCH /clusters/{id}/backups-config``, ``GET /clusters/{id}/backups``,
``POST|GET /clusters/{id}/restores``, ``GET /clusters/{id}/restores/{restore_id}``.

Ground truth: the official spec (UpdateBackupConfigurationSpec, Restore, RestoreStatus.Type, ...),
cloud-api-v1.md section 7 and the Terraform provider (cluster_resource.go backup_config,
restore_resource.go, docs/guides/updating-backup-retention.md).  Where they are silent the harsher
case is modelled, and said so below.

Backup configuration

* A cluster starts with ``enabled: true, frequency_minutes: 60, retention_days: 30`` (the values the
  provider's tests read back from a new cluster).  It is readable once the cluster is CREATED (404 while
  CREATING, after a failed create and after deletion, as every sub-resource).
* ``frequency_minutes`` must be one of 5, 10, 15, 30, 60, 240, 1440 and ``retention_days`` one of
  2, 7, 30, 90, 365 (400 ``... must be one of [...]``).  A PATCH without any field is refused (400;
  the real answer is unknown, so the harsher one).
* ``retention_days`` can be changed once (spec: "Can only be set once, further changes require opening
  a support ticket"; the provider's guide: a first value equal to the default does not use the one
  change).  A PATCH that changes it after that answers 400 code 9 (FAILED_PRECONDITION) "retention_days
  can only be set once ..." and changes nothing, not even the other fields of that PATCH.  Sending the
  current value again is accepted as a no-op.  The control route ``PATCH
  /_emulator/cloud/clusters/{id}/backups-config`` plays the support ticket (``retention_days``,
  ``retention_set``).
* A PATCH is refused while the cluster is LOCKED, like every write of a sub-resource (the real rule is
  unknown: the harsher one).  It does not lock the cluster.

Backups

* While backups are enabled, one backup is taken every ``frequency_minutes`` of emulated time, counted
  from the moment the cluster became CREATED (or from the last change of ``enabled`` or of the
  frequency); none is taken at once.  Backups older than ``retention_days`` disappear.  They are
  computed lazily when the family is used; each remembers the databases of the cluster as they were
  when it was computed (not when it was taken: a simplification).
* ``start_time``/``end_time`` filter on ``as_of_time`` ([start, end)); giving only one of them is
  refused (400), as the provider documents.  ``POST /_emulator/cloud/clusters/{id}/backups`` takes a
  backup now (for tests that do not move the clock).

Restores

* ``type`` is required (CLUSTER, DATABASE, TABLE).  ``objects`` are required for DATABASE and TABLE and
  refused for CLUSTER; a TABLE object needs ``table``, a DATABASE object must not have one.
  ``restore_opts.new_db_name`` only for a DATABASE restore of one database, ``into_db`` only for TABLE.
* DATABASE and TABLE restores need ADVANCED clusters: the provider's restore_resource_test.go, run against
  the real API, uses "advanced plan clusters in cases where standard plan clusters are not supported (e.g.
  TABLE and DATABASE restores)".  Refused with 400 code 9 when the destination or the source is not
  ADVANCED (the real code and message are unknown; refusing a non-ADVANCED source too is the harsher guess).
  A CLUSTER restore works on every plan.
* The source: ``source_cluster_id`` (404 if no such active cluster).  Without it, ``backup_id`` is
  looked up among the destination's own backups only; without both the request is refused (the spec
  says the latest backup of ``source_cluster_id`` is used: no source, no latest; harsher than guessing
  the destination).  A ``backup_id`` that is not a backup of the source: 404.  No backup at all: 400
  code 9.  The objects must be databases of the backup (400).
* Status (the spec's enum has no running state): ``PENDING`` with ``completion_percent`` rising from 0
  to 1 over ``restore_seconds`` (default 2 s of emulated time), then ``SUCCESS`` or ``FAILED``.  As the
  provider learned, ``completed_at`` appears only ``completed_lag_seconds`` (default 0.5 s) after the
  status became SUCCESS (or FAILED): a client must not take a SUCCESS without ``completed_at`` as
  the end.
* A restore fails (``client_error_code``/``client_error_message``) when the control route ``POST
  /_emulator/cloud/restores/next/fail`` asked for it (half-way), when a DATABASE restore would create a
  database that exists already, when a TABLE restore targets a database that does not exist, or when
  the destination was deleted meanwhile.  On success a CLUSTER restore replaces the destination's
  databases with the backup's, a DATABASE restore adds the database (``new_db_name`` or its own name),
  a TABLE restore adds tables to the target database.  Effects apply when the restore is next read.
* Every restore LOCKS the destination cluster while it runs (operation_status
  ``DEDICATED_FULL_CLUSTER_RESTORE_RUNNING`` on a dedicated cluster, ``TENANT_RESTORE_RUNNING`` on a
  serverless one; ``*_FAILED`` after a failure).  The provider only implies this for full-cluster
  restores; it is modelled for every type (harsher).  A second restore, or any other write of the
  cluster, is refused with the lock error meanwhile.
* A restore's ``objects`` are answered sorted by database, schema, table, not in the order of the request
  (the provider's ``restores_data_source.go``: "API returns objects in lexicographically sorted order").
* Audit: ``AUDIT_LOG_ACTION_RESTORE_CLUSTER`` for each restore started; a backup-configuration change
  records ``AUDIT_LOG_ACTION_UPDATE_CLUSTER`` (the spec has no closer action).
"""

from emulator.cloud.encoding import fmt_ts, parse_ts
from emulator.cloud.errors import FAILED_PRECONDITION, bad, not_found
from emulator.routing import Route

FREQUENCIES = (5, 10, 15, 30, 60, 240, 1440)
RETENTIONS = (2, 7, 30, 90, 365)
DEFAULT_CONFIG = {"enabled": True, "frequency_minutes": 60, "retention_days": 30}
RESTORE_TYPES = ("CLUSTER", "DATABASE", "TABLE")
MAX_KEPT = 20000  # a bound on the backups computed for one cluster (5-minute backups kept 365 days: 105,120)

_STR = ("str",)
_BOOL = ("bool",)
_INT32 = ("int32",)
CONFIG_SCHEMA = ("obj", {"cluster_id": _STR, "enabled": _BOOL, "frequency_minutes": _INT32,
                         "retention_days": _INT32})
RESTORE_ITEM = ("obj", {"database": _STR, "schema": _STR, "table": _STR})
RESTORE_OPTS = ("obj", {"into_db": _STR, "new_db_name": _STR, "schema_only": _BOOL, "skip_localities_check": _BOOL,
                        "skip_missing_foreign_keys": _BOOL, "skip_missing_sequences": _BOOL,
                        "skip_missing_views": _BOOL})
RESTORE_SCHEMA = ("obj", {"destination_cluster_id": _STR, "backup_id": _STR, "source_cluster_id": _STR,
                          "type": ("enum", RESTORE_TYPES), "objects": ("list", RESTORE_ITEM),
                          "restore_opts": RESTORE_OPTS})


def _one_of(field, value, allowed):
    if value not in allowed:
        raise bad("%s must be one of [%s], got %d" % (field, ", ".join(str(x) for x in allowed), value))


class StateMixin:
    def _reset_backup(self):
        self.backup_settings = {"restore_seconds": 2.0, "completed_lag_seconds": 0.5}
        self._backup_cfg = {}      # cluster id -> backup configuration and backups
        self._restores = {}        # restore id -> restore record
        self._restore_fail_next = None

    # -- configuration and backups --------------------------------------------------------------------
    def _backup_entry(self, c):
        """The backup state of a CREATED/LOCKED cluster (made on first use), backups brought up to date."""
        e = self._backup_cfg.get(c["id"])
        if e is None:
            e = dict(DEFAULT_CONFIG, retention_set=False, anchor=c["ready_at"], backups=[])
            self._backup_cfg[c["id"]] = e
        self._take_due_backups(c, e)
        return e

    def _take_due_backups(self, c, e):
        now = self._now()
        keep_from = now - e["retention_days"] * 86400.0
        if e["enabled"] and c["state"] in ("CREATED", "LOCKED"):
            step = e["frequency_minutes"] * 60.0
            k = 1
            if e["anchor"] + step < keep_from:
                k = int((keep_from - e["anchor"]) // step)
            t = e["anchor"] + k * step
            dbs = sorted(c["databases"])
            while t <= now:
                if t >= keep_from:
                    e["backups"].append({"id": self._uuid(), "as_of_us": int(round(t * 1_000_000)), "databases": dbs})
                e["anchor"] = t
                t += step
        cutoff = int(round(keep_from * 1_000_000))
        e["backups"] = [b for b in e["backups"] if b["as_of_us"] >= cutoff][-MAX_KEPT:]

    def backup_config(self, cluster_id):
        c = self._ready_cluster(cluster_id)
        return self._backup_entry(c)

    def update_backup_config(self, cluster_id, body):
        c = self._mutable_sub(cluster_id)
        e = self._backup_entry(c)
        fields = {k: body[k] for k in ("enabled", "frequency_minutes", "retention_days") if k in body}
        if not fields:
            raise bad("at least one of enabled, frequency_minutes or retention_days is required")
        if "frequency_minutes" in fields:
            _one_of("frequency_minutes", fields["frequency_minutes"], FREQUENCIES)
        if "retention_days" in fields:
            _one_of("retention_days", fields["retention_days"], RETENTIONS)
            if fields["retention_days"] != e["retention_days"] and e["retention_set"]:
                raise bad("retention_days can only be set once; it is %d days, further changes require opening a "
                          "support ticket" % e["retention_days"], FAILED_PRECONDITION)
        changed = {k: v for k, v in fields.items() if e[k] != v}
        if not changed:
            return e
        if "enabled" in changed or "frequency_minutes" in changed:
            e["anchor"] = self._now()
        if "retention_days" in changed:
            e["retention_set"] = True
        e.update(changed)
        self._take_due_backups(c, e)
        self._record("AUDIT_LOG_ACTION_UPDATE_CLUSTER", c, {"backup_config": changed})
        return e

    def list_backups_of(self, cluster_id, start_us=None, end_us=None):
        c = self._ready_cluster(cluster_id)
        out = self._backup_entry(c)["backups"]
        if start_us is not None:
            out = [b for b in out if start_us <= b["as_of_us"] < end_us]
        return out

    def take_backup_now(self, cluster_id):
        c = self._ready_cluster(cluster_id)
        e = self._backup_entry(c)
        b = {"id": self._uuid(), "as_of_us": self._now_us(), "databases": sorted(c["databases"])}
        e["backups"].append(b)
        return b

    def set_backup_raw(self, cluster_id, body):
        """The support ticket: set retention_days (any allowed value) and/or whether it counts as set."""
        c = self._ready_cluster(cluster_id)
        e = self._backup_entry(c)
        if "retention_days" in body:
            _one_of("retention_days", int(body["retention_days"]), RETENTIONS)
            e["retention_days"] = int(body["retention_days"])
        if "retention_set" in body:
            e["retention_set"] = bool(body["retention_set"])
        return e

    # -- restores ---------------------------------------------------------------------------------------
    def _find_backup(self, c, backup_id):
        for b in self._backup_entry(c)["backups"]:
            if b["id"] == backup_id:
                return b
        return None

    def create_restore(self, dest_id, body):
        kind = body.get("type")
        if not kind:
            raise bad("type is required (one of CLUSTER, DATABASE, TABLE)")
        objects = body.get("objects") or []
        opts = body.get("restore_opts") or {}
        if kind == "CLUSTER" and objects:
            raise bad("objects must not be set for a CLUSTER restore")
        if kind != "CLUSTER" and not objects:
            raise bad("objects is required for a %s restore" % kind)
        for i, o in enumerate(objects):
            if not o.get("database"):
                raise bad("objects[%d].database is required" % i)
            if kind == "TABLE" and not o.get("table"):
                raise bad("objects[%d].table is required for a TABLE restore" % i)
            if kind == "DATABASE" and (o.get("table") or o.get("schema")):
                raise bad("objects[%d] of a DATABASE restore names a database only" % i)
        if opts.get("new_db_name") and (kind != "DATABASE" or len(objects) != 1):
            raise bad("restore_opts.new_db_name is only valid for a DATABASE restore of one database")
        if opts.get("into_db") and kind != "TABLE":
            raise bad("restore_opts.into_db is only valid for a TABLE restore")
        dest = self._mutable_sub(dest_id)
        src_id = body.get("source_cluster_id")
        backup_id = body.get("backup_id")
        if not src_id and not backup_id:
            raise bad("source_cluster_id is required when backup_id is not set")
        if src_id:
            src = self.clusters.get(src_id)
            if src is not None:
                self._tick(src)
            if src is None or src["state"] not in ("CREATED", "LOCKED"):
                raise not_found("source cluster %s not found" % src_id)
        else:
            src = dest
        if kind != "CLUSTER":
            for which, cl in (("destination", dest), ("source", src)):
                if cl["plan"] != "ADVANCED":
                    raise bad("%s restores are not supported for %s clusters (%s cluster %s); use an ADVANCED "
                              "cluster or a CLUSTER restore" % (kind, cl["plan"], which, cl["name"]),
                              FAILED_PRECONDITION)
        if backup_id:
            backup = self._find_backup(src, backup_id)
            if backup is None:
                raise not_found("backup %s not found for cluster %s" % (backup_id, src["id"]))
        else:
            backups = self._backup_entry(src)["backups"]
            if not backups:
                raise bad("cluster %s has no backup to restore from" % src["name"], FAILED_PRECONDITION)
            backup = max(backups, key=lambda b: b["as_of_us"])
        for o in objects:
            if o["database"] not in backup["databases"]:
                raise bad('database "%s" is not in backup %s' % (o["database"], backup["id"]))
        now = self._now()
        seconds = max(0.0, float(self.backup_settings["restore_seconds"]))
        fail = self._restore_fail_next
        self._restore_fail_next = None
        r = {
            "id": self._uuid(), "dest": dest["id"], "dest_name": dest["name"], "src_name": src["name"],
            "backup_id": backup["id"], "backup_end_us": backup["as_of_us"], "databases": list(backup["databases"]),
            "type": kind, "objects": [dict(o) for o in objects], "restore_opts": dict(opts),
            "created_us": self._now_us(), "start": now, "end": now + (seconds / 2 if fail else seconds),
            "fail": fail, "crdb_job_id": str(10 ** 17 + self.rng.randrange(10 ** 17)), "done": False,
        }
        op = "DEDICATED_FULL_CLUSTER_RESTORE_RUNNING" if dest["dedicated"] is not None else "TENANT_RESTORE_RUNNING"
        r["op"] = op
        self._restores[r["id"]] = r
        self._start_lock(dest, op, {"kind": "restore", "snapshot": {}}, r["end"] - now)
        if fail:
            dest["fail_op"] = True
        self._record("AUDIT_LOG_ACTION_RESTORE_CLUSTER", dest, {k: body[k] for k in sorted(body)})
        return r

    def _settle_restore(self, r):
        """Apply a finished restore once: its outcome and its effect on the destination."""
        if r["done"] or self._now() < r["end"]:
            return
        r["done"] = True
        c = self.clusters.get(r["dest"])
        if r["fail"] is None:
            if c is None or c["state"] == "DELETED":
                r["fail"] = (5, "destination cluster %s was deleted" % r["dest_name"])
            else:
                r["fail"] = self._apply_restore(c, r)
            if r["fail"] is not None and c is not None and c["state"] != "DELETED":
                if c["state"] == "LOCKED" and c["operation_status"] == r["op"]:
                    c["fail_op"] = True
                    self._tick(c)
                elif c["state"] == "CREATED" and c["operation_status"] == "UNSPECIFIED":
                    c["operation_status"] = r["op"].replace("_RUNNING", "_FAILED")

    @staticmethod
    def _apply_restore(c, r):
        dbs = c["databases"]
        if r["type"] == "CLUSTER":
            c["databases"] = {name: dict(dbs.get(name) or {"table_count": 0}) for name in r["databases"]}
            return None
        if r["type"] == "DATABASE":
            names = [r["restore_opts"].get("new_db_name") or o["database"] for o in r["objects"]]
            for name in names:
                if name in dbs:
                    return (6, 'database "%s" already exists' % name)
            for name in names:
                dbs[name] = {"table_count": 0}
            return None
        for o in r["objects"]:
            target = r["restore_opts"].get("into_db") or o["database"]
            if target not in dbs:
                return (5, 'database "%s" does not exist' % target)
        for o in r["objects"]:
            target = r["restore_opts"].get("into_db") or o["database"]
            dbs[target]["table_count"] += 1
        return None

    def restores_of(self, cluster_id, start_us=None, end_us=None):
        self._ready_cluster(cluster_id)
        out = []
        for r in self._restores.values():
            if r["dest"] != cluster_id:
                continue
            self._settle_restore(r)
            if start_us is None or start_us <= r["created_us"] < end_us:
                out.append(r)
        return out

    def restore(self, cluster_id, restore_id):
        self._ready_cluster(cluster_id)
        r = self._restores.get(restore_id)
        if r is None or r["dest"] != cluster_id:
            raise not_found("restore %s not found" % restore_id)
        self._settle_restore(r)
        return r

    def restore_view(self, r):
        now = self._now()
        out = {
            "id": r["id"], "backup_id": r["backup_id"], "type": r["type"],
            "created_at": fmt_ts(r["created_us"]), "backup_end_time": fmt_ts(r["backup_end_us"]),
            "source_cluster_name": r["src_name"], "destination_cluster_name": r["dest_name"],
            "crdb_job_id": r["crdb_job_id"],
        }
        span = r["end"] - r["start"]
        if now < r["end"]:
            out["status"] = "PENDING"
            out["completion_percent"] = round(min(1.0, (now - r["start"]) / span), 2) if span > 0 else 0.0
        elif r["fail"] is not None:
            out["status"] = "FAILED"
            out["completion_percent"] = 0.5 if span > 0 else 0.0
            out["client_error_code"], out["client_error_message"] = r["fail"]
        else:
            out["status"] = "SUCCESS"
            out["completion_percent"] = 1.0
        if now >= r["end"] + self.backup_settings["completed_lag_seconds"]:
            out["completed_at"] = fmt_ts(int(round((r["end"] + self.backup_settings["completed_lag_seconds"])
                                                   * 1_000_000)))
        if r["objects"]:
            out["objects"] = [dict(o) for o in sorted(r["objects"], key=_object_order)]
        if r["restore_opts"]:
            out["restore_opts"] = dict(r["restore_opts"])
        return out


def _object_order(o):
    return (o.get("database") or "", o.get("schema") or "", o.get("table") or "")


def _config_view(e):
    return {"enabled": e["enabled"], "frequency_minutes": e["frequency_minutes"], "retention_days": e["retention_days"]}


def _time_range(api, req):
    start, end = req.q("start_time"), req.q("end_time")
    if not start and not end:
        return None, None
    if not (start and end):
        raise bad("start_time and end_time must be given together")
    s, e = parse_ts(start, "start_time"), parse_ts(end, "end_time")
    if e <= s:
        raise bad("end_time must be after start_time")
    return s, e


class HandlersMixin:
    def backup_config_get(self, req, ctx, cluster_id):
        return self._ok(_config_view(self.s.backup_config(cluster_id)))

    def backup_config_update(self, req, ctx, cluster_id):
        body = self._body(req, CONFIG_SCHEMA)
        return self._ok(_config_view(self.s.update_backup_config(cluster_id, body)))

    def backup_list(self, req, ctx, cluster_id):
        start, end = _time_range(self, req)
        items = self.s.list_backups_of(cluster_id, start, end)
        page, pag = self._paginate(req, items, lambda b: (b["as_of_us"], b["id"]))
        return self._ok({"backups": [{"id": b["id"], "as_of_time": fmt_ts(b["as_of_us"])} for b in page],
                         "pagination": pag})

    def restore_create(self, req, ctx, destination_cluster_id):
        body = self._body(req, RESTORE_SCHEMA)
        body.pop("destination_cluster_id", None)
        r = self.s.create_restore(destination_cluster_id, body)
        return self._ok(self.s.restore_view(r))

    def restore_list(self, req, ctx, cluster_id):
        start, end = _time_range(self, req)
        items = self.s.restores_of(cluster_id, start, end)
        page, pag = self._paginate(req, items, lambda r: (r["created_us"], r["id"]))
        return self._ok({"restores": [self.s.restore_view(r) for r in page], "pagination": pag})

    def restore_get(self, req, ctx, cluster_id, restore_id):
        return self._ok(self.s.restore_view(self.s.restore(cluster_id, restore_id)))

    # -- control ---------------------------------------------------------------------------------------
    def c_backup_settings(self, body):
        for k, v in body.items():
            if k not in self.s.backup_settings:
                raise bad("unknown backup setting %s" % k)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                raise bad("%s must be a number of seconds" % k)
            self.s.backup_settings[k] = float(v)
        return self._ok(dict(self.s.backup_settings))

    def c_backup_config_raw(self, body, cluster_id):
        return self._ok(_backup_state(self.s, self.s.set_backup_raw(cluster_id, body)))

    def c_backup_now(self, body, cluster_id):
        b = self.s.take_backup_now(cluster_id)
        return self._ok({"id": b["id"], "as_of_time": fmt_ts(b["as_of_us"])})

    def c_restore_fail_next(self, body):
        code = body.get("code", 3)
        message = body.get("message", "restore job failed: emulated failure")
        if not isinstance(code, int) or isinstance(code, bool) or not isinstance(message, str):
            raise bad("code must be an integer and message a string")
        self.s._restore_fail_next = (code, message)
        return self._ok({"fail_next": True})


def _backup_state(s, e):
    return dict(_config_view(e), retention_set=e["retention_set"], backups=len(e["backups"]))


C = "/api/v1/clusters/{cluster_id}"
ROUTES = [
    Route("GET", C + "/backups-config", HandlersMixin.backup_config_get),
    Route("PATCH", C + "/backups-config", HandlersMixin.backup_config_update),
    Route("GET", C + "/backups", HandlersMixin.backup_list),
    Route("POST", "/api/v1/clusters/{destination_cluster_id}/restores", HandlersMixin.restore_create),
    Route("GET", C + "/restores", HandlersMixin.restore_list),
    Route("GET", C + "/restores/{restore_id}", HandlersMixin.restore_get),
]
OPERATION_IDS = {
    "backup_config_get": "CockroachCloud_GetBackupConfiguration",
    "backup_config_update": "CockroachCloud_UpdateBackupConfiguration",
    "backup_list": "CockroachCloud_ListBackups",
    "restore_create": "CockroachCloud_CreateRestore",
    "restore_list": "CockroachCloud_ListRestores",
    "restore_get": "CockroachCloud_GetRestore",
}
CONTROL_ROUTES = [
    Route("POST", "/backup/config", HandlersMixin.c_backup_settings),     # {restore_seconds, completed_lag_seconds}
    # the support ticket: {retention_days, retention_set}
    Route("PATCH", "/clusters/{cluster_id}/backups-config", HandlersMixin.c_backup_config_raw),
    Route("POST", "/clusters/{cluster_id}/backups", HandlersMixin.c_backup_now),  # take a backup now
    Route("POST", "/restores/next/fail", HandlersMixin.c_restore_fail_next),      # {code, message}
]


def state_view(api):
    s = api.s
    out = {"settings": dict(s.backup_settings), "clusters": {}, "restores": [],
           "fail_next_restore": s._restore_fail_next is not None}
    for cid, e in s._backup_cfg.items():
        if (s.clusters.get(cid) or {}).get("state") not in (None, "DELETED"):  # gone with its cluster
            out["clusters"][cid] = _backup_state(s, e)
    for r in s._restores.values():
        s._settle_restore(r)
        view = s.restore_view(r)
        view["destination_cluster_id"] = r["dest"]
        out["restores"].append(view)
    return out
