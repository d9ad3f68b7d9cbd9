# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A scripted stand-in for ``requests.Session`` for the transport tests (the clock is the shared one)."""

import pytest
import requests

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.fake_http import FakeResponse  # noqa: F401  pylint: disable=unused-import


class FakeSession:
    """Answers requests from a script: a list of FakeResponse or exceptions, or a callable."""

    def __init__(self, script=None, handler=None):
        self.script = list(script or [])
        self.handler = handler
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append(dict(method=method, url=url, **kwargs))
        if self.handler is not None:
            item = self.handler(method, url, kwargs)
        else:
            item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    def close(self):
        pass


@pytest.fixture
def conn_error():
    return requests.exceptions.ConnectionError("Connection refused")


@pytest.fixture
def fake_session():
    return FakeSession
