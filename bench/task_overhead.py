#!/usr/bin/env python
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Task start-up cost benchmark (not a test): our modules against ``ansible.builtin.uri`` and ``ping``.

Against the bundled emulator (``python -m emulator --nodes 1 --rate-limit 0``) on loopback, each round runs
one ``ansible-playbook`` per kind, interleaved (A B C ... A B C ...) so that drift on a shared machine hits
every kind alike. A playbook is one play on localhost (``connection: local``, no facts) holding ``--tasks``
copies of one task:

* ``cluster_nodes_info``, ``cluster_users_info``: two Cluster API modules, given a session token made once
  before the clock starts, so that each task sends exactly one ``GET`` (no login, no logout);
* ``cloud_cluster_info``, ``cloud_regions_info``: two Cloud API modules (one ``GET`` each);
* ``uri_cluster``, ``uri_cloud``: ``ansible.builtin.uri`` sending the very ``GET`` of the two modules of that API
  in turn (same URL, same query, same auth header; task i sends the request of module i % 2);
* ``ping``: ``ansible.builtin.ping``, the floor of what any task costs;
* ``empty``: the same play with no task, the fixed cost of one ``ansible-playbook`` run.

Prints, per kind: the median wall time of a playbook and the median CPU time (user + system) of
``ansible-playbook`` and every process it ran (workers, module processes; not the emulator; it includes the
controller's own result polling, which grows with wall time, so it is a second view, not a load-proof one);
the per-task cost net of the fixed start (``(median - median(empty)) / tasks``, wall and CPU); the median
duration of one task as a callback sees it (task start to result; the first task of each playbook is left
out, as it also builds the AnsiballZ payload) and of the first task; the API requests per task that the
emulator logged (1.0 for every kind but ping); and the ratios module / uri of the per-task figures.
Figures only: nothing is asserted.

    python bench/task_overhead.py [--rounds 2] [--tasks 20] [--kinds k1,k2] [--also NAME=ROOT ...]
                                  [--pipelining] [--no-copy] [--json]

``--also before=/tmp/before/collections`` runs the module kinds a second time, in the same rounds, against
another built collection (a directory holding ``ansible_collections/cockroachdb/cockroachdb``, e.g. an older
commit copied by ``tools/ci_steps.py --only copy``), shown as ``kind@before``: a before/after comparison that
meets the same load.

The collection is copied first (``tools/ci_steps.py --only copy``, honouring ``CI_BUILD_ROOT``) and found through
``ANSIBLE_COLLECTIONS_PATH``; the tasks run with ``ansible_python_interpreter`` = this Python.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))

from with_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

# module kind -> the uri kind sending the same requests
PAIRS = (
    ("cluster_nodes_info", "uri_cluster"),
    ("cluster_users_info", "uri_cluster"),
    ("cloud_cluster_info", "uri_cloud"),
    ("cloud_regions_info", "uri_cloud"),
)
KINDS = ["cluster_nodes_info", "cluster_users_info", "uri_cluster", "cloud_cluster_info", "cloud_regions_info",
         "uri_cloud", "ping", "empty"]

# A notification callback that writes (task name, seconds from task start to its result) per task.
CALLBACK = '''
import json, os, time
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_clock
type: aggregate
short_description: per-task durations for bench/task_overhead.py
description: Writes the duration of every task to the file named by TASK_CLOCK_OUT.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_clock"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._start = None
        self._times = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start = time.monotonic()

    def _done(self, result):
        self._times.append(time.monotonic() - self._start)

    v2_runner_on_ok = _done
    v2_runner_on_failed = _done

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["TASK_CLOCK_OUT"], "w") as f:
            json.dump(self._times, f)
'''


def copy_collection():
    """Copy this checkout to CI_BUILD_ROOT (or ci_steps' default) and return the collections root."""
    subprocess.run([sys.executable, os.path.join(REPO, "tools", "ci_steps.py"), "--only", "copy"], cwd=REPO,
                   stdout=subprocess.DEVNULL, check=True)
    import ci_steps  # pylint: disable=import-outside-toplevel
    return ci_steps.COLL_ROOT


