"""HTTP layer of the emulator: listeners, request log, fault injection and TLS.

One accept loop (a ``selectors`` loop in a single thread) owns every listening
socket: the Cloud listener, one listener per emulated node and the control
listener.  Each accepted connection is served by its own thread with
HTTP/1.1 keep-alive.  API objects never touch sockets; they get a
:class:`emulator.core.Request` and return a :class:`emulator.core.Response`.

Stopping a node closes its listening socket (new connections are refused) and
shuts down its open keep-alive connections; starting it binds the same port
again.
"""

from __future__ import annotations

import collections
import gzip
import json
import os
import queue
import random
import re
import selectors
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable, Dict, List, NamedTuple, Optional
from urllib.parse import parse_qs, urlsplit

from emulator.core import Request, Response, redact

FAULT_KINDS = ("500", "503", "429", "reset", "slow")
RULE_KINDS = ("500", "503", "429", "reset_before", "reset_after", "slow")
RULE_KEYS = ("method", "path", "path_regex", "api", "node_id", "kind", "count", "skip", "seconds")
LOG_LIMIT = 200_000
IDLE_TIMEOUT = 120.0


# --------------------------------------------------------------------------- request log

class RequestLog:
    """Thread-safe bounded log of the requests served on Cloud and node listeners."""

    def __init__(self, limit: int = LOG_LIMIT):
        self._lock = threading.Lock()
        self._entries: collections.deque = collections.deque(maxlen=limit)
        self._seq = 0

    def add(self, entry: Dict[str, Any]) -> int:
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)
            return self._seq

    def list(self, since: int = 0, api: Optional[str] = None, clear: bool = False) -> List[Dict[str, Any]]:
        """The entries after ``since`` (of one ``api``); with ``clear`` the whole log is emptied in the same step."""
        with self._lock:
            out = [e for e in self._entries if e["seq"] > since]
            if clear:
                self._entries.clear()
        if api:
            out = [e for e in out if e["api"] == api]
        return out

    def clear(self) -> int:
        with self._lock:
            n = len(self._entries)
            self._entries.clear()
            return n

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq


def logged_body(req: Request, resp: Optional[Response]) -> Any:
    """Decoded, redacted request body for the log (never the raw secret)."""
    if resp is not None and resp.logged_body is not None:
        return redact(resp.logged_body)
    if not req.body:
        return None
    ctype = (req.header("content-type") or "").lower()
    text = req.body.decode("utf-8", "replace")
    if "json" in ctype or text[:1] in ("{", "["):
        try:
            return redact(json.loads(text))
        except ValueError:
            pass
    if "form" in ctype or ("=" in text and "\n" not in text and " " not in text):
        fields = parse_qs(text, keep_blank_values=True)
        if fields:
            return redact({k: (v[0] if len(v) == 1 else v) for k, v in fields.items()})
    return "<%d bytes>" % len(req.body)


# --------------------------------------------------------------------------- faults

def _int_field(rule: Dict[str, Any], key: str, default: int, minimum: int) -> int:
    v = rule.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ValueError("rule %s must be an integer >= %d" % (key, minimum))
    return v


