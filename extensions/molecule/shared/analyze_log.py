#!/usr/bin/env python
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read the emulator's request log and the restarts converge recorded; print, per restarted node, what the gate saw.

A gate poll is one ``GET /api/v2/nodes/`` followed by one readiness probe per node. A node that is down refuses
the connection, so its probe is missing from the log: a poll without a 200 probe of a node saw that node down
or not ready.

Usage: analyze_log.py CONTROL_URL OUTCOME_JSON NODES
"""

import json
import sys
import urllib.request


def main():
    control, outcome_path, nodes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(outcome_path) as f:
        outcome = json.load(f)
    with urllib.request.urlopen(control + "/_emulator/requests?api=cluster", timeout=10) as resp:
        log = json.load(resp)["requests"]
    restarts = outcome["restarts"]
    report = []
    for index, rec in enumerate(restarts):
        node = int(rec["node_id"])
        start = int(rec["seq"])
        end = int(restarts[index + 1]["seq"]) if index + 1 < len(restarts) else None
        window = [e for e in log if e["seq"] > start and (end is None or e["seq"] <= end)]
        polls = []
        for entry in window:
            if entry["path"] == "/api/v2/nodes/":
                polls.append({"ts": entry["ts"], "ready": set()})
            elif entry["path"] == "/api/v2/health/" and polls and entry["status"] == 200:
                polls[-1]["ready"].add(entry["node_id"])
        healthy = [len(p["ready"]) == nodes for p in polls]
        first_seen_back = next((p["ts"] for p in polls if node in p["ready"]), None)
        report.append({
            "node_id": node,
            "next_restart_seq": end,
            "polls": len(polls),
            "polls_node_down_or_unready": sum(1 for p in polls if node not in p["ready"]),
            "first_poll_node_down": bool(polls) and node not in polls[0]["ready"],
            "trailing_healthy_polls": len(healthy) - (max([i for i, h in enumerate(healthy) if not h], default=-1) + 1),
            "gate_opened_while_node_down": bool(polls) and end is not None and node not in polls[-1]["ready"],
            "seconds_from_node_back_to_next_restart": (
                round(float(restarts[index + 1]["time"]) - first_seen_back, 3)
                if first_seen_back is not None and end is not None else None),
        })
    print(json.dumps(report))


if __name__ == "__main__":
    main()
