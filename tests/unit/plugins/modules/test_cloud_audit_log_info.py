# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_audit_log_info: option validation (the cursor walk is CloudClient.list_audit_log, in test_cloud.py)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_audit_log_info as audit


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
