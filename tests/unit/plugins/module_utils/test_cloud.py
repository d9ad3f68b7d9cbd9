# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest
import requests

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cloud, transport as http
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.module_utils.conftest import (
    FakeResponse,
    FakeSession,
)

CID = "0b2c3d4e-1111-2222-3333-444455556666"


def client(session, clock, **kwargs):
    kwargs.setdefault("rate_limit", 0)
    return cloud.CloudClient("key-abc-123", server="https://cloud.example", session=session, sleep=clock.sleep,
                             clock=clock.monotonic, **kwargs)


def cluster(name="prod-one", state="CREATED", cid=CID, **extra):
    obj = dict(id=cid, name=name, state=state, operation_status="UNSPECIFIED", upgrade_status="FINALIZED")
    obj.update(extra)
    return obj


def test_headers_bearer_and_cc_version(clock):
    s = FakeSession([FakeResponse(200, {"clusters": []})])
    c = client(s, clock)
    c.list_clusters()
    headers = s.calls[0]["headers"]
    assert headers["Authorization"] == "Bearer key-abc-123"
    assert headers["Cc-Version"] == "2024-09-16"
    assert s.calls[0]["url"] == "https://cloud.example/api/v1/clusters"


def test_cc_version_override(clock):
    s = FakeSession([FakeResponse(200, {})])
    client(s, clock, api_version="2022-03-31").get_cluster("x")
    assert s.calls[0]["headers"]["Cc-Version"] == "2022-03-31"


def test_keyset_pagination_follows_next_page(clock):
    s = FakeSession([
        FakeResponse(200, {"clusters": [cluster("a-cluster")], "pagination": {"next_page": "tok1"}}),
        FakeResponse(200, {"clusters": [cluster("b-cluster")], "pagination": {"next_page": "tok2"}}),
        FakeResponse(200, {"clusters": [cluster("c-cluster")], "pagination": {}}),
    ])
    names = [c["name"] for c in client(s, clock).list_clusters(show_inactive=True)]
    assert names == ["a-cluster", "b-cluster", "c-cluster"]
    assert [call["params"].get("pagination.page") for call in s.calls] == [None, "tok1", "tok2"]
    assert all(call["params"]["pagination.limit"] == 100 for call in s.calls)
    assert s.calls[0]["params"]["show_inactive"] == "true"


def test_find_cluster_by_name_ignores_deleted_and_detects_ambiguity(clock):
    listing = {"clusters": [cluster("prod-one", state="DELETED", cid="d"), cluster("prod-one", cid="x")]}
    s = FakeSession([FakeResponse(200, listing)])
    assert client(s, clock).find_cluster(name="prod-one")["id"] == "x"
    s = FakeSession([FakeResponse(200, {"clusters": [cluster(cid="1"), cluster(cid="2")]})])
    with pytest.raises(cloud.AmbiguousNameError) as info:
        client(s, clock).find_cluster(name="prod-one")
    assert "pass the id" in str(info.value)


def test_find_cluster_by_id_404_is_none(clock):
    s = FakeSession([FakeResponse(404, {"code": 5, "message": "not found"})])
    assert client(s, clock).find_cluster(cluster_id=CID) is None


def test_create_lost_answer_is_found_by_name_not_recreated(clock):
    s = FakeSession([
        requests.exceptions.ConnectionError("connection reset by peer"),
        FakeResponse(200, {"clusters": [cluster("new-cluster", state="CREATING")]}),
    ])
    obj, recovered = client(s, clock).create_cluster({"name": "new-cluster"})
    assert recovered is True
    assert obj["name"] == "new-cluster"
    assert [c["method"] for c in s.calls] == ["POST", "GET"]


def test_create_lost_answer_not_created_is_sent_once_more(clock):
    s = FakeSession([
        FakeResponse(503, {"code": 14, "message": "unavailable"}),
        FakeResponse(200, {"clusters": []}),
        FakeResponse(200, cluster("new-cluster", state="CREATING")),
    ])
    obj, recovered = client(s, clock).create_cluster({"name": "new-cluster"})
    assert recovered is False and obj["state"] == "CREATING"
    assert [c["method"] for c in s.calls] == ["POST", "GET", "POST"]


def test_wait_through_creating_and_locked_with_capped_backoff(clock):
    states = ["CREATING"] * 6 + ["LOCKED"] * 2 + ["CREATED"]
    s = FakeSession([FakeResponse(200, cluster(state=st)) for st in states])
    out = client(s, clock).wait_for_cluster(CID, timeout=600, initial_delay=0.5, max_delay=4)
    assert out["state"] == "CREATED"
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]


