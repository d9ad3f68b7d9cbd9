# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_database: validation, the database to work on and its changes (pure functions), then the module
against the in-process emulator: create, rename, drop, no-op request counts, check mode without writes."""

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import CloudClient
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_database as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    child,
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

DBS = [{"name": "defaultdb", "table_count": "0"}, {"name": "app", "table_count": "3"}]


def params(**kw):
    base = dict(cluster="c1", wait_timeout=60, name="app", rename_from=None, state="present")
    base.update(kw)
    return base


@pytest.mark.parametrize("name, rename_from, state, current, changes", [
    ("app", None, "present", "app", {}),
    ("new", None, "present", None, None),               # create
    ("new", "app", "present", "app", {"name": "new"}),  # rename
    ("app", "defaultdb", "present", "app", {}),         # both exist: nothing renamed (warned)
    ("new", "gone", "present", None, None),             # neither: create
    ("app", None, "absent", "app", None),               # drop
    ("gone", None, "absent", None, None),
])
def test_database_to_ensure_and_its_changes(name, rename_from, state, current, changes):
    cur, warning = mod.database_to_ensure(DBS, name, rename_from, state)
    assert (cur or {}).get("name") == current
    assert (warning is not None) == (name == "app" and rename_from == "defaultdb")
    if changes is not None:
        assert mod.database_changes(cur, name) == changes


def test_database_to_ensure_is_exact_and_keeps_table_count():
    assert mod.database_to_ensure(DBS, "APP")[0] is None
    assert mod.database_to_ensure(DBS, "app")[0] == {"name": "app", "table_count": "3"}


@pytest.mark.parametrize("kw, fragment", [
    (dict(name=""), "name must not be empty"),
    (dict(name="x" * 64), "name 'xxx"),
    (dict(name="é" * 32), "at most 63 bytes"),
    (dict(rename_from="app"), "rename_from must differ from name"),
    (dict(rename_from="old", state="absent"), "rename_from only works with state=present"),
    (dict(rename_from=" "), "rename_from must not be empty"),
])
def test_validate(kw, fragment):
    errors = mod.validate(params(**kw))
    assert any(fragment in e for e in errors), errors


def test_validate_ok():
    assert mod.validate(params()) == []
    assert mod.validate(params(name="app_v2", rename_from="app")) == []


# -- the module against the emulator ---------------------------------------------------------------
def test_create_rename_drop(emulated, monkeypatch):
    cid = ready_cluster(emulated)["id"]
    res = run_cloud(emulated, mod, check=True, cluster="shop-dev", name="app")
    assert res["changed"] and res["database"]["name"] == "app" and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-dev", name="app")
    assert res["changed"] and writes(emulated) == [("POST", "/api/v1/clusters/%s/databases" % cid)]
    emulated.cloud_control("PATCH", "/clusters/%s" % cid, {"table_counts": {"app": 5}})
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev", name="app2", rename_from="app")
    assert res["changed"] and res["renamed_from"] == "app" and res["database"] == {"name": "app2", "table_count": "5"}
    assert [e["body"] for e in emulated.requests(api="cloud") if e["method"] == "PATCH"] == [{"new_name": "app2"}]
    emulated.clear_requests()
    monkeypatch.setattr(CloudClient, "page_limit", 1)
    res = run_cloud(emulated, mod, cluster="shop-dev", name="app2", rename_from="app")
    assert not res["changed"] and res["renamed_from"] is None and writes(emulated) == []
    assert reads(emulated) == ["/api/v1/clusters"] + ["/api/v1/clusters/%s/databases" % cid] * 2  # two pages
    res = run_cloud(emulated, mod, check=True, cluster="shop-dev", name="app2", state="absent")
    assert res["changed"] and res["database"] is None and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-dev", name="app2", state="absent")
    assert res["changed"] and [d["name"] for d in child(emulated, cid)["databases"]] == ["defaultdb"]
    res = run_cloud(emulated, mod, cluster="shop-dev", name="app2", state="absent")
    assert not res["changed"]


def test_both_names_exist_warns_and_renames_nothing(emulated, monkeypatch):
    warned = []
    monkeypatch.setattr(AnsibleModule, "warn", lambda self, msg: warned.append(msg))
    cid = ready_cluster(emulated)["id"]
    for name in ("old", "new"):
        emulated.cloud("POST", "/api/v1/clusters/%s/databases" % cid, {"name": name})
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev", name="new", rename_from="old")
    assert not res["changed"] and writes(emulated) == []
    assert any("both 'old' and 'new' exist: nothing was renamed" in w for w in warned)


def test_lost_create_answer_makes_no_second_database(emulated):
    cid = ready_cluster(emulated)["id"]
    emulated.fault_rules({"kind": "reset_after", "method": "POST", "path": "/api/v1/clusters/%s/databases" % cid})
    res = run_cloud(emulated, mod, cluster="shop-dev", name="app")
    assert res["changed"] and [m for m, p in writes(emulated)] == ["POST"]
    assert [d["name"] for d in child(emulated, cid)["databases"]] == ["app", "defaultdb"]


def test_bad_input_fails_before_any_request(emulated):
    res = run_cloud(emulated, mod, cluster="shop-dev", name="app", rename_from="app")
    assert res.failed and "rename_from must differ from name" in res["msg"] and emulated.requests() == []
