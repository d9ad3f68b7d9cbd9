#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Everything CI checks, in order, each step named and timed (called by ``make test``).

    python tools/ci_steps.py [--only step,step] [--skip step,step] [--python 3.11]

Environment: CI_BUILD_ROOT (where the collection copy goes), CI_TARGETS (integration targets to run),
CI_SCENARIOS (molecule scenarios to run), CI_SERIAL=1 (one step after the other, no second runner).
Steps: bootstrap, copy, sanity, units, emulator, integration, molecule, eda, lint, docs, changelog, galaxy,
packages, runner.
Every step runs even when an earlier one failed; the exit status is non-zero if any failed,
and the last line is ``N passed, N failed``.
"""

import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from with_emulator import Emulator, real_endpoint_configured  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(os.path.abspath(sys.executable))


def default_build_root():
    """Outside the git work tree: ansible-test lists files with git, and build/ is ignored there."""
    digest = hashlib.md5(ROOT.encode("utf-8")).hexdigest()[:8]  # nosec - a directory name, not security
    return os.path.join(tempfile.gettempdir(), "cockroachdb-build-%s" % digest, "collections")


# CI_BUILD_ROOT lets several checkouts/agents build side by side without clobbering each other.
COLL_ROOT = os.path.abspath(os.environ.get("CI_BUILD_ROOT") or default_build_root())
COLL_DIR = os.path.join(COLL_ROOT, "ansible_collections", "cockroachdb", "cockroachdb")
PIP_FALLBACK = "24.2"  # ansible-core 2.19's ansible-test; 2.21's asks for 25.2


def ansible_test_pip_version():
    """The pip version the installed ansible-test bootstraps into its venvs (it differs per ansible-core)."""
    import importlib.util  # pylint: disable=import-outside-toplevel
    import re  # pylint: disable=import-outside-toplevel
    spec = importlib.util.find_spec("ansible_test")
    if spec and spec.submodule_search_locations:
        source = os.path.join(list(spec.submodule_search_locations)[0], "_internal", "python_requirements.py")
        if os.path.isfile(source):
            with open(source, encoding="utf-8") as handle:
                found = re.search(r"default_packages\s*=\s*dict\(\s*pip='([0-9.]+)'", handle.read())
            if found:
                return found.group(1)
    return PIP_FALLBACK


STEPS = ["bootstrap", "copy", "sanity", "units", "emulator", "integration", "molecule", "eda", "lint", "docs",
         "changelog", "galaxy", "packages", "runner"]


def tool(name):
    return os.path.join(BIN, name)


def run(cmd, cwd=ROOT, env=None, stdout=None, coll_root=None):
    print("+ %s" % " ".join(cmd), file=stdout or sys.stdout, flush=True)
    full_env = dict(os.environ)
    full_env["PATH"] = BIN + os.pathsep + full_env.get("PATH", "")
    full_env["ANSIBLE_COLLECTIONS_PATH"] = coll_root or COLL_ROOT
    full_env["ANSIBLE_NOCOLOR"] = "1"
    if env:
        full_env.update(env)
    if stdout is None:
        return subprocess.call(cmd, cwd=cwd, env=full_env)
    return subprocess.call(cmd, cwd=cwd, env=full_env, stdout=stdout, stderr=subprocess.STDOUT)


class Skip(Exception):
    """A step that found nothing to run (said honestly, counted as passed)."""


# -- steps ------------------------------------------------------------------------------------

def step_bootstrap(args):
    """Offline get-pip for ansible-test: pip's wheel from the index + our runner script."""
    cache = os.path.expanduser("~/.ansible/test/cache")
    os.makedirs(cache, exist_ok=True)
    pip_version = ansible_test_pip_version()
    if not glob.glob(os.path.join(cache, "pip-%s-*.whl" % pip_version)):
        rc = run([tool("pip"), "download", "--disable-pip-version-check", "--no-deps", "-q", "-d", cache,
                  "pip==%s" % pip_version])
        if rc:
            return rc
    target = os.path.join(cache, "get_pip_%s.py" % pip_version.replace(".", "_"))
    shutil.copyfile(os.path.join(ROOT, "tools", "get_pip_offline.py"), target)
    print("ansible-test bootstrap: %s" % target)
    return 0


