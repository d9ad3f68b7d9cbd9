#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_private_endpoint_trusted_owner
short_description: Trusted owners of the private endpoints of a CockroachDB Cloud cluster
version_added: 0.2.0
description:
  - Adds and removes the trusted owners of a cluster's private endpoint connections through the Cloud API
    (C(/api/v1/clusters/{id}/networking/private-endpoint-trusted-owners)), the cloud accounts whose endpoints
    may connect to the cluster. The API knows one type, O(type=AWS_ACCOUNT_ID), so this is for AWS clusters.
  - Manage one owner with O(external_owner_id), or several with O(owners); with O(purge=true) the owners of
    the cluster (of O(type)) that are not listed are removed, so O(owners) becomes the whole list.
  - An entry cannot be changed in place; an owner is either there or not.
  - Waits for a cluster that is still being created to be C(CREATED) first, and for a cluster lock held by
    another job to clear before a write.
options:
  external_owner_id:
    description:
      - One owner, for O(type=AWS_ACCOUNT_ID) a 12-digit AWS account id such as V('012345678901') (quote it in
        YAML, or a leading zero is lost), or V(*) for every account.
      - Mutually exclusive with O(owners).
    type: str
  owners:
    description:
      - Several owners at once, each as O(external_owner_id). Mutually exclusive with O(external_owner_id).
      - V([]) with O(purge=true) removes every owner of O(type).
    type: list
    elements: str
  type:
    description:
      - What O(external_owner_id) and O(owners) are.
    type: str
    choices: [AWS_ACCOUNT_ID]
    default: AWS_ACCOUNT_ID
  purge:
    description:
      - With O(owners) and O(state=present), remove the owners of O(type) that are not listed.
    type: bool
    default: false
  state:
    description:
      - V(present) adds the owners, V(absent) removes them.
      - With V(absent), a cluster that no longer exists is fine; its owners went with it.
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
      - The diff shows every owner of O(type) before and after, keyed by O(external_owner_id).
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
seealso:
  - module: cockroachdb.cockroachdb.cloud_private_endpoint_connection
"""

EXAMPLES = r"""
- name: Trust the application's AWS account
  cockroachdb.cockroachdb.cloud_private_endpoint_trusted_owner:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod-eu
    external_owner_id: "012345678901"

- name: Exactly these accounts, nothing else
  cockroachdb.cockroachdb.cloud_private_endpoint_trusted_owner:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod-eu
    owners: ["012345678901", "210987654321"]
    purge: true
"""

RETURN = r"""
trusted_owners:
  description: Every owner of O(type) after the run (predicted in check mode), sorted by O(external_owner_id).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the entry (V(null) for an entry only predicted in check mode).
      type: str
      sample: 3f9a1c2e-7b7d-4a55-9d0e-5b1f8f0c2a11
    type:
      description: Type of the owner id.
      type: str
      sample: AWS_ACCOUNT_ID
    external_owner_id:
      description: The owner.
      type: str
      sample: "012345678901"
    created_at:
      description: When the entry was added (V(null) when only predicted).
      type: str
      sample: "2025-01-01T00:00:00Z"
added:
  description: Owners added (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: ["012345678901"]
removed:
  description: Owners removed (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: []
cluster_id:
  description: Id of the cluster; V(null) when O(state=absent) found no cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import AlreadyExistsError
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_private_endpoints import (
    PrivateEndpointsApi,
    TRUSTED_OWNER_TYPES,
    trusted_owner_errors,
    trusted_owner_view,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure_set


def desired_owners(params):
    """``{external_owner_id: {type, external_owner_id}}``; raises ValueError naming the option."""
    if params.get("owners") is not None:
        items = [(o, "owners[%d]" % i) for i, o in enumerate(params["owners"])]
    else:
        items = [(params.get("external_owner_id"), "external_owner_id")]
    out, seen = {}, {}
    for value, option in items:
        value = (value or "").strip()
        errors = trusted_owner_errors(params["type"], value, option)
        if errors:
            raise ValueError(errors[0])
        if value in seen:
            raise ValueError("%s %s is listed twice (also as %s); list each owner once" % (option, value, seen[value]))
        seen[value] = option
        out[value] = {"id": None, "type": params["type"], "external_owner_id": value, "created_at": None}
    return out


def validate(params):
    errors = child_option_errors(params)
    if params.get("purge") and params.get("state") == "absent":
        errors.append("purge only works with state=present")
    try:
        desired_owners(params)
    except ValueError as exc:
        errors.append(str(exc))
    return errors


def no_changes(current, desired):  # pylint: disable=unused-argument
    """An owner entry has nothing to update: present is as desired."""
    return {}


def new_owner(key, desired):  # pylint: disable=unused-argument
    return dict(desired)


def diff_view(owner):
    return {"type": owner["type"]}


def run(m):
    try:
        return run_once(m)
    except AlreadyExistsError:
        # another run added an owner between this run's read and its add: read again and do what is left
        return run_once(m)


def run_once(m):
    params = m.params
    client = m.client
    desired = desired_owners(params)
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=params["state"] == "absent")
    if target.gone:
        return {"changed": False, "trusted_owners": [], "added": [], "removed": [], "cluster_id": None,
                "diff": {"before": {}, "after": {}}}
    current = {o["external_owner_id"]: trusted_owner_view(o)
               for o in client.list_private_endpoint_trusted_owners(target.id) if o.get("type") == params["type"]}

    def add(key, item):
        got = target.write(lambda: client.add_private_endpoint_trusted_owner(target.id, item["type"], key))
        return trusted_owner_view(got) if isinstance(got, dict) and got.get("id") else item

    def remove(key, item):
        target.write(lambda: client.remove_private_endpoint_trusted_owner(target.id, item["id"]))

    result = ensure_set(m, current, desired, state=params["state"], purge=params["purge"],
                        item_changes=no_changes, new_item=new_owner, add=add, remove=remove,
                        result_key="trusted_owners", diff_view=diff_view)
    result.pop("updated", None)
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(
        client_mixins=(PrivateEndpointsApi,),
        argument_spec=dict(
            CHILD_ARGSPEC,
            external_owner_id=dict(type="str"),
            owners=dict(type="list", elements="str"),
            type=dict(type="str", choices=list(TRUSTED_OWNER_TYPES), default="AWS_ACCOUNT_ID"),
            purge=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        mutually_exclusive=[["external_owner_id", "owners"]],
        required_one_of=[["external_owner_id", "owners"]],
        required_if=[["purge", True, ["owners"]]],
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
