# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_version_deferral: the module against the in-process emulator (ladder, FIXED_DEFERRAL = DEFERRAL_60_DAYS)."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_version_deferral as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    run_cloud,
    writes,
)
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.maintenance_support import (
    advanced_cluster,
    maint_state,
)


def test_changes():
    assert mod.deferral_changes({"deferral_policy": "DEFERRAL_60_DAYS"}, "FIXED_DEFERRAL") == {}
    assert mod.deferral_changes({"deferral_policy": "NOT_DEFERRED"}, "DEFERRAL_30_DAYS") == {
        "deferral_policy": "DEFERRAL_30_DAYS"}


def test_ladder(emulated):
    cid = advanced_cluster(emulated)["id"]
    path = "/api/v1/clusters/%s/version-deferral" % cid
    res = run_cloud(emulated, mod, check=True, cluster="shop-prod", deferral_policy="DEFERRAL_90_DAYS")
    assert res["changed"] and res["version_deferral"]["deferral_policy"] == "DEFERRAL_90_DAYS"
    assert res["diff"] == {"before": {"deferral_policy": "NOT_DEFERRED", "deferred_until": None},
                           "after": {"deferral_policy": "DEFERRAL_90_DAYS", "deferred_until": None}}
    assert writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-prod", deferral_policy="DEFERRAL_90_DAYS")
    assert res["changed"] and writes(emulated) == [("PUT", path)]
    assert maint_state(emulated, cid)["deferral_policy"] == "DEFERRAL_90_DAYS"
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-prod", deferral_policy="DEFERRAL_90_DAYS")
    assert not res["changed"] and reads(emulated) == ["/api/v1/clusters", path] and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-prod", deferral_policy="FIXED_DEFERRAL")
    assert res["changed"] and maint_state(emulated, cid)["deferral_policy"] == "DEFERRAL_60_DAYS"
    emulated.clear_requests()
    # the API answers DEFERRAL_60_DAYS for FIXED_DEFERRAL: the next run is a no-op, in both spellings
    for policy in ("FIXED_DEFERRAL", "DEFERRAL_60_DAYS"):
        assert not run_cloud(emulated, mod, cluster="shop-prod", deferral_policy=policy)["changed"]
    assert writes(emulated) == []


def test_bad_choice_names_the_option(emulated):
    res = run_cloud(emulated, mod, cluster="shop-prod", deferral_policy="LATER")
    assert res.failed and "deferral_policy" in res["msg"] and emulated.requests() == []
