"""POST /api/v2/sql/, the cluster version and finalization model, binary compatibility at start, and the
control API that drives them (POST /_emulator/sql, GET|PATCH /_emulator/cluster, start on a build).

Most tests run on the in-process emulator with its manual clock (no sleeps); one runs over HTTP.
"""

from __future__ import annotations

import json

import pytest

from emulator.cluster import settings as settings_mod
from emulator.cluster import sql as sql_mod
from emulator.cluster import versions
from emulator.inprocess import ControlError, InProcessEmulator

JOBS = sql_mod.MIGRATION_JOBS_SQL


class Sql:
    """A logged-in caller of /api/v2/sql/ on one node of an in-process emulator."""

    def __init__(self, emu, node_id=1, user=None, password=None):
        self.emu = emu
        self.node_id = node_id
        self.token = emu.login(node_id, user, password)
        self.s = emu.session()

    def raw(self, body, headers=None, method="POST"):
        h = {"X-Cockroach-API-Session": self.token}
        h.update(headers or {})
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if "Content-Type" not in h and not isinstance(body, (bytes, str)):
            h["Content-Type"] = "application/json"
        return self.s.request(method, self.emu.node_url(self.node_id) + "/api/v2/sql/", data=data, headers=h)

    def run(self, *sqls, **kw):
        body = {"statements": [{"sql": s} for s in sqls], "execute": True}
        body.update(kw)
        r = self.raw(body)
        assert r.status_code == 200, r.text
        return r.json()

    def rows(self, *sqls, **kw):
        out = self.run(*sqls, **kw)
        assert "error" not in out, out
        return [res.get("rows", []) for res in out["execution"]["txn_results"]]

    def version(self):
        return self.rows("SHOW CLUSTER SETTING version")[0][0]["version"]


@pytest.fixture
def emu():
    return InProcessEmulator(nodes=3, seed=0, build_tag="v25.2.6", finalize_seconds=10)


@pytest.fixture
def sql(emu):
    return Sql(emu)


def swap_all(emu, tag, nodes=(1, 2, 3)):
    for n in nodes:
        emu.stop_node(n)
        assert emu.start_node(n, tag)["up"], emu.node(n)


# --------------------------------------------------------------------------- the request

def test_non_post_is_405_json_pgerror(sql):
    r = sql.raw(b"", method="GET")
    assert r.status_code == 405 and r.headers["Content-Type"] == "application/json"
    err = r.json()["error"]
    assert err["message"] == "only POST supported" and err["code"] == "XXUUU" and err["severity"] == "ERROR"


@pytest.mark.parametrize("ct", ["application/json; charset=utf-8", "text/plain"])
def test_content_type_must_be_exact(sql, ct):
    r = sql.raw(b'{"statements":[{"sql":"SELECT 1"}]}', headers={"Content-Type": ct})
    assert r.status_code == 400 and r.json()["error"]["message"] == 'expecting content-type json: "%s"' % ct


def test_absent_or_octet_stream_content_type_is_accepted(sql):
    for h in ({}, {"Content-Type": "application/octet-stream"}):
        r = sql.raw(b'{"statements":[{"sql":"SELECT 1"}],"execute":true}', headers=h)
        assert r.status_code == 200 and r.json()["execution"]["txn_results"][0]["rows"] == [{"?column?": 1}]


@pytest.mark.parametrize("body,message", [
    (b"", "unexpected end of JSON input"),
    (b"{}", "no statements specified"),
    (b'{"statements":[]}', "no statements specified"),
    (b'{"statements":[{"sql":"SELECT 1; SELECT 2"}]}', "parsing statement 1: expecting 1 statement, found 2"),
    (b'{"statements":[{"sql":"SELECT 1"},{"sql":""}]}', "parsing statement 2: expecting 1 statement, found 0"),
    (b'{"statements":[{"sql":"SELECT $1"}]}', "parsing statement 1: expected 1 placeholder(s), got 0"),
    (b'{"statements":[{"sql":"SELECT 1"}],"timeout":"5"}', 'time: missing unit in duration "5"'),
    (b'{"statements":[{"sql":"SELECT 1"}],"timeout":"soon"}', 'time: invalid duration "soon"'),
])
def test_request_errors_are_400_with_a_top_level_error(sql, body, message):
    r = sql.raw(body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"error": {"code": "XXUUU", "message": message, "source": r.json()["error"]["source"],
                                  "severity": "ERROR"}}


