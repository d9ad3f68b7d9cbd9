# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_regions_info against the in-process emulator: one request, the filters in the query."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_regions_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import run_cloud


def test_filters_go_to_the_server(emulated):
    res = run_cloud(emulated, cloud_regions_info, check=True, provider="GCP", serverless=True)
    assert not res.failed and not res["changed"] and res["regions"]
    assert {r["provider"] for r in res["regions"]} == {"GCP"} and all(r["serverless"] for r in res["regions"])
    log = emulated.requests(api="cloud")
    assert [(e["method"], e["path"]) for e in log] == [("GET", "/api/v1/clusters/available-regions")]
    assert log[0]["query"]["provider"] == ["GCP"] and log[0]["query"]["serverless"] == ["true"]


def test_unknown_provider_names_the_option(emulated):
    res = run_cloud(emulated, cloud_regions_info, provider="IBM")
    assert res.failed and "provider" in res["msg"] and "IBM" in res["msg"] and emulated.requests() == []
