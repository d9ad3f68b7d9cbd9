# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A password written inside cluster_url or api_url (``https://user:password@host``) is refused before any
request, and appears nowhere in the result: not in the message, not in the echoed module arguments, not
URL-decoded (found by the no_secrets integration target: the modules used it and echoed it)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import ClusterConnection
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import (
    cloud_cluster_info,
    cluster_databases_info,
    cluster_health,
    cluster_session,
)
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module

SECRET = "Url-pw%2Fno-secret-7Qx"   # as written in the URL; decoded it is Url-pw/no-secret-7Qx
DECODED = "Url-pw/no-secret-7Qx"


def with_password(url, user="root"):
    scheme, rest = url.split("://", 1)
    return "%s://%s:%s@%s" % (scheme, user, SECRET, rest)


@pytest.mark.parametrize("module", [cluster_databases_info, cluster_health, cluster_session])
def test_cluster_url_with_a_password_is_refused_and_never_echoed(emulated, module):
    args = emulated.cluster_args(cluster_url=with_password(emulated.node_url(1)))
    res = run_module(module, args, diff=True)
    assert res.failed and "cluster_url must not contain a user name or password" in res["msg"]
    assert SECRET not in res.output and DECODED not in res.output and "Url-pw" not in res.output
    assert emulated.requests() == []


def test_api_url_with_a_password_is_refused_and_never_echoed(emulated):
    res = run_module(cloud_cluster_info, emulated.cloud_args(api_url=with_password(emulated.cloud_url, "key")))
    assert res.failed and "api_url must not contain a user name or password" in res["msg"]
    assert "Url-pw" not in res.output and emulated.api_key not in res.output
    assert emulated.requests() == []


def test_plugins_get_the_same_refusal_without_the_password(emulated):
    conn = ClusterConnection({"cluster_url": with_password("ftp://node1:8080"), "username": "root",
                              "password": "x" * 8})
    with pytest.raises(ValueError) as err:
        conn.check()
    assert "cluster_url must start with http" in str(err.value)
    assert "Url-pw" not in str(err.value)
    assert {SECRET, DECODED} <= set(conn.secrets)
    conn = ClusterConnection({"cluster_url": with_password("https://node1:8080"), "username": "root",
                              "password": "x" * 8})
    with pytest.raises(ValueError) as err:
        conn.check()
    assert "cluster_url must not contain a user name or password" in str(err.value)
    assert "Url-pw" not in str(err.value)


def test_hidden_too_when_the_argspec_check_fails_first(emulated):
    args = emulated.cluster_args(cluster_url=with_password(emulated.node_url(1)), page_size="many")
    res = run_module(cluster_databases_info, args)
    assert res.failed and "page_size" in res["msg"]
    assert "Url-pw" not in res.output
