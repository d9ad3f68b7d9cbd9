"""Cluster API v2: routing, login/logout and session validation (reference §1-§4, §11)."""

import base64

import requests

from conftest import NodeClient
from emulator.cluster.seed import APP_READER_PASSWORD, LEGACY_PASSWORD, MONITOR_PASSWORD

TEXT = "text/plain; charset=utf-8"


def _text(r, status, body):
    assert r.status_code == status, r.text
    assert r.content == (body + "\n").encode()
    assert r.headers["Content-Type"] == TEXT
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_missing_trailing_slash_is_404_before_auth(fresh_emulator):
    c = NodeClient(fresh_emulator)
    _text(c.get("/api/v2/nodes"), 404, "404 page not found")
    _text(c.get("/api/v2/no/such/thing/"), 404, "404 page not found")
    _text(c.get("/api/v2/databases/bad-name/"), 404, "404 page not found")
    _text(c.get("/api/v2/ranges/abc/"), 404, "404 page not found")


def test_login_form_body_returns_token_and_no_cookie(fresh_emulator):
    e = fresh_emulator
    r = requests.post(e.node_url(2) + "/api/v2/login/",
                      data={"username": e.ready["admin_user"], "password": e.ready["admin_password"]})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert "Set-Cookie" not in r.headers
    assert list(r.json()) == ["session"]
    raw = base64.b64decode(r.json()["session"])
    assert raw[0] == 0x08 and raw[-18:-16] == b"\x12\x10"


def test_token_from_one_node_works_on_every_node(fresh_emulator):
    tok = fresh_emulator.login(3)
    for n in (1, 2, 3):
        assert NodeClient(fresh_emulator, n, tok).get("/api/v2/nodes/").status_code == 200


def test_login_query_string_fields_accepted(fresh_emulator):
    e = fresh_emulator
    r = requests.post(e.node_url(1) + "/api/v2/login/",
                      params={"username": e.ready["admin_user"].upper(), "password": e.ready["admin_password"]})
    assert r.status_code == 200 and "session" in r.json()


def test_login_json_body_is_username_not_specified(fresh_emulator):
    e = fresh_emulator
    r = requests.post(e.node_url(1) + "/api/v2/login/",
                      json={"username": e.ready["admin_user"], "password": e.ready["admin_password"]})
    _text(r, 400, "username not specified")


def test_login_failures(fresh_emulator):
    url = fresh_emulator.node_url(1) + "/api/v2/login/"
    bad = "the provided credentials did not match any account on the server"
    _text(requests.post(url, data={"username": "root", "password": "wrong"}), 401, bad)
    _text(requests.post(url, data={"username": "root", "password": ""}), 401, bad)
    _text(requests.post(url, data={"username": "nobody", "password": "x"}), 401, bad)
    _text(requests.post(url, data={"username": "admin", "password": "x"}), 401, bad)  # a role
    _text(requests.post(url, data={"username": "legacy_user", "password": LEGACY_PASSWORD}), 401,
          "the password has expired")


def test_login_non_post_is_404_not_found(fresh_emulator):
    e = fresh_emulator
    r = requests.get(e.node_url(1) + "/api/v2/login/",
                     params={"username": "root", "password": e.ready["admin_password"]})
    _text(r, 404, "not found")


def test_session_header_errors(fresh_emulator):
    c = NodeClient(fresh_emulator)
    _text(c.get("/api/v2/nodes/"), 401, "invalid session header")
    _text(c.get("/api/v2/nodes/", headers={"X-Cockroach-API-Session": ""}), 401, "invalid session header")
    _text(c.get("/api/v2/nodes/", headers={"X-Cockroach-API-Session": "yes"}), 400,
          "illegal base64 data at input byte 0")
    _text(c.get("/api/v2/nodes/", headers={"X-Cockroach-API-Session": "ab!d"}), 400,
          "illegal base64 data at input byte 2")
    garbage = base64.b64encode(b"\x08\x01\x12\x10" + b"x" * 16).decode()
    _text(c.get("/api/v2/nodes/", headers={"X-Cockroach-API-Session": garbage}), 401,
          "the provided authentication session could not be validated")


def test_wrong_secret_is_rejected(fresh_emulator):
    tok = fresh_emulator.login(1)
    raw = bytearray(base64.b64decode(tok))
    raw[-1] ^= 0xFF
    c = NodeClient(fresh_emulator, 1, base64.b64encode(bytes(raw)).decode())
    _text(c.get("/api/v2/nodes/"), 401, "the provided authentication session could not be validated")


