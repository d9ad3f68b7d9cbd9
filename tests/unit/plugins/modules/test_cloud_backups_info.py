# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_backups_info against the in-process emulator: every page, a limit that stops early, a time range."""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import CloudClient
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_backups_info as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)


def test_lists_pages_limit_and_range(emulated, monkeypatch):
    cid = ready_cluster(emulated)["id"]
    res = run_cloud(emulated, mod, cluster="shop-dev")
    assert res["backups"] == [] and res["latest"] is None and not res["changed"]
    emulated.cloud("PATCH", "/api/v1/clusters/%s/backups-config" % cid, {"frequency_minutes": 5})
    emulated.advance(5 * 60 * 5 + 1)
    monkeypatch.setattr(CloudClient, "page_limit", 2)
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev")
    assert len(res["backups"]) == 5 and res["latest"] == res["backups"][-1] and writes(emulated) == []
    assert reads(emulated).count("/api/v1/clusters/%s/backups" % cid) == 3
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev", sort_order="DESC", limit=1)
    assert len(res["backups"]) == 1 and res["backups"][0] == res["latest"]
    assert reads(emulated).count("/api/v1/clusters/%s/backups" % cid) == 1
    every = run_cloud(emulated, mod, cluster="shop-dev")["backups"]
    res = run_cloud(emulated, mod, cluster="shop-dev", start_time=every[1]["as_of_time"],
                    end_time=every[3]["as_of_time"])
    assert [b["id"] for b in res["backups"]] == [every[1]["id"], every[2]["id"]]


def test_bad_input_fails_before_any_request(emulated):
    for args, fragment in ((dict(start_time="2025-01-01T00:00:00Z"), "start_time and end_time go together"),
                           (dict(start_time="yesterday", end_time="2025-01-01T00:00:00Z"), "start_time must be an RFC 3339"),
                           (dict(limit=0), "limit must be 1 or more")):
        res = run_cloud(emulated, mod, cluster="shop-dev", **args)
        assert res.failed and fragment in res["msg"] and emulated.requests() == []
