# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure input checks shared by the modules, the inventory plugin and the connections.

Every function takes plain values and returns a list of messages (empty = fine); each message names
the option and says what is allowed, and never repeats a secret value. A module calls them from its
``validate`` hook, so bad input is refused before the first request.

Where the API documents a rule it is followed (label rules of the Cloud Console docs, 32-bit and 64-bit
integer fields of the Cloud API, the /19 bound of ``cidr_range`` in the official spec); where it does not,
the bound is a safe one and says so.
"""

from __future__ import annotations

import ipaddress
import math
import re

from urllib.parse import urlsplit

INT32_MAX = 2 ** 31 - 1
INT64_MAX = 2 ** 63 - 1

# Shared connection options.
MAX_TIMEOUT = 3600.0          # one HTTP answer; the waits have their own timeouts
MAX_RETRIES = 20
MAX_RATE_LIMIT = 1000.0
MIN_RATE_LIMIT = 0.1          # below that a task would wait more than 10 s between two requests

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_WHITESPACE_RE = re.compile(r"\s")


# -- numbers ---------------------------------------------------------------------------------------
def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number_errors(option, value, low=None, high=None, low_open=False, unit="", zero_ok=False):
    """``value`` finite and in ``[low, high]`` (``(low, high]`` with ``low_open``); None is fine (unset)."""
    if value is None:
        return []
    if not is_number(value):
        return ["%s must be a number, got %r" % (option, value)]
    if zero_ok and value == 0:
        return []
    allowed = _range_text(low, high, low_open, unit, zero_ok)
    if isinstance(value, float) and not math.isfinite(value):
        return ["%s must be a finite number %s, got %s" % (option, allowed, value)]
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and value > high
    if too_low or too_high:
        return ["%s must be %s, got %s" % (option, allowed, value)]
    return []


def _range_text(low, high, low_open, unit, zero_ok):
    unit = (" " + unit) if unit else ""
    if low is not None and high is not None:
        text = ("more than %s and at most %s%s" % (_num(low), _num(high), unit) if low_open
                else "between %s and %s%s" % (_num(low), _num(high), unit))
    elif low is not None:
        text = ("more than %s%s" % (_num(low), unit) if low_open else "%s%s or more" % (_num(low), unit))
    elif high is not None:
        text = "at most %s%s" % (_num(high), unit)
    else:
        text = "a finite number%s" % unit
    return ("0 (off) or " + text) if zero_ok else text


def _num(value):
    return ("%d" % value) if float(value).is_integer() else ("%s" % value)


def non_finite_errors(spec, params, prefix=""):
    """Every ``type: float`` option of an argspec (suboptions included) must be finite (no nan, no inf).

    A nan compares false with every bound, so a range check alone lets it through (``wait_timeout: nan``
    would poll forever, ``interval: nan`` would never sleep).
    """
    errors = []
    for name, option in (spec or {}).items():
        value = (params or {}).get(name)
        if value is None:
            continue
        label = prefix + name
        if option.get("type") == "float" and isinstance(value, float) and not math.isfinite(value):
            errors.append("%s must be a finite number, got %s" % (label, value))
        sub = option.get("options")
        if sub and isinstance(value, dict):
            errors += non_finite_errors(sub, value, label + ".")
        elif sub and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    errors += non_finite_errors(sub, item, "%s[%d]." % (label, index))
    return errors


def int32_errors(option, value, low=0):
    """A 32-bit integer field of the Cloud API (JSON number): between ``low`` and 2147483647."""
    if value is None:
        return []
    return number_errors(option, int(value) if is_number(value) else value, low, INT32_MAX)


def int64_errors(option, value, low=1):
    """A 64-bit integer field of the Cloud API (sent as a string): between ``low`` and 9223372036854775807."""
    if value is None:
        return []
    return number_errors(option, value, low, INT64_MAX)


# -- URLs and tokens -------------------------------------------------------------------------------
def url_parts(option, url):
    """``(errors, parts)`` for a base URL: http(s), a host, a valid port, no userinfo, query or fragment.

    ``parts`` is the ``urlsplit`` result (None when the URL cannot be used). Messages never echo a
    password given inside the URL.
    """
    shown = strip_userinfo(url)
    if _CONTROL_RE.search(url) or _WHITESPACE_RE.search(url):
        return ["%s must not contain spaces or control characters, got %r" % (option, shown)], None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return ["%s %r is not a valid URL (%s); use for example https://host:8080" % (option, shown, exc)], None
    errors = []
    if parts.scheme not in ("http", "https"):
        errors.append("%s must start with http:// or https://, got %r" % (option, shown))
    if not parts.hostname:
        errors.append("%s %r names no host; use for example https://host:8080" % (option, shown))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        errors.append("%s must not contain a user name or password (user:password@); give the credentials in "
                      "their own options" % option)
    if parts.query or url.endswith("?"):
        errors.append("%s must not contain a query string (?...): requests would go to the wrong path; remove it"
                      % option)
    if parts.fragment or "#" in url:
        errors.append("%s must not contain a fragment (#...): requests would go to the wrong path; remove it"
                      % option)
    if port is not None and port == 0:
        errors.append("%s has port 0; give the node's HTTP port, for example :8080" % option)
    return errors, (None if errors else parts)


def strip_userinfo(url):
    """``url`` without ``user:password@`` (for messages)."""
    if not isinstance(url, str):
        return url
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#]*@", r"\1", url)


def url_password(url):
    """The password inside ``scheme://user:password@host`` (to hide it everywhere), or None."""
    if not isinstance(url, str) or "@" not in url:
        return None
    try:
        return urlsplit(url).password or None
    except ValueError:
        return None