def test_cookie_mode(fresh_emulator):
    tok = fresh_emulator.login(1)
    c = NodeClient(fresh_emulator)
    r = c.get("/api/v2/nodes/", headers={"X-Cockroach-API-Session": "cookie", "Cookie": "session=" + tok})
    assert r.status_code == 200
    # multi-tenant aggregate cookie
    r = c.get("/api/v2/nodes/", headers={"X-Cockroach-API-Session": "cookie",
                                         "Cookie": "session=%s,system,abc,app" % tok})
    assert r.status_code == 200
    _text(c.get("/api/v2/nodes/", headers={"X-Cockroach-API-Session": "cookie"}), 400, "invalid session header")
    # cookie alone is never enough
    _text(c.get("/api/v2/nodes/", headers={"Cookie": "session=" + tok}), 401, "invalid session header")


def test_role_check_403_for_non_admin(fresh_emulator):
    tok = fresh_emulator.login(1, "app_reader", APP_READER_PASSWORD)
    c = NodeClient(fresh_emulator, 1, tok)
    for path in ("/api/v2/nodes/", "/api/v2/sessions/", "/api/v2/events/", "/api/v2/ranges/hot/",
                 "/api/v2/ranges/1/", "/api/v2/nodes/1/ranges/"):
        _text(c.get(path), 403, "user not allowed to access this endpoint")
    # regular-role endpoints work
    assert c.get("/api/v2/databases/").status_code == 200
    assert c.get("/api/v2/databases/movr/grants/").status_code == 200
    # route check happens before auth: unknown path is 404 even for a 403 user
    _text(c.get("/api/v2/nodes"), 404, "404 page not found")


def test_viewclustermetadata_user_passes_role_check(fresh_emulator):
    tok = fresh_emulator.login(1, "monitor", MONITOR_PASSWORD)
    assert NodeClient(fresh_emulator, 1, tok).get("/api/v2/nodes/").status_code == 200


def test_users_endpoint_as_non_admin_is_generic_500(fresh_emulator):
    tok = fresh_emulator.login(1, "app_reader", APP_READER_PASSWORD)
    r = NodeClient(fresh_emulator, 1, tok).get("/api/v2/users/")
    _text(r, 500, "An internal server error has occurred. Please check your CockroachDB logs for more details.")


def test_logout_revokes_everywhere(fresh_emulator):
    tok = fresh_emulator.login(1)
    c2 = NodeClient(fresh_emulator, 2, tok)
    r = c2.post("/api/v2/logout/")
    assert r.status_code == 200 and r.content == b'{"logged_out":true}'
    _text(NodeClient(fresh_emulator, 3, tok).get("/api/v2/nodes/"), 401,
          "the provided authentication session could not be validated")
    # re-revoking still succeeds
    assert c2.post("/api/v2/logout/").status_code == 200


def test_logout_errors(fresh_emulator):
    c = NodeClient(fresh_emulator)
    _text(c.post("/api/v2/logout/"), 400, "invalid or unspecified session")
    unknown = base64.b64encode(b"\x08\x07\x12\x10" + b"y" * 16).decode()
    _text(c.post("/api/v2/logout/", headers={"X-Cockroach-API-Session": unknown}), 400, "invalid session")
    r = c.post("/api/v2/logout/", headers={"X-Cockroach-API-Session": "!!"})
    assert r.status_code == 500
    _text(c.get("/api/v2/logout/"), 404, "not found")


def test_session_expires_after_seven_days(fresh_emulator):
    tok = fresh_emulator.login(1)
    c = NodeClient(fresh_emulator, 1, tok)
    assert c.get("/api/v2/nodes/").status_code == 200
    fresh_emulator.control("POST", "/_emulator/clock", {"advance": 7 * 24 * 3600 + 1})
    _text(c.get("/api/v2/nodes/"), 401, "the provided authentication session could not be validated")


def test_insecure_lets_everything_through(emulator_factory):
    e = emulator_factory(nodes=1, insecure=True)
    c = NodeClient(e)
    assert c.get("/api/v2/nodes/").status_code == 200
    assert c.get("/api/v2/events/", headers={"X-Cockroach-API-Session": "yes"}).status_code == 200
    assert c.get("/api/v2/users/").json()["users"][0] == {"username": "app_reader"}


def test_common_headers(admin):
    r = admin.get("/api/v2/nodes/")
    assert r.headers["Cache-control"] == "no-cache"
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers.get("Content-Encoding") == "gzip"  # requests asks for gzip
    assert not r.content.endswith(b"\n")
