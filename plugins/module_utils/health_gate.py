# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The health gate's I/O: read the node list (failing over to another node), probe every node's
readiness, feed both to :func:`health.evaluate`, and poll until healthy or the deadline.

Kept apart from :mod:`health` so that the verdict stays a pure function.
"""

import math
import time

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster import API_PREFIX
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import ClusterConnection
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.health import evaluate
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


class HealthGate:
    """Polls one cluster. ``conn`` holds the Cluster API connection options of the modules (their params);
    bad ones raise ValueError worded as the modules word them."""

    def __init__(self, conn, node_urls=None, expect=None, probe_timeout=2.0, clock=time.monotonic, sleep=time.sleep):
        self.connection = ClusterConnection.from_params(conn).check()
        self.node_urls = parse_node_urls(node_urls)
        self.expect = dict(expect or {})
        self.probe_timeout = float(probe_timeout)
        self.clock = clock
        self.sleep = sleep
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

    # -- clients ------------------------------------------------------------------------------
    def _client(self, url, timeout, session=None):
        """A client of the node at ``url`` from the one connection object: no retries (the poll loop retries)."""
        return self.connection.client(url, session=session, timeout=timeout, retry=RetryPolicy(retries=0),
                                      clock=self.clock, sleep=self.sleep)

    def api_client(self, index):
        url = self.endpoints[index]
        client = self.api_clients.get(url)
        if client is None:
            # one login for the whole run: later endpoints reuse the token (valid on every node)
            client = self._client(url, min(float(self.connection.get("timeout", 30.0)), 10.0), session=self.token)
            self.api_clients[url] = client
        return client

    def probe_client(self, url):
        client = self.probe_clients.get(url)
        if client is None:
            client = self._client(url, self.probe_timeout)
            self.probe_clients[url] = client
        return client

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
                continue
            if client.token and not self.token:
                self.token = client.token
            if index != self.api_index:
                self.failovers += 1
                self.api_index = index
            return nodes, None
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
        nid, (url, via) = item
        if via is None:
            status, ready, error = self.probe_client(url).probe_readiness()
            shown = url
        else:
            client = self.api_clients.get(url) or self.probe_client(url)
            status, ready, error = client.probe_readiness(remote_node_id=via)
            shown = "%s (proxy to node %s)" % (url, via)
        return nid, {"url": shown, "status": status, "ready": ready, "error": error if not ready else None}

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
