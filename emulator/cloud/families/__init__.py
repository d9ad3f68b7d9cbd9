"""Resource families of the Cloud API emulator beyond clusters, SQL users, databases and allowlists.

Each family is one module of this package and brings everything of its part of the API:

* ``StateMixin``      methods of :class:`emulator.cloud.state.CloudState` (plain values, no HTTP);
                      ``_reset_<family>(self)`` is called by ``CloudState.reset()`` and creates the
                      family's initial state (under ``self.lock``; the clock, rng, ``_record`` audit
                      log and ``_cluster`` lookups of the core state are there to use);
* ``HandlersMixin``   methods of :class:`emulator.cloud.handlers.CloudAPI` (``(self, req, ctx, **path)``
                      -> ``Response``; ``self.s`` is the state, ``self._body``, ``self._paginate``,
                      ``self._ok`` the core helpers);
* ``ROUTES``          ``[Route(method, template, HandlersMixin.handler)]`` of the public API;
* ``OPERATION_IDS``   ``{handler name: spec operationId}`` (conformance test, fuzzer);
* ``CONTROL_ROUTES``  ``[Route(...)]`` relative to ``/_emulator/cloud`` (``(self, body, **path)``);
* ``state_view(api)`` -> dict, shown under the family's name in ``GET /_emulator/cloud/state``.

A family module never imports ``state.py`` or ``handlers.py`` (they import the families).
"""

import importlib

FAMILIES = ("org", "access", "backup", "maintenance", "export", "egress", "private_endpoints", "replication")
MODULES = tuple(importlib.import_module("emulator.cloud.families." + name) for name in FAMILIES)


def state_mixins():
    return tuple(m.StateMixin for m in MODULES)


def handler_mixins():
    return tuple(m.HandlersMixin for m in MODULES)


def routes():
    return [r for m in MODULES for r in m.ROUTES]


def control_routes():
    return [r for m in MODULES for r in getattr(m, "CONTROL_ROUTES", [])]


def operation_ids():
    """``{family: {handler name: operationId}}``."""
    return {name: dict(m.OPERATION_IDS) for name, m in zip(FAMILIES, MODULES)}


def reset(state):
    for name in FAMILIES:
        getattr(state, "_reset_" + name)()


def tick(state, c):
    """The families' lazy time-based changes of cluster ``c``: ``_tick_<family>(c)`` where a family defines it
    (called by ``CloudState._tick``, so a family's effect on a cluster field shows on every read of it)."""
    for name in FAMILIES:
        hook = getattr(state, "_tick_" + name, None)
        if hook is not None:
            hook(c)


def state_views(api):
    return {name: m.state_view(api) for name, m in zip(FAMILIES, MODULES) if hasattr(m, "state_view")}
