"""Versions of the emulated cluster: release calendar, binary compatibility, the cluster version and finalization.

A real cluster has a *cluster version* (``SHOW CLUSTER SETTING version``) next to the *binary* each node
runs (``build_tag``).  A node starts only when its binary can work with the cluster version: not below
it, and not above what the binary can join (its minimum supported version, the previous Regular
release).  A major upgrade becomes final when the cluster version moves up: the *finalization*, run by
migration jobs, automatically once every node runs the new binary (unless
``cluster.preserve_downgrade_option`` is set or ``cluster.auto_upgrade.enabled`` is false), or explicitly
with ``SET CLUSTER SETTING version = '25.4'``.  While it runs, ``SHOW CLUSTER SETTING version`` shows
transitional versions such as ``25.2-upgrading-to-25.3-step-004`` (roachpb ``Version.SafeFormat``: the
successor series of the current one, the internal step on three digits; a 25.2 -> 25.4 skip passes
through 25.3's steps and 25.3 itself).

The release calendar is a small copy of the one in ``plugins/module_utils/upgrade.py`` (the emulator is a
separate product and imports nothing from the collection): up to 24.1 every release is Regular; 24.2
Innovation, 24.3 Regular; from 2025 on ``.1``/``.3`` are Innovation and ``.2``/``.4`` Regular.

Error texts are the real ones where they were read (cockroachdb/cockroach ``pkg/clusterversion``
``setting.go``, ``pkg/storage`` version checks, ``pkg/roachpb/version.go``); the binary check of an
explicit ``SET CLUSTER SETTING version`` is worded after the old logic tests ("cannot upgrade to 2.0:
node running 1.1") and applied to every node, which is the harsher reading.
No HTTP objects here.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

Series = Tuple[int, int]

STEPS_PER_HOP = 6          # transitional versions shown per hop (step-002 .. step-012)

_TAG = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$")
_VERSION = re.compile(r"^(\d+)\.(\d+)$")


def parse_build_tag(tag: str) -> Optional[Tuple[int, int, int]]:
    """``v25.4.1`` -> (25, 4, 1); ``v25.4.0-beta.2`` -> (25, 4, 0); anything else -> None."""
    m = _TAG.match((tag or "").strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def series_of(tag: str) -> Optional[Series]:
    p = parse_build_tag(tag)
    return (p[0], p[1]) if p else None


def parse_version(s: str) -> Series:
    """A final cluster version ``"25.4"``; ValueError with roachpb's words otherwise."""
    m = _VERSION.match((s or "").strip())
    if not m:
        raise ValueError("invalid version %s" % s)
    return int(m.group(1)), int(m.group(2))


def fmt(v: Series) -> str:
    return "%d.%d" % v


def is_innovation(v: Series) -> bool:
    """Innovation releases: 24.2, and from 2025 on the .1 and .3 releases."""
    year, minor = v
    if year < 24:
        return False
    if year == 24:
        return minor == 2
    return minor in (1, 3)


def successor(v: Series) -> Series:
    """The next release series (roachpb ``ReleaseSeries.Successor``)."""
    year, minor = v
    last = 2 if year < 24 else (3 if year == 24 else 4)
    if minor >= last:
        return (year + 1, 1)
    return (year, minor + 1)


def predecessor(v: Series) -> Series:
    year, minor = v
    if minor > 1:
        return (year, minor - 1)
    prev = year - 1
    return (prev, 2 if prev < 24 else (3 if prev == 24 else 4))


def min_supported(binary: Series) -> Series:
    """The oldest cluster version a binary of series ``binary`` can join: the previous Regular release."""
    v = predecessor(binary)
    while is_innovation(v):
        v = predecessor(v)
    return v


def kind(v: Series) -> str:
    return "innovation" if is_innovation(v) else "regular"


def version_sequence(frm: Series, to: Series) -> List[str]:
    """Every transitional version SHOW CLUSTER SETTING version shows on the way from ``frm`` to ``to`` (excl.)."""
    out: List[str] = []
    cur = frm
    while cur < to:
        nxt = successor(cur)
        if cur != frm:
            out.append(fmt(cur))
        for k in range(1, STEPS_PER_HOP + 1):
            out.append("%d.%d-upgrading-to-%d.%d-step-%03d" % (cur[0], cur[1], nxt[0], nxt[1], 2 * k))
        cur = nxt
    return out


