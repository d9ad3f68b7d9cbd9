"""The whole emulator in this process, without sockets, and a ``requests.Session`` stand-in for it.

``InProcessEmulator(**flags)`` builds exactly what ``python -m emulator`` builds (the Cloud API,
N nodes, the control API, the request log, the fault injector, the clock: the same
:class:`emulator.control.Emulator`) but its listeners are :class:`VirtualListener` records instead
of bound sockets.  ``emu.session()`` returns an :class:`InProcessSession` whose ``request()`` routes
by URL (the Cloud base URL, each node's base URL, the control URL) to the same
:func:`emulator.server.exchange` the HTTP server calls for every request: same handlers, same
request log entries, same fault rules.  What a socket would do is imitated with ``requests``'s own
types: a stopped node or an unknown address raises ``requests.exceptions.ConnectionError``
(connection refused), a ``reset_before``/``reset_after`` fault raises ``ConnectionError``
(connection reset; ``reset_after`` acts first), a ``slow`` fault longer than the read timeout
raises ``ReadTimeout`` (after acting, like a server that answers too late).

Time: the emulator runs on a :class:`emulator.core.ManualClock` (pass your own with ``clock=``).
There is no ticker thread; node state (restart plans, listeners up/down) is brought up to date
before each request and each control call, so a client that sleeps on the same clock sees a node
go down and come back without any real time passing.

Flags are the CLI flags as keyword arguments (``nodes=5``, ``fault_rate=0.1``, ``tls=True`` makes
the URLs ``https://``; no certificate is made, ``verify`` is ignored).

This is the only emulator module that imports ``requests`` (it imitates a ``requests.Session``);
``python -m emulator`` never imports it.
"""

from __future__ import annotations

import datetime
import email.utils
import gzip
import http
import json as jsonlib
import secrets
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from emulator.core import ManualClock, Request, Response
from emulator.server import Faults, RequestLog, encode_body, exchange

VIRTUAL_PORT_BASE = 40000
MAX_REDIRECTS = 5


class VirtualListener:
    """A listener without a socket: kind ('cloud' | 'cluster' | 'control'), address, handler, up/down."""

    def __init__(self, kind: str, host: str, port: int, handler, node_id: Optional[int] = None, tls: bool = False):
        self.kind = kind
        self.host = host
        self.port = port
        self.handler = handler
        self.node_id = node_id
        self.tls = tls
        self.up = True

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else "[%s]" % self.host
        return "%s://%s:%d" % (self.scheme, host, self.port)


class VirtualServer:
    """Stands in for :class:`emulator.server.Server`: records listeners, opens and closes them, binds nothing."""

    def __init__(self, host: str = "127.0.0.1", tls: bool = False, faults: Optional[Faults] = None,
                 log: Optional[RequestLog] = None):
        self.host = host
        self.tls = tls
        self.faults = faults or Faults()
        self.log = log or RequestLog()
        self.tls_paths = None
        self.listeners: List[VirtualListener] = []
        self.node_listeners: Dict[int, VirtualListener] = {}
        self._next_port = VIRTUAL_PORT_BASE

    def add_listener(self, kind: str, port: int, handler, node_id: Optional[int] = None) -> VirtualListener:
        taken = {lst.port for lst in self.listeners}
        if port in taken:
            raise OSError("address already in use: port %d" % port)
        if not port:
            while self._next_port in taken:
                self._next_port += 1
            port = self._next_port
            self._next_port += 1
        lst = VirtualListener(kind, self.host, port, handler, node_id=node_id,
                              tls=self.tls and kind in ("cloud", "cluster"))
        self.listeners.append(lst)
        if node_id is not None:
            self.node_listeners[node_id] = lst
        return lst

    def open_listener(self, lst: VirtualListener) -> None:
        lst.up = True

    def close_listener(self, lst: VirtualListener) -> None:
        lst.up = False

    def find(self, host: Optional[str], port: Optional[int]) -> Optional[VirtualListener]:
        for lst in self.listeners:
            if lst.port == port and (host or "").strip("[]") in (lst.host, "localhost" if lst.host == "127.0.0.1" else lst.host):
                return lst
        return None

    def start(self) -> None:
        pass

    def shutdown(self) -> None:
        pass


def make_args(**flags):
    """The CLI's parsed arguments with ``flags`` applied (unknown flag -> TypeError), secrets filled in like main()."""
    from emulator.__main__ import build_parser  # the CLI's defaults, in one place

    args = build_parser().parse_args([])
    for key, value in flags.items():
        if not hasattr(args, key):
            raise TypeError("unknown emulator flag: %s" % key)
        setattr(args, key, value)
    if args.nodes < 1:
        raise ValueError("nodes must be >= 1")
    if args.api_key is None:
        args.api_key = "CCDB1_" + secrets.token_urlsafe(24)
    if args.admin_password is None:
        args.admin_password = secrets.token_urlsafe(12)
    return args


