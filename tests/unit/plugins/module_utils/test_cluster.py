# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ClusterClient against the in-process emulator: login/logout, messages, every pagination style, fan-out node
errors, readiness and restart-safety probes, and the request count of each."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import transport as http
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster import ClusterClient


def client(emulated, node_id=1, **kwargs):
    kwargs.setdefault("username", emulated.admin_user)
    kwargs.setdefault("password", emulated.admin_password)
    return ClusterClient(emulated.node_url(node_id) + "/", **kwargs)


def token_client(emulated, node_id=1, **kwargs):
    """A client with a session token made beforehand (no login, no logout), the log cleared."""
    token = emulated.login()
    emulated.clear_requests()
    return ClusterClient(emulated.node_url(node_id), session=token, **kwargs)


def queries(emulated, path):
    """The query of each logged request to ``path``, first values only."""
    return [{k: v[0] for k, v in e["query"].items()} for e in emulated.requests() if e["path"] == path]


# -- session ---------------------------------------------------------------------------------------

def test_login_is_a_form_body_token_in_header_then_logout(emulated):
    with client(emulated) as c:
        nodes = c.list_nodes()
        assert c.login_count == 1 and c.request_count == 2
    assert len(nodes) == 3
    assert emulated.paths() == [("POST", "/api/v2/login/"), ("GET", "/api/v2/nodes/"), ("POST", "/api/v2/logout/")]
    login, listing, logout = emulated.requests()
    assert login["body"]["username"] == "root" and emulated.admin_password not in str(login["body"])
    assert [login["status"], listing["status"], logout["status"]] == [200, 200, 200]


def test_given_session_is_reused_without_login_or_logout(emulated):
    with token_client(emulated) as c:
        c.list_nodes()
    assert emulated.paths() == [("GET", "/api/v2/nodes/")]


def test_missing_trailing_slash_is_refused_before_sending(emulated):
    with pytest.raises(ValueError):
        token_client(emulated).get("/api/v2/nodes")
    assert emulated.requests() == []


def test_unknown_path_404_explains_the_trailing_slash_rule(emulated):
    with pytest.raises(http.NotFoundError) as err:
        token_client(emulated).get("/api/v2/nodez/")
    assert "ending in '/'" in str(err.value) and err.value.status == 404


def test_wrong_password_message_names_the_fix_and_hides_password(emulated):
    with pytest.raises(http.AuthError) as info:
        client(emulated, password="pw-xyz-987").login()
    assert "login as 'root' failed" in str(info.value) and "COCKROACH_CLUSTER_PASSWORD" in str(info.value)
    assert "pw-xyz-987" not in str(info.value)


def test_rejected_session_says_so_without_the_token(emulated):
    with pytest.raises(http.AuthError) as info:
        ClusterClient(emulated.node_url(1), session="bm90LWEtdG9rZW4=").list_users()
    assert "expired or logged out" in str(info.value) and info.value.status == 401
    assert "bm90LWEtdG9rZW4=" not in str(info.value)


# -- pagination --------------------------------------------------------------------------------------

def test_offset_style_stops_when_next_is_absent(emulated_factory):
    emu = emulated_factory(nodes=5)
    c = token_client(emu)
    assert [n["node_id"] for n in c.list_nodes(limit=2)] == [1, 2, 3, 4, 5]
    assert [q.get("offset") for q in queries(emu, "/api/v2/nodes/")] == [None, "2", "4"]


def test_offset_style_full_last_page_needs_no_empty_page(emulated_factory):
    emu = emulated_factory(nodes=4)
    c = token_client(emu)
    assert len(c.list_nodes(limit=2)) == 4
    assert len(queries(emu, "/api/v2/nodes/")) == 2


