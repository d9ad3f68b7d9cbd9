# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""db_grants_info against the in-process emulator: every SQL page, merged per user, clear errors."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import db_grants_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module

GRANTS = ("GET", "/api/v2/databases/movr/grants/")


def run(emulated, **args):
    res = run_module(db_grants_info, dict(emulated.cluster_args(), **args))
    assert emulated.admin_password not in res.output
    return res


def test_all_pages_merged_per_user(emulated):
    raw = run(emulated, database="movr", merge=False, page_size=1000)
    rows = raw["row_count"]
    assert rows >= 3 and len(raw["grants"]) == rows and emulated.paths().count(GRANTS) == 1
    emulated.clear_requests()
    res = run(emulated, database="movr", page_size=2)
    assert res["row_count"] == rows and res["database"] == "movr"
    assert emulated.paths().count(GRANTS) == rows // 2 + 1
    users = [g["user"] for g in res["grants"]]
    assert len(users) == len(set(users)) == len({g["user"] for g in raw["grants"]})
    for grant in res["grants"]:
        privileges = sorted({p for r in raw["grants"] if r["user"] == grant["user"] for p in r["privileges"]})
        assert grant["privileges"] == privileges


def test_unknown_database_and_unroutable_name(emulated):
    res = run(emulated, database="nope")
    assert res.failed and "'nope' does not exist" in res["msg"] and res["status"] == 404
    emulated.clear_requests()
    res = run(emulated, database="my-db", page_size=0)
    assert res.failed and "letters, digits" in res["msg"] and "page_size" in res["msg"]
    assert emulated.requests() == []
