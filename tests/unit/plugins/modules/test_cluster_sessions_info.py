# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_sessions_info against the in-process emulator: every fan-out page, filters, node errors."""

import pytest

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


def test_only_open_sessions_of_the_login_user(emulated):
    res = run_module(cluster_sessions_info, emulated.cluster_args(username="root", exclude_closed=True))
    assert res["sessions"] and {s["username"] for s in res["sessions"]} == {"root"}
    assert all(s["status"] != 1 for s in res["sessions"])
    query = [e["query"] for e in emulated.requests() if e["path"] == "/api/v2/sessions/"][0]
    assert query["username"] == ["root"] and "exclude_closed_sessions" in query


@pytest.mark.xfail(strict=True, reason="known defect, left for the lead: the module's username filter option has the "
                                       "name of the connection's username option and replaces it, so filtering on "
                                       "another user logs in as that user (fixing it renames an option)")
def test_sessions_of_another_user(emulated):
    res = run_module(cluster_sessions_info, emulated.cluster_args(username="app_writer"))
    assert not res.failed


def test_a_stopped_node_is_a_node_error(emulated):
    emulated.stop_node(3)
    res = run_module(cluster_sessions_info, emulated.cluster_args(page_size=3))
    assert not res.failed and res["sessions"]
    assert [e["node_id"] for e in res["node_errors"]] == [3] and "node 3" in res["node_errors"][0]["message"]
