# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Upgrade legality (module_utils/upgrade.py): the release calendar, legal next majors, the classification of a
move, the finalization state and the report of cluster_version_info; unit and property tests."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import upgrade


# -- parsing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("tag,series,patch,norm", [
    ("v25.4.1", (25, 4), 1, "v25.4.1"), ("25.4.1", (25, 4), 1, "v25.4.1"), ("v25.4", (25, 4), 0, "v25.4.0"),
    ("v25.4.0-beta.2", (25, 4), 0, "v25.4.0-beta.2"), (" v23.2.10 ", (23, 2), 10, "v23.2.10"),
])
def test_parse_build(tag, series, patch, norm):
    b = upgrade.parse_build(tag)
    assert (b["series"], b["patch"], b["tag"]) == (series, patch, norm)


@pytest.mark.parametrize("tag", ["", None, "latest", "v25", "25.x.1", "v25.4.1.2"])
def test_parse_build_refuses(tag):
    assert upgrade.parse_build(tag) is None


@pytest.mark.parametrize("text,final,frm,to", [
    ("25.2", True, (25, 2), None),
    ("25.2-upgrading-to-25.3-step-004", False, (25, 2), (25, 3)),
    ("24.3-upgrading-to-25.1-step-010", False, (24, 3), (25, 1)),
    ("25.4-upgrading-final-step", False, (25, 4), (26, 1)),
    ("23.1-8", False, (23, 1), (23, 2)),
])
def test_parse_cluster_version(text, final, frm, to):
    assert upgrade.parse_cluster_version(text) == {"final": final, "from": frm, "to": to}


# -- calendar (cockroachdb/docs src/current/_data/versions.csv) ---------------------------------------

@pytest.mark.parametrize("series,kind", [
    ((22, 2), "regular"), ((23, 1), "regular"), ((23, 2), "regular"), ((24, 1), "regular"), ((24, 2), "innovation"),
    ((24, 3), "regular"), ((25, 1), "innovation"), ((25, 2), "regular"), ((25, 3), "innovation"),
    ((25, 4), "regular"), ((26, 1), "innovation"), ((26, 2), "regular"),
])
def test_release_kinds(series, kind):
    assert upgrade.release_kind(series) == kind


@pytest.mark.parametrize("series,nxt", [
    ((22, 2), ["23.1"]), ((23, 2), ["24.1"]), ((24, 1), ["24.2", "24.3"]), ((24, 2), ["24.3"]),
    ((24, 3), ["25.1", "25.2"]), ((25, 1), ["25.2"]), ((25, 2), ["25.3", "25.4"]), ((25, 3), ["25.4"]),
    ((25, 4), ["26.1", "26.2"]),
])
def test_next_versions(series, nxt):
    assert upgrade.next_versions(series) == nxt


# -- classify ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("cv,target,builds,kind,legal", [
    ("25.2", "v25.2.6", ["v25.2.6"] * 3, "same", True),
    ("25.2", "v25.2.8", ["v25.2.6"] * 3, "patch", True),
    ("25.2", "v25.2.3", ["v25.2.6"] * 3, "patch", True),           # patch downgrade within the major
    ("25.2", "v25.4.1", ["v25.2.6"] * 3, "major", True),           # Regular -> next Regular (skips 25.3)
    ("25.2", "v25.3.0", ["v25.2.6"] * 3, "major", True),           # Regular -> next Innovation
    ("25.3", "v25.4.1", ["v25.3.2"] * 3, "major", True),           # Innovation -> next Regular
    ("25.3", "v26.1.0", ["v25.3.2"] * 3, "skip", False),           # Innovation -> next Innovation
    ("25.2", "v26.1.0", ["v25.2.6"] * 3, "skip", False),
    ("23.2", "v24.2.0", ["v23.2.9"] * 3, "skip", False),           # 24.1 is Regular: no skipping it
    ("25.2", "v25.2.6", ["v25.4.1", "v25.4.1", "v25.2.6"], "rollback", True),
    ("25.2", "v25.4.1", ["v25.4.1", "v25.2.6", "v25.2.6"], "major", True),   # resume a roll
    ("25.4", "v25.2.6", ["v25.4.1"] * 3, "downgrade", False),
    ("25.2-upgrading-to-25.3-step-004", "v25.4.1", ["v25.4.1"] * 3, "major", True),
    ("25.2-upgrading-to-25.3-step-004", "v25.2.6", ["v25.4.1"] * 3, "downgrade", False),
])
def test_classify(cv, target, builds, kind, legal):
    out = upgrade.classify(cv, target, builds)
    assert (out["kind"], out["legal"]) == (kind, legal), out
    assert out["reason"] and out["major"] == "%d.%d" % upgrade.parse_build(target)["series"]


