# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloud API paths of one resource family: physical cluster replication streams (issue 13), and a
cluster's connection details (connection string, CA certificate).

:class:`ReplicationApi` is a mixin of :class:`cloud.CloudClient` (which owns every Cloud API path through its
mixins): its methods use the client's verbs (``self._get``, ``self._post``, ``self._patch``,
``self._put``, ``self._delete``, ``self._paginate``) and never touch ``AnsibleModule``.  Pure
decision functions of the family live here too.  This file never imports ``cloud.py`` (which
imports it).

The cluster CA certificate is not an API operation: the Cloud Console and the Terraform provider
(``cockroach_cluster_cert``) download it from ``<server>/clusters/<cluster id>/cert`` (outside
``/api/v1``; no API key is needed, the client's headers go to the same server anyway).
"""

import re
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    CockroachError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)

STREAMS_PATH = "/physical-replication-streams"
ACTIVE_STATUSES = ("STARTING", "REPLICATING", "FAILING_OVER")
OPERATING_SYSTEMS = ("MAC", "LINUX", "WINDOWS")
RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
PEM_CERT_RE = re.compile(r"-----BEGIN CERTIFICATE-----\s[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----")


class StreamFailedError(CockroachError):
    kind = "stream_failed"


# -- pure functions -------------------------------------------------------------------------------------
def rfc3339_error(option, value):
    """A message when ``value`` is not an RFC 3339 timestamp (with a zone), else None."""
    if value is None:
        return None
    if not RFC3339_RE.match(value):
        return "%s must be an RFC 3339 timestamp with a time zone, such as 2025-05-01T19:39:39Z; got %r" % (option, value)
    try:
        datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return "%s %r is not a valid date and time" % (option, value)
    return None


def pick_stream(streams, primary_id, standby_id):
    """The stream between ``primary_id`` and ``standby_id`` that a module works on, or None.

    The active one (STARTING, REPLICATING, FAILING_OVER; the API allows one per cluster), else the newest
    COMPLETED or CANCELED one.
    """
    mine = [s for s in streams or [] if s.get("primary_cluster_id") == primary_id
            and s.get("standby_cluster_id") == standby_id]
    active = [s for s in mine if s.get("status") in ACTIVE_STATUSES]
    if active:
        return active[0]
    done = sorted(mine, key=lambda s: (s.get("created_at") or "", s.get("id") or ""))
    return done[-1] if done else None


def stream_plan(stream, state):
    """What bringing ``stream`` (as read, or None) to ``state`` takes: ``(action, refusal)``.

    ``action`` is one of ``create``, ``failover``, ``cancel``, ``wait`` (nothing to send; a FAILING_OVER
    stream with ``state=failed_over``) or None (nothing to do). ``refusal`` is a message when the stream cannot
    get there (the API allows FAILING_OVER and CANCELED only from REPLICATING); then ``action`` is None.
    """
    status = (stream or {}).get("status")
    if state == "present":
        if stream is None or status == "CANCELED":
            return "create", None
        return None, None
    if state == "failed_over":
        if stream is None:
            return None, "there is no replication stream between these clusters to fail over; create it with state=present"
        if status == "REPLICATING":
            return "failover", None
        if status == "FAILING_OVER":
            return "wait", None
        if status == "COMPLETED":
            return None, None
        if status == "STARTING":
            return None, ("replication stream %s is still STARTING: it can fail over once it is REPLICATING "
                          "(run with state=present and wait=true first)" % stream.get("id"))
        return None, "replication stream %s was %s: it cannot fail over" % (stream.get("id"), status)
    if state == "canceled":
        if stream is None or status == "CANCELED":
            return None, None
        if status == "REPLICATING":
            return "cancel", None
        if status == "STARTING":
            return None, ("replication stream %s is still STARTING: the API can cancel it only once it is REPLICATING"
                          % stream.get("id"))
        return None, ("replication stream %s is %s: a failover cannot be canceled" % (stream.get("id"), status))
    raise ValueError("state must be present, failed_over or canceled, got %r" % (state,))


def predicted_stream(stream, action, primary_id, standby_id, failover_at=None):
    """The stream check mode predicts after ``action`` (the fields the API would show at once)."""
    if action == "create":
        return {"id": None, "status": "STARTING", "primary_cluster_id": primary_id, "standby_cluster_id": standby_id,
                "created_at": None}
    out = {k: stream[k] for k in ("id", "status", "primary_cluster_id", "standby_cluster_id", "created_at")
           if k in stream}
    if action == "failover":
        out["status"] = "FAILING_OVER"
        if failover_at:
            out["failover_at"] = failover_at
    elif action == "cancel":
        out["status"] = "CANCELED"
    return out


def stream_view(stream):
    """The stream as the module returns it and diffs it (every field the API may show; absent ones None)."""
    if stream is None:
        return None
    keys = ("id", "status", "primary_cluster_id", "standby_cluster_id", "created_at", "replicated_time",
            "replication_lag_seconds", "retained_time", "failover_at", "activated_at", "canceled_at")
    return {k: stream.get(k) for k in keys}


def stream_diff_view(stream):
    """What the diff compares: the status and the timestamps a user acts on (not the moving lag)."""
    if stream is None:
        return {}
    return {k: stream.get(k) for k in ("id", "status", "primary_cluster_id", "standby_cluster_id", "failover_at")
            if stream.get(k) is not None}


def with_host(connection_string, host, port=None):
    """``connection_string`` (a URL) with its host (and port) replaced; user, path and query kept."""
    parts = urlsplit(connection_string)
    netloc = parts.netloc
    userinfo = ""
    if "@" in netloc:
        userinfo, netloc = netloc.rsplit("@", 1)
        userinfo += "@"
    old_port = netloc.rsplit(":", 1)[1] if ":" in netloc else None
    port = port or old_port
    return urlunsplit((parts.scheme, "%s%s%s" % (userinfo, host, (":" + str(port)) if port else ""),
                       parts.path, parts.query, parts.fragment))


def query_value(connection_string, name):
    """The value of query parameter ``name`` in a connection string, or None."""
    for item in urlsplit(connection_string).query.split("&"):
        key, sep, value = item.partition("=")
        if sep and key == name:
            return value
    return None


def connection_info(cluster, answer, ca_cert=None, ca_cert_url=None):
    """The result of ``cloud_connection_info`` from the cluster and the ``GET .../connection-string`` answer.

    One entry per region of the cluster, each with that region's SQL host and the API's connection string
    pointed at it (the API gives one string for the cluster; a region's clients connect to its own host).
    """
    params = answer.get("params") or {}
    conn = answer.get("connection_string") or ""
    port = params.get("Port") or "26257"
    regions = []
    for region in sorted(cluster.get("regions") or [], key=lambda r: r.get("name") or ""):
        host = region.get("sql_dns") or params.get("Host")
        regions.append({
            "name": region.get("name"),
            "primary": bool(region.get("primary")),
            "host": host,
            "port": port,
            "connection_string": with_host(conn, host, port) if conn else None,
            "private_endpoint_host": region.get("private_endpoint_dns") or None,
            "internal_host": region.get("internal_dns") or None,
            "ui_host": region.get("ui_dns") or None,
        })
    return {
        "cluster_id": cluster.get("id"),
        "cluster_name": cluster.get("name"),
        "plan": cluster.get("plan"),
        "connection_string": conn,
        "params": {"host": params.get("Host"), "port": port, "database": params.get("Database"),
                   "username": params.get("Username")},
        "sslrootcert": query_value(conn, "sslrootcert"),
        "regions": regions,
        "ca_cert": ca_cert,
        "ca_cert_url": ca_cert_url,
    }


# -- the client mixin ---------------------------------------------------------------------------------------
class ReplicationApi(object):
    """Methods of :class:`cloud.CloudClient` for this family."""

    # connection details ------------------------------------------------------------------------------
    def get_connection_string(self, cluster_id, database=None, sql_user=None, os=None):
        """``GET /clusters/{id}/connection-string``: ``{connection_string, params: {Host, Port, Database, Username}}``."""
        params = {}
        if database:
            params["database"] = database
        if sql_user:
            params["sql_user"] = sql_user
        if os:
            params["os"] = os
        return self._get("/clusters/%s/connection-string" % cluster_id, params=params or None)

    def cluster_ca_cert_url(self, cluster_id):
        return "%s/clusters/%s/cert" % (self.server, cluster_id)

    def get_cluster_ca_cert(self, cluster_id):
        """The cluster's CA certificate (PEM text) from ``<server>/clusters/{id}/cert`` (not under /api/v1)."""
        answer = self.transport.request("GET", "/clusters/%s/cert" % cluster_id)
        text = answer.text or ""
        if not PEM_CERT_RE.search(text):
            raise StreamFailedError("the CA certificate download %s did not answer a PEM certificate"
                                    % self.cluster_ca_cert_url(cluster_id))
        return text

    # streams ------------------------------------------------------------------------------------------------
    def list_replication_streams(self, primary_cluster_id=None, standby_cluster_id=None, cluster_id=None,
                                 show_completed=False):
        params = {}
        if primary_cluster_id:
            params["primary_cluster_id"] = primary_cluster_id
        if standby_cluster_id:
            params["standby_cluster_id"] = standby_cluster_id
        if cluster_id:
            params["cluster_id"] = cluster_id
        if show_completed:
            params["show_completed"] = "true"
        return self._paginate(STREAMS_PATH, "physical_replication_streams", params=params)

    def get_replication_stream(self, stream_id):
        return self._get("%s/%s" % (STREAMS_PATH, stream_id))

    def find_replication_stream(self, primary_cluster_id, standby_cluster_id):
        """The stream between the two clusters (see :func:`pick_stream`), or None. One list request per page."""
        streams = self.list_replication_streams(primary_cluster_id=primary_cluster_id,
                                                standby_cluster_id=standby_cluster_id, show_completed=True)
        return pick_stream(streams, primary_cluster_id, standby_cluster_id)

    def create_replication_stream(self, primary_cluster_id, standby_cluster_id, deadline):
        """POST a stream once: a lock on a cluster is waited out (the server did not act); after a lost answer the
        active stream between the two clusters is looked up before anything is sent again, and a 409 (the pair
        already replicates) adopts that stream. Returns the stream."""
        body = {"primary_cluster_id": primary_cluster_id, "standby_cluster_id": standby_cluster_id}

        def find():
            found = self.find_replication_stream(primary_cluster_id, standby_cluster_id)
            return found if found is not None and found.get("status") in ACTIVE_STATUSES else None

        return self.write_unlocked(primary_cluster_id,
                                   lambda: self._create_once(STREAMS_PATH, body, find, adopt=True)[0], deadline)

    def update_replication_stream(self, stream, status, deadline, failover_at=None):
        """PATCH a REPLICATING stream to ``FAILING_OVER`` (optionally at ``failover_at``) or ``CANCELED``.

        The API accepts this once (from REPLICATING only), so a lost answer is settled by reading the stream again:
        changed already (the target status, or COMPLETED after a failover) ends here; still REPLICATING sends again.
        """
        body = {"status": status}
        if failover_at:
            body["failover_at"] = failover_at
        done = ("FAILING_OVER", "COMPLETED") if status == "FAILING_OVER" else (status,)
        path = "%s/%s" % (STREAMS_PATH, stream["id"])
        holder = {}

        def applied():
            holder["stream"] = self.get_replication_stream(stream["id"])
            return holder["stream"].get("status") in done

        got = self.write_unlocked(stream["standby_cluster_id"], lambda: self._patch(path, body), deadline,
                                  applied=applied)
        return got if got is not None else holder["stream"]

    def wait_for_replication_stream(self, stream_id, wanted, timeout, initial_delay=1.0, max_delay=15.0):
        """Poll the stream until its status is in ``wanted``; a terminal status that is not wanted fails at once.

        5xx and transport errors while polling are retried until the deadline. Returns the last stream read.
        """
        deadline = self._clock() + timeout
        delay = initial_delay
        last = None
        last_error = None
        while True:
            try:
                last = self.get_replication_stream(stream_id)
                last_error = None
            except (ServerError, TransportError) as exc:
                last_error = exc
            if last is not None and last_error is None:
                status = last.get("status")
                if status in wanted:
                    return last
                if status not in ACTIVE_STATUSES or (status == "FAILING_OVER" and "REPLICATING" in wanted):
                    raise StreamFailedError("replication stream %s is %s while waiting for %s"
                                            % (stream_id, status, "/".join(wanted)))
            now = self._clock()
            if now >= deadline:
                seen = (last or {}).get("status") if last_error is None else "unreadable (%s)" % last_error
                raise WaitTimeoutError("timed out after %ss waiting for replication stream %s to be %s; it is %s"
                                       % (int(timeout), stream_id, "/".join(wanted), seen))
            self._sleep(min(delay, max(0.0, deadline - now)))
            delay = min(max_delay, delay * 2)
