# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers of the event source tests: the source loaded as ansible-rulebook loads it, and a running source.

The source file is run with ``runpy.run_path`` from the collection copy (``.../ansible_collections/
cockroachdb/cockroachdb/``, as ``tools/ci_steps.py --only copy`` makes it), exactly what ansible-rulebook
1.3.2 does, so the tests also prove that it finds the collection's module_utils by itself.
"""

import asyncio
import json
import os
import runpy
import sys
import time

import requests

COLL = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = os.path.join(COLL, "extensions", "eda", "plugins", "event_source", "cluster_events.py")
sys.path.insert(0, os.path.join(COLL, "tools"))

from with_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position,import-error

# Fast emulated timings: status records every second (a change shows in nodes/ within a second), a stopped node
# turns suspect after 3 s (so its ranges are reported under-replicated before its liveness changes).
EMULATOR_FLAGS = ["--status-interval", "1", "--liveness-expiry", "3", "--catchup-seconds", "1"]

# Figures printed at the end: seconds from a control-API call to the event it causes, per event type.
LATENCIES = {}


def load_source():
    """The source module's globals, loaded the way ansible-rulebook loads it."""
    return runpy.run_path(SOURCE)


def start_emulator():
    return Emulator(EMULATOR_FLAGS).__enter__()


class Control:
    """The emulator's control API (plain JSON, no auth)."""

    def __init__(self, url):
        self.url = url.rstrip("/")

    def call(self, method, path, body=None):
        resp = requests.request(method, self.url + path, json=body, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def requests_log(self):
        return self.call("GET", "/_emulator/requests")["requests"]

    def reset(self):
        return self.call("POST", "/_emulator/reset")


class RunningSource:
    """``main(queue, args)`` as a task of the current event loop; events are kept with their arrival time."""

    def __init__(self, module, args):
        self.module = module
        self.args = args
        self.queue = asyncio.Queue()
        self.task = None
        self.events = []       # (monotonic arrival, event)
        self.cursor = 0

    async def __aenter__(self):
        self.task = asyncio.ensure_future(self.module["main"](self.queue, dict(self.args)))
        return self

    async def __aexit__(self, *exc):
        await self.stop()
        return False

    async def stop(self):
        if self.task is not None and not self.task.done():
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass
        elif self.task is not None and self.task.exception():
            raise self.task.exception()

    async def _pull(self, timeout):
        try:
            event = await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            if self.task.done() and self.task.exception():
                raise self.task.exception()
            return None
        self.events.append((time.monotonic(), event))
        return event

    async def until(self, done, timeout=20.0, settle=0.4):
        """New events until ``done(events)`` holds, then ``settle`` seconds more (to catch extra events)."""
        deadline = time.monotonic() + timeout
        while not done([e for _t, e in self.events[self.cursor:]]):
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting; events so far: %s" % json.dumps(
                    [e for _t, e in self.events[self.cursor:]], indent=1))
            await self._pull(0.1)
        end = time.monotonic() + settle
        while time.monotonic() < end:
            await self._pull(0.05)
        got = self.events[self.cursor:]
        self.cursor = len(self.events)
        return got

    async def quiet(self, seconds):
        """Everything that arrives in ``seconds``."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            await self._pull(0.05)
        got = self.events[self.cursor:]
        self.cursor = len(self.events)
        return [e for _t, e in got]


def types(events):
    return [e["type"] for e in events]


def has(*wanted):
    """A ``done`` predicate: every ``(type, node_id or None)`` of ``wanted`` has arrived."""
    def done(events):
        seen = [(e["type"], e.get("node_id")) for e in events]
        return all(any(t == w[0] and (w[1] is None or n == w[1]) for t, n in seen) for w in wanted)
    return done


def record_latency(kind, changed_at, timed_events):
    for arrived, event in timed_events:
        if event["type"] == kind:
            LATENCIES.setdefault(kind, []).append(arrived - changed_at)
            return


def latency_report():
    lines = ["time from the control-API call to its event (seconds; emulator --status-interval 1, source interval "
             "0.2):"]
    for kind in sorted(LATENCIES):
        values = LATENCIES[kind]
        lines.append("  %-26s n=%d min %.2f max %.2f" % (kind, len(values), min(values), max(values)))
    return "\n".join(lines)