def session_token(node_url, user, password):
    resp = requests.post(node_url + "/api/v2/login/", data={"username": user, "password": password}, timeout=10)
    resp.raise_for_status()
    return resp.json()["session"]


def seed_cloud_cluster(info):
    """One serverless cluster, so that the Cloud list the tasks read is not empty."""
    resp = requests.post(info["cloud_url"] + "/api/v1/clusters", timeout=10,
                         headers={"Authorization": "Bearer " + info["api_key"], "Cc-Version": "2024-09-16"},
                         json={"name": "bench-one", "provider": "GCP", "spec": {"serverless": {"regions": ["us-central1"]}}})
    resp.raise_for_status()


def last_request_seq(control):
    return requests.get(control + "/_emulator/requests", params={"since": 10 ** 9}, timeout=10).json()["last_seq"]


def requests_since(control, since):
    """API requests the emulator logged after ``since`` (the tasks' own), and the new last sequence number."""
    log = requests.get(control + "/_emulator/requests", params={"since": since}, timeout=10).json()
    return len([r for r in log["requests"] if r.get("api") in ("cloud", "cluster")]), log["last_seq"]


def yaml_str(value):
    return json.dumps(value)  # JSON strings are YAML strings


def task_for(kind, index, info, token):
    """Task ``index`` of ``kind`` as YAML lines (indented for a play's task list)."""
    node, cloud = info["node_urls"][0], info["cloud_url"]
    cluster_args = {"cluster_url": node, "session": token}
    cloud_args = {"api_key": info["api_key"], "api_url": cloud}
    cluster_headers = {"X-Cockroach-API-Session": token, "Accept": "application/json"}
    cloud_headers = {"Authorization": "Bearer " + info["api_key"], "Cc-Version": "2024-09-16",
                     "Accept": "application/json"}
    # the GET each module sends with its defaults
    uris = {
        "uri_cluster": [(node + "/api/v2/nodes/?limit=200", cluster_headers),  # cluster_nodes_info
                        (node + "/api/v2/users/?limit=500", cluster_headers)],  # cluster_users_info
        "uri_cloud": [(cloud + "/api/v1/clusters?pagination.limit=100", cloud_headers),  # cloud_cluster_info
                      (cloud + "/api/v1/clusters/available-regions?pagination.limit=100",  # cloud_regions_info
                       cloud_headers)],
    }
    if kind == "ping":
        return ["    - ansible.builtin.ping:"]
    if kind in uris:
        url, headers = uris[kind][index % 2]
        lines = ["    - ansible.builtin.uri:", "        url: %s" % yaml_str(url), "        method: GET",
                 "        headers:"]
        lines += ["          %s: %s" % (k, yaml_str(v)) for k, v in headers.items()]
        return lines
    args = cluster_args if kind.startswith("cluster_") else cloud_args
    lines = ["    - cockroachdb.cockroachdb.%s:" % kind]
    lines += ["        %s: %s" % (k, yaml_str(v)) for k, v in args.items()]
    return lines


def write_playbooks(workdir, kinds, tasks, info, token):
    paths = {}
    for kind in kinds:
        lines = ["- hosts: localhost", "  connection: local", "  gather_facts: false", "  tasks:"]
        if kind == "empty":
            lines[-1] = "  tasks: []"
        else:
            for index in range(tasks):
                lines += task_for(kind, index, info, token)
        path = os.path.join(workdir, "%s.yml" % kind)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        paths[kind] = path
    return paths


