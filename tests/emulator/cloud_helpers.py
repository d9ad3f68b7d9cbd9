"""Test helpers for the Cloud API emulator: a fake clock and an in-process client over ``handle``."""

from __future__ import annotations

import json
import os
import sys
from urllib.parse import quote

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from emulator.cloud import CloudAPI  # noqa: E402
from emulator.core import Clock, Request  # noqa: E402

KEY = "test-key-123"
V = "2024-09-16"


class FakeClock(Clock):
    """Clock that only moves when told to."""

    def __init__(self, start: float = 1_735_689_600.0):  # 2025-01-01T00:00:00Z
        super().__init__()
        self.start = start

    def time(self) -> float:
        return self.start + self.offset

    def monotonic(self) -> float:
        return 10_000.0 + self.offset


class Resp:
    def __init__(self, r):
        self.status = r.status
        self.headers = r.headers
        self.raw = r
        self.body = json.loads(r.body) if r.body else None

    def __repr__(self):
        return "<Resp %s %s>" % (self.status, self.body)


class Client:
    def __init__(self, api: CloudAPI = None, key: str = KEY, version: str = V, **kw):
        kw.setdefault("rate_limit", 0)
        kw.setdefault("create_seconds", 2.0)
        kw.setdefault("update_seconds", 1.0)
        self.clock = kw.pop("clock", None) or FakeClock()
        self.api = api or CloudAPI(KEY, clock=self.clock, **kw)
        self.key = key
        self.version = version

    def call(self, method, path, body=None, query=None, headers=None, raw_body=None, key=None, version=None):
        h = {}
        k = self.key if key is None else key
        if k:
            h["authorization"] = "Bearer " + k
        v = self.version if version is None else version
        if v:
            h["cc-version"] = v
        for hk, hv in (headers or {}).items():
            h[hk.lower()] = hv
        q = {}
        for qk, qv in (query or {}).items():
            q[qk] = [str(x) for x in qv] if isinstance(qv, list) else [str(qv)]
        data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else b"")
        return Resp(self.api.handle(Request(method, path, q, h, data)))

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def control(self, method, path, body=None):
        r = self.api.control(Request(method, "/_emulator/cloud" + path, {}, {},
                                     json.dumps(body).encode() if body is not None else b""))
        return r.status, json.loads(r.body)

    def advance(self, seconds):
        self.clock.advance(seconds)

    # convenience
    def create(self, name="test-cluster", provider="GCP", ready=True, **spec):
        if not spec:
            spec = {"serverless": {"regions": ["us-central1"]}}
        r = self.post("/api/v1/clusters", {"name": name, "provider": provider, "spec": spec})
        assert r.status == 200, r
        if ready:
            self.advance(self.api.settings["create_seconds"] + 0.01)
        return r.body

    def create_dedicated(self, name="dedicated-one", provider="GCP", region_nodes=None, vcpus=4,
                         version=None, ready=True):
        d = {"region_nodes": region_nodes or {"us-central1": 3},
             "hardware": {"machine_spec": {"num_virtual_cpus": vcpus}, "storage_gib": 0}}
        if version:
            d["cockroach_version"] = version
        return self.create(name, provider, ready=ready, dedicated=d)

    def wait_unlocked(self):
        self.advance(self.api.settings["update_seconds"] + 0.01)


def qpath(*parts):
    return "/".join(quote(str(p), safe="") for p in parts)
