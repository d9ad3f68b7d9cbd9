# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one fake of the unit tests: the bundled emulator in-process, one fake clock, one ``run_module``.

* :class:`FakeClock` (the emulator's ``ManualClock``): ``monotonic()``/``time()``/``sleep()``/``advance()``;
  sleeping moves it instantly.  :func:`use_clock` makes every ``time.sleep``/``time.monotonic``/
  ``time.time`` the collection's plugins use (module globals and argument defaults) this clock.
* :func:`run_module` runs a module's ``main()`` with args and returns its result (``failed`` always set).
* :class:`emulator.inprocess.InProcessEmulator`: the emulator's real handlers without sockets;
  :func:`route_requests` makes every ``requests.Session()`` a session on it.

The fixtures (``clock``, ``emulated``, ``emulated_factory``) are in ``conftest.py`` beside this file.
"""

import contextlib
import importlib
import io
import json
import os
import pkgutil
import sys
import time
import types

import requests

from ansible.module_utils.testing import patch_module_args

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
if COLLECTION_ROOT not in sys.path:
    sys.path.insert(0, COLLECTION_ROOT)  # the bundled emulator/ package lives at the collection root

from emulator.core import ManualClock  # noqa: E402  pylint: disable=wrong-import-position
from emulator.inprocess import InProcessEmulator, InProcessSession  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import

PLUGINS = "ansible_collections.cockroachdb.cockroachdb.plugins"
FakeClock = ManualClock


# --------------------------------------------------------------------------------------------
# One clock
# --------------------------------------------------------------------------------------------

class _TimeModule(types.ModuleType):
    """``time`` with sleep/monotonic/time taken from a fake clock; everything else is the real module."""

    def __init__(self, clock):
        super().__init__("time")
        self.sleep = clock.sleep
        self.monotonic = clock.monotonic
        self.time = clock.time

    def __getattr__(self, name):
        return getattr(time, name)


def _import_plugins():
    """Import every module_utils file (so that lazily imported ones are patched too)."""
    package = importlib.import_module(PLUGINS + ".module_utils")
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(PLUGINS + ".module_utils." + info.name)


def _swap_defaults(monkeypatch, func, table):
    func = getattr(func, "__func__", func)
    if not isinstance(func, types.FunctionType):
        return
    if func.__defaults__ and any(id(v) in table for v in func.__defaults__):
        monkeypatch.setattr(func, "__defaults__", tuple(table.get(id(v), v) for v in func.__defaults__))
    if func.__kwdefaults__ and any(id(v) in table for v in func.__kwdefaults__.values()):
        monkeypatch.setattr(func, "__kwdefaults__", {k: table.get(id(v), v) for k, v in func.__kwdefaults__.items()})


def use_clock(monkeypatch, clock):
    """Make ``clock`` the time of every loaded plugin module: ``time.*`` calls and ``sleep=time.sleep``-style defaults."""
    _import_plugins()
    table = {id(time.sleep): clock.sleep, id(time.monotonic): clock.monotonic, id(time.time): clock.time}
    fake_time = _TimeModule(clock)
    for name, mod in list(sys.modules.items()):
        if mod is None or not name.startswith(PLUGINS + "."):
            continue
        for attr, value in list(vars(mod).items()):
            if value is time:
                monkeypatch.setattr(mod, attr, fake_time)
            elif id(value) in table:
                monkeypatch.setattr(mod, attr, table[id(value)])
            elif isinstance(value, types.FunctionType) and value.__module__ == name:
                _swap_defaults(monkeypatch, value, table)
            elif isinstance(value, type) and value.__module__ == name:
                for member in vars(value).values():
                    _swap_defaults(monkeypatch, member, table)
    return clock


# --------------------------------------------------------------------------------------------
# One run_module
# --------------------------------------------------------------------------------------------

class ModuleResult(dict):
    """A module's result dict (``failed`` always present); ``output`` is what the module printed."""

    output = ""

    @property
    def failed(self):
        return bool(self.get("failed"))


def run_module(module, args, check=False, diff=False):
    """Run ``module.main()`` (or a ``main`` function) with ``args``; returns a :class:`ModuleResult`.

    The module exits as it does under Ansible (``exit_json``/``fail_json`` print JSON, then exit);
    the printed JSON is the result.  ``check``/``diff`` set check mode and diff mode.
    """
    main = module if callable(module) and not isinstance(module, types.ModuleType) else module.main
    params = dict(args)
    if check:
        params["_ansible_check_mode"] = True
    if diff:
        params["_ansible_diff"] = True
    out = io.StringIO()
    code = None
    with patch_module_args(params):
        with contextlib.redirect_stdout(out):
            try:
                main()
            except SystemExit as exc:
                code = exc.code
    text = out.getvalue()
    if code is None:
        raise AssertionError("the module returned without exit_json/fail_json; printed: %r" % text)
    try:
        result = ModuleResult(json.loads(text))
    except ValueError:
        raise AssertionError("the module printed no JSON result (exit %r): %r" % (code, text))
    result.setdefault("failed", False)
    result.output = text
    return result


# --------------------------------------------------------------------------------------------
# The emulator as the only server
# --------------------------------------------------------------------------------------------

def route_requests(monkeypatch, emulator):
    """Every ``requests.Session()`` (the transport's, the health gate's, ...) becomes a session on ``emulator``."""
    monkeypatch.setattr(requests, "Session", emulator.session)


ENV_PREFIXES = ("COCKROACH_",)


class Emulated:
    """What the ``emulated`` fixture gives a test: the in-process emulator plus module args for it.

    Everything of :class:`emulator.inprocess.InProcessEmulator` is reachable directly (``cloud_url``,
    ``node_urls``, ``api_key``, ``admin_user``, ``admin_password``, ``requests()``, ``clear_requests()``,
    ``stop_node(n)``, ``start_node(n)``, ``restart_node(n, downtime=...)``, ``drain_node(n)``,
    ``patch_node(n, fields)``, ``fault_rules(rule, ...)``, ``set_faults(rate=..., kinds=...)``,
    ``advance(s)``, ``lock_cluster(id)``, ``create_cluster(...)``, ``login(n)``, ``control(...)``, ``state()``).
    """

    def __init__(self, emulator, clock):
        self.emulator = emulator
        self.clock = clock

    def __getattr__(self, name):
        return getattr(self.emulator, name)

    def cloud_args(self, **args):
        """Cloud module connection args for the emulator, plus ``args``."""
        out = {"api_key": self.emulator.api_key, "api_url": self.emulator.cloud_url}
        out.update(args)
        return out

    def cluster_args(self, node_id=1, **args):
        """Cluster module connection args (``cluster_url`` of ``node_id``, admin credentials), plus ``args``."""
        out = {"cluster_url": self.emulator.node_url(node_id), "username": self.emulator.admin_user,
               "password": self.emulator.admin_password}
        out.update(args)
        return out

    def secrets(self):
        """The emulator's secrets (assert none appears in a module's output)."""
        return [self.emulator.api_key, self.emulator.admin_password]

    def paths(self, api=None, method=None):
        """(method, path) of every logged request, oldest first."""
        return [(e["method"], e["path"]) for e in self.emulator.requests(api=api)
                if method is None or e["method"] == method]


def start_emulated(monkeypatch, clock, **flags):
    """A fresh in-process emulator on ``clock``; every requests.Session and plugin clock now points at it."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)
    flags.setdefault("seed", 0)
    emulator = InProcessEmulator(clock=clock, **flags)
    route_requests(monkeypatch, emulator)
    use_clock(monkeypatch, clock)
    return Emulated(emulator, clock)