def test_execute_false_echoes_the_normalised_request_with_defaults(sql):
    r = sql.raw({"statements": [{"sql": "show   cluster setting VERSION;"}]})
    assert r.status_code == 200
    assert r.json() == {"num_statements": 1, "request": {
        "timeout": "5s", "max_result_size": 10000, "database": "system", "application_name": "$ api-v2-sql",
        "execute": False, "separate_txns": False, "stop_on_error": False,
        "statements": [{"sql": "SHOW CLUSTER SETTING version"}]}}


def test_results_per_statement_with_columns_types_and_rows(sql):
    out = sql.run("SHOW CLUSTER SETTING version", "SHOW CLUSTER SETTING server.time_until_store_dead",
                  "SHOW CLUSTER SETTING cluster.auto_upgrade.enabled", "SELECT version()")
    res = out["execution"]["txn_results"]
    assert [r["statement"] for r in res] == [1, 2, 3, 4] and "retries" not in out["execution"]
    assert res[0]["tag"] == "SHOW CLUSTER SETTING" and res[0]["rows_affected"] == 0
    assert res[0]["columns"] == [{"name": "version", "type": "STRING", "oid": 25}]
    assert res[0]["rows"] == [{"version": "25.2"}]
    assert res[1]["columns"][0]["type"] == "INTERVAL" and res[1]["rows"] == [{"server.time_until_store_dead": "00:05:00"}]
    assert res[2]["rows"] == [{"cluster.auto_upgrade.enabled": True}]
    assert res[3]["rows"][0]["version"].startswith("CockroachDB CCL v25.2.6 ")
    assert res[0]["start"].endswith("Z") and res[0]["end"] >= res[0]["start"]


def test_body_is_compact_json_with_nosniff(sql):
    r = sql.raw({"statements": [{"sql": "SHOW CLUSTER SETTING nope"}], "execute": True})
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert b"\n" not in r.content and b"\": " not in r.content and b", \"" not in r.content


def test_an_execution_error_is_200_with_top_level_and_statement_error_and_stops_the_txn(sql):
    out = sql.run("SHOW CLUSTER SETTING nope", "SELECT 1")
    assert out["error"]["message"] == 'executing stmt 1: unknown setting: "nope"'
    res = out["execution"]["txn_results"]
    assert len(res) == 1 and res[0]["error"] == out["error"]


def test_separate_txns_go_on_after_an_error_unless_stop_on_error(sql):
    out = sql.run("SHOW CLUSTER SETTING nope", "SELECT 1", separate_txns=True)
    assert out["error"]["message"] == "separate transaction payload encountered transaction error(s)"
    assert [("error" in r) for r in out["execution"]["txn_results"]] == [True, False]
    out = sql.run("SHOW CLUSTER SETTING nope", "SELECT 1", separate_txns=True, stop_on_error=True)
    assert len(out["execution"]["txn_results"]) == 1


def test_set_cluster_setting_is_a_disallowed_statement_type_and_changes_nothing(emu, sql):
    for stmt in ("SET CLUSTER SETTING cluster.preserve_downgrade_option = '25.2'",
                 "RESET CLUSTER SETTING cluster.preserve_downgrade_option", "SET application_name = 'x'", "BEGIN",
                 "COMMIT"):
        out = sql.run(stmt)
        assert out["error"]["message"] == "executing stmt 1: disallowed statement type", stmt
        assert out["error"]["code"] == "XXUUU"
    assert emu.cluster()["settings"]["cluster.preserve_downgrade_option"] == ""


