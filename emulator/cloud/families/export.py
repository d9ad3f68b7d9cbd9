"""CMEK, log export and metric export (CloudWatch, Datadog, Prometheus) of a cluster (issue 13).

Operations (official spec, API 2024-09-16): ``GET|POST|PUT|PATCH /clusters/{id}/cmek``,
``GET|POST|DELETE /clusters/{id}/logexport``, ``GET|POST|DELETE /clusters/{id}/metricexport/{cloudwatch,
datadog,prometheus}``.  Sources: the spec's schemas, cloud-api-v1.md sections 3, 8, 9, 11, and the Terraform
provider's ``cmek_resource.go``, ``log_export_config_resource.go``, ``metric_export_*_resource.go`` and
``utils.go`` (IAM retries).

Behaviour (where the real service is not documented, the harsher case is modelled and named here):

* Every configuration job takes the cluster lock for ``export_seconds`` (family setting, default 2 s):
  the cluster is ``LOCKED`` with ``operation_status`` ``CRDB_CMEK_OPERATION_RUNNING`` (CMEK),
  ``CRDB_LOG_EXPORT_OPERATION_RUNNING`` (log export) or ``CRDB_EDIT_CLUSTER_RUNNING`` (metric exports: the
  real status is not documented; Terraform issue #117 shows they take the lock).  Meanwhile every write of
  this family (and of the others, with ``lock_scope: all``) is refused with the core lock error (503 code 14
  "cluster lock is held"), and the job's object shows a transient status: log export ``ENABLING`` /
  ``DISABLING``, metric exports ``ENABLING`` / ``DISABLING``, CMEK ``ENABLING`` / ``ROTATING`` / ``REVOKING``.
  When the time is up: ``ENABLED`` (``REVOKED``), or gone after a delete (GET answers 404 then).
* Not configured (never enabled, or deleted): GET answers 404 code 5 for every object (the Terraform provider
  handles 404 as "not configured"; a 200 with ``DISABLED`` may be what the real API answers for CMEK: 404 is
  the harsher case for a client) -- except the Prometheus metric export: its GET answers 200
  ``{"cluster_id": ..., "status": "NOT_DEPLOYED"}`` (no ``targets``), as the real one does (the provider's
  ``metric_export_prometheus_config_resource.go`` Read treats a ``NOT_DEPLOYED`` answer as "not configured";
  ``PrometheusMetricExportInfo`` requires only ``cluster_id``).  A client must treat that answer as absent.
  DELETE of a Prometheus export that is not deployed still answers 404 (unknown: the harsher case).
  A log export that was deleted is not 404 either once its ``DISABLING`` job is over: GET answers 200 with
  the old ``spec`` and status ``DISABLED`` (the spec's ``LogExportStatus``: "the possible states that a
  configuration can be in as it is created, deployed, and disabled"; what the real one answers is unknown,
  and a client that takes any 200 for "configured" would be wrong).  DELETE of it answers 404; a POST
  enables it again.
* Failures: the control endpoint ``POST /_emulator/cloud/clusters/{id}/export/fail`` ``{"target": ...}``
  makes the next (or running) job of that object fail: log export ``ENABLE_FAILED`` (``DISABLE_FAILED`` for a
  delete; ``CREDENTIALS_ERROR`` with ``{"credentials": true}``), metric export ``ERROR``, CMEK
  ``ENABLE_FAILED`` / ``ROTATE_FAILED`` / ``REVOKE_FAILED``, each with a ``user_message``.
* IAM propagation: cloud IAM is eventually consistent, so a CMEK key spec (``uri`` + ``auth_principal``) or a
  log export ``auth_principal`` the emulator sees for the first time is refused for ``iam_seconds`` (family
  setting, default 3 s) with 400 code 3 ("insufficient permissions ..."), the shape the Terraform provider's
  comment records for CMEK; it retries 400/401/403 of these writes for a bounded time (10 minutes).  The real
  delay is unknown; any delay at all is what a client must survive.
* Plans and providers: CMEK needs an ADVANCED cluster; exports are refused on BASIC clusters (400 code 9);
  a key type, log export type or CloudWatch export must match the cluster's cloud (``AWS_KMS`` /
  ``AWS_CLOUDWATCH`` on AWS, ...); ``NULL_KMS`` is refused.  ``aws_external_id`` / ``external_id`` are refused
  on non-ADVANCED clusters as the spec says.  Enabling CMEK (POST, or PUT on a cluster without CMEK) must
  name every region of the cluster once; POST on a cluster that has CMEK is 409 code 6 (use PUT); PUT may
  name a subset (rotation: the region's new key ``ENABLING`` while the old one is ``DISABLING``, then
  ``ENABLED`` / ``DISABLED``, the region ``ROTATING`` meanwhile); a region that is not the cluster's is 400.
  After ``REVOKE`` no key change is accepted (400 code 9).  CMEK cannot be disabled (no operation).
  Additional regions: with CMEK enabled, a cluster ``PATCH`` that adds regions to ``dedicated.region_nodes``
  must give ``dedicated.cmek_region_specs`` with exactly one key per new region (else 400); the new keys are
  ``ENABLING`` while the cluster's scale job runs.  (A failed scale job, control ``fail``, reverts the
  regions but not these keys: not modelled further.)
* Log channels: only the ten that Cloud exports (``SESSIONS``, ``OPS``, ``HEALTH``, ``STORAGE``, ``SQL_SCHEMA``,
  ``USER_ADMIN``, ``PRIVILEGES``, ``SENSITIVE_ACCESS``, ``SQL_EXEC``, ``SQL_PERF``: the Cloud documentation's list)
  are accepted, in ``groups[].channels`` and ``omitted_channels``; any other, ``DEV`` and ``TELEMETRY`` included,
  is refused with the real answer (400 code 3 ``invalid argument: invalid field ClusterSpec: log channel 'DEV' is
  unknown``, Terraform provider issue #116).  Newer Cloud releases may export more channels: the shorter,
  documented list is the harsher case; refusing it in ``omitted_channels`` too is a guess.
* Credentials: ``GET`` never shows the Datadog ``api_key`` (only its last 4 characters, as the spec's
  ``DatadogMetricExportInfo.api_key`` says) nor the log export ``azure_shared_key`` (the spec lists it in
  ``LogExportClusterSpecification``; the harsher case, a client that cannot read it back, is modelled).
  The request log and the audit log show them as ``********`` (``emulator.core.SECRET_KEYS``), and the
  state view never holds them.
* Audit entries: ``UPDATE_CMEK``, ``REVOKE_CMEK``, ``UPDATE_CLUSTER_LOG_EXPORT``, ``DELETE_CLUSTER_LOG_EXPORT``,
  ``UPDATE_CLUSTER_METRIC_EXPORT``, ``DELETE_CLUSTER_METRIC_EXPORT``.
"""

