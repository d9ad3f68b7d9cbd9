#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_role_grants
short_description: Roles of one CockroachDB Cloud user or service account
version_added: 0.2.0
description:
  - Grants and revokes the Cloud roles of one person user (found by O(email) through
    C(GET /api/v1/users/persons-by-email)) or one service account (O(service_account), by name or id), on the
    organization, on folders (by path or id) and on clusters (by name or id).
  - A grant is a role on a resource; the module compares the grants the principal holds
    (C(GET /api/v1/roles/{user_id})) with O(roles) and shows one diff keyed by role and resource.
    With O(purge=true) the grants that are not listed are revoked, so O(roles) becomes the whole set.
  - C(ORG_MEMBER) on the organization is every principal's base role; the API refuses to take it away, so the
    module always keeps it (listed or not, purged or not).
  - The change is written with one C(PUT /api/v1/roles/{user_id}) of the whole set (SetRolesForUser) rather than
    one request per grant. The API checks the whole set at once (role valid on its resource type, C(ORG_MEMBER)
    kept, an organization admin left), so a refused change leaves nothing half done, and the same body sent twice
    gives the same set, so a lost answer can be retried safely. The set sent is the one read at the start of the
    run with this run's changes; a grant that someone else changes for the same principal between that read and
    the write is overwritten (the API offers no version check).
  - The service account needs C(ORG_ADMIN) (or C(CLUSTER_ADMIN)/C(FOLDER_ADMIN) for the grants they may give).
options:
  email:
    description:
      - Email address of the person user whose roles to manage. Mutually exclusive with O(service_account).
    type: str
  service_account:
    description:
      - Name or id of the service account whose roles to manage. Mutually exclusive with O(email).
      - A name must match exactly one service account.
    type: str
  roles:
    description:
      - The grants to ensure (V(present)) or revoke (V(absent)).
      - Each names a role and at most one of O(roles[].folder) and O(roles[].cluster); with neither the role is
        on the organization.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The role, as the API names it.
          - C(ORG_ADMIN), C(ORG_MEMBER), C(BILLING_COORDINATOR) and C(BILLING_VIEWER) exist on the organization
            only; C(CLUSTER_CREATOR), C(FOLDER_ADMIN) and C(FOLDER_MOVER) on the organization or a folder; the
            others on the organization, a folder or a cluster.
        type: str
        required: true
        aliases: [role]
        choices: [BILLING_COORDINATOR, BILLING_VIEWER, CLUSTER_ADMIN, CLUSTER_CREATOR, CLUSTER_DEVELOPER,
                  CLUSTER_MONITOR, CLUSTER_OPERATOR_WRITER, FOLDER_ADMIN, FOLDER_MOVER, METRICS_VIEWER, ORG_ADMIN,
                  ORG_MEMBER]
      folder:
        description:
          - The folder the role is on, by path (V(/prod/payments)) or id.
        type: str
      cluster:
        description:
          - The cluster the role is on, by name (an active cluster) or id.
        type: str
  purge:
    description:
      - With O(state=present), revoke every grant of the principal that O(roles) does not list (except
        C(ORG_MEMBER) on the organization).
    type: bool
    default: false
  state:
    description:
      - V(present) grants O(roles); V(absent) revokes them (a grant on a folder or cluster that no longer exists
        is gone already, which is fine).
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
    details:
      - The diff shows every grant of the principal before and after, keyed by C(ROLE@ORGANIZATION),
        C(ROLE@FOLDER/<id>) or C(ROLE@CLUSTER/<id>).
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: A developer may operate the payments clusters, nothing else
  cockroachdb.cockroachdb.cloud_role_grants:
    api_key: "{{ cockroach_api_key }}"
    email: dev@example.com
    roles:
      - name: CLUSTER_OPERATOR_WRITER
        folder: /prod/payments
      - name: CLUSTER_DEVELOPER
        cluster: payments-staging
    purge: true

- name: The CI service account may create clusters in its folder
  cockroachdb.cockroachdb.cloud_role_grants:
    api_key: "{{ cockroach_api_key }}"
    service_account: ci-pipeline
    roles:
      - name: CLUSTER_CREATOR
        folder: /ci

- name: Revoke billing access
  cockroachdb.cockroachdb.cloud_role_grants:
    api_key: "{{ cockroach_api_key }}"
    email: contractor@example.com
    roles:
      - name: BILLING_VIEWER
    state: absent
