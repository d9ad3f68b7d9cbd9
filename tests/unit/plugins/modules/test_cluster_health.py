# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_health and its HealthGate against an in-process fake cluster of several nodes and a fake clock."""

import functools
import json
from urllib.parse import urlparse

import pytest
import requests

from ansible.module_utils.testing import patch_module_args

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.fake_http import FakeResponse as Resp
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import health_gate
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_health

PASSWORD = "s3cret-Passw0rd"
TOKEN = "CIGAiPis4fj3CBIQ3u0rRQJ3tD8yIqee4hipow=="
URLS = ["http://n%d:8080" % i for i in range(1, 6)]


class Clock:
    def __init__(self):
        self.now = 1000.0
        self.hooks = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += max(0.0, seconds)
        for at, func in list(self.hooks):
            if self.now >= at:
                self.hooks.remove((at, func))
                func()


class FakeCluster:
    """Five nodes n1..n5 sharing one state; a node in ``down`` refuses connections."""

    def __init__(self, n=5):
        self.nodes = dict((i, {"node_id": i, "address": {"address_field": "n%d:26257" % i}, "build_tag": "v25.4.1",
                               "started_at": 100, "liveness_status": 3,
                               "locality": {"tiers": [{"key": "zone", "value": "z%d" % (i % 3)}]},
                               "store_metrics": {str(i): {"ranges.underreplicated": 0, "ranges.unavailable": 0}}})
                          for i in range(1, n + 1))
        self.down = set()
        self.unready = set()
        self.calls = []
        self.logins = 0
        self.logouts = 0

    def session(self):
        return FakeSession(self)

    def answer(self, method, url, kw):
        parsed = urlparse(url)
        host = int(parsed.hostname[1:])
        path = parsed.path
        params = dict(kw.get("params") or {})
        self.calls.append((host, method, path, params))
        if host in self.down:
            raise requests.exceptions.ConnectionError("[Errno 111] Connection refused")
        if path == "/api/v2/login/":
            if (kw.get("data") or {}).get("password") != PASSWORD:
                return Resp(401, text="the provided credentials did not match any account on the server\n")
            self.logins += 1
            return Resp(200, {"session": TOKEN})
        if path == "/api/v2/logout/":
            self.logouts += 1
            return Resp(200, {"logged_out": True})
        if path == "/api/v2/health/":
            target = int(params.get("remote_node_id") or host)
            if target in self.down:
                return Resp(502, text="proxy error\n")
            if target in self.unready:
                return Resp(500, text="An internal server error has occurred.\n")
            return Resp(200, {})
        if (kw.get("headers") or {}).get("X-Cockroach-API-Session") != TOKEN:
            return Resp(401, text="the provided authentication session could not be validated\n")
        if path == "/api/v2/nodes/":
            nodes = [self.nodes[i] for i in sorted(self.nodes)]
            off, limit = int(params.get("offset", 0)), int(params.get("limit", 100))
            body = {"nodes": nodes[off:off + limit] or None}
            if off + limit < len(nodes):
                body["next"] = off + limit
            return Resp(200, body)
        return Resp(404, text="404 page not found\n")

    def paths(self, host=None):
        return [c[2] for c in self.calls if host is None or c[0] == host]


class FakeSession:
    def __init__(self, cluster):
        self.cluster = cluster

    def request(self, method, url, **kw):
        return self.cluster.answer(method, url, kw)

    def close(self):
        pass


@pytest.fixture
def cluster(monkeypatch):
    fake = FakeCluster()
    clock = Clock()
    fake.clock = clock
    gate_cls = health_gate.HealthGate
    monkeypatch.setattr(cluster_health, "HealthGate", functools.partial(
        gate_cls, http_session_factory=fake.session, clock=clock, sleep=clock.sleep))
    return fake


def run_module(args, capsys):
    base = {"cluster_url": URLS[0], "username": "root", "password": PASSWORD}
    base.update(args)
    with patch_module_args(base):
        with pytest.raises(SystemExit):
            cluster_health.main()
    out = capsys.readouterr().out
    assert PASSWORD not in out and TOKEN not in out
    return json.loads(out)


def test_healthy_once_with_node_urls(cluster, capsys):
    res = run_module({"node_urls": URLS, "expected_nodes": 5, "same_build": True}, capsys)
    assert res["healthy"] is True and res["reasons"] == [] and res["changed"] is False
    assert res["polls"] == 1 and res["waited"] == 0
    assert [n["url"] for n in res["nodes"]] == URLS
    # one login, one node list, one probe per node, one logout
    assert cluster.paths().count("/api/v2/nodes/") == 1 and cluster.paths().count("/api/v2/health/") == 5
    assert cluster.logins == 1 and cluster.logouts == 1
    assert res["requests"] == 7


