# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The module base: a module is its docs, its argspec and a function ``run(module) -> result dict``.

:class:`CloudModule` / :class:`ClusterModule` take their connection options from
:mod:`connection`, check them and the module's own ``validate`` hook before anything is sent,
build the client once, turn every client error into one clean ``fail_json`` (no traceback, no
secret) and exit once.

``validate`` is a function ``params -> list of messages`` for what the argspec cannot say
(ranges, formats, combinations that depend on values); each message names the option and the fix.
"""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import checks
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import (
    CloudConnection,
    ClusterConnection,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    CockroachError,
    Redactor,
)


def page_size_option(default):
    """The shared ``page_size`` option (documented by the ``cockroachdb.cockroachdb.page_size`` fragment)."""
    return dict(type="int", default=default)


def validate_page_size(params):
    """The ``validate`` hook of a module with a ``page_size`` option."""
    if params.get("page_size") is not None and params["page_size"] < 1:
        return ["page_size must be 1 or more, got %d" % params["page_size"]]
    return []


class _AnsibleModule(AnsibleModule):
    """``AnsibleModule`` that also hides a password written inside a URL option in a failure, even one the
    argspec check raises before the module's own code runs (the result echoes every option's value)."""

    URL_OPTIONS = ("cluster_url", "api_url")

    def fail_json(self, msg, **kwargs):
        for name in self.URL_OPTIONS:
            value = (getattr(self, "params", None) or {}).get(name)
            password = checks.url_password(value) if isinstance(value, str) else None
            if password:
                self.no_log_values.add(password)
        super().fail_json(msg, **kwargs)


class _BaseModule:
    """Wraps ``AnsibleModule``: one connection, one client, errors -> one clean ``fail_json``, exit once."""

    connection_class = None

    def __init__(self, argument_spec=None, supports_check_mode=True, validate=None, **kwargs):
        spec = self.connection_class.argument_spec(**(argument_spec or {}))  # pylint: disable=no-member
        self.module = _AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.connection = self.connection_class.from_params(self.params)  # pylint: disable=not-callable
        # every no_log option (the connection's secrets and a module's own, such as a SQL user's password)
        self.redactor = Redactor([self.params[name] for name, option in spec.items()
                                  if option.get("no_log") and isinstance(self.params.get(name), str)
                                  and self.params[name]])
        for secret in self.connection.url_passwords:
            # a password inside a URL option: refused below, and hidden from the result's invocation too
            self.redactor.add(secret)
            self.module.no_log_values.add(secret)
        self._client = None
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        errors = checks.non_finite_errors(spec, self.params)
        if not errors:
            errors = self.connection.errors()
            if validate is not None:
                errors.extend(validate(self.params))
        if errors:
            self.fail("; ".join(errors))
        if self.connection.insecure_warning:
            self.module.warn(self.connection.insecure_warning)

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=self.redactor.text(msg), **self.redactor.data(kwargs))

    def make_client(self):
        """The client of this module's API (tests replace it to inject a fake HTTP session)."""
        return self.connection.client()

    def hint_for(self, exc):
        """One sentence naming the option that fixes a failure, or None."""
        return self.connection.hint_for(exc)

    @property
    def client(self):
        if self._client is None:
            self._client = self.make_client()
        return self._client

    def run(self, func):
        """Call ``func(self)`` -> result dict and exit; every client error becomes one failure."""
        try:
            try:
                result = func(self)
            finally:
                if self._client is not None:
                    self._client.close()
        except CockroachError as exc:
            message = self.redactor.text(str(exc))
            hint = self.hint_for(exc)
            if hint:
                message = "%s. %s" % (message.rstrip("."), hint)
            self.fail(message, **exc.to_result())
        except ValueError as exc:
            self.fail(self.redactor.text(str(exc)))
        except Exception as exc:  # last resort: still no secret, but keep the trace for -vvv  # pylint: disable=broad-except
            self.fail("unexpected error: %s" % self.redactor.text(repr(exc)),
                      exception=self.redactor.text(traceback.format_exc()))
        self.module.exit_json(**result)


class CloudModule(_BaseModule):
    """A Cloud API module. ``client_mixins``: the family client mixins (``cloud_<family>.py``) whose methods the module
    calls, () for the core paths only; None (every family) costs each task ~110 ms of compiling."""

    connection_class = CloudConnection

    def __init__(self, argument_spec=None, supports_check_mode=True, validate=None, client_mixins=None, **kwargs):
        self.client_mixins = client_mixins
        super().__init__(argument_spec=argument_spec, supports_check_mode=supports_check_mode, validate=validate,
                         **kwargs)

    def make_client(self):
        return self.connection.client(mixins=self.client_mixins)

    def hint_for(self, exc):
        if getattr(exc, "status", None) == 401:
            return ("The Cloud API did not accept the key: check api_key (or COCKROACH_API_KEY) and that api_url "
                    "points at the right server")
        if getattr(exc, "status", None) == 403:
            return "The service account of api_key lacks a role this operation needs (see the Cloud Console)"
        return super().hint_for(exc)


class ClusterModule(_BaseModule):
    connection_class = ClusterConnection
