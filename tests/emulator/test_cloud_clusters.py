"""Cloud API emulator: cluster create / read / update / delete, lifecycle, upgrades, nodes."""

import pytest

from cloud_helpers import Client

C = "/api/v1/clusters"

REQUIRED = {"id", "name", "cockroach_version", "upgrade_status", "plan", "cloud_provider", "state", "creator_id",
            "operation_status", "config", "regions", "cidr_range", "labels", "is_customer_cloud_account"}


@pytest.fixture
def cl():
    return Client()


def body(name="my-cluster", provider="GCP", **spec):
    return {"name": name, "provider": provider, "spec": spec or {"serverless": {"regions": ["us-central1"]}}}


# --- create ---------------------------------------------------------------------------------

def test_create_basic_lifecycle(cl):
    r = cl.post(C, body())
    assert r.status == 200
    c = r.body
    assert REQUIRED <= set(c)
    assert c["state"] == "CREATING" and c["plan"] == "BASIC" and c["operation_status"] == "UNSPECIFIED"
    assert c["config"]["serverless"]["upgrade_type"] == "AUTOMATIC"
    assert c["regions"][0]["node_count"] == 0
    # sub-resources 404 while creating
    r = cl.get(C + "/%s/sql-users" % c["id"])
    assert r.status == 404 and r.body["code"] == 5
    cl.advance(1.0)
    assert cl.get(C + "/" + c["id"]).body["state"] == "CREATING"
    cl.advance(1.01)
    got = cl.get(C + "/" + c["id"]).body
    assert got["state"] == "CREATED"
    assert cl.get(C + "/%s/sql-users" % c["id"]).status == 200
    dbs = cl.get(C + "/%s/databases" % c["id"]).body["databases"]
    assert dbs == [{"name": "defaultdb", "table_count": "0"}]
    al = cl.get(C + "/%s/networking/allowlist" % c["id"]).body
    assert [(e["cidr_ip"], e["cidr_mask"]) for e in al["allowlist"]] == [("0.0.0.0", 0)]


def test_create_with_empty_ip_allowlist(cl):
    c = cl.create("no-allow", serverless={"regions": ["us-central1"], "with_empty_ip_allowlist": True})
    assert cl.get(C + "/%s/networking/allowlist" % c["id"]).body["allowlist"] == []


@pytest.mark.parametrize("name", ["short", "UPPER-case", "-leading", "trailing-", "x" * 21, "under_score", ""])
def test_create_rejects_bad_names(cl, name):
    r = cl.post(C, body(name))
    assert r.status == 400 and r.body["code"] == 3


def test_create_name_conflict_is_409_until_deleted(cl):
    c = cl.create("dupe-name")
    r = cl.post(C, body("dupe-name"))
    assert r.status == 409 and r.body["code"] == 6
    assert cl.delete(C + "/" + c["id"]).status == 200
    assert cl.post(C, body("dupe-name")).status == 200


