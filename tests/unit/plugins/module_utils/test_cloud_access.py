# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure functions of cloud_access: role validity, grant keys, invoice spend, version marks."""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cloud_access as ca


def test_roles_valid_on():
    assert "ORG_ADMIN" in ca.roles_valid_on("ORGANIZATION") and "ORG_ADMIN" not in ca.roles_valid_on("FOLDER")
    assert "FOLDER_MOVER" in ca.roles_valid_on("FOLDER") and "FOLDER_MOVER" not in ca.roles_valid_on("CLUSTER")
    assert set(ca.roles_valid_on("CLUSTER")) == {"CLUSTER_ADMIN", "CLUSTER_OPERATOR_WRITER", "CLUSTER_DEVELOPER",
                                                 "METRICS_VIEWER", "CLUSTER_MONITOR"}


def test_grant_keys_round_trip():
    org = {"name": "ORG_ADMIN", "resource": {"type": "ORGANIZATION", "id": "org-id"}}
    assert ca.grant_key(org) == ("ORG_ADMIN", "ORGANIZATION", "")
    assert ca.grant_body(ca.grant_key(org)) == {"name": "ORG_ADMIN", "resource": {"type": "ORGANIZATION"}}
    c = {"name": "CLUSTER_ADMIN", "resource": {"type": "CLUSTER", "id": "c1"}}
    assert ca.grant_body(ca.grant_key(c)) == c
    keys = [("CLUSTER_ADMIN", "CLUSTER", "c1"), ("FOLDER_ADMIN", "FOLDER", "f1"), ("ORG_MEMBER", "ORGANIZATION", "")]
    assert sorted(keys, key=ca.grant_sort_key) == list(reversed(keys))


def invoice(iid, items):
    return {"invoice_id": iid, "period_start": "p", "period_end": "q", "status": "FINALIZED",
            "totals": [{"amount": 99, "currency": "USD"}],
            "invoice_items": [{"cluster": {"id": cid, "name": name, "plan": "BASIC"},
                               "totals": [{"amount": amount, "currency": "USD"}, {"amount": 5, "currency": "CRDB_CLOUD_CREDITS"}],
                               "line_items": []} for cid, name, amount in items]}


def test_invoice_spend_filters_and_sums():
    invs = [invoice("i1", [("a", "alpha", 1.5), ("b", "beta", 10)]), invoice("i2", [("a", "alpha", 2.25)])]
    out = ca.invoice_spend(invs)
    assert out["total"] == 13.75 and [i["total"] for i in out["invoices"]] == [11.5, 2.25]
    assert out["clusters"] == [{"cluster_id": "b", "cluster_name": "beta", "total": 10.0, "invoices": 1},
                               {"cluster_id": "a", "cluster_name": "alpha", "total": 3.75, "invoices": 2}]
    assert ca.invoice_spend(invs, cluster_names=["alpha"])["total"] == 3.75
    assert ca.invoice_spend(invs, cluster_ids=["b"])["total"] == 10
    assert ca.invoice_spend(invs, currency="CRDB_CLOUD_CREDITS")["total"] == 15


def test_mark_versions():
    rows = ca.mark_versions([
        {"version": "v24.1", "support_status": "SUPPORTED", "allowed_upgrades": ["v24.2", "v25.1"]},
        {"version": "v25.1", "support_status": "PREVIEW", "allowed_upgrades": []},
        {"version": "v24.2", "support_status": "SUPPORTED", "allowed_upgrades": []},
        {"version": "v23.1", "support_status": "UNSUPPORTED", "allowed_upgrades": ["v24.1"]},
    ], current="v24.1.7")
    assert [r["version"] for r in rows] == ["v25.1", "v24.2", "v24.1", "v23.1"]
    assert [r["version"] for r in rows if r["latest"]] == ["v24.2"]  # a preview is not the latest
    assert [r["version"] for r in rows if r["upgrade_from_current"]] == ["v25.1", "v24.2"]
    assert [r["supported"] for r in rows] == [False, True, True, False]
