"""Maintenance window, version deferral, blackout windows, client CA certificate (issue 13).

Not implemented yet: no routes.
"""

ROUTES = []
OPERATION_IDS = {}
CONTROL_ROUTES = []


class StateMixin:
    def _reset_maintenance(self):
        pass


class HandlersMixin:
    pass
