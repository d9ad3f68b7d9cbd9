#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/demo.yml's Cluster part through ansible-runner, as AWX runs a job template.

    python tools/check_runner.py <collection dir> [--work DIR]

A private data dir laid out as AWX lays it out (project/, inventory/hosts, env/envvars, env/extravars,
env/settings, env/cmdline), the Cluster API credentials rendered from the custom credential type that the
collection ships (extensions/awx/credential_types.yml: env injectors for COCKROACH_CLUSTER_URL/USER/PASSWORD,
extra vars for the non-secret fields), against a fresh emulator; ``ansible-runner run`` with the job's tags
(``cluster``: demo.yml's play "The Cluster API v2 of a running cluster"). Then the artifacts:

- status ``successful``, rc 0;
- the job events: one play (the Cluster one), its tasks ok, playbook_on_stats with no failures and ok > 0;
- the emulator's request log: the login and logout, Cluster API requests only (no Cloud request, no restart);
- no secret in any file under the artifacts dir: not the password, not the Cloud key, and no Cluster API session
  token (any string that decodes as a session token; the scanner is first shown to find a token the emulator
  issued). The one exception is ansible-runner's own: artifacts/<ident>/command (0600) records the whole job
  environment, so the password injected as COCKROACH_CLUSTER_PASSWORD is there, and only there (check_no_secret).

Called by ``tools/ci_steps.py`` (step runner). The runner's own output goes to artifacts/<ident>/stdout.
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from check_packages import Checks  # noqa: E402  pylint: disable=wrong-import-position
from with_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(os.path.abspath(sys.executable))
CLUSTER_PLAY = "The Cluster API v2 of a running cluster"
CLUSTER_TASKS = ("Log in once for the whole play", "Nodes, liveness and replication health", "The five hottest ranges",
                 "Grants on the application database", "Log out")
IDENT = "1"
CANDIDATE = re.compile(r"[A-Za-z0-9+/_-]{24,}={0,2}")


def session_tokens_in(text):
    """Every substring of ``text`` that decodes (standard or URL-safe base64) as a Cluster API session token: the
    SessionCookie proto, field 1 a varint id, field 2 the 16-byte secret."""
    found = []
    for match in CANDIDATE.finditer(text):
        word = match.group(0)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                raw = decode(word + "=" * (-len(word) % 4))
            except ValueError:
                continue
            if _is_session_cookie(raw):
                found.append(word)
                break
    return found


def _is_session_cookie(raw):
    if len(raw) < 20 or raw[0] != 0x08:
        return False
    index = 1
    while index < len(raw) and raw[index] & 0x80:
        index += 1
    index += 1
    return raw[index:index + 2] == b"\x12\x10" and len(raw) == index + 2 + 16


def render(template, values):
    """An AWX injector value: a Jinja2 template over the credential's inputs."""
    import jinja2  # pylint: disable=import-outside-toplevel
    return jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined).from_string(template).render(values)  # nosec


