# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_sessions_info against the in-process emulator: every fan-out page, filters, node errors."""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_sessions_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module


def test_all_pages_of_every_node(emulated):
    everything = run_module(cluster_sessions_info, emulated.cluster_args(page_size=1000))
    emulated.clear_requests()
    res = run_module(cluster_sessions_info, emulated.cluster_args(page_size=1))
    assert not res.failed and res["node_errors"] == []
    assert res["sessions"] == everything["sessions"] and len(res["sessions"]) >= 2
    # fan-out token pages: a full page is followed by another request, the short (empty) one ends
    assert emulated.paths().count(("GET", "/api/v2/sessions/")) == len(res["sessions"]) + 1


def test_only_open_sessions_of_one_user(emulated):
    res = run_module(cluster_sessions_info, emulated.cluster_args(session_user="root", exclude_closed=True))
    assert res["sessions"] and {s["username"] for s in res["sessions"]} == {"root"}
    assert all(s["status"] != 1 for s in res["sessions"]) and res["session_user"] == "root"
    query = [e["query"] for e in emulated.requests() if e["path"] == "/api/v2/sessions/"][0]
    assert query["username"] == ["root"] and "exclude_closed_sessions" in query


def login_users(emulated):
    return [e["body"]["username"] for e in emulated.requests() if e["path"] == "/api/v2/login/"]


def test_sessions_of_another_user(emulated):
    """The filter is its own option: the admin logs in and lists app_writer's sessions (issue 10)."""
    res = run_module(cluster_sessions_info, emulated.cluster_args(session_user="app_writer"))
    assert not res.failed and res["session_user"] == "app_writer"
    assert res["sessions"] and {s["username"] for s in res["sessions"]} == {"app_writer"}
    assert login_users(emulated) == [emulated.admin_user]


def test_login_user_is_not_a_filter(emulated):
    """With the group's module_defaults (username + password) every user's sessions come back, not the login user's."""
    res = run_module(cluster_sessions_info, emulated.cluster_args())
    assert not res.failed and res["session_user"] is None
    assert len({s["username"] for s in res["sessions"]}) > 1
    query = [e["query"] for e in emulated.requests() if e["path"] == "/api/v2/sessions/"][0]
    assert "username" not in query


def test_old_filter_with_a_session_token_still_filters_with_a_deprecation(emulated, monkeypatch):
    # (recorded at the call: once a controller module is imported, ansible sends deprecations to Display)
    deprecations = []
    monkeypatch.setattr(AnsibleModule, "deprecate", lambda self, msg, **kw: deprecations.append((msg, kw)))
    token = emulated.login()
    emulated.clear_requests()
    res = run_module(cluster_sessions_info, {"cluster_url": emulated.node_url(1), "session": token,
                                             "username": "app_writer"})
    assert not res.failed and {s["username"] for s in res["sessions"]} == {"app_writer"}
    assert len(deprecations) == 1 and "set session_user: app_writer" in deprecations[0][0]
    assert deprecations[0][1]["collection_name"] == "cockroachdb.cockroachdb"
    assert login_users(emulated) == [] and token not in res.output


def test_old_filter_never_logs_in_as_another_user_with_the_env_password(emulated, monkeypatch):
    monkeypatch.setenv("COCKROACH_CLUSTER_URL", emulated.node_url(1))
    monkeypatch.setenv("COCKROACH_CLUSTER_USER", emulated.admin_user)
    monkeypatch.setenv("COCKROACH_CLUSTER_PASSWORD", emulated.admin_password)
    res = run_module(cluster_sessions_info, {"username": "app_writer"})
    assert res.failed and "set session_user: app_writer" in res["msg"]
    assert emulated.requests() == [] and emulated.admin_password not in res.output


def test_a_stopped_node_is_a_node_error(emulated):
    emulated.stop_node(3)
    res = run_module(cluster_sessions_info, emulated.cluster_args(page_size=3))
    assert not res.failed and res["sessions"]
    assert [e["node_id"] for e in res["node_errors"]] == [3] and "node 3" in res["node_errors"][0]["message"]
