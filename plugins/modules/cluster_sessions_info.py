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
  page_size:
    description: Sessions asked for per request.
    type: int
    default: 500
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
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

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import ClusterModule


def run(m):
    p = m.params
    params = {}
    if p["username"]:
        params["username"] = p["username"]
    if p["exclude_closed"]:
        params["exclude_closed_sessions"] = "true"
    sessions = []
    errors = {}
    for page, body in m.client.iter_token_pages("/api/v2/sessions/", "sessions", limit=p["page_size"], params=params):
        sessions.extend(page)
        for err in body.get("errors") or []:
            errors[err.get("node_id") or 0] = err.get("message") or ""
    node_errors = [dict(node_id=k, message=v) for k, v in sorted(errors.items())]
    return dict(changed=False, sessions=sessions, node_errors=node_errors)


def main():
    m = ClusterModule(argument_spec=dict(
        username=dict(type="str"),
        exclude_closed=dict(type="bool", default=False),
        page_size=dict(type="int", default=500),
    ))
    if m.params["page_size"] < 1:
        m.fail("page_size must be 1 or more")
    m.run(run)


if __name__ == "__main__":
    main()