import copy
import re

from emulator.cloud import seed
from emulator.cloud.encoding import BOOL, STR, _enum, _list, _obj, decode, fmt_ts
from emulator.cloud.errors import ALREADY_EXISTS, FAILED_PRECONDITION, INVALID_ARGUMENT, ApiError, bad, not_found
from emulator.core import Response, redact
from emulator.routing import Route

KEY_TYPES = {"AWS": "AWS_KMS", "GCP": "GCP_CLOUD_KMS", "AZURE": "AZURE_KEY_VAULT"}
LOG_TYPES = {"AWS": "AWS_CLOUDWATCH", "GCP": "GCP_CLOUD_LOGGING", "AZURE": "AZURE_LOG_ANALYTICS"}
METRIC_KINDS = ("cloudwatch", "datadog", "prometheus")
DATADOG_SITES = ("US1", "US3", "US5", "US1_GOV", "EU1")
# The channels Cloud exports (CockroachDB Cloud docs, export-logs-advanced: "Other log channels are not
# exportable"); DEV and TELEMETRY are refused by the real API (terraform-provider-cockroach issue #116).
LOG_CHANNELS = ("SESSIONS", "OPS", "HEALTH", "STORAGE", "SQL_SCHEMA", "USER_ADMIN", "PRIVILEGES", "SENSITIVE_ACCESS",
                "SQL_EXEC", "SQL_PERF")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")

KEY_SPEC = _obj(type=_enum("AWS_KMS", "GCP_CLOUD_KMS", "NULL_KMS", "AZURE_KEY_VAULT"), uri=STR, auth_principal=STR)
REGION_SPEC = _obj(region=STR, key_spec=KEY_SPEC)
CMEK_SPEC = _obj(cluster_id=STR, region_specs=_list(REGION_SPEC))
CMEK_STATUS = _obj(cluster_id=STR, action=_enum("REVOKE"))
LOG_GROUP = _obj(log_name=STR, channels=_list(STR), min_level=_enum("UNSPECIFIED", "WARNING", "ERROR", "FATAL"),
                 redact=BOOL)
LOG_EXPORT = _obj(cluster_id=STR, type=_enum(*LOG_TYPES.values()), log_name=STR, auth_principal=STR,
                  aws_external_id=STR, azure_shared_key=STR, groups=_list(LOG_GROUP), omitted_channels=_list(STR),
                  redact=BOOL, region=STR)
METRIC_BODIES = {
    "cloudwatch": _obj(cluster_id=STR, role_arn=STR, external_id=STR, log_group_name=STR, target_region=STR),
    "datadog": _obj(cluster_id=STR, site=_enum(*DATADOG_SITES), api_key=STR),
    "prometheus": _obj(cluster_id=STR),
}

DEFAULT_SETTINGS = {"export_seconds": 2.0, "iam_seconds": 3.0}


def _unknown_channel(ch):
    """The real refusal of a channel Cloud does not export (provider issue #116), word for word."""
    return "invalid argument: invalid field ClusterSpec: log channel '%s' is unknown" % ch


