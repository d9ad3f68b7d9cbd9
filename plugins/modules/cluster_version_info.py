#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_version_info
short_description: Cluster version, finalization state, node builds and legal upgrade targets of a CockroachDB cluster
version_added: 0.1.0
description:
  - Reads the cluster version, C(cluster.preserve_downgrade_option), C(cluster.auto_upgrade.enabled) and the running
    upgrade (migration) jobs in one C(POST /api/v2/sql/) request, and every node's build from C(GET /api/v2/nodes/).
  - Says whether a finalization is V(finalized), V(pending) (some node runs a newer major than the cluster version)
    or V(running), which majors are legal next steps, and, with O(target_version), what moving every node to that
    version would be and whether it is allowed.
  - "Legal steps: any patch within the major; from a Regular release the next Innovation or the next Regular
    release; from an Innovation release only the next Regular release (24.2, 25.1, 25.3, 26.1 are Innovation
    releases; 24.1, 24.3, 25.2, 25.4, 26.2 Regular)."
  - Needs the C(admin) role (the settings need C(VIEWCLUSTERSETTING), the node list C(VIEWCLUSTERMETADATA)).
options:
  target_version:
    description:
      - A version to judge, such as V(v25.4.1), V(25.4.1) or V(25.4). Returned as RV(target).
    type: str
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLUSTER_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Where does the cluster stand
  cockroachdb.cockroachdb.cluster_version_info:
    cluster_url: https://node1:8080
    username: admin
    password: "{{ crdb_password }}"
    target_version: v25.4.1
  register: crdb_version

- name: Refuse an illegal upgrade before touching a node
  ansible.builtin.assert:
    that:
      - crdb_version.target.legal
      - crdb_version.finalization.state == 'finalized'
      - crdb_version.builds | length == 1
    fail_msg: "{{ crdb_version.target.reason }} ({{ crdb_version.finalization.reason }})"
"""

RETURN = r"""
cluster_version:
  description: The cluster version as C(SHOW CLUSTER SETTING version) says it (a transitional form while finalizing).
  returned: always
  type: str
  sample: "25.2"
preserve_downgrade_option:
  description: The value of C(cluster.preserve_downgrade_option); empty when unset.
  returned: always
  type: str
  sample: "25.2"
auto_upgrade_enabled:
  description: The value of C(cluster.auto_upgrade.enabled).
  returned: always
  type: bool
nodes:
  description: Every node with its build.
  returned: always
  type: list
  elements: dict
  contains:
    node_id:
      description: Node id.
      type: int
      returned: always
    build_tag:
      description: Build tag of the binary the node runs.
      type: str
      returned: always
      sample: v25.4.1
    version:
      description: C(major.minor) of the node's binary.
      type: str
      returned: always
      sample: "25.4"
    liveness:
      description: Liveness name (V(live), V(draining), V(dead), ...).
      type: str
      returned: always
builds:
  description: Sorted distinct build tags of the nodes that are not decommissioned.
  returned: always
  type: list
  elements: str
  sample: [v25.2.6, v25.4.1]
finalization:
  description: Where the cluster version stands against the nodes' builds.
  returned: always
  type: dict
  contains:
    state:
      description: >-
        V(finalized) (every node runs the cluster version's major), V(pending) (some node runs a newer major; the
        cluster version has not moved yet) or V(running) (the cluster version is moving: transitional version or
        running upgrade jobs).
      type: str
      returned: always
      sample: pending
    from:
      description: The cluster version's major.
      type: str
      returned: always
      sample: "25.2"
    to:
      description: The major it finalizes (or would finalize) to; null when finalized.
      type: str
      returned: always
      sample: "25.4"
    jobs:
      description: Running upgrade (migration) jobs, each with C(job_id), C(status), C(description), C(created).
      type: list
      elements: dict
      returned: always
    reason:
      description: The state in words.
      type: str
      returned: always
next_versions:
  description: The majors the cluster version may legally move to next.
  returned: always
  type: list
  elements: str
  sample: ["25.3", "25.4"]
target:
  description: What moving every node to O(target_version) would be.
  returned: when O(target_version) is set
  type: dict
  contains:
    version:
      description: The target as a build tag.
      type: str
      returned: always
      sample: v25.4.1
    major:
      description: Its major version.
      type: str
      returned: always
      sample: "25.4"
    kind:
      description: >-
        V(same) (every node runs it), V(patch), V(major), V(rollback) (back to the cluster version's major before
        finalization), V(downgrade) (below the cluster version) or V(skip) (a newer major that is not a legal next
        step).
      type: str
      returned: always
      sample: major
    legal:
      description: Whether the move is allowed (V(downgrade) and V(skip) are not).
      type: bool
      returned: always
    reason:
      description: Why, in words.
      type: str
      returned: always
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster import MIGRATION_JOBS_SQL, SqlError
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import normalize_node
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import ClusterModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.upgrade import parse_build, version_report

STATEMENTS = [
    "SHOW CLUSTER SETTING version",
    "SHOW CLUSTER SETTING cluster.preserve_downgrade_option",
    "SHOW CLUSTER SETTING cluster.auto_upgrade.enabled",
    MIGRATION_JOBS_SQL,
]


def validate(params):
    target = params.get("target_version")
    if target is not None and parse_build(target) is None:
        return ["target_version must be a CockroachDB version such as v25.4.1 or 25.4, got %r" % (target,)]
    return []


def _value(result):
    rows = result.get("rows") or []
    return list(rows[0].values())[0] if rows else None


def read_settings(client):
    """The four reads in one request, each in its own transaction so that a release without
    ``cluster.auto_upgrade.enabled`` (before v23.2: auto-upgrade is then governed by the preserve option
    alone, so it counts as on) still answers the others. Any other failure is raised."""
    results = client.sql(STATEMENTS, separate_txns=True, raise_on_error=False)
    if len(results) != len(STATEMENTS):
        raise ValueError("the SQL API answered %d results for %d statements" % (len(results), len(STATEMENTS)))
    for index, res in enumerate(results):
        err = res.get("error")
        if not err:
            continue
        message = err.get("message") if isinstance(err, dict) else str(err)
        if index == 2 and "unknown setting" in (message or ""):
            res["rows"] = [{"cluster.auto_upgrade.enabled": True}]
            continue
        code = (err.get("code") if isinstance(err, dict) else None) or "XXUUU"
        raise SqlError(message or "statement failed", status=200, code=code, statement=index + 1,
                       sql=STATEMENTS[index])
    return results


def run(m):
    results = read_settings(m.client)
    jobs = [dict(row) for row in results[3].get("rows") or []]
    nodes = [normalize_node(n) for n in m.client.list_nodes()]
    nodes.sort(key=lambda n: n.get("node_id") or 0)
    report = version_report(_value(results[0]), _value(results[1]), _value(results[2]), nodes, jobs,
                            m.params["target_version"])
    report["changed"] = False
    return report


def main():
    m = ClusterModule(argument_spec=dict(
        target_version=dict(type="str"),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
