#!/usr/bin/env python
"""Scale benchmark of the emulator (not a test).

Starts ``python -m emulator --nodes N --ranges-per-node R`` and prints:
start-up time (spawn -> ready file), RSS of the emulator process (VmRSS/VmHWM from
/proc/<pid>/status), and requests/s for a paginated ``/api/v2/nodes/?limit=100&offset=...``
walk and for ``/api/v2/ranges/hot/?limit=100`` (first page and a full token walk).

    python bench/emulator_scale.py [--nodes 1000] [--ranges-per-node 100] [--repeat 3]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0]) // 1024
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--ranges-per-node", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3, help="walks per measurement")
    ap.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="emu-bench-")
    ready = os.path.join(tmp, "ready.json")
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "--nodes", str(a.nodes),
                             "--ranges-per-node", str(a.ranges_per_node), "--ready-file", ready],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not os.path.exists(ready):
            if proc.poll() is not None:
                raise SystemExit("emulator exited: %s" % proc.stderr.read().decode())
            if time.monotonic() - t0 > 60:
                raise SystemExit("emulator not ready after 60 s")
            time.sleep(0.01)
        startup = time.monotonic() - t0
        info = json.load(open(ready))
        mem_start = rss(proc.pid)
        s = requests.Session()
        base = info["node_urls"][0]
        r = s.post(base + "/api/v2/login/", data={"username": info["admin_user"],
                                                  "password": info["admin_password"]})
        s.headers["X-Cockroach-API-Session"] = r.json()["session"]

        # paginated nodes walk
        n_req, t = 0, time.monotonic()
        for _i in range(a.repeat):
            offset = 0
            while True:
                b = s.get(base + "/api/v2/nodes/?limit=100&offset=%d" % offset).json()
                n_req += 1
                if "next" not in b:
                    break
                offset = b["next"]
        nodes_rps = n_req / (time.monotonic() - t)

        # hot ranges, first page repeatedly
        n_hot, t = 0, time.monotonic()
        while time.monotonic() - t < 2.0:
            s.get(base + "/api/v2/ranges/hot/?limit=100").raise_for_status()
            n_hot += 1
        hot_rps = n_hot / (time.monotonic() - t)

        # hot ranges: full token walk
        t = time.monotonic()
        pages, items, start = 0, 0, None
        while True:
            b = s.get(base + "/api/v2/ranges/hot/?limit=100" + ("&start=" + start if start else "")).json()
            pages += 1
            got = b["ranges"] or []
            items += len(got)
            start = b["next"]
            if len(got) < 100:
                break
        walk = time.monotonic() - t
        mem_end = rss(proc.pid)
        res = {"nodes": a.nodes, "ranges": a.nodes * a.ranges_per_node, "startup_s": round(startup, 2),
               "rss_mb_start": mem_start.get("VmRSS"), "rss_mb_end": mem_end.get("VmRSS"),
               "rss_mb_peak": mem_end.get("VmHWM"),
               "nodes_page_rps": round(nodes_rps, 1), "hot_first_page_rps": round(hot_rps, 1),
               "hot_walk_pages": pages, "hot_walk_items": items, "hot_walk_s": round(walk, 2),
               "hot_walk_pages_per_s": round(pages / walk, 1)}
        if a.json:
            print(json.dumps(res))
        else:
            print("emulator scale: %(nodes)d nodes, %(ranges)d ranges" % res)
            print("  start-up (spawn -> ready file): %(startup_s).2f s" % res)
            print("  RSS: %(rss_mb_start)s MB after start, %(rss_mb_end)s MB after the walks "
                  "(peak %(rss_mb_peak)s MB)" % res)
            print("  /api/v2/nodes/?limit=100&offset=...: %(nodes_page_rps).1f requests/s" % res)
            print("  /api/v2/ranges/hot/?limit=100 (first page): %(hot_first_page_rps).1f requests/s" % res)
            print("  hot ranges full token walk: %(hot_walk_pages)d pages, %(hot_walk_items)d ranges in "
                  "%(hot_walk_s).2f s (%(hot_walk_pages_per_s).1f pages/s)" % res)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
