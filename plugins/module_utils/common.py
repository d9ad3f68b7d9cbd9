# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Argument specs (with env fallbacks) for both auth kinds and the thin module base.

A module is its docs, its argspec and a function ``run(module) -> result dict``;
:class:`CloudModule` / :class:`ClusterModule` build the client once, turn every client
error into one clean ``fail_json`` (no traceback, no secret) and exit once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    CockroachError,
    Redactor,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import (
    DEFAULT_API_VERSION,
    DEFAULT_SERVER,
    KNOWN_API_VERSIONS,
    CloudClient,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster import ClusterClient

CLOUD_ARGSPEC = dict(
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["COCKROACH_API_KEY"])),
    api_url=dict(type="str", default=DEFAULT_SERVER, fallback=(env_fallback, ["COCKROACH_SERVER"])),
    api_version=dict(type="str", default=DEFAULT_API_VERSION, choices=list(KNOWN_API_VERSIONS)),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    timeout=dict(type="float", default=30.0),
    retries=dict(type="int", default=4),
    rate_limit=dict(type="float", default=10.0),
)

CLUSTER_ARGSPEC = dict(
    cluster_url=dict(type="str", fallback=(env_fallback, ["COCKROACH_CLUSTER_URL"])),
    username=dict(type="str", fallback=(env_fallback, ["COCKROACH_CLUSTER_USER"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["COCKROACH_CLUSTER_PASSWORD"])),
    session=dict(type="str", no_log=True, fallback=(env_fallback, ["COCKROACH_CLUSTER_SESSION"])),
    ca_path=dict(type="path", fallback=(env_fallback, ["COCKROACH_CLUSTER_CA"])),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="float", default=30.0),
    retries=dict(type="int", default=3),
)


def cloud_argument_spec(**extra):
    spec = dict((k, dict(v)) for k, v in CLOUD_ARGSPEC.items())
    spec.update(extra)
    return spec


def cluster_argument_spec(**extra):
    spec = dict((k, dict(v)) for k, v in CLUSTER_ARGSPEC.items())
    spec.update(extra)
    return spec


def validate_cloud_params(params):
    """Messages for bad Cloud connection options (empty list = fine)."""
    errors = []
    if not params.get("api_key"):
        errors.append("api_key is required: set the api_key option or the COCKROACH_API_KEY environment variable "
                      "to a service account secret key")
    url = params.get("api_url") or ""
    if not (url.startswith("https://") or url.startswith("http://")):
        errors.append("api_url must be an http(s) URL such as %s (or set COCKROACH_SERVER), got %r" % (DEFAULT_SERVER, url))
    version = params.get("api_version")
    if version not in KNOWN_API_VERSIONS:
        errors.append("api_version %r is not a Cloud API version; use one of %s" % (version, ", ".join(KNOWN_API_VERSIONS)))
    if params.get("timeout") is not None and params["timeout"] <= 0:
        errors.append("timeout must be a positive number of seconds")
    if params.get("retries") is not None and params["retries"] < 0:
        errors.append("retries must be 0 or more")
    return errors


def validate_cluster_params(params):
    errors = []
    url = params.get("cluster_url") or ""
    if not url:
        errors.append("cluster_url is required: set the cluster_url option or COCKROACH_CLUSTER_URL to a node's "
                      "DB Console URL, e.g. https://node1:8080")
    elif not (url.startswith("https://") or url.startswith("http://")):
        errors.append("cluster_url must start with http:// or https://, got %r" % url)
    elif "/api/v2" in url.split("://", 1)[1].split("?", 1)[0]:
        errors.append("cluster_url must be the node's base URL without /api/v2 (the modules add the API path), "
                      "e.g. %r" % url.split("/api/v2", 1)[0])
    if not params.get("session") and not (params.get("username") and params.get("password") is not None):
        errors.append("the Cluster API needs a session token (session / COCKROACH_CLUSTER_SESSION) or username and "
                      "password (COCKROACH_CLUSTER_USER / COCKROACH_CLUSTER_PASSWORD)")
    if params.get("timeout") is not None and params["timeout"] <= 0:
        errors.append("timeout must be a positive number of seconds")
    return errors


def build_cloud_client(params, **kwargs):
    return CloudClient(
        params["api_key"], server=params.get("api_url"), api_version=params.get("api_version"),
        timeout=params.get("timeout") or 30.0, validate_certs=params.get("validate_certs", True),
        ca_path=params.get("ca_path"), retries=params.get("retries", 4),
        rate_limit=params.get("rate_limit", 10.0), **kwargs)


def build_cluster_client(params, url=None, **kwargs):
    return ClusterClient(
        url or params["cluster_url"], username=params.get("username"), password=params.get("password"),
        session=params.get("session"), timeout=params.get("timeout") or 30.0,
        validate_certs=params.get("validate_certs", True), ca_path=params.get("ca_path"),
        retries=params.get("retries", 3), **kwargs)


class _BaseModule:
    """Wraps ``AnsibleModule``: one client, errors -> one clean ``fail_json``, exit once."""

    argspec_factory = None
    validator = None

    def __init__(self, argument_spec=None, supports_check_mode=True, **kwargs):
        spec = self.argspec_factory(**(argument_spec or {}))  # pylint: disable=not-callable
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self._client = None
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        errors = self.validator(self.params)  # pylint: disable=not-callable
        if errors:
            self.fail("; ".join(errors))
        self.redactor = Redactor(self._secret_values())

    def _secret_values(self):
        return [v for k, v in self.params.items() if k in ("api_key", "password", "session") and v]

    def fail(self, msg, **kwargs):
        kwargs = self.redactor.data(kwargs) if hasattr(self, "redactor") else kwargs
        msg = self.redactor.text(msg) if hasattr(self, "redactor") else msg
        self.module.fail_json(msg=msg, **kwargs)

    def make_client(self):
        raise NotImplementedError

    def hint_for(self, exc):  # pylint: disable=unused-argument
        """One sentence naming the option that fixes a failure, or None."""
        return None

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
    argspec_factory = staticmethod(cloud_argument_spec)
    validator = staticmethod(validate_cloud_params)

    def hint_for(self, exc):
        if getattr(exc, "status", None) == 401:
            return ("The Cloud API did not accept the key: check api_key (or COCKROACH_API_KEY) and that api_url "
                    "points at the right server")
        if getattr(exc, "status", None) == 403:
            return "The service account of api_key lacks a role this operation needs (see the Cloud Console)"
        return None

    def make_client(self):
        return build_cloud_client(self.params)


class ClusterModule(_BaseModule):
    argspec_factory = staticmethod(cluster_argument_spec)
    validator = staticmethod(validate_cluster_params)

    def make_client(self):
        return build_cluster_client(self.params)
