# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure normalisers of Cluster API v2 answers (wire shapes from cluster-api-v2.md)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cluster_normalize as cn

NODE = {
    "node_id": 1, "address": {"network_field": "tcp", "address_field": "crdb1:26257"}, "attrs": {},
    "locality": {"tiers": [{"key": "region", "value": "us-east1"}, {"key": "zone", "value": "us-east1-b"}]},
    "ServerVersion": {"major_val": 25, "minor_val": 4, "patch": 0, "internal": 0}, "build_tag": "v25.4.1",
    "started_at": 1763800000000000000, "cluster_name": "",
    "sql_address": {"network_field": "tcp", "address_field": "crdb1:26258"},
    "metrics": {"liveness.livenodes": 3, "sql.conns": 4},
    "store_metrics": {"1": {"ranges": 71, "ranges.underreplicated": 2, "ranges.unavailable": 0, "replicas": 71,
                            "replicas.leaseholders": 24},
                      "2": {"ranges": 10, "ranges.underreplicated": 3, "ranges.unavailable": 1.0, "replicas": 10,
                            "replicas.leaseholders": 1}},
    "total_system_memory": 8589934592, "num_cpus": 4, "updated_at": 1763803600000000000, "liveness_status": 3,
}


@pytest.mark.parametrize("status,name", [(0, "unknown"), (1, "dead"), (2, "suspect"), (3, "live"),
                                         (4, "decommissioning"), (5, "decommissioned"), (6, "draining"),
                                         (7, "unknown"), (None, "unknown")])
def test_liveness_ints(status, name):
    node = dict(NODE, liveness_status=status)
    out = cn.normalize_node(node)
    assert out["liveness"] == name
    assert out["liveness_status"] == (status or 0)
    assert out["is_live"] is (name == "live")


def test_missing_liveness_is_unknown_zero():
    node = dict(NODE)
    del node["liveness_status"]
    assert cn.normalize_node(node)["liveness"] == "unknown"
    assert cn.normalize_node(node)["liveness_status"] == 0


def test_node_fields():
    out = cn.normalize_node(NODE)
    assert out["node_id"] == 1
    assert out["address"] == "crdb1:26257"
    assert out["sql_address"] == "crdb1:26258"
    assert out["locality"] == {"region": "us-east1", "zone": "us-east1-b"}
    assert out["locality_tiers"] == ["region=us-east1", "zone=us-east1-b"]
    assert out["version"] == "25.4"
    assert out["build_tag"] == "v25.4.1"
    assert out["started_at"] == "2025-11-22T08:26:40.000000Z"
    assert out["updated_at"] == "2025-11-22T09:26:40.000000Z"
    assert out["store_ids"] == [1, 2]
    assert out["live_nodes_seen"] == 3
    assert "metrics" not in out and "store_metrics" not in out
    full = cn.normalize_node(NODE, include_metrics=True)
    assert full["metrics"]["sql.conns"] == 4 and full["store_metrics"]["2"]["ranges"] == 10


def test_store_metric_sums_over_all_stores():
    out = cn.normalize_node(NODE)
    assert out["ranges_underreplicated"] == 5
    assert out["ranges_unavailable"] == 1
    assert out["ranges"] == 81
    assert out["replicas"] == 81
    assert out["leaseholders"] == 25


def test_pre_23_2_node_without_store_metrics_and_empty_locality():
    node = dict(NODE, locality={"tiers": None}, updated_at=0)
    del node["store_metrics"]
    del node["metrics"]
    out = cn.normalize_node(node)
    assert out["locality"] == {} and out["locality_tiers"] == []
    assert out["ranges_underreplicated"] == 0 and out["ranges_unavailable"] == 0 and out["store_ids"] == []
    assert out["updated_at"] is None and out["live_nodes_seen"] is None


def test_filter_nodes_by_id_and_liveness_names_ints_alias():
    nodes = [cn.normalize_node(dict(NODE, node_id=i, liveness_status=s)) for i, s in ((1, 3), (2, 6), (3, 1), (4, 2))]
    assert [n["node_id"] for n in cn.filter_nodes(nodes)] == [1, 2, 3, 4]
    assert [n["node_id"] for n in cn.filter_nodes(nodes, node_ids=[2, 4])] == [2, 4]
    assert [n["node_id"] for n in cn.filter_nodes(nodes, liveness=["draining", "DEAD"])] == [2, 3]
    assert [n["node_id"] for n in cn.filter_nodes(nodes, liveness=["3"])] == [1]
    assert [n["node_id"] for n in cn.filter_nodes(nodes, liveness=["unavailable"])] == [4]
    assert [n["node_id"] for n in cn.filter_nodes(nodes, node_ids=[1], liveness=["dead"])] == []
    with pytest.raises(ValueError):
        cn.filter_nodes(nodes, liveness=["sleepy"])


