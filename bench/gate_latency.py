#!/usr/bin/env python
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Health gate benchmark (not a test), against ``python -m emulator --nodes 5`` on loopback.

Prints:

1. gate reaction: a node is restarted (``POST /_emulator/nodes/{id}/restart {"downtime": D}``) and the gate waits;
   a watcher polls ``/_emulator/state`` every 10 ms and notes when the cluster is really healthy again (every node
   running, ready, LIVE, 0 under-replicated and 0 unavailable ranges). Reaction = gate open - really healthy;
   median and max over the repeats, for ``stable_checks`` 1 and 3;
2. requests per second the gate sends to each node while it waits (from the emulator's request log);
3. a 5-node roll: drain + restart + gate per node, once driven from Python (the gate's own overhead) and once
   by ``ansible-playbook`` with the ``rolling_restart`` role, against the sum of the emulated outages.

    python bench/gate_latency.py [--repeat 5] [--downtime 1] [--interval 0.5] [--no-ansible] [--json]
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from _benchlib import collection_root  # noqa: E402  pylint: disable=wrong-import-position
sys.path.insert(0, os.path.join(REPO, "tools"))

from with_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position


class Watcher(threading.Thread):
    """Notes the first moment after ``arm()`` when the emulator's state is healthy."""

    def __init__(self, control, node_id):
        super().__init__(daemon=True)
        self.control = control
        self.node_id = node_id
        self.session = requests.Session()
        self.node_ready_at = None
        self.node_saw_down = False
        self.healthy_at = None
        self.saw_unhealthy = False
        self.stop = threading.Event()

    @staticmethod
    def healthy(state):
        for node in state["nodes"]:
            if node["phase"] != "running" or not node["ready"] or node["liveness_status"] != 3:
                return False
            for store in node["store_metrics"].values():
                if store.get("ranges.underreplicated") or store.get("ranges.unavailable"):
                    return False
        return True

    def run(self):
        while not self.stop.is_set():
            state = self.session.get(self.control + "/_emulator/state", timeout=5).json()
            ok = self.healthy(state)
            now = time.monotonic()
            node = [n for n in state["nodes"] if n["node_id"] == self.node_id][0]
            if not node["up"]:
                self.node_saw_down = True
            elif self.node_saw_down and node["ready"] and self.node_ready_at is None:
                self.node_ready_at = now
            if not ok:
                self.saw_unhealthy = True
                self.healthy_at = None
            elif self.saw_unhealthy and self.healthy_at is None:
                self.healthy_at = now
            self.stop.wait(0.01)


def make_gate(info, stable_checks):
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.health_gate import HealthGate
    conn = {"cluster_url": info["node_urls"][0], "username": info["admin_user"], "password": info["admin_password"],
            "timeout": 10}
    return HealthGate(conn, node_urls=info["node_urls"], expect={"stable_checks": stable_checks, "expected_nodes": 5})


def restart(control, node_id, downtime, drain=True):
    if drain:
        requests.post("%s/_emulator/nodes/%d/drain" % (control, node_id), json={}, timeout=5).raise_for_status()
    requests.post("%s/_emulator/nodes/%d/restart" % (control, node_id), json={"downtime": downtime},
                  timeout=5).raise_for_status()


def per_node_rates(control, since, seconds):
    log = requests.get(control + "/_emulator/requests", params={"since": since, "api": "cluster"}, timeout=10).json()
    counts = {}
    for entry in log["requests"]:
        counts[entry["node_id"]] = counts.get(entry["node_id"], 0) + 1
    return {k: round(v / seconds, 2) for k, v in sorted(counts.items())}, log["last_seq"]


def reaction(info, repeat, downtime, interval, stable_checks):
    control = info["control_url"]
    reactions, from_node_ready, rates, waits = [], [], [], []
    rand = random.Random(6)
    for i in range(repeat):
        node_id = i % 5 + 1
        gate = make_gate(info, stable_checks)
        gate.poll()  # log in before the clock starts
        since = requests.get(control + "/_emulator/requests", params={"since": 10 ** 9}, timeout=5).json()["last_seq"]
        watcher = Watcher(control, node_id)
        watcher.start()
        # a random phase between the poll grid and the node's return, so that they do not line up
        restart(control, node_id, downtime + rand.uniform(0, interval))
        verdict = gate.run(wait=True, timeout=60, interval=interval)
        opened = time.monotonic()
        watcher.stop.set()
        watcher.join()
        gate.close()
        if not verdict["healthy"] or watcher.healthy_at is None:
            raise SystemExit("gate or watcher did not see the cluster healthy: %s" % verdict["reasons"])
        reactions.append(opened - watcher.healthy_at)
        from_node_ready.append(opened - watcher.node_ready_at)
        waits.append(verdict["waited"])
        node_rates = per_node_rates(control, since, verdict["waited"])[0]
        rates.append(max(node_rates.values()))
    return {
        "stable_checks": stable_checks,
        "reaction_median_s": round(statistics.median(reactions), 3),
        "reaction_max_s": round(max(reactions), 3),
        "node_ready_to_open_median_s": round(statistics.median(from_node_ready), 3),
        "node_ready_to_open_max_s": round(max(from_node_ready), 3),
        "gate_wait_median_s": round(statistics.median(waits), 3),
        "max_requests_per_s_per_node": round(max(rates), 2),
    }


def python_roll(info, downtime, interval, stable_checks):
    gate = make_gate(info, stable_checks)
    start = time.monotonic()
    verdict = gate.run(wait=False, interval=interval)
    if not verdict["healthy"]:
        raise SystemExit("pre-flight failed: %s" % verdict["reasons"])
    for node_id in range(1, 6):
        before = {n["node_id"]: n["started_at"] for n in verdict["nodes"]}
        restart(info["control_url"], node_id, downtime)
        gate.expect["started_after"] = {node_id: before[node_id]}
        gate.polls = 0
        verdict = gate.run(wait=True, timeout=60, interval=interval)
        if not verdict["healthy"]:
            raise SystemExit("gate failed after node %d: %s" % (node_id, verdict["reasons"]))
    gate.close()
    return round(time.monotonic() - start, 2)


def ansible_roll(info, downtime, interval, stable_checks, coll_root):
    play = os.path.join(tempfile.mkdtemp(prefix="gate-bench-play-"), "roll.yml")
    with open(play, "w") as f:
        f.write("""- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_role:
        name: cockroachdb.cockroachdb.rolling_restart
""")
    extra = {
        "ansible_python_interpreter": sys.executable,
        "rolling_restart_cluster_url": info["node_urls"][0],
        "rolling_restart_username": info["admin_user"],
        "rolling_restart_password": info["admin_password"],
        "rolling_restart_node_urls": info["node_urls"],
        "rolling_restart_drain_tasks": "emulator_drain.yml",
        "rolling_restart_action_tasks": "emulator_restart.yml",
        "rolling_restart_emulator_control_url": info["control_url"],
        "rolling_restart_emulator_downtime": downtime,
        "rolling_restart_gate_interval": interval,
        "rolling_restart_gate_stable_checks": stable_checks,
    }
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=coll_root, ANSIBLE_NOCOLOR="1")
    bindir = os.path.dirname(sys.executable)
    start = time.monotonic()
    proc = subprocess.run([os.path.join(bindir, "ansible-playbook"), "-i", "localhost,", "-c", "local", play,
                           "-e", json.dumps(extra)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=False)
    took = time.monotonic() - start
    if proc.returncode:
        raise SystemExit("ansible-playbook failed:\n%s" % proc.stdout.decode()[-3000:])
    return round(took, 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10, help="restarts measured per stable_checks value")
    ap.add_argument("--downtime", type=float, default=1.0, help="emulated downtime per restart (s)")
    ap.add_argument("--interval", type=float, default=0.5, help="gate poll interval (s)")
    ap.add_argument("--no-ansible", action="store_true", help="skip the ansible-playbook roll")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    a = ap.parse_args()

    coll_root = collection_root("gate-bench-")
    sys.path.insert(0, coll_root)
    # emulated outage per node: unready (0.5 s) + draining (0.5 s) + down (downtime); catch-up 1 s after
    emu = Emulator(["--nodes", "5", "--rate-limit", "0"])
    info = emu.start()
    try:
        results = {"nodes": 5, "interval_s": a.interval, "downtime_s": a.downtime}
        results["reaction"] = [reaction(info, a.repeat, a.downtime, a.interval, s) for s in (1, 3)]
        outage = 5 * (0.5 + 0.5 + a.downtime)
        results["roll_sum_of_emulated_outages_s"] = outage
        results["roll_sum_with_replication_catchup_s"] = outage + 5 * 1.0
        results["roll_python_s"] = python_roll(info, a.downtime, a.interval, 3)
        if not a.no_ansible:
            results["roll_ansible_s"] = ansible_roll(info, a.downtime, a.interval, 3, coll_root)
        results["operator_style_fixed_sleep_s"] = 5 * 22
    finally:
        emu.stop()
    if a.json:
        print(json.dumps(results))
        return
    print("health gate against 5 emulated nodes, poll interval %.2fs, downtime %.1fs per restart" % (
        a.interval, a.downtime))
    for r in results["reaction"]:
        print("  stable_checks=%d: cluster healthy -> gate open median %.3fs max %.3fs; restarted node ready -> "
              "gate open median %.3fs max %.3fs (includes 1s replication catch-up); gate wait median %.2fs; "
              "at most %.2f requests/s to any node" % (
                  r["stable_checks"], r["reaction_median_s"], r["reaction_max_s"], r["node_ready_to_open_median_s"],
                  r["node_ready_to_open_max_s"], r["gate_wait_median_s"], r["max_requests_per_s_per_node"]))
    print("  5-node roll (drain + restart + gate, stable_checks=3): python %.1fs%s" % (
        results["roll_python_s"],
        "" if a.no_ansible else ", ansible-playbook rolling_restart role %.1fs" % results["roll_ansible_s"]))
    print("  sum of emulated outages %.1fs (%.1fs with the 1s replication catch-up per node); "
          "a fixed 22s settle per node alone would add %ds" % (
              results["roll_sum_of_emulated_outages_s"], results["roll_sum_with_replication_catchup_s"],
              results["operator_style_fixed_sleep_s"]))


if __name__ == "__main__":
    main()
