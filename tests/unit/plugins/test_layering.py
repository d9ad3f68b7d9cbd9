# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The layering rules of design.md, checked on the source: only the two clients hold API paths.

* No string in the code of a plugin (outside ``module_utils/cloud.py``, its family mixins ``cloud_<family>.py``
  and ``module_utils/cluster.py``)
  contains ``/api/`` or starts like a Cloud API path; the DOCUMENTATION, EXAMPLES and RETURN texts
  may name endpoints for the reader.
* Nothing outside the clients touches a client's ``transport``.
* One place builds each client: ``CloudClient(``, ``client_class(`` and ``ClusterClient(`` are called only in
  ``module_utils/connection.py``.
* Every Cloud module names the family client mixins whose methods it calls (``client_mixins``), no more and no
  fewer: a missing one fails at run time, an extra one is compiled on every task for nothing.
"""

import ast
import os
import re

import pytest

PLUGINS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "plugins")
CLIENTS = {os.path.join("module_utils", "cloud.py"), os.path.join("module_utils", "cluster.py")}
# the client mixins of the Cloud API resource families (module_utils/cloud_<family>.py) own their paths too
CLIENTS |= {os.path.join("module_utils", "cloud_%s.py" % family) for family in (
    "access", "backup", "egress", "export", "maintenance", "org", "private_endpoints", "replication")}
DOC_NAMES = {"DOCUMENTATION", "EXAMPLES", "RETURN"}
# a Cloud path as the modules used to write it: "/clusters/...", "/auditlogevents", ...
CLOUD_PATH = re.compile(r"^/(clusters|auditlogevents|cluster-versions|folders|users|roles|organization|"
                        r"jwt-issuers|service-accounts|api-keys|invoices)(/|$)")


def plugin_files():
    root = os.path.normpath(PLUGINS)
    for folder, _dirs, files in os.walk(root):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, root), path


def code_strings(tree):
    """Every string constant of the file except the documentation assignments."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in DOC_NAMES for t in node.targets):
            skip.update(id(n) for n in ast.walk(node.value))
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and ast.get_docstring(node, clean=False):
            skip.add(id(node.body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node


FILES = list(plugin_files())
NOT_CLIENTS = [(rel, path) for rel, path in FILES if rel not in CLIENTS]
NOT_TRANSPORT_OWNERS = [(rel, path) for rel, path in NOT_CLIENTS if rel != os.path.join("module_utils", "transport.py")]
NOT_CONNECTION = [(rel, path) for rel, path in FILES if rel != os.path.join("module_utils", "connection.py")]


def test_the_scan_sees_the_plugins():
    names = {rel for rel, _path in FILES}
    assert CLIENTS <= names and len(NOT_CLIENTS) > 20, sorted(names)


@pytest.mark.parametrize("rel,path", NOT_CLIENTS, ids=[rel for rel, _path in NOT_CLIENTS])
def test_only_the_clients_hold_api_paths(rel, path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    offenders = ["line %d: %r" % (n.lineno, n.value) for n in code_strings(tree)
                 if "/api/" in n.value or CLOUD_PATH.match(n.value)]
    assert not offenders, "%s holds API paths; move them into a client method: %s" % (rel, offenders)


@pytest.mark.parametrize("rel,path", NOT_TRANSPORT_OWNERS, ids=[rel for rel, _path in NOT_TRANSPORT_OWNERS])
def test_only_the_clients_touch_the_transport(rel, path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    offenders = ["line %d" % n.lineno for n in ast.walk(tree)
                 if isinstance(n, ast.Attribute) and n.attr == "transport"]
    assert not offenders, "%s reaches into a client's transport: %s" % (rel, offenders)


@pytest.mark.parametrize("rel,path", NOT_CONNECTION, ids=[rel for rel, _path in NOT_CONNECTION])
def test_one_place_builds_each_client(rel, path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    offenders = ["line %d: %s" % (n.lineno, n.func.id if isinstance(n.func, ast.Name) else n.func.attr)
                 for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and getattr(n.func, "id", getattr(n.func, "attr", None)) in ("CloudClient", "ClusterClient", "client_class")]
    assert not offenders, "%s builds a client itself; use CloudConnection/ClusterConnection.client(): %s" % (
        rel, offenders)


_FAMILY_METHODS = {}


def family_methods():
    """{method name: mixin class name} of every family client mixin (module_utils/cloud_<family>.py)."""
    if _FAMILY_METHODS:
        return _FAMILY_METHODS
    found = _FAMILY_METHODS
    for rel, path in plugin_files():
        name = os.path.basename(rel)
        if not (rel.startswith("module_utils") and name.startswith("cloud_")):
            continue
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name.endswith("Api"):
                found.update((item.name, node.name) for item in node.body if isinstance(item, ast.FunctionDef))
    return found


CLOUD_MODULES = [(rel, path) for rel, path in plugin_files()
                 if rel.startswith("modules") and os.path.basename(rel).startswith("cloud_")]


def test_the_mixin_scan_sees_the_families():
    methods = family_methods()
    assert len(set(methods.values())) >= 8 and len(methods) > 100, methods
    assert len(CLOUD_MODULES) >= 36


@pytest.mark.parametrize("rel,path", CLOUD_MODULES, ids=[rel for rel, _path in CLOUD_MODULES])
def test_cloud_module_names_its_client_mixins(rel, path):
    methods = family_methods()
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    needed = sorted({methods[n.attr] for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in methods})
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "CloudModule"]
    assert len(calls) == 1, "%s: one CloudModule(...) expected" % rel
    given = [k.value for k in calls[0].keywords if k.arg == "client_mixins"]
    assert given and isinstance(given[0], ast.Tuple), (
        "%s: pass client_mixins=(...) to CloudModule (the family mixins it uses: %s)" % (rel, needed or "none, ()"))
    named = sorted(getattr(element, "id", "?") for element in given[0].elts)
    assert named == needed, "%s: client_mixins names %s, its calls need %s" % (rel, named, needed)
