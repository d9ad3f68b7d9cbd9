# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The example rulebook ``cockroachdb.cockroachdb.cluster_health`` run by ansible-rulebook against the emulator.

ansible-rulebook finds the rulebook, the source and the playbooks in the collection (``ANSIBLE_COLLECTIONS_PATH``
is the copy's root). Ranges made unavailable through the control API must fire the rule: the report playbook
shows them, then ``health_wait`` waits until the test clears them. The run is then ended (SIGINT, as a user's
Ctrl-C). Needs Java (``default-jre-headless``; ``tools/ci_steps.py`` installs it when ``java`` is missing).
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from eda_support import COLL, EMULATOR_FLAGS, Control, Emulator  # pylint: disable=import-error

BIN = os.path.dirname(os.path.abspath(sys.executable))
COLL_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(COLL)))


class Output:
    """The combined output of a process, read by a thread, searchable while it runs."""

    def __init__(self, proc):
        self.text = ""
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc):
        for line in iter(proc.stdout.readline, ""):
            with self.lock:
                self.text += line

    def wait_for(self, pattern, timeout, proc):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if re.search(pattern, self.text, re.S):
                    return time.monotonic()
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError("%r not seen in the ansible-rulebook output:\n%s" % (pattern, self.text[-6000:]))


def test_unavailable_ranges_run_the_report_and_health_wait():
    assert shutil.which("java"), "ansible-rulebook needs Java: apt-get install default-jre-headless"
    work = tempfile.mkdtemp(prefix="eda-rulebook-")
    inventory = os.path.join(work, "inventory.yml")
    with open(inventory, "w") as handle:
        handle.write("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n")
    variables = os.path.join(work, "vars.yml")
    with open(variables, "w") as handle:
        handle.write("cluster_events_interval: 0.3\n")
    emu = Emulator(EMULATOR_FLAGS)
    ready = emu.start()
    proc = None
    try:
        control = Control(ready["control_url"])
        env = dict(os.environ)
        env.update(emu.env())
        for name in ("COCKROACH_API_KEY", "COCKROACH_SERVER"):
            env.pop(name, None)
        env.update({"PATH": BIN + os.pathsep + env.get("PATH", ""), "ANSIBLE_COLLECTIONS_PATH": COLL_ROOT,
                    "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCAL_TEMP": os.path.join(work, "tmp"), "PYTHONUNBUFFERED": "1"})
        started = time.monotonic()
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [os.path.join(BIN, "ansible-rulebook"), "-r", "cockroachdb.cockroachdb.cluster_health", "-i", inventory,
             "-e", variables, "--print-events"],
            cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = Output(proc)
        # the source is polling once the emulator has served it a node list
        deadline = time.monotonic() + 60
        while not any(r["path"] == "/api/v2/nodes/" for r in control.requests_log()):
            assert proc.poll() is None and time.monotonic() < deadline, out.text[-6000:]
            time.sleep(0.2)
        polling = time.monotonic()
        time.sleep(1.0)  # past the baseline poll

        changed = time.monotonic()
        control.call("PATCH", "/_emulator/nodes/2", {"ranges.unavailable": 2})
        fired = out.wait_for(r"'type': 'ranges_unavailable'", 30, proc)
        reported = out.wait_for(r'"ranges_unavailable": "?2"?.*"unavailable_by_node".*"2": "?2"?', 90, proc)
        out.wait_for(r"Wait for a healthy cluster", 60, proc)
        control.call("PATCH", "/_emulator/nodes/2", {"ranges.unavailable": 0})
        cleared = time.monotonic()
        healthy = out.wait_for(r"PLAY \[Wait until the CockroachDB cluster is healthy\].*PLAY RECAP.*"
                               r"localhost\s*:\s*ok=\d+.*failed=0", 120, proc)
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        emu.stop()
    text = out.text
    print("\nansible-rulebook: source polling %.1fs after start; ranges_unavailable event %.2fs after the PATCH; "
          "report shown %.1fs after it; health_wait done %.1fs after the ranges were cleared"
          % (polling - started, fired - changed, reported - changed, healthy - cleared))
    assert "PLAY [CockroachDB cluster report]" in text
    assert re.search(r"PLAY RECAP.*localhost\s*:\s*ok=\d+.*failed=0", text, re.S)
    assert ready["admin_password"] not in text
    shutil.rmtree(work, ignore_errors=True)
