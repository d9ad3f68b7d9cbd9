# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_backup_config against the in-process emulator: only changed fields are sent, a no-op run sends reads only,
check mode never writes, and a second retention change is refused before anything is sent."""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_backup_config as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)


def backup_state(emulated, cid):
    return emulated.cloud_state()["families"]["backup"]["clusters"][cid]


def patches(emulated):
    return [e["body"] for e in emulated.requests(api="cloud") if e["method"] == "PATCH"]


def test_update_noop_and_check_mode(emulated, monkeypatch):
    warned = []
    monkeypatch.setattr(AnsibleModule, "warn", lambda self, msg: warned.append(msg))
    cid = ready_cluster(emulated)["id"]
    res = run_cloud(emulated, mod, check=True, cluster="shop-dev", frequency_minutes=15, retention_days=7)
    assert res["changed"] and writes(emulated) == []
    assert res["backup_config"] == {"enabled": True, "frequency_minutes": 15, "retention_days": 7}
    assert res["diff"]["before"]["retention_days"] == 30
    res = run_cloud(emulated, mod, cluster="shop-dev", frequency_minutes=15, retention_days=7, enabled=True)
    assert res["changed"] and patches(emulated) == [{"frequency_minutes": 15, "retention_days": 7}]
    assert backup_state(emulated, cid)["retention_set"] is True
    assert any("set only once" in w for w in warned)
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev", frequency_minutes=15, retention_days=7, enabled=True)
    assert not res["changed"] and writes(emulated) == []
    assert reads(emulated) == ["/api/v1/clusters", "/api/v1/clusters/%s/backups-config" % cid]
    res = run_cloud(emulated, mod, cluster="shop-dev", enabled=False)
    assert res["changed"] and res["backup_config"]["enabled"] is False and patches(emulated) == [{"enabled": False}]


def test_second_retention_change_is_refused_before_sending(emulated):
    cid = ready_cluster(emulated)["id"]
    emulated.cloud("PATCH", "/api/v1/clusters/%s/backups-config" % cid, {"retention_days": 90})
    emulated.clear_requests()
    for check in (True, False):
        res = run_cloud(emulated, mod, check=check, cluster="shop-dev", retention_days=7, frequency_minutes=5)
        assert res.failed and "retention_days is already set to 90 days" in res["msg"] and "support ticket" in res["msg"]
        assert "Traceback" not in res.output and writes(emulated) == []
    assert backup_state(emulated, cid)["frequency_minutes"] == 60
    res = run_cloud(emulated, mod, cluster="shop-dev", retention_days=90, frequency_minutes=5)
    assert res["changed"] and patches(emulated) == [{"frequency_minutes": 5}]


def test_refusal_by_the_api_is_reported_cleanly(emulated):
    """Set back to 30 by a support ticket: the module cannot know, the API refuses, the message says why."""
    cid = ready_cluster(emulated)["id"]
    emulated.cloud_control("PATCH", "/clusters/%s/backups-config" % cid, {"retention_days": 30, "retention_set": True})
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev", retention_days=7)
    assert res.failed and "only be set once" in res["msg"] and len(writes(emulated)) == 1


def test_waits_out_a_lock(emulated):
    cid = ready_cluster(emulated)["id"]
    emulated.lock_cluster(cid, seconds=20)
    res = run_cloud(emulated, mod, cluster="shop-dev", enabled=False)
    assert res["changed"] and backup_state(emulated, cid)["enabled"] is False


def test_bad_input_fails_before_any_request(emulated):
    res = run_cloud(emulated, mod, cluster="shop-dev")
    assert res.failed and "set at least one of enabled" in res["msg"] and emulated.requests() == []
    res = run_cloud(emulated, mod, cluster="shop-dev", frequency_minutes=45)
    assert res.failed and "frequency_minutes" in res["msg"] and emulated.requests() == []
    res = run_cloud(emulated, mod, cluster=" ", enabled=True)
    assert res.failed and "cluster must be" in res["msg"] and emulated.requests() == []
