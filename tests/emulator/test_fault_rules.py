"""Targeted one-shot faults: ``POST /_emulator/faults {"rules": [...]}``."""

import time

import pytest
import requests

from conftest import NodeClient


def _cloud(e):
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + e.ready["api_key"]
    return s


CREATE = {"name": "rule-basic", "provider": "GCP", "plan": "BASIC",
          "spec": {"serverless": {"regions": ["us-central1"]}}}


def test_rule_hits_only_the_matching_request_and_only_count_times(fresh_emulator):
    e = fresh_emulator
    got = e.control("POST", "/_emulator/faults",
                    {"rules": [{"method": "GET", "path": "/api/v1/clusters", "kind": "503", "count": 2}]})
    assert got["rules"] == [{"method": "GET", "path": "/api/v1/clusters", "kind": "503", "count": 2, "skip": 0}]
    assert got["rate"] == 0.0
    cl = _cloud(e)
    # other paths, other methods and the other API are not hit
    assert cl.get(e.cloud_url + "/api/v1/organization").status_code == 200
    assert cl.get(e.cloud_url + "/api/v1/clusters/").status_code == 404  # exact path only
    assert requests.get(e.node_url(1) + "/api/v2/health/").status_code == 200
    first = cl.get(e.cloud_url + "/api/v1/clusters")
    assert first.status_code == 503 and first.json()["code"] == 14
    assert e.control("GET", "/_emulator/faults")["rules"][0]["count"] == 1
    assert cl.get(e.cloud_url + "/api/v1/clusters").status_code == 503
    assert e.control("GET", "/_emulator/faults")["rules"] == []
    assert cl.get(e.cloud_url + "/api/v1/clusters").status_code == 200
    faults = [(x["path"], x["status"], x["fault"]) for x in e.requests()]
    assert faults == [("/api/v1/organization", 200, None), ("/api/v1/clusters/", 404, None),
                      ("/api/v2/health/", 200, None), ("/api/v1/clusters", 503, "503"),
                      ("/api/v1/clusters", 503, "503"), ("/api/v1/clusters", 200, None)]


def test_reset_after_on_a_cloud_create_acts_but_loses_the_answer(fresh_emulator):
    e = fresh_emulator
    e.control("POST", "/_emulator/faults",
              {"rules": [{"method": "POST", "path": "/api/v1/clusters", "kind": "reset_after"}]})
    cl = _cloud(e)
    with pytest.raises(requests.ConnectionError):
        cl.post(e.cloud_url + "/api/v1/clusters", json=CREATE, timeout=10)
    clusters = e.control("GET", "/_emulator/cloud/state")["clusters"]
    assert [c["name"] for c in clusters] == ["rule-basic"]
    log = e.requests(api="cloud")
    assert len(log) == 1 and log[0]["method"] == "POST" and log[0]["status"] is None
    assert log[0]["fault"] == "reset"
    # one-shot: the next create answers (409: the name is taken)
    assert cl.post(e.cloud_url + "/api/v1/clusters", json=CREATE, timeout=10).status_code == 409


def test_reset_before_does_not_call_the_handler(fresh_emulator):
    e = fresh_emulator
    e.control("POST", "/_emulator/faults",
              {"rules": [{"method": "POST", "path": "/api/v1/clusters", "kind": "reset_before"}]})
    with pytest.raises(requests.ConnectionError):
        _cloud(e).post(e.cloud_url + "/api/v1/clusters", json=CREATE, timeout=10)
    assert e.control("GET", "/_emulator/cloud/state")["clusters"] == []
    log = e.requests()
    assert [(x["status"], x["fault"]) for x in log] == [(None, "reset")]


def test_skip_lets_matching_requests_pass_first(fresh_emulator):
    e = fresh_emulator
    e.control("POST", "/_emulator/faults",
              {"rules": [{"path_regex": r"^/api/v2/health/$", "api": "cluster", "kind": "500", "skip": 2}]})
    codes = [requests.get(e.node_url(1) + "/api/v2/health/").status_code for _i in range(4)]
    assert codes == [200, 200, 500, 200]
    assert [x["fault"] for x in e.requests()] == [None, None, "500", None]


def test_node_id_and_api_narrow_the_match(fresh_emulator):
    e = fresh_emulator
    e.control("POST", "/_emulator/faults",
              {"rules": [{"path": "/api/v2/health/", "api": "cluster", "node_id": 2, "kind": "429"}]})
    assert requests.get(e.node_url(1) + "/api/v2/health/").status_code == 200
    assert requests.get(e.node_url(3) + "/api/v2/health/").status_code == 200
    r = requests.get(e.node_url(2) + "/api/v2/health/")
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert requests.get(e.node_url(2) + "/api/v2/health/").status_code == 200
    log = e.requests()
    assert [(x["node_id"], x["fault"]) for x in log] == [(1, None), (3, None), (2, "429"), (2, None)]