def test_summary():
    nodes = [cn.normalize_node(dict(NODE, node_id=i, liveness_status=s)) for i, s in ((1, 3), (2, 6))]
    summary = cn.cluster_summary(nodes)
    assert summary == {"node_count": 2, "by_liveness": {"live": 1, "draining": 1}, "ranges_underreplicated": 10,
                       "ranges_unavailable": 2, "build_tags": ["v25.4.1"]}


def hot(rid, qps, node=1, db="movr", table="rides"):
    return {"range_id": rid, "node_id": node, "qps": qps, "writes_per_second": 1, "reads_per_second": 2,
            "write_bytes_per_second": 3, "read_bytes_per_second": 4, "cpu_time_per_second": 5,
            "leaseholder_node_id": node, "databases": [db], "tables": [table], "indexes": [table + "_pkey"],
            "schema_name": "", "replica_node_ids": [1, 2, 3], "store_id": node}


def test_hot_range_nulls_and_legacy_names():
    out = cn.normalize_hot_range({"range_id": 3, "qps": None, "databases": None, "tables": None, "indexes": None,
                                  "replica_node_ids": None})
    assert out["databases"] == [] and out["tables"] == [] and out["replica_node_ids"] == [] and out["qps"] == 0.0
    legacy = cn.normalize_hot_range({"range_id": 4, "qps": 2, "database_name": "movr", "table_name": "users",
                                     "index_name": "users_pkey"})
    assert legacy["databases"] == ["movr"] and legacy["tables"] == ["users"] and legacy["indexes"] == ["users_pkey"]


def test_top_ranges_sorted_filtered_limited():
    top = cn.TopRanges(limit=3, min_qps=2, database="movr")
    top.add([hot(1, 5), hot(2, 50, db="bank"), hot(3, 1), hot(4, 9, node=2)])
    top.add([hot(5, 9, node=3), hot(6, 100), hot(7, 7)])
    top.add(None)
    res = top.result()
    assert [r["range_id"] for r in res] == [6, 4, 5]  # qps desc; tie 9/9 by range id
    assert top.seen == 7 and top.matched == 5
    table = cn.TopRanges(limit=0, table="users")
    table.add([hot(1, 5), hot(2, 6, table="users")])
    assert [r["range_id"] for r in table.result()] == [2]


def test_top_ranges_bounded_memory_keeps_true_top():
    top = cn.TopRanges(limit=2)
    for start in range(0, 100, 10):
        top.add([hot(i, float(i)) for i in range(start, start + 10)])
    assert [r["range_id"] for r in top.result()] == [99, 98]
    assert top.seen == 100 and top.matched == 100


def test_merge_grants():
    rows = [{"user": "admin", "privileges": ["ALL"]}, {"user": "app", "privileges": ["CONNECT"]},
            {"user": "app", "privileges": ["CREATE"]}, {"user": "app", "privileges": ["CONNECT"]},
            {"user": "public", "privileges": None}]
    assert cn.merge_grants(rows) == [{"user": "admin", "privileges": ["ALL"]},
                                     {"user": "app", "privileges": ["CONNECT", "CREATE"]},
                                     {"user": "public", "privileges": []}]
    assert cn.merge_grants(None) == []


def test_event_info_parsed():
    ev = cn.normalize_event({"event_type": "create_database", "info": '{"DatabaseName":"movr","Statement":"<hidden>"}'})
    assert ev["info"] == {"DatabaseName": "movr", "Statement": "<hidden>"}
    assert cn.normalize_event({"info": "not json"})["info"] == {"raw": "not json"}
    assert cn.normalize_event({})["info"] == {}


def test_range_replicas_and_errors():
    body = {"responses_by_node_id": {
        "3": {"range_info": {}, "error": "failed to dial into node 3"},
        "10": {"range_info": {"desc": {"range_id": 7}, "problems": {"underreplicated": True, "no_lease": False}}},
        "2": {"range_info": {"desc": {"range_id": 7}, "problems": {}}}}}
    replicas, errors = cn.range_replicas(body)
    assert [r["node_id"] for r in replicas] == [2, 10]
    assert replicas[1]["problem_names"] == ["underreplicated"] and replicas[1]["range_id"] == 7
    assert errors == [{"node_id": 3, "message": "failed to dial into node 3"}]
    assert cn.range_replicas({"responses_by_node_id": {}}) == ([], [])


