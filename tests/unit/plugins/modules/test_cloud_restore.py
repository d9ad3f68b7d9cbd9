# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_restore against the in-process emulator: start and wait (progress, completed_at), the re-run that starts
nothing, force, a FAILED job, wait=false, watching by restore_id, check mode, a lost answer, bad input."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_restore as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)


def posts(emulated):
    return [e["body"] for e in emulated.requests(api="cloud") if e["method"] == "POST"]


# DATABASE and TABLE restores need ADVANCED clusters (as in the real service)
ADVANCED = {"dedicated": {"region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}


@pytest.fixture
def two(emulated):
    """A source cluster with a database and a backup, and a destination (request log cleared)."""
    src = ready_cluster(emulated, "shop-prod", **ADVANCED)["id"]
    emulated.cloud("POST", "/api/v1/clusters/%s/databases" % src, {"name": "shop"})
    backup = emulated.cloud_control("POST", "/clusters/%s/backups" % src, {})
    dst = ready_cluster(emulated, "shop-dev", **ADVANCED)["id"]
    return src, dst, backup


def restores(emulated):
    return emulated.cloud_state()["families"]["backup"]["restores"]


def test_start_wait_and_rerun(emulated, two):
    src, dst, backup = two
    res = run_cloud(emulated, mod, cluster="shop-dev", source_cluster="shop-prod", type="CLUSTER")
    assert res["changed"] and res["started"] and writes(emulated) == [("POST", "/api/v1/clusters/%s/restores" % dst)]
    assert posts(emulated) == [{"type": "CLUSTER", "source_cluster_id": src}]
    r = res["restore"]
    assert r["status"] == "SUCCESS" and r["completed_at"] and r["backup_id"] == backup["id"]
    assert res["progress"][0] == 0.0 and res["progress"][-1] == 1.0 and len(res["progress"]) >= 3
    assert res["diff"] == {"before": {}, "after": r}
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev", source_cluster="shop-prod", type="CLUSTER")
    assert not res["changed"] and not res["started"] and res["restore"]["id"] == r["id"] and writes(emulated) == []
    assert reads(emulated) == ["/api/v1/clusters", "/api/v1/clusters", "/api/v1/clusters/%s/restores" % dst]
    res = run_cloud(emulated, mod, cluster="shop-dev", source_cluster="shop-prod", type="CLUSTER", force=True)
    assert res["changed"] and res["restore"]["id"] != r["id"] and len(restores(emulated)) == 2


def test_check_mode_predicts_and_writes_nothing(emulated, two):
    src, dst = two[:2]
    res = run_cloud(emulated, mod, check=True, cluster="shop-dev", source_cluster=src, type="DATABASE",
                    objects=[{"database": "shop"}], restore_opts={"new_db_name": "shop_copy"})
    assert res["changed"] and writes(emulated) == [] and restores(emulated) == []
    assert res["restore"]["id"] is None and res["restore"]["status"] == "PENDING"
    assert res["restore"]["restore_opts"] == {"new_db_name": "shop_copy"}
    assert res["restore"]["source_cluster_name"] == "shop-prod"


def test_failed_restore_fails_the_task_and_a_rerun_tries_again(emulated, two):
    src, dst = two[:2]
    emulated.cloud_control("POST", "/restores/next/fail", {"code": 13, "message": "disk full"})
    res = run_cloud(emulated, mod, cluster="shop-dev", source_cluster="shop-prod", type="DATABASE",
                    objects=[{"database": "shop"}])
    assert res.failed and "FAILED: disk full (code 13)" in res["msg"] and res["restore"]["status"] == "FAILED"
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev", source_cluster="shop-prod", type="DATABASE",
                    objects=[{"database": "shop"}])
    assert res["changed"] and res["restore"]["status"] == "SUCCESS" and len(writes(emulated)) == 1
    dbs = [d["name"] for d in emulated.cloud("GET", "/api/v1/clusters/%s/databases" % dst).json()["databases"]]
    assert "shop" in dbs


def test_no_wait_then_watch_by_restore_id(emulated, two):
    src, dst = two[:2]
    emulated.cloud_control("POST", "/backup/config", {"restore_seconds": 60})
    res = run_cloud(emulated, mod, cluster="shop-dev", type="CLUSTER", source_cluster="shop-prod", wait=False)
    assert res["changed"] and res["restore"]["status"] == "PENDING" and res["progress"] == []
    rid = res["restore"]["id"]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev", restore_id=rid, wait=False)
    assert not res["changed"] and res["restore"]["status"] == "PENDING" and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-dev", restore_id=rid, restore_timeout=5)
    assert res.failed and "timed out after 5s waiting for restore" in res["msg"] and "cloud_restores_info" in res["msg"]
    res = run_cloud(emulated, mod, cluster="shop-dev", restore_id=rid)
    assert not res["changed"] and res["restore"]["status"] == "SUCCESS" and res["restore"]["completed_at"]
    assert writes(emulated) == []


def test_a_running_matching_restore_is_waited_for_not_restarted(emulated, two):
    src, dst = two[:2]
    emulated.cloud_control("POST", "/backup/config", {"restore_seconds": 30})
    first = run_cloud(emulated, mod, cluster="shop-dev", type="CLUSTER", source_cluster="shop-prod", wait=False)
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev", type="CLUSTER", source_cluster="shop-prod")
    assert not res["changed"] and res["restore"]["id"] == first["restore"]["id"] and writes(emulated) == []
    assert res["restore"]["status"] == "SUCCESS"


def test_lost_answer_adopts_the_restore_it_started(emulated, two):
    src, dst = two[:2]
    emulated.fault_rules({"kind": "reset_after", "method": "POST", "path": "/api/v1/clusters/%s/restores" % dst})
    res = run_cloud(emulated, mod, cluster="shop-dev", type="CLUSTER", source_cluster="shop-prod")
    assert res["changed"] and [m for m, p in writes(emulated)] == ["POST"] and len(restores(emulated)) == 1
    assert res["restore"]["status"] == "SUCCESS"


def test_restore_from_own_backup_by_default(emulated, two):
    src, dst = two[:2]
    res = run_cloud(emulated, mod, cluster="shop-prod", type="CLUSTER")
    assert res["changed"] and posts(emulated) == [{"type": "CLUSTER", "source_cluster_id": src}]


@pytest.mark.parametrize("args, fragment", [
    (dict(), "type is required"),
    (dict(type="CLUSTER", objects=[{"database": "shop"}]), "objects must not be set with type=CLUSTER"),
    (dict(type="DATABASE"), "objects is required with type=DATABASE"),
    (dict(type="TABLE", objects=[{"database": "shop"}]), "objects[0].table is required"),
    (dict(type="DATABASE", objects=[{"database": "shop", "table": "t"}]), "objects[0] names a database only"),
    (dict(type="TABLE", objects=[{"database": "a", "table": "t"}], restore_opts={"new_db_name": "x"}), "new_db_name"),
    (dict(type="DATABASE", objects=[{"database": "a"}], restore_opts={"into_db": "x"}), "into_db only works"),
    (dict(restore_id="abc", type="CLUSTER"), "restore_id watches an existing restore: remove type"),
    (dict(type="CLUSTER", restore_timeout=0), "restore_timeout must be 1 second or more"),
    (dict(type="CLUSTER", backup_id=" "), "backup_id must not be empty"),
])
def test_bad_input_fails_before_any_request(emulated, args, fragment):
    res = run_cloud(emulated, mod, cluster="shop-dev", **args)
    assert res.failed and fragment in res["msg"] and emulated.requests() == []
