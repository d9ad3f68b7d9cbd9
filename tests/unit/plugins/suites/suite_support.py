# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the issue-10 suites (faults, races) share: an interleaving hook and a figures line.

:func:`interleave` runs an action (typically a whole other module run: "the other play") just before the
in-process emulator serves the first request that matches, so a race is reproduced deterministically:
run A reads, run B runs to the end, run A writes.  :class:`Figures` prints the suite's figures at the
end of the test session (``runs converged of runs``, ``races won by both sides``).
"""

import re
from urllib.parse import urlsplit

import pytest

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import InProcessSession


def interleave(monkeypatch, method, path_regex, action):
    """Call ``action()`` once, right before the first ``method`` request whose path matches ``path_regex``."""
    real = InProcessSession._send
    fired = []

    def send(self, prep, timeout):
        if not fired and prep.method.upper() == method and re.search(path_regex, urlsplit(prep.url).path):
            fired.append(prep.url)
            action()
        return real(self, prep, timeout)
    monkeypatch.setattr(InProcessSession, "_send", send)
    return fired


class Figures:
    """Counts ``ok`` of ``tried`` per name; printed once when the test session ends."""

    def __init__(self, title):
        self.title = title
        self.counts = {}

    def add(self, name, ok):
        tried, good = self.counts.get(name, (0, 0))
        self.counts[name] = (tried + 1, good + (1 if ok else 0))

    def line(self):
        parts = ["%s %d of %d" % (name, good, tried) for name, (tried, good) in sorted(self.counts.items())]
        return "%s: %s" % (self.title, ", ".join(parts))


REGISTRY = []


def figures_fixture(title):
    """A module-scoped fixture collecting figures; ``conftest.py`` prints every line at the end of the session."""
    @pytest.fixture(scope="module")
    def figures():
        fig = Figures(title)
        REGISTRY.append(fig)
        return fig
    return figures
