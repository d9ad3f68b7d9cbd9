"""Control API (/_emulator/...): contract paths, validation, reset."""

import requests

from conftest import NodeClient


def test_unknown_control_path_is_404_json(emulator):
    r = emulator.control_raw("GET", "/_emulator/nope")
    assert r.status_code == 404 and "error" in r.json()
    r = emulator.control_raw("POST", "/_emulator/nodes/99/stop")
    assert r.status_code == 404 and "error" in r.json()


def test_bad_bodies_are_400_json(fresh_emulator):
    e = fresh_emulator
    for method, path, body in [("PATCH", "/_emulator/nodes/1", {"liveness_status": "LIVE"}),
                               ("PATCH", "/_emulator/nodes/1", {"bogus": 1}),
                               ("PATCH", "/_emulator/nodes/1", {"stores": {"7": {"ranges": 1}}}),
                               ("POST", "/_emulator/nodes/1/restart", {"downtime": "x"}),
                               ("POST", "/_emulator/faults", {"kinds": ["teapot"]}),
                               ("POST", "/_emulator/faults", {"rate": 3})]:
        r = e.control_raw(method, path, body)
        assert r.status_code == 400, (path, body, r.text)
        assert r.json()["error"]
    r = requests.patch(e.control_url + "/_emulator/nodes/1", data=b"{not json")
    assert r.status_code == 400


def test_state_summary(emulator):
    st = emulator.state()
    assert [n["id"] for n in st["nodes"]] == [1, 2, 3]
    n = st["nodes"][0]
    assert n["up"] and n["ready"] and n["liveness_status"] == 3 and n["liveness"] == "LIVE"
    assert n["port"] == int(emulator.node_url(1).rsplit(":", 1)[1])
    assert "1" in n["store_metrics"]


def test_patch_node(fresh_emulator):
    e = fresh_emulator
    c = NodeClient(e, 1, e.login(1))
    e.control("PATCH", "/_emulator/nodes/2", {"build_tag": "v25.3.4", "liveness_status": 2,
                                              "ranges.underreplicated": 4, "ranges.unavailable": 1,
                                              "locality": {"region": "asia-east1", "zone": "asia-east1-a"}})
    # liveness is read at request time; the rest is node 2's stored record, written again one interval later
    assert c.json("/api/v2/nodes/")["nodes"][1]["liveness_status"] == 2
    assert c.json("/api/v2/nodes/")["nodes"][1]["build_tag"] == "v25.4.1"
    e.control("POST", "/_emulator/clock", {"advance": 10})
    n2 = c.json("/api/v2/nodes/")["nodes"][1]
    assert n2["build_tag"] == "v25.3.4" and n2["ServerVersion"]["minor_val"] == 3
    assert n2["liveness_status"] == 2
    assert n2["store_metrics"]["2"]["ranges.underreplicated"] == 4
    assert n2["store_metrics"]["2"]["ranges.unavailable"] == 1
    assert n2["locality"]["tiers"][0] == {"key": "region", "value": "asia-east1"}
    # manual values add on top of the computed ones
    e.control("POST", "/_emulator/nodes/3/stop")
    e.control("POST", "/_emulator/clock", {"advance": 10})
    computed = c.json("/api/v2/nodes/")["nodes"][1]["store_metrics"]["2"]["ranges.underreplicated"]
    assert computed > 4
    e.control("PATCH", "/_emulator/nodes/2", {"liveness_status": None})
    assert c.json("/api/v2/nodes/")["nodes"][1]["liveness_status"] == 3


def test_patch_store_metrics_multi_store(emulator_factory):
    e = emulator_factory(nodes=2, stores_per_node=2)
    c = NodeClient(e, 1, e.login(1))
    n1 = c.json("/api/v2/nodes/")["nodes"][0]
    assert set(n1["store_metrics"]) == {"1", "2"}
    e.control("PATCH", "/_emulator/nodes/1", {"stores": {"2": {"ranges.underreplicated": 3,
                                                               "capacity.available": 1000}}})
    e.control("POST", "/_emulator/clock", {"advance": 10})  # node 1 writes its record again
    sm = c.json("/api/v2/nodes/")["nodes"][0]["store_metrics"]
    assert sm["2"]["ranges.underreplicated"] == 3 and sm["2"]["capacity.available"] == 1000
    assert sm["1"]["ranges.underreplicated"] == 0


def test_requests_delete(fresh_emulator):
    e = fresh_emulator
    requests.get(e.node_url(1) + "/api/v2/health/")
    assert len(e.requests()) == 1
    assert e.control("DELETE", "/_emulator/requests")["deleted"] == 1
    assert e.requests() == []


def test_requests_take_reads_and_clears(fresh_emulator):
    e = fresh_emulator
    requests.get(e.node_url(1) + "/api/v2/health/")
    requests.get(e.cloud_url + "/api/v1/clusters")
    taken = e.control("GET", "/_emulator/requests?api=cluster&take=true")["requests"]
    assert [(r["method"], r["path"]) for r in taken] == [("GET", "/api/v2/health/")]
    assert e.requests() == []  # the whole log went, the Cloud request too
    assert e.control("GET", "/_emulator/requests?take=true")["requests"] == []
    bad = requests.get(e.control_url + "/_emulator/requests?take=maybe")
    assert bad.status_code == 400 and "take" in bad.json()["error"]


def test_reset_restores_start_state(fresh_emulator):
    e = fresh_emulator
    tok = e.login(1)
    e.control("POST", "/_emulator/nodes/2/stop")
    e.control("POST", "/_emulator/nodes/3/restart", {"downtime": 100})
    e.control("PATCH", "/_emulator/nodes/1", {"build_tag": "v1.0.0"})
    e.control("POST", "/_emulator/faults", {"rate": 0.5, "kinds": ["500"]})
    e.control("POST", "/_emulator/reset")
    st = e.state()
    assert all(n["up"] and n["ready"] and n["build_tag"] == "v25.4.1" for n in st["nodes"])
    assert st["faults"]["rate"] == 0.0 and st["sessions"] == 0
    assert e.requests() == []
    for u in e.node_urls:
        assert requests.get(u + "/api/v2/health/?ready=true").status_code == 200
    r = NodeClient(e, 1, tok).get("/api/v2/nodes/")
    assert r.status_code == 401


def test_cloud_control_paths_are_forwarded(emulator):
    r = emulator.control_raw("GET", "/_emulator/cloud/anything")
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.status_code != 500


def test_control_endpoints_not_logged(fresh_emulator):
    fresh_emulator.state()
    assert fresh_emulator.requests() == []
