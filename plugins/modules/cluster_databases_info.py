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
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.page_size
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

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import (
    ClusterModule,
    page_size_option,
    validate_page_size,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import (
    normalize_table,
    routable_name_errors,
)


def validate(params):
    return routable_name_errors(params, ("database", "table")) + validate_page_size(params)


def run(m):
    p = m.params
    client = m.client
    db, table = p["database"], p["table"]
    if not db:
        return dict(changed=False, databases=client.list_databases(limit=p["page_size"]))
    if table:
        return dict(changed=False, table=normalize_table(db, table, client.get_table(db, table)))
    desc = client.get_database(db)
    names = client.list_tables(db, limit=p["page_size"])
    return dict(changed=False, database=dict(name=db, descriptor_id=desc.get("descriptor_id"), table_names=names))


def main():
    m = ClusterModule(argument_spec=dict(
        database=dict(type="str"),
        table=dict(type="str"),
        page_size=page_size_option(500),
    ), required_by=dict(table="database"), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
