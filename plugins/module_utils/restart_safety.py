# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the ``health/restart_safety/`` endpoint (v25.4+) says: is the node that answers safe to terminate now?

The server answers 200 when it is, and 503 with a list of replicas and one problem status each
when it is not (on a running node that was not drained, every replica is listed). Releases before
v25.4 answer 404; a non-system tenant answers 501.

Pure interpretation: :meth:`ClusterClient.restart_safety <cluster.ClusterClient.restart_safety>` asks,
:func:`parse_restart_safety` turns one answer into a small dict, and :func:`wait_restart_safe` polls
(any ``probe()``) until the node is safe, the endpoint turns out to be missing, or the deadline passes.
"""

import time

# at most 4 requests per second while waiting
MIN_INTERVAL = 0.25

# the server's order of precedence, used to list problems when the counts tie
PROBLEM_ORDER = ("Unavailable", "Underreplicated", "IsRaftLeader", "StoreNotDraining")

_UNSUPPORTED = {
    404: "the server has no restart_safety endpoint (404; CockroachDB releases before v25.4)",
    501: "restart_safety is not available on a non-system tenant (501)",
}


def _short(text, limit=200):
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def parse_restart_safety(status, body, error=None, remote_node_id=None, via=None):
    """One answer -> ``{safe, status, supported, problems, replicas, node_id, error}``.

    ``status`` is the HTTP status (``None`` when the node did not answer), ``body`` the decoded
    body (dict for JSON, else text), ``error`` the reason there was no answer (or the text body).
    ``problems`` counts the replicas per status from a 503 body; ``replicas`` is their total.
    With ``remote_node_id`` the request went through the proxy of the node at ``via``, and a 502
    means that node could not reach ``remote_node_id``.
    """
    result = {"safe": False, "status": status, "supported": True, "problems": {}, "replicas": 0,
              "node_id": None, "error": None}
    if isinstance(body, dict):
        try:
            result["node_id"] = int(body["node_id"]) if body.get("node_id") is not None else None
        except (TypeError, ValueError):
            result["node_id"] = None
    if status is None:
        result["error"] = _short(error) or "no answer"
        return result
    if status in _UNSUPPORTED:
        result["supported"] = False
        result["error"] = _UNSUPPORTED[status]
        return result
    if status == 200:
        result["safe"] = True
        return result
    if status == 503 and isinstance(body, dict):
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
    if status == 502 and remote_node_id is not None:
        result["error"] = "node %s could not be reached through %s (%s)" % (
            remote_node_id, via or "the API node", _short(error) or "proxy error")
        return result
    text = body if isinstance(body, str) else (error or "")
    result["error"] = "HTTP %s%s" % (status, (": " + _short(text)) if text else "")
    return result


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
    if result["problems"]:
        return describe_problems(result["problems"])
    return result["error"] or "HTTP %s" % result["status"]


def wait_restart_safe(probe, timeout, interval=0.5, clock=time.monotonic, sleep=time.sleep):
    """Call ``probe()`` until it reports safe, reports the endpoint missing, answers 400, or ``timeout`` passes.

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
        if result["safe"] or not result["supported"] or result["status"] == 400:
            break  # (a 400, such as the proxy's for a node it cannot route to, never turns safe)
        now = clock()
        if now >= deadline:
            break
        # the last poll falls on the deadline, so that "not safe after N s" means N seconds
        sleep(max(0.0, min(began + interval, deadline) - now))
    result = dict(result)
    result["waited"] = round(clock() - start, 3)
    result["polls"] = polls
    return result