def test_proxy_probes_without_node_urls(cluster, capsys):
    cluster.down.add(4)
    res = run_module({"fail_on_unhealthy": False}, capsys)
    assert res["healthy"] is False
    assert "node 4 is down: the proxy answered 502 for it (http://n1:8080 (proxy to node 4))" in res["reasons"]
    assert all(c[0] == 1 for c in cluster.calls)


def test_stability_window_takes_consecutive_polls(cluster, capsys):
    res = run_module({"node_urls": URLS, "stable_checks": 3, "interval": 0.25}, capsys)
    assert res["healthy"] and res["polls"] == 3 and res["streak"] == 3
    assert res["waited"] == pytest.approx(0.5)


def test_failure_lists_every_reason_and_fails(cluster, capsys):
    cluster.down.add(3)
    cluster.nodes[3]["liveness_status"] = 2
    cluster.nodes[2]["store_metrics"] = {"2": {"ranges.underreplicated": 4}, "9": {"ranges.unavailable": 1}}
    res = run_module({"node_urls": URLS, "expected_nodes": 6}, capsys)
    assert res["failed"] is True and res["healthy"] is False
    assert res["msg"].startswith("the cluster is not healthy: ")
    for text in ("node 3 is down: http://n3:8080 did not answer (connection refused)",
                 "node 3 is SUSPECT (liveness_status 2)", "4 under-replicated range(s) in the cluster (node 2: 4)",
                 "1 unavailable range(s) in the cluster (node 2: 1)", "6 expected"):
        assert text in res["msg"]
    assert len(res["reasons"]) == 5


def test_wait_until_node_comes_back(cluster, capsys):
    cluster.unready.add(2)
    cluster.clock.hooks.append((1003.0, lambda: cluster.unready.discard(2)))
    res = run_module({"node_urls": URLS, "wait": True, "wait_timeout": 30, "interval": 0.5, "stable_checks": 2}, capsys)
    assert res["healthy"] is True
    assert 3.0 <= res["waited"] <= 4.0
    # a poll every 0.5 s: one node list + 5 probes per poll
    assert res["polls"] == pytest.approx(res["waited"] / 0.5 + 1, abs=1)


def test_wait_times_out_with_reason(cluster, capsys):
    cluster.unready.add(5)
    res = run_module({"node_urls": URLS, "wait": True, "wait_timeout": 5, "interval": 1}, capsys)
    assert res["failed"] is True and not res["healthy"]
    assert res["waited"] <= 5
    assert "after waiting" in res["msg"] and "node 5 is not ready" in res["msg"]


def test_node_list_fails_over_when_login_node_is_down(cluster, capsys):
    cluster.down.add(1)
    res = run_module({"node_urls": URLS, "fail_on_unhealthy": False}, capsys)
    assert res["api_url"] == "http://n2:8080" and res["failovers"] == 1
    assert res["reasons"] == ["node 1 is down: http://n1:8080 did not answer (connection refused)"]
    assert cluster.logins == 1 and cluster.logouts == 1
    assert "/api/v2/nodes/" in cluster.paths(2)


def test_session_token_no_login(cluster, capsys):
    res = run_module({"session": TOKEN, "username": None, "password": None, "node_urls": URLS}, capsys)
    assert res["healthy"] and cluster.logins == 0 and cluster.logouts == 0


def test_started_after(cluster, capsys):
    res = run_module({"node_urls": URLS, "started_after": {"3": 100}, "fail_on_unhealthy": False}, capsys)
    assert res["reasons"] == ["node 3 has not restarted yet (its started_at is not newer than 100)"]


@pytest.mark.parametrize("args,text", [
    ({"node_urls": ["n1:8080"]}, "must start with http:// or https://"),
    ({"node_urls": {"one": "http://n1:8080"}}, "is not a node id"),
    ({"node_urls": "http://n1:8080"}, "node_urls must be a list"),
    ({"interval": 0}, "interval must be more than 0"),
    ({"stable_checks": 0}, "stable_checks must be 1 or more"),
    ({"expected_nodes": 0}, "expected_nodes must be 1 or more"),
    ({"min_free_storage": 120}, "min_free_storage is a percentage"),
    ({"started_after": {"3": "soon"}}, "started_after maps node ids"),
])
def test_bad_input_no_request(cluster, capsys, args, text):
    res = run_module(args, capsys)
    assert res["failed"] is True and text in res["msg"]
    assert cluster.calls == []


def test_wrong_password_no_secret(cluster, capsys):
    res = run_module({"password": "wrong-" + PASSWORD, "node_urls": URLS}, capsys)
    assert res["failed"] is True and "login as 'root' failed" in res["msg"]
    assert "wrong-" + PASSWORD not in json.dumps(res)
