"""Behaviour of the backup family of the Cloud API emulator: backup configuration (retention set once),
backups over emulated time, restores (validation, PENDING -> SUCCESS/FAILED, completed_at lag, the lock)."""

import pytest

from cloud_helpers import Client


@pytest.fixture
def cl():
    return Client()


def cfg_path(cid):
    return "/api/v1/clusters/%s/backups-config" % cid


def backups(cl, cid, **query):
    r = cl.get("/api/v1/clusters/%s/backups" % cid, query=query)
    assert r.status == 200, r
    return r.body["backups"]


def restore(cl, dest, **body):
    return cl.post("/api/v1/clusters/%s/restores" % dest, body)


def test_defaults_and_allowed_values(cl):
    cid = cl.create()["id"]
    assert cl.get(cfg_path(cid)).body == {"enabled": True, "frequency_minutes": 60, "retention_days": 30}
    r = cl.patch(cfg_path(cid), {"frequency_minutes": 45})
    assert r.status == 400 and "frequency_minutes must be one of [5, 10, 15, 30, 60, 240, 1440]" in r.body["message"]
    r = cl.patch(cfg_path(cid), {"retention_days": 14})
    assert r.status == 400 and "retention_days must be one of [2, 7, 30, 90, 365]" in r.body["message"]
    assert cl.patch(cfg_path(cid), {}).status == 400
    assert cl.patch(cfg_path(cid), {"enabled": False, "frequency_minutes": 240}).body == {
        "enabled": False, "frequency_minutes": 240, "retention_days": 30}


def test_config_is_a_sub_resource_of_a_ready_cluster(cl):
    c = cl.create(ready=False)
    assert cl.get(cfg_path(c["id"])).status == 404
    cl.advance(3)
    assert cl.get(cfg_path(c["id"])).status == 200
    cl.control("POST", "/clusters/%s/lock" % c["id"], {"seconds": 30})
    r = cl.patch(cfg_path(c["id"]), {"enabled": False})
    assert r.status == 503 and "lock" in r.body["message"]
    cl.advance(31)
    cl.delete("/api/v1/clusters/" + c["id"])
    assert cl.get(cfg_path(c["id"])).status == 404
    assert cl.get("/api/v1/clusters/%s/backups" % c["id"]).status == 404
    assert cl.get("/api/v1/clusters/%s/restores" % c["id"]).status == 404
    assert c["id"] not in cl.control("GET", "/state")[1]["families"]["backup"]["clusters"]


def test_retention_can_be_set_once(cl):
    cid = cl.create()["id"]
    # sending the default again does not use the one change
    assert cl.patch(cfg_path(cid), {"retention_days": 30}).status == 200
    assert cl.patch(cfg_path(cid), {"retention_days": 7}).body["retention_days"] == 7
    assert cl.patch(cfg_path(cid), {"retention_days": 7}).status == 200  # the same value: a no-op
    r = cl.patch(cfg_path(cid), {"retention_days": 90, "frequency_minutes": 5})
    assert r.status == 400 and r.body["code"] == 9 and "only be set once" in r.body["message"]
    # nothing of the refused PATCH was applied
    assert cl.get(cfg_path(cid)).body == {"enabled": True, "frequency_minutes": 60, "retention_days": 7}
    # the support ticket
    status, state = cl.control("PATCH", "/clusters/%s/backups-config" % cid, {"retention_days": 90})
    assert status == 200 and state["retention_days"] == 90 and state["retention_set"] is True
    assert cl.patch(cfg_path(cid), {"retention_days": 365}).status == 400


def test_backups_follow_frequency_enabled_and_retention(cl):
    cid = cl.create()["id"]
    assert backups(cl, cid) == []
    cl.advance(3600 * 3 + 1)
    assert len(backups(cl, cid)) == 3
    cl.patch(cfg_path(cid), {"frequency_minutes": 30})
    cl.advance(3600)
    assert len(backups(cl, cid)) == 5
    cl.patch(cfg_path(cid), {"enabled": False})
    cl.advance(3600 * 5)
    assert len(backups(cl, cid)) == 5
    cl.patch(cfg_path(cid), {"retention_days": 2})
    cl.advance(2 * 86400)
    assert backups(cl, cid) == []  # all older than two days
    cl.patch(cfg_path(cid), {"enabled": True, "frequency_minutes": 1440})
    cl.advance(5 * 86400 + 10)
    assert len(backups(cl, cid)) == 2  # one a day, kept two days


