"""Role grants, person users by email, JWT issuers, invoices (issue 12).

Not implemented yet: no routes.
"""

ROUTES = []
OPERATION_IDS = {}
CONTROL_ROUTES = []


class StateMixin:
    def _reset_access(self):
        pass


class HandlersMixin:
    pass
