# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import random

import pytest
import requests

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import transport as http
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.module_utils.conftest import (
    FakeResponse,
    FakeSession,
)


def make(script, clock, **kwargs):
    kwargs.setdefault("retry", http.RetryPolicy(retries=4, base=0.5, cap=10.0, rand=random.Random(7)))
    return http.Transport("https://api.example", session=FakeSession(script), sleep=clock.sleep,
                          clock=clock.monotonic, **kwargs)


@pytest.mark.parametrize("status,cls", [
    (404, http.NotFoundError), (401, http.AuthError), (403, http.AuthError), (409, http.ConflictError),
    (423, http.ConflictError), (429, http.RateLimitedError), (500, http.ServerError), (503, http.ServerError),
    (400, http.ClientError),
])
def test_error_types_carry_status_code_and_message(status, cls, clock):
    t = make([FakeResponse(status, {"code": 5, "message": "boom", "details": []}, headers={"Retry-After": "0"})] * 6,
             clock, retry=http.RetryPolicy(retries=0))
    with pytest.raises(cls) as info:
        t.request("GET", "/x")
    assert info.value.status == status
    assert info.value.code == 5
    assert info.value.message == "boom"
    assert "GET https://api.example/x: HTTP %d (code 5): boom" % status == str(info.value)


def test_lock_message_on_400_is_a_conflict(clock):
    t = make([FakeResponse(400, {"code": 9, "message": "couldn't lock cluster"})], clock)
    with pytest.raises(http.ConflictError):
        t.request("PATCH", "/c")


def test_get_retries_5xx_with_growing_jittered_backoff(clock):
    t = make([FakeResponse(503, {"message": "busy"})] * 4 + [FakeResponse(200, {"ok": True})], clock)
    resp = t.request("GET", "/x")
    assert resp.body == {"ok": True}
    assert len(clock.sleeps) == 4
    ceilings = [0.5, 1.0, 2.0, 4.0]
    for slept, ceiling in zip(clock.sleeps, ceilings):
        assert ceiling * 0.1 <= slept <= ceiling
    assert [e["attempt"] for e in t.trace] == [1, 2, 3, 4, 5]


def test_backoff_is_capped(clock):
    policy = http.RetryPolicy(retries=10, base=0.5, cap=3.0, rand=random.Random(1))
    assert all(policy.delay(n) <= 3.0 for n in range(10))


def test_retry_after_seconds_overrides_backoff(clock):
    t = make([FakeResponse(429, {"message": "rate limit exceeded"}, headers={"Retry-After": "3"}),
              FakeResponse(200, {})], clock)
    t.request("GET", "/x")
    assert clock.sleeps == [3.0]


def test_retry_after_http_date():
    assert http.parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == pytest.approx(10.0)
    assert http.parse_retry_after("nonsense") is None
    assert http.parse_retry_after(None) is None


def test_post_is_never_retried_after_a_5xx_or_lost_answer(clock):
    t = make([FakeResponse(500, {"message": "x"})], clock)
    with pytest.raises(http.ServerError):
        t.request("POST", "/clusters", json_body={"name": "a"})
    assert len(t.session.calls) == 1
    t = make([requests.exceptions.ConnectionError("reset")], clock)
    with pytest.raises(http.TransportError):
        t.request("POST", "/clusters", json_body={"name": "a"})
    assert len(t.session.calls) == 1


def test_post_is_retried_after_429_because_the_server_did_not_act(clock):
    t = make([FakeResponse(429, {"message": "rate"}, headers={"Retry-After": "1"}), FakeResponse(200, {"id": 1})],
             clock)
    assert t.request("POST", "/clusters", json_body={}).body == {"id": 1}
    assert len(t.session.calls) == 2


def test_transport_error_on_get_is_retried_then_raised(clock):
    t = make([requests.exceptions.ConnectionError("refused")] * 5, clock)
    with pytest.raises(http.TransportError) as info:
        t.request("GET", "/x")
    assert len(t.session.calls) == 5
    assert "could not connect" in info.value.message
    assert info.value.status is None


