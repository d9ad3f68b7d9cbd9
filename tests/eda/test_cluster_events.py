# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The event source ``cluster_events`` driven through ``main(queue, args)`` against the emulator (a subprocess).

Each test resets the emulator and scripts changes through its control API; the events that come out are
asserted exactly, in order. Figures (time from a change to its event, the backoff gaps) are printed, never
asserted. Run from the collection copy: ``pytest -s tests/eda`` (``step_eda`` of ``tools/ci_steps.py``).
"""

import asyncio
import json
import logging
import time

import pytest

from eda_support import (  # pylint: disable=import-error
    Control, RunningSource, has, latency_report, load_source, record_latency, start_emulator, types,
)

INTERVAL = 0.2
ALL_EVENTS = []


@pytest.fixture(scope="module")
def emulator():
    emu = start_emulator()
    yield emu
    emu.stop()
    print("\n" + latency_report())


@pytest.fixture
def env(emulator):
    control = Control(emulator.ready["control_url"])
    control.reset()
    return emulator.ready, control


@pytest.fixture(scope="module")
def source():
    return load_source()


def args_for(ready, **extra):
    args = {"cluster_url": ready["node_urls"], "username": ready["admin_user"], "password": ready["admin_password"],
            "interval": INTERVAL, "timeout": 2}
    args.update(extra)
    return args


def run(coro):
    return asyncio.run(coro)


def keep(timed):
    events = [e for _t, e in timed]
    ALL_EVENTS.extend(events)
    return events


def test_scripted_stop_start_underreplication(env, source):
    ready, control = env

    async def script():
        async with RunningSource(source, args_for(ready)) as src:
            assert await src.quiet(1.0) == []  # the first poll is the baseline: no event

            changed = time.monotonic()
            control.call("POST", "/_emulator/nodes/3/stop")
            got = await src.until(has(("node_readiness_changed", 3), ("ranges_underreplicated", None),
                                      ("node_liveness_changed", 3)))
            for kind in ("node_readiness_changed", "ranges_underreplicated", "node_liveness_changed"):
                record_latency(kind, changed, got)
            stop_events = keep(got)

            changed = time.monotonic()
            control.call("POST", "/_emulator/nodes/3/start")
            got = await src.until(has(("node_liveness_changed", 3), ("node_readiness_changed", 3), ("cluster_event", None),
                                      ("ranges_underreplicated", None)))
            record_latency("cluster_event", changed, got)
            start_events = keep(got)

            changed = time.monotonic()
            control.call("PATCH", "/_emulator/nodes/2", {"ranges.underreplicated": 4})
            got = await src.until(has(("ranges_underreplicated", None)))
            record_latency("ranges_underreplicated", changed, got)
            patch_events = keep(got)
            control.call("PATCH", "/_emulator/nodes/2", {"ranges.underreplicated": 0})
            cleared_events = keep(await src.until(has(("ranges_underreplicated", None))))

            changed = time.monotonic()
            control.call("PATCH", "/_emulator/nodes/1", {"build_tag": "v25.4.2"})
            got = await src.until(has(("node_build_changed", 1)))
            record_latency("node_build_changed", changed, got)
            build_events = keep(got)

            changed = time.monotonic()
            control.call("PATCH", "/_emulator/nodes/1", {"ranges.unavailable": 2})
            got = await src.until(has(("ranges_unavailable", None)))
            record_latency("ranges_unavailable", changed, got)
            unavailable_events = keep(got)
        return stop_events, start_events, patch_events, cleared_events, build_events, unavailable_events

    stop_events, start_events, patch_events, cleared_events, build_events, unavailable_events = run(script())
    print("\nevents of the scripted sequence:")
    for step, events in (("stop node 3", stop_events), ("start node 3", start_events),
                         ("PATCH node 2 ranges.underreplicated 4", patch_events),
                         ("PATCH node 2 ranges.underreplicated 0", cleared_events),
                         ("PATCH node 1 build_tag v25.4.2", build_events),
                         ("PATCH node 1 ranges.unavailable 2", unavailable_events)):
        print("  %s:" % step)
        for event in events:
            print("    %s" % json.dumps(event, sort_keys=True))

    # stop: readiness fails at once (the proxy answers 502), the other nodes' next status records count the
    # ranges that lost a replica, then (after --liveness-expiry) node 3 turns suspect
    assert types(stop_events) == ["node_readiness_changed", "ranges_underreplicated", "node_liveness_changed"]
    readiness, ranges, liveness = stop_events
    assert readiness == {"type": "node_readiness_changed", "node_id": 3, "before": True, "after": False,
                         "status": 502, "reason": readiness["reason"]}
    assert readiness["reason"]
    assert ranges["state"] == "appeared" and ranges["before"] == 0 and ranges["after"] > 0
    assert sum(ranges["nodes"].values()) == ranges["after"] == sum(ranges["stores"].values())
    assert set(ranges["nodes"]) <= {"1", "2"}
    assert liveness == {"type": "node_liveness_changed", "node_id": 3, "before": "live", "after": "suspect",
                        "before_status": 3, "after_status": 2}

    # start: live and ready again and the node_restart entry of the event log (one poll sees all three; a start
    # between the node list and the probes of a poll splits them over two polls), then the ranges catch up
    first_three = sorted(start_events[:3], key=lambda e: e["type"])
    assert types(first_three) == ["cluster_event", "node_liveness_changed", "node_readiness_changed"]
    entry, live, ready_again = first_three
    assert live == {"type": "node_liveness_changed", "node_id": 3, "before": "suspect", "after": "live",
                    "before_status": 2, "after_status": 3}
    assert ready_again == {"type": "node_readiness_changed", "node_id": 3, "before": False, "after": True,
                           "status": 200, "reason": None}
    assert types(start_events[3:]) == ["ranges_underreplicated"]
    cleared = start_events[3]
    assert entry["event_type"] == "node_restart" and entry["reporting_id"] == 3 and entry["info"]["NodeID"] == 3
    assert entry["unique_id"] and entry["timestamp"]
    assert cleared == {"type": "ranges_underreplicated", "state": "cleared", "before": cleared["before"], "after": 0,
                       "nodes": {}, "stores": {}}
    assert cleared["before"] > 0

    assert patch_events == [{"type": "ranges_underreplicated", "state": "appeared", "before": 0, "after": 4,
                             "nodes": {"2": 4}, "stores": {"2": 4}}]
    assert cleared_events == [{"type": "ranges_underreplicated", "state": "cleared", "before": 4, "after": 0,
                               "nodes": {}, "stores": {}}]
    assert build_events == [{"type": "node_build_changed", "node_id": 1, "before": "v25.4.1", "after": "v25.4.2",
                             "version": "25.4"}]
    assert unavailable_events == [{"type": "ranges_unavailable", "state": "appeared", "before": 0, "after": 2,
                                   "nodes": {"1": 2}, "stores": {"1": 2}}]


def test_one_login_for_many_polls_and_relogin_on_expiry(env, source):
    ready, control = env
    control.call("DELETE", "/_emulator/requests")

    async def script():
        async with RunningSource(source, args_for(ready, readiness=False)) as src:
            await src.quiet(2.0)
            log = control.requests_log()
            polls = sum(1 for r in log if r["path"] == "/api/v2/nodes/")
            logins = sum(1 for r in log if r["path"] == "/api/v2/login/")
            # sessions live 7 days: move the emulated clock past that; the next poll gets a 401 and logs in again
            control.call("POST", "/_emulator/clock", {"advance": 8 * 86400})
            quiet = await src.quiet(1.5)
        return polls, logins, quiet

    polls, logins, quiet = run(script())
    log = control.requests_log()
    print("\n%d polls, %d login(s) before the session expired" % (polls, logins))
    assert polls >= 5 and logins == 1
    assert sum(1 for r in log if r["path"] == "/api/v2/login/") == 2
    assert sum(1 for r in log if r["path"] == "/api/v2/nodes/" and r["status"] == 401) == 1
    assert sum(1 for r in log if r["path"] == "/api/v2/logout/") == 1  # the source logs out when it stops
    # the expiry is no event; nodes whose liveness the clock jump changed are
    assert "cluster_unreachable" not in types(quiet)
    ALL_EVENTS.extend(quiet)


def test_backoff_unreachable_then_reachable(env, source):
    ready, control = env
    # the next 6 reads of the node list fail with 503 on every node; one try per request (retries 0)
    control.call("POST", "/_emulator/faults", {"rules": [
        {"path": "/api/v2/nodes/", "api": "cluster", "kind": "503", "count": 6, "skip": 3}]})
    control.call("DELETE", "/_emulator/requests")

    async def script():
        async with RunningSource(source, args_for(ready, cluster_url=ready["node_urls"][0], retries=0,
                                                  backoff_max=1.0)) as src:
            got = await src.until(has(("cluster_reachable", None)), timeout=30)
        return got

    got = keep(run(script()))
    assert types(got) == ["cluster_unreachable", "cluster_reachable"]
    down, up = got
    assert down["status"] == 503 and down["error_kind"] == "server" and down["failed_polls"] == 1
    assert down["reason"] == "HTTP 503"
    assert down["cluster_urls"] == [ready["node_urls"][0]]
    assert up["failed_polls"] == 6 and up["down_seconds"] > 0
    reads = [r["ts"] for r in control.requests_log() if r["path"] == "/api/v2/nodes/"]
    gaps = [round(b - a, 2) for a, b in zip(reads, reads[1:])]
    print("\nseconds between node-list reads (interval 0.2, 6 failures, backoff cap 1.0): %s" % gaps)


def test_backoff_is_capped_and_jittered(source):
    opts = source["parse_args"]({"cluster_url": "http://127.0.0.1:1", "username": "u", "password": "p",
                                 "interval": 1, "backoff_max": 8}, environ={})
    watcher = source["ClusterWatcher"](opts)
    delays = []
    for failures in range(1, 9):
        watcher.failures = failures
        delay = watcher.next_delay()
        ceiling = min(8.0, 1.0 * 2 ** (failures - 1))
        assert max(1.0, 0.1 * ceiling) <= delay <= max(1.0, ceiling)
        delays.append(round(delay, 2))
    watcher.failures = 0
    assert watcher.next_delay() == 1
    print("\nbackoff delays after 1..8 failures: %s" % delays)


def test_failover_to_the_next_url_when_the_first_node_stops(env, source):
    ready, control = env

    async def script():
        async with RunningSource(source, args_for(ready)) as src:
            await src.quiet(0.6)
            control.call("POST", "/_emulator/nodes/1/stop")
            got = await src.until(has(("node_readiness_changed", 1)), settle=0.4)
        return got

    got = keep(run(script()))
    assert "cluster_unreachable" not in types(got)
    assert got[0] == {"type": "node_readiness_changed", "node_id": 1, "before": True, "after": False,
                      "status": 502, "reason": got[0]["reason"]}


def test_single_url_down_and_back(env, source):
    ready, control = env

    async def script():
        async with RunningSource(source, args_for(ready, cluster_url=ready["node_urls"][0], retries=0,
                                                  backoff_max=0.5)) as src:
            await src.quiet(0.6)
            control.call("POST", "/_emulator/nodes/1/stop")
            down = await src.until(has(("cluster_unreachable", None)))
            control.call("POST", "/_emulator/nodes/1/start")
            back = await src.until(has(("cluster_reachable", None), ("cluster_event", None)))
        return down, back

    down, back = run(script())
    down, back = keep(down), keep(back)
    assert types(down) == ["cluster_unreachable"]
    assert down[0]["error_kind"] == "transport" and down[0]["status"] is None
    assert down[0]["reason"] == "connection refused" and ready["node_urls"][0] in down[0]["error"]
    # liveness stayed live (--liveness-expiry 3 s was not over) and readiness is back by the first poll that
    # answers; what changed meanwhile comes as usual: the log entry, and the ranges that catch up on node 1
    assert back[0]["type"] == "cluster_reachable" and back[0]["failed_polls"] >= 1
    entries = [e for e in back if e["type"] == "cluster_event"]
    assert len(entries) == 1 and entries[0]["event_type"] == "node_restart" and entries[0]["reporting_id"] == 1
    assert set(types(back[1:])) <= {"cluster_event", "ranges_underreplicated"}


def test_a_restarted_source_does_not_replay_the_event_log(env, source):
    ready, control = env

    async def first():
        async with RunningSource(source, args_for(ready, readiness=False)) as src:
            await src.quiet(0.6)
            control.call("POST", "/_emulator/nodes/2/restart", {"downtime": 0.2})
            return await src.until(has(("cluster_event", None)), settle=0.3)

    seen = [e for e in keep(run(first())) if e["type"] == "cluster_event"]
    assert len(seen) == 1 and seen[0]["event_type"] == "node_restart"

    async def second(**extra):
        async with RunningSource(source, args_for(ready, readiness=False, **extra)) as src:
            return await src.quiet(1.0)

    again = run(second())
    assert [e for e in again if e["type"] == "cluster_event"] == []
    # with events_since just before that entry, the first poll emits it (once)
    since = seen[0]["timestamp"][:19] + "Z"
    replay = [e for e in keep([(0, e) for e in run(second(events_since=since))]) if e["type"] == "cluster_event"]
    assert [e["unique_id"] for e in replay] == [seen[0]["unique_id"]]


def test_options_from_the_environment_and_bad_values(source):
    parse = source["parse_args"]
    env = {"COCKROACH_CLUSTER_URL": "http://a:8080,http://b:8080", "COCKROACH_CLUSTER_USER": "root",
           "COCKROACH_CLUSTER_PASSWORD": "s3cret-pw", "COCKROACH_CLUSTER_CA": "/ca.crt"}
    opts = parse({}, environ=env)
    assert opts["cluster_url"] == ["http://a:8080", "http://b:8080"]
    assert (opts["username"], opts["password"], opts["ca_path"]) == ("root", "s3cret-pw", "/ca.crt")
    assert opts["interval"] == 10.0 and opts["readiness"] is True
    assert parse({"cluster_url": ["http://c:8080"], "interval": "2"}, environ=env)["cluster_url"] == ["http://c:8080"]
    for bad, word in (({"interval": 0}, "interval"), ({"validate_certs": "maybe"}, "validate_certs"),
                      ({"events_since": "yesterday"}, "events_since")):
        with pytest.raises(ValueError, match=word):
            parse(bad, environ=env)
    with pytest.raises(ValueError) as err:
        source["ClusterWatcher"](parse({"cluster_url": "http://a:8080/api/v2", "password": "s3cret-pw"}, environ={}))
    assert "cluster_url" in str(err.value) and "s3cret-pw" not in str(err.value)


def test_rfc3339(source):
    ns = source["rfc3339_ns"]
    assert ns("1970-01-01T00:00:01.5Z") == 1500000000
    assert ns("1970-01-01T01:00:00.000000001+01:00") == 1
    assert ns("2026-12-01T06:20:47.846421Z") < ns("2026-12-01T06:20:47.846422Z")
    assert ns("not a time") is None


def test_no_secret_in_any_event_or_log_line(env, source, caplog):
    ready, control = env
    caplog.set_level(logging.DEBUG)
    opts = source["parse_args"](args_for(ready, retries=0), environ={})
    watcher = source["ClusterWatcher"](opts)
    events = []
    try:
        events += watcher.poll()
        tokens = [watcher.token]
        control.call("POST", "/_emulator/faults", {"rules": [
            {"path": "/api/v2/nodes/", "api": "cluster", "kind": "500", "count": 3}]})
        for _poll in range(4):
            events += watcher.poll()
        control.call("POST", "/_emulator/nodes/2/stop")
        control.call("POST", "/_emulator/clock", {"advance": 8 * 86400})
        for _poll in range(3):
            events += watcher.poll()
        tokens.append(watcher.token)
    finally:
        watcher.close()
    assert all(tokens) and tokens[0] != tokens[1] and watcher.logins == 2
    assert "cluster_unreachable" in types(events) and "cluster_reachable" in types(events)
    text = json.dumps(ALL_EVENTS + events) + "\n".join(r.getMessage() for r in caplog.records)
    print("\n%d events and %d log lines searched for the password and the session tokens" % (
        len(ALL_EVENTS + events), len(caplog.records)))
    for secret in [ready["admin_password"]] + tokens:
        assert secret not in text


def test_snapshot_first_and_a_wrong_password_is_reported_not_fatal(env, source):
    ready, _control = env
    watcher = source["ClusterWatcher"](source["parse_args"](args_for(ready, emit_snapshot=True), environ={}))
    try:
        first, second = watcher.poll(), watcher.poll()
    finally:
        watcher.close()
    assert types(first) == ["cluster_snapshot"] and second == []
    snap = first[0]
    assert [n["node_id"] for n in snap["nodes"]] == [1, 2, 3]
    assert all(n["liveness"] == "live" and n["ready"] is True and n["build_tag"] == "v25.4.1" for n in snap["nodes"])
    assert snap["ranges_underreplicated"] == 0 and snap["ranges_unavailable"] == 0

    wrong = "not-the-" + ready["admin_password"]
    watcher = source["ClusterWatcher"](source["parse_args"](args_for(ready, password=wrong, retries=0), environ={}))
    try:
        events = watcher.poll() + watcher.poll()
        delay = watcher.next_delay()
    finally:
        watcher.close()
    assert types(events) == ["cluster_unreachable"]  # once, however many polls fail
    assert events[0]["error_kind"] == "auth" and events[0]["status"] == 401 and events[0]["reason"] == "HTTP 401"
    assert wrong not in json.dumps(events) and delay >= INTERVAL


def test_nodes_added_and_removed_and_unknown_options(source, caplog):
    opts = source["parse_args"]({"cluster_url": "http://127.0.0.1:1", "username": "u", "password": "p",
                                 "intervall": 5, "eda_feedback_queue": object()}, environ={})
    assert "unknown option 'intervall'" in caplog.text and "eda_feedback_queue" not in caplog.text
    watcher = source["ClusterWatcher"](opts)

    def node(nid, liveness="live", status=3):
        return {"node_id": nid, "liveness": liveness, "liveness_status": status, "build_tag": "v25.4.1",
                "version": "25.4", "ranges_underreplicated": 0, "ranges_unavailable": 0, "stores": {}, "ready": True,
                "ready_known": True, "status": 200, "reason": None}

    watcher.totals = {"ranges_underreplicated": 0, "ranges_unavailable": 0}
    events = watcher._diff({1: node(1), 2: node(2)}, {1: node(1), 3: node(3)}, dict(watcher.totals))  # pylint: disable=protected-access
    assert events == [{"type": "node_removed", "node_id": 2, "liveness": "live", "build_tag": "v25.4.1"},
                      {"type": "node_added", "node_id": 3, "liveness": "live", "build_tag": "v25.4.1"}]
