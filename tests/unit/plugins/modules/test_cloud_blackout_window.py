# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_blackout_window: the desired set (pure), then the module against the in-process emulator: keyed by start
time, end updated in place, purge, the API's time rules checked before the first write, no-op request counts."""

from datetime import datetime, timezone

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_maintenance import format_time
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_blackout_window as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.maintenance_support import (
    advanced_cluster,
    maint_state,
)

DAY = 86400


def params(**kw):
    base = dict(cluster="c1", wait_timeout=60, start_time=None, end_time=None, windows=None, purge=False,
                state="present")
    base.update(kw)
    return base


@pytest.mark.parametrize("kw, fragment", [
    (dict(), "one of start_time or windows is required"),
    (dict(start_time="2025-03-15T09:00:00Z"), "start_time: end_time is required with state=present"),
    (dict(start_time="2025-03-15T09:00:00Z", end_time="2025-03-30T09:00:00Z"), "at most 14 days"),
    (dict(start_time="2025-03-15T09:00:00Z", end_time="2025-03-15T08:00:00Z"), "end_time must be after start_time"),
    (dict(start_time="March 15", end_time="2025-03-15T08:00:00Z"), "start_time 'March 15' is not an RFC 3339"),
    (dict(windows=[{"start_time": "2025-03-15T09:00:00Z", "end_time": "2025-03-16T09:00:00Z"},
                   {"start_time": "2025-03-15T10:00:00+01:00", "end_time": "2025-03-17T09:00:00Z"}]),
     "windows[1]: a window starting at 2025-03-15T09:00:00Z is listed twice"),
    (dict(windows=[{"start_time": "2025-03-15T09:00:00Z", "end_time": "x"}]), "windows[0].end_time 'x'"),
    (dict(windows=[], start_time="2025-03-15T09:00:00Z"), "mutually exclusive"),
    (dict(start_time="2025-03-15T09:00:00Z", end_time="2025-03-16T09:00:00Z", purge=True), "purge requires windows"),
    (dict(windows=[], purge=True, state="absent"), "purge only works with state=present"),
])
def test_validate(kw, fragment):
    errors = mod.validate(params(**kw))
    assert any(fragment in e for e in errors), errors


def test_validate_ok():
    assert mod.validate(params(start_time="2025-03-15T09:00:00Z", end_time="2025-03-16T09:00:00Z")) == []
    assert mod.validate(params(start_time="2025-03-15T09:00:00Z", state="absent")) == []
    assert mod.validate(params(windows=[], purge=True)) == []


def at(emulated, days):
    return format_time(datetime.fromtimestamp(int(emulated.clock.time()) + int(days * DAY), tz=timezone.utc))


def with_maintenance_window(emulated, cid):
    r = emulated.cloud("PUT", "/api/v1/clusters/%s/maintenance-window" % cid,
                       {"offset_duration": "172800s", "window_duration": "21600s"})
    assert r.status_code == 200
    emulated.clear_requests()


