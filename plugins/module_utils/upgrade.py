# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Upgrade legality: which CockroachDB version a cluster may move to next. Pure functions, no I/O.

Release calendar (cockroachdb/docs ``src/current/_data/versions.csv`` and the releases page: "as of 2024,
every second major version is an Innovation release"; Innovation releases have a 6-month maintenance
window and no assistance phase): every release up to 24.1 is Regular and they follow each other
(..., 22.1, 22.2, 23.1, 23.2, 24.1); 24.2 is Innovation, 24.3 Regular; from 2025 on the ``.1`` and ``.3``
releases are Innovation, ``.2`` and ``.4`` Regular (25.1 I, 25.2 R, 25.3 I, 25.4 R, 26.1 I, 26.2 R).

Upgrade rule (docs, major-version upgrade): from a Regular release the next release (an Innovation one) or
the one after it (the next Regular); from an Innovation release only the next Regular release. Within a
major version any patch release is fine, up or down. A binary can join a cluster whose version is at
least its minimum supported version, the Regular release before it.

Words used here: a *series* is ``(year, release)`` such as ``(25, 4)`` and prints as ``25.4``; a *build* is a
node's ``build_tag`` (``v25.4.1``); the *cluster version* is what ``SHOW CLUSTER SETTING version`` says:
a final ``25.2`` or, during a finalization, a transitional ``25.2-upgrading-to-25.3-step-004``.
"""

import re

_TAG = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-([0-9A-Za-z.]+))?(?:\+[0-9A-Za-z.-]*)?$")
_CLUSTER_VERSION = re.compile(r"^(\d+)\.(\d+)(?:-(?:upgrading-to-(\d+)\.(\d+)-step-(\d+)|upgrading-final-step|"
                              r"upgrading-step-(\d+)|(\d+)))?$")

KINDS = ("same", "patch", "major", "rollback", "downgrade", "skip")


def parse_build(tag):
    """``v25.4.1`` / ``25.4.1`` / ``v25.4`` / ``v25.4.0-beta.2`` -> ``{"series": (25, 4), "patch": 1, "pre": ""}``.

    None for anything else."""
    m = _TAG.match(str(tag or "").strip())
    if not m:
        return None
    return {"series": (int(m.group(1)), int(m.group(2))), "patch": int(m.group(3) or 0), "pre": m.group(4) or "",
            "tag": "v%s.%s.%s%s" % (m.group(1), m.group(2), m.group(3) or 0, ("-" + m.group(4)) if m.group(4) else "")}


def series_text(series):
    return "%d.%d" % tuple(series)


def parse_series(text):
    """``"25.4"`` or ``"v25.4"`` -> ``(25, 4)``; a build tag gives its series; None otherwise."""
    b = parse_build(text)
    return b["series"] if b else None


def parse_cluster_version(text):
    """What ``SHOW CLUSTER SETTING version`` says -> ``{"final": bool, "from": (25, 2), "to": (25, 3) or None}``.

    ``to`` is the release the transitional version leads to (None when final or not stated). None when
    ``text`` is not a cluster version."""
    m = _CLUSTER_VERSION.match(str(text or "").strip())
    if not m:
        return None
    base = (int(m.group(1)), int(m.group(2)))
    if m.group(3) is not None:
        return {"final": False, "from": base, "to": (int(m.group(3)), int(m.group(4)))}
    if m.group(0) == "%d.%d" % base:
        return {"final": True, "from": base, "to": None}
    return {"final": False, "from": base, "to": successor(base)}


def is_innovation(series):
    """24.2, and from 2025 on every ``.1`` and ``.3`` release."""
    year, release = series
    if year < 24:
        return False
    if year == 24:
        return release == 2
    return release in (1, 3)


def release_kind(series):
    return "innovation" if is_innovation(series) else "regular"


def _last_release(year):
    return 2 if year < 24 else (3 if year == 24 else 4)


def successor(series):
    """The next major release after ``series``."""
    year, release = series
    if release >= _last_release(year):
        return (year + 1, 1)
    return (year, release + 1)


def predecessor(series):
    year, release = series
    if release > 1:
        return (year, release - 1)
    return (year - 1, _last_release(year - 1))


def min_supported(series):
    """The oldest cluster version a binary of ``series`` can join: the Regular release before it."""
    prev = predecessor(series)
    while is_innovation(prev):
        prev = predecessor(prev)
    return prev


def next_versions(series):
    """Legal major targets from a cluster at ``series``, as ``["25.3", "25.4"]``."""
    first = successor(series)
    out = [first]
    if is_innovation(first) and not is_innovation(series):
        out.append(successor(first))
    return [series_text(s) for s in out]


def _nodes_text(builds):
    return ", ".join(sorted(set(builds))) or "none"


def classify(cluster_version, target, builds=()):
    """A move of every node to build ``target`` from a cluster at ``cluster_version`` whose nodes run ``builds``.

    Returns ``{version, major, kind, legal, reason}``: ``version`` the target build (normalised ``vX.Y.Z``),
    ``major`` its series (``"25.4"``), ``kind`` one of :data:`KINDS`:

    * ``same``: every node already runs ``target``;
    * ``patch``: same major as the cluster version and the nodes, another patch (up or down): legal;
    * ``major``: a legal next major (:func:`next_versions`), or the one a running finalization moves to;
    * ``rollback``: back to the cluster version's major while some nodes run a newer one, before the
      finalization: legal;
    * ``downgrade``: below the cluster version (or back while a finalization runs): illegal;
    * ``skip``: a newer major that is not a legal next step: illegal.

    ``reason`` says why in words. Raises ValueError for a ``target`` or ``cluster_version`` that cannot be
    read (the message names the value)."""
    t = parse_build(target)
    if t is None:
        raise ValueError("target version %r is not a CockroachDB version such as v25.4.1 or 25.4" % (target,))
    cv = parse_cluster_version(cluster_version)
    if cv is None:
        raise ValueError("cluster version %r cannot be read (expected 25.4 or 25.2-upgrading-to-25.3-step-004)"
                         % (cluster_version,))
    node_builds = [b for b in (parse_build(x) for x in builds) if b]
    tseries, cseries = t["series"], cv["from"]
    major = series_text(tseries)
    out = {"version": t["tag"], "major": major}
    newer = sorted(set(series_text(b["series"]) for b in node_builds if b["series"] > cseries))

    def done(kind, legal, reason):
        out.update(kind=kind, legal=legal, reason=reason)
        return out

    if not cv["final"]:
        to = cv["to"]
        if to is not None and tseries >= to and tseries <= _finalization_target(cv, node_builds):
            return done("major", True, "a finalization from %s to %s is running; %s is on its way"
                        % (series_text(cseries), series_text(to), major))
        if tseries <= cseries:
            return done("downgrade", False,
                        "the cluster version is already moving past %s (%s): finalization has started, so "
                        "binaries cannot go back to %s; only a restore from backup can" % (
                            series_text(cseries), cluster_version, major))
        return done("skip", False, "a finalization of the cluster version is running (%s); wait for it to end "
                                   "before planning another upgrade" % cluster_version)
    if tseries < cseries:
        return done("downgrade", False,
                    "%s is below the cluster version %s: after a finalization a binary cannot go back; only a "
                    "restore from backup can" % (major, series_text(cseries)))
    if tseries == cseries:
        if newer:
            return done("rollback", True,
                        "the cluster version is still %s (not finalized) while nodes run %s: rolling the binaries "
                        "back to %s is allowed" % (series_text(cseries), ", ".join(newer), major))
        if node_builds and all(b["tag"] == t["tag"] for b in node_builds):
            return done("same", True, "every node already runs %s" % t["tag"])
        return done("patch", True, "a patch release within %s (nodes run %s)" % (
            major, _nodes_text(b["tag"] for b in node_builds)))
    legal = next_versions(cseries)
    if major in legal:
        if node_builds and all(b["tag"] == t["tag"] for b in node_builds):
            return done("major", True, "every node already runs %s; the cluster version %s is not finalized yet"
                        % (t["tag"], series_text(cseries)))
        return done("major", True, "%s is a legal next major version from %s (%s, %s)" % (
            major, series_text(cseries), release_kind(cseries), _legal_text(cseries)))
    return done("skip", False, "%s cannot be reached from %s in one step: %s. Upgrade through %s first" % (
        major, series_text(cseries), _legal_text(cseries), legal[-1]))


def _finalization_target(cv, node_builds):
    series = [b["series"] for b in node_builds]
    return min(series) if series else cv["to"]


def _legal_text(series):
    legal = next_versions(series)
    if len(legal) == 1:
        if is_innovation(series):
            return "from an Innovation release only the next Regular release (%s) is legal" % legal[0]
        return "the next release is %s" % legal[0]
    return "from a Regular release the next Innovation release (%s) or the next Regular release (%s) is legal" % (
        legal[0], legal[1])


def _as_bool(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "t", "1", "yes", "on")


def finalization_state(cluster_version, builds, jobs=()):
    """``{state, from, to, jobs, reason}`` of the cluster version against the nodes' ``builds``.

    ``running``: the cluster version is transitional or a migration job runs; ``pending``: some node runs a
    newer major than the cluster version (an upgrade is rolling or waits to be finalized); ``finalized``:
    every node runs the cluster version's major. ``to`` is the major the cluster finalizes (or would
    finalize) to: the lowest newer major among the nodes."""
    cv = parse_cluster_version(cluster_version)
    if cv is None:
        raise ValueError("cluster version %r cannot be read" % (cluster_version,))
    series = [b["series"] for b in (parse_build(x) for x in builds) if b]
    newer = sorted(s for s in series if s > cv["from"])
    jobs = list(jobs or [])
    frm = series_text(cv["from"])
    if not cv["final"] or jobs:
        to = newer[0] if newer else cv["to"]
        return {"state": "running", "from": frm, "to": series_text(to) if to else None, "jobs": jobs,
                "reason": "the cluster version is %s and %d upgrade job(s) run" % (cluster_version, len(jobs))}
    if newer:
        everyone = len(newer) == len(series)
        return {"state": "pending", "from": frm, "to": series_text(newer[0]), "jobs": jobs,
                "reason": ("every node runs %s but the cluster version is still %s: not finalized" % (
                    ", ".join(sorted(set(series_text(s) for s in newer))), frm)) if everyone else
                ("%d of %d nodes run a newer major (%s) than the cluster version %s: an upgrade is rolling" % (
                    len(newer), len(series), ", ".join(sorted(set(series_text(s) for s in newer))), frm))}
    return {"state": "finalized", "from": frm, "to": None, "jobs": jobs,
            "reason": "the cluster version %s is final" % frm}


def version_report(cluster_version, preserve_downgrade_option, auto_upgrade_enabled, nodes, jobs=(),
                   target_version=None):
    """What ``cluster_version_info`` returns, from what the server said.

    ``nodes``: normalised node dicts (``node_id``, ``build_tag``, ``version``, ``liveness``); decommissioned
    nodes are listed but do not count for ``builds`` nor the finalization."""
    node_rows = [{"node_id": n.get("node_id"), "build_tag": n.get("build_tag"), "version": n.get("version"),
                  "liveness": n.get("liveness")} for n in nodes]
    members = [n for n in node_rows if n["liveness"] != "decommissioned"]
    builds = sorted(set(n["build_tag"] for n in members if n["build_tag"]))
    member_builds = [n["build_tag"] for n in members if n["build_tag"]]
    cv = parse_cluster_version(cluster_version)
    if cv is None:
        raise ValueError("the server's cluster version %r cannot be read" % (cluster_version,))
    out = {
        "cluster_version": str(cluster_version),
        "preserve_downgrade_option": str(preserve_downgrade_option or ""),
        "auto_upgrade_enabled": _as_bool(auto_upgrade_enabled),
        "nodes": node_rows,
        "builds": builds,
        "finalization": finalization_state(cluster_version, member_builds, jobs),
        "next_versions": next_versions(cv["from"]),
    }
    if target_version:
        out["target"] = classify(cluster_version, target_version, member_builds)
    return out
