# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_range_info against the in-process emulator: one range as every node sees it."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_range_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module


def test_found_on_its_replicas_and_errors_per_node(emulated):
    res = run_module(cluster_range_info, emulated.cluster_args(range_id=1))
    assert not res.failed and res["found"] and res["range_id"] == 1
    assert [r["node_id"] for r in res["replicas"]] == sorted(r["node_id"] for r in res["replicas"])
    assert emulated.paths().count(("GET", "/api/v2/ranges/1/")) == 1
    emulated.stop_node(3)
    res = run_module(cluster_range_info, emulated.cluster_args(range_id=1))
    assert [e["node_id"] for e in res["node_errors"]] == [3]


def test_missing_range_is_not_found_not_a_failure(emulated):
    res = run_module(cluster_range_info, emulated.cluster_args(range_id=99999999))
    assert not res.failed and res["found"] is False and res["replicas"] == []


def test_bad_range_id_no_request(emulated):
    res = run_module(cluster_range_info, emulated.cluster_args(range_id=0))
    assert res.failed and "range_id must be a positive range id" in res["msg"] and emulated.requests() == []
