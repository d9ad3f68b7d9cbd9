# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Event-Driven Ansible source ``cockroachdb.cockroachdb.cluster_events``: changes of a CockroachDB cluster.

Polls the Cluster API v2 every ``interval`` seconds and puts one event per change on the queue.
Every event is a flat dict with a ``type`` key (the full description, with examples, is in
``docs/event-driven.md``):

``node_liveness_changed``
    ``node_id``, ``before``/``after`` (liveness names: live, suspect, dead, draining, decommissioning,
    decommissioned, unknown), ``before_status``/``after_status`` (the ``liveness_status`` ints).
``node_readiness_changed``
    ``node_id``, ``before``/``after`` (bool), ``status`` (HTTP status of ``health/?ready=true``, None
    when nothing answered), ``reason`` (short text, None when ready).
``node_build_changed``
    ``node_id``, ``before``/``after`` (``build_tag``), ``version`` (``major.minor`` after).
``node_added`` / ``node_removed``
    ``node_id``, ``liveness``, ``build_tag``: a node id that appeared in (or left) ``nodes/``.
``ranges_underreplicated`` / ``ranges_unavailable``
    ``state`` (``appeared`` when the cluster total went from 0 to more, ``cleared`` when it went back to
    0), ``before``/``after`` (cluster totals), ``nodes`` (``{node_id: count}`` of the nodes reporting
    some), ``stores`` (``{store_id: count}``). A count that changes while it stays above 0 is no event.
``cluster_event``
    a new entry of ``/api/v2/events/``: ``event_type``, ``timestamp``, ``reporting_id``, ``unique_id``,
    ``info`` (parsed). Each entry once, oldest first. Entries that exist when the source starts are the
    baseline and are not emitted, unless ``events_since`` says from when to emit them.
``cluster_unreachable`` / ``cluster_reachable``
    the node list could not be read from any URL (``reason``: a few words such as ``connection refused``
    or ``HTTP 503``, ``error``: the full message per URL, ``error_kind``, ``status``,
    ``failed_polls``) for ``unreachable_after`` polls in a row / it can again (``down_seconds``,
    ``failed_polls``). The source keeps polling with a jittered exponential backoff capped at
    ``backoff_max``; after ``cluster_reachable`` every change that happened meanwhile comes as usual.
``cluster_snapshot``
    only with ``emit_snapshot: true``, once after the first successful poll: ``nodes`` (a list of
    ``{node_id, liveness, ready, build_tag, ranges_underreplicated, ranges_unavailable}``) and the totals.

The first successful poll is the baseline: it emits nothing (or one ``cluster_snapshot``).

Arguments (``args``), with the environment fallbacks of the modules:

``cluster_url``
    a node's base URL, a list of them or a comma-separated string (``COCKROACH_CLUSTER_URL``); the
    source reads from the first that answers and fails over to the next.
``username`` / ``password`` (``COCKROACH_CLUSTER_USER`` / ``COCKROACH_CLUSTER_PASSWORD``) or ``session``
    (``COCKROACH_CLUSTER_SESSION``). A login happens once and its session is reused by every poll; only a
    401 on it makes the source log in again. A given ``session`` is never logged out.
``ca_path`` (``COCKROACH_CLUSTER_CA``), ``validate_certs`` (default true), ``timeout`` (seconds per
    request, default 10), ``retries`` (quick retries of one request, default 1).
``interval`` (seconds between polls, default 10), ``backoff_max`` (cap of the backoff, default 60),
    ``unreachable_after`` (failed polls before ``cluster_unreachable``, default 1).