def test_other_statements_say_the_emulator_does_not_run_them(sql):
    out = sql.run("SELECT * FROM system.users")
    assert out["error"]["code"] == "0A000"
    assert out["error"]["message"] == ("executing stmt 1: the emulator does not run this statement: "
                                       "SELECT * FROM system.users")


def test_show_all_cluster_settings_needs_a_result_size_like_a_real_node(sql):
    out = sql.run("SHOW ALL CLUSTER SETTINGS")
    assert out["error"]["message"] == "executing stmt 1: max result size exceeded"
    rows = sql.rows("SHOW ALL CLUSTER SETTINGS", max_result_size=1 << 20)[0]
    names = [r["variable"] for r in rows]
    assert names == sorted(names) and "version" in names and "server.shutdown.initial_wait" in names
    by = {r["variable"]: r for r in rows}
    assert by["server.time_until_store_dead"] == {
        "variable": "server.time_until_store_dead", "value": "5m0s", "setting_type": "d", "public": True,
        "description": by["server.time_until_store_dead"]["description"], "default_value": "5m0s",
        "origin": "default"}
    assert by["version"]["value"] == "25.2" and by["version"]["setting_type"] == "m"
    public = sql.rows("SHOW CLUSTER SETTINGS", max_result_size=1 << 20)[0]
    assert "public" not in public[0] and len(public) < len(rows)


def test_settings_need_admin(emu):
    reader = Sql(emu, user="app_reader", password="app-reader-password")
    out = reader.run("SHOW CLUSTER SETTING version")
    assert out["error"]["code"] == "42501"
    assert reader.rows("SELECT version()")[0][0]["version"].startswith("CockroachDB")
    assert reader.rows(JOBS) == [[]]


# --------------------------------------------------------------------------- settings through the CLI

def test_cli_sets_and_resets_and_refuses_like_cockroach_sql(emu, sql):
    assert emu.sql("SET CLUSTER SETTING server.shutdown.initial_wait = '8s'")["output"] == "SET CLUSTER SETTING"
    assert sql.rows("SHOW CLUSTER SETTING server.shutdown.initial_wait")[0] == [
        {"server.shutdown.initial_wait": "00:00:08"}]
    rows = sql.rows("SHOW ALL CLUSTER SETTINGS", max_result_size=1 << 20)[0]
    row = [r for r in rows if r["variable"] == "server.shutdown.initial_wait"][0]
    assert (row["value"], row["default_value"], row["origin"]) == ("8s", "0s", "override")
    emu.sql("RESET CLUSTER SETTING server.shutdown.initial_wait")
    assert emu.cluster()["settings"]["server.shutdown.initial_wait"] == "0s"
    with pytest.raises(ControlError) as e:
        emu.sql("SET CLUSTER SETTING cluster.preserve_downgrade_option = '25.1'")
    assert "ERROR: cannot set cluster.preserve_downgrade_option to 25.1 (cluster version is 25.2)" in str(e.value)
    assert "SQLSTATE: XXUUU" in str(e.value)
    with pytest.raises(ControlError) as e:
        emu.sql("SET CLUSTER SETTING no.such.setting = 1")
    assert "unknown cluster setting 'no.such.setting'" in str(e.value) and "42704" in str(e.value)
    with pytest.raises(ControlError) as e:
        emu.sql("SET CLUSTER SETTING server.time_until_store_dead = 'soon'")
    assert "22007" in str(e.value)
    with pytest.raises(ControlError) as e:
        emu.sql("SELECT 1", node_id=9)
    assert "404" in str(e.value)


def test_cli_on_a_stopped_node_cannot_dial(emu):
    emu.stop_node(2)
    r = emu.control_raw("POST", "/_emulator/sql", {"sql": "SELECT 1", "node_id": 2})
    assert r.status == 400 and json.loads(r.body)["error"].startswith("ERROR: cannot dial server.")


def test_cli_with_several_statements_stops_at_the_first_error(emu):
    r = emu.control_raw("POST", "/_emulator/sql", {"sql": "SET CLUSTER SETTING kv.rangefeed.enabled = true; "
                                                          "SHOW CLUSTER SETTING nope; SET CLUSTER SETTING "
                                                          "cluster.organization = 'x'"})
    body = json.loads(r.body)
    assert r.status == 400 and len(body["statements"]) == 1
    assert emu.cluster()["settings"]["kv.rangefeed.enabled"] == "true"
    assert emu.cluster()["settings"]["cluster.organization"] == ""


