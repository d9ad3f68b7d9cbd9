# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_session against the in-process emulator: the token is the result, logout and its check mode."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_nodes_info, cluster_session
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module


def test_login_returns_the_token_and_does_not_log_out(emulated):
    res = run_module(cluster_session, emulated.cluster_args())
    assert not res.failed and res["changed"] is False and res["username"] == "root"
    assert emulated.paths() == [("POST", "/api/v2/login/")]
    assert emulated.admin_password not in res.output
    nodes = run_module(cluster_nodes_info, emulated.cluster_args(session=res["session"], username=None, password=None))
    assert not nodes.failed and len(nodes["nodes"]) == 3


def test_login_ignores_a_token_from_the_environment(emulated, monkeypatch):
    token = emulated.login()
    monkeypatch.setenv("COCKROACH_CLUSTER_SESSION", token)
    emulated.clear_requests()
    res = run_module(cluster_session, emulated.cluster_args())
    assert not res.failed and res["session"] != token
    assert emulated.paths() == [("POST", "/api/v2/login/")]
    assert token not in res.output


def test_logout_and_check_mode_does_not(emulated):
    token = emulated.login()
    emulated.clear_requests()
    args = emulated.cluster_args(state="absent", session=token, username=None, password=None)
    res = run_module(cluster_session, args, check=True)
    assert res["changed"] is True and res["logged_out"] is False and emulated.requests() == []
    res = run_module(cluster_session, args)
    assert res["changed"] is True and res["logged_out"] is True
    assert emulated.paths() == [("POST", "/api/v2/logout/")]
    after = run_module(cluster_nodes_info, emulated.cluster_args(session=token, username=None, password=None))
    assert after.failed and "session token was rejected" in after["msg"]


def test_missing_credentials_for_the_state(emulated):
    res = run_module(cluster_session, emulated.cluster_args(username=None, password=None, session="dG9rZW4="))
    assert res.failed and "state=present logs in and needs username and password" in res["msg"]
    res = run_module(cluster_session, emulated.cluster_args(state="absent"))
    assert res.failed and "state=absent logs a token out and needs it in session" in res["msg"]
    assert emulated.requests() == []
