#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_egress_private_endpoint
short_description: Egress private endpoint of a CockroachDB Cloud cluster
version_added: 0.1.0
description:
  - Creates, updates and deletes an egress private endpoint of a CockroachDB Cloud ADVANCED cluster through the
    Cloud API (C(/api/v1/clusters/{id}/networking/egress-private-endpoints)), a private connection from the cluster
    to a service in your cloud account (an AWS VPC endpoint service or GCP service attachment, or Amazon MSK), used
    by changefeeds and other outbound traffic.
  - An endpoint has no name; it is found by O(id), or by O(region) and O(target_service_identifier) (the one endpoint
    to that target in that region that is not being deleted).
  - Its O(target_service_type) cannot change; a different one fails and asks to delete the endpoint first.
  - A new endpoint is C(PENDING) for a while; an MSK endpoint becomes C(AVAILABLE), a V(PRIVATE_SERVICE) one
    C(PENDING_ACCEPTANCE) until the owner of the service accepts the connection (in your cloud console). With
    O(wait=true) the module waits for one of these (at most O(wait_timeout) seconds).
  - O(domain_names) can be set only on an C(AVAILABLE) endpoint; the module fails with a clear message when the
    endpoint still waits for acceptance. The names are compared without regard to order or case. After a change
    the names are C(PENDING) until applied; O(wait=true) waits for that too.
  - O(state=absent) deletes the endpoint and, with O(wait=true), waits until it is gone.
options:
  id:
    description:
      - Id of an existing endpoint. Without it the endpoint is found by O(region) and O(target_service_identifier).
    type: str
  region:
    description:
      - Region of the cluster the endpoint is created in. Required without O(id).
    type: str
  target_service_identifier:
    description:
      - What to connect to, as the cloud provider names it, that is the AWS service name
        (V(com.amazonaws.vpce.us-east-1.vpce-svc-0123)), the GCP service attachment, or the ARN of an MSK cluster.
        Required without O(id).
    type: str
  target_service_type:
    description:
      - The kind of target. Required to create an endpoint. The MSK types work on AWS clusters only.
    type: str
    choices: [PRIVATE_SERVICE, MSK_SASL_SCRAM, MSK_SASL_IAM, MSK_TLS]
  domain_names:
    description:
      - Domain names that resolve to the endpoint inside the cluster (the whole list; V([]) removes them all).
        Not set leaves them as they are.
    type: list
    elements: str
  state:
    description:
      - V(present) creates or updates the endpoint, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait for a new endpoint to be C(AVAILABLE) or C(PENDING_ACCEPTANCE), for domain names to be applied, and for
        a deleted endpoint to be gone.
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
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Private connection to an MSK cluster for changefeeds
  cockroachdb.cockroachdb.cloud_egress_private_endpoint:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    region: us-east-1
    target_service_type: MSK_SASL_IAM
    target_service_identifier: arn:aws:kafka:us-east-1:123456789012:cluster/events/abcd
    domain_names: [kafka.internal.example.com]

- name: Remove it
  cockroachdb.cockroachdb.cloud_egress_private_endpoint:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    region: us-east-1
    target_service_identifier: arn:aws:kafka:us-east-1:123456789012:cluster/events/abcd
    state: absent
