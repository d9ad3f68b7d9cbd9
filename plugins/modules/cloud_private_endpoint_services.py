#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_private_endpoint_services
short_description: Private endpoint services of a CockroachDB Cloud cluster (AWS PrivateLink, GCP PSC, Azure Private Link)
version_added: 0.2.0
description:
  - Makes sure a cluster has a private endpoint service in each of its regions, through the Cloud API
    (C(/api/v1/clusters/{id}/networking/private-endpoint-services)), and returns what the endpoints in your own
    cloud account need, the service name per region (RV(service_names)) and the availability zones.
  - An ADVANCED cluster gets its services when asked (one request creates the missing ones, in every region of
    the cluster, a region added later included); a STANDARD cluster has them from its creation on, so nothing is
    sent for it. BASIC clusters have no private endpoints.
  - Waits until the service of every region is C(AVAILABLE) (O(wait)); a service that fails to be created fails
    the task with its region and status.
  - Services cannot be removed through the API, so this module has no C(state) option.
  - Waits for a cluster that is still being created to be C(CREATED) first, and for a cluster lock held by
    another job to clear before the create.
options:
  wait:
    description:
      - Wait until every region's service is C(AVAILABLE), within O(wait_timeout) seconds (which also bounds
        the wait for the cluster itself).
      - With V(false) the task returns as soon as the services are asked for; run it again (or with V(true))
        to get the names of services that were still C(CREATING).
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
    details:
      - A service that would be created is shown as C(CREATING) without a name or id (the cloud provider
        assigns them).
  diff_mode:
    support: full
    details:
      - The diff shows the status of the service of each region before and after.
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
seealso:
  - module: cockroachdb.cockroachdb.cloud_private_endpoint_connection
  - module: cockroachdb.cockroachdb.cloud_private_endpoint_trusted_owner
"""

EXAMPLES = r"""
- name: Private endpoint services in every region of the cluster
  cockroachdb.cockroachdb.cloud_private_endpoint_services:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod-eu
  register: pe_services

- name: The VPC endpoint of the application, towards the service of its region (amazon.aws)
  amazon.aws.ec2_vpc_endpoint:
    vpc_id: vpc-7fc0a543
    vpc_endpoint_type: Interface
    service: "{{ pe_services.service_names['eu-central-1'] }}"
    vpc_endpoint_subnets: [subnet-de0406d2]
  register: vpc_endpoint

- name: Accept it on the cluster
  cockroachdb.cockroachdb.cloud_private_endpoint_connection:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod-eu
    endpoint_id: "{{ vpc_endpoint.result.vpc_endpoint_id }}"
"""

RETURN = r"""
services:
  description: The service of each region after the run (predicted in check mode), sorted by region.
  returned: always
  type: list
  elements: dict
  contains:
    region_name:
      description: Cloud provider region of the service.
      type: str
      sample: us-east-1
    cloud_provider:
      description: V(AWS), V(GCP) or V(AZURE).
      type: str
      sample: AWS
    status:
      description: V(CREATING), V(AVAILABLE), V(CREATE_FAILED), V(DELETING) or V(DELETE_FAILED).
      type: str
      sample: AVAILABLE
    name:
      description:
        - The name your endpoint connects to (the AWS service name, the GCP service attachment, the Azure Private
          Link alias); V(null) for a service only predicted in check mode.
      type: str
      sample: com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0
    endpoint_service_id:
      description: The cloud provider's id of the service (V(null) when only predicted).
      type: str
      sample: vpce-svc-0123456789abcdef0
    availability_zone_ids:
      description: Availability zones of the service (AWS); create your endpoint in these zones to save cost.
      type: list
      elements: str
      sample: [use1-az1, use1-az2, use1-az3]
service_names:
  description: The service name of each region, for the endpoint in your account (regions without a known name are left out).
  returned: always
  type: dict
  sample: {us-east-1: com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0}
created_regions:
  description: Regions whose service this run asked for (or would in check mode).
  returned: always
  type: list
  elements: str
  sample: [us-east-1]
cluster_id:
  description: Id of the cluster.
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
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_private_endpoints import (
    PrivateEndpointsApi,
    cluster_regions,
    is_dedicated,
    missing_service_regions,
    predicted_service,
    service_view,
    services_by_region,
)


def diff_side(services):
    return {s["region_name"]: {"status": s["status"]} for s in services}


def run(m):
    params = m.params
    client = m.client
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"])
    regions = cluster_regions(target.cluster)
    services = client.list_private_endpoint_services(target.id)
    before = sorted((service_view(s) for s in services), key=lambda s: s["region_name"])
    missing = missing_service_regions(services, regions) if is_dedicated(target.cluster) else []
    if missing:
        if m.check_mode:
            services = list(services) + [predicted_service(r, target.cluster.get("cloud_provider")) for r in missing]
        else:
            services = target.write(lambda: client.create_private_endpoint_services(target.id, regions))
    if params["wait"] and not m.check_mode:
        services = client.wait_for_private_endpoint_services(target.id, regions, params["wait_timeout"], first=services)
    by_region = services_by_region(services)
    for region in missing:  # created but not listed yet (the list lags behind the create): still coming
        by_region.setdefault(region, predicted_service(region, target.cluster.get("cloud_provider")))
    after = [service_view(by_region[r]) for r in sorted(by_region) if r in regions or r in missing]
    return {
        "changed": bool(missing),
        "services": after,
        "service_names": {s["region_name"]: s["name"] for s in after if s["name"]},
        "created_regions": missing,
        "cluster_id": target.id,
        "diff": {"before": diff_side(before), "after": diff_side(after)},
    }


def main():
    m = CloudModule(
        client_mixins=(PrivateEndpointsApi,),
        argument_spec=dict(CHILD_ARGSPEC, wait=dict(type="bool", default=True)),
        validate=child_option_errors,
    )
    m.run(run)


if __name__ == "__main__":
    main()