def cloud_api_url(url, api_prefix):
    """``(errors, base)``: the Cloud API base URL with a trailing ``api_prefix`` (the client's) removed.

    A trailing ``/api/v1`` is what the Cloud API's own documentation prints as its base URL, so it is
    accepted and stripped (the client adds it; kept, every path would be ``/api/v1/api/v1/...``). A path
    that names another API path (``/api/v1/clusters``, ``/api/v2``, ``/api``) is refused: it cannot be a
    base URL. Any other path is kept as a prefix, so a reverse proxy mounted at ``/cockroach`` still works.
    """
    if not url:
        return [], url
    errors, parts = url_parts("api_url", url)
    if errors:
        return errors, url
    path = parts.path.rstrip("/")
    if path.endswith(api_prefix):
        path = path[:-len(api_prefix)]
    if re.search(r"(^|/)api(/|$)", path):
        return ["api_url must be the server's base URL without an API path (the modules add %s/...), "
                "e.g. %s://%s; got path %r" % (api_prefix, parts.scheme, parts.netloc, parts.path)], url
    return [], "%s://%s%s" % (parts.scheme, parts.netloc, path)


def token_errors(option, value, what):
    """A secret sent in a header (``session``, ``api_key``): no whitespace or control character.

    The value itself is never repeated (an HTTP library would echo it, escaped, in its own error).
    """
    if not value or not isinstance(value, str):
        return []
    if _CONTROL_RE.search(value):
        return ["%s contains a control character (such as a newline), which cannot be sent in an HTTP header; "
                "give the %s exactly (for a value read from a file, use | trim)" % (option, what)]
    if _WHITESPACE_RE.search(value):
        return ["%s contains a space; give the %s exactly, without spaces" % (option, what)]
    return []


# -- Cloud: labels, regions, hardware, limits --------------------------------------------------------
# The label rules of the CockroachDB Cloud documentation ("Organize CockroachDB Cloud Resources Using
# Labels"): at most 50 labels; a key starts with a lowercase letter and has at most 63 lowercase letters,
# digits, underscores and dashes; a value has at most 63 lowercase letters, digits and dashes (may be empty).
MAX_LABELS = 50
LABEL_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE_RE = re.compile(r"^[a-z0-9-]{0,63}$")


