"""The simulated CockroachDB Cloud organisation behind the Cloud API: clusters and their lifecycle,
SQL users, databases, allowlists, the audit log, API keys and the rate limit.  No HTTP objects: the
handlers (``handlers.py``) parse requests into plain values, call these methods and render what
they return.  Errors are :class:`emulator.cloud.errors.ApiError` (a gRPC code and its HTTP status).

Time-based changes (CREATING -> CREATED, LOCKED -> CREATED, auto-finalisation) are evaluated lazily
whenever a cluster is read or written (``_tick``), against an injectable :class:`emulator.core.Clock`.
Initial state (after construction and after ``reset()``): no clusters, no SQL users, no audit-log
entries, and one API key (the ``api_key`` argument) with full rights.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import random
import re
import threading
import uuid
from collections import deque
from typing import Any, Dict, List, Optional, Tuple

from emulator.cloud import families, seed
from emulator.cloud.errors import (ABORTED, ALREADY_EXISTS, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, UNAVAILABLE,
                                   ApiError, bad, not_found)
from emulator.core import Clock, redact

AUTO_FINALIZE_SECONDS = 72 * 3600
CLUSTER_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{4,18}[a-z0-9]$")
SQL_USER_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,62}$")
VERSION_RE = re.compile(r"^v\d+\.\d+(\.\d+)?$")


class CloudState(*families.state_mixins()):
    """State of the emulated organisation; see CloudAPI for the keyword arguments."""

    def __init__(self, api_key, rate_limit=10.0, create_seconds=2.0, clock=None, seed=0, **kw):
        self.api_key = api_key
        self.clock = clock or Clock()
        self.seed = seed
        self.lock = threading.RLock()
        self.settings = {
            "rate_limit": float(rate_limit or 0),
            "create_seconds": float(create_seconds),
            "update_seconds": float(kw.get("update_seconds", 1.0)),
            "lock_status": int(kw.get("lock_status", 503)),
            "machine_type_swap": bool(kw.get("machine_type_swap", True)),
            "iops_adjust": bool(kw.get("iops_adjust", True)),
            "lock_scope": kw.get("lock_scope", "all"),
            "propagate_seconds": float(kw.get("propagate_seconds", 1.0)),
            "auto_finalize_seconds": float(kw.get("auto_finalize_seconds", AUTO_FINALIZE_SECONDS)),
        }
        self._initial_settings = dict(self.settings)
        self.reset()

    # -- lifecycle ----------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.rng = random.Random(self.seed)
            if hasattr(self, "_initial_settings"):
                self.settings = dict(self._initial_settings)
            self.clusters: Dict[str, Dict] = {}
            self.audit: List[Dict] = []
            self._audit_seq = 0
            self.keys: Dict[str, Dict] = {self.api_key: {"read_only": False}}
            self._windows: Dict[str, deque] = {}
            self._fail_next_create = False
            families.reset(self)

    def _now(self) -> float:
        return self.clock.time()

    def _now_us(self) -> int:
        return int(round(self._now() * 1_000_000))

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # -- entry point --------------------------------------------------------------------------

    def rate_limit(self, key: str) -> None:
        """429 when ``key`` made ``rate_limit`` requests in the last second (sliding window)."""
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
        families.tick(self, c)

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
        self._replication_write_guard(c)  # families/replication.py: the standby of a stream takes no writes
        return c

    # -- validation shared by create and update -------------------------------------------
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
    def _spend_limit_limits(plan: str, cents: int) -> Dict[str, int]:
        """Usage limits of a legacy ``serverless.spend_limit`` (US cents; Cc-Version 2023-04-10 and older only).

        The budget becomes request-unit and storage limits as the reference (section 7.10) gives it: 80 % to
        request units at 5,000,000 RU per dollar, 20 % to storage at 2 GiB-month per dollar.  Harsher than the
        old service where unknown: a zero budget would give zero limits, which the API rejects, so 0 is refused;
        a STANDARD cluster (which has only provisioned_virtual_cpus) is refused too.
        """
        if cents <= 0:
            raise bad("spend_limit must be greater than zero")
        if plan != "BASIC":
            raise bad("spend_limit is not supported on %s clusters; use usage_limits" % plan)
        return {"request_unit_limit": cents * 5000000 * 8 // 10 // 100,
                "storage_mib_limit": cents * 2048 * 2 // 10 // 100}

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

    def _machine(self, provider: str, spec: Dict) -> Tuple[str, int]:
        """(machine type, vCPUs) the server provisions for a ``machine_spec``.

        By ``num_virtual_cpus``: the provider's first family (``seed.machine_type_for``).  By ``machine_type``:
        with the ``machine_type_swap`` setting (default on) the server answers with the equivalent type of the
        other family, same vCPU count (n2-standard-4 -> n2d-standard-4, n2d-standard-4 -> n2-standard-4,
        m6i.xlarge -> m5.xlarge, Standard_D4s_v5 -> Standard_D4as_v5).  The real API may swap a requested type
        for an equivalent one (terraform-provider-cockroach PR #331); when it does is not documented, so the
        emulator always swaps (the harsher case): a client that compares type strings never converges.
        """
        mt, n = spec.get("machine_type"), spec.get("num_virtual_cpus")
        if mt and n:
            raise bad("only one of machine_spec.machine_type or machine_spec.num_virtual_cpus may be set")
        if mt:
            vc = seed.vcpus_for_machine_type(provider, mt)
            if vc is None:
                raise bad('machine type "%s" is not available on %s' % (mt, provider))
            if self.settings["machine_type_swap"]:
                mt = seed.equivalent_machine_type(provider, mt)
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

    def _iops(self, provider: str, storage: int, iops: int) -> int:
        """The disk IOPS the server provisions for a request of ``iops`` (0 = the default).

        AWS: the default is ``storage_gib * 3``, at least 3000; a requested value is provisioned rounded up to a
        multiple of 1000 and at least 3000 (with the ``iops_adjust`` setting, default on), so the answer differs
        from most requests.  GCP and Azure ignore ``disk_iops`` (no error, as the real API does) and report
        ``storage_gib * 30``.  The real rounding is not documented; this rule is invented, deterministic and
        never kinder than "the API may return another value".
        """
        if iops < 0:
            raise bad("disk_iops must not be negative")
        if provider != "AWS":
            return storage * seed.FIXED_IOPS_PER_GIB
        if not iops:
            return max(seed.AWS_MIN_IOPS, storage * seed.DEFAULT_AWS_IOPS_PER_GIB)
        if self.settings["iops_adjust"]:
            step = seed.AWS_IOPS_STEP
            return max(seed.AWS_MIN_IOPS, -(-iops // step) * step)
        return iops

    # ``_parent(pid)`` (a cluster's parent_id -> folder id or "root", 404 for an unknown folder) is the org
    # family's (emulator/cloud/families/org.py).

    # -- clusters -------------------------------------------------------------------------------
    def clusters_listed(self, show_inactive: bool) -> List[Dict]:
        """Clusters as listed (ticked); DELETED and CREATION_FAILED ones only with ``show_inactive``."""
        items = []
        for c in self.clusters.values():
            self._tick(c)
            if not show_inactive and c["state"] in ("DELETED", "CREATION_FAILED"):
                continue
            items.append(c)
        return items

    def create_cluster(self, body: Dict) -> Dict:
        """A new cluster from a decoded create request (CREATING for ``create_seconds``)."""
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
            if spend is not None:
                if limits:
                    raise bad("only one of spec.serverless.usage_limits or spec.serverless.spend_limit may be set")
                limits = self._spend_limit_limits(plan, spend)
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
        return c

    def delete_cluster(self, cluster_id: str) -> Dict:
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
        return c

    def check_updatable(self, c: Dict) -> None:
        """Refuse an update of a cluster that is gone, still being created or locked."""
        cluster_id = c["id"]
        if c["state"] in ("DELETED", "CREATION_FAILED"):
            raise bad("cluster %s cannot be updated in state %s" % (cluster_id, c["state"]), FAILED_PRECONDITION)
        if c["state"] == "CREATING":
            raise bad("cluster %s is still being created" % cluster_id, FAILED_PRECONDITION)
        if c["state"] == "LOCKED":
            raise self._lock_error()

    def update_cluster(self, c: Dict, body: Dict) -> Dict:
        """Apply a decoded update request: a version operation alone, or an edit."""
        self.check_updatable(c)
        vkeys = [k for k in ("cockroach_version", "upgrade_status") if k in body]
        if vkeys:
            if len(vkeys) == 2:
                raise bad("only one of cockroach_version or upgrade_status may be set")
            if len(body) > 1:
                raise bad("%s cannot be combined with other updates in the same request" % vkeys[0])
            self._version_operation(c, body, vkeys[0])
        else:
            self._edit_cluster(c, body)
        self._tick(c)
        return c

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

    def _edit_cluster(self, c: Dict, body: Dict) -> None:
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
            if "usage_limits" in s and "spend_limit" in s:
                raise bad("only one of serverless.usage_limits or serverless.spend_limit may be set")
            if "usage_limits" in s:
                sl["usage_limits"] = dict(s["usage_limits"])
                sl["spend_limit"] = None
            if "spend_limit" in s:
                sl["usage_limits"] = self._spend_limit_limits(plan, s["spend_limit"])
                sl["spend_limit"] = s["spend_limit"]
        if sl is not None:
            if plan == "BASIC" and sl["upgrade_type"] == "MANUAL":
                raise bad("upgrade_type MANUAL is not supported on BASIC clusters")
            if plan != c["plan"] or "serverless" in body and ("usage_limits" in body["serverless"]
                                                              or "spend_limit" in body["serverless"]):
                self._check_limits(sl["usage_limits"], plan)
        if "dedicated" in body:
            if dd is None:
                raise bad("dedicated settings cannot be applied to a serverless cluster")
            d = body["dedicated"]
            cmek_new = self._cmek_region_specs_for_update(c, d)  # families/export.py: keys of new regions
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
                if c["provider"] != "AWS":
                    dd["disk_iops"] = self._iops(c["provider"], st, 0)
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
        if "dedicated" in body:
            self._cmek_add_regions(c, cmek_new)

    @staticmethod
    def cluster_nodes(c: Dict, region: Optional[str]) -> List[Dict]:
        """Nodes of a dedicated cluster (the first of each region NOT_READY while an operation runs)."""
        nodes = []
        if c["dedicated"] is not None:
            updating = c["state"] == "LOCKED" and c["pending"] is not None
            for r, n in c["dedicated"]["region_nodes"].items():
                if region and r != region:
                    continue
                for i in range(n):
                    status = "NOT_READY" if (updating and i == 0) else "LIVE"
                    nodes.append({"name": "%s-%s-n%03d" % (c["name"], r, i + 1), "region_name": r, "status": status})
        return nodes

    # -- SQL users ------------------------------------------------------------------------------
    def create_sql_user(self, c: Dict, name: str, password: str) -> None:
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

    def delete_sql_user(self, c: Dict, name: str) -> None:
        if name not in c["users"]:
            raise not_found("SQL user %s not found" % name)
        del c["users"][name]
        self._record("AUDIT_LOG_ACTION_DELETE_SQL_USER", c, {"name": name})

    def update_sql_user_password(self, c: Dict, name: str, password: str) -> None:
        if name not in c["users"]:
            raise not_found("SQL user %s not found" % name)
        if not password:
            raise bad("password is required")
        u = c["users"][name]
        u["password"] = password
        u["password_version"] += 1
        self._record("AUDIT_LOG_ACTION_CHANGE_SQL_USER_PASSWORD", c, {"name": name, "password": password})

    # -- databases ------------------------------------------------------------------------------
    @staticmethod
    def _check_db_name(name: str, field: str = "name") -> None:
        if not name:
            raise bad("%s is required" % field)
        if len(name.encode("utf-8")) > 63:
            raise bad("database name %r is too long (at most 63 bytes)" % name)
        if name in ("system", "postgres") or name.startswith("crdb_internal"):
            raise bad("database name %r is reserved" % name)

    def create_database(self, c: Dict, name: str) -> Dict:
        self._check_db_name(name)
        if name in c["databases"]:
            raise ApiError(409, ALREADY_EXISTS, "database %s already exists" % name)
        c["databases"][name] = {"table_count": 0}
        return c["databases"][name]

    def rename_database(self, c: Dict, old: str, new: str) -> Dict:
        if not old:
            raise bad("name is required")
        self._check_db_name(new, "new_name")
        if old not in c["databases"]:
            raise not_found("database %s not found" % old)
        if new != old and new in c["databases"]:
            raise ApiError(409, ALREADY_EXISTS, "database %s already exists" % new)
        c["databases"][new] = c["databases"].pop(old)
        return c["databases"][new]

    @staticmethod
    def delete_database(c: Dict, name: str) -> Dict:
        if name not in c["databases"]:
            raise not_found("database %s not found" % name)
        return c["databases"].pop(name)

    # -- allowlist ------------------------------------------------------------------------------
    @staticmethod
    def entry_key(ip: Any, mask: Any) -> Tuple[str, int]:
        """(IPv4 address, mask) of an allowlist entry, from the path or the body."""
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

    def allowlist_propagating(self, c: Dict) -> bool:
        return self._now() < c["allowlist_changed_at"] + self.settings["propagate_seconds"]

    def add_allowlist_entry(self, c: Dict, key: Tuple[str, int], body: Dict) -> Dict:
        if key in c["allowlist"]:
            raise ApiError(409, ALREADY_EXISTS, "allowlist entry %s/%d already exists" % key)
        e = {"name": body.get("name", ""), "sql": body.get("sql", False), "ui": body.get("ui", False)}
        c["allowlist"][key] = e
        c["allowlist_changed_at"] = self._now()
        self._record("AUDIT_LOG_ACTION_ADD_IP_ALLOWLIST", c, entry_view(key, e))
        return e

    def update_allowlist_entry(self, c: Dict, key: Tuple[str, int], body: Dict) -> Dict:
        if key not in c["allowlist"]:
            raise not_found("allowlist entry %s/%d not found" % key)
        e = c["allowlist"][key]
        for f in ("name", "sql", "ui"):
            if f in body:
                e[f] = body[f]
        c["allowlist_changed_at"] = self._now()
        self._record("AUDIT_LOG_ACTION_EDIT_IP_ALLOWLIST", c, entry_view(key, e))
        return e

    def delete_allowlist_entry(self, c: Dict, key: Tuple[str, int]) -> Dict:
        if key not in c["allowlist"]:
            raise not_found("allowlist entry %s/%d not found" % key)
        e = c["allowlist"].pop(key)
        c["allowlist_changed_at"] = self._now()
        self._record("AUDIT_LOG_ACTION_DELETE_IP_ALLOWLIST", c, entry_view(key, e))
        return e

    # -- control (emulator-only changes) ---------------------------------------------------------
    def configure(self, changes: Dict[str, Any]) -> Dict[str, Any]:
        for k, v in changes.items():
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
            elif k in ("machine_type_swap", "iops_adjust"):
                if not isinstance(v, bool):
                    raise bad("%s must be true or false" % k)
                self.settings[k] = v
            else:
                self.settings[k] = float(v)
        return dict(self.settings)

    def add_key(self, key: Any, read_only: bool) -> int:
        if not key or not isinstance(key, str):
            raise bad("key is required")
        self.keys[key] = {"read_only": read_only}
        return len(self.keys)

    def revoke_key(self, key: str) -> int:
        if key == self.api_key or key not in self.keys:
            raise not_found("no such added key")
        del self.keys[key]
        return len(self.keys)

    def fail_next_create(self) -> None:
        self._fail_next_create = True

    def fail(self, c: Dict) -> None:
        """A CREATING cluster ends in CREATION_FAILED; a running (or the next) operation ends in *_FAILED."""
        if c["state"] == "CREATING":
            c["fail_create"] = True
        else:
            c["fail_op"] = True
        self._tick(c)

    def hold_lock(self, c: Dict, seconds: float, operation_status: str) -> None:
        """An automatic job holds the cluster's lock for ``seconds``."""
        if c["state"] not in ("CREATED", "LOCKED"):
            raise bad("cluster is %s" % c["state"])
        if c["state"] == "LOCKED":
            c["lock_until"] = max(c["lock_until"] or 0, self._now() + seconds)
        else:
            self._start_lock(c, operation_status, None, seconds)

    def release_lock(self, c: Dict) -> None:
        if c["state"] == "LOCKED":
            c["lock_until"] = self._now()
            self._tick(c)

    def set_raw(self, c: Dict, body: Dict) -> None:
        """Set fields no API call sets (a STANDARD cluster on an older version, table counts)."""
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


def entry_view(key: Tuple[str, int], e: Dict) -> Dict:
    """An allowlist entry as the API shows it (and the audit log records it)."""
    return {"cidr_ip": key[0], "cidr_mask": key[1], "ui": e["ui"], "sql": e["sql"], "name": e["name"]}
