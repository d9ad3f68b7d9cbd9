# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_egress_private_endpoint against the in-process emulator: create and wait, domain names, acceptance,
no-op reads only, check mode without writes, immutable fields, delete and wait."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_egress_private_endpoint as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

ADVANCED = {"dedicated": {"region_nodes": {"us-east-1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}
EPS = "/api/v1/clusters/%s/networking/egress-private-endpoints"
MSK = dict(region="us-east-1", target_service_type="MSK_SASL_IAM",
           target_service_identifier="arn:aws:kafka:us-east-1:123456789012:cluster/events/abcd")


def advanced(emulated):
    return ready_cluster(emulated, "egress-prod", provider="AWS", **ADVANCED)["id"]


def endpoints_of(emulated, cid):
    return (emulated.cloud_state()["families"]["egress"].get(cid) or {}).get("egress_private_endpoints") or []


def test_ladder(emulated):
    cid = advanced(emulated)
    res = run_cloud(emulated, mod, check=True, cluster=cid, domain_names=["kafka.example.com"], **MSK)
    assert res["changed"] and res["endpoint"]["id"] is None and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster=cid, domain_names=["Kafka.Example.com"], **MSK)
    assert res["changed"] and res["endpoint"]["state"] == "AVAILABLE"
    assert res["endpoint"]["domain_names"] == ["kafka.example.com"]
    assert res["endpoint"]["domain_names_state"] == "AVAILABLE"
    eid = res["endpoint"]["id"]
    assert [w[0] for w in writes(emulated)] == ["POST", "PATCH"]
    # no-op: the cluster and the list
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, domain_names=["kafka.example.com"], **MSK)
    assert not res["changed"] and writes(emulated) == []
    assert reads(emulated) == ["/api/v1/clusters/%s" % cid, EPS % cid]
    # update by id, check mode first
    emulated.clear_requests()
    res = run_cloud(emulated, mod, check=True, cluster=cid, id=eid, domain_names=["a.example.com", "b.example.com"])
    assert res["changed"] and writes(emulated) == []
    assert res["diff"]["after"]["domain_names"] == ["a.example.com", "b.example.com"]
    res = run_cloud(emulated, mod, cluster=cid, id=eid, domain_names=["b.example.com", "a.example.com"])
    assert res["changed"] and endpoints_of(emulated, cid)[0]["domain_names"] == ["b.example.com", "a.example.com"]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, id=eid, domain_names=["a.example.com", "b.example.com"])
    assert not res["changed"] and reads(emulated) == ["/api/v1/clusters/%s" % cid, (EPS % cid) + "/" + eid]
    # delete, then again: nothing to do
    res = run_cloud(emulated, mod, cluster=cid, state="absent", **{k: MSK[k] for k in ("region",
                                                                                       "target_service_identifier")})
    assert res["changed"] and res["endpoint"] is None and endpoints_of(emulated, cid) == []
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, state="absent", id=eid)
    assert not res["changed"] and writes(emulated) == []


def test_private_service_waits_for_acceptance(emulated):
    cid = advanced(emulated)
    args = dict(region="us-east-1", target_service_type="PRIVATE_SERVICE",
                target_service_identifier="com.amazonaws.vpce.us-east-1.vpce-svc-0123")
    res = run_cloud(emulated, mod, cluster=cid, **args)
    assert res["changed"] and res["endpoint"]["state"] == "PENDING_ACCEPTANCE"
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, domain_names=["svc.example.com"], **args)
    assert res.failed and "accept" in res["msg"] and "domain_names" in res["msg"] and writes(emulated) == []
    emulated.cloud_control("POST", "/clusters/%s/egress-private-endpoints/%s/accept" % (cid, res_id(emulated, cid)))
    res = run_cloud(emulated, mod, cluster=cid, domain_names=["svc.example.com"], **args)
    assert res["changed"] and res["endpoint"]["domain_names"] == ["svc.example.com"]


def res_id(emulated, cid):
    return endpoints_of(emulated, cid)[0]["id"]


def test_type_cannot_change(emulated):
    cid = advanced(emulated)
    run_cloud(emulated, mod, cluster=cid, **MSK)
    emulated.clear_requests()
    other_type = dict(MSK)
    other_type["target_service_type"] = "MSK_TLS"
    res = run_cloud(emulated, mod, cluster=cid, **other_type)
    assert res.failed and "target_service_type" in res["msg"] and "state=absent" in res["msg"]
    assert writes(emulated) == []


def test_rejected_endpoint_is_reported(emulated):
    cid = advanced(emulated)
    args = dict(region="us-east-1", target_service_type="PRIVATE_SERVICE", target_service_identifier="svc-x")
    run_cloud(emulated, mod, cluster=cid, **args)
    emulated.cloud_control("POST", "/clusters/%s/egress-private-endpoints/%s/reject" % (cid, res_id(emulated, cid)))
    res = run_cloud(emulated, mod, cluster=cid, domain_names=["a.example.com"], **args)
    assert res.failed and "REJECTED" in res["msg"]


def test_create_needs_type(emulated):
    cid = advanced(emulated)
    res = run_cloud(emulated, mod, cluster=cid, region="us-east-1", target_service_identifier="x")
    assert res.failed and "target_service_type" in res["msg"] and writes(emulated) == []


def test_bad_input_names_the_option(emulated):
    cid = advanced(emulated)
    for args, option in [
        (dict(target_service_identifier="x"), "region"),
        (dict(region="us-east-1"), "target_service_identifier"),
        (dict(MSK, domain_names=["not a name"]), "domain_names"),
        (dict(MSK, domain_names=["a.example.com", "A.example.com"]), "domain_names"),
        (dict(MSK.items(), target_service_type="KAFKA"), "target_service_type"),
        (dict(MSK, state="absent", domain_names=[]), "domain_names"),
    ]:
        res = run_cloud(emulated, mod, cluster=cid, **args)
        assert res.failed and option in res["msg"], (args, res["msg"])
    assert emulated.paths(api="cloud") == []
