# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_cluster_versions_info against the in-process emulator: latest / supported / upgrades marked."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_cluster_versions_info as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import reads, run_cloud


def test_versions_marked(emulated):
    emulated.clear_requests()
    res = run_cloud(emulated, mod, current_version="v24.1.14")
    assert not res["changed"] and reads(emulated) == ["/api/v1/cluster-versions"]
    assert [v["version"] for v in res["versions"]] == ["v24.3", "v24.2", "v24.1", "v23.2", "v23.1"]
    assert res["latest"] == "v24.3" and [v["version"] for v in res["versions"] if v["latest"]] == ["v24.3"]
    assert [v["version"] for v in res["versions"] if not v["supported"]] == ["v23.1"]
    assert res["upgrades_from_current"] == ["v24.3", "v24.2"]
    assert [v["version"] for v in res["versions"] if v["current"]] == ["v24.1"]


def test_without_current_and_bad_input(emulated):
    res = run_cloud(emulated, mod)
    assert res["upgrades_from_current"] == [] and "current" not in res["versions"][0]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, current_version="24.1")
    assert res.failed and "current_version must look like v24.1" in res["msg"] and emulated.paths(api="cloud") == []
