"""Conformance of the maintenance family (maintenance window, version deferral, blackout windows, client CA)
with the official spec: every operation answers a valid 200 and its errors a valid ``Status``."""

import pytest

from conformance_helpers import CheckingClient, finish
from emulator.openapi import SpecValidator, load_spec
from maint_certs import CA_ONE, CA_TWO

SPEC = load_spec()
pytestmark = pytest.mark.skipif(SPEC is None, reason="cloud-api-openapi.json not found")


@pytest.fixture(scope="module")
def validator():
    return SpecValidator(SPEC, strict=True)


def test_maintenance_operations_conform(validator):
    cl = CheckingClient(validator)
    adv = cl.create_dedicated("conf-maint")["id"]
    basic = cl.create("conf-maint-basic")["id"]
    base = "/api/v1/clusters/" + adv
    cl.get(base + "/maintenance-window")  # 404: none yet
    cl.put(base + "/maintenance-window", {"offset_duration": "172800s", "window_duration": "21600s"})
    cl.put(base + "/maintenance-window", {"offset_duration": "2d", "window_duration": "21600s"})  # 400
    cl.put("/api/v1/clusters/%s/maintenance-window" % basic, {"offset_duration": "0s", "window_duration": "21600s"})
    cl.get(base + "/maintenance-window")
    cl.get(base + "/version-deferral")
    cl.put(base + "/version-deferral", {"deferral_policy": "DEFERRAL_30_DAYS"})
    cl.put(base + "/version-deferral", {"deferral_policy": "FIXED_DEFERRAL", "deferred_until": "2025-12-15T00:00:00Z"})
    cl.get(base + "/blackout-windows")
    created = cl.post(base + "/blackout-windows", {"start_time": "2025-01-09T00:00:00Z",
                                                   "end_time": "2025-01-10T00:00:00Z"}).body
    cl.post(base + "/blackout-windows", {"start_time": "2025-01-02T00:00:00Z", "end_time": "2025-01-03T00:00:00Z"})
    cl.get(base + "/blackout-windows", query={"pagination.limit": 1})
    cl.get(base + "/blackout-windows/" + created["id"])
    cl.patch(base + "/blackout-windows/" + created["id"], {"end_time": "2025-01-10T12:00:00Z"})
    cl.get(base + "/blackout-windows/nope")
    cl.delete(base + "/blackout-windows/" + created["id"])
    cl.get(base + "/client-ca-cert")
    cl.post(base + "/client-ca-cert", {"x509_pem_cert": "nope"})
    cl.post(base + "/client-ca-cert", {"x509_pem_cert": CA_ONE})
    cl.get(base + "/client-ca-cert")
    cl.patch(base + "/client-ca-cert", {"x509_pem_cert": CA_TWO})  # locked
    cl.wait_unlocked()
    cl.patch(base + "/client-ca-cert", {"x509_pem_cert": CA_TWO})
    cl.wait_unlocked()
    cl.delete(base + "/client-ca-cert")
    cl.wait_unlocked()
    cl.get(base + "/client-ca-cert")
    cl.delete(base + "/maintenance-window")
    finish(cl, "maintenance")