def test_every_request_has_a_timeout_and_tls_settings(clock):
    t = make([FakeResponse(200, {})], clock, timeout=12, connect_timeout=3, ca_path="/ca.pem")
    t.request("GET", "/x")
    call = t.session.calls[0]
    assert call["timeout"] == (3.0, 12.0)
    assert call["verify"] == "/ca.pem"
    t = make([FakeResponse(200, {})], clock, validate_certs=False, ca_path="/ca.pem")
    t.request("GET", "/x")
    assert t.session.calls[0]["verify"] is False


def test_throttle_spaces_requests(clock):
    throttle = http.Throttle(10, clock=clock.monotonic, sleep=clock.sleep)
    start = clock.monotonic()
    for _request in range(21):
        throttle.wait()
    # 21 requests at 10/s: the last starts 2 s after the first.
    assert clock.monotonic() - start == pytest.approx(2.0)


def test_throttle_disabled():
    assert http.Throttle(0).wait() == 0.0


def test_redaction_of_known_secrets_and_patterns():
    r = http.Redactor(["s3cr3t-key", "hunter2pw"])
    text = "Authorization: Bearer abcdef123 key=s3cr3t-key password=hunter2pw {\"password\": \"other\"}"
    out = r.text(text)
    for secret in ("abcdef123", "s3cr3t-key", "hunter2pw", "other"):
        assert secret not in out
    assert r.headers({"Authorization": "Bearer x", "X-Cockroach-API-Session": "tok", "Accept": "a"}) == {
        "Authorization": http.REDACTED, "X-Cockroach-API-Session": http.REDACTED, "Accept": "a"}
    assert r.data({"name": "u", "password": "p", "nested": [{"session": "t"}]}) == {
        "name": "u", "password": http.REDACTED, "nested": [{"session": http.REDACTED}]}


def test_secret_never_in_error_message(clock):
    t = make([FakeResponse(400, {"code": 3, "message": "bad key sk-live-123 for user"})], clock,
             secrets=["sk-live-123"])
    with pytest.raises(http.ClientError) as info:
        t.request("GET", "/x?token=abc")
    assert "sk-live-123" not in str(info.value)
    assert "abc" not in str(info.value)


def test_text_plain_errors_are_messages(clock):
    t = make([FakeResponse(404, text="404 page not found\n", headers={"Content-Type": "text/plain"})], clock)
    with pytest.raises(http.NotFoundError) as info:
        t.request("GET", "/api/v2/nodes")
    assert info.value.message == "404 page not found"
    assert info.value.code is None


def test_ok_statuses_return_instead_of_raise(clock):
    t = make([FakeResponse(500, text="An internal server error has occurred.\n")], clock)
    resp = t.request("GET", "/api/v2/health/", ok_statuses=(200, 500))
    assert resp.status == 500


def test_post_is_retried_when_the_connection_was_never_made(clock):
    refused = requests.exceptions.ConnectionError(
        "HTTPConnectionPool(host='h', port=1): Max retries exceeded (Caused by NewConnectionError("
        "'Failed to establish a new connection: [Errno 111] Connection refused'))")
    t = make([refused, requests.exceptions.ConnectTimeout("connect timed out"), FakeResponse(200, {"id": 1})], clock)
    assert t.request("POST", "/clusters", json_body={}).body == {"id": 1}
    assert len(t.session.calls) == 3
    # a reset or a read timeout may come after the server acted: a POST is not sent again
    for lost in (requests.exceptions.ConnectionError("('Connection aborted.', ConnectionResetError(104, 'reset'))"),
                 requests.exceptions.ReadTimeout("read timed out")):
        t = make([lost], clock)
        with pytest.raises(http.TransportError) as info:
            t.request("POST", "/clusters", json_body={})
        assert len(t.session.calls) == 1 and info.value.sent is True
