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
  session_user:
    description:
      - Only the sessions of this SQL user (the server's C(username) filter).
      - The login user is O(username), as in every Cluster API module; this filter is independent of it, so an
        admin can list another user's sessions.
      - "Until this option existed, O(username) was the filter and replaced the login user. For compatibility,
        O(username) given together with O(session) (where it plays no part in the login) is still read as the filter,
        with a deprecation warning; set O(session_user) instead."
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
- name: Sessions of app_writer, read as the admin of the session
  cockroachdb.cockroachdb.cluster_sessions_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    session_user: app_writer
  register: app_sessions

- name: Every open session, logged in with the group's module_defaults (username is the login user)
  cockroachdb.cockroachdb.cluster_sessions_info:
    exclude_closed: true
  register: open_sessions
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
session_user:
  description: The user whose sessions were asked for (V(null) when every user's).
  returned: always
  type: str
  sample: app_writer
"""

import os

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import (
    ClusterModule,
    page_size_option,
    validate_page_size,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import node_error_list

DEPRECATED_FILTER = ("cluster_sessions_info: username is the login user, as in every Cluster API module; reading it as "
                     "the sessions filter (because a session token is given, so username plays no part in the login) "
                     "is deprecated: set session_user: %s instead")


def session_filter(params):
    """``(user to filter on or None, deprecation text or None)``.

    ``session_user`` is the filter. ``username`` is the login user; only with a ``session`` token, where it plays
    no part in the login, is it still read as the filter of old (with a deprecation warning).
    """
    if params.get("session_user"):
        return params["session_user"], None
    if params.get("session") and params.get("username"):
        return params["username"], DEPRECATED_FILTER % params["username"]
    return None, None


def validate(params):
    """Refuse the one call that would log in as another account with someone else's password.

    The old meaning of ``username`` (a filter) with the login user and password in ``COCKROACH_CLUSTER_USER`` /
    ``COCKROACH_CLUSTER_PASSWORD``: the task's ``username`` would now log in with that password.
    """
    errors = validate_page_size(params)
    env_user = os.environ.get("COCKROACH_CLUSTER_USER")
    env_password = os.environ.get("COCKROACH_CLUSTER_PASSWORD")
    user = params.get("username")
    if (not params.get("session") and env_user and env_password and user and user != env_user
            and params.get("password") == env_password):
        errors.append("username %r is the login user (as in every Cluster API module), but the password is the one "
                      "of COCKROACH_CLUSTER_USER %r; to list the sessions of %s, set session_user: %s and leave "
                      "username unset; to log in as %s, give its own password" % (user, env_user, user, user, user))
    return errors


def run(m):
    p = m.params
    user, deprecation = session_filter(p)
    if deprecation:
        m.module.deprecate(deprecation, version="1.0.0", collection_name="cockroachdb.cockroachdb")
    sessions = []
    errors = {}
    for page, node_errors in m.client.iter_sessions(username=user, exclude_closed=p["exclude_closed"],
                                                    limit=p["page_size"]):
        sessions.extend(page)
        errors.update(node_errors)
    return dict(changed=False, sessions=sessions, node_errors=node_error_list(errors, "message"), session_user=user)


def main():
    m = ClusterModule(argument_spec=dict(
        session_user=dict(type="str"),
        exclude_closed=dict(type="bool", default=False),
        page_size=page_size_option(500),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
