"""CMEK, log export, metric export (issue 13).

Not implemented yet: no routes.
"""

ROUTES = []
OPERATION_IDS = {}
CONTROL_ROUTES = []


class StateMixin:
    def _reset_export(self):
        pass


class HandlersMixin:
    pass
