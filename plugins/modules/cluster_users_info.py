#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_users_info
short_description: SQL users of a CockroachDB cluster
version_added: 0.1.0
description:
  - Reads C(GET /api/v2/users/), every page, and returns the SQL users (roles such as C(admin) and C(public) are not
    listed).
  - The query runs as the calling user, which must be able to read C(system.users) (for example a member of C(admin)).
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
- name: Is app_reader a user?
  cockroachdb.cockroachdb.cluster_users_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
  register: crdb_users
  failed_when: "'app_reader' not in crdb_users.users"
"""

RETURN = r"""
users:
  description: User names, sorted.
  returned: always
  type: list
  elements: str
  sample: [app_reader, root]
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import (
    ClusterModule,
    page_size_option,
    validate_page_size,
)


def run(m):
    rows = m.client.list_users(limit=m.params["page_size"])
    return dict(changed=False, users=[r.get("username") for r in rows if isinstance(r, dict)])


def main():
    m = ClusterModule(argument_spec=dict(page_size=page_size_option(500)), validate=validate_page_size)
    m.run(run)


if __name__ == "__main__":
    main()