def test_wait_fails_fast_on_creation_failed(clock):
    s = FakeSession([FakeResponse(200, cluster(state="CREATING")), FakeResponse(200, cluster(state="CREATION_FAILED"))])
    with pytest.raises(cloud.ClusterFailedError) as info:
        client(s, clock).wait_for_cluster(CID, timeout=600)
    assert "CREATION_FAILED" in str(info.value)
    assert len(s.calls) == 2


def test_wait_timeout_names_the_stuck_state(clock):
    s = FakeSession(handler=lambda m, u, k: FakeResponse(200, cluster(state="LOCKED",
                                                                      operation_status="CRDB_SCALE_RUNNING")))
    with pytest.raises(http.WaitTimeoutError) as info:
        client(s, clock).wait_for_cluster(CID, timeout=30)
    assert "still LOCKED" in str(info.value)
    assert "CRDB_SCALE_RUNNING" in str(info.value)
    assert clock.now - 1000.0 == pytest.approx(30.0)


def test_wait_keeps_polling_through_5xx(clock):
    s = FakeSession([FakeResponse(500, {"message": "x"})] * 5 + [FakeResponse(200, cluster())])
    c = client(s, clock, retries=0)
    assert c.wait_for_cluster(CID, timeout=600)["state"] == "CREATED"


def test_wait_settles_running_upgrade(clock):
    s = FakeSession([FakeResponse(200, cluster(upgrade_status="MAJOR_UPGRADE_RUNNING")),
                     FakeResponse(200, cluster(upgrade_status="PENDING_FINALIZATION"))])
    assert client(s, clock).wait_for_cluster(CID)["upgrade_status"] == "PENDING_FINALIZATION"


def test_update_waits_out_a_held_lock_then_patches(clock):
    s = FakeSession([
        FakeResponse(409, {"code": 10, "message": "cluster lock is held"}),
        FakeResponse(200, cluster(state="LOCKED")),
        FakeResponse(200, cluster()),
        FakeResponse(200, cluster(state="LOCKED")),
        FakeResponse(200, cluster()),
    ])
    out = client(s, clock).update_cluster(CID, {"labels": {"a": "b"}})
    assert out["state"] == "CREATED"
    assert [c["method"] for c in s.calls] == ["PATCH", "GET", "GET", "PATCH", "GET"]


def test_list_audit_log_follows_the_cursor_and_keeps_it_at_the_end(clock):
    s = FakeSession([
        FakeResponse(200, {"entries": [{"id": "1"}, {"id": "2"}], "next_starting_from": "2025-01-01T00:00:01Z"}),
        FakeResponse(200, {"entries": [{"id": "3"}], "next_starting_from": "2025-01-01T00:00:02Z"}),
        FakeResponse(200, {"entries": [], "next_starting_from": "2025-01-01T00:00:02Z"}),
    ])
    entries, cursor = client(s, clock).list_audit_log()
    assert [e["id"] for e in entries] == ["1", "2", "3"]
    assert s.calls[0]["url"] == "https://cloud.example/api/v1/auditlogevents"
    assert s.calls[0]["params"] == {"sort_order": "ASC"}
    assert s.calls[1]["params"]["starting_from"] == "2025-01-01T00:00:01Z"
    assert cursor == "2025-01-01T00:00:02Z"


def pages(entries, per_page, asc=True):
    """A fetch function that serves ``entries`` (sorted by created_at) like the API."""
    log = []

    def fetch(params):
        log.append(dict(params))
        start = params.get("starting_from")
        rows = [e for e in entries if start is None or (e["created_at"] > start if asc else e["created_at"] < start)]
        if not asc:
            rows = rows[::-1] if start is None else sorted(rows, key=lambda e: e["created_at"], reverse=True)
        limit = min(params.get("limit") or per_page, per_page)
        page = rows[:limit]
        i = len(page)
        while page and i < len(rows) and rows[i]["created_at"] == page[-1]["created_at"]:
            page.append(rows[i])
            i += 1
        body = {"entries": page}
        if page and (asc or i < len(rows)):
            body["next_starting_from"] = page[-1]["created_at"]
        elif not page and asc:
            body["next_starting_from"] = start or "2030-01-01T00:00:00Z"
        return body
    return fetch, log


