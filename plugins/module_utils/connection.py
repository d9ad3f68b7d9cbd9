# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One connection object per API: its options, env fallbacks, validation and client, in one place.

:class:`CloudConnection` and :class:`ClusterConnection` are built from a module's params
(:meth:`from_params`) or from a plugin's options (:meth:`from_plugin`, which reads each option
with ``get_option``: the plugin documents the same ``env:`` entries as the argspec's fallbacks).
Every module, the inventory plugin and the health gate build their clients through them, so an
option means the same thing and a bad value is worded the same way everywhere.

The options are documented once, in the ``cockroachdb.cockroachdb.cloud`` and
``cockroachdb.cockroachdb.cluster`` doc fragments.
"""

from __future__ import annotations

from urllib.parse import unquote

from ansible.module_utils.basic import env_fallback

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import checks

DEFAULT_SERVER = "https://cockroachlabs.cloud"
DEFAULT_API_VERSION = "2024-09-16"
KNOWN_API_VERSIONS = ("2022-03-31", "2022-09-20", "2023-04-10", "2024-09-16")


def _copy_spec(spec, extra):
    merged = {name: dict(option) for name, option in spec.items()}
    merged.update(extra)
    return merged


class _Connection:
    """Options of one API; subclasses say which, how to check them and how to build the client."""

    OPTIONS = {}
    SECRET_OPTIONS = ()

    def __init__(self, options):
        self.options = {name: options.get(name) for name in self.OPTIONS}
        for name, spec in self.OPTIONS.items():
            if self.options[name] is None and "default" in spec:
                self.options[name] = spec["default"]

    @classmethod
    def argument_spec(cls, **extra):
        """The connection options (a fresh copy) plus a module's own ``extra`` options."""
        return _copy_spec(cls.OPTIONS, extra)

    @classmethod
    def from_params(cls, params):
        return cls(params)

    @classmethod
    def from_plugin(cls, plugin):
        """From an inventory/lookup plugin whose DOCUMENTATION declares the same options."""
        return cls({name: plugin.get_option(name) for name in cls.OPTIONS})

    def __getitem__(self, name):
        return self.options[name]

    def get(self, name, default=None):
        value = self.options.get(name)
        return default if value is None else value

    @property
    def secrets(self):
        """The secret values among the options, and any password inside a URL (for the redactor)."""
        return [self.options[name] for name in self.SECRET_OPTIONS if self.options.get(name)] + self.url_passwords

    # The URL option of this API (named in messages and hints).
    URL_OPTION = None

    def errors(self):
        """Messages for bad option values, each naming the option and the allowed range (empty = fine)."""
        errors = checks.number_errors("timeout", self.options.get("timeout"), 0, checks.MAX_TIMEOUT, low_open=True,
                                      unit="seconds")
        errors += checks.number_errors("retries", self.options.get("retries"), 0, checks.MAX_RETRIES)
        if "rate_limit" in self.OPTIONS:
            rate = self.options.get("rate_limit")
            errors += checks.number_errors("rate_limit", rate, checks.MIN_RATE_LIMIT, checks.MAX_RATE_LIMIT,
                                           unit="requests per second", zero_ok=True)
        return errors

    @property
    def url_passwords(self):
        """Passwords written inside a URL option (refused, but hidden everywhere all the same)."""
        found = checks.url_password(self.options.get(self.URL_OPTION)) if self.URL_OPTION else None
        if not found:
            return []
        # as written (percent-encoded) and as a library decodes it
        return sorted({found, unquote(found)})

    @property
    def insecure_warning(self):
        """The warning to show once when ``validate_certs`` is false (None when it is true)."""
        if self.options.get("validate_certs") is not False:
            return None
        return ("validate_certs is false: the TLS certificate of %s is not checked, so anyone on the network path "
                "can impersonate the server and read the credentials this task sends; give the CA in ca_path "
                "instead (only use validate_certs: false against a test server)" % self.URL_OPTION)

    def hint_for(self, exc):
        """One sentence naming the URL option that fixes a TLS or redirect failure, or None."""
        from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import error_reason

        reason = error_reason(exc)
        option = self.URL_OPTION
        if reason == "not_tls":
            return "Check the scheme and the port of %s" % option
        if reason == "https_redirect":
            return "Use https:// in %s" % option
        return None

    def check(self):
        """Raise ``ValueError`` with every problem at once (for plugins and the gate)."""
        errors = self.errors()
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def client(self, **overrides):
        raise NotImplementedError


def _cloud_api_prefix():
    """The Cloud API's path prefix, as the client builds it (only the clients hold API paths)."""
    from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import CloudClient

    return CloudClient._path(None, "")  # pylint: disable=protected-access


