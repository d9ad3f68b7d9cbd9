"""Go-compatible encoders of the Cluster API: what CockroachDB's Go code writes and accepts.

``go_json`` (encoding/json: compact, HTML characters escaped), ``text`` (net/http ``http.Error``),
base64 with Go's error messages, the varint session cookie, ``strconv.ParseBool``/``Atoi`` and the
fan-out page token.  No state, no routing.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any, List, Optional, Tuple

from emulator.core import Response

GENERIC_500 = "An internal server error has occurred. Please check your CockroachDB logs for more details."
NOT_FOUND = "404 page not found"


def text(status: int, msg: str) -> Response:
    return Response.text(status, msg)


def generic_500() -> Response:
    return Response.text(500, GENERIC_500)


def go_json(status: int, obj: Any) -> Response:
    """Go encoding/json: compact, HTML characters escaped."""
    body = json.dumps(obj, separators=(",", ":"))
    body = body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Response(status, body.encode("utf-8"), {"Content-Type": "application/json"})


# --------------------------------------------------------------------------- Go-compatible helpers

_B64_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_MAP = {c: i for i, c in enumerate(_B64_STD)}


def go_b64decode(s: str) -> bytes:
    """base64.StdEncoding.DecodeString with Go's error positions.

    Raises ValueError('illegal base64 data at input byte N')."""
    def err(n):
        return ValueError("illegal base64 data at input byte %d" % n)
    out = bytearray()
    si = 0
    n = len(s)
    while True:
        if si == n:
            return bytes(out)
        dbuf = [0, 0, 0, 0]
        dlen = 4
        j = 0
        while j < 4:
            if si == n:
                if j == 0:
                    return bytes(out)
                raise err(si - j)
            ch = s[si]
            si += 1
            if ch in _B64_MAP:
                dbuf[j] = _B64_MAP[ch]
                j += 1
                continue
            if ch in "\r\n":
                continue
            if ch != "=":
                raise err(si - 1)
            # padding
            if j in (0, 1):
                raise err(si - 1)
            if j == 2:
                while si < n and s[si] in "\r\n":
                    si += 1
                if si == n:
                    raise err(n)
                if s[si] != "=":
                    raise err(si - 1)
                si += 1
            while si < n and s[si] in "\r\n":
                si += 1
            if si < n:
                raise err(si)
            dlen = j
            break
        val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3]
        b = val.to_bytes(3, "big")
        if dlen == 4:
            out += b
        elif dlen == 3:
            out += b[:2]
        else:
            out += b[:1]
        if dlen < 4:
            return bytes(out)


def _varint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_session_cookie(sid: int, secret: bytes) -> str:
    raw = b"\x08" + _varint(sid) + b"\x12" + _varint(len(secret)) + secret
    return base64.b64encode(raw).decode()


def decode_session_cookie(raw: bytes) -> Tuple[int, bytes]:
    """Parse serverpb.SessionCookie proto bytes; ValueError on garbage."""
    i, n = 0, len(raw)
    sid, secret = 0, b""

    def read_varint():
        nonlocal i
        shift, val = 0, 0
        while True:
            if i >= n or shift > 63:
                raise ValueError("bad varint")
            b = raw[i]
            i += 1
            val |= (b & 0x7F) << shift
            if not b & 0x80:
                return val
            shift += 7
    if n == 0:
        raise ValueError("empty")
    while i < n:
        key = read_varint()
        field, wt = key >> 3, key & 7
        if wt == 0:
            v = read_varint()
            if field == 1:
                sid = v
        elif wt == 2:
            ln = read_varint()
            if i + ln > n:
                raise ValueError("truncated")
            if field == 2:
                secret = raw[i:i + ln]
            i += ln
        else:
            raise ValueError("bad wire type")
    return sid, secret


def parse_go_bool(v: str) -> Optional[bool]:
    if v in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if v in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise ValueError(v)


def go_atoi(v: Optional[str]) -> Optional[int]:
    if v is None:
        return None
    if not re.fullmatch(r"[+-]?[0-9]+", v):
        return None
    return int(v)


def encode_fanout_token(done: List[int], in_progress: int, index: int, remaining: List[int]) -> str:
    s = "%s|%d|%d|%s" % ("".join("%d," % n for n in done), in_progress, index,
                         "".join("%d," % n for n in remaining))
    return base64.urlsafe_b64encode(s.encode()).decode()


def decode_fanout_token(tok: str):
    try:
        s = base64.urlsafe_b64decode(tok.encode("ascii")).decode("ascii")
        parts = s.split("|")
        if len(parts) != 4:
            raise ValueError

        def ids(x):
            return [int(v) for v in x.split(",") if v != ""]
        return ids(parts[0]), int(parts[1]), int(parts[2]), ids(parts[3])
    except (ValueError, UnicodeError, TypeError):
        return None
