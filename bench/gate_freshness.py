#!/usr/bin/env python
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cost of fresh status records (not a test): how long after a restart the health gate opens.

In-process emulator (emulator.inprocess) on a manual clock: the figures are EMULATED seconds (the gate's sleeps
move the clock; no real waiting), from the restart request to the gate's verdict. 5 nodes; node 2 restarts
(0.5 s unready + 0.5 s draining + 1 s down, then 3 s catching up); the gate polls every 0.5 s and needs 3 polls
in a row, with ``started_after`` for node 2. Each run starts at another point of the nodes' write phases.

Rows:

* status records every 10 s (a real node), gate on fresh records (the default);
* the same records, gate with ``fresh_records: false`` (the earlier behaviour): it can open on records written
  before node 2 came back; "stale" counts the runs where it did, while the live truth still had under-replicated
  ranges;
* per-request metrics (``--status-interval 0``, kinder than any real node): the floor.

    python bench/gate_freshness.py [--runs 5] [--json]
"""

import argparse
import json
import os
import random
import statistics
import sys

import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from _benchlib import collection_root  # noqa: E402  pylint: disable=wrong-import-position
sys.path.insert(0, REPO)

from emulator.core import ManualClock  # noqa: E402  pylint: disable=wrong-import-position
from emulator.inprocess import InProcessEmulator  # noqa: E402  pylint: disable=wrong-import-position


sys.path.insert(0, collection_root("fresh-bench-"))
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.health_gate import HealthGate  # noqa: E402  pylint: disable=wrong-import-position


CATCHUP = 3.0  # seconds a node that came back needs to catch up (its ranges count as under-replicated meanwhile)


def one_run(seed, interval, fresh):
    clock = ManualClock()
    emu = InProcessEmulator(clock=clock, nodes=5, seed=0, status_interval=interval, catchup_seconds=CATCHUP)
    requests.Session = emu.session  # every client of the gate talks to this emulator
    clock.advance(random.Random(seed).uniform(0, 10))  # another point of the nodes' write phases
    conn = {"cluster_url": emu.node_url(1), "username": emu.admin_user, "password": emu.admin_password,
            "validate_certs": True, "timeout": 10.0, "retries": 3}
    probe = HealthGate(conn, node_urls=emu.node_urls, expect={}, clock=clock.monotonic, sleep=clock.sleep,
                       wall=clock.time)
    before = [n for n in probe.poll()["nodes"] if n["node_id"] == 2][0]["started_at"]
    probe.close()
    emu.restart_node(2, downtime=1)
    t0 = clock.monotonic()
    gate = HealthGate(conn, node_urls=emu.node_urls, clock=clock.monotonic, sleep=clock.sleep, wall=clock.time,
                      expect={"expected_nodes": 5, "stable_checks": 3, "started_after": {2: before},
                              "fresh_records": fresh})
    verdict = gate.run(wait=True, timeout=120, interval=0.5)
    gate.close()
    opened = clock.monotonic() - t0
    live_under = sum(m["ranges.underreplicated"] for n in emu.state()["nodes"] for m in n["store_metrics"].values())
    back = [n for n in verdict["nodes"] if n["node_id"] == 2][0]["started_at"]
    stale = any((n["updated_at"] or 0) <= back for n in verdict["nodes"])
    return {"healthy": verdict["healthy"], "opened": round(opened, 2), "polls": verdict["polls"],
            "stale": stale, "unsafe": stale and live_under > 0, "live_underreplicated": live_under}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for label, interval, fresh in (("10 s status records, fresh_records=true (default)", 10.0, True),
                                   ("10 s status records, fresh_records=false", 10.0, False),
                                   ("per-request metrics (--status-interval 0, kinder than real)", 0.0, True)):
        runs = [one_run(seed, interval, fresh) for seed in range(args.runs)]
        rows.append({"case": label, "median_open_s": statistics.median(r["opened"] for r in runs),
                     "max_open_s": max(r["opened"] for r in runs), "opened": [r["opened"] for r in runs],
                     "all_healthy": all(r["healthy"] for r in runs),
                     "opened_on_stale_records": sum(1 for r in runs if r["stale"]),
                     "opened_on_stale_records_while_underreplicated": sum(1 for r in runs if r["unsafe"]),
                     "polls_median": statistics.median(r["polls"] for r in runs)})
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print("gate opening time after node 2 of 5 restarts (EMULATED seconds from the restart request, in-process "
          "emulator on a manual clock; %d runs each; downtime 1 s + 1 s unready/drain, %g s catch-up; 3 polls 0.5 s "
          "apart)" % (args.runs, CATCHUP))
    for row in rows:
        print("  %-62s median %6.2f s  max %6.2f s  polls %4.1f  opened on stale records: %d of %d (with ranges "
              "still under-replicated: %d)  runs: %s" % (
                  row["case"], row["median_open_s"], row["max_open_s"], row["polls_median"],
                  row["opened_on_stale_records"], args.runs, row["opened_on_stale_records_while_underreplicated"],
                  ", ".join("%.1f" % o for o in row["opened"])))
    print("  cost of freshness: %+.2f s median over per-request metrics"
          % (rows[0]["median_open_s"] - rows[2]["median_open_s"]))


if __name__ == "__main__":
    main()