def _precondition(msg):
    return bad(msg, FAILED_PRECONDITION)


class StateMixin:
    def _reset_export(self):
        self.export_settings = dict(DEFAULT_SETTINGS)
        self._exports = {}          # cluster id -> {"cmek", "log", "cloudwatch", "datadog", "prometheus", "fail"}
        self._iam_seen = {}         # principal key -> first time the emulator saw it

    # -- shared ---------------------------------------------------------------------------------
    def _ex(self, c):
        """The cluster's family state, with every finished job applied."""
        ex = self._exports.setdefault(c["id"], {"cmek": None, "log": None, "cloudwatch": None, "datadog": None,
                                                "prometheus": None, "fail": {}})
        now = self._now()
        for name in ("log",) + METRIC_KINDS:
            obj = ex[name]
            if obj is not None and obj.get("until") is not None and now >= obj["until"]:
                self._finish_export_job(c, ex, name, obj)
        cm = ex["cmek"]
        if cm is not None and cm.get("until") is not None and now >= cm["until"]:
            self._finish_cmek_job(ex, cm)
        return ex

    def _export_cluster(self, cid, write=False, plan_ok=("STANDARD", "ADVANCED"), what="this export"):
        c = self._mutable_sub(cid) if write else self._ready_cluster(cid)
        if c["plan"] not in plan_ok:
            raise _precondition("%s is not available for %s clusters" % (what, c["plan"]))
        return c, self._ex(c)

    def _start_job(self, c, operation_status):
        seconds = self.export_settings["export_seconds"]
        self._start_lock(c, operation_status, None, seconds)
        return self._now() + seconds

    def _iam_check(self, *checks):
        """400 while a principal first seen less than ``iam_seconds`` ago is still propagating.

        ``checks``: ``(principal key, message)`` pairs; every principal counts as seen from this request on.
        """
        now = self._now()
        refused = None
        for key, message in checks:
            first = self._iam_seen.setdefault(key, now)
            if refused is None and now < first + self.export_settings["iam_seconds"]:
                refused = message
        if refused is not None:
            raise ApiError(400, INVALID_ARGUMENT, refused)

    def export_configure(self, changes):
        for k, v in changes.items():
            if k not in self.export_settings:
                raise bad("unknown export setting %s" % k)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise bad("%s must be a number of seconds" % k)
            self.export_settings[k] = float(v)
        return dict(self.export_settings)

    def export_fail(self, c, target, credentials=False):
        if target not in ("cmek", "log") + METRIC_KINDS:
            raise bad("target must be one of cmek, log, %s" % ", ".join(METRIC_KINDS))
        ex = self._ex(c)
        ex["fail"][target] = "CREDENTIALS_ERROR" if credentials and target == "log" else True
        return ex

    # -- log and metric exports ------------------------------------------------------------------
    def _finish_export_job(self, c, ex, name, obj):
        failed = ex["fail"].pop(name, None)
        obj["updated_at"] = int(obj["until"] * 1_000_000)
        obj["until"] = None
        if obj["status"] == "DISABLING":
            if failed:
                obj["status"] = "DISABLE_FAILED" if name == "log" else "ERROR"
                obj["user_message"] = "disabling the export failed; try again"
            elif name == "log":
                obj["status"] = "DISABLED"  # the configuration stays, disabled (see the module docstring)
                obj["user_message"] = ""
            else:
                ex[name] = None
            return
        if failed:
            if name == "log":
                obj["status"] = failed if failed == "CREDENTIALS_ERROR" else "ENABLE_FAILED"
                obj["user_message"] = ("the log sink refused the credentials of auth_principal"
                                       if failed == "CREDENTIALS_ERROR" else "enabling log export failed; try again")
            else:
                obj["status"] = "ERROR"
                obj["user_message"] = "enabling the %s metric export failed; check its configuration" % name
        else:
            obj["status"] = "ENABLED"
            obj["user_message"] = ""

    def get_log_export(self, cid):
        c, ex = self._export_cluster(cid, what="log export")
        if ex["log"] is None:
            raise not_found("log export is not configured for cluster %s" % cid)
        return c, ex["log"]

    def enable_log_export(self, cid, body):
        for f in ("type", "log_name", "auth_principal"):
            if not body.get(f):
                raise bad("%s is required" % f)
        c = self._ready_cluster(cid)
        if c["plan"] == "BASIC":
            raise _precondition("log export is not available for BASIC clusters")
        if body["type"] != LOG_TYPES[c["provider"]]:
            raise bad("log export type %s is not available for a cluster on %s; use %s"
                      % (body["type"], c["provider"], LOG_TYPES[c["provider"]]))
        if body.get("aws_external_id") and (c["plan"] != "ADVANCED" or c["provider"] != "AWS"):
            raise bad("aws_external_id is only supported for ADVANCED clusters on AWS")
        if body["type"] == "AZURE_LOG_ANALYTICS" and not body.get("azure_shared_key"):
            raise bad("azure_shared_key is required for AZURE_LOG_ANALYTICS")
        if body["type"] != "AZURE_LOG_ANALYTICS" and body.get("azure_shared_key"):
            raise bad("azure_shared_key is only used with AZURE_LOG_ANALYTICS")
        if body["type"] == "AWS_CLOUDWATCH" and not ROLE_ARN_RE.match(body["auth_principal"]):
            raise bad("auth_principal must be the ARN of an IAM role (arn:aws:iam::<account>:role/<name>) "
                      "for AWS_CLOUDWATCH")
        for ch in body.get("omitted_channels") or []:
            if ch not in LOG_CHANNELS:
                raise bad(_unknown_channel(ch))
        names = set()
        for i, g in enumerate(body.get("groups") or []):
            if not g.get("log_name"):
                raise bad("groups[%d].log_name is required" % i)
            if g["log_name"] in names:
                raise bad('duplicate group log_name "%s"' % g["log_name"])
            names.add(g["log_name"])
            if not g.get("channels"):
                raise bad("groups[%d].channels must name at least one channel" % i)
            for ch in g["channels"]:
                if ch not in LOG_CHANNELS:
                    raise bad(_unknown_channel(ch))
        if body.get("region") and seed.region_info(c["provider"], body["region"]) is None:
            raise bad('region "%s" is not a valid %s region' % (body["region"], c["provider"]))
        c = self._mutable_sub(cid)
        ex = self._ex(c)
        self._iam_check((("log", c["provider"], body["auth_principal"]),
                         "insufficient permissions: the cluster cannot act as %s to write logs; grant the "
                        "permissions (they may take a few minutes to propagate)" % body["auth_principal"]))
        spec = {k: copy.deepcopy(v) for k, v in body.items() if k != "cluster_id"}
        now = self._now_us()
        prev = ex["log"]
        ex["log"] = {"spec": spec, "status": "ENABLING", "user_message": "",
                     "created_at": prev["created_at"] if prev else now, "updated_at": now,
                     "until": self._start_job(c, "CRDB_LOG_EXPORT_OPERATION_RUNNING")}
        self._record("AUDIT_LOG_ACTION_UPDATE_CLUSTER_LOG_EXPORT", c, redact(spec))
        return c, ex["log"]

    def delete_log_export(self, cid):
        c = self._mutable_sub(cid)
        ex = self._ex(c)
        if ex["log"] is None or ex["log"]["status"] == "DISABLED":
            raise not_found("log export is not configured for cluster %s" % cid)
        obj = ex["log"]
        obj["status"] = "DISABLING"
        obj["updated_at"] = self._now_us()
        obj["until"] = self._start_job(c, "CRDB_LOG_EXPORT_OPERATION_RUNNING")
        self._record("AUDIT_LOG_ACTION_DELETE_CLUSTER_LOG_EXPORT", c, None)
        return c, obj

    def get_metric_export(self, cid, kind):
        c, ex = self._export_cluster(cid, what="metric export")
        if ex[kind] is None and kind == "prometheus":
            return c, None  # 200 NOT_DEPLOYED (see the module docstring)
        if ex[kind] is None:
            raise not_found("%s metric export is not configured for cluster %s" % (kind, cid))
        return c, ex[kind]

    def enable_metric_export(self, cid, kind, body):
        c = self._ready_cluster(cid)
        if c["plan"] == "BASIC":
            raise _precondition("metric export is not available for BASIC clusters")
        if kind == "cloudwatch":
            if not body.get("role_arn"):
                raise bad("role_arn is required")
            if not ROLE_ARN_RE.match(body["role_arn"]):
                raise bad("role_arn must be the ARN of an IAM role (arn:aws:iam::<account>:role/<name>)")
            if c["provider"] != "AWS":
                raise _precondition("CloudWatch metric export is only available for clusters on AWS")
            if body.get("external_id") and c["plan"] != "ADVANCED":
                raise bad("external_id is only supported for ADVANCED clusters")
            if body.get("target_region") and seed.region_info("AWS", body["target_region"]) is None:
                raise bad('target_region "%s" is not a valid AWS region' % body["target_region"])
        elif kind == "datadog":
            if not body.get("site"):
                raise bad("site is required")
            if not body.get("api_key"):
                raise bad("api_key is required")
        c = self._mutable_sub(cid)
        ex = self._ex(c)
        spec = {k: v for k, v in body.items() if k != "cluster_id"}
        ex[kind] = {"spec": spec, "status": "ENABLING", "user_message": "",
                    "until": self._start_job(c, "CRDB_EDIT_CLUSTER_RUNNING")}
        self._record("AUDIT_LOG_ACTION_UPDATE_CLUSTER_METRIC_EXPORT", c, redact(dict(spec, type=kind)))
        return c, ex[kind]

    def delete_metric_export(self, cid, kind):
        c = self._mutable_sub(cid)
        ex = self._ex(c)
        if ex[kind] is None:
            raise not_found("%s metric export is not configured for cluster %s" % (kind, cid))
        obj = ex[kind]
        obj["status"] = "DISABLING"
        obj["until"] = self._start_job(c, "CRDB_EDIT_CLUSTER_RUNNING")
        self._record("AUDIT_LOG_ACTION_DELETE_CLUSTER_METRIC_EXPORT", c, {"type": kind})
        return c, obj

    # -- CMEK ------------------------------------------------------------------------------------
    def _finish_cmek_job(self, ex, cm):
        failed = ex["fail"].pop("cmek", None)
        when = int(cm["until"] * 1_000_000)
        cm["until"] = None
        for reg in cm["regions"].values():
            busy = False
            for key in reg["keys"]:
                st = key["status"]
                if st not in ("ENABLING", "DISABLING", "REVOKING"):
                    continue
                busy = True
                key["updated_at"] = when
                if failed:
                    # a failed rotation keeps the old key; the new one (or the revocation) failed
                    key["status"] = {"ENABLING": "ENABLE_FAILED", "DISABLING": "ENABLED",
                                     "REVOKING": "REVOKE_FAILED"}[st]
                    if st != "DISABLING":
                        key["user_message"] = "the key operation failed: check that %s may use %s" % (
                            key["spec"].get("auth_principal"), key["spec"].get("uri"))
                else:
                    key["status"] = {"ENABLING": "ENABLED", "DISABLING": "DISABLED", "REVOKING": "REVOKED"}[st]
                    key["user_message"] = ""
            if busy:
                reg["status"] = self._cmek_region_status(reg, failed)
        cm["status"] = self._cmek_cluster_status(cm)

    @staticmethod
    def _cmek_region_status(reg, failed):
        statuses = [k["status"] for k in reg["keys"]]
        if failed:
            if "REVOKE_FAILED" in statuses:
                return "REVOKE_FAILED"
            return "ROTATE_FAILED" if reg.get("rotating") else "ENABLE_FAILED"
        return "REVOKED" if "REVOKED" in statuses else "ENABLED"

    @staticmethod
    def _cmek_cluster_status(cm):
        regs = [r["status"] for r in cm["regions"].values()]
        for st in ("ENABLE_FAILED", "ROTATE_FAILED", "REVOKE_FAILED", "ENABLING", "ROTATING", "REVOKING"):
            if st in regs:
                return st
        return "REVOKED" if "REVOKED" in regs else "ENABLED"

    def get_cmek(self, cid):
        c = self._ready_cluster(cid)
        if c["plan"] != "ADVANCED":
            raise _precondition("CMEK is only available for ADVANCED clusters")
        ex = self._ex(c)
        if ex["cmek"] is None:
            raise not_found("CMEK is not enabled for cluster %s" % cid)
        return c, ex["cmek"]

    def _check_region_specs(self, c, specs, full):
        if not specs:
            raise bad("region_specs must name at least one region")
        regions = set(c["dedicated"]["region_nodes"])
        seen = set()
        for i, rs in enumerate(specs):
            region = rs.get("region") or ""
            if region not in regions:
                raise bad('region_specs[%d].region "%s" is not a region of the cluster (%s)'
                          % (i, region, ", ".join(sorted(regions))))
            if region in seen:
                raise bad('region "%s" appears twice in region_specs' % region)
            seen.add(region)
            ks = rs.get("key_spec") or {}
            for f in ("type", "uri", "auth_principal"):
                if not ks.get(f):
                    raise bad("region_specs[%d].key_spec.%s is required" % (i, f))
            if ks["type"] != KEY_TYPES[c["provider"]]:
                raise bad("key type %s is not available for a cluster on %s; use %s"
                          % (ks["type"], c["provider"], KEY_TYPES[c["provider"]]))
        missing = sorted(regions - seen)
        if full and missing:
            raise bad("enabling CMEK needs a key for every region of the cluster; missing: %s" % ", ".join(missing))

    def set_cmek(self, cid, body, method):
        """POST (enable) or PUT (enable or update: rotation of the keys of the regions named)."""
        c = self._ready_cluster(cid)
        if c["plan"] != "ADVANCED":
            raise _precondition("CMEK is only available for ADVANCED clusters")
        ex = self._ex(c)
        cm = ex["cmek"]
        if method == "POST" and cm is not None:
            raise ApiError(409, ALREADY_EXISTS, "CMEK is already enabled for this cluster; update it with PUT")
        if cm is not None and cm["status"] in ("REVOKED", "REVOKING"):
            raise _precondition("CMEK access was revoked for this cluster; its keys cannot be changed")
        specs = body.get("region_specs") or []
        self._check_region_specs(c, specs, full=cm is None)
        c = self._mutable_sub(cid)
        changed = []
        for rs in specs:
            reg = (cm or {}).get("regions", {}).get(rs["region"])
            current = next((k for k in (reg or {}).get("keys", []) if k["status"] == "ENABLED"), None)
            if current is not None and current["spec"] == rs["key_spec"]:
                continue
            changed.append(rs)
        self._iam_check(*[(("cmek", rs["key_spec"]["uri"], rs["key_spec"]["auth_principal"]),
                           "Insufficient permissions to access the KMS key %s as %s: grant the principal access to "
                           "the key (permissions may take a few minutes to propagate)"
                           % (rs["key_spec"]["uri"], rs["key_spec"]["auth_principal"])) for rs in changed])
        if not changed and cm is not None:
            return c, cm
        now = self._now_us()
        if cm is None:
            cm = ex["cmek"] = {"status": "ENABLING", "regions": {}, "until": None}
        for rs in changed:
            reg = cm["regions"].setdefault(rs["region"], {"keys": [], "status": "ENABLING"})
            rotating = any(k["status"] == "ENABLED" for k in reg["keys"])
            for k in reg["keys"]:
                if k["status"] == "ENABLED":
                    k["status"], k["updated_at"] = "DISABLING", now
            reg["keys"].insert(0, {"spec": copy.deepcopy(rs["key_spec"]), "status": "ENABLING", "user_message": "",
                                   "created_at": now, "updated_at": now})
            reg["status"] = "ROTATING" if rotating else "ENABLING"
            reg["rotating"] = rotating
        cm["status"] = self._cmek_cluster_status(cm)
        cm["until"] = self._start_job(c, "CRDB_CMEK_OPERATION_RUNNING")
        self._record("AUDIT_LOG_ACTION_UPDATE_CMEK", c, {"region_specs": changed})
        return c, cm

    def _cmek_region_specs_for_update(self, c, d):
        """Cluster PATCH hook (``state.py``): the ``dedicated.cmek_region_specs`` of the request, checked.

        Without CMEK they are refused (400 code 9); with CMEK every region the PATCH adds needs exactly one key
        spec (and no other region may be named), and a cluster whose keys were revoked cannot grow.
        """
        raw = d.get("cmek_region_specs") or []
        cm = self._ex(c)["cmek"]
        if cm is None:
            if raw:
                raise bad("CMEK is not enabled for this cluster", FAILED_PRECONDITION)
            return []
        specs = [decode(rs, REGION_SPEC, "dedicated.cmek_region_specs[%d]" % i) for i, rs in enumerate(raw)]
        new = sorted(set(d.get("region_nodes") or {}) - set(c["dedicated"]["region_nodes"])) \
            if "region_nodes" in d else []
        if new and cm["status"] in ("REVOKED", "REVOKING"):
            raise _precondition("CMEK access was revoked for this cluster; no region can be added")
        named = sorted(rs.get("region") or "" for rs in specs)
        if named != new:
            raise bad("with CMEK enabled, dedicated.cmek_region_specs must give one key for each new region (%s); "
                      "got %s" % (", ".join(new) or "none", ", ".join(named) or "none"))
        for i, rs in enumerate(specs):
            ks = rs.get("key_spec") or {}
            for f in ("type", "uri", "auth_principal"):
                if not ks.get(f):
                    raise bad("dedicated.cmek_region_specs[%d].key_spec.%s is required" % (i, f))
            if ks["type"] != KEY_TYPES[c["provider"]]:
                raise bad("key type %s is not available for a cluster on %s; use %s"
                          % (ks["type"], c["provider"], KEY_TYPES[c["provider"]]))
        self._iam_check(*[(("cmek", rs["key_spec"]["uri"], rs["key_spec"]["auth_principal"]),
                           "Insufficient permissions to access the KMS key %s as %s"
                           % (rs["key_spec"]["uri"], rs["key_spec"]["auth_principal"])) for rs in specs])
        return specs

    def _cmek_add_regions(self, c, specs):
        """Cluster PATCH hook: the new regions' keys are ENABLING while the cluster's own job runs."""
        if not specs:
            return
        cm = self._ex(c)["cmek"]
        now = self._now_us()
        for rs in specs:
            cm["regions"][rs["region"]] = {
                "status": "ENABLING", "rotating": False,
                "keys": [{"spec": copy.deepcopy(rs["key_spec"]), "status": "ENABLING", "user_message": "",
                          "created_at": now, "updated_at": now}]}
        cm["status"] = self._cmek_cluster_status(cm)
        cm["until"] = max(cm.get("until") or 0, c["lock_until"] or self._now())
        self._record("AUDIT_LOG_ACTION_UPDATE_CMEK", c, {"region_specs": specs})

    def revoke_cmek(self, cid, action):
        if action != "REVOKE":
            raise bad("action is required (REVOKE)")
        c = self._ready_cluster(cid)
        if c["plan"] != "ADVANCED":
            raise _precondition("CMEK is only available for ADVANCED clusters")
        ex = self._ex(c)
        cm = ex["cmek"]
        if cm is None:
            raise not_found("CMEK is not enabled for cluster %s" % cid)
        if cm["status"] in ("REVOKED", "REVOKING"):
            return c, cm
        c = self._mutable_sub(cid)
        now = self._now_us()
        for reg in cm["regions"].values():
            for k in reg["keys"]:
                if k["status"] == "ENABLED":
                    k["status"], k["updated_at"] = "REVOKING", now
            reg["status"] = "REVOKING"
        cm["status"] = "REVOKING"
        cm["until"] = self._start_job(c, "CRDB_CMEK_OPERATION_RUNNING")
        self._record("AUDIT_LOG_ACTION_REVOKE_CMEK", c, {"action": "REVOKE"})
        return c, cm


