#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: ``hot_ranges_info`` top 100 on an emulator with 1,000 nodes (not a test).

Starts ``python -m emulator --nodes N`` itself (tools/with_emulator.py's ``Emulator``), then runs the
module in a real ``ansible-playbook`` task and prints its wall time, the pages and requests it made
(from the emulator's request log), and the same fetch done in-process (client + normaliser only).

    python bench/hot_ranges.py [--nodes 1000] [--top 100] [--page-size 1000] [--repeat 3]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from with_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Top N hot ranges
      cockroachdb.cockroachdb.hot_ranges_info:
        cluster_url: "{{ url }}"
        username: "{{ user }}"
        password: "{{ password }}"
        limit: "{{ top | int }}"
        page_size: "{{ page_size | int }}"
      register: hot
    - name: Summary for the benchmark
      ansible.builtin.debug:
        msg: "BENCH {{ {'returned': hot.ranges | length, 'pages': hot.pages, 'seen': hot.total_seen,
                        'top_qps': hot.ranges[0].qps if hot.ranges else None} | to_json }}"
"""


def collections_root():
    env = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.environ.get("ANSIBLE_COLLECTIONS_PATHS")
    if env:
        return env
    return os.path.join(ROOT, "build", "collections")


def request_log(control_url, clear=False):
    import requests
    if clear:
        requests.delete(control_url + "/_emulator/requests", timeout=30)
        return []
    return requests.get(control_url + "/_emulator/requests", params={"api": "cluster"}, timeout=60).json()["requests"]


def run_playbook(ready, top, page_size, tmpdir):
    play = os.path.join(tmpdir, "hot.yml")
    with open(play, "w") as handle:
        handle.write(PLAY)
    extra = {"url": ready["node_urls"][0], "user": ready["admin_user"], "password": ready["admin_password"],
             "top": top, "page_size": page_size, "ansible_python_interpreter": sys.executable}
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_root(), ANSIBLE_NOCOLOR="1")
    bindir = os.path.dirname(sys.executable)
    cmd = [os.path.join(bindir, "ansible-playbook"), "-i", "localhost,", "-c", "local", play, "-e", json.dumps(extra)]
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    elapsed = time.monotonic() - started
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError("ansible-playbook failed:\n" + out[-3000:])
    line = [x for x in out.splitlines() if "BENCH " in x][0]
    summary = json.loads(line.split("BENCH ", 1)[1].rstrip('"').replace('\\"', '"'))
    return elapsed, summary


def in_process(ready, top, page_size):
    sys.path.insert(0, collections_root())
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster import ClusterClient
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import TopRanges
    started = time.monotonic()
    ranks = TopRanges(limit=top)
    with ClusterClient(ready["node_urls"][0], username=ready["admin_user"], password=ready["admin_password"]) as client:
        for page, dummy in client.iter_token_pages("/api/v2/ranges/hot/", "ranges", limit=page_size):
            ranks.add(page)
        requests_made = client.request_count
    return time.monotonic() - started, len(ranks.result()), ranks.seen, requests_made


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--top", type=int, default=100)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ranges-per-node", type=int, default=None)
    args = parser.parse_args(argv)
    flags = ["--nodes", str(args.nodes), "--rate-limit", "0"]
    if args.ranges_per_node:
        flags += ["--ranges-per-node", str(args.ranges_per_node)]
    boot = time.monotonic()
    with Emulator(flags, timeout=300.0) as emu:
        ready = emu.ready
        print("emulator: %d nodes up in %.1fs" % (args.nodes, time.monotonic() - boot))
        tmpdir = tempfile.mkdtemp(prefix="bench-hot-")
        for i in range(args.repeat):
            request_log(ready["control_url"], clear=True)
            elapsed, summary = run_playbook(ready, args.top, args.page_size, tmpdir)
            log = request_log(ready["control_url"])
            hot_reqs = [r for r in log if r["path"] == "/api/v2/ranges/hot/"]
            print("hot_ranges_info top %d (ansible-playbook task, run %d): %.2fs wall; %d ranges read over %d pages; "
                  "requests: %d total (%d ranges/hot/, %d login, %d logout); returned %d, top qps %s"
                  % (args.top, i + 1, elapsed, summary["seen"], summary["pages"], len(log), len(hot_reqs),
                     sum(1 for r in log if r["path"] == "/api/v2/login/"),
                     sum(1 for r in log if r["path"] == "/api/v2/logout/"), summary["returned"], summary["top_qps"]))
        for i in range(args.repeat):
            elapsed, returned, seen, reqs = in_process(ready, args.top, args.page_size)
            print("in-process fetch + rank (client only, run %d): %.2fs; %d ranges read, %d requests, %d returned"
                  % (i + 1, elapsed, seen, reqs, returned))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
