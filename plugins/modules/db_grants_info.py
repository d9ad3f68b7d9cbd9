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

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import (
    ClusterModule,
    page_size_option,
    validate_page_size,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import (
    merge_grants,
    routable_name_errors,
)


def validate(params):
    return routable_name_errors(params, ("database",)) + validate_page_size(params)


def run(m):
    db = m.params["database"]
    rows = m.client.list_grants(db, limit=m.params["page_size"])
    grants = merge_grants(rows) if m.params["merge"] else [
        dict(user=r.get("user"), privileges=list(r.get("privileges") or [])) for r in rows]
    return dict(changed=False, grants=grants, database=db, row_count=len(rows))


def main():
    m = ClusterModule(argument_spec=dict(
        database=dict(type="str", required=True),
        merge=dict(type="bool", default=True),
        page_size=page_size_option(500),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