def _ts(us):
    return fmt_ts(us)


def render_cmek(cm):
    infos = []
    for region in sorted(cm["regions"]):
        reg = cm["regions"][region]
        keys = [{"spec": copy.deepcopy(k["spec"]), "status": k["status"], "user_message": k["user_message"],
                 "created_at": _ts(k["created_at"]), "updated_at": _ts(k["updated_at"])} for k in reg["keys"]]
        infos.append({"region": region, "status": reg["status"], "key_infos": keys})
    return {"status": cm["status"], "region_infos": infos}


def render_log_export(c, obj):
    spec = {k: copy.deepcopy(v) for k, v in obj["spec"].items() if k != "azure_shared_key"}
    return {"cluster_id": c["id"], "spec": spec, "status": obj["status"], "user_message": obj["user_message"],
            "created_at": _ts(obj["created_at"]), "updated_at": _ts(obj["updated_at"])}


def _targets(c):
    return {r: "https://cockroachlabs.cloud/api/v1/clusters/%s/metricexport/prometheus/%s/scrape" % (c["id"], r)
            for r in sorted(c["dedicated"]["region_nodes"] if c["dedicated"] else c["serverless"]["regions"])}


def render_metric_export(c, kind, obj):
    if obj is None:
        return {"cluster_id": c["id"], "status": "NOT_DEPLOYED"}
    out = {"cluster_id": c["id"], "status": obj["status"], "user_message": obj["user_message"]}
    spec = obj["spec"]
    if kind == "cloudwatch":
        out["role_arn"] = spec["role_arn"]
        for f in ("external_id", "log_group_name", "target_region"):
            if spec.get(f):
                out[f] = spec[f]
    elif kind == "datadog":
        out["site"] = spec["site"]
        out["api_key"] = spec["api_key"][-4:]
    else:
        out["targets"] = _targets(c)
    return out


