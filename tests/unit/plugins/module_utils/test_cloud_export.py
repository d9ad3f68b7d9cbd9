# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure decisions of the export family (cloud_export.py): IAM errors, credentials dropped, log export and metric
export changes, CMEK keys in use and the keys to send; and the IAM retry loop with a fake clock."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cloud_export as ce
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    AuthError,
    ClientError,
    ConflictError,
    NotFoundError,
    ServerError,
)

ARN = "arn:aws:iam::123456789012:role/x"


@pytest.mark.parametrize("exc, iam", [
    (ClientError("Insufficient permissions to access the KMS key", status=400), True),
    (AuthError("denied", status=403), True),
    (AuthError("unauthenticated", status=401), True),
    (ClientError("couldn't lock cluster", status=400), False),
    (ConflictError("exists", status=409), False),
    (NotFoundError("gone", status=404), False),
    (ServerError("boom", status=500), False),
    (ValueError("x"), False),
])
def test_is_iam_error(exc, iam):
    assert ce.is_iam_error(exc) is iam


def test_without_credentials_at_any_depth():
    obj = {"api_key": "wxyz", "site": "US1", "spec": {"azure_shared_key": "k", "log_name": "a"}, "l": [{"api_key": 1}]}
    assert ce.without_credentials(obj) == {"site": "US1", "spec": {"log_name": "a"}, "l": [{}]}


def log_params(**kw):
    p = dict(type="AWS_CLOUDWATCH", log_name="crdb", auth_principal=ARN, aws_external_id=None, azure_shared_key=None,
             region=None, redact=None, omitted_channels=None, groups=None)
    p.update(kw)
    return p


def test_log_export_changes_compare_the_whole_configuration():
    current = {"status": "ENABLED", "spec": {"type": "AWS_CLOUDWATCH", "log_name": "crdb", "auth_principal": ARN,
                                             "redact": False, "omitted_channels": ["SQL_PERF", "SESSIONS"],
                                             "groups": [{"log_name": "ops", "channels": ["HEALTH", "OPS"],
                                                         "min_level": "UNSPECIFIED"}]}}
    same = log_params(omitted_channels=["SESSIONS", "SQL_PERF"],
                      groups=[{"log_name": "ops", "channels": ["OPS", "HEALTH"], "min_level": None, "redact": None}])
    assert ce.log_export_changes(current, same) == {}
    assert set(ce.log_export_changes(current, log_params())) == {"omitted_channels", "groups"}
    assert ce.log_export_changes(dict(current, status="ENABLE_FAILED"), same) == {"status": "ENABLED"}
    assert ce.log_export_changes(current, dict(same, region="us-east-1")) == {"region": "us-east-1"}


def test_log_export_credentials_only_with_always():
    current = {"status": "ENABLED", "spec": {"type": "AZURE_LOG_ANALYTICS", "log_name": "crdb", "auth_principal": "w"}}
    p = log_params(type="AZURE_LOG_ANALYTICS", auth_principal="w", azure_shared_key="secret")
    assert ce.log_export_changes(current, p) == {}
    assert "azure_shared_key" in ce.log_export_changes(current, p, "always")
    body = ce.log_export_body(p)
    assert body["azure_shared_key"] == "secret" and "azure_shared_key" not in ce.log_export_view(body)


def test_metric_export_changes():
    p = {"site": "US1", "datadog_api_key": "key-abcd"}
    assert ce.metric_export_changes("datadog", {"site": "US1", "api_key": "abcd", "status": "ENABLED"}, p) == {}
    assert "api_key" in ce.metric_export_changes("datadog", {"site": "US1", "api_key": "zzzz"}, p)
    assert "api_key" in ce.metric_export_changes("datadog", {"site": "US1", "api_key": "abcd"}, p, "always")
    assert ce.metric_export_changes("datadog", {"site": "EU1", "api_key": "abcd"}, p) == {"site": "US1"}
    cw = {"role_arn": ARN, "external_id": None, "log_group_name": None, "target_region": "us-east-1"}
    have = {"role_arn": ARN, "target_region": "us-east-1", "status": "ENABLED"}
    assert ce.metric_export_changes("cloudwatch", have, cw) == {}
    assert ce.metric_export_changes("cloudwatch", dict(have, log_group_name="x"), cw) == {"log_group_name": ""}
    assert ce.metric_export_changes("prometheus", {"status": "ERROR"}, {}) == {"status": "ENABLED"}
    assert ce.metric_export_body("prometheus", {}) is None
    assert ce.metric_export_body("cloudwatch", cw) == {"role_arn": ARN, "target_region": "us-east-1"}


