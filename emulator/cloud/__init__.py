"""The Cloud API v1, by layer.

``routes.py``    method + path template -> handler (start here); also the control endpoints
``handlers.py``  parse the request, call the state, render the answer as the gateway does
``state.py``     the simulated organisation (clusters, lifecycle, users, databases, allowlist); no HTTP
``encoding.py``  protobuf-JSON: RFC 3339 timestamps, int64 as strings, request schemas and decoder
``errors.py``    gRPC codes and the gateway's error body
``seed.py``      the static catalogue (regions, versions, machine types, organisation)
"""

from emulator.cloud.handlers import CloudAPI

__all__ = ["CloudAPI"]