class ControlError(AssertionError):
    """A control call answered >= 400."""


class InProcessEmulator:
    """The emulator of ``python -m emulator``, in this process, without sockets (see the module doc)."""

    def __init__(self, clock: Optional[ManualClock] = None, **flags):
        from emulator.control import Emulator

        self.args = make_args(**flags)
        self.clock = clock if clock is not None else ManualClock()
        self.core = Emulator(self.args, server_factory=VirtualServer, clock=self.clock)
        self.server: VirtualServer = self.core.server
        self.log = self.server.log
        self.faults = self.core.faults
        self.sessions: List["InProcessSession"] = []

    # ---- what the ready file says
    def ready_info(self) -> Dict[str, Any]:
        return self.core.ready_info()

    @property
    def cloud_url(self) -> str:
        return self.core.cloud_listener.url

    @property
    def node_urls(self) -> List[str]:
        return [self.server.node_listeners[n].url for n in sorted(self.server.node_listeners)]

    def node_url(self, node_id: int) -> str:
        return self.server.node_listeners[node_id].url

    @property
    def control_url(self) -> str:
        return self.core.control_listener.url

    @property
    def api_key(self) -> str:
        return self.args.api_key

    @property
    def admin_user(self) -> str:
        return self.args.admin_user

    @property
    def admin_password(self) -> str:
        return self.args.admin_password

    # ---- HTTP without sockets
    def session(self) -> "InProcessSession":
        s = InProcessSession(self)
        self.sessions.append(s)
        return s

    def sync(self) -> None:
        """Bring node processes and listeners up to the clock's now (the HTTP emulator's ticker does this)."""
        self.core.sync()

    # ---- control API as Python (the same handler as the control listener)
    def control_raw(self, method: str, path: str, json: Any = None) -> Response:  # noqa: A002 - mirrors requests
        self.sync()
        body = jsonlib.dumps(json).encode("utf-8") if json is not None else b""
        split = urlsplit(path)
        req = Request(method.upper(), split.path, parse_qs(split.query, keep_blank_values=True),
                      {"content-type": "application/json"} if body else {}, body)
        return self.core.handle(req)

    def control(self, method: str, path: str, json: Any = None) -> Any:  # noqa: A002
        """Call the control API; the decoded JSON answer (ControlError on HTTP >= 400)."""
        resp = self.control_raw(method, path, json)
        out = jsonlib.loads(resp.body) if resp.body else None
        if resp.status >= 400:
            raise ControlError("control %s %s -> %s %s" % (method, path, resp.status, out))
        return out

    def requests(self, since: int = 0, api: Optional[str] = None) -> List[Dict[str, Any]]:
        """Request log entries (method, path, query, status, api, node_id, body, fault, seq, ts)."""
        return self.log.list(since=since, api=api)

    def clear_requests(self) -> None:
        self.log.clear()

    def reset(self) -> None:
        self.control("POST", "/_emulator/reset")

    def state(self) -> Dict[str, Any]:
        return self.control("GET", "/_emulator/state")

    def node(self, node_id: int) -> Dict[str, Any]:
        return self.control("GET", "/_emulator/nodes/%d" % node_id)

    def stop_node(self, node_id: int) -> Dict[str, Any]:
        return self.control("POST", "/_emulator/nodes/%d/stop" % node_id)

    def start_node(self, node_id: int, build_tag: Optional[str] = None) -> Dict[str, Any]:
        """Start a stopped node; ``build_tag``: on another binary (it may fail to start: see ``start_error``)."""
        return self.control("POST", "/_emulator/nodes/%d/start" % node_id,
                            {"build_tag": build_tag} if build_tag else None)

    def sql(self, sql: str, node_id: int = 1) -> Dict[str, Any]:
        """``cockroach sql --execute`` on a node (POST /_emulator/sql); ControlError carries the CLI's error."""
        return self.control("POST", "/_emulator/sql", {"sql": sql, "node_id": node_id})

    def cluster(self) -> Dict[str, Any]:
        """GET /_emulator/cluster: cluster version, settings, finalization, log."""
        return self.control("GET", "/_emulator/cluster")

    def patch_cluster(self, **fields) -> Dict[str, Any]:
        """PATCH /_emulator/cluster: ``finalize_seconds``, ``hold_finalization``, ``version``."""
        return self.control("PATCH", "/_emulator/cluster", fields)

    def drain_node(self, node_id: int, **body) -> Dict[str, Any]:
        return self.control("POST", "/_emulator/nodes/%d/drain" % node_id, body)

    def restart_node(self, node_id: int, **body) -> Dict[str, Any]:
        """``downtime``, ``fail``, ``build_tag``, ``unready_seconds``, ``drain_seconds``, ``ready_delay``."""
        return self.control("POST", "/_emulator/nodes/%d/restart" % node_id, body)

    def patch_node(self, node_id: int, fields: Dict[str, Any]) -> Dict[str, Any]:
        """``build_tag``, ``liveness_status``, ``ranges.underreplicated``, ``stores``, ... (docs/emulator.md)."""
        return self.control("PATCH", "/_emulator/nodes/%d" % node_id, fields)

    def set_faults(self, **body) -> Dict[str, Any]:
        """``rate``, ``kinds``, ``seed``, ``rules`` (a list of rule objects) as in POST /_emulator/faults."""
        return self.control("POST", "/_emulator/faults", body)

    def fault_rules(self, *rules: Dict[str, Any]) -> Dict[str, Any]:
        """Replace the targeted fault rules: ``emu.fault_rules({"kind": "503", "path": "/api/v2/nodes/"})``."""
        return self.set_faults(rules=list(rules))

    def advance(self, seconds: float) -> Dict[str, Any]:
        """POST /_emulator/clock: move the shared clock forward (nodes follow)."""
        return self.control("POST", "/_emulator/clock", {"advance": seconds})

    # Cloud side (paths under /_emulator/cloud, see CloudAPI.control)
    def cloud_control(self, method: str, path: str, json: Any = None) -> Any:  # noqa: A002
        return self.control(method, "/_emulator/cloud" + path, json)

    def cloud_state(self) -> Dict[str, Any]:
        return self.cloud_control("GET", "/state")

    def cloud_config(self, **settings) -> Dict[str, Any]:
        return self.cloud_control("POST", "/config", settings)

    def lock_cluster(self, cluster_id: str, seconds: float = 60, operation_status: str = "MAINTENANCE_RUNNING"):
        return self.cloud_control("POST", "/clusters/%s/lock" % cluster_id,
                                  {"seconds": seconds, "operation_status": operation_status})

    def unlock_cluster(self, cluster_id: str):
        return self.cloud_control("POST", "/clusters/%s/unlock" % cluster_id)

    def fail_cluster(self, cluster_id: str):
        return self.cloud_control("POST", "/clusters/%s/fail" % cluster_id)

    def fail_next_create(self):
        return self.cloud_control("POST", "/clusters/next/fail")

    # ---- Cloud API and Cluster API shortcuts for arranging a test
    def cloud(self, method: str, path: str, json: Any = None, **kw) -> "requests.Response":  # noqa: A002
        """One Cloud API request with the emulator's key (no retries): the requests.Response."""
        headers = {"Authorization": "Bearer " + self.api_key}
        headers.update(kw.pop("headers", None) or {})
        return self.session().request(method, self.cloud_url + path, json=json, headers=headers, **kw)

    def create_cluster(self, name: str = "test-cluster", provider: str = "GCP", ready: bool = True,
                       **spec) -> Dict[str, Any]:
        """Create a Cloud cluster through the API (a BASIC one by default); ``ready`` moves the clock past CREATING."""
        if not spec:
            spec = {"serverless": {"regions": ["us-central1"]}}
        r = self.cloud("POST", "/api/v1/clusters", {"name": name, "provider": provider, "spec": spec})
        if r.status_code != 200:
            raise ControlError("create cluster -> %s %s" % (r.status_code, r.text))
        if ready:
            self.clock.sleep(float(self.core.cloud.settings["create_seconds"]) + 0.01)
        return r.json()

    def login(self, node_id: int = 1, user: Optional[str] = None, password: Optional[str] = None) -> str:
        """Log in on a node's Cluster API; the session token."""
        r = self.session().post(self.node_url(node_id) + "/api/v2/login/",
                                data={"username": user or self.admin_user,
                                      "password": password if password is not None else self.admin_password})
        if r.status_code != 200:
            raise ControlError("login -> %s %s" % (r.status_code, r.text))
        return r.json()["session"]


