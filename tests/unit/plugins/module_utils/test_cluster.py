# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cluster, cluster_normalize, transport as http
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.module_utils.conftest import (
    FakeResponse,
    FakeSession,
)

TOKEN = "CIGAiPis4fj3CBIQ3u0rRQJ3tD8yIqee4hipow=="


def client(http_session, clock, **kwargs):
    kwargs.setdefault("username", "root")
    kwargs.setdefault("password", "pw-xyz-987")
    return cluster.ClusterClient("http://node1:8080/", http_session=http_session, sleep=clock.sleep,
                                 clock=clock.monotonic, **kwargs)


def test_login_is_a_form_body_and_token_goes_in_header(clock):
    s = FakeSession([FakeResponse(200, {"session": TOKEN}), FakeResponse(200, {"nodes": []}),
                     FakeResponse(200, {"logged_out": True})])
    with client(s, clock) as c:
        c.get_json("/api/v2/nodes/")
    login, nodes, logout = s.calls
    assert login["method"] == "POST" and login["url"] == "http://node1:8080/api/v2/login/"
    assert login["data"] == {"username": "root", "password": "pw-xyz-987"}
    assert login["json"] is None
    assert nodes["headers"]["X-Cockroach-API-Session"] == TOKEN
    assert logout["url"].endswith("/api/v2/logout/")
    assert logout["headers"]["X-Cockroach-API-Session"] == TOKEN


def test_given_session_is_reused_without_login_or_logout(clock):
    s = FakeSession([FakeResponse(200, {"nodes": []})])
    with client(s, clock, username=None, password=None, session=TOKEN) as c:
        c.get_json("/api/v2/nodes/")
    assert len(s.calls) == 1
    assert s.calls[0]["headers"]["X-Cockroach-API-Session"] == TOKEN


def test_missing_trailing_slash_is_refused_before_sending(clock):
    s = FakeSession([])
    with pytest.raises(ValueError):
        client(s, clock, session=TOKEN).get("/api/v2/nodes")
    assert s.calls == []


def test_wrong_password_message_names_the_fix_and_hides_password(clock):
    s = FakeSession([FakeResponse(401, text="the provided credentials did not match any account on the server\n")])
    with pytest.raises(http.AuthError) as info:
        client(s, clock).login()
    assert "COCKROACH_CLUSTER_PASSWORD" in str(info.value)
    assert "pw-xyz-987" not in str(info.value)


def test_rejected_session_says_so(clock):
    s = FakeSession([FakeResponse(401, text="the provided authentication session could not be validated\n")])
    with pytest.raises(http.AuthError) as info:
        client(s, clock, session=TOKEN).get_json("/api/v2/nodes/")
    assert "expired or logged out" in str(info.value)
    assert TOKEN not in str(info.value)


def test_offset_style_stops_when_next_is_absent(clock):
    s = FakeSession([
        FakeResponse(200, {"nodes": [{"node_id": 1}, {"node_id": 2}], "next": 2}),
        FakeResponse(200, {"nodes": [{"node_id": 3}]}),
    ])
    items = client(s, clock, session=TOKEN).paginate("/api/v2/nodes/", "nodes", "offset", limit=2)[0]
    assert [n["node_id"] for n in items] == [1, 2, 3]
    assert [c["params"].get("offset") for c in s.calls] == [None, 2]


def test_offset_style_null_page(clock):
    s = FakeSession([FakeResponse(200, {"nodes": None})])
    assert client(s, clock, session=TOKEN).paginate("/api/v2/nodes/", "nodes", "offset")[0] == []


def test_sql_style_full_page_with_next_then_empty_page(clock):
    s = FakeSession([
        FakeResponse(200, {"grants": [{"user": "a"}, {"user": "b"}], "next": 2}),
        FakeResponse(200, {"grants": [{"user": "c"}, {"user": "d"}], "next": 4}),
        FakeResponse(200, {"grants": []}),
    ])
    items = client(s, clock, session=TOKEN).paginate("/api/v2/databases/movr/grants/", "grants", "sql", limit=2)[0]
    assert [g["user"] for g in items] == ["a", "b", "c", "d"]
    assert len(s.calls) == 3


def test_sql_style_short_page_ends_without_another_request(clock):
    s = FakeSession([FakeResponse(200, {"users": [{"username": "a"}, {"username": "b"}], "next": 2}),
                     FakeResponse(200, {"users": [{"username": "c"}], "next": 3})])
    items = client(s, clock, session=TOKEN).paginate("/api/v2/users/", "users", "sql", limit=2)[0]
    assert len(items) == 3 and len(s.calls) == 2


def test_token_style_next_always_present_stops_on_short_page(clock):
    s = FakeSession([
        FakeResponse(200, {"ranges": [{"range_id": 1}, {"range_id": 2}], "next": "MSx8Mnw1fDMs"}),
        FakeResponse(200, {"ranges": [{"range_id": 3}], "next": "MSwyLDMsfDB8MHw="}),
    ])
    items = client(s, clock, session=TOKEN).paginate("/api/v2/ranges/hot/", "ranges", "token", limit=2)[0]
    assert [r["range_id"] for r in items] == [1, 2, 3]
    assert s.calls[1]["params"]["start"] == "MSx8Mnw1fDMs"


def test_token_style_max_items(clock):
    s = FakeSession([FakeResponse(200, {"ranges": [{"range_id": i} for i in range(5)], "next": "x"})])
    c = client(s, clock, session=TOKEN)
    items = c.paginate("/api/v2/ranges/hot/", "ranges", "token", limit=5, max_items=3)[0]
    assert len(items) == 3 and len(s.calls) == 1


def test_page_style_uses_total_results(clock):
    s = FakeSession([
        FakeResponse(200, {"results": [1, 2], "pagination_info": {"total_results": 3, "page_size": 2, "page_num": 1}}),
        FakeResponse(200, {"results": [3], "pagination_info": {"total_results": 3, "page_size": 2, "page_num": 2}}),
    ])
    items = client(s, clock, session=TOKEN).paginate("/api/v2/database_metadata/", "results", "page", limit=2)[0]
    assert items == [1, 2, 3]
    assert [c["params"]["pageNum"] for c in s.calls] == [1, 2]


def test_health_does_not_raise_on_not_ready(clock):
    s = FakeSession([FakeResponse(500, text="An internal server error has occurred.\n")])
    status, ready = client(s, clock).health(url="http://node2:8080")
    assert (status, ready) == (500, False)
    assert s.calls[0]["url"] == "http://node2:8080/api/v2/health/"
    assert s.calls[0]["params"] == {"ready": "true"}


@pytest.mark.parametrize("value,name", [(0, "unknown"), (1, "dead"), (2, "suspect"), (3, "live"),
                                        (4, "decommissioning"), (5, "decommissioned"), (6, "draining"),
                                        (99, "unknown"), (None, "unknown")])
def test_liveness_names(value, name):
    assert cluster_normalize.liveness_name(value) == name


def test_store_metric_sum_and_time():
    node = {"store_metrics": {"1": {"ranges.underreplicated": 2}, "2": {"ranges.underreplicated": 3.0}, "3": {}}}
    assert cluster_normalize.store_metric_sum(node, "ranges.underreplicated") == 5
    assert cluster_normalize.store_metric_sum({}, "ranges.unavailable") == 0
    assert cluster_normalize.ns_to_iso(1763800000000000000) == "2025-11-22T08:26:40.000000Z"
