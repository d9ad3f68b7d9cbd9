#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: db_grants_info
short_description: The grants on a CockroachDB database
version_added: 0.1.0
description:
  - Reads C(GET /api/v2/databases/{database}/grants/) (C(SHOW GRANTS ON DATABASE), run as the calling user),
    every page, and returns the grants.
  - The server answers one row per (user, privilege); with O(merge=true) (the default) the rows of a user are
    merged into one entry with all its privileges.
options:
  database:
    description: The database. Letters, digits, C(_) and C(.) only (the names the API can route).
    type: str
    required: true
  merge:
    description: One entry per user with all its privileges, instead of the server's one row per privilege.
    type: bool
    default: true
  page_size:
    description: Rows asked for per request.
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
- name: Who may do what on movr
  cockroachdb.cockroachdb.db_grants_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    database: movr
  register: movr_grants

- name: Privileges of app_writer
  ansible.builtin.debug:
    msg: "{{ (movr_grants.grants | selectattr('user', 'eq', 'app_writer') | first).privileges }}"
"""

RETURN = r"""
grants:
  description: Grants on the database, users in the server's order.
  returned: always
  type: list
  elements: dict
  contains:
    user:
      description: "Grantee (user or role)."
      type: str
      returned: always
      sample: app_writer
    privileges:
      description: "Privileges (sorted when merged)."
      type: list
      elements: str
      returned: always
      sample: [CONNECT, CREATE]
database:
  description: The database asked about.
  returned: always
  type: str
  sample: movr
row_count:
  description: Rows the server returned (one per user and privilege).
  returned: always
  type: int
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import ClusterModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import (
    ROUTABLE_NAME,
    merge_grants,
)


def run(m):
    db = m.params["database"]
    try:
        rows = m.client.paginate("/api/v2/databases/%s/grants/" % db, "grants", "sql", limit=m.params["page_size"])[0]
    except NotFoundError as exc:
        if "database not found" in exc.message:
            exc.message = "database %r does not exist (or user cannot see it): %s" % (db, exc.message)
        raise
    grants = merge_grants(rows) if m.params["merge"] else [
        dict(user=r.get("user"), privileges=list(r.get("privileges") or [])) for r in rows]
    return dict(changed=False, grants=grants, database=db, row_count=len(rows))


def main():
    m = ClusterModule(argument_spec=dict(
        database=dict(type="str", required=True),
        merge=dict(type="bool", default=True),
        page_size=dict(type="int", default=500),
    ))
    if not ROUTABLE_NAME.match(m.params["database"]):
        m.fail("database %r cannot be asked for over the Cluster API: it routes only names made of letters, digits, "
               "'_' and '.'" % m.params["database"])
    if m.params["page_size"] < 1:
        m.fail("page_size must be 1 or more")
    m.run(run)


if __name__ == "__main__":
    main()
