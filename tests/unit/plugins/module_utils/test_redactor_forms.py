# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The redactor also hides a secret as ``%r``, ``json.dumps`` and requests' InvalidHeader write it (found by the
no_secrets integration target: a password with a quote or a backslash, and a session token after a line break,
were printed escaped, which neither the redactor nor Ansible's no_log matched)."""

import json

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import Redactor
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_sql_user, cluster_sessions_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module

SECRETS = ['Sql"pw\\no-secrets&9Zq4', "it's-a-secret\\x", "\ntoken-abcdef", "tab\tsecret-1234", "caf\u00e9-secret"]


@pytest.mark.parametrize("secret", SECRETS)
def test_every_escaped_form_is_redacted(secret):
    red = Redactor([secret])
    for text in ("name %r is bad" % secret, "body %s" % json.dumps({"p": secret}),
                 "as json %s" % json.dumps(secret, ensure_ascii=False), "raw %s." % secret,
                 "Invalid leading whitespace in header value: %r" % secret):
        out = red.text(text)
        assert secret.strip() not in out, (secret, out)
        assert "********" in out


def escaped_forms(secret):
    return {secret, json.dumps(secret)[1:-1], repr(secret + "'")[1:-2], repr(secret + '"')[1:-2]}


def test_short_values_are_not_secrets():
    assert Redactor(["  "]).text("a  b") == "a  b"


def test_a_token_after_a_line_break_is_not_echoed(emulated):
    token = emulated.login(1)
    res = run_module(cluster_sessions_info, {"cluster_url": emulated.node_url(1), "session": "\n" + token})
    assert res.failed and token not in res.output and token not in res["msg"]


def test_a_password_used_as_the_user_name_is_not_echoed_escaped(emulated):
    password = 'Sql"pw\\no-secrets&9Zq4'
    res = run_module(cloud_sql_user, emulated.cloud_args(cluster="c1", name=password, password=password))
    assert res.failed and "name" in res["msg"]
    for form in escaped_forms(password):
        assert form not in res.output and form not in res["msg"]
    assert emulated.requests() == []
