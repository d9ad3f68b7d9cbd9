# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure functions of cloud_replication.py: which stream, what to do with it, the check-mode prediction,
timestamps, and the connection details per region."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cloud_replication as cr


def stream(status, sid="s1", created="2025-01-01T00:00:00Z", primary="p", standby="b"):
    return {"id": sid, "status": status, "primary_cluster_id": primary, "standby_cluster_id": standby,
            "created_at": created}


def test_pick_stream_prefers_the_active_one_then_the_newest():
    done = stream("COMPLETED", "old", "2025-01-01T00:00:00Z")
    canceled = stream("CANCELED", "newer", "2025-02-01T00:00:00Z")
    active = stream("REPLICATING", "live", "2024-12-01T00:00:00Z")
    other = stream("REPLICATING", "other", primary="x")
    assert cr.pick_stream([done, canceled, active, other], "p", "b")["id"] == "live"
    assert cr.pick_stream([done, canceled, other], "p", "b")["id"] == "newer"
    assert cr.pick_stream([other], "p", "b") is None
    assert cr.pick_stream([stream("REPLICATING", primary="b", standby="p")], "p", "b") is None  # the other way round


@pytest.mark.parametrize("status, state, action, refused", [
    (None, "present", "create", False),
    ("CANCELED", "present", "create", False),
    ("STARTING", "present", None, False),
    ("REPLICATING", "present", None, False),
    ("FAILING_OVER", "present", None, False),
    ("COMPLETED", "present", None, False),
    (None, "failed_over", None, True),
    ("STARTING", "failed_over", None, True),
    ("REPLICATING", "failed_over", "failover", False),
    ("FAILING_OVER", "failed_over", "wait", False),
    ("COMPLETED", "failed_over", None, False),
    ("CANCELED", "failed_over", None, True),
    (None, "canceled", None, False),
    ("STARTING", "canceled", None, True),
    ("REPLICATING", "canceled", "cancel", False),
    ("FAILING_OVER", "canceled", None, True),
    ("COMPLETED", "canceled", None, True),
    ("CANCELED", "canceled", None, False),
])
def test_stream_plan(status, state, action, refused):
    got_action, refusal = cr.stream_plan(stream(status) if status else None, state)
    assert got_action == action
    assert (refusal is not None) == refused


def test_stream_plan_messages_say_what_to_do():
    assert "state=present" in cr.stream_plan(None, "failed_over")[1]
    assert "REPLICATING" in cr.stream_plan(stream("STARTING"), "failed_over")[1]
    with pytest.raises(ValueError):
        cr.stream_plan(None, "absent")


def test_predicted_stream():
    assert cr.predicted_stream(None, "create", "p", "b") == {
        "id": None, "status": "STARTING", "primary_cluster_id": "p", "standby_cluster_id": "b", "created_at": None}
    cur = dict(stream("REPLICATING"), replicated_time="2025-01-01T00:01:00Z", replication_lag_seconds=3)
    assert cr.predicted_stream(cur, "failover", "p", "b", "2025-01-01T00:00:30Z") == dict(
        stream("FAILING_OVER"), failover_at="2025-01-01T00:00:30Z")
    assert cr.predicted_stream(cur, "cancel", "p", "b")["status"] == "CANCELED"


@pytest.mark.parametrize("value, ok", [
    ("2025-05-01T19:39:39Z", True), ("2025-05-01T19:39:39.5+02:00", True), ("2025-05-01 19:39:39Z", False),
    ("2025-05-01T19:39:39", False), ("2025-13-01T19:39:39Z", False), ("tomorrow", False),
])
def test_rfc3339_error(value, ok):
    message = cr.rfc3339_error("failover_at", value)
    assert (message is None) == ok
    if not ok:
        assert "failover_at" in message


def test_with_host_keeps_user_path_and_query():
    conn = "postgresql://app:ENTER-SQL-USER-PASSWORD@a.example:26257/shop?sslmode=verify-full&sslrootcert=$HOME/x.crt"
    assert cr.with_host(conn, "b.example") == (
        "postgresql://app:ENTER-SQL-USER-PASSWORD@b.example:26257/shop?sslmode=verify-full&sslrootcert=$HOME/x.crt")
    assert cr.with_host("postgresql://a.example:26257/db?sslmode=verify-full", "c", "1") == \
        "postgresql://c:1/db?sslmode=verify-full"
    assert cr.query_value(conn, "sslrootcert") == "$HOME/x.crt"
    assert cr.query_value(conn, "nope") is None


def test_connection_info_one_entry_per_region():
    cluster = {"id": "c1", "name": "shop", "plan": "ADVANCED", "regions": [
        {"name": "us-east1", "sql_dns": "shop.gcp-us-east1.x", "ui_dns": "admin-e", "internal_dns": "",
         "private_endpoint_dns": "pe-e", "primary": False},
        {"name": "us-central1", "sql_dns": "shop.gcp-us-central1.x", "ui_dns": "", "internal_dns": "int-c",
         "private_endpoint_dns": "", "primary": True}]}
    answer = {"connection_string": "postgresql://app:PW@shop.gcp.x:26257/db?sslmode=verify-full&sslrootcert=/c.crt",
              "params": {"Host": "shop.gcp.x", "Port": "26257", "Database": "db", "Username": "app"}}
    info = cr.connection_info(cluster, answer, ca_cert="PEM", ca_cert_url="https://x/clusters/c1/cert")
    assert [r["name"] for r in info["regions"]] == ["us-central1", "us-east1"]
    assert info["regions"][0]["connection_string"] == \
        "postgresql://app:PW@shop.gcp-us-central1.x:26257/db?sslmode=verify-full&sslrootcert=/c.crt"
    assert info["regions"][0]["primary"] is True and info["regions"][0]["internal_host"] == "int-c"
    assert info["regions"][0]["ui_host"] is None and info["regions"][1]["private_endpoint_host"] == "pe-e"
    assert info["params"] == {"host": "shop.gcp.x", "port": "26257", "database": "db", "username": "app"}
    assert info["sslrootcert"] == "/c.crt" and info["ca_cert"] == "PEM"


def test_stream_views():
    s = dict(stream("REPLICATING"), replication_lag_seconds=4)
    assert cr.stream_view(s)["replication_lag_seconds"] == 4 and cr.stream_view(s)["activated_at"] is None
    assert "replication_lag_seconds" not in cr.stream_diff_view(s)
    assert cr.stream_view(None) is None and cr.stream_diff_view(None) == {}
