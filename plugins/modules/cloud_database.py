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
      - With V(absent), a cluster that no longer exists (deleted, or no active cluster by that name) is fine;
        its databases went with it, so the task succeeds unchanged.
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
  description: Id of the cluster; V(null) when O(state=absent) found no cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
renamed_from:
  description: The old name when the database was renamed (or would be in check mode), else V(null).
  returned: always
  type: str
  sample: app
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import checks
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import AlreadyExistsError, database_named
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure

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
    """Messages for bad options the argspec cannot express (empty list = fine); runs before any request."""
    errors = child_option_errors(params)
    errors += _check_name("name", params.get("name"))
    errors += _check_name("rename_from", params.get("rename_from"))
    if params.get("rename_from") is not None:
        if params.get("state") == "absent":
            errors.append("rename_from only works with state=present; to drop a database give its name and state=absent")
        elif params.get("rename_from") == params.get("name"):
            errors.append("rename_from must differ from name (%r)" % params.get("name"))
    return errors + checks.database_errors(params)


def database_to_ensure(databases, name, rename_from=None, state="present"):
    """The database the engine works on, from the listed databases: ``(current, warning)``.

    ``name`` if it exists; else, with ``state=present``, ``rename_from`` if that exists (a rename:
    its name differs from ``name``); else None (a create, or nothing to drop).
    """
    current = database_named(databases, name)
    old = database_named(databases, rename_from) if rename_from else None
    if state == "absent" or (current is not None and old is None):
        return current, None
    if current is not None:
        return current, ("both %r and %r exist: nothing was renamed; remove rename_from or drop one of them"
                         % (rename_from, name))
    return old, None


def database_changes(current, name):
    """``{"name": name}`` when ``current`` is the database to rename, else {}."""
    return {"name": name} if current["name"] != name else {}


def run(m):
    try:
        return run_once(m)
    except AlreadyExistsError:
        # Another run created the database between this run's read and its create: adopt it (read
        # again and do what a run that found it does).
        return run_once(m)


def run_once(m):
    params = m.params
    client = m.client
    name, rename_from = params["name"], params.get("rename_from")
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=params["state"] == "absent")
    if target.gone:
        return {"changed": False, "database": None, "diff": {"before": {}, "after": {}}, "cluster_id": None,
                "renamed_from": None}
    databases = client.list_databases(target.id)
    checks.refuse_database_case_twin(databases, name, params["state"], rename_from)
    current, warning = database_to_ensure(databases, name, rename_from, params["state"])
    if warning:
        m.module.warn(warning)

    def create():
        return target.write(lambda: client.create_database(target.id, name))

    def update(changes):
        return target.write(lambda: client.rename_database(target.id, current["name"], changes["name"],
                                                           timeout=target.wait_timeout))

    def delete():
        target.write(lambda: client.delete_database(target.id, name, missing_ok=True))

    result = ensure(m, current, params["state"], result_key="database",
                    changes=lambda cur: database_changes(cur, name),
                    create=create, update=update, delete=delete,
                    predict=lambda cur, ch: {"name": name, "table_count": (cur or {}).get("table_count")},
                    view=lambda obj: {"name": obj.get("name"), "table_count": obj.get("table_count")})
    result["cluster_id"] = target.id
    renamed = params["state"] == "present" and current is not None and current["name"] != name
    result["renamed_from"] = rename_from if renamed else None
    return result


def main():
    m = CloudModule(client_mixins=(), argument_spec=dict(
        CHILD_ARGSPEC,
        name=dict(type="str", required=True),
        rename_from=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