# --------------------------------------------------------------------------- upgrade, finalization

def test_major_upgrade_with_preserve_option_then_reset_finalizes_through_intermediate_versions(emu, sql):
    emu.sql("SET CLUSTER SETTING cluster.preserve_downgrade_option = '25.2'")
    swap_all(emu, "v25.4.1")
    assert sql.version() == "25.2" and emu.cluster()["finalization"]["state"] == "finalized"
    assert sql.rows(JOBS) == [[]]
    with pytest.raises(ControlError) as e:
        emu.sql("SET CLUSTER SETTING version = '25.4'")
    assert "cannot upgrade to 25.4: cluster.preserve_downgrade_option is set to 25.2" in str(e.value)
    emu.sql("RESET CLUSTER SETTING cluster.preserve_downgrade_option")
    seen = []
    for _second in range(12):
        emu.advance(1)
        seen.append(sql.version())
    assert seen[-1] == "25.4"
    transitional = [v for v in seen if v != "25.4"]
    assert transitional and all("-upgrading-to-" in v or v == "25.3" for v in transitional)
    assert any(v.startswith("25.2-upgrading-to-25.3-step-") for v in transitional)
    assert any(v.startswith("25.3-upgrading-to-25.4-step-") for v in transitional)
    assert emu.cluster()["history"][-1]["to"] == "25.4"


def test_a_running_finalization_shows_a_migration_job_and_can_be_held(emu, sql):
    swap_all(emu, "v25.4.1")   # option unset, auto-upgrade on: starts at once
    emu.patch_cluster(hold_finalization=True)
    emu.advance(60)
    info = emu.cluster()
    assert info["finalization"]["state"] == "running" and info["finalization"]["held"]
    jobs = sql.rows(JOBS)[0]
    assert len(jobs) == 1 and jobs[0]["status"] == "running"
    assert jobs[0]["description"].startswith("Upgrade to 25.3-upgrading-to-25.4-step-")
    assert isinstance(jobs[0]["job_id"], int)
    with pytest.raises(ControlError) as e:
        emu.sql("SET CLUSTER SETTING cluster.preserve_downgrade_option = '25.2'")
    assert "(cluster version is 25.3-upgrading-to-25.4-step-" in str(e.value)
    emu.patch_cluster(hold_finalization=False)
    emu.advance(0.1)
    assert sql.version() == "25.4" and sql.rows(JOBS) == [[]]


def test_auto_upgrade_waits_for_every_node_and_respects_the_switch(emu, sql):
    swap_all(emu, "v25.4.1", nodes=(1, 2))
    emu.advance(30)
    assert sql.version() == "25.2"
    emu.sql("SET CLUSTER SETTING cluster.auto_upgrade.enabled = false")
    swap_all(emu, "v25.4.1", nodes=(3,))
    emu.advance(30)
    assert sql.version() == "25.2"
    emu.stop_node(3)
    emu.sql("SET CLUSTER SETTING cluster.auto_upgrade.enabled = true")
    emu.advance(30)
    assert sql.version() == "25.2"   # a node is down: no auto-upgrade
    emu.start_node(3)
    emu.advance(11)
    assert sql.version() == "25.4"


