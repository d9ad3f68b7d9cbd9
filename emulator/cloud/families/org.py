"""Folders, service accounts and API keys (issue 12).

Not implemented yet: no routes.
"""

ROUTES = []
OPERATION_IDS = {}
CONTROL_ROUTES = []


class StateMixin:
    def _reset_org(self):
        pass


class HandlersMixin:
    pass
