# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_cluster, cloud_spend_limit and cloud_cluster_info against an in-process fake Cloud API:
request counts of no-op runs, check mode without writes, a lost create answer, waits, no secrets."""

import copy
import json
from urllib.parse import urlparse

import pytest
import requests

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.fake_http import FakeResponse as Resp, cloud_error as err
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import module_base as common
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import (
    cloud_cluster,
    cloud_cluster_info,
    cloud_spend_limit,
)

API_KEY = "CCDB1_unit-test-secret-key-0123456789"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


class FakeCloud:
    """Just enough of the Cloud API: clusters (list/get/create/patch/delete), nodes, legacy spend limit."""

    def __init__(self):
        self.calls = []
        self.clusters = {}
        self.seq = 0
        self.drop_post_answer = False  # the server acts, the client sees a reset connection
        self.creating_polls = 0  # GETs that still show CREATING after a create
        self.fail_create = False

    def add(self, **kw):
        self.seq += 1
        c = {"id": "00000000-0000-4000-8000-%012d" % self.seq, "name": "c%d" % self.seq, "plan": "BASIC",
             "cloud_provider": "GCP", "state": "CREATED", "operation_status": "UNSPECIFIED",
             "cockroach_version": "v24.3.5", "upgrade_status": "FINALIZED", "delete_protection": "DISABLED",
             "labels": {}, "network_visibility": "PUBLIC", "cidr_range": "",
             "config": {"serverless": {"routing_id": "r", "upgrade_type": "AUTOMATIC"}},
             "regions": [{"name": "us-central1", "node_count": 0, "primary": True}]}
        c.update(kw)
        self.clusters[c["id"]] = c
        return c

    def writes(self):
        return [(m, p) for m, p, b in self.calls if m in WRITES]

    def request(self, method, url, **kw):
        path = urlparse(url).path
        body = kw.get("json")
        self.calls.append((method, path, body))
        headers = kw.get("headers") or {}
        assert headers.get("Authorization") == "Bearer " + API_KEY
        segs = path.split("/")[3:]  # after /api/v1
        if segs == ["clusters"] and method == "GET":
            inactive = (kw.get("params") or {}).get("show_inactive") == "true"
            items = [c for c in self.clusters.values() if inactive or c["state"] not in ("DELETED", "CREATION_FAILED")]
            return Resp(200, {"clusters": copy.deepcopy(items), "pagination": {}})
        if segs == ["clusters"] and method == "POST":
            c = self.add(name=body["name"], plan=body["spec"]["plan"], cloud_provider=body["provider"],
                         state="CREATING", labels=body["spec"].get("labels", {}))
            if self.drop_post_answer:
                self.drop_post_answer = False
                raise requests.exceptions.ConnectionError("connection reset by peer")
            return Resp(200, copy.deepcopy(c))
        if len(segs) >= 2 and segs[0] == "clusters":
            c = self.clusters.get(segs[1])
            if c is None:
                return err(404, 5, "cluster not found")
            if segs[2:] == ["nodes"]:
                return Resp(200, {"nodes": [{"name": "n1", "region_name": "us-east1", "status": "LIVE"}],
                                  "pagination": {}})
            if segs[2:] == ["spend-limit"] and method == "PUT":
                c["config"]["serverless"]["spend_limit"] = body["spend_limit"]
                return Resp(200, {})
            if method == "GET":
                if c["state"] == "CREATING":
                    if self.creating_polls > 0:
                        self.creating_polls -= 1
                    else:
                        c["state"] = "CREATION_FAILED" if self.fail_create else "CREATED"
                return Resp(200, copy.deepcopy(c))
            if method == "DELETE":
                if c["delete_protection"] == "ENABLED":
                    return err(400, 9, "delete protection is enabled")
                c["state"] = "DELETED"
                return Resp(200, copy.deepcopy(c))
            if method == "PATCH":
                if "labels" in body:
                    c["labels"] = body["labels"]
                if "delete_protection" in body:
                    c["delete_protection"] = body["delete_protection"]
                if "usage_limits" in body.get("serverless", {}):
                    c["config"]["serverless"]["usage_limits"] = body["serverless"]["usage_limits"]
                if "cockroach_version" in body:
                    assert len(body) == 1, "a version change must be sent alone"
                    c["cockroach_version"] = body["cockroach_version"] + ".0"
                    c["upgrade_status"] = "PENDING_FINALIZATION"
                if body.get("upgrade_status") == "FINALIZED":
                    assert len(body) == 1
                    c["upgrade_status"] = "FINALIZED"
                return Resp(200, copy.deepcopy(c))
        return err(404, 5, "no route")

    def close(self):
        pass


class Clock:
    """Fake monotonic clock: sleeping advances it, so waits and timeouts cost no real time."""

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def cloud(monkeypatch):
    fake = FakeCloud()
    fake.clock = Clock()

    def make_client(self):
        return self.connection.client(session=fake, sleep=fake.clock.sleep, clock=fake.clock)
    monkeypatch.setattr(common.CloudModule, "make_client", make_client)
    return fake


def run_module(mod, args, capsys, check=False):
    base = {"api_key": API_KEY, "api_url": "https://cloud.example"}
    base.update(args)
    if check:
        base["_ansible_check_mode"] = True
    with patch_module_args(base):
        with pytest.raises(SystemExit):
            mod.main()
    out = capsys.readouterr().out
    assert API_KEY not in out
    assert "Traceback" not in out
    return json.loads(out)


BASIC = dict(name="shop-dev", plan="BASIC", provider="GCP", regions=["us-central1"], labels={"team": "shop"})


def test_ladder_check_apply_check_apply(cloud, capsys):
    res = run_module(cloud_cluster, BASIC, capsys, check=True)
    assert res["changed"] and res["cluster"]["name"] == "shop-dev" and res["cluster"]["state"] == "CREATED"
    assert cloud.writes() == [] and len(cloud.calls) == 1
    res = run_module(cloud_cluster, BASIC, capsys)
    assert res["changed"] and res["cluster"]["state"] == "CREATED" and res["cluster"]["labels"] == {"team": "shop"}
    assert [m for m, p in cloud.writes()] == ["POST"]
    for check in (True, False):
        del cloud.calls[:]
        res = run_module(cloud_cluster, BASIC, capsys, check=check)
        assert not res["changed"] and res["diff"]["before"] == res["diff"]["after"]
        assert [(m, p) for m, p, b in cloud.calls] == [("GET", "/api/v1/clusters")]  # a no-op is one read


def test_update_is_one_patch_with_only_the_difference(cloud, capsys):
    c = cloud.add(name="shop-dev", labels={"team": "shop"})
    res = run_module(cloud_cluster, dict(BASIC, labels={"team": "web"}, delete_protection=True), capsys, check=True)
    assert res["changed"] and res["cluster"]["labels"] == {"team": "web"} and cloud.writes() == []
    res = run_module(cloud_cluster, dict(BASIC, labels={"team": "web"}, delete_protection=True), capsys)
    patches = [b for m, p, b in cloud.calls if m == "PATCH"]
    assert patches == [{"labels": {"team": "web"}, "delete_protection": "ENABLED"}]
    assert res["diff"]["before"]["labels"] == {"team": "shop"} and res["diff"]["after"]["labels"] == {"team": "web"}
    assert cloud.clusters[c["id"]]["delete_protection"] == "ENABLED"


def test_lost_create_answer_makes_no_second_cluster(cloud, capsys, monkeypatch):
    warned = []
    monkeypatch.setattr(AnsibleModule, "warn", lambda self, msg: warned.append(msg))
    cloud.drop_post_answer = True
    res = run_module(cloud_cluster, BASIC, capsys)
    assert res["changed"] and res["cluster"]["state"] == "CREATED"
    assert [m for m, p in cloud.writes()] == ["POST"]
    assert len(cloud.clusters) == 1
    assert any("no second create" in w for w in warned)


def test_creation_failed_fails_fast(cloud, capsys):
    cloud.fail_create = True
    res = run_module(cloud_cluster, BASIC, capsys)
    assert res["failed"] and "CREATION_FAILED" in res["msg"]


def test_wait_timeout_names_the_state(cloud, capsys):
    cloud.creating_polls = 10 ** 6
    res = run_module(cloud_cluster, dict(BASIC, wait_timeout=60, rate_limit=0), capsys)
    assert res["failed"] and "still CREATING" in res["msg"] and "timed out after 60s" in res["msg"]
    # capped exponential backoff: 0.5 s doubling up to 10 s, never past the deadline
    assert cloud.clock.slept[:6] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0]
    assert max(cloud.clock.slept) == 10.0 and sum(cloud.clock.slept) == pytest.approx(60.0)


def test_upgrade_then_finalize_each_alone(cloud, capsys):
    cloud.add(name="shop-prod", plan="ADVANCED", cockroach_version="v24.1.14", upgrade_status="UPGRADE_AVAILABLE",
              config={"dedicated": {"num_virtual_cpus": 4}})
    args = dict(name="shop-prod", cockroach_version="v24.3", upgrade_action="finalize")
    res = run_module(cloud_cluster, args, capsys, check=True)
    assert res["changed"] and res["upgrade_status"] == "FINALIZED" and cloud.writes() == []
    res = run_module(cloud_cluster, args, capsys)
    patches = [b for m, p, b in cloud.calls if m == "PATCH"]
    assert patches == [{"cockroach_version": "v24.3"}, {"upgrade_status": "FINALIZED"}]
    assert res["upgrade_status"] == "FINALIZED"
    del cloud.calls[:]
    res = run_module(cloud_cluster, args, capsys)
    assert not res["changed"] and cloud.writes() == []


def test_absent(cloud, capsys):
    c = cloud.add(name="shop-dev")
    res = run_module(cloud_cluster, dict(name="shop-dev", state="absent"), capsys, check=True)
    assert res["changed"] and cloud.writes() == [] and "cluster" not in res
    res = run_module(cloud_cluster, dict(name="shop-dev", state="absent"), capsys)
    assert res["changed"] and cloud.clusters[c["id"]]["state"] == "DELETED"
    res = run_module(cloud_cluster, dict(id=c["id"], state="absent"), capsys)
    assert not res["changed"]


def test_absent_refuses_protected_cluster_without_write(cloud, capsys):
    c = cloud.add(name="shop-dev", delete_protection="ENABLED")
    res = run_module(cloud_cluster, dict(name="shop-dev", state="absent"), capsys)
    assert res["failed"] and "delete_protection" in res["msg"] and cloud.writes() == []
    res = run_module(cloud_cluster, dict(name="shop-dev", state="absent", delete_protection=False), capsys)
    assert res["changed"] and [m for m, p in cloud.writes()] == ["PATCH", "DELETE"]
    assert cloud.clusters[c["id"]]["state"] == "DELETED"


@pytest.mark.parametrize("args,needle", [
    (dict(BASIC, provider="AWS"), "provider"),
    (dict(BASIC, plan="ADVANCED", regions=None, region_nodes={"us-east1": 3}), "plan"),
    (dict(BASIC, regions=["us-east1"]), "regions"),
])
def test_immutable_refused_without_write(cloud, capsys, args, needle):
    cloud.add(name="shop-dev")
    res = run_module(cloud_cluster, args, capsys)
    assert res["failed"] and res["msg"].startswith(needle) and cloud.writes() == []


def test_spend_limit_converted_and_idempotent(cloud, capsys):
    c = cloud.add(name="shop-dev")
    res = run_module(cloud_spend_limit, dict(cluster="shop-dev", spend_limit=2500), capsys, check=True)
    assert res["changed"] and cloud.writes() == []
    assert res["conversion"] == {"spend_limit": 2500, "request_unit_limit": 100000000, "storage_mib_limit": 10240}
    res = run_module(cloud_spend_limit, dict(cluster="shop-dev", spend_limit=2500), capsys)
    assert [b for m, p, b in cloud.calls if m == "PATCH"] == [
        {"serverless": {"usage_limits": {"request_unit_limit": "100000000", "storage_mib_limit": "10240"}}}]
    assert res["diff"]["before"] == {"usage_limits": {}, "spend_limit": None}
    assert res["diff"]["after"]["spend_limit"] == 2500
    assert cloud.clusters[c["id"]]["config"]["serverless"]["usage_limits"]["request_unit_limit"] == "100000000"
    del cloud.calls[:]
    limits = {"request_unit_limit": 100000000, "storage_mib_limit": 10240}
    res = run_module(cloud_spend_limit, dict(cluster=c["id"], usage_limits=limits), capsys)
    assert not res["changed"] and [m for m, p, b in cloud.calls] == ["GET"]


def test_legacy_spend_limit_uses_put(cloud, capsys):
    cloud.add(name="shop-dev")
    res = run_module(cloud_spend_limit, dict(cluster="shop-dev", spend_limit=0, api_version="2022-03-31"), capsys)
    assert res["changed"] and [(m, p.rsplit("/", 1)[1]) for m, p in cloud.writes()] == [("PUT", "spend-limit")]
    assert res["limits"]["spend_limit"] == 0


@pytest.mark.parametrize("args,needle", [
    (dict(cluster="shop-prod", spend_limit=100), "ADVANCED"),
    (dict(cluster="shop-dev", spend_limit=-1), "spend_limit"),
    (dict(cluster="shop-dev", usage_limits={"storage_mib_limit": 0}), "usage_limits.storage_mib_limit"),
    (dict(cluster="nope-nope", spend_limit=100), "cluster"),
])
def test_spend_limit_refusals(cloud, capsys, args, needle):
    cloud.add(name="shop-dev")
    cloud.add(name="shop-prod", plan="ADVANCED", config={"dedicated": {}})
    res = run_module(cloud_spend_limit, args, capsys)
    assert res["failed"] and needle in res["msg"] and cloud.writes() == []


def test_cluster_info(cloud, capsys):
    cloud.add(name="shop-dev")
    prod = cloud.add(name="shop-prod", plan="ADVANCED", config={"dedicated": {}})
    cloud.add(name="old-one", state="DELETED")
    res = run_module(cloud_cluster_info, {}, capsys)
    assert sorted(c["name"] for c in res["clusters"]) == ["shop-dev", "shop-prod"] and len(cloud.calls) == 1
    res = run_module(cloud_cluster_info, dict(show_inactive=True, nodes=True), capsys)
    assert len(res["clusters"]) == 3
    nodes = {c["name"]: c["nodes"] for c in res["clusters"]}
    assert nodes["shop-dev"] == [] and nodes["old-one"] == [] and nodes["shop-prod"][0]["status"] == "LIVE"
    res = run_module(cloud_cluster_info, dict(id=prod["id"]), capsys)
    assert [c["name"] for c in res["clusters"]] == ["shop-prod"]
    res = run_module(cloud_cluster_info, dict(name="missing-one"), capsys)
    assert res["clusters"] == []
