"""Fuzzer hooks of the backup family (test_cloud_fuzz.py): mostly valid bodies and known restore ids."""

from hypothesis import strategies as st

OBJ = st.fixed_dictionaries({"database": st.sampled_from(["defaultdb", "app", "nope"])},
                            optional={"schema": st.just("public"), "table": st.sampled_from(["t", "u"])})


def _pool_id(i):
    import test_cloud_fuzz  # the running fuzzer (imported lazily: it imports this module)
    ids = sorted(test_cloud_fuzz._fuzzer().pool.values())
    return ids[i % len(ids)] if ids else "none"


SOURCE = st.integers(0, 2).map(_pool_id)
VALID_BODIES = {
    "CockroachCloud_UpdateBackupConfiguration": st.fixed_dictionaries({}, optional={
        "enabled": st.booleans(), "frequency_minutes": st.sampled_from([5, 10, 15, 30, 60, 240, 1440, 7]),
        "retention_days": st.sampled_from([2, 7, 30, 90, 365, 3])}),
    "CockroachCloud_CreateRestore": st.fixed_dictionaries(
        {"type": st.sampled_from(["CLUSTER", "DATABASE", "TABLE"])},
        optional={"source_cluster_id": SOURCE, "objects": st.lists(OBJ, max_size=2),
                  "restore_opts": st.fixed_dictionaries({}, optional={"new_db_name": st.just("copy"),
                                                                      "into_db": st.just("defaultdb"),
                                                                      "schema_only": st.booleans()})}),
}


def prepare(fz):
    """Every pool cluster has a backup to restore from."""
    for cid in fz.pool.values():
        if not fz.cl.get("/api/v1/clusters/%s/backups" % cid).body.get("backups"):
            fz.cl.control("POST", "/clusters/%s/backups" % cid, {})


def path_values(fz, op_id, name):
    if name == "restore_id":
        # always two values (hypothesis needs the same draws whatever the state): known restores first
        restores = sorted(fz.cl.api.s._restores)
        return (restores[-2:] + ["no-such-restore", "no-such-restore"])[:2]
    return None
