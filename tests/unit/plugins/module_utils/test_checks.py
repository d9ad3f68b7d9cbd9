# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure input checks (checks.py) and the redaction of secrets in the forms libraries echo them."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import checks
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import (
    CloudConnection,
    ClusterConnection,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    REDACTED,
    Redactor,
    error_reason,
)


@pytest.mark.parametrize("value,ok", [(float("nan"), False), (float("inf"), False), (1e12, False), (0, False),
                                      (-1.0, False), (0.001, True), (30.0, True), (3600, True), (None, True)])
def test_timeout_range(value, ok):
    errors = checks.number_errors("timeout", value, 0, checks.MAX_TIMEOUT, low_open=True, unit="seconds")
    assert (errors == []) == ok
    assert all(e.startswith("timeout ") and "3600" in e for e in errors)


def test_rate_limit_zero_is_off():
    assert checks.number_errors("rate_limit", 0, 0.1, 1000, zero_ok=True) == []
    assert checks.number_errors("rate_limit", 0.01, 0.1, 1000, zero_ok=True)


def test_non_finite_in_suboptions():
    spec = {"a": {"type": "float"}, "d": {"type": "dict", "options": {"x": {"type": "float"}}},
            "l": {"type": "list", "elements": "dict", "options": {"y": {"type": "float"}}}}
    params = {"a": 1.0, "d": {"x": float("nan")}, "l": [{"y": 2.0}, {"y": float("-inf")}]}
    assert checks.non_finite_errors(spec, params) == ["d.x must be a finite number, got nan",
                                                      "l[1].y must be a finite number, got -inf"]


@pytest.mark.parametrize("url,base", [
    ("https://cockroachlabs.cloud", "https://cockroachlabs.cloud"),
    ("https://cockroachlabs.cloud/", "https://cockroachlabs.cloud"),
    ("https://cockroachlabs.cloud/api/v1", "https://cockroachlabs.cloud"),
    ("https://cockroachlabs.cloud/api/v1/", "https://cockroachlabs.cloud"),
    ("https://proxy.example/cockroach", "https://proxy.example/cockroach"),
    ("https://proxy.example/cockroach/api/v1", "https://proxy.example/cockroach"),
])
def test_cloud_api_url_strips_api_v1(url, base):
    assert checks.cloud_api_url(url, "/api/v1") == ([], base)


@pytest.mark.parametrize("url", ["https://h/api/v1/clusters", "https://h/api", "https://h/api/v2"])
def test_cloud_api_url_refuses_api_paths(url):
    errors, dummy = checks.cloud_api_url(url, "/api/v1")
    assert errors and errors[0].startswith("api_url")


def test_url_messages_never_echo_a_password():
    for url in ("ftp://u:Pa55word@h", "https://u:Pa55word@h:99999", "https://u:Pa55word@h?x#y"):
        errors = CloudConnection({"api_key": "k" * 10, "api_url": url}).errors()
        errors += ClusterConnection({"cluster_url": url, "session": "tok"}).errors()
        assert errors and "Pa55word" not in " ".join(errors)


def test_session_with_control_character_is_refused_without_echo():
    errors = ClusterConnection({"cluster_url": "http://h:8080", "session": "tok\x01en-secret"}).errors()
    assert errors == [e for e in errors if e.startswith("session ")] and errors
    assert "en-secret" not in " ".join(errors)


@pytest.mark.parametrize("labels,bad", [
    ({"team": "shop", "env": "prod-1", "cost_center": ""}, False),
    ({"Team": "x"}, True), ({"team": "X"}, True), ({"team": "a_b"}, True), ({"_a": "b"}, True),
    ({"a" * 63: "b" * 63}, False), ({"a" * 64: "b"}, True), ({"a": "b" * 64}, True),
])
def test_labels(labels, bad):
    assert bool(checks.label_errors(labels)) == bad


@pytest.mark.parametrize("provider,region,ok", [
    ("GCP", "us-central1", True), ("GCP", "northamerica-northeast1", True), ("GCP", "us-east-1", False),
    ("AWS", "us-east-1", True), ("AWS", "us-gov-west-1", True), ("AWS", "us-east1", False),
    ("AZURE", "eastus2", True), ("AZURE", "westeurope", True), ("AZURE", "us-east-1", False),
    (None, "US-EAST1", False), (None, "anything-goes", True),
])
def test_region_shapes(provider, region, ok):
    assert (checks.region_errors("regions", [region], provider) == []) == ok


def test_refuse_foreign_regions_leaves_a_provider_change_to_the_module():
    current = {"cloud_provider": "GCP"}
    checks.refuse_foreign_regions({"provider": "AWS", "regions": ["us-central1"]}, current)  # no raise
    with pytest.raises(ValueError, match=r"regions\[0\] 'us-east-1' is not a GCP region"):
        checks.refuse_foreign_regions({"regions": ["us-east-1"]}, current)


def test_database_case_twin():
    dbs = [{"name": "defaultdb"}, {"name": "App"}]
    assert checks.database_case_conflict(dbs, "app") == "App"
    assert checks.database_case_conflict(dbs, "App") is None
    checks.refuse_database_case_twin(dbs, "app", "present", rename_from="App")  # fixing the case is a rename
    checks.refuse_database_case_twin(dbs, "app", "absent")
    with pytest.raises(ValueError, match="name 'DefaultDB' differs only in case"):
        checks.refuse_database_case_twin(dbs, "DefaultDB")


def test_cidr_range():
    assert checks.cidr_range_errors("cidr_range", "172.28.0.0/14") == []
    assert checks.cidr_range_errors("cidr_range", "10.0.0.0/19") == []
    for bad in ("10.0.0.0/20", "10.0.0.0/33", "10.0.0.1/14", "x/14", "10.0.0.0"):
        assert checks.cidr_range_errors("cidr_range", bad)[0].startswith("cidr_range ")


# -- redaction -----------------------------------------------------------------------------------------------------
def test_redactor_hides_a_password_inside_any_url():
    text = "GET https://svc:S3cr3t%40x@api.example:443/api/v1/clusters failed; also http://u:p@ss@h/x"
    out = Redactor().text(text)
    assert "S3cr3t" not in out and "p@ss" not in out and "ss@h" not in out
    assert "https://svc:%s@api.example:443/api/v1/clusters" % REDACTED in out


def test_redactor_hides_escaped_forms_of_a_secret():
    token = "tok\x01en\nvalue"
    red = Redactor([token])
    for echoed in (repr(token), "%r" % token, token.encode("unicode_escape").decode(), '"tok\\u0001en\\nvalue"',
                   "tok%01en%0Avalue"):
        assert "en" not in red.text("Invalid header value: %s" % echoed).replace("Invalid header value", ""), echoed


def test_error_reason():
    assert error_reason(ValueError("the server at https://h:1 does not speak TLS on this port: use http://")) \
        == "not_tls"
    assert error_reason(ValueError("HTTP 307: Temporary Redirect: the node redirects to https://")) \
        == "https_redirect"
    assert error_reason(ValueError("nothing")) is None


def test_inventory_option_checks():
    assert checks.inventory_option_errors({"vars_prefix": "cockroach_", "group": "cockroachdb",
                                           "group_prefix": "", "hostname": "node_id", "hostname_prefix": "node"}) == []
    errors = checks.inventory_option_errors({"vars_prefix": "1bad-", "group": "my group", "group_prefix": "x-",
                                             "hostname": "node_id", "hostname_prefix": ""})
    assert [e.split()[0] for e in errors] == ["vars_prefix", "group", "group_prefix", "hostname_prefix"]