def test_rules_in_order_and_slow(fresh_emulator):
    e = fresh_emulator
    e.control("POST", "/_emulator/faults", {"rules": [
        {"path": "/api/v2/health/", "kind": "slow", "seconds": 0.4},
        {"path": "/api/v2/health/", "kind": "500"},
    ]})
    t = time.monotonic()
    assert requests.get(e.node_url(1) + "/api/v2/health/").status_code == 200
    assert 0.4 <= time.monotonic() - t < 3
    assert requests.get(e.node_url(1) + "/api/v2/health/").status_code == 500
    assert [x["fault"] for x in e.requests()] == ["slow", "500"]


def test_reset_after_on_a_cluster_login_creates_the_session(fresh_emulator):
    e = fresh_emulator
    e.control("POST", "/_emulator/faults",
              {"rules": [{"method": "post", "path": "/api/v2/login/", "kind": "reset_after"}]})
    with pytest.raises(requests.ConnectionError):
        requests.post(e.node_url(1) + "/api/v2/login/",
                      data={"username": "root", "password": e.ready["admin_password"]}, timeout=5)
    assert e.state()["sessions"] == 1
    tok = e.login(1)
    assert NodeClient(e, 1, tok).get("/api/v2/nodes/").status_code == 200


def test_reset_and_empty_list_clear_rules(fresh_emulator):
    e = fresh_emulator
    rule = {"path": "/api/v2/health/", "kind": "500"}
    e.control("POST", "/_emulator/faults", {"rules": [rule]})
    assert len(e.state()["faults"]["rules"]) == 1
    e.control("POST", "/_emulator/reset")
    assert e.control("GET", "/_emulator/faults")["rules"] == []
    assert requests.get(e.node_url(1) + "/api/v2/health/").status_code == 200
    e.control("POST", "/_emulator/faults", {"rules": [rule]})
    e.control("POST", "/_emulator/faults", {"rules": []})
    assert requests.get(e.node_url(1) + "/api/v2/health/").status_code == 200


def test_rules_and_random_faults_are_independent(fresh_emulator):
    e = fresh_emulator
    e.control("POST", "/_emulator/faults", {"rate": 1.0, "kinds": ["503"], "seed": 1})
    got = e.control("POST", "/_emulator/faults", {"rules": [{"path": "/api/v2/health/", "kind": "500"}]})
    assert got["rate"] == 1.0 and got["kinds"] == ["503"]  # rules alone leave the random part alone
    assert requests.get(e.node_url(1) + "/api/v2/health/").status_code == 500  # the rule wins
    assert requests.get(e.node_url(1) + "/api/v2/health/").status_code == 503  # then random again
    got = e.control("POST", "/_emulator/faults", {"rate": 0, "rules": [{"path": "/x", "kind": "503"}]})
    assert got["rate"] == 0.0 and got["rules"][0]["path"] == "/x"
    got = e.control("POST", "/_emulator/faults", {"rate": 0})
    assert got["rules"] == [{"path": "/x", "kind": "503", "count": 1, "skip": 0}]  # no "rules": kept


@pytest.mark.parametrize("body", [
    {"rules": {"kind": "500"}},
    {"rules": [{"path": "/x"}]},
    {"rules": [{"kind": "reset"}]},
    {"rules": [{"kind": "500", "count": 0}]},
    {"rules": [{"kind": "500", "skip": -1}]},
    {"rules": [{"kind": "500", "count": True}]},
    {"rules": [{"kind": "500", "path": "/x", "path_regex": "x"}]},
    {"rules": [{"kind": "500", "path_regex": "("}]},
    {"rules": [{"kind": "500", "api": "control"}]},
    {"rules": [{"kind": "500", "node_id": "1"}]},
    {"rules": [{"kind": "500", "seconds": 1}]},
    {"rules": [{"kind": "slow", "seconds": -1}]},
    {"rules": [{"kind": "500", "paht": "/x"}]},
    {"rule": [{"kind": "500"}]},
])
def test_bad_rules_are_400_and_change_nothing(fresh_emulator, body):
    e = fresh_emulator
    r = e.control_raw("POST", "/_emulator/faults", body)
    assert r.status_code == 400 and "error" in r.json()
    assert e.control("GET", "/_emulator/faults")["rules"] == []
