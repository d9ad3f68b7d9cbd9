"""Conformance of the replication family (physical replication streams) with the official spec."""

import pytest

from conformance_helpers import CheckingClient, finish
from emulator.openapi import SpecValidator, load_spec

SPEC = load_spec()
pytestmark = pytest.mark.skipif(SPEC is None, reason="cloud-api-openapi.json not found")

S = "/api/v1/physical-replication-streams"


@pytest.fixture(scope="module")
def validator():
    return SpecValidator(SPEC, strict=True)


def test_replication_operations_conform(validator):
    cl = CheckingClient(validator)
    ids = []
    for name, cidr in (("pcr-primary", "10.0.0.0/16"), ("pcr-standby", "10.1.0.0/16"), ("pcr-third", "10.2.0.0/16"),
                       ("pcr-fourth", "10.3.0.0/16")):
        ids.append(cl.create(name, "GCP", dedicated={
            "region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}},
            "cidr_range": cidr, "supports_cluster_virtualization": True})["id"])
    a, b, c, d = ids
    s1 = cl.post(S, {"primary_cluster_id": a, "standby_cluster_id": b}).body
    cl.post(S, {"primary_cluster_id": a, "standby_cluster_id": b})  # 409
    cl.post(S, {"primary_cluster_id": a})  # 400
    cl.get(S + "/" + s1["id"])  # STARTING
    cl.patch(S + "/" + s1["id"], {"status": "FAILING_OVER"})  # 400: still starting
    cl.advance(5)
    cl.get(S + "/" + s1["id"])  # REPLICATING
    cl.get(S, query={"cluster_id": a, "pagination.limit": 1})
    cl.patch(S + "/" + s1["id"], {"status": "FAILING_OVER", "failover_at": "2025-01-01T00:00:30Z"})
    cl.get(S + "/" + s1["id"])  # FAILING_OVER with failover_at
    cl.advance(60)
    cl.get(S + "/" + s1["id"])  # COMPLETED
    s2 = cl.post(S, {"primary_cluster_id": c, "standby_cluster_id": d}).body
    cl.advance(5)
    cl.patch(S + "/" + s2["id"], {"status": "CANCELED"})
    cl.get(S, query={"show_completed": "true", "pagination.sort_order": "DESC"})
    cl.get(S + "/nope")  # 404
    cl.get(S, query={"primary_cluster_id": "bad"})  # 400
    finish(cl, "replication")
