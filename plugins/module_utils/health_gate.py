# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The health gate's I/O: read the node list (failing over to another node), probe every node's
readiness, feed both to :func:`health.evaluate`, and poll until healthy or the deadline.

Kept apart from :mod:`health` so that the verdict stays a pure function.

Transient errors are not verdicts. A 429, a 503 or 504 that carries no readiness answer, a reset or a
timeout is asked again (``retries`` of the connection, jittered backoff, ``Retry-After`` honoured, never past
the wait's deadline) and, when every attempt fails so, reported as "could not be probed", not as "not
ready". The readiness endpoint's own "not ready" (500, reference 5.1) cannot be told apart from an
internal error on the wire, so a single evaluation (no wait) confirms it with the same attempts (one 200
among them is ready); while waiting, the next poll confirms it.
A refused connection (the process is down) and the proxy's 502 (target down) are answers, asked once.

Fresh records (``expect["fresh_records"]``): after a restart (``started_after``) the verdict judges every live
node's ``updated_at`` against the restarted nodes' new ``started_at`` (:func:`health.freshness`); otherwise,
while waiting, against the record each node had at the gate's first poll (or ``fresh_after``), so that only
node clocks are compared with node clocks. A single evaluation (no wait) without either has nothing to
compare with: it reports each record's age and does not judge it.
"""

import math
import time

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster import API_PREFIX
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import ClusterConnection
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.health import evaluate, short_error
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    AuthError,
    ClientError,
    CockroachError,
    RetryPolicy,
)

try:
    from concurrent.futures import ThreadPoolExecutor
except ImportError:  # pragma: no cover - Python 3 always has it
    ThreadPoolExecutor = None


# Upper bounds of the gate's own numbers: a wait of more than a day is a typo (and outlives any task timeout).
MAX_WAIT = 86400.0
MAX_INTERVAL = 3600.0
MAX_PROBE_TIMEOUT = 300.0
MAX_NODES = 10000


def number_errors(params, name, low, high, low_inclusive=True, unit="seconds"):
    """The message (as a list) for option ``name`` when it is not a finite number within [low, high].

    ``nan`` passes every ``<``/``>`` test and ``inf`` never ends a wait, so both are refused first.
    """
    value = params.get(name)
    if value is None:
        return []
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ["%s must be a number, got %r" % (name, value)]
    if not math.isfinite(number):
        return ["%s must be a finite number of %s, got %r" % (name, unit, value)]
    if number > high or number < low or (number == low and not low_inclusive):
        return ["%s must be %s %g and at most %g %s, got %r" % (
            name, "at least" if low_inclusive else "more than", low, high, unit, value)]
    return []


def parse_node_urls(value):
    """``node_urls`` as given -> ``{node_id: base_url}``.

    A list maps its i-th URL to node id i+1 (the order of a fresh cluster and of the emulator's
    ready file); a dict maps node ids (ints or digit strings) to URLs explicitly.
    """
    if value is None or value == "" or value == [] or value == {}:
        return {}
    result = {}
    if isinstance(value, dict):
        for key, url in value.items():
            try:
                nid = int(key)
            except (TypeError, ValueError):
                raise ValueError("node_urls: %r is not a node id; use a list of URLs or a dict {node_id: url}" % (key,))
            result[nid] = url
    elif isinstance(value, (list, tuple)):
        for index, url in enumerate(value):
            result[index + 1] = url
    else:
        raise ValueError("node_urls must be a list of base URLs (node 1 first) or a dict {node_id: url}")
    for nid, url in result.items():
        if not isinstance(url, str) or not (url.startswith("http://") or url.startswith("https://")):
            raise ValueError("node_urls: the URL of node %s must start with http:// or https://, got %r" % (nid, url))
        if API_PREFIX in url:
            raise ValueError("node_urls: give node base URLs without %s, got %r" % (API_PREFIX, url))
        result[nid] = url.rstrip("/")
    return result


# Answers of no-answer kind that say something definite about the node (asked once).
DEFINITE_NO_ANSWER = ("connection refused", "unknown host", "TLS certificate not trusted")


def probe_kind(status, error, proxied=False):
    """What one readiness probe answer means for the gate.

    ``ready`` (200); ``not_ready`` (500, the v2 readiness answer, or a v1-style 503 carrying the
    readiness error code 14); ``down`` (connection refused, unknown host, untrusted TLS; the proxy's 502
    for a proxied probe); ``transient`` (429, 502/503/504 without a readiness answer, other 5xx, resets,
    timeouts); ``answer`` (any other status, such as a 400: definite, reported as it is).
    """
    if status == 200:
        return "ready"
    if status is None:
        return "down" if short_error(error) in DEFINITE_NO_ANSWER else "transient"
    if status == 500:
        return "not_ready"
    if status == 502 and proxied:
        return "down"
    if status == 503 and '"code":14' in (error or "").replace(" ", ""):
        return "not_ready"
    if status == 429 or status >= 500:
        return "transient"
    return "answer"


def transient_error(exc):
    """Whether a failed node-list read is worth another round (no answer other than a definite one, 429, 5xx)."""
    if exc.status is None:
        return short_error(exc.message) not in DEFINITE_NO_ANSWER
    return exc.status == 429 or exc.status >= 500


class GateRetryPolicy(RetryPolicy):
    """The transport's policy for the gate's clients: only ``statuses`` (and 429, for every method) are
    retried, ``Retry-After`` is honoured, and no retry ever sleeps past the gate's deadline."""

    def __init__(self, gate, statuses, retries):
        super().__init__(retries=retries, base=0.2, cap=2.0, max_retry_after=10.0)
        self.gate = gate
        self.statuses = frozenset(statuses)

    def should_retry(self, attempt, method, status, idempotent):
        if attempt >= self.retries or self.gate.time_left() <= 0:
            return False
        if status == 429:
            return True
        return bool(idempotent) and status in self.statuses

    def delay(self, attempt, retry_after=None):
        return max(0.0, min(super().delay(attempt, retry_after), self.gate.time_left()))


class HealthGate:
    """Polls one cluster. ``conn`` holds the Cluster API connection options of the modules (their params);
    bad ones raise ValueError worded as the modules word them."""

    def __init__(self, conn, node_urls=None, expect=None, probe_timeout=2.0, clock=time.monotonic, sleep=time.sleep,
                 wall=time.time):
        self.connection = ClusterConnection.from_params(conn).check()
        self.node_urls = parse_node_urls(node_urls)
        self.expect = dict(expect or {})
        self.probe_timeout = float(probe_timeout)
        self.clock = clock
        self.sleep = sleep
        self.wall = wall
        # fresh records: each node's updated_at at first sight (the gate's start), when waiting without a restart
        self.baseline = {}
        self.track_baseline = False
        endpoints = [self.connection["cluster_url"].rstrip("/")]
        for nid in sorted(self.node_urls):
            if self.node_urls[nid] not in endpoints:
                endpoints.append(self.node_urls[nid])
        self.endpoints = endpoints
        self.api_index = 0
        self.api_clients = {}
        self.probe_clients = {}
        self.token = self.connection.get("session")
        self.failovers = 0
        self.polls = 0
        # transient failures: how often to ask again, how long to pause, until when (None: no wait deadline)
        self.retries = max(0, int(self.connection.get("retries", 3)))
        self.backoff = RetryPolicy(retries=self.retries, base=0.2, cap=2.0, max_retry_after=10.0)
        self.deadline = None
        self.retried = 0

    # -- clients ------------------------------------------------------------------------------
    def _client(self, url, timeout, retry, session=None):
        """A client of the node at ``url`` from the one connection object, with the gate's retry policy."""
        return self.connection.client(url, session=session, timeout=timeout, retry=retry,
                                      clock=self.clock, sleep=self.sleep)

    def api_client(self, index):
        url = self.endpoints[index]
        client = self.api_clients.get(url)
        if client is None:
            # one login for the whole run: later endpoints reuse the token (valid on every node).
            # Answers with a status are retried here; no answer fails over to the next node at once.
            retry = GateRetryPolicy(self, (500, 502, 503, 504), self.retries)
            client = self._client(url, min(float(self.connection.get("timeout", 30.0)), 10.0), retry,
                                  session=self.token)
            self.api_clients[url] = client
        return client

    def probe_client(self, url):
        client = self.probe_clients.get(url)
        if client is None:
            # the transport waits out a 429's Retry-After; every other answer comes back to _probe
            client = self._client(url, self.probe_timeout, GateRetryPolicy(self, (), self.retries))
            self.probe_clients[url] = client
        return client

    def time_left(self):
        """Seconds until the wait's deadline (unbounded without one)."""
        if self.deadline is None:
            return float("inf")
        return self.deadline - self.clock()

    def pause(self, attempt, retry_after=None):
        """Sleep before asking again after a transient failure; False when the deadline leaves no time."""
        left = self.time_left()
        if left <= 0:
            return False
        self.sleep(max(0.0, min(self.backoff.delay(attempt, retry_after), left)))
        self.retried += 1
        return True

    @property
    def request_count(self):
        clients = list(self.api_clients.values()) + list(self.probe_clients.values())
        return sum(c.request_count for c in clients)

    # -- one poll -----------------------------------------------------------------------------
    def read_nodes(self):
        """All pages of the node list from the current node, failing over to the next endpoint.

        Returns ``(nodes or None, error text or None)``. Authentication and request errors are raised:
        another node would answer the same.
        """
        errors = []
        for attempt in range(1 + self.retries):
            errors = []
            transient = False
            for step in range(len(self.endpoints)):
                index = (self.api_index + step) % len(self.endpoints)
                client = self.api_client(index)
                if self.token and not client.token:
                    client.token = self.token
                try:
                    nodes = client.list_nodes()
                except (AuthError, ClientError):
                    raise
                except CockroachError as exc:
                    errors.append("%s: %s" % (self.endpoints[index], exc.message))
                    transient = transient or transient_error(exc)
                    if client.token and not self.token:
                        self.token = client.token  # logged in before the read failed: one login per run
                    continue
                if client.token and not self.token:
                    self.token = client.token
                if index != self.api_index:
                    self.failovers += 1
                    self.api_index = index
                return nodes, None
            # every node failed; another round only when some failure was transient
            if not transient or attempt == self.retries or not self.pause(attempt):
                break
        return None, "; ".join(errors)

    def targets(self, nodes):
        """``{node_id: (url, via_node_id)}``: direct probes for given URLs, else through the API node's proxy."""
        ids = set(self.node_urls)
        for node in nodes or []:
            try:
                if int(node.get("liveness_status") or 0) != 5:
                    ids.add(int(node["node_id"]))
            except (TypeError, ValueError, KeyError):
                continue
        result = {}
        for nid in sorted(ids):
            if nid in self.node_urls:
                result[nid] = (self.node_urls[nid], None)
            else:
                result[nid] = (self.endpoints[self.api_index], nid)
        return result

    def _probe(self, item):
        """One node's readiness: asked again after a transient answer (and, in one evaluation, after a 500)."""
        nid, (url, via) = item
        if via is None:
            client, shown, params = self.probe_client(url), url, {}
        else:
            client = self.api_clients.get(url) or self.probe_client(url)
            shown, params = "%s (proxy to node %s)" % (url, via), {"remote_node_id": via}
        not_ready = None
        attempts = 0
        while True:
            status, ready, error = client.probe_readiness(**params)
            attempts += 1
            kind = probe_kind(status, error, proxied=via is not None)
            if kind == "not_ready":
                not_ready = (status, error)
            if kind not in ("not_ready", "transient") or status == 429:
                break  # an answer; (a 429 reaches here only after the transport waited out its Retry-After)
            if kind == "not_ready" and self.deadline is not None:
                break  # while waiting, the next poll confirms it (a node coming up stays one probe per poll)
            if attempts > self.retries or not self.pause(attempts - 1):
                break
        if kind == "transient" and not_ready is not None:
            kind, (status, error) = "not_ready", not_ready  # the readiness answer outweighs a later hiccup
        return nid, {"url": shown, "status": status, "ready": kind == "ready", "error": None if kind == "ready"
                     else error, "transient": kind == "transient", "attempts": attempts}

    def probe(self, targets):
        items = sorted(targets.items())
        direct = [i for i in items if i[1][1] is None]
        proxied = [i for i in items if i[1][1] is not None]
        results = {}
        if ThreadPoolExecutor is not None and len(direct) > 1:
            with ThreadPoolExecutor(max_workers=min(16, len(direct))) as pool:
                for nid, probe in pool.map(self._probe, direct):
                    results[nid] = probe
        else:
            for item in direct:
                nid, probe = self._probe(item)
                results[nid] = probe
        for item in proxied:
            nid, probe = self._probe(item)
            results[nid] = probe
        return results

    def poll(self, streak=0):
        nodes, error = self.read_nodes()
        probes = self.probe(self.targets(nodes))
        expect = dict(self.expect)
        if error:
            expect["node_list_error"] = error
        expect["now"] = self.wall()
        if expect.get("fresh_records") and not expect.get("started_after"):
            given = {int(k): int(v) for k, v in (expect.get("fresh_after") or {}).items()}
            if self.track_baseline:
                for node in nodes or []:
                    try:
                        nid = int(node["node_id"])
                    except (TypeError, ValueError, KeyError):
                        continue
                    if nid not in given and nid not in self.baseline:
                        try:
                            self.baseline[nid] = int(node.get("updated_at") or 0)
                        except (TypeError, ValueError):
                            self.baseline[nid] = 0
            merged = dict(self.baseline)
            merged.update(given)
            expect["fresh_after"] = merged
        self.polls += 1
        verdict = evaluate(nodes, probes, expect, streak=streak)
        verdict["api_url"] = self.endpoints[self.api_index] if nodes is not None else None
        return verdict

    # -- the wait -------------------------------------------------------------------------------
    def run(self, wait=False, timeout=300.0, interval=0.5, on_poll=None):
        """Poll until healthy; without ``wait`` stop at the first failing poll (one evaluation).

        ``timeout`` bounds the whole wait; polls start ``interval`` seconds apart. Returns the last
        verdict plus ``waited`` (seconds), ``polls`` and ``requests``.
        """
        start = self.clock()
        deadline = start + float(timeout)
        self.deadline = deadline if wait else None
        self.track_baseline = bool(wait)
        streak = 0
        verdict = None
        while True:
            began = self.clock()
            verdict = self.poll(streak)
            streak = verdict["streak"]
            if on_poll is not None:
                on_poll(verdict)
            if verdict["healthy"]:
                break
            if not wait and not verdict["passed"]:
                break
            next_at = began + float(interval)
            if wait and next_at > deadline:
                break
            self.sleep(max(0.0, next_at - self.clock()))
        verdict["waited"] = round(self.clock() - start, 3)
        verdict["polls"] = self.polls
        verdict["requests"] = self.request_count
        verdict["failovers"] = self.failovers
        verdict["retried"] = self.retried
        return verdict

    def close(self):
        """Log out once (through whichever node still answers), then close every connection."""
        owner = None
        for client in self.api_clients.values():
            if client.owns_token and client.token:
                owner = client
        if owner is not None:
            token = owner.token
            order = [owner] + [c for c in self.api_clients.values() if c is not owner]
            for client in order:
                try:
                    client.logout(token)
                    break
                except CockroachError:
                    continue
            owner.owns_token = False
            owner.token = None
        for client in list(self.api_clients.values()) + list(self.probe_clients.values()):
            client.owns_token = False
            client.close()
