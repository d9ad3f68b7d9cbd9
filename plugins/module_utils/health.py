# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The health verdict: is it safe to take the next node down?

A pure function of plain data, so that unit and property tests can call it with dicts:

* ``nodes``: the node list (``ClusterClient.list_nodes``, all pages), raw node objects, or ``None``
  when no node answered the list;
* ``probes``: ``{node_id: {"url", "status", "ready", "error", "transient", "attempts"}}``, one readiness
  probe (``ClusterClient.probe_readiness``: 200 ready, 500 not ready, no answer = down) per node; with
  ``transient`` every attempt failed without a readiness answer (429, 503, reset, timeout), which is
  reported as such, never as "not ready";
* ``expect``: the caller's expectations (see :func:`evaluate`);
* ``streak``: how many polls in a row passed before this one (the stability window).

Healthy means, for every node that is not decommissioned: it answers ready, its liveness is
LIVE, the expected count is reached, the under-replicated and unavailable ranges summed over
every store of every node are 0, the builds agree (when asked) or equal the expected one,
nodes that must have restarted report a newer ``started_at``, every live node's status record
was written after the disruption being judged (see :func:`freshness`), and all of it held for
``stable_checks`` consecutive polls. Every failed condition gives one reason naming the node.

Why freshness: ``/api/v2/nodes/`` serves each node's *stored* status record, written about every 10 s
(``base.DefaultMetricsSampleInterval``), so ``store_metrics`` and ``updated_at`` lag by up to that much.
Right after node 2 restarts, the other nodes' records can still say "0 under-replicated" from before the
outage; a gate that trusted them would let node 3 go while ranges are under-replicated, and two replicas of
a range would be down at once.
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster import READINESS_PROBE
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import (
    LIVENESS_NAMES,
    store_metric_sum,
)

LIVENESS_MEANING = {
    0: "it has no liveness record",
    1: "it has not heartbeated for longer than server.time_until_store_dead; restart it or decommission it",
    2: "it stopped heartbeating recently or has just restarted",
    4: "it is being decommissioned",
    6: "it is draining",
}

CHECKS = ("node_list", "ready", "live", "count", "underreplicated", "unavailable", "build", "restarted",
          "storage", "fresh", "stable")

# CockroachDB's default maximum clock offset between nodes (--max-offset, 500 ms): a record written on one node
# counts as later than a start on another only when it is later by more than this.
MAX_CLOCK_OFFSET_NS = 500 * 1000 * 1000


def _int(value, default=0):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default


