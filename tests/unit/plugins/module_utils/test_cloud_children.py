# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_children: ClusterTarget (the cluster a sub-resource module works on) against the in-process emulator:
no wait for a CREATED cluster, a wait before reading a CREATING one, a wait before writing to a LOCKED one, and
one wait and retry when a write meets a lock."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import is_lock_error
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import CloudConnection
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    ConflictError,
    NotFoundError,
    ServerError,
    WaitTimeoutError,
)

PASSWORD = "unit-Test-Passw0rd-4b"


@pytest.fixture
def cloud(emulated):
    """The emulator without its rate limit (exact request logs) and a client of it."""
    emulated.cloud_config(rate_limit=0)
    emulated.client = CloudConnection({"api_key": emulated.api_key, "api_url": emulated.cloud_url, "rate_limit": 0}).client()
    return emulated


def arrange(cloud, ready=True):
    cid = cloud.create_cluster("shop-dev", ready=ready)["id"]
    cloud.clear_requests()
    return cid


def calls(cloud):
    return [(e["method"], e["path"].replace("/api/v1", ""), e["status"]) for e in cloud.requests(api="cloud")]


def add_user(cloud, target, name="app"):
    return target.write(lambda: cloud.client.create_sql_user(target.id, name, PASSWORD))


def test_created_cluster_costs_no_wait(cloud):
    arrange(cloud)
    target = ClusterTarget(cloud.client, "shop-dev", 5)
    assert target.name == "shop-dev" and target.write(lambda: "done") == "done"
    assert calls(cloud) == [("GET", "/clusters", 200)]


def test_creating_cluster_is_waited_for_before_reads(cloud):
    cid = arrange(cloud, ready=False)
    target = ClusterTarget(cloud.client, cid, 60)
    assert target.cluster["state"] == "CREATED"
    got = calls(cloud)
    assert got[0] == ("GET", "/clusters/%s" % cid, 200) and len(got) > 2 and set(got[1:]) == {got[0]}
    assert cloud.client.list_sql_users(target.id) == []  # no 404 once it is CREATED


def test_the_wait_for_a_creating_cluster_ends_at_wait_timeout(cloud):
    cloud.cloud_config(create_seconds=10 ** 6)
    arrange(cloud, ready=False)
    with pytest.raises(WaitTimeoutError) as info:
        ClusterTarget(cloud.client, "shop-dev", 7)
    assert "timed out after 7s" in str(info.value) and "still CREATING" in str(info.value)


def test_locked_cluster_reads_at_once_and_waits_before_a_write(cloud):
    cid = arrange(cloud)
    cloud.lock_cluster(cid, seconds=30)
    cloud.clear_requests()
    target = ClusterTarget(cloud.client, "shop-dev", 60)
    assert calls(cloud) == [("GET", "/clusters", 200)]
    add_user(cloud, target)
    got = calls(cloud)
    assert got[-1] == ("POST", "/clusters/%s/sql-users" % cid, 200)
    assert set(got[1:-1]) == {("GET", "/clusters/%s" % cid, 200)}  # waited: no write was refused


@pytest.mark.parametrize("lock_status, posts", [
    (409, [409, 200]),
    # A 503 "cluster lock is held" is a refusal (the server did not act): no re-read, no second POST at once;
    # the lock is waited out, then the create is sent again (issue 10: it used to be sent twice back to back).
    (503, [503, 200]),
])
def test_a_write_meeting_a_lock_waits_and_retries_once(cloud, lock_status, posts):
    cloud.cloud_config(lock_status=lock_status)
    cid = arrange(cloud)
    target = ClusterTarget(cloud.client, "shop-dev", 60)
    cloud.lock_cluster(cid, seconds=30)  # an automatic job starts after the read
    add_user(cloud, target)
    assert [status for method, path, status in calls(cloud) if method == "POST"] == posts
    assert [u["name"] for u in cloud.client.list_sql_users(cid)] == ["app"]


def test_other_conflicts_are_not_retried(cloud):
    arrange(cloud)
    target = ClusterTarget(cloud.client, "shop-dev", 60)
    add_user(cloud, target)
    with pytest.raises(ConflictError):
        add_user(cloud, target)
    assert [status for method, path, status in calls(cloud) if method == "POST"] == [200, 409]
    assert is_lock_error(ServerError("cluster lock is held", status=503))
    assert is_lock_error(ConflictError("couldn't lock cluster", status=400))
    assert not is_lock_error(ServerError("internal error", status=500))
    assert not is_lock_error(ValueError("lock"))


def test_a_write_meeting_a_lock_again_and_again_waits_each_time(cloud):
    cloud.cloud_config(lock_status=503)
    cid = arrange(cloud)
    target = ClusterTarget(cloud.client, "shop-dev", 600)
    cloud.fault_rules({"kind": "503", "method": "POST", "path": "/api/v1/clusters/%s/sql-users" % cid, "count": 3})
    # an injected plain 503 is ambiguous: the user is looked up before each new POST, never sent blindly
    add_user(cloud, target)
    posts = [status for method, path, status in calls(cloud) if method == "POST"]
    assert posts[-1] == 200 and posts.count(200) == 1
    assert [u["name"] for u in cloud.client.list_sql_users(cid)] == ["app"]


def test_wait_timeout_bounds_the_whole_write_when_the_lock_stays(cloud, clock):
    cloud.cloud_config(lock_status=503)
    cid = arrange(cloud)
    target = ClusterTarget(cloud.client, "shop-dev", 40)
    cloud.lock_cluster(cid, seconds=10 ** 5)  # a job that outlives the write's wait_timeout
    began = clock.monotonic()
    with pytest.raises(WaitTimeoutError):
        add_user(cloud, target)
    assert clock.monotonic() - began <= 40 + 11  # one deadline for the write (the last poll may end 10 s late)
    assert [status for method, path, status in calls(cloud) if method == "POST"] == [503]
    assert cloud.client.list_sql_users(cid) == []


@pytest.mark.parametrize("how", ["deleted", "never"])
def test_a_cluster_that_is_gone_is_a_target_only_with_missing_ok(cloud, how):
    if how == "deleted":
        cid = arrange(cloud)
        cloud.client.delete_cluster(cid)
        name = cid
    else:
        name = "no-such-cluster"
    assert ClusterTarget(cloud.client, name, 60, missing_ok=True).gone
    with pytest.raises(NotFoundError, match="no active cluster has this name or id"):
        ClusterTarget(cloud.client, name, 60)


def test_unknown_cluster_names_the_option(cloud):
    with pytest.raises(NotFoundError) as info:
        ClusterTarget(cloud.client, "no-such-cluster", 60)
    assert "check the cluster option" in str(info.value) and "'no-such-cluster'" in str(info.value)


def test_child_option_errors_name_the_option():
    assert child_option_errors({"cluster": "c", "wait_timeout": 1}) == []
    assert child_option_errors({"cluster": " ", "wait_timeout": 0}) == [
        "cluster must be the name or the id of a cluster", "wait_timeout must be 1 second or more, got 0"]
