#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection as users install it: the emulator as a pip package, and the execution environment.

    python tools/check_packages.py <collection dir> [--work DIR]

From one Galaxy tarball built from the collection dir (installed offline into an empty collections path):

1. versions: galaxy.yml, emulator/__init__.py (the pip package's version) and execution-environment.yml agree;
2. ``python -m emulator --help`` still works from the installed collection (as before the pip package);
3. ``pip install <collections path>/ansible_collections/cockroachdb/cockroachdb/emulator`` into a fresh venv, then
   ``cockroachdb-emulator --ready-file ...`` from that venv: a Cloud GET with the key, a node's login and nodes
   list, a clean stop on SIGTERM;
4. ``ansible-builder create`` on execution-environment.yml (a copy next to the tarball): the Containerfile and the
   _build files hold the base image, ansible-core, ansible-runner, the tarball and its install; ansible-builder's
   own introspection of the installed collection finds requests (meta/execution-environment.yml).

Each check prints what it saw; the exit status is 1 when any failed. Called by ``tools/ci_steps.py`` (step packages).
"""

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

BIN = os.path.dirname(os.path.abspath(sys.executable))
PIP_NAME = "cockroachdb-emulator"


class Checks:
    """Collects failures; every check runs even after one failed."""

    def __init__(self):
        self.failures = []

    def ok(self, condition, what):
        print("  %s %s" % ("ok  " if condition else "FAIL", what), flush=True)
        if not condition:
            self.failures.append(what)
        return condition

    def verdict(self, name):
        """Print the summary line; the exit status (1 when any check failed)."""
        print("%s: %s" % (name, "all checks passed" if not self.failures else "%d failed: %s" % (
            len(self.failures), "; ".join(self.failures))), flush=True)
        return 1 if self.failures else 0


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def galaxy_version(coll_dir):
    found = re.search(r"^version:\s*['\"]?([0-9A-Za-z.+-]+)", read(os.path.join(coll_dir, "galaxy.yml")), re.M)
    return found.group(1) if found else None


def emulator_version(coll_dir):
    found = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", read(os.path.join(coll_dir, "emulator", "__init__.py")), re.M)
    return found.group(1) if found else None


def call(cmd, cwd, env=None, timeout=600):
    print("+ %s" % " ".join(cmd), flush=True)
    full_env = dict(os.environ)
    full_env.pop("PYTHONPATH", None)
    if env:
        full_env.update(env)
    proc = subprocess.run(cmd, cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                          check=False)
    text = proc.stdout.decode("utf-8", "replace")
    if proc.returncode:
        print(text[-3000:], flush=True)
    return proc.returncode, text


def build_and_install(coll_dir, work):
    """The Galaxy tarball of ``coll_dir`` in work/build/ee (where execution-environment.yml looks for it), installed
    offline into work/installed. Returns (tarball, installed collection dir)."""
    out = os.path.join(work, "build", "ee")
    os.makedirs(out)
    rc, dummy = call([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", out, coll_dir], cwd=work)
    if rc:
        return None, None
    tarball = glob.glob(os.path.join(out, "cockroachdb-cockroachdb-*.tar.gz"))[0]
    fresh = os.path.join(work, "installed")
    rc, dummy = call([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--force", "-p", fresh, tarball],
                     cwd=work, env={"ANSIBLE_COLLECTIONS_PATH": fresh})
    if rc:
        return tarball, None
    return tarball, os.path.join(fresh, "ansible_collections", "cockroachdb", "cockroachdb")


def check_versions(checks, coll_dir):
    print("versions", flush=True)
    galaxy = galaxy_version(coll_dir)
    emulator = emulator_version(coll_dir)
    ee_text = read(os.path.join(coll_dir, "execution-environment.yml"))
    checks.ok(galaxy and galaxy == emulator, "galaxy.yml version %s == emulator.__version__ %s (the pip package's)" % (
        galaxy, emulator))
    wanted = "cockroachdb-cockroachdb-%s.tar.gz" % galaxy
    checks.ok(wanted in ee_text, "execution-environment.yml installs %s" % wanted)
    checks.ok("cockroachdb-ee:%s" % galaxy in ee_text, "execution-environment.yml tags the image cockroachdb-ee:%s" % galaxy)
    return galaxy


def http_json(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(request, timeout=15) as response:  # nosec - loopback URLs of our own emulator
        return response.status, json.loads(response.read().decode("utf-8"))


def talk_to_emulator(checks, ready):
    """A Cloud GET with the key; a login on node 1 and the node list from the last node (the session is shared)."""
    status, body = http_json(ready["cloud_url"] + "/api/v1/clusters",
                             headers={"Authorization": "Bearer %s" % ready["api_key"]})
    checks.ok(status == 200 and "clusters" in body, "Cloud API: GET /api/v1/clusters with the key -> %s" % status)
    form = urllib.parse.urlencode({"username": ready["admin_user"], "password": ready["admin_password"]}).encode("ascii")
    status, body = http_json(ready["node_urls"][0] + "/api/v2/login/", data=form,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    session = body.get("session")
    checks.ok(status == 200 and bool(session), "Cluster API: POST /api/v2/login/ on node 1 -> %s with a session" % status)
    status, body = http_json(ready["node_urls"][-1] + "/api/v2/nodes/", headers={"X-Cockroach-API-Session": session or ""})
    count = len(body.get("nodes", []))
    checks.ok(status == 200 and count == len(ready["node_urls"]),
              "Cluster API: GET /api/v2/nodes/ on node %d -> %s, %d nodes" % (len(ready["node_urls"]), status, count))


def check_emulator_package(checks, installed, work, version):
    print("emulator: python -m emulator from the installed collection, pip package in a fresh venv", flush=True)
    rc, module_help = call([sys.executable, "-m", "emulator", "--help"], cwd=installed)
    checks.ok(rc == 0 and "usage: python -m emulator" in module_help, "python -m emulator --help in the installed collection")
    venv = os.path.join(work, "venv")
    started = time.monotonic()
    # a fresh venv without pip of its own (ensurepip costs ~8 s); this pip installs into it (pip --python)
    rc, dummy = call([sys.executable, "-m", "venv", "--without-pip", venv], cwd=work)
    if not checks.ok(rc == 0, "fresh venv %s" % venv):
        return
    source = os.path.join(installed, "emulator")
    rc, dummy = call([os.path.join(BIN, "pip"), "--python", os.path.join(venv, "bin", "python"), "install", "-q",
                      "--disable-pip-version-check", source], cwd=work)
    print("  pip install <collections path>/ansible_collections/cockroachdb/cockroachdb/emulator: %.1fs" % (
        time.monotonic() - started), flush=True)
    if not checks.ok(rc == 0, "pip install %s" % source):
        return
    probe = ("import importlib.metadata as m, emulator; print(m.version(%r)); print(emulator.__file__)" % PIP_NAME)
    rc, text = call([os.path.join(venv, "bin", "python"), "-c", probe], cwd=work)
    lines = text.split()
    checks.ok(rc == 0 and lines[:1] == [version], "installed %s version %s" % (PIP_NAME, lines[:1]))
    checks.ok(rc == 0 and len(lines) > 1 and lines[1].startswith(venv), "emulator imported from the venv, not a checkout")
    script = os.path.join(venv, "bin", "cockroachdb-emulator")
    if not checks.ok(os.path.isfile(script), "console script %s" % script):
        return
    rc, script_help = call([script, "--help"], cwd=work)
    flags = sorted(set(re.findall(r"(--[a-z][a-z-]+)", module_help)))
    checks.ok(rc == 0 and "usage: cockroachdb-emulator" in script_help and flags and
              sorted(set(re.findall(r"(--[a-z][a-z-]+)", script_help))) == flags,
              "cockroachdb-emulator --help: the same %d flags as python -m emulator" % len(flags))
    ready_file = os.path.join(work, "ready.json")
    log_path = os.path.join(work, "emulator.log")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([script, "--nodes", "2", "--rate-limit", "0", "--ready-file", ready_file], cwd=work,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        ready = None
        while ready is None and time.monotonic() < deadline and proc.poll() is None:
            if os.path.exists(ready_file):
                ready = json.loads(read(ready_file))
            else:
                time.sleep(0.05)
        if checks.ok(ready is not None, "cockroachdb-emulator wrote its ready file"):
            talk_to_emulator(checks, ready)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
    checks.ok(rc == 0, "cockroachdb-emulator stopped on SIGTERM with exit 0 (got %s)" % rc)
    checks.ok("emulator ready:" in read(log_path), "its output says where it serves")


def sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def check_execution_environment(checks, coll_dir, work, tarball, installed):
    print("execution environment: ansible-builder create (offline, nothing built)", flush=True)
    ee_file = os.path.join(work, "execution-environment.yml")
    shutil.copyfile(os.path.join(coll_dir, "execution-environment.yml"), ee_file)  # next to build/ee/<tarball>
    context = os.path.join(work, "context")
    rc, dummy = call([os.path.join(BIN, "ansible-builder"), "create", "--file", ee_file, "--context", context,
                      "--output-filename", "Containerfile"], cwd=work)
    if not checks.ok(rc == 0, "ansible-builder create"):
        return
    containerfile = read(os.path.join(context, "Containerfile"))
    checks.ok('ARG EE_BASE_IMAGE="quay.io/centos/centos:stream9"' in containerfile and "FROM $EE_BASE_IMAGE AS base"
              in containerfile, "Containerfile: base image quay.io/centos/centos:stream9")
    refs = re.search(r'^ARG ANSIBLE_INSTALL_REFS="([^"]*)"', containerfile, re.M)
    refs = refs.group(1) if refs else ""
    checks.ok("ansible-core" in refs and "ansible-runner" in refs, "Containerfile: installs %s" % refs)
    checks.ok('ARG PYCMD="/usr/bin/python3.11"' in containerfile, "Containerfile: Python 3.11")
    checks.ok(re.search(r"ansible-galaxy collection install .*-r requirements.yml", containerfile) is not None,
              "Containerfile: installs the galaxy requirements")
    checks.ok("introspect.py introspect" in containerfile and "install-from-bindep" in containerfile,
              "Containerfile: introspects the collections for their Python/system requirements")
    requirements = read(os.path.join(context, "_build", "requirements.yml"))
    name = os.path.basename(tarball)
    checks.ok("collections/%s" % name in requirements and "type: file" in requirements,
              "_build/requirements.yml: collections/%s (type file)" % name)
    copied = os.path.join(context, "_build", "collections", name)
    checks.ok(os.path.isfile(copied) and sha256(copied) == sha256(tarball), "_build/collections/%s is the tarball" % name)
    introspect = os.path.join(context, "_build", "scripts", "introspect.py")
    rc, text = call([sys.executable, introspect, "introspect", os.path.dirname(os.path.dirname(os.path.dirname(installed)))],
                    cwd=work)
    print("\n".join("  | " + line for line in text.splitlines() if line.strip() and "WARNING" not in line))
    checks.ok(rc == 0 and re.search(r"requests[^\n]*# from collection cockroachdb\.cockroachdb", text) is not None,
              "introspection of the installed collection: requests (meta/execution-environment.yml)")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("coll_dir")
    parser.add_argument("--work", help="work directory (default: a temporary one, removed afterwards)")
    args = parser.parse_args(argv)
    coll_dir = os.path.abspath(args.coll_dir)
    work = args.work or tempfile.mkdtemp(prefix="crdb-packages-")
    if os.path.isdir(work) and os.listdir(work):
        shutil.rmtree(work)
    os.makedirs(work, exist_ok=True)
    checks = Checks()
    try:
        version = check_versions(checks, coll_dir)
        tarball, installed = build_and_install(coll_dir, work)
        if checks.ok(installed is not None, "Galaxy tarball built and installed offline: %s" % tarball):
            check_emulator_package(checks, installed, work, version)
            check_execution_environment(checks, coll_dir, work, tarball, installed)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return checks.verdict("packages")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