def test_explicit_set_version_checks_every_node_and_refuses_downgrades(emu, sql):
    emu.sql("SET CLUSTER SETTING cluster.auto_upgrade.enabled = false")
    swap_all(emu, "v25.4.1", nodes=(1, 2))
    with pytest.raises(ControlError) as e:
        emu.sql("SET CLUSTER SETTING version = '25.4'")
    assert "cannot upgrade to 25.4: node 3 running 25.2" in str(e.value)
    with pytest.raises(ControlError) as e:
        emu.sql("SET CLUSTER SETTING version = '25.4'", node_id=3)
    assert "cannot upgrade to 25.4: node running 25.2" in str(e.value)
    swap_all(emu, "v25.4.1", nodes=(3,))
    emu.sql("SET CLUSTER SETTING version = '25.4'")
    assert emu.cluster()["finalization"]["how"] == "SET CLUSTER SETTING version"
    emu.advance(11)
    assert sql.version() == "25.4"
    with pytest.raises(ControlError) as e:
        emu.sql("SET CLUSTER SETTING version = '25.2'")
    assert "versions cannot be downgraded (attempting to downgrade from 25.4 to 25.2)" in str(e.value)


def test_rollback_before_finalization_starts_and_after_it_never_comes_back(emu, sql):
    emu.sql("SET CLUSTER SETTING cluster.preserve_downgrade_option = '25.2'")
    swap_all(emu, "v25.4.1", nodes=(1, 2))
    swap_all(emu, "v25.2.6", nodes=(2,))          # rollback before finalization: fine
    assert emu.node(2)["build_tag"] == "v25.2.6" and emu.node(2)["up"]
    swap_all(emu, "v25.4.1", nodes=(2, 3))
    emu.sql("RESET CLUSTER SETTING cluster.preserve_downgrade_option")
    emu.advance(11)
    assert sql.version() == "25.4"
    emu.stop_node(3)
    node = emu.start_node(3, "v25.2.6")
    assert not node["up"] and node["phase"] == "failed"
    assert node["start_error"] == ("cockroach version v25.2 is incompatible with data in store /mnt/data3/cockroach; "
                                   "use version v25.4 or later")
    assert "n3: cockroach start (v25.2.6) exited: ERROR: cockroach version v25.2" in emu.cluster()["log"][-1]["message"]
    emu.advance(60)
    assert not emu.node(3)["up"]
    assert emu.start_node(3, "v25.4.1")["up"] and emu.node(3)["start_error"] is None


def test_a_binary_that_cannot_join_the_cluster_version_never_comes_back(emu):
    emu.stop_node(1)
    node = emu.start_node(1, "v26.2.0")   # 26.2 joins 25.4 or later; the cluster is at 25.2
    assert not node["up"]
    assert node["start_error"] == ("store /mnt/data1/cockroach, last used with cockroach version v25.2, is too old for "
                                   "running version v26.2 (which requires data from v25.4 or later)")


def test_a_restart_on_a_new_build_that_cannot_start_stays_down(emu):
    emu.restart_node(2, downtime=1, build_tag="v23.2.0")
    emu.advance(5)
    node = emu.node(2)
    assert not node["up"] and node["build_tag"] == "v23.2.0" and "incompatible" in node["start_error"]


def test_start_on_a_build_refuses_a_running_node(emu):
    r = emu.control_raw("POST", "/_emulator/nodes/1/start", {"build_tag": "v25.4.1"})
    assert r.status == 400 and "is running" in json.loads(r.body)["error"]
    r = emu.control_raw("POST", "/_emulator/nodes/1/stop")
    r = emu.control_raw("POST", "/_emulator/nodes/1/start", {"build_tag": "latest"})
    assert r.status == 400


def test_patch_cluster_validates_and_sets_the_knobs(emu, sql):
    for body in ({"finalize_seconds": -1}, {"finalize_seconds": "x"}, {"hold_finalization": 1},
                 {"version": "25"}, {"nope": 1}):
        r = emu.control_raw("PATCH", "/_emulator/cluster", body)
        assert r.status == 400, body
    emu.patch_cluster(finalize_seconds=0.5)
    swap_all(emu, "v25.4.1")
    emu.advance(0.6)
    assert sql.version() == "25.4"
    emu.sql("SET CLUSTER SETTING cluster.auto_upgrade.enabled = false")
    emu.patch_cluster(version="25.3")
    assert sql.version() == "25.3"
    emu.sql("RESET CLUSTER SETTING cluster.auto_upgrade.enabled")   # every node runs 25.4: finalizes again
    assert sql.version().startswith("25.3-upgrading-to-25.4-step-")
    emu.reset()
    assert sql_after_reset(emu) == "25.2" and emu.cluster()["finalize_seconds"] == 10


