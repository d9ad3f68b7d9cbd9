# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input to the cluster_nodes inventory plugin: a parser error naming the option, no secret, no request
(or, for what only the server reveals, a hint naming cluster_url); validate_certs=false warns."""

import pytest

from ansible.errors import AnsibleParserError

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.inventory.test_cluster_nodes import (  # noqa: F401  pylint: disable=unused-import
    base,
    plugin,
)

SECRET = "Inv-S3cret-pw"

CASES = [
    ("timeout nan", {"timeout": ".nan"}, "timeout", "finite"),
    ("timeout 1e12", {"timeout": "1.0e12"}, "timeout", "3600"),
    ("timeout 0", {"timeout": 0}, "timeout", None),
    ("retries negative", {"retries": -1}, "retries", None),
    ("retries absurd", {"retries": 10000}, "retries", None),
    ("cluster_url query", {"cluster_url": "'{node}?a=b'"}, "cluster_url", "query"),
    ("cluster_url fragment", {"cluster_url": "'{node}#x'"}, "cluster_url", "fragment"),
    ("cluster_url userinfo", {"cluster_url": "'{userinfo}'"}, "cluster_url", "password"),
    ("cluster_url API path", {"cluster_url": "'{node}/api/v2/nodes/'"}, "cluster_url", "/api/v2"),
    ("cluster_url ftp", {"cluster_url": "ftp://node1:8080"}, "cluster_url", None),
    ("session control character", {"session": '"tok\\x01en"', "username": "''", "password": "''"}, "session",
     "control character"),
    ("vars_prefix invalid", {"vars_prefix": "'1-bad'"}, "vars_prefix", None),
    ("group invalid", {"group": "'my group'"}, "group", None),
    ("group_prefix invalid", {"group_prefix": "'a-b'"}, "group_prefix", None),
    ("hostname_prefix empty", {"hostname_prefix": "''"}, "hostname_prefix", None),
    ("liveness unknown", {"liveness": "[sleepy]"}, "sleepy", None),
]


@pytest.mark.parametrize("extra,option,text", [pytest.param(e, o, t, id=i) for i, e, o, t in CASES])
def test_inventory_bad_input(plugin, emulated, extra, option, text):  # noqa: F811
    node = emulated.node_url(1)
    config = dict(base(emulated))
    config["password"] = SECRET
    for key, value in extra.items():
        config[key] = value.format(node=node, userinfo=node.replace("://", "://root:%s@" % SECRET, 1)) \
            if isinstance(value, str) else value
    emulated.clear_requests()
    with pytest.raises(AnsibleParserError) as err:
        plugin.parse_config(config)
    msg = str(err.value)
    assert option in msg and (text is None or text in msg), msg
    assert SECRET not in msg and emulated.admin_password not in msg and "Traceback" not in msg
    assert emulated.paths() == []


def test_inventory_https_on_plain_port_names_cluster_url(plugin, emulated):  # noqa: F811
    config = dict(base(emulated), cluster_url=emulated.node_url(1).replace("http://", "https://"), retries=0)
    with pytest.raises(AnsibleParserError) as err:
        plugin.parse_config(config)
    assert "does not speak TLS" in str(err.value) and "cluster_url" in str(err.value)


def test_inventory_validate_certs_false_warns(plugin, emulated, monkeypatch):  # noqa: F811
    seen = []
    monkeypatch.setattr(plugin.display, "warning", seen.append)
    plugin.parse_config(dict(base(emulated), validate_certs="false"))
    assert len(seen) == 1 and "validate_certs" in seen[0]
    seen[:] = []
    plugin.parse_config(dict(base(emulated)))
    assert seen == []
