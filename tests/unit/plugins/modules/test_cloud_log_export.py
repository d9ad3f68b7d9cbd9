# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_log_export against the in-process emulator: the ladder (create, no-op reads only, update, check mode
without writes, delete), IAM propagation retried for a bounded time, the wait through ENABLING/DISABLING and
the cluster lock, failures, the Azure shared key never in any output, bad input refused before any request."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_log_export as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

ARN = "arn:aws:iam::123456789012:role/crdb-logs"
AZ_KEY = "azure-shared-key-SECRET-0123456789"
HW = {"hardware": {"machine_spec": {"num_virtual_cpus": 4}}}


def cluster(emulated, provider="AWS", region="us-east-1", iam_seconds=0):
    emulated.cloud_control("POST", "/export/config", {"export_seconds": 5, "iam_seconds": iam_seconds})
    return ready_cluster(emulated, name="logs-%s" % provider.lower(), provider=provider,
                         dedicated=dict(HW, region_nodes={region: 3}))


def base(**kw):
    out = dict(cluster="logs-aws", type="AWS_CLOUDWATCH", log_name="crdb", auth_principal=ARN)
    out.update(kw)
    return out


def log_state(emulated, cid):
    c = next(c for c in emulated.cloud_state()["families"]["export"]["clusters"] if c["cluster_id"] == cid)
    return c["log"]


def test_ladder(emulated):
    cid = cluster(emulated)["id"]
    groups = [{"log_name": "ops", "channels": ["OPS", "HEALTH"], "min_level": "WARNING"}]
    res = run_cloud(emulated, mod, check=True, **base(redact=True, groups=groups))
    assert res["changed"] and res["log_export"]["spec"]["redact"] is True and writes(emulated) == []
    assert log_state(emulated, cid) is None
    res = run_cloud(emulated, mod, **base(redact=True, groups=groups))
    assert res["changed"] and res["log_export"]["status"] == "ENABLED"
    assert writes(emulated) == [("POST", "/api/v1/clusters/%s/logexport" % cid)]
    assert log_state(emulated, cid)["spec"]["groups"] == groups
    emulated.clear_requests()
    # no-op: channel order and group order do not matter
    res = run_cloud(emulated, mod, **base(redact=True, groups=[dict(groups[0], channels=["HEALTH", "OPS"])]))
    assert not res["changed"] and writes(emulated) == []
    assert reads(emulated) == ["/api/v1/clusters", "/api/v1/clusters/%s/logexport" % cid]
    # update: the task is the whole configuration (groups removed)
    res = run_cloud(emulated, mod, check=True, **base(redact=True, omitted_channels=["SESSIONS"]))
    assert res["changed"] and writes(emulated) == []
    assert res["diff"]["before"]["spec"]["groups"] and "groups" not in res["diff"]["after"]["spec"]
    res = run_cloud(emulated, mod, **base(redact=True, omitted_channels=["SESSIONS"]))
    assert res["changed"] and "groups" not in log_state(emulated, cid)["spec"]
    emulated.clear_requests()
    # delete through DISABLING
    res = run_cloud(emulated, mod, check=True, cluster="logs-aws", state="absent")
    assert res["changed"] and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="logs-aws", state="absent")
    assert res["changed"] and res["log_export"] is None and log_state(emulated, cid)["status"] == "DISABLED"
    assert writes(emulated) == [("DELETE", "/api/v1/clusters/%s/logexport" % cid)]
    assert not run_cloud(emulated, mod, cluster="logs-aws", state="absent")["changed"]
    assert len(writes(emulated)) == 1


def test_a_disabled_configuration_is_absent(emulated):
    """A deleted log export may be answered 200 status DISABLED (the spec's LogExportStatus) rather than 404:
    the module takes it for absent, and enables it again when asked, even with the very same spec."""
    cid = cluster(emulated)["id"]
    assert run_cloud(emulated, mod, **base())["changed"]
    assert run_cloud(emulated, mod, cluster="logs-aws", state="absent")["changed"]
    assert log_state(emulated, cid)["status"] == "DISABLED"
    emulated.clear_requests()
    res = run_cloud(emulated, mod, check=True, **base())
    assert res["changed"] and res["diff"]["before"] == {} and writes(emulated) == []
    res = run_cloud(emulated, mod, **base())
    assert res["changed"] and res["log_export"]["status"] == "ENABLED"
    assert writes(emulated) == [("POST", "/api/v1/clusters/%s/logexport" % cid)]


