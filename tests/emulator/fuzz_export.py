"""Fuzzer hooks of the export family (CMEK, log export, metric exports): an AWS ADVANCED cluster in the
pool (CMEK and CloudWatch need one), IAM propagation off so that valid bodies reach the state machines,
and mostly valid bodies."""

from hypothesis import strategies as st

ARN = "arn:aws:iam::123456789012:role/fuzz"
REGIONS = ["us-east-1", "us-west-2"]


def prepare(fz):
    fz.cl.control("POST", "/export/config", {"iam_seconds": 0, "export_seconds": 0.5})
    cid = fz.pool.get("export-aws")
    if cid is not None:
        got = fz.cl.get("/api/v1/clusters/" + cid).body
        if got.get("state") not in ("DELETED", "CREATION_FAILED"):
            return
    fz.n += 1
    r = fz.cl.post("/api/v1/clusters", {"name": "pool-exp-%d" % fz.n, "provider": "AWS", "spec": {
        "dedicated": {"region_nodes": {"us-east-1": 3, "us-west-2": 3},
                      "hardware": {"machine_spec": {"num_virtual_cpus": 2}}}}})
    assert r.status == 200, r
    fz.pool["export-aws"] = r.body["id"]


KEY = st.fixed_dictionaries({
    "region": st.sampled_from(REGIONS + ["us-central1"]),
    "key_spec": st.fixed_dictionaries({
        "type": st.sampled_from(["AWS_KMS", "AWS_KMS", "GCP_CLOUD_KMS"]),
        "uri": st.sampled_from(["arn:aws:kms:us-east-1:123456789012:key/a", "arn:aws:kms:us-west-2:123456789012:key/b"]),
        "auth_principal": st.just(ARN)})})
CMEK = st.fixed_dictionaries({"region_specs": st.lists(KEY, min_size=1, max_size=3)})
CHANNELS = st.lists(st.sampled_from(["OPS", "HEALTH", "SESSIONS", "SQL_EXEC", "BOGUS"]), min_size=1, max_size=3,
                    unique=True)
LOG = st.fixed_dictionaries(
    {"type": st.sampled_from(["AWS_CLOUDWATCH", "AWS_CLOUDWATCH", "GCP_CLOUD_LOGGING"]), "log_name": st.just("crdb"),
     "auth_principal": st.sampled_from([ARN, "my-project"])},
    optional={"redact": st.booleans(), "region": st.sampled_from(REGIONS), "omitted_channels": CHANNELS,
              "groups": st.lists(st.fixed_dictionaries({"log_name": st.sampled_from(["a", "b"]), "channels": CHANNELS},
                                                       optional={"min_level": st.sampled_from(["WARNING", "ERROR"]),
                                                                 "redact": st.booleans()}), max_size=2)})

VALID_BODIES = {
    "CockroachCloud_EnableCMEKSpec": CMEK,
    "CockroachCloud_UpdateCMEKSpec": CMEK,
    "CockroachCloud_UpdateCMEKStatus": st.just({"action": "REVOKE"}),
    "CockroachCloud_EnableLogExport": LOG,
    "CockroachCloud_EnableCloudWatchMetricExport": st.fixed_dictionaries(
        {"role_arn": st.sampled_from([ARN, "not-an-arn"])},
        optional={"target_region": st.sampled_from(REGIONS), "log_group_name": st.just("crdb"),
                  "external_id": st.just("ext")}),
    "CockroachCloud_EnableDatadogMetricExport": st.fixed_dictionaries(
        {"site": st.sampled_from(["US1", "EU1"]), "api_key": st.text(min_size=1, max_size=8)}),
}
