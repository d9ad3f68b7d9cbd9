# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Client of the CockroachDB Cloud API v1 (``https://cockroachlabs.cloud/api/v1``).

Bearer secret key + ``Cc-Version``, keyset pagination, find-cluster-by-name, a create
that is never sent twice blindly, and a waiter for cluster states.
"""

import re
import time

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import (  # noqa: F401 - re-exported
    DEFAULT_API_VERSION,
    DEFAULT_SERVER,
    KNOWN_API_VERSIONS,
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

LEGACY_API_VERSION = "2022-03-31"
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


def cloud_error_parser(status, body, text):
    """The Cloud API's ``{code, message, details}`` (gRPC status) error body."""
    if isinstance(body, dict):
        message = body.get("message") or body.get("error") or ""
        return body.get("code"), message, body.get("details")
    return None, (text or "").strip() or ("HTTP %s" % status), None


def is_uuid(value):
    return bool(value) and bool(UUID_RE.match(str(value)))


def major_version(version):
    """``v24.2.4`` -> ``v24.2``; ``24.2`` -> ``v24.2``; None stays None."""
    if not version:
        return version
    text = str(version).strip()
    if not text.startswith("v"):
        text = "v" + text
    parts = text.split(".")
    return ".".join(parts[:2])


class CloudClient:
    """Talks to the Cloud API. Never touches ``AnsibleModule``."""

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

    # -- plain verbs ---------------------------------------------------------------------------
    def _path(self, path):
        return path if path.startswith("/api/") else "/api/v1" + path

    def get(self, path, params=None):
        return self.transport.request("GET", self._path(path), params=params).body

    def post(self, path, body, idempotent=False):
        return self.transport.request("POST", self._path(path), json_body=body, idempotent=idempotent).body

    def patch(self, path, body, idempotent=False):
        return self.transport.request("PATCH", self._path(path), json_body=body, idempotent=idempotent).body

    def put(self, path, body):
        return self.transport.request("PUT", self._path(path), json_body=body).body

    def delete(self, path):
        return self.transport.request("DELETE", self._path(path)).body

    @property
    def request_count(self):
        return self.transport.request_count

    # -- pagination ------------------------------------------------------------------------------
    def paginate(self, path, key, params=None, limit=DEFAULT_PAGE_LIMIT):
        """All items of a keyset-paginated list (``pagination.page`` / ``next_page``)."""
        items = []
        page = None
        seen = set()
        while True:
            query = dict(params or {})
            query["pagination.limit"] = limit
            if page:
                query["pagination.page"] = page
            body = self.get(path, params=query) or {}
            items.extend(body.get(key) or [])
            page = ((body.get("pagination") or {}).get("next_page")) or None
            if not page or page in seen:
                return items
            seen.add(page)

    # -- clusters --------------------------------------------------------------------------------
    def list_clusters(self, show_inactive=False):
        params = {"show_inactive": "true"} if show_inactive else None
        return self.paginate("/clusters", "clusters", params=params)

    def get_cluster(self, cluster_id):
        return self.get("/clusters/%s" % cluster_id)

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
        matches = [c for c in self.list_clusters(show_inactive=include_deleted) if c.get("name") == name]
        if not include_deleted:
            matches = [c for c in matches if c.get("state") not in FAILED_STATES]
        else:
            active = [c for c in matches if c.get("state") not in FAILED_STATES]
            matches = active or matches[-1:]
        if len(matches) > 1:
            raise AmbiguousNameError(
                "%d active clusters are named %r (ids: %s); pass the id instead of the name"
                % (len(matches), name, ", ".join(c.get("id", "?") for c in matches)))
        return matches[0] if matches else None

    def resolve_cluster(self, name_or_id):
        """Cluster by id (UUID) or by name; raises NotFoundError with a clear message."""
        if is_uuid(name_or_id):
            cluster = self.find_cluster(cluster_id=name_or_id)
        else:
            cluster = self.find_cluster(name=name_or_id)
        if cluster is None:
            raise NotFoundError("no active cluster named or with id %r" % name_or_id, status=404)
        return cluster

    def create_once(self, path, body, find_existing):
        """POST a create exactly once; if the answer is lost, look before any second attempt.

        ``find_existing()`` returns the object if the server did create it. A transport error
        or 5xx after which the object exists is treated as success (``(obj, True)``); if it does
        not exist the create is sent one more time. Returns ``(obj, recovered)``.
        """
        try:
            return self.post(path, body), False
        except (TransportError, ServerError) as first:
            found = find_existing()
            if found is not None:
                return found, True
            try:
                return self.post(path, body), False
            except (TransportError, ServerError):
                found = find_existing()
                if found is not None:
                    return found, True
                raise first

    def create_cluster(self, body):
        """POST /clusters, never duplicated: after a lost answer the cluster is looked up by name."""
        return self.create_once("/clusters", body, lambda: self.find_cluster(name=body["name"]))

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

    def update_cluster(self, cluster_id, body, timeout=7200.0, wait=True):
        """PATCH a cluster, first waiting out a lock held by another job; optionally wait after."""
        try:
            self.patch("/clusters/%s" % cluster_id, body)
        except ConflictError:
            self.wait_for_cluster(cluster_id, timeout=timeout)
            self.patch("/clusters/%s" % cluster_id, body)
        if wait:
            return self.wait_for_cluster(cluster_id, timeout=timeout)
        return self.get_cluster(cluster_id)

    def delete_cluster(self, cluster_id):
        """DELETE; a 404 means it is already gone (returns None)."""
        try:
            return self.delete("/clusters/%s" % cluster_id)
        except NotFoundError:
            return None

    # -- other collections -----------------------------------------------------------------------
    def list_cluster_nodes(self, cluster_id, region=None):
        params = {"region_name": region} if region else None
        return self.paginate("/clusters/%s/nodes" % cluster_id, "nodes", params=params)

    def list_available_regions(self, provider=None, serverless=None):
        params = {}
        if provider:
            params["provider"] = provider
        if serverless is not None:
            params["serverless"] = "true" if serverless else "false"
        return self.paginate("/clusters/available-regions", "regions", params=params)

    def list_cluster_versions(self):
        return self.paginate("/cluster-versions", "versions")

    def list_sql_users(self, cluster_id):
        return self.paginate("/clusters/%s/sql-users" % cluster_id, "users")

    def list_databases(self, cluster_id):
        return self.paginate("/clusters/%s/databases" % cluster_id, "databases")

    def list_allowlist(self, cluster_id):
        return self.paginate("/clusters/%s/networking/allowlist" % cluster_id, "allowlist")

    def audit_log(self, starting_from=None, sort_order=None, limit=None, max_entries=None):
        """Entries of ``/auditlogevents``, following ``next_starting_from`` until exhausted.

        Returns ``(entries, next_starting_from)``; stops once ``max_entries`` are collected.
        """
        entries = []
        cursor = starting_from
        seen = set()
        while True:
            params = {}
            if cursor:
                params["starting_from"] = cursor
            if sort_order:
                params["sort_order"] = sort_order
            if limit:
                params["limit"] = limit
            body = self.get("/auditlogevents", params=params) or {}
            page = body.get("entries") or []
            entries.extend(page)
            cursor = body.get("next_starting_from")
            if max_entries is not None and len(entries) >= max_entries:
                return entries[:max_entries], cursor
            if not page or not cursor or cursor in seen:
                return entries, cursor
            seen.add(cursor)

    def close(self):
        self.transport.close()
