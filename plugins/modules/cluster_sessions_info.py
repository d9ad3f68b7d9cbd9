#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_sessions_info
short_description: Open SQL sessions across a CockroachDB cluster
version_added: 0.1.0
description:
  - Reads C(GET /api/v2/sessions/), which fans out to every node, following the fan-out token to the end, and returns
    the SQL sessions (with their active queries) sorted by start time per node.
  - Needs the C(admin) role or the C(VIEWCLUSTERMETADATA) privilege.
options:
  username:
    description: Only sessions of this SQL user.
    type: str
  exclude_closed:
    description: Leave out closed sessions.
    type: bool
    default: false
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.page_size
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLUSTER_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
notes:
  - Nodes that could not be asked are listed in RV(node_errors); the module does not fail.
"""

EXAMPLES = r"""
- name: Sessions of app_writer
  cockroachdb.cockroachdb.cluster_sessions_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    username: app_writer
  register: app_sessions
"""

RETURN = r"""
sessions:
  description:
    - SQL sessions as the server describes them (C(node_id), C(username), C(client_address), C(application_name),
      C(active_queries), C(start), C(id), ...); zero-valued fields are absent, as on the wire.
  returned: always
  type: list
  elements: dict
  sample: [{node_id: 1, username: app_writer, application_name: movr, start: "2025-11-22T08:00:00Z"}]
node_errors:
  description: Nodes the fan-out could not ask (C(node_id), C(message)).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import (
    ClusterModule,
    page_size_option,
    validate_page_size,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import node_error_list


def run(m):
    p = m.params
    sessions = []
    errors = {}
    for page, node_errors in m.client.iter_sessions(username=p["username"], exclude_closed=p["exclude_closed"],
                                                    limit=p["page_size"]):
        sessions.extend(page)
        errors.update(node_errors)
    return dict(changed=False, sessions=sessions, node_errors=node_error_list(errors, "message"))


def main():
    m = ClusterModule(argument_spec=dict(
        username=dict(type="str"),
        exclude_closed=dict(type="bool", default=False),
        page_size=page_size_option(500),
    ), validate=validate_page_size)
    m.run(run)


if __name__ == "__main__":
    main()
