# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_sql_user: validation and changes (pure functions), then the module against the in-process emulator:
request counts of no-op runs, check mode without writes, every page read, a lost create answer, waits, no secrets."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import CloudClient
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_sql_user as user_mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    child,
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

PASSWORD = "unit-Test-Passw0rd-4b"


def params(**kw):
    base = dict(cluster="c1", wait_timeout=60, name="app", password=None, update_password="on_create", state="present")
    base.update(kw)
    return base


@pytest.mark.parametrize("name", ["app", "_x", "9lives", "a.b-c_d", "A" * 63])
def test_valid_names(name):
    assert user_mod.validate(params(name=name)) == []


@pytest.mark.parametrize("name", ["", "-app", ".app", "a" * 64, "app user", "app@x", "ü"])
def test_bad_names_name_the_option(name):
    errors = user_mod.validate(params(name=name))
    assert len(errors) == 1 and errors[0].startswith("name ")


def test_password_rules():
    assert "password is required when update_password is always" in user_mod.validate(params(update_password="always"))
    assert user_mod.validate(params(update_password="always", state="absent")) == []
    assert user_mod.validate(params(password="")) == ["password must not be empty"]


def test_messages_never_echo_the_password():
    secret = "S3cret-value!"
    for kw in (dict(name="-bad"), dict(update_password="always"), dict(cluster="", wait_timeout=0)):
        for msg in user_mod.validate(params(password=secret, **kw)):
            assert secret not in msg


def test_changes_only_rotate_when_asked():
    cur = {"name": "app"}
    assert user_mod.user_changes(cur, params(password="x")) == {}
    assert user_mod.user_changes(cur, params(password="x", update_password="always")) == {"password_updated": True}
    assert user_mod.user_changes(None, params(password="x", update_password="always")) == {}
    # The change set never carries the password itself.
    assert "x" not in repr(user_mod.user_changes(cur, params(password="x", update_password="always")).values())


# -- the module against the emulator ---------------------------------------------------------------
def run(emulated, check=False, **args):
    return run_cloud(emulated, user_mod, check=check, secrets=[PASSWORD], **args)


def users(emulated, cid):
    return {u["name"]: u["password_version"] for u in child(emulated, cid)["users"]}


USER = dict(cluster="shop-dev", name="app", password=PASSWORD)


def test_ladder_check_apply_noop_rotate_delete(emulated):
    cid = ready_cluster(emulated)["id"]
    res = run(emulated, check=True, **USER)
    assert res["changed"] and res["user"] == {"name": "app"} and writes(emulated) == []
    res = run(emulated, **USER)
    assert res["changed"] and writes(emulated) == [("POST", "/api/v1/clusters/%s/sql-users" % cid)]
    assert users(emulated, cid) == {"app": 1}
    for check in (True, False):
        emulated.clear_requests()
        res = run(emulated, check=check, **USER)
        assert not res["changed"] and not res["password_updated"]
        assert reads(emulated) == ["/api/v1/clusters", "/api/v1/clusters/%s/sql-users" % cid]
        assert writes(emulated) == []
    # rotation is explicit
    res = run(emulated, check=True, update_password="always", **USER)
    assert res["changed"] and users(emulated, cid) == {"app": 1}
    res = run(emulated, update_password="always", **USER)
    assert res["changed"] and res["diff"]["after"]["password_updated"] and users(emulated, cid) == {"app": 2}
    # delete, by cluster id
    res = run(emulated, cluster=cid, name="app", state="absent")
    assert res["changed"] and res["user"] is None and users(emulated, cid) == {}
    res = run(emulated, cluster=cid, name="app", state="absent")
    assert not res["changed"]


def test_every_page_is_read_before_deciding(emulated, monkeypatch):
    cid = ready_cluster(emulated)["id"]
    for name in ("a", "b", "c", "app"):
        emulated.cloud("POST", "/api/v1/clusters/%s/sql-users" % cid, {"name": name, "password": PASSWORD})
    emulated.clear_requests()
    monkeypatch.setattr(CloudClient, "page_limit", 1)
    res = run(emulated, **USER)
    assert not res["changed"] and writes(emulated) == []
    assert reads(emulated).count("/api/v1/clusters/%s/sql-users" % cid) == 4  # one user per page


def test_lost_create_answer_makes_no_second_user(emulated):
    cid = ready_cluster(emulated)["id"]
    emulated.fault_rules({"kind": "reset_after", "method": "POST", "path": "/api/v1/clusters/%s/sql-users" % cid})
    res = run(emulated, **USER)
    assert res["changed"] and users(emulated, cid) == {"app": 1}
    assert [m for m, p in writes(emulated)] == ["POST"]


def test_waits_for_a_creating_cluster_before_reading_users(emulated):
    cid = ready_cluster(emulated, ready=False)["id"]
    res = run(emulated, check=True, **USER)
    assert res["changed"] and writes(emulated) == []
    got = reads(emulated)
    assert got[0] == "/api/v1/clusters" and got[-1] == "/api/v1/clusters/%s/sql-users" % cid
    assert set(got[1:-1]) == {"/api/v1/clusters/%s" % cid} and len(got) > 3  # polled until CREATED
    assert all(e["status"] == 200 for e in emulated.requests(api="cloud"))  # never read a 404


def test_waits_out_a_cluster_lock_before_the_write(emulated):
    cid = ready_cluster(emulated)["id"]
    emulated.lock_cluster(cid, seconds=30)
    start = emulated.clock.monotonic()
    res = run(emulated, **USER)
    assert res["changed"] and users(emulated, cid) == {"app": 1}
    assert [e["status"] for e in emulated.requests(api="cloud") if e["method"] == "POST"] == [200]  # never refused
    assert emulated.clock.monotonic() - start >= 30


def test_missing_password_on_create_fails_after_reads_only(emulated):
    ready_cluster(emulated)
    res = run(emulated, cluster="shop-dev", name="app")
    assert res.failed and "password is required to create SQL user 'app'" in res["msg"] and writes(emulated) == []


def test_bad_name_fails_before_any_request(emulated):
    ready_cluster(emulated)
    res = run(emulated, cluster="shop-dev", name="-x", password=PASSWORD)
    assert res.failed and res["msg"].startswith("name ") and emulated.requests() == []


def test_unknown_cluster_names_the_option(emulated):
    res = run(emulated, cluster="no-such-cluster", name="app", password=PASSWORD)
    assert res.failed and "cluster option" in res["msg"] and "no-such-cluster" in res["msg"]


def test_user_names_are_case_insensitive(emulated):
    cid = ready_cluster(emulated)["id"]
    emulated.cloud("POST", "/api/v1/clusters/%s/sql-users" % cid, {"name": "app", "password": PASSWORD})
    emulated.clear_requests()
    res = run(emulated, cluster="shop-dev", name="APP", password=PASSWORD)
    assert not res["changed"] and res["user"] == {"name": "app"} and writes(emulated) == []
    res = run(emulated, cluster="shop-dev", name="App", state="absent")
    assert res["changed"] and writes(emulated) == [("DELETE", "/api/v1/clusters/%s/sql-users/app" % cid)]
