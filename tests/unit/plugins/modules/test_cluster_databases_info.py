# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_databases_info against the in-process emulator: databases, one database's tables, one table."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_databases_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module


def run(emulated, **args):
    res = run_module(cluster_databases_info, dict(emulated.cluster_args(), **args))
    assert emulated.admin_password not in res.output
    return res


def test_databases_over_several_pages(emulated):
    res = run(emulated, page_size=2)
    assert not res.failed and {"system", "defaultdb", "movr"} <= set(res["databases"])
    assert emulated.paths().count(("GET", "/api/v2/databases/")) == len(res["databases"]) // 2 + 1


def test_one_database_and_its_tables(emulated):
    res = run(emulated, database="system", page_size=10)
    db = res["database"]
    assert db["name"] == "system" and db["descriptor_id"] == 1 and "public.users" in db["table_names"]
    assert emulated.paths().count(("GET", "/api/v2/databases/system/tables/")) == len(db["table_names"]) // 10 + 1


def test_one_table(emulated):
    table = run(emulated, database="movr", table="public.rides")["table"]
    assert table["name"] == "public.rides" and table["database"] == "movr"
    assert {"id", "city"} <= {c["name"] for c in table["columns"]}
    assert table["indexes"] and "CREATE TABLE" in table["create_table_statement"] and table["range_count"] > 0


def test_missing_database_and_table_are_named(emulated):
    res = run(emulated, database="no_such_db")
    assert res.failed and res["status"] == 404 and "database 'no_such_db' does not exist" in res["msg"]
    res = run(emulated, database="system", table="no_such_table")
    assert res.failed and "table 'no_such_table' of database 'system' does not exist" in res["msg"]


def test_bad_input_no_request(emulated):
    res = run(emulated, table="rides")
    assert res.failed and "database" in res["msg"]
    res = run(emulated, database="my-db", table="a b", page_size=0)
    assert res.failed and "database 'my-db'" in res["msg"] and "table 'a b'" in res["msg"] and "page_size" in res["msg"]
    assert emulated.requests() == []