def step_copy(args):
    """Copy the checkout (tracked + untracked, minus ignored) to build/collections/... ."""
    files = subprocess.check_output(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                    cwd=ROOT).decode("utf-8").split("\0")
    os.makedirs(COLL_ROOT, exist_ok=True)
    inside = subprocess.call(["git", "-C", COLL_ROOT, "rev-parse", "--show-toplevel"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL) == 0
    if inside:
        print("%s is inside a git work tree: ansible-test would list files with git and skip them all; "
              "set CI_BUILD_ROOT outside any checkout" % COLL_ROOT)
        return 1
    if os.path.isdir(COLL_DIR):
        shutil.rmtree(COLL_DIR)
    count = 0
    for rel in files:
        if not rel or not os.path.isfile(os.path.join(ROOT, rel)):
            continue
        dest = os.path.join(COLL_DIR, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, rel), dest)
        count += 1
    print("copied %d files to %s" % (count, COLL_DIR))
    return 0


def step_sanity(args):
    return run([tool("ansible-test"), "sanity", "--venv", "--python", args.python, "--color", "no"], cwd=COLL_DIR)


def step_units(args):
    if not glob.glob(os.path.join(COLL_DIR, "tests", "unit", "**", "test_*.py"), recursive=True):
        raise Skip("no unit tests found under tests/unit")
    return run([tool("ansible-test"), "units", "--venv", "--python", args.python, "--requirements",
                "--color", "no"], cwd=COLL_DIR)


def step_emulator(args):
    if not glob.glob(os.path.join(ROOT, "tests", "emulator", "test_*.py")):
        raise Skip("no emulator tests found under tests/emulator")
    return run([tool("pytest"), "tests/emulator", "-q", "-p", "no:cacheprovider"])


def integration_config(env):
    lines = ["---"]
    names = {
        "cockroach_api_key": "COCKROACH_API_KEY",
        "cockroach_api_url": "COCKROACH_SERVER",
        "cockroach_cluster_url": "COCKROACH_CLUSTER_URL",
        "cockroach_cluster_user": "COCKROACH_CLUSTER_USER",
        "cockroach_cluster_password": "COCKROACH_CLUSTER_PASSWORD",
        "cockroach_cluster_ca": "COCKROACH_CLUSTER_CA",
        "cockroach_emulator_control_url": "COCKROACH_EMULATOR_CONTROL_URL",
        "cockroach_emulator_ready_file": "COCKROACH_EMULATOR_READY_FILE",
    }
    for var, env_name in sorted(names.items()):
        lines.append("%s: %s" % (var, _yaml_str(env.get(env_name, ""))))
    node_urls = [u for u in env.get("COCKROACH_EMULATOR_NODE_URLS", "").split(",") if u]
    lines.append("cockroach_node_urls: [%s]" % ", ".join(_yaml_str(u) for u in node_urls))
    return "\n".join(lines) + "\n"


def _yaml_str(value):
    return "'%s'" % str(value).replace("'", "''")


def integration_targets(coll_dir=None):
    """Names of the integration targets that run (not the setup_* ones other targets include)."""
    found = glob.glob(os.path.join(coll_dir or COLL_DIR, "tests", "integration", "targets", "*"))
    return sorted(os.path.basename(d) for d in found if os.path.isdir(d) and not os.path.basename(d).startswith("setup_"))


