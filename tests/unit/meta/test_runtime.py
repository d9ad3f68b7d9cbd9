# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""meta/runtime.yml action groups list exactly the modules of each API (for module_defaults)."""

import os

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def modules():
    folder = os.path.join(ROOT, "plugins", "modules")
    return sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py") and not f.startswith("_"))


def runtime():
    with open(os.path.join(ROOT, "meta", "runtime.yml")) as handle:
        return yaml.safe_load(handle)


def expected_group(name):
    return "cloud" if name.startswith("cloud_") else "cluster"


def test_every_module_is_in_its_group():
    groups = runtime()["action_groups"]
    for name in modules():
        assert name in groups[expected_group(name)], "%s missing from action group %s" % (name, expected_group(name))


def test_every_group_entry_is_a_module():
    groups = runtime()["action_groups"]
    existing = set(modules())
    for group, names in groups.items():
        assert names == sorted(names), "action group %s is not sorted" % group
        for name in names:
            assert name in existing, "action group %s lists %s, which is not a module" % (group, name)


def test_requires_ansible_is_what_ci_tests():
    assert runtime()["requires_ansible"] == ">=2.19.0"
