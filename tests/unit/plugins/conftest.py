# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures shared by every unit test: one fake clock and the bundled emulator in-process.

``clock``: a fresh :class:`FakeClock` (``monotonic()``, ``time()``, ``sleep(s)`` moves it instantly,
``advance(s)``, ``sleeps``, ``after(s, fn)``).  Not yet wired into the plugins: ``emulated`` does that.

``emulated``: a fresh 3-node in-process emulator per test (Cloud API, nodes, control API, request log,
faults) on ``clock``.  While the test runs every ``requests.Session()`` talks to it (no socket), every
``time.sleep``/``time.monotonic``/``time.time`` of the plugins is ``clock``, and ``COCKROACH_*``
variables are unset.  ``emulated_factory(**flags)`` builds one with other flags (``nodes=5``,
``rate_limit=0``, ...).  Use with ``run_module`` from ``emulated.py``::

    from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module

    def test_lists_nodes(emulated):
        res = run_module(cluster_nodes_info, emulated.cluster_args())
        assert not res.failed and len(res["nodes"]) == 3
"""

import pytest

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import FakeClock, start_emulated


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def emulated_factory(monkeypatch, clock):
    """``emulated_factory(**cli_flags)``: a fresh in-process emulator (the newest one receives the requests)."""
    def factory(**flags):
        return start_emulated(monkeypatch, clock, **flags)
    return factory


@pytest.fixture
def emulated(emulated_factory):
    """A fresh 3-node in-process emulator (seed 0), wired in for the whole test."""
    return emulated_factory(nodes=3)