def test_health_meaning():
    assert cn.health_meaning(200).startswith("ready")
    assert cn.health_meaning(500).startswith("not ready")
    assert cn.health_meaning(None, "refused").startswith("no answer") and "refused" in cn.health_meaning(None, "refused")
    assert "418" in cn.health_meaning(418)


def test_inventory_groups_and_hostnames():
    node = cn.normalize_node(dict(NODE, liveness_status=6))
    assert cn.node_groups(node) == ["region_us_east1", "zone_us_east1_b", "liveness_draining", "version_v25_4_1"]
    assert cn.node_groups(node, prefix="crdb_")[0] == "crdb_region_us_east1"
    assert cn.node_hostname(node) == "node1"
    assert cn.node_hostname(node, "address") == "crdb1"
    assert cn.node_hostname(node, "sql_address") == "crdb1"
    assert cn.node_hostname(node, "node_id", prefix="crdb") == "crdb1"


def test_routable_names():
    assert cn.ROUTABLE_NAME.match("movr") and cn.ROUTABLE_NAME.match("public.rides")
    assert not cn.ROUTABLE_NAME.match("my-db") and not cn.ROUTABLE_NAME.match("a b")


@pytest.mark.parametrize("value,name", [(0, "unknown"), (1, "dead"), (2, "suspect"), (3, "live"),
                                        (4, "decommissioning"), (5, "decommissioned"), (6, "draining"),
                                        (99, "unknown"), (None, "unknown"), ("x", "unknown")])
def test_liveness_names(value, name):
    assert cn.liveness_name(value) == name


def test_store_metric_sum_and_time():
    node = {"store_metrics": {"1": {"ranges.underreplicated": 2}, "2": {"ranges.underreplicated": 3.0}, "3": {},
                              "4": {"ranges.underreplicated": "junk"}, "5": None,
                              "6": {"ranges.underreplicated": -4}}}
    assert cn.store_metric_sum(node, "ranges.underreplicated") == 5  # malformed and negative values count 0
    assert cn.store_metric_sum({}, "ranges.unavailable") == 0
    assert cn.store_metric_sum(None, "ranges.unavailable") == 0
    assert cn.ns_to_iso(1763800000000000000) == "2025-11-22T08:26:40.000000Z"
    assert cn.ns_to_iso(0) is None and cn.ns_to_iso("soon") is None


def test_option_checks_name_the_option():
    assert cn.liveness_filter_errors(["live", "3", "UNAVAILABLE"]) == []
    assert cn.liveness_filter_errors(["sleepy", "live", 9]) == [
        "liveness: 'sleepy', 9 is not a liveness; use live, dead, suspect, decommissioning, decommissioned, draining "
        "or unknown"]
    assert cn.node_id_errors(None) == [] and cn.node_id_errors("local") == [] and cn.node_id_errors("12") == []
    assert "'0'" in cn.node_id_errors("0")[0] and "'-1'" in cn.node_id_errors("-1")[0]
    assert "node_id must be a positive node id or 'local'" in cn.node_id_errors("first")[0]
    assert cn.routable_name_errors({"database": "movr", "table": None}, ("database", "table")) == []
    errors = cn.routable_name_errors({"database": "my-db", "table": "a b"}, ("database", "table"))
    assert [e.split(" ", 1)[0] for e in errors] == ["database", "table"] and "letters, digits" in errors[0]


def test_node_error_list_sorted_with_the_endpoint_key():
    assert cn.node_error_list({3: "down", 0: "?", 2: "slow"}, "error_message") == [
        {"node_id": 0, "error_message": "?"}, {"node_id": 2, "error_message": "slow"},
        {"node_id": 3, "error_message": "down"}]
    assert cn.node_error_list({}, "message") == []


def test_table_details_nulls_become_empty():
    out = cn.normalize_table("movr", "public.rides", {"descriptor_id": 7, "columns": None, "range_count": None,
                                                      "zone_config": None, "extra": 1})
    assert out["database"] == "movr" and out["name"] == "public.rides" and out["descriptor_id"] == 7
    assert out["columns"] == [] and out["indexes"] == [] and out["grants"] == []
    assert out["range_count"] == 0 and out["zone_config"] == {} and out["details"] == {"extra": 1}
    assert out["create_table_statement"] is None
