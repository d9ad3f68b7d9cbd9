#!/usr/bin/env python
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rolling_restart pre-flight under injected faults (not a test).

One evaluation of ``cluster_health`` as the pre-flight runs it (``wait: false``, a 3-poll stability window, the
node count and one build) against a healthy 3-node in-process emulator (fake clock, no sockets, no real sleeps)
with random faults at ``--rate`` (500, 503, 429 with Retry-After, resets before and after the server acted, slow
answers), one emulator seed per run. Prints how many runs passed with ``retries: 0`` (every answer taken as it
comes, the gate before issue 10) and with the default ``retries: 3``, and what the failing runs said.

    python bench/preflight_faults.py [--runs 50] [--rate 0.2] [--nodes 3]
"""

import argparse
import collections
import sys

import pytest

from _benchlib import collection_root  # noqa: E402  pylint: disable=wrong-import-position


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--nodes", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, collection_root("preflight-bench-"))
    from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_health
    from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import (
        FakeClock,
        run_module,
        start_emulated,
    )

    for retries in (0, 3):
        passed = 0
        reasons = collections.Counter()
        requests = 0
        for seed in range(args.runs):
            with pytest.MonkeyPatch.context() as monkeypatch:
                emu = start_emulated(monkeypatch, FakeClock(), nodes=args.nodes, seed=seed, rate_limit=0)
                emu.set_faults(rate=args.rate, kinds="500,503,429,reset,slow", seed=seed)
                res = run_module(cluster_health, dict(
                    emu.cluster_args(), node_urls=emu.node_urls, stable_checks=3, interval=0.5, retries=retries,
                    fail_on_unhealthy=False))
                requests += len(emu.requests())
            if res.get("healthy"):
                passed += 1
            else:
                for text in res.get("reasons") or [res.get("msg", "")]:
                    reasons[" ".join(text.split()[:4]) + " ..."] += 1
        print("retries %d: pre-flight passed %d of %d runs at %.0f%% faults; %.1f requests per run"
              % (retries, passed, args.runs, args.rate * 100, requests / float(args.runs)))
        for text, count in reasons.most_common(5):
            print("    %3d x %s" % (count, text))


if __name__ == "__main__":
    main()
