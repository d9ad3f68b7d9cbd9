# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_events_info against the in-process emulator: the newest events, by type, info parsed."""

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cluster_events_info
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module

EVENTS = ("GET", "/api/v2/events/")


def test_limit_reads_no_more_pages_than_needed(emulated):
    res = run_module(cluster_events_info, emulated.cluster_args(limit=5, page_size=2))
    assert not res.failed and len(res["events"]) == 5
    assert all(isinstance(e["info"], dict) for e in res["events"])
    assert emulated.paths().count(EVENTS) == 3


def test_whole_log_of_one_type(emulated):
    everything = run_module(cluster_events_info, emulated.cluster_args(limit=0))
    kind = everything["events"][0]["event_type"]
    typed = run_module(cluster_events_info, emulated.cluster_args(limit=0, type=kind))
    assert typed["events"] and {e["event_type"] for e in typed["events"]} == {kind}
    assert len(typed["events"]) == len([e for e in everything["events"] if e["event_type"] == kind])


def test_bad_input_no_request(emulated):
    res = run_module(cluster_events_info, emulated.cluster_args(limit=-1, page_size=0))
    assert res.failed and "limit must be 0" in res["msg"] and "page_size" in res["msg"]
    assert emulated.requests() == []
