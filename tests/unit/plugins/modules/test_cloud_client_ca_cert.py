# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_client_ca_cert: the module against the in-process emulator: POST then PATCH, compared by content, waits
through PENDING and the cluster lock, FAILED is a failure and is sent again, private keys refused unseen."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_client_ca_cert as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.maintenance_support import (
    CA_ONE,
    CA_TWO,
    advanced_cluster,
    maint_state,
)

KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKEYMATERIAL\n-----END PRIVATE KEY-----\n"


def test_ladder(emulated):
    cid = advanced_cluster(emulated)["id"]
    path = "/api/v1/clusters/%s/client-ca-cert" % cid
    res = run_cloud(emulated, mod, check=True, cluster="shop-prod", x509_pem_cert=CA_ONE)
    assert res["changed"] and res["client_ca_cert"]["status"] == "IS_SET" and writes(emulated) == []
    assert res["diff"]["before"] == {"status": "NOT_SET", "fingerprints": []}
    res = run_cloud(emulated, mod, cluster="shop-prod", x509_pem_cert=CA_ONE)
    assert res["changed"] and writes(emulated) == [("POST", path)]
    assert res["client_ca_cert"]["status"] == "IS_SET" and res["client_ca_cert"]["x509_pem_cert"] == CA_ONE
    assert maint_state(emulated, cid)["client_ca"]["status"] == "IS_SET"
    emulated.clear_requests()
    # the same certificate, re-wrapped: reads only
    reflowed = CA_ONE.replace("\n", "\r\n") + "\n"
    res = run_cloud(emulated, mod, cluster="shop-prod", x509_pem_cert=reflowed)
    assert not res["changed"] and writes(emulated) == [] and reads(emulated) == ["/api/v1/clusters", path]
    res = run_cloud(emulated, mod, cluster=cid, x509_pem_cert=CA_TWO)
    assert res["changed"] and writes(emulated) == [("PATCH", path)]
    assert res["diff"]["before"]["fingerprints"] != res["diff"]["after"]["fingerprints"]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, check=True, cluster=cid, state="absent")
    assert res["changed"] and res["client_ca_cert"]["status"] == "NOT_SET" and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster=cid, state="absent")
    assert res["changed"] and writes(emulated) == [("DELETE", path)] and res["client_ca_cert"]["status"] == "NOT_SET"
    assert maint_state(emulated, cid)["client_ca"] == {"status": "NOT_SET", "sha256": []}
    res = run_cloud(emulated, mod, cluster=cid, state="absent")
    assert not res["changed"]


def test_no_wait_returns_pending_and_next_run_waits_first(emulated):
    cid = advanced_cluster(emulated)["id"]
    res = run_cloud(emulated, mod, cluster="shop-prod", x509_pem_cert=CA_ONE, wait=False)
    assert res["changed"] and res["client_ca_cert"]["status"] == "PENDING"
    cluster = emulated.cloud("GET", "/api/v1/clusters/" + cid).json()
    assert cluster["state"] == "LOCKED" and cluster["operation_status"] == "CRDB_CUSTOM_CLIENT_CA_RUNNING"
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-prod", x509_pem_cert=CA_ONE)
    assert not res["changed"] and res["client_ca_cert"]["status"] == "IS_SET" and writes(emulated) == []


def test_failed_change_fails_and_is_sent_again(emulated):
    cid = advanced_cluster(emulated)["id"]
    run_cloud(emulated, mod, cluster="shop-prod", x509_pem_cert=CA_ONE)
    emulated.cloud_control("POST", "/clusters/%s/fail" % cid)  # the next operation fails
    res = run_cloud(emulated, mod, cluster="shop-prod", x509_pem_cert=CA_TWO)
    assert res.failed and "FAILED" in res["msg"] and "previous certificate stays" in res["msg"]
    assert maint_state(emulated, cid)["client_ca"]["status"] == "FAILED"
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-prod", x509_pem_cert=CA_TWO)
    assert res["changed"] and [m for m, p in writes(emulated)] == ["PATCH"]
    assert res["client_ca_cert"]["status"] == "IS_SET" and res["client_ca_cert"]["x509_pem_cert"] == CA_TWO


def test_private_key_refused_before_any_request_and_never_shown(emulated):
    res = run_cloud(emulated, mod, cluster="shop-prod", x509_pem_cert=CA_ONE + KEY, secrets=["KEYMATERIAL"])
    assert res.failed and "x509_pem_cert: PEM block 2 is a PRIVATE KEY block" in res["msg"]
    assert emulated.requests() == [] and "BEGIN CERTIFICATE" not in res.output
    res = run_cloud(emulated, mod, cluster="shop-prod")
    assert res.failed and "x509_pem_cert is required with state=present" in res["msg"]


def test_not_advanced_refused_before_any_write(emulated):
    ready_cluster(emulated)
    res = run_cloud(emulated, mod, cluster="shop-dev", x509_pem_cert=CA_ONE)
    assert res.failed and "ADVANCED clusters only" in res["msg"] and writes(emulated) == []