@pytest.mark.parametrize("spec,fragment", [
    ({}, "exactly one"),
    ({"serverless": {"regions": ["us-central1"]}, "dedicated": {"region_nodes": {"us-central1": 3}}}, "exactly one"),
    ({"serverless": {"regions": []}}, "region"),
    ({"serverless": {"regions": ["mars-1"]}}, "mars-1"),
    ({"serverless": {"regions": ["us-east4"]}}, "serverless"),
    ({"serverless": {"regions": ["us-central1", "us-east1"]}}, "primary_region"),
    ({"serverless": {"regions": ["us-central1"], "upgrade_type": "MANUAL"}}, "MANUAL"),
    ({"plan": "STANDARD", "serverless": {"regions": ["us-central1"]}}, "provisioned_virtual_cpus"),
    ({"plan": "BASIC", "serverless": {"regions": ["us-central1"], "usage_limits": {"provisioned_virtual_cpus": "2"}}},
     "provisioned_virtual_cpus"),
    ({"serverless": {"regions": ["us-central1"], "usage_limits": {"request_unit_limit": "0"}}}, "greater than zero"),
    ({"plan": "ADVANCED", "serverless": {"regions": ["us-central1"]}}, "dedicated"),
    ({"dedicated": {"region_nodes": {"us-central1": 2}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}, "3 nodes"),
    ({"dedicated": {"region_nodes": {"us-central1": 3, "us-east1": 1},
                    "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}, "3 nodes"),
    ({"dedicated": {"region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 3}}}},
     "num_virtual_cpus"),
    ({"dedicated": {"region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {}}}}, "machine_spec"),
    ({"dedicated": {"region_nodes": {"us-central1": 3}}}, "hardware"),
    ({"dedicated": {"region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}},
                    "cockroach_version": "v22.1.10"}}, "unsupported version: v22.1.10"),
    ({"dedicated": {"region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4},
                                                                     "disk_iops": -5}}}, "disk_iops"),
])
def test_create_validation(cl, spec, fragment):
    r = cl.post(C, body("valid-name", **spec) if spec else {"name": "valid-name", "provider": "GCP", "spec": {}})
    assert r.status == 400, r
    assert r.body["code"] == 3 and fragment in r.body["message"], r.body


def test_create_missing_fields(cl):
    assert cl.post(C, {"provider": "GCP", "spec": {"serverless": {"regions": ["us-central1"]}}}).status == 400
    assert cl.post(C, {"name": "abcdefg", "spec": {"serverless": {"regions": ["us-central1"]}}}).status == 400
    assert cl.post(C, {"name": "abcdefg", "provider": "GCP"}).status == 400
    assert cl.post(C, {"name": "abcdefg", "provider": "IBM", "spec": {}}).status == 400


def test_plan_inference_and_top_level_plan(cl):
    std = cl.create("standard-1", serverless={"regions": ["us-central1"],
                                              "usage_limits": {"provisioned_virtual_cpus": 4}})
    assert std["plan"] == "STANDARD"
    assert std["config"]["serverless"]["usage_limits"] == {"provisioned_virtual_cpus": "4"}
    r = cl.post(C, {"name": "top-plan", "provider": "GCP", "plan": "STANDARD",
                    "spec": {"serverless": {"regions": ["us-central1"], "usage_limits": {"provisioned_virtual_cpus": "2"}}}})
    assert r.status == 200 and r.body["plan"] == "STANDARD"
    ded = cl.create_dedicated()
    assert ded["plan"] == "ADVANCED"


def test_multi_region_serverless_sorted_with_primary(cl):
    c = cl.create("multi-reg", serverless={"regions": ["us-west2", "europe-west1", "us-central1"],
                                           "primary_region": "us-west2"})
    assert [r["name"] for r in c["regions"]] == ["europe-west1", "us-central1", "us-west2"]
    assert [r["primary"] for r in c["regions"]] == [False, False, True]
    for r in c["regions"]:
        assert set(r) >= {"name", "sql_dns", "ui_dns", "internal_dns", "private_endpoint_dns", "node_count"}


def test_dedicated_create_shape_and_nodes(cl):
    c = cl.create_dedicated("dedi-aws", provider="AWS", region_nodes={"us-west-2": 3, "us-east-1": 4},
                            vcpus=8, version="v24.1", ready=False)
    assert c["cockroach_version"] == "v24.1.14" and c["upgrade_status"] == "UPGRADE_AVAILABLE"
    hw = c["config"]["dedicated"]
    assert hw == {"machine_type": "m6i.2xlarge", "num_virtual_cpus": 8, "storage_gib": 35,
                  "memory_gib": 32.0, "disk_iops": 3000}
    assert [(r["name"], r["node_count"]) for r in c["regions"]] == [("us-east-1", 4), ("us-west-2", 3)]
    assert c["cidr_range"] == ""
    assert cl.get(C + "/%s/nodes" % c["id"]).status == 404
    cl.advance(3)
    nodes = cl.get(C + "/%s/nodes" % c["id"]).body["nodes"]
    assert len(nodes) == 7 and all(n["status"] == "LIVE" for n in nodes)
    assert [n["region_name"] for n in nodes] == ["us-east-1"] * 4 + ["us-west-2"] * 3
    only = cl.get(C + "/%s/nodes" % c["id"], query={"region_name": "us-west-2"}).body["nodes"]
    assert len(only) == 3
    gcp = cl.create_dedicated("dedi-gcp", vcpus=2)
    assert gcp["cidr_range"] == "172.28.0.0/14" and gcp["config"]["dedicated"]["machine_type"] == "n2-standard-2"
    sl = cl.create("serverless-x")
    assert cl.get(C + "/%s/nodes" % sl["id"]).body["nodes"] == []


def test_creation_failure_via_control(cl):
    c = cl.create("doomed-one", ready=False)
    st, _body = cl.control("POST", "/clusters/%s/fail" % c["id"])
    assert st == 200
    cl.advance(3)
    assert cl.get(C + "/" + c["id"]).body["state"] == "CREATION_FAILED"
    assert cl.get(C).body["clusters"] == []
    assert [x["id"] for x in cl.get(C, query={"show_inactive": "true"}).body["clusters"]] == [c["id"]]
    # fail the next create
    cl.control("POST", "/clusters/next/fail")
    d = cl.create("doomed-two")
    assert cl.get(C + "/" + d["id"]).body["state"] == "CREATION_FAILED"
    e = cl.create("fine-three")
    assert cl.get(C + "/" + e["id"]).body["state"] == "CREATED"


# --- get / list / delete -----------------------------------------------------------------------

def test_get_unknown_is_404(cl):
    r = cl.get(C + "/00000000-0000-0000-0000-000000000000")
    assert r.status == 404 and r.body["code"] == 5


def test_delete_then_get_and_list(cl):
    c = cl.create("to-delete")
    r = cl.delete(C + "/" + c["id"])
    assert r.status == 200 and r.body["state"] == "DELETED" and r.body["deleted_at"]
    g = cl.get(C + "/" + c["id"])
    assert g.status == 200 and g.body["state"] == "DELETED"
    assert cl.get(C).body["clusters"] == []
    assert len(cl.get(C, query={"show_inactive": "true"}).body["clusters"]) == 1
    assert cl.delete(C + "/" + c["id"]).status == 404
    assert cl.get(C + "/%s/sql-users" % c["id"]).status == 404


def test_delete_protection_blocks_delete(cl):
    c = cl.create("protected", serverless={"regions": ["us-central1"]}, delete_protection="ENABLED")
    r = cl.delete(C + "/" + c["id"])
    assert r.status == 400 and r.body["code"] == 9
    r = cl.patch(C + "/" + c["id"], {"delete_protection": "DISABLED"})
    assert r.status == 200 and r.body["state"] == "CREATED" and r.body["delete_protection"] == "DISABLED"
    assert cl.delete(C + "/" + c["id"]).status == 200


def test_delete_allowed_while_locked(cl):
    c = cl.create_dedicated("locked-del")
    r = cl.patch(C + "/" + c["id"], {"dedicated": {"region_nodes": {"us-central1": 5}}})
    assert r.body["state"] == "LOCKED"
    assert cl.delete(C + "/" + c["id"]).body["state"] == "DELETED"


def test_list_sort_by_created_at(cl):
    cl.create("zzz-first")
    cl.create("aaa-second")
    names = [c["name"] for c in cl.get(C, query={"pagination.sort_by": "CREATED_AT"}).body["clusters"]]
    assert names == ["zzz-first", "aaa-second"]
    names = [c["name"] for c in cl.get(C).body["clusters"]]
    assert names == ["aaa-second", "zzz-first"]


# --- update ------------------------------------------------------------------------------------

def test_patch_instant_changes_stay_created(cl):
    c = cl.create("instant-1")
    r = cl.patch(C + "/" + c["id"], {"labels": {"env": "test"}, "delete_protection": "ENABLED"})
    assert r.status == 200 and r.body["state"] == "CREATED"
    assert r.body["labels"] == {"env": "test"} and r.body["delete_protection"] == "ENABLED"
    r = cl.patch(C + "/" + c["id"], {"labels": {}})
    assert r.body["labels"] == {}
    acts = [e["action"] for e in cl.get("/api/v1/auditlogevents").body["entries"]]
    assert "AUDIT_LOG_ACTION_SET_DELETE_PROTECTION" in acts and "AUDIT_LOG_ACTION_UPDATE_CLUSTER" in acts


def test_patch_usage_limits_replace_and_clear(cl):
    c = cl.create("limits-1", serverless={"regions": ["us-central1"],
                                          "usage_limits": {"request_unit_limit": "100", "storage_mib_limit": 200}})
    assert c["config"]["serverless"]["usage_limits"] == {"request_unit_limit": "100", "storage_mib_limit": "200"}
    r = cl.patch(C + "/" + c["id"], {"serverless": {"usage_limits": {"storage_mib_limit": "300"}}})
    assert r.body["config"]["serverless"]["usage_limits"] == {"storage_mib_limit": "300"}
    r = cl.patch(C + "/" + c["id"], {"serverless": {"usage_limits": {}}})
    assert "usage_limits" not in r.body["config"]["serverless"]
    r = cl.patch(C + "/" + c["id"], {"spec": {"serverless": {}}})
    assert r.status == 400 and "spec" in r.body["message"]


def test_patch_serverless_regions_add_only_and_locks(cl):
    c = cl.create("regions-1")
    r = cl.patch(C + "/" + c["id"], {"serverless": {"regions": ["us-central1", "us-east1"]}})
    assert r.status == 200, r
    assert r.body["state"] == "LOCKED" and r.body["operation_status"] == "CRDB_EDIT_CLUSTER_RUNNING"
    # mutations while locked
    r2 = cl.patch(C + "/" + c["id"], {"labels": {"a": "b"}})
    assert r2.status == 503 and r2.body["code"] == 14 and r2.body["message"] == "cluster lock is held"
    r3 = cl.post(C + "/%s/sql-users" % c["id"], {"name": "x", "password": "y"})
    assert r3.status == 503 and r3.body["code"] == 14
    assert cl.get(C + "/%s/sql-users" % c["id"]).status == 200  # reads fine
    cl.wait_unlocked()
    got = cl.get(C + "/" + c["id"]).body
    assert got["state"] == "CREATED" and got["operation_status"] == "UNSPECIFIED"
    assert [x["name"] for x in got["regions"]] == ["us-central1", "us-east1"]
    r = cl.patch(C + "/" + c["id"], {"serverless": {"regions": ["us-east1"], "primary_region": "us-east1"}})
    assert r.status == 400 and "removed" in r.body["message"]
    r = cl.patch(C + "/" + c["id"], {"serverless": {"primary_region": "us-east1"}})
    assert r.status == 200 and [x["primary"] for x in r.body["regions"]] == [False, True]


def test_lock_status_503_by_default_409_selectable():
    cl = Client()
    assert cl.api.settings["lock_status"] == 503
    c = cl.create("lock-503")
    cl.control("POST", "/clusters/%s/lock" % c["id"], {"seconds": 5})
    r = cl.patch(C + "/" + c["id"], {"labels": {"a": "b"}})
    assert r.status == 503 and r.body == {"code": 14, "message": "cluster lock is held", "details": []}
    cl.advance(5.01)
    assert cl.patch(C + "/" + c["id"], {"labels": {"a": "b"}}).status == 200
    cl = Client(lock_status=409)
    c = cl.create("lock-409")
    cl.control("POST", "/clusters/%s/lock" % c["id"], {"seconds": 5})
    r = cl.patch(C + "/" + c["id"], {"labels": {"a": "b"}})
    assert r.status == 409 and r.body["code"] == 10 and r.body["message"] == "cluster lock is held"
    assert cl.control("POST", "/config", {"lock_status": 503})[1]["lock_status"] == 503
    assert cl.patch(C + "/" + c["id"], {"labels": {"a": "b"}}).status == 503


def test_lock_scope_cluster_only():
    cl = Client(lock_scope="cluster")
    c = cl.create("scope-cl")
    cl.control("POST", "/clusters/%s/lock" % c["id"], {"seconds": 5})
    assert cl.get(C + "/" + c["id"]).body["operation_status"] == "MAINTENANCE_RUNNING"
    assert cl.post(C + "/%s/databases" % c["id"], {"name": "ok"}).status == 200
    assert cl.patch(C + "/" + c["id"], {"labels": {}}).status == 503


def test_patch_basic_standard_plan_switch(cl):
    c = cl.create("plan-switch")
    r = cl.patch(C + "/" + c["id"], {"plan": "STANDARD"})
    assert r.status == 400 and "provisioned_virtual_cpus" in r.body["message"]
    r = cl.patch(C + "/" + c["id"], {"plan": "STANDARD", "serverless": {"usage_limits": {"provisioned_virtual_cpus": "2"}}})
    assert r.status == 200 and r.body["plan"] == "STANDARD" and r.body["state"] == "LOCKED"
    cl.wait_unlocked()
    assert cl.patch(C + "/" + c["id"], {"plan": "ADVANCED"}).status == 400
    r = cl.patch(C + "/" + c["id"], {"serverless": {"upgrade_type": "MANUAL"}})
    assert r.status == 200 and r.body["config"]["serverless"]["upgrade_type"] == "MANUAL"
    r = cl.patch(C + "/" + c["id"], {"plan": "BASIC", "serverless": {"usage_limits": {}}})
    assert r.status == 400 and "MANUAL" in r.body["message"]
    r = cl.patch(C + "/" + c["id"], {"plan": "BASIC", "serverless": {"usage_limits": {}, "upgrade_type": "AUTOMATIC"}})
    assert r.status == 200 and r.body["plan"] == "BASIC"


def test_patch_dedicated_scale_and_hardware(cl):
    c = cl.create_dedicated("scale-me")
    cid = c["id"]
    r = cl.patch(C + "/" + cid, {"dedicated": {"region_nodes": {"us-central1": 3}}})
    assert r.body["state"] == "CREATED"  # no change, no lock
    r = cl.patch(C + "/" + cid, {"dedicated": {"region_nodes": {"us-central1": 3, "us-east1": 3}}})
    assert r.body["state"] == "LOCKED" and r.body["operation_status"] == "CRDB_SCALE_RUNNING"
    nodes = cl.get(C + "/%s/nodes" % cid).body["nodes"]
    assert len(nodes) == 6 and any(n["status"] == "NOT_READY" for n in nodes)
    cl.wait_unlocked()
    r = cl.patch(C + "/" + cid, {"dedicated": {"region_nodes": {"us-east1": 3}}})  # removes us-central1
    assert [x["name"] for x in r.body["regions"]] == ["us-east1"]
    cl.wait_unlocked()
    r = cl.patch(C + "/" + cid, {"dedicated": {"hardware": {"machine_spec": {"machine_type": "n2-standard-8"},
                                                            "storage_gib": 100}}})
    assert r.status == 200 and r.body["config"]["dedicated"]["num_virtual_cpus"] == 8
    assert r.body["config"]["dedicated"]["machine_type"] == "n2d-standard-8"  # the equivalent type (swap)
    assert r.body["config"]["dedicated"]["storage_gib"] == 100
    cl.wait_unlocked()
    r = cl.patch(C + "/" + cid, {"dedicated": {"hardware": {"storage_gib": 50}}})
    assert r.status == 400 and "decreased" in r.body["message"]
    r = cl.patch(C + "/" + cid, {"serverless": {"regions": ["us-central1"]}})
    assert r.status == 400
    sl = cl.create("sl-no-dedi")
    assert cl.patch(C + "/" + sl["id"], {"dedicated": {"region_nodes": {"us-central1": 3}}}).status == 400


def test_failed_operation_reverts(cl):
    c = cl.create_dedicated("fail-op")
    cl.control("POST", "/clusters/%s/fail" % c["id"])
    cl.patch(C + "/" + c["id"], {"dedicated": {"region_nodes": {"us-central1": 5}}})
    cl.wait_unlocked()
    got = cl.get(C + "/" + c["id"]).body
    assert got["state"] == "CREATED" and got["operation_status"] == "CRDB_SCALE_FAILED"
    assert got["regions"][0]["node_count"] == 3


def test_patch_while_creating_and_after_delete(cl):
    c = cl.create("patch-early", ready=False)
    r = cl.patch(C + "/" + c["id"], {"labels": {"a": "b"}})
    assert r.status == 400 and r.body["code"] == 9
    cl.advance(3)
    cl.delete(C + "/" + c["id"])
    assert cl.patch(C + "/" + c["id"], {"labels": {}}).status == 400


# --- versions ---------------------------------------------------------------------------------

def test_upgrade_finalize_flow_dedicated(cl):
    c = cl.create_dedicated("upgrade-me", version="v24.1")
    cid = c["id"]
    r = cl.patch(C + "/" + cid, {"cockroach_version": "v24.2", "labels": {"a": "b"}})
    assert r.status == 400 and "combined" in r.body["message"]
    r = cl.patch(C + "/" + cid, {"cockroach_version": "v24.2", "upgrade_status": "FINALIZED"})
    assert r.status == 400
    r = cl.patch(C + "/" + cid, {"cockroach_version": "v25.9"})
    assert r.status == 400
    r = cl.patch(C + "/" + cid, {"cockroach_version": "v24.2"})
    assert r.status == 200, r
    assert r.body["state"] == "LOCKED" and r.body["upgrade_status"] == "MAJOR_UPGRADE_RUNNING"
    assert r.body["operation_status"] == "CRDB_MAJOR_UPGRADE_RUNNING" and r.body["cockroach_version"] == "v24.1.14"
    cl.wait_unlocked()
    g = cl.get(C + "/" + cid).body
    assert g["state"] == "CREATED" and g["upgrade_status"] == "PENDING_FINALIZATION"
    assert g["cockroach_version"] == "v24.2.10"
    r = cl.patch(C + "/" + cid, {"cockroach_version": "v24.3"})
    assert r.status == 400 and "finalize" in r.body["message"]
    r = cl.patch(C + "/" + cid, {"upgrade_status": "FINALIZED"})
    assert r.status == 200 and r.body["upgrade_status"] == "UPGRADE_AVAILABLE"  # v24.3 still available
    r = cl.patch(C + "/" + cid, {"upgrade_status": "FINALIZED"})
    assert r.status == 400 and r.body["code"] == 9
    cl.patch(C + "/" + cid, {"cockroach_version": "v24.3"})
    cl.wait_unlocked()
    cl.advance(72 * 3600 + 1)  # auto-finalize
    g = cl.get(C + "/" + cid).body
    assert g["upgrade_status"] == "FINALIZED" and g["cockroach_version"] == "v24.3.5"
    acts = [e["action"] for e in cl.get("/api/v1/auditlogevents").body["entries"]]
    assert acts.count("AUDIT_LOG_ACTION_UPDATE_CLUSTER_MAJOR_VERSION") == 2
    assert "AUDIT_LOG_ACTION_FINALIZE_CLUSTER_MAJOR_VERSION_UPDATE" in acts


@pytest.mark.parametrize("how", [{"upgrade_status": "ROLLBACK_RUNNING"}, {"cockroach_version": "v23.2"}])
def test_rollback(cl, how):
    c = cl.create_dedicated("rollback-me", version="v23.2")
    cl.patch(C + "/" + c["id"], {"cockroach_version": "v24.1"})
    cl.wait_unlocked()
    r = cl.patch(C + "/" + c["id"], how)
    assert r.status == 200 and r.body["upgrade_status"] == "ROLLBACK_RUNNING"
    assert r.body["operation_status"] == "CRDB_MAJOR_ROLLBACK_RUNNING" and r.body["state"] == "LOCKED"
    cl.wait_unlocked()
    g = cl.get(C + "/" + c["id"]).body
    assert g["cockroach_version"] == "v23.2.20" and g["upgrade_status"] == "UPGRADE_AVAILABLE"
    assert "AUDIT_LOG_ACTION_ROLLBACK_CLUSTER_MAJOR_VERSION_UPDATE" in [
        e["action"] for e in cl.get("/api/v1/auditlogevents").body["entries"]]


def test_version_rules_for_serverless(cl):
    basic = cl.create("basic-ver")
    r = cl.patch(C + "/" + basic["id"], {"cockroach_version": "v24.3"})
    assert r.status == 400 and "BASIC" in r.body["message"]
    std = cl.create("std-ver", serverless={"regions": ["us-central1"], "usage_limits": {"provisioned_virtual_cpus": "2"}})
    cl.control("PATCH", "/clusters/%s" % std["id"], {"cockroach_version": "v24.2"})
    assert cl.get(C + "/" + std["id"]).body["upgrade_status"] == "UPGRADE_AVAILABLE"
    r = cl.patch(C + "/" + std["id"], {"cockroach_version": "v24.3"})
    assert r.status == 400 and "MANUAL" in r.body["message"]
    assert cl.patch(C + "/" + std["id"], {"serverless": {"upgrade_type": "MANUAL"}}).status == 200
    r = cl.patch(C + "/" + std["id"], {"cockroach_version": "v24.3"})
    assert r.status == 200 and r.body["upgrade_status"] == "MAJOR_UPGRADE_RUNNING"


def test_create_unsupported_version(cl):
    r = cl.post(C, body("old-version", dedicated={"region_nodes": {"us-central1": 3},
                                                  "hardware": {"machine_spec": {"num_virtual_cpus": 4}},
                                                  "cockroach_version": "v23.1"}))
    assert r.status == 400 and r.body["message"] == "unsupported version: v23.1"


def test_connection_string(cl):
    c = cl.create("conn-str")
    r = cl.get(C + "/%s/connection-string" % c["id"], query={"sql_user": "bob", "database": "app"})
    assert r.status == 200
    assert r.body["params"]["Username"] == "bob" and r.body["params"]["Database"] == "app"
    assert r.body["connection_string"].startswith("postgresql://bob:")
    d = cl.create_dedicated("conn-ded")
    r = cl.get(C + "/%s/connection-string" % d["id"], query={"os": "MAC"})
    assert "sslrootcert" in r.body["connection_string"] and r.body["params"]["Port"] == "26257"


# --- hardware answers that differ from the request ----------------------------------------------

@pytest.mark.parametrize("provider, region, requested, answered", [
    ("GCP", "us-central1", "n2-standard-4", "n2d-standard-4"),
    ("GCP", "us-central1", "n2d-standard-4", "n2-standard-4"),
    ("AWS", "us-east-1", "m6i.xlarge", "m5.xlarge"),
    ("AWS", "us-east-1", "m5.2xlarge", "m6i.2xlarge"),
    ("AZURE", "eastus2", "Standard_D4s_v5", "Standard_D4as_v5"),
])
def test_requested_machine_type_is_swapped_for_an_equivalent(cl, provider, region, requested, answered):
    d = {"region_nodes": {region: 3}, "hardware": {"machine_spec": {"machine_type": requested}}}
    c = cl.create("swap-%s" % provider.lower(), provider, dedicated=d)
    hw = c["config"]["dedicated"]
    assert hw["machine_type"] == answered and hw["num_virtual_cpus"] == int(hw["memory_gib"] / 4)
    # asking again for the same type is answered with the same swap: nothing changes, no lock
    r = cl.patch(C + "/" + c["id"], {"dedicated": {"hardware": {"machine_spec": {"machine_type": requested}}}})
    assert r.status == 200 and r.body["state"] == "CREATED" and r.body["config"]["dedicated"] == hw


def test_machine_type_swap_and_iops_adjust_can_be_turned_off():
    cl = Client(machine_type_swap=False, iops_adjust=False)
    d = {"region_nodes": {"us-east-1": 3},
         "hardware": {"machine_spec": {"machine_type": "m6i.xlarge"}, "disk_iops": 4321}}
    hw = cl.create("no-swap", "AWS", dedicated=d)["config"]["dedicated"]
    assert hw["machine_type"] == "m6i.xlarge" and hw["disk_iops"] == 4321
    assert cl.control("POST", "/config", {"machine_type_swap": "yes"})[0] == 400


def test_disk_iops_rounded_on_aws_ignored_elsewhere(cl):
    d = {"region_nodes": {"us-east-1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}, "disk_iops": 4321}}
    c = cl.create("iops-aws", "AWS", dedicated=d)
    assert c["config"]["dedicated"]["disk_iops"] == 5000
    r = cl.patch(C + "/" + c["id"], {"dedicated": {"hardware": {"disk_iops": 4500}}})
    assert r.body["config"]["dedicated"]["disk_iops"] == 5000 and r.body["state"] == "CREATED"  # same answer
    r = cl.patch(C + "/" + c["id"], {"dedicated": {"hardware": {"disk_iops": 1200}}})
    assert r.body["config"]["dedicated"]["disk_iops"] == 3000 and r.body["state"] == "LOCKED"
    g = cl.create("iops-gcp", dedicated={"region_nodes": {"us-central1": 3}, "hardware": {
        "machine_spec": {"num_virtual_cpus": 4}, "storage_gib": 50, "disk_iops": 9000}})
    assert g["config"]["dedicated"]["disk_iops"] == 1500  # ignored: 30 per GiB
    r = cl.patch(C + "/" + g["id"], {"dedicated": {"hardware": {"disk_iops": 9000}}})
    assert r.status == 200 and r.body["state"] == "CREATED" and r.body["config"]["dedicated"]["disk_iops"] == 1500