def run_integration(args, targets=(), coll_dir=None, stdout=None):
    """``ansible-test integration`` for ``targets`` (all when empty) in one collection copy, against a fresh
    emulator of its own (or the real endpoint the COCKROACH_* variables name)."""
    coll_dir = coll_dir or COLL_DIR
    coll_root = os.path.dirname(os.path.dirname(os.path.dirname(coll_dir)))
    config_path = os.path.join(coll_dir, "tests", "integration", "integration_config.yml")
    cmd = [tool("ansible-test"), "integration", "--local", "--python", args.python, "--color", "no"] + list(targets)
    if real_endpoint_configured():
        print("integration: COCKROACH_API_KEY and COCKROACH_CLUSTER_URL are set: running against that endpoint",
              file=stdout or sys.stdout)
        with open(config_path, "w") as handle:
            handle.write(integration_config(os.environ))
        return run(cmd, cwd=coll_dir, stdout=stdout, coll_root=coll_root)
    # status records every 1 s (a real node: 10 s): every gate still waits for records written after the
    # disruption it judges, one short interval instead of ten seconds (make test time)
    with Emulator(["--nodes", "3", "--create-seconds", "1", "--rate-limit", "0", "--status-interval", "1"]) as emu:
        with open(config_path, "w") as handle:
            handle.write(integration_config(emu.env()))
        return run(cmd, cwd=coll_dir, env={"COCKROACH_EMULATOR_CONTROL_URL": emu.ready["control_url"]},
                   stdout=stdout, coll_root=coll_root)


def step_integration(args):
    """Every integration target (CI_TARGETS: only those) in one ansible-test run; ``make test`` instead hands
    them to the two runners in chunks (see WorkQueue)."""
    if not integration_targets():
        raise Skip("no integration targets found under tests/integration/targets")
    return run_integration(args, os.environ.get("CI_TARGETS", "").split())  # e.g. CI_TARGETS="cloud_cluster cloud_sql_user"


# seconds each scenario took on 2 cores beside integration (make test, 2026-12-01, 07:15): the longest start first, so
# that the two runners of a parallel make test end close together (an unknown scenario counts as 60 s)
SCENARIO_SECONDS = {"faults_roll": 127, "healthy_roll": 84, "underreplicated_mid_roll": 83,
                    "upgrade_node_never_returns": 72, "upgrade_patch": 64, "stale_records": 61, "upgrade_major": 55,
                    "locality_roll": 53, "node_never_returns": 51, "upgrade_preflight_refused": 40,
                    "preflight_dead_node": 19}


# seconds each integration target took (make test, 2026-12-01 07:15, 2 cores, beside molecule); unknown: 35
TARGET_SECONDS = {"no_secrets": 100, "cloud_cluster": 81, "cloud_maintenance": 55, "cloud_org": 51,
                  "cloud_access": 43, "roles_bad_input": 40, "cloud_bad_input": 34, "cloud_export": 33,
                  "cloud_private_endpoints": 32, "cloud_egress": 31, "cloud_replication": 25, "cluster_health": 25,
                  "cloud_sql_user": 24, "cloud_spend_limit": 19, "cloud_database": 18, "cloud_backup": 17,
                  "cloud_allowlist": 16, "cluster_bad_input": 16, "cloud_child_bad_input": 15,
                  "cloud_cluster_info": 15, "cluster_session": 15, "cluster_nodes_info": 14,
                  "cloud_audit_log_info": 10, "cluster_version_info": 10, "hot_ranges_info": 10,
                  "inventory_cluster_nodes": 8, "cluster_health_info": 7, "cluster_sessions_info": 5,
                  "cluster_settings_info": 4, "cluster_users_info": 3, "cloud_regions_info": 3,
                  "cluster_events_info": 3, "cluster_databases_info": 2, "cluster_node_ranges_info": 2,
                  "cluster_range_info": 2, "db_grants_info": 2}
CHUNK_SECONDS = 150  # integration targets per ansible-test run on one runner (each run costs ~5 s to start)


def integration_chunks(targets):
    """The targets in chunks of about CHUNK_SECONDS, the longest targets first (first fit, decreasing)."""
    chunks = []
    for name in sorted(targets, key=lambda t: -TARGET_SECONDS.get(t, 35)):
        cost = TARGET_SECONDS.get(name, 35)
        for chunk in chunks:
            if chunk[0] + cost <= CHUNK_SECONDS:
                chunk[0] += cost
                chunk[1].append(name)
                break
        else:
            chunks.append([cost, [name]])
    return [tuple(chunk) for chunk in chunks]