def label_errors(labels, option="labels"):
    if not labels:
        return []
    errors = []
    if len(labels) > MAX_LABELS:
        errors.append("%s has %d labels; a cluster can have at most %d" % (option, len(labels), MAX_LABELS))
    for key, value in sorted(labels.items(), key=lambda kv: str(kv[0])):
        if not LABEL_KEY_RE.match(str(key)):
            errors.append("%s key %r is not a valid label key: start with a lowercase letter, then at most 62 "
                          "lowercase letters, digits, '_' or '-'" % (option, key))
        text = "" if value is None else value
        if isinstance(text, bool) or not isinstance(text, (str, int)) or not LABEL_VALUE_RE.match(str(text)):
            errors.append("%s.%s value %r is not a valid label value: at most 63 lowercase letters, digits or '-'"
                          % (option, key, value))
    return errors


# The shape of each provider's region names (GCP us-central1, AWS us-east-1, Azure eastus2). The list of
# regions changes, so only the shape is checked; whether a region is offered is the server's to say.
REGION_RES = {
    "GCP": re.compile(r"^[a-z]+-[a-z]+[0-9]+$"),
    "AWS": re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$"),
    "AZURE": re.compile(r"^[a-z]+[0-9]*$"),
}
REGION_EXAMPLES = {"GCP": "us-central1", "AWS": "us-east-1", "AZURE": "eastus2"}


def region_errors(option, regions, provider=None):
    """Region names: lowercase, no duplicates, and (when ``provider`` is known) in that provider's shape."""
    errors = []
    seen = {}
    for index, region in enumerate(regions or []):
        label = "%s[%d]" % (option, index) if isinstance(regions, list) else "%s.%s" % (option, region)
        name = "" if region is None else str(region)
        if not name.strip():
            errors.append("%s is empty; give a region name such as %s"
                          % (label, REGION_EXAMPLES.get(provider, "us-central1")))
            continue
        if name != name.strip() or name.lower() != name:
            errors.append("%s %r: region names are lowercase without spaces, did you mean %r?"
                          % (label, name, name.strip().lower()))
            continue
        if name in seen:
            errors.append("%s %r is listed twice (also as %s); list each region once" % (label, name, seen[name]))
            continue
        seen[name] = label
        pattern = REGION_RES.get(provider)
        if pattern is not None and not pattern.match(name):
            others = [p for p, rx in sorted(REGION_RES.items()) if p != provider and rx.match(name)]
            hint = (" (it looks like a region of %s)" % " or ".join(others)) if others else ""
            errors.append("%s %r is not a %s region name%s; %s regions look like %s"
                          % (label, name, provider, hint, provider, REGION_EXAMPLES[provider]))
    return errors


# vCPU sizes no provider offers are refused (the server decides which of these a provider has).
VCPU_SIZES = (2, 4, 8, 16, 32, 48, 64)
# A sanity bound for STANDARD provisioned capacity: far above any cluster the service runs (its own limit is
# lower and per account), far below the values that only typos produce (e.g. 10**12).
MAX_PROVISIONED_VCPUS = 10000


def vcpu_errors(option, value):
    if value is None:
        return []
    if value not in VCPU_SIZES:
        return ["%s must be one of %s vCPUs per node, got %s" % (option, ", ".join(map(str, VCPU_SIZES)), value)]
    return []


def usage_limit_errors(limits, option="usage_limits"):
    """Usage limits: request units and storage are int64, provisioned vCPUs a sane count."""
    limits = limits or {}
    errors = []
    for key in ("request_unit_limit", "storage_mib_limit"):
        value = limits.get(key)
        if value is not None and value > INT64_MAX:
            errors += int64_errors("%s.%s" % (option, key), value)
    vcpus = limits.get("provisioned_virtual_cpus")
    if vcpus is not None and vcpus > MAX_PROVISIONED_VCPUS:
        errors.append("%s.provisioned_virtual_cpus must be between 1 and %d vCPUs, got %s"
                      % (option, MAX_PROVISIONED_VCPUS, vcpus))
    return errors