class HandlersMixin:
    # -- CMEK ------------------------------------------------------------------------------------
    def cmek_get(self, req, ctx, cluster_id):
        c, cm = self.s.get_cmek(cluster_id)
        return self._ok(render_cmek(cm))

    def cmek_enable(self, req, ctx, cluster_id):
        body = self._body(req, CMEK_SPEC)
        return self._ok(render_cmek(self.s.set_cmek(cluster_id, body, "POST")[1]))

    def cmek_update(self, req, ctx, cluster_id):
        body = self._body(req, CMEK_SPEC)
        return self._ok(render_cmek(self.s.set_cmek(cluster_id, body, "PUT")[1]))

    def cmek_status(self, req, ctx, cluster_id):
        body = self._body(req, CMEK_STATUS)
        return self._ok(render_cmek(self.s.revoke_cmek(cluster_id, body.get("action"))[1]))

    # -- log export ------------------------------------------------------------------------------
    def log_export_get(self, req, ctx, cluster_id):
        return self._ok(render_log_export(*self.s.get_log_export(cluster_id)))

    def log_export_enable(self, req, ctx, cluster_id):
        body = self._body(req, LOG_EXPORT)
        return self._ok(render_log_export(*self.s.enable_log_export(cluster_id, body)))

    def log_export_delete(self, req, ctx, cluster_id):
        return self._ok(render_log_export(*self.s.delete_log_export(cluster_id)))

    # -- metric exports --------------------------------------------------------------------------
    def _metric_get(self, cluster_id, kind):
        c, obj = self.s.get_metric_export(cluster_id, kind)
        return self._ok(render_metric_export(c, kind, obj))

    def _metric_enable(self, req, cluster_id, kind):
        body = self._body(req, METRIC_BODIES[kind])
        c, obj = self.s.enable_metric_export(cluster_id, kind, body)
        return self._ok(render_metric_export(c, kind, obj))

    def _metric_delete(self, cluster_id, kind):
        c, obj = self.s.delete_metric_export(cluster_id, kind)
        return self._ok({"cluster_id": c["id"], "status": obj["status"]})

    def metric_cloudwatch_get(self, req, ctx, cluster_id):
        return self._metric_get(cluster_id, "cloudwatch")

    def metric_cloudwatch_enable(self, req, ctx, cluster_id):
        return self._metric_enable(req, cluster_id, "cloudwatch")

    def metric_cloudwatch_delete(self, req, ctx, cluster_id):
        return self._metric_delete(cluster_id, "cloudwatch")

    def metric_datadog_get(self, req, ctx, cluster_id):
        return self._metric_get(cluster_id, "datadog")

    def metric_datadog_enable(self, req, ctx, cluster_id):
        return self._metric_enable(req, cluster_id, "datadog")

    def metric_datadog_delete(self, req, ctx, cluster_id):
        return self._metric_delete(cluster_id, "datadog")

    def metric_prometheus_get(self, req, ctx, cluster_id):
        return self._metric_get(cluster_id, "prometheus")

    def metric_prometheus_enable(self, req, ctx, cluster_id):
        return self._metric_enable(req, cluster_id, "prometheus")

    def metric_prometheus_delete(self, req, ctx, cluster_id):
        return self._metric_delete(cluster_id, "prometheus")

    # -- control ---------------------------------------------------------------------------------
    def c_export_config(self, body):
        return Response.json(200, self.s.export_configure(body))

    def c_export_fail(self, body, cluster_id):
        c = self.s._cluster(cluster_id)
        self.s.export_fail(c, body.get("target"), bool(body.get("credentials", False)))
        return Response.json(200, export_view(self.s, c))


