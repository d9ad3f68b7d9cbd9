# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloud API paths of one resource family: maintenance window, version deferral, blackout windows, client CA certificate (issue 13).

:class:`MaintenanceApi` is a mixin of :class:`cloud.CloudClient` (which owns every Cloud API path through its
mixins): its methods use the client's verbs (``self._get``, ``self._post``, ``self._patch``,
``self._put``, ``self._delete``, ``self._paginate``) and never touch ``AnsibleModule``.  Pure
decision functions of the family live here too.  This file never imports ``cloud.py`` (which
imports it).

Durations: the API speaks protobuf JSON durations (``"172800s"``). :func:`parse_duration` also takes
whole seconds (``172800``, ``"172800"``) and unit forms (``"2d"``, ``"48h"``, ``"1d6h30m"``, ``"90m"``) and
:func:`format_duration` writes the API's canonical form, so every accepted spelling of the same length
compares equal.
"""

import base64
import binascii
import hashlib
import re
from datetime import datetime, timedelta, timezone

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    CockroachError,
    NotFoundError,
    WaitTimeoutError,
)

WEEK = 7 * 24 * 3600
MIN_WINDOW = 6 * 3600
BLACKOUT_LEAD = timedelta(days=7)
BLACKOUT_MAX = timedelta(days=14)
DEFERRAL_POLICIES = ("NOT_DEFERRED", "DEFERRAL_30_DAYS", "DEFERRAL_60_DAYS", "DEFERRAL_90_DAYS", "FIXED_DEFERRAL")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_PROTO_RE = re.compile(r"^(\d+)(?:\.(\d{1,9}))?s$")
_UNITS_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_RFC3339_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
_PEM_RE = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END ([A-Z0-9 ]+)-----", re.S)


# -- durations -----------------------------------------------------------------------------------------
def parse_duration(value, option):
    """Seconds (an int, or a float with a fraction) of a duration option; ValueError naming ``option``.

    Accepts ``172800``, ``"172800"``, ``"172800s"``, ``"1.5s"``, ``"2d"``, ``"48h"``, ``"1d6h30m"``.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError("%s must be a duration such as 172800s, 48h or 2d" % option)
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, float) and value.is_integer():
        seconds = int(value)
    else:
        text = str(value).strip().lower()
        proto = _PROTO_RE.match(text)
        units = _UNITS_RE.match(text) if text and not text.isdigit() else None
        if text.isdigit():
            seconds = int(text)
        elif proto:
            seconds = int(proto.group(1))
            if proto.group(2) and int(proto.group(2)):
                seconds += float("0." + proto.group(2))
        elif units and any(units.groups()):
            d, h, m, s = (int(g or 0) for g in units.groups())
            seconds = ((d * 24 + h) * 60 + m) * 60 + s
        else:
            raise ValueError("%s %r is not a duration: use seconds (172800 or 172800s) or units such as 2d, 48h, "
                             "1d6h30m" % (option, value))
    if seconds < 0:
        raise ValueError("%s must not be negative" % option)
    return seconds


def format_duration(seconds):
    """The API's canonical form: ``"172800s"``, ``"1.500s"``."""
    if isinstance(seconds, float) and not seconds.is_integer():
        text = ("%.9f" % seconds).rstrip("0")
        frac = text.split(".")[1]
        width = 3 if len(frac) <= 3 else (6 if len(frac) <= 6 else 9)
        return "%s.%ss" % (text.split(".")[0], frac.ljust(width, "0"))
    return "%ds" % int(seconds)


def window_option_errors(offset, window):
    """Messages for a maintenance window outside the API's limits (seconds in, [] = fine)."""
    errors = []
    if offset is not None and not 0 <= offset < WEEK:
        errors.append("offset_duration must be less than one week (604800s) after Monday 00:00 UTC, got %s"
                      % format_duration(offset))
    if window is not None and not MIN_WINDOW <= window < WEEK:
        errors.append("window_duration must be at least 6 hours (21600s) and less than one week (604800s), got %s"
                      % format_duration(window))
    return errors


