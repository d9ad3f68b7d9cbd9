# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_restores_info against the in-process emulator: list, one by id, ``finished`` (SUCCESS needs completed_at)."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_restores_info as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    ready_cluster,
    run_cloud,
    writes,
)


def test_list_one_and_finished(emulated):
    cid = ready_cluster(emulated)["id"]
    emulated.cloud_control("POST", "/clusters/%s/backups" % cid, {})
    started = emulated.cloud("POST", "/api/v1/clusters/%s/restores" % cid,
                             {"type": "CLUSTER", "source_cluster_id": cid}).json()
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev")
    assert [r["id"] for r in res["restores"]] == [started["id"]] and res["finished"] is False
    emulated.advance(2.1)  # SUCCESS, but completed_at not set yet
    res = run_cloud(emulated, mod, cluster="shop-dev", restore_id=started["id"])
    assert res["restores"][0]["status"] == "SUCCESS" and res["finished"] is False
    emulated.advance(0.5)
    res = run_cloud(emulated, mod, cluster="shop-dev", restore_id=started["id"])
    assert res["finished"] is True and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-dev", restore_id="no-such-restore")
    assert res.failed and res["status"] == 404


def test_bad_input_fails_before_any_request(emulated):
    for args, fragment in ((dict(restore_id=" "), "restore_id must not be empty"),
                           (dict(end_time="2025-01-01T00:00:00Z"), "start_time and end_time go together"),
                           (dict(restore_id="x", limit=2), "mutually exclusive")):
        res = run_cloud(emulated, mod, cluster="shop-dev", **args)
        assert res.failed and fragment in res["msg"] and emulated.requests() == []
