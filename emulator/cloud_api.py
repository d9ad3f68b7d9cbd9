"""Placeholder: the Cloud API v1 emulation is being written (see issue 3)."""

from emulator.core import Request, Response


class CloudAPI:
    def __init__(self, api_key, rate_limit=10.0, create_seconds=2.0, clock=None, seed=0, **kwargs):
        self.api_key = api_key

    def handle(self, req: Request) -> Response:
        return Response.json(501, {"code": 12, "message": "not implemented yet", "details": []})

    def control(self, req: Request) -> Response:
        return Response.json(404, {"error": "no cloud control endpoints yet"})

    def reset(self) -> None:
        pass
