#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_regions_info
short_description: Cloud provider regions where CockroachDB Cloud clusters can run
version_added: 0.1.0
description:
  - Reads C(GET /api/v1/clusters/available-regions), every page, and returns the regions as the API describes them.
  - The API sorts the regions by distance from the caller's IP address; the module keeps that order.
options:
  provider:
    description:
      - Only regions of this cloud provider. All providers when not set.
    type: str
    choices: [AWS, AZURE, GCP]
  serverless:
    description:
      - Only regions where BASIC and STANDARD clusters can run.
      - When V(false), every region is returned, including those that only host ADVANCED clusters.
    type: bool
    default: false
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: GCP regions that can host a BASIC or STANDARD cluster
  cockroachdb.cockroachdb.cloud_regions_info:
    api_key: "{{ cockroach_api_key }}"
    provider: GCP
    serverless: true
  register: crdb_regions

- name: Show the closest one
  ansible.builtin.debug:
    msg: "{{ crdb_regions.regions[0].name }} ({{ crdb_regions.regions[0].location }})"
"""

RETURN = r"""
regions:
  description: The regions, closest first.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Region name as the provider spells it.
      type: str
      sample: us-central1
    location:
      description: Where the region is.
      type: str
      sample: Iowa
    provider:
      description: Cloud provider.
      type: str
      sample: GCP
    serverless:
      description: Whether BASIC and STANDARD clusters can run there.
      type: bool
      sample: true
    distance:
      description: Distance in miles from the caller's IP address.
      type: float
      sample: 212.5
  sample:
    - name: us-central1
      location: Iowa
      provider: GCP
      serverless: true
      distance: 212.5
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule


def run(m):
    regions = m.client.list_available_regions(provider=m.params["provider"],
                                              serverless=True if m.params["serverless"] else None)
    return dict(changed=False, regions=regions)


def main():
    m = CloudModule(client_mixins=(), argument_spec=dict(
        provider=dict(type="str", choices=["AWS", "AZURE", "GCP"]),
        serverless=dict(type="bool", default=False),
    ))
    m.run(run)


if __name__ == "__main__":
    main()
