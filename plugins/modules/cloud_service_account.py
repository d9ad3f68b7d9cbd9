#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_service_account
short_description: Service accounts of a CockroachDB Cloud organization
version_added: 0.2.0
description:
  - Creates, updates and deletes a service account through the Cloud API (C(/api/v1/service-accounts)).
  - The account is found by O(name) (one list request, every page) or by O(id).
  - The API does not keep names unique; when several accounts have the name, the task fails, lists their ids and
    writes nothing; give O(id) then.
  - A new account has no role; grant roles with the C(cockroachdb.cockroachdb.cloud_role_grants) module.
  - Deleting an account deletes its API keys too (they stop working at once).
options:
  name:
    description:
      - Name of the service account (1 to 64 characters).
      - With O(id), the name the account should have (a rename when it differs).
    type: str
    required: true
  id:
    description:
      - Id of an existing service account, to work on it whatever its name (to rename it, or when the name is
        ambiguous). With O(state=present) an unknown id fails the task.
    type: str
  description:
    description:
      - Description of the service account (at most 256 characters). Not set, it is left as it is (a new account
        gets an empty one).
    type: str
  state:
    description:
      - V(present) creates or updates the account, V(absent) deletes it (and its API keys).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
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
- name: Service account of the deploy pipeline
  cockroachdb.cockroachdb.cloud_service_account:
    api_key: "{{ cockroach_api_key }}"
    name: deployer
    description: Deploys the payment clusters

- name: Rename it, by id
  cockroachdb.cockroachdb.cloud_service_account:
    api_key: "{{ cockroach_api_key }}"
    id: 3f0c1a2b-1111-4222-8333-444455556666
    name: payments-deployer

- name: Delete it (and its API keys)
  cockroachdb.cockroachdb.cloud_service_account:
    api_key: "{{ cockroach_api_key }}"
    name: payments-deployer
    state: absent
"""

RETURN = r"""
service_account:
  description: The service account after the run (predicted in check mode); V(null) when it is absent.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the service account; V(null) for one that check mode predicts would be created.
      type: str
      sample: 3f0c1a2b-1111-4222-8333-444455556666
    name:
      description: Name of the service account.
      type: str
      sample: deployer
    description:
      description: Its description.
      type: str
      sample: Deploys the payment clusters
    creator_name:
      description: Who created it.
      type: str
      sample: ci-admin
    created_at:
      description: When it was created (RFC 3339).
      type: str
      sample: '2025-01-01T00:00:00Z'
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_org import OrgApi, is_folder_id, named
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError

MAX_NAME = 64
MAX_DESCRIPTION = 256


def validate(params):
    errors = []
    name = params.get("name") or ""
    if not name.strip():
        errors.append("name must not be empty")
    elif len(name) > MAX_NAME:
        errors.append("name is too long: at most %d characters, got %d" % (MAX_NAME, len(name)))
    if params.get("description") is not None and len(params["description"]) > MAX_DESCRIPTION:
        errors.append("description is too long: at most %d characters" % MAX_DESCRIPTION)
    if params.get("id") is not None and not is_folder_id(params["id"]):
        errors.append("id must be the UUID of a service account, got %r" % params["id"])
    return errors


def view(sa):
    return {k: sa.get(k) for k in ("id", "name", "description", "creator_name", "created_at")}


def service_account_changes(current, name, description):
    """The PATCH body bringing ``current`` to ``name``/``description`` (None: left alone); {} when it is so."""
    changes = {}
    if current.get("name") != name:
        changes["name"] = name
    if description is not None and (current.get("description") or "") != description:
        changes["description"] = description
    return changes


def run(m):
    params = m.params
    client = m.client
    name, description = params["name"], params.get("description")
    if params.get("id"):
        current = client.get_service_account(params["id"], missing_ok=True)
        if current is None and params["state"] == "present":
            raise NotFoundError("service account %s not found; check the id option (or drop it to create an account "
                                "called %r)" % (params["id"], name), status=404)
    else:
        current = named(client.list_service_accounts(), name, "service account")

    return ensure(
        m, current, params["state"], result_key="service_account", view=view,
        changes=lambda cur: service_account_changes(cur, name, description),
        create=lambda: client.create_service_account(name, description or ""),
        update=lambda ch: client.update_service_account(current["id"], ch),
        delete=lambda: client.delete_service_account(current["id"]),
        predict=lambda cur, ch: dict(cur or {"id": None, "creator_name": None, "created_at": None, "description": ""},
                                     name=name, **({"description": description} if description is not None else {})),
    )


def main():
    m = CloudModule(client_mixins=(OrgApi,), argument_spec=dict(
        name=dict(type="str", required=True),
        id=dict(type="str"),
        description=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
