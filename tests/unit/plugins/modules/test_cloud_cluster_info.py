# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_cluster_info against the in-process emulator: one read for the list, inactive clusters, nodes, by id/name."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_cluster_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import ready_cluster, run_cloud

ADVANCED_SPEC = {"dedicated": {"region_nodes": {"us-east1": 1}, "hardware": {"machine_spec": {"num_virtual_cpus": 2}}}}


def test_cluster_info(emulated):
    ready_cluster(emulated)
    prod = ready_cluster(emulated, "shop-prod", **ADVANCED_SPEC)
    old = ready_cluster(emulated, "old-one")
    emulated.cloud("DELETE", "/api/v1/clusters/%s" % old["id"])
    emulated.clear_requests()
    res = run_cloud(emulated, cloud_cluster_info)
    assert sorted(c["name"] for c in res["clusters"]) == ["shop-dev", "shop-prod"]
    assert emulated.paths(api="cloud") == [("GET", "/api/v1/clusters")]
    res = run_cloud(emulated, cloud_cluster_info, show_inactive=True, nodes=True)
    assert len(res["clusters"]) == 3
    nodes = {c["name"]: c["nodes"] for c in res["clusters"]}
    assert nodes["shop-dev"] == [] and nodes["old-one"] == [] and len(nodes["shop-prod"]) == 1
    assert nodes["shop-prod"][0]["region_name"] == "us-east1"
    res = run_cloud(emulated, cloud_cluster_info, id=prod["id"])
    assert [c["name"] for c in res["clusters"]] == ["shop-prod"]
    res = run_cloud(emulated, cloud_cluster_info, name="missing-one")
    assert res["clusters"] == [] and not res.failed


def test_check_mode_and_bad_input(emulated):
    ready_cluster(emulated)
    res = run_cloud(emulated, cloud_cluster_info, check=True, name="shop-dev")
    assert not res["changed"] and [c["state"] for c in res["clusters"]] == ["CREATED"]
    res = run_cloud(emulated, cloud_cluster_info, show_inactive="maybe")
    assert res.failed and "show_inactive" in res["msg"]
