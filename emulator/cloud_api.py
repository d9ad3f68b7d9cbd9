"""Emulation of the CockroachDB Cloud API v1 (ground truth: shared/reference/cloud-api-v1.md).

``CloudAPI.handle`` turns one :class:`emulator.core.Request` into a :class:`emulator.core.Response`;
it never touches sockets and is safe to call from many threads (one lock guards all state).
Time-based state changes (CREATING -> CREATED, LOCKED -> CREATED, auto-finalisation) are evaluated
lazily whenever a cluster is read or written, against an injectable :class:`emulator.core.Clock`.

Initial state (after construction and after ``reset()``): no clusters, no SQL users, no audit-log
entries, and one API key (the ``api_key`` argument) with full rights.  The static catalogue
(regions, versions, machine types) lives in :mod:`emulator.cloud_seed`.

Control endpoints (JSON, forwarded by the server from ``/_emulator/cloud/...``) are documented in
:meth:`CloudAPI.control`.

Choices where the reference is silent or only inferred (kept deliberately simple):

* Unknown paths -> 404 code 5 "Not Found"; a known path with another method -> 405 code 12.
  Routing happens before authentication, as in a gRPC gateway.
* Cluster names must be unique among clusters that are neither DELETED nor CREATION_FAILED.
* Dedicated node counts: at least 3 per region; a single-region cluster may also have exactly 1.
* PATCH: labels, delete_protection, parent_id, upgrade_type and usage limits apply at once (state
  stays CREATED); region, node-count, hardware, plan and version changes lock the cluster for
  ``update_seconds``.  Nothing changed -> no lock, no audit entry.  Storage cannot shrink.
  A failed operation (control ``fail``) is reverted and leaves ``<OP>_FAILED``.
* Nodes of a dedicated cluster during a locking operation: the first node of each region is
  NOT_READY (rolling), the rest LIVE.  Serverless clusters list no nodes.
* PUT ``/networking/allowlist/{ip}/{mask}`` is the same RPC as POST: 409 if the entry exists.
* Allowlist ``propagating`` is true for ``propagate_seconds`` after a change.
* Only ``spend_limit`` differs between API versions: accepted on create/update and shown in
  ``config.serverless`` for versions before 2024-09-16; ``PUT .../spend-limit`` exists only on
  2022-03-31.  Older enum spellings (``CLUSTER_STATUS_UNSPECIFIED``, plan ``SERVERLESS``) are not
  emulated.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
import random
import re
import threading
import uuid
from collections import deque
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import unquote

from emulator import cloud_seed as seed
from emulator.core import Clock, Request, Response, redact

API_VERSIONS = ("2022-03-31", "2022-09-20", "2023-04-10", "2024-09-16")
LATEST_API_VERSION = API_VERSIONS[-1]

# gRPC codes used in error bodies.
INVALID_ARGUMENT = 3
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
UNIMPLEMENTED = 12
UNAVAILABLE = 14
UNAUTHENTICATED = 16

AUTO_FINALIZE_SECONDS = 72 * 3600
CLUSTER_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{4,18}[a-z0-9]$")
SQL_USER_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,62}$")
VERSION_RE = re.compile(r"^v\d+\.\d+(\.\d+)?$")
RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


class ApiError(Exception):
    def __init__(self, http: int, code: int, message: str, headers: Optional[Dict[str, str]] = None):
        super().__init__(message)
        self.http = http
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> Response:
        return Response.json(self.http, {"code": self.code, "message": self.message, "details": []},
                             self.headers)


def bad(message: str, code: int = INVALID_ARGUMENT) -> ApiError:
    return ApiError(400, code, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, NOT_FOUND, message)


# ---------------------------------------------------------------------------------------------
# Time helpers (timestamps are kept as integer microseconds since the epoch)

def fmt_ts(us: int) -> str:
    secs, frac = divmod(int(us), 1_000_000)
    base = datetime.fromtimestamp(secs, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if frac == 0:
        return base + "Z"
    if frac % 1000 == 0:
        return "%s.%03dZ" % (base, frac // 1000)
    return "%s.%06dZ" % (base, frac)


def parse_ts(value: str, field: str) -> int:
    m = RFC3339_RE.match(value or "")
    if not m:
        raise bad('invalid value for field "%s": %r is not an RFC 3339 timestamp' % (field, value))
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=timezone.utc)
    except ValueError:
        raise bad('invalid value for field "%s": %r is not a valid date' % (field, value))
    us = int(dt.timestamp()) * 1_000_000
    if frac:
        us += int((frac[1:] + "000000")[:6])
    if tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        us -= sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60) * 1_000_000
    return us


# ---------------------------------------------------------------------------------------------
# Request-body schemas (a tiny protojson-like decoder: snake_case or lowerCamelCase names,
# null = unset, unknown fields rejected, int64 as string or number).

def _obj(**fields):
    return ("obj", fields)


def _enum(*values):
    return ("enum", values)


STR = ("str",)
BOOL = ("bool",)
INT32 = ("int32",)
INT64 = ("int64",)
ANY = ("any",)


def _map(v):
    return ("map", v)


def _list(v):
    return ("list", v)


PROVIDER = _enum(*seed.PROVIDERS)
PLAN = _enum("BASIC", "STANDARD", "ADVANCED")
UPGRADE_TYPE = _enum("MANUAL", "AUTOMATIC")
DELETE_PROTECTION = _enum("ENABLED", "DISABLED")
UPGRADE_STATUS = _enum("FINALIZED", "MAJOR_UPGRADE_RUNNING", "UPGRADE_AVAILABLE",
                       "PENDING_FINALIZATION", "ROLLBACK_RUNNING")
USAGE_LIMITS = _obj(provisioned_virtual_cpus=INT64, request_unit_limit=INT64, storage_mib_limit=INT64)
MACHINE_SPEC = _obj(machine_type=STR, num_virtual_cpus=INT32)
HARDWARE = _obj(machine_spec=MACHINE_SPEC, storage_gib=INT32, disk_iops=INT32)
CUSTOMER_CLOUD_ACCOUNT = _obj(aws=_obj(arn=STR), gcp=_obj(service_account_email=STR),
                              azure=_obj(subscription_id=STR, tenant_id=STR))


def _serverless_create(legacy: bool):
    f = dict(regions=_list(STR), primary_region=STR, usage_limits=USAGE_LIMITS,
             upgrade_type=UPGRADE_TYPE, with_empty_ip_allowlist=BOOL)
    if legacy:
        f["spend_limit"] = INT32
    return ("obj", f)


def _create_schema(legacy: bool):
    spec = _obj(
        serverless=_serverless_create(legacy),
        dedicated=_obj(region_nodes=_map(INT32), hardware=HARDWARE, cockroach_version=STR,
                       network_visibility=_enum("PUBLIC", "PRIVATE"), cidr_range=STR,
                       restrict_egress_traffic=BOOL, supports_cluster_virtualization=BOOL),
        plan=PLAN, delete_protection=DELETE_PROTECTION, labels=_map(STR), parent_id=STR,
        customer_cloud_account=CUSTOMER_CLOUD_ACCOUNT)
    return _obj(name=STR, provider=PROVIDER, spec=spec, plan=PLAN)


def _update_schema(legacy: bool):
    sl = dict(primary_region=STR, regions=_list(STR), upgrade_type=UPGRADE_TYPE, usage_limits=USAGE_LIMITS)
    if legacy:
        sl["spend_limit"] = INT32
    return _obj(
        cockroach_version=STR, upgrade_status=UPGRADE_STATUS, plan=PLAN,
        delete_protection=DELETE_PROTECTION, labels=_map(STR), parent_id=STR,
        serverless=("obj", sl),
        dedicated=_obj(region_nodes=_map(INT32), hardware=HARDWARE, cmek_region_specs=_list(ANY)),
    )


CREATE_SCHEMA = {False: _create_schema(False), True: _create_schema(True)}
UPDATE_SCHEMA = {False: _update_schema(False), True: _update_schema(True)}
# Request messages of operations with path parameters also carry those parameters; a body may
# repeat them (gRPC-gateway ``body: "*"``), the path wins.
SQL_USER_CREATE = _obj(cluster_id=STR, name=STR, password=STR)
SQL_USER_PASSWORD = _obj(cluster_id=STR, name=STR, password=STR)
DB_CREATE = _obj(cluster_id=STR, name=STR)
DB_EDIT = _obj(cluster_id=STR, name=STR, new_name=STR)
ALLOWLIST_ENTRY = _obj(cluster_id=STR, cidr_ip=STR, cidr_mask=INT32, name=STR, sql=BOOL, ui=BOOL)
SPEND_LIMIT = _obj(cluster_id=STR, spend_limit=INT32)

_CAMEL_RE = re.compile(r"([A-Z])")


def _snake(name: str) -> str:
    return _CAMEL_RE.sub(lambda m: "_" + m.group(1).lower(), name)


def _int_value(value, field, lo, hi):
    if isinstance(value, bool):
        raise bad('invalid value for field "%s": expected an integer' % field)
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    elif isinstance(value, str) and re.match(r"^-?\d+$", value.strip() if value else ""):
        n = int(value)
    else:
        raise bad('invalid value for field "%s": expected an integer' % field)
    if n < lo or n > hi:
        raise bad('invalid value for field "%s": %d is out of range' % (field, n))
    return n


def decode(value: Any, schema: tuple, path: str = "") -> Any:
    kind = schema[0]
    where = path or "body"
    if kind == "any":
        return value
    if kind == "obj":
        if not isinstance(value, dict):
            raise bad('invalid value for field "%s": expected an object' % where)
        fields = schema[1]
        out = {}
        for k, v in value.items():
            key = k if k in fields else _snake(k)
            if key not in fields:
                raise bad('unknown field "%s%s"' % (path + "." if path else "", k))
            if v is None:
                continue
            out[key] = decode(v, fields[key], (path + "." if path else "") + key)
        return out
    if kind == "str":
        if not isinstance(value, str):
            raise bad('invalid value for field "%s": expected a string' % where)
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad('invalid value for field "%s": expected a boolean' % where)
        return value
    if kind == "int32":
        return _int_value(value, where, -(2 ** 31), 2 ** 31 - 1)
    if kind == "int64":
        return _int_value(value, where, -(2 ** 63), 2 ** 63 - 1)
    if kind == "enum":
        if not isinstance(value, str) or value not in schema[1]:
            raise bad('invalid value for enum field "%s": %s' % (where, json.dumps(value)))
        return value
    if kind == "map":
        if not isinstance(value, dict):
            raise bad('invalid value for field "%s": expected an object' % where)
        return {str(k): decode(v, schema[1], "%s[%s]" % (where, k)) for k, v in value.items() if v is not None}
    if kind == "list":
        if not isinstance(value, list):
            raise bad('invalid value for field "%s": expected an array' % where)
        return [decode(v, schema[1], "%s[%d]" % (where, i)) for i, v in enumerate(value)]
    raise AssertionError(kind)


# ---------------------------------------------------------------------------------------------
# Routing

ROUTES: List[Tuple[str, str, str]] = [
    ("GET", "/api/v1/clusters", "list_clusters"),
    ("POST", "/api/v1/clusters", "create_cluster"),
    ("GET", "/api/v1/clusters/available-regions", "list_regions"),
    ("GET", "/api/v1/cluster-versions", "list_versions"),
    ("GET", "/api/v1/organization", "get_organization"),
    ("GET", "/api/v1/auditlogevents", "list_audit_logs"),
    ("GET", "/api/v1/clusters/{cluster_id}", "get_cluster"),
    ("PATCH", "/api/v1/clusters/{cluster_id}", "update_cluster"),
    ("DELETE", "/api/v1/clusters/{cluster_id}", "delete_cluster"),
    ("GET", "/api/v1/clusters/{cluster_id}/nodes", "list_nodes"),
    ("GET", "/api/v1/clusters/{cluster_id}/connection-string", "connection_string"),
    ("GET", "/api/v1/clusters/{cluster_id}/sql-users", "list_sql_users"),
    ("POST", "/api/v1/clusters/{cluster_id}/sql-users", "create_sql_user"),
    ("DELETE", "/api/v1/clusters/{cluster_id}/sql-users/{name}", "delete_sql_user"),
    ("PUT", "/api/v1/clusters/{cluster_id}/sql-users/{name}/password", "update_sql_user_password"),
    ("GET", "/api/v1/clusters/{cluster_id}/databases", "list_databases"),
    ("POST", "/api/v1/clusters/{cluster_id}/databases", "create_database"),
    ("PATCH", "/api/v1/clusters/{cluster_id}/databases", "edit_database2"),
    ("PATCH", "/api/v1/clusters/{cluster_id}/databases/{name}", "edit_database"),
    ("DELETE", "/api/v1/clusters/{cluster_id}/databases/{name}", "delete_database"),
    ("GET", "/api/v1/clusters/{cluster_id}/networking/allowlist", "list_allowlist"),
    ("POST", "/api/v1/clusters/{cluster_id}/networking/allowlist", "add_allowlist"),
    ("PUT", "/api/v1/clusters/{cluster_id}/networking/allowlist/{cidr_ip}/{cidr_mask}", "add_allowlist2"),
    ("PATCH", "/api/v1/clusters/{cluster_id}/networking/allowlist/{cidr_ip}/{cidr_mask}", "update_allowlist"),
    ("DELETE", "/api/v1/clusters/{cluster_id}/networking/allowlist/{cidr_ip}/{cidr_mask}", "delete_allowlist"),
    # Legacy (Cc-Version 2022-03-31 only; 404 on every other version, as in reality).
    ("PUT", "/api/v1/clusters/{cluster_id}/spend-limit", "legacy_spend_limit"),
]

# Spec operationIds of the implemented operations (used by the conformance tests).
OPERATION_IDS = {
    "list_clusters": "CockroachCloud_ListClusters",
    "create_cluster": "CockroachCloud_CreateCluster",
    "list_regions": "CockroachCloud_ListAvailableRegions",
    "list_versions": "CockroachCloud_ListMajorClusterVersions",
    "get_organization": "CockroachCloud_GetOrganizationInfo",
    "list_audit_logs": "CockroachCloud_ListAuditLogs",
    "get_cluster": "CockroachCloud_GetCluster",
    "update_cluster": "CockroachCloud_UpdateCluster",
    "delete_cluster": "CockroachCloud_DeleteCluster",
    "list_nodes": "CockroachCloud_ListClusterNodes",
    "connection_string": "CockroachCloud_GetConnectionString",
    "list_sql_users": "CockroachCloud_ListSQLUsers",
    "create_sql_user": "CockroachCloud_CreateSQLUser",
    "delete_sql_user": "CockroachCloud_DeleteSQLUser",
    "update_sql_user_password": "CockroachCloud_UpdateSQLUserPassword",
    "list_databases": "CockroachCloud_ListDatabases",
    "create_database": "CockroachCloud_CreateDatabase",
    "edit_database2": "CockroachCloud_EditDatabase2",
    "edit_database": "CockroachCloud_EditDatabase",
    "delete_database": "CockroachCloud_DeleteDatabase",
    "list_allowlist": "CockroachCloud_ListAllowlistEntries",
    "add_allowlist": "CockroachCloud_AddAllowlistEntry",
    "add_allowlist2": "CockroachCloud_AddAllowlistEntry2",
    "update_allowlist": "CockroachCloud_UpdateAllowlistEntry",
    "delete_allowlist": "CockroachCloud_DeleteAllowlistEntry",
}

_COMPILED = [(m, p.split("/")[1:], h) for m, p, h in ROUTES]


def match_route(method: str, path: str):
    """-> (handler name, params) or raises ApiError 404/405."""
    segs = [unquote(s) for s in path.split("/")[1:]] if path.startswith("/") else None
    if not segs:
        raise not_found("Not Found")
    path_matched = False
    for m, pat, handler in _COMPILED:
        if len(pat) != len(segs):
            continue
        params = {}
        ok = True
        for p, s in zip(pat, segs):
            if p.startswith("{"):
                if s == "":
                    ok = False
                    break
                params[p[1:-1]] = s
            elif p != s:
                ok = False
                break
        if not ok:
            continue
        if m == method:
            return handler, params
        path_matched = True
    if path_matched:
        raise ApiError(405, UNIMPLEMENTED, "Method Not Allowed")
    raise not_found("Not Found")


MUTATING = ("POST", "PUT", "PATCH", "DELETE")


class _Ctx:
    def __init__(self, version: str, key: str):
        self.version = version
        self.key = key

    @property
    def legacy(self) -> bool:
        return self.version != LATEST_API_VERSION


# ---------------------------------------------------------------------------------------------

class CloudAPI:
    """Stateful Cloud API v1.

    Keyword arguments (all optional):
      rate_limit         requests per second per API key (sliding 1 s window); 0 disables.
      create_seconds     CREATING -> CREATED delay.
      update_seconds     how long a PATCH that starts a job keeps the cluster LOCKED (default 1.0).
      lock_status        HTTP status of a mutation refused because the cluster is LOCKED:
                         409 (gRPC 10 ABORTED, default) or 503 (gRPC 14 UNAVAILABLE); the message
                         is always "cluster lock is held".
      lock_scope         "all" (default): every mutation of a LOCKED cluster and of its SQL users,
                         databases and allowlist is refused; "cluster": only PATCH of the cluster.
      propagate_seconds  how long ``propagating`` stays true after an allowlist change (default 1.0).
      auto_finalize_seconds  PENDING_FINALIZATION -> finalized automatically (default 72 h).
    """

    def __init__(self, api_key, rate_limit=10.0, create_seconds=2.0, clock=None, seed=0, **kw):
        self.api_key = api_key
        self.clock = clock or Clock()
        self.seed = seed
        self._lock = threading.RLock()
        self.settings = {
            "rate_limit": float(rate_limit or 0),
            "create_seconds": float(create_seconds),
            "update_seconds": float(kw.get("update_seconds", 1.0)),
            "lock_status": int(kw.get("lock_status", 409)),
            "lock_scope": kw.get("lock_scope", "all"),
            "propagate_seconds": float(kw.get("propagate_seconds", 1.0)),
            "auto_finalize_seconds": float(kw.get("auto_finalize_seconds", AUTO_FINALIZE_SECONDS)),
        }
        self._initial_settings = dict(self.settings)
        self.reset()

    # -- lifecycle ----------------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.rng = random.Random(self.seed)
            if hasattr(self, "_initial_settings"):
                self.settings = dict(self._initial_settings)
            self.clusters: Dict[str, Dict] = {}
            self.audit: List[Dict] = []
            self._audit_seq = 0
            self.keys: Dict[str, Dict] = {self.api_key: {"read_only": False}}
            self._windows: Dict[str, deque] = {}
            self._fail_next_create = False

    def _now(self) -> float:
        return self.clock.time()

    def _now_us(self) -> int:
        return int(round(self._now() * 1_000_000))

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # -- entry point --------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        with self._lock:
            raw_version = req.header("cc-version")
            version_ok = raw_version is None or raw_version in API_VERSIONS
            version = raw_version if (raw_version and version_ok) else LATEST_API_VERSION
            logged = None
            try:
                try:
                    logged = redact(req.json())
                except (ValueError, UnicodeDecodeError):
                    logged = None
                resp = self._dispatch(req, version, version_ok)
            except ApiError as e:
                resp = e.response()
            resp.headers["Cc-Version"] = version
            if logged is not None:
                resp.logged_body = logged
            return resp

    def _dispatch(self, req: Request, version: str, version_ok: bool) -> Response:
        handler, params = match_route(req.method.upper(), req.path)
        if handler == "legacy_spend_limit" and version != "2022-03-31":
            raise not_found("Not Found")
        key = self._authenticate(req)
        if not version_ok:
            raise bad("invalid Cc-Version.")
        self._rate_limit(key)
        if req.method.upper() in MUTATING and self.keys[key].get("read_only"):
            raise ApiError(403, PERMISSION_DENIED,
                           "permission denied: the service account lacks a role that allows this operation")
        ctx = _Ctx(version, key)
        return getattr(self, "_op_" + handler)(req, ctx, **params)

    def _authenticate(self, req: Request) -> str:
        auth = req.header("authorization") or ""
        parts = auth.split(None, 1)
        if len(parts) == 2 and parts[0].lower() == "bearer" and parts[1].strip() in self.keys:
            return parts[1].strip()
        raise ApiError(401, UNAUTHENTICATED, "unauthenticated: missing or invalid API key")

    def _rate_limit(self, key: str) -> None:
        limit = self.settings["rate_limit"]
        if limit <= 0:
            return
        now = self.clock.monotonic()
        win = self._windows.setdefault(key, deque())
        while win and win[0] <= now - 1.0:
            win.popleft()
        if len(win) >= limit:
            raise ApiError(429, RESOURCE_EXHAUSTED, "rate limit exceeded", {"Retry-After": "1"})
        win.append(now)

    # -- helpers ------------------------------------------------------------------------------
    @staticmethod
    def _body(req: Request, schema) -> Dict:
        try:
            data = req.json()
        except (ValueError, UnicodeDecodeError):
            raise bad("invalid request body: not valid JSON")
        if data is None:
            data = {}
        return decode(data, schema)

    @staticmethod
    def _qbool(req: Request, name: str, default: bool = False) -> bool:
        v = req.q(name)
        if v is None or v == "":
            return default
        if v in ("1", "t", "T", "true", "TRUE", "True"):
            return True
        if v in ("0", "f", "F", "false", "FALSE", "False"):
            return False
        raise bad('invalid value for query parameter "%s": %r is not a boolean' % (name, v))

    @staticmethod
    def _qint(req: Request, name: str) -> Optional[int]:
        v = req.q(name)
        if v is None or v == "":
            return None
        if not re.match(r"^-?\d+$", v) or not -(2 ** 31) <= int(v) < 2 ** 31:
            raise bad('invalid value for query parameter "%s": %r is not an int32' % (name, v))
        return int(v)

    @staticmethod
    def _qenum(req: Request, name: str, values, default=None):
        v = req.q(name)
        if v is None or v == "":
            return default
        if v not in values:
            raise bad('invalid value for query parameter "%s": %r' % (name, v))
        return v

    def _paginate(self, req: Request, items: List, key: Callable[[Any], tuple], default_order="ASC",
                  default_limit=100) -> Tuple[List, Dict]:
        limit = self._qint(req, "pagination.limit")
        if limit is not None and limit < 0:
            raise bad('invalid value for query parameter "pagination.limit": must not be negative')
        limit = limit or default_limit
        order = self._qenum(req, "pagination.sort_order", ("ASC", "DESC"), default_order)
        as_of = req.q("pagination.as_of_time")
        if as_of:
            parse_ts(as_of, "pagination.as_of_time")
        asc = order == "ASC"
        seq = sorted(items, key=key, reverse=not asc)
        # A token is only valid for the list (path + sort field) that issued it.
        scope = "%s|%s" % (req.path, req.q("pagination.sort_by") or "")
        token = req.q("pagination.page") or ""
        if token:
            try:
                raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
                tok = json.loads(raw.decode("utf-8"))
                direction, k, tord = tok["d"], tuple(tok["k"]), tok["o"]
                if direction not in ("n", "p"):
                    raise ValueError
            except Exception:
                raise bad('invalid value for query parameter "pagination.page": malformed page token')
            if tord != order:
                raise bad('invalid value for query parameter "pagination.page": token was issued for '
                          'sort order %s' % tord)
            if tok.get("s") != scope:
                raise bad('invalid value for query parameter "pagination.page": token belongs to another list')

            def after(x):
                return key(x) > k if asc else key(x) < k
            try:
                if direction == "n":
                    start = next((i for i, x in enumerate(seq) if after(x)), len(seq))
                    page = seq[start:start + limit]
                else:
                    end = next((i for i, x in enumerate(seq) if not (key(x) < k if asc else key(x) > k)), len(seq))
                    start = max(0, end - limit)
                    page = seq[start:end]
            except TypeError:
                raise bad('invalid value for query parameter "pagination.page": malformed page token')
        else:
            start = 0
            page = seq[:limit]
        pag: Dict[str, str] = {}
        if page:
            if start + len(page) < len(seq):
                pag["next_page"] = self._token("n", key(page[-1]), order, scope)
            if start > 0:
                pag["previous_page"] = self._token("p", key(page[0]), order, scope)
        return page, pag

    @staticmethod
    def _token(direction: str, k: tuple, order: str, scope: str) -> str:
        raw = json.dumps({"d": direction, "k": list(k), "o": order, "s": scope}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")

    def _record(self, action: str, c: Optional[Dict], payload: Any = None) -> None:
        self._audit_seq += 1
        entry = {
            "id": self._uuid(),
            "action": action,
            "created_at_us": self._now_us(),
            "seq": self._audit_seq,
            "source": "AUDIT_LOG_SOURCE_CC_API",
            "service_account_name": seed.SERVICE_ACCOUNT_NAME,
            "metadata": {"ip_address": "127.0.0.1"},
        }
        if c is not None:
            entry["cluster_id"] = c["id"]
            entry["cluster_name"] = c["name"]
        if payload is not None:
            entry["payload"] = json.dumps(redact(payload), sort_keys=True, separators=(",", ":"))
        self.audit.append(entry)

    def _lock_error(self) -> ApiError:
        if self.settings["lock_status"] == 503:
            return ApiError(503, UNAVAILABLE, "cluster lock is held")
        return ApiError(409, ABORTED, "cluster lock is held")

    # -- cluster state machine ----------------------------------------------------------------
    def _tick(self, c: Dict) -> None:
        now = self._now()
        if c["state"] == "CREATING" and now >= c["ready_at"]:
            c["state"] = "CREATION_FAILED" if c["fail_create"] else "CREATED"
            c["updated_at"] = int(c["ready_at"] * 1_000_000)
        if c["state"] == "LOCKED" and c["lock_until"] is not None and now >= c["lock_until"]:
            self._finish_operation(c)
        if (c["upgrade_status"] == "PENDING_FINALIZATION" and c["finalize_at"] is not None
                and now >= c["finalize_at"] and c["state"] != "DELETED"):
            self._finalize(c)

    def _finish_operation(self, c: Dict) -> None:
        pending = c["pending"] or {}
        op = c["operation_status"]
        when = c["lock_until"]
        c["state"] = "CREATED"
        c["operation_status"] = "UNSPECIFIED"
        c["lock_until"] = None
        c["pending"] = None
        c["updated_at"] = int(when * 1_000_000)
        kind = pending.get("kind")
        if kind and c.pop("fail_op", False):
            snap = pending.get("snapshot") or {}
            c.update(copy.deepcopy(snap))
            c["operation_status"] = op.replace("_RUNNING", "_FAILED")
            return
        if kind == "upgrade":
            c["prev_version"] = c["version"]
            c["version"] = seed.version_entry(pending["target"])["latest"]
            c["upgrade_status"] = "PENDING_FINALIZATION"
            c["finalize_at"] = when + self.settings["auto_finalize_seconds"]
        elif kind == "rollback":
            c["version"] = c["prev_version"]
            c["prev_version"] = None
            c["finalize_at"] = None
            c["upgrade_status"] = self._steady_upgrade_status(c["version"])

    def _finalize(self, c: Dict) -> None:
        c["prev_version"] = None
        c["finalize_at"] = None
        c["upgrade_status"] = self._steady_upgrade_status(c["version"])

    @staticmethod
    def _steady_upgrade_status(version: str) -> str:
        entry = seed.version_entry(seed.major_of(version))
        return "UPGRADE_AVAILABLE" if entry and entry["allowed_upgrades"] else "FINALIZED"

    def _start_lock(self, c: Dict, operation_status: str, pending: Optional[Dict], seconds: float) -> None:
        c["state"] = "LOCKED"
        c["operation_status"] = operation_status
        c["lock_until"] = self._now() + max(0.0, seconds)
        c["pending"] = pending

    def _cluster(self, cid: str) -> Dict:
        c = self.clusters.get(cid)
        if c is None:
            raise not_found("cluster %s not found" % cid)
        self._tick(c)
        return c

    def _ready_cluster(self, cid: str) -> Dict:
        """Cluster whose sub-resources may be used: 404 while CREATING, after failure or deletion."""
        c = self._cluster(cid)
        if c["state"] not in ("CREATED", "LOCKED"):
            raise not_found("cluster %s not found or not ready (state %s)" % (cid, c["state"]))
        return c

    def _mutable_sub(self, cid: str) -> Dict:
        c = self._ready_cluster(cid)
        if c["state"] == "LOCKED" and self.settings["lock_scope"] == "all":
            raise self._lock_error()
        return c

    # -- rendering ----------------------------------------------------------------------------
    def _render(self, c: Dict, ctx: Optional[_Ctx] = None) -> Dict:
        provider = c["provider"]
        pl = provider.lower()
        regions = []
        if c["serverless"] is not None:
            sl = c["serverless"]
            for r in sorted(sl["regions"]):
                host = "%s.%s-%s.cockroachlabs.cloud" % (sl["routing_id"], pl, r)
                regions.append({
                    "name": r, "sql_dns": host, "ui_dns": "", "internal_dns": "",
                    "private_endpoint_dns": "%s.%s-%s.crdb.io" % (sl["routing_id"], pl, r),
                    "node_count": 0, "primary": r == sl["primary_region"],
                })
            config: Dict[str, Any] = {"serverless": {"routing_id": sl["routing_id"], "upgrade_type": sl["upgrade_type"]}}
            if sl["usage_limits"]:
                config["serverless"]["usage_limits"] = {k: str(v) for k, v in sorted(sl["usage_limits"].items())}
            if ctx is not None and ctx.legacy and sl.get("spend_limit") is not None:
                config["serverless"]["spend_limit"] = sl["spend_limit"]
            primary = sl["primary_region"] or sorted(sl["regions"])[0]
            sql_dns = "%s.%s-%s.cockroachlabs.cloud" % (sl["routing_id"], pl, primary)
        else:
            d = c["dedicated"]
            for r in sorted(d["region_nodes"]):
                base = "%s-%s.%s-%s.cockroachlabs.cloud" % (c["name"], c["short"], pl, r)
                regions.append({
                    "name": r, "sql_dns": base, "ui_dns": "admin-" + base, "internal_dns": "internal-" + base,
                    "private_endpoint_dns": "%s-%s.%s-%s.crdb.io" % (c["name"], c["short"], pl, r),
                    "node_count": d["region_nodes"][r], "primary": False,
                })
            config = {"dedicated": {
                "machine_type": d["machine_type"], "num_virtual_cpus": d["num_virtual_cpus"],
                "storage_gib": d["storage_gib"], "memory_gib": d["memory_gib"], "disk_iops": d["disk_iops"],
            }}
            sql_dns = "%s-%s.%s.cockroachlabs.cloud" % (c["name"], c["short"], pl)
        out = {
            "id": c["id"],
            "name": c["name"],
            "cockroach_version": c["version"],
            "upgrade_status": c["upgrade_status"],
            "plan": c["plan"],
            "cloud_provider": provider,
            "account_id": c["account_id"],
            "state": c["state"],
            "creator_id": seed.SERVICE_ACCOUNT_ID,
            "operation_status": c["operation_status"],
            "config": config,
            "regions": regions,
            "sql_dns": sql_dns,
            "cidr_range": c["cidr_range"],
            "network_visibility": c["network_visibility"],
            "egress_traffic_policy": c["egress_traffic_policy"],
            "labels": dict(c["labels"]),
            "delete_protection": c["delete_protection"],
            "parent_id": c["parent_id"],
            "is_customer_cloud_account": c["customer_cloud_account"] is not None,
            "created_at": fmt_ts(c["created_at"]),
            "updated_at": fmt_ts(c["updated_at"]),
        }
        if c["customer_cloud_account"] is not None:
            out["customer_cloud_account"] = copy.deepcopy(c["customer_cloud_account"])
        if c["deleted_at"] is not None:
            out["deleted_at"] = fmt_ts(c["deleted_at"])
        return out

    def _ok(self, obj: Any) -> Response:
        return Response.json(200, obj)

    # -- validation helpers shared by create and update ---------------------------------------
    @staticmethod
    def _check_limits(limits: Dict[str, int], plan: str) -> None:
        for k, v in limits.items():
            if v <= 0:
                raise bad('invalid value for field "usage_limits.%s": must be greater than zero' % k)
        if plan == "STANDARD":
            extra = sorted(set(limits) - {"provisioned_virtual_cpus"})
            if extra:
                raise bad("usage_limits.%s is not supported on STANDARD clusters; use "
                          "provisioned_virtual_cpus" % extra[0])
            if "provisioned_virtual_cpus" not in limits:
                raise bad("usage_limits.provisioned_virtual_cpus is required for STANDARD clusters")
        elif plan == "BASIC" and "provisioned_virtual_cpus" in limits:
            raise bad("usage_limits.provisioned_virtual_cpus is not supported on BASIC clusters")

    @staticmethod
    def _check_serverless_regions(provider: str, regions: List[str]) -> None:
        if not regions:
            raise bad("at least one region is required")
        if len(set(regions)) != len(regions):
            raise bad("duplicate region in regions")
        for r in regions:
            info = seed.region_info(provider, r)
            if info is None:
                raise bad('region "%s" is not a valid %s region' % (r, provider))
            if not info[2]:
                raise bad('region "%s" is not available for serverless clusters on %s' % (r, provider))

    @staticmethod
    def _check_region_nodes(provider: str, region_nodes: Dict[str, int]) -> None:
        if not region_nodes:
            raise bad("dedicated.region_nodes must name at least one region")
        for r, n in region_nodes.items():
            if seed.region_info(provider, r) is None:
                raise bad('region "%s" is not a valid %s region' % (r, provider))
            if n < 1 or n > seed.MAX_NODES_PER_REGION:
                raise bad('invalid node count %d for region "%s"' % (n, r))
            if n < 3 and (len(region_nodes) > 1 or n == 2):
                raise bad('region "%s" needs at least 3 nodes (a single-region cluster may also have '
                          'exactly 1 node)' % r)

    @staticmethod
    def _machine(provider: str, spec: Dict) -> Tuple[str, int]:
        mt, n = spec.get("machine_type"), spec.get("num_virtual_cpus")
        if mt and n:
            raise bad("only one of machine_spec.machine_type or machine_spec.num_virtual_cpus may be set")
        if mt:
            vc = seed.vcpus_for_machine_type(provider, mt)
            if vc is None:
                raise bad('machine type "%s" is not available on %s' % (mt, provider))
            return mt, vc
        if n:
            if n not in seed.VCPU_SIZES:
                raise bad("num_virtual_cpus must be one of %s" % ", ".join(str(x) for x in seed.VCPU_SIZES))
            return seed.machine_type_for(provider, n), n
        raise bad("hardware.machine_spec needs machine_type or num_virtual_cpus")

    @staticmethod
    def _check_storage(storage: int) -> int:
        if storage == 0:
            return seed.DEFAULT_STORAGE_GIB
        if storage < seed.MIN_STORAGE_GIB or storage > seed.MAX_STORAGE_GIB:
            raise bad("storage_gib must be between %d and %d" % (seed.MIN_STORAGE_GIB, seed.MAX_STORAGE_GIB))
        return storage

    @staticmethod
    def _iops(provider: str, storage: int, iops: int) -> int:
        if iops and provider != "AWS":
            raise bad("disk_iops can only be set on AWS clusters")
        if iops < 0:
            raise bad("disk_iops must not be negative")
        if provider != "AWS":
            return 0
        return iops or max(3000, storage * seed.DEFAULT_AWS_IOPS_PER_GIB)

    @staticmethod
    def _parent(pid: Optional[str]) -> str:
        if pid in (None, "", "root"):
            return "root"
        raise not_found("folder %s not found" % pid)

    # -- operations: catalogue ----------------------------------------------------------------
    def _op_list_regions(self, req, ctx):
        provider = self._qenum(req, "provider", seed.PROVIDERS)
        serverless = self._qbool(req, "serverless")
        items = []
        for p in seed.PROVIDERS:
            if provider and p != provider:
                continue
            for name, loc, sl, dist in seed.REGIONS[p]:
                if serverless and not sl:
                    continue
                items.append({"name": name, "location": loc, "provider": p, "serverless": sl, "distance": dist})
        page, pag = self._paginate(req, items, lambda r: (r["distance"], r["provider"], r["name"]))
        return self._ok({"regions": page, "pagination": pag})

    def _op_list_versions(self, req, ctx):
        items = []
        for v in seed.VERSIONS:
            items.append({k: (list(v[k]) if k == "allowed_upgrades" else v[k])
                          for k in ("version", "support_status", "support_end", "release_type", "allowed_upgrades")})

        def vkey(v):
            major, minor = v["version"][1:].split(".")
            return (int(major), int(minor))
        page, pag = self._paginate(req, items, vkey, default_order="DESC")
        return self._ok({"versions": page, "pagination": pag})

    def _op_get_organization(self, req, ctx):
        return self._ok(dict(seed.ORGANIZATION))

    def _op_list_audit_logs(self, req, ctx):
        sf = req.q("starting_from")
        sf_us = parse_ts(sf, "starting_from") if sf else None
        order = self._qenum(req, "sort_order", ("ASC", "DESC"), "ASC")
        limit = self._qint(req, "limit")
        if limit is not None and limit < 0:
            raise bad('invalid value for query parameter "limit": must not be negative')
        limit = limit or 200
        asc = order == "ASC"
        entries = sorted(self.audit, key=lambda e: (e["created_at_us"], e["seq"]), reverse=not asc)
        if sf_us is not None:
            entries = [e for e in entries if (e["created_at_us"] > sf_us if asc else e["created_at_us"] < sf_us)]
        page = entries[:limit]
        # All entries sharing the boundary timestamp are returned (the page may be slightly larger).
        i = len(page)
        while page and i < len(entries) and entries[i]["created_at_us"] == page[-1]["created_at_us"]:
            page.append(entries[i])
            i += 1
        out: Dict[str, Any] = {"entries": [self._render_audit(e) for e in page]}
        more = i < len(entries)
        if page:
            if asc or more:
                out["next_starting_from"] = fmt_ts(page[-1]["created_at_us"])
        elif asc:
            out["next_starting_from"] = fmt_ts(sf_us if sf_us is not None else self._now_us())
        return self._ok(out)

    @staticmethod
    def _render_audit(e: Dict) -> Dict:
        out = {k: v for k, v in e.items() if k not in ("created_at_us", "seq")}
        out["created_at"] = fmt_ts(e["created_at_us"])
        return out

    # -- operations: clusters -----------------------------------------------------------------
    def _op_list_clusters(self, req, ctx):
        show_inactive = self._qbool(req, "show_inactive")
        sort_by = self._qenum(req, "pagination.sort_by", ("NAME", "CREATED_AT", "DELETED_AT"), "NAME")
        items = []
        for c in self.clusters.values():
            self._tick(c)
            if not show_inactive and c["state"] in ("DELETED", "CREATION_FAILED"):
                continue
            items.append(c)
        if sort_by == "NAME":
            def key(c):
                return (c["name"], c["id"])
        elif sort_by == "CREATED_AT":
            def key(c):
                return (c["created_at"], c["id"])
        else:
            def key(c):
                return (c["deleted_at"] or c["created_at"], c["id"])
        page, pag = self._paginate(req, items, key)
        return self._ok({"clusters": [self._render(c, ctx) for c in page], "pagination": pag})

    def _op_get_cluster(self, req, ctx, cluster_id):
        return self._ok(self._render(self._cluster(cluster_id), ctx))

    def _op_create_cluster(self, req, ctx):
        body = self._body(req, CREATE_SCHEMA[ctx.legacy])
        name = body.get("name")
        if not name:
            raise bad("name is required")
        if not CLUSTER_NAME_RE.match(name):
            raise bad("invalid cluster name %r: use 6 to 20 lowercase letters, digits and dashes, "
                      "not starting or ending with a dash" % name)
        provider = body.get("provider")
        if not provider:
            raise bad("provider is required")
        spec = body.get("spec")
        if spec is None:
            raise bad("spec is required")
        sv, dd = spec.get("serverless"), spec.get("dedicated")
        if (sv is None) == (dd is None):
            raise bad("exactly one of spec.serverless or spec.dedicated must be set")
        plan = spec.get("plan")
        top_plan = body.get("plan")
        if plan and top_plan and plan != top_plan:
            raise bad("plan and spec.plan disagree")
        plan = plan or top_plan
        if not plan:
            if dd is not None:
                plan = "ADVANCED"
            elif "provisioned_virtual_cpus" in (sv.get("usage_limits") or {}):
                plan = "STANDARD"
            else:
                plan = "BASIC"
        if plan == "ADVANCED" and dd is None:
            raise bad("plan ADVANCED requires spec.dedicated")
        if plan != "ADVANCED" and sv is None:
            raise bad("plan %s requires spec.serverless" % plan)
        cca = spec.get("customer_cloud_account")
        if cca is not None and sv is not None:
            raise bad("customer_cloud_account is not supported for serverless clusters")
        parent = self._parent(spec.get("parent_id"))
        for other in self.clusters.values():
            self._tick(other)
            if other["name"] == name and other["state"] not in ("DELETED", "CREATION_FAILED"):
                raise ApiError(409, ALREADY_EXISTS, "a cluster named %s already exists" % name)

        now = self._now()
        short = "%05x" % self.rng.getrandbits(20)
        c: Dict[str, Any] = {
            "id": self._uuid(), "name": name, "provider": provider, "plan": plan,
            "state": "CREATING", "operation_status": "UNSPECIFIED",
            "serverless": None, "dedicated": None, "short": short,
            "labels": dict(spec.get("labels") or {}),
            "delete_protection": spec.get("delete_protection") or "DISABLED",
            "parent_id": parent, "customer_cloud_account": cca,
            "account_id": "", "cidr_range": "", "network_visibility": "PUBLIC",
            "egress_traffic_policy": "UNSPECIFIED",
            "created_at": self._now_us(), "updated_at": self._now_us(), "deleted_at": None,
            "ready_at": now + max(0.0, self.settings["create_seconds"]), "fail_create": False,
            "lock_until": None, "pending": None, "prev_version": None, "finalize_at": None,
            "users": {}, "databases": {"defaultdb": {"table_count": 0}}, "allowlist": {},
            "allowlist_changed_at": -1e18,
        }
        if sv is not None:
            regions = sv.get("regions") or []
            self._check_serverless_regions(provider, regions)
            primary = sv.get("primary_region")
            if primary and primary not in regions:
                raise bad("primary_region %s is not one of the cluster's regions" % primary)
            if len(regions) > 1 and not primary:
                raise bad("primary_region is required when more than one region is given")
            upgrade_type = sv.get("upgrade_type") or "AUTOMATIC"
            if plan == "BASIC" and upgrade_type == "MANUAL":
                raise bad("upgrade_type MANUAL is not supported on BASIC clusters")
            limits = dict(sv.get("usage_limits") or {})
            self._check_limits(limits, plan)
            spend = sv.get("spend_limit")
            if spend is not None and spend < 0:
                raise bad("spend_limit must not be negative")
            c["serverless"] = {
                "regions": list(regions), "primary_region": primary or (regions[0] if len(regions) == 1 else None),
                "upgrade_type": upgrade_type, "usage_limits": limits,
                "routing_id": "%s-%04d" % (name, self.rng.randrange(10000)), "spend_limit": spend,
            }
            c["version"] = seed.version_entry(seed.LATEST_MAJOR)["latest"]
            c["account_id"] = ""
            if not sv.get("with_empty_ip_allowlist"):
                c["allowlist"][("0.0.0.0", 0)] = {"name": "", "sql": True, "ui": True}
        else:
            region_nodes = dd.get("region_nodes") or {}
            self._check_region_nodes(provider, region_nodes)
            hw = dd.get("hardware")
            if hw is None:
                raise bad("dedicated.hardware is required")
            if hw.get("machine_spec") is None:
                raise bad("dedicated.hardware.machine_spec is required")
            mt, vcpus = self._machine(provider, hw["machine_spec"])
            storage = self._check_storage(hw.get("storage_gib", 0))
            iops = self._iops(provider, storage, hw.get("disk_iops", 0))
            want = dd.get("cockroach_version")
            if want:
                if not VERSION_RE.match(want):
                    raise bad("unsupported version: %s" % want)
                entry = seed.version_entry(seed.major_of(want))
                if entry is None or entry["support_status"] == "UNSUPPORTED":
                    raise bad("unsupported version: %s" % want)
            else:
                entry = seed.version_entry(seed.LATEST_MAJOR)
            cidr = dd.get("cidr_range")
            if cidr:
                if provider != "GCP":
                    raise bad("cidr_range can only be set on GCP clusters")
                try:
                    net = ipaddress.IPv4Network(cidr, strict=True)
                except ValueError:
                    raise bad("invalid cidr_range %r" % cidr)
                if net.prefixlen > 19:
                    raise bad("cidr_range must have a mask of /19 or larger")
            elif provider == "GCP":
                cidr = "172.28.0.0/14"
            c["dedicated"] = {
                "region_nodes": dict(region_nodes), "machine_type": mt, "num_virtual_cpus": vcpus,
                "storage_gib": storage, "disk_iops": iops, "memory_gib": vcpus * seed.MEMORY_GIB_PER_VCPU,
                "supports_cluster_virtualization": bool(dd.get("supports_cluster_virtualization")),
            }
            c["version"] = entry["latest"]
            c["cidr_range"] = cidr or ""
            c["network_visibility"] = dd.get("network_visibility") or "PUBLIC"
            c["egress_traffic_policy"] = "DEFAULT_DENY" if dd.get("restrict_egress_traffic") else "ALLOW_ALL"
            c["account_id"] = {"GCP": "crl-prod-%s" % short, "AWS": "%012d" % self.rng.randrange(10 ** 12),
                               "AZURE": self._uuid()}[provider]
        c["upgrade_status"] = self._steady_upgrade_status(c["version"])
        if self._fail_next_create:
            c["fail_create"] = True
            self._fail_next_create = False
        self.clusters[c["id"]] = c
        self._record("AUDIT_LOG_ACTION_CREATE_CLUSTER", c, body)
        self._tick(c)
        return self._ok(self._render(c, ctx))

    def _op_delete_cluster(self, req, ctx, cluster_id):
        c = self._cluster(cluster_id)
        if c["state"] == "DELETED":
            raise not_found("cluster %s not found" % cluster_id)
        if c["delete_protection"] == "ENABLED":
            raise bad("cluster %s has delete protection enabled; disable it before deleting" % c["name"],
                      FAILED_PRECONDITION)
        c["state"] = "DELETED"
        c["operation_status"] = "UNSPECIFIED"
        c["lock_until"] = None
        c["pending"] = None
        c["deleted_at"] = c["updated_at"] = self._now_us()
        self._record("AUDIT_LOG_ACTION_DELETE_CLUSTER", c)
        return self._ok(self._render(c, ctx))

    def _op_update_cluster(self, req, ctx, cluster_id):
        c = self._cluster(cluster_id)
        body = self._body(req, UPDATE_SCHEMA[ctx.legacy])
        if c["state"] in ("DELETED", "CREATION_FAILED"):
            raise bad("cluster %s cannot be updated in state %s" % (cluster_id, c["state"]), FAILED_PRECONDITION)
        if c["state"] == "CREATING":
            raise bad("cluster %s is still being created" % cluster_id, FAILED_PRECONDITION)
        if c["state"] == "LOCKED":
            raise self._lock_error()
        vkeys = [k for k in ("cockroach_version", "upgrade_status") if k in body]
        if vkeys:
            if len(vkeys) == 2:
                raise bad("only one of cockroach_version or upgrade_status may be set")
            if len(body) > 1:
                raise bad("%s cannot be combined with other updates in the same request" % vkeys[0])
            self._version_operation(c, body, vkeys[0])
        else:
            self._edit_cluster(c, body, ctx)
        self._tick(c)
        return self._ok(self._render(c, ctx))

    def _version_operation(self, c: Dict, body: Dict, field: str) -> None:
        cur = seed.major_of(c["version"])
        if c["plan"] == "BASIC":
            raise bad("BASIC clusters do not support %s" % field)
        if field == "upgrade_status":
            want = body["upgrade_status"]
            if want not in ("FINALIZED", "ROLLBACK_RUNNING"):
                raise bad("upgrade_status may only be set to FINALIZED or ROLLBACK_RUNNING")
            if c["upgrade_status"] != "PENDING_FINALIZATION":
                raise bad("cluster has no major version upgrade pending finalization", FAILED_PRECONDITION)
            if want == "FINALIZED":
                self._finalize(c)
                c["updated_at"] = self._now_us()
                self._record("AUDIT_LOG_ACTION_FINALIZE_CLUSTER_MAJOR_VERSION_UPDATE", c, body)
            else:
                self._start_rollback(c, body)
            return
        target = body["cockroach_version"]
        if not VERSION_RE.match(target):
            raise bad("unsupported version: %s" % target)
        tmajor = seed.major_of(target)
        if c["plan"] == "STANDARD" and c["serverless"]["upgrade_type"] != "MANUAL":
            raise bad("set serverless.upgrade_type to MANUAL before setting cockroach_version", FAILED_PRECONDITION)
        if (c["upgrade_status"] == "PENDING_FINALIZATION" and c["prev_version"]
                and tmajor == seed.major_of(c["prev_version"])):
            self._start_rollback(c, body)
            return
        if tmajor == cur:
            raise bad("cluster is already running %s" % cur, FAILED_PRECONDITION)
        if c["upgrade_status"] == "PENDING_FINALIZATION":
            raise bad("finalize or roll back the pending upgrade to %s first" % cur, FAILED_PRECONDITION)
        entry = seed.version_entry(cur)
        tentry = seed.version_entry(tmajor)
        if tentry is None or tentry["support_status"] == "UNSUPPORTED":
            raise bad("unsupported version: %s" % target)
        if entry is None or tmajor not in entry["allowed_upgrades"]:
            raise bad("cannot upgrade from %s to %s; allowed upgrades: %s"
                      % (cur, tmajor, ", ".join(entry["allowed_upgrades"] if entry else []) or "none"),
                      FAILED_PRECONDITION)
        c["upgrade_status"] = "MAJOR_UPGRADE_RUNNING"
        c["updated_at"] = self._now_us()
        self._start_lock(c, "CRDB_MAJOR_UPGRADE_RUNNING",
                         {"kind": "upgrade", "target": tmajor,
                          "snapshot": {"upgrade_status": self._steady_upgrade_status(c["version"])}},
                         self.settings["update_seconds"])
        self._record("AUDIT_LOG_ACTION_UPDATE_CLUSTER_MAJOR_VERSION", c, body)

    def _start_rollback(self, c: Dict, body: Dict) -> None:
        c["upgrade_status"] = "ROLLBACK_RUNNING"
        c["updated_at"] = self._now_us()
        self._start_lock(c, "CRDB_MAJOR_ROLLBACK_RUNNING",
                         {"kind": "rollback", "snapshot": {"upgrade_status": "PENDING_FINALIZATION"}},
                         self.settings["update_seconds"])
        self._record("AUDIT_LOG_ACTION_ROLLBACK_CLUSTER_MAJOR_VERSION_UPDATE", c, body)

    def _edit_cluster(self, c: Dict, body: Dict, ctx: _Ctx) -> None:
        snapshot = {k: copy.deepcopy(c[k]) for k in ("plan", "serverless", "dedicated")}
        plan = c["plan"]
        lock_op = None
        if "plan" in body and body["plan"] != plan:
            if "ADVANCED" in (plan, body["plan"]):
                raise bad("the plan cannot be changed between ADVANCED and BASIC/STANDARD", FAILED_PRECONDITION)
            plan = body["plan"]
            lock_op = "CRDB_EDIT_CLUSTER_RUNNING"
        sl = copy.deepcopy(c["serverless"])
        dd = copy.deepcopy(c["dedicated"])
        if "serverless" in body:
            if sl is None:
                raise bad("serverless settings cannot be applied to an ADVANCED cluster")
            s = body["serverless"]
            if "regions" in s:
                regions = s["regions"]
                self._check_serverless_regions(c["provider"], regions)
                removed = sorted(set(sl["regions"]) - set(regions))
                if removed:
                    raise bad("regions cannot be removed from a serverless cluster (%s)" % ", ".join(removed))
                if set(regions) != set(sl["regions"]):
                    lock_op = lock_op or "CRDB_EDIT_CLUSTER_RUNNING"
                sl["regions"] = list(regions)
            if "primary_region" in s and s["primary_region"]:
                if s["primary_region"] not in sl["regions"]:
                    raise bad("primary_region %s is not one of the cluster's regions" % s["primary_region"])
                if s["primary_region"] != sl["primary_region"]:
                    lock_op = lock_op or "CRDB_EDIT_CLUSTER_RUNNING"
                sl["primary_region"] = s["primary_region"]
            if len(sl["regions"]) > 1 and not sl["primary_region"]:
                raise bad("primary_region is required when a cluster has more than one region")
            if "upgrade_type" in s:
                sl["upgrade_type"] = s["upgrade_type"]
            if "usage_limits" in s:
                sl["usage_limits"] = dict(s["usage_limits"])
            if "spend_limit" in s:
                if s["spend_limit"] < 0:
                    raise bad("spend_limit must not be negative")
                sl["spend_limit"] = s["spend_limit"]
        if sl is not None:
            if plan == "BASIC" and sl["upgrade_type"] == "MANUAL":
                raise bad("upgrade_type MANUAL is not supported on BASIC clusters")
            if plan != c["plan"] or "serverless" in body and "usage_limits" in body["serverless"]:
                self._check_limits(sl["usage_limits"], plan)
        if "dedicated" in body:
            if dd is None:
                raise bad("dedicated settings cannot be applied to a serverless cluster")
            d = body["dedicated"]
            if d.get("cmek_region_specs"):
                raise bad("CMEK is not enabled for this cluster", FAILED_PRECONDITION)
            if "region_nodes" in d:
                self._check_region_nodes(c["provider"], d["region_nodes"])
                if d["region_nodes"] != dd["region_nodes"]:
                    lock_op = lock_op or "CRDB_SCALE_RUNNING"
                dd["region_nodes"] = dict(d["region_nodes"])
            hw = d.get("hardware") or {}
            if hw.get("machine_spec") is not None:
                mt, vc = self._machine(c["provider"], hw["machine_spec"])
                if vc != dd["num_virtual_cpus"] or mt != dd["machine_type"]:
                    lock_op = lock_op or "CRDB_SCALE_RUNNING"
                dd["machine_type"], dd["num_virtual_cpus"] = mt, vc
                dd["memory_gib"] = vc * seed.MEMORY_GIB_PER_VCPU
            if hw.get("storage_gib"):
                st = self._check_storage(hw["storage_gib"])
                if st < dd["storage_gib"]:
                    raise bad("storage_gib cannot be decreased (currently %d)" % dd["storage_gib"])
                if st != dd["storage_gib"]:
                    lock_op = lock_op or "CRDB_SCALE_RUNNING"
                dd["storage_gib"] = st
            if hw.get("disk_iops"):
                iops = self._iops(c["provider"], dd["storage_gib"], hw["disk_iops"])
                if iops != dd["disk_iops"]:
                    lock_op = lock_op or "CRDB_SCALE_RUNNING"
                dd["disk_iops"] = iops
        parent = self._parent(body["parent_id"]) if "parent_id" in body else c["parent_id"]

        # All validation passed: commit.
        changed = (plan != c["plan"] or sl != c["serverless"] or dd != c["dedicated"]
                   or parent != c["parent_id"]
                   or ("labels" in body and body["labels"] != c["labels"]))
        dp_changed = "delete_protection" in body and body["delete_protection"] != c["delete_protection"]
        c["plan"], c["serverless"], c["dedicated"], c["parent_id"] = plan, sl, dd, parent
        if "labels" in body:
            c["labels"] = dict(body["labels"])
        if dp_changed:
            c["delete_protection"] = body["delete_protection"]
            self._record("AUDIT_LOG_ACTION_SET_DELETE_PROTECTION", c, {"delete_protection": body["delete_protection"]})
        if changed:
            self._record("AUDIT_LOG_ACTION_UPDATE_CLUSTER", c, body)
        if changed or dp_changed:
            c["updated_at"] = self._now_us()
        if lock_op:
            self._start_lock(c, lock_op, {"kind": "edit", "snapshot": snapshot}, self.settings["update_seconds"])

    def _op_legacy_spend_limit(self, req, ctx, cluster_id):
        body = self._body(req, SPEND_LIMIT)
        c = self._mutable_sub(cluster_id)
        if c["serverless"] is None:
            raise bad("spend limits apply only to serverless clusters", FAILED_PRECONDITION)
        if "spend_limit" not in body:
            raise bad("spend_limit is required")
        if body["spend_limit"] < 0:
            raise bad("spend_limit must not be negative")
        c["serverless"]["spend_limit"] = body["spend_limit"]
        c["updated_at"] = self._now_us()
        self._record("AUDIT_LOG_ACTION_UPDATE_CLUSTER", c, {"spend_limit": body["spend_limit"]})
        return self._ok({})

    # -- nodes / connection string ------------------------------------------------------------
    def _op_list_nodes(self, req, ctx, cluster_id):
        c = self._ready_cluster(cluster_id)
        region = req.q("region_name")
        nodes = []
        if c["dedicated"] is not None:
            updating = c["state"] == "LOCKED" and c["pending"] is not None
            for r, n in c["dedicated"]["region_nodes"].items():
                if region and r != region:
                    continue
                for i in range(n):
                    status = "NOT_READY" if (updating and i == 0) else "LIVE"
                    nodes.append({"name": "%s-%s-n%03d" % (c["name"], r, i + 1), "region_name": r, "status": status})
        page, pag = self._paginate(req, nodes, lambda x: (x["region_name"], x["name"]))
        return self._ok({"nodes": page, "pagination": pag})

    def _op_connection_string(self, req, ctx, cluster_id):
        c = self._ready_cluster(cluster_id)
        os_name = self._qenum(req, "os", ("MAC", "LINUX", "WINDOWS"), "LINUX")
        db = req.q("database") or "defaultdb"
        user = req.q("sql_user") or ""
        host = self._render(c, ctx)["sql_dns"]
        if c["serverless"] is not None:
            host = "%s.%s-%s.cockroachlabs.cloud" % (
                c["serverless"]["routing_id"], c["provider"].lower(),
                c["serverless"]["primary_region"] or sorted(c["serverless"]["regions"])[0])
        cred = "%s:ENTER-SQL-USER-PASSWORD@" % user if user else ""
        params = "sslmode=verify-full"
        if c["dedicated"] is not None:
            root = {"MAC": "$HOME/Library/CockroachCloud/certs", "LINUX": "$HOME/.postgresql",
                    "WINDOWS": "%APPDATA%\\postgresql"}[os_name]
            params += "&sslrootcert=%s/%s-ca.crt" % (root, c["name"])
        out = {"connection_string": "postgresql://%s%s:26257/%s?%s" % (cred, host, db, params),
               "params": {"Host": host, "Port": "26257", "Database": db}}
        if user:
            out["params"]["Username"] = user
        return self._ok(out)

    # -- SQL users ----------------------------------------------------------------------------
    def _op_list_sql_users(self, req, ctx, cluster_id):
        c = self._ready_cluster(cluster_id)
        page, pag = self._paginate(req, [{"name": n} for n in c["users"]], lambda u: (u["name"],))
        return self._ok({"users": page, "pagination": pag})

    def _op_create_sql_user(self, req, ctx, cluster_id):
        body = self._body(req, SQL_USER_CREATE)
        c = self._mutable_sub(cluster_id)
        name, password = body.get("name", ""), body.get("password", "")
        if not name:
            raise bad("name is required")
        if not SQL_USER_RE.match(name):
            raise bad("invalid SQL user name %r" % name)
        if not password:
            raise bad("password is required")
        if name in c["users"]:
            raise ApiError(409, ALREADY_EXISTS, "SQL user %s already exists" % name)
        c["users"][name] = {"password": password, "password_version": 1}
        self._record("AUDIT_LOG_ACTION_CREATE_SQL_USER", c, {"name": name, "password": password})
        return self._ok({"name": name})

    def _op_delete_sql_user(self, req, ctx, cluster_id, name):
        c = self._mutable_sub(cluster_id)
        if name not in c["users"]:
            raise not_found("SQL user %s not found" % name)
        del c["users"][name]
        self._record("AUDIT_LOG_ACTION_DELETE_SQL_USER", c, {"name": name})
        return self._ok({"name": name})

    def _op_update_sql_user_password(self, req, ctx, cluster_id, name):
        body = self._body(req, SQL_USER_PASSWORD)
        c = self._mutable_sub(cluster_id)
        if name not in c["users"]:
            raise not_found("SQL user %s not found" % name)
        if not body.get("password"):
            raise bad("password is required")
        u = c["users"][name]
        u["password"] = body["password"]
        u["password_version"] += 1
        self._record("AUDIT_LOG_ACTION_CHANGE_SQL_USER_PASSWORD", c, {"name": name, "password": body["password"]})
        return self._ok({"name": name})

    # -- databases ----------------------------------------------------------------------------
    @staticmethod
    def _render_db(name: str, d: Dict) -> Dict:
        return {"name": name, "table_count": str(d["table_count"])}

    @staticmethod
    def _check_db_name(name: str, field: str = "name") -> None:
        if not name:
            raise bad("%s is required" % field)
        if len(name.encode("utf-8")) > 63:
            raise bad("database name %r is too long (at most 63 bytes)" % name)
        if name in ("system", "postgres") or name.startswith("crdb_internal"):
            raise bad("database name %r is reserved" % name)

    def _op_list_databases(self, req, ctx, cluster_id):
        c = self._ready_cluster(cluster_id)
        items = [self._render_db(n, d) for n, d in c["databases"].items()]
        page, pag = self._paginate(req, items, lambda d: (d["name"],))
        return self._ok({"databases": page, "pagination": pag})

    def _op_create_database(self, req, ctx, cluster_id):
        body = self._body(req, DB_CREATE)
        c = self._mutable_sub(cluster_id)
        name = body.get("name", "")
        self._check_db_name(name)
        if name in c["databases"]:
            raise ApiError(409, ALREADY_EXISTS, "database %s already exists" % name)
        c["databases"][name] = {"table_count": 0}
        return self._ok(self._render_db(name, c["databases"][name]))

    def _rename_db(self, c: Dict, old: str, new: str) -> Response:
        if not old:
            raise bad("name is required")
        self._check_db_name(new, "new_name")
        if old not in c["databases"]:
            raise not_found("database %s not found" % old)
        if new != old and new in c["databases"]:
            raise ApiError(409, ALREADY_EXISTS, "database %s already exists" % new)
        c["databases"][new] = c["databases"].pop(old)
        return self._ok(self._render_db(new, c["databases"][new]))

    def _op_edit_database(self, req, ctx, cluster_id, name):
        body = self._body(req, DB_EDIT)
        c = self._mutable_sub(cluster_id)
        return self._rename_db(c, name, body.get("new_name", ""))

    def _op_edit_database2(self, req, ctx, cluster_id):
        body = self._body(req, DB_EDIT)
        c = self._mutable_sub(cluster_id)
        return self._rename_db(c, body.get("name", ""), body.get("new_name", ""))

    def _op_delete_database(self, req, ctx, cluster_id, name):
        c = self._mutable_sub(cluster_id)
        if name not in c["databases"]:
            raise not_found("database %s not found" % name)
        d = c["databases"].pop(name)
        return self._ok(self._render_db(name, d))

    # -- allowlist ----------------------------------------------------------------------------
    @staticmethod
    def _render_entry(key: Tuple[str, int], e: Dict) -> Dict:
        return {"cidr_ip": key[0], "cidr_mask": key[1], "ui": e["ui"], "sql": e["sql"], "name": e["name"]}

    @staticmethod
    def _entry_key(ip: str, mask: Any) -> Tuple[str, int]:
        try:
            addr = ipaddress.IPv4Address(ip)
        except (ValueError, TypeError):
            raise bad("invalid cidr_ip %r: expected an IPv4 address" % (ip,))
        if isinstance(mask, str):
            if not re.match(r"^\d+$", mask):
                raise bad("invalid cidr_mask %r" % mask)
            mask = int(mask)
        if not isinstance(mask, int) or mask < 0 or mask > 32:
            raise bad("invalid cidr_mask %r: must be between 0 and 32" % (mask,))
        return str(addr), mask

    def _op_list_allowlist(self, req, ctx, cluster_id):
        c = self._ready_cluster(cluster_id)
        items = list(c["allowlist"].items())
        page, pag = self._paginate(req, items, lambda kv: (int(ipaddress.IPv4Address(kv[0][0])), kv[0][1]))
        propagating = self._now() < c["allowlist_changed_at"] + self.settings["propagate_seconds"]
        return self._ok({"allowlist": [self._render_entry(k, e) for k, e in page],
                         "propagating": propagating, "pagination": pag})

    def _add_entry(self, c: Dict, key: Tuple[str, int], body: Dict) -> Response:
        if key in c["allowlist"]:
            raise ApiError(409, ALREADY_EXISTS, "allowlist entry %s/%d already exists" % key)
        e = {"name": body.get("name", ""), "sql": body.get("sql", False), "ui": body.get("ui", False)}
        c["allowlist"][key] = e
        c["allowlist_changed_at"] = self._now()
        self._record("AUDIT_LOG_ACTION_ADD_IP_ALLOWLIST", c, self._render_entry(key, e))
        return self._ok(self._render_entry(key, e))

    def _op_add_allowlist(self, req, ctx, cluster_id):
        body = self._body(req, ALLOWLIST_ENTRY)
        if "cidr_ip" not in body or "cidr_mask" not in body:
            raise bad("cidr_ip and cidr_mask are required")
        key = self._entry_key(body["cidr_ip"], body["cidr_mask"])
        c = self._mutable_sub(cluster_id)
        return self._add_entry(c, key, body)

    def _op_add_allowlist2(self, req, ctx, cluster_id, cidr_ip, cidr_mask):
        body = self._body(req, ALLOWLIST_ENTRY)
        key = self._entry_key(cidr_ip, cidr_mask)
        c = self._mutable_sub(cluster_id)
        return self._add_entry(c, key, body)

    def _op_update_allowlist(self, req, ctx, cluster_id, cidr_ip, cidr_mask):
        body = self._body(req, ALLOWLIST_ENTRY)
        key = self._entry_key(cidr_ip, cidr_mask)
        c = self._mutable_sub(cluster_id)
        if key not in c["allowlist"]:
            raise not_found("allowlist entry %s/%d not found" % key)
        e = c["allowlist"][key]
        for f in ("name", "sql", "ui"):
            if f in body:
                e[f] = body[f]
        c["allowlist_changed_at"] = self._now()
        self._record("AUDIT_LOG_ACTION_EDIT_IP_ALLOWLIST", c, self._render_entry(key, e))
        return self._ok(self._render_entry(key, e))

    def _op_delete_allowlist(self, req, ctx, cluster_id, cidr_ip, cidr_mask):
        key = self._entry_key(cidr_ip, cidr_mask)
        c = self._mutable_sub(cluster_id)
        if key not in c["allowlist"]:
            raise not_found("allowlist entry %s/%d not found" % key)
        e = c["allowlist"].pop(key)
        c["allowlist_changed_at"] = self._now()
        self._record("AUDIT_LOG_ACTION_DELETE_IP_ALLOWLIST", c, self._render_entry(key, e))
        return self._ok(self._render_entry(key, e))

    # -- control API --------------------------------------------------------------------------
    def control(self, req: Request) -> Response:
        """Emulator control endpoints (paths relative to ``/_emulator/cloud``; JSON in and out):

        GET    /state                       raw state: clusters (incl. users with a
                                            ``password_version`` counter but never the password,
                                            databases, allowlist, spend_limit), audit count, settings
        GET    /config, POST /config        read / change settings (create_seconds, update_seconds,
                                            rate_limit, lock_status, lock_scope, propagate_seconds,
                                            auto_finalize_seconds)
        POST   /clock {"advance": s}        advance the (shared) emulator clock
        POST   /keys {"key", "read_only"}   add an API key (read_only: mutations get 403)
        DELETE /keys/{key}                  revoke a key added this way
        POST   /clusters/next/fail          the next created cluster ends in CREATION_FAILED
        POST   /clusters/{id}/fail          a CREATING cluster ends in CREATION_FAILED; a running
                                            operation (or the next one) ends in *_FAILED, reverted
        POST   /clusters/{id}/lock {"seconds": s, "operation_status": "MAINTENANCE_RUNNING"}
                                            an automatic job holds the lock for s seconds
        POST   /clusters/{id}/unlock        finish the running operation now
        PATCH  /clusters/{id} {"cockroach_version", "upgrade_status", "table_counts": {db: n}}
                                            set raw fields (e.g. put a STANDARD cluster on an
                                            older version to test upgrades)
        POST   /reset                       back to the initial state (no clusters)
        """
        with self._lock:
            try:
                return self._control(req)
            except ApiError as e:
                return Response.json(e.http, {"error": e.message})

    def _control(self, req: Request) -> Response:
        path = req.path
        if path.startswith("/_emulator/cloud"):
            path = path[len("/_emulator/cloud"):]
        segs = [unquote(s) for s in path.strip("/").split("/")] if path.strip("/") else []
        method = req.method.upper()
        try:
            body = req.json() or {}
        except (ValueError, UnicodeDecodeError):
            raise bad("body is not valid JSON")
        if not isinstance(body, dict):
            raise bad("body must be a JSON object")

        if segs == ["state"] and method == "GET":
            return Response.json(200, self._state())
        if segs == ["config"]:
            if method == "POST":
                for k, v in body.items():
                    if k not in self.settings:
                        raise bad("unknown setting %s" % k)
                    if k == "lock_scope":
                        if v not in ("all", "cluster"):
                            raise bad("lock_scope must be all or cluster")
                        self.settings[k] = v
                    elif k == "lock_status":
                        if v not in (409, 503):
                            raise bad("lock_status must be 409 or 503")
                        self.settings[k] = v
                    else:
                        self.settings[k] = float(v)
            return Response.json(200, dict(self.settings))
        if segs == ["clock"] and method == "POST":
            adv = float(body.get("advance", 0))
            if adv < 0:
                raise bad("advance must not be negative")
            self.clock.advance(adv)
            return Response.json(200, {"time": fmt_ts(self._now_us())})
        if segs == ["reset"] and method == "POST":
            self.reset()
            return Response.json(200, {"reset": True})
        if segs == ["keys"] and method == "POST":
            key = body.get("key")
            if not key or not isinstance(key, str):
                raise bad("key is required")
            self.keys[key] = {"read_only": bool(body.get("read_only", False))}
            return Response.json(200, {"key_count": len(self.keys)})
        if len(segs) == 2 and segs[0] == "keys" and method == "DELETE":
            if segs[1] == self.api_key or segs[1] not in self.keys:
                raise not_found("no such added key")
            del self.keys[segs[1]]
            return Response.json(200, {"key_count": len(self.keys)})
        if segs == ["clusters", "next", "fail"] and method == "POST":
            self._fail_next_create = True
            return Response.json(200, {"fail_next_create": True})
        if len(segs) >= 2 and segs[0] == "clusters":
            c = self.clusters.get(segs[1])
            if c is None:
                raise not_found("cluster %s not found" % segs[1])
            self._tick(c)
            action = segs[2] if len(segs) == 3 else None
            if action == "fail" and method == "POST":
                if c["state"] == "CREATING":
                    c["fail_create"] = True
                else:
                    c["fail_op"] = True
                self._tick(c)
                return Response.json(200, self._state_cluster(c))
            if action == "lock" and method == "POST":
                if c["state"] not in ("CREATED", "LOCKED"):
                    raise bad("cluster is %s" % c["state"])
                secs = float(body.get("seconds", 60))
                op = body.get("operation_status", "MAINTENANCE_RUNNING")
                if c["state"] == "LOCKED":
                    c["lock_until"] = max(c["lock_until"] or 0, self._now() + secs)
                else:
                    self._start_lock(c, op, None, secs)
                return Response.json(200, self._state_cluster(c))
            if action == "unlock" and method == "POST":
                if c["state"] == "LOCKED":
                    c["lock_until"] = self._now()
                    self._tick(c)
                return Response.json(200, self._state_cluster(c))
            if action is None and len(segs) == 2 and method == "PATCH":
                if "cockroach_version" in body:
                    v = body["cockroach_version"]
                    entry = seed.version_entry(seed.major_of(str(v)))
                    if entry is None:
                        raise bad("unknown version %s" % v)
                    c["version"] = entry["latest"] if str(v).count(".") == 1 else v
                    c["upgrade_status"] = self._steady_upgrade_status(c["version"])
                    c["prev_version"] = None
                    c["finalize_at"] = None
                if "upgrade_status" in body:
                    c["upgrade_status"] = body["upgrade_status"]
                for db, n in (body.get("table_counts") or {}).items():
                    if db in c["databases"]:
                        c["databases"][db]["table_count"] = int(n)
                return Response.json(200, self._state_cluster(c))
        raise not_found("unknown cloud control endpoint %s %s" % (method, path))

    def _state_cluster(self, c: Dict) -> Dict:
        out = self._render(c)
        out["_emulator"] = {
            "fail_create": c["fail_create"], "fail_op": c.get("fail_op", False),
            "lock_until": c["lock_until"], "pending": (c["pending"] or {}).get("kind"),
            "previous_version": c["prev_version"],
            "spend_limit": (c["serverless"] or {}).get("spend_limit"),
            "users": [{"name": n, "password_version": u["password_version"]} for n, u in sorted(c["users"].items())],
            "databases": [self._render_db(n, d) for n, d in sorted(c["databases"].items())],
            "allowlist": [self._render_entry(k, e) for k, e in sorted(c["allowlist"].items())],
        }
        return out

    def _state(self) -> Dict:
        clusters = []
        for c in self.clusters.values():
            self._tick(c)
            clusters.append(self._state_cluster(c))
        return {
            "time": fmt_ts(self._now_us()),
            "clusters": clusters,
            "audit_log_entries": len(self.audit),
            "keys": [{"read_only": v["read_only"], "primary": k == self.api_key} for k, v in self.keys.items()],
            "settings": dict(self.settings),
            "fail_next_create": self._fail_next_create,
        }
