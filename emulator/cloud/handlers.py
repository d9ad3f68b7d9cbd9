"""Handlers of the Cloud API v1: parse the request, call the state, answer as the gRPC gateway does.

Ground truth: shared/reference/cloud-api-v1.md; the route table is ``routes.py``, the simulation
``state.py``.  ``CloudAPI.handle`` turns one :class:`emulator.core.Request` into a
:class:`emulator.core.Response`; it never touches sockets and is safe to call from many threads (one
lock guards all state).  Control endpoints (JSON, forwarded from ``/_emulator/cloud/...``) are
listed in ``routes.py`` (``CONTROL_ROUTES``) and documented in docs/emulator.md.

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
* Only ``spend_limit`` differs between API versions.  On Cc-Version 2023-04-10 and older,
  ``serverless.spend_limit`` (US cents) is accepted on create and PATCH (BASIC only, greater than 0) and
  becomes usage limits with the reference's conversion (section 7.10: 80 % of the budget to request units
  at 5,000,000 RU per dollar, 20 % to storage at 2 GiB-month per dollar); it is shown in
  ``config.serverless`` on those versions.  On 2024-09-16 the field is unknown (400 ``unknown field``).
  ``PUT .../spend-limit`` is in no published spec: 404 code 5 "Not Found" on every version, as the
  gateway answers any unknown path.  Older enum spellings (``CLUSTER_STATUS_UNSPECIFIED``, plan
  ``SERVERLESS``) are not emulated.
* A write refused because the cluster is LOCKED answers 503 code 14 "cluster lock is held" by default
  (``lock_status``), as the real API does; 409 code 10 stays selectable.
* Dedicated hardware answers differ from requests (``state.CloudState._machine`` / ``_iops``): a requested
  ``machine_type`` is provisioned as the equivalent type of the other family with the same vCPU count
  (``machine_type_swap``), and AWS ``disk_iops`` is rounded up to a multiple of 1000, at least 3000
  (``iops_adjust``); GCP and Azure ignore ``disk_iops`` and report ``storage_gib * 30``.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
import re
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import unquote

from emulator.cloud import families, seed
from emulator.cloud.encoding import (ALLOWLIST_ENTRY, CREATE_SCHEMA, DB_CREATE, DB_EDIT, SQL_USER_CREATE,
                                     SQL_USER_PASSWORD, UPDATE_SCHEMA, decode, fmt_ts, parse_ts)
from emulator.cloud.errors import NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED, ApiError, bad, not_found
from emulator.cloud.state import CloudState, entry_view
from emulator.core import Request, Response, redact
from emulator.routing import RouteMatch, Router

API_VERSIONS = ("2022-03-31", "2022-09-20", "2023-04-10", "2024-09-16")
LATEST_API_VERSION = API_VERSIONS[-1]
MUTATING = ("POST", "PUT", "PATCH", "DELETE")


class _Ctx:
    def __init__(self, version: str, key: str):
        self.version = version
        self.key = key

    @property
    def legacy(self) -> bool:
        return self.version != LATEST_API_VERSION


def route(router: Router, method: str, path: str) -> RouteMatch:
    """The route of a Cloud API request, or ApiError 404 code 5 / 405 code 12 as the gateway answers."""
    match = router.match(method, path)
    if isinstance(match, RouteMatch):
        return match
    if match.allowed:
        raise ApiError(405, UNIMPLEMENTED, "Method Not Allowed")
    raise ApiError(404, NOT_FOUND, "Not Found")


class CloudAPI(*families.handler_mixins()):
    """Stateful Cloud API v1.

    Keyword arguments (all optional):
      rate_limit         requests per second per API key (sliding 1 s window); 0 disables.
      create_seconds     CREATING -> CREATED delay.
      update_seconds     how long a PATCH that starts a job keeps the cluster LOCKED (default 1.0).
      lock_status        HTTP status of a mutation refused because the cluster is LOCKED:
                         503 (gRPC 14 UNAVAILABLE, default, as the real API) or 409 (gRPC 10
                         ABORTED); the message is always "cluster lock is held".
      machine_type_swap  a requested machine_type is provisioned as its equivalent of the other
                         family, same vCPUs (default true).
      iops_adjust        AWS disk_iops is rounded up to a multiple of 1000, at least 3000 (default true).
      lock_scope         "all" (default): every mutation of a LOCKED cluster and of its SQL users,
                         databases and allowlist is refused; "cluster": only PATCH of the cluster.
      propagate_seconds  how long ``propagating`` stays true after an allowlist change (default 1.0).
      auto_finalize_seconds  PENDING_FINALIZATION -> finalized automatically (default 72 h).
    """

    def __init__(self, api_key, rate_limit=10.0, create_seconds=2.0, clock=None, seed=0, router=None,
                 control_router=None, **kw):
        if router is None or control_router is None:
            from emulator.cloud import routes  # routes.py names the handlers of this class
            router = router or routes.ROUTER
            control_router = control_router or routes.CONTROL_ROUTER
        self.s = CloudState(api_key, rate_limit=rate_limit, create_seconds=create_seconds, clock=clock, seed=seed,
                            **kw)
        self.router = router
        self.control_router = control_router

    # the state's knobs, for callers that hold the API object
    @property
    def settings(self) -> Dict[str, Any]:
        return self.s.settings

    @property
    def clusters(self) -> Dict[str, Dict]:
        return self.s.clusters

    @property
    def clock(self):
        return self.s.clock

    def reset(self) -> None:
        self.s.reset()

    # -- entry point --------------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        with self.s.lock:
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
        match = route(self.router, req.method.upper(), req.path)
        if match.route.access == "public":  # a download outside the API (families/replication.py: CA cert)
            return match.handler(self, req, _Ctx(version, ""), **match.params)
        key = self._authenticate(req)
        if not version_ok:
            raise bad("invalid Cc-Version.")
        self.s.rate_limit(key)
        if req.method.upper() in MUTATING and self.s.keys[key].get("read_only"):
            raise ApiError(403, PERMISSION_DENIED,
                           "permission denied: the service account lacks a role that allows this operation")
        ctx = _Ctx(version, key)
        return match.handler(self, req, ctx, **match.params)

    def _authenticate(self, req: Request) -> str:
        auth = req.header("authorization") or ""
        parts = auth.split(None, 1)
        if len(parts) == 2 and parts[0].lower() == "bearer" and parts[1].strip() in self.s.keys:
            return parts[1].strip()
        raise ApiError(401, UNAUTHENTICATED, "unauthenticated: missing or invalid API key")

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

    @staticmethod
    def _render_db(name: str, d: Dict) -> Dict:
        return {"name": name, "table_count": str(d["table_count"])}

    # -- operations: catalogue ----------------------------------------------------------------
    def list_regions(self, req, ctx):
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

    def list_versions(self, req, ctx):
        items = []
        for v in seed.VERSIONS:
            items.append({k: (list(v[k]) if k == "allowed_upgrades" else v[k])
                          for k in ("version", "support_status", "support_end", "release_type", "allowed_upgrades")})

        def vkey(v):
            major, minor = v["version"][1:].split(".")
            return (int(major), int(minor))
        page, pag = self._paginate(req, items, vkey, default_order="DESC")
        return self._ok({"versions": page, "pagination": pag})

    def get_organization(self, req, ctx):
        return self._ok(dict(seed.ORGANIZATION))

    def list_audit_logs(self, req, ctx):
        sf = req.q("starting_from")
        sf_us = parse_ts(sf, "starting_from") if sf else None
        order = self._qenum(req, "sort_order", ("ASC", "DESC"), "ASC")
        limit = self._qint(req, "limit")
        if limit is not None and limit < 0:
            raise bad('invalid value for query parameter "limit": must not be negative')
        limit = limit or 200
        asc = order == "ASC"
        entries = sorted(self.s.audit, key=lambda e: (e["created_at_us"], e["seq"]), reverse=not asc)
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
            out["next_starting_from"] = fmt_ts(sf_us if sf_us is not None else self.s._now_us())
        return self._ok(out)

    @staticmethod
    def _render_audit(e: Dict) -> Dict:
        out = {k: v for k, v in e.items() if k not in ("created_at_us", "seq")}
        out["created_at"] = fmt_ts(e["created_at_us"])
        return out

    # -- operations: clusters -----------------------------------------------------------------
    def list_clusters(self, req, ctx):
        show_inactive = self._qbool(req, "show_inactive")
        sort_by = self._qenum(req, "pagination.sort_by", ("NAME", "CREATED_AT", "DELETED_AT"), "NAME")
        items = self.s.clusters_listed(show_inactive)
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

    def get_cluster(self, req, ctx, cluster_id):
        return self._ok(self._render(self.s._cluster(cluster_id), ctx))

    def create_cluster(self, req, ctx):
        body = self._body(req, CREATE_SCHEMA[ctx.legacy])
        return self._ok(self._render(self.s.create_cluster(body), ctx))

    def delete_cluster(self, req, ctx, cluster_id):
        return self._ok(self._render(self.s.delete_cluster(cluster_id), ctx))

    def update_cluster(self, req, ctx, cluster_id):
        c = self.s._cluster(cluster_id)
        body = self._body(req, UPDATE_SCHEMA[ctx.legacy])
        return self._ok(self._render(self.s.update_cluster(c, body), ctx))

    # -- nodes / connection string ------------------------------------------------------------
    def list_nodes(self, req, ctx, cluster_id):
        c = self.s._ready_cluster(cluster_id)
        nodes = self.s.cluster_nodes(c, req.q("region_name"))
        page, pag = self._paginate(req, nodes, lambda x: (x["region_name"], x["name"]))
        return self._ok({"nodes": page, "pagination": pag})

    def connection_string(self, req, ctx, cluster_id):
        c = self.s._ready_cluster(cluster_id)
        os_name = self._qenum(req, "os", ("MAC", "LINUX", "WINDOWS"))
        if os_name is None and c["dedicated"] is not None:
            # the spec: "Required only for dedicated clusters" (the sslrootcert path depends on it)
            raise bad('os is required for a dedicated cluster: MAC, LINUX or WINDOWS')
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
    def list_sql_users(self, req, ctx, cluster_id):
        c = self.s._ready_cluster(cluster_id)
        page, pag = self._paginate(req, [{"name": n} for n in c["users"]], lambda u: (u["name"],))
        return self._ok({"users": page, "pagination": pag})

    def create_sql_user(self, req, ctx, cluster_id):
        body = self._body(req, SQL_USER_CREATE)
        c = self.s._mutable_sub(cluster_id)
        name = body.get("name", "")
        self.s.create_sql_user(c, name, body.get("password", ""))
        return self._ok({"name": name})

    def delete_sql_user(self, req, ctx, cluster_id, name):
        self.s.delete_sql_user(self.s._mutable_sub(cluster_id), name)
        return self._ok({"name": name})

    def update_sql_user_password(self, req, ctx, cluster_id, name):
        body = self._body(req, SQL_USER_PASSWORD)
        self.s.update_sql_user_password(self.s._mutable_sub(cluster_id), name, body.get("password"))
        return self._ok({"name": name})

    # -- databases ----------------------------------------------------------------------------
    def list_databases(self, req, ctx, cluster_id):
        c = self.s._ready_cluster(cluster_id)
        items = [self._render_db(n, d) for n, d in c["databases"].items()]
        page, pag = self._paginate(req, items, lambda d: (d["name"],))
        return self._ok({"databases": page, "pagination": pag})

    def create_database(self, req, ctx, cluster_id):
        body = self._body(req, DB_CREATE)
        c = self.s._mutable_sub(cluster_id)
        name = body.get("name", "")
        return self._ok(self._render_db(name, self.s.create_database(c, name)))

    def edit_database(self, req, ctx, cluster_id, name):
        body = self._body(req, DB_EDIT)
        c = self.s._mutable_sub(cluster_id)
        new = body.get("new_name", "")
        return self._ok(self._render_db(new, self.s.rename_database(c, name, new)))

    def edit_database2(self, req, ctx, cluster_id):
        body = self._body(req, DB_EDIT)
        c = self.s._mutable_sub(cluster_id)
        new = body.get("new_name", "")
        return self._ok(self._render_db(new, self.s.rename_database(c, body.get("name", ""), new)))

    def delete_database(self, req, ctx, cluster_id, name):
        d = self.s.delete_database(self.s._mutable_sub(cluster_id), name)
        return self._ok(self._render_db(name, d))

    # -- allowlist ----------------------------------------------------------------------------
    def list_allowlist(self, req, ctx, cluster_id):
        c = self.s._ready_cluster(cluster_id)
        items = list(c["allowlist"].items())
        page, pag = self._paginate(req, items, lambda kv: (int(ipaddress.IPv4Address(kv[0][0])), kv[0][1]))
        return self._ok({"allowlist": [entry_view(k, e) for k, e in page],
                         "propagating": self.s.allowlist_propagating(c), "pagination": pag})

    def add_allowlist(self, req, ctx, cluster_id):
        body = self._body(req, ALLOWLIST_ENTRY)
        if "cidr_ip" not in body or "cidr_mask" not in body:
            raise bad("cidr_ip and cidr_mask are required")
        key = self.s.entry_key(body["cidr_ip"], body["cidr_mask"])
        c = self.s._mutable_sub(cluster_id)
        return self._ok(entry_view(key, self.s.add_allowlist_entry(c, key, body)))

    def add_allowlist2(self, req, ctx, cluster_id, cidr_ip, cidr_mask):
        body = self._body(req, ALLOWLIST_ENTRY)
        key = self.s.entry_key(cidr_ip, cidr_mask)
        c = self.s._mutable_sub(cluster_id)
        return self._ok(entry_view(key, self.s.add_allowlist_entry(c, key, body)))

    def update_allowlist(self, req, ctx, cluster_id, cidr_ip, cidr_mask):
        body = self._body(req, ALLOWLIST_ENTRY)
        key = self.s.entry_key(cidr_ip, cidr_mask)
        c = self.s._mutable_sub(cluster_id)
        return self._ok(entry_view(key, self.s.update_allowlist_entry(c, key, body)))

    def delete_allowlist(self, req, ctx, cluster_id, cidr_ip, cidr_mask):
        key = self.s.entry_key(cidr_ip, cidr_mask)
        c = self.s._mutable_sub(cluster_id)
        return self._ok(entry_view(key, self.s.delete_allowlist_entry(c, key)))

    # -- control API (paths relative to /_emulator/cloud; routes.CONTROL_ROUTES) ---------------
    def control(self, req: Request) -> Response:
        """An emulator control request (``/_emulator/cloud/...``); JSON in and out."""
        with self.s.lock:
            try:
                return self._control(req)
            except ApiError as e:
                return Response.json(e.http, {"error": e.message})

    def _control(self, req: Request) -> Response:
        rel = req.path
        if rel.startswith("/_emulator/cloud"):
            rel = rel[len("/_emulator/cloud"):]
        path = "/" + rel.strip("/")
        method = req.method.upper()
        try:
            body = req.json() or {}
        except (ValueError, UnicodeDecodeError):
            raise bad("body is not valid JSON")
        if not isinstance(body, dict):
            raise bad("body must be a JSON object")
        match = self.control_router.match(method, path)
        if isinstance(match, RouteMatch):
            return match.handler(self, body, **match.params)
        segs = [unquote(seg) for seg in rel.strip("/").split("/")] if rel.strip("/") else []
        if len(segs) >= 2 and segs[0] == "clusters":
            self.s._cluster(segs[1])  # an unknown cluster is 404 "cluster ... not found"
        raise not_found("unknown cloud control endpoint %s %s" % (method, rel))

    def c_state(self, body):
        return Response.json(200, self._state())

    def c_get_config(self, body):
        return Response.json(200, dict(self.s.settings))

    def c_configure(self, body):
        return Response.json(200, self.s.configure(body))

    def c_clock(self, body):
        adv = float(body.get("advance", 0))
        if adv < 0:
            raise bad("advance must not be negative")
        self.s.clock.advance(adv)
        return Response.json(200, {"time": fmt_ts(self.s._now_us())})

    def c_reset(self, body):
        self.s.reset()
        return Response.json(200, {"reset": True})

    def c_add_key(self, body):
        return Response.json(200, {"key_count": self.s.add_key(body.get("key"), bool(body.get("read_only", False)))})

    def c_revoke_key(self, body, key):
        return Response.json(200, {"key_count": self.s.revoke_key(key)})

    def c_fail_next_create(self, body):
        self.s.fail_next_create()
        return Response.json(200, {"fail_next_create": True})

    def c_fail(self, body, cluster_id):
        c = self.s._cluster(cluster_id)
        self.s.fail(c)
        return Response.json(200, self._state_cluster(c))

    def c_lock(self, body, cluster_id):
        c = self.s._cluster(cluster_id)
        self.s.hold_lock(c, float(body.get("seconds", 60)), body.get("operation_status", "MAINTENANCE_RUNNING"))
        return Response.json(200, self._state_cluster(c))

    def c_unlock(self, body, cluster_id):
        c = self.s._cluster(cluster_id)
        self.s.release_lock(c)
        return Response.json(200, self._state_cluster(c))

    def c_set_raw(self, body, cluster_id):
        c = self.s._cluster(cluster_id)
        self.s.set_raw(c, body)
        return Response.json(200, self._state_cluster(c))

    def _state_cluster(self, c: Dict) -> Dict:
        out = self._render(c)
        out["_emulator"] = {
            "fail_create": c["fail_create"], "fail_op": c.get("fail_op", False),
            "lock_until": c["lock_until"], "pending": (c["pending"] or {}).get("kind"),
            "previous_version": c["prev_version"],
            "spend_limit": (c["serverless"] or {}).get("spend_limit"),
            "users": [{"name": n, "password_version": u["password_version"]} for n, u in sorted(c["users"].items())],
            "databases": [self._render_db(n, d) for n, d in sorted(c["databases"].items())],
            "allowlist": [entry_view(k, e) for k, e in sorted(c["allowlist"].items())],
        }
        return out

    def _state(self) -> Dict:
        clusters = []
        for c in self.s.clusters.values():
            self.s._tick(c)
            clusters.append(self._state_cluster(c))
        return {
            "time": fmt_ts(self.s._now_us()),
            "clusters": clusters,
            "audit_log_entries": len(self.s.audit),
            "keys": [{"read_only": v["read_only"], "primary": k == self.s.api_key} for k, v in self.s.keys.items()],
            "settings": dict(self.s.settings),
            "fail_next_create": self.s._fail_next_create,
            "families": families.state_views(self),
        }
