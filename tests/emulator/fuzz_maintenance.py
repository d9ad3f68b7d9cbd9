"""Fuzzer hooks of the maintenance family (test_cloud_fuzz.py): mostly valid bodies, and a maintenance window,
a blackout window and a client CA certificate on the pool's ADVANCED cluster so that their paths can succeed."""

from datetime import datetime, timezone

from hypothesis import strategies as st

from maint_certs import CA_ONE, CA_TWO

DURATION = st.one_of(st.integers(0, 700000).map(lambda n: "%ds" % n), st.sampled_from(["21600s", "1.5s", "2d", "-1s"]))
DEFERRAL = st.sampled_from(["NOT_DEFERRED", "DEFERRAL_30_DAYS", "DEFERRAL_60_DAYS", "DEFERRAL_90_DAYS", "FIXED_DEFERRAL"])
TIME = st.sampled_from(["2025-01-09T00:00:00Z", "2025-01-20T00:00:00Z", "2025-02-01T06:00:00Z", "2026-01-01T00:00:00Z",
                        "2025-01-10T00:00:00+02:00", "yesterday"])
EPOCH_2025 = 1735689600  # 2025-01-01T00:00:00Z, where the fuzzer's clock starts


def _at(seconds):
    return datetime.fromtimestamp(EPOCH_2025 + seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# mostly schedulable windows: 8 to 80 days ahead, 1 to 48 hours long (the emulator's rules refuse some of them)
WINDOW = st.builds(lambda day, hour, hours: {"start_time": _at((day * 24 + hour) * 3600),
                                             "end_time": _at((day * 24 + hour + hours) * 3600)},
                   st.integers(8, 80), st.integers(0, 23), st.integers(1, 48))
NEW_END = st.integers(10 * 24, 20 * 24).map(lambda h: _at(h * 3600))
CERT = st.sampled_from([CA_ONE, CA_TWO, CA_ONE + CA_TWO, "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----"])

VALID_BODIES = {
    "CockroachCloud_SetMaintenanceWindow": st.fixed_dictionaries({"offset_duration": DURATION, "window_duration": DURATION}),
    "CockroachCloud_SetClusterVersionDeferral": st.fixed_dictionaries({"deferral_policy": DEFERRAL}),
    "CockroachCloud_CreateBlackoutWindow": st.one_of(WINDOW, WINDOW, st.fixed_dictionaries({"start_time": TIME,
                                                                                            "end_time": TIME})),
    "CockroachCloud_UpdateBlackoutWindow": st.one_of(st.fixed_dictionaries({"end_time": NEW_END}),
                                                     st.fixed_dictionaries({}, optional={"start_time": TIME,
                                                                                         "end_time": TIME})),
    "CockroachCloud_SetClientCACert": st.fixed_dictionaries({"x509_pem_cert": CERT}),
    "CockroachCloud_UpdateClientCACert": st.fixed_dictionaries({"x509_pem_cert": CERT}),
}


def prepare(fz):
    cid = fz.pool.get("dedicated")
    if cid is None:
        return
    base = "/api/v1/clusters/%s" % cid
    fz.cl.put(base + "/maintenance-window", {"offset_duration": "172800s", "window_duration": "21600s"})
    if not fz.cl.get(base + "/blackout-windows").body.get("blackout_windows"):
        fz.cl.post(base + "/blackout-windows", {"start_time": "2025-01-09T00:00:00Z", "end_time": "2025-01-10T00:00:00Z"})
    # now and then only: a client CA write locks the cluster for a while, which would refuse the other writes
    if fz.cases % 25 == 0 and (fz.cl.get(base + "/client-ca-cert").body or {}).get("status") == "NOT_SET":
        fz.cl.post(base + "/client-ca-cert", {"x509_pem_cert": CA_ONE})


def path_values(fz, op_id, name):
    if name != "blackout_window_id":
        return None
    cid = fz.pool.get("dedicated")
    body = fz.cl.get("/api/v1/clusters/%s/blackout-windows" % cid).body if cid else None
    return [b["id"] for b in (body or {}).get("blackout_windows", [])] or None