def start_error(binary_tag: str, active: "ActiveVersion", store: str) -> Optional[str]:
    """Why a node on ``binary_tag`` cannot start against the cluster's ``active`` version (None: it can).

    Real node: ``cockroach start`` exits with this error (pkg/storage / kvstorage version checks); the
    node never joins."""
    binary = series_of(binary_tag)
    if binary is None:
        return "unrecognised build tag %r" % binary_tag
    if active.above(binary):
        return ("cockroach version v%s is incompatible with data in store %s; use version v%s or later"
                % (fmt(binary), store, active.text))
    low = min_supported(binary)
    if active.at_least < low:
        return ("store %s, last used with cockroach version v%s, is too old for running version v%s "
                "(which requires data from v%s or later)" % (store, active.text, fmt(binary), fmt(low)))
    return None


class ActiveVersion:
    """The cluster version as the cluster sees it now: a final version or a transitional one."""

    def __init__(self, text: str, at_least: Series, next_final: Series, final: bool):
        self.text = text              # as SHOW CLUSTER SETTING version prints it
        self.at_least = at_least      # the final version it is at or above
        self.next_final = next_final  # the final version it is moving to (== at_least when final)
        self.final = final

    def above(self, binary: Series) -> bool:
        """True when a binary of series ``binary`` is too old for this version."""
        return binary < self.at_least or (not self.final and binary <= self.at_least)


class VersionModel:
    """The cluster version, ``cluster.preserve_downgrade_option`` and the finalization (no HTTP, no lock)."""

    def __init__(self, initial: Series, finalize_seconds: float):
        self.initial = initial
        self.default_finalize_seconds = finalize_seconds
        self.reset()

    def reset(self) -> None:
        self.version: Series = self.initial
        self.finalize_seconds = self.default_finalize_seconds
        self.hold = False
        self.finalization: Optional[Dict[str, Any]] = None
        self.history: List[Dict[str, Any]] = []
        self._job_seq = 0

    # ---- reading
    def active(self, now: float) -> ActiveVersion:
        f = self.finalization
        if f is None:
            return ActiveVersion(fmt(self.version), self.version, self.version, True)
        seq = f["sequence"]
        seconds = max(f["seconds"], 1e-9)
        idx = int(len(seq) * (now - f["started"]) / seconds)
        idx = max(0, min(len(seq) - 1, idx))
        text = seq[idx]
        at_least = self.version
        m = _VERSION.match(text)
        if m:  # an intermediate final version of a skip (25.3 on the way from 25.2 to 25.4)
            at_least = (int(m.group(1)), int(m.group(2)))
            return ActiveVersion(text, at_least, f["to"], False)
        frm = re.match(r"^(\d+)\.(\d+)-", text)
        if frm:
            at_least = (int(frm.group(1)), int(frm.group(2)))
        return ActiveVersion(text, at_least, f["to"], False)

    # ---- changes
    def start_finalization(self, to: Series, now: float, wall: float, how: str) -> None:
        self._job_seq += 1
        self.finalization = {
            "from": self.version, "to": to, "started": now, "started_wall": wall,
            "seconds": float(self.finalize_seconds), "sequence": version_sequence(self.version, to),
            "how": how, "job_id": (int(wall * 1e5) << 15) | (900 + self._job_seq),
        }

    def tick(self, now: float, wall: float) -> bool:
        """Complete a finalization whose time is up (unless held); True when the version changed."""
        f = self.finalization
        if f is None or self.hold:
            return False
        if now < f["started"] + f["seconds"]:
            return False
        self.version = f["to"]
        self.history.append({"from": fmt(f["from"]), "to": fmt(f["to"]), "how": f["how"],
                             "started": f["started_wall"], "finished": wall - (now - f["started"] - f["seconds"])})
        self.finalization = None
        return True

    def describe(self, now: float, wall: float) -> Dict[str, Any]:
        act = self.active(now)
        f = self.finalization
        fin: Dict[str, Any] = {"state": "running" if f else "finalized", "from": fmt(f["from"]) if f else None,
                               "to": fmt(f["to"]) if f else None, "held": self.hold}
        if f:
            fin.update({"started": f["started_wall"], "seconds": f["seconds"], "how": f["how"],
                        "ends_in": None if self.hold else max(0.0, f["started"] + f["seconds"] - now),
                        "job_id": f["job_id"]})
        return {"version": fmt(self.version), "active_version": act.text, "finalize_seconds": self.finalize_seconds,
                "finalization": fin, "history": list(self.history)}