"""

RETURN = r"""
user_id:
  description: Id of the person user or service account.
  returned: always
  type: str
  sample: 6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d02
roles:
  description: Every grant of the principal after the run (predicted in check mode), organization first, then
    folders, then clusters.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The role.
      type: str
      sample: CLUSTER_ADMIN
    resource_type:
      description: C(ORGANIZATION), C(FOLDER) or C(CLUSTER).
      type: str
      sample: CLUSTER
    resource_id:
      description: Id of the folder or cluster; empty for the organization.
      type: str
      sample: 9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d
    resource_name:
      description: The folder path or cluster name given in O(roles), or the cluster's name when this run read
        it; empty when not known (and for the organization).
      type: str
      sample: payments-prod
added:
  description: Keys of the grants added (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: ["CLUSTER_ADMIN@CLUSTER/9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d"]
removed:
  description: Keys of the grants revoked (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: ["BILLING_VIEWER@ORGANIZATION"]
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_org import OrgApi
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import is_uuid
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_access import (
    AccessApi,
    REQUIRED_GRANT,
    grant_body,
    grant_key,
    grant_sort_key,
    roles_valid_on,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure_set
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError


def key_text(key):
    """``ROLE@ORGANIZATION`` / ``ROLE@FOLDER/<id>`` / ``ROLE@CLUSTER/<id>``: a grant's key in the diff and results."""
    return "%s@%s" % (key[0], key[1] if key[1] == "ORGANIZATION" else "%s/%s" % (key[1], key[2]))


def text_key(text):
    role, dummy, resource = text.partition("@")
    rtype, dummy, rid = resource.partition("/")
    return (role, rtype, rid)


def sort_text(text):
    return grant_sort_key(text_key(text))


def requested(params):
    """``[(index, role, resource type, folder-or-cluster reference)]`` from O(roles); ValueError naming the option."""
    out = []
    for i, item in enumerate(params.get("roles") or []):
        option = "roles[%d]" % i
        folder, cluster = item.get("folder"), item.get("cluster")
        if folder is not None and cluster is not None:
            raise ValueError("%s names both a folder and a cluster; a grant is on one resource: keep one" % option)
        for name, value in (("folder", folder), ("cluster", cluster)):
            if value is not None and not value.strip():
                raise ValueError("%s.%s must not be empty (leave it out for a grant on the organization)" % (option, name))
        rtype = "FOLDER" if folder is not None else "CLUSTER" if cluster is not None else "ORGANIZATION"
        if item["name"] not in roles_valid_on(rtype):
            where = {"ORGANIZATION": "the organization", "FOLDER": "a folder", "CLUSTER": "a cluster"}[rtype]
            places = [t for t in ("ORGANIZATION", "FOLDER", "CLUSTER") if item["name"] in roles_valid_on(t)]
            raise ValueError("%s.name %s cannot be granted on %s; it exists on: %s"
                             % (option, item["name"], where, ", ".join(places)))
        out.append((i, item["name"], rtype, (folder if folder is not None else cluster or "").strip()))
    return out


def validate(params):
    errors = []
    if params.get("state") == "absent" and params.get("purge"):
        errors.append("purge only works with state=present")
    if params.get("email") is not None and "@" not in params["email"]:
        errors.append("email %r is not an email address" % params["email"])
    if params.get("service_account") is not None and not params["service_account"].strip():
        errors.append("service_account must not be empty: give the name or id of a service account")
    try:
        wanted = requested(params)
    except ValueError as exc:
        return errors + [str(exc)]
    if params.get("state") == "absent":
        for i, role, rtype, dummy in wanted:
            if (role, rtype) == REQUIRED_GRANT[:2]:
                errors.append("roles[%d]: ORG_MEMBER on the organization cannot be revoked (the API requires it); "
                              "remove it from roles" % i)
    return errors


def principal_id(client, params):
    """The user id of the person (by email) or service account (by name or id)."""
    if params.get("email"):
        person = client.find_person_by_email(params["email"])
        if person is None:
            raise NotFoundError("no person user with email %s in this organization; check the email option"
                                % params["email"], status=404)
        return person["id"]
    return client.resolve_service_account(params["service_account"])["id"]


class Resources(object):
    """Folder and cluster references -> ids (one cluster list for every cluster name; one lookup per folder path)."""

    def __init__(self, client):
        self.client = client
        self.names = {}
        self._clusters = None

    def cluster(self, ref, option):
        if is_uuid(ref):
            return ref
        if self._clusters is None:
            self._clusters = self.client.list_clusters()
            for c in self._clusters:
                if c.get("state") not in ("DELETED", "CREATION_FAILED"):
                    self.names.setdefault(("CLUSTER", c["id"]), c.get("name") or "")
        found = [c for c in self._clusters if c.get("name") == ref and c.get("state") not in ("DELETED", "CREATION_FAILED")]
        if not found:
            raise NotFoundError("%s: no active cluster named %r; check the name or give the id" % (option, ref), status=404)
        return found[0]["id"]

    def folder(self, ref, option):
        try:
            return self.client.resolve_folder(ref)
        except NotFoundError as exc:
            raise NotFoundError("%s: %s" % (option, exc.message), status=404)

    def resolve(self, wanted, missing_ok=False):
        """``{key text: item}`` of the desired grants; with ``missing_ok`` a folder or cluster that does not exist is
        left out (a grant on it cannot exist: grants go with their resource)."""
        desired = {}
        for i, role, rtype, ref in wanted:
            option = "roles[%d].%s" % (i, rtype.lower())
            try:
                rid = "" if rtype == "ORGANIZATION" else (self.folder(ref, option) if rtype == "FOLDER"
                                                          else self.cluster(ref, option))
            except NotFoundError:
                if missing_ok:
                    continue
                raise
            if ref:
                self.names[(rtype, rid)] = ref
            key = (role, rtype, rid)
            desired[key_text(key)] = self.item(key)
        return desired

    def item(self, key):
        return {"name": key[0], "resource_type": key[1], "resource_id": key[2],
                "resource_name": self.names.get((key[1], key[2]), "")}


def diff_view(item):
    return {"name": item["name"], "resource_type": item["resource_type"], "resource_id": item["resource_id"],
            "resource_name": item["resource_name"]}


def run(m):
    params = m.params
    client = m.client
    wanted = requested(params)
    uid = principal_id(client, params)
    resources = Resources(client)
    desired = resources.resolve(wanted, missing_ok=params["state"] == "absent")
    current = {}
    for role in client.get_roles(uid):
        key = grant_key(role)
        current[key_text(key)] = resources.item(key)
    required = key_text(REQUIRED_GRANT)
    if params["state"] == "present" and params["purge"] and required in current:
        desired.setdefault(required, current[required])  # never purged: the API requires it
    pending = []

    def collect(key, item=None, changes=None):  # pylint: disable=unused-argument
        pending.append(key)

    result = ensure_set(m, current, desired, state=params["state"], purge=params["purge"],
                        item_changes=lambda cur, want: {}, add=collect, remove=collect,
                        result_key="roles", diff_view=diff_view, sort_key=sort_text)
    if pending and not m.check_mode:
        after_keys = [text_key(k) for k in sorted((i for i in result["diff"]["after"]), key=sort_text)]
        answer = client.set_roles(uid, [grant_body(k) for k in after_keys])
        result["roles"] = [resources.item(k) for k in sorted((grant_key(r) for r in answer), key=grant_sort_key)]
        result["diff"]["after"] = {key_text(grant_key(r)): diff_view(resources.item(grant_key(r))) for r in answer}
    result.pop("updated", None)
    result["user_id"] = uid
    return result


def main():
    m = CloudModule(
        client_mixins=(AccessApi, OrgApi),
        argument_spec=dict(
            email=dict(type="str"),
            service_account=dict(type="str"),
            roles=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True, aliases=["role"], choices=[
                    "BILLING_COORDINATOR", "BILLING_VIEWER", "CLUSTER_ADMIN", "CLUSTER_CREATOR", "CLUSTER_DEVELOPER",
                    "CLUSTER_MONITOR", "CLUSTER_OPERATOR_WRITER", "FOLDER_ADMIN", "FOLDER_MOVER", "METRICS_VIEWER",
                    "ORG_ADMIN", "ORG_MEMBER"]),
                folder=dict(type="str"),
                cluster=dict(type="str"),
            )),
            purge=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        mutually_exclusive=[["email", "service_account"]],
        required_one_of=[["email", "service_account"]],
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
