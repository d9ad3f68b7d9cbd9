# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_audit_log_info: option validation, and the module against the in-process emulator (the cursor walk
itself is tested in module_utils/test_cloud.py)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_audit_log_info as audit
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import ready_cluster, run_cloud


@pytest.mark.parametrize("kw, fragment", [
    (dict(starting_from="yesterday"), "starting_from must be an RFC 3339 timestamp"),
    (dict(starting_from="2024-09-16 12:00:00"), "starting_from"),
    (dict(limit=0), "limit must be 1 or more"),
])
def test_audit_validate(kw, fragment):
    base = dict(starting_from=None, limit=None, sort_order="ASC")
    base.update(kw)
    assert any(fragment in e for e in audit.validate(base))
    assert audit.validate(dict(starting_from="2024-09-16T12:00:00.123Z", limit=5)) == []


def test_reads_the_log_oldest_first_and_resumes_from_the_cursor(emulated):
    ready_cluster(emulated)
    ready_cluster(emulated, "shop-two")
    res = run_cloud(emulated, audit)
    assert not res.failed and not res["changed"]
    assert [e["action"] for e in res["entries"]] == ["AUDIT_LOG_ACTION_CREATE_CLUSTER"] * 2
    assert {p for m, p in emulated.paths(api="cloud")} == {"/api/v1/auditlogevents"}
    first = run_cloud(emulated, audit, limit=1)
    rest = run_cloud(emulated, audit, starting_from=first["next_starting_from"])
    assert [e["id"] for e in first["entries"] + rest["entries"]] == [e["id"] for e in res["entries"]]


def test_bad_starting_from_fails_before_any_request(emulated):
    res = run_cloud(emulated, audit, starting_from="yesterday")
    assert res.failed and res["msg"].startswith("starting_from must be an RFC 3339 timestamp")
    assert emulated.requests() == []
