"""Maintenance family of the Cloud API emulator: maintenance window, version deferral, blackout windows, client CA."""

import pytest

from cloud_helpers import Client
from emulator.cloud.encoding import fmt_ts
from emulator.cloud.families import maintenance as fam
from maint_certs import CA_ONE, CA_TWO

C = "/api/v1/clusters/"
DAY = 86400


@pytest.fixture
def cl():
    return Client()


@pytest.fixture
def adv(cl):
    return cl.create_dedicated("maint-adv")["id"]


def ts(cl, days):
    """RFC 3339 timestamp ``days`` from the emulator's now."""
    return fmt_ts(int((cl.clock.time() + days * DAY) * 1_000_000))


def set_window(cl, cid, offset="172800s", window="21600s"):
    return cl.put(C + cid + "/maintenance-window", {"offset_duration": offset, "window_duration": window})


def audit_actions(cl):
    return [e["action"] for e in cl.get("/api/v1/auditlogevents").body["entries"]]


# -- durations ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, nanos, canonical", [
    ("172800s", 172800 * 10 ** 9, "172800s"),
    ("1.5s", 1_500_000_000, "1.500s"),
    ("0.000001s", 1000, "0.000001s"),
    ("21600.000000001s", 21600 * 10 ** 9 + 1, "21600.000000001s"),
])
def test_durations_parse_and_print_canonically(text, nanos, canonical):
    assert fam.parse_duration(text, "f") == nanos
    assert fam.fmt_duration(nanos) == canonical


@pytest.mark.parametrize("text", ["172800", "2d", "48h", "s", "1.s", "", None, 172800])
def test_bad_durations_name_the_field(text):
    with pytest.raises(Exception) as err:
        fam.parse_duration(text, "offset_duration")
    assert "offset_duration" in err.value.message


# -- maintenance window -------------------------------------------------------------------------------
def test_window_lifecycle_and_audit(cl, adv):
    assert cl.get(C + adv + "/maintenance-window").status == 404
    r = set_window(cl, adv, "172800.0s", "21600s")
    assert r.status == 200 and r.body == {"offset_duration": "172800s", "window_duration": "21600s"}
    assert cl.get(C + adv + "/maintenance-window").body == r.body
    assert cl.delete(C + adv + "/maintenance-window").status == 200
    assert cl.get(C + adv + "/maintenance-window").status == 404
    assert cl.delete(C + adv + "/maintenance-window").status == 404
    acts = audit_actions(cl)
    assert "AUDIT_LOG_ACTION_SET_CLUSTER_MAINTENANCE_WINDOW" in acts
    assert "AUDIT_LOG_ACTION_DELETE_CLUSTER_MAINTENANCE_WINDOW" in acts


@pytest.mark.parametrize("offset, window, field", [
    ("604800s", "21600s", "offset_duration"),
    ("-1s", "21600s", "offset_duration"),
    ("0s", "21599.999s", "window_duration"),
    ("0s", "604800s", "window_duration"),
    ("2d", "21600s", "offset_duration"),
])
def test_window_limits(cl, adv, offset, window, field):
    r = set_window(cl, adv, offset, window)
    assert r.status == 400 and field in r.body["message"]
    assert cl.get(C + adv + "/maintenance-window").status == 404


def test_window_edges_accepted(cl, adv):
    assert set_window(cl, adv, "0s", "21600s").status == 200
    assert set_window(cl, adv, "604799.999s", "604799s").status == 200


def test_window_required_fields_and_plan(cl, adv):
    r = cl.put(C + adv + "/maintenance-window", {"offset_duration": "0s"})
    assert r.status == 400 and "window_duration" in r.body["message"]
    basic = cl.create("maint-basic")["id"]
    r = set_window(cl, basic)
    assert r.status == 400 and r.body["code"] == 9 and "ADVANCED" in r.body["message"]
    assert cl.get(C + basic + "/maintenance-window").status == 404


def test_writes_refused_while_locked_and_gone_with_the_cluster(cl, adv):
    cl.control("POST", "/clusters/%s/lock" % adv, {"seconds": 30})
    r = set_window(cl, adv)
    assert r.status == 503 and "lock" in r.body["message"]
    cl.control("POST", "/clusters/%s/unlock" % adv)
    assert set_window(cl, adv).status == 200
    cl.delete(C + adv)
    assert cl.get(C + adv + "/maintenance-window").status == 404
    assert cl.get(C + adv + "/blackout-windows").status == 404


