"""The one router of the emulator: a table of ``Route(method, path template, handler)``.

The Cloud API (``emulator/cloud/routes.py``), the Cluster API (``emulator/cluster/routes.py``) and
the control API (``emulator/control.py``) each declare such a table; what an API answers for an
unknown path or a known path with another method stays with the API (each real server words it
its own way).

Templates are matched segment by segment (``/``-separated):

* ``clusters``: a literal segment;
* ``{cluster_id}``: any non-empty segment;
* ``{range_id:[0-9]+}``: a segment the regular expression matches in full (``re.ASCII``);
* ``{rest:path}``: only last, the remaining segments joined with ``/`` (may be empty).

``method`` is an HTTP method or ``*`` (any method).  Routes are tried in order; the first whose
template and method match wins.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple
from urllib.parse import unquote as percent_decode

ANY = "*"


class Route(NamedTuple):
    method: str                 # "GET", "POST", ... or "*" (any method)
    template: str               # "/api/v1/clusters/{cluster_id}"
    handler: Callable           # the API's handler (an unbound method of its handlers class)
    access: Any = None          # API-specific (the Cluster API: None, "user" or "metadata")


class RouteMatch(NamedTuple):
    route: Route
    params: Dict[str, str]

    @property
    def handler(self) -> Callable:
        return self.route.handler


class NoRoute(NamedTuple):
    """No route matched; ``allowed`` lists the methods of routes whose template matched (405 if not empty)."""

    allowed: Tuple[str, ...]


_PARAM = re.compile(r"^\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<pattern>.+))?\}$")


class _Segment(NamedTuple):
    literal: Optional[str]
    name: Optional[str]
    pattern: Optional["re.Pattern"]
    rest: bool


def _compile(template: str) -> List[_Segment]:
    if not template.startswith("/"):
        raise ValueError("route template must start with /: %r" % template)
    out = []
    parts = template.split("/")[1:]
    for i, part in enumerate(parts):
        m = _PARAM.match(part)
        if m is None:
            out.append(_Segment(part, None, None, False))
            continue
        pattern = m.group("pattern")
        if pattern == "path":
            if i != len(parts) - 1:
                raise ValueError("{%s:path} must be the last segment of %r" % (m.group("name"), template))
            out.append(_Segment(None, m.group("name"), None, True))
        else:
            rx = re.compile(pattern, re.ASCII) if pattern else None
            out.append(_Segment(None, m.group("name"), rx, False))
    return out


class Router:
    """Match ``(method, path)`` against a route table.

    ``unquote``: percent-decode each path segment before matching (the Cloud API's gateway does;
    the Cluster API's router matches the raw path).  ``optional_trailing_slash``: ``/x/`` matches
    the template ``/x`` (the control API)."""

    def __init__(self, routes: Sequence[Route], unquote: bool = False, optional_trailing_slash: bool = False):
        self.routes = list(routes)
        self.unquote = unquote
        self.optional_trailing_slash = optional_trailing_slash
        self._compiled = [(route, _compile(route.template)) for route in self.routes]

    def match(self, method: str, path: str):
        """A :class:`RouteMatch`, or :class:`NoRoute` (with the methods the path allows)."""
        if not path.startswith("/"):
            return NoRoute(())
        if self.optional_trailing_slash and len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        segs = path.split("/")[1:]
        if self.unquote:
            segs = [percent_decode(s) for s in segs]
        allowed: List[str] = []
        for route, pattern in self._compiled:
            params = _match_segments(pattern, segs)
            if params is None:
                continue
            if route.method == ANY or route.method == method:
                return RouteMatch(route, params)
            if route.method not in allowed:
                allowed.append(route.method)
        return NoRoute(tuple(allowed))

    def templates(self) -> List[Tuple[str, str]]:
        return [(r.method, r.template) for r in self.routes]


def _match_segments(pattern: List[_Segment], segs: List[str]) -> Optional[Dict[str, str]]:
    params: Dict[str, str] = {}
    for i, seg in enumerate(pattern):
        if seg.rest:
            params[seg.name] = "/".join(segs[i:])
            return params
        if i >= len(segs):
            return None
        value = segs[i]
        if seg.literal is not None:
            if value != seg.literal:
                return None
            continue
        if value == "" or (seg.pattern is not None and not seg.pattern.fullmatch(value)):
            return None
        params[seg.name] = value
    if len(segs) != len(pattern):
        return None
    return params
