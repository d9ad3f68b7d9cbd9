# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_settings_info against the in-process emulator: one, several or all settings in one SQL request."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_settings_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module


def test_some_settings_in_server_order(emulated):
    emulated.sql("SET CLUSTER SETTING server.shutdown.initial_wait = '8s'")
    res = run_module(cluster_settings_info, emulated.cluster_args(
        names=["server.time_until_store_dead", "Server.Shutdown.Initial_Wait"]))
    assert not res.failed and res["changed"] is False
    assert [s["name"] for s in res["settings"]] == ["server.shutdown.initial_wait", "server.time_until_store_dead"]
    wait = res["settings"][0]
    assert wait == {"name": "server.shutdown.initial_wait", "value": "8s", "type": "d", "public": True,
                    "description": wait["description"], "default_value": "0s", "origin": "override"}
    assert res["setting_values"] == {"server.shutdown.initial_wait": "8s", "server.time_until_store_dead": "5m0s"}
    assert emulated.paths() == [("POST", "/api/v2/login/"), ("POST", "/api/v2/sql/"), ("POST", "/api/v2/logout/")]
    assert emulated.admin_password not in res.output


def test_name_alias_and_all(emulated):
    one = run_module(cluster_settings_info, emulated.cluster_args(name="version"))
    assert one["setting_values"] == {"version": "25.4"}
    every = run_module(cluster_settings_info, emulated.cluster_args())
    names = [s["name"] for s in every["settings"]]
    assert names == sorted(names) and len(names) > 20 and "cluster.preserve_downgrade_option" in every["setting_values"]


def test_unknown_name_fails_naming_it(emulated):
    res = run_module(cluster_settings_info, emulated.cluster_args(names=["version", "server.nope", "kv.nada"]))
    assert res.failed and "unknown cluster settings: server.nope, kv.nada" in res["msg"]


def test_non_admin_is_told_the_privilege(emulated):
    res = run_module(cluster_settings_info, emulated.cluster_args(username="app_reader",
                                                                  password="app-reader-password"))
    assert res.failed and "VIEWCLUSTERSETTING" in res["msg"] and res["error_code"] == "42501"


def test_blank_name_is_refused_before_any_request(emulated):
    res = run_module(cluster_settings_info, emulated.cluster_args(names=[" "]))
    assert res.failed and "names must be setting names" in res["msg"] and emulated.requests() == []


def test_check_mode_reads(emulated):
    res = run_module(cluster_settings_info, emulated.cluster_args(names=["version"]), check=True)
    assert not res.failed and res["setting_values"] == {"version": "25.4"}
