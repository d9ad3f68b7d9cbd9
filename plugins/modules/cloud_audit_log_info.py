#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_audit_log_info
short_description: Audit log of a CockroachDB Cloud organization
version_added: 0.1.0
description:
  - Reads C(GET /api/v1/auditlogevents), following C(next_starting_from) from page to page, and returns the entries.
  - The service account needs the organization admin role (C(ORG_ADMIN)).
  - Pass the returned RV(next_starting_from) back as O(starting_from) in a later run to read only what is new.
options:
  starting_from:
    description:
      - Only entries strictly after this time (strictly before it with O(sort_order=DESC)).
      - An RFC 3339 timestamp such as V(2024-09-16T12:00:00Z).
      - From the oldest entry (or the newest one with O(sort_order=DESC)) when not set.
    type: str
  sort_order:
    description:
      - V(ASC) walks from older to newer entries, V(DESC) from newer to older.
    type: str
    choices: [ASC, DESC]
    default: ASC
  limit:
    description:
      - Stop once at least this many entries have been read.
      - As in the API, entries that share the timestamp of the last one are always returned together,
        so the result can be slightly longer; resuming from RV(next_starting_from) then skips nothing.
      - Every entry in that direction when not set.
    type: int
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: The 50 most recent audit log entries
  cockroachdb.cockroachdb.cloud_audit_log_info:
    api_key: "{{ cockroach_api_key }}"
    sort_order: DESC
    limit: 50
  register: crdb_audit

- name: Everything since the last run
  cockroachdb.cockroachdb.cloud_audit_log_info:
    api_key: "{{ cockroach_api_key }}"
    starting_from: "{{ crdb_last_cursor | default(omit) }}"
  register: crdb_new_audit

- name: Remember where to resume
  ansible.builtin.set_fact:
    crdb_last_cursor: "{{ crdb_new_audit.next_starting_from }}"
  when: crdb_new_audit.next_starting_from is not none
"""

RETURN = r"""
entries:
  description:
    - Audit log entries in the order asked for, as the API returns them (every field is optional in the API).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Entry id.
      type: str
    action:
      description: What happened, for example V(AUDIT_LOG_ACTION_CREATE_CLUSTER).
      type: str
    cluster_id:
      description: Cluster concerned, if any.
      type: str
    cluster_name:
      description: Name of that cluster.
      type: str
    created_at:
      description: When it happened (RFC 3339).
      type: str
    source:
      description: Where the action came from, for example V(AUDIT_LOG_SOURCE_CC_API).
      type: str
    service_account_name:
      description: Service account that acted, if any.
      type: str
    user_email:
      description: User that acted, if any.
      type: str
    payload:
      description: Details of the action as a JSON string.
      type: str
    metadata:
      description: Extra facts such as C(ip_address).
      type: dict
  sample:
    - id: 0b7e5d1c-3a52-4c1e-9d4b-6f1f0e8d2a11
      action: AUDIT_LOG_ACTION_CREATE_SQL_USER
      cluster_id: 6baa9455-e3e7-4682-8209-4cac629f6fbe
      cluster_name: my-cluster
      created_at: '2024-09-16T12:00:00.000000Z'
      source: AUDIT_LOG_SOURCE_CC_API
      service_account_name: automation
      metadata:
        ip_address: 203.0.113.7
      payload: '{"name":"app"}'
next_starting_from:
  description:
    - Timestamp to pass as O(starting_from) to continue in the same direction.
    - V(null) when the API reports no further entries in that direction (with O(sort_order=DESC) once the oldest
      entry is reached).
  returned: always
  type: str
  sample: '2024-09-16T12:00:00.000000Z'
"""

import re

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule

RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def validate(params):
    """Messages for bad options the argspec cannot express (empty list = fine); runs before any request."""
    errors = []
    start = params.get("starting_from")
    if start is not None and not RFC3339_RE.match(start):
        errors.append("starting_from must be an RFC 3339 timestamp such as 2024-09-16T12:00:00Z, got %r" % start)
    if params.get("limit") is not None and params["limit"] < 1:
        errors.append("limit must be 1 or more (leave it unset for every entry), got %d" % params["limit"])
    return errors


def run(m):
    entries, cursor = m.client.list_audit_log(starting_from=m.params["starting_from"],
                                              sort_order=m.params["sort_order"], limit=m.params["limit"])
    return dict(changed=False, entries=entries, next_starting_from=cursor)


def main():
    m = CloudModule(client_mixins=(), argument_spec=dict(
        starting_from=dict(type="str"),
        sort_order=dict(type="str", choices=["ASC", "DESC"], default="ASC"),
        limit=dict(type="int"),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
