# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The races suite (issue 10): two runs creating the same cluster, SQL user, database and allowlist entry
at once end with one object and both runs succeed; tearing down twice succeeds.

Each race is reproduced deterministically on the in-process emulator: run A reads (nothing there), then,
just before A's create reaches the server, run B runs to the end (and creates the object), then A's
create arrives and is answered 409 "already exists".  A must adopt the object (read it again, then do
what a run that found it does).  Each race is run twice with the roles swapped, and the figures line
says how many races both sides won.
"""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import (
    cloud_allowlist,
    cloud_cluster,
    cloud_database,
    cloud_sql_user,
)
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.suites.suite_support import (
    figures_fixture,
    interleave,
)

PASSWORD = "race-Passw0rd-77ab"

figures = figures_fixture("races suite: races won by both sides")


@pytest.fixture
def cloud(emulated):
    emulated.cloud_config(rate_limit=0)
    return emulated


def run(cloud, module, **args):
    res = run_module(module, cloud.cloud_args(**args), diff=True)
    assert "Traceback" not in res.output and cloud.api_key not in res.output and PASSWORD not in res.output
    return res


def cluster_state(cloud, cluster_id):
    return next(c for c in cloud.cloud_state()["clusters"] if c["id"] == cluster_id)["_emulator"]


CLUSTER_ARGS = dict(name="race-cluster", plan="STANDARD", provider="GCP", regions=["us-east1"],
                    usage_limits={"provisioned_virtual_cpus": 2}, labels={"team": "race"})

# (name, module, args, path of the create, count of the objects afterwards)
CHILDREN = {
    "sql_user": (cloud_sql_user, dict(name="app", password=PASSWORD), r"/sql-users$",
                 lambda st: len([u for u in st["users"] if u["name"] == "app"])),
    "database": (cloud_database, dict(name="orders"), r"/databases$",
                 lambda st: len([d for d in st["databases"] if d["name"] == "orders"])),
    "allowlist": (cloud_allowlist, dict(cidr="10.1.0.0/16", name="office", ui=True), r"/networking/allowlist$",
                  lambda st: len([e for e in st["allowlist"] if (e["cidr_ip"], int(e["cidr_mask"])) == ("10.1.0.0", 16)])),
}


def race(cloud, monkeypatch, module, args, path_regex):
    """Run A, with run B run whole between A's read and A's create; returns (A's result, B's result)."""
    other = {}

    def run_b():
        other["result"] = run(cloud, module, **args)
    fired = interleave(monkeypatch, "POST", path_regex, run_b)
    first = run(cloud, module, **args)
    assert fired, "the race did not happen: run A sent no create"
    return first, other["result"]


@pytest.mark.parametrize("side", ["A", "B"])
def test_two_runs_create_the_same_cluster(cloud, monkeypatch, figures, side):
    a, b = race(cloud, monkeypatch, cloud_cluster, CLUSTER_ARGS, r"^/api/v1/clusters$")
    if side == "B":
        a, b = b, a
    both = not a.failed and not b.failed
    figures.add("cluster", both)
    assert both, (a.get("msg"), b.get("msg"))
    clusters = [c for c in cloud.cloud_state()["clusters"] if c["name"] == "race-cluster" and c["state"] != "DELETED"]
    assert len(clusters) == 1
    assert a["cluster"]["id"] == b["cluster"]["id"] == clusters[0]["id"]
    assert len([e for e in cloud.requests(api="cloud") if e["method"] == "POST" and e["status"] == 200]) == 1
    again = run(cloud, cloud_cluster, **CLUSTER_ARGS)
    assert not again.failed and not again["changed"]


def test_the_run_that_loses_a_cluster_race_brings_it_to_its_own_settings(cloud, monkeypatch):
    """Run B creates the cluster with other labels and limits between A's read and A's create: A adopts
    it and updates it to A's settings (one PATCH), as it would a cluster found by its first read."""
    other = dict(CLUSTER_ARGS)
    other.update(labels={"team": "other"}, usage_limits={"provisioned_virtual_cpus": 4})
    seen = {}

    def run_b():
        seen["b"] = run(cloud, cloud_cluster, **other)
    fired = interleave(monkeypatch, "POST", r"^/api/v1/clusters$", run_b)
    a = run(cloud, cloud_cluster, **CLUSTER_ARGS)
    assert fired and not a.failed and not seen["b"].failed, a.get("msg")
    assert a["changed"] is True
    clusters = [c for c in cloud.cloud_state()["clusters"] if c["name"] == "race-cluster" and c["state"] != "DELETED"]
    assert len(clusters) == 1
    assert clusters[0]["labels"] == {"team": "race"}
    assert int(clusters[0]["config"]["serverless"]["usage_limits"]["provisioned_virtual_cpus"]) == 2
    patches = [e for e in cloud.requests(api="cloud") if e["method"] == "PATCH" and e["status"] == 200]
    assert len(patches) == 1
    again = run(cloud, cloud_cluster, **CLUSTER_ARGS)
    assert not again.failed and not again["changed"]


