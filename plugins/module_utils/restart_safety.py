# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the ``health/restart_safety/`` endpoint (v25.4+) says: is the node that answers safe to terminate now?

The server answers 200 when it is and 503 when it is not. v25.4 (PR #142930) sends counters with
it (Go struct ``RestartSafetyResponse``: ``IsRestartSafe``, ``UnavailableRangeCount``,
``UnderreplicatedRangeCount``, ``RaftLeadershipOnNodeCount``, ``StoreNotDrainingCount``): ranges with a
replica on this node that are unavailable, ranges with a replica on this node that are under-replicated,
Raft leaderships the node still holds, and its stores that are not draining (a running node that was not
drained: its leaderships and one per store). The JSON key spelling is not confirmed, so both the
snake_case tags (``unavailable_range_count``, ...) and the Go field names are read, and an absent
counter is 0 (zero values may be omitted); the decision is the status code. An unmerged change
answered a replica list instead (``is_critical``, ``replicas[]`` with one problem status each): that
is still read. Releases before v25.4 answer 404; a non-system tenant answers 501. Whether the route
needs a session is not confirmed either: the client sends one when it has one, and a 401/403 is
"not permitted", which no amount of waiting changes.

Pure interpretation: :meth:`ClusterClient.restart_safety <cluster.ClusterClient.restart_safety>` asks,
:func:`parse_restart_safety` turns one answer into a small dict, and :func:`wait_restart_safe` polls
(any ``probe()``) until the node is safe, the endpoint turns out to be missing or not permitted, or the
deadline passes.
"""

import time

# at most 4 requests per second while waiting
MIN_INTERVAL = 0.25

# the server's order of precedence, used to list problems when the counts tie
PROBLEM_ORDER = ("Unavailable", "Underreplicated", "IsRaftLeader", "StoreNotDraining")

# counter -> (the JSON keys it may come as, the replica-list status it corresponds to)
COUNTERS = (
    ("unavailable_ranges", ("unavailable_range_count", "UnavailableRangeCount", "unavailableRangeCount"),
     "Unavailable"),
    ("underreplicated_ranges", ("underreplicated_range_count", "UnderreplicatedRangeCount",
                                "underreplicatedRangeCount"), "Underreplicated"),
    ("raft_leaderships", ("raft_leadership_on_node_count", "RaftLeadershipOnNodeCount",
                          "raftLeadershipOnNodeCount"), "IsRaftLeader"),
    ("stores_not_draining", ("store_not_draining_count", "StoreNotDrainingCount", "storeNotDrainingCount"),
     "StoreNotDraining"),
)
SAFE_KEYS = ("is_restart_safe", "IsRestartSafe", "isRestartSafe")
_COUNTER_KEYS = frozenset(k for _name, keys, _status in COUNTERS for k in keys) | frozenset(SAFE_KEYS)

_UNSUPPORTED = {
    404: "the server has no restart_safety endpoint (404; CockroachDB releases before v25.4)",
    501: "restart_safety is not available on a non-system tenant (501)",
}
NEEDS = "admin (or VIEWCLUSTERMETADATA)"


def _short(text, limit=200):
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _count(value):
    """A counter as sent (number, numeric string, absent) -> int >= 0; anything else counts 0."""
    if isinstance(value, bool):
        return 0
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError):
        return 0


def _shape(body):
    """``counters`` (v25.4), ``replicas`` (the unmerged replica list) or None (no JSON object)."""
    if not isinstance(body, dict):
        return None
    if "replicas" in body or "is_critical" in body:
        return "replicas"
    if "node_id" in body and not _COUNTER_KEYS.intersection(body):
        return "replicas"  # the replica-list shape's 200: {"node_id": N}
    return "counters"


def parse_counters(body):
    """``{unavailable_ranges, underreplicated_ranges, raft_leaderships, stores_not_draining}`` from a body.

    Each counter is read under its snake_case tag, its Go field name or its camelCase JSON name
    (the first present wins); an absent counter is 0.
    """
    counters = {}
    for name, keys, _status in COUNTERS:
        present = [k for k in keys if k in body]
        counters[name] = _count(body[present[0]]) if present else 0
    return counters


def _not_permitted(status, error, user):
    text = _short(error) or "HTTP %s" % status
    if text.startswith("login as "):
        return "not permitted: %s" % text
    if status == 403:
        who = "user %s" % user if user else "the user"
        return "not permitted: %s needs %s to ask restart_safety (HTTP 403: %s)" % (who, NEEDS, text)
    return ("not permitted: restart_safety needs a valid session of a user with %s; log in again or check the "
            "session token (HTTP 401: %s)" % (NEEDS, text))


def parse_restart_safety(status, body, error=None, remote_node_id=None, via=None, user=None):
    """One answer -> ``{safe, status, supported, permitted, shape, counters, problems, replicas, node_id, error}``.

    ``status`` is the HTTP status (``None`` when the node did not answer), ``body`` the decoded
    body (dict for JSON, else text), ``error`` the reason there was no answer (or the text body).
    ``counters`` holds the v25.4 counters (``None`` unless the answer carried them); ``problems`` maps
    each problem to its count: the replicas per status of a replica list, or the nonzero counters under
    the same names (``Unavailable``, ``Underreplicated``, ``IsRaftLeader``, ``StoreNotDraining``);
    ``replicas`` is the number of replicas a replica list named (0 for counters). ``permitted`` is False
    for a 401/403. With ``remote_node_id`` the request went through the proxy of the node at ``via``:
    a 502 means that node could not reach ``remote_node_id``, a 400 that it does not know it. ``user``
    names the user in a 403 message.
    """
    shape = _shape(body) if status in (200, 503) else None
    result = {"safe": False, "status": status, "supported": True, "permitted": True, "shape": shape,
              "counters": None, "problems": {}, "replicas": 0, "node_id": None, "error": None}
    if isinstance(body, dict):
        try:
            result["node_id"] = int(body["node_id"]) if body.get("node_id") is not None else None
        except (TypeError, ValueError):
            result["node_id"] = None
    if result["node_id"] is None and remote_node_id is not None and status in (200, 503):
        result["node_id"] = int(remote_node_id)  # the proxied request was answered by that node
    if status is None:
        result["error"] = _short(error) or "no answer"
        return result
    if status in _UNSUPPORTED:
        result["supported"] = False
        result["error"] = _UNSUPPORTED[status]
        return result
    if status in (401, 403):
        result["permitted"] = False
        result["error"] = _not_permitted(status, body if isinstance(body, str) and body.strip() else error, user)
        return result
    if shape == "counters":
        counters = parse_counters(body)
        result["counters"] = counters
        if status == 503:
            result["problems"] = dict((problem, counters[name]) for name, _keys, problem in COUNTERS
                                      if counters[name])
            if not result["problems"]:
                result["error"] = "503 (not safe) with every counter 0 or absent: the server did not say why"
    if status == 200:
        result["safe"] = True
        return result
    if status == 503 and shape == "replicas":
        problems = {}
        for replica in body.get("replicas") or []:
            if not isinstance(replica, dict):
                continue
            name = str(replica.get("status") or "unknown")
            problems[name] = problems.get(name, 0) + 1
        result["problems"] = problems
        result["replicas"] = sum(problems.values())
        if not problems:
            result["error"] = "503 without replicas%s" % (" (is_critical)" if body.get("is_critical") else "")
        return result
    if status == 503 and shape == "counters":
        return result
    text = body if isinstance(body, str) else (error or "")
    if status == 502 and remote_node_id is not None:
        result["error"] = "node %s could not be reached through %s (%s)" % (
            remote_node_id, via or "the API node", _short(text) or "proxy error")
        return result
    if status == 400 and remote_node_id is not None:
        # the proxy's answer for a node id it cannot route to (never a verdict on the node)
        result["error"] = "node %s could not be routed to through %s (HTTP 400%s)" % (
            remote_node_id, via or "the API node", (": " + _short(text)) if text else "")
        return result
    result["error"] = "HTTP %s%s" % (status, (": " + _short(text)) if text else "")
    return result


def _plural(count, one, many):
    return one if count == 1 else many


def describe_counters(counters):
    """The nonzero counters in words, most serious first (empty when all are 0)."""
    parts = []
    n = counters.get("unavailable_ranges") or 0
    if n:
        parts.append("%d %s unavailable" % (n, _plural(n, "range is", "ranges are")))
    n = counters.get("underreplicated_ranges") or 0
    if n:
        parts.append("%d %s would become under-replicated" % (n, _plural(n, "range", "ranges")))
    n = counters.get("raft_leaderships") or 0
    if n:
        parts.append("node still holds %d Raft %s" % (n, _plural(n, "leadership", "leaderships")))
    n = counters.get("stores_not_draining") or 0
    if n:
        parts.append("%d %s not draining" % (n, _plural(n, "store is", "stores are")))
    return ", ".join(parts)


def describe_problems(problems):
    """``{"StoreNotDraining": 12, "Underreplicated": 1}`` -> ``12 replicas StoreNotDraining, 1 Underreplicated``."""
    if not problems:
        return ""

    def key(item):
        name, count = item
        rank = PROBLEM_ORDER.index(name) if name in PROBLEM_ORDER else len(PROBLEM_ORDER)
        return (-count, rank, name)

    parts = []
    for index, (name, count) in enumerate(sorted(problems.items(), key=key)):
        if index == 0:
            parts.append("%d %s %s" % (count, "replica" if count == 1 else "replicas", name))
        else:
            parts.append("%d %s" % (count, name))
    return ", ".join(parts)


def describe(result):
    """Why a parsed answer is not safe, in a few words (empty when it is safe)."""
    if result["safe"]:
        return ""
    if result.get("counters") and describe_counters(result["counters"]):
        return describe_counters(result["counters"])
    if result["problems"]:
        return describe_problems(result["problems"])
    return result["error"] or "HTTP %s" % result["status"]


def wait_restart_safe(probe, timeout, interval=0.5, clock=time.monotonic, sleep=time.sleep):
    """Call ``probe()`` until it reports safe, the endpoint missing, not permitted (401/403), a 400, or ``timeout`` passes.

    ``probe`` returns a :func:`parse_restart_safety` dict. Polls start at least ``interval``
    seconds apart (never faster than :data:`MIN_INTERVAL`), the last one at the deadline;
    ``timeout=0`` asks once.
    Returns the last answer plus ``waited`` (seconds) and ``polls``.
    """
    interval = max(float(interval), MIN_INTERVAL)
    start = clock()
    deadline = start + max(float(timeout), 0.0)
    polls = 0
    while True:
        began = clock()
        result = probe()
        polls += 1
        if result["safe"] or not result["supported"] or not result.get("permitted", True) or result["status"] == 400:
            break  # (a 401/403 or a 400, such as the proxy's for a node it cannot route to, never turns safe)
        now = clock()
        if now >= deadline:
            break
        # the last poll falls on the deadline, so that "not safe after N s" means N seconds
        sleep(max(0.0, min(began + interval, deadline) - now))
    result = dict(result)
    result["waited"] = round(clock() - start, 3)
    result["polls"] = polls
    return result