``readiness`` (probe each node's ``health/?ready=true`` through the API node, default true),
    ``events`` (follow ``/api/v2/events/``, default true), ``events_since`` (an RFC 3339 time: entries
    newer than it are emitted on the first poll; default: none, only entries that appear later),
    ``events_lookback`` (seconds: entries whose timestamp is at most this much older than the newest
    seen are still looked at, for out-of-order commits; default 30), ``emit_snapshot`` (default false).

No password or session token is ever in an event or a log line: errors are the transport's redacted
messages.
"""

import asyncio
import concurrent.futures
import logging
import os
import re
import sys
import time

LOG = logging.getLogger("cockroachdb.cockroachdb.cluster_events")

ENV = {
    "cluster_url": "COCKROACH_CLUSTER_URL",
    "username": "COCKROACH_CLUSTER_USER",
    "password": "COCKROACH_CLUSTER_PASSWORD",
    "session": "COCKROACH_CLUSTER_SESSION",
    "ca_path": "COCKROACH_CLUSTER_CA",
}
DEFAULTS = {
    "interval": 10.0,
    "backoff_max": 60.0,
    "timeout": 10.0,
    "retries": 1,
    "validate_certs": True,
    "readiness": True,
    "events": True,
    "events_since": None,
    "events_lookback": 30.0,
    "unreachable_after": 1,
    "emit_snapshot": False,
}
EVENTS_PAGE = 50
EVENTS_MAX = 5000


def _collection_root():
    """The directory holding ``ansible_collections/`` when this file sits in an installed collection."""
    here = os.path.abspath(globals().get("__file__") or "")
    parts = here.split(os.sep)
    # .../ansible_collections/<ns>/<name>/extensions/eda/plugins/event_source/cluster_events.py
    if len(parts) >= 8 and parts[-8] == "ansible_collections":
        return os.sep.join(parts[:-8]) or os.sep
    return None


def _import_collection():
    """Make ``ansible_collections.cockroachdb.cockroachdb`` importable where ansible-rulebook runs this file.

    ansible-rulebook loads a source with ``runpy.run_path`` (no package context, nothing added to
    ``sys.path``), so the collection's own module_utils are found by putting the directory that holds
    this collection's ``ansible_collections/`` first on ``sys.path`` (unless it is there already).
    """
    root = _collection_root()
    if root and root not in sys.path:
        sys.path.insert(0, root)
    # pylint: disable=import-outside-toplevel
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cluster_normalize, health_gate
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import transport
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import ClusterConnection

    return cluster_normalize, health_gate, transport, ClusterConnection


_RFC3339 = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:?\d\d)?$")


def rfc3339_ns(text):
    """An RFC 3339 timestamp -> Unix nanoseconds (exact, any number of fraction digits); None if unparsable."""
    match = _RFC3339.match(str(text or "").strip())
    if not match:
        return None
    import calendar  # pylint: disable=import-outside-toplevel

    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    frac = (match.group(7) or "")[:9].ljust(9, "0")
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    zone = match.group(8) or "Z"
    if zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return seconds * 1000000000 + int(frac)


def _urls(value):
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [str(u).strip() for u in value if str(u).strip()]


def _bool(value, name):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("%s must be a boolean, got %r" % (name, value))


def _number(value, name, low, high, integer=False):
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        raise ValueError("%s must be a number, got %r" % (name, value))
    if not low <= number <= high:
        raise ValueError("%s must be between %s and %s, got %s" % (name, low, high, value))
    return number


def parse_args(args, environ=None):
    """The source's options: ``args`` first, then the ``COCKROACH_CLUSTER_*`` variables, then the defaults.

    Raises ``ValueError`` naming every bad option (never a secret value).
    """
    environ = os.environ if environ is None else environ
    opts = dict(DEFAULTS)
    for name in ENV:
        opts[name] = None
    for name, value in (args or {}).items():
        if name in opts:
            if value is not None:
                opts[name] = value
        elif not name.startswith("eda_"):  # ansible-rulebook adds eda_feedback_queue and the like
            LOG.warning("cluster_events: unknown option %r ignored (options: %s)", name, ", ".join(sorted(opts)))
    for name, var in ENV.items():
        if opts[name] in (None, "") and environ.get(var):
            opts[name] = environ[var]
    opts["cluster_url"] = _urls(opts["cluster_url"])
    for name in ("validate_certs", "readiness", "events", "emit_snapshot"):
        opts[name] = _bool(opts[name], name)
    opts["interval"] = _number(opts["interval"], "interval", 0.01, 86400)
    opts["backoff_max"] = _number(opts["backoff_max"], "backoff_max", 0.01, 86400)
    opts["timeout"] = _number(opts["timeout"], "timeout", 0.1, 3600)
    opts["retries"] = _number(opts["retries"], "retries", 0, 20, integer=True)
    opts["unreachable_after"] = _number(opts["unreachable_after"], "unreachable_after", 1, 1000000, integer=True)
    opts["events_lookback"] = _number(opts["events_lookback"], "events_lookback", 0, 86400 * 365)
    if opts["events_since"] not in (None, ""):
        if rfc3339_ns(opts["events_since"]) is None:
            raise ValueError("events_since must be an RFC 3339 time such as 2026-01-31T12:00:00Z, got %r"
                             % (opts["events_since"],))
    else:
        opts["events_since"] = None
    return opts


class ClusterWatcher:
    """One poll at a time (blocking; ``main`` runs it in a thread): read, compare, return the events.

    ``http_session`` (tests) is handed to every client.
    """

    def __init__(self, opts, http_session=None, clock=time.monotonic):
        self.norm, self.gate, self.transport, connection_cls = _import_collection()
        self.opts = opts
        self.clock = clock
        self.urls = list(opts["cluster_url"])
        base = {"username": opts.get("username"), "password": opts.get("password"), "session": opts.get("session"),
                "ca_path": opts.get("ca_path"), "validate_certs": opts["validate_certs"],
                "timeout": opts["timeout"], "retries": opts["retries"]}
        if not self.urls:
            connection_cls(base).check()  # the connection's own message for a missing URL
        self.connections = []
        for url in self.urls:
            conn = connection_cls(dict(base, cluster_url=url))
            conn.check()
            self.connections.append(conn)
        self.http_session = http_session
        self.clients = {}
        self.token = opts.get("session")
        self.owns_token = False
        self.index = 0
        self.logins = 0
        self.polls = 0
        self.state = None            # {node_id: {...}} of the last successful poll
        self.totals = None           # {"ranges_underreplicated": n, "ranges_unavailable": n}
        self.event_ids = {}          # unique_id -> timestamp ns, of the entries already seen
        self.event_mark = None       # newest entry timestamp seen (ns)
        self.failures = 0
        self.down_since = None
        self.unreachable_sent = False
        self.backoff = self.transport.RetryPolicy(retries=0, base=opts["interval"], cap=opts["backoff_max"])

    @property
    def secrets(self):
        return [s for s in (self.opts.get("password"), self.opts.get("session"), self.token) if s]

    def redact(self, text):
        text = str(text)
        for secret in self.secrets:
            text = text.replace(secret, self.transport.REDACTED)
        return text

    # -- clients and session -------------------------------------------------------------------------
    def client(self, index):
        url = self.urls[index]
        cli = self.clients.get(url)
        if cli is None:
            extra = {"http_session": self.http_session} if self.http_session is not None else {}
            cli = self.connections[index].client(session=self.token, **extra)
            self.clients[url] = cli
        cli.token = self.token
        cli.owns_token = self.owns_token
        return cli

    def _after(self, cli):
        """Remember the session of a client (one login shared by every URL and poll)."""
        if cli.token and cli.token != self.token:
            self.logins += 1
            self.owns_token = True
        self.token = cli.token

    def call(self, fn):
        """``fn(client)`` on the current URL, failing over to the next ones; re-login once on a 401."""
        errors = []
        last = None
        for step in range(len(self.urls)):
            index = (self.index + step) % len(self.urls)
            relogged = False
            while True:
                cli = self.client(index)
                try:
                    result = fn(cli)
                except self.transport.AuthError as exc:
                    self._after(cli)
                    if exc.status == 401 and self.owns_token and not relogged:
                        LOG.info("the session expired (401); logging in again")
                        self.token = None
                        self.owns_token = False
                        relogged = True
                        continue
                    raise
                except self.transport.ClientError:
                    self._after(cli)
                    raise
                except self.transport.CockroachError as exc:
                    self._after(cli)
                    errors.append("%s: %s" % (self.urls[index], exc.message))
                    last = exc
                    break
                self._after(cli)
                if index != self.index:
                    LOG.info("reading from %s now", self.urls[index])
                    self.index = index
                return result
        last.message = "; ".join(errors)
        raise last

    # -- one poll ----------------------------------------------------------------------------------
    def read(self):
        """Nodes (normalised, by id) and the readiness of each, or raise the error of the node list."""
        raw = self.call(lambda cli: cli.list_nodes())
        nodes = {}
        for item in raw or []:
            if not isinstance(item, dict) or item.get("node_id") is None:
                continue
            node = self.norm.normalize_node(item, include_metrics=True)
            stores = {}
            for sid, metrics in (node.get("store_metrics") or {}).items():
                stores[str(sid)] = (int(float(metrics.get("ranges.underreplicated") or 0)),
                                    int(float(metrics.get("ranges.unavailable") or 0)))
            nodes[int(node["node_id"])] = {
                "node_id": int(node["node_id"]), "liveness": node["liveness"],
                "liveness_status": node["liveness_status"], "build_tag": node["build_tag"],
                "version": node["version"], "ranges_underreplicated": node["ranges_underreplicated"],
                "ranges_unavailable": node["ranges_unavailable"], "stores": stores, "ready": None,
                "status": None, "reason": None}
        if self.opts["readiness"]:
            cli = self.client(self.index)
            for nid, node in sorted(nodes.items()):
                if node["liveness"] == "decommissioned":
                    continue
                status, _ready, error = cli.probe_readiness(remote_node_id=nid)
                kind = self.gate.probe_kind(status, error, proxied=True)
                node["status"] = status
                if kind == "ready":
                    node["ready"] = True
                elif kind in ("not_ready", "down"):
                    node["ready"] = False
                    node["reason"] = self.redact(self.gate.short_error(error) if error else "HTTP %s" % status)
        return nodes

    def poll(self):
        """One poll: the events of what changed since the last successful one (may raise on failure)."""
        self.polls += 1
        try:
            nodes = self.read()
        except self.transport.CockroachError as exc:
            return self._failed(exc)
        events = self._recovered()
        totals = {"ranges_underreplicated": sum(n["ranges_underreplicated"] for n in nodes.values()),
                  "ranges_unavailable": sum(n["ranges_unavailable"] for n in nodes.values())}
        first = self.state is None
        if first:
            for node in nodes.values():
                node["ready_known"] = node["ready"]
            if self.opts["emit_snapshot"]:
                events.append(self._snapshot(nodes, totals))
        else:
            events.extend(self._diff(self.state, nodes, totals))
        self.state = nodes
        self.totals = totals
        if self.opts["events"]:
            events.extend(self._new_log_entries(first))
        return events

    def _failed(self, exc):
        self.failures += 1
        if self.down_since is None:
            self.down_since = time.time()
        LOG.warning("cannot read the cluster (%d failed poll(s)): %s", self.failures, self.redact(exc.message))
        if self.failures >= self.opts["unreachable_after"] and not self.unreachable_sent:
            self.unreachable_sent = True
            message = self.redact(exc.message)
            reason = self.gate.short_error(message) if exc.status is None else "HTTP %s" % exc.status
            return [{"type": "cluster_unreachable", "reason": reason, "error": message, "error_kind": exc.kind,
                     "status": exc.status, "failed_polls": self.failures, "cluster_urls": list(self.urls)}]
        return []

    def _recovered(self):
        events = []
        if self.unreachable_sent:
            events.append({"type": "cluster_reachable", "failed_polls": self.failures,
                           "down_seconds": round(time.time() - self.down_since, 3),
                           "cluster_url": self.urls[self.index]})
        self.failures = 0
        self.down_since = None
        self.unreachable_sent = False
        return events

    def next_delay(self):
        """Seconds until the next poll: ``interval``, or the capped jittered backoff after failures."""
        if not self.failures:
            return self.opts["interval"]
        return max(self.opts["interval"], self.backoff.delay(self.failures - 1))

    @staticmethod
    def _snapshot(nodes, totals):
        rows = [{"node_id": n["node_id"], "liveness": n["liveness"], "ready": n["ready"], "build_tag": n["build_tag"],
                 "ranges_underreplicated": n["ranges_underreplicated"],
                 "ranges_unavailable": n["ranges_unavailable"]} for _nid, n in sorted(nodes.items())]
        event = {"type": "cluster_snapshot", "nodes": rows}
        event.update(totals)
        return event

    def _diff(self, old, new, totals):
        events = []
        for nid in sorted(set(old) | set(new)):
            before, after = old.get(nid), new.get(nid)
            if before is None:
                events.append({"type": "node_added", "node_id": nid, "liveness": after["liveness"],
                               "build_tag": after["build_tag"]})
                after["ready_known"] = after["ready"]
                continue
            if after is None:
                events.append({"type": "node_removed", "node_id": nid, "liveness": before["liveness"],
                               "build_tag": before["build_tag"]})
                continue
            if before["liveness_status"] != after["liveness_status"]:
                events.append({"type": "node_liveness_changed", "node_id": nid, "before": before["liveness"],
                               "after": after["liveness"], "before_status": before["liveness_status"],
                               "after_status": after["liveness_status"]})
            known = before.get("ready_known")
            if after["ready"] is None:
                after["ready_known"] = known      # no definite answer this time: keep what was known
            else:
                after["ready_known"] = after["ready"]
                if known is not None and known != after["ready"]:
                    events.append({"type": "node_readiness_changed", "node_id": nid, "before": known,
                                   "after": after["ready"], "status": after["status"], "reason": after["reason"]})
            if before["build_tag"] != after["build_tag"] and after["build_tag"]:
                events.append({"type": "node_build_changed", "node_id": nid, "before": before["build_tag"],
                               "after": after["build_tag"], "version": after["version"]})
        for key, slot in (("ranges_underreplicated", 0), ("ranges_unavailable", 1)):
            was, now = self.totals[key], totals[key]
            if bool(was) == bool(now):
                continue
            events.append({
                "type": key, "state": "appeared" if now else "cleared", "before": was, "after": now,
                "nodes": {str(nid): n[key] for nid, n in sorted(new.items()) if n[key]},
                "stores": {sid: counts[slot] for n in new.values() for sid, counts in sorted(n["stores"].items())
                           if counts[slot]}})
        return events

    # -- /api/v2/events/ ---------------------------------------------------------------------------
    def _new_log_entries(self, first):
        try:
            return self._read_log(first)
        except self.transport.CockroachError as exc:
            LOG.warning("cannot read /api/v2/events/ this time (tried again next poll): %s",
                        self.redact(exc.message))
            return []

    def _read_log(self, first):
        lookback = int(self.opts["events_lookback"] * 1e9)
        since = rfc3339_ns(self.opts["events_since"]) if first and self.opts["events_since"] else None
        floor = self.event_mark - lookback if self.event_mark is not None else None
        want = EVENTS_PAGE
        while True:
            entries = self.call(lambda cli: cli.list_events(max_items=want))
            if floor is None and entries:
                newest = rfc3339_ns(entries[0].get("timestamp"))
                floor = newest - lookback if newest is not None else None
            if since is not None and floor is not None:
                floor = min(floor, since)
            oldest = rfc3339_ns(entries[-1].get("timestamp")) if entries else None
            if len(entries) < want or floor is None or (oldest is not None and oldest < floor) or want >= EVENTS_MAX:
                break
            want = min(EVENTS_MAX, want * 4)
        fresh = []
        for entry in entries:
            stamp = rfc3339_ns(entry.get("timestamp"))
            if stamp is None or stamp < (floor or 0):
                continue
            uid = entry.get("unique_id") or "%s/%s/%s" % (entry.get("timestamp"), entry.get("event_type"),
                                                          entry.get("reporting_id"))
            if uid in self.event_ids:
                continue
            self.event_ids[uid] = stamp
            # the first poll is the baseline: what exists at the start is not news (unless newer than events_since)
            if not first or (since is not None and stamp > since):
                fresh.append((stamp, entry))
            if self.event_mark is None or stamp > self.event_mark:
                self.event_mark = stamp
        if self.event_mark is not None:
            keep = self.event_mark - lookback
            self.event_ids = {u: s for u, s in self.event_ids.items() if s >= keep}
        events = []
        for _stamp, entry in sorted(fresh, key=lambda item: item[0]):
            item = self.norm.normalize_event(entry)
            events.append({"type": "cluster_event", "event_type": item.get("event_type"),
                           "timestamp": item.get("timestamp"), "reporting_id": item.get("reporting_id"),
                           "unique_id": item.get("unique_id"), "info": item.get("info")})
        return events

    def close(self):
        """Log out the session this source logged in (once), close every HTTP session."""
        if self.owns_token and self.token and self.clients:
            try:
                self.client(self.index).logout()
            except self.transport.CockroachError as exc:
                LOG.info("logout failed: %s", self.redact(exc.message))
        self.token = None
        for cli in self.clients.values():
            cli.owns_token = False
            cli.close()


async def main(queue, args):
    """The ansible-rulebook entry point: poll forever, one event per change on ``queue``."""
    opts = parse_args(args)
    loop = asyncio.get_running_loop()
    # one thread for every call of the watcher, in order: when the source is cancelled during a poll, the poll goes
    # on in that thread and the logout queues behind it (in a second thread it could log the session out under the
    # poll, whose 401 would then log in again)
    worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="cluster_events")
    try:
        watcher = await loop.run_in_executor(worker, ClusterWatcher, opts)
        try:
            while True:
                events = await loop.run_in_executor(worker, watcher.poll)
                for event in events:
                    await queue.put(event)
                await asyncio.sleep(watcher.next_delay())
        finally:
            await loop.run_in_executor(worker, watcher.close)
    finally:
        worker.shutdown(wait=False)


if __name__ == "__main__":

    class _PrintQueue:
        """``python cluster_events.py``: print the events (COCKROACH_CLUSTER_* from the environment)."""

        async def put(self, event):
            print(event, flush=True)

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_PrintQueue(), {"interval": float(os.environ.get("INTERVAL", "5"))}))
