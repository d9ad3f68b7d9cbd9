# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_folder: validation and changes (pure), then the module against the in-process emulator: create with
parents, no-op in one read, labels, rename and move, check mode without writes, delete refused while not empty
(saying what the folder holds), recurse, and clusters never deleted."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_folder as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    run_cloud,
    writes,
)


def params(**kw):
    base = dict(path="/prod/payments", from_path=None, parents=False, labels=None, state="present", recurse=False)
    base.update(kw)
    return base


@pytest.mark.parametrize("kw, fragment", [
    (dict(path="/"), "path must name a folder"),
    (dict(path="root"), "path must name a folder"),
    (dict(path="/a//b"), "path: folder path '/a//b' has an empty segment"),
    (dict(from_path="/prod/payments"), "from_path must differ from path"),
    (dict(from_path="/x", state="absent"), "from_path only works with state=present"),
    (dict(recurse=True), "recurse only works with state=absent"),
    (dict(labels={"team": 3}), "labels.team must be a string"),
])
def test_validate(kw, fragment):
    errors = mod.validate(params(**kw))
    assert any(fragment in e for e in errors), errors


def test_validate_ok():
    assert mod.validate(params()) == []
    assert mod.validate(params(path="prod/payments/", from_path="/old", labels={"a": "b"})) == []


def test_folder_changes():
    cur = {"name": "payments", "parent_id": "p1", "labels": {"a": "b"}}
    assert mod.folder_changes(cur, "payments", "p1", None) == {}
    assert mod.folder_changes(cur, "payments", "p1", {"a": "b"}) == {}
    assert mod.folder_changes(cur, "billing", "root", {}) == {"name": "billing", "parent_id": "root", "labels": {}}


def org(emulated):
    return emulated.cloud_state()["families"]["org"]


def paths(emulated):
    return [f["path"] for f in org(emulated)["folders"]]


@pytest.fixture
def emu(emulated):
    emulated.cloud_config(rate_limit=0)
    emulated.clear_requests()
    return emulated


def test_create_with_parents_then_noop_in_one_read(emu):
    res = run_cloud(emu, mod, path="/prod/payments")
    assert res.failed and "parent folder /prod does not exist" in res["msg"] and "parents=true" in res["msg"]
    assert writes(emu) == []
    res = run_cloud(emu, mod, check=True, path="/prod/payments", parents=True)
    assert res["changed"] and res["created_parents"] == ["/prod"] and writes(emu) == []
    assert res["folder"]["path"] == "/prod/payments" and res["diff"]["before"] == {}
    res = run_cloud(emu, mod, path="/prod/payments", parents=True, labels={"team": "pay"})
    assert res["changed"] and res["created_parents"] == ["/prod"]
    assert [m for m, _p in writes(emu)] == ["POST", "POST"] and paths(emu) == ["/prod", "/prod/payments"]
    assert res["folder"]["labels"] == {"team": "pay"} and res["folder"]["id"]
    emu.clear_requests()
    res = run_cloud(emu, mod, path="/prod/payments", parents=True, labels={"team": "pay"})
    assert not res["changed"] and writes(emu) == [] and reads(emu) == ["/api/v1/folders"]


def test_labels_rename_move_and_check_mode(emu):
    run_cloud(emu, mod, path="/prod/payments", parents=True)
    emu.clear_requests()
    res = run_cloud(emu, mod, check=True, path="/prod/payments", labels={"env": "prod"})
    assert res["changed"] and res["diff"]["after"]["labels"] == {"env": "prod"} and writes(emu) == []
    res = run_cloud(emu, mod, path="/prod/payments", labels={"env": "prod"})
    assert res["changed"] and [e["body"] for e in emu.requests(api="cloud") if e["method"] == "PATCH"] == [
        {"labels": {"env": "prod"}}]
    emu.clear_requests()
    res = run_cloud(emu, mod, path="/prod/billing", from_path="/prod/payments")
    assert res["changed"] and res["moved_from"] == "/prod/payments" and paths(emu) == ["/prod", "/prod/billing"]
    assert [e["body"] for e in emu.requests(api="cloud") if e["method"] == "PATCH"] == [{"name": "billing"}]
    assert org(emu)["folders"][1]["labels"] == {"env": "prod"}
    emu.clear_requests()
    res = run_cloud(emu, mod, path="/prod/billing", from_path="/prod/payments")
    assert not res["changed"] and res["moved_from"] is None and writes(emu) == []
    res = run_cloud(emu, mod, check=True, path="/eu/billing", from_path="/prod/billing", parents=True)
    assert res["changed"] and res["created_parents"] == ["/eu"] and writes(emu) == []
    res = run_cloud(emu, mod, path="/eu/billing", from_path="/prod/billing", parents=True)
    assert res["changed"] and paths(emu) == ["/eu", "/eu/billing", "/prod"]
    res = run_cloud(emu, mod, path="/top", from_path="/eu/billing")
    assert res["changed"] and paths(emu) == ["/eu", "/prod", "/top"] and res["folder"]["parent_id"] == "root"


def test_move_of_nothing_fails_without_writes(emu):
    res = run_cloud(emu, mod, path="/a", from_path="/b")
    assert res.failed and "neither /a nor from_path /b exists" in res["msg"] and writes(emu) == []


def test_delete_refused_while_not_empty_and_recurse(emu):
    run_cloud(emu, mod, path="/scratch/old/older", parents=True)
    run_cloud(emu, mod, path="/scratch/new", parents=True)
    emu.clear_requests()
    res = run_cloud(emu, mod, path="/scratch", state="absent")
    assert res.failed and "holds 2 folders (new, old)" in res["msg"] and "recurse=true" in res["msg"]
    assert writes(emu) == []
    res = run_cloud(emu, mod, check=True, path="/scratch", state="absent", recurse=True)
    assert res["changed"] and res["deleted_subfolders"] == ["/scratch/new", "/scratch/old/older", "/scratch/old"]
    assert writes(emu) == []
    res = run_cloud(emu, mod, path="/scratch", state="absent", recurse=True)
    assert res["changed"] and paths(emu) == [] and len(writes(emu)) == 4
    res = run_cloud(emu, mod, path="/scratch", state="absent")
    assert not res["changed"]


def test_recurse_never_deletes_clusters(emu):
    run_cloud(emu, mod, path="/prod/payments", parents=True)
    fid = org(emu)["folders"][1]["id"]
    emu.create_cluster("shop-prod", serverless={"regions": ["us-central1"]}, parent_id=fid)
    emu.clear_requests()
    res = run_cloud(emu, mod, path="/prod", state="absent", recurse=True)
    assert res.failed and "/prod/payments/shop-prod" in res["msg"] and writes(emu) == []
    res = run_cloud(emu, mod, path="/prod/payments", state="absent")
    assert res.failed and "1 cluster (shop-prod)" in res["msg"]


def test_bad_input_fails_before_any_request(emu):
    res = run_cloud(emu, mod, path="/a//b")
    assert res.failed and "path: " in res["msg"] and emu.requests() == []
