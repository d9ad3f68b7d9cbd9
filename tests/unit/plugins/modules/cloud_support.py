# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the Cloud module tests add to the shared fixtures (``emulated``, ``run_module``): one call that runs a
Cloud module against the in-process emulator and checks that no secret and no traceback was printed, and the
emulator's request log as (method, path) reads and writes."""

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def run_cloud(emulated, module, check=False, secrets=(), **args):
    """Run ``module`` with the emulator's key and URL plus ``args`` (diff mode on); the result."""
    res = run_module(module, emulated.cloud_args(**args), check=check, diff=True)
    for secret in list(emulated.secrets()) + list(secrets):
        assert secret not in res.output
    assert "Traceback" not in res.output
    return res


def writes(emulated):
    """(method, path) of every Cloud API write since the log was last cleared."""
    return [(m, p) for m, p in emulated.paths(api="cloud") if m in WRITES]


def reads(emulated):
    """Paths of every Cloud API read since the log was last cleared."""
    return [p for m, p in emulated.paths(api="cloud") if m == "GET"]


def ready_cluster(emulated, name="shop-dev", ready=True, **spec):
    """A cluster (BASIC unless ``spec`` says otherwise; CREATED with ``ready``); the request log is cleared.

    The emulator's rate limit is turned off first, so that request counts stay exact: the requests that
    arrange a test would otherwise count in the same one-second window as the module's.
    """
    emulated.cloud_config(rate_limit=0)
    cluster = emulated.create_cluster(name, ready=ready, **spec)
    emulated.clear_requests()
    return cluster


def child(emulated, cluster_id):
    """The emulator's raw state of a cluster's users (with password_version), databases and allowlist."""
    return next(c for c in emulated.cloud_state()["clusters"] if c["id"] == cluster_id)["_emulator"]
