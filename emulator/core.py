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


SECRET_KEYS = ("password", "secret", "token", "session", "api_key", "authorization")


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
