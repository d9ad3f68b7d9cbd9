"""``python -m emulator`` (or ``cockroachdb-emulator`` once installed with ``pip install ./emulator``): serve the
Cloud API and N Cluster API nodes on loopback. Both commands run ``main()`` with the one parser below.

See docs/emulator.md for the flags, the ready file and the control API.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import threading


def program_name() -> str:
    """``python -m emulator`` when run as a module, else the name of the console script (cockroachdb-emulator)."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if not name or name in ("__main__.py", "-m", "-c"):
        return "python -m emulator"
    return name


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=program_name(),
                                description="Local emulator of the CockroachDB Cloud API v1 and Cluster API v2.")
    a = p.add_argument
    a("--host", default="127.0.0.1", help="address every listener binds to (default 127.0.0.1)")
    a("--cloud-port", type=int, default=0, help="Cloud API port; 0 = a free port (default 0)")
    a("--nodes", type=int, default=3, help="number of emulated CockroachDB nodes (default 3)")
    a("--node-port-base", type=int, default=0,
      help="HTTP port of node 1; node N gets base+N-1. 0 = free ports (default 0)")
    a("--control-port", type=int, default=0, help="control API port; 0 = a free port (default 0)")
    a("--api-key", default=None, help="Cloud API service-account secret key (default: random)")
    a("--admin-user", default="root", help="SQL admin user for the Cluster API (default root)")
    a("--admin-password", default=None, help="password of --admin-user (default: random)")
    a("--tls", action="store_true",
      help="serve Cloud and node listeners over HTTPS with a throw-away CA (path in the ready file)")
    a("--insecure", action="store_true",
      help="emulate an insecure cluster: the Cluster API lets every request through as root")
    a("--fault-rate", type=float, default=0.0, help="probability of an injected fault per request (default 0)")
    a("--fault-kinds", default="500,503,429,reset,slow",
      help="comma-separated fault kinds out of 500,503,429,reset,slow (default all)")
    a("--seed", type=int, default=0, help="seed for generated data and fault injection (default 0)")
    a("--create-seconds", type=float, default=2.0,
      help="Cloud: seconds a cluster stays CREATING before CREATED (default 2)")
    a("--update-seconds", type=float, default=1.0,
      help="Cloud: seconds a PATCH that starts a job keeps the cluster LOCKED (default 1)")
    a("--lock-status", type=int, choices=(409, 503), default=503,
      help="Cloud: HTTP status of a mutation refused because the cluster is LOCKED, 503 (code 14, as the real "
           "API) or 409 (code 10) (default 503)")
    a("--rate-limit", type=float, default=10.0, help="Cloud: requests per second per API key (default 10)")
    a("--ranges-per-node", type=int, default=50,
      help="ranges whose lease starts on each node; total ranges = nodes x this (default 50)")
    a("--stores-per-node", type=int, default=1, help="stores per node (default 1)")
    a("--build-tag", default="v25.4.1", help="CockroachDB version every node reports (default v25.4.1)")
    a("--cluster-name", default="", help="cluster_name reported by nodes (default empty)")
    a("--liveness-expiry", type=float, default=1.5,
      help="seconds after a node goes down before it shows liveness 2 UNAVAILABLE (default 1.5; real ~4.5)")
    a("--time-until-store-dead", type=float, default=30.0,
      help="seconds after a node goes down before it shows liveness 1 DEAD (default 30; real 300)")
    a("--catchup-seconds", type=float, default=1.0,
      help="seconds after a node comes back until its ranges stop counting as under-replicated (default 1)")
    a("--unready-seconds", type=float, default=0.5,
      help="restart/drain: seconds a node is unready before its liveness shows DRAINING (default 0.5)")
    a("--drain-seconds", type=float, default=0.5,
      help="restart: seconds the node shows DRAINING before its process stops (default 0.5)")
    a("--ready-delay", type=float, default=0.0,
      help="restart/start: seconds after the process is back before /health?ready=1 passes (default 0)")
    a("--status-interval", type=float, default=10.0,
      help="seconds between two writes of a node's status record, which /api/v2/nodes/ serves (metrics, "
           "store_metrics, updated_at); a node writes once as it starts, then every interval (default 10, the "
           "real base.DefaultMetricsSampleInterval). 0 = computed per request, kinder than a real node")
    a("--restart-safety-shape", choices=("counters", "replicas"), default="counters",
      help="body of /api/v2/health/restart_safety/: the v25.4 counters, or the replica list of an unmerged "
           "change that no release serves (default counters; also settable with POST /_emulator/restart_safety)")
    a("--finalize-seconds", type=float, default=2.0,
      help="seconds a cluster-version finalization (major upgrade) runs before the version is final (default 2)")
    a("--ready-file", default=None, help="write the connection details here as JSON when serving")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.nodes < 1:
        print("--nodes must be >= 1", file=sys.stderr)
        return 2
    for flag in ("create_seconds", "update_seconds", "rate_limit", "status_interval"):
        if getattr(args, flag) < 0:
            print("--%s must be >= 0" % flag.replace("_", "-"), file=sys.stderr)
            return 2
    if args.api_key is None:
        args.api_key = "CCDB1_" + secrets.token_urlsafe(24)
    if args.admin_password is None:
        args.admin_password = secrets.token_urlsafe(12)

    from emulator.control import Emulator

    try:
        emu = Emulator(args)
    except (OSError, ValueError) as e:
        print("emulator: cannot start: %s" % e, file=sys.stderr)
        return 1
    emu.start()

    info = emu.ready_info()
    if args.ready_file:
        tmp = "%s.tmp.%d" % (args.ready_file, os.getpid())
        with open(tmp, "w") as f:
            json.dump(info, f, indent=2)
        os.replace(tmp, args.ready_file)
    print("emulator ready: cloud=%s nodes=%d (%s ...) control=%s" % (
        info["cloud_url"], len(info["node_urls"]), info["node_urls"][0], info["control_url"]), flush=True)

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop.is_set():
        stop.wait(0.5)
    emu.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
