#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_egress_traffic_policy
short_description: Egress traffic policy of a CockroachDB Cloud cluster
version_added: 0.1.0
description:
  - Sets whether a CockroachDB Cloud ADVANCED cluster may open any outbound connection (V(ALLOW_ALL)) or only
    those allowed by egress rules (V(DEFAULT_DENY)), through the Cloud API
    (C(POST /api/v1/clusters/{id}/networking/egress-rules/egress-traffic-policy)).
  - The policy is read from the cluster itself (its C(egress_traffic_policy)); a run that finds it as asked sends
    nothing else.
  - A change shows C(UPDATING) on the cluster until it is done; with O(wait=true) the module waits for it (at most
    O(wait_timeout) seconds). A policy that is C(UPDATING) when the module starts is waited for before deciding.
    A cluster lock held by another job is waited out before the change is sent.
  - Egress rules (M(cockroachdb.cockroachdb.cloud_egress_rule)) need V(DEFAULT_DENY); with V(ALLOW_ALL) they stay
    but have no effect.
  - Only ADVANCED clusters have an egress traffic policy; another plan is refused before any write.
options:
  egress_traffic_policy:
    description:
      - The policy the cluster should have.
    type: str
    required: true
    choices: [ALLOW_ALL, DEFAULT_DENY]
  wait:
    description:
      - Wait until the cluster's policy is no longer C(UPDATING) after a change.
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
- name: Only let the cluster reach what egress rules allow
  cockroachdb.cockroachdb.cloud_egress_traffic_policy:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    egress_traffic_policy: DEFAULT_DENY

- name: Open outbound traffic again, do not wait
  cockroachdb.cockroachdb.cloud_egress_traffic_policy:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    egress_traffic_policy: ALLOW_ALL
    wait: false
"""

RETURN = r"""
egress_traffic_policy:
  description:
    - The cluster's policy after the run; C(UPDATING) when O(wait=false) and the change is still being applied.
    - The asked value in check mode.
  returned: always
  type: str
  sample: DEFAULT_DENY
cluster_id:
  description: Id of the cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_egress import EgressApi
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure


def policy_changes(current, desired):
    """``{"egress_traffic_policy": desired}`` when the cluster's policy differs (``{}`` = as desired)."""
    if current.get("egress_traffic_policy") == desired:
        return {}
    return {"egress_traffic_policy": desired}


def require_advanced(cluster, option="egress_traffic_policy"):
    if cluster.get("plan") != "ADVANCED":
        raise ValueError("%s: cluster %s is %s; only ADVANCED clusters have egress perimeter controls (choose an "
                         "ADVANCED cluster in the cluster option)" % (option, cluster.get("name"), cluster.get("plan")))


def run(m):
    params = m.params
    client = m.client
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"])
    deadline = client.deadline(params["wait_timeout"])
    cluster = target.cluster
    require_advanced(cluster)
    if cluster.get("egress_traffic_policy") in ("UPDATING", "ERROR"):
        # decide on the settled value; ERROR (the last change failed) is sent again as asked
        if cluster.get("egress_traffic_policy") == "UPDATING":
            cluster = client.wait_egress_policy(target.id, deadline)
    current = {"egress_traffic_policy": cluster.get("egress_traffic_policy")}
    desired = params["egress_traffic_policy"]

    def update(changes):
        target.write(lambda: client.set_egress_traffic_policy(target.id, desired == "ALLOW_ALL", deadline))
        if params["wait"]:
            after = client.wait_egress_policy(target.id, deadline)
            return {"egress_traffic_policy": after.get("egress_traffic_policy")}
        return {"egress_traffic_policy": client.get_cluster(target.id).get("egress_traffic_policy")}

    result = ensure(m, current, "present", changes=lambda cur: policy_changes(cur, desired), update=update,
                    result_key="policy")
    policy = result.pop("policy")
    result["egress_traffic_policy"] = policy["egress_traffic_policy"]
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(
        client_mixins=(EgressApi,),
        argument_spec=dict(
            CHILD_ARGSPEC,
            egress_traffic_policy=dict(type="str", required=True, choices=["ALLOW_ALL", "DEFAULT_DENY"]),
            wait=dict(type="bool", default=True),
        ),
        validate=child_option_errors,
    )
    m.run(run)


if __name__ == "__main__":
    main()
