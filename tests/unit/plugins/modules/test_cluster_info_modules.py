# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Cluster API v2 modules against an in-process fake node: results, request counts, bad input, no secrets."""

import json
from urllib.parse import urlparse

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.fake_http import FakeResponse as Resp
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import module_base as common
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster import ClusterClient
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import (
    cluster_health_info,
    cluster_nodes_info,
    cluster_session,
    db_grants_info,
    hot_ranges_info,
)

PASSWORD = "s3cret-Passw0rd"
TOKEN = "CIGAiPis4fj3CBIQ3u0rRQJ3tD8yIqee4hipow=="


class FakeNode:
    """Answers like a CockroachDB node, with the pagination rules of each endpoint."""

    def __init__(self, nodes=5, hot=23, grants=7):
        self.calls = []
        self.nodes = [{"node_id": i, "address": {"address_field": "n%d:26257" % i},
                       "sql_address": {"address_field": "n%d:26257" % i},
                       "locality": {"tiers": [{"key": "region", "value": "r%d" % (i % 2)}]},
                       "ServerVersion": {"major_val": 25, "minor_val": 4}, "build_tag": "v25.4.1",
                       "started_at": 1763800000000000000, "updated_at": 1763800000000000000,
                       "store_metrics": {str(i): {"ranges.underreplicated": i % 2, "ranges.unavailable": 0}},
                       "liveness_status": 6 if i == 2 else 3} for i in range(1, nodes + 1)]
        self.hot = [{"range_id": r, "node_id": r % nodes + 1, "qps": float((r * 37) % 101),
                     "databases": ["movr" if r % 3 else "bank"], "tables": ["rides"], "replica_node_ids": [1, 2, 3]}
                    for r in range(1, hot + 1)]
        self.grants = [{"user": "u%d" % (i // 2), "privileges": ["P%d" % i]} for i in range(grants)]
        self.ready = True

    def request(self, method, url, **kw):
        path = urlparse(url).path
        params = dict(kw.get("params") or {})
        headers = kw.get("headers") or {}
        self.calls.append((method, path, params))
        if path == "/api/v2/login/":
            if (kw.get("data") or {}).get("password") != PASSWORD:
                return Resp(401, text="the provided credentials did not match any account on the server\n")
            return Resp(200, {"session": TOKEN})
        if path == "/api/v2/logout/":
            return Resp(200, {"logged_out": True})
        if path == "/api/v2/health/":
            return Resp(200, {}) if self.ready else Resp(500, text="An internal server error has occurred.\n")
        if headers.get("X-Cockroach-API-Session") != TOKEN:
            return Resp(401, text="the provided authentication session could not be validated\n")
        limit = int(params.get("limit", 0))
        if path == "/api/v2/nodes/":
            off = int(params.get("offset", 0))
            body = {"nodes": self.nodes[off:off + limit] or None}
            if off + limit < len(self.nodes):
                body["next"] = off + limit
            return Resp(200, body)
        if path == "/api/v2/ranges/hot/":
            start = int(params.get("start") or 0)
            page = self.hot[start:start + limit]
            return Resp(200, {"ranges": page or None, "next": str(start + len(page))})
        if path == "/api/v2/databases/movr/grants/":
            off = int(params.get("offset", 0))
            page = self.grants[off:off + limit]
            body = {"grants": page or None}
            if len(page) >= limit:
                body["next"] = off + len(page)
            return Resp(200, body)
        if path.startswith("/api/v2/databases/"):
            return Resp(404, text="database not found\n")
        return Resp(404, text="404 page not found\n")

    def close(self):
        pass

    def paths(self):
        return [c[1] for c in self.calls]


@pytest.fixture
def node(monkeypatch):
    fake = FakeNode()

    def make_client(self):
        return self.connection.client(http_session=fake, sleep=lambda s: None)
    monkeypatch.setattr(common.ClusterModule, "make_client", make_client)
    return fake


def run_module(mod, args, capsys):
    base = {"cluster_url": "http://n1:8080", "username": "root", "password": PASSWORD}
    base.update(args)
    with patch_module_args(base):
        with pytest.raises(SystemExit):
            mod.main()
    out = capsys.readouterr().out
    assert PASSWORD not in out
    return json.loads(out)


def test_nodes_info_all_pages_one_login_one_logout(node, capsys):
    res = run_module(cluster_nodes_info, {"page_size": 2}, capsys)
    assert [n["node_id"] for n in res["nodes"]] == [1, 2, 3, 4, 5]
    assert res["nodes"][1]["liveness"] == "draining" and res["nodes"][1]["liveness_status"] == 6
    assert res["summary"]["ranges_underreplicated"] == 3
    assert node.paths() == ["/api/v2/login/"] + ["/api/v2/nodes/"] * 3 + ["/api/v2/logout/"]
    assert res["changed"] is False


def test_nodes_info_with_session_makes_no_login(node, capsys):
    res = run_module(cluster_nodes_info, {"session": TOKEN, "username": None, "password": None,
                                          "liveness": ["draining"], "node_ids": [1, 2]}, capsys)
    assert [n["node_id"] for n in res["nodes"]] == [2]
    assert node.paths() == ["/api/v2/nodes/"]
    assert TOKEN not in json.dumps(res)


def test_nodes_info_bad_liveness_no_request(node, capsys):
    res = run_module(cluster_nodes_info, {"liveness": ["sleepy"]}, capsys)
    assert res["failed"] and "liveness" in res["msg"] and "draining" in res["msg"]
    assert node.calls == []


def test_wrong_password_clear_message_no_secret(node, capsys):
    res = run_module(cluster_nodes_info, {"password": "wrong-" + PASSWORD}, capsys)
    assert res["failed"] and "login as 'root' failed" in res["msg"] and "did not match" in res["msg"]
    assert "wrong-" not in json.dumps(res) and "Traceback" not in json.dumps(res)
    assert node.paths() == ["/api/v2/login/"]


def test_invalid_token_clear_message(node, capsys):
    res = run_module(cluster_nodes_info, {"session": "bm90LWEtdG9rZW4=", "username": None, "password": None}, capsys)
    assert res["failed"] and "session token was rejected" in res["msg"]
    assert "bm90LWEtdG9rZW4=" not in json.dumps(res)


def test_cluster_url_with_api_path_refused(node, capsys):
    res = run_module(cluster_nodes_info, {"cluster_url": "http://n1:8080/api/v2/"}, capsys)
    assert res["failed"] and "without /api/v2" in res["msg"]
    assert node.calls == []


def test_hot_ranges_sorted_all_pages_and_limit(node, capsys):
    res = run_module(hot_ranges_info, {"limit": 5, "page_size": 10}, capsys)
    qps = [r["qps"] for r in res["ranges"]]
    assert qps == sorted((h["qps"] for h in node.hot), reverse=True)[:5]
    assert res["pages"] == 3 and res["total_seen"] == 23
    assert node.paths().count("/api/v2/ranges/hot/") == 3


def test_hot_ranges_filters_and_stop_at_limit(node, capsys):
    res = run_module(hot_ranges_info, {"limit": 3, "page_size": 5, "database": "movr", "min_qps": 10,
                                       "stop_at_limit": True, "node_id": "local"}, capsys)
    assert len(res["ranges"]) == 3
    assert all(r["databases"] == ["movr"] and r["qps"] >= 10 for r in res["ranges"])
    assert res["pages"] < 5
    assert all(c[2].get("node_id") == "local" for c in node.calls if c[1] == "/api/v2/ranges/hot/")


def test_hot_ranges_bad_node_id(node, capsys):
    res = run_module(hot_ranges_info, {"node_id": "two"}, capsys)
    assert res["failed"] and "node_id" in res["msg"] and node.calls == []


def test_db_grants_all_pages_merged(node, capsys):
    res = run_module(db_grants_info, {"database": "movr", "page_size": 3}, capsys)
    assert res["row_count"] == 7
    assert res["grants"][0] == {"user": "u0", "privileges": ["P0", "P1"]}
    assert node.paths().count("/api/v2/databases/movr/grants/") == 3
    raw = run_module(db_grants_info, {"database": "movr", "merge": False, "page_size": 7}, capsys)
    assert len(raw["grants"]) == 7


def test_db_grants_unknown_database_and_unroutable_name(node, capsys):
    res = run_module(db_grants_info, {"database": "nope"}, capsys)
    assert res["failed"] and "'nope' does not exist" in res["msg"] and res["status"] == 404
    node.calls[:] = []
    res = run_module(db_grants_info, {"database": "my-db"}, capsys)
    assert res["failed"] and "letters, digits" in res["msg"] and node.calls == []


def test_session_login_returns_token_and_does_not_log_out(node, capsys):
    res = run_module(cluster_session, {}, capsys)
    assert res["session"] == TOKEN and res["changed"] is False
    assert node.paths() == ["/api/v2/login/"]


def test_session_absent_logs_out_and_check_mode_does_not(node, capsys):
    res = run_module(cluster_session, {"state": "absent", "session": TOKEN, "username": None, "password": None,
                                       "_ansible_check_mode": True}, capsys)
    assert res["changed"] is True and res["logged_out"] is False and node.calls == []
    res = run_module(cluster_session, {"state": "absent", "session": TOKEN}, capsys)
    assert res["logged_out"] is True and node.paths() == ["/api/v2/logout/"]


def test_health_info_not_ready_is_not_failure(node, capsys):
    node.ready = False
    res = run_module(cluster_health_info, {"node_id": 2}, capsys)
    assert res["ready"] is False and res["status"] == 500 and res["meaning"].startswith("not ready")
    assert res["liveness"] == "draining" and res["liveness_status"] == 6
    assert "failed" not in res or res["failed"] is False
    health = [c for c in node.calls if c[1] == "/api/v2/health/"]
    assert health[0][2] == {"ready": "true", "remote_node_id": "2"}


def test_health_info_without_node_id_needs_no_login(node, capsys):
    res = run_module(cluster_health_info, {}, capsys)
    assert res["ready"] is True and res["liveness"] is None
    assert node.paths() == ["/api/v2/health/"]


def test_missing_trailing_slash_message():
    fake = FakeNode()
    client = ClusterClient("http://n1:8080", session=TOKEN, http_session=fake)
    with pytest.raises(ValueError):
        client.get("/api/v2/nodes")
    with pytest.raises(Exception) as err:
        client.get("/api/v2/nodez/")
    assert "ending in '/'" in str(err.value)