def cidr_range_errors(option, value, max_prefix=19):
    """``cidr_range`` of a GCP ADVANCED cluster: an IPv4 network no smaller than /19 (the spec's bound)."""
    if value is None:
        return []
    text = str(value).strip()
    addr, sep, mask = text.partition("/")
    if not sep or not mask.isdigit() or not 0 <= int(mask) <= 32:
        return ["%s %r must be an IPv4 network with a prefix length from 0 to 32, such as 172.28.0.0/14"
                % (option, value)]
    try:
        network = ipaddress.IPv4Network(text, strict=False)
        ip = ipaddress.IPv4Address(addr)
    except ValueError:
        return ["%s %r is not an IPv4 network such as 172.28.0.0/14" % (option, value)]
    if network.network_address != ip:
        return ["%s %r has host bits set; did you mean %s?" % (option, value, network)]
    if int(mask) > max_prefix:
        return ["%s %r is too small: the prefix length must be /%d or shorter (e.g. 172.28.0.0/14)"
                % (option, value, max_prefix)]
    return []


def cloud_cluster_errors(params):
    """The checks of ``cloud_cluster`` that its decision file does not make (called from its validate hook)."""
    errors = []
    provider = None  # the provider's region shapes are checked in refuse_foreign_regions, once the cluster is read
    errors += region_errors("regions", params.get("regions"), provider)
    if params.get("primary_region") is not None:
        errors += [e.replace("primary_region[0]", "primary_region")
                   for e in region_errors("primary_region", [params["primary_region"]], provider)]
    region_nodes = params.get("region_nodes") or {}
    errors += region_errors("region_nodes", region_nodes, provider)
    for region, count in sorted(region_nodes.items()):
        if is_number(count) and count > INT32_MAX:
            errors += int32_errors("region_nodes.%s" % region, count, 1)
    hw = params.get("hardware") or {}
    errors += vcpu_errors("hardware.num_virtual_cpus", hw.get("num_virtual_cpus"))
    for key in ("storage_gib", "disk_iops"):
        if is_number(hw.get(key)) and hw[key] > INT32_MAX:
            errors += int32_errors("hardware.%s" % key, hw[key])
    errors += usage_limit_errors(params.get("usage_limits"))
    errors += label_errors(params.get("labels"))
    errors += cidr_range_errors("cidr_range", params.get("cidr_range"))
    if params.get("wait_timeout") is not None and params["wait_timeout"] > INT32_MAX:
        errors += number_errors("wait_timeout", params["wait_timeout"], 1, INT32_MAX, unit="seconds")
    return errors


def refuse_foreign_regions(params, current=None):
    """Raise ``ValueError`` when ``regions``/``primary_region``/``region_nodes`` name regions that are not in the
    shape of the cluster's provider (the existing cluster's, else the ``provider`` option).

    Called by ``cloud_cluster`` after the cluster is read and before any write. When the ``provider`` option
    differs from the existing cluster's, the module's own refusal (provider cannot change) speaks instead.
    """
    provider = (current or {}).get("cloud_provider") or params.get("provider")
    if current and params.get("provider") and params["provider"] != provider:
        return
    if provider not in REGION_RES:
        return
    errors = region_errors("regions", params.get("regions"), provider)
    if params.get("primary_region") is not None:
        errors += [e.replace("primary_region[0]", "primary_region")
                   for e in region_errors("primary_region", [params["primary_region"]], provider)]
    errors += region_errors("region_nodes", params.get("region_nodes") or {}, provider)
    if errors:
        raise ValueError("; ".join(errors))


def spend_limit_errors(params):
    """``cloud_spend_limit``: the legacy spend limit is an int32 number of cents; usage limits as above."""
    errors = []
    if is_number(params.get("spend_limit")) and params["spend_limit"] > INT32_MAX:
        errors += number_errors("spend_limit", params["spend_limit"], 0, INT32_MAX, unit="US cents")
    return errors + usage_limit_errors(params.get("usage_limits"))


