#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_organization_info
short_description: The CockroachDB Cloud organization of the API key
version_added: 0.2.0
description:
  - Reads C(GET /api/v1/organization) (one request), the organization the service account of O(api_key)
    belongs to.
  - A cheap way to check that a key works before a play changes anything.
  - With O(email), also looks up person users by email (C(GET /api/v1/users/persons-by-email), one request
    each), as the Terraform C(cockroach_person_user) data source does.
options:
  email:
    description:
      - Email addresses of person users to look up; each found one is returned in RV(persons), the others in
        RV(missing_persons).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Which organization does this key belong to?
  cockroachdb.cockroachdb.cloud_organization_info:
    api_key: "{{ cockroach_api_key }}"
  register: crdb_org

- name: Show it
  ansible.builtin.debug:
    msg: "{{ crdb_org.organization.name }} ({{ crdb_org.organization.id }})"

- name: The user id of a person, for a role grant made elsewhere
  cockroachdb.cockroachdb.cloud_organization_info:
    api_key: "{{ cockroach_api_key }}"
    email: [dev@example.com]
  register: crdb_people
"""

RETURN = r"""
organization:
  description: The organization as the API describes it.
  returned: always
  type: dict
  contains:
    id:
      description: Organization id.
      type: str
      sample: 9f2c2f5e-6b0a-4c55-8a3e-0d1e5c7a1b01
    label:
      description: Short id used by CockroachDB support.
      type: str
      sample: example-org
    name:
      description: Name of the organization.
      type: str
      sample: Example Inc.
    created_at:
      description: When the organization was created (RFC 3339).
      type: str
      sample: "2024-01-02T03:04:05Z"
    cockroach_cloud_service_principals:
      description: The cloud identities CockroachDB Cloud uses (for trust relationships such as CMEK or log
        export); present when the API returns them.
      type: dict
      returned: when the API returns them
persons:
  description: The person users found by O(email), as C({id, email}).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d02", "email": "dev@example.com"}]
missing_persons:
  description: The addresses of O(email) that no person user of the organization has.
  returned: always
  type: list
  elements: str
  sample: []
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_access import AccessApi


def validate(params):
    return ["email %r is not an email address" % e for e in params.get("email") or [] if "@" not in (e or "")]


def run(m):
    persons, missing = [], []
    organization = m.client.get_organization()
    for email in m.params["email"]:
        found = m.client.find_person_by_email(email)
        if found is None:
            missing.append(email)
        else:
            persons.append({"id": found.get("id"), "email": found.get("email") or email})
    return dict(changed=False, organization=organization, persons=persons, missing_persons=missing)


def main():
    m = CloudModule(client_mixins=(AccessApi,), argument_spec=dict(email=dict(type="list", elements="str", default=[])), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