class ScenarioQueue:
    """The work both runners of one make test take from, longest first (thread-safe): molecule scenarios and
    chunks of integration targets. Items are ("molecule", name) or ("integration", [targets])."""

    def __init__(self, names, chunks=(), steps=()):
        self.lock = threading.Lock()
        items = [(SCENARIO_SECONDS.get(name, 60), ("molecule", name)) for name in names]
        items += [(cost, ("integration", list(targets))) for cost, targets in chunks]
        self.items = [item for dummy, item in sorted(items, key=lambda pair: -pair[0])]
        # short steps that read the main collection copy (lint, docs, changelog): last, and only once the main
        # runner has finished sanity/units/emulator there (steps_ready), so that neither runner idles at the end
        self.items += [("step", name) for name in steps]
        self.steps_ready = threading.Event()
        self.step_results = []
        self.failed = []
        self.seconds = {}

    @property
    def names(self):
        return [payload for kind, payload in self.items if kind == "molecule"]

    def take(self):
        with self.lock:
            for index, (kind, dummy) in enumerate(self.items):
                if kind != "step" or self.steps_ready.is_set():
                    return self.items.pop(index)
            return None

    def done(self, label, seconds, rc):
        with self.lock:
            self.seconds[label] = seconds
            if rc:
                self.failed.append(label)


def molecule_scenarios():
    found = glob.glob(os.path.join(COLL_DIR, "extensions", "molecule", "*", "molecule.yml"))
    names = sorted(os.path.basename(os.path.dirname(path)) for path in found)
    wanted = os.environ.get("CI_SCENARIOS", "").split()  # e.g. CI_SCENARIOS="healthy_roll stale_records"
    if wanted:
        names = [name for name in names if name in wanted]
    return sorted(names, key=lambda name: -SCENARIO_SECONDS.get(name, 60))


def step_molecule(args):
    """Work from the queue: ``molecule test -s <scenario>``, or an integration chunk (every scenario, and nothing
    else, without a queue). ``args.runner_dir`` is this runner's collection copy (default: the main one)."""
    queue = getattr(args, "molecule_queue", None)
    if queue is None:
        queue = ScenarioQueue(molecule_scenarios())
        if not queue.names:
            raise Skip("no molecule scenarios found under extensions/molecule")
    out = getattr(args, "molecule_output", None)
    coll_dir = getattr(args, "runner_dir", None) or COLL_DIR
    coll_root = os.path.dirname(os.path.dirname(os.path.dirname(coll_dir)))
    mine = []
    for kind, payload in iter(queue.take, None):
        started = time.monotonic()
        if kind == "molecule":
            label = payload
            rc = run([tool("molecule"), "test", "-s", payload], cwd=os.path.join(coll_dir, "extensions"), stdout=out,
                     coll_root=coll_root)
        elif kind == "step":
            label = "step " + payload
            print("\n===== step %s (from the queue) =====" % payload, file=out or sys.stdout, flush=True)
            result = run_step(payload, args, quiet=True)
            print("===== step %s: %s in %.1fs =====" % result, file=out or sys.stdout, flush=True)
            with queue.lock:
                queue.step_results.append(result)
            rc = 0 if result[1].startswith("passed") else 1
        else:
            label = "integration(%s)" % " ".join(payload)
            rc = run_integration(args, payload, coll_dir=coll_dir, stdout=out)
        elapsed = time.monotonic() - started
        queue.done(label, elapsed, rc)
        mine.append("%s %.1fs%s" % (label, elapsed, "" if rc == 0 else " FAILED"))
    print("work run here: %s" % (", ".join(mine) or "none"), file=out or sys.stdout, flush=True)
    return 1 if any(m.endswith(" FAILED") for m in mine) else 0


