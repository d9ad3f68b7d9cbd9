# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The faults suite (issue 10): the demo's Cloud and Cluster parts at 20% injected faults over 5 seeds.

Faults: 500, 503, 429 with ``Retry-After``, resets before and after the server acted, slow answers (every
kind of the emulator's fault injector), drawn at random at 20% of the requests, on the in-process emulator
with the fake clock (no real sleep).  For each seed: every run converges, exactly one of each object
exists, nothing is lost, and a second run of the same tasks changes nothing (asserted on the emulator's
state and request log, not only on ``changed``).  The figures line says how many runs converged.

The third part of the issue's suite, a 3-node rolling restart at 20% faults, is the molecule scenario
``faults_roll`` (extensions/molecule/).

Also here: single faults on the writes that issue 10 names (one 503/500/reset on a Cloud PATCH, a 503
lock on cloud_cluster and cloud_spend_limit, the delete-protection PATCH).
"""

import random

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import transport
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import (
    cloud_allowlist,
    cloud_cluster,
    cloud_cluster_info,
    cloud_database,
    cloud_regions_info,
    cloud_spend_limit,
    cloud_sql_user,
    cluster_health,
    cluster_health_info,
    cluster_nodes_info,
    cluster_session,
    db_grants_info,
    hot_ranges_info,
)
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.suites.suite_support import figures_fixture

SEEDS = [1, 2, 3, 4, 5]
RATE = 0.2
KINDS = ["500", "503", "429", "reset", "slow"]
PASSWORD = "faults-Passw0rd-19cd"
CLUSTER = "demo-standard"
WRITES = ("POST", "PUT", "PATCH", "DELETE")

figures = figures_fixture("faults suite (20% faults: 500, 503, 429, resets before/after acting, slow)")


@pytest.fixture
def seeded(monkeypatch):
    """Make the retry jitter reproducible too, so that a seed always gives the same request sequence."""
    def use(seed):
        real = random.Random

        class _Random:
            Random = staticmethod(lambda *a: real(seed))
        monkeypatch.setattr(transport, "random", _Random)
    return use


def run(emu, module, args):
    res = run_module(module, args, diff=True)
    for secret in emu.secrets() + [PASSWORD]:
        assert secret not in res.output
    assert "Traceback" not in res.output
    return res


def cloud_tasks(emu):
    """The demo's Cloud part, each write kind once: (name, module, args).

    A BASIC cluster, so that cloud_spend_limit's PATCH and cloud_cluster's own options do not undo each
    other on the second run (a STANDARD create must state its vCPUs, which cloud_cluster then keeps).
    """
    args = emu.cloud_args
    return [
        ("regions", cloud_regions_info, args(provider="GCP", serverless=True)),
        ("cluster", cloud_cluster, args(name=CLUSTER, plan="BASIC", provider="GCP", regions=["us-east1"])),
        ("sql_user", cloud_sql_user, args(cluster=CLUSTER, name="orders_app", password=PASSWORD)),
        ("database", cloud_database, args(cluster=CLUSTER, name="orders")),
        ("allowlist", cloud_allowlist, args(cluster=CLUSTER, cidr="10.1.0.0/16", name="office")),
        ("limits", cloud_spend_limit, args(cluster=CLUSTER, usage_limits={"request_unit_limit": 50000000,
                                                                          "storage_mib_limit": 10240})),
        ("update", cloud_cluster, args(name=CLUSTER, labels={"team": "demo"}, delete_protection=True)),
        ("info", cloud_cluster_info, args(name=CLUSTER)),
    ]


def teardown_tasks(emu):
    args = emu.cloud_args
    return [
        ("delete_user", cloud_sql_user, args(cluster=CLUSTER, name="orders_app", state="absent")),
        ("delete_cluster", cloud_cluster, args(name=CLUSTER, state="absent", delete_protection=False)),
        ("user_gone", cloud_sql_user, args(cluster=CLUSTER, name="orders_app", state="absent")),
        ("database_gone", cloud_database, args(cluster=CLUSTER, name="orders", state="absent")),
        ("allowlist_gone", cloud_allowlist, args(cluster=CLUSTER, cidr="10.1.0.0/16", state="absent")),
    ]


def cluster_tasks(emu):
    """The demo's Cluster part: (name, module, args)."""
    args = emu.cluster_args
    return [
        ("nodes", cluster_nodes_info, args()),
        ("hot_ranges", hot_ranges_info, args(limit=5)),
        ("grants", db_grants_info, args(database="movr")),
        ("health_info", cluster_health_info, args()),
        ("health", cluster_health, args(wait=True, wait_timeout=120, expected_nodes=3)),
        ("session", cluster_session, args()),
    ]


def converge(emu, tasks, figures, part):
    """Run every task once; all must succeed. Returns {name: result}."""
    results = {}
    for name, module, args in tasks:
        res = run(emu, module, args)
        results[name] = res
        assert not res.failed, "%s (%s): %s" % (part, name, res.get("msg"))
    return results


def cloud_objects(emu):
    clusters = [c for c in emu.cloud_state()["clusters"] if c["name"] == CLUSTER and c["state"] != "DELETED"]
    assert len(clusters) == 1, clusters
    inner = clusters[0]["_emulator"]
    return clusters[0], inner


def writes_of(emu):
    return [(e["method"], e["path"]) for e in emu.requests(api="cloud") if e["method"] in WRITES]


@pytest.mark.parametrize("seed", SEEDS)
def test_cloud_part_converges_under_faults(emulated, seeded, figures, seed):
    emu = emulated
    seeded(seed)
    emu.cloud_config(rate_limit=0, lock_status=503)
    emu.set_faults(rate=RATE, kinds=KINDS, seed=seed)
    ok = False
    try:
        first = converge(emu, cloud_tasks(emu), figures, "first run")
        assert [n for n, r in first.items() if r.get("changed")] == [
            "cluster", "sql_user", "database", "allowlist", "limits", "update"]
        cluster, inner = cloud_objects(emu)
        assert [u["name"] for u in inner["users"]] == ["orders_app"]
        assert [d["name"] for d in inner["databases"] if d["name"] == "orders"] == ["orders"]
        assert [(e["cidr_mask"], e["name"]) for e in inner["allowlist"] if e["cidr_ip"] == "10.1.0.0"] == [(16, "office")]
        assert cluster["config"]["serverless"]["usage_limits"] == {"request_unit_limit": "50000000",
                                                                   "storage_mib_limit": "10240"}
        assert cluster["labels"] == {"team": "demo"} and cluster["delete_protection"] == "ENABLED"
        # a second run changes nothing: every result unchanged and no write in the request log
        emu.clear_requests()
        again = converge(emu, cloud_tasks(emu), figures, "second run")
        assert [n for n, r in again.items() if r.get("changed")] == []
        assert writes_of(emu) == []
        assert cloud_objects(emu)[0]["updated_at"] == cluster["updated_at"]  # nothing lost, nothing rewritten
        # tearing down (delete protection off, delete), then tearing down again: done, nothing written
        down = converge(emu, teardown_tasks(emu), figures, "teardown")
        assert [n for n, r in down.items() if r.get("changed")] == ["delete_user", "delete_cluster"]
        assert [c["state"] for c in emu.cloud_state()["clusters"] if c["name"] == CLUSTER] == ["DELETED"]
        emu.clear_requests()
        twice = converge(emu, teardown_tasks(emu), figures, "second teardown")
        assert [n for n, r in twice.items() if r.get("changed")] == [] and writes_of(emu) == []
        ok = True
    finally:
        figures.add("cloud runs converged", ok)


@pytest.mark.parametrize("seed", SEEDS)
def test_cluster_part_converges_under_faults(emulated, seeded, figures, seed):
    emu = emulated
    seeded(seed)
    emu.set_faults(rate=RATE, kinds=KINDS, seed=seed)
    ok = False
    try:
        first = converge(emu, cluster_tasks(emu), figures, "cluster part")
        assert len(first["nodes"]["nodes"]) == 3
        assert len(first["hot_ranges"]["ranges"]) == 5
        assert first["health"]["healthy"] is True
        emu.clear_requests()
        converge(emu, cluster_tasks(emu), figures, "cluster part again")
        ok = True
    finally:
        figures.add("cluster runs converged", ok)


# -- single faults on the writes named by issue 10 ---------------------------------------------------

def cloud_run(emu, module, **args):
    return run(emu, module, emu.cloud_args(**args))


def patches(emu):
    return [e["status"] for e in emu.requests(api="cloud") if e["method"] == "PATCH"]


@pytest.mark.parametrize("kind, sent", [
    ("500", [500, 200]),           # not acted: re-read shows it, sent again after a backoff
    ("503", [503, 200]),
    ("reset_before", [None, 200]),
    ("reset_after", [None]),       # acted, answer lost: re-read shows it applied, not sent again
])
@pytest.mark.parametrize("module", ["cloud_cluster", "cloud_spend_limit"])
def test_one_fault_on_a_patch_does_not_fail_the_task(emulated, module, kind, sent):
    emu = emulated
    emu.cloud_config(rate_limit=0)
    cid = emu.create_cluster("shop-dev")["id"]
    emu.clear_requests()
    emu.fault_rules({"kind": kind, "method": "PATCH", "path": "/api/v1/clusters/%s" % cid})
    if module == "cloud_cluster":
        res = cloud_run(emu, cloud_cluster, name="shop-dev", labels={"team": "a"})
    else:
        res = cloud_run(emu, cloud_spend_limit, cluster="shop-dev", usage_limits={"request_unit_limit": 1000})
    assert not res.failed and res["changed"], res.get("msg")
    assert patches(emu) == sent
    cluster = emu.cloud("GET", "/api/v1/clusters/%s" % cid).json()
    if module == "cloud_cluster":
        assert cluster["labels"] == {"team": "a"}
    else:
        assert cluster["config"]["serverless"]["usage_limits"]["request_unit_limit"] == "1000"


@pytest.mark.parametrize("module", ["cloud_cluster", "cloud_spend_limit", "delete_protection"])
def test_a_503_lock_is_waited_out(emulated, module):
    """The real API answers a write on a locked cluster with 503 "cluster lock is held" (code 14)."""
    emu = emulated
    emu.cloud_config(rate_limit=0, lock_status=503)
    cid = emu.create_cluster("shop-dev")["id"]
    if module == "delete_protection":
        assert cloud_run(emu, cloud_cluster, name="shop-dev", delete_protection=True)["changed"]
    emu.clear_requests()
    emu.lock_cluster(cid, seconds=40)
    if module == "cloud_cluster":
        res = cloud_run(emu, cloud_cluster, name="shop-dev", labels={"team": "a"}, wait=False)
    elif module == "cloud_spend_limit":
        res = cloud_run(emu, cloud_spend_limit, cluster="shop-dev", usage_limits={"request_unit_limit": 1000},
                        wait=False)
    else:
        res = cloud_run(emu, cloud_cluster, name="shop-dev", state="absent", delete_protection=False, wait=False)
    assert not res.failed and res["changed"], res.get("msg")
    assert patches(emu)[-1] == 200 and set(patches(emu)[:-1]) <= {503}
    if module == "delete_protection":
        assert emu.cloud("GET", "/api/v1/clusters/%s" % cid).json()["state"] == "DELETED"
