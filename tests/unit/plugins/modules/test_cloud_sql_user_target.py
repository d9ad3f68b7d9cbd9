# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ClusterTarget (the cluster a sub-resource module works on) and the audit-log cursor walk."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import ClusterTarget, is_lock_error
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import ConflictError, ServerError
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_audit_log_info as audit


class FakeClient:
    def __init__(self, state):
        self.state = state
        self.waits = []

    def resolve_cluster(self, name_or_id):
        return {"id": "cid", "name": name_or_id, "state": self.state}

    def wait_for_cluster(self, cluster_id, timeout, wanted, settle):
        self.waits.append((cluster_id, timeout, wanted, settle))
        return {"id": cluster_id, "name": "c", "state": "CREATED"}


def test_created_cluster_costs_no_wait():
    client = FakeClient("CREATED")
    target = ClusterTarget(client, "c", 5)
    assert target.path("/sql-users") == "/clusters/cid/sql-users"
    assert target.write(lambda: "done") == "done"
    assert client.waits == []


def test_creating_cluster_is_waited_for_before_reads():
    client = FakeClient("CREATING")
    ClusterTarget(client, "c", 7)
    assert client.waits == [("cid", 7, ("CREATED",), False)]


def test_locked_cluster_reads_at_once_and_waits_before_a_write():
    client = FakeClient("LOCKED")
    target = ClusterTarget(client, "c", 7)
    assert client.waits == []
    target.write(lambda: None)
    assert len(client.waits) == 1


def test_a_write_meeting_a_lock_waits_and_retries_once():
    client = FakeClient("CREATED")
    target = ClusterTarget(client, "c", 7)
    calls = []

    def write():
        calls.append(1)
        if len(calls) == 1:
            raise ConflictError("cluster lock is held", status=409)
        return "ok"
    assert target.write(write) == "ok"
    assert len(calls) == 2 and len(client.waits) == 1


def test_other_conflicts_are_not_retried():
    target = ClusterTarget(FakeClient("CREATED"), "c", 7)

    def write():
        raise ConflictError("SQL user app already exists", status=409)
    with pytest.raises(ConflictError):
        target.write(write)
    assert is_lock_error(ServerError("cluster lock is held", status=503))
    assert not is_lock_error(ValueError("lock"))


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
    got, cursor = audit.collect(fetch)
    assert [e["id"] for e in got] == [str(i) for i in range(10)]
    assert cursor == ENTRIES[-1]["created_at"]
    assert log[0] == {"sort_order": "ASC"} and log[1]["starting_from"] == "2024-01-01T00:00:01Z"


def test_audit_limit_never_splits_a_timestamp_and_resumes_without_gaps():
    fetch, log = pages(ENTRIES, 3)
    first, cursor = audit.collect(fetch, limit=3)
    assert [e["id"] for e in first] == ["0", "1", "2", "3"]  # 2 and 3 share a timestamp
    assert log == [{"sort_order": "ASC", "limit": 3}]
    rest, dummy = audit.collect(fetch, starting_from=cursor)
    assert [e["id"] for e in first + rest] == [str(i) for i in range(10)]


def test_audit_desc_ends_without_cursor():
    fetch, dummy = pages(ENTRIES, 4, asc=False)
    got, cursor = audit.collect(fetch, sort_order="DESC")
    assert sorted(e["id"] for e in got) == sorted(str(i) for i in range(10))
    assert [e["created_at"] for e in got] == sorted((e["created_at"] for e in got), reverse=True)
    assert cursor is None


@pytest.mark.parametrize("kw, fragment", [
    (dict(starting_from="yesterday"), "starting_from must be an RFC 3339 timestamp"),
    (dict(starting_from="2024-09-16 12:00:00"), "starting_from"),
    (dict(limit=0), "limit must be 1 or more"),
])
def test_audit_validate(kw, fragment):
    base = dict(starting_from=None, limit=None, sort_order="ASC")
    base.update(kw)
    assert any(fragment in e for e in audit.validate(base))
    assert audit.validate(dict(starting_from="2024-09-16T12:00:00.123Z", limit=5)) == []