def test_sub_resources_404_while_creating(cl):
    cid = cl.create_dedicated("maint-new", ready=False)["id"]
    assert cl.get(C + cid + "/version-deferral").status == 404
    assert cl.get(C + cid + "/client-ca-cert").status == 404


# -- version deferral ---------------------------------------------------------------------------------
def test_deferral(cl, adv):
    assert cl.get(C + adv + "/version-deferral").body == {"deferral_policy": "NOT_DEFERRED"}
    r = cl.put(C + adv + "/version-deferral", {"deferral_policy": "DEFERRAL_90_DAYS"})
    assert r.body == {"deferral_policy": "DEFERRAL_90_DAYS"}
    r = cl.put(C + adv + "/version-deferral", {"deferral_policy": "FIXED_DEFERRAL"})
    assert r.body == {"deferral_policy": "DEFERRAL_60_DAYS"}
    assert cl.get(C + adv + "/version-deferral").body == {"deferral_policy": "DEFERRAL_60_DAYS"}
    assert cl.put(C + adv + "/version-deferral", {"deferral_policy": "SOON"}).status == 400
    assert cl.put(C + adv + "/version-deferral", {}).status == 400
    assert "AUDIT_LOG_ACTION_UPDATE_CLUSTER_VERSION_UPGRADE_DEFERRAL" in audit_actions(cl)
    basic = cl.create("maint-basic")["id"]
    assert cl.put(C + basic + "/version-deferral", {"deferral_policy": "DEFERRAL_30_DAYS"}).status == 400


# -- blackout windows ---------------------------------------------------------------------------------
def test_blackout_needs_a_maintenance_window(cl, adv):
    r = cl.post(C + adv + "/blackout-windows", {"start_time": ts(cl, 8), "end_time": ts(cl, 9)})
    assert r.status == 400 and "maintenance window" in r.body["message"]


def test_blackout_on_a_cluster_that_is_not_advanced(cl):
    """The real refusal (terraform-provider-cockroach blackout_window_resource_test.go, run against the real API
    too): 400 INVALID_ARGUMENT "invalid argument: blackout windows are supported for advanced clusters only"."""
    basic = cl.create("blackout-basic")["id"]
    r = cl.post(C + basic + "/blackout-windows", {"start_time": ts(cl, 8), "end_time": ts(cl, 9)})
    assert r.status == 400 and r.body["code"] == 3, r.body
    assert r.body["message"] == "invalid argument: blackout windows are supported for advanced clusters only"


def test_blackout_lifecycle(cl, adv):
    set_window(cl, adv)  # Wednesdays 00:00-06:00 UTC; the clock starts on Wednesday 2025-01-01 00:00
    r = cl.post(C + adv + "/blackout-windows", {"start_time": "2025-01-09T00:00:00Z", "end_time": "2025-01-11T00:00:00+00:00"})
    assert r.status == 200, r
    wid = r.body["id"]
    assert r.body == {"id": wid, "cluster_id": adv, "start_time": "2025-01-09T00:00:00Z",
                      "end_time": "2025-01-11T00:00:00Z"}
    assert cl.get(C + adv + "/blackout-windows/" + wid).body == r.body
    r = cl.patch(C + adv + "/blackout-windows/" + wid, {"end_time": "2025-01-12T00:00:00Z"})
    assert r.status == 200 and r.body["end_time"] == "2025-01-12T00:00:00Z"
    lst = cl.get(C + adv + "/blackout-windows").body
    assert [b["id"] for b in lst["blackout_windows"]] == [wid]
    assert cl.delete(C + adv + "/blackout-windows/" + wid).status == 200
    assert cl.get(C + adv + "/blackout-windows/" + wid).status == 404
    assert cl.delete(C + adv + "/blackout-windows/" + wid).status == 404
    acts = audit_actions(cl)
    for a in ("CREATE", "UPDATE", "DELETE"):
        assert "AUDIT_LOG_ACTION_%s_CLUSTER_BLACKOUT_WINDOW" % a in acts