def key(uri, status):
    return {"spec": {"type": "AWS_KMS", "uri": uri, "auth_principal": ARN}, "status": status}


def test_cmek_keys_in_use_and_changes():
    info = {"status": "ROTATE_FAILED", "region_infos": [
        {"region": "a", "status": "ENABLED", "key_infos": [key("k2", "ENABLED"), key("k1", "DISABLED")]},
        {"region": "b", "status": "ROTATE_FAILED", "key_infos": [key("k9", "ENABLE_FAILED"), key("k1", "ENABLED")]}]}
    assert {r: k["uri"] for r, k in ce.cmek_current_keys(info).items()} == {"a": "k2", "b": "k1"}
    want = [{"region": "a", "key_spec": key("k2", "")["spec"]}, {"region": "b", "key_spec": key("k9", "")["spec"]}]
    assert ce.cmek_changes(info, want) == [want[1]]
    assert ce.cmek_changes(None, want) == want
    assert ce.cmek_view(info)["regions"]["b"] == {"status": "ROTATE_FAILED", "key_spec": key("k1", "")["spec"]}
    assert ce.cmek_view(None) is None


class FakeClient(ce.ExportApi):
    """Only what write_iam needs: a clock, a sleep and write_unlocked."""

    def __init__(self, answers):
        self.now = 0.0
        self.answers = list(answers)
        self.sent = 0

    def _clock(self):
        return self.now

    def backoff(self, attempt):
        self.now += 10

    def write_unlocked(self, cluster_id, send, deadline, applied=None):
        return send()

    def send(self):
        self.sent += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_write_iam_retries_then_succeeds():
    cl = FakeClient([ClientError("Insufficient", status=400)] * 3 + [{"ok": True}])
    assert cl.write_iam("c", cl.send, deadline=1000, iam_timeout=60) == {"ok": True} and cl.sent == 4


def test_write_iam_gives_up_after_the_timeout():
    cl = FakeClient([AuthError("denied", status=403)] * 100)
    with pytest.raises(AuthError) as info:
        cl.write_iam("c", cl.send, deadline=1000, iam_timeout=30)
    assert "permanent permission problem" in str(info.value) and cl.sent == 4


def test_write_iam_does_not_retry_other_errors():
    cl = FakeClient([NotFoundError("gone", status=404)])
    with pytest.raises(NotFoundError):
        cl.write_iam("c", cl.send, deadline=1000)
    assert cl.sent == 1


class _Answers(ce.ExportApi):
    """Only the read under test: ``_get_or_none`` answers what the server would."""

    def __init__(self, answer):
        self.answer = answer
        self.paths = []

    def _get_or_none(self, path):
        self.paths.append(path)
        return self.answer

    def _export_path(self, cluster_id, what):
        return "/clusters/%s/%s" % (cluster_id, what)


@pytest.mark.parametrize("answer,absent", [
    (None, True),                                                   # 404: what the provider expects
    ({"status": "DISABLED", "region_infos": []}, True),             # a 200 for a cluster that never had CMEK
    ({"status": "ENABLED", "region_infos": [{"region": "us-east1"}]}, False),
    ({"status": "REVOKED", "region_infos": [{"region": "us-east1"}]}, False),
])
def test_cmek_disabled_is_absent(answer, absent):
    api = _Answers(answer)
    assert (api.get_cmek("c1") is None) is absent
    assert api.paths == ["/clusters/c1/cmek"]
