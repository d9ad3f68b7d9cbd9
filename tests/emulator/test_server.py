"""HTTP layer: CLI/ready file, keep-alive, request log, fault injection, TLS, clean stop."""

import http.client
import json
import signal
import time
from urllib.parse import urlsplit

import pytest
import requests

from conftest import NodeClient


def test_ready_file_contents(emulator):
    r = emulator.ready
    assert set(r) == {"cloud_url", "node_urls", "control_url", "api_key", "admin_user", "admin_password",
                      "ca_cert"}
    assert len(r["node_urls"]) == 3 and all(u.startswith("http://127.0.0.1:") for u in r["node_urls"])
    assert len(set(r["node_urls"])) == 3
    assert r["admin_user"] == "root" and r["admin_password"] and r["api_key"] and r["ca_cert"] is None


def test_sigterm_stops_cleanly_and_printed_ready_line(emulator_factory):
    e = emulator_factory(nodes=1, api_key="k1", admin_password="pw1", node_port_base=0)
    assert e.ready["api_key"] == "k1" and e.ready["admin_password"] == "pw1"
    e.proc.send_signal(signal.SIGTERM)
    assert e.proc.wait(10) == 0
    out = e.proc.stdout.read()
    assert "emulator ready" in out


def test_http11_keep_alive(emulator):
    u = urlsplit(emulator.node_url(1))
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    for _i in range(3):
        conn.request("GET", "/api/v2/health/")
        r = conn.getresponse()
        assert r.status == 200 and r.read() == b"{}"
        assert r.version == 11 and not r.will_close
    conn.close()


def test_request_log_fields_and_redaction(fresh_emulator):
    e = fresh_emulator
    pw = e.ready["admin_password"]
    tok = e.login(2)
    NodeClient(e, 2, tok).get("/api/v2/nodes/?limit=1")
    requests.post(e.node_url(1) + "/api/v2/login/", params={"username": "root", "password": pw})
    requests.get(e.cloud_url + "/api/v1/clusters", headers={"Authorization": "Bearer " + e.ready["api_key"]})
    log = e.requests()
    assert [x["seq"] for x in log] == sorted(x["seq"] for x in log)
    login = log[0]
    assert set(login) == {"seq", "ts", "method", "path", "query", "status", "api", "node_id", "body", "fault"}
    assert login["method"] == "POST" and login["path"] == "/api/v2/login/" and login["status"] == 200
    assert login["api"] == "cluster" and login["node_id"] == 2 and login["fault"] is None
    assert login["body"]["username"] == "root" and login["body"]["password"] != pw
    nodes = log[1]
    assert nodes["query"] == {"limit": ["1"]}
    assert log[2]["query"]["password"] != [pw]
    cloud = log[3]
    assert cloud["api"] == "cloud" and cloud["node_id"] is None
    dump = json.dumps(log)
    assert pw not in dump and tok not in dump and e.ready["api_key"] not in dump
    assert [x["seq"] for x in e.requests(api="cloud")] == [cloud["seq"]]
    assert [x["seq"] for x in e.requests(since=nodes["seq"])] == [log[2]["seq"], cloud["seq"]]


def _statuses(e, n=40):
    out = []
    s = requests.Session()
    for _i in range(n):
        r = s.get(e.node_url(1) + "/api/v2/health/")
        out.append(r.status_code)
    return out


def test_faults_are_reproducible_with_a_seed(emulator_factory):
    a = emulator_factory(nodes=1, fault_rate=0.5, fault_kinds="500,503,429", seed=7)
    b = emulator_factory(nodes=1, fault_rate=0.5, fault_kinds="500,503,429", seed=7)
    sa, sb = _statuses(a), _statuses(b)
    assert sa == sb and set(sa) > {200}
    a.control("POST", "/_emulator/faults", {"rate": 0.5, "kinds": ["500", "503", "429"], "seed": 7})
    assert _statuses(a) == sa
    log = a.requests()
    assert {x["fault"] for x in log if x["status"] != 200} <= {"500", "503", "429"}
    assert all(x["fault"] is None for x in log if x["status"] == 200)


def test_fault_formats(fresh_emulator):
    e = fresh_emulator
    for kind in ("500", "503", "429"):
        e.control("POST", "/_emulator/faults", {"rate": 1.0, "kinds": [kind], "seed": 1})
        r = requests.get(e.node_url(1) + "/api/v2/health/")
        assert r.status_code == int(kind)
        assert r.headers["Content-Type"] == "text/plain; charset=utf-8" and r.content.endswith(b"\n")
        c = requests.get(e.cloud_url + "/api/v1/clusters")
        assert c.status_code == int(kind)
        assert set(c.json()) == {"code", "message", "details"}
        if kind == "429":
            assert r.headers["Retry-After"] == "1" and c.headers["Retry-After"] == "1"
    # the control API is never faulted
    assert e.state()["faults"]["rate"] == 1.0


def test_reset_fault_drops_connection_before_or_after_acting(fresh_emulator):
    e = fresh_emulator
    e.control("POST", "/_emulator/faults", {"rate": 1.0, "kinds": ["reset"], "seed": 3})
    for _i in range(12):
        with pytest.raises(requests.ConnectionError):
            requests.post(e.node_url(1) + "/api/v2/login/",
                          data={"username": "root", "password": e.ready["admin_password"]}, timeout=5)
    log = e.requests()
    assert len(log) == 12 and all(x["status"] is None and x["fault"] == "reset" for x in log)
    created = e.state()["sessions"]
    assert 0 < created < 12  # some resets happened after the handler created a session


def test_slow_fault(fresh_emulator):
    e = fresh_emulator
    e.control("POST", "/_emulator/faults", {"rate": 1.0, "kinds": ["slow"], "seed": 1})
    t = time.monotonic()
    assert requests.get(e.node_url(1) + "/api/v2/health/").status_code == 200
    assert 0.3 <= time.monotonic() - t < 3
    assert e.requests()[-1]["fault"] == "slow"


def test_tls_with_ca_from_ready_file(emulator_factory):
    e = emulator_factory(nodes=2, tls=True)
    ca = e.ready["ca_cert"]
    assert ca and e.ready["node_urls"][0].startswith("https://") and e.ready["cloud_url"].startswith("https://")
    r = requests.get(e.node_url(1) + "/api/v2/health/", verify=ca)
    assert r.status_code == 200 and r.content == b"{}"
    tok = e.login(2)
    assert NodeClient(e, 2, tok).get("/api/v2/nodes/").status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(e.node_url(1) + "/api/v2/health/")  # not trusted without the CA
    plain = e.node_url(1).replace("https://", "http://")
    r = requests.get(plain + "/api/v2/health/", allow_redirects=False)
    assert r.status_code == 307 and r.headers["Location"].startswith("https://")
    assert requests.get(plain + "/health").status_code == 200  # v1 /health is served over plain HTTP


def test_sigint_stops_cleanly(emulator_factory):
    e = emulator_factory(nodes=1)
    e.proc.send_signal(signal.SIGINT)
    assert e.proc.wait(10) == 0


def test_bad_cli_values_fail_fast(tmp_path):
    import subprocess
    import sys
    from conftest import REPO
    r = subprocess.run([sys.executable, "-m", "emulator", "--fault-kinds", "teapot"], cwd=REPO,
                       capture_output=True, text=True, timeout=20, check=False)
    assert r.returncode != 0 and "teapot" in r.stderr


def test_head_request(emulator):
    r = requests.head(emulator.node_url(1) + "/api/v2/health/")
    assert r.status_code == 200 and r.content == b""
