# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``requests`` response stand-in that every unit test's fake server answers with."""

import json


class FakeResponse:
    """A JSON ``body``, or a plain ``text`` body (text/plain unless ``headers`` say otherwise)."""

    def __init__(self, status, body=None, headers=None, text=None):
        self.status_code = status
        if text is None:
            text = json.dumps(body) if body is not None else ""
        self.text = text
        self.content = text.encode("utf-8")
        self.headers = dict(headers or {})
        if "Content-Type" not in self.headers and text:
            self.headers["Content-Type"] = "application/json" if body is not None else "text/plain; charset=utf-8"


def cloud_error(status, code, message):
    """A Cloud API error answer: ``{code, message, details}`` with the gRPC code."""
    return FakeResponse(status, {"code": code, "message": message, "details": []})