def window_view(api_window):
    """A maintenance window as the module returns it: the API's strings, seconds, and when it starts."""
    if not api_window:
        return None
    offset = parse_duration(api_window.get("offset_duration") or "0s", "offset_duration")
    window = parse_duration(api_window.get("window_duration") or "0s", "window_duration")
    start = int(offset)
    return {
        "offset_duration": format_duration(offset),
        "window_duration": format_duration(window),
        "offset_seconds": offset,
        "window_seconds": window,
        "starts": "%s %02d:%02d UTC" % (DAYS[(start // 86400) % 7], (start % 86400) // 3600, (start % 3600) // 60),
    }


# -- version deferral ----------------------------------------------------------------------------------
def same_deferral(current, desired):
    """FIXED_DEFERRAL is the deprecated name of DEFERRAL_60_DAYS (the API may answer either)."""
    def norm(p):
        return "DEFERRAL_60_DAYS" if p == "FIXED_DEFERRAL" else p
    return norm(current or "NOT_DEFERRED") == norm(desired)


# -- timestamps ----------------------------------------------------------------------------------------
def parse_time(value, option):
    """An RFC 3339 timestamp -> aware UTC datetime (whole seconds kept, fraction too); ValueError naming ``option``."""
    m = _RFC3339_RE.match(str(value or "").strip())
    if not m:
        raise ValueError("%s %r is not an RFC 3339 timestamp such as 2025-03-15T09:00:00Z" % (option, value))
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), int(((frac or ".")[1:] + "000000")[:6]),
                      tzinfo=timezone.utc)
    except ValueError:
        raise ValueError("%s %r is not a valid date and time" % (option, value))
    if tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        dt -= sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    return dt


def format_time(dt):
    """UTC, ``2025-03-15T09:00:00Z`` (microseconds only when there are any)."""
    text = dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if dt.microsecond:
        text += (".%06d" % dt.microsecond).rstrip("0")
    return text + "Z"


def normalize_time(value, option="start_time"):
    return format_time(parse_time(value, option))


def blackout_view(api_window):
    """A blackout window as the module returns it (times in UTC, ``...Z``)."""
    return {"id": api_window.get("id"),
            "start_time": normalize_time(api_window.get("start_time"), "start_time"),
            "end_time": normalize_time(api_window.get("end_time"), "end_time")}


def blackout_shape_errors(start, end, option):
    """Messages for a window whose end is not after its start or that is longer than 14 days."""
    if end <= start:
        return ["%s: end_time must be after start_time" % option]
    if end - start > BLACKOUT_MAX:
        return ["%s: a blackout window lasts at most 14 days (from %s to %s is longer)"
                % (option, format_time(start), format_time(end))]
    return []


def blackout_schedule_errors(start, end, now, option, start_changed=True):
    """Messages for the API's time rules of a window to create or change: start at least 7 days ahead, end at
    most three months from ``now`` (calendar months, as the API counts them)."""
    errors = []
    if start_changed and start < now + BLACKOUT_LEAD:
        errors.append("%s: start_time %s must be at least 7 days from now (%s)" % (option, format_time(start), format_time(now)))
    month = now.month - 1 + 3
    year, month = now.year + month // 12, month % 12 + 1
    day = now.day
    while True:
        try:
            horizon = now.replace(year=year, month=month, day=day)
            break
        except ValueError:
            day -= 1
    if end > horizon:
        errors.append("%s: end_time %s must not be more than three months from now (%s)"
                      % (option, format_time(end), format_time(horizon)))
    return errors


# -- certificates ----------------------------------------------------------------------------------------
def pem_certificates(text, option="x509_pem_cert"):
    """The DER bytes of each CERTIFICATE block; ValueError naming ``option`` (never quoting the text)."""
    raw = (text or "").strip()
    blocks = _PEM_RE.findall(raw)
    if not blocks:
        raise ValueError("%s must be one or more PEM certificates (-----BEGIN CERTIFICATE----- ...); no PEM block "
                         "was found" % option)
    if _PEM_RE.sub("", raw).strip():
        raise ValueError("%s has text outside its PEM blocks; give only the certificates" % option)
    out = []
    for i, (begin, body, end) in enumerate(blocks):
        if begin != end or begin != "CERTIFICATE":
            label = begin if begin == end else "mismatched"
            hint = " (a private key must never be given here)" if "PRIVATE" in label else ""
            raise ValueError("%s: PEM block %d is a %s block, not a CERTIFICATE%s" % (option, i + 1, label, hint))
        try:
            out.append(base64.b64decode(re.sub(r"\s+", "", body), validate=True))
        except (binascii.Error, ValueError):
            raise ValueError("%s: PEM block %d is not valid base64" % (option, i + 1))
    return out


def same_certificates(current_pem, desired_pem):
    """Whether two PEM texts hold the same certificates, in order (whitespace and line length do not matter)."""
    if not current_pem:
        return not desired_pem
    try:
        return pem_certificates(current_pem) == pem_certificates(desired_pem)
    except ValueError:
        return False


def fingerprints(pem):
    """SHA-256 fingerprints (hex) of the certificates of a PEM text ([] when there is none or it is unreadable)."""
    try:
        return [hashlib.sha256(der).hexdigest() for der in pem_certificates(pem)] if pem else []
    except ValueError:
        return []


class MaintenanceApi(object):
    """Methods of :class:`cloud.CloudClient` for this family."""

    # -- maintenance window --------------------------------------------------------------------------
    def get_maintenance_window(self, cluster_id):
        """The window (``{offset_duration, window_duration}``) or None when the cluster has none (404)."""
        try:
            return self._get("/clusters/%s/maintenance-window" % cluster_id)
        except NotFoundError:
            return None

    def set_maintenance_window(self, cluster_id, offset_duration, window_duration):
        """PUT (idempotent: sets both values)."""
        return self._put("/clusters/%s/maintenance-window" % cluster_id,
                         {"offset_duration": offset_duration, "window_duration": window_duration})

    def delete_maintenance_window(self, cluster_id, missing_ok=True):
        return self._delete("/clusters/%s/maintenance-window" % cluster_id, missing_ok=missing_ok)

    # -- version deferral ----------------------------------------------------------------------------
    def get_version_deferral(self, cluster_id):
        return self._get("/clusters/%s/version-deferral" % cluster_id)

    def set_version_deferral(self, cluster_id, policy):
        """PUT (idempotent)."""
        return self._put("/clusters/%s/version-deferral" % cluster_id, {"deferral_policy": policy})

    # -- blackout windows ----------------------------------------------------------------------------
    def _blackout_path(self, cluster_id, window_id=None):
        path = "/clusters/%s/blackout-windows" % cluster_id
        return path if window_id is None else "%s/%s" % (path, window_id)

    def list_blackout_windows(self, cluster_id):
        return self._paginate(self._blackout_path(cluster_id), "blackout_windows")

    def create_blackout_window(self, cluster_id, start_time, end_time):
        """POST once; after a lost answer the windows are listed and one with this start and end is taken as ours."""
        start = normalize_time(start_time)

        def find():
            for w in self.list_blackout_windows(cluster_id):
                if normalize_time(w.get("start_time")) == start and normalize_time(w.get("end_time")) == normalize_time(end_time):
                    return w
            return None
        return self._create_once(self._blackout_path(cluster_id), {"start_time": start_time, "end_time": end_time},
                                 find)[0]

    def update_blackout_window(self, cluster_id, window_id, fields):
        """PATCH ``{start_time?, end_time?}`` (absolute values: idempotent, retried like a read)."""
        return self._patch(self._blackout_path(cluster_id, window_id), fields, idempotent=True)

    def delete_blackout_window(self, cluster_id, window_id, missing_ok=True):
        return self._delete(self._blackout_path(cluster_id, window_id), missing_ok=missing_ok)

    # -- client CA certificate --------------------------------------------------------------------------
    def get_client_ca_cert(self, cluster_id):
        """``{status, x509_pem_cert?}``."""
        return self._get("/clusters/%s/client-ca-cert" % cluster_id) or {}

    def _ca_applied(self, cluster_id, pem):
        """After an ambiguous write: does the cluster show (or is it applying) ``pem`` (None: no certificate)?"""
        info = self.get_client_ca_cert(cluster_id)
        if pem is None:
            return info.get("status") == "NOT_SET" or (info.get("status") == "PENDING" and not info.get("x509_pem_cert"))
        return info.get("status") in ("PENDING", "IS_SET") and same_certificates(info.get("x509_pem_cert"), pem)

    def set_client_ca_cert(self, cluster_id, pem, deadline):
        """POST (first certificate); through the lock-wait loop; an ambiguous failure re-reads before resending."""
        path = "/clusters/%s/client-ca-cert" % cluster_id
        return self.write_unlocked(cluster_id, lambda: self._post(path, {"x509_pem_cert": pem}), deadline,
                                   applied=lambda: self._ca_applied(cluster_id, pem))

    def update_client_ca_cert(self, cluster_id, pem, deadline):
        """PATCH (replace the certificate); as :meth:`set_client_ca_cert`."""
        path = "/clusters/%s/client-ca-cert" % cluster_id
        return self.write_unlocked(cluster_id, lambda: self._patch(path, {"x509_pem_cert": pem}), deadline,
                                   applied=lambda: self._ca_applied(cluster_id, pem))

    def delete_client_ca_cert(self, cluster_id, deadline):
        """DELETE; one already gone (404) is fine."""
        path = "/clusters/%s/client-ca-cert" % cluster_id
        return self.write_unlocked(cluster_id, lambda: self._delete(path, missing_ok=True), deadline)

    def wait_client_ca_cert(self, cluster_id, deadline, initial_delay=0.5, max_delay=10.0):
        """Poll GET until the status leaves PENDING (as the Terraform provider does); the final info.

        A server error while polling is retried (the provider's rule: >= 500 keeps polling, < 500 stops).
        """
        delay = initial_delay
        while True:
            try:
                info = self.get_client_ca_cert(cluster_id)
                if info.get("status") != "PENDING":
                    return info
            except CockroachError as exc:
                if (exc.status or 0) < 500:
                    raise
            if self._clock() + delay > deadline:
                raise WaitTimeoutError("timed out waiting for the client CA certificate of cluster %s to leave "
                                       "PENDING; raise wait_timeout or check the cluster's operation status" % cluster_id)
            self._sleep(delay)
            delay = min(max_delay, delay * 2)
