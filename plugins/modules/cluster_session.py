#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_session
short_description: Log in to the CockroachDB Cluster API v2 once, or log a session token out
version_added: 0.1.0
description:
  - With O(state=present), logs in once with O(username)/O(password) (C(POST /api/v2/login/), form body)
    and returns the session token as RV(session). Pass it to later tasks as O(session) (or export it as
    E(COCKROACH_CLUSTER_SESSION)); they then make no login request of their own.
  - With O(state=absent), logs the token given in O(session) out (C(POST /api/v2/logout/)), so it can no longer
    be used on any node.
  - A token is valid on every node of the cluster until it is logged out or expires (C(server.web_session.timeout),
    7 days by default).
  - The returned token is a secret. The action plugin of this module marks the task result as C(no_log), so the
    token is not printed at any verbosity; it is still available to C(register). Keep C(no_log=true) on tasks
    that print or template it.
options:
  state:
    description:
      - V(present) logs in and returns a new token.
      - V(absent) logs out the token given in O(session).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLUSTER_GROUP
attributes:
  check_mode:
    support: full
    details:
      - In check mode O(state=present) still logs in (a login changes no cluster configuration and later tasks need
        the token); O(state=absent) only reports that the token would be logged out.
  diff_mode:
    support: none
notes:
  - Logging in does not need the C(admin) role; most Cluster API endpoints do.
seealso:
  - module: cockroachdb.cockroachdb.cluster_nodes_info
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Log in once for the whole play
  cockroachdb.cockroachdb.cluster_session:
    cluster_url: https://node1:8080
    username: admin
    password: "{{ vault_crdb_admin_password }}"
  register: crdb_login
  no_log: true

- name: Use the token (no login of its own)
  cockroachdb.cockroachdb.cluster_nodes_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
  register: crdb_nodes

- name: Log the token out at the end of the play
  cockroachdb.cockroachdb.cluster_session:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    state: absent
"""

RETURN = r"""
session:
  description:
    - The session token for the C(X-Cockroach-API-Session) header (the value O(session) and
      E(COCKROACH_CLUSTER_SESSION) take). This is a secret; do not print it.
  returned: when O(state=present)
  type: str
  sample: CIGAiPis4fj3CBIQ3u0rRQJ3tD8yIqee4hipow==
username:
  description: The user the token belongs to.
  returned: when O(state=present)
  type: str
  sample: admin
logged_out:
  description: Whether the token was logged out (V(false) in check mode).
  returned: when O(state=absent)
  type: bool
  sample: true
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import ClusterModule


def validate(params):
    # required_if would only see whether the options are set, not an empty COCKROACH_CLUSTER_* value or a null
    if params["state"] == "present" and (not params.get("username") or params.get("password") is None):
        return ["state=present logs in and needs username and password (or COCKROACH_CLUSTER_USER and "
                "COCKROACH_CLUSTER_PASSWORD); a given session token is only used with state=absent"]
    if params["state"] == "absent" and not params.get("session"):
        return ["state=absent logs a token out and needs it in session (or COCKROACH_CLUSTER_SESSION)"]
    return []


def login(m):
    client = m.client
    client.token = None  # a token from COCKROACH_CLUSTER_SESSION must not stop the login this task is for
    token = client.login()
    client.owns_token = False  # the token is the result: close() must not log it out
    return dict(changed=False, session=token, username=m.params["username"])


def logout(m):
    if m.check_mode:
        return dict(changed=True, logged_out=False)
    m.client.logout(m.params["session"])
    return dict(changed=True, logged_out=True)


def main():
    m = ClusterModule(argument_spec=dict(state=dict(type="str", choices=["present", "absent"], default="present")),
                      validate=validate)
    m.run(login if m.params["state"] == "present" else logout)


if __name__ == "__main__":
    main()
