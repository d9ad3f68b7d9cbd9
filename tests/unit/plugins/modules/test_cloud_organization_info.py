# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_organization_info against the in-process emulator: one read, persons by email."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_organization_info as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import reads, run_cloud


def test_organization_in_one_read(emulated):
    emulated.clear_requests()
    res = run_cloud(emulated, mod)
    assert not res["changed"] and res["organization"]["name"] == "Emulator Organization"
    assert reads(emulated) == ["/api/v1/organization"] and res["persons"] == [] and res["missing_persons"] == []


def test_persons_by_email(emulated):
    emulated.clear_requests()
    res = run_cloud(emulated, mod, email=["DEV@example.com", "ghost@example.com"])
    assert res["persons"] == [{"id": "6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d02", "email": "dev@example.com"}]
    assert res["missing_persons"] == ["ghost@example.com"]
    assert reads(emulated) == ["/api/v1/organization"] + ["/api/v1/users/persons-by-email"] * 2


def test_bad_email(emulated):
    emulated.clear_requests()
    res = run_cloud(emulated, mod, email=["nobody"])
    assert res.failed and "email 'nobody'" in res["msg"] and emulated.paths(api="cloud") == []
