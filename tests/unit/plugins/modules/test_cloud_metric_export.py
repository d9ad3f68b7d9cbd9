# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_metric_export against the in-process emulator: each type's ladder (create, no-op reads only, update,
check mode without writes, delete), the wait through ENABLING/DISABLING and the cluster lock, failures, the
Datadog key never in any output, and bad input refused before any request."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_metric_export as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    ready_cluster,
    run_cloud,
    writes,
)

ARN = "arn:aws:iam::123456789012:role/crdb-metrics"
DD_KEY = "dd-0123456789abcdef-SECRET-wxyz"
DEDICATED = {"dedicated": {"region_nodes": {"us-east-1": 3},
                           "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}


def aws_cluster(emulated):
    emulated.cloud_control("POST", "/export/config", {"export_seconds": 5, "iam_seconds": 0})
    return ready_cluster(emulated, name="metrics-aws", provider="AWS", **DEDICATED)


def export_state(emulated, cid):
    return next(c for c in emulated.cloud_state()["families"]["export"]["clusters"] if c["cluster_id"] == cid)


def args_of(base, **changes):
    out = dict(base)
    out.update(changes)
    return out


def test_datadog_ladder(emulated):
    cid = aws_cluster(emulated)["id"]
    base = dict(cluster="metrics-aws", type="datadog", site="US1", datadog_api_key=DD_KEY)
    res = run_cloud(emulated, mod, check=True, secrets=[DD_KEY], **base)
    assert res["changed"] and res["metric_export"]["site"] == "US1" and writes(emulated) == []
    res = run_cloud(emulated, mod, secrets=[DD_KEY], **base)
    assert res["changed"] and res["metric_export"]["status"] == "ENABLED"
    assert "api_key" not in res["metric_export"] and DD_KEY[-4:] not in str(res["metric_export"])
    assert writes(emulated) == [("POST", "/api/v1/clusters/%s/metricexport/datadog" % cid)]
    assert export_state(emulated, cid)["datadog"]["status"] == "ENABLED"
    emulated.clear_requests()
    res = run_cloud(emulated, mod, secrets=[DD_KEY], **base)
    assert not res["changed"] and writes(emulated) == []
    assert reads(emulated) == ["/api/v1/clusters", "/api/v1/clusters/%s/metricexport/datadog" % cid]
    # always: the key is sent again
    res = run_cloud(emulated, mod, secrets=[DD_KEY], update_credentials="always", **base)
    assert res["changed"] and len(writes(emulated)) == 1
    emulated.clear_requests()
    # a key that does not end as the one the API shows is a change
    res = run_cloud(emulated, mod, secrets=["other-key-1234"], **args_of(base, datadog_api_key="other-key-1234"))
    assert res["changed"] and len(writes(emulated)) == 1
    emulated.clear_requests()
    # update the site (check mode first)
    res = run_cloud(emulated, mod, check=True, **args_of(base, site="EU1", datadog_api_key="other-key-1234"))
    assert res["changed"] and res["diff"]["before"]["site"] == "US1" and writes(emulated) == []
    res = run_cloud(emulated, mod, **args_of(base, site="EU1", datadog_api_key="other-key-1234"))
    assert res["changed"] and res["metric_export"]["site"] == "EU1"
    emulated.clear_requests()
    # delete: waits through DISABLING
    res = run_cloud(emulated, mod, check=True, cluster="metrics-aws", type="datadog", state="absent")
    assert res["changed"] and writes(emulated) == []
    res = run_cloud(emulated, mod, cluster="metrics-aws", type="datadog", state="absent")
    assert res["changed"] and res["metric_export"] is None
    assert writes(emulated) == [("DELETE", "/api/v1/clusters/%s/metricexport/datadog" % cid)]
    assert export_state(emulated, cid)["datadog"] is None
    res = run_cloud(emulated, mod, cluster="metrics-aws", type="datadog", state="absent")
    assert not res["changed"]


def test_cloudwatch_and_prometheus(emulated):
    cid = aws_cluster(emulated)["id"]
    cw = dict(cluster=cid, type="cloudwatch", role_arn=ARN, target_region="us-east-1", log_group_name="crdb")
    res = run_cloud(emulated, mod, **cw)
    assert res["changed"] and res["metric_export"]["role_arn"] == ARN
    emulated.clear_requests()
    assert not run_cloud(emulated, mod, **cw)["changed"] and writes(emulated) == []
    res = run_cloud(emulated, mod, **args_of(cw, log_group_name=None))
    assert res["changed"] and "log_group_name" not in res["metric_export"]
    res = run_cloud(emulated, mod, cluster=cid, type="prometheus")
    assert res["changed"] and list(res["metric_export"]["targets"]) == ["us-east-1"]
    emulated.clear_requests()
    assert not run_cloud(emulated, mod, cluster=cid, type="prometheus")["changed"]
    assert len(reads(emulated)) == 2 and writes(emulated) == []


def test_waits_for_the_lock_of_another_job_and_reports_failure(emulated):
    cid = aws_cluster(emulated)["id"]
    emulated.lock_cluster(cid, seconds=30)
    res = run_cloud(emulated, mod, cluster=cid, type="prometheus")
    assert res["changed"] and res["metric_export"]["status"] == "ENABLED"
    emulated.cloud_control("POST", "/clusters/%s/export/fail" % cid, {"target": "datadog"})
    res = run_cloud(emulated, mod, secrets=[DD_KEY], cluster=cid, type="datadog", site="US1", datadog_api_key=DD_KEY)
    assert res.failed and "ended in ERROR" in res["msg"]
    # a failed export is sent again by the next run
    emulated.clear_requests()
    res = run_cloud(emulated, mod, secrets=[DD_KEY], cluster=cid, type="datadog", site="US1", datadog_api_key=DD_KEY)
    assert res["changed"] and res["metric_export"]["status"] == "ENABLED" and len(writes(emulated)) == 1


def test_wait_timeout_names_the_state(emulated):
    cid = aws_cluster(emulated)["id"]
    emulated.cloud_control("POST", "/export/config", {"export_seconds": 500})
    res = run_cloud(emulated, mod, cluster=cid, type="prometheus", wait_timeout=60)
    assert res.failed and "still ENABLING" in res["msg"]


def test_no_wait_returns_enabling(emulated):
    cid = aws_cluster(emulated)["id"]
    res = run_cloud(emulated, mod, cluster=cid, type="prometheus", wait=False)
    assert res["changed"] and res["metric_export"]["status"] == "ENABLING"


@pytest.mark.parametrize("args, fragment", [
    (dict(type="datadog", site="US1"), "datadog_api_key is required with type=datadog"),
    (dict(type="cloudwatch"), "role_arn is required with type=cloudwatch"),
    (dict(type="prometheus", role_arn=ARN), "role_arn is an option of type=cloudwatch"),
    (dict(type="cloudwatch", role_arn=ARN, site="US1"), "site is an option of type=datadog"),
    (dict(type="cloudwatch", role_arn="crdb-role"), "role_arn must be the ARN"),
    (dict(type="prometheus", cluster=" "), "cluster must be the name or the id"),
])
def test_bad_input_before_any_request(emulated, args, fragment):
    aws_cluster(emulated)
    res = run_cloud(emulated, mod, **dict(dict(cluster="metrics-aws"), **args))
    assert res.failed and fragment in res["msg"]
    assert emulated.paths(api="cloud") == []


def test_api_refusal_names_the_problem(emulated):
    ready_cluster(emulated, name="basic-one")
    res = run_cloud(emulated, mod, cluster="basic-one", type="prometheus")
    assert res.failed and "BASIC" in res["msg"] and "Traceback" not in str(res)


def test_prometheus_not_deployed_is_absent(emulated):
    """The real GET of a Prometheus export that is not configured answers 200 status NOT_DEPLOYED, not 404
    (terraform-provider-cockroach metric_export_prometheus_config_resource.go Read): that is "absent"."""
    cid = aws_cluster(emulated)["id"]
    res = run_cloud(emulated, mod, cluster=cid, type="prometheus", state="absent")
    assert not res["changed"] and res["metric_export"] is None
    res = run_cloud(emulated, mod, cluster=cid, type="prometheus", check=True)
    assert res["changed"] and res["diff"]["before"] == {}
    res = run_cloud(emulated, mod, cluster=cid, type="prometheus")
    assert res["changed"] and res["metric_export"]["status"] == "ENABLED"
    res = run_cloud(emulated, mod, cluster=cid, type="prometheus", state="absent")
    assert res["changed"] and res["metric_export"] is None
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster=cid, type="prometheus", state="absent")
    assert not res["changed"] and writes(emulated) == []
