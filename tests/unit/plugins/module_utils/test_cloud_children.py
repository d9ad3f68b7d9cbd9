# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_children: ClusterTarget (the cluster a sub-resource module works on) and its lock handling."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    ClusterTarget,
    child_option_errors,
    is_lock_error,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import ConflictError, ServerError


class FakeClient:
    def __init__(self, state):
        self.state = state
        self.waits = []

    def resolve_cluster(self, name_or_id):
        return {"id": "cid", "name": name_or_id, "state": self.state}

    def wait_for_cluster(self, cluster_id, timeout, wanted, settle):
        self.waits.append((cluster_id, timeout, wanted, settle))
        return {"id": cluster_id, "name": "c", "state": "CREATED"}


def test_created_cluster_costs_no_wait():
    client = FakeClient("CREATED")
    target = ClusterTarget(client, "c", 5)
    assert target.id == "cid"
    assert target.write(lambda: "done") == "done"
    assert client.waits == []


def test_creating_cluster_is_waited_for_before_reads():
    client = FakeClient("CREATING")
    ClusterTarget(client, "c", 7)
    assert client.waits == [("cid", 7, ("CREATED",), False)]


def test_locked_cluster_reads_at_once_and_waits_before_a_write():
    client = FakeClient("LOCKED")
    target = ClusterTarget(client, "c", 7)
    assert client.waits == []
    target.write(lambda: None)
    assert len(client.waits) == 1


def test_a_write_meeting_a_lock_waits_and_retries_once():
    client = FakeClient("CREATED")
    target = ClusterTarget(client, "c", 7)
    calls = []

    def write():
        calls.append(1)
        if len(calls) == 1:
            raise ConflictError("cluster lock is held", status=409)
        return "ok"
    assert target.write(write) == "ok"
    assert len(calls) == 2 and len(client.waits) == 1


def test_other_conflicts_are_not_retried():
    target = ClusterTarget(FakeClient("CREATED"), "c", 7)

    def write():
        raise ConflictError("SQL user app already exists", status=409)
    with pytest.raises(ConflictError):
        target.write(write)
    assert is_lock_error(ServerError("cluster lock is held", status=503))
    assert not is_lock_error(ValueError("lock"))


def test_child_option_errors_name_the_option():
    assert child_option_errors({"cluster": "c", "wait_timeout": 1}) == []
    assert child_option_errors({"cluster": " ", "wait_timeout": 0}) == [
        "cluster must be the name or the id of a cluster", "wait_timeout must be 1 second or more, got 0"]