@pytest.mark.parametrize("start, end, fragment", [
    (6.9, 8, "7 days in advance"),
    (8, 8, "after start_time"),
    (8, 7.5, "after start_time"),
    (8, 22.1, "14 days"),
    (85, 91, "three months"),
])
def test_blackout_time_rules(cl, adv, start, end, fragment):
    set_window(cl, adv)
    r = cl.post(C + adv + "/blackout-windows", {"start_time": ts(cl, start), "end_time": ts(cl, end)})
    assert r.status == 400 and fragment in r.body["message"], r
    assert cl.get(C + adv + "/blackout-windows").body["blackout_windows"] == []


def test_blackout_may_not_cover_two_consecutive_maintenance_windows(cl, adv):
    set_window(cl, adv)  # Wednesdays 00:00-06:00
    # 2025-01-08 is a Wednesday; Jan 15 too
    r = cl.post(C + adv + "/blackout-windows", {"start_time": "2025-01-08T01:00:00Z", "end_time": "2025-01-15T01:00:00Z"})
    assert r.status == 400 and "consecutive" in r.body["message"]
    # two separate windows that together touch Jan 15 and Jan 22
    assert cl.post(C + adv + "/blackout-windows", {"start_time": "2025-01-14T00:00:00Z",
                                                   "end_time": "2025-01-15T03:00:00Z"}).status == 200
    r = cl.post(C + adv + "/blackout-windows", {"start_time": "2025-01-21T00:00:00Z", "end_time": "2025-01-22T03:00:00Z"})
    assert r.status == 400 and "consecutive" in r.body["message"]
    # ending exactly when a maintenance window starts does not touch it
    assert cl.post(C + adv + "/blackout-windows", {"start_time": "2025-01-21T00:00:00Z",
                                                   "end_time": "2025-01-22T00:00:00Z"}).status == 200
    # overlapping another blackout window
    r = cl.post(C + adv + "/blackout-windows", {"start_time": "2025-01-13T00:00:00Z", "end_time": "2025-01-14T01:00:00Z"})
    assert r.status == 400 and "overlaps" in r.body["message"]
    # a new maintenance schedule that the existing blackout windows would cover twice is refused
    r = set_window(cl, adv, "86400s", "21600s")  # Tuesdays 00:00-06:00: Jan 14 and Jan 21 both blocked
    assert r.status == 400 and "consecutive" in r.body["message"]
    assert cl.get(C + adv + "/maintenance-window").body["offset_duration"] == "172800s"


def test_started_blackout_cannot_change_but_can_be_deleted(cl, adv):
    set_window(cl, adv)
    wid = cl.post(C + adv + "/blackout-windows", {"start_time": ts(cl, 8), "end_time": ts(cl, 10)}).body["id"]
    cl.advance(9 * DAY)
    r = cl.patch(C + adv + "/blackout-windows/" + wid, {"end_time": ts(cl, 1.5)})
    assert r.status == 400 and "started" in r.body["message"]
    assert cl.delete(C + adv + "/blackout-windows/" + wid).status == 200


def test_blackout_list_paginates_by_start(cl, adv):
    set_window(cl, adv)
    ids = []
    for start in (20, 9, 30):
        r = cl.post(C + adv + "/blackout-windows", {"start_time": ts(cl, start), "end_time": ts(cl, start + 0.5)})
        ids.append((start, r.body["id"]))
    first = cl.get(C + adv + "/blackout-windows", query={"pagination.limit": 2}).body
    assert len(first["blackout_windows"]) == 2
    second = cl.get(C + adv + "/blackout-windows", query={"pagination.limit": 2,
                                                          "pagination.page": first["pagination"]["next_page"]}).body
    got = [b["id"] for b in first["blackout_windows"] + second["blackout_windows"]]
    assert got == [pair[1] for pair in sorted(ids)]


