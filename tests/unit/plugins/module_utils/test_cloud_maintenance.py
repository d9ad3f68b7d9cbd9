# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_maintenance: durations, timestamps, blackout rules and certificate comparison (pure functions)."""

from datetime import datetime, timezone

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cloud_maintenance as cm
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.maintenance_support import CA_ONE, CA_TWO


@pytest.mark.parametrize("value, seconds", [
    (172800, 172800), ("172800", 172800), ("172800s", 172800), ("2d", 172800), ("48h", 172800),
    ("1d24h", 172800), (" 2D ", 172800), ("6h", 21600), ("90m", 5400), ("1d6h30m", 109800), ("1.5s", 1.5),
    ("21600.000s", 21600), (0, 0), (21600.0, 21600),
])
def test_parse_duration_forms(value, seconds):
    assert cm.parse_duration(value, "offset_duration") == seconds


@pytest.mark.parametrize("value", ["", "abc", "2 days", "1h2d", "-5s", -5, True, None, "1.5h", "s"])
def test_parse_duration_refuses_naming_the_option(value):
    with pytest.raises(ValueError) as err:
        cm.parse_duration(value, "window_duration")
    assert str(err.value).startswith("window_duration")


@pytest.mark.parametrize("seconds, text", [(172800, "172800s"), (1.5, "1.500s"), (0.000001, "0.000001s"),
                                           (2.123456789, "2.123456789s"), (0, "0s")])
def test_format_duration_is_the_api_form(seconds, text):
    assert cm.format_duration(seconds) == text


def test_window_limits():
    assert cm.window_option_errors(0, 21600) == []
    assert cm.window_option_errors(604799, 604799) == []
    assert "offset_duration" in cm.window_option_errors(604800, 21600)[0]
    assert "window_duration" in cm.window_option_errors(0, 21599)[0]
    assert "window_duration" in cm.window_option_errors(0, 604800)[0]


def test_window_view():
    assert cm.window_view({"offset_duration": "172800s", "window_duration": "21600s"}) == {
        "offset_duration": "172800s", "window_duration": "21600s", "offset_seconds": 172800, "window_seconds": 21600,
        "starts": "Wednesday 00:00 UTC"}
    assert cm.window_view({"offset_duration": "109800.000s", "window_duration": "21600s"})["starts"] == "Tuesday 06:30 UTC"
    assert cm.window_view(None) is None


def test_same_deferral():
    assert cm.same_deferral("DEFERRAL_60_DAYS", "FIXED_DEFERRAL")
    assert cm.same_deferral("FIXED_DEFERRAL", "DEFERRAL_60_DAYS")
    assert cm.same_deferral(None, "NOT_DEFERRED")
    assert not cm.same_deferral("DEFERRAL_30_DAYS", "DEFERRAL_60_DAYS")


@pytest.mark.parametrize("text, utc", [
    ("2025-03-15T09:00:00Z", "2025-03-15T09:00:00Z"),
    ("2025-03-15T10:00:00+01:00", "2025-03-15T09:00:00Z"),
    ("2025-03-15t09:00:00.500z", "2025-03-15T09:00:00.5Z"),
    ("2025-03-15 09:00:00Z", "2025-03-15T09:00:00Z"),
])
def test_normalize_time(text, utc):
    assert cm.normalize_time(text) == utc


@pytest.mark.parametrize("text", ["2025-03-15", "2025-02-30T00:00:00Z", "tomorrow", "2025-03-15T09:00:00", None])
def test_parse_time_refuses(text):
    with pytest.raises(ValueError) as err:
        cm.parse_time(text, "windows[2].start_time")
    assert str(err.value).startswith("windows[2].start_time")


def t(text):
    return cm.parse_time(text, "x")


def test_blackout_shape_and_schedule_rules():
    assert cm.blackout_shape_errors(t("2025-03-15T00:00:00Z"), t("2025-03-29T00:00:00Z"), "w") == []
    assert "14 days" in cm.blackout_shape_errors(t("2025-03-15T00:00:00Z"), t("2025-03-29T00:00:01Z"), "w")[0]
    assert "after start_time" in cm.blackout_shape_errors(t("2025-03-15T00:00:00Z"), t("2025-03-15T00:00:00Z"), "w")[0]
    now = datetime(2025, 1, 31, tzinfo=timezone.utc)
    assert cm.blackout_schedule_errors(t("2025-02-07T00:00:00Z"), t("2025-02-08T00:00:00Z"), now, "w") == []
    assert "7 days" in cm.blackout_schedule_errors(t("2025-02-06T23:59:59Z"), t("2025-02-08T00:00:00Z"), now, "w")[0]
    assert cm.blackout_schedule_errors(t("2025-02-06T23:59:59Z"), t("2025-02-08T00:00:00Z"), now, "w",
                                       start_changed=False) == []
    # three calendar months from Jan 31 is Apr 30 (the last day of April)
    assert cm.blackout_schedule_errors(t("2025-04-25T00:00:00Z"), t("2025-04-30T00:00:00Z"), now, "w") == []
    assert "three months" in cm.blackout_schedule_errors(t("2025-04-25T00:00:00Z"), t("2025-04-30T00:00:01Z"), now, "w")[0]


def test_certificates_compare_by_content():
    reflowed = "\r\n\r\n  " + CA_ONE.replace("\n", "\r\n").strip() + "\n\n"
    joined = CA_ONE.split("\n")
    one_line_body = "\n".join([joined[0], "".join(joined[1:-2]), joined[-2]])
    assert cm.same_certificates(CA_ONE, reflowed)
    assert cm.same_certificates(CA_ONE, one_line_body)
    assert not cm.same_certificates(CA_ONE, CA_TWO)
    assert not cm.same_certificates(CA_ONE, CA_ONE + CA_TWO)
    assert not cm.same_certificates(CA_ONE + CA_TWO, CA_TWO + CA_ONE)
    assert not cm.same_certificates(None, CA_ONE)
    assert cm.same_certificates(None, None)
    assert len(cm.fingerprints(CA_ONE + CA_TWO)) == 2 and cm.fingerprints(CA_ONE) != cm.fingerprints(CA_TWO)


@pytest.mark.parametrize("text, fragment", [
    ("hello", "no PEM block"),
    ("-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----", "private key must never"),
    ("x" + CA_ONE, "outside its PEM blocks"),
    ("-----BEGIN CERTIFICATE-----\n$$$\n-----END CERTIFICATE-----", "not valid base64"),
])
def test_pem_certificates_refuses_without_quoting(text, fragment):
    with pytest.raises(ValueError) as err:
        cm.pem_certificates(text)
    assert fragment in str(err.value) and str(err.value).startswith("x509_pem_cert")
    assert "SECRETSECRET" not in str(err.value)
