#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_databases_info
short_description: Databases of a CockroachDB cluster, one database's descriptor and tables, or one table's details
version_added: 0.1.0
description:
  - Without O(database), lists the databases the user can see (C(GET /api/v2/databases/), every page).
  - With O(database), returns its descriptor id (C(databases/{database}/)) and its tables
    (C(databases/{database}/tables/), every page), as schema-qualified names.
  - With O(database) and O(table), returns the table's details (C(databases/{database}/tables/{table}/)), that is
    columns, indexes, grants, range count, C(CREATE TABLE) statement and zone configuration.
  - All queries run as the calling user; no admin role is needed.
options:
  database:
    description: A database name. Letters, digits, C(_) and C(.) only (the names the API can route).
    type: str
  table:
    description: A table of O(database), as C(table) (schema C(public)) or C(schema.table).
    type: str
  page_size:
    description: Items asked for per request.
    type: int
    default: 500
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLUSTER_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Database names
  cockroachdb.cockroachdb.cluster_databases_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
  register: dbs

- name: Tables of movr
  cockroachdb.cockroachdb.cluster_databases_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    database: movr

- name: Columns of movr.public.rides
  cockroachdb.cockroachdb.cluster_databases_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    database: movr
    table: public.rides
"""

RETURN = r"""
databases:
  description: Names of the databases the user can see.
  returned: when O(database) is not given
  type: list
  elements: str
  sample: [bank, defaultdb, movr, postgres, system]
database:
  description: The database.
  returned: when O(database) is given and O(table) is not
  type: dict
  contains:
    name:
      description: "Database name."
      type: str
      returned: always
      sample: movr
    descriptor_id:
      description: "Descriptor id."
      type: int
      returned: always
      sample: 104
    table_names:
      description: "Schema-qualified table names."
      type: list
      elements: str
      returned: always
      sample: [public.rides]
table:
  description: The table's details as the server returns them, plus its name.
  returned: when O(database) and O(table) are given
  type: dict
  contains:
    database:
      description: "Database name."
      type: str
      returned: always
    name:
      description: "Table name as given."
      type: str
      returned: always
    descriptor_id:
      description: "Table descriptor id."
      type: int
      returned: always
    columns:
      description: "Columns (C(name), C(type), C(nullable), C(default_value), ...)."
      type: list
      elements: dict
      returned: always
    indexes:
      description: "One row per index column (C(name), C(unique), C(seq), C(column), C(direction), ...)."
      type: list
      elements: dict
      returned: always
    grants:
      description: "Grants on the table (C(user), C(privileges))."
      type: list
      elements: dict
      returned: always
    range_count:
      description: "Ranges of the table."
      type: int
      returned: always
    create_table_statement:
      description: "The C(CREATE TABLE) statement."
      type: str
      returned: always
    zone_config:
      description: "Zone configuration in effect."
      type: dict
      returned: always
    zone_config_level:
      description: "Where the zone config comes from (1 cluster, 2 database, 3 table)."
      type: int
      returned: always
    details:
      description: "Every other field of the answer (for example C(stats_last_created_at), C(data_total_bytes))."
      type: dict
      returned: always
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import ClusterModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import ROUTABLE_NAME
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError

TABLE_KEYS = ("descriptor_id", "columns", "indexes", "grants", "range_count", "create_table_statement", "zone_config",
              "zone_config_level")


def _explain(exc, what):
    if exc.message.strip() in ("database not found", "database or table not found"):
        exc.message = "%s does not exist (or the user cannot see it): %s" % (what, exc.message)
    return exc


def run(m):
    p = m.params
    client = m.client
    db, table = p["database"], p["table"]
    if not db:
        names = client.paginate("/api/v2/databases/", "databases", "offset", limit=p["page_size"])[0]
        return dict(changed=False, databases=list(names))
    try:
        if table:
            body = client.get_json("/api/v2/databases/%s/tables/%s/" % (db, table)) or {}
            out = dict(database=db, name=table)
            for key in TABLE_KEYS:
                out[key] = body.get(key)
            for key in ("columns", "indexes", "grants"):
                out[key] = list(out[key] or [])
            out["range_count"] = out["range_count"] or 0
            out["zone_config"] = dict(out["zone_config"] or {})
            out["details"] = {k: v for k, v in body.items() if k not in TABLE_KEYS}
            return dict(changed=False, table=out)
        desc = client.get_json("/api/v2/databases/%s/" % db) or {}
        names = client.paginate("/api/v2/databases/%s/tables/" % db, "table_names", "sql", limit=p["page_size"])[0]
    except NotFoundError as exc:
        raise _explain(exc, "table %r of database %r" % (table, db) if table else "database %r" % db)
    return dict(changed=False, database=dict(name=db, descriptor_id=desc.get("descriptor_id"), table_names=list(names)))


def main():
    m = ClusterModule(argument_spec=dict(
        database=dict(type="str"),
        table=dict(type="str"),
        page_size=dict(type="int", default=500),
    ), required_by=dict(table="database"))
    for opt in ("database", "table"):
        value = m.params[opt]
        if value is not None and not ROUTABLE_NAME.match(value):
            m.fail("%s %r cannot be asked for over the Cluster API: it routes only names made of letters, digits, "
                   "'_' and '.'" % (opt, value))
    if m.params["page_size"] < 1:
        m.fail("page_size must be 1 or more")
    m.run(run)


if __name__ == "__main__":
    main()
