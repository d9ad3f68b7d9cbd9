#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_sql_user
short_description: SQL users of a CockroachDB Cloud cluster
version_added: 0.1.0
description:
  - Creates, deletes and sets the password of a SQL user through the Cloud API
    (C(/api/v1/clusters/{id}/sql-users)).
  - Users created this way are members of the SQL C(admin) role.
  - The API never returns a password, so the module cannot tell whether the current one matches
    O(password). It sets the password when it creates the user, and on every run only with
    O(update_password=always).
  - Waits for a cluster that is still being created to be C(CREATED) first (the API answers 404
    for the users of a cluster that is still provisioning), and for a cluster lock held by another
    job to clear before a write.
  - The password never appears in results, diffs, messages or logs.
options:
  name:
    description:
      - SQL user name. The first character is a letter, a digit or V(_); up to 62 more of letters,
        digits, V(.), V(_) and V(-).
      - User names are case-insensitive in CockroachDB, so V(App) matches an existing user V(app).
    type: str
    required: true
  password:
    description:
      - Password of the user. Required to create the user and with O(update_password=always).
    type: str
  update_password:
    description:
      - V(on_create) sets the password only when the user is created; an existing user is left as it is.
      - V(always) sets the password on every run, which always reports a change (the API cannot
        tell whether it differs). Use it to rotate a password.
    type: str
    choices: [on_create, always]
    default: on_create
  state:
    description:
      - V(present) creates the user if it does not exist, V(absent) deletes it.
      - With V(absent), a cluster that no longer exists (deleted, or no active cluster by that name) is fine;
        its users went with it, so the task succeeds unchanged.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud_child
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the user name; a password that is set shows as C(password_updated=true) on the
        C(after) side, never as a value.
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Application user (the password is only set when the user is created)
  cockroachdb.cockroachdb.cloud_sql_user:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    name: app
    password: "{{ app_db_password }}"

- name: Rotate the password
  cockroachdb.cockroachdb.cloud_sql_user:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    name: app
    password: "{{ new_app_db_password }}"
    update_password: always

- name: Remove a user
  cockroachdb.cockroachdb.cloud_sql_user:
    api_key: "{{ cockroach_api_key }}"
    cluster: 6baa9455-e3e7-4682-8209-4cac629f6fbe
    name: old_app
    state: absent
"""

RETURN = r"""
user:
  description: The user after the run (predicted in check mode); V(null) when it is absent.
  returned: always
  type: dict
  contains:
    name:
      description: User name.
      type: str
      sample: app
  sample:
    name: app
cluster_id:
  description: Id of the cluster; V(null) when O(state=absent) found no cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
password_updated:
  description: Whether the password was set (or would be in check mode), by a create or by O(update_password=always).
  returned: always
  type: bool
  sample: false
"""

import re

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import checks
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import AlreadyExistsError
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure

USER_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,62}$")


def validate(params):
    """Messages for bad options the argspec cannot express (empty list = fine); runs before any request."""
    errors = child_option_errors(params)
    name = params.get("name")
    if name is None or not USER_NAME_RE.match(name):
        errors.append("name %r is not a valid SQL user name: it must start with a letter, a digit or _ and "
                      "continue with at most 62 letters, digits, '.', '_' or '-'" % (name,))
    if params.get("password") == "":
        errors.append("password must not be empty")
    if params.get("state") == "present" and params.get("update_password") == "always" and not params.get("password"):
        errors.append("password is required when update_password is always")
    return errors + checks.sql_user_errors(params)


def user_changes(current, params):
    """Changes for an existing user: ``{"password_updated": True}`` with update_password=always, else {}."""
    if current is not None and params.get("update_password") == "always" and params.get("password"):
        return {"password_updated": True}
    return {}


def run(m):
    try:
        return run_once(m)
    except AlreadyExistsError:
        # Another run created the user between this run's read and its create: adopt it (read it
        # again and do what a run that found it does).
        return run_once(m)


def run_once(m):
    params = m.params
    client = m.client
    name = params["name"]
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=params["state"] == "absent")
    if target.gone:
        return {"changed": False, "user": None, "diff": {"before": {}, "after": {}}, "cluster_id": None,
                "password_updated": False}
    current = client.find_sql_user(target.id, name)
    if current is None and params["state"] == "present" and not params.get("password"):
        raise ValueError("password is required to create SQL user %r on cluster %s (it does not exist yet)"
                         % (name, target.name))

    def create():
        target.write(lambda: client.create_sql_user(target.id, name, params["password"]))
        return {"name": name}

    def update(changes):
        target.write(lambda: client.set_sql_user_password(target.id, current["name"], params["password"]))
        return dict(current)

    def delete():
        target.write(lambda: client.delete_sql_user(target.id, current["name"], missing_ok=True))

    result = ensure(m, current, params["state"], result_key="user",
                    changes=lambda cur: user_changes(cur, params),
                    create=create, update=update, delete=delete,
                    predict=lambda cur, ch: dict(cur) if cur else {"name": name},
                    view=lambda obj: {"name": obj["name"]})
    password_updated = bool(result["changed"] and params["state"] == "present")
    if password_updated:
        result["diff"]["after"] = dict(result["diff"]["after"], password_updated=True)
    result["cluster_id"] = target.id
    result["password_updated"] = password_updated
    return result


def main():
    m = CloudModule(client_mixins=(), argument_spec=dict(
        CHILD_ARGSPEC,
        name=dict(type="str", required=True),
        password=dict(type="str", no_log=True),
        update_password=dict(type="str", choices=["on_create", "always"], default="on_create", no_log=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
