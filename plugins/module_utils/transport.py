# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One HTTP transport for both CockroachDB APIs.

Everything that crosses the network goes through :class:`Transport`:

* one ``requests.Session`` per module run (keep-alive), always with a
  (connect, read) timeout, ``validate_certs`` and an optional CA bundle;
* a typed error hierarchy (:class:`CockroachError` and subclasses) carrying the
  HTTP status, the API's own error code and message, and the request id;
* retries with jittered exponential backoff that honour ``Retry-After``,
  applied only to reads and idempotent writes, and to every request that the
  server provably did not act on: a 429 (refused before acting) and a
  connection that was never made (refused, connect timeout, unknown host);
  every other failure of a POST/PATCH is left to the client, which re-reads
  before it decides (see ``cloud.CloudClient``);
* a client-side throttle so that one module never exceeds a request rate;
* redaction of every secret (bearer keys, session tokens, passwords) from
  anything that can print: error messages, the request trace, exceptions.

Nothing here knows about ``AnsibleModule``.

(Named ``transport`` and not ``http``: a module_utils file called ``http.py`` shadows the
standard library's ``http`` package for pylint in ``ansible-test sanity``.)
"""

import email.utils
import json
import random
import re
import threading
import time

try:
    import requests
    from requests import exceptions as requests_exceptions
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as _imp_err:  # pragma: no cover - exercised by the module guard
    requests = None
    requests_exceptions = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = _imp_err

REDACTED = "********"

# Header names whose values are never shown.
SECRET_HEADERS = frozenset(["authorization", "x-cockroach-api-session", "cookie", "set-cookie", "proxy-authorization"])

# Body keys whose values are never shown (matched case-insensitively as substrings).
SECRET_KEY_PARTS = ("password", "secret", "token", "session", "api_key", "apikey", "authorization")

_BEARER_RE = re.compile(r"(?i)(bearer\s+)[^\s\"',]+")
# A password inside a URL: scheme://user:PASSWORD@host (the last @ before the path ends it).
_URL_USERINFO_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^\s/@:]*:)([^\s/]*)@")
_KV_RE = re.compile(
    r"(?i)((?:password|passwd|secret|token|session|api_key|apikey)[\"']?\s*[:=]\s*[\"']?)([^\"'&\s,}]+)"
)

IDEMPOTENT_METHODS = frozenset(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"])


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

class CockroachError(Exception):
    """Base of every error raised by the transport and the clients.

    ``status`` is the HTTP status (None when no answer arrived), ``code`` the API's own
    error code (the gRPC code of the Cloud API; None for the Cluster API's text errors),
    ``message`` the API's message (already redacted).
    """

    kind = "error"

    def __init__(self, message, status=None, code=None, method=None, url=None, request_id=None, details=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.method = method
        self.url = url
        self.request_id = request_id
        self.details = details

    def __str__(self):
        where = ""
        if self.method and self.url:
            where = "%s %s: " % (self.method, self.url)
        status = ""
        if self.status is not None:
            status = "HTTP %s" % self.status
            if self.code is not None:
                status += " (code %s)" % self.code
            status += ": "
        return "%s%s%s" % (where, status, self.message)

    def to_result(self):
        """Fields a module adds to ``fail_json`` (all already free of secrets)."""
        return dict(status=self.status, error_code=self.code, api_message=self.message, error_kind=self.kind)


class ClientError(CockroachError):
    """A 4xx the caller must fix (bad argument, failed precondition)."""

    kind = "client"


class NotFoundError(ClientError):
    kind = "not_found"


class AuthError(ClientError):
    """401 (not authenticated) or 403 (not allowed)."""

    kind = "auth"


class ConflictError(ClientError):
    """409/423, or any answer that says a lock is held."""

    kind = "conflict"


class RateLimitedError(CockroachError):
    kind = "rate_limited"

    def __init__(self, *args, **kwargs):
        self.retry_after = kwargs.pop("retry_after", None)
        super().__init__(*args, **kwargs)


class ServerError(CockroachError):
    kind = "server"


class TransportError(CockroachError):
    """No answer: connection refused/reset, timeout, TLS failure.

    ``sent`` is False when the request provably never reached the server (the connection was
    never made); True when it may have been acted on (reset, read timeout).
    """

    kind = "transport"
    sent = True


class WaitTimeoutError(CockroachError):
    kind = "timeout"


def error_for_status(status, message, **kwargs):
    """Build the typed error for an HTTP status."""
    lowered = (message or "").lower()
    if status == 404:
        cls = NotFoundError
    elif status in (401, 403):
        cls = AuthError
    elif status in (409, 423):
        cls = ConflictError
    elif status == 429:
        cls = RateLimitedError
    elif status >= 500:
        cls = ServerError
    elif "lock" in lowered and status == 400:
        cls = ConflictError
    else:
        cls = ClientError
    return cls(message, status=status, **kwargs)


# What a TLS client sees when the port speaks plain HTTP (OpenSSL's and Python's wordings).
_NOT_TLS_RE = re.compile(r"(?i)wrong[ _]version[ _]number|record[ _]layer[ _]failure|http[ _]request|"
                         r"unknown[ _]protocol|packet[ _]length[ _]too[ _]long|record layer")
NOT_TLS_TEXT = "the server at %s does not speak TLS on this port: use http:// or the TLS port"
HTTPS_REDIRECT_TEXT = "the node redirects to https://"


def _origin(url):
    """``scheme://host:port`` of ``url`` (no path, no user info)."""
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*://)(?:[^/?#]*@)?([^/?#]*)", url or "")
    return (match.group(1) + match.group(2)) if match else url


def error_reason(exc):
    """What class of failure ``exc`` is, for a hint naming the option: ``not_tls``, ``https_redirect``,
    ``tls_verify`` or None."""
    text = str(getattr(exc, "message", "") or exc)
    if "does not speak TLS on this port" in text:
        return "not_tls"
    if HTTPS_REDIRECT_TEXT in text:
        return "https_redirect"
    if text.startswith("TLS verification failed"):
        return "tls_verify"
    return None


# --------------------------------------------------------------------------------------------
# Redaction
# --------------------------------------------------------------------------------------------

def _escaped_forms(value):
    forms = set()
    try:
        forms.add(value.encode("unicode_escape").decode("ascii"))
    except (UnicodeError, ValueError):  # pragma: no cover - every str has a unicode_escape form
        pass
    forms.add(repr(value)[1:-1])
    # %r picks the other quote when the value holds one: both spellings, and the stripped value
    forms.add(repr(value + "'")[1:-2])
    forms.add(repr(value + '"')[1:-2])
    forms.add(value.strip())
    forms.add(json.dumps(value)[1:-1])
    forms.add(json.dumps(value, ensure_ascii=False)[1:-1])
    try:
        from urllib.parse import quote
        forms.add(quote(value, safe=""))
    except ImportError:  # pragma: no cover
        pass
    return forms


class Redactor:
    """Replaces known secret values and secret-looking patterns in text and structures.

    A known secret is also replaced in its escaped forms (as ``repr``, JSON and URL encoding print it), and a
    password written inside a URL (``https://user:password@host``) is replaced even when it is not known.
    """

    def __init__(self, secrets=None):
        self._secrets = set()
        for value in secrets or ():
            self.add(value)

    def add(self, value):
        if value and isinstance(value, str) and len(value) >= 3:
            self._secrets.add(value)
            # the forms a library may echo instead: escaped (repr, unicode_escape), JSON-escaped, URL-encoded
            for form in _escaped_forms(value):
                if form != value and len(form) >= 3:
                    self._secrets.add(form)

    def text(self, value):
        if value is None:
            return value
        if not isinstance(value, str):
            value = str(value)
        # Longest first so that a secret containing another is fully replaced.
        for secret in sorted(self._secrets, key=len, reverse=True):
            value = value.replace(secret, REDACTED)
        value = _URL_USERINFO_RE.sub(lambda m: m.group(1) + REDACTED + "@", value)
        value = _BEARER_RE.sub(lambda m: m.group(1) + REDACTED, value)
        value = _KV_RE.sub(lambda m: m.group(1) + REDACTED, value)
        return value

    def headers(self, headers):
        out = {}
        for key, val in (headers or {}).items():
            out[key] = REDACTED if key.lower() in SECRET_HEADERS else self.text(val)
        return out

    def data(self, obj):
        if isinstance(obj, dict):
            out = {}
            for key, val in obj.items():
                if any(part in str(key).lower() for part in SECRET_KEY_PARTS):
                    out[key] = REDACTED
                else:
                    out[key] = self.data(val)
            return out
        if isinstance(obj, (list, tuple)):
            return [self.data(v) for v in obj]
        if isinstance(obj, str):
            return self.text(obj)
        return obj


# --------------------------------------------------------------------------------------------
# Retry policy and throttle
# --------------------------------------------------------------------------------------------

def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, parsed.timestamp() - now)


class RetryPolicy:
    """Jittered exponential backoff: attempt n waits uniform(0, min(cap, base * 2**n)).

    ``Retry-After`` from the server replaces the computed delay (capped at ``max_retry_after``).
    ``retries`` is the number of *extra* attempts after the first.
    """

    RETRY_STATUSES = frozenset([429, 500, 502, 503, 504])

    def __init__(self, retries=4, base=0.5, cap=10.0, max_retry_after=60.0, rand=None):
        self.retries = max(0, int(retries))
        self.base = float(base)
        self.cap = float(cap)
        self.max_retry_after = float(max_retry_after)
        self._rand = rand or random.Random()

    def delay(self, attempt, retry_after=None):
        """Delay before retry number ``attempt`` (0-based)."""
        if retry_after is not None:
            return min(self.max_retry_after, retry_after)
        ceiling = min(self.cap, self.base * (2 ** attempt))
        # "Full jitter", with a floor of a tenth of the ceiling so that retries never bunch at 0.
        return ceiling * (0.1 + 0.9 * self._rand.random())

    def should_retry(self, attempt, method, status, idempotent):
        """Whether to try again after ``attempt`` (0-based) failed with ``status`` (None = no answer).

        The transport passes ``idempotent=True`` for a request that never reached the server.
        """
        if attempt >= self.retries:
            return False
        if status == 429:
            return True  # refused before acting: safe for every method
        if not idempotent:
            return False
        return status is None or status in self.RETRY_STATUSES


class Throttle:
    """Spaces requests so that at most ``rate`` start in any second (``rate`` <= 0 disables)."""

    def __init__(self, rate, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / float(rate) if rate and rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = None
        self._lock = threading.Lock()

    def wait(self):
        if not self.interval:
            return 0.0
        with self._lock:
            now = self._clock()
            if self._next is None or now >= self._next:
                self._next = now + self.interval
                return 0.0
            delay = self._next - now
            self._next += self.interval
        self._sleep(delay)
        return delay


# --------------------------------------------------------------------------------------------
# Transport
# --------------------------------------------------------------------------------------------

def never_sent(exc):
    """Whether a ``requests`` exception proves that the request never reached the server.

    True for a connection that was never made: refused, a connect timeout, an unknown host.
    A reset or a read timeout may come after the server acted, so they are not.
    """
    if requests_exceptions is None:
        return False
    if isinstance(exc, requests_exceptions.ConnectTimeout):
        return True
    if isinstance(exc, (requests_exceptions.ReadTimeout, requests_exceptions.SSLError)):
        return False
    if not isinstance(exc, requests_exceptions.ConnectionError):
        return False
    seen = 0
    cause = exc
    while cause is not None and seen < 8:
        if type(cause).__name__ in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError"):
            return True
        inner = getattr(cause, "reason", None)
        if inner is None and getattr(cause, "args", None):
            inner = cause.args[0] if isinstance(cause.args[0], BaseException) else None
        cause = inner
        seen += 1
    text = str(exc)
    return "Failed to establish a new connection" in text or "Connection refused" in text


class ApiResponse:
    """A decoded answer: ``status``, ``headers`` (lower-case keys), ``body`` (JSON or text)."""

    def __init__(self, status, headers, body, text):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = text

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)


class Transport:
    """HTTP with timeouts, TLS options, retries, throttle and redaction.

    ``error_parser(status, body, text)`` returns ``(code, message, details)`` for an error
    answer; each client supplies the one matching its API's error format.
    """

    def __init__(self, base_url, headers=None, timeout=30.0, connect_timeout=10.0, validate_certs=True,
                 ca_path=None, retry=None, rate_limit=0, secrets=None, error_parser=None,
                 session=None, sleep=time.sleep, clock=time.monotonic, user_agent=None):
        if not HAS_REQUESTS and session is None:
            raise ImportError("requests is required")  # the module guard reports missing_required_lib
        self.base_url = (base_url or "").rstrip("/")
        self.headers = dict(headers or {})
        if user_agent:
            self.headers["User-Agent"] = user_agent
        self.timeout = (float(connect_timeout), float(timeout))
        self.verify = ca_path if (validate_certs and ca_path) else bool(validate_certs)
        self.retry = retry or RetryPolicy()
        self.redactor = Redactor(secrets)
        self.error_parser = error_parser or default_error_parser
        self.session = session if session is not None else requests.Session()
        self._sleep = sleep
        self._clock = clock
        self.throttle = Throttle(rate_limit, clock=clock, sleep=sleep)
        self.trace = []          # one redacted entry per attempt: method, url, status, elapsed, attempt
        self.request_count = 0

    # -- helpers ------------------------------------------------------------------------------
    def add_secret(self, value):
        self.redactor.add(value)

    def url_for(self, path):
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.base_url + path

    def _decode(self, resp):
        text = resp.text if resp.content else ""
        ctype = resp.headers.get("Content-Type", "")
        body = None
        if text:
            if "json" in ctype or text[:1] in ("{", "["):
                try:
                    body = json.loads(text)
                except ValueError:
                    body = text
            else:
                body = text
        headers = {k.lower(): v for k, v in resp.headers.items()}
        return ApiResponse(resp.status_code, headers, body, text)

    # -- the one request loop -------------------------------------------------------------------
    def request(self, method, path, params=None, json_body=None, form=None, headers=None,
                idempotent=None, ok_statuses=None):
        """Send one logical request; returns an :class:`ApiResponse` or raises a CockroachError.

        ``ok_statuses``: statuses returned instead of raised (default: 2xx only).
        ``idempotent``: allow retries after an ambiguous failure; defaults to True for
        GET/HEAD/OPTIONS/PUT/DELETE and False for POST/PATCH.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = self.url_for(path)
        safe_url = self.redactor.text(url)
        send_headers = dict(self.headers)
        send_headers.update(headers or {})
        attempt = 0
        while True:
            self.throttle.wait()
            started = self._clock()
            status = None
            error = None
            try:
                self.request_count += 1
                resp = self.session.request(
                    method, url, params=params, json=json_body, data=form, headers=send_headers,
                    timeout=self.timeout, verify=self.verify, allow_redirects=False,
                )
                answer = self._decode(resp)
                status = answer.status
            except Exception as exc:  # requests raises many types; all mean "no answer"
                if requests_exceptions is not None and not isinstance(exc, requests_exceptions.RequestException):
                    raise
                error = TransportError(
                    self._transport_message(exc), method=method, url=safe_url)
                error.sent = not never_sent(exc)
                answer = None
            self.trace.append(dict(method=method, url=safe_url, status=status, attempt=attempt + 1,
                                   elapsed=round(self._clock() - started, 4)))
            if answer is not None:
                if (ok_statuses and status in ok_statuses) or (not ok_statuses and 200 <= status < 300):
                    return answer
                error = self._error_from(answer, method, safe_url)
            retry_after = None
            if answer is not None:
                retry_after = parse_retry_after(answer.header("Retry-After"))
            # a request that never reached the server is as safe to send again as an idempotent one
            unsent = status is None and not getattr(error, "sent", True)
            if not self.retry.should_retry(attempt, method, status, idempotent or unsent):
                raise error
            self._sleep(self.retry.delay(attempt, retry_after))
            attempt += 1

    def _transport_message(self, exc):
        name = type(exc).__name__
        text = self.redactor.text(str(exc))
        if requests_exceptions is not None:
            if isinstance(exc, requests_exceptions.SSLError):
                if _NOT_TLS_RE.search(text):
                    return ("%s (%s)" % (NOT_TLS_TEXT % _origin(self.base_url), text))
                return ("TLS verification failed (%s). Set ca_path to the CA certificate that signed the server's "
                        "certificate, or validate_certs=false for a test server." % text)
            if isinstance(exc, requests_exceptions.ConnectTimeout):
                return "timed out connecting (%s)" % text
            if isinstance(exc, requests_exceptions.ReadTimeout):
                return "timed out waiting for the answer (%s)" % text
            if isinstance(exc, requests_exceptions.ConnectionError):
                if _NOT_TLS_RE.search(text):
                    return ("%s (%s)" % (NOT_TLS_TEXT % _origin(self.base_url), text))
                return "could not connect or the connection was dropped (%s: %s)" % (name, text)
        return "%s: %s" % (name, text)

    def _error_from(self, answer, method, safe_url):
        code, message, details = self.error_parser(answer.status, answer.body, answer.text)
        message = self.redactor.text(message or ("HTTP %s" % answer.status))
        location = answer.header("Location") or ""
        https_redirect = (answer.status in (301, 302, 303, 307, 308) and location.lower().startswith("https://")
                          and safe_url.lower().startswith("http://"))
        if https_redirect:
            message = "%s: %s" % (message.rstrip("."), HTTPS_REDIRECT_TEXT)
        kwargs = dict(code=code, method=method, url=safe_url, details=self.redactor.data(details),
                      request_id=answer.header("x-request-id") or answer.header("request-id"))
        if answer.status == 429:
            kwargs["retry_after"] = parse_retry_after(answer.header("Retry-After"))
        return error_for_status(answer.status, message, **kwargs)

    def close(self):
        try:
            self.session.close()
        except Exception:  # pragma: no cover - closing is best effort  # pylint: disable=broad-except
            pass


def default_error_parser(status, body, text):
    """Errors as text or as ``{code, message, details}``/``{error, message}`` JSON."""
    if isinstance(body, dict):
        message = body.get("message") or body.get("error") or json.dumps(body)
        return body.get("code"), message, body.get("details")
    message = (text or "").strip() or "HTTP %s" % status
    return None, message, None
