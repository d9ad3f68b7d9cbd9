"""Conformance of the backup family (backup configuration, backups, restores) with the official spec."""

import pytest

from conformance_helpers import CheckingClient, finish
from emulator.openapi import SpecValidator, load_spec

SPEC = load_spec()
pytestmark = pytest.mark.skipif(SPEC is None, reason="cloud-api-openapi.json not found")


@pytest.fixture(scope="module")
def validator():
    return SpecValidator(SPEC, strict=True)


def test_backup_family_conformance(validator):
    cl = CheckingClient(validator)
    src = cl.create_dedicated("backup-src")["id"]
    dst = cl.create_dedicated("backup-dst")["id"]
    base = "/api/v1/clusters/%s" % src
    assert cl.get(base + "/backups-config").status == 200
    assert cl.patch(base + "/backups-config", {"frequency_minutes": 5, "retention_days": 7}).status == 200
    assert cl.patch(base + "/backups-config", {"retention_days": 90}).status == 400
    assert cl.patch(base + "/backups-config", {"frequency_minutes": 7}).status == 400
    assert cl.get(base + "/backups").body["backups"] == []
    cl.advance(3 * 300 + 1)
    page = cl.get(base + "/backups", query={"pagination.limit": 2, "pagination.sort_order": "DESC"})
    assert page.status == 200 and len(page.body["backups"]) == 2 and page.body["pagination"]["next_page"]
    assert cl.get(base + "/backups", query={"start_time": "2020-01-01T00:00:00Z"}).status == 400
    latest = page.body["backups"][0]["id"]
    assert cl.post("/api/v1/clusters/%s/restores" % dst, {"type": "DATABASE"}).status == 400
    r = cl.post("/api/v1/clusters/%s/restores" % dst, {"type": "CLUSTER", "source_cluster_id": src, "backup_id": latest})
    assert r.status == 200 and r.body["status"] == "PENDING"
    # the destination is locked while the restore runs
    again = cl.post("/api/v1/clusters/%s/restores" % dst, {"type": "CLUSTER", "source_cluster_id": src})
    assert again.status == 503
    assert cl.get("/api/v1/clusters/%s/restores/%s" % (dst, r.body["id"])).status == 200
    cl.advance(5)
    done = cl.get("/api/v1/clusters/%s/restores/%s" % (dst, r.body["id"])).body
    assert done["status"] == "SUCCESS" and "completed_at" in done
    cl.control("POST", "/restores/next/fail", {"code": 7, "message": "boom"})
    t = cl.post("/api/v1/clusters/%s/restores" % dst, {"type": "TABLE", "source_cluster_id": src,
                                                       "objects": [{"database": "defaultdb", "schema": "public",
                                                                    "table": "t"}],
                                                       "restore_opts": {"skip_missing_views": True}})
    assert t.status == 200
    cl.advance(5)
    listed = cl.get("/api/v1/clusters/%s/restores" % dst, query={"pagination.sort_order": "DESC"})
    assert listed.status == 200 and listed.body["restores"][0]["status"] == "FAILED"
    assert cl.get("/api/v1/clusters/%s/restores/nope" % dst).status == 404
    finish(cl, "backup")
