"""The export family of the Cloud API emulator: CMEK, log export and metric exports (state machines over
emulated time, the cluster lock, IAM propagation refusals, failure states, credentials never shown)."""

import json

import pytest

from cloud_helpers import Client

ARN = "arn:aws:iam::123456789012:role/crdb-export"
DD_KEY = "dd-secret-key-0123456789abcdef"
AZ_KEY = "azure-shared-key-very-secret"


def key(region, n, principal=ARN, typ="AWS_KMS"):
    return {"region": region, "key_spec": {"type": typ, "auth_principal": principal,
                                           "uri": "arn:aws:kms:%s:123456789012:key/k%d" % (region, n)}}


@pytest.fixture
def cl():
    c = Client()
    c.control("POST", "/export/config", {"export_seconds": 2, "iam_seconds": 0})
    return c


@pytest.fixture
def aws(cl):
    return cl.create_dedicated("aws-dedicated", provider="AWS", region_nodes={"us-east-1": 3, "us-west-2": 3})


def path(c, tail):
    return "/api/v1/clusters/%s/%s" % (c["id"], tail)


def state(cl, c):
    return cl.get("/api/v1/clusters/" + c["id"]).body


# -- log export -------------------------------------------------------------------------------------
LOG = {"type": "AWS_CLOUDWATCH", "log_name": "crdb", "auth_principal": ARN}


def test_log_export_enabling_then_enabled_under_the_cluster_lock(cl, aws):
    assert cl.get(path(aws, "logexport")).status == 404
    r = cl.post(path(aws, "logexport"), dict(LOG, redact=True))
    assert r.status == 200 and r.body["status"] == "ENABLING" and r.body["spec"]["redact"] is True
    c = state(cl, aws)
    assert c["state"] == "LOCKED" and c["operation_status"] == "CRDB_LOG_EXPORT_OPERATION_RUNNING"
    # other writes meet the lock refusal; reads work
    r = cl.post(path(aws, "logexport"), LOG)
    assert r.status == 503 and r.body["code"] == 14 and "lock" in r.body["message"]
    assert cl.delete(path(aws, "logexport")).status == 503
    assert cl.post(path(aws, "sql-users"), {"name": "u", "password": "p4ssw0rd-long"}).status == 503
    cl.advance(1.9)
    assert cl.get(path(aws, "logexport")).body["status"] == "ENABLING"
    cl.advance(0.2)
    assert cl.get(path(aws, "logexport")).body["status"] == "ENABLED"
    assert state(cl, aws)["state"] == "CREATED"


def test_log_export_delete_disabling_then_gone(cl, aws):
    cl.post(path(aws, "logexport"), LOG)
    cl.advance(2.1)
    r = cl.delete(path(aws, "logexport"))
    assert r.status == 200 and r.body["status"] == "DISABLING"
    assert cl.get(path(aws, "logexport")).body["status"] == "DISABLING"
    cl.advance(2.1)
    # harsher than 404: the configuration stays, DISABLED (the spec's LogExportStatus lifecycle)
    gone = cl.get(path(aws, "logexport"))
    assert gone.status == 200 and gone.body["status"] == "DISABLED" and gone.body["spec"]["log_name"] == "crdb"
    assert cl.delete(path(aws, "logexport")).status == 404
    assert cl.post(path(aws, "logexport"), LOG).body["status"] == "ENABLING"


@pytest.mark.parametrize("credentials, status", [(False, "ENABLE_FAILED"), (True, "CREDENTIALS_ERROR")])
def test_log_export_failure_states(cl, aws, credentials, status):
    cl.control("POST", "/clusters/%s/export/fail" % aws["id"], {"target": "log", "credentials": credentials})
    cl.post(path(aws, "logexport"), LOG)
    cl.advance(2.1)
    body = cl.get(path(aws, "logexport")).body
    assert body["status"] == status and body["user_message"]


def test_log_export_iam_propagation(cl, aws):
    cl.control("POST", "/export/config", {"iam_seconds": 5})
    r = cl.post(path(aws, "logexport"), LOG)
    assert r.status == 400 and r.body["code"] == 3 and "insufficient permissions" in r.body["message"]
    assert state(cl, aws)["state"] == "CREATED"          # refused: no job, no lock
    cl.advance(4.9)
    assert cl.post(path(aws, "logexport"), LOG).status == 400
    cl.advance(0.2)
    assert cl.post(path(aws, "logexport"), LOG).status == 200
    # a new principal propagates again
    cl.advance(2.1)
    assert cl.post(path(aws, "logexport"), dict(LOG, auth_principal=ARN + "-2")).status == 400