def test_ladder_and_purge(emulated):
    cid = advanced_cluster(emulated)["id"]
    with_maintenance_window(emulated, cid)
    path = "/api/v1/clusters/%s/blackout-windows" % cid
    a, b, c = at(emulated, 8), at(emulated, 20), at(emulated, 30)
    res = run_cloud(emulated, mod, check=True, cluster="shop-prod", start_time=a, end_time=at(emulated, 9))
    assert res["changed"] and res["added"] == [a] and writes(emulated) == []
    assert res["blackout_windows"] == [{"id": None, "start_time": a, "end_time": at(emulated, 9)}]
    res = run_cloud(emulated, mod, cluster="shop-prod", start_time=a, end_time=at(emulated, 9))
    assert res["changed"] and writes(emulated) == [("POST", path)] and res["blackout_windows"][0]["id"]
    emulated.clear_requests()
    # the same start in another zone: a no-op, reads only
    local = a.replace("Z", "+00:00")
    res = run_cloud(emulated, mod, cluster="shop-prod", start_time=local, end_time=at(emulated, 9))
    assert not res["changed"] and reads(emulated) == ["/api/v1/clusters", path] and writes(emulated) == []
    wid = res["blackout_windows"][0]["id"]
    # a later end: updated in place (PATCH of the end only)
    res = run_cloud(emulated, mod, cluster="shop-prod", start_time=a, end_time=at(emulated, 10))
    assert res["changed"] and res["updated"] == [a] and writes(emulated) == [("PATCH", path + "/" + wid)]
    assert [e["body"] for e in emulated.requests(api="cloud") if e["method"] == "PATCH"] == [{"end_time": at(emulated, 10)}]
    emulated.clear_requests()
    wanted = [{"start_time": b, "end_time": at(emulated, 21)}, {"start_time": c, "end_time": at(emulated, 31)}]
    res = run_cloud(emulated, mod, check=True, cluster="shop-prod", windows=wanted, purge=True)
    assert res["changed"] and res["added"] == [b, c] and res["removed"] == [a] and writes(emulated) == []
    assert sorted(res["diff"]["before"]) == [a] and sorted(res["diff"]["after"]) == [b, c]
    res = run_cloud(emulated, mod, cluster="shop-prod", windows=wanted, purge=True)
    assert res["changed"] and [m for m, p in writes(emulated)] == ["DELETE", "POST", "POST"]
    assert [w["start_time"] for w in maint_state(emulated, cid)["blackout_windows"]] == [b, c]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-prod", windows=wanted, purge=True)
    assert not res["changed"] and writes(emulated) == [] and reads(emulated) == ["/api/v1/clusters", path]
    res = run_cloud(emulated, mod, cluster="shop-prod", start_time=b, state="absent")
    assert res["changed"] and res["removed"] == [b]
    res = run_cloud(emulated, mod, cluster="shop-prod", windows=[], purge=True)
    assert res["changed"] and maint_state(emulated, cid)["blackout_windows"] == []


def test_time_rules_checked_before_any_write(emulated):
    cid = advanced_cluster(emulated)["id"]
    with_maintenance_window(emulated, cid)
    # an existing window that would be purged, and a new one too soon: nothing at all is written
    emulated.cloud("POST", "/api/v1/clusters/%s/blackout-windows" % cid,
                   {"start_time": at(emulated, 8), "end_time": at(emulated, 9)})
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-prod", windows=[{"start_time": at(emulated, 3), "end_time": at(emulated, 4)}],
                    purge=True)
    assert res.failed and "windows[0]: start_time" in res["msg"] and "at least 7 days from now" in res["msg"]
    assert writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-prod", start_time=at(emulated, 80), end_time=at(emulated, 93))
    assert res.failed and "three months" in res["msg"] and writes(emulated) == []
    # a window that has started can no longer be changed; cancelling it is fine
    emulated.advance(8.5 * DAY)
    start = maint_state(emulated, cid)["blackout_windows"][0]["start_time"]
    res = run_cloud(emulated, mod, cluster="shop-prod", start_time=start, end_time=at(emulated, 2))
    assert res.failed and "has already started" in res["msg"] and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-prod", start_time=start, state="absent")
    assert res["changed"] and maint_state(emulated, cid)["blackout_windows"] == []


def test_api_refusal_is_a_clean_failure(emulated):
    advanced_cluster(emulated)  # no maintenance window
    res = run_cloud(emulated, mod, cluster="shop-prod", start_time=at(emulated, 8), end_time=at(emulated, 9))
    assert res.failed and "maintenance window" in res["msg"]


def test_not_advanced_refused_before_any_write(emulated):
    ready_cluster(emulated)
    res = run_cloud(emulated, mod, cluster="shop-dev", start_time=at(emulated, 8), end_time=at(emulated, 9))
    assert res.failed and "ADVANCED clusters only" in res["msg"] and writes(emulated) == []
