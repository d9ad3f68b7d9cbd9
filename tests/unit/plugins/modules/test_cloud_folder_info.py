# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_folder_info against the in-process emulator: every folder by path, one folder's contents (folders then
clusters), by path or id, the top level, a missing folder, and reads only."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_folder_info as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    run_cloud,
    writes,
)


def test_folders_and_contents(emulated):
    emulated.cloud_config(rate_limit=0)
    c = emulated.cloud
    prod = c("POST", "/api/v1/folders", {"name": "prod"}).json()["resource_id"]
    pay = c("POST", "/api/v1/folders", {"name": "payments", "parent_id": prod}).json()["resource_id"]
    c("POST", "/api/v1/folders", {"name": "audit", "parent_id": prod})
    emulated.create_cluster("shop-prod", serverless={"regions": ["us-central1"]}, parent_id=prod)
    emulated.clear_requests()
    res = run_cloud(emulated, mod)
    assert [f["path"] for f in res["folders"]] == ["/prod", "/prod/audit", "/prod/payments"]
    assert res["folders"][2]["id"] == pay and res["folders"][0]["parent_id"] == "root" and res["contents"] == []
    assert reads(emulated) == ["/api/v1/folders"]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, folder="/prod")
    assert [(i["type"], i["path"]) for i in res["contents"]] == [
        ("FOLDER", "/prod/audit"), ("FOLDER", "/prod/payments"), ("CLUSTER", "/prod/shop-prod")]
    assert res["folder"]["id"] == prod and res["folders"] == []
    assert reads(emulated) == ["/api/v1/folders", "/api/v1/folders/%s/contents" % prod] and writes(emulated) == []
    res = run_cloud(emulated, mod, folder=pay)
    assert res["folder"]["path"] == "/prod/payments" and res["contents"] == []
    res = run_cloud(emulated, mod, folder="root")
    assert res["folder"] is None and [i["name"] for i in res["contents"]] == ["prod"]
    res = run_cloud(emulated, mod, folder="/nope")
    assert not res.failed and res["folder"] is None and res["contents"] == []


def test_bad_folder_fails_before_any_request(emulated):
    emulated.clear_requests()
    res = run_cloud(emulated, mod, folder="/a//b")
    assert res.failed and res["msg"].startswith("folder: ") and emulated.requests() == []