# -- client CA ----------------------------------------------------------------------------------------
def test_client_ca_pending_then_set_with_the_cluster_locked(cl, adv):
    assert cl.get(C + adv + "/client-ca-cert").body == {"status": "NOT_SET"}
    r = cl.post(C + adv + "/client-ca-cert", {"x509_pem_cert": CA_ONE})
    assert r.status == 200 and r.body["status"] == "PENDING"
    cluster = cl.get(C + adv).body
    assert cluster["state"] == "LOCKED" and cluster["operation_status"] == "CRDB_CUSTOM_CLIENT_CA_RUNNING"
    assert cl.patch(C + adv + "/client-ca-cert", {"x509_pem_cert": CA_TWO}).status == 503
    cl.wait_unlocked()
    assert cl.get(C + adv + "/client-ca-cert").body == {"status": "IS_SET", "x509_pem_cert": CA_ONE}
    assert cl.get(C + adv).body["state"] == "CREATED"
    r = cl.post(C + adv + "/client-ca-cert", {"x509_pem_cert": CA_TWO})
    assert r.status == 409
    r = cl.patch(C + adv + "/client-ca-cert", {"x509_pem_cert": CA_TWO})
    assert r.body == {"status": "PENDING", "x509_pem_cert": CA_TWO}
    cl.wait_unlocked()
    assert cl.get(C + adv + "/client-ca-cert").body == {"status": "IS_SET", "x509_pem_cert": CA_TWO}
    assert cl.delete(C + adv + "/client-ca-cert").body["status"] == "PENDING"
    cl.wait_unlocked()
    assert cl.get(C + adv + "/client-ca-cert").body == {"status": "NOT_SET"}
    assert cl.delete(C + adv + "/client-ca-cert").status == 404
    assert cl.patch(C + adv + "/client-ca-cert", {"x509_pem_cert": CA_TWO}).status == 404
    acts = audit_actions(cl)
    for a in ("SET", "UPDATE", "DELETE"):
        assert "AUDIT_LOG_ACTION_%s_CLIENT_CA_CERT" % a in acts


def test_client_ca_failure_keeps_the_previous_certificate(cl, adv):
    cl.post(C + adv + "/client-ca-cert", {"x509_pem_cert": CA_ONE})
    cl.wait_unlocked()
    cl.patch(C + adv + "/client-ca-cert", {"x509_pem_cert": CA_TWO})
    cl.control("POST", "/clusters/%s/fail" % adv)
    cl.wait_unlocked()
    assert cl.get(C + adv + "/client-ca-cert").body == {"status": "FAILED", "x509_pem_cert": CA_ONE}
    assert cl.get(C + adv).body["operation_status"] == "CRDB_CUSTOM_CLIENT_CA_FAILED"


KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize("pem, fragment", [
    ("not a certificate", "no PEM block"),
    (KEY, "PRIVATE KEY block is not a CERTIFICATE"),
    (CA_ONE + KEY, "PRIVATE KEY block is not a CERTIFICATE"),
    ("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", "base64"),
    ("-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n", "X.509"),
    ("junk\n" + CA_ONE, "outside"),
])
def test_client_ca_refuses_what_is_not_a_certificate(cl, adv, pem, fragment):
    r = cl.post(C + adv + "/client-ca-cert", {"x509_pem_cert": pem})
    assert r.status == 400 and fragment in r.body["message"] and "x509_pem_cert" in r.body["message"]
    assert "MIGHAgEA" not in r.body["message"]
    assert cl.get(C + adv + "/client-ca-cert").body == {"status": "NOT_SET"}


def test_client_ca_bundle_and_plan(cl, adv):
    assert cl.post(C + adv + "/client-ca-cert", {"x509_pem_cert": CA_ONE + CA_TWO}).status == 200
    basic = cl.create("maint-basic")["id"]
    assert cl.get(C + basic + "/client-ca-cert").body == {"status": "NOT_SET"}
    assert cl.post(C + basic + "/client-ca-cert", {"x509_pem_cert": CA_ONE}).status == 400


def test_state_view(cl, adv):
    set_window(cl, adv)
    cl.post(C + adv + "/client-ca-cert", {"x509_pem_cert": CA_ONE})
    status, view = cl.control("GET", "/clusters/%s/maintenance" % adv)
    assert status == 200
    assert view["maintenance_window"] == {"offset_duration": "172800s", "window_duration": "21600s"}
    assert view["client_ca"]["status"] == "PENDING" and len(view["client_ca"]["sha256"]) == 1
    status, full = cl.control("GET", "/state")
    assert full["families"]["maintenance"][adv]["deferral_policy"] == "NOT_DEFERRED"
