# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure decisions of the backup family (module_utils/cloud_backup.py) on plain dicts."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cloud_backup as cb

CFG = {"enabled": True, "frequency_minutes": 60, "retention_days": 30}


def test_backup_config_changes_only_differing_fields():
    assert cb.backup_config_changes(CFG, {"enabled": True, "frequency_minutes": None, "retention_days": 30}) == {}
    wanted = {"enabled": False, "frequency_minutes": 5}
    assert cb.backup_config_changes(CFG, wanted) == wanted


@pytest.mark.parametrize("current, changes, refused", [
    (30, {"retention_days": 7}, False),        # the default: one change left
    (7, {"retention_days": 30}, True),         # set already
    (7, {"enabled": False}, False),            # retention not touched
    (None, {"retention_days": 7}, False),
])
def test_retention_refusal(current, changes, refused):
    msg = cb.retention_refusal({"retention_days": current}, changes)
    assert (msg is not None) == refused
    if refused:
        assert "only once" in msg and "support ticket" in msg


def test_restore_body_drops_unset_fields():
    params = {"type": "TABLE", "backup_id": None,
              "objects": [{"database": "shop", "schema": None, "table": "orders"}],
              "restore_opts": {"into_db": "scratch", "schema_only": False, "skip_missing_views": None}}
    assert cb.restore_body(params, "src") == {"type": "TABLE", "source_cluster_id": "src",
                                              "objects": [{"database": "shop", "table": "orders"}],
                                              "restore_opts": {"into_db": "scratch"}}


def _restore(**kw):
    base = {"id": "r1", "type": "DATABASE", "status": "SUCCESS", "source_cluster_name": "prod", "backup_id": "b1",
            "objects": [{"database": "shop"}], "created_at": "2025-01-01T00:00:00Z"}
    base.update(kw)
    return base


def test_matching_restore():
    body = {"type": "DATABASE", "source_cluster_id": "x", "objects": [{"database": "shop"}]}
    assert cb.matching_restore([_restore()], body, "prod")["id"] == "r1"
    assert cb.matching_restore([_restore(status="FAILED")], body, "prod") is None
    assert cb.matching_restore([_restore()], body, "other") is None
    assert cb.matching_restore([_restore()], dict(body, backup_id="b2"), "prod") is None
    assert cb.matching_restore([_restore()], dict(body, restore_opts={"new_db_name": "x"}), "prod") is None
    assert cb.matching_restore([_restore()], body, "prod", exclude_ids={"r1"}) is None
    newer = _restore(id="r2", created_at="2025-02-01T00:00:00Z", status="PENDING")
    assert cb.matching_restore([_restore(), newer], body, "prod")["id"] == "r2"


def test_restore_finished_needs_completed_at_after_success():
    assert not cb.restore_finished({"status": "PENDING"})
    assert not cb.restore_finished({"status": "SUCCESS"})
    assert cb.restore_finished({"status": "SUCCESS", "completed_at": "2025-01-01T00:00:00Z"})
    assert cb.restore_finished({"status": "FAILED"})


def test_time_range_errors():
    assert cb.time_range_errors({}) == []
    assert cb.time_range_errors({"start_time": "2025-01-01T00:00:00Z", "end_time": "2025-01-02T00:00:00+01:00"}) == []
    assert "go together" in cb.time_range_errors({"start_time": "2025-01-01T00:00:00Z"})[0]
    assert "RFC 3339" in cb.time_range_errors({"start_time": "2025-01-01", "end_time": "2025-01-02T00:00:00Z"})[0]