"""

RETURN = r"""
endpoint:
  description: The endpoint after the run (predicted in check mode); V(null) when absent.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the endpoint (V(null) for one check mode would create).
      type: str
      sample: 1a2b3c4d-0000-4000-8000-000000000000
    endpoint_connection_id:
      description: The cloud provider's id of the endpoint (the VPC endpoint id on AWS); empty while C(PENDING).
      type: str
      sample: vpce-0123456789abcdef0
    region:
      description: Region of the endpoint.
      type: str
      sample: us-east-1
    target_service_identifier:
      description: The target.
      type: str
      sample: arn:aws:kafka:us-east-1:123456789012:cluster/events/abcd
    target_service_type:
      description: The kind of target.
      type: str
      sample: MSK_SASL_IAM
    endpoint_address:
      description: The address (IP or DNS name) of the endpoint; empty while C(PENDING).
      type: str
      sample: vpce-0123456789abcdef0.vpce-svc.us-east-1.vpce.amazonaws.com
    state:
      description: C(PENDING), C(PENDING_ACCEPTANCE), C(AVAILABLE), C(DELETING), C(REJECTED), C(FAILED) or C(EXPIRED).
      type: str
      sample: AVAILABLE
    domain_names:
      description: Domain names of the endpoint.
      type: list
      elements: str
      sample: [kafka.internal.example.com]
    domain_names_state:
      description: C(EMPTY), C(PENDING), C(AVAILABLE) or C(FAILED).
      type: str
      sample: AVAILABLE
