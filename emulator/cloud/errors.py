"""Errors of the Cloud API: the gRPC code, the HTTP status and the gateway's JSON error body."""

from __future__ import annotations

from typing import Dict, Optional

from emulator.core import Response

# gRPC codes used in error bodies.
INVALID_ARGUMENT = 3
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
UNIMPLEMENTED = 12
UNAVAILABLE = 14
UNAUTHENTICATED = 16


class ApiError(Exception):
    def __init__(self, http: int, code: int, message: str, headers: Optional[Dict[str, str]] = None):
        super().__init__(message)
        self.http = http
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> Response:
        return Response.json(self.http, {"code": self.code, "message": self.message, "details": []},
                             self.headers)


def bad(message: str, code: int = INVALID_ARGUMENT) -> ApiError:
    return ApiError(400, code, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, NOT_FOUND, message)