@pytest.mark.parametrize("body, fragment", [
    ({"type": "AWS_CLOUDWATCH", "log_name": "x"}, "auth_principal is required"),
    (dict(LOG, type="GCP_CLOUD_LOGGING"), "use AWS_CLOUDWATCH"),
    (dict(LOG, auth_principal="my-project"), "ARN of an IAM role"),
    (dict(LOG, azure_shared_key="k"), "only used with AZURE_LOG_ANALYTICS"),
    (dict(LOG, omitted_channels=["NOPE"]), "log channel 'NOPE' is unknown"),
    (dict(LOG, groups=[{"log_name": "a", "channels": ["OPS"]}, {"log_name": "a", "channels": ["HEALTH"]}]),
     "duplicate group"),
    # the real refusal (terraform-provider-cockroach issue #116): DEV and TELEMETRY are not exported by Cloud
    (dict(LOG, groups=[{"log_name": "a", "channels": ["OPS", "DEV"]}]),
     "invalid argument: invalid field ClusterSpec: log channel 'DEV' is unknown"),
    (dict(LOG, groups=[{"log_name": "a", "channels": ["TELEMETRY"]}]), "log channel 'TELEMETRY' is unknown"),
    (dict(LOG, groups=[{"log_name": "a", "channels": []}]), "at least one channel"),
    (dict(LOG, region="mars-1"), "not a valid AWS region"),
    (dict(LOG, type="SPLUNK"), "enum"),
])
def test_log_export_bad_input(cl, aws, body, fragment):
    r = cl.post(path(aws, "logexport"), body)
    assert r.status == 400 and fragment in r.body["message"], r.body
    assert state(cl, aws)["state"] == "CREATED"


def test_exports_refused_on_basic_and_external_id_only_on_advanced(cl):
    basic = cl.create("basic-one", provider="AWS", serverless={"regions": ["us-east-1"]})
    r = cl.post(path(basic, "logexport"), LOG)
    assert r.status == 400 and r.body["code"] == 9
    assert cl.post(path(basic, "metricexport/prometheus")).body["code"] == 9
    std = cl.create("std-one", provider="AWS",
                    serverless={"regions": ["us-east-1"], "usage_limits": {"provisioned_virtual_cpus": "2"}})
    r = cl.post(path(std, "logexport"), dict(LOG, aws_external_id="x"))
    assert r.status == 400 and "ADVANCED" in r.body["message"]
    assert cl.post(path(std, "logexport"), LOG).status == 200


def test_azure_shared_key_is_never_shown(cl):
    az = cl.create_dedicated("azure-one", provider="AZURE", region_nodes={"eastus2": 3})
    body = {"type": "AZURE_LOG_ANALYTICS", "log_name": "crdb", "auth_principal": "workspace-1"}
    assert "azure_shared_key is required" in cl.post(path(az, "logexport"), body).body["message"]
    r = cl.post(path(az, "logexport"), dict(body, azure_shared_key=AZ_KEY))
    assert r.status == 200 and "azure_shared_key" not in r.body["spec"]
    assert "azure_shared_key" not in cl.get(path(az, "logexport")).body["spec"]
    audit = cl.get("/api/v1/auditlogevents").body["entries"]
    assert any(e["action"] == "AUDIT_LOG_ACTION_UPDATE_CLUSTER_LOG_EXPORT" for e in audit)
    st = cl.control("GET", "/state")[1]
    assert AZ_KEY not in json.dumps(audit) + json.dumps(st)


# -- metric exports -----------------------------------------------------------------------------------
def test_metric_exports_lifecycle_and_lock(cl, aws):
    for kind, body in (("cloudwatch", {"role_arn": ARN, "target_region": "us-west-2"}),
                       ("datadog", {"site": "EU1", "api_key": DD_KEY}), ("prometheus", None)):
        mp = path(aws, "metricexport/" + kind)
        assert_not_configured(cl, aws, mp, kind)
        assert cl.delete(mp).status == 404
        r = cl.post(mp, body)
        assert r.status == 200 and r.body["status"] == "ENABLING", r.body
        assert state(cl, aws)["state"] == "LOCKED"
        assert cl.post(path(aws, "metricexport/" + kind), body).status == 503
        cl.advance(2.1)
        got = cl.get(mp).body
        assert got["status"] == "ENABLED"
        if kind == "datadog":
            assert got["api_key"] == DD_KEY[-4:] and got["site"] == "EU1"
        if kind == "cloudwatch":
            assert got["role_arn"] == ARN and got["target_region"] == "us-west-2"
        if kind == "prometheus":
            assert sorted(got["targets"]) == ["us-east-1", "us-west-2"]
        assert cl.delete(mp).body == {"cluster_id": aws["id"], "status": "DISABLING"}
        cl.advance(2.1)
        assert_not_configured(cl, aws, mp, kind)


