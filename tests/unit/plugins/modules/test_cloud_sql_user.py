# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_sql_user: validation and changes (pure functions)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_sql_user as user_mod


def params(**kw):
    base = dict(cluster="c1", wait_timeout=60, name="app", password=None, update_password="on_create", state="present")
    base.update(kw)
    return base


@pytest.mark.parametrize("name", ["app", "_x", "9lives", "a.b-c_d", "A" * 63])
def test_valid_names(name):
    assert user_mod.validate(params(name=name)) == []


@pytest.mark.parametrize("name", ["", "-app", ".app", "a" * 64, "app user", "app@x", "ü"])
def test_bad_names_name_the_option(name):
    errors = user_mod.validate(params(name=name))
    assert len(errors) == 1 and errors[0].startswith("name ")


def test_password_rules():
    assert "password is required when update_password is always" in user_mod.validate(params(update_password="always"))
    assert user_mod.validate(params(update_password="always", state="absent")) == []
    assert user_mod.validate(params(password="")) == ["password must not be empty"]


def test_messages_never_echo_the_password():
    secret = "S3cret-value!"
    for kw in (dict(name="-bad"), dict(update_password="always"), dict(cluster="", wait_timeout=0)):
        for msg in user_mod.validate(params(password=secret, **kw)):
            assert secret not in msg


def test_changes_only_rotate_when_asked():
    cur = {"name": "app"}
    assert user_mod.user_changes(cur, params(password="x")) == {}
    assert user_mod.user_changes(cur, params(password="x", update_password="always")) == {"password_updated": True}
    assert user_mod.user_changes(None, params(password="x", update_password="always")) == {}
    # The change set never carries the password itself.
    assert "x" not in repr(user_mod.user_changes(cur, params(password="x", update_password="always")).values())
