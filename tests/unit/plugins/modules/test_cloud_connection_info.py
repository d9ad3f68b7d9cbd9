# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_connection_info against the in-process emulator: per-region strings, the CA certificate, the request
count of a run (reads only), bad input before any request."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_connection_info as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

DEDICATED = {"dedicated": {"region_nodes": {"us-central1": 3, "us-east1": 3},
                           "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}


def test_dedicated_cluster_per_region_and_ca_cert(emulated):
    cid = ready_cluster(emulated, name="shop-prod", **DEDICATED)["id"]
    res = run_cloud(emulated, mod, cluster="shop-prod", sql_user="app", database="shop", os="MAC")
    assert not res["changed"] and not res["failed"]
    assert res["cluster_id"] == cid and res["plan"] == "ADVANCED"
    assert res["params"]["username"] == "app" and res["params"]["database"] == "shop"
    assert [r["name"] for r in res["regions"]] == ["us-central1", "us-east1"]
    for region in res["regions"]:
        assert "@%s:26257/shop?" % region["host"] in region["connection_string"]
        assert region["host"] != res["params"]["host"]
    assert res["sslrootcert"].startswith("$HOME/Library/CockroachCloud/certs/")
    assert res["ca_cert"].startswith("-----BEGIN CERTIFICATE-----")
    assert res["ca_cert_url"].endswith("/clusters/%s/cert" % cid)
    # reads only: the cluster list (by name), the connection string, the certificate
    assert writes(emulated) == []
    assert reads(emulated) == ["/api/v1/clusters", "/api/v1/clusters/%s/connection-string" % cid,
                               "/clusters/%s/cert" % cid]
    query = [q for m, p, q in _queries(emulated) if p.endswith("/connection-string")][0]
    assert query == {"database": ["shop"], "sql_user": ["app"], "os": ["MAC"]}


def _queries(emulated):
    return [(e["method"], e["path"], e.get("query")) for e in emulated.requests(api="cloud")]


def test_serverless_cluster_by_id_without_cert(emulated):
    cid = ready_cluster(emulated)["id"]
    res = run_cloud(emulated, mod, cluster=cid, ca_cert=False)
    assert res["ca_cert"] is None and res["ca_cert_url"] is None and res["sslrootcert"] is None
    assert res["params"]["username"] is None and res["params"]["database"] == "defaultdb"
    assert len(res["regions"]) == 1 and res["regions"][0]["host"] == res["params"]["host"]
    assert reads(emulated) == ["/api/v1/clusters/%s" % cid, "/api/v1/clusters/%s/connection-string" % cid]


def test_check_mode_is_the_same_read(emulated):
    ready_cluster(emulated)
    res = run_cloud(emulated, mod, check=True, cluster="shop-dev")
    assert not res["changed"] and res["ca_cert"] and writes(emulated) == []


def test_waits_for_a_creating_cluster(emulated):
    ready_cluster(emulated, ready=False)
    res = run_cloud(emulated, mod, cluster="shop-dev", ca_cert=False)
    assert not res["failed"] and res["connection_string"].startswith("postgresql://")


@pytest.mark.parametrize("args, fragment", [
    (dict(cluster=" "), "cluster must be the name or the id"),
    (dict(cluster="shop-dev", database=""), "database must not be empty"),
    (dict(cluster="shop-dev", sql_user=" "), "sql_user must not be empty"),
    (dict(cluster="shop-dev", os="linux"), "os"),
])
def test_bad_input_sends_nothing(emulated, args, fragment):
    ready_cluster(emulated)
    res = run_cloud(emulated, mod, **args)
    assert res["failed"] and fragment in res["msg"]
    assert emulated.paths(api="cloud") == []


def test_unknown_cluster_names_the_option(emulated):
    ready_cluster(emulated)
    res = run_cloud(emulated, mod, cluster="nope-nope")
    assert res["failed"] and "cluster option" in res["msg"] and writes(emulated) == []