def run_playbook(path, env, clock_file):
    bindir = os.path.dirname(sys.executable)
    env = dict(env, TASK_CLOCK_OUT=clock_file)
    if os.path.exists(clock_file):
        os.unlink(clock_file)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run([os.path.join(bindir, "ansible-playbook"), "-i", "localhost,", path,
                           "-e", "ansible_python_interpreter=%s" % sys.executable],
                          env=env, cwd=os.path.dirname(path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=False)
    took = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode:
        raise SystemExit("ansible-playbook %s failed:\n%s" % (os.path.basename(path), out[-3000:]))
    with open(clock_file) as f:
        return took, cpu, json.load(f)


def median(values):
    return statistics.median(values) if values else None


def summarise(samples, kinds, tasks):
    """Per kind (or ``kind@tree``): medians of wall and CPU time per playbook, per-task cost net of ``empty``,
    callback medians; ratios of each module row to the uri kind sending the same requests."""
    base_wall = median([x["wall"] for x in samples.get("empty", [])])
    base_cpu = median([x["cpu"] for x in samples.get("empty", [])])
    rows = {}
    for kind in kinds:
        walls = [x["wall"] for x in samples[kind]]
        cpus = [x["cpu"] for x in samples[kind]]
        row = {"wall_median_s": round(median(walls), 3), "wall_min_s": round(min(walls), 3),
               "wall_max_s": round(max(walls), 3), "cpu_median_s": round(median(cpus), 3)}
        if kind != "empty":
            if base_wall is not None:
                row["net_wall_ms_per_task"] = round((median(walls) - base_wall) / tasks * 1000, 1)
                row["net_cpu_ms_per_task"] = round((median(cpus) - base_cpu) / tasks * 1000, 1)
            later = [t for x in samples[kind] for t in x["tasks"][1:]]
            firsts = [x["tasks"][0] for x in samples[kind] if x["tasks"]]
            if later:
                row["task_median_ms"] = round(median(later) * 1000, 1)
            if firsts:
                row["first_task_median_ms"] = round(median(firsts) * 1000, 1)
        rows[kind] = row
    ratios = {}
    uri_of = dict(PAIRS)
    for label in kinds:
        uri = uri_of.get(label.split("@")[0])
        if uri in rows:
            ratio = {}
            for key in ("net_wall_ms_per_task", "net_cpu_ms_per_task", "task_median_ms"):
                if rows[label].get(key) and rows[uri].get(key):
                    ratio[key] = round(rows[label][key] / rows[uri][key], 2)
            ratios[label] = ratio
    return rows, ratios


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2,
                    help="playbooks per kind (default 2: about 2 minutes on an idle 2-core machine)")
    ap.add_argument("--tasks", type=int, default=20, help="tasks per playbook (default 20)")
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated subset of %s" % ",".join(KINDS))
    ap.add_argument("--also", action="append", default=[], metavar="NAME=ROOT",
                    help="also run the module kinds against the collection under ROOT, shown as kind@NAME")
    ap.add_argument("--pipelining", action="store_true", help="run with ANSIBLE_PIPELINING=1")
    ap.add_argument("--no-copy", action="store_true", help="use the collection already at CI_BUILD_ROOT")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    a = ap.parse_args()
    kinds = [k for k in a.kinds.split(",") if k]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        ap.error("unknown kinds: %s" % ", ".join(unknown))
    others = []
    for item in a.also:
        name, sep, root = item.partition("=")
        if not sep or not name or not os.path.isdir(os.path.join(root, "ansible_collections", "cockroachdb", "cockroachdb")):
            ap.error("--also wants NAME=ROOT where ROOT holds ansible_collections/cockroachdb/cockroachdb: %s" % item)
        others.append((name, os.path.abspath(root)))

    if a.no_copy:
        import ci_steps  # pylint: disable=import-outside-toplevel
        coll_root = ci_steps.COLL_ROOT
    else:
        coll_root = copy_collection()
    workdir = tempfile.mkdtemp(prefix="task-overhead-")
    cb_dir = os.path.join(workdir, "callbacks")
    os.makedirs(cb_dir)
    with open(os.path.join(cb_dir, "task_clock.py"), "w") as f:
        f.write(CALLBACK)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "COCKROACH_"))}
    os.makedirs(os.path.join(workdir, "tmp"))
    env.update(ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"), ANSIBLE_REMOTE_TEMP=os.path.join(workdir, "tmp"))
    env.update(ANSIBLE_COLLECTIONS_PATH=coll_root, ANSIBLE_NOCOLOR="1", ANSIBLE_CALLBACK_PLUGINS=cb_dir,
               ANSIBLE_CALLBACKS_ENABLED="task_clock", ANSIBLE_PIPELINING="1" if a.pipelining else "0",
               ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    clock_file = os.path.join(workdir, "clock.json")

    emu = Emulator(["--nodes", "1", "--rate-limit", "0"])
    info = emu.start()
    try:
        token = session_token(info["node_urls"][0], info["admin_user"], info["admin_password"])
        seed_cloud_cluster(info)
        paths = write_playbooks(workdir, kinds, a.tasks, info, token)
        runs = []  # (label, kind, env) in the order of one round
        for kind in kinds:
            runs.append((kind, kind, env))
            if kind in dict(PAIRS):
                runs += [("%s@%s" % (kind, name), kind, dict(env, ANSIBLE_COLLECTIONS_PATH=root))
                         for name, root in others]
        labels = [run[0] for run in runs]
        samples = {label: [] for label in labels}
        sent = {label: 0 for label in labels}
        seq = last_request_seq(info["control_url"])
        started = time.monotonic()
        for _round in range(a.rounds):
            for label, kind, run_env in runs:
                wall, cpu, times = run_playbook(paths[kind], run_env, clock_file)
                samples[label].append({"wall": wall, "cpu": cpu, "tasks": times})
                count, seq = requests_since(info["control_url"], seq)
                sent[label] += count
        elapsed = time.monotonic() - started
    finally:
        emu.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    rows, ratios = summarise(samples, labels, a.tasks)
    for label in labels:
        if label != "empty":
            rows[label]["api_requests_per_task"] = round(sent[label] / float(a.rounds * a.tasks), 2)
    results = {"rounds": a.rounds, "tasks": a.tasks, "pipelining": a.pipelining, "elapsed_s": round(elapsed, 1),
               "collections": dict([("this", coll_root)] + others), "kinds": rows, "ratios_module_to_uri": ratios}
    if a.json:
        print(json.dumps(results))
        return
    print("task start-up cost: %d rounds x %d playbooks, %d tasks per playbook, pipelining %s, %.0fs" % (
        a.rounds, len(labels), a.tasks, "on" if a.pipelining else "off", elapsed))
    for name, root in others:
        print("  kind@%s: the collection under %s" % (name, root))
    print("  per playbook: wall median (min-max), CPU median of ansible-playbook and every process it ran;")
    print("  per task: (median - median of the empty play) / tasks, for wall and CPU; task median and first task")
    print("  as the callback sees them (task start -> result)")
    width = max(len(label) for label in labels)
    print("  %-*s %22s %8s %10s %9s %10s %9s %8s" % (
        width, "kind", "wall s", "cpu s", "net wall", "net cpu", "task med", "1st task", "req/task"))
    for label in labels:
        r = rows[label]
        print("  %-*s %6.2f (%6.2f-%6.2f) %8.2f %10s %9s %10s %9s %8s" % (
            width, label, r["wall_median_s"], r["wall_min_s"], r["wall_max_s"], r["cpu_median_s"],
            ms(r.get("net_wall_ms_per_task")), ms(r.get("net_cpu_ms_per_task")), ms(r.get("task_median_ms")),
            ms(r.get("first_task_median_ms")), r.get("api_requests_per_task", "-")))
    print("  module / uri (same requests):")
    for label, ratio in ratios.items():
        print("  %-*s net wall %s, net cpu %s, task median %s" % (
            width, label, x(ratio.get("net_wall_ms_per_task")), x(ratio.get("net_cpu_ms_per_task")),
            x(ratio.get("task_median_ms"))))


def ms(value):
    return "-" if value is None else "%.0fms" % value


def x(value):
    return "-" if value is None else "%.2fx" % value


if __name__ == "__main__":
    main()
