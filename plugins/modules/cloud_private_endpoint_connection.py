#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_private_endpoint_connection
short_description: Connection of a private endpoint to a CockroachDB Cloud cluster
version_added: 0.2.0
description:
  - Accepts (O(state=present)) or removes (O(state=absent)) the connection of an endpoint that you created in
    your own cloud account towards one of the cluster's private endpoint services, through the Cloud API
    (C(/api/v1/clusters/{id}/networking/private-endpoint-connections)).
  - The endpoint must exist in your account first, created against the service name that
    M(cockroachdb.cockroachdb.cloud_private_endpoint_services) returns for its region.
  - A new connection is C(STATUS_PENDING) for a while; the module waits until it is C(STATUS_AVAILABLE)
    (O(wait)). A connection that is being deleted is waited out before it is added again. On an AWS cluster, a
    connection that was rejected on the service side (C(STATUS_REJECTED)) is accepted again
    (C(PATCH /networking/aws-endpoint-connections/{endpoint_id})); on other clusters it is added again.
  - A removed connection stays listed by the API as C(STATUS_REJECTED); O(state=absent) takes that as removed.
  - A connection that is C(STATUS_FAILED), C(STATUS_EXPIRED) or C(STATUS_DELETED) cannot be revived; the task
    fails before any change and says to create a new endpoint.
  - Waits for a cluster that is still being created to be C(CREATED) first, and for a cluster lock held by
    another job to clear before a write.
options:
  endpoint_id:
    description:
      - The cloud provider's id of your endpoint, as your cloud shows it, such as V(vpce-0123456789abcdef0)
        (AWS VPC endpoint), V(6133183410995353) (GCP Private Service Connect connection id) or the resource id
        of an Azure private endpoint.
    type: str
    required: true
  state:
    description:
      - V(present) adds the connection (and waits until it is available), V(absent) removes it.
      - With V(absent), a cluster that no longer exists is fine; its connections went with it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until the connection is C(STATUS_AVAILABLE) (O(state=present)) or gone (O(state=absent)), within
        O(wait_timeout) seconds.
    type: bool
    default: true
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
      - The diff shows the endpoint id and the status of the connection before and after.
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
seealso:
  - module: cockroachdb.cockroachdb.cloud_private_endpoint_services
  - module: cockroachdb.cockroachdb.cloud_private_endpoint_trusted_owner
"""

EXAMPLES = r"""
- name: Accept the VPC endpoint of the application
  cockroachdb.cockroachdb.cloud_private_endpoint_connection:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod-eu
    endpoint_id: vpce-0123456789abcdef0

- name: Remove it
  cockroachdb.cockroachdb.cloud_private_endpoint_connection:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod-eu
    endpoint_id: vpce-0123456789abcdef0
    state: absent
"""

RETURN = r"""
connection:
  description: The connection after the run (predicted in check mode); V(null) when absent.
  returned: always
  type: dict
  contains:
    endpoint_id:
      description: Id of your endpoint.
      type: str
      sample: vpce-0123456789abcdef0
    status:
      description:
        - V(STATUS_PENDING), V(STATUS_PENDING_ACCEPTANCE), V(STATUS_AVAILABLE), V(STATUS_DELETING),
          V(STATUS_REJECTED), V(STATUS_FAILED), V(STATUS_EXPIRED) or V(STATUS_DELETED).
      type: str
      sample: STATUS_AVAILABLE
    region_name:
      description: Region of the service the endpoint connects to (V(null) when only predicted).
      type: str
      sample: us-east-1
    cloud_provider:
      description: Cloud provider of the cluster (V(null) when only predicted).
      type: str
      sample: AWS
    endpoint_service_id:
      description: Id of the cluster's service (V(null) when only predicted).
      type: str
      sample: vpce-svc-0123456789abcdef0
    service_name:
      description: Name of the cluster's service (V(null) when only predicted).
      type: str
      sample: com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0
    external_owner_id:
      description: AWS account that owns the endpoint (AWS clusters only, else V(null)).
      type: str
      sample: "012345678901"
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
    CONNECTION_FINAL_FAILURES,
    CONNECTION_GONE,
    connection_named,
    connection_view,
)


