# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the tests of the maintenance modules: two self-signed test CA certificates (public material; their keys
were thrown away) and an ADVANCED cluster in the emulator."""

import os

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import ready_cluster

# one copy of the certificates for every test tree: the integration target's files
_FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "integration", "targets",
                      "cloud_maintenance", "files")


def _read(name):
    with open(os.path.join(_FILES, name), encoding="ascii") as handle:
        return handle.read()


CA_ONE = _read("ca_one.pem")
CA_TWO = _read("ca_two.pem")

ADVANCED = {"dedicated": {"region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}


def advanced_cluster(emulated, name="shop-prod", ready=True):
    """An ADVANCED cluster (CREATED with ``ready``); the request log is cleared."""
    return ready_cluster(emulated, name, ready=ready, **ADVANCED)


def maint_state(emulated, cluster_id):
    """The emulator's maintenance state of one cluster (window, deferral, blackout windows, client CA)."""
    return emulated.cloud_control("GET", "/clusters/%s/maintenance" % cluster_id)
