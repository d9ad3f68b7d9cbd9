#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_version_deferral
short_description: Patch upgrade deferral policy of a CockroachDB Cloud cluster
version_added: 0.2.0
description:
  - Sets how long automatic patch upgrades of a cluster wait after a patch release, through the Cloud API
    (C(/api/v1/clusters/{id}/version-deferral)). A deferred patch is applied in a maintenance window after
    the deferral period (see M(cockroachdb.cockroachdb.cloud_maintenance_window)).
  - V(FIXED_DEFERRAL) is the deprecated name of V(DEFERRAL_60_DAYS); the two are treated as the same policy.
  - The policy always exists (V(NOT_DEFERRED) by default), so this module has no C(state) option; set
    V(NOT_DEFERRED) to stop deferring.
  - Waits for a cluster that is still being created to be C(CREATED) first, and for a cluster lock held by
    another job to clear before a write.
options:
  deferral_policy:
    description:
      - V(NOT_DEFERRED) applies each patch soon after its release; V(DEFERRAL_30_DAYS), V(DEFERRAL_60_DAYS)
        and V(DEFERRAL_90_DAYS) wait that long after the release.
    type: str
    required: true
    choices: [NOT_DEFERRED, DEFERRAL_30_DAYS, DEFERRAL_60_DAYS, DEFERRAL_90_DAYS, FIXED_DEFERRAL]
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
- name: Production gets patches 60 days after development
  cockroachdb.cockroachdb.cloud_version_deferral:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod
    deferral_policy: DEFERRAL_60_DAYS
"""

RETURN = r"""
version_deferral:
  description: The policy after the run (predicted in check mode).
  returned: always
  type: dict
  contains:
    deferral_policy:
      description: The policy, as the API names it.
      type: str
      sample: DEFERRAL_60_DAYS
    deferred_until:
      description:
        - The earliest time the next patch may be applied, as the API computed it; V(null) when no patch is
          pending or nothing is deferred (and in check mode after a change).
      type: str
      sample: "2025-12-15T00:00:00Z"
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
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_maintenance import (
    MaintenanceApi,
    DEFERRAL_POLICIES,
    same_deferral,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure


def deferral_view(api):
    api = api or {}
    return {"deferral_policy": api.get("deferral_policy") or "NOT_DEFERRED", "deferred_until": api.get("deferred_until")}


def deferral_changes(current, desired_policy):
    if same_deferral(current.get("deferral_policy"), desired_policy):
        return {}
    return {"deferral_policy": desired_policy}


def run(m):
    params = m.params
    client = m.client
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"])
    current = deferral_view(client.get_version_deferral(target.id))
    policy = params["deferral_policy"]
    result = ensure(
        m, current, "present", result_key="version_deferral",
        changes=lambda cur: deferral_changes(cur, policy),
        update=lambda ch: deferral_view(target.write(lambda: client.set_version_deferral(target.id, policy))),
        predict=lambda cur, ch: {"deferral_policy": policy, "deferred_until": None},
    )
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(
        client_mixins=(MaintenanceApi,),
        argument_spec=dict(
            CHILD_ARGSPEC,
            deferral_policy=dict(type="str", required=True, choices=list(DEFERRAL_POLICIES)),
        ),
        validate=child_option_errors,
    )
    m.run(run)


if __name__ == "__main__":
    main()