def assert_not_configured(cl, c, mp, kind):
    """Prometheus answers 200 NOT_DEPLOYED when not configured, as the real API (the Terraform provider's
    metric_export_prometheus_config_resource.go Read); CloudWatch and Datadog answer 404."""
    r = cl.get(mp)
    if kind == "prometheus":
        assert r.status == 200 and r.body == {"cluster_id": c["id"], "status": "NOT_DEPLOYED"}, r.body
    else:
        assert r.status == 404, r.body


def test_metric_export_failure_and_validation(cl, aws):
    cl.control("POST", "/clusters/%s/export/fail" % aws["id"], {"target": "datadog"})
    cl.post(path(aws, "metricexport/datadog"), {"site": "US1", "api_key": DD_KEY})
    cl.advance(2.1)
    got = cl.get(path(aws, "metricexport/datadog")).body
    assert got["status"] == "ERROR" and got["user_message"]
    assert "api_key is required" in cl.post(path(aws, "metricexport/datadog"), {"site": "US1"}).body["message"]
    assert "role_arn must be" in cl.post(path(aws, "metricexport/cloudwatch"), {"role_arn": "x"}).body["message"]
    gcp = cl.create_dedicated("gcp-dedicated")
    r = cl.post(path(gcp, "metricexport/cloudwatch"), {"role_arn": ARN})
    assert r.status == 400 and "only available for clusters on AWS" in r.body["message"]


def test_datadog_key_redacted_in_request_log_and_audit(cl, aws):
    cl.post(path(aws, "metricexport/datadog"), {"site": "US1", "api_key": DD_KEY})
    audit = cl.get("/api/v1/auditlogevents").body["entries"]
    st = cl.control("GET", "/state")[1]
    assert DD_KEY not in json.dumps(audit) + json.dumps(st)


# -- CMEK -----------------------------------------------------------------------------------------
def test_cmek_enable_rotate_revoke(cl, aws):
    assert cl.get(path(aws, "cmek")).status == 404
    r = cl.post(path(aws, "cmek"), {"region_specs": [key("us-east-1", 1)]})
    assert r.status == 400 and "missing: us-west-2" in r.body["message"]
    r = cl.post(path(aws, "cmek"), {"region_specs": [key("us-east-1", 1), key("us-west-2", 1)]})
    assert r.status == 200 and r.body["status"] == "ENABLING"
    c = state(cl, aws)
    assert c["state"] == "LOCKED" and c["operation_status"] == "CRDB_CMEK_OPERATION_RUNNING"
    cl.advance(2.1)
    info = cl.get(path(aws, "cmek")).body
    assert info["status"] == "ENABLED" and [r["status"] for r in info["region_infos"]] == ["ENABLED"] * 2
    assert cl.post(path(aws, "cmek"), {"region_specs": [key("us-east-1", 1), key("us-west-2", 1)]}).status == 409
    # the same spec again: nothing to do, no lock
    r = cl.put(path(aws, "cmek"), {"region_specs": [key("us-east-1", 1)]})
    assert r.body["status"] == "ENABLED" and state(cl, aws)["state"] == "CREATED"
    # rotation of one region
    r = cl.put(path(aws, "cmek"), {"region_specs": [key("us-east-1", 2)]})
    assert r.body["status"] == "ROTATING"
    east = r.body["region_infos"][0]
    assert east["status"] == "ROTATING" and [k["status"] for k in east["key_infos"]] == ["ENABLING", "DISABLING"]
    cl.advance(2.1)
    east = cl.get(path(aws, "cmek")).body["region_infos"][0]
    assert [k["status"] for k in east["key_infos"]] == ["ENABLED", "DISABLED"]
    assert east["key_infos"][0]["spec"]["uri"].endswith("/k2")
    # revoke, then no key change
    assert cl.patch(path(aws, "cmek"), {"action": "REVOKE"}).body["status"] == "REVOKING"
    cl.advance(2.1)
    assert cl.get(path(aws, "cmek")).body["status"] == "REVOKED"
    r = cl.put(path(aws, "cmek"), {"region_specs": [key("us-east-1", 3)]})
    assert r.status == 400 and r.body["code"] == 9


