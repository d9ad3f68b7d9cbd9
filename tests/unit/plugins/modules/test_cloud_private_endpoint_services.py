# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_private_endpoint_services against the in-process emulator: create on ADVANCED, nothing to create on
STANDARD, the wait until AVAILABLE, no-op request counts, check mode without writes, failures and locks."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_private_endpoint_services as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

DEDICATED = {"dedicated": {"region_nodes": {"us-east-1": 3, "us-west-2": 3},
                           "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}
STANDARD = {"serverless": {"regions": ["us-east-1"], "usage_limits": {"provisioned_virtual_cpus": "2"}}}


def aws_cluster(emulated, spec=None, name="shop-pe"):
    return ready_cluster(emulated, name=name, provider="AWS", **(spec or DEDICATED))["id"]


def emulator_services(emulated, cid):
    return {s["region_name"]: s for s in emulated.cloud_state()["families"]["private_endpoints"][cid]["services"]}


def test_advanced_ladder_check_create_wait_noop(emulated):
    cid = aws_cluster(emulated)
    path = "/api/v1/clusters/%s/networking/private-endpoint-services" % cid
    res = run_cloud(emulated, mod, check=True, cluster="shop-pe")
    assert res["changed"] and res["created_regions"] == ["us-east-1", "us-west-2"] and writes(emulated) == []
    assert [s["status"] for s in res["services"]] == ["CREATING", "CREATING"] and res["service_names"] == {}
    assert res["diff"] == {"before": {}, "after": {"us-east-1": {"status": "CREATING"}, "us-west-2": {"status": "CREATING"}}}
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-pe")
    assert res["changed"] and writes(emulated) == [("POST", path)]
    assert {s["status"] for s in res["services"]} == {"AVAILABLE"}  # waited
    assert set(res["service_names"]) == {"us-east-1", "us-west-2"}
    assert res["service_names"]["us-east-1"] == emulator_services(emulated, cid)["us-east-1"]["name"]
    assert res["services"][0]["availability_zone_ids"] == ["use1-az1", "use1-az2", "use1-az3"]
    assert {s["status"] for s in emulator_services(emulated, cid).values()} == {"AVAILABLE"}
    for check in (True, False):
        emulated.clear_requests()
        again = run_cloud(emulated, mod, check=check, cluster="shop-pe")
        assert not again["changed"] and writes(emulated) == []
        assert reads(emulated) == ["/api/v1/clusters", path]  # 2 reads
        assert again["service_names"] == res["service_names"]


def test_no_wait_returns_creating_and_a_rerun_waits_without_writing(emulated):
    cid = aws_cluster(emulated)
    res = run_cloud(emulated, mod, cluster=cid, wait=False)
    # created but not listed yet (the list lags behind the create): shown as coming, without a name
    assert res["changed"] and {s["status"] for s in res["services"]} == {"CREATING"}
    assert [s["region_name"] for s in res["services"]] == ["us-east-1", "us-west-2"] and res["service_names"] == {}
    emulated.advance(1.01)  # private_endpoint_services_visible_seconds: before, a rerun cannot see them and asks again
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid)
    assert not res["changed"] and writes(emulated) == [] and {s["status"] for s in res["services"]} == {"AVAILABLE"}


def test_standard_cluster_sends_no_create(emulated):
    cid = aws_cluster(emulated, STANDARD)
    res = run_cloud(emulated, mod, cluster="shop-pe")
    assert not res["changed"] and writes(emulated) == [] and res["created_regions"] == []
    assert [s["status"] for s in res["services"]] == ["AVAILABLE"]
    assert res["service_names"]["us-east-1"] == emulator_services(emulated, cid)["us-east-1"]["name"]


def test_a_region_added_later_gets_its_service(emulated):
    cid = aws_cluster(emulated, {"dedicated": {"region_nodes": {"us-east-1": 3},
                                               "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}})
    run_cloud(emulated, mod, cluster="shop-pe")
    emulated.cloud("PATCH", "/api/v1/clusters/" + cid, {"dedicated": {"region_nodes": {"us-east-1": 3, "us-west-2": 3}}})
    emulated.clock.sleep(5)
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-pe")
    assert res["changed"] and res["created_regions"] == ["us-west-2"] and len(writes(emulated)) == 1
    assert set(res["service_names"]) == {"us-east-1", "us-west-2"}


def test_a_failed_service_fails_the_task_naming_its_region(emulated):
    cid = aws_cluster(emulated)
    emulated.cloud_control("POST", "/clusters/%s/private-endpoint-services/fail" % cid)
    res = run_cloud(emulated, mod, cluster="shop-pe")
    assert res.failed and "us-east-1 is CREATE_FAILED" in res["msg"]


def test_the_wait_ends_with_a_message_naming_what_is_not_ready(emulated):
    aws_cluster(emulated)
    emulated.cloud_config(private_endpoint_service_seconds=7200)
    res = run_cloud(emulated, mod, cluster="shop-pe", wait_timeout=60)
    assert res.failed and "timed out" in res["msg"] and "us-east-1 is CREATING" in res["msg"]


def test_the_create_waits_out_a_cluster_lock(emulated):
    cid = aws_cluster(emulated)
    emulated.lock_cluster(cid, seconds=20)
    res = run_cloud(emulated, mod, cluster="shop-pe")
    assert res["changed"] and [e["status"] for e in emulated.requests(api="cloud") if e["method"] == "POST"] == [200]


def test_basic_cluster_fails_cleanly(emulated):
    ready_cluster(emulated, name="shop-basic")
    res = run_cloud(emulated, mod, cluster="shop-basic")
    assert res.failed and "BASIC" in res["msg"] and writes(emulated) == []


@pytest.mark.parametrize("args, fragment", [
    (dict(cluster=" "), "cluster"),
    (dict(cluster="shop-pe", wait_timeout=0), "wait_timeout"),
])
def test_bad_input_fails_before_any_request(emulated, args, fragment):
    res = run_cloud(emulated, mod, **args)
    assert res.failed and fragment in res["msg"] and emulated.requests() == []


def test_a_server_error_while_waiting_is_polled_through(emulated):
    cid = aws_cluster(emulated)
    path = "/api/v1/clusters/%s/networking/private-endpoint-services" % cid
    # the first read and the POST go through; the next two polls answer 503
    emulated.fault_rules({"kind": "503", "method": "GET", "path": path, "skip": 1, "count": 2})
    res = run_cloud(emulated, mod, cluster="shop-pe", retries=0)
    assert res["changed"] and {s["status"] for s in res["services"]} == {"AVAILABLE"}
    statuses = [e["status"] for e in emulated.requests(api="cloud") if e["path"] == path and e["method"] == "GET"]
    assert statuses[:3] == [200, 503, 503] and statuses[-1] == 200


def test_regions_missing_from_the_list_after_the_create_are_waited_for(emulated, clock):
    """The provider retries an empty list after its create: a region without a service means wait, not done, not
    a second create."""
    cid = aws_cluster(emulated)
    emulated.cloud_config(private_endpoint_services_visible_seconds=6, private_endpoint_service_seconds=1)
    path = "/api/v1/clusters/%s/networking/private-endpoint-services" % cid
    start = clock.monotonic()
    res = run_cloud(emulated, mod, cluster="shop-pe")
    assert clock.monotonic() - start >= 6  # waited through the time nothing was listed
    assert res["changed"] and res["created_regions"] == ["us-east-1", "us-west-2"]
    assert {s["status"] for s in res["services"]} == {"AVAILABLE"} and set(res["service_names"]) == {"us-east-1", "us-west-2"}
    assert writes(emulated) == [("POST", path)]
    gets = [e for e in emulated.requests(api="cloud") if e["path"] == path and e["method"] == "GET"]
    assert len(gets) >= 3  # the read before the create, polls of an empty list, the final one
