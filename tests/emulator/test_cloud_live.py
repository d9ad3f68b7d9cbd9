"""Cloud API through the real HTTP server (``python -m emulator``), using the shared fixtures."""

import subprocess
import sys
import time

import pytest
import requests

from conftest import REPO

V = {"Cc-Version": "2024-09-16"}


def _h(emu, key=None):
    return dict(V, Authorization="Bearer " + (key or emu.ready["api_key"]))


def test_live_cluster_lifecycle_and_redacted_log(emulator_factory):
    emu = emulator_factory(create_seconds=0.3, rate_limit=0, seed=5)
    s = requests.Session()
    base = emu.cloud_url + "/api/v1"
    verify = emu.ready.get("ca_cert") or True
    r = s.get(base + "/organization", headers=_h(emu), verify=verify, timeout=10)
    assert r.status_code == 200 and r.headers["Cc-Version"] == "2024-09-16"
    r = s.get(base + "/clusters", headers=_h(emu, "wrong"), verify=verify, timeout=10)
    assert r.status_code == 401 and r.json()["code"] == 16
    r = s.post(base + "/clusters", headers=_h(emu), verify=verify, timeout=10,
               json={"name": "live-one", "provider": "GCP", "spec": {"serverless": {"regions": ["us-central1"]}}})
    assert r.status_code == 200 and r.json()["state"] == "CREATING"
    cid = r.json()["id"]
    deadline = time.monotonic() + 10
    while s.get(base + "/clusters/" + cid, headers=_h(emu), verify=verify, timeout=10).json()["state"] != "CREATED":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    r = s.post(base + "/clusters/%s/sql-users" % cid, headers=_h(emu), verify=verify, timeout=10,
               json={"name": "alice", "password": "very-secret-pw"})
    assert r.status_code == 200
    log = emu.requests(api="cloud")
    text = repr(log)
    assert "very-secret-pw" not in text and emu.ready["api_key"] not in text
    state = emu.control("GET", "/_emulator/cloud/state")
    assert state["clusters"][0]["_emulator"]["users"] == [{"name": "alice", "password_version": 1}]
    # control through the server: lock, then mutation is refused
    emu.control("POST", "/_emulator/cloud/clusters/%s/lock" % cid, {"seconds": 30})
    r = s.post(base + "/clusters/%s/databases" % cid, headers=_h(emu), verify=verify, timeout=10, json={"name": "x"})
    assert r.status_code == 503 and r.json()["code"] == 14 and r.json()["message"] == "cluster lock is held"
    emu.control("POST", "/_emulator/reset")
    r = s.get(base + "/clusters", headers=_h(emu), params={"show_inactive": "true"}, verify=verify, timeout=10)
    assert r.json()["clusters"] == []


def test_live_rate_limit(emulator_factory):
    emu = emulator_factory(rate_limit=3)
    s = requests.Session()
    verify = emu.ready.get("ca_cert") or True
    codes = [s.get(emu.cloud_url + "/api/v1/organization", headers=_h(emu), verify=verify, timeout=10)
             for _i in range(6)]
    statuses = [r.status_code for r in codes]
    assert statuses.count(429) >= 2, statuses
    limited = next(r for r in codes if r.status_code == 429)
    assert limited.headers["Retry-After"] == "1" and limited.json()["code"] == 8
    time.sleep(1.05)
    assert s.get(emu.cloud_url + "/api/v1/organization", headers=_h(emu), verify=verify, timeout=10).status_code == 200


def test_cli_update_seconds_and_lock_status(emulator_factory):
    emu = emulator_factory(nodes=1, create_seconds=0, update_seconds=5, lock_status=409, rate_limit=0)
    cfg = emu.control("GET", "/_emulator/cloud/config")
    assert cfg["update_seconds"] == 5 and cfg["lock_status"] == 409 and cfg["create_seconds"] == 0
    s = requests.Session()
    base = emu.cloud_url + "/api/v1/clusters"
    verify = emu.ready.get("ca_cert") or True
    r = s.post(base, headers=_h(emu), verify=verify, timeout=10,
               json={"name": "cli-lock", "provider": "GCP", "spec": {"serverless": {"regions": ["us-central1"]}}})
    assert r.status_code == 200
    url = base + "/" + r.json()["id"]
    assert s.get(url, headers=_h(emu), verify=verify, timeout=10).json()["state"] == "CREATED"
    r = s.patch(url, headers=_h(emu), verify=verify, timeout=10,
                json={"serverless": {"regions": ["us-central1", "us-east1"]}})
    assert r.status_code == 200 and r.json()["state"] == "LOCKED"
    emu.control("POST", "/_emulator/cloud/clock", {"advance": 4.5})
    r = s.patch(url, headers=_h(emu), verify=verify, timeout=10, json={"labels": {"a": "b"}})
    assert r.status_code == 409 and r.json()["code"] == 10 and r.json()["message"] == "cluster lock is held"
    emu.control("POST", "/_emulator/cloud/clock", {"advance": 0.6})
    assert s.get(url, headers=_h(emu), verify=verify, timeout=10).json()["state"] == "CREATED"
    emu.control("POST", "/_emulator/reset")
    cfg = emu.control("GET", "/_emulator/cloud/config")
    assert cfg["update_seconds"] == 5 and cfg["lock_status"] == 409


@pytest.mark.parametrize("flags, fragment", [
    (["--lock-status", "500"], "--lock-status"),
    (["--update-seconds", "-1"], "--update-seconds must be >= 0"),
])
def test_cli_cloud_flags_rejected(flags, fragment):
    r = subprocess.run([sys.executable, "-m", "emulator"] + flags, cwd=REPO,
                       capture_output=True, text=True, timeout=20, check=False)
    assert r.returncode == 2 and fragment in r.stderr