def _read_timeout(timeout) -> Optional[float]:
    if isinstance(timeout, (tuple, list)):
        timeout = timeout[1] if len(timeout) > 1 else timeout[0]
    return float(timeout) if timeout is not None else None


class InProcessSession:
    """A ``requests.Session`` stand-in whose requests go to an :class:`InProcessEmulator`.

    ``request()`` takes the keyword arguments of ``requests.Session.request`` and prepares the
    request with ``requests`` itself (same query string and body encoding as the real client);
    the answer is a real ``requests.Response``.  ``calls`` lists (method, url) of every request."""

    def __init__(self, emulator: InProcessEmulator):
        self.emulator = emulator
        self.headers = CaseInsensitiveDict(requests.utils.default_headers())
        self.calls: List[Any] = []
        self.closed = False

    def request(self, method, url, params=None, data=None, headers=None, cookies=None, files=None, auth=None,
                timeout=None, allow_redirects=True, proxies=None, hooks=None, stream=None, verify=None,
                cert=None, json=None):  # noqa: A002 - the requests signature
        merged = CaseInsensitiveDict(self.headers)
        merged.update(headers or {})
        prep = requests.Request(method=method.upper(), url=url, headers=merged, files=files, data=data or {},
                                json=json, params=params or {}, auth=auth, cookies=cookies).prepare()
        resp = self._send(prep, timeout)
        history = []
        while allow_redirects and resp.is_redirect and len(history) < MAX_REDIRECTS:
            history.append(resp)
            nxt = prep.copy()
            nxt.url = resp.headers["Location"]
            prep = nxt
            resp = self._send(prep, timeout)
        resp.history = history
        return resp

    def _send(self, prep, timeout) -> "requests.Response":
        emu = self.emulator
        self.calls.append((prep.method, prep.url))
        split = urlsplit(prep.url)
        emu.sync()
        lst = emu.server.find(split.hostname, split.port or (443 if split.scheme == "https" else 80))
        if lst is None or not lst.up:
            raise requests.exceptions.ConnectionError(
                "HTTPConnectionPool(host=%r, port=%s): Max retries exceeded with url: %s "
                "(Caused by NewConnectionError('Failed to establish a new connection: [Errno 111] Connection refused'))"
                % (split.hostname, split.port, split.path), request=prep)
        if split.scheme == "https" and not lst.tls:
            raise requests.exceptions.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version number (in-process: %s "
                                               "serves plain HTTP)" % lst.url, request=prep)
        body = prep.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {k.lower(): v for k, v in prep.headers.items()}
        headers.setdefault("host", split.netloc)
        target = split.path + ("?" + split.query if split.query else "")
        req = Request(method=prep.method.upper(), path=split.path or "/",
                      query=parse_qs(split.query, keep_blank_values=True), headers=headers, body=body,
                      node_id=lst.node_id)
        ex = exchange(req, lst, emu.faults, emu.log, target=target,
                      plain_on_tls=lst.tls and split.scheme == "http", sleep=emu.clock.sleep, now=emu.clock.time)
        read_timeout = _read_timeout(timeout)
        if ex.delay and read_timeout is not None and ex.delay > read_timeout:
            raise requests.exceptions.ReadTimeout(
                "HTTPConnectionPool(host=%r, port=%s): Read timed out. (read timeout=%s)"
                % (split.hostname, split.port, read_timeout), request=prep)
        if ex.reset:
            raise requests.exceptions.ConnectionError(
                "('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))", request=prep)
        return self._response(prep, ex.response, lst.kind, headers.get("accept-encoding"), emu.clock.time())

    @staticmethod
    def _response(prep, answer: Response, kind: str, accept_encoding: Optional[str],
                  wall: float) -> "requests.Response":
        body, headers = encode_body(answer, kind, accept_encoding)
        headers.setdefault("Date", email.utils.formatdate(wall, usegmt=True))
        headers["Content-Length"] = str(len(body))
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)  # what urllib3 does before requests hands out .content
        out = requests.Response()
        out.status_code = answer.status
        try:
            out.reason = http.HTTPStatus(answer.status).phrase
        except ValueError:
            out.reason = ""
        out.headers = CaseInsensitiveDict(headers)
        out._content = b"" if prep.method == "HEAD" else body
        out._content_consumed = True
        out.encoding = get_encoding_from_headers(out.headers)
        out.url = prep.url
        out.request = prep
        out.elapsed = datetime.timedelta(0)
        return out

    # the requests.Session conveniences
    def get(self, url, **kw):
        kw.setdefault("allow_redirects", True)
        return self.request("GET", url, **kw)

    def head(self, url, **kw):
        kw.setdefault("allow_redirects", False)
        return self.request("HEAD", url, **kw)

    def post(self, url, data=None, json=None, **kw):  # noqa: A002
        return self.request("POST", url, data=data, json=json, **kw)

    def put(self, url, data=None, **kw):
        return self.request("PUT", url, data=data, **kw)

    def patch(self, url, data=None, **kw):
        return self.request("PATCH", url, data=data, **kw)

    def delete(self, url, **kw):
        return self.request("DELETE", url, **kw)

    def mount(self, prefix, adapter):
        pass

    def close(self) -> None:
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
