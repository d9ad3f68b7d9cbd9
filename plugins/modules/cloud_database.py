#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_database
short_description: Databases of a CockroachDB Cloud cluster
version_added: 0.1.0
description:
  - Creates, renames and deletes a database through the Cloud API (C(/api/v1/clusters/{id}/databases)).
  - The API has no call to read one database, so the module lists them all (every page) and matches
    the name exactly.
  - Waits for a cluster that is still being created to be C(CREATED) first, and for a cluster lock
    held by another job to clear before a write.
options:
  name:
    description:
      - Name of the database (at most 63 bytes).
    type: str
    required: true
  rename_from:
    description:
      - Current name of a database to rename to O(name), in place (its tables are kept).
      - If O(name) already exists, nothing is renamed (so the task stays idempotent once the rename is done);
        if both exist, a warning says so.
      - If neither exists, O(name) is created.
      - Only with O(state=present).
    type: str
  state:
    description:
      - V(present) creates (or renames) the database, V(absent) deletes it with everything in it.
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
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Database for the application
  cockroachdb.cockroachdb.cloud_database:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    name: app

- name: Rename it (a second run finds app_v2 and does nothing)
  cockroachdb.cockroachdb.cloud_database:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    name: app_v2
    rename_from: app

- name: Drop a database
  cockroachdb.cockroachdb.cloud_database:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    name: scratch
    state: absent
"""

RETURN = r"""
database:
  description: The database after the run (predicted in check mode); V(null) when it is absent.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the database.
      type: str
      sample: app
    table_count:
      description:
        - Number of tables, as the API reports it (an int64, so a string); V(null) for a database that
          check mode predicts would be created.
      type: str
      sample: '0'
  sample:
    name: app
    table_count: '0'
cluster_id:
  description: Id of the cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
renamed_from:
  description: The old name when the database was renamed (or would be in check mode), else V(null).
  returned: always
  type: str
  sample: app
"""

from urllib.parse import quote

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    validate_child_params,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError

MAX_NAME_BYTES = 63


def _check_name(option, value):
    if value is None:
        return []
    if not value.strip():
        return ["%s must not be empty" % option]
    if len(value.encode("utf-8")) > MAX_NAME_BYTES:
        return ["%s %r is too long: a database name has at most %d bytes" % (option, value, MAX_NAME_BYTES)]
    return []


def validate(params):
    """Messages for bad options (empty list = fine); runs before any request."""
    errors = validate_child_params(params)
    errors += _check_name("name", params.get("name"))
    errors += _check_name("rename_from", params.get("rename_from"))
    if params.get("rename_from") is not None:
        if params.get("state") == "absent":
            errors.append("rename_from only works with state=present; to drop a database give its name and state=absent")
        elif params.get("rename_from") == params.get("name"):
            errors.append("rename_from must differ from name (%r)" % params.get("name"))
    return errors


def find_database(databases, name):
    for db in databases or []:
        if isinstance(db, dict) and db.get("name") == name:
            return {"name": db["name"], "table_count": db.get("table_count")}
    return None


def plan(databases, name, rename_from=None, state="present"):
    """Decide from the listed databases: ``(current, action, warning)``.

    ``current`` is the database the engine works on (None = create), ``action`` one of
    ``none``, ``create``, ``rename``, ``delete``.
    """
    target = find_database(databases, name)
    old = find_database(databases, rename_from) if rename_from else None
    if state == "absent":
        return target, ("delete" if target else "none"), None
    if target is not None:
        warning = None
        if old is not None:
            warning = ("both %r and %r exist: nothing was renamed; remove rename_from or drop one of them"
                       % (rename_from, name))
        return target, "none", warning
    if old is not None:
        return old, "rename", None
    return None, "create", None


def run(m):
    params = m.params
    name, rename_from = params["name"], params.get("rename_from")
    target = ClusterTarget(m.client, params["cluster"], params["wait_timeout"])
    current, action, warning = plan(m.client.list_databases(target.id), name, rename_from, params["state"])
    if warning:
        m.module.warn(warning)
    dbs_path = target.path("/databases")

    def create():
        return target.write(lambda: m.client.create_once(
            dbs_path, {"name": name}, lambda: find_database(m.client.list_databases(target.id), name)))[0]

    def update(changes):
        return target.write(lambda: m.client.patch("%s/%s" % (dbs_path, quote(current["name"], safe="")),
                                                   {"new_name": changes["name"]}))

    def delete():
        try:
            target.write(lambda: m.client.delete("%s/%s" % (dbs_path, quote(name, safe=""))))
        except NotFoundError:
            pass  # already gone

    result = ensure(m, current, params["state"], result_key="database",
                    compute_changes=lambda cur: {"name": name} if cur["name"] != name else {},
                    create=create, update=update, delete=delete,
                    predict=lambda cur, ch: {"name": name, "table_count": (cur or {}).get("table_count")},
                    view=lambda obj: {"name": obj.get("name"), "table_count": obj.get("table_count")})
    result["cluster_id"] = target.id
    result["renamed_from"] = rename_from if action == "rename" else None
    return result


def main():
    m = CloudModule(argument_spec=dict(
        CHILD_ARGSPEC,
        name=dict(type="str", required=True),
        rename_from=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ))
    errors = validate(m.params)
    if errors:
        m.fail("; ".join(errors))
    m.run(run)


if __name__ == "__main__":
    main()
