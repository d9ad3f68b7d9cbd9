# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Client of the Cluster API v2 that every CockroachDB node serves under ``/api/v2/``.

The one place that knows the Cluster API: every path, its pagination style, how a 404 is worded
and which statuses count as an answer. Modules, the health gate and the inventory plugin call one
method per operation (``list_nodes``, ``get_table``, ``iter_hot_ranges``, ``restart_safety``, ...)
and never build a path or touch the transport.

Form-body login (or reuse of a given session token), the ``X-Cockroach-API-Session``
header, logout, trailing-slash paths, text/plain errors and the three pagination styles
of the real server's endpoints that the collection reads:

* ``offset``: in-memory offset (``nodes/``, ``nodes/{id}/ranges/``, ``databases/``):
  ``next`` present only when items remain;
* ``sql``: SQL LIMIT/OFFSET (``users/``, ``events/``, ``databases/{db}/grants/``,
  ``databases/{db}/tables/``): a full page always carries ``next``; stop on a short page;
* ``token``: fan-out token (``sessions/``, ``ranges/hot/``): ``next`` is always present;
  stop on a page shorter than ``limit``; each page also lists the nodes that did not answer.

(The metadata endpoints' fourth style, ``pageNum``/``pageSize``, has no caller yet and is not implemented.)

SQL over HTTP (``POST /api/v2/sql/``, :meth:`ClusterClient.sql`) runs read statements (``SHOW CLUSTER
SETTING``, ``SELECT``) as the logged-in user inside one transaction per request; the server refuses
statements that change session or cluster settings (``disallowed statement type``), so settings are
changed with ``cockroach sql --execute`` on a node, not here.
"""

import re
import time

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    AuthError,
    ClientError,
    CockroachError,
    NotFoundError,
    RetryPolicy,
    ServerError,
    Transport,
)

SESSION_HEADER = "X-Cockroach-API-Session"
USER_AGENT = "ansible-cockroachdb-collection"
DEFAULT_PAGE_LIMIT = 100

# The prefix of every Cluster API path; a node's base URL must not contain it.
API_PREFIX = "/api/v2"
HEALTH_PATH = "/api/v2/health/"
# The readiness probe as a user would type it (for messages that name what answered).
READINESS_PROBE = HEALTH_PATH + "?ready=true"

# Running upgrade (migration) jobs; the emulator answers this exact query (emulator/cluster/sql.py).
MIGRATION_JOBS_SQL = ("SELECT job_id, status, description, created FROM crdb_internal.jobs "
                      "WHERE job_type = 'MIGRATION' AND status = 'running'")
# What SHOW [ALL] CLUSTER SETTINGS needs: a real node lists ~600 settings (~150 kB), far above the
# server's default max_result_size of 10,000 bytes.
SETTINGS_RESULT_SIZE = 4 * 1024 * 1024
_READ_ONLY_SQL = re.compile(r"^\s*(SHOW|SELECT|WITH|EXPLAIN|TABLE|VALUES)\b", re.I)


class SqlError(CockroachError):
    """A refused request or a failed statement of ``POST /api/v2/sql/``.

    ``status`` is the HTTP status (400 for a request the server did not run, 200 for a statement that
    failed), ``code`` the SQLSTATE (``XXUUU`` when the server gave none), ``statement`` the 1-based index
    of the failing statement (None for a request error), ``sql`` its text."""

    kind = "sql"

    def __init__(self, message, status=None, code=None, statement=None, sql=None, **kwargs):
        super().__init__(message, status=status, code=code, **kwargs)
        self.statement = statement
        self.sql = sql

    def to_result(self):
        out = super().to_result()
        out.update(statement=self.statement)
        return out


def _go_duration(value):
    """A timeout for the SQL API: seconds (number) -> Go duration text; a string is sent as is."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "%gs" % value
    return str(value)


def _statement_list(statements):
    """str | [str] | [{"sql", "arguments"}] -> the request's ``statements`` list."""
    if isinstance(statements, str):
        statements = [statements]
    out = []
    for item in statements:
        if isinstance(item, dict):
            entry = {"sql": item["sql"]}
            if item.get("arguments"):
                entry["arguments"] = list(item["arguments"])
            out.append(entry)
        else:
            out.append({"sql": str(item)})
    if not out:
        raise ValueError("sql() needs at least one statement")
    return out


def _statement_error(err, index, sql, status):
    """A SqlError from the pgerror object the server sends (``executing stmt N: ...`` stays in the message)."""
    message = err.get("message") if isinstance(err, dict) else str(err)
    code = err.get("code") if isinstance(err, dict) else None
    return SqlError(message or "statement failed", status=status, code=code or "XXUUU", statement=index, sql=sql)


# The server's own 404 texts for a database or table that does not exist (databases/*).
_MISSING_DATABASE_TEXTS = ("database not found", "database or table not found")


def _explain_404(message, path):
    """The router's bare 404 (unknown path, missing trailing slash, wrong base URL) made actionable."""
    if (message or "").strip() != "404 page not found":
        return message
    return ("%s: the node routes only exact /api/v2/ paths ending in '/'; check that cluster_url is the node's base "
            "URL (for example https://node1:8080) with no path such as /api/v2, and that this CockroachDB version "
            "serves %s" % (message.strip(), path))


def _explain_missing(exc, what):
    """The server's ``database not found`` made into a sentence naming what the task asked for."""
    if (exc.message or "").strip() in _MISSING_DATABASE_TEXTS:
        exc.message = "%s does not exist (or the user cannot see it): %s" % (what, exc.message)
    return exc


def _at(url, path):
    """``path`` on the node at ``url`` (a base URL), or on this client's node when ``url`` is None."""
    return url.rstrip("/") + path if url else path


def cluster_error_parser(status, body, text):
    """The Cluster API's errors are text/plain bodies ending in a newline."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return err.get("code"), err.get("message") or str(err), None
        return body.get("code"), body.get("message") or err or str(body), None
    return None, (text or "").strip() or ("HTTP %s" % status), None


class _NoRetryOn:
    """A retry policy that gives up at once on ``statuses`` and otherwise follows ``policy``."""

    def __init__(self, policy, statuses):
        self.policy = policy
        self.statuses = frozenset(statuses)

    def should_retry(self, attempt, method, status, idempotent):
        return status not in self.statuses and self.policy.should_retry(attempt, method, status, idempotent)

    def delay(self, attempt, retry_after=None):
        return self.policy.delay(attempt, retry_after)


class ClusterClient:
    """Talks to one node's ``/api/v2/``. Use as a context manager to log out automatically.

    With ``session`` the given token is used as is (no login, no logout). Otherwise the first
    request logs in with ``username``/``password`` and ``close()`` logs out again.
    """

    def __init__(self, url, username=None, password=None, session=None, timeout=30.0, validate_certs=True,
                 ca_path=None, retries=3, http_session=None, sleep=time.sleep, clock=time.monotonic, retry=None):
        if not url:
            raise ValueError("url is required")
        self.url = url.rstrip("/")
        self.username = username
        self._password = password
        self.token = session
        self.owns_token = False
        self.login_count = 0
        self.transport = Transport(
            self.url,
            headers={"Accept": "application/json"},
            timeout=timeout,
            validate_certs=validate_certs,
            ca_path=ca_path,
            retry=retry or RetryPolicy(retries=retries),
            rate_limit=0,
            secrets=[password, session],
            error_parser=cluster_error_parser,
            session=http_session,
            sleep=sleep,
            clock=clock,
            user_agent=USER_AGENT,
        )

    # -- session ---------------------------------------------------------------------------------
    def login(self):
        """``POST /api/v2/login/`` with a form body; returns the session token.

        Retried like a read (5xx, no answer, 429, with the transport's backoff): a login sent twice
        at worst leaves one extra session token on the server, which expires by itself; this
        client holds (and logs out) only the token of the answer it received.
        """
        if not self.username or self._password is None:
            raise ClientError("the Cluster API needs either a session token (session) or username and password")
        try:
            resp = self.transport.request(
                "POST", "/api/v2/login/", form={"username": self.username, "password": self._password},
                idempotent=True)
        except AuthError as exc:
            exc.message = ("login as %r failed: %s. Check username/password (COCKROACH_CLUSTER_USER, "
                           "COCKROACH_CLUSTER_PASSWORD)." % (self.username, exc.message))
            raise
        except NotFoundError as exc:
            exc.message = _explain_404(exc.message, "/api/v2/login/")
            raise
        token = (resp.body or {}).get("session") if isinstance(resp.body, dict) else None
        if not token:
            raise ClientError("login answered without a session token")
        self.transport.add_secret(token)
        self.token = token
        self.owns_token = True
        self.login_count += 1
        return token

    def logout(self, token=None):
        """``POST /api/v2/logout/`` for ``token`` (default: the current one)."""
        token = token or self.token
        if not token:
            return None
        self.transport.add_secret(token)
        resp = self.transport.request("POST", "/api/v2/logout/", headers={SESSION_HEADER: token},
                                      idempotent=True)
        if token == self.token:
            self.token = None
            self.owns_token = False
        return resp.body

    def ensure_session(self):
        if not self.token:
            self.login()
        return self.token

    def close(self):
        """Log out if this client logged in itself; then close the HTTP session."""
        try:
            if self.owns_token and self.token:
                try:
                    self.logout()
                except Exception:  # logout is best effort  # pylint: disable=broad-except
                    pass
        finally:
            self.transport.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def request_count(self):
        return self.transport.request_count

    # -- requests ----------------------------------------------------------------------------------
    def get(self, path, params=None, auth=True, ok_statuses=None):
        """GET a ``/api/v2/...`` path; the path must end with '/', as the server routes only that."""
        if not path.startswith("/"):
            path = "/api/v2/" + path
        base = path.split("?", 1)[0]
        if not base.endswith("/"):
            raise ValueError("Cluster API paths end with '/': %s" % path)
        headers = {}
        if auth:
            token = self.ensure_session()
            headers[SESSION_HEADER] = token
        try:
            resp = self.transport.request("GET", path, params=params, headers=headers, ok_statuses=ok_statuses)
        except AuthError as exc:
            if exc.status == 401 and not self.owns_token and self.token:
                exc.message = ("the session token was rejected (%s); it may be expired or logged out. "
                               "Log in again (cluster_session) or unset COCKROACH_CLUSTER_SESSION." % exc.message)
            elif exc.status == 403:
                exc.message = ("user %s may not read %s (%s); it needs the admin role or the "
                               "VIEWCLUSTERMETADATA privilege" % (self.username or "of this session", base,
                                                                  exc.message))
            raise
        except NotFoundError as exc:
            exc.message = _explain_404(exc.message, base)
            raise
        return resp

    def get_json(self, path, params=None, auth=True):
        return self.get(path, params=params, auth=auth).body

    # -- pagination --------------------------------------------------------------------------------
    def paginate(self, path, key, style, limit=DEFAULT_PAGE_LIMIT, params=None, max_items=None):
        """All items of ``key`` across the pages of an ``offset`` or ``sql`` style endpoint.

        ``max_items`` stops early once that many are collected. (The ``token`` style of the
        fan-out endpoints is read page by page with :meth:`iter_token_pages`.)
        """
        if style not in ("offset", "sql"):
            raise ValueError("unknown pagination style %r" % style)
        items = []
        offset = 0
        while True:
            query = dict(params or {})
            query["limit"] = limit
            if offset:
                query["offset"] = offset
            body = self.get_json(path, params=query) or {}
            page = body.get(key) or []
            items.extend(page)
            nxt = body.get("next")
            if max_items is not None and len(items) >= max_items:
                return items[:max_items]
            if not nxt or not page:
                return items
            if style == "sql" and len(page) < limit:
                return items  # SQL LIMIT/OFFSET: a full page always carries ``next``; a short one is the last
            if int(nxt) <= offset:
                return items  # defensive: never loop on a server that does not advance
            offset = int(nxt)

    def iter_token_pages(self, path, key, limit=DEFAULT_PAGE_LIMIT, params=None):
        """Yield ``(items, body)`` per page of a fan-out token endpoint, with the end rule of ``token`` style.

        Lets a caller stop early (for example once it holds enough matching items) without reading the rest.
        """
        start = None
        seen = set()
        while True:
            query = dict(params or {})
            query["limit"] = limit
            if start:
                query["start"] = start
            body = self.get_json(path, params=query) or {}
            page = body.get(key) or []
            yield page, body
            start = body.get("next")
            # ``next`` is always present; a short page is the end (as CockroachDB's own tests do).
            if len(page) < limit or not start or start in seen:
                return
            seen.add(start)

    # -- endpoints: one method per operation ----------------------------------------------------------
    def list_nodes(self, limit=DEFAULT_PAGE_LIMIT):
        """Every node of the cluster (``GET /api/v2/nodes/``, offset pages), raw as the server sends them."""
        return self.paginate("/api/v2/nodes/", "nodes", "offset", limit=limit)

    def list_node_ranges(self, node_id, range_ids=None, limit=DEFAULT_PAGE_LIMIT):
        """The ranges of one node (``node_id`` an id or ``local``), optionally only ``range_ids``.

        A node id the cluster does not have is answered with the generic 500 of a failed dial (reference
        6.2), which looks like a transient failure: the first try does not retry a 500 and lets the node
        list decide. An unknown node raises NotFoundError ``node N is not in the cluster (nodes: ...)``;
        a known one is asked again with the usual retries.
        """
        params = {"ranges": ",".join(str(r) for r in range_ids)} if range_ids else None
        path = "/api/v2/nodes/%s/ranges/" % node_id
        if str(node_id) == "local":
            return self.paginate(path, "ranges", "offset", limit=limit, params=params)
        policy = self.transport.retry
        self.transport.retry = _NoRetryOn(policy, (500,))
        try:
            return self.paginate(path, "ranges", "offset", limit=limit, params=params)
        except ServerError as exc:
            if exc.status != 500:
                raise
        finally:
            self.transport.retry = policy
        known = sorted(int(n["node_id"]) for n in self.list_nodes() if isinstance(n, dict) and n.get("node_id"))
        if int(node_id) not in known:
            raise NotFoundError("node %s is not in the cluster (nodes: %s)" % (
                node_id, ", ".join(str(n) for n in known) or "none"))
        return self.paginate(path, "ranges", "offset", limit=limit, params=params)

    def get_range(self, range_id):
        """``GET /api/v2/ranges/{id}/``: the range as every node sees it (``responses_by_node_id``)."""
        return self.get_json("/api/v2/ranges/%d/" % int(range_id)) or {}

    def list_databases(self, limit=DEFAULT_PAGE_LIMIT):
        """The names of every database (offset pages)."""
        return self.paginate("/api/v2/databases/", "databases", "offset", limit=limit)

    def get_database(self, database):
        """The descriptor of one database; a missing database raises NotFoundError naming it."""
        try:
            return self.get_json("/api/v2/databases/%s/" % database) or {}
        except NotFoundError as exc:
            raise _explain_missing(exc, "database %r" % database)

    def list_tables(self, database, limit=DEFAULT_PAGE_LIMIT):
        """The table names of one database (SQL pages)."""
        try:
            return self.paginate("/api/v2/databases/%s/tables/" % database, "table_names", "sql", limit=limit)
        except NotFoundError as exc:
            raise _explain_missing(exc, "database %r" % database)

    def get_table(self, database, table):
        """The details of one table; a missing database or table raises NotFoundError naming both."""
        try:
            return self.get_json("/api/v2/databases/%s/tables/%s/" % (database, table)) or {}
        except NotFoundError as exc:
            raise _explain_missing(exc, "table %r of database %r" % (table, database))

    def list_grants(self, database, limit=DEFAULT_PAGE_LIMIT):
        """The ``SHOW GRANTS`` rows of one database (SQL pages)."""
        try:
            return self.paginate("/api/v2/databases/%s/grants/" % database, "grants", "sql", limit=limit)
        except NotFoundError as exc:
            raise _explain_missing(exc, "database %r" % database)

    def list_users(self, limit=DEFAULT_PAGE_LIMIT):
        """The SQL users (``{"username": ...}`` rows, SQL pages)."""
        return self.paginate("/api/v2/users/", "users", "sql", limit=limit)

    def list_events(self, event_type=None, max_items=None, limit=DEFAULT_PAGE_LIMIT):
        """Event log rows, newest first, optionally of one ``event_type``; at most ``max_items`` (None = all)."""
        params = {"type": event_type} if event_type else None
        if max_items:
            limit = min(limit, max_items)
        return self.paginate("/api/v2/events/", "events", "sql", limit=limit, params=params, max_items=max_items)

    # -- fan-out endpoints: items and the nodes that did not answer -----------------------------------
    def _iter_fan_out(self, path, key, errors_key, message_key, limit, params):
        """Yield ``(items, node_errors)`` per page; ``node_errors`` maps node id (0 = not given) to message."""
        for page, body in self.iter_token_pages(path, key, limit=limit, params=params):
            node_errors = {}
            for err in body.get(errors_key) or []:
                node_errors[err.get("node_id") or 0] = err.get(message_key) or ""
            yield page, node_errors

    def iter_hot_ranges(self, node_id=None, limit=DEFAULT_PAGE_LIMIT):
        """Pages of ``GET /api/v2/ranges/hot/`` (one node, ``local`` or the whole cluster) as ``(ranges, node_errors)``.

        A caller may stop early (``break``) without reading the remaining pages.
        """
        params = {"node_id": node_id} if node_id else {}
        return self._iter_fan_out("/api/v2/ranges/hot/", "ranges", "response_error", "error_message", limit, params)

    def iter_sessions(self, username=None, exclude_closed=False, limit=DEFAULT_PAGE_LIMIT):
        """Pages of ``GET /api/v2/sessions/`` as ``(sessions, node_errors)``."""
        params = {}
        if username:
            params["username"] = username
        if exclude_closed:
            params["exclude_closed_sessions"] = "true"
        return self._iter_fan_out("/api/v2/sessions/", "sessions", "errors", "message", limit, params)

    # -- SQL over HTTP ----------------------------------------------------------------------------------
    def sql(self, statements, execute=True, database=None, timeout=None, max_result_size=None,
            application_name=None, separate_txns=False, raise_on_error=True):
        """``POST /api/v2/sql/``: run ``statements`` (a string, a list of strings, or ``{"sql", "arguments"}``)
        and return one dict per statement: ``{statement, tag, columns: [{name, type, oid}], rows: [{column:
        value}], rows_affected, error?}``.

        ``timeout``: seconds or a Go duration (server default 5s); ``max_result_size``: bytes of result the
        server may return (default 10,000); ``database`` defaults to ``system`` on the server. Requests of
        read statements only (SHOW, SELECT, ...) are retried like reads; others are sent once.
        Raises :class:`SqlError`: status 400 for a request the server refused (bad JSON, several statements in
        one entry, placeholders), status 200 for a failed statement (``statement`` its index), unless
        ``raise_on_error`` is False (then failed statements carry ``error`` and the rest are returned).
        With ``execute=False`` the server only parses: the answer's normalised ``request`` is returned."""
        stmts = _statement_list(statements)
        body = {"statements": stmts, "execute": bool(execute)}
        for key, value in (("database", database), ("timeout", _go_duration(timeout)),
                           ("max_result_size", max_result_size), ("application_name", application_name)):
            if value is not None:
                body[key] = value
        if separate_txns:
            body["separate_txns"] = True
        read_only = all(_READ_ONLY_SQL.match(st["sql"]) for st in stmts)
        token = self.ensure_session()
        try:
            resp = self.transport.request("POST", "/api/v2/sql/", json_body=body, headers={SESSION_HEADER: token},
                                          idempotent=read_only)
        except AuthError as exc:
            if exc.status == 401 and not self.owns_token and self.token:
                exc.message = ("the session token was rejected (%s); it may be expired or logged out. "
                               "Log in again (cluster_session) or unset COCKROACH_CLUSTER_SESSION." % exc.message)
            raise
        except NotFoundError as exc:
            exc.message = _explain_404(exc.message, "/api/v2/sql/")
            raise
        except ClientError as exc:
            raise SqlError("the SQL API refused the request: %s" % exc.message, status=exc.status,
                           code=exc.code or "XXUUU", method=exc.method, url=exc.url)
        answer = resp.body if isinstance(resp.body, dict) else {}
        if not execute:
            return answer.get("request") or {}
        results = list((answer.get("execution") or {}).get("txn_results") or [])
        for res in results:
            res.setdefault("columns", [])
            res.setdefault("rows", [])
        if raise_on_error:
            for res in results:
                if res.get("error"):
                    index = res.get("statement")
                    sql = stmts[index - 1]["sql"] if isinstance(index, int) and 0 < index <= len(stmts) else None
                    raise _statement_error(res["error"], index, sql, resp.status)
            if answer.get("error"):
                raise _statement_error(answer["error"], None, None, resp.status)
        return results

    def show_cluster_setting(self, name):
        """The value of one cluster setting as ``SHOW CLUSTER SETTING`` types it (bool, int, str, interval text)."""
        rows = self.sql("SHOW CLUSTER SETTING %s" % _setting_name(name))[0]["rows"]
        return list(rows[0].values())[0] if rows else None

    def list_cluster_settings(self, include_hidden=True):
        """Every cluster setting as the server lists it (``SHOW ALL CLUSTER SETTINGS``, or only the public ones):
        rows ``{variable, value, setting_type, [public,] description, default_value?, origin?}`` in the server's
        order (older releases have no ``default_value``/``origin``)."""
        stmt = "SHOW ALL CLUSTER SETTINGS" if include_hidden else "SHOW CLUSTER SETTINGS"
        return self.sql(stmt, max_result_size=SETTINGS_RESULT_SIZE)[0]["rows"]

    # -- health (the readiness probe needs no session; restart safety sends one) ------------------------
    def probe_readiness(self, url=None, remote_node_id=None):
        """``GET /api/v2/health/?ready=true`` of a node; never raises for a node that does not answer.

        ``remote_node_id`` asks the node at ``url`` (default this one) to proxy the probe to that
        node (reference 1.8). Returns ``(status or None, ready_bool, error_text or None)``; a 502
        from the proxy (target down) counts as an answer.
        """
        params = {"ready": "true"}
        if remote_node_id is not None:
            params["remote_node_id"] = str(remote_node_id)
        try:
            resp = self.transport.request("GET", _at(url, HEALTH_PATH), params=params,
                                          ok_statuses=(200, 400, 500, 502, 503))
        except CockroachError as exc:
            return exc.status, False, exc.message
        text = resp.text.strip() if resp.status != 200 else None
        return resp.status, resp.status == 200, text or None

    def restart_safety(self, url=None, remote_node_id=None):
        """``GET /api/v2/health/restart_safety/`` (v25.4+) once; never raises for an answer or a missing answer.

        ``url`` is the node's base URL (default this client's); ``remote_node_id`` asks that node to
        proxy the request to another node, which then evaluates itself. Sends the session header: the
        given token, or a login with username/password (whether v25.4 requires one is not confirmed; a
        401/403 comes back as ``permitted: false``). Returns the
        :func:`restart_safety.parse_restart_safety` dict.
        """
        from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.restart_safety import (
            parse_restart_safety,
        )

        params = {"remote_node_id": str(remote_node_id)} if remote_node_id is not None else None
        headers = {}
        try:
            if not self.token and self.username and self._password is not None:
                self.login()
            if self.token:
                headers[SESSION_HEADER] = self.token
            resp = self.transport.request("GET", _at(url, "/api/v2/health/restart_safety/"), params=params,
                                          headers=headers,
                                          ok_statuses=(200, 400, 401, 403, 404, 500, 501, 502, 503))
        except CockroachError as exc:
            return parse_restart_safety(exc.status, None, exc.message, user=self.username)
        return parse_restart_safety(resp.status, resp.body, resp.text, remote_node_id=remote_node_id,
                                    via=url or "the API node", user=self.username)


_SETTING_NAME = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


def _setting_name(name):
    """A cluster setting name safe to put in a statement (they are lower-case dotted words)."""
    name = str(name or "").strip().lower()
    if not _SETTING_NAME.match(name):
        raise ValueError("%r is not a cluster setting name (lower-case words separated by dots, such as "
                         "server.time_until_store_dead)" % (name,))
    return name
