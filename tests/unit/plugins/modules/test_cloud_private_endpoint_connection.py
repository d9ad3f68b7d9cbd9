# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_private_endpoint_connection against the in-process emulator: add and wait, no-op request counts, check
mode without writes, delete and wait, a rejected AWS connection accepted again, final states refused, races."""

from urllib.parse import quote

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_private_endpoint_connection as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)


def cluster_with_endpoint(emulated, provider="AWS", region="us-east-1", name="shop-pe", **endpoint):
    cid = ready_cluster(emulated, name=name, provider=provider, dedicated={
        "region_nodes": {region: 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}})["id"]
    emulated.cloud("POST", "/api/v1/clusters/%s/networking/private-endpoint-services" % cid)
    emulated.clock.sleep(10)
    ep = emulated.cloud_control("POST", "/clusters/%s/private-endpoints" % cid, endpoint)
    emulated.clear_requests()
    return cid, ep["endpoint_id"]


def endpoints(emulated, cid):
    return {e["endpoint_id"]: e for e in emulated.cloud_state()["families"]["private_endpoints"][cid]["endpoints"]}


def test_ladder_check_add_wait_noop_delete(emulated):
    cid, eid = cluster_with_endpoint(emulated)
    path = "/api/v1/clusters/%s/networking/private-endpoint-connections" % cid
    res = run_cloud(emulated, mod, check=True, cluster="shop-pe", endpoint_id=eid)
    assert res["changed"] and writes(emulated) == [] and res["connection"]["status"] == "STATUS_PENDING"
    assert res["diff"] == {"before": {}, "after": {"endpoint_id": eid, "status": "STATUS_PENDING"}}
    assert not endpoints(emulated, cid)[eid]["connected"]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid)
    assert res["changed"] and writes(emulated) == [("POST", path)]
    assert res["connection"]["status"] == "STATUS_AVAILABLE" and res["connection"]["region_name"] == "us-east-1"
    assert res["connection"]["external_owner_id"] == endpoints(emulated, cid)[eid]["external_owner_id"]
    assert endpoints(emulated, cid)[eid]["status"] == "AVAILABLE"
    for check in (True, False):
        emulated.clear_requests()
        again = run_cloud(emulated, mod, check=check, cluster="shop-pe", endpoint_id=eid)
        assert not again["changed"] and writes(emulated) == []
        assert reads(emulated) == ["/api/v1/clusters", path]  # 2 reads
    emulated.clear_requests()
    res = run_cloud(emulated, mod, check=True, cluster="shop-pe", endpoint_id=eid, state="absent")
    assert res["changed"] and res["connection"] is None and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid, state="absent")
    assert res["changed"] and writes(emulated) == [("DELETE", path + "/" + eid)]
    assert endpoints(emulated, cid)[eid]["status"] == "REJECTED"  # waited until deleted: listed as REJECTED
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid, state="absent")
    assert not res["changed"] and writes(emulated) == [] and len(reads(emulated)) == 2
    assert res["connection"] is None and res["diff"] == {"before": {}, "after": {}}


def test_azure_ids_are_url_encoded_in_the_path(emulated):
    eid = ("/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/app/providers/"
           "Microsoft.Network/privateEndpoints/pe-one")
    cid, got = cluster_with_endpoint(emulated, provider="AZURE", region="eastus2", endpoint_id=eid)
    assert got == eid
    assert run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid)["changed"]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid, state="absent")
    assert res["changed"]
    assert writes(emulated) == [("DELETE", "/api/v1/clusters/%s/networking/private-endpoint-connections/%s"
                                 % (cid, quote(eid, safe="")))]
    assert endpoints(emulated, cid)[eid]["status"] == "REJECTED"
    # a removed connection stays listed as STATUS_REJECTED: off AWS the same Add re-attaches it
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid)
    assert res["changed"] and res["diff"]["before"]["status"] == "STATUS_REJECTED"
    assert res["connection"]["status"] == "STATUS_AVAILABLE"
    assert writes(emulated) == [("POST", "/api/v1/clusters/%s/networking/private-endpoint-connections" % cid)]


def test_no_wait_returns_pending(emulated):
    cid, eid = cluster_with_endpoint(emulated)
    res = run_cloud(emulated, mod, cluster=cid, endpoint_id=eid, wait=False)
    assert res["changed"] and res["connection"]["status"] == "STATUS_PENDING"


def test_a_rejected_aws_connection_is_accepted_again(emulated):
    cid, eid = cluster_with_endpoint(emulated)
    run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid)
    emulated.cloud("PATCH", "/api/v1/clusters/%s/networking/aws-endpoint-connections/%s" % (cid, eid),
                   {"status": "REJECTED"})
    emulated.clear_requests()
    res = run_cloud(emulated, mod, check=True, cluster="shop-pe", endpoint_id=eid)
    assert res["changed"] and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid)
    assert res["changed"] and writes(emulated) == [
        ("PATCH", "/api/v1/clusters/%s/networking/aws-endpoint-connections/%s" % (cid, eid))]
    assert res["diff"]["before"]["status"] == "STATUS_REJECTED" and res["connection"]["status"] == "STATUS_AVAILABLE"


@pytest.mark.parametrize("status", ["EXPIRED", "FAILED"])
def test_a_final_state_is_refused_before_any_write(emulated, status):
    cid, eid = cluster_with_endpoint(emulated)
    run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid)
    emulated.cloud_control("PATCH", "/clusters/%s/private-endpoints/%s" % (cid, eid), {"status": status})
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid)
    assert res.failed and "STATUS_" + status in res["msg"] and "new endpoint" in res["msg"] and writes(emulated) == []


def test_a_deleting_connection_is_waited_out_then_added_again(emulated):
    cid, eid = cluster_with_endpoint(emulated)
    run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid)
    run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid, state="absent", wait=False)
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid)
    assert res["changed"] and [m for m, p in writes(emulated)] == ["POST"]
    assert res["diff"]["before"]["status"] == "STATUS_DELETING" and res["connection"]["status"] == "STATUS_AVAILABLE"


def test_an_untrusted_owner_fails_with_the_api_message(emulated):
    cid, eid = cluster_with_endpoint(emulated, external_owner_id="999999999999")
    emulated.cloud("POST", "/api/v1/clusters/%s/networking/private-endpoint-trusted-owners" % cid,
                   {"type": "AWS_ACCOUNT_ID", "external_owner_id": "012345678901"})
    res = run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid)
    assert res.failed and "not a trusted owner" in res["msg"]


def test_a_lost_add_answer_is_read_back_not_sent_again(emulated):
    cid, eid = cluster_with_endpoint(emulated)
    path = "/api/v1/clusters/%s/networking/private-endpoint-connections" % cid
    # the add is applied, but the connection is reset before the answer arrives
    emulated.fault_rules({"kind": "reset_after", "method": "POST", "path": path})
    res = run_cloud(emulated, mod, cluster="shop-pe", endpoint_id=eid)
    assert res["changed"] and res["connection"]["status"] == "STATUS_AVAILABLE"
    assert [m for m, p in writes(emulated)] == ["POST"]  # the lost answer is read back, not sent again


def test_absent_on_a_cluster_that_is_gone_is_fine(emulated):
    res = run_cloud(emulated, mod, cluster="no-such-cluster", endpoint_id="vpce-0123456789abcdef0", state="absent")
    assert not res["changed"] and res["cluster_id"] is None


@pytest.mark.parametrize("args, fragment", [
    (dict(endpoint_id=""), "endpoint_id must be"),
    (dict(endpoint_id="vpce-01 23"), "endpoint_id 'vpce-01 23' contains spaces"),
    (dict(endpoint_id="vpce-0123", state="gone"), "state"),
    (dict(endpoint_id="vpce-0123", wait_timeout=-1), "wait_timeout"),
])
def test_bad_input_fails_before_any_request(emulated, args, fragment):
    res = run_cloud(emulated, mod, cluster="shop-pe", **args)
    assert res.failed and fragment in res["msg"] and emulated.requests() == []
