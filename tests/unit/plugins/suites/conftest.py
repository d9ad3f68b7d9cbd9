# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Prints the figures of the issue-10 suites (faults, races) in pytest's closing summary."""

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.suites.suite_support import REGISTRY


def pytest_terminal_summary(terminalreporter):
    for fig in REGISTRY:
        if fig.counts:
            terminalreporter.write_line(fig.line())
