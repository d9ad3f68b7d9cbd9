# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Client of the CockroachDB Cloud API v1 (``https://cockroachlabs.cloud/api/v1``).

Bearer secret key + ``Cc-Version``, keyset pagination, find-cluster-by-name, a create
that is never sent twice blindly, and a waiter for cluster states.

The rule for every write (issue 10): a write is sent again only where the server provably did
not act (no connection made, 429, a refusal because the cluster lock is held) or where it is
idempotent; after any ambiguous failure (a 5xx, a reset, a read timeout) the client re-reads
and compares before it decides. A lock refusal (409/503/400 whose message mentions a lock, the
Terraform provider's rule) waits for the cluster to be CREATED, then sends the write again.
A create that meets "already exists" without having sent anything ambiguous before lost a race
to another run: the object is looked up and returned (``cluster``) or handed to the module as
:class:`AlreadyExistsError` (users, databases, allowlist entries) to adopt it.

:class:`CloudClient` owns every Cloud API path: a module calls a method named after what it
wants (``list_sql_users``, ``delete_sql_user(..., missing_ok=True)``, ``add_allowlist_entry``,
``list_audit_log``...) and never builds a path, reads a page or rewords a 404 itself. The
methods that write inside a cluster (users, databases, allowlist) send one request each; the
caller wraps them in :meth:`cloud_children.ClusterTarget.write` to wait out a cluster lock.
"""

import re
import time
from urllib.parse import quote

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import (
    DEFAULT_API_VERSION,
    DEFAULT_SERVER,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    ClientError,
    CockroachError,
    ConflictError,
    NotFoundError,
    RetryPolicy,
    ServerError,
    Transport,
    TransportError,
    WaitTimeoutError,
)

DEFAULT_PAGE_LIMIT = 100
USER_AGENT = "ansible-cockroachdb-collection"

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

STEADY_STATES = ("CREATED",)
FAILED_STATES = ("CREATION_FAILED", "DELETED")
RUNNING_UPGRADE_STATUSES = ("MAJOR_UPGRADE_RUNNING", "ROLLBACK_RUNNING")


class ClusterFailedError(CockroachError):
    kind = "cluster_failed"


class AmbiguousNameError(ClientError):
    kind = "ambiguous"


class AlreadyExistsError(ConflictError):
    """A create answered 409 "already exists" because another run created the object first.

    ``existing`` is the object as found by the re-read (adopt it: compare and update as a run
    that found it would).
    """

    kind = "already_exists"

    def __init__(self, message, existing=None, **kwargs):
        super().__init__(message, **kwargs)
        self.existing = existing


LOCK_STATUSES = (400, 409, 423, 503)


def is_lock_error(exc):
    """A write refused because the cluster lock is held: 409/423/503 (or the 400 "couldn't lock
    cluster" seen in the wild) whose message mentions a lock. The server did not act."""
    if not isinstance(exc, CockroachError) or exc.status not in LOCK_STATUSES:
        return False
    return "lock" in (exc.message or "").lower()


def is_ambiguous(exc):
    """A failure after which the server may or may not have acted (re-read before deciding)."""
    if isinstance(exc, TransportError):
        return True
    return isinstance(exc, ServerError) and not is_lock_error(exc)


def _major(version):
    parts = str(version or "").split(".")
    return ".".join(parts[:2])


def _same(have, want):
    if isinstance(want, dict):
        return isinstance(have, dict) and all(_same(have.get(k), v) for k, v in want.items())
    if isinstance(want, bool) or isinstance(have, bool):
        return have == want
    try:
        return float(have) == float(want)
    except (TypeError, ValueError):
        return have == want


def unapplied_fields(cluster, body):
    """The top-level fields of a ``PATCH /clusters/{id}`` body that ``cluster`` does not show yet.

    Empty = the PATCH is applied. A field this function cannot check counts as not applied (the
    PATCH sets values, so sending it once more is safe).
    """
    config = cluster.get("config") or {}
    serverless_config = config.get("serverless") or {}
    dedicated_config = config.get("dedicated") or {}
    regions = cluster.get("regions") or []
    pending = []
    for key, want in body.items():
        if key in ("plan", "delete_protection"):
            ok = cluster.get(key) == want
        elif key == "labels":
            ok = (cluster.get("labels") or {}) == want
        elif key == "cockroach_version":
            ok = _major(cluster.get("cockroach_version")) == _major(want)
        elif key == "upgrade_status":
            # sent only from PENDING_FINALIZATION (finalize or roll back): done once it left that status
            ok = cluster.get("upgrade_status") not in ("PENDING_FINALIZATION",) + RUNNING_UPGRADE_STATUSES
        elif key == "serverless":
            ok = True
            for field, value in want.items():
                if field == "regions":
                    ok = ok and sorted(r.get("name") for r in regions) == sorted(set(value))
                elif field == "primary_region":
                    ok = ok and any(r.get("name") == value and r.get("primary") for r in regions)
                else:
                    ok = ok and _same(serverless_config.get(field), value)
        elif key == "dedicated":
            ok = True
            for field, value in want.items():
                if field == "region_nodes":
                    ok = ok and {r.get("name"): int(r.get("node_count") or 0) for r in regions} == \
                        {k: int(v) for k, v in value.items()}
                elif field == "hardware":
                    spec = dict(value.get("machine_spec") or {})
                    spec.update({k: v for k, v in value.items() if k != "machine_spec"})
                    machine_type = spec.pop("machine_type", None)
                    # the API may provision an equivalent type (same vCPUs): compared as cloud_cluster compares it
                    ok = ok and _same(dedicated_config, spec) and (
                        machine_type is None or not _machine_type_differs(cluster, machine_type))
                else:
                    ok = False
        else:
            ok = False
        if not ok:
            pending.append(key)
    return pending


def cloud_error_parser(status, body, text):
    """The Cloud API's ``{code, message, details}`` (gRPC status) error body."""
    if isinstance(body, dict):
        message = body.get("message") or body.get("error") or ""
        return body.get("code"), message, body.get("details")
    return None, (text or "").strip() or ("HTTP %s" % status), None


def is_uuid(value):
    return bool(value) and bool(UUID_RE.match(str(value)))


def cluster_named(clusters, name, include_deleted=False):
    """The one active cluster called ``name`` in a list, or None; with ``include_deleted`` the last
    inactive one when none is active. Several active ones raise :class:`AmbiguousNameError`."""
    matches = [c for c in clusters or [] if c.get("name") == name]
    active = [c for c in matches if c.get("state") not in FAILED_STATES]
    matches = active if not include_deleted else (active or matches[-1:])
    if len(matches) > 1:
        raise AmbiguousNameError(
            "%d active clusters are named %r (ids: %s); pass the id instead of the name"
            % (len(matches), name, ", ".join(c.get("id", "?") for c in matches)))
    return matches[0] if matches else None


def sql_user_named(users, name):
    """The user called ``name`` in a list of ``{name}`` objects, as ``{"name": <API spelling>}``, or None.

    CockroachDB user names are case-insensitive, so ``App`` finds ``app``; an exact match wins.
    The API's spelling is returned (it is the one the paths must use).
    """
    names = [u["name"] for u in users or [] if isinstance(u, dict) and u.get("name")]
    if name in names:
        return {"name": name}
    folded = [n for n in names if n.lower() == name.lower()]
    return {"name": folded[0]} if folded else None


def database_named(databases, name):
    """The database called exactly ``name`` as ``{name, table_count}``, or None."""
    for db in databases or []:
        if isinstance(db, dict) and db.get("name") == name:
            return {"name": db["name"], "table_count": db.get("table_count")}
    return None


def allowlist_entry_for(entries, cidr_ip, cidr_mask):
    """The allowlist entry of network ``cidr_ip/cidr_mask`` as the API returned it, or None."""
    for entry in entries or []:
        if entry.get("cidr_ip") == cidr_ip and int(entry.get("cidr_mask") or 0) == int(cidr_mask):
            return entry
    return None


def int64_fields(values):
    """int64 fields travel as JSON strings (sorted by name)."""
    return {k: str(int(v)) for k, v in sorted(values.items())}


def walk_audit_log(fetch, starting_from=None, sort_order="ASC", limit=None, max_pages=10000):
    """Follow ``next_starting_from``; ``fetch(params) -> response body``. Returns ``(entries, cursor)``.

    Stops on an empty page, a missing or repeated cursor, or once ``limit`` entries are read (the
    API never splits a timestamp across pages, so neither does this). With ``ASC`` an empty page
    keeps the cursor, so a later run resumes where this one stopped.
    """
    entries = []
    cursor = starting_from
    seen = set()
    for dummy in range(max_pages):
        params = {"sort_order": sort_order}
        if cursor:
            params["starting_from"] = cursor
        if limit is not None:
            params["limit"] = limit - len(entries)
        body = fetch(params) or {}
        page = body.get("entries") or []
        entries.extend(page)
        next_cursor = body.get("next_starting_from") or None
        if not page:
            # Nothing new: with ASC the API repeats the cursor we sent; keep it to resume later.
            return entries, next_cursor or (cursor if sort_order == "ASC" else None)
        cursor = next_cursor
        if cursor is None or cursor in seen or (limit is not None and len(entries) >= limit):
            return entries, cursor
        seen.add(cursor)
    return entries, cursor


def _machine_type_differs(cluster, machine_type):
    # imported when a wait needs it: most Cloud modules never do, and every import is compiled afresh per task
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_cluster_changes import (
        machine_type_differs,
    )

    return machine_type_differs(cluster, machine_type)


def family_mixins():
    """Every resource family's client mixin, in a fixed order (what :func:`client_class` joins by default)."""
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_access import AccessApi
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_backup import BackupApi
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_egress import EgressApi
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_export import ExportApi
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_maintenance import MaintenanceApi
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_org import OrgApi
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_private_endpoints import (
        PrivateEndpointsApi,
    )
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_replication import ReplicationApi

    return (OrgApi, AccessApi, BackupApi, MaintenanceApi, ExportApi, EgressApi, PrivateEndpointsApi, ReplicationApi)


_CLASSES = {}


def client_class(mixins=None):
    """:class:`CloudClient` joined with the family mixins ``mixins`` (None: every family).

    A module names the families it uses (``CloudModule(..., client_mixins=(OrgApi,))``): a module runs in a fresh
    interpreter that compiles every module_utils file it imports from AnsiballZ's zip, and the eight family files
    cost ~110 ms of a ~500 ms Cloud task. Plugins and tests that want every path take the default.
    """
    mixins = family_mixins() if mixins is None else tuple(mixins)
    if not mixins:
        return CloudClient
    if mixins not in _CLASSES:
        _CLASSES[mixins] = type("CloudClient", (CloudClient,) + mixins, {})
    return _CLASSES[mixins]


class CloudClient:
    """Talks to the Cloud API. Never touches ``AnsibleModule``.

    The paths of the clusters and of their SQL users, databases and allowlist are here; each other
    resource family's are in its mixin (``cloud_<family>.py``, one per family of the emulator's
    ``emulator/cloud/families/``), joined to this class by :func:`client_class` for the module that uses them.
    """

    page_limit = DEFAULT_PAGE_LIMIT  # ``pagination.limit`` of every list request

    def __init__(self, api_key, server=None, api_version=None, timeout=30.0, validate_certs=True,
                 ca_path=None, retries=4, rate_limit=10.0, session=None, sleep=time.sleep,
                 clock=time.monotonic, retry=None):
        if not api_key:
            raise ValueError("api_key is required")
        self.api_version = api_version or DEFAULT_API_VERSION
        self.server = (server or DEFAULT_SERVER).rstrip("/")
        self._sleep = sleep
        self._clock = clock
        self.transport = Transport(
            self.server,
            headers={
                "Authorization": "Bearer %s" % api_key,
                "Cc-Version": self.api_version,
                "Accept": "application/json",
            },
            timeout=timeout,
            validate_certs=validate_certs,
            ca_path=ca_path,
            retry=retry or RetryPolicy(retries=retries),
            rate_limit=rate_limit,
            secrets=[api_key],
            error_parser=cloud_error_parser,
            session=session,
            sleep=sleep,
            clock=clock,
            user_agent=USER_AGENT,
        )

    def deadline(self, timeout):
        """The time, on this client's clock, ``timeout`` seconds from now (for :meth:`write_unlocked`)."""
        return self._clock() + timeout

    def backoff(self, attempt):
        """Sleep the transport's jittered backoff for retry number ``attempt`` (0-based)."""
        self._sleep(self.transport.retry.delay(attempt))

    # -- plain verbs (paths relative to /api/v1; only this class builds them) -------------------------
    def _path(self, path):
        return path if path.startswith("/api/") else "/api/v1" + path

    def _get(self, path, params=None):
        return self.transport.request("GET", self._path(path), params=params).body

    def _post(self, path, body, idempotent=False):
        return self.transport.request("POST", self._path(path), json_body=body, idempotent=idempotent).body

    def _patch(self, path, body, idempotent=False):
        return self.transport.request("PATCH", self._path(path), json_body=body, idempotent=idempotent).body

    def _put(self, path, body):
        return self.transport.request("PUT", self._path(path), json_body=body).body

    def _delete(self, path, missing_ok=False):
        """DELETE; with ``missing_ok`` a 404 means it is already gone (returns None)."""
        try:
            return self.transport.request("DELETE", self._path(path)).body
        except NotFoundError:
            if missing_ok:
                return None
            raise

    # -- pagination ------------------------------------------------------------------------------
    def _paginate(self, path, key, params=None):
        """All items of a keyset-paginated list (``pagination.page`` / ``next_page``), ``page_limit`` per page."""
        items = []
        page = None
        seen = set()
        while True:
            query = dict(params or {})
            query["pagination.limit"] = self.page_limit
            if page:
                query["pagination.page"] = page
            body = self._get(path, params=query) or {}
            items.extend(body.get(key) or [])
            page = ((body.get("pagination") or {}).get("next_page")) or None
            if not page or page in seen:
                return items
            seen.add(page)

    # -- clusters --------------------------------------------------------------------------------
    def list_clusters(self, show_inactive=False):
        params = {"show_inactive": "true"} if show_inactive else None
        return self._paginate("/clusters", "clusters", params=params)

    def get_cluster(self, cluster_id):
        return self._get("/clusters/%s" % cluster_id)

    def find_cluster(self, name=None, cluster_id=None, include_deleted=False):
        """The cluster with this id, or the one active cluster with this name; None if absent.

        A name matching several active clusters raises :class:`AmbiguousNameError`.
        """
        if cluster_id:
            try:
                cluster = self.get_cluster(cluster_id)
            except NotFoundError:
                return None
            if cluster.get("state") == "DELETED" and not include_deleted:
                return None
            return cluster
        if not name:
            raise ValueError("name or cluster_id is required")
        return cluster_named(self.list_clusters(show_inactive=include_deleted), name, include_deleted)

    def resolve_cluster(self, name_or_id):
        """Cluster by id (UUID) or by name; raises NotFoundError with a clear message."""
        if is_uuid(name_or_id):
            cluster = self.find_cluster(cluster_id=name_or_id)
        else:
            cluster = self.find_cluster(name=name_or_id)
        if cluster is None:
            raise NotFoundError("no active cluster named or with id %r" % name_or_id, status=404)
        return cluster

    def _create_once(self, path, body, find_existing, adopt=False):
        """POST a create; never sent again before a re-read shows the object is not there.

        ``find_existing()`` returns the object if it exists. Returns ``(obj, recovered)``:

        * after an ambiguous failure (5xx, reset, read timeout) the object is looked up; found, it
          is returned with ``recovered=True``; not found, the POST is sent again after a backoff
          (at most ``retries`` times);
        * a refusal because the cluster lock is held is raised at once (the server did not act;
          the caller waits for the cluster, see :class:`cloud_children.ClusterTarget`);
        * 409 "already exists": after an ambiguous failure of this call it is our own object
          (``recovered=True``); otherwise another run won a race: with ``adopt`` the object is
          returned (``recovered=True``), else :class:`AlreadyExistsError` carries it.
        """
        first = None
        attempt = 0
        while True:
            try:
                return self._post(path, body), False
            except CockroachError as exc:
                if is_lock_error(exc):
                    raise
                if isinstance(exc, ConflictError):
                    found = find_existing()
                    if found is None:
                        raise
                    if first is not None or adopt:
                        return found, True
                    raise AlreadyExistsError(exc.message, existing=found, status=exc.status, code=exc.code,
                                             method=exc.method, url=exc.url)
                if not is_ambiguous(exc):
                    raise
                first = first or exc
                found = find_existing()
                if found is not None:
                    return found, True
                if attempt >= self.transport.retry.retries:
                    raise first
                self.backoff(attempt)
                attempt += 1

    def create_cluster(self, body):
        """POST /clusters, never duplicated: after a lost answer the cluster is looked up by name.

        A cluster created by another run between our read and our POST (409) is adopted:
        ``(cluster, True)``.
        """
        return self._create_once("/clusters", body, lambda: self.find_cluster(name=body["name"]), adopt=True)

    def wait_for_cluster(self, cluster_id, timeout=3600.0, wanted=STEADY_STATES, settle=True,
                         initial_delay=0.5, max_delay=10.0, on_poll=None):
        """Poll ``GET /clusters/{id}`` until ``state`` is in ``wanted``.

        Waits through CREATING and LOCKED; fails fast on CREATION_FAILED and DELETED (unless
        wanted). With ``settle`` it also waits for running upgrades/operations to finish.
        Poll delays double from ``initial_delay`` up to ``max_delay``. 5xx and transport errors
        while polling are retried until the deadline. Returns the last cluster seen.
        """
        deadline = self._clock() + timeout
        delay = initial_delay
        last = None
        last_error = None
        while True:
            try:
                last = self.get_cluster(cluster_id)
                last_error = None
            except (ServerError, TransportError) as exc:
                last_error = exc
            if on_poll is not None:
                on_poll(last)
            if last is not None and last_error is None:
                state = last.get("state")
                if state in wanted and (not settle or self.is_settled(last)):
                    return last
                if state in FAILED_STATES and state not in wanted:
                    raise ClusterFailedError("cluster %s is %s while waiting for %s"
                                             % (last.get("name", cluster_id), state, "/".join(wanted)))
            now = self._clock()
            if now >= deadline:
                if last is None:
                    raise WaitTimeoutError("timed out after %ss waiting for cluster %s: %s"
                                           % (int(timeout), cluster_id, last_error))
                raise WaitTimeoutError(
                    "timed out after %ss waiting for cluster %s to be %s; it is still %s%s"
                    % (int(timeout), last.get("name", cluster_id), "/".join(wanted), last.get("state"),
                       self._describe_activity(last)))
            self._sleep(min(delay, max(0.0, deadline - now)))
            delay = min(max_delay, delay * 2)

    @staticmethod
    def is_settled(cluster):
        op = cluster.get("operation_status") or ""
        if op.endswith("_RUNNING"):
            return False
        return cluster.get("upgrade_status") not in RUNNING_UPGRADE_STATUSES

    @staticmethod
    def _describe_activity(cluster):
        parts = []
        op = cluster.get("operation_status")
        if op and op not in ("UNSPECIFIED", "CLUSTER_STATUS_UNSPECIFIED"):
            parts.append("operation_status %s" % op)
        if cluster.get("upgrade_status") in RUNNING_UPGRADE_STATUSES:
            parts.append("upgrade_status %s" % cluster.get("upgrade_status"))
        return (" (" + ", ".join(parts) + ")") if parts else ""

    def _wait_unlocked(self, cluster_id, deadline, lock_round):
        """After a lock refusal: wait for the cluster to be CREATED (until ``deadline``), then back off a little."""
        remaining = max(1.0, deadline - self._clock())
        self.wait_for_cluster(cluster_id, timeout=remaining, settle=False)
        if self._clock() >= deadline:
            raise WaitTimeoutError("timed out waiting for the lock on cluster %s to be released" % cluster_id)
        self.backoff(min(lock_round, 4))

    def write_unlocked(self, cluster_id, send, deadline, applied=None):
        """Send one write to a cluster until it is known to be done: the one lock-wait loop of the client.

        A lock refusal (the server did not act) waits for CREATED and sends again, until ``deadline``
        (a time of this client's clock). After an ambiguous failure ``applied()`` re-reads and compares:
        True ends here; False sends again after a backoff (at most ``retries`` times); without
        ``applied`` the failure is raised (a create settles it itself, see :meth:`_create_once`).
        Other errors are raised. Returns the write's answer, or None when the write was found applied.
        """
        ambiguous = 0
        lock_round = 0
        first = None
        while True:
            try:
                return send()
            except CockroachError as exc:
                if is_lock_error(exc):
                    self._wait_unlocked(cluster_id, deadline, lock_round)
                    lock_round += 1
                    continue
                if applied is None or not is_ambiguous(exc):
                    raise
                first = first or exc
                if applied():
                    return None
                if ambiguous >= self.transport.retry.retries:
                    raise first
                self.backoff(ambiguous)
                ambiguous += 1

    def _patch_applied(self, cluster_id, body, deadline):
        """Re-read after an ambiguous PATCH: applied? A busy cluster is waited for first if it is not."""
        cluster = self.get_cluster(cluster_id)
        if not unapplied_fields(cluster, body):
            return True
        if cluster.get("state") != "CREATED" or not self.is_settled(cluster):
            cluster = self.wait_for_cluster(cluster_id, timeout=max(1.0, deadline - self._clock()))
            return not unapplied_fields(cluster, body)
        return False

    def update_cluster(self, cluster_id, body, timeout=7200.0, wait=True):
        """PATCH a cluster; optionally wait after.

        A lock held by another job (409/503/400 mentioning a lock) is waited out and the PATCH
        sent again; after an ambiguous failure the cluster is re-read and the fields sent compared
        before anything is sent again (see :meth:`write_unlocked`).
        """
        deadline = self._clock() + timeout
        path = "/clusters/%s" % cluster_id
        self.write_unlocked(cluster_id, lambda: self._patch(path, body), deadline,
                            applied=lambda: self._patch_applied(cluster_id, body, deadline))
        if wait:
            return self.wait_for_cluster(cluster_id, timeout=max(1.0, deadline - self._clock()))
        return self.get_cluster(cluster_id)

    def delete_cluster(self, cluster_id, timeout=7200.0):
        """DELETE; a cluster already gone (404, DELETED) is fine (returns None).

        A lock refusal is waited out; after an ambiguous failure the cluster is re-read.
        """
        def gone():
            found = self.find_cluster(cluster_id=cluster_id, include_deleted=True)
            return found is None or found.get("state") == "DELETED"
        return self.write_unlocked(cluster_id, lambda: self._delete("/clusters/%s" % cluster_id, missing_ok=True),
                                   self._clock() + timeout, applied=gone)

    # -- serverless limits -----------------------------------------------------------------------------
    def set_usage_limits(self, cluster_id, usage_limits, timeout=7200.0, wait=True):
        """``PATCH /clusters/{id}`` with ``serverless.usage_limits`` (int64 as strings); see :meth:`update_cluster`."""
        return self.update_cluster(cluster_id, {"serverless": {"usage_limits": int64_fields(usage_limits)}},
                                   timeout=timeout, wait=wait)

    def set_spend_limit(self, cluster_id, cents, timeout=7200.0, wait=True):
        """A serverless cluster's monthly spend limit in US cents (API versions up to 2023-04-10).

        ``PATCH /clusters/{id}`` with ``serverless.spend_limit``, the documented way; the older
        ``PUT .../spend-limit`` is in no published spec and is never sent. Returns the cluster after
        (waited for with ``wait``).
        """
        return self.update_cluster(cluster_id, {"serverless": {"spend_limit": cents}}, timeout=timeout, wait=wait)

    # -- other collections -----------------------------------------------------------------------
    def list_cluster_nodes(self, cluster_id, region=None):
        params = {"region_name": region} if region else None
        return self._paginate("/clusters/%s/nodes" % cluster_id, "nodes", params=params)

    def list_available_regions(self, provider=None, serverless=None):
        params = {}
        if provider:
            params["provider"] = provider
        if serverless is not None:
            params["serverless"] = "true" if serverless else "false"
        return self._paginate("/clusters/available-regions", "regions", params=params)

    def list_audit_log(self, starting_from=None, sort_order="ASC", limit=None):
        """Entries of ``GET /auditlogevents`` from ``starting_from``: ``(entries, next_starting_from)``.

        See :func:`walk_audit_log` for where the walk stops and which cursor it returns.
        """
        return walk_audit_log(lambda params: self._get("/auditlogevents", params=params),
                              starting_from=starting_from, sort_order=sort_order, limit=limit)

    # -- SQL users of a cluster -----------------------------------------------------------------------
    def _sql_users_path(self, cluster_id, name=None):
        path = "/clusters/%s/sql-users" % cluster_id
        return path if name is None else "%s/%s" % (path, quote(name, safe=""))

    def list_sql_users(self, cluster_id):
        return self._paginate(self._sql_users_path(cluster_id), "users")

    def find_sql_user(self, cluster_id, name):
        """``{"name": <the API's spelling>}`` of the user called ``name`` (case-insensitive), or None."""
        return sql_user_named(self.list_sql_users(cluster_id), name)

    def create_sql_user(self, cluster_id, name, password):
        """POST the user once; after a lost answer the user is looked up before any second attempt."""
        return self._create_once(self._sql_users_path(cluster_id), {"name": name, "password": password},
                                 lambda: self.find_sql_user(cluster_id, name))[0]

    def set_sql_user_password(self, cluster_id, name, password):
        return self._put(self._sql_users_path(cluster_id, name) + "/password", {"password": password})

    def delete_sql_user(self, cluster_id, name, missing_ok=True):
        """DELETE the user; with ``missing_ok`` a user that is already gone is fine (returns None)."""
        return self._delete(self._sql_users_path(cluster_id, name), missing_ok=missing_ok)

    # -- databases of a cluster --------------------------------------------------------------------------
    def _databases_path(self, cluster_id, name=None):
        path = "/clusters/%s/databases" % cluster_id
        return path if name is None else "%s/%s" % (path, quote(name, safe=""))

    def list_databases(self, cluster_id):
        return self._paginate(self._databases_path(cluster_id), "databases")

    def create_database(self, cluster_id, name):
        """POST the database once; after a lost answer it is looked up before any second attempt."""
        return self._create_once(self._databases_path(cluster_id), {"name": name},
                                 lambda: database_named(self.list_databases(cluster_id), name))[0]

    def rename_database(self, cluster_id, name, new_name, timeout=3600.0):
        """PATCH ``new_name``; after an ambiguous failure the databases are re-read: renamed already
        (the new name exists, the old one does not) returns ``{"name": new_name}``, else it is sent again."""
        def renamed():
            databases = self.list_databases(cluster_id)
            return database_named(databases, new_name) is not None and database_named(databases, name) is None
        got = self.write_unlocked(cluster_id, lambda: self._patch(self._databases_path(cluster_id, name),
                                                                  {"new_name": new_name}),
                                  self._clock() + timeout, applied=renamed)
        return got if got is not None else {"name": new_name}

    def delete_database(self, cluster_id, name, missing_ok=True):
        """DELETE the database; with ``missing_ok`` one that is already gone is fine (returns None)."""
        return self._delete(self._databases_path(cluster_id, name), missing_ok=missing_ok)

    # -- IP allowlist of a cluster ------------------------------------------------------------------------
    def _allowlist_path(self, cluster_id, cidr_ip=None, cidr_mask=None):
        path = "/clusters/%s/networking/allowlist" % cluster_id
        return path if cidr_ip is None else "%s/%s/%s" % (path, cidr_ip, cidr_mask)

    def list_allowlist(self, cluster_id):
        return self._paginate(self._allowlist_path(cluster_id), "allowlist")

    def add_allowlist_entry(self, cluster_id, entry):
        """POST ``{cidr_ip, cidr_mask, name, sql, ui}`` once; after a lost answer the entry is looked up first."""
        return self._create_once(self._allowlist_path(cluster_id), entry, lambda: allowlist_entry_for(
            self.list_allowlist(cluster_id), entry["cidr_ip"], entry["cidr_mask"]))[0]

    def update_allowlist_entry(self, cluster_id, cidr_ip, cidr_mask, fields):
        """PATCH ``{name, sql, ui}`` of one entry (idempotent: retried like a read)."""
        return self._patch(self._allowlist_path(cluster_id, cidr_ip, cidr_mask), fields, idempotent=True)

    def delete_allowlist_entry(self, cluster_id, cidr_ip, cidr_mask, missing_ok=True):
        """DELETE one entry; with ``missing_ok`` one that is already gone is fine (returns None)."""
        return self._delete(self._allowlist_path(cluster_id, cidr_ip, cidr_mask), missing_ok=missing_ok)

    def close(self):
        self.transport.close()
