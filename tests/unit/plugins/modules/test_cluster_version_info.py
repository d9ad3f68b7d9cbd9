# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_version_info against the in-process emulator through a major upgrade: finalized, pending, running, and
the legality of targets; two requests (SQL, nodes) besides login/logout."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_version_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module


@pytest.fixture
def emu(emulated_factory):
    return emulated_factory(nodes=3, build_tag="v25.2.6", finalize_seconds=10)


def info(emu, **args):
    res = run_module(cluster_version_info, emu.cluster_args(**args))
    assert not res.failed, res
    return res


def swap(emu, node_id, tag):
    emu.stop_node(node_id)
    assert emu.start_node(node_id, tag)["up"]


def test_a_major_upgrade_seen_step_by_step(emu):
    res = info(emu, target_version="v25.4.1")
    assert res["cluster_version"] == "25.2" and res["preserve_downgrade_option"] == ""
    assert res["auto_upgrade_enabled"] is True and res["builds"] == ["v25.2.6"]
    assert res["finalization"] == {"state": "finalized", "from": "25.2", "to": None, "jobs": [],
                                   "reason": "the cluster version 25.2 is final"}
    assert res["next_versions"] == ["25.3", "25.4"]
    assert res["target"]["kind"] == "major" and res["target"]["legal"]
    assert res["nodes"][0] == {"node_id": 1, "build_tag": "v25.2.6", "version": "25.2", "liveness": "live"}
    assert emu.paths() == [("POST", "/api/v2/login/"), ("POST", "/api/v2/sql/"), ("GET", "/api/v2/nodes/"),
                           ("POST", "/api/v2/logout/")]

    emu.sql("SET CLUSTER SETTING cluster.preserve_downgrade_option = '25.2'")
    swap(emu, 1, "v25.4.1")
    res = info(emu, target_version="v25.2.6")
    assert res["preserve_downgrade_option"] == "25.2" and res["builds"] == ["v25.2.6", "v25.4.1"]
    assert res["finalization"]["state"] == "pending" and res["finalization"]["to"] == "25.4"
    assert res["target"]["kind"] == "rollback" and res["target"]["legal"]

    swap(emu, 2, "v25.4.1")
    swap(emu, 3, "v25.4.1")
    res = info(emu)
    assert res["finalization"]["state"] == "pending" and "not finalized" in res["finalization"]["reason"]

    emu.sql("RESET CLUSTER SETTING cluster.preserve_downgrade_option")
    emu.advance(3)
    res = info(emu, target_version="v25.2.6")
    assert res["cluster_version"].startswith("25.2-upgrading-to-25.3-step-")
    fin = res["finalization"]
    assert fin["state"] == "running" and fin["from"] == "25.2" and fin["to"] == "25.4"
    assert len(fin["jobs"]) == 1 and fin["jobs"][0]["status"] == "running"
    assert res["target"]["kind"] == "downgrade" and not res["target"]["legal"]

    emu.advance(10)
    res = info(emu, target_version="v25.2.6")
    assert res["cluster_version"] == "25.4" and res["finalization"]["state"] == "finalized"
    assert res["next_versions"] == ["26.1", "26.2"]
    assert res["target"]["kind"] == "downgrade" and "restore from backup" in res["target"]["reason"]


@pytest.mark.parametrize("target,kind,legal", [("v26.1.0", "skip", False), ("25.2.9", "patch", True),
                                               ("v25.2.6", "same", True), ("25.3", "major", True)])
def test_targets(emu, target, kind, legal):
    t = info(emu, target_version=target)["target"]
    assert (t["kind"], t["legal"]) == (kind, legal) and t["reason"]


def test_auto_upgrade_off_is_reported(emu):
    emu.sql("SET CLUSTER SETTING cluster.auto_upgrade.enabled = false")
    assert info(emu)["auto_upgrade_enabled"] is False


def test_bad_target_is_refused_before_any_request(emu):
    res = run_module(cluster_version_info, emu.cluster_args(target_version="latest"))
    assert res.failed and "target_version must be a CockroachDB version" in res["msg"] and emu.requests() == []


def test_non_admin_fails_with_the_servers_reason(emu):
    res = run_module(cluster_version_info, emu.cluster_args(username="app_reader", password="app-reader-password"))
    assert res.failed and "VIEWCLUSTERSETTING" in res["msg"]


def test_reads_run_in_separate_transactions(emu):
    info(emu)
    sent = [e for e in emu.requests() if e["path"] == "/api/v2/sql/"][0]["body"]
    assert sent["separate_txns"] is True and len(sent["statements"]) == 4


def test_a_release_without_auto_upgrade_setting_counts_it_as_on(emu, monkeypatch):
    """Before v23.2 there is no cluster.auto_upgrade.enabled: that statement fails, the others answer."""
    from emulator.cluster import settings as emulator_settings
    monkeypatch.delitem(emulator_settings.BY_NAME, "cluster.auto_upgrade.enabled")
    res = info(emu)
    assert res["auto_upgrade_enabled"] is True and res["cluster_version"] == "25.2"
