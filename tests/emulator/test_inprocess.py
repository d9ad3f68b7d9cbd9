"""The in-process adapter (emulator.inprocess): the emulator's handlers without sockets, behind a requests.Session.

The same request sequence gives the same answers and the same request log entries in-process and
over HTTP; faults, stopped nodes and the clock behave as they do over sockets.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile

import pytest
import requests

from conftest import REPO
from emulator.core import ManualClock
from emulator.inprocess import InProcessEmulator, InProcessSession


def _collection_import(name: str):
    """Import a plugins module of this checkout as ansible_collections.cockroachdb.cockroachdb.<name>."""
    full = "ansible_collections.cockroachdb.cockroachdb." + name
    try:
        return importlib.import_module(full)
    except ImportError:
        pass
    root = tempfile.mkdtemp(prefix="crdb-collection-")
    os.makedirs(os.path.join(root, "ansible_collections", "cockroachdb"))
    os.symlink(REPO, os.path.join(root, "ansible_collections", "cockroachdb", "cockroachdb"))
    sys.path.insert(0, root)
    for mod in [m for m in sys.modules if m == "ansible_collections" or m.startswith("ansible_collections.")]:
        if not getattr(sys.modules[mod], "__file__", None):
            del sys.modules[mod]  # a namespace package cached before the symlink existed
    return importlib.import_module(full)


transport = _collection_import("plugins.module_utils.transport")
cluster = _collection_import("plugins.module_utils.cluster")


@pytest.fixture
def emu():
    return InProcessEmulator(nodes=3, seed=0)


def node_transport(emu, node_id=1, **kw):
    clock = emu.clock
    return transport.Transport(emu.node_url(node_id), session=emu.session(), sleep=clock.sleep, clock=clock.monotonic,
                               error_parser=cluster.cluster_error_parser, **kw)


def cloud_transport(emu, **kw):
    clock = emu.clock
    return transport.Transport(emu.cloud_url, headers={"Authorization": "Bearer " + emu.api_key},
                               session=emu.session(), sleep=clock.sleep, clock=clock.monotonic, **kw)


def test_ready_info_has_the_cli_keys_and_distinct_urls(emu):
    info = emu.ready_info()
    assert set(info) == {"cloud_url", "node_urls", "control_url", "api_key", "admin_user", "admin_password", "ca_cert"}
    urls = [info["cloud_url"], info["control_url"]] + info["node_urls"]
    assert len(set(urls)) == 5 and all(u.startswith("http://127.0.0.1:") for u in urls)
    assert info["ca_cert"] is None and info["api_key"].startswith("CCDB1_")


def test_a_collection_client_logs_in_and_lists_nodes(emu):
    client = cluster.ClusterClient(emu.node_url(2), username=emu.admin_user, password=emu.admin_password,
                                   http_session=emu.session(), sleep=emu.clock.sleep, clock=emu.clock.monotonic)
    client.login()
    answer = client.transport.request("GET", "/api/v2/nodes/", params={"limit": 2},
                                      headers={"X-Cockroach-API-Session": client.token})
    assert [n["node_id"] for n in answer.body["nodes"]] == [1, 2] and answer.body["next"] == 2
    log = emu.requests()
    assert [(e["method"], e["path"], e["status"], e["node_id"]) for e in log] == [
        ("POST", "/api/v2/login/", 200, 2), ("GET", "/api/v2/nodes/", 200, 2)]
    assert log[0]["body"] == {"username": "root", "password": "********"}
    assert log[1]["query"] == {"limit": ["2"]}


def _sequence(session, urls, key, user, password):
    """The same requests, in-process or over HTTP; the answers as (status, content type, body)."""
    out = []
    r = session.post(urls[0] + "/api/v2/login/", data={"username": user, "password": password})
    token = r.json()["session"]
    h = {"X-Cockroach-API-Session": token}
    for url, kw in ((urls[1] + "/api/v2/nodes/?limit=1", {"headers": h}),
                    (urls[1] + "/api/v2/nodes", {"headers": h}),
                    (urls[0] + "/api/v2/health/?ready=true", {}),
                    (urls[0] + "/api/v2/databases/", {}),
                    (urls[2] + "/api/v2/ranges/hot/?node_id=1&per_node_limit=2", {"headers": h})):
        r = session.get(url, **kw)
        out.append((r.status_code, r.headers.get("Content-Type"), r.text if r.status_code != 200 else
                    sorted(r.json()) if r.headers.get("Content-Type") == "application/json" else r.text))
    cloud = {"Authorization": "Bearer " + key}
    for method, path, body in (("GET", "/api/v1/clusters", None), ("POST", "/api/v1/clusters", {"name": "x"}),
                               ("PATCH", "/api/v1/clusters/nope", {}), ("PUT", "/api/v1/clusters", None)):
        r = session.request(method, urls[3] + path, json=body, headers=cloud)
        out.append((r.status_code, r.headers.get("Content-Type"), r.text))
    return out


def _log_view(entries):
    return [{k: v for k, v in e.items() if k not in ("ts", "seq")} for e in entries]


def test_same_answers_and_same_log_as_over_http(fresh_emulator):
    http = fresh_emulator
    emu = InProcessEmulator(nodes=3, seed=0, admin_password=http.ready["admin_password"],
                            api_key=http.ready["api_key"])
    args = ("root", http.ready["admin_password"])
    over_http = _sequence(requests.Session(), http.node_urls + [http.cloud_url], http.ready["api_key"], *args)
    in_process = _sequence(emu.session(), emu.node_urls + [emu.cloud_url], emu.api_key, *args)
    assert in_process == over_http
    assert _log_view(emu.requests()) == _log_view(http.requests())


def test_control_url_and_python_control_are_the_same_handler(emu):
    s = emu.session()
    r = s.post(emu.control_url + "/_emulator/nodes/2/stop")
    assert r.status_code == 200 and r.json()["up"] is False
    assert emu.node(2)["up"] is False
    assert s.get(emu.control_url + "/_emulator/nodes/9").status_code == 404
    assert s.put(emu.control_url + "/_emulator/faults").status_code == 405
    assert emu.requests() == []  # the control API is not logged


def test_stopped_node_refuses_and_a_restart_follows_the_clock(emu):
    emu.stop_node(3)
    with pytest.raises(requests.exceptions.ConnectionError, match="Connection refused"):
        emu.session().get(emu.node_url(3) + "/health")
    assert emu.requests() == []
    emu.start_node(3)
    assert emu.session().get(emu.node_url(3) + "/health").status_code == 200
    emu.restart_node(2, downtime=5)
    assert emu.node(2)["phase"] == "unready"
    emu.clock.sleep(2)
    with pytest.raises(requests.exceptions.ConnectionError):
        emu.session().get(emu.node_url(2) + "/health")
    emu.clock.sleep(5)
    assert emu.session().get(emu.node_url(2) + "/health").status_code == 200


def test_unknown_address_refuses(emu):
    with pytest.raises(requests.exceptions.ConnectionError):
        emu.session().get("http://127.0.0.1:1/api/v2/health/")


def test_fault_rule_is_retried_by_the_transport_on_the_fake_clock(emu):
    emu.fault_rules({"kind": "503", "api": "cloud", "path": "/api/v1/clusters", "count": 2})
    t = cloud_transport(emu)
    answer = t.request("GET", "/api/v1/clusters")
    assert answer.status == 200
    log = emu.requests(api="cloud")
    assert [(e["status"], e["fault"]) for e in log] == [(503, "503"), (503, "503"), (200, None)]
    assert len(emu.clock.sleeps) == 2 and emu.faults.describe()["rules"] == []


def test_reset_after_acts_then_the_answer_is_lost(emu):
    emu.fault_rules({"kind": "reset_after", "method": "POST", "path": "/api/v1/clusters"})
    body = {"name": "lost-answer", "provider": "GCP", "spec": {"serverless": {"regions": ["us-central1"]}}}
    with pytest.raises(requests.exceptions.ConnectionError, match="reset"):
        emu.cloud("POST", "/api/v1/clusters", body)
    assert [c["name"] for c in emu.cloud_state()["clusters"]] == ["lost-answer"]
    entry = emu.requests()[-1]
    assert entry["status"] is None and entry["fault"] == "reset" and entry["body"]["name"] == "lost-answer"


def test_reset_before_does_not_act(emu):
    emu.fault_rules({"kind": "reset_before", "method": "POST", "path": "/api/v1/clusters"})
    body = {"name": "never", "provider": "GCP", "spec": {"serverless": {"regions": ["us-central1"]}}}
    t = cloud_transport(emu)
    with pytest.raises(transport.TransportError, match="dropped"):
        t.request("POST", "/api/v1/clusters", json_body=body)
    assert emu.cloud_state()["clusters"] == []


def test_slow_fault_longer_than_the_read_timeout_times_out_on_the_clock(emu):
    emu.fault_rules({"kind": "slow", "seconds": 12, "api": "cluster"})
    before = emu.clock.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        emu.session().get(emu.node_url(1) + "/health", timeout=(1, 5))
    assert emu.clock.monotonic() - before == 12
    emu.fault_rules({"kind": "slow", "seconds": 2, "api": "cluster"})
    assert emu.session().get(emu.node_url(1) + "/health", timeout=(1, 5)).status_code == 200


def test_head_has_headers_and_no_body(emu):
    r = emu.session().head(emu.node_url(1) + "/api/v2/health/")
    assert r.status_code == 200 and r.content == b"" and r.headers["Content-Length"] != "0"


def test_tls_urls_and_the_plain_http_redirect():
    emu = InProcessEmulator(nodes=1, tls=True)
    assert emu.node_url(1).startswith("https://") and emu.control_url.startswith("http://")
    plain = emu.node_url(1).replace("https://", "http://")
    r = emu.session().get(plain + "/api/v2/health/", allow_redirects=False)
    assert r.status_code == 307 and r.headers["Location"] == emu.node_url(1) + "/api/v2/health/"
    assert emu.session().get(plain + "/api/v2/health/").status_code == 200
    assert emu.session().get(plain + "/health").status_code == 200


def test_large_node_answers_are_gzipped_as_over_http(emu):
    token = emu.login(1)
    r = emu.session().get(emu.node_url(1) + "/api/v2/nodes/", headers={"X-Cockroach-API-Session": token})
    assert r.headers["Content-Encoding"] == "gzip" and r.json()["nodes"]


def test_clock_is_shared_and_reset_takes_back_the_advance():
    clock = ManualClock()
    emu = InProcessEmulator(clock=clock, nodes=1)
    start = clock.monotonic()
    clock.sleep(3)
    emu.advance(10)
    assert clock.monotonic() == start + 13 and emu.state()["clock_offset"] == 10
    emu.reset()
    assert clock.monotonic() == start + 3
    fired = []
    clock.after(5, lambda: fired.append(clock.monotonic()))
    clock.sleep(4)
    assert fired == []
    clock.sleep(4)
    assert fired == [start + 11]


def test_session_looks_like_requests(emu):
    s = emu.session()
    assert isinstance(s, InProcessSession) and "python-requests" in s.headers["User-Agent"]
    with s:
        r = s.get(emu.node_url(1) + "/api/v2/health/", params={"ready": "true"})
    assert s.closed and r.ok and r.url.endswith("?ready=true") and r.request.method == "GET"
    assert emu.requests()[-1]["query"] == {"ready": ["true"]}


def test_unknown_flag_is_refused():
    with pytest.raises(TypeError, match="unknown emulator flag: node"):
        InProcessEmulator(node=3)
