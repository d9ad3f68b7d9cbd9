"""Backup configuration, backups, restores (issue 13).

Not implemented yet: no routes.
"""

ROUTES = []
OPERATION_IDS = {}
CONTROL_ROUTES = []


class StateMixin:
    def _reset_backup(self):
        pass


class HandlersMixin:
    pass
