#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_cluster_versions_info
short_description: CockroachDB major versions that CockroachDB Cloud offers
version_added: 0.2.0
description:
  - Reads C(GET /api/v1/cluster-versions), every page, and returns the major versions newest first, each
    marked as the latest released one or not, supported or not, and, with O(current_version), whether a
    cluster on that version may upgrade to it.
  - Meant for upgrade checks before a cluster's C(cockroach_version) is changed with
    M(cockroachdb.cockroachdb.cloud_cluster).
options:
  current_version:
    description:
      - A cluster's version (V(v24.1.3) or V(v24.1)); each row then says whether it is that cluster's major
        (RV(versions[].current)) and whether it is an allowed upgrade from it (RV(versions[].upgrade_from_current)).
    type: str
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Read the cluster
  cockroachdb.cockroachdb.cloud_cluster_info:
    api_key: "{{ cockroach_api_key }}"
    name: payments-prod
  register: crdb_cluster

- name: Versions the cluster could move to
  cockroachdb.cockroachdb.cloud_cluster_versions_info:
    api_key: "{{ cockroach_api_key }}"
    current_version: "{{ crdb_cluster.clusters[0].cockroach_version }}"
  register: crdb_versions

- name: Refuse to run on an unsupported major
  ansible.builtin.assert:
    that: crdb_versions.versions | selectattr('current') | map(attribute='supported') | first
    fail_msg: the cluster runs a major version that is no longer supported; upgrade it first
"""

RETURN = r"""
versions:
  description: The major versions, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    version:
      description: The major version.
      type: str
      sample: v24.3
    support_status:
      description: C(SUPPORTED), C(UNSUPPORTED) or C(PREVIEW).
      type: str
      sample: SUPPORTED
    support_end:
      description: When support ends (RFC 3339).
      type: str
      sample: "2026-05-18T00:00:00Z"
    release_type:
      description: C(REGULAR) or C(INNOVATION) (innovation releases may be skipped).
      type: str
      sample: REGULAR
    allowed_upgrades:
      description: The majors a cluster on this version may upgrade to.
      type: list
      elements: str
      sample: []
    latest:
      description: Whether this is the newest major that is not a preview.
      type: bool
      sample: true
    supported:
      description: Whether C(support_status) is C(SUPPORTED).
      type: bool
      sample: true
    current:
      description: Whether this is the major of O(current_version).
      type: bool
      returned: when O(current_version) is set
    upgrade_from_current:
      description: Whether a cluster on O(current_version) may upgrade to this major.
      type: bool
      returned: when O(current_version) is set
latest:
  description: The newest major that is not a preview; V(null) when the API lists none.
  returned: always
  type: str
  sample: v24.3
upgrades_from_current:
  description: The majors a cluster on O(current_version) may upgrade to (empty without O(current_version)).
  returned: always
  type: list
  elements: str
  sample: [v24.2, v24.3]
"""

import re

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_access import AccessApi, mark_versions


def validate(params):
    v = params.get("current_version")
    if v is not None and not re.match(r"^v\d+\.\d+(\.\d+)?$", v.strip()):
        return ["current_version must look like v24.1 or v24.1.3, got %r" % v]
    return []


def run(m):
    current = (m.params.get("current_version") or "").strip() or None
    versions = mark_versions(m.client.list_cluster_versions(), current)
    latest = next((v["version"] for v in versions if v["latest"]), None)
    upgrades = [v["version"] for v in versions if v.get("upgrade_from_current")]
    return dict(changed=False, versions=versions, latest=latest, upgrades_from_current=upgrades)


def main():
    m = CloudModule(client_mixins=(AccessApi,), argument_spec=dict(current_version=dict(type="str")), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