cluster_id:
  description: Id of the cluster; V(null) when O(state=absent) found no cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_egress import (
    EgressApi,
    ENDPOINT_GONE,
    ENDPOINT_SETTLED,
    ENDPOINT_TERMINAL,
    check_domain_names,
    domain_names_equal,
    endpoint_matching,
    endpoint_view,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure


def validate(params):
    errors = child_option_errors(params)
    if not params.get("id"):
        for option in ("region", "target_service_identifier"):
            if not (params.get(option) or "").strip():
                errors.append("%s is required without id (it identifies the endpoint)" % option)
    try:
        check_domain_names(params.get("domain_names"))
    except ValueError as exc:
        errors.append(str(exc))
    if params.get("state") == "absent" and params.get("domain_names") is not None:
        errors.append("domain_names only works with state=present")
    return errors


def endpoint_changes(current, params):
    """``{"domain_names": [...]}`` when they differ (``{}`` = as desired); ValueError for what cannot change."""
    for option in ("target_service_type", "region", "target_service_identifier"):
        if params.get(option) and params[option] != current.get(option):
            raise ValueError("%s of endpoint %s is %s and cannot be changed to %s; delete the endpoint (state=absent) "
                             "and create it again" % (option, current.get("id"), current.get(option), params[option]))
    if current.get("state") in ENDPOINT_TERMINAL:
        raise ValueError("egress private endpoint %s is %s; delete it (state=absent) and create it again"
                         % (current.get("id"), current.get("state")))
    names = check_domain_names(params.get("domain_names"))
    if names is not None and not domain_names_equal(current.get("domain_names"), names):
        return {"domain_names": names}
    return {}


def find(client, cluster_id, params):
    if params.get("id"):
        found = client.get_egress_private_endpoint(cluster_id, params["id"], missing_ok=True)
        return None if found is None or found.get("state") in ENDPOINT_GONE else endpoint_view(found)
    matches = endpoint_matching(client.list_egress_private_endpoints(cluster_id), params["region"],
                                params["target_service_identifier"])
    if len(matches) > 1:
        raise ValueError("%d egress private endpoints to %s exist in %s (%s); name one with the id option" % (
            len(matches), params["target_service_identifier"], params["region"], ", ".join(e["id"] for e in matches)))
    return endpoint_view(matches[0]) if matches else None


def run(m):
    params = m.params
    client = m.client
    absent = params["state"] == "absent"
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=absent)
    if target.gone:
        return {"changed": False, "endpoint": None, "cluster_id": None, "diff": {"before": {}, "after": {}}}
    deadline = client.deadline(params["wait_timeout"])
    if target.cluster.get("plan") != "ADVANCED":
        raise ValueError("cluster %s is %s; only ADVANCED clusters have egress private endpoints (check the cluster "
                         "option)" % (target.name, target.cluster.get("plan")))
    current = find(client, target.id, params)
    if current is None and not absent:
        if params.get("id"):
            raise ValueError("id: no egress private endpoint %s in cluster %s; leave id out to create one"
                             % (params["id"], target.name))
        if not params.get("target_service_type"):
            raise ValueError("target_service_type is required to create an egress private endpoint (PRIVATE_SERVICE, "
                             "MSK_SASL_SCRAM, MSK_SASL_IAM or MSK_TLS)")
    names = check_domain_names(params.get("domain_names"))

    def settled(endpoint):
        if endpoint is None:
            return True
        if endpoint.get("state") in ENDPOINT_TERMINAL:
            raise ValueError("egress private endpoint %s is %s" % (endpoint.get("id"), endpoint.get("state")))
        return endpoint.get("state") in ENDPOINT_SETTLED

    def wait_settled(endpoint):
        if endpoint.get("state") == "PENDING" and params["wait"]:
            endpoint = client.wait_egress_private_endpoint(target.id, endpoint["id"], settled, deadline,
                                                           "AVAILABLE or PENDING_ACCEPTANCE")
        return endpoint

    def set_names(endpoint):
        if endpoint.get("state") != "AVAILABLE":
            if endpoint.get("state") == "PENDING" and not params["wait"]:
                raise ValueError("domain_names: endpoint %s is still PENDING; run again when it is AVAILABLE "
                                 "(or use wait=true)" % endpoint["id"])
            raise ValueError("domain_names: endpoint %s is %s; domain names can be set once it is AVAILABLE (accept "
                             "the connection in the console of the service's owner, then run again)"
                             % (endpoint["id"], endpoint.get("state")))
        got = target.write(lambda: client.update_egress_private_endpoint(target.id, endpoint["id"], names, deadline))
        endpoint = endpoint_view(got) if got else dict(endpoint, domain_names=names, domain_names_state="PENDING")
        if params["wait"] and endpoint.get("domain_names_state") == "PENDING":
            endpoint = client.wait_egress_private_endpoint(
                target.id, endpoint["id"], lambda e: e is not None and e.get("domain_names_state") != "PENDING",
                deadline, "with its domain names applied")
            if endpoint.get("domain_names_state") == "FAILED":
                raise ValueError("domain_names: applying them to endpoint %s FAILED" % endpoint["id"])
        return endpoint_view(endpoint)

    def create():
        body = {"region": params["region"], "target_service_identifier": params["target_service_identifier"],
                "target_service_type": params["target_service_type"]}
        endpoint = endpoint_view(target.write(lambda: client.create_egress_private_endpoint(target.id, body, deadline)))
        endpoint = endpoint_view(wait_settled(endpoint))
        if names:
            endpoint = set_names(endpoint)
        return endpoint

    def update(changes):
        endpoint = endpoint_view(wait_settled(current))
        return set_names(endpoint)

    def delete():
        target.write(lambda: client.delete_egress_private_endpoint(target.id, current["id"], deadline))
        if params["wait"]:
            client.wait_egress_private_endpoint(target.id, current["id"], lambda e: e is None, deadline, "deleted")

    def predict(cur, changes):
        if cur is None:
            return {"id": None, "endpoint_connection_id": None, "region": params["region"],
                    "target_service_identifier": params["target_service_identifier"],
                    "target_service_type": params["target_service_type"], "endpoint_address": None,
                    "state": "PENDING", "domain_names": names or [], "domain_names_state": "PENDING" if names else "EMPTY"}
        return dict(cur, domain_names=changes["domain_names"], domain_names_state="PENDING")

    result = ensure(m, current, params["state"], changes=lambda cur: endpoint_changes(cur, params), create=create,
                    update=update, delete=delete, predict=predict, result_key="endpoint")
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(
        client_mixins=(EgressApi,),
        argument_spec=dict(
            CHILD_ARGSPEC,
            id=dict(type="str"),
            region=dict(type="str"),
            target_service_identifier=dict(type="str"),
            target_service_type=dict(type="str", choices=["PRIVATE_SERVICE", "MSK_SASL_SCRAM", "MSK_SASL_IAM",
                                                          "MSK_TLS"]),
            domain_names=dict(type="list", elements="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            wait=dict(type="bool", default=True),
        ),
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
