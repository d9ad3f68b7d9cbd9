#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_spend_limit
short_description: Usage limits (or the legacy spend limit) of a BASIC or STANDARD CockroachDB Cloud cluster
version_added: 0.1.0
description:
  - Compares the cluster's current limits with the requested ones and writes only when they differ.
  - O(usage_limits) are set with C(PATCH /api/v1/clusters/{id}) and a C(serverless.usage_limits) body (int64
    values travel as strings), on API version 2023-04-10 and later.
  - O(spend_limit) is a monthly budget in US cents, as the older documentation describes it. With O(api_version)
    2022-03-31, 2022-09-20 or 2023-04-10 it is set the documented legacy way, C(PATCH /api/v1/clusters/{id}) with
    C(serverless.spend_limit) (the C(PUT /api/v1/clusters/{id}/spend-limit) of old prose documentation is in no
    published API specification and is never sent). On API version 2024-09-16, which has no spend limit, it is
    converted to usage limits (80% of the budget to request units at 5,000,000 RU per dollar, 20% to storage at
    2 GiB-month per dollar) and RV(conversion) reports the result.
  - Every write waits out a cluster lock (the API answers C(503) "cluster lock is held" while an automatic job
    runs) and is then sent again; a run with nothing to change only reads.
  - ADVANCED clusters have no such limits; the module fails for them without any write.
options:
  cluster:
    description:
      - Name or id (UUID) of the cluster.
    type: str
    required: true
  usage_limits:
    description:
      - The complete set of usage limits; a limit left out is removed (unlimited). Every limit must be positive.
      - BASIC uses O(usage_limits.request_unit_limit) and O(usage_limits.storage_mib_limit); STANDARD uses
        O(usage_limits.provisioned_virtual_cpus), which it requires.
    type: dict
    suboptions:
      request_unit_limit:
        description: Monthly request unit cap (BASIC).
        type: int
      storage_mib_limit:
        description: Storage cap in MiB (BASIC).
        type: int
      provisioned_virtual_cpus:
        description: Maximum vCPUs (STANDARD).
        type: int
  spend_limit:
    description:
      - Monthly spend limit in US cents, for BASIC clusters only (it becomes request-unit and storage limits).
      - Must be greater than 0.
    type: int
  wait:
    description:
      - After a change, wait until the cluster is C(CREATED) with no operation running.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait before failing with the state the cluster is stuck in.
      - The default is 2 hours, since updates of the real service can take that long.
    type: int
    default: 7200
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Predicts the limits; sends only reads.
  diff_mode:
    support: full
    details:
      - The diff shows the limits in both units (usage limits and the equivalent spend limit in cents).
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Cap a BASIC cluster
  cockroachdb.cockroachdb.cloud_spend_limit:
    api_key: "{{ cockroach_api_key }}"
    cluster: shop-dev
    usage_limits:
      request_unit_limit: 50000000
      storage_mib_limit: 10240

- name: At most 8 vCPUs for a STANDARD cluster
  cockroachdb.cockroachdb.cloud_spend_limit:
    cluster: shop-staging
    usage_limits:
      provisioned_virtual_cpus: 8

- name: A 25 USD monthly budget, converted to usage limits on the current API
  cockroachdb.cockroachdb.cloud_spend_limit:
    cluster: shop-dev
    spend_limit: 2500
  register: crdb_limit

- name: The same budget as a legacy spend limit (PATCH serverless.spend_limit)
  cockroachdb.cockroachdb.cloud_spend_limit:
    cluster: shop-dev
    spend_limit: 2500
    api_version: "2022-03-31"
"""

RETURN = r"""
cluster_id:
  description: Id of the cluster.
  returned: always
  type: str
  sample: 3c9c0c8e-1b2a-4f5e-9d1c-2a7b8c9d0e1f
cluster_name:
  description: Name of the cluster.
  returned: always
  type: str
  sample: shop-dev
limits:
  description: The limits after the task (predicted in check mode), in both units.
  returned: always
  type: dict
  contains:
    usage_limits:
      description:
        - Usage limits as integers (request_unit_limit, storage_mib_limit, provisioned_virtual_cpus; only those
          that are set).
        - With the legacy spend limit, the usage limits that the spend limit corresponds to.
      type: dict
      sample: {"request_unit_limit": 100000000, "storage_mib_limit": 10240}
    spend_limit:
      description:
        - The spend limit in US cents. With the legacy API, the cluster's spend limit; otherwise the budget whose
          conversion gives the current request unit limit (null when there is none).
      type: int
      sample: 2500
