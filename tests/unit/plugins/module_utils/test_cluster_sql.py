# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ClusterClient.sql and the settings helpers against the in-process emulator (the rest of ClusterClient is in
test_cluster.py): the request it sends, rows per statement, typed errors, retries only for reads."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import transport as http
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster import (
    MIGRATION_JOBS_SQL,
    ClusterClient,
    SqlError,
)


def client(emulated, node_id=1, **kwargs):
    kwargs.setdefault("username", emulated.admin_user)
    kwargs.setdefault("password", emulated.admin_password)
    return ClusterClient(emulated.node_url(node_id), **kwargs)


def sql_requests(emulated):
    return [e for e in emulated.requests() if e["path"] == "/api/v2/sql/"]


def test_rows_per_statement_and_the_request_sent(emulated):
    with client(emulated) as c:
        out = c.sql(["SHOW CLUSTER SETTING version", "SELECT version()"], timeout=3, max_result_size=20000)
    assert [r["statement"] for r in out] == [1, 2]
    assert out[0]["rows"] == [{"version": "25.4"}] and out[0]["columns"][0]["name"] == "version"
    assert out[1]["rows"][0]["version"].startswith("CockroachDB CCL v25.4.1")
    sent = sql_requests(emulated)[0]
    assert sent["method"] == "POST" and sent["body"]["execute"] is True
    assert sent["body"]["timeout"] == "3s" and sent["body"]["max_result_size"] == 20000
    assert [s["sql"] for s in sent["body"]["statements"]] == ["SHOW CLUSTER SETTING version", "SELECT version()"]
    assert emulated.paths() == [("POST", "/api/v2/login/"), ("POST", "/api/v2/sql/"), ("POST", "/api/v2/logout/")]


def test_execute_false_returns_the_servers_normalised_request(emulated):
    with client(emulated) as c:
        req = c.sql("show cluster setting VERSION", execute=False)
    assert req["statements"] == [{"sql": "SHOW CLUSTER SETTING version"}] and req["database"] == "system"


def test_a_failed_statement_raises_a_typed_error_with_index_and_sql(emulated):
    with client(emulated) as c:
        with pytest.raises(SqlError) as err:
            c.sql(["SELECT 1", "SHOW CLUSTER SETTING no.such"])
    e = err.value
    assert (e.status, e.code, e.statement, e.sql) == (200, "XXUUU", 2, "SHOW CLUSTER SETTING no.such")
    assert e.message == 'executing stmt 2: unknown setting: "no.such"'
    assert e.to_result()["statement"] == 2 and e.to_result()["error_kind"] == "sql"


def test_raise_on_error_false_returns_the_error_per_statement(emulated):
    with client(emulated) as c:
        out = c.sql(["SHOW CLUSTER SETTING no.such"], raise_on_error=False)
    assert out[0]["error"]["code"] == "XXUUU" and out[0]["rows"] == []


def test_a_refused_request_is_a_400_sql_error(emulated):
    with client(emulated) as c:
        with pytest.raises(SqlError) as err:
            c.sql("SELECT 1; SELECT 2")
    assert err.value.status == 400 and err.value.statement is None
    assert "expecting 1 statement, found 2" in err.value.message


def test_set_cluster_setting_through_the_sql_api_is_refused_and_sent_once(emulated):
    emulated.fault_rules({"path": "/api/v2/sql/", "kind": "503"})
    with client(emulated) as c:
        with pytest.raises(http.ServerError):
            c.sql("SET CLUSTER SETTING cluster.preserve_downgrade_option = '25.4'")
        assert len(sql_requests(emulated)) == 1   # a write is never sent twice blindly
        with pytest.raises(SqlError) as err:
            c.sql("SET CLUSTER SETTING cluster.preserve_downgrade_option = '25.4'")
    assert err.value.message == "executing stmt 1: disallowed statement type"


def test_reads_are_retried_after_a_503(emulated):
    emulated.fault_rules({"path": "/api/v2/sql/", "kind": "503"})
    with client(emulated) as c:
        assert c.show_cluster_setting("version") == "25.4"
    assert [e["status"] for e in sql_requests(emulated)] == [503, 200]


def test_settings_helpers(emulated):
    emulated.sql("SET CLUSTER SETTING server.shutdown.initial_wait = '8s'")
    with client(emulated) as c:
        assert c.show_cluster_setting("server.shutdown.initial_wait") == "00:00:08"
        assert c.show_cluster_setting("cluster.auto_upgrade.enabled") is True
        rows = c.list_cluster_settings()
        with pytest.raises(ValueError):
            c.show_cluster_setting("x; DROP TABLE t")
    by = {r["variable"]: r for r in rows}
    assert by["server.shutdown.initial_wait"]["value"] == "8s" and by["server.shutdown.initial_wait"]["origin"] == "override"
    assert sql_requests(emulated)[-1]["body"]["max_result_size"] >= 1 << 20


def test_migration_jobs_query_is_answered(emulated_factory):
    emu = emulated_factory(nodes=1, build_tag="v25.2.6", finalize_seconds=10)
    emu.stop_node(1)
    emu.start_node(1, "v25.4.1")
    with client(emu) as c:
        out = c.sql(["SHOW CLUSTER SETTING version", MIGRATION_JOBS_SQL])
    assert out[0]["rows"][0]["version"].startswith("25.2-upgrading-to-25.3-step-")
    assert out[1]["rows"][0]["status"] == "running"


def test_a_rejected_session_token_says_so(emulated):
    token = emulated.login()
    emulated.control("POST", "/_emulator/reset")
    with pytest.raises(http.AuthError) as err:
        ClusterClient(emulated.node_url(1), session=token).sql("SELECT 1")
    assert "session token was rejected" in str(err.value)
