# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_maintenance_window: options, then the module against the in-process emulator (ladder, request counts, check
mode without writes, plan refusal before any write)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_maintenance_window as mod
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


def params(**kw):
    base = dict(cluster="c1", wait_timeout=60, offset_duration="2d", window_duration="6h", state="present")
    base.update(kw)
    return base


@pytest.mark.parametrize("kw, fragment", [
    (dict(offset_duration=None), "offset_duration is required with state=present"),
    (dict(window_duration="5h"), "window_duration must be at least 6 hours"),
    (dict(offset_duration="7d"), "offset_duration must be less than one week"),
    (dict(offset_duration="Wednesday"), "offset_duration 'Wednesday' is not a duration"),
    (dict(cluster=" "), "cluster must be the name or the id"),
])
def test_validate(kw, fragment):
    assert any(fragment in e for e in mod.validate(params(**kw)))


def test_validate_ok():
    assert mod.validate(params()) == []
    assert mod.validate(params(offset_duration=None, window_duration=None, state="absent")) == []
    assert mod.desired_window(params(offset_duration=172800, window_duration="21600s")) == {
        "offset_duration": "172800s", "window_duration": "21600s"}


def test_ladder(emulated):
    cid = advanced_cluster(emulated)["id"]
    path = "/api/v1/clusters/%s/maintenance-window" % cid
    res = run_cloud(emulated, mod, check=True, cluster="shop-prod", offset_duration="2d", window_duration="6h")
    assert res["changed"] and res["maintenance_window"]["starts"] == "Wednesday 00:00 UTC"
    assert res["diff"]["before"] == {} and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-prod", offset_duration="2d", window_duration="6h")
    assert res["changed"] and writes(emulated) == [("PUT", path)]
    assert [e["body"] for e in emulated.requests(api="cloud") if e["method"] == "PUT"] == [
        {"offset_duration": "172800s", "window_duration": "21600s"}]
    assert maint_state(emulated, cid)["maintenance_window"] == {"offset_duration": "172800s", "window_duration": "21600s"}
    emulated.clear_requests()
    # the same window in other spellings: reads only (list clusters + get window)
    for offset, window in (("172800s", "21600s"), (172800, 21600), ("48h", "360m")):
        res = run_cloud(emulated, mod, cluster="shop-prod", offset_duration=offset, window_duration=window)
        assert not res["changed"]
    assert writes(emulated) == [] and reads(emulated) == ["/api/v1/clusters", path] * 3
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, offset_duration="1d6h", window_duration="8h")
    assert res["changed"] and res["diff"]["before"]["offset_duration"] == "172800s"
    assert res["maintenance_window"]["offset_duration"] == "108000s"
    assert reads(emulated) == ["/api/v1/clusters/" + cid, path] and writes(emulated) == [("PUT", path)]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, check=True, cluster=cid, state="absent")
    assert res["changed"] and res["maintenance_window"] is None and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster=cid, state="absent")
    assert res["changed"] and writes(emulated) == [("DELETE", path)]
    assert maint_state(emulated, cid)["maintenance_window"] is None
    res = run_cloud(emulated, mod, cluster=cid, state="absent")
    assert not res["changed"]


def test_waits_for_a_lock_before_writing(emulated):
    cid = advanced_cluster(emulated)["id"]
    emulated.lock_cluster(cid, seconds=30)
    res = run_cloud(emulated, mod, cluster="shop-prod", offset_duration="2d", window_duration="6h")
    assert res["changed"] and maint_state(emulated, cid)["maintenance_window"]["offset_duration"] == "172800s"


def test_not_advanced_refused_before_any_write(emulated):
    ready_cluster(emulated)
    res = run_cloud(emulated, mod, cluster="shop-dev", offset_duration="2d", window_duration="6h")
    assert res.failed and "ADVANCED clusters only" in res["msg"] and "BASIC" in res["msg"]
    assert writes(emulated) == []


def test_bad_input_sends_nothing(emulated):
    res = run_cloud(emulated, mod, cluster="shop-prod", offset_duration="7d", window_duration="6h")
    assert res.failed and "offset_duration" in res["msg"] and emulated.requests() == []


def test_absent_on_a_missing_cluster_is_fine(emulated):
    res = run_cloud(emulated, mod, cluster="nowhere", state="absent")
    assert not res["changed"] and res["cluster_id"] is None