def _ns(value, default=0):
    """A Unix-nanosecond value exactly (``int(float(...))`` loses the last digits of 19-digit numbers)."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return _int(value, default)


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _record_age(node, now):
    """Seconds since the node's record was written, by the controller's clock (None when unknown)."""
    written = _float((node or {}).get("updated_at"))
    if not written or now is None:
        return None
    return round(max(0.0, float(now) - written / 1e9), 1)


def _node_ids(ids):
    return ", ".join(str(i) for i in sorted(ids))


def liveness_of(node):
    status = _int((node or {}).get("liveness_status"), 0)
    return status if status in LIVENESS_NAMES else 0


def locality_of(node):
    tiers = ((node or {}).get("locality") or {}).get("tiers") or []
    return {t.get("key"): t.get("value") for t in tiers if isinstance(t, dict) and t.get("key")}


def version_matches(build_tag, expected):
    """``v25.4.1`` matches ``v25.4.1``, ``25.4.1``, ``v25.4`` and ``v25``; not ``v25.4.10`` for ``v25.4.1``."""
    tag = (build_tag or "").strip().lstrip("vV")
    want = (expected or "").strip().lstrip("vV")
    if not want:
        return True
    return tag == want or tag.startswith(want + ".") or tag.startswith(want + "-")


def short_error(text):
    """A connection failure in a few words (``connection refused``, ``timed out``) instead of a urllib3 trace."""
    low = (text or "").lower()
    for needle, short in (("connection refused", "connection refused"), ("timed out", "timed out"),
                          ("timeout", "timed out"), ("name or service not known", "unknown host"),
                          ("certificate verify failed", "TLS certificate not trusted"),
                          ("connection reset", "connection reset"), ("remotedisconnected", "connection closed")):
        if needle in low:
            return short
    return text or "no connection"


def probe_text(node_id, probe):
    """Why the readiness probe of ``node_id`` did not pass."""
    url = probe.get("url") or "?"
    status = probe.get("status")
    if probe.get("transient"):
        what = "HTTP %s" % status if status is not None else short_error(probe.get("error"))
        tries = probe.get("attempts") or 1
        return ("node %s could not be probed: %s%s answered %s on %s attempt%s, a transient error and no "
                "readiness answer" % (node_id, url.rstrip("/"), READINESS_PROBE if status is not None else "",
                                      what, tries, "" if tries == 1 else "s"))
    if status is None:
        return "node %s is down: %s did not answer (%s)" % (node_id, url, short_error(probe.get("error")))
    if status == 502:
        return "node %s is down: the proxy answered 502 for it (%s)" % (node_id, url)
    return "node %s is not ready: %s%s answered HTTP %s" % (node_id, url.rstrip("/"), READINESS_PROBE, status)


def age_text(seconds):
    """``7 s``, ``2 min 5 s``: how long ago a record was written (controller clock, display only)."""
    if seconds is None:
        return "at an unknown time"
    seconds = max(0, int(round(seconds)))
    if seconds < 120:
        return "%d s ago" % seconds
    return "%d min %d s ago" % (seconds // 60, seconds % 60)


def freshness(by_id, active, expect):
    """``{node_id: (fresh or None, threshold ns or None, what it is judged against)}`` for the live nodes.

    A record counts only when it was written after the disruption it judges:

    * after a restart (``started_after``, every listed node restarted): later than the newest new
      ``started_at`` of those nodes plus the maximum clock offset (500 ms), so that a skewed clock cannot
      make an old record look fresh;
    * otherwise against ``fresh_after`` ({node_id: Unix ns}, normally the ``updated_at`` the gate's first poll
      saw, so that no controller clock is compared with a node clock): a newer record was written after it.

    ``None``: not judged (no threshold for that node, freshness off, or a node that fails on liveness anyway).
    """
    out = {}
    if not expect.get("fresh_records"):
        return out
    floor, against = None, None
    restarted = expect.get("started_after") or {}
    if restarted:
        starts = []
        for key, since in restarted.items():
            node = by_id.get(_int(key, key))
            if node is None or _ns(node.get("started_at")) <= _ns(since):
                return out  # the restart check fails first; freshness is judged once every node is back
            starts.append(_ns(node.get("started_at")))
        floor = max(starts) + MAX_CLOCK_OFFSET_NS
        against = "node%s %s came back" % ("s" if len(restarted) > 1 else "", _node_ids(_int(k, k) for k in restarted))
    baselines = {_int(k, k): _ns(v) for k, v in (expect.get("fresh_after") or {}).items()} if floor is None else {}
    for nid, node in active.items():
        if liveness_of(node) != 3:
            continue
        threshold = floor if floor is not None else baselines.get(nid)
        if threshold is None:
            continue
        written = node.get("updated_at")
        if written in (None, "", 0, "0"):
            out[nid] = (None, threshold, against or "the gate started")
            continue
        out[nid] = (_ns(written) > threshold, threshold, against or "the gate started")
    return out


def evaluate(nodes, probes, expect=None, streak=0):
    """Decide healthy or not. Returns a dict::

        healthy        bool, all conditions held for ``stable_checks`` polls in a row
        passed         bool, all conditions held in this poll
        streak         consecutive passing polls including this one (0 when this one failed)
        stable_checks  the window asked for
        reasons        one text per failed condition (empty when healthy)
        checks         {condition: bool} for the conditions in ``CHECKS``
        nodes          per-node detail, sorted by node id
        underreplicated, unavailable  the cluster totals

    ``expect`` keys (all optional): ``expected_nodes`` (int), ``expected_version`` (str),
    ``same_build`` (bool), ``stable_checks`` (int, default 1), ``started_after``
    ({node_id: Unix ns}: these nodes must report a later ``started_at``), ``min_free_storage``
    (percent of each store's capacity that must be available), ``node_list_error`` (str),
    ``fresh_records`` (bool: judge the records' freshness, see :func:`freshness`), ``fresh_after``
    ({node_id: Unix ns}), ``now`` (the controller's Unix time in seconds, for the record ages shown only).
    """
    expect = expect or {}
    probes = {_int(k, k): v for k, v in (probes or {}).items()}
    stable_checks = max(1, _int(expect.get("stable_checks"), 1))
    reasons = []
    checks = {name: True for name in CHECKS}

    def fail(check, text):
        checks[check] = False
        reasons.append(text)

    known = nodes is not None
    if not known:
        fail("node_list", "the node list could not be read: %s" % (expect.get("node_list_error") or "no node answered"))
    by_id = {}
    for node in nodes or []:
        if isinstance(node, dict) and node.get("node_id") is not None:
            by_id[_int(node.get("node_id"))] = node
    active = {nid: n for nid, n in by_id.items() if liveness_of(n) != 5}

    detail = {}
    for nid in sorted(set(by_id) | set(probes)):
        node = by_id.get(nid) or {}
        probe = probes.get(nid) or {}
        status = liveness_of(node) if nid in by_id else None
        free = None
        for store in (node.get("store_metrics") or {}).values():
            if isinstance(store, dict):
                cap, avail = _float(store.get("capacity")), _float(store.get("capacity.available"))
                if cap and cap > 0 and avail is not None:
                    pct = 100.0 * avail / cap
                    free = pct if free is None else min(free, pct)
        detail[nid] = {
            "node_id": nid,
            "url": probe.get("url"),
            "ready": bool(probe.get("ready")),
            "probe_status": probe.get("status"),
            "probe_error": short_error(probe.get("error")) if probe and probe.get("status") is None and not probe.get("ready")
            else probe.get("error"),
            "in_node_list": nid in by_id,
            "liveness": LIVENESS_NAMES.get(status) if status is not None else None,
            "liveness_status": status,
            "address": ((node.get("address") or {}).get("address_field")) or None,
            "build_tag": node.get("build_tag"),
            "started_at": node.get("started_at"),
            "locality": locality_of(node),
            "underreplicated": store_metric_sum(node, "ranges.underreplicated"),
            "unavailable": store_metric_sum(node, "ranges.unavailable"),
            "stores": len(node.get("store_metrics") or {}),
            "min_free_storage_percent": round(free, 2) if free is not None else None,
            "updated_at": node.get("updated_at"),
            "record_age": _record_age(node, expect.get("now")),
            "fresh": None,
            "problems": [],
        }

    def node_fail(check, nid, text):
        fail(check, text)
        if nid in detail:
            detail[nid]["problems"].append(text)

    # every expected node answers ready
    for nid in sorted(set(active) | (set(probes) - set(by_id))):
        if known and nid in probes and nid not in by_id:
            node_fail("ready", nid, "node %s (%s) is not in the node list" % (nid, probes[nid].get("url") or "?"))
            continue
        probe = probes.get(nid)
        if probe is None:
            node_fail("ready", nid, "node %s has no readiness probe (no URL for it)" % nid)
        elif not probe.get("ready"):
            node_fail("ready", nid, probe_text(nid, probe))

    # every node is live (decommissioned nodes are ignored)
    for nid in sorted(active):
        status = liveness_of(active[nid])
        if status != 3:
            node_fail("live", nid, "node %s is %s (liveness_status %s): %s" % (
                nid, LIVENESS_NAMES[status].upper(), status, LIVENESS_MEANING.get(status, "")))

    # the expected node count
    wanted = expect.get("expected_nodes")
    if known and wanted is not None and len(active) < _int(wanted):
        fail("count", "the node list has %s node(s) that are not decommissioned (%s); %s expected" % (
            len(active), _node_ids(active) or "none", _int(wanted)))

    # replication, summed over every store of every node
    totals = {}
    for metric, check in (("ranges.underreplicated", "underreplicated"), ("ranges.unavailable", "unavailable")):
        per_node = {nid: store_metric_sum(n, metric) for nid, n in active.items()}
        total = sum(per_node.values())
        totals[check] = total
        if total:
            where = ", ".join("node %s: %s" % (nid, c) for nid, c in sorted(per_node.items()) if c)
            text = "%s %s range(s) in the cluster (%s)" % (total, check.replace("under", "under-"), where)
            fail(check, text)
            for nid, count in per_node.items():
                if count:
                    detail[nid]["problems"].append("%s %s range(s) counted on its stores" % (count, check))
    for nid in sorted(active):
        if not active[nid].get("store_metrics"):
            node_fail("underreplicated", nid, "node %s reports no store metrics, so its ranges cannot be checked "
                                              "(CockroachDB v23.2+ is needed)" % nid)

    # builds
    version = expect.get("expected_version")
    if version:
        for nid in sorted(active):
            tag = active[nid].get("build_tag")
            if not version_matches(tag, version):
                node_fail("build", nid, "node %s runs %s, expected %s" % (nid, tag or "an unknown build", version))
    if expect.get("same_build"):
        builds = {}
        for nid in sorted(active):
            builds.setdefault(active[nid].get("build_tag") or "unknown", []).append(nid)
        if len(builds) > 1:
            fail("build", "the nodes run %s different builds: %s" % (len(builds), "; ".join(
                "%s on node(s) %s" % (tag, _node_ids(ids)) for tag, ids in sorted(builds.items()))))

    # nodes that must have restarted since a given time
    for key, since in sorted((expect.get("started_after") or {}).items(), key=lambda kv: str(kv[0])):
        nid = _int(key, key)
        if not known:
            continue
        node = by_id.get(nid)
        if node is None:
            fail("restarted", "node %s, which should have restarted, is not in the node list" % nid)
        elif _ns(node.get("started_at")) <= _ns(since):
            node_fail("restarted", nid, "node %s has not restarted yet (its started_at is not newer than %s)" % (
                nid, _int(since, 0)))

    # every live node's status record was written after the disruption being judged
    for nid, (fresh, threshold, against) in sorted(freshness(by_id, active, expect).items()):
        detail[nid]["fresh"] = fresh
        if fresh is None:
            node_fail("fresh", nid, "node %s reports no updated_at, so whether its status record was written after %s "
                                    "cannot be judged" % (nid, against))
        elif not fresh:
            node_fail("fresh", nid, "waiting for fresh status from node %s (last written %s, before %s)" % (
                nid, age_text(detail[nid]["record_age"]), against))

    # storage headroom
    floor = expect.get("min_free_storage")
    if floor is not None:
        for nid in sorted(active):
            free = detail[nid]["min_free_storage_percent"]
            if free is not None and free < float(floor):
                node_fail("storage", nid, "node %s has a store with %.1f%% of its capacity available (< %s%%)" % (
                    nid, free, floor))

    passed = not reasons
    streak = (max(0, _int(streak, 0)) + 1) if passed else 0
    healthy = passed and streak >= stable_checks
    if passed and not healthy:
        checks["stable"] = False
        reasons.append("all conditions held for %s of %s consecutive checks" % (streak, stable_checks))
    return {
        "healthy": healthy,
        "passed": passed,
        "streak": streak,
        "stable_checks": stable_checks,
        "reasons": reasons,
        "checks": checks,
        "nodes": [detail[nid] for nid in sorted(detail)],
        "underreplicated": totals.get("underreplicated", 0),
        "unavailable": totals.get("unavailable", 0),
    }