@pytest.mark.parametrize("side", ["A", "B"])
@pytest.mark.parametrize("kind", sorted(CHILDREN))
def test_two_runs_create_the_same_child(cloud, monkeypatch, figures, kind, side):
    module, args, path_regex, count = CHILDREN[kind]
    cid = cloud.create_cluster("shop-dev")["id"]
    cloud.clear_requests()
    args = dict(args, cluster="shop-dev")
    a, b = race(cloud, monkeypatch, module, args, path_regex)
    if side == "B":
        a, b = b, a
    both = not a.failed and not b.failed
    figures.add(kind, both)
    assert both, (a.get("msg"), b.get("msg"))
    assert count(cluster_state(cloud, cid)) == 1
    creates = [e["status"] for e in cloud.requests(api="cloud") if e["method"] == "POST"]
    assert sorted(creates) == [200, 409]  # the loser's create was refused and adopted, never re-sent
    loser = a if side == "A" else b
    assert loser["changed"] is False  # it found the object as it wanted it
    again = run(cloud, module, **args)
    assert not again.failed and not again["changed"]


def test_the_loser_adopts_and_updates_what_differs(cloud, monkeypatch):
    """The winner added the entry with other settings: the loser updates it as a normal run would."""
    cid = cloud.create_cluster("shop-dev")["id"]
    winner = dict(cidr="10.1.0.0/16", name="office", ui=False, cluster="shop-dev")
    interleave(monkeypatch, "POST", r"/networking/allowlist$", lambda: run(cloud, cloud_allowlist, **winner))
    res = run(cloud, cloud_allowlist, cidr="10.1.0.0/16", name="office", ui=True, cluster="shop-dev")
    assert not res.failed and res["changed"] and res["updated"] == ["10.1.0.0/16"]
    assert [e["ui"] for e in cluster_state(cloud, cid)["allowlist"] if e["cidr_ip"] == "10.1.0.0"] == [True]


# -- tearing down twice ------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["deleted", "never existed", "by id"])
@pytest.mark.parametrize("kind", sorted(CHILDREN))
def test_absent_when_the_cluster_is_gone_is_done(cloud, kind, how):
    module, args, dummy, dummy = CHILDREN[kind]
    cluster = "shop-dev"
    if how != "never existed":
        cid = cloud.create_cluster("shop-dev")["id"]
        assert not run(cloud, module, cluster="shop-dev", **args).failed
        assert not run(cloud, cloud_cluster, name="shop-dev", state="absent").failed
        cluster = cid if how == "by id" else cluster
    cloud.clear_requests()
    res = run(cloud, module, cluster=cluster, state="absent", **args)
    assert not res.failed and res["changed"] is False and "msg" not in res
    assert res["cluster_id"] is None
    assert [e for e in cloud.requests(api="cloud") if e["method"] != "GET"] == []


@pytest.mark.parametrize("kind", sorted(CHILDREN))
def test_present_on_a_missing_cluster_still_fails_clearly(cloud, kind):
    module, args, dummy, dummy = CHILDREN[kind]
    res = run(cloud, module, cluster="no-such-cluster", **args)
    assert res.failed and "no-such-cluster" in res["msg"] and "no active cluster" in res["msg"]
