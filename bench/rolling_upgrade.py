#!/usr/bin/env python
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rolling upgrade benchmark (not a test): a 5-node major upgrade with finalize, against ``python -m emulator``.

Runs ``playbooks/rolling_upgrade.yml`` through ``ansible-playbook`` (v25.4.1 -> v26.1.0, the emulator variants of
every tasks file, finalize on) while a watcher polls ``/_emulator/state`` every 50 ms and notes, per node, the time
it was out of service (not running, or not answering ready: the drain's unready phase, stopped, starting).
Prints the playbook's wall time against the sum of the node outages, the finalization time from
``GET /_emulator/cluster`` (history), and what is left: the orchestration overhead (logins, pre-flight, gates).

    python bench/rolling_upgrade.py [--nodes 5] [--finalize-seconds 2] [--status-interval 10] [--json]
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from _benchlib import collection_root  # noqa: E402  pylint: disable=wrong-import-position
sys.path.insert(0, os.path.join(REPO, "tools"))

from with_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position


class OutageWatcher(threading.Thread):
    """Polls the emulator's control state; sums, per node, the time it was not running-and-ready."""

    def __init__(self, control, period=0.05):
        super().__init__(daemon=True)
        self.control = control
        self.period = period
        self.session = requests.Session()
        self.out_since = {}
        self.outages = {}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            now = time.monotonic()
            try:
                nodes = self.session.get(self.control + "/_emulator/state", timeout=5).json()["nodes"]
            except (requests.RequestException, ValueError, KeyError):
                time.sleep(self.period)
                continue
            for node in nodes:
                nid = node["node_id"]
                up = node.get("phase") == "running" and node.get("ready")
                if not up and nid not in self.out_since:
                    self.out_since[nid] = now
                elif up and nid in self.out_since:
                    self.outages.setdefault(nid, []).append(now - self.out_since.pop(nid))
            time.sleep(self.period)


def run_playbook(info, coll_root, finalize):
    extra = {
        "ansible_python_interpreter": sys.executable,
        "rolling_upgrade_target_version": "v26.1.0",
        "rolling_upgrade_finalize": finalize,
        "rolling_upgrade_finalize_interval": 0.5,
        "rolling_upgrade_cluster_url": info["node_urls"][0],
        "rolling_upgrade_username": info["admin_user"],
        "rolling_upgrade_password": info["admin_password"],
        "rolling_upgrade_node_urls": info["node_urls"],
        "rolling_upgrade_emulator_control_url": info["control_url"],
        "rolling_upgrade_install_tasks": "emulator_install.yml",
        "rolling_upgrade_stop_tasks": "emulator_stop.yml",
        "rolling_upgrade_start_tasks": "emulator_start.yml",
        "rolling_upgrade_settings_tasks": "emulator_settings.yml",
        "rolling_restart_drain_tasks": "emulator_drain.yml",
        "rolling_restart_emulator_control_url": info["control_url"],
    }
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=coll_root, ANSIBLE_NOCOLOR="1")
    bindir = os.path.dirname(sys.executable)
    start = time.monotonic()
    proc = subprocess.run([os.path.join(bindir, "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           os.path.join(REPO, "playbooks", "rolling_upgrade.yml"), "-e", json.dumps(extra)],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    took = time.monotonic() - start
    if proc.returncode:
        raise SystemExit("ansible-playbook failed:\n%s" % proc.stdout.decode()[-4000:])
    return took


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5)
    ap.add_argument("--finalize-seconds", type=float, default=2.0, help="emulated finalization time (s)")
    ap.add_argument("--status-interval", type=float, default=10.0,
                    help="seconds between two status records of a node (default 10, a real node's)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    a = ap.parse_args()

    coll_root = collection_root("upgrade-bench-")
    emu = Emulator(["--nodes", str(a.nodes), "--rate-limit", "0", "--build-tag", "v25.4.1",
                    "--finalize-seconds", str(a.finalize_seconds), "--status-interval", str(a.status_interval)])
    info = emu.start()
    watcher = OutageWatcher(info["control_url"])
    try:
        watcher.start()
        wall = run_playbook(info, coll_root, True)
        watcher.stop.set()
        watcher.join(5)
        cluster = requests.get(info["control_url"] + "/_emulator/cluster", timeout=5).json()
    finally:
        watcher.stop.set()
        emu.stop()
    outages = {nid: sum(v) for nid, v in sorted(watcher.outages.items())}
    history = cluster.get("history") or [{}]
    fin = history[-1]
    finalize_s = (fin["finished"] - fin["started"]) if fin.get("finished") and fin.get("started") else None
    results = {
        "nodes": a.nodes,
        "status_interval_s": a.status_interval,
        "wall_s": round(wall, 1),
        "sum_of_outages_s": round(sum(outages.values()), 1),
        "outage_per_node_s": {str(k): round(v, 2) for k, v in outages.items()},
        "finalization_s": round(finalize_s, 2) if finalize_s is not None else None,
        "cluster_version": cluster.get("version"),
        "builds": sorted(set(n["build_tag"] for n in cluster.get("nodes", []))),
    }
    results["overhead_s"] = round(wall - results["sum_of_outages_s"] - (finalize_s or 0), 1)
    if a.json:
        print(json.dumps(results))
        return
    print("rolling upgrade v25.4.1 -> v26.1.0 with finalize, %d emulated nodes (status records every %gs), "
          "ansible-playbook + rolling_upgrade" % (a.nodes, a.status_interval))
    print("  wall time                      %6.1f s" % results["wall_s"])
    print("  sum of node outages            %6.1f s   (per node: %s)" % (
        results["sum_of_outages_s"], ", ".join("n%s %.1f" % kv for kv in results["outage_per_node_s"].items())))
    print("  finalization (emulated)        %6s s" % (results["finalization_s"],))
    print("  orchestration overhead         %6.1f s   (logins, pre-flight, waits for fresh status records, stability windows, task start-up)"
          % results["overhead_s"])
    print("  end state: cluster version %s, builds %s" % (results["cluster_version"], ", ".join(results["builds"])))


if __name__ == "__main__":
    main()