def test_backup_list_pagination_and_time_range(cl):
    cid = cl.create()["id"]
    cl.patch(cfg_path(cid), {"frequency_minutes": 5})
    cl.advance(25 * 60 + 1)
    every = backups(cl, cid)
    assert len(every) == 5 and every == sorted(every, key=lambda b: b["as_of_time"])
    first = cl.get("/api/v1/clusters/%s/backups" % cid, query={"pagination.limit": 2}).body
    second = cl.get("/api/v1/clusters/%s/backups" % cid,
                    query={"pagination.limit": 2, "pagination.page": first["pagination"]["next_page"]}).body
    assert [b["id"] for b in first["backups"] + second["backups"]] == [b["id"] for b in every[:4]]
    ranged = backups(cl, cid, start_time=every[1]["as_of_time"], end_time=every[3]["as_of_time"])
    assert [b["id"] for b in ranged] == [every[1]["id"], every[2]["id"]]
    r = cl.get("/api/v1/clusters/%s/backups" % cid, query={"end_time": every[3]["as_of_time"]})
    assert r.status == 400 and "together" in r.body["message"]


def test_restore_validation(cl):
    src = cl.create_dedicated("restore-src")["id"]
    dst = cl.create_dedicated("restore-dst")["id"]
    assert restore(cl, dst, source_cluster_id=src).status == 400  # no type
    r = restore(cl, dst, type="CLUSTER", source_cluster_id=src)
    assert r.status == 400 and r.body["code"] == 9  # no backup yet
    cl.control("POST", "/clusters/%s/backups" % src, {})
    cases = [
        ({"type": "CLUSTER"}, 400, "source_cluster_id is required"),
        ({"type": "DATABASE", "source_cluster_id": src}, 400, "objects is required"),
        ({"type": "CLUSTER", "source_cluster_id": src, "objects": [{"database": "defaultdb"}]}, 400, "must not be set"),
        ({"type": "TABLE", "source_cluster_id": src, "objects": [{"database": "defaultdb"}]}, 400, "table is required"),
        ({"type": "DATABASE", "source_cluster_id": src, "objects": [{"database": "nope"}]}, 400, "not in backup"),
        ({"type": "DATABASE", "source_cluster_id": src, "objects": [{"database": "defaultdb"}],
          "restore_opts": {"into_db": "x"}}, 400, "into_db"),
        ({"type": "CLUSTER", "source_cluster_id": "no-such-cluster"}, 404, "source cluster"),
        ({"type": "CLUSTER", "source_cluster_id": src, "backup_id": "no-such-backup"}, 404, "backup"),
        ({"type": "BOGUS", "source_cluster_id": src}, 400, "type"),
    ]
    for body, status, text in cases:
        r = restore(cl, dst, **body)
        assert r.status == status and text in r.body["message"], (body, r)
    assert cl.get("/api/v1/clusters/%s/restores" % dst).body["restores"] == []
    assert cl.get("/api/v1/clusters/%s" % dst).body["state"] == "CREATED"


def test_restore_progress_lock_completed_at_lag_and_audit(cl):
    src = cl.create("restore-src")["id"]
    dst = cl.create_dedicated("restore-dst")["id"]
    backup = cl.control("POST", "/clusters/%s/backups" % src, {})[1]
    audit_before = len(cl.api.s.audit)
    r = restore(cl, dst, type="CLUSTER", source_cluster_id=src)
    assert r.status == 200, r
    assert r.body["status"] == "PENDING" and r.body["completion_percent"] == 0 and r.body["backup_id"] == backup["id"]
    assert r.body["source_cluster_name"] == "restore-src" and r.body["destination_cluster_name"] == "restore-dst"
    assert cl.api.s.audit[audit_before]["action"] == "AUDIT_LOG_ACTION_RESTORE_CLUSTER"
    cluster = cl.get("/api/v1/clusters/" + dst).body
    assert cluster["state"] == "LOCKED" and cluster["operation_status"] == "DEDICATED_FULL_CLUSTER_RESTORE_RUNNING"
    assert restore(cl, dst, type="CLUSTER", source_cluster_id=src).status == 503
    get = "/api/v1/clusters/%s/restores/%s" % (dst, r.body["id"])
    cl.advance(1)
    assert cl.get(get).body["completion_percent"] == 0.5
    cl.advance(1.1)
    done = cl.get(get).body
    assert done["status"] == "SUCCESS" and "completed_at" not in done  # SUCCESS comes before completed_at
    cl.advance(0.5)
    assert "completed_at" in cl.get(get).body
    assert cl.get("/api/v1/clusters/" + dst).body["state"] == "CREATED"
    assert cl.get("/api/v1/clusters/%s/restores/%s" % (src, r.body["id"])).status == 404


