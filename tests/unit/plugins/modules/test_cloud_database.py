# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_database: validation, the database to work on and its changes (pure functions)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_database as mod

DBS = [{"name": "defaultdb", "table_count": "0"}, {"name": "app", "table_count": "3"}]


def params(**kw):
    base = dict(cluster="c1", wait_timeout=60, name="app", rename_from=None, state="present")
    base.update(kw)
    return base


@pytest.mark.parametrize("name, rename_from, state, current, changes", [
    ("app", None, "present", "app", {}),
    ("new", None, "present", None, None),               # create
    ("new", "app", "present", "app", {"name": "new"}),  # rename
    ("app", "defaultdb", "present", "app", {}),         # both exist: nothing renamed (warned)
    ("new", "gone", "present", None, None),             # neither: create
    ("app", None, "absent", "app", None),               # drop
    ("gone", None, "absent", None, None),
])
def test_database_to_ensure_and_its_changes(name, rename_from, state, current, changes):
    cur, warning = mod.database_to_ensure(DBS, name, rename_from, state)
    assert (cur or {}).get("name") == current
    assert (warning is not None) == (name == "app" and rename_from == "defaultdb")
    if changes is not None:
        assert mod.database_changes(cur, name) == changes


def test_database_to_ensure_is_exact_and_keeps_table_count():
    assert mod.database_to_ensure(DBS, "APP")[0] is None
    assert mod.database_to_ensure(DBS, "app")[0] == {"name": "app", "table_count": "3"}


@pytest.mark.parametrize("kw, fragment", [
    (dict(name=""), "name must not be empty"),
    (dict(name="x" * 64), "name 'xxx"),
    (dict(name="é" * 32), "at most 63 bytes"),
    (dict(rename_from="app"), "rename_from must differ from name"),
    (dict(rename_from="old", state="absent"), "rename_from only works with state=present"),
    (dict(rename_from=" "), "rename_from must not be empty"),
])
def test_validate(kw, fragment):
    errors = mod.validate(params(**kw))
    assert any(fragment in e for e in errors), errors


def test_validate_ok():
    assert mod.validate(params()) == []
    assert mod.validate(params(name="app_v2", rename_from="app")) == []
