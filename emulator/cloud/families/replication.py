"""Physical cluster replication streams (issue 13).

Not implemented yet: no routes.
"""

ROUTES = []
OPERATION_IDS = {}
CONTROL_ROUTES = []


class StateMixin:
    def _reset_replication(self):
        pass


class HandlersMixin:
    pass