def test_database_and_table_restores_need_advanced_clusters(cl):
    """The provider's restore_resource_test.go (run against the real API too) uses ADVANCED clusters "in cases
    where standard plan clusters are not supported (e.g. TABLE and DATABASE restores)"."""
    adv = cl.create_dedicated("restore-adv")["id"]
    std = cl.create("restore-std")["id"]
    for cid in (adv, std):
        cl.control("POST", "/clusters/%s/backups" % cid, {})
    db = {"type": "DATABASE", "objects": [{"database": "defaultdb"}], "restore_opts": {"new_db_name": "copy"}}
    table = {"type": "TABLE", "objects": [{"database": "defaultdb", "schema": "public", "table": "t"}]}
    for dst, src in ((std, std), (adv, std), (std, adv)):
        for body in (db, table):
            r = restore(cl, dst, source_cluster_id=src, **body)
            assert r.status == 400 and r.body["code"] == 9 and "not supported for" in r.body["message"], r.body
    assert cl.get("/api/v1/clusters/%s/restores" % std).body["restores"] == []
    assert restore(cl, std, type="CLUSTER", source_cluster_id=std).status == 200
    assert restore(cl, adv, source_cluster_id=adv, **db).status == 200


def test_restore_fail_next_and_database_effects(cl):
    src = cl.create_dedicated("restore-src")["id"]
    dst = cl.create_dedicated("restore-dst")["id"]
    cl.post("/api/v1/clusters/%s/databases" % src, {"name": "shop"})
    cl.control("POST", "/clusters/%s/backups" % src, {})
    cl.control("POST", "/restores/next/fail", {"code": 13, "message": "disk full"})
    r = restore(cl, dst, type="DATABASE", source_cluster_id=src, objects=[{"database": "shop"}])
    assert cl.get("/api/v1/clusters/" + dst).body["operation_status"] == "DEDICATED_FULL_CLUSTER_RESTORE_RUNNING"
    cl.advance(3)
    failed = cl.get("/api/v1/clusters/%s/restores/%s" % (dst, r.body["id"])).body
    assert failed["status"] == "FAILED" and failed["client_error_code"] == 13
    assert failed["client_error_message"] == "disk full" and failed["completion_percent"] < 1

    def dbs(cid):
        return sorted(d["name"] for d in cl.get("/api/v1/clusters/%s/databases" % cid).body["databases"])
    assert dbs(dst) == ["defaultdb"]
    assert cl.get("/api/v1/clusters/" + dst).body["operation_status"] == "DEDICATED_FULL_CLUSTER_RESTORE_FAILED"
    ok = restore(cl, dst, type="DATABASE", source_cluster_id=src, objects=[{"database": "shop"}],
                 restore_opts={"new_db_name": "shop_copy"})
    cl.advance(3)
    assert cl.get("/api/v1/clusters/%s/restores/%s" % (dst, ok.body["id"])).body["status"] == "SUCCESS"
    assert dbs(dst) == ["defaultdb", "shop_copy"]
    twice = restore(cl, dst, type="DATABASE", source_cluster_id=src, objects=[{"database": "shop"}],
                    restore_opts={"new_db_name": "shop_copy"})
    cl.advance(3)
    again = cl.get("/api/v1/clusters/%s/restores/%s" % (dst, twice.body["id"])).body
    assert again["status"] == "FAILED" and "already exists" in again["client_error_message"]
    listed = cl.get("/api/v1/clusters/%s/restores" % dst, query={"pagination.sort_order": "DESC"}).body["restores"]
    assert [x["id"] for x in listed] == [twice.body["id"], ok.body["id"], r.body["id"]]
    state = cl.control("GET", "/state")[1]["families"]["backup"]
    assert len(state["restores"]) == 3 and state["clusters"][src]["backups"] == 1


def test_restore_objects_come_back_sorted(cl):
    """The real API answers a restore's objects in lexicographic order (terraform-provider-cockroach
    restores_data_source.go convertObjectsToTerraform), whatever the order of the request."""
    src = cl.create_dedicated("sorted-src")["id"]
    dst = cl.create_dedicated("sorted-dst")["id"]
    for name in ("shop", "app"):
        cl.post("/api/v1/clusters/%s/databases" % src, {"name": name})
    cl.control("POST", "/clusters/%s/backups" % src, {})
    asked = [{"database": "shop", "schema": "public", "table": "users"},
             {"database": "app", "schema": "public", "table": "orders"},
             {"database": "shop", "schema": "public", "table": "orders"}]
    r = restore(cl, dst, type="TABLE", source_cluster_id=src, objects=asked)
    assert r.status == 200, r.body
    want = sorted(asked, key=lambda o: (o["database"], o["schema"], o["table"]))
    assert r.body["objects"] == want
    assert cl.get("/api/v1/clusters/%s/restores/%s" % (dst, r.body["id"])).body["objects"] == want
    assert cl.get("/api/v1/clusters/%s/restores" % dst).body["restores"][0]["objects"] == want


def test_control_routes_refuse_bad_input(cl):
    assert cl.control("POST", "/backup/config", {"restore_seconds": "x"})[0] == 400
    assert cl.control("POST", "/backup/config", {"bogus": 1})[0] == 400
    assert cl.control("POST", "/backup/config", {"restore_seconds": 10})[1]["restore_seconds"] == 10
    assert cl.control("POST", "/restores/next/fail", {"code": "x"})[0] == 400
    assert cl.control("POST", "/clusters/nope/backups", {})[0] == 404