def step_eda(args):
    """The EDA source ``cluster_events`` driven by its tests against the emulator, then the example rulebook under
    ansible-rulebook (which needs a JVM: Debian's default-jre-headless is installed when ``java`` is missing)."""
    coll_dir = getattr(args, "runner_dir", None) or COLL_DIR
    out = getattr(args, "molecule_output", None)
    if not glob.glob(os.path.join(coll_dir, "tests", "eda", "test_*.py")):
        raise Skip("no event source tests under tests/eda")
    if not shutil.which("java"):
        import docs_site  # pylint: disable=import-outside-toplevel

        print("java not found: installing default-jre-headless for ansible-rulebook", file=out or sys.stdout, flush=True)
        if not docs_site.apt_install("default-jre-headless"):
            return 1
    return run([tool("python"), "-m", "pytest", "tests/eda", "-q", "-s", "-p", "no:cacheprovider"], cwd=coll_dir,
               env={"PYTHONDONTWRITEBYTECODE": "1"}, stdout=out, coll_root=os.path.dirname(os.path.dirname(
                   os.path.dirname(coll_dir))))


def step_lint(args):
    return run([tool("ansible-lint"), "--profile", "production", "--nocolor"], cwd=COLL_DIR,
               stdout=getattr(args, "molecule_output", None))


def step_docs(args):
    """antsibull-docs lint (beside the rest), the HTML site built from the collection copy and checked page by page
    in one headless Chromium (``tools/docs_site.py all``: build/docs/html, screenshots in build/docs/screenshots;
    chromium installed when missing), and the check's own tests (tests/docs)."""
    out = getattr(args, "molecule_output", None)
    if PREREQUISITES:
        PREREQUISITES[0].join()  # chromium, installed in a thread since make test started
    lint_cmd = [tool("antsibull-docs"), "lint-collection-docs", "--plugin-docs", "."]
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_COLLECTIONS_PATH=COLL_ROOT,
               ANSIBLE_NOCOLOR="1")
    with tempfile.TemporaryFile(mode="w+") as lint_out:
        print("+ %s (beside the site)" % " ".join(lint_cmd), file=out or sys.stdout, flush=True)
        lint = subprocess.Popen(lint_cmd, cwd=COLL_DIR, env=env, stdout=lint_out,  # pylint: disable=consider-using-with
                                stderr=subprocess.STDOUT)
        rc_site = run([sys.executable, os.path.join(ROOT, "tools", "docs_site.py"), "all", "--collections", COLL_ROOT,
                       "--out", os.path.join(ROOT, "build", "docs")], stdout=out)
        rc_tests = run([tool("pytest"), "tests/docs", "-q", "-p", "no:cacheprovider"], stdout=out)
        rc_lint = lint.wait()
        lint_out.seek(0)
        print("antsibull-docs lint-collection-docs (exit %d):\n%s" % (rc_lint, lint_out.read().rstrip()),
              file=out or sys.stdout, flush=True)
    return 1 if (rc_lint or rc_site or rc_tests) else 0


def step_changelog(args):
    return run([tool("antsibull-changelog"), "lint"], cwd=ROOT, stdout=getattr(args, "molecule_output", None))


def step_galaxy(args):
    """Build the tarball, install it into an empty collections path, run modules from it by FQCN."""
    out = os.path.join(ROOT, "build", "galaxy")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    rc = run([tool("ansible-galaxy"), "collection", "build", "--output-path", out, COLL_DIR], cwd=out)
    if rc:
        return rc
    tarball = glob.glob(os.path.join(out, "cockroachdb-cockroachdb-*.tar.gz"))[0]
    fresh = os.path.join(out, "installed")
    rc = run([tool("ansible-galaxy"), "collection", "install", "--offline", "--force", "-p", fresh, tarball], cwd=out,
             env={"ANSIBLE_COLLECTIONS_PATH": fresh})
    if rc:
        return rc
    env = {"ANSIBLE_COLLECTIONS_PATH": fresh}
    installed = os.path.join(fresh, "ansible_collections", "cockroachdb", "cockroachdb")
    if not os.path.isfile(os.path.join(installed, "emulator", "__main__.py")):
        print("the tarball does not ship the emulator")
        return 1
    modules = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(installed, "plugins", "modules", "*.py")))
    if not modules:
        raise Skip("the tarball installs, but it has no modules yet")
    # one ansible-doc for every module (it fails when any of them has no readable documentation)
    with tempfile.TemporaryFile(mode="w+") as docs:
        rc = run([tool("ansible-doc"), "-t", "module"] + ["cockroachdb.cockroachdb.%s" % name for name in modules],
                 cwd=out, env=dict(env, PAGER="cat"), stdout=docs)
        docs.seek(0)
        text = docs.read()
    print("ansible-doc rendered %d modules from the installed tarball (%d lines)" % (len(modules), text.count("\n")))
    if rc:
        print(text[-4000:])
        return rc
    with Emulator(["--nodes", "1", "--rate-limit", "0"]) as emu:
        env.update(emu.env())
        probes = [("cloud_regions_info", "provider=GCP"), ("cluster_nodes_info", "")]
        for name, module_args in probes:
            if name in modules:
                rc = run([tool("ansible"), "localhost", "-c", "local", "-i", "localhost,", "-e",
                          "ansible_python_interpreter=%s" % sys.executable,
                          "-m", "cockroachdb.cockroachdb.%s" % name, "-a", module_args], cwd=out, env=env)
                if rc:
                    return rc
    return 0


