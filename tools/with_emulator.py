#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a command with the bundled emulator serving, and the COCKROACH_* variables pointing at it.

    python tools/with_emulator.py [emulator flags ...] -- command [args ...]

When COCKROACH_API_KEY and COCKROACH_CLUSTER_URL are already set (a real endpoint), no
emulator is started and the command runs against what they point at.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Emulator:
    """A running ``python -m emulator`` and its ready file."""

    def __init__(self, flags=None, python=None, timeout=30.0):
        self.flags = list(flags or [])
        self.python = python or sys.executable
        self.timeout = timeout
        self.proc = None
        self.ready = None
        self._dir = None

    def start(self):
        self._dir = tempfile.mkdtemp(prefix="crdb-emulator-")
        ready_path = os.path.join(self._dir, "ready.json")
        log = open(os.path.join(self._dir, "emulator.log"), "wb")  # pylint: disable=consider-using-with
        cmd = [self.python, "-m", "emulator", "--ready-file", ready_path] + self.flags
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("emulator exited with %s; see %s" % (self.proc.returncode, log.name))
            if os.path.exists(ready_path):
                with open(ready_path) as handle:
                    try:
                        self.ready = json.load(handle)
                        self.ready["ready_file"] = ready_path
                        return self.ready
                    except ValueError:
                        pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("emulator not ready after %ss" % self.timeout)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def env(self):
        """COCKROACH_* variables for this emulator."""
        ready = self.ready
        env = {
            "COCKROACH_API_KEY": ready["api_key"],
            "COCKROACH_SERVER": ready["cloud_url"],
            "COCKROACH_CLUSTER_URL": ready["node_urls"][0],
            "COCKROACH_CLUSTER_USER": ready["admin_user"],
            "COCKROACH_CLUSTER_PASSWORD": ready["admin_password"],
            "COCKROACH_EMULATOR_CONTROL_URL": ready["control_url"],
            "COCKROACH_EMULATOR_NODE_URLS": ",".join(ready["node_urls"]),
            "COCKROACH_EMULATOR_READY_FILE": ready["ready_file"],
        }
        if ready.get("ca_cert"):
            env["COCKROACH_CLUSTER_CA"] = ready["ca_cert"]
        return env

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def real_endpoint_configured(environ=None):
    environ = os.environ if environ is None else environ
    return bool(environ.get("COCKROACH_API_KEY") and environ.get("COCKROACH_CLUSTER_URL"))


def main(argv):
    if "--" not in argv:
        sys.stderr.write(__doc__)
        return 2
    split = argv.index("--")
    flags, command = argv[:split], argv[split + 1:]
    if real_endpoint_configured():
        return subprocess.call(command)
    with Emulator(flags) as emu:
        env = dict(os.environ)
        env.update(emu.env())
        return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