def test_iam_propagation_is_retried(emulated):
    cid = cluster(emulated, iam_seconds=30)["id"]
    res = run_cloud(emulated, mod, **base())
    assert res["changed"] and res["log_export"]["status"] == "ENABLED"
    posts = writes(emulated)
    assert len(posts) > 1 and set(posts) == {("POST", "/api/v1/clusters/%s/logexport" % cid)}


def test_iam_refusal_that_lasts_fails_as_a_permission_problem(emulated):
    cluster(emulated, iam_seconds=10000)
    res = run_cloud(emulated, mod, **base(iam_propagation_timeout=20))
    assert res.failed and "permanent permission problem" in res["msg"] and "insufficient permissions" in res["msg"]


def test_lock_of_another_job_is_waited_out(emulated):
    cid = cluster(emulated)["id"]
    emulated.lock_cluster(cid, seconds=40)
    res = run_cloud(emulated, mod, **base())
    assert res["changed"] and res["log_export"]["status"] == "ENABLED"


@pytest.mark.parametrize("credentials, status", [(False, "ENABLE_FAILED"), (True, "CREDENTIALS_ERROR")])
def test_failed_job_fails_the_task_and_is_sent_again(emulated, credentials, status):
    cid = cluster(emulated)["id"]
    emulated.cloud_control("POST", "/clusters/%s/export/fail" % cid, {"target": "log", "credentials": credentials})
    res = run_cloud(emulated, mod, **base())
    assert res.failed and "ended in %s" % status in res["msg"]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, **base())
    assert res["changed"] and res["log_export"]["status"] == "ENABLED" and len(writes(emulated)) == 1


def test_azure_shared_key_is_write_only(emulated):
    cid = cluster(emulated, provider="AZURE", region="eastus2")["id"]
    args = dict(cluster="logs-azure", type="AZURE_LOG_ANALYTICS", log_name="crdb", auth_principal="workspace-1",
                azure_shared_key=AZ_KEY)
    res = run_cloud(emulated, mod, secrets=[AZ_KEY], **args)
    assert res["changed"] and "azure_shared_key" not in res["log_export"]["spec"]
    emulated.clear_requests()
    assert not run_cloud(emulated, mod, secrets=[AZ_KEY], **args)["changed"] and writes(emulated) == []
    res = run_cloud(emulated, mod, secrets=[AZ_KEY], update_credentials="always", **args)
    assert res["changed"] and writes(emulated) == [("POST", "/api/v1/clusters/%s/logexport" % cid)]
    logged = [e for e in emulated.requests(api="cloud") if e["method"] == "POST"]
    assert AZ_KEY not in str(logged)


@pytest.mark.parametrize("args, fragment", [
    (dict(log_name=None), "log_name is required with state=present"),
    (dict(type="AZURE_LOG_ANALYTICS"), "azure_shared_key is required with type=AZURE_LOG_ANALYTICS"),
    (dict(azure_shared_key="zzz-unused-key"), "azure_shared_key is only used with type=AZURE_LOG_ANALYTICS"),
    (dict(auth_principal="my-project"), "auth_principal must be the ARN"),
    (dict(type="GCP_CLOUD_LOGGING", aws_external_id="x", auth_principal="p"), "aws_external_id is only used"),
    (dict(groups=[{"log_name": "a", "channels": ["OPS"]}, {"log_name": "a", "channels": ["DEV"]}]),
     "log_name a appears more than once"),
    (dict(groups=[{"log_name": "a", "channels": []}]), "groups[0].channels must name"),
    (dict(iam_propagation_timeout=-1), "iam_propagation_timeout must be"),
    (dict(groups=[{"channels": ["OPS"]}]), "log_name"),
])
def test_bad_input_before_any_request(emulated, args, fragment):
    cluster(emulated)
    res = run_cloud(emulated, mod, **base(**args))
    assert res.failed and fragment in res["msg"], res["msg"]
    assert emulated.paths(api="cloud") == []


def test_type_of_another_cloud_is_refused_by_the_api_without_a_change(emulated):
    cid = cluster(emulated)["id"]
    res = run_cloud(emulated, mod, **base(type="GCP_CLOUD_LOGGING", auth_principal="my-project"))
    assert res.failed and "use AWS_CLOUDWATCH" in res["msg"] and log_state(emulated, cid) is None