@pytest.mark.parametrize("read", ["users", "grants", "tables"])
def test_sql_style_end_conditions(emulated, read):
    """SQL LIMIT/OFFSET: a full page always carries ``next`` (one more request); a short page ends."""
    c = token_client(emulated)
    calls = {"users": (lambda limit: c.list_users(limit=limit), "/api/v2/users/"),
             "grants": (lambda limit: c.list_grants("movr", limit=limit), "/api/v2/databases/movr/grants/"),
             "tables": (lambda limit: c.list_tables("movr", limit=limit), "/api/v2/databases/movr/tables/")}
    call, path = calls[read]
    everything = call(1000)
    n = len(everything)
    assert n >= 3
    for limit, requests in ((n + 1, 1), (n, 2), (n - 1, 2), ((n + 1) // 2, 2 if n % 2 else 3), (1, n + 1)):
        emulated.clear_requests()
        assert call(limit) == everything
        assert len(queries(emulated, path)) == requests, (limit, n)


def test_token_style_end_conditions_and_early_stop(emulated):
    """Fan-out token pages: ``next`` is always present; a page shorter than ``limit`` ends."""
    c = token_client(emulated)
    everything = [r for page, errors in c.iter_hot_ranges(limit=100000) for r in page]
    n = len(everything)
    assert n > 25
    for limit, requests in ((n + 1, 1), (n, 2), (n - 1, 2)):
        emulated.clear_requests()
        assert [r for page, errors in c.iter_hot_ranges(limit=limit) for r in page] == everything
        assert len(queries(emulated, "/api/v2/ranges/hot/")) == requests
    emulated.clear_requests()
    got = []
    for page, errors in c.iter_hot_ranges(limit=10):
        got.extend(page)
        if len(got) >= 25:
            break
    assert len(got) == 30 and len(queries(emulated, "/api/v2/ranges/hot/")) == 3
    starts = [q.get("start") for q in queries(emulated, "/api/v2/ranges/hot/")]
    assert starts[0] is None and all(starts[1:])


def test_events_max_items_asks_no_more_than_needed(emulated):
    c = token_client(emulated)
    events = c.list_events(max_items=3, limit=500)
    assert len(events) == 3
    assert queries(emulated, "/api/v2/events/") == [{"limit": "3"}]
    typed = c.list_events(event_type=events[0]["event_type"])
    assert typed and {e["event_type"] for e in typed} == {events[0]["event_type"]}


def test_node_ranges_of_some_ranges_only(emulated):
    c = token_client(emulated)
    ranges = c.list_node_ranges(1, limit=20)
    assert len(ranges) > 20
    wanted = [r["desc"]["range_id"] for r in ranges[:2]]
    some = c.list_node_ranges("local", range_ids=wanted)
    assert sorted(r["desc"]["range_id"] for r in some) == sorted(wanted)
    assert queries(emulated, "/api/v2/nodes/local/ranges/")[0]["ranges"] == ",".join(str(r) for r in wanted)


# -- 404 wording -------------------------------------------------------------------------------------

@pytest.mark.parametrize("call,text", [
    (lambda c: c.get_database("nope"), "database 'nope' does not exist (or the user cannot see it): database not found"),
    (lambda c: c.list_tables("nope"), "database 'nope' does not exist"),
    (lambda c: c.list_grants("nope"), "database 'nope' does not exist"),
    (lambda c: c.get_table("system", "nope"), "table 'nope' of database 'system' does not exist"),
])
def test_missing_database_or_table_is_named(emulated, call, text):
    with pytest.raises(http.NotFoundError) as err:
        call(token_client(emulated))
    assert text in str(err.value) and err.value.status == 404


def test_database_and_table_reads(emulated):
    c = token_client(emulated)
    assert "movr" in c.list_databases(limit=1)
    assert c.get_database("system")["descriptor_id"] == 1
    assert c.get_table("movr", "public.rides")["columns"]
    assert c.get_range(1)["responses_by_node_id"]


# -- fan-out node errors -------------------------------------------------------------------------------

def test_fan_out_iterators_name_the_node_that_did_not_answer(emulated):
    emulated.stop_node(3)
    c = token_client(emulated)
    sessions, session_errors = [], {}
    for page, errors in c.iter_sessions(limit=2):
        sessions.extend(page)
        session_errors.update(errors)
    hot_errors = {}
    for page, errors in c.iter_hot_ranges():
        hot_errors.update(errors)
    assert sessions and list(session_errors) == [3] and list(hot_errors) == [3]
    assert "node 3" in session_errors[3] and "node 3" in hot_errors[3]


def test_fan_out_filters_are_sent(emulated):
    c = token_client(emulated)
    sessions = [s for page, errors in c.iter_sessions(username="app_writer", exclude_closed=True) for s in page]
    list(c.iter_hot_ranges(node_id="local"))
    assert sessions and {s["username"] for s in sessions} == {"app_writer"} and all(s["status"] != 1 for s in sessions)
    query = queries(emulated, "/api/v2/sessions/")[0]  # (the log masks values of keys that contain "session")
    assert query["username"] == "app_writer" and "exclude_closed_sessions" in query and query["limit"] == "100"
    assert queries(emulated, "/api/v2/ranges/hot/")[0]["node_id"] == "local"


# -- health and restart safety (no session) ---------------------------------------------------------------

def test_readiness_probe_never_raises(emulated):
    c = ClusterClient(emulated.node_url(1))
    assert c.probe_readiness() == (200, True, None)
    emulated.patch_node(2, {"ready": False})
    status, ready, error = c.probe_readiness(url=emulated.node_url(2))
    assert (status, ready) == (500, False) and error
    emulated.stop_node(3)
    assert c.probe_readiness(remote_node_id=3)[:2] == (502, False)
    status, ready, error = c.probe_readiness(url=emulated.node_url(3))
    assert status is None and not ready and "refused" in error.lower()
    assert queries(emulated, "/api/v2/health/")[0] == {"ready": "true"}
    assert emulated.paths(method="POST") == []


def test_restart_safety_direct_and_through_a_proxy(emulated):
    c = token_client(emulated, retries=0)
    r = c.restart_safety(url=emulated.node_url(3))
    assert not r["safe"] and r["supported"] and r["permitted"] and r["shape"] == "counters"
    assert r["node_id"] is None  # a v25.4 answer names no node; asked directly, nothing else does either
    assert r["counters"]["stores_not_draining"] == 1 and r["counters"]["raft_leaderships"] > 0
    assert set(r["problems"]) == {"IsRaftLeader", "StoreNotDraining"} and r["replicas"] == 0
    first = emulated.requests()[0]
    assert first["node_id"] == 3 and first["path"] == "/api/v2/health/restart_safety/" and not first["query"]
    emulated.drain_node(3)
    emulated.clock.sleep(60)
    r = c.restart_safety(remote_node_id=3)
    assert r["safe"] is True and r["node_id"] == 3 and r["counters"] == {
        "unavailable_ranges": 0, "underreplicated_ranges": 0, "raft_leaderships": 0, "stores_not_draining": 0}
    last = emulated.requests()[-1]
    assert last["node_id"] == 1 and last["query"] == {"remote_node_id": ["3"]}
    assert c.login_count == 0


def test_restart_safety_sends_the_session(emulated):
    """The emulator requires a session here (the harsher case): answers, not 401s, prove the header was sent."""
    r = token_client(emulated, retries=0).restart_safety()
    assert r["status"] == 503 and r["permitted"]
    with client(emulated, retries=0) as c:  # username/password: one login, then the header
        assert c.restart_safety()["status"] == 503 and c.restart_safety(remote_node_id=2)["status"] == 503
        assert c.login_count == 1
    assert emulated.paths()[-4:] == [("POST", "/api/v2/login/"), ("GET", "/api/v2/health/restart_safety/"),
                                     ("GET", "/api/v2/health/restart_safety/"), ("POST", "/api/v2/logout/")]
    assert [e["status"] for e in emulated.requests()[-4:]] == [200, 503, 503, 200]


def test_restart_safety_without_a_session_or_admin_is_not_permitted(emulated):
    from emulator.cluster.seed import APP_READER_PASSWORD  # a seeded SQL user without admin or VIEWCLUSTERMETADATA

    r = ClusterClient(emulated.node_url(1), retries=0).restart_safety()
    assert r["status"] == 401 and not r["permitted"] and not r["safe"] and r["supported"]
    assert r["error"].startswith("not permitted: restart_safety needs a valid session of a user with admin "
                                 "(or VIEWCLUSTERMETADATA)") and "invalid session header" in r["error"]
    with client(emulated, username="app_reader", password=APP_READER_PASSWORD, retries=0) as c:
        r = c.restart_safety(remote_node_id=3)
    assert r["status"] == 403 and not r["permitted"] and r["node_id"] is None
    assert r["error"] == ("not permitted: user app_reader needs admin (or VIEWCLUSTERMETADATA) to ask restart_safety "
                          "(HTTP 403: user not allowed to access this endpoint)")
    with client(emulated, password="wrong", retries=0) as c:
        r = c.restart_safety()
    assert r["status"] == 401 and not r["permitted"] and r["error"].startswith("not permitted: login as ")
    assert "wrong" not in str(r)


def test_restart_safety_replica_list_behind_the_flag(emulated):
    emulated.control("POST", "/_emulator/restart_safety", {"shape": "replicas"})
    c = token_client(emulated, retries=0)
    r = c.restart_safety(url=emulated.node_url(3))
    assert r["shape"] == "replicas" and r["counters"] is None and r["node_id"] == 3
    assert set(r["problems"]) == {"IsRaftLeader", "StoreNotDraining"} and r["replicas"] == 150  # every replica of node 3
    emulated.drain_node(3)
    emulated.clock.sleep(60)
    r = c.restart_safety(url=emulated.node_url(3))
    assert r["safe"] and r["shape"] == "replicas" and r["node_id"] == 3


def test_restart_safety_proxy_failure_no_answer_and_missing_endpoint(emulated):
    c = token_client(emulated, retries=0)
    emulated.stop_node(3)
    r = c.restart_safety(remote_node_id=3)
    assert r["status"] == 502 and "node 3 could not be reached" in r["error"]
    r = c.restart_safety(url=emulated.node_url(3))
    assert r["status"] is None and r["error"]
    r = c.restart_safety(url=emulated.node_url(1) + "/db-console")  # a server without the endpoint answers 404
    assert r["status"] == 404 and r["supported"] is False
    r = c.restart_safety(remote_node_id=9)  # the proxy does not know node 9: 400, no verdict on any node
    assert r["status"] == 400 and r["permitted"] and r["node_id"] is None
    assert r["error"] == ("node 9 could not be routed to through the API node (HTTP 400: unable to get address for "
                          "nodeID: 9: unable to look up descriptor for n9)")
    assert "ready" not in r["error"]


@pytest.mark.parametrize("kind", ["500", "503", "429", "reset_before", "reset_after"])
def test_login_is_retried_after_a_5xx_429_or_lost_answer(emulated, kind):
    """Issue 10: one 5xx on the login POST failed every Cluster module. A second login at worst leaves one
    extra session on the server (it expires); only the token received is used and logged out."""
    emulated.fault_rules({"kind": kind, "method": "POST", "path": "/api/v2/login/"})
    with client(emulated) as c:
        assert len(c.list_nodes()) == 3
        assert c.login_count == 1
    logins = [e for e in emulated.requests() if e["path"] == "/api/v2/login/"]
    assert len(logins) == 2 and logins[0]["fault"] and logins[1]["status"] == 200
    assert [e["status"] for e in emulated.requests() if e["path"] == "/api/v2/logout/"] == [200]