conversion:
  description: How O(spend_limit) was converted to usage limits (API version 2023-04-10 and later).
  returned: when O(spend_limit) is set and converted
  type: dict
  contains:
    spend_limit:
      description: The requested spend limit in US cents.
      type: int
      sample: 2500
    request_unit_limit:
      description: Resulting request unit limit (cents x 5,000,000 x 8 / 10 / 100).
      type: int
      sample: 100000000
    storage_mib_limit:
      description: Resulting storage limit in MiB (cents x 2,048 x 2 / 10 / 100).
      type: int
      sample: 10240
diff:
  description: The limits before and after, in both units.
  returned: always
  type: dict
  contains:
    before:
      description: The limits before the task.
      type: dict
    after:
      description: The limits after the task (predicted in check mode).
      type: dict
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import checks
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_cluster_changes import (
    LIMIT_KEYS,
    desired_limits,
    limits_view,
    spend_limit_to_usage_limits,
)

# API versions whose serverless clusters still carry a spend limit (cents), set with PATCH serverless.spend_limit.
SPEND_LIMIT_VERSIONS = ("2022-03-31", "2022-09-20", "2023-04-10")
# API versions without usage limits.
NO_USAGE_LIMIT_VERSIONS = ("2022-03-31", "2022-09-20")


def validate(params):
    """Messages for bad options the argspec cannot express (empty list = fine); runs before any request."""
    errors = []
    if params.get("spend_limit") is not None and params["spend_limit"] <= 0:
        errors.append("spend_limit must be greater than 0 (got %d); it is a monthly budget in US cents"
                      % params["spend_limit"])
    for key in LIMIT_KEYS:
        value = (params.get("usage_limits") or {}).get(key)
        if value is not None and value <= 0:
            errors.append("usage_limits.%s must be a positive integer (got %d); leave it out for no limit"
                          % (key, value))
    if params.get("wait_timeout") is not None and params["wait_timeout"] <= 0:
        errors.append("wait_timeout must be a positive number of seconds")
    return errors + checks.spend_limit_errors(params)


def run(m):
    p = m.params
    client = m.client
    try:
        cluster = client.resolve_cluster(p["cluster"])
    except NotFoundError:
        raise ValueError("cluster: no active cluster is named %r or has that id; check the name or id" % p["cluster"])
    legacy = p["api_version"] in SPEND_LIMIT_VERSIONS
    mode, desired, conversion = desired_limits(p, cluster, legacy,
                                               usage_limits_supported=p["api_version"] not in NO_USAGE_LIMIT_VERSIONS)
    cid = cluster["id"]
    timeout = float(p["wait_timeout"])

    def limit_changes(cur):
        return {mode: desired} if cur[mode] != desired else {}

    def update(changes):
        if mode == "spend_limit":
            # the documented legacy way (API 2023-04-10 and older): PATCH serverless.spend_limit, lock waited out
            after = client.update_cluster(cid, {"serverless": {"spend_limit": changes["spend_limit"]}},
                                          timeout=timeout, wait=p["wait"])
        else:
            # waits out a lock held by another job before the PATCH, and (with wait) for the change after it
            after = client.set_usage_limits(cid, changes["usage_limits"], timeout=timeout, wait=p["wait"])
        return limits_view(after, mode)

    def predict(cur, changes):
        if mode == "spend_limit":
            return {"spend_limit": changes["spend_limit"], "usage_limits": spend_limit_to_usage_limits(changes["spend_limit"])}
        return limits_view({"config": {"serverless": {"usage_limits": changes["usage_limits"]}}}, mode)

    result = ensure(m, limits_view(cluster, mode), "present", result_key="limits", changes=limit_changes,
                    update=update, predict=predict)
    result.update(cluster_id=cid, cluster_name=cluster.get("name"))
    if conversion is not None:
        result["conversion"] = conversion
    return result


def main():
    m = CloudModule(
        client_mixins=(),
        argument_spec=dict(
            cluster=dict(type="str", required=True),
            usage_limits=dict(type="dict", options=dict(
                request_unit_limit=dict(type="int"),
                storage_mib_limit=dict(type="int"),
                provisioned_virtual_cpus=dict(type="int"),
            )),
            spend_limit=dict(type="int"),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=7200),
        ),
        mutually_exclusive=[["usage_limits", "spend_limit"]],
        required_one_of=[["usage_limits", "spend_limit"]],
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
