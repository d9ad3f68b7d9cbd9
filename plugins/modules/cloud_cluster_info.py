#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_cluster_info
short_description: Read CockroachDB Cloud clusters, optionally with their nodes
version_added: 0.1.0
description:
  - Without O(name) or O(id), lists every cluster of the organization (every page of C(GET /api/v1/clusters)).
  - With O(id), reads that cluster (C(GET /api/v1/clusters/{id})); with O(name), finds it in the list. A cluster
    that does not exist gives an empty list, not a failure.
  - With O(nodes=true), adds each cluster's nodes from C(GET /api/v1/clusters/{id}/nodes) (one more request per
    ADVANCED cluster that is C(CREATED) or C(LOCKED); BASIC and STANDARD clusters have no nodes to show, so they get
    an empty list without a request).
options:
  name:
    description:
      - Only the cluster with this name.
    type: str
  id:
    description:
      - Only the cluster with this id (UUID).
    type: str
  show_inactive:
    description:
      - Also return deleted clusters and clusters whose creation failed.
    type: bool
    default: false
  nodes:
    description:
      - Add a C(nodes) list to each cluster.
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
- name: Every active cluster
  cockroachdb.cockroachdb.cloud_cluster_info:
    api_key: "{{ cockroach_api_key }}"
  register: crdb_clusters

- name: One cluster with its nodes
  cockroachdb.cockroachdb.cloud_cluster_info:
    name: shop-prod
    nodes: true
  register: crdb_prod

- name: Nodes that are not live
  ansible.builtin.debug:
    msg: "{{ crdb_prod.clusters[0].nodes | rejectattr('status', 'eq', 'LIVE') | map(attribute='name') | list }}"
"""

RETURN = r"""
clusters:
  description:
    - The clusters as the API returns them (sorted by name when listed), see M(cockroachdb.cockroachdb.cloud_cluster)
      for the fields.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Cluster id.
      type: str
      sample: 3c9c0c8e-1b2a-4f5e-9d1c-2a7b8c9d0e1f
    name:
      description: Cluster name.
      type: str
      sample: shop-prod
    plan:
      description: BASIC, STANDARD or ADVANCED.
      type: str
      sample: ADVANCED
    state:
      description: CREATING, CREATED, CREATION_FAILED, DELETED or LOCKED.
      type: str
      sample: CREATED
    upgrade_status:
      description: Major upgrade status.
      type: str
      sample: FINALIZED
    cockroach_version:
      description: Full CockroachDB version.
      type: str
      sample: v24.3.5
    nodes:
      description: The cluster's nodes, sorted by region then name (only with O(nodes=true); empty for clusters
        that are not C(CREATED) or C(LOCKED)).
      returned: when O(nodes=true)
      type: list
      elements: dict
      contains:
        name:
          description: Node name.
          type: str
          sample: shop-prod-7xk2-0
        region_name:
          description: Region of the node.
          type: str
          sample: us-east-1
        status:
          description: LIVE or NOT_READY.
          type: str
          sample: LIVE
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule

NODE_STATES = ("CREATED", "LOCKED")


def run(m):
    p = m.params
    client = m.client
    if p["id"] or p["name"]:
        found = client.find_cluster(name=p["name"], cluster_id=p["id"], include_deleted=p["show_inactive"])
        if found is not None and p["id"] and p["name"] and found.get("name") != p["name"]:
            found = None
        clusters = [found] if found is not None else []
    else:
        clusters = client.list_clusters(show_inactive=p["show_inactive"])
    if p["nodes"]:
        for cluster in clusters:
            if cluster.get("state") in NODE_STATES and cluster.get("plan") == "ADVANCED":
                cluster["nodes"] = client.list_cluster_nodes(cluster["id"])
            else:
                cluster["nodes"] = []
    return dict(changed=False, clusters=clusters)


def main():
    m = CloudModule(client_mixins=(), argument_spec=dict(
        name=dict(type="str"),
        id=dict(type="str"),
        show_inactive=dict(type="bool", default=False),
        nodes=dict(type="bool", default=False),
    ))
    m.run(run)


if __name__ == "__main__":
    main()
