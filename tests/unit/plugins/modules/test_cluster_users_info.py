# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_users_info against the in-process emulator: every SQL page, user names only."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_users_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module


def test_users_over_several_pages(emulated):
    res = run_module(cluster_users_info, emulated.cluster_args(page_size=2))
    assert not res.failed and "root" in res["users"] and res["users"] == sorted(res["users"])
    assert all(isinstance(u, str) for u in res["users"])
    # SQL pages: a full page always has ``next``, so a count that divides evenly costs one empty page
    assert emulated.paths().count(("GET", "/api/v2/users/")) == len(res["users"]) // 2 + 1
    assert emulated.admin_password not in res.output


def test_page_size_checked_before_any_request(emulated):
    res = run_module(cluster_users_info, emulated.cluster_args(page_size=0))
    assert res.failed and "page_size must be 1 or more" in res["msg"] and emulated.requests() == []