class FaultRule:
    """One targeted fault: hits the requests it matches, after ``skip`` of them, ``count`` times."""

    def __init__(self, spec: Any):
        if not isinstance(spec, dict):
            raise ValueError("each rule must be a JSON object")
        unknown = sorted(set(spec) - set(RULE_KEYS))
        if unknown:
            raise ValueError("unknown rule field(s): %s (allowed: %s)" % (", ".join(unknown), ", ".join(RULE_KEYS)))
        kind = spec.get("kind")
        if kind is None:
            raise ValueError("rule kind is required (one of %s)" % ",".join(RULE_KINDS))
        kind = str(kind)
        if kind not in RULE_KINDS:
            raise ValueError("unknown rule kind: %s (choose from %s)" % (kind, ",".join(RULE_KINDS)))
        self.kind = kind
        method = spec.get("method")
        if method is not None and not isinstance(method, str):
            raise ValueError("rule method must be a string")
        self.method = method.upper() if method else None
        path, path_regex = spec.get("path"), spec.get("path_regex")
        if path is not None and path_regex is not None:
            raise ValueError("give either path or path_regex, not both")
        if path is not None and not isinstance(path, str):
            raise ValueError("rule path must be a string")
        if path_regex is not None:
            if not isinstance(path_regex, str):
                raise ValueError("rule path_regex must be a string")
            try:
                self._regex = re.compile(path_regex)
            except re.error as e:
                raise ValueError("rule path_regex is not a valid regular expression: %s" % e)
        else:
            self._regex = None
        self.path = path
        self.path_regex = path_regex
        api = spec.get("api")
        if api is not None and api not in ("cloud", "cluster"):
            raise ValueError("rule api must be 'cloud' or 'cluster'")
        self.api = api
        node_id = spec.get("node_id")
        if node_id is not None and (isinstance(node_id, bool) or not isinstance(node_id, int)):
            raise ValueError("rule node_id must be an integer")
        self.node_id = node_id
        self.count = _int_field(spec, "count", 1, 1)
        self.skip = _int_field(spec, "skip", 0, 0)
        seconds = spec.get("seconds")
        if seconds is not None:
            if kind != "slow":
                raise ValueError("rule seconds only applies to kind slow")
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 60:
                raise ValueError("rule seconds must be a number between 0 and 60")
        self.seconds = float(seconds) if seconds is not None else 1.0

    def matches(self, method: str, path: str, api: str, node_id: Optional[int]) -> bool:
        if self.method is not None and method != self.method:
            return False
        if self.path is not None and path != self.path:
            return False
        if self._regex is not None and not self._regex.search(path):
            return False
        if self.api is not None and api != self.api:
            return False
        if self.node_id is not None and node_id != self.node_id:
            return False
        return True

    def describe(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"kind": self.kind, "count": self.count, "skip": self.skip}
        for key in ("method", "path", "path_regex", "api", "node_id"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.kind == "slow":
            out["seconds"] = self.seconds
        return out


class Faults:
    """Seeded fault injector plus targeted one-shot rules.

    Random decisions are drawn from one ``random.Random(seed)`` in request order,
    so the same request sequence gets the same faults.  Rules (``set_rules``) are
    checked in order after the draw: the first matching rule whose ``skip`` is
    used up replaces the drawn fault for that request."""

    def __init__(self, rate: float = 0.0, kinds=FAULT_KINDS, seed: int = 0):
        self._lock = threading.Lock()
        self.rules: List[FaultRule] = []
        self.configure(rate, kinds, seed)

    @staticmethod
    def parse_rules(specs: Any) -> List[FaultRule]:
        if not isinstance(specs, list):
            raise ValueError("rules must be a list of objects")
        out = []
        for i, spec in enumerate(specs):
            try:
                out.append(FaultRule(spec))
            except ValueError as e:
                raise ValueError("rules[%d]: %s" % (i, e))
        return out

    def set_rules(self, rules: List[FaultRule]) -> None:
        with self._lock:
            self.rules = list(rules)

    def _rule_fault(self, method: str, path: str, api: str, node_id: Optional[int]):
        """Under self._lock: the fault of the first firing rule, or None."""
        for rule in list(self.rules):
            if not rule.matches(method, path, api, node_id):
                continue
            if rule.skip > 0:
                rule.skip -= 1
                continue
            rule.count -= 1
            if rule.count <= 0:
                self.rules.remove(rule)
            if rule.kind == "reset_before":
                return "reset", "before"
            if rule.kind == "reset_after":
                return "reset", "after"
            if rule.kind == "slow":
                return "slow", rule.seconds
            return rule.kind, None
        return None

    def decide(self, method: str, path: str, api: str, node_id: Optional[int] = None):
        """Fault for one request: a rule's fault if one fires, else the random draw."""
        drawn = self.draw()
        with self._lock:
            if not self.rules:
                return drawn
            hit = self._rule_fault(method, path, api, node_id)
        return hit if hit is not None else drawn

    def configure(self, rate: float, kinds, seed: int) -> None:
        if isinstance(kinds, str):
            kinds = [k.strip() for k in kinds.split(",") if k.strip()]
        kinds = [str(k) for k in kinds]
        bad = [k for k in kinds if k not in FAULT_KINDS]
        if bad:
            raise ValueError("unknown fault kind(s): %s (choose from %s)" % (", ".join(bad), ",".join(FAULT_KINDS)))
        rate = float(rate)
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")
        if rate > 0 and not kinds:
            raise ValueError("fault kinds must not be empty when rate > 0")
        with self._lock:
            self.rate = rate
            self.kinds = kinds
            self.seed = int(seed)
            self._rng = random.Random(self.seed)

    def draw(self):
        """Return None or (kind, detail): detail = 'before'/'after' for reset, seconds for slow."""
        with self._lock:
            if self.rate <= 0 or not self.kinds:
                return None
            if self._rng.random() >= self.rate:
                return None
            kind = self._rng.choice(self.kinds)
            if kind == "reset":
                return kind, ("before" if self._rng.random() < 0.5 else "after")
            if kind == "slow":
                return kind, self._rng.uniform(0.3, 1.5)
            return kind, None

    def describe(self) -> Dict[str, Any]:
        with self._lock:
            return {"rate": self.rate, "kinds": list(self.kinds), "seed": self.seed,
                    "rules": [r.describe() for r in self.rules]}


def fault_response(api: str, kind: str) -> Response:
    if api == "cloud":
        table = {"500": (500, 13, "internal server error (injected fault)"),
                 "503": (503, 14, "service unavailable (injected fault)"),
                 "429": (429, 8, "rate limit exceeded (injected fault)")}
        status, code, msg = table[kind]
        resp = Response.json(status, {"code": code, "message": msg, "details": []})
    else:
        table = {"500": (500, "An internal server error has occurred. Please check your CockroachDB logs for more details."),
                 "503": (503, "Service Unavailable"),
                 "429": (429, "Too Many Requests")}
        status, msg = table[kind]
        resp = Response.text(status, msg)
    if kind == "429":
        resp.headers["Retry-After"] = "1"
    return resp


# --------------------------------------------------------------------------- TLS

def make_tls_material(host: str) -> Dict[str, str]:
    """Create a throw-away CA and a server certificate for ``host``/localhost/127.0.0.1.

    Uses ``cryptography`` when importable, else the ``openssl`` command line tool.
    Returns paths: dir, ca_cert, cert, key."""
    d = tempfile.mkdtemp(prefix="crdb-emulator-tls-")
    paths = {"dir": d, "ca_cert": os.path.join(d, "ca.crt"),
             "cert": os.path.join(d, "node.crt"), "key": os.path.join(d, "node.key")}
    try:
        _tls_with_cryptography(host, paths)
    except ImportError:
        _tls_with_openssl(host, paths)
    return paths


def _tls_with_cryptography(host: str, paths: Dict[str, str]) -> None:
    import datetime
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cockroach"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "Cockroach Emulator CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    sans: List[x509.GeneralName] = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                    x509.IPAddress(ipaddress.ip_address("::1"))]
    try:
        ip = ipaddress.ip_address(host)
        if str(ip) not in ("127.0.0.1", "::1"):
            sans.append(x509.IPAddress(ip))
    except ValueError:
        if host and host != "localhost":
            sans.append(x509.DNSName(host))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Cockroach"),
                                     x509.NameAttribute(NameOID.COMMON_NAME, "node")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                                                  x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    with open(paths["ca_cert"], "wb") as f:
        f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["cert"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    os.chmod(paths["key"], 0o600)


def _tls_with_openssl(host: str, paths: Dict[str, str]) -> None:
    d = paths["dir"]
    ca_key = os.path.join(d, "ca.key")

    def run(*a):
        return subprocess.run(a, check=True, capture_output=True)

    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", ca_key, "-out", paths["ca_cert"], "-days", "30", "-subj", "/O=Cockroach/CN=Cockroach Emulator CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    csr = os.path.join(d, "node.csr")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", paths["key"], "-out", csr, "-subj", "/O=Cockroach/CN=node")
    ext = os.path.join(d, "ext.cnf")
    san = "DNS:localhost,IP:127.0.0.1,IP:::1"
    if host not in ("127.0.0.1", "localhost", "::1", ""):
        san += ",%s:%s" % ("IP" if host.replace(".", "").isdigit() or ":" in host else "DNS", host)
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n" % san)
    run("openssl", "x509", "-req", "-in", csr, "-CA", paths["ca_cert"], "-CAkey", ca_key, "-CAcreateserial",
        "-out", paths["cert"], "-days", "30", "-extfile", ext)


# --------------------------------------------------------------------------- listeners

class Listener:
    """One listening port and the API that answers on it.

    kind: 'cloud' | 'cluster' | 'control'.  ``handler(req) -> Response``."""

    def __init__(self, kind: str, host: str, port: int, handler: Callable[[Request], Response],
                 node_id: Optional[int] = None, tls: bool = False):
        self.kind = kind
        self.host = host
        self.port = port
        self.handler = handler
        self.node_id = node_id
        self.tls = tls
        self.sock: Optional[socket.socket] = None
        self.conns: set = set()
        self.conns_lock = threading.Lock()

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def url(self) -> str:
        host = self.host if ":" not in self.host else "[%s]" % self.host
        return "%s://%s:%d" % (self.scheme, host, self.port)

    def bind(self) -> None:
        fam = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(128)
        s.setblocking(False)
        self.port = s.getsockname()[1]
        self.sock = s

    @property
    def up(self) -> bool:
        return self.sock is not None


class _ConnClosed(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CockroachEmulator"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True

    # set per connection by Server._serve_conn
    emulator: "Server"
    listener: Listener
    plain_on_tls = False

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def _dispatch(self):
        self.emulator._dispatch(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def send_raw(self, resp: Response, head: bool = False) -> None:
        body, headers = encode_body(resp, self.listener.kind, self.headers.get("Accept-Encoding"))
        self.send_response_only(resp.status)
        self.send_header("Date", self.date_time_string())
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body and not head:
            self.wfile.write(body)
        self.wfile.flush()

    def abort(self) -> None:
        """Close the connection with a TCP reset and no response at all."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        for f in (self.rfile, self.wfile):
            try:
                f.close()
            except OSError:
                pass
        try:
            self.connection.close()
        except OSError:
            pass


class Server:
    """Owns all listeners, the accept loop, the request log and the fault injector."""

    def __init__(self, host: str = "127.0.0.1", tls: bool = False, faults: Optional[Faults] = None,
                 log: Optional[RequestLog] = None):
        self.host = host
        self.tls = tls
        self.faults = faults or Faults()
        self.log = log or RequestLog()
        self.tls_paths: Optional[Dict[str, str]] = None
        self.ssl_ctx: Optional[ssl.SSLContext] = None
        if tls:
            self.tls_paths = make_tls_material(host)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.tls_paths["cert"], self.tls_paths["key"])
            self.ssl_ctx = ctx
        self.listeners: List[Listener] = []
        self.node_listeners: Dict[int, Listener] = {}
        self._sel = selectors.DefaultSelector()
        self._ops: "queue.Queue" = queue.Queue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._sel.register(self._wake_r, selectors.EVENT_READ, None)
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    # ---- listener management
    def add_listener(self, kind: str, port: int, handler, node_id: Optional[int] = None) -> Listener:
        tls = self.tls and kind in ("cloud", "cluster")
        lst = Listener(kind, self.host, port, handler, node_id=node_id, tls=tls)
        lst.bind()
        self.listeners.append(lst)
        if node_id is not None:
            self.node_listeners[node_id] = lst
        self._call(lambda: self._sel.register(lst.sock, selectors.EVENT_READ, lst))
        return lst

    def _call(self, fn) -> None:
        """Run fn in the accept-loop thread (or directly when the loop is not running) and wait."""
        if self._thread is None or not self._thread.is_alive() or threading.current_thread() is self._thread:
            fn()
            return
        done = threading.Event()
        box: Dict[str, Any] = {}

        def op():
            try:
                fn()
            except Exception as e:  # pragma: no cover - reported to caller
                box["err"] = e
            finally:
                done.set()
        self._ops.put(op)
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        done.wait(10)
        if "err" in box:
            raise box["err"]

    def close_listener(self, lst: Listener) -> None:
        """Stop accepting on lst (connection refused) and drop its open connections."""
        def op():
            if lst.sock is not None:
                try:
                    self._sel.unregister(lst.sock)
                except (KeyError, ValueError):
                    pass
                lst.sock.close()
                lst.sock = None
        self._call(op)
        with lst.conns_lock:
            conns = list(lst.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def open_listener(self, lst: Listener) -> None:
        def op():
            if lst.sock is None:
                last = None
                for _i in range(50):
                    try:
                        lst.bind()
                        break
                    except OSError as e:  # port briefly busy
                        last = e
                        time.sleep(0.05)
                else:
                    raise last  # type: ignore[misc]
                self._sel.register(lst.sock, selectors.EVENT_READ, lst)
        self._call(op)

    # ---- accept loop
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="emulator-accept", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                events = self._sel.select(timeout=1.0)
            except OSError:
                continue
            for key, _mask in events:
                lst = key.data
                if lst is None:
                    try:
                        self._wake_r.recv(4096)
                    except OSError:
                        pass
                    continue
                if lst.sock is None:
                    continue
                try:
                    conn, addr = lst.sock.accept()
                except (BlockingIOError, InterruptedError, OSError):
                    continue
                t = threading.Thread(target=self._serve_conn, args=(lst, conn, addr), daemon=True)
                t.start()
            while True:
                try:
                    op = self._ops.get_nowait()
                except queue.Empty:
                    break
                op()

    def shutdown(self) -> None:
        self._stop.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._thread:
            self._thread.join(3)
        for lst in self.listeners:
            if lst.sock is not None:
                try:
                    lst.sock.close()
                except OSError:
                    pass
                lst.sock = None
            with lst.conns_lock:
                for c in list(lst.conns):
                    try:
                        c.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
        if self.tls_paths:
            shutil.rmtree(self.tls_paths["dir"], ignore_errors=True)

    def _serve_conn(self, lst: Listener, conn: socket.socket, addr) -> None:
        conn.setblocking(True)
        conn.settimeout(IDLE_TIMEOUT)
        plain_on_tls = False
        with lst.conns_lock:
            lst.conns.add(conn)
        try:
            if lst.tls and self.ssl_ctx is not None:
                try:
                    first = conn.recv(1, socket.MSG_PEEK)
                except OSError:
                    return
                if first[:1] == b"\x16":
                    try:
                        tconn = self.ssl_ctx.wrap_socket(conn, server_side=True)
                    except (ssl.SSLError, OSError):
                        return
                    with lst.conns_lock:
                        lst.conns.discard(conn)
                        lst.conns.add(tconn)
                    conn = tconn
                else:
                    plain_on_tls = True
            handler_cls = type("H", (_Handler,), {"emulator": self, "listener": lst, "plain_on_tls": plain_on_tls})
            try:
                handler_cls(conn, addr, None)
            except (OSError, ssl.SSLError, ValueError):
                pass
        finally:
            with lst.conns_lock:
                lst.conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    # ---- request dispatch
    def _dispatch(self, h: _Handler) -> None:
        lst = h.listener
        split = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in h.headers.items()}
        req = Request(method=h.command.upper(), path=split.path or "/",
                      query=parse_qs(split.query, keep_blank_values=True),
                      headers=headers, body=body, node_id=lst.node_id)
        if (headers.get("connection") or "").lower() == "close":
            h.close_connection = True
        ex = exchange(req, lst, self.faults, self.log, target=h.path, plain_on_tls=h.plain_on_tls)
        if ex.close:
            h.close_connection = True
        if ex.reset:
            h.abort()
            return
        h.send_raw(ex.response, req.method == "HEAD")


# --------------------------------------------------------------------------- one request, no sockets

class Exchange(NamedTuple):
    """What the emulator does with one request: the answer, or a dropped connection."""

    response: Optional[Response]  # None when the connection is reset before any answer
    reset: bool = False           # drop the connection with a TCP reset; the client gets no answer
    close: bool = False           # answer, then close the connection
    delay: float = 0.0            # seconds a 'slow' fault held the answer back


def exchange(req: Request, endpoint, faults: Faults, log: RequestLog, target: str = "",
             plain_on_tls: bool = False, sleep: Callable[[float], None] = time.sleep,
             now: Callable[[], float] = time.time) -> Exchange:
    """Serve one request on ``endpoint`` (a Listener: kind, node_id, handler, host, port).

    The one place that applies the plain-HTTP-on-TLS redirect, fault injection and the
    request log; the HTTP server and the in-process adapter (emulator.inprocess) both
    call it, so a quirk is modelled once.  ``target`` is the raw request target (path and
    query) used in a redirect's Location."""
    if endpoint.kind == "control":
        try:
            resp = endpoint.handler(req)
        except Exception as e:  # noqa: BLE001
            resp = Response.json(500, {"error": "control handler failed: %s" % e})
        return Exchange(resp)

    api = endpoint.kind
    node_id = endpoint.node_id if api == "cluster" else None
    if plain_on_tls:
        # A secure node answers plain HTTP with a redirect, except v1 /health.
        if not (api == "cluster" and req.path == "/health"):
            host = req.header("host") or "%s:%d" % (endpoint.host, endpoint.port)
            resp = Response.text(307, "Temporary Redirect",
                                 {"Location": "https://%s%s" % (host, target or req.path)})
            _record(log, now, req, api, node_id, resp, None)
            return Exchange(resp, close=True)

    fault = faults.decide(req.method, req.path, api, node_id)
    kind = fault[0] if fault else None
    if kind == "reset" and fault[1] == "before":
        _record(log, now, req, api, node_id, None, "reset")
        return Exchange(None, reset=True)
    delay = 0.0
    if kind == "slow":
        delay = fault[1]
        sleep(delay)
    if kind in ("500", "503", "429"):
        resp = fault_response(api, kind)
        if api == "cluster":
            resp.headers.setdefault("Cache-Control", "no-cache")
        _record(log, now, req, api, node_id, resp, kind)
        return Exchange(resp, delay=delay)
    try:
        resp = endpoint.handler(req)
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        if api == "cloud":
            resp = Response.json(500, {"code": 13, "message": "internal error: %s" % e, "details": []})
        else:
            resp = Response.text(500, "An internal server error has occurred. Please check your "
                                      "CockroachDB logs for more details.")
    if kind == "reset":
        # reset_after: the request acted; the answer is lost.
        _record(log, now, req, api, node_id, resp, "reset", status=None)
        return Exchange(None, reset=True, delay=delay)
    _record(log, now, req, api, node_id, resp, kind)
    return Exchange(resp, delay=delay)


def encode_body(resp: Response, kind: str, accept_encoding: Optional[str]):
    """Body bytes and headers as sent: a node gzips answers over 512 bytes when the client accepts it."""
    body = resp.body
    headers = dict(resp.headers)
    if body and len(body) > 512 and "gzip" in (accept_encoding or "") and kind == "cluster":
        body = gzip.compress(body, compresslevel=1)
        headers["Content-Encoding"] = "gzip"
        headers["Vary"] = "Accept-Encoding"
    return body, headers


def _record(log: RequestLog, now: Callable[[], float], req: Request, api: str, node_id: Optional[int],
            resp: Optional[Response], fault: Optional[str], status: Any = "auto") -> None:
    if status == "auto":
        status = resp.status if resp is not None else None
    log.add({
        "ts": now(),
        "method": req.method,
        "path": req.path,
        "query": redact(req.query),
        "status": status,
        "api": api,
        "node_id": node_id,
        "body": logged_body(req, resp),
        "fault": fault,
    })