def test_cmek_iam_propagation_and_failed_rotation(cl, aws):
    cl.control("POST", "/export/config", {"iam_seconds": 3})
    specs = {"region_specs": [key("us-east-1", 1), key("us-west-2", 1)]}
    r = cl.put(path(aws, "cmek"), specs)
    assert r.status == 400 and r.body["code"] == 3 and "Insufficient permissions" in r.body["message"]
    cl.advance(3.1)
    assert cl.put(path(aws, "cmek"), specs).body["status"] == "ENABLING"   # PUT enables too
    cl.advance(2.1)
    cl.control("POST", "/clusters/%s/export/fail" % aws["id"], {"target": "cmek"})
    cl.advance(3.1)
    r = cl.put(path(aws, "cmek"), {"region_specs": [key("us-west-2", 9)]})
    assert r.status == 400    # the new key's principal pair is new: propagating
    cl.advance(3.1)
    assert cl.put(path(aws, "cmek"), {"region_specs": [key("us-west-2", 9)]}).status == 200
    cl.advance(2.1)
    info = cl.get(path(aws, "cmek")).body
    west = info["region_infos"][1]
    assert info["status"] == "ROTATE_FAILED" and west["status"] == "ROTATE_FAILED"
    assert [k["status"] for k in west["key_infos"]] == ["ENABLE_FAILED", "ENABLED"]


@pytest.mark.parametrize("specs, fragment", [
    ([key("us-east-1", 1), key("eu-central-1", 1)], "not a region of the cluster"),
    ([key("us-east-1", 1), key("us-east-1", 2)], "appears twice"),
    ([key("us-east-1", 1, typ="GCP_CLOUD_KMS"), key("us-west-2", 1)], "use AWS_KMS"),
    ([{"region": "us-east-1", "key_spec": {"type": "AWS_KMS", "uri": "u"}}], "auth_principal is required"),
    ([], "at least one region"),
])
def test_cmek_bad_input(cl, aws, specs, fragment):
    r = cl.post(path(aws, "cmek"), {"region_specs": specs})
    assert r.status == 400 and fragment in r.body["message"], r.body


def test_cmek_only_advanced_and_gone_with_the_cluster(cl, aws):
    basic = cl.create("basic-cmek", provider="AWS", serverless={"regions": ["us-east-1"]})
    assert cl.get(path(basic, "cmek")).body["code"] == 9
    cl.post(path(aws, "cmek"), {"region_specs": [key("us-east-1", 1), key("us-west-2", 1)]})
    cl.post(path(aws, "metricexport/prometheus"))
    cl.advance(2.1)
    assert cl.delete("/api/v1/clusters/" + aws["id"]).status == 200
    assert cl.get(path(aws, "cmek")).status == 404
    assert cl.get(path(aws, "metricexport/prometheus")).status == 404


def test_control_config_validation(cl):
    assert cl.control("POST", "/export/config", {"nope": 1})[0] == 400
    assert cl.control("POST", "/export/config", {"iam_seconds": -1})[0] == 400
    assert cl.control("POST", "/export/config", {"export_seconds": 5})[1]["export_seconds"] == 5.0
    cl.api.reset()
    st = cl.control("GET", "/state")[1]
    assert st["families"]["export"]["settings"]["export_seconds"] == 2.0


def test_cmek_additional_regions_through_the_cluster_patch(cl, aws):
    cl.post(path(aws, "cmek"), {"region_specs": [key("us-east-1", 1), key("us-west-2", 1)]})
    cl.advance(2.1)
    cpath = "/api/v1/clusters/" + aws["id"]
    nodes = {"us-east-1": 3, "us-west-2": 3, "eu-central-1": 3}
    r = cl.patch(cpath, {"dedicated": {"region_nodes": nodes}})
    assert r.status == 400 and "one key for each new region (eu-central-1)" in r.body["message"]
    r = cl.patch(cpath, {"dedicated": {"region_nodes": nodes, "cmek_region_specs": [key("us-east-1", 5)]}})
    assert r.status == 400
    r = cl.patch(cpath, {"dedicated": {"region_nodes": nodes, "cmek_region_specs": [key("eu-central-1", 1)]}})
    assert r.status == 200 and r.body["state"] == "LOCKED"
    eu = cl.get(path(aws, "cmek")).body["region_infos"][0]
    assert eu["region"] == "eu-central-1" and eu["status"] == "ENABLING"
    cl.advance(2.1)
    info = cl.get(path(aws, "cmek")).body
    assert info["status"] == "ENABLED" and [r["region"] for r in info["region_infos"]] == [
        "eu-central-1", "us-east-1", "us-west-2"]


def test_cmek_region_specs_refused_without_cmek(cl, aws):
    r = cl.patch("/api/v1/clusters/" + aws["id"], {"dedicated": {"region_nodes": {"us-east-1": 3, "us-west-2": 3,
                                                                                  "eu-central-1": 3},
                                                                 "cmek_region_specs": [key("eu-central-1", 1)]}})
    assert r.status == 400 and r.body["code"] == 9