def step_packages(args):
    """The emulator as a pip package (from the installed Galaxy tarball, in a fresh venv) and the execution
    environment's build context (``ansible-builder create``): see tools/check_packages.py."""
    return run([sys.executable, os.path.join(ROOT, "tools", "check_packages.py"), COLL_DIR], cwd=ROOT,
               stdout=getattr(args, "molecule_output", None))


def step_runner(args):
    """demo.yml's Cluster part through ansible-runner, laid out and credentialed as AWX does: see
    tools/check_runner.py."""
    return run([sys.executable, os.path.join(ROOT, "tools", "check_runner.py"), COLL_DIR], cwd=ROOT,
               stdout=getattr(args, "molecule_output", None))


PREREQUISITES = []


def start_prerequisites(steps):
    """Debian's chromium (the docs step's browser check) installed in a thread from the start: apt-get takes ~20 s on a
    fresh machine, hidden behind the first steps. Nothing to do when it is there already."""
    if "docs" in steps:
        import docs_site  # pylint: disable=import-outside-toplevel

        thread = threading.Thread(target=docs_site.ensure_chromium, daemon=True)
        thread.start()
        PREREQUISITES.append(thread)


def run_step(name, args, quiet=False):
    started = time.monotonic()
    try:
        rc = globals()["step_" + name](args)
        outcome = "passed" if rc == 0 else "FAILED (exit %s)" % rc
    except Skip as why:
        outcome = "passed (nothing to run: %s)" % why
    except Exception as exc:  # a broken step must not hide the others  # pylint: disable=broad-except
        outcome = "FAILED (%s: %s)" % (type(exc).__name__, exc)
    elapsed = time.monotonic() - started
    if not quiet:
        print("===== step %s: %s in %.1fs =====" % (name, outcome, elapsed), flush=True)
    return (name, outcome, elapsed)


def start_background_step(name, args):
    """Run one step in a thread, its output in a temporary file (see finish_background_step)."""
    output = tempfile.TemporaryFile(mode="w+")
    step_args = argparse.Namespace(**vars(args))
    setattr(step_args, "%s_output" % name, output)
    box = {}

    def target():
        box["result"] = run_step(name, step_args, quiet=True)
    thread = threading.Thread(target=target, daemon=True)
    print("\n===== second runner: %s work from the queue, beside the next steps (output below when it ends) =====" % name,
          flush=True)
    thread.start()
    return (name, thread, output, box)


def finish_background_step(background):
    name, thread, output, box = background
    thread.join()
    print("\n===== second runner (%s work from the queue) =====" % name, flush=True)
    output.seek(0)
    shutil.copyfileobj(output, sys.stdout)
    output.close()
    result = box.get("result") or (name, "FAILED (no result)", 0.0)
    print("===== second runner: %s %s in %.1fs =====" % result, flush=True)
    return result


