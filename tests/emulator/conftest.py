"""Fixtures that run the emulator as a real subprocess (``python -m emulator``).

``emulator_factory(**cli_flags)`` starts an emulator with the given CLI flags
(``nodes=5`` -> ``--nodes 5``, ``tls=True`` -> ``--tls``, ``fault_kinds="500,reset"``
-> ``--fault-kinds 500,reset``), waits for its ready file (20 s), and returns an
:class:`EmulatorProcess`.  Every emulator started this way is stopped (SIGTERM)
at teardown.  ``emulator`` is a session-wide 3-node instance; tests that change
its state should call ``emulator.reset()`` (or use ``fresh_emulator``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)  # so tests can import emulator.* constants


class EmulatorProcess:
    def __init__(self, proc: subprocess.Popen, ready: dict, ready_file: str, args: list):
        self.proc = proc
        self.ready = ready
        self.ready_file = ready_file
        self.args = args
        self.http = requests.Session()

    # --- convenience
    @property
    def control_url(self) -> str:
        return self.ready["control_url"]

    @property
    def cloud_url(self) -> str:
        return self.ready["cloud_url"]

    @property
    def node_urls(self) -> list:
        return self.ready["node_urls"]

    def node_url(self, node_id: int) -> str:
        return self.ready["node_urls"][node_id - 1]

    def control(self, method: str, path: str, json=None):  # noqa: A002 - mirrors requests
        """Call the control API; returns the decoded JSON body (raises on HTTP >= 400)."""
        r = self.http.request(method, self.control_url + path, json=json, timeout=30)
        if r.status_code >= 400:
            raise AssertionError("control %s %s -> %s %s" % (method, path, r.status_code, r.text))
        return r.json()

    def control_raw(self, method: str, path: str, json=None) -> requests.Response:  # noqa: A002
        return self.http.request(method, self.control_url + path, json=json, timeout=30)

    def requests(self, since: int = 0, api: str = None) -> list:
        q = "?since=%d" % since
        if api:
            q += "&api=%s" % api
        return self.control("GET", "/_emulator/requests" + q)["requests"]

    def clear_requests(self) -> None:
        self.control("DELETE", "/_emulator/requests")

    def reset(self) -> None:
        self.control("POST", "/_emulator/reset")

    def state(self) -> dict:
        return self.control("GET", "/_emulator/state")

    def login(self, node_id: int = 1, user: str = None, password: str = None, session: requests.Session = None):
        """Log in on a node's Cluster API; returns the session token."""
        s = session or requests.Session()
        r = s.post(self.node_url(node_id) + "/api/v2/login/",
                   data={"username": user or self.ready["admin_user"],
                         "password": password if password is not None else self.ready["admin_password"]},
                   verify=self.ready.get("ca_cert") or True, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()["session"]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.http.close()
        return self.proc.returncode


def _flags(cli_flags: dict) -> list:
    args = []
    for k, v in cli_flags.items():
        flag = "--" + k.replace("_", "-")
        if v is True:
            args.append(flag)
        elif v is False or v is None:
            continue
        else:
            args += [flag, str(v)]
    return args


def start_emulator(tmp_dir: str, timeout: float = 20.0, **cli_flags) -> EmulatorProcess:
    ready_file = os.path.join(tmp_dir, "ready-%d-%d.json" % (os.getpid(), time.monotonic_ns()))
    args = [sys.executable, "-m", "emulator", "--ready-file", ready_file] + _flags(cli_flags)
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(ready_file):
            with open(ready_file) as f:
                ready = json.load(f)
            return EmulatorProcess(proc, ready, ready_file, args)
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise RuntimeError("emulator exited with %s: %s %s" % (proc.returncode, out, err))
        time.sleep(0.05)
    proc.kill()
    out, err = proc.communicate()
    raise RuntimeError("emulator not ready after %ss: %s %s" % (timeout, out, err))


@pytest.fixture
def emulator_factory(tmp_path):
    """Factory: ``emu = emulator_factory(nodes=5, seed=3)``; stopped at teardown."""
    started = []

    def factory(**cli_flags) -> EmulatorProcess:
        emu = start_emulator(str(tmp_path), **cli_flags)
        started.append(emu)
        return emu

    yield factory
    for emu in started:
        emu.stop()


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    """A shared 3-node emulator for the whole test session (reset it after changing state)."""
    emu = start_emulator(str(tmp_path_factory.mktemp("emulator")), nodes=3, seed=0)
    yield emu
    emu.stop()


@pytest.fixture
def fresh_emulator(emulator):
    """The shared emulator, reset before and after the test."""
    emulator.reset()
    yield emulator
    emulator.reset()


class NodeClient:
    """Tiny Cluster API client for the tests: one keep-alive session against one node."""

    def __init__(self, emu: EmulatorProcess, node_id: int = 1, token: str = None):
        self.emu = emu
        self.base = emu.node_url(node_id)
        self.s = requests.Session()
        self.verify = emu.ready.get("ca_cert") or True
        if token:
            self.s.headers["X-Cockroach-API-Session"] = token

    def get(self, path, **kw):
        kw.setdefault("timeout", 10)
        return self.s.get(self.base + path, verify=self.verify, **kw)

    def post(self, path, **kw):
        kw.setdefault("timeout", 10)
        return self.s.post(self.base + path, verify=self.verify, **kw)

    def json(self, path, **kw):
        r = self.get(path, **kw)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()


@pytest.fixture
def admin(fresh_emulator):
    """NodeClient on node 1 of the (freshly reset) shared emulator, logged in as the admin user."""
    c = NodeClient(fresh_emulator, 1, fresh_emulator.login(1))
    yield c
    c.s.close()
