#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_range_info
short_description: One range of a CockroachDB cluster, as every node holding a replica reports it
version_added: 0.1.0
description:
  - Reads C(GET /api/v2/ranges/{range_id}/), which fans out to every node, and returns one entry per node that holds a
    replica of the range. Nodes that could not be asked are listed in RV(node_errors).
  - An unknown range id is not an error for the server; RV(found) is then V(false).
  - Needs the C(admin) role or the C(VIEWCLUSTERMETADATA) privilege.
options:
  range_id:
    description: The range id.
    type: int
    required: true
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLUSTER_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Where does range 57 live?
  cockroachdb.cockroachdb.cluster_range_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    range_id: 57
  register: r57
"""

RETURN = r"""
range_id:
  description: The range asked about.
  returned: always
  type: int
  sample: 57
found:
  description: Whether any node reported a replica.
  returned: always
  type: bool
replicas:
  description: One entry per node with a replica, in node id order.
  returned: always
  type: list
  elements: dict
  contains:
    node_id:
      description: "Node holding the replica."
      type: int
      returned: always
    range_id:
      description: "Range id."
      type: int
      returned: always
    problem_names:
      description: "Names of the problems flagged true."
      type: list
      elements: str
      returned: always
    problems:
      description: "Problem flags as the server returns them."
      type: dict
      returned: always
    desc:
      description: "Range descriptor."
      type: dict
      returned: always
    span:
      description: "Pretty-printed keys."
      type: dict
      returned: always
    stats:
      description: "Rates."
      type: dict
      returned: always
    lease_history:
      description: "Recent leases."
      type: list
      elements: dict
      returned: always
node_errors:
  description: Nodes that could not be asked (C(node_id), C(message)).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import ClusterModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import range_replicas


def validate(params):
    return ["range_id must be a positive range id"] if params["range_id"] < 1 else []


def run(m):
    replicas, errors = range_replicas(m.client.get_range(m.params["range_id"]))
    return dict(changed=False, range_id=m.params["range_id"], found=bool(replicas), replicas=replicas,
                node_errors=errors)


def main():
    m = ClusterModule(argument_spec=dict(range_id=dict(type="int", required=True)), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
