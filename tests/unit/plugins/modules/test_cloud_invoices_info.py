# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_invoices_info against the in-process emulator: spend per cluster and period, filters, one read."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_invoices_info as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
)


@pytest.mark.parametrize("value, expected", [
    ("2025-01", "2025-01-01T00:00:00Z"), ("2025-01-02T03:04:05Z", "2025-01-02T03:04:05Z"), ("2025-13", None),
    ("soon", None),
])
def test_timestamp(value, expected):
    assert mod.timestamp(value) == expected


def test_spend_per_cluster_and_period(emulated):
    a = ready_cluster(emulated, name="spend-a")["id"]
    dedicated = {"region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 2}}}
    ready_cluster(emulated, name="spend-b", dedicated=dedicated, plan="ADVANCED")
    emulated.advance(40 * 86400)
    emulated.clear_requests()
    res = run_cloud(emulated, mod, status="FINALIZED", start_time="2026-01")
    assert reads(emulated) == ["/api/v1/invoices"] and not res["changed"]
    assert res["invoices"] and all(i["status"] == "FINALIZED" for i in res["invoices"])
    assert [c["cluster_name"] for c in res["clusters"]] == ["spend-b", "spend-a"]  # most expensive first
    assert res["total"] == round(sum(c["total"] for c in res["clusters"]), 2) > 0
    only = run_cloud(emulated, mod, status="FINALIZED", start_time="2026-01", clusters=[a])
    assert [c["cluster_name"] for c in only["clusters"]] == ["spend-a"]
    assert only["total"] < res["total"]
    one = run_cloud(emulated, mod, invoice_id=res["invoices"][0]["invoice_id"], clusters=["spend-a"])
    assert one["invoices"][0]["invoice_id"] == res["invoices"][0]["invoice_id"]
    assert one["invoices"][0]["clusters"][0]["line_items"]


def test_bad_input(emulated):
    emulated.clear_requests()
    res = run_cloud(emulated, mod, start_time="yesterday")
    assert res.failed and "start_time must be an RFC 3339 time" in res["msg"] and emulated.paths(api="cloud") == []