def export_view(state, c):
    """The family's state of one cluster, without any credential."""
    ex = state._ex(c)
    out = {"cluster_id": c["id"], "fail": sorted(ex["fail"])}
    out["cmek"] = render_cmek(ex["cmek"]) if ex["cmek"] else None
    out["log"] = render_log_export(c, ex["log"]) if ex["log"] else None
    for kind in METRIC_KINDS:
        obj = ex[kind]
        if obj is None:
            out[kind] = None
        else:
            view = render_metric_export(c, kind, obj) if c["dedicated"] or c["serverless"] else {}
            view.pop("api_key", None)
            out[kind] = view
    return out


def state_view(api):
    s = api.s
    clusters = []
    for cid in sorted(s._exports):
        c = s.clusters.get(cid)
        if c is not None:
            s._tick(c)
            clusters.append(export_view(s, c))
    return {"settings": dict(s.export_settings), "clusters": clusters}


C = "/api/v1/clusters/{cluster_id}"
H = HandlersMixin
ROUTES = [
    Route("GET", C + "/cmek", H.cmek_get),
    Route("POST", C + "/cmek", H.cmek_enable),
    Route("PUT", C + "/cmek", H.cmek_update),
    Route("PATCH", C + "/cmek", H.cmek_status),
    Route("GET", C + "/logexport", H.log_export_get),
    Route("POST", C + "/logexport", H.log_export_enable),
    Route("DELETE", C + "/logexport", H.log_export_delete),
    Route("GET", C + "/metricexport/cloudwatch", H.metric_cloudwatch_get),
    Route("POST", C + "/metricexport/cloudwatch", H.metric_cloudwatch_enable),
    Route("DELETE", C + "/metricexport/cloudwatch", H.metric_cloudwatch_delete),
    Route("GET", C + "/metricexport/datadog", H.metric_datadog_get),
    Route("POST", C + "/metricexport/datadog", H.metric_datadog_enable),
    Route("DELETE", C + "/metricexport/datadog", H.metric_datadog_delete),
    Route("GET", C + "/metricexport/prometheus", H.metric_prometheus_get),
    Route("POST", C + "/metricexport/prometheus", H.metric_prometheus_enable),
    Route("DELETE", C + "/metricexport/prometheus", H.metric_prometheus_delete),
]
OPERATION_IDS = {
    "cmek_get": "CockroachCloud_GetCMEKClusterInfo",
    "cmek_enable": "CockroachCloud_EnableCMEKSpec",
    "cmek_update": "CockroachCloud_UpdateCMEKSpec",
    "cmek_status": "CockroachCloud_UpdateCMEKStatus",
    "log_export_get": "CockroachCloud_GetLogExportInfo",
    "log_export_enable": "CockroachCloud_EnableLogExport",
    "log_export_delete": "CockroachCloud_DeleteLogExport",
    "metric_cloudwatch_get": "CockroachCloud_GetCloudWatchMetricExportInfo",
    "metric_cloudwatch_enable": "CockroachCloud_EnableCloudWatchMetricExport",
    "metric_cloudwatch_delete": "CockroachCloud_DeleteCloudWatchMetricExport",
    "metric_datadog_get": "CockroachCloud_GetDatadogMetricExportInfo",
    "metric_datadog_enable": "CockroachCloud_EnableDatadogMetricExport",
    "metric_datadog_delete": "CockroachCloud_DeleteDatadogMetricExport",
    "metric_prometheus_get": "CockroachCloud_GetPrometheusMetricExportInfo",
    "metric_prometheus_enable": "CockroachCloud_EnablePrometheusMetricExport",
    "metric_prometheus_delete": "CockroachCloud_DeletePrometheusMetricExport",
}
CONTROL_ROUTES = [
    Route("POST", "/export/config", H.c_export_config),                 # {"export_seconds", "iam_seconds"}
    Route("POST", "/clusters/{cluster_id}/export/fail", H.c_export_fail),  # {"target", "credentials"}
]
