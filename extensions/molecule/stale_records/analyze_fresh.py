#!/usr/bin/env python
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""For each restarted node k: when it came back (its first status record of the new process), when the role drained
the next node (or ended), and whether every node wrote a status record after node k came back (+500 ms) before
that; plus how many node-list reads the gate made in between on records older than that (it held on stale data).

Usage: analyze_fresh.py CONTROL_URL OUTCOME_JSON DRAINS_JSON
"""

import json
import sys
import urllib.request

OFFSET = 0.5


def main():
    control, outcome_path, drains_path = sys.argv[1:4]
    with open(outcome_path) as f:
        outcome = json.load(f)
    with open(drains_path) as f:
        drains = json.load(f)
    with urllib.request.urlopen(control + "/_emulator/status", timeout=10) as resp:
        status = json.load(resp)
    with urllib.request.urlopen(control + "/_emulator/requests?api=cluster", timeout=10) as resp:
        log = json.load(resp)["requests"]
    writes = status["writes"]
    nodes = sorted({w["node_id"] for w in writes} | {int(n) for n in status["records"]})
    order = [int(d["node_id"]) for d in drains]
    report = []
    for index, nid in enumerate(order):
        # the new process of node k: the newest started_at in its writes (its first write is as it starts)
        starts = sorted({w["started_at"] for w in writes if w["node_id"] == nid})
        back = starts[-1] / 1e9 if len(starts) > 1 or (starts and starts[0] / 1e9 > float(outcome["started"])) else None
        until = float(drains[index + 1]["time"]) if index + 1 < len(drains) else float(outcome["ended"])
        fresh = {}
        for n in nodes:
            times = [w["time"] for w in writes if w["node_id"] == n and back is not None and w["time"] > back + OFFSET]
            fresh[n] = min(times) if times else None
        fresh_before = all(t is not None and t < until for t in fresh.values())
        last_fresh = max((t for t in fresh.values() if t is not None), default=None)
        stale_polls = [e for e in log if e["path"] == "/api/v2/nodes/" and back is not None and last_fresh is not None
                       and back <= e["ts"] < last_fresh]
        report.append({
            "node_id": nid,
            "came_back": back,
            "next_drain_or_end": until,
            "next": order[index + 1] if index + 1 < len(order) else None,
            "first_fresh_write": fresh,
            "every_record_fresh_before_next": fresh_before,
            "node_list_reads_on_stale_records": len(stale_polls),
            "held_seconds": round(until - back, 2) if back is not None else None,
            "fresh_after_seconds": round(last_fresh - back, 2) if back is not None and last_fresh is not None else None,
        })
    print(json.dumps({"interval": status["interval"], "restarts": report}))


if __name__ == "__main__":
    main()
