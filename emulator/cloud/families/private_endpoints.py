"""Private endpoint services, connections, trusted owners, AWS endpoint connections (issue 13).

Not implemented yet: no routes.
"""

ROUTES = []
OPERATION_IDS = {}
CONTROL_ROUTES = []


class StateMixin:
    def _reset_private_endpoints(self):
        pass


class HandlersMixin:
    pass