ENTRIES = [{"id": str(i), "created_at": "2024-01-01T00:00:%02dZ" % (i // 2)} for i in range(10)]


def test_audit_walk_follows_the_cursor_to_the_end():
    fetch, log = pages(ENTRIES, 3)
    got, cursor = cloud.walk_audit_log(fetch)
    assert [e["id"] for e in got] == [str(i) for i in range(10)]
    assert cursor == ENTRIES[-1]["created_at"]
    assert log[0] == {"sort_order": "ASC"} and log[1]["starting_from"] == "2024-01-01T00:00:01Z"


def test_audit_limit_never_splits_a_timestamp_and_resumes_without_gaps():
    fetch, log = pages(ENTRIES, 3)
    first, cursor = cloud.walk_audit_log(fetch, limit=3)
    assert [e["id"] for e in first] == ["0", "1", "2", "3"]  # 2 and 3 share a timestamp
    assert log == [{"sort_order": "ASC", "limit": 3}]
    rest, dummy = cloud.walk_audit_log(fetch, starting_from=cursor)
    assert [e["id"] for e in first + rest] == [str(i) for i in range(10)]


def test_audit_desc_ends_without_cursor():
    fetch, dummy = pages(ENTRIES, 4, asc=False)
    got, cursor = cloud.walk_audit_log(fetch, sort_order="DESC")
    assert sorted(e["id"] for e in got) == sorted(str(i) for i in range(10))
    assert [e["created_at"] for e in got] == sorted((e["created_at"] for e in got), reverse=True)
    assert cursor is None


def test_sql_user_named_exact_first_then_case_insensitive():
    users = [{"name": "App"}, {"name": "app2"}, {"name": "app"}]
    assert cloud.sql_user_named(users, "app") == {"name": "app"}
    assert cloud.sql_user_named(users, "App") == {"name": "App"}
    assert cloud.sql_user_named([{"name": "reporting"}], "Reporting") == {"name": "reporting"}
    assert cloud.sql_user_named(users, "ap") is None
    assert cloud.sql_user_named([], "app") is None


def test_database_named_is_exact_and_keeps_table_count():
    dbs = [{"name": "defaultdb", "table_count": "0"}, {"name": "app", "table_count": "3"}]
    assert cloud.database_named(dbs, "app") == {"name": "app", "table_count": "3"}
    assert cloud.database_named(dbs, "APP") is None


def test_sql_user_paths_quote_the_name_and_a_missing_user_is_already_gone(clock):
    s = FakeSession([FakeResponse(200, {"name": "a/b"}), FakeResponse(404, {"code": 5, "message": "no such user"}),
                     FakeResponse(404, {"code": 5, "message": "no such user"})])
    c = client(s, clock)
    c.set_sql_user_password(CID, "a/b", "pw-unit-1")
    assert (s.calls[0]["method"], s.calls[0]["url"]) == (
        "PUT", "https://cloud.example/api/v1/clusters/%s/sql-users/a%%2Fb/password" % CID)
    assert s.calls[0]["json"] == {"password": "pw-unit-1"}
    assert c.delete_sql_user(CID, "app") is None
    with pytest.raises(http.NotFoundError):
        c.delete_sql_user(CID, "app", missing_ok=False)


def test_lost_allowlist_add_answer_is_looked_up_not_sent_twice(clock):
    entry = {"cidr_ip": "10.0.0.0", "cidr_mask": 8, "ui": False, "sql": True, "name": "office"}
    s = FakeSession([
        requests.exceptions.ConnectionError("connection reset by peer"),
        FakeResponse(200, {"allowlist": [dict(entry, name="")], "pagination": {}}),
    ])
    got = client(s, clock).add_allowlist_entry(CID, entry)
    assert got["cidr_ip"] == "10.0.0.0"
    assert [(c["method"], c["url"].rsplit("/api/v1", 1)[1]) for c in s.calls] == [
        ("POST", "/clusters/%s/networking/allowlist" % CID), ("GET", "/clusters/%s/networking/allowlist" % CID)]


def test_spend_limit_put_on_the_legacy_version_patch_after_it(clock):
    s = FakeSession([FakeResponse(200, {}), FakeResponse(200, cluster())])
    client(s, clock, api_version="2022-03-31").set_spend_limit(CID, 0, wait=False)
    assert [(c["method"], c["url"].rsplit("/", 1)[1], c.get("json")) for c in s.calls] == [
        ("PUT", "spend-limit", {"spend_limit": 0}), ("GET", CID, None)]
    s = FakeSession([FakeResponse(200, cluster()), FakeResponse(200, cluster())])
    client(s, clock, api_version="2022-09-20").set_spend_limit(CID, 2500, wait=False)
    assert (s.calls[0]["method"], s.calls[0]["json"]) == ("PATCH", {"serverless": {"spend_limit": 2500}})


def test_usage_limits_travel_as_int64_strings(clock):
    s = FakeSession([FakeResponse(200, cluster()), FakeResponse(200, cluster())])
    client(s, clock).set_usage_limits(CID, {"storage_mib_limit": 10240, "request_unit_limit": 100000000}, wait=False)
    assert s.calls[0]["json"] == {"serverless": {"usage_limits": {"request_unit_limit": "100000000",
                                                                  "storage_mib_limit": "10240"}}}


def test_api_key_never_in_errors(clock):
    s = FakeSession([FakeResponse(401, {"code": 16, "message": "invalid token key-abc-123"})])
    with pytest.raises(http.AuthError) as info:
        client(s, clock).list_clusters()
    assert "key-abc-123" not in str(info.value)