def load_credential_type(coll_dir, name):
    import yaml  # pylint: disable=import-outside-toplevel
    with open(os.path.join(coll_dir, "extensions", "awx", "credential_types.yml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for entry in data["credential_types"]:
        if entry["name"] == name:
            return entry
    raise KeyError(name)


def write_yaml(path, data):
    import yaml  # pylint: disable=import-outside-toplevel
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle, default_flow_style=False)


def private_data_dir(work, coll_dir, ready):
    """The directory AWX hands to ansible-runner for one job, with the Cluster API credential injected."""
    data = os.path.join(work, "job")
    shutil.copytree(os.path.join(coll_dir, "playbooks"), os.path.join(data, "project"))
    os.makedirs(os.path.join(data, "inventory"))
    with open(os.path.join(data, "inventory", "hosts"), "w", encoding="utf-8") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    credential = load_credential_type(coll_dir, "CockroachDB Cluster API")
    inputs = {"cluster_url": ready["node_urls"][0], "username": ready["admin_user"], "password": ready["admin_password"]}
    env = {key: render(value, inputs) for key, value in credential["injectors"]["env"].items()}
    extra = {key: render(value, inputs) for key, value in credential["injectors"]["extra_vars"].items()}
    coll_root = os.path.dirname(os.path.dirname(os.path.dirname(coll_dir)))
    # what AWX sets for every job beside the credential: where collections are, no colour, no retry files
    env.update({"ANSIBLE_COLLECTIONS_PATH": coll_root, "ANSIBLE_FORCE_COLOR": "False", "ANSIBLE_RETRY_FILES_ENABLED": "False",
                "ANSIBLE_HOST_KEY_CHECKING": "False", "PATH": BIN + os.pathsep + os.environ.get("PATH", "")})
    extra.update({"awx_job_id": 1, "awx_job_template_name": "CockroachDB demo (Cluster API)", "tower_job_id": 1})
    write_yaml(os.path.join(data, "env", "envvars"), env)
    write_yaml(os.path.join(data, "env", "extravars"), extra)
    write_yaml(os.path.join(data, "env", "settings"), {"job_timeout": 600, "idle_timeout": 300, "pexpect_timeout": 5})
    with open(os.path.join(data, "env", "cmdline"), "w", encoding="utf-8") as handle:
        handle.write("--tags cluster\n")  # the job template's job tags
    return data, sorted(env), sorted(extra)


def control(ready, path):
    with urllib.request.urlopen(ready["control_url"] + path, timeout=15) as response:  # nosec - loopback control API
        return json.loads(response.read().decode("utf-8"))


def issued_token(ready):
    """A session token of our own (login on node 1, then logout), to show that the scanner finds one."""
    form = urllib.parse.urlencode({"username": ready["admin_user"], "password": ready["admin_password"]}).encode("ascii")
    request = urllib.request.Request(ready["node_urls"][0] + "/api/v2/login/", data=form,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=15) as response:  # nosec - loopback URL of our own emulator
        token = json.loads(response.read().decode("utf-8"))["session"]
    request = urllib.request.Request(ready["node_urls"][0] + "/api/v2/logout/", data=b"",
                                     headers={"X-Cockroach-API-Session": token})
    urllib.request.urlopen(request, timeout=15).close()  # nosec - loopback URL of our own emulator
    return token


def read_events(artifacts):
    events = []
    folder = os.path.join(artifacts, "job_events")
    for name in os.listdir(folder) if os.path.isdir(folder) else ():
        if name.endswith(".json"):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                events.append(json.load(handle))
    return sorted(events, key=lambda event: event.get("counter", 0))


def check_events(checks, artifacts):
    events = read_events(artifacts)
    task_plays = sorted(set(e["event_data"].get("play") for e in events if e.get("event", "").startswith("runner_on_")))
    checks.ok(task_plays == [CLUSTER_PLAY], "job events: tasks ran in the plays %s (the others' tasks skipped by the tag)" % (
        task_plays,))
    ok_tasks = [e["event_data"].get("task") for e in events if e.get("event") == "runner_on_ok"]
    missing = [task for task in CLUSTER_TASKS if task not in ok_tasks]
    checks.ok(not missing, "job events: the Cluster tasks ok (%d runner_on_ok; missing: %s)" % (len(ok_tasks), missing))
    failed = [e["event_data"].get("task") for e in events if e.get("event") in ("runner_on_failed", "runner_on_unreachable")]
    checks.ok(not failed, "job events: no failed or unreachable task %s" % failed)
    stats = [e["event_data"] for e in events if e.get("event") == "playbook_on_stats"]
    if checks.ok(len(stats) == 1, "job events: one playbook_on_stats"):
        stat = stats[0]
        summary = {key: stat.get(key) for key in ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored")}
        checks.ok(not stat.get("failures") and not stat.get("dark") and sum((stat.get("ok") or {}).values()) > 0,
                  "playbook_on_stats %s" % json.dumps(summary, sort_keys=True))
    print("  %d job events" % len(events), flush=True)


def check_requests(checks, ready):
    log = control(ready, "/_emulator/requests")["requests"]
    cloud = [r for r in log if r.get("api") == "cloud"]
    cluster = [(r["method"], r["path"], r["status"]) for r in log if r.get("api") == "cluster"]
    checks.ok(("POST", "/api/v2/login/", 200) in cluster and ("POST", "/api/v2/logout/", 200) in cluster,
              "emulator: the play logged in and out (%d Cluster API requests)" % len(cluster))
    checks.ok(not cloud, "emulator: no Cloud API request (only the cluster-tagged play ran): %d" % len(cloud))
    state = control(ready, "/_emulator/state")
    checks.ok(state.get("sessions") == 0, "emulator: no session left open (%s)" % state.get("sessions"))


def check_no_secret(checks, artifacts, ready, own_token):
    """Every file under the artifacts dir. One exception, ansible-runner's and not ours: ``command`` records the
    complete environment of the process it started (0600), so the password that AWX's credential injects as an
    environment variable is there, as the value of COCKROACH_CLUSTER_PASSWORD under ``env`` and nowhere else. That
    one value is taken out of the scanned text of ``command``; everything else in it, and every other file
    (events, stdout, status, fact cache), must hold no password, no Cloud key and no session token."""
    checks.ok(session_tokens_in("header %s trailer" % own_token) == [own_token] and session_tokens_in(
        "X-Cockroach-API-Session: %s" % own_token.replace("+", "-").replace("/", "_")) != [],
        "the token scanner finds a session token the emulator issued")
    secrets = {"the Cluster API password": ready["admin_password"], "the Cloud API key": ready["api_key"]}
    scanned = 0
    size = 0
    leaks = []
    for folder, dummy, names in os.walk(artifacts):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8", "replace")
            rel = os.path.relpath(path, artifacts)
            if rel == "command":
                text = runner_command_without_injected_env(checks, path, text, ready)
            scanned += 1
            size += len(text)
            for what, value in secrets.items():
                if value in text or urllib.parse.quote(value, safe="") in text:
                    leaks.append("%s in %s" % (what, rel))
            if session_tokens_in(text):
                leaks.append("%d session token(s) in %s" % (len(session_tokens_in(text)), rel))
    checks.ok(scanned > 0 and not leaks, "no secret in the %d files (%d characters) under the artifacts dir%s" % (
        scanned, size, (": " + "; ".join(leaks)) if leaks else ""))


def runner_command_without_injected_env(checks, path, text, ready):
    """``command``'s text with the injected password's one expected place blanked (see check_no_secret)."""
    record = json.loads(text)
    env = record.get("env", {})
    injected = env.get("COCKROACH_CLUSTER_PASSWORD") == ready["admin_password"]
    checks.ok(injected and (os.stat(path).st_mode & 0o077) == 0,
              "artifacts/%s/command: ansible-runner's record of the job environment (mode 0600) holds the injected "
              "COCKROACH_CLUSTER_PASSWORD (ansible-runner writes every environment variable there)" % IDENT)
    if injected:
        env["COCKROACH_CLUSTER_PASSWORD"] = "<the injected password>"
    return json.dumps(record)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("coll_dir")
    parser.add_argument("--work", help="work directory (default: a temporary one, removed afterwards)")
    args = parser.parse_args(argv)
    coll_dir = os.path.abspath(args.coll_dir)
    work = args.work or tempfile.mkdtemp(prefix="crdb-runner-")
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    checks = Checks()
    # only what the credential injects reaches the job: no COCKROACH_* from this process's environment
    env = {key: value for key, value in os.environ.items() if not key.startswith("COCKROACH_")}
    try:
        with Emulator(["--nodes", "3", "--rate-limit", "0", "--status-interval", "1"]) as emu:
            ready = emu.ready
            data, env_names, extra_names = private_data_dir(work, coll_dir, ready)
            print("private data dir %s: env/envvars %s, env/extravars %s, env/cmdline --tags cluster" % (
                data, env_names, extra_names), flush=True)
            own_token = issued_token(ready)
            control_request = urllib.request.Request(ready["control_url"] + "/_emulator/requests", method="DELETE")
            urllib.request.urlopen(control_request, timeout=15).close()  # nosec - loopback control API
            started = time.monotonic()
            cmd = [os.path.join(BIN, "ansible-runner"), "run", data, "--ident", IDENT, "-p", "demo.yml", "-q"]
            print("+ %s" % " ".join(cmd), flush=True)
            rc = subprocess.call(cmd, cwd=work, env=env)
            print("  ansible-runner: exit %s in %.1fs" % (rc, time.monotonic() - started), flush=True)
            artifacts = os.path.join(data, "artifacts", IDENT)
            status = open(os.path.join(artifacts, "status"), encoding="utf-8").read().strip() if os.path.isfile(
                os.path.join(artifacts, "status")) else None
            code = open(os.path.join(artifacts, "rc"), encoding="utf-8").read().strip() if os.path.isfile(
                os.path.join(artifacts, "rc")) else None
            checks.ok(rc == 0 and status == "successful" and code == "0", "artifacts: status %s, rc %s" % (status, code))
            if status != "successful" and os.path.isfile(os.path.join(artifacts, "stdout")):
                tail = open(os.path.join(artifacts, "stdout"), encoding="utf-8").read()[-4000:]
                for value in [ready["admin_password"], ready["api_key"]] + session_tokens_in(tail):
                    tail = tail.replace(value, "<redacted>")
                print(tail, flush=True)  # the job's output, what AWX would show, secrets redacted
            check_events(checks, artifacts)
            check_requests(checks, ready)
            check_no_secret(checks, artifacts, ready, own_token)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    return checks.verdict("runner")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