# -- Cloud: SQL users and databases ----------------------------------------------------------------
# Names CockroachDB reserves: creating them fails or, for root/admin, would mean managing the built-in
# superuser through the Cloud API.
RESERVED_SQL_USERS = ("root", "admin", "public", "node", "none")
# No limit is documented for a SQL user's password; this bound is far above any generated password (the
# Terraform provider generates 32 characters) and far below what only a mistake produces (a 1 MiB file).
MAX_PASSWORD_BYTES = 1024


def sql_user_errors(params):
    errors = []
    name = params.get("name")
    if isinstance(name, str) and name.lower() in RESERVED_SQL_USERS:
        errors.append("name %r is a user CockroachDB reserves (%s); choose another SQL user name"
                      % (name, ", ".join(RESERVED_SQL_USERS)))
    errors += password_errors("password", params.get("password"))
    return errors


def password_errors(option, password):
    if not password:
        return []
    errors = []
    if "\x00" in password:
        errors.append("%s contains a NUL character, which CockroachDB cannot store; remove it" % option)
    size = len(password.encode("utf-8"))
    if size > MAX_PASSWORD_BYTES:
        errors.append("%s is %d bytes long; at most %d bytes are accepted (a safe bound: no limit is documented)"
                      % (option, size, MAX_PASSWORD_BYTES))
    return errors


def database_name_errors(option, name):
    if name is None:
        return []
    if _CONTROL_RE.search(name):
        return ["%s %r contains a control character (such as NUL); database names cannot" % (option, name)]
    return []


def database_errors(params):
    return database_name_errors("name", params.get("name")) + database_name_errors("rename_from",
                                                                                   params.get("rename_from"))


def database_case_conflict(databases, name):
    """The name of an existing database that differs from ``name`` only in case, or None.

    CockroachDB folds unquoted identifiers to lowercase, so ``App`` next to ``app`` is a trap: SQL clients
    that do not quote reach the other database.
    """
    if not name:
        return None
    for db in databases or []:
        other = db.get("name") if isinstance(db, dict) else db
        if other and other != name and other.lower() == name.lower():
            return other
    return None


def refuse_database_case_twin(databases, name, state="present", rename_from=None):
    """Raise ``ValueError`` naming ``name`` when creating ``name`` next to a database that differs only in case
    (renaming ``App`` to ``app`` is fine: the twin is the database being renamed)."""
    if state != "present" or any(isinstance(db, dict) and db.get("name") == name for db in databases or []):
        return
    twin = database_case_conflict(databases, name)
    if twin is not None and twin != rename_from:
        raise ValueError("name %r differs only in case from the existing database %r; CockroachDB folds unquoted "
                         "names to lowercase, so use %r (or a different name)" % (name, twin, twin))


# -- inventory -------------------------------------------------------------------------------------
_IDENT_PREFIX_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$|^$")
_GROUP_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def inventory_option_errors(options):
    """Options of the ``cluster_nodes`` inventory plugin that would make invalid host, group or variable names."""
    errors = []
    prefix = options.get("vars_prefix")
    if prefix is not None and not _IDENT_PREFIX_RE.match(prefix):
        errors.append("vars_prefix %r must be empty or start a variable name (letters, digits and '_', not "
                      "starting with a digit)" % prefix)
    group = options.get("group")
    if group is not None and not _GROUP_RE.match(group):
        errors.append("group %r must be a valid group name (letters, digits and '_', not starting with a digit)"
                      % group)
    group_prefix = options.get("group_prefix")
    if group_prefix and not _IDENT_PREFIX_RE.match(group_prefix):
        errors.append("group_prefix %r must be empty or start a group name (letters, digits and '_')" % group_prefix)
    host_prefix = options.get("hostname_prefix")
    if options.get("hostname") in (None, "node_id") and host_prefix is not None and (
            not host_prefix or _WHITESPACE_RE.search(host_prefix) or _CONTROL_RE.search(host_prefix)):
        errors.append("hostname_prefix %r must be a non-empty host name prefix without spaces (e.g. node)"
                      % host_prefix)
    return errors