class CloudConnection(_Connection):
    """The Cloud API: a service-account secret key, the server and the ``Cc-Version``."""

    OPTIONS = dict(
        api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["COCKROACH_API_KEY"])),
        api_url=dict(type="str", default=DEFAULT_SERVER, fallback=(env_fallback, ["COCKROACH_SERVER"])),
        api_version=dict(type="str", default=DEFAULT_API_VERSION, choices=list(KNOWN_API_VERSIONS)),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        timeout=dict(type="float", default=30.0),
        retries=dict(type="int", default=4),
        rate_limit=dict(type="float", default=10.0),
    )
    SECRET_OPTIONS = ("api_key",)
    URL_OPTION = "api_url"

    def errors(self):
        errors = []
        if not self.options.get("api_key"):
            errors.append("api_key is required: set the api_key option or the COCKROACH_API_KEY environment variable "
                          "to a service account secret key")
        errors += checks.token_errors("api_key", self.options.get("api_key"), "service account secret key")
        url = self.options.get("api_url") or ""
        if not (url.startswith("https://") or url.startswith("http://")):
            errors.append("api_url must be an http(s) URL such as %s (or set COCKROACH_SERVER), got %r"
                          % (DEFAULT_SERVER, checks.strip_userinfo(url)))
        else:
            errors += checks.cloud_api_url(url, _cloud_api_prefix())[0]
        version = self.options.get("api_version")
        if version not in KNOWN_API_VERSIONS:
            errors.append("api_version %r is not a Cloud API version; use one of %s"
                          % (version, ", ".join(KNOWN_API_VERSIONS)))
        return errors + super().errors()

    def client(self, mixins=None, **overrides):
        """A :class:`CloudClient` with the family ``mixins`` (None: every family, see ``cloud.client_class``);
        ``overrides`` (``session``, ``sleep``, ``clock``, ``retry``) are for tests."""
        from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import client_class

        return client_class(mixins)(
            self.options["api_key"], server=checks.cloud_api_url(self.options["api_url"], _cloud_api_prefix())[1],
            api_version=self.options["api_version"],
            timeout=self.get("timeout", 30.0), validate_certs=self.get("validate_certs", True),
            ca_path=self.options.get("ca_path"), retries=self.get("retries", 4),
            rate_limit=self.get("rate_limit", 10.0), **overrides)


class ClusterConnection(_Connection):
    """The Cluster API of one node: its base URL and a session token or a SQL user and password."""

    OPTIONS = dict(
        cluster_url=dict(type="str", fallback=(env_fallback, ["COCKROACH_CLUSTER_URL"])),
        username=dict(type="str", fallback=(env_fallback, ["COCKROACH_CLUSTER_USER"])),
        password=dict(type="str", no_log=True, fallback=(env_fallback, ["COCKROACH_CLUSTER_PASSWORD"])),
        session=dict(type="str", no_log=True, fallback=(env_fallback, ["COCKROACH_CLUSTER_SESSION"])),
        ca_path=dict(type="path", fallback=(env_fallback, ["COCKROACH_CLUSTER_CA"])),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="float", default=30.0),
        retries=dict(type="int", default=3),
    )
    SECRET_OPTIONS = ("password", "session")
    URL_OPTION = "cluster_url"

    def errors(self):
        from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster import API_PREFIX

        errors = []
        url = self.options.get("cluster_url") or ""
        if not url:
            errors.append("cluster_url is required: set the cluster_url option or COCKROACH_CLUSTER_URL to a node's "
                          "DB Console URL, e.g. https://node1:8080")
        elif not (url.startswith("https://") or url.startswith("http://")):
            errors.append("cluster_url must start with http:// or https://, got %r" % checks.strip_userinfo(url))
        else:
            url_errors = checks.url_parts("cluster_url", url)[0]
            errors += url_errors
            if not url_errors and API_PREFIX in url.split("://", 1)[1]:
                errors.append("cluster_url must be the node's base URL without %s (the modules add the API path), "
                              "e.g. %r" % (API_PREFIX, url.split(API_PREFIX, 1)[0]))
        errors += checks.token_errors("session", self.options.get("session"), "session token")
        has_login = self.options.get("username") and self.options.get("password") is not None
        if not self.options.get("session") and not has_login:
            errors.append("the Cluster API needs a session token (session / COCKROACH_CLUSTER_SESSION) or username "
                          "and password (COCKROACH_CLUSTER_USER / COCKROACH_CLUSTER_PASSWORD)")
        return errors + super().errors()

    def client(self, url=None, **overrides):
        """A :class:`ClusterClient` for ``url`` (default ``cluster_url``).

        ``overrides`` may replace ``session`` (a token, e.g. one shared by the gate), ``timeout``,
        ``retries`` or ``retry``, and inject ``http_session``/``sleep``/``clock`` in tests.
        """
        from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster import ClusterClient

        kwargs = dict(
            username=self.options.get("username"), password=self.options.get("password"),
            session=self.options.get("session"), timeout=self.get("timeout", 30.0),
            validate_certs=self.get("validate_certs", True), ca_path=self.options.get("ca_path"),
            retries=self.get("retries", 3))
        kwargs.update(overrides)
        return ClusterClient(url or self.options["cluster_url"], **kwargs)
