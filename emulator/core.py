"""Transport-neutral request/response types shared by every emulated API.

The HTTP layer (``emulator.server``) turns each incoming request into a
:class:`Request`, hands it to the API object that owns the listener
(``CloudAPI.handle`` for the Cloud listener, ``ClusterAPI.handle`` for a node
listener) and writes the :class:`Response` back.  API objects never touch
sockets, so they can be unit-tested by calling ``handle`` directly.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class Request:
    method: str                      # upper case: GET, POST, ...
    path: str                        # path only, no query string, not unquoted beyond %2F-safe decoding
    query: Dict[str, List[str]]      # parse_qs(keep_blank_values=True) of the query string
    headers: Dict[str, str]          # header names lower-cased
    body: bytes = b""
    node_id: Optional[int] = None    # set for node listeners

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.headers.get(name.lower(), default)

    def q(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """First value of a query parameter."""
        vals = self.query.get(name)
        return vals[0] if vals else default

    def json(self) -> Any:
        """Decoded JSON body; raises ValueError on bad JSON."""
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: Dict[str, str] = field(default_factory=dict)
    # What the request log records as the (redacted) request body; filled by the API object
    # when it knows which fields are secret.  None = the server records the raw body.
    logged_body: Any = None

    @classmethod
    def json(cls, status: int, obj: Any, headers: Optional[Dict[str, str]] = None) -> "Response":
        h = {"Content-Type": "application/json"}
        if headers:
            h.update(headers)
        # Compact, like Go's encoding/json; no trailing newline.
        return cls(status, json.dumps(obj, separators=(",", ":")).encode("utf-8"), h)

    @classmethod
    def text(cls, status: int, message: str, headers: Optional[Dict[str, str]] = None) -> "Response":
        # Go http.Error: body + newline, text/plain; charset=utf-8, nosniff.
        h = {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"}
        if headers:
            h.update(headers)
        return cls(status, (message + "\n").encode("utf-8"), h)


SECRET_KEYS = ("password", "secret", "token", "session", "api_key", "authorization", "shared_key")


def redact(obj: Any) -> Any:
    """Deep copy of a decoded body with every secret-looking value replaced."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if any(s in str(k).lower() for s in SECRET_KEYS):
                out[k] = "********"
            else:
                out[k] = redact(v)
        return out
    if isinstance(obj, list):
        return [redact(v) for v in obj]
    return obj


class Clock:
    """Injectable monotonic + wall clock so state machines can be tested without sleeping."""

    def __init__(self):
        import time as _t
        self._t = _t
        self.offset = 0.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self._t.monotonic() + self.offset

    def time(self) -> float:
        return self._t.time() + self.offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.offset += seconds


class ManualClock(Clock):
    """A clock that moves only when told, instantly: ``sleep(s)`` and ``advance(s)`` move it forward.

    Used by the in-process emulator (emulator.inprocess) and the unit tests, where the client's
    sleeps and the emulator's clock are the same object: a module waiting 30 s for a node costs no
    real time.  ``advance`` changes ``offset`` like :class:`Clock` (the control API's clock), so
    ``/_emulator/reset`` takes the advanced part back exactly as it does over HTTP; ``sleep``
    moves ``elapsed`` and never goes back.  ``after(seconds, fn)`` calls ``fn`` once the clock has
    moved that far (from whichever sleep or advance gets there)."""

    def __init__(self, monotonic_start: float = 1000.0, wall_start: float = 1_767_225_600.0):  # 2026-01-01T00:00:00Z
        super().__init__()
        self.monotonic_start = monotonic_start
        self.wall_start = wall_start
        self.elapsed = 0.0
        self.sleeps: List[float] = []
        self._hooks: List[Any] = []

    def monotonic(self) -> float:
        return self.monotonic_start + self.elapsed + self.offset

    def time(self) -> float:
        return self.wall_start + self.elapsed + self.offset

    def __call__(self) -> float:
        return self.monotonic()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        with self._lock:
            self.elapsed += max(0.0, float(seconds))
        self._run_hooks()

    def advance(self, seconds: float) -> None:
        super().advance(seconds)
        self._run_hooks()

    def after(self, seconds: float, fn) -> None:
        self._hooks.append((self.monotonic() + seconds, fn))

    def _run_hooks(self) -> None:
        now = self.monotonic()
        for hook in sorted([h for h in self._hooks if h[0] <= now], key=lambda h: h[0]):
            self._hooks.remove(hook)
            hook[1]()
