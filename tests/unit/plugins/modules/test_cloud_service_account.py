# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_service_account: validation and changes (pure), then the module against the in-process emulator: create,
no-op in one read, description update, rename by id, ambiguous names refused with the ids, check mode, delete."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_service_account as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    run_cloud,
    writes,
)

UNKNOWN = "3f0c1a2b-1111-4222-8333-444455556666"


@pytest.mark.parametrize("kw, fragment", [
    (dict(name=" "), "name must not be empty"),
    (dict(name="x" * 65), "name is too long"),
    (dict(description="d" * 257), "description is too long"),
    (dict(id="abc"), "id must be the UUID"),
])
def test_validate(kw, fragment):
    p = dict(name="ci", id=None, description=None, state="present")
    p.update(kw)
    assert any(fragment in e for e in mod.validate(p)), mod.validate(p)


def test_changes():
    cur = {"name": "ci", "description": "d"}
    assert mod.service_account_changes(cur, "ci", None) == {}
    assert mod.service_account_changes(cur, "ci", "d") == {}
    assert mod.service_account_changes(cur, "cd", "e") == {"name": "cd", "description": "e"}


def accounts(emulated):
    return [(s["name"], s["description"]) for s in emulated.cloud_state()["families"]["org"]["service_accounts"]
            if s["name"] != "emulator-service-account"]


@pytest.fixture
def emu(emulated):
    emulated.cloud_config(rate_limit=0)
    emulated.clear_requests()
    return emulated


def test_ladder(emu):
    res = run_cloud(emu, mod, check=True, name="ci", description="deploys")
    assert res["changed"] and res["service_account"]["name"] == "ci" and writes(emu) == []
    res = run_cloud(emu, mod, name="ci", description="deploys")
    assert res["changed"] and writes(emu) == [("POST", "/api/v1/service-accounts")] and accounts(emu) == [("ci", "deploys")]
    sid = res["service_account"]["id"]
    emu.clear_requests()
    res = run_cloud(emu, mod, name="ci", description="deploys")
    assert not res["changed"] and writes(emu) == [] and reads(emu) == ["/api/v1/service-accounts"]
    res = run_cloud(emu, mod, name="ci")
    assert not res["changed"]
    res = run_cloud(emu, mod, check=True, name="ci", description="deploys apps")
    assert res["changed"] and res["diff"]["after"]["description"] == "deploys apps" and writes(emu) == []
    res = run_cloud(emu, mod, name="ci", description="deploys apps")
    assert res["changed"] and accounts(emu) == [("ci", "deploys apps")]
    emu.clear_requests()
    res = run_cloud(emu, mod, id=sid, name="cd")
    assert res["changed"] and accounts(emu) == [("cd", "deploys apps")]
    assert [e["body"] for e in emu.requests(api="cloud") if e["method"] == "PATCH"] == [{"name": "cd"}]
    res = run_cloud(emu, mod, check=True, name="cd", state="absent")
    assert res["changed"] and res["service_account"] is None and accounts(emu) == [("cd", "deploys apps")]
    res = run_cloud(emu, mod, name="cd", state="absent")
    assert res["changed"] and accounts(emu) == []
    res = run_cloud(emu, mod, name="cd", state="absent")
    assert not res["changed"]


def test_ambiguous_name_is_refused_with_the_ids(emu):
    ids = [run_cloud(emu, mod, id=None, name="tmp-%d" % i)["service_account"]["id"] for i in range(2)]
    for sid in ids:
        run_cloud(emu, mod, id=sid, name="ci")
    emu.clear_requests()
    res = run_cloud(emu, mod, name="ci", description="x")
    assert res.failed and all(sid in res["msg"] for sid in ids) and "give the id" in res["msg"]
    assert writes(emu) == []
    res = run_cloud(emu, mod, id=ids[0], name="ci", state="absent")
    assert res["changed"] and accounts(emu) == [("ci", "")]


def test_unknown_id_fails_without_writes(emu):
    res = run_cloud(emu, mod, id=UNKNOWN, name="ci")
    assert res.failed and "not found" in res["msg"] and writes(emu) == []
    res = run_cloud(emu, mod, id=UNKNOWN, name="ci", state="absent")
    assert not res.failed and not res["changed"]


def test_bad_input_fails_before_any_request(emu):
    res = run_cloud(emu, mod, name="x" * 65)
    assert res.failed and "name is too long" in res["msg"] and emu.requests() == []
