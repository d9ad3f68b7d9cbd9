# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_sql_user, cloud_database and cloud_allowlist against an in-process fake Cloud API: request
counts of no-op runs, check mode without writes, every page read, a lost create answer, waits, no secrets."""

import json
from urllib.parse import urlparse

import pytest
import requests

from ansible.module_utils.testing import patch_module_args

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.fake_http import FakeResponse as Resp, cloud_error as err
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import module_base as common
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_allowlist, cloud_database, cloud_sql_user

API_KEY = "CCDB1_unit-test-secret-key-4b4b4b4b"
PASSWORD = "unit-Test-Passw0rd-4b"
CID = "00000000-0000-4000-8000-000000000042"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


class FakeCloud:
    """One cluster with users, databases and an allowlist; lists come one item per page."""

    def __init__(self):
        self.calls = []
        self.cluster = {"id": CID, "name": "shop", "state": "CREATED"}
        self.creating_polls = 0
        self.users = {}
        self.dbs = {"defaultdb": 0}
        self.allow = {("0.0.0.0", 0): {"name": "", "sql": True, "ui": True}}
        self.drop_post_answer = False

    def writes(self):
        return [(m, p) for m, p, b in self.calls if m in WRITES]

    def reads(self):
        return [p for m, p, b in self.calls if m == "GET"]

    @staticmethod
    def page(key, items, params):
        start = int((params or {}).get("pagination.page") or 0)
        body = {key: items[start:start + 1], "pagination": {}}
        if start + 1 < len(items):
            body["pagination"]["next_page"] = str(start + 1)
        return Resp(200, body)

    def request(self, method, url, **kw):
        path = urlparse(url).path
        body = kw.get("json")
        params = kw.get("params")
        self.calls.append((method, path, body))
        assert (kw.get("headers") or {}).get("Authorization") == "Bearer " + API_KEY
        segs = path.split("/")[3:]
        if segs == ["clusters"]:
            return Resp(200, {"clusters": [dict(self.cluster)], "pagination": {}})
        if segs[:2] != ["clusters", CID]:
            return err(404, 5, "cluster not found")
        if segs[2:] == [] and method == "GET":
            if self.cluster["state"] == "CREATING":
                if self.creating_polls:
                    self.creating_polls -= 1
                else:
                    self.cluster["state"] = "CREATED"
            return Resp(200, dict(self.cluster))
        if self.cluster["state"] == "CREATING":
            return err(404, 5, "cluster not found or not ready")
        rest = segs[2:]
        if rest == ["sql-users"] and method == "GET":
            return self.page("users", [{"name": n} for n in sorted(self.users)], params)
        if rest == ["sql-users"] and method == "POST":
            if body["name"] in self.users:
                return err(409, 6, "exists")
            self.users[body["name"]] = 1
            if self.drop_post_answer:
                self.drop_post_answer = False
                raise requests.exceptions.ConnectionError("connection reset by peer")
            return Resp(200, {"name": body["name"]})
        if rest[:1] == ["sql-users"] and rest[2:] == ["password"] and method == "PUT":
            self.users[rest[1]] += 1
            return Resp(200, {"name": rest[1]})
        if rest[:1] == ["sql-users"] and method == "DELETE":
            if self.users.pop(rest[1], None) is None:
                return err(404, 5, "no such user")
            return Resp(200, {"name": rest[1]})
        if rest == ["databases"] and method == "GET":
            return self.page("databases", [{"name": n, "table_count": str(t)} for n, t in sorted(self.dbs.items())], params)
        if rest == ["databases"] and method == "POST":
            self.dbs[body["name"]] = 0
            return Resp(200, {"name": body["name"], "table_count": "0"})
        if rest[:1] == ["databases"] and method == "PATCH":
            self.dbs[body["new_name"]] = self.dbs.pop(rest[1])
            return Resp(200, {"name": body["new_name"], "table_count": str(self.dbs[body["new_name"]])})
        if rest[:1] == ["databases"] and method == "DELETE":
            self.dbs.pop(rest[1])
            return Resp(200, {"name": rest[1], "table_count": "0"})
        if rest[:2] == ["networking", "allowlist"]:
            if len(rest) == 2 and method == "GET":
                items = [dict(cidr_ip=k[0], cidr_mask=k[1], **v) for k, v in sorted(self.allow.items())]
                return self.page("allowlist", items, params)
            if len(rest) == 2 and method == "POST":
                self.allow[(body["cidr_ip"], body["cidr_mask"])] = {"name": "", "sql": body["sql"], "ui": body["ui"]}
                return Resp(200, dict(body, name=""))  # like #263: the name does not stick
            key = (rest[2], int(rest[3]))
            if method == "PATCH":
                self.allow[key].update(body)
                return Resp(200, dict(cidr_ip=key[0], cidr_mask=key[1], **self.allow[key]))
            if method == "DELETE":
                self.allow.pop(key)
                return Resp(200, {})
        return err(404, 5, "no route %s %s" % (method, path))

    def close(self):
        pass


@pytest.fixture
def cloud(monkeypatch):
    fake = FakeCloud()

    def make_client(self):
        return self.connection.client(session=fake, sleep=lambda s: None)
    monkeypatch.setattr(common.CloudModule, "make_client", make_client)
    return fake


def run_module(mod, args, capsys, check=False):
    base = {"api_key": API_KEY, "api_url": "https://cloud.example", "_ansible_diff": True}
    base.update(args)
    if check:
        base["_ansible_check_mode"] = True
    with patch_module_args(base):
        with pytest.raises(SystemExit):
            mod.main()
    out = capsys.readouterr().out
    assert API_KEY not in out and PASSWORD not in out
    assert "Traceback" not in out
    return json.loads(out)


USER = dict(cluster="shop", name="app", password=PASSWORD)


def test_sql_user_ladder(cloud, capsys):
    res = run_module(cloud_sql_user, USER, capsys, check=True)
    assert res["changed"] and res["user"] == {"name": "app"} and cloud.writes() == []
    res = run_module(cloud_sql_user, USER, capsys)
    assert res["changed"] and cloud.writes() == [("POST", "/api/v1/clusters/%s/sql-users" % CID)]
    assert cloud.users == {"app": 1}
    for check in (True, False):
        del cloud.calls[:]
        res = run_module(cloud_sql_user, USER, capsys, check=check)
        assert not res["changed"] and not res["password_updated"]
        assert cloud.reads() == ["/api/v1/clusters", "/api/v1/clusters/%s/sql-users" % CID]
    # rotation is explicit
    res = run_module(cloud_sql_user, dict(USER, update_password="always"), capsys, check=True)
    assert res["changed"] and cloud.users == {"app": 1}
    res = run_module(cloud_sql_user, dict(USER, update_password="always"), capsys)
    assert res["changed"] and res["diff"]["after"]["password_updated"] and cloud.users == {"app": 2}
    # delete
    res = run_module(cloud_sql_user, dict(cluster=CID, name="app", state="absent"), capsys)
    assert res["changed"] and res["user"] is None and cloud.users == {}
    res = run_module(cloud_sql_user, dict(cluster=CID, name="app", state="absent"), capsys)
    assert not res["changed"]


def test_every_page_is_read_before_deciding(cloud, capsys):
    cloud.users = {"a": 1, "b": 1, "c": 1, "app": 1}
    del cloud.calls[:]
    res = run_module(cloud_sql_user, USER, capsys)
    assert not res["changed"] and cloud.writes() == []
    assert cloud.reads().count("/api/v1/clusters/%s/sql-users" % CID) == 4  # one user per page


def test_lost_create_answer_makes_no_second_user(cloud, capsys):
    cloud.drop_post_answer = True
    res = run_module(cloud_sql_user, USER, capsys)
    assert res["changed"] and cloud.users == {"app": 1}
    assert [m for m, p in cloud.writes()] == ["POST"]


def test_waits_for_a_creating_cluster_before_reading_users(cloud, capsys):
    cloud.cluster["state"] = "CREATING"
    cloud.creating_polls = 3
    res = run_module(cloud_sql_user, USER, capsys, check=True)
    assert res["changed"] and cloud.writes() == []
    assert cloud.reads() == ["/api/v1/clusters"] + ["/api/v1/clusters/%s" % CID] * 4 + ["/api/v1/clusters/%s/sql-users" % CID]


def test_missing_password_on_create_fails_after_reads_only(cloud, capsys):
    res = run_module(cloud_sql_user, dict(cluster="shop", name="app"), capsys)
    assert res["failed"] and "password is required to create SQL user 'app'" in res["msg"] and cloud.writes() == []


def test_bad_name_fails_before_any_request(cloud, capsys):
    res = run_module(cloud_sql_user, dict(USER, name="-x"), capsys)
    assert res["failed"] and res["msg"].startswith("name ") and cloud.calls == []


def test_database_create_rename_drop(cloud, capsys):
    res = run_module(cloud_database, dict(cluster="shop", name="app"), capsys, check=True)
    assert res["changed"] and res["database"]["name"] == "app" and cloud.writes() == []
    run_module(cloud_database, dict(cluster="shop", name="app"), capsys)
    cloud.dbs["app"] = 5
    res = run_module(cloud_database, dict(cluster="shop", name="app2", rename_from="app"), capsys)
    assert res["changed"] and res["renamed_from"] == "app" and res["database"] == {"name": "app2", "table_count": "5"}
    assert [b for m, p, b in cloud.calls if m == "PATCH"] == [{"new_name": "app2"}]
    del cloud.calls[:]
    res = run_module(cloud_database, dict(cluster="shop", name="app2", rename_from="app"), capsys)
    assert not res["changed"] and cloud.writes() == []
    assert cloud.reads() == ["/api/v1/clusters"] + ["/api/v1/clusters/%s/databases" % CID] * 2  # two pages
    res = run_module(cloud_database, dict(cluster="shop", name="app2", state="absent"), capsys)
    assert res["changed"] and sorted(cloud.dbs) == ["defaultdb"]


def test_allowlist_purge_and_lenient_names(cloud, capsys):
    args = dict(cluster="shop", entries=[{"cidr": "10.0.0.0/8", "name": "office", "ui": True}], purge=True)
    res = run_module(cloud_allowlist, args, capsys, check=True)
    assert res["changed"] and res["added"] == ["10.0.0.0/8"] and res["removed"] == ["0.0.0.0/0"] and cloud.writes() == []
    assert list(res["diff"]["before"]) == ["0.0.0.0/0"] and list(res["diff"]["after"]) == ["10.0.0.0/8"]
    res = run_module(cloud_allowlist, args, capsys)
    assert [m for m, p in cloud.writes()] == ["DELETE", "POST"]
    assert res["allowlist"] == [{"cidr": "10.0.0.0/8", "cidr_ip": "10.0.0.0", "cidr_mask": 8, "name": "", "sql": True, "ui": True}]
    # The API dropped the name: the next run does not try to set it again.
    del cloud.calls[:]
    res = run_module(cloud_allowlist, args, capsys)
    assert not res["changed"] and cloud.writes() == []
    assert cloud.reads() == ["/api/v1/clusters", "/api/v1/clusters/%s/networking/allowlist" % CID]
    res = run_module(cloud_allowlist, dict(cluster="shop", cidr="10.0.0.0/8", sql=False), capsys)
    assert res["updated"] == ["10.0.0.0/8"] and cloud.allow[("10.0.0.0", 8)]["sql"] is False


def test_user_names_are_case_insensitive(cloud, capsys):
    cloud.users = {"app": 1}
    res = run_module(cloud_sql_user, dict(USER, name="APP"), capsys)
    assert not res["changed"] and res["user"] == {"name": "app"} and cloud.writes() == []
    res = run_module(cloud_sql_user, dict(cluster="shop", name="App", state="absent"), capsys)
    assert res["changed"] and cloud.writes() == [("DELETE", "/api/v1/clusters/%s/sql-users/app" % CID)]