def validate(params):
    errors = child_option_errors(params)
    endpoint_id = params.get("endpoint_id") or ""
    if not endpoint_id.strip():
        errors.append("endpoint_id must be the id of your endpoint, such as vpce-0123456789abcdef0")
    elif endpoint_id != endpoint_id.strip() or any(ch.isspace() for ch in endpoint_id):
        errors.append("endpoint_id %r contains spaces; give the id exactly as your cloud shows it" % endpoint_id)
    return errors


def predicted(endpoint_id, status, current=None):
    out = connection_view(current or {"endpoint_id": endpoint_id})
    out["status"] = status
    return out


def diff_side(connection):
    return {"endpoint_id": connection["endpoint_id"], "status": connection["status"]} if connection else {}


def plan(current, state, provider):
    """What to do: ``None`` (nothing), ``add``, ``re-add`` (wait for a deletion, then add), ``accept`` (AWS: a
    rejected connection) or ``delete``. Raises ValueError for a connection that cannot be brought back."""
    status = (current or {}).get("status")
    if state == "absent":
        # a deleted connection stays listed as STATUS_REJECTED: that is already absent
        return "delete" if current is not None and status not in ("STATUS_DELETING",) + CONNECTION_GONE else None
    if current is None:
        return "add"
    if status == "STATUS_DELETING":
        return "re-add"
    if status == "STATUS_REJECTED":
        # AWS: accept it again on the service side; elsewhere the same Add re-attaches it (the provider's note)
        return "accept" if provider == "AWS" else "add"
    if status in CONNECTION_FINAL_FAILURES:
        raise ValueError("the connection of endpoint %s is %s and cannot be brought back; create a new endpoint in "
                         "your cloud account and give its id in endpoint_id" % (current["endpoint_id"], status))
    return None


def run(m):
    params = m.params
    client = m.client
    endpoint_id = params["endpoint_id"]
    state = params["state"]
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=state == "absent")
    if target.gone:
        return {"changed": False, "connection": None, "cluster_id": None, "diff": {"before": {}, "after": {}}}
    connections = client.list_private_endpoint_connections(target.id)
    current = connection_named(connections, endpoint_id)
    if state == "absent" and current is not None and current.get("status") in CONNECTION_GONE:
        current = None  # a removed connection stays listed as STATUS_REJECTED
    action = plan(current, state, target.cluster.get("cloud_provider"))
    before = connection_view(current) if current else None
    after = before
    timeout = params["wait_timeout"]
    wait = params["wait"]
    if m.check_mode:
        if action == "delete":
            after = None
        elif action is not None:
            after = predicted(endpoint_id, "STATUS_PENDING", current if action == "accept" else None)
    elif action == "delete":
        target.write(lambda: client.delete_private_endpoint_connection(target.id, endpoint_id))
        after = None
        if wait:
            client.wait_for_private_endpoint_connection(target.id, endpoint_id, "absent", timeout)
    elif state == "absent":
        after = None if current is None else before
        if current is not None and wait:
            client.wait_for_private_endpoint_connection(target.id, endpoint_id, "absent", timeout, first=connections)
            after = None
    else:
        if action == "re-add":
            client.wait_for_private_endpoint_connection(target.id, endpoint_id, "absent", timeout, first=connections)
        if action in ("add", "re-add"):
            try:
                got = target.write(lambda: client.add_private_endpoint_connection(target.id, endpoint_id))
            except AlreadyExistsError as exc:  # another run added it between our read and our add
                got = exc.existing
            current = got if isinstance(got, dict) and got.get("endpoint_id") else None
        elif action == "accept":
            target.write(lambda: client.set_aws_endpoint_connection_state(target.id, endpoint_id, "AVAILABLE"))
            current = None
        if wait:
            current = client.wait_for_private_endpoint_connection(
                target.id, endpoint_id, "present", timeout, first=None if action else connections)
        elif current is None:
            current = connection_named(client.list_private_endpoint_connections(target.id), endpoint_id)
        after = connection_view(current) if current else predicted(endpoint_id, "STATUS_PENDING")
    return {
        "changed": action is not None,
        "connection": after,
        "cluster_id": target.id,
        "diff": {"before": diff_side(before), "after": diff_side(after)},
    }


def main():
    m = CloudModule(
        client_mixins=(PrivateEndpointsApi,),
        argument_spec=dict(
            CHILD_ARGSPEC,
            endpoint_id=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            wait=dict(type="bool", default=True),
        ),
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