def start_second_runner(args, steps=()):
    """A second copy of the collection, the shared work queue, and a runner on that copy in a thread."""
    second = os.path.join(COLL_ROOT + "-2", "ansible_collections", "cockroachdb", "cockroachdb")
    if os.path.isdir(second):
        shutil.rmtree(second)
    shutil.copytree(COLL_DIR, second)
    targets = os.environ.get("CI_TARGETS", "").split() or integration_targets()
    args.molecule_queue = ScenarioQueue(molecule_scenarios(), integration_chunks(targets), steps)
    args.started_queue = time.monotonic()
    runner_args = argparse.Namespace(**vars(args))
    runner_args.runner_dir = second
    return start_background_step("molecule", runner_args)


def join_queue(args, background):
    """This runner takes the queued work too; then both runners' results, as steps integration and molecule."""
    print("\n===== steps integration + molecule: the work still queued, here =====", flush=True)
    queue = args.molecule_queue
    queue.steps_ready.set()
    run_step("molecule", args, quiet=True)
    if background is not None:
        finish_background_step(background)
    wall = time.monotonic() - args.started_queue
    out = []
    for kind in ("integration", "molecule"):
        labels = [label for label in queue.seconds if not label.startswith("step ")
                  and label.startswith("integration(") == (kind == "integration")]
        failed = [label for label in queue.failed if label in labels]
        seconds = sum(queue.seconds[label] for label in labels)
        outcome = "passed" if not failed else "FAILED (%s)" % ", ".join(failed)
        print("===== step %s: %s; %d runs, %.1fs of run time (both runners: %.1fs wall since the copy) =====" % (
            kind, outcome, len(labels), seconds, wall), flush=True)
        out.append((kind, outcome, seconds))
    return out + sorted(queue.step_results, key=lambda result: STEPS.index(result[0]))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated steps to run")
    parser.add_argument("--skip", default="", help="comma-separated steps to leave out")
    parser.add_argument("--python", default="%d.%d" % sys.version_info[:2])
    args = parser.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    skip = [s for s in args.skip.split(",") if s]
    steps = [s for s in STEPS if (not only or s in only) and s not in skip]
    needs_copy = ("sanity", "units", "integration", "molecule", "eda", "lint", "docs", "galaxy", "packages", "runner")
    if only and "copy" not in only and any(s in steps for s in needs_copy):
        steps.insert(0, "copy")
    results = []
    wall_started = time.monotonic()
    start_prerequisites(steps)
    # Integration and molecule are most of make test; each drives one Ansible process at a time and spends part of
    # it waiting (emulated downtime, gate intervals). Two runners share them: right after the copy a second runner
    # starts on a second copy of the collection (its own emulator per integration chunk, its output kept in a file
    # and printed at the end) and takes work from one queue, longest first: molecule scenarios and chunks of
    # integration targets. This runner does sanity, units and the emulator tests meanwhile, then takes from the same
    # queue (whose last items are lint, docs and changelog, for whichever runner is free), then runs galaxy.
    # CI_SERIAL=1 (or a real endpoint) runs everything one after the other.
    background = None
    beside = ("integration" in steps and "molecule" in steps and not os.environ.get("CI_SERIAL")
              and not real_endpoint_configured())
    queued_steps = []
    if beside:
        steps.remove("molecule")
        join_at = steps.index("integration")
        steps.remove("integration")
        # longest first: eda mostly waits (emulated timings, the JVM), docs builds the site and drives a browser
        queued_steps = [name for name in ("eda", "docs", "lint", "runner", "packages", "changelog") if name in steps]
        steps = [name for name in steps if name not in queued_steps]
    joined = not beside
    for index, name in enumerate(steps):
        if not joined and index == join_at:
            results.extend(join_queue(args, background))
            joined = True
        print("\n===== step %s =====" % name, flush=True)
        results.append(run_step(name, args))
        if beside and name == "copy":
            background = start_second_runner(args, queued_steps)
    if not joined:
        results.extend(join_queue(args, background))
    print("\nSummary:")
    for name, outcome, elapsed in results:
        print("  %-12s %7.1fs  %s" % (name, elapsed, outcome))
    failed = sum(1 for result in results if result[1].startswith("FAILED"))
    total = sum(result[2] for result in results)
    wall = time.monotonic() - wall_started
    print("%d passed, %d failed in %.1fs of steps, %.1fs wall" % (len(results) - failed, failed, total, wall))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
