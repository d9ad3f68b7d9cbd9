"""Fuzzer hooks of the replication family (test_cloud_fuzz.py): two clusters that may replicate, and the
ids of the streams between them."""

from hypothesis import strategies as st


def _pair(fz):
    pair = getattr(fz, "pcr_pair", None)
    if pair is None:
        pair = []
        for name, cidr in (("pcr-fz-a", "10.10.0.0/16"), ("pcr-fz-b", "10.11.0.0/16")):
            r = fz.cl.post("/api/v1/clusters", {"name": name, "provider": "GCP", "spec": {"dedicated": {
                "region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}},
                "cidr_range": cidr, "supports_cluster_virtualization": True}}})
            assert r.status == 200, r
            pair.append(r.body["id"])
        fz.pcr_pair = pair
    return pair


_STATE = {}


def prepare(fz):
    _STATE["pair"] = _pair(fz)


def path_values(fz, op_id, name):
    if name == "id" and "PhysicalReplicationStream" in op_id:
        # always two values (a strategy must not change shape with state): the newest stream, or none yet
        streams = sorted(fz.cl.api.s.streams.values(), key=lambda s: s["created_at"])
        return [streams[-1]["id"] if streams else "00000000-0000-4000-8000-000000000000",
                "00000000-0000-4000-8000-000000000001"]
    return None


def _create_body(flip):
    a, b = _STATE["pair"]  # drawn after prepare()
    return {"primary_cluster_id": b if flip else a, "standby_cluster_id": a if flip else b}


VALID_BODIES = {
    "CockroachCloud_CreatePhysicalReplicationStream": st.booleans().map(_create_body),
    "CockroachCloud_UpdatePhysicalReplicationStream": st.one_of(
        st.just({"status": "FAILING_OVER"}), st.just({"status": "CANCELED"}),
        st.fixed_dictionaries({"status": st.just("FAILING_OVER"),
                               "failover_at": st.sampled_from(["2025-01-01T00:00:30Z", "2030-01-01T00:00:00Z"])})),
}
