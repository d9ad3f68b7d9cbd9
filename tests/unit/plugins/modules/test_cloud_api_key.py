# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_api_key: validation (pure), then the module against the in-process emulator: the secret once (in the
create result and a 0600 file), never a second key, no-op in two reads, rename, existing secret_file refused before
any write, a lost create answer, delete revokes the secret.
The action plugin that hides a result with a secret: tests/unit/plugins/action/test_cloud_api_key.py."""

import os
import stat

import pytest

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_api_key as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    run_cloud,
    writes,
)


def params(**kw):
    base = dict(service_account="ci", name="deploy", rename_from=None, secret_file=None, overwrite_secret_file=False,
                state="present")
    base.update(kw)
    return base


@pytest.mark.parametrize("kw, fragment", [
    (dict(service_account=" "), "service_account must be the name or the id"),
    (dict(name=""), "name must not be empty"),
    (dict(name="k" * 129), "name is too long"),
    (dict(rename_from="deploy"), "rename_from must differ from name"),
    (dict(rename_from="old", state="absent"), "rename_from only works with state=present"),
    (dict(secret_file="/tmp/x", state="absent"), "secret_file only works with state=present"),
])
def test_validate(kw, fragment):
    assert any(fragment in e for e in mod.validate(params(**kw))), mod.validate(params(**kw))


def test_key_to_ensure():
    keys = [{"id": "1", "name": "a"}, {"id": "2", "name": "b"}, {"id": "3", "name": "b"}]
    assert mod.key_to_ensure(keys, "a")["id"] == "1"
    assert mod.key_to_ensure(keys, "new", rename_from="a")["id"] == "1"
    assert mod.key_to_ensure(keys, "new", rename_from="a", state="absent") is None
    with pytest.raises(ValueError, match="ids: 2, 3"):
        mod.key_to_ensure(keys, "b")


@pytest.fixture
def emu(emulated):
    emulated.cloud_config(rate_limit=0)
    sa = emulated.cloud("POST", "/api/v1/service-accounts", {"name": "ci"}).json()
    emulated.sa_id = sa["id"]
    emulated.clear_requests()
    return emulated


def keys(emulated):
    return [(k["name"], k["service_account_id"]) for k in emulated.cloud_state()["families"]["org"]["api_keys"]]


def works(emulated, secret):
    return emulated.cloud("GET", "/api/v1/clusters", headers={"Authorization": "Bearer " + secret}).status_code == 200


def test_ladder_secret_once_and_file(emu, tmp_path):
    path = str(tmp_path / "key")
    res = run_cloud(emu, mod, check=True, service_account="ci", name="deploy", secret_file=path)
    assert res["changed"] and res["secret"] is None and res["api_key"]["id"] is None and writes(emu) == []
    assert not os.path.exists(path)
    res = run_cloud(emu, mod, service_account="ci", name="deploy", secret_file=path)
    secret = res["secret"]
    assert res["changed"] and secret.startswith(res["api_key"]["id"] + "_") and res["secret_file_written"]
    assert writes(emu) == [("POST", "/api/v1/api-keys")] and keys(emu) == [("deploy", emu.sa_id)]
    assert open(path).read() == secret and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert secret not in str(res["diff"]) and "secret" not in res["api_key"]
    assert works(emu, secret)
    emu.clear_requests()
    res = run_cloud(emu, mod, secrets=[secret], service_account="ci", name="deploy", secret_file=path)
    assert not res["changed"] and res["secret"] is None and not res["secret_file_written"] and writes(emu) == []
    assert reads(emu) == ["/api/v1/service-accounts", "/api/v1/api-keys"] and keys(emu) == [("deploy", emu.sa_id)]
    res = run_cloud(emu, mod, secrets=[secret], service_account=emu.sa_id, name="deploy-2", rename_from="deploy")
    assert res["changed"] and res["renamed_from"] == "deploy" and keys(emu) == [("deploy-2", emu.sa_id)]
    assert works(emu, secret)
    res = run_cloud(emu, mod, secrets=[secret], check=True, service_account="ci", name="deploy-2", state="absent")
    assert res["changed"] and works(emu, secret)
    res = run_cloud(emu, mod, secrets=[secret], service_account="ci", name="deploy-2", state="absent")
    assert res["changed"] and keys(emu) == [] and not works(emu, secret)
    res = run_cloud(emu, mod, service_account="ci", name="deploy-2", state="absent")
    assert not res["changed"]
    res = run_cloud(emu, mod, service_account="gone", name="deploy-2", state="absent")
    assert not res["changed"] and res["service_account_id"] is None


def test_existing_secret_file_is_refused_before_any_write(emu, tmp_path):
    path = tmp_path / "key"
    path.write_text("old")
    res = run_cloud(emu, mod, service_account="ci", name="deploy", secret_file=str(path))
    assert res.failed and "secret_file" in res["msg"] and "overwrite_secret_file" in res["msg"]
    assert writes(emu) == [] and path.read_text() == "old"
    res = run_cloud(emu, mod, service_account="ci", name="deploy", secret_file=str(path), overwrite_secret_file=True)
    assert res["changed"] and path.read_text() == res["secret"] and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_existing_key_without_file_warns(emu, tmp_path, monkeypatch):
    warned = []
    monkeypatch.setattr(AnsibleModule, "warn", lambda self, msg: warned.append(msg))
    run_cloud(emu, mod, service_account="ci", name="deploy")
    res = run_cloud(emu, mod, service_account="ci", name="deploy", secret_file=str(tmp_path / "k"))
    assert not res["changed"] and any("never shows its secret again" in w for w in warned)


def test_lost_create_answer_fails_and_names_the_key(emu):
    emu.fault_rules({"kind": "reset_after", "method": "POST", "path": "/api/v1/api-keys"})
    res = run_cloud(emu, mod, service_account="ci", name="deploy")
    assert res.failed and "delete that key" in res["msg"] and keys(emu) == [("deploy", emu.sa_id)]
    assert [m for m, _p in writes(emu)] == ["POST"]


def test_unknown_service_account_fails_without_writes(emu):
    res = run_cloud(emu, mod, service_account="nobody", name="deploy")
    assert res.failed and "service_account option" in res["msg"] and writes(emu) == []
