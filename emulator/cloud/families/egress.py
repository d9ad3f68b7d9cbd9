"""Egress traffic policy, egress rules, egress private endpoints (issue 13).

Not implemented yet: no routes.
"""

ROUTES = []
OPERATION_IDS = {}
CONTROL_ROUTES = []


class StateMixin:
    def _reset_egress(self):
        pass


class HandlersMixin:
    pass