def test_skip_reason_says_what_is_legal():
    out = upgrade.classify("25.3", "26.2.0", ["v25.3.1"])
    assert out["version"] == "v26.2.0"
    assert "from an Innovation release only the next Regular release (25.4) is legal" in out["reason"]
    assert "Upgrade through 25.4 first" in out["reason"]


def test_classify_refuses_unreadable_input():
    with pytest.raises(ValueError, match="target version 'latest'"):
        upgrade.classify("25.2", "latest")
    with pytest.raises(ValueError, match="cluster version 'x'"):
        upgrade.classify("x", "v25.2.1")


series_st = st.tuples(st.integers(22, 28), st.integers(1, 4)).filter(
    lambda s: s[1] <= (2 if s[0] < 24 else 3 if s[0] == 24 else 4))


@given(series_st)
def test_property_next_versions_are_newer_and_end_on_a_regular_release(series):
    nxt = [upgrade.parse_series(v) for v in upgrade.next_versions(series)]
    assert nxt and all(n > series for n in nxt)
    assert not upgrade.is_innovation(nxt[-1])
    assert nxt[0] == upgrade.successor(series)
    # the last legal step is the next Regular release, and nothing Regular lies between
    assert all(upgrade.is_innovation(n) for n in nxt[:-1])


@given(series_st, series_st)
def test_property_legal_majors_are_those_whose_binary_can_join(cluster, target):
    """A legal major move is exactly one whose binary's minimum supported version is at or below the cluster."""
    if target <= cluster:
        return
    out = upgrade.classify("%d.%d" % cluster, "v%d.%d.0" % target, ["v%d.%d.0" % cluster])
    assert out["legal"] == (upgrade.min_supported(target) <= cluster)
    assert out["kind"] == ("major" if out["legal"] else "skip")


@given(series_st, series_st, st.integers(0, 20))
def test_property_below_the_cluster_version_is_never_legal(cluster, target, patch):
    if target >= cluster:
        return
    out = upgrade.classify("%d.%d" % cluster, "v%d.%d.%d" % (target + (patch,)), ["v%d.%d.1" % cluster])
    assert out == dict(out, kind="downgrade", legal=False)


# -- finalization and the report ------------------------------------------------------------------------

def nodes(*tags, liveness="live"):
    return [{"node_id": i, "build_tag": t, "version": t[1:5], "liveness": liveness, "extra": 1}
            for i, t in enumerate(tags, 1)]


def test_report_finalized_pending_running():
    rep = upgrade.version_report("25.2", "", "true", nodes("v25.2.6", "v25.2.6"))
    assert rep["finalization"]["state"] == "finalized" and rep["finalization"]["to"] is None
    assert rep["auto_upgrade_enabled"] is True and rep["next_versions"] == ["25.3", "25.4"]
    assert rep["nodes"][0] == {"node_id": 1, "build_tag": "v25.2.6", "version": "25.2", "liveness": "live"}
    assert "target" not in rep
    rep = upgrade.version_report("25.2", "25.2", False, nodes("v25.4.1", "v25.2.6"), target_version="v25.4.1")
    assert rep["finalization"]["state"] == "pending" and rep["finalization"]["to"] == "25.4"
    assert "1 of 2 nodes" in rep["finalization"]["reason"] and rep["builds"] == ["v25.2.6", "v25.4.1"]
    assert rep["target"]["kind"] == "major" and rep["preserve_downgrade_option"] == "25.2"
    rep = upgrade.version_report("25.2", "25.2", True, nodes("v25.4.1", "v25.4.1"))
    assert rep["finalization"]["state"] == "pending" and "not finalized" in rep["finalization"]["reason"]
    job = {"job_id": 1, "status": "running", "description": "Upgrade to 25.3-upgrading-to-25.4-step-002"}
    rep = upgrade.version_report("25.3-upgrading-to-25.4-step-002", "", True, nodes("v25.4.1"), [job])
    assert rep["finalization"] == dict(rep["finalization"], state="running", to="25.4", jobs=[job])
    assert rep["finalization"]["from"] == "25.3"


def test_decommissioned_nodes_do_not_count():
    rows = nodes("v25.4.1", "v25.4.1") + [{"node_id": 3, "build_tag": "v24.3.5", "version": "24.3",
                                           "liveness": "decommissioned"}]
    rep = upgrade.version_report("25.4", "", True, rows)
    assert rep["builds"] == ["v25.4.1"] and rep["finalization"]["state"] == "finalized" and len(rep["nodes"]) == 3
