#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_settings_info
short_description: Read CockroachDB cluster settings through the SQL API
version_added: 0.1.0
description:
  - Runs C(SHOW ALL CLUSTER SETTINGS) through C(POST /api/v2/sql/) in one request and returns one setting, several,
    or all of them, with their value, type, description and, where the server gives them, default value and origin.
  - Read only. Cluster settings cannot be changed through the SQL API (the server refuses C(SET CLUSTER SETTING)
    there); change them with C(cockroach sql --execute) on a node.
  - Needs a user with the C(admin) role, or the C(VIEWCLUSTERSETTING) or C(MODIFYCLUSTERSETTING) privilege.
options:
  names:
    description:
      - The settings to return, by name (for example V(server.time_until_store_dead)). Empty returns every setting.
      - A name the server does not know fails the task and names it.
    type: list
    elements: str
    default: []
    aliases: [name]
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLUSTER_GROUP
notes:
  - Values are the server's text form as C(SHOW ALL CLUSTER SETTINGS) prints them (V(5m0s), V(true), V(32 MiB)),
    whatever the setting's type.
  - The answer of a real node lists about 600 settings (about 150 kB); the module asks the server for up to 4 MiB
    of result.
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: The drain settings
  cockroachdb.cockroachdb.cluster_settings_info:
    cluster_url: https://node1:8080
    username: admin
    password: "{{ crdb_password }}"
    names:
      - server.shutdown.initial_wait
      - server.shutdown.connections.timeout
      - server.shutdown.transactions.timeout
      - server.time_until_store_dead
  register: crdb_settings

- name: Refuse a rolling restart when the unready phase is shorter than the load balancer's check interval
  ansible.builtin.assert:
    that: crdb_settings.setting_values['server.shutdown.initial_wait'] != '0s'

- name: Every setting
  cockroachdb.cockroachdb.cluster_settings_info:
  register: crdb_all_settings
"""

RETURN = r"""
settings:
  description: The settings asked for (all when O(names) is empty), in the server's order (by name).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Setting name.
      type: str
      returned: always
      sample: server.time_until_store_dead
    value:
      description: Current value in the server's text form.
      type: str
      returned: always
      sample: 5m0s
    type:
      description: >-
        The server's type letter: V(s) string, V(b) bool, V(i) int, V(f) float, V(d) duration, V(z) byte size,
        V(e) enum, V(m) version.
      type: str
      returned: always
      sample: d
    description:
      description: What the setting does, as the server describes it.
      type: str
      returned: always
    public:
      description: Whether the setting is documented (public).
      type: bool
      returned: when the server says
    default_value:
      description: The default value in the server's text form.
      type: str
      returned: when the server gives it (v24.1 and later)
      sample: 5m0s
    origin:
      description: Where the value comes from, V(default) or V(override) (or V(external-override)).
      type: str
      returned: when the server gives it (v24.1 and later)
      sample: default
setting_values:
  description: Name to value (the server's text form) of the returned settings.
  returned: always
  type: dict
  sample: {server.time_until_store_dead: 5m0s, cluster.preserve_downgrade_option: ""}
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import ClusterModule

# SHOW ALL CLUSTER SETTINGS column -> returned key
_COLUMNS = (("variable", "name"), ("value", "value"), ("setting_type", "type"), ("description", "description"),
            ("public", "public"), ("default_value", "default_value"), ("origin", "origin"))


def normalize_setting(row):
    """One row of SHOW ALL CLUSTER SETTINGS -> the returned dict (only the columns the server gave)."""
    out = {}
    for column, key in _COLUMNS:
        if column in row:
            out[key] = row[column]
    out.setdefault("description", "")
    return out


def select_settings(rows, names):
    """``(settings, unknown names)``: the rows for ``names`` (all when empty), in the server's order."""
    settings = [normalize_setting(r) for r in rows]
    if not names:
        return settings, []
    wanted = [n.strip().lower() for n in names]
    known = set(s["name"] for s in settings)
    unknown = [n for n in wanted if n not in known]
    chosen = [s for s in settings if s["name"] in set(wanted)]
    return chosen, unknown


def validate(params):
    errors = []
    for name in params["names"]:
        if not isinstance(name, str) or not name.strip():
            errors.append("names must be setting names such as server.time_until_store_dead, got %r" % (name,))
    return errors


def run(m):
    rows = m.client.list_cluster_settings()
    settings, unknown = select_settings(rows, m.params["names"])
    if unknown:
        m.fail("unknown cluster setting%s: %s (the server lists %d settings; check the spelling in names)" % (
            "s" if len(unknown) > 1 else "", ", ".join(unknown), len(rows)))
    return dict(changed=False, settings=settings, setting_values={s["name"]: s["value"] for s in settings})


def main():
    m = ClusterModule(argument_spec=dict(
        names=dict(type="list", elements="str", default=[], aliases=["name"]),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