def sql_after_reset(emu):
    return Sql(emu).version()


def test_finalize_seconds_is_a_cli_flag():
    from emulator.__main__ import build_parser
    assert build_parser().parse_args(["--finalize-seconds", "7"]).finalize_seconds == 7.0


# --------------------------------------------------------------------------- pure parts

@pytest.mark.parametrize("frm,to,first,last", [
    ((25, 2), (25, 4), "25.2-upgrading-to-25.3-step-002", "25.3-upgrading-to-25.4-step-012"),
    ((24, 3), (25, 1), "24.3-upgrading-to-25.1-step-002", "24.3-upgrading-to-25.1-step-012"),
    ((23, 2), (24, 1), "23.2-upgrading-to-24.1-step-002", "23.2-upgrading-to-24.1-step-012"),
])
def test_transitional_versions(frm, to, first, last):
    seq = versions.version_sequence(frm, to)
    assert seq[0] == first and seq[-1] == last


@pytest.mark.parametrize("binary,low", [((25, 4), (25, 2)), ((25, 3), (25, 2)), ((25, 2), (24, 3)),
                                        ((25, 1), (24, 3)), ((24, 3), (24, 1)), ((24, 2), (24, 1)),
                                        ((24, 1), (23, 2)), ((26, 1), (25, 4))])
def test_minimum_supported_version_is_the_previous_regular_release(binary, low):
    assert versions.min_supported(binary) == low


@pytest.mark.parametrize("seconds,go,pg", [(0, "0s", "00:00:00"), (8, "8s", "00:00:08"), (300, "5m0s", "00:05:00"),
                                           (1.5, "1.5s", "00:00:01.5"), (168 * 3600, "168h0m0s", "168:00:00")])
def test_duration_forms(seconds, go, pg):
    assert settings_mod.go_duration(seconds) == go and settings_mod.pg_interval(seconds) == pg


def test_statement_splitting_ignores_semicolons_in_quotes():
    assert sql_mod.split_statements("SELECT 'a;b'; ;") == ["SELECT 'a;b'"]
    assert sql_mod.placeholders("SELECT $2, '$3'") == 2


# --------------------------------------------------------------------------- over HTTP

def test_over_http_read_and_cli_write(fresh_emulator, admin):
    emu = fresh_emulator
    r = admin.post("/api/v2/sql/", data=json.dumps({"statements": [{"sql": "SHOW CLUSTER SETTING version"}],
                                                    "execute": True}).encode(),
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["execution"]["txn_results"][0]["rows"] == [{"version": "25.4"}]
    out = emu.control("POST", "/_emulator/sql", {"sql": "SET CLUSTER SETTING cluster.preserve_downgrade_option = "
                                                        "'25.4'", "node_id": 2})
    assert out["output"] == "SET CLUSTER SETTING"
    assert emu.control("GET", "/_emulator/cluster")["settings"]["cluster.preserve_downgrade_option"] == "25.4"
    emu.reset()
    assert emu.control("GET", "/_emulator/cluster")["settings"]["cluster.preserve_downgrade_option"] == ""


def test_inprocess_default_cluster_version_follows_the_build_tag():
    assert Sql(InProcessEmulator(nodes=1)).version() == "25.4"


def test_one_patch_puts_a_cluster_in_a_held_finalization():
    """For a refused pre-flight: a 25.4 cluster put back on 25.2 with the hold on finalizes to 25.4 and stays
    running until released."""
    emu = InProcessEmulator(nodes=3)
    info = emu.patch_cluster(version="25.2", hold_finalization=True)
    assert info["finalization"]["state"] == "running" and info["finalization"]["to"] == "25.4"
    emu.advance(600)
    sql = Sql(emu)
    assert sql.version().startswith("25.3-upgrading-to-25.4-step-") and len(sql.rows(JOBS)[0]) == 1
    emu.patch_cluster(hold_finalization=False)
    assert sql.version() == "25.4"
