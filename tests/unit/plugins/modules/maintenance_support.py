# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by the tests of the maintenance modules: two self-signed test CA certificates (public material; their keys
were thrown away) and an ADVANCED cluster in the emulator."""

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import ready_cluster

CA_ONE = """-----BEGIN CERTIFICATE-----
MIIDDTCCAfWgAwIBAgIUDLjrzE0OONeb2nCiuB5cPZ8XE2swDQYJKoZIhvcNAQEL
BQAwFjEUMBIGA1UEAwwLdGVzdC1jYS1vbmUwHhcNMjYxMjAxMDMwODE5WhcNMzYx
MTI4MDMwODE5WjAWMRQwEgYDVQQDDAt0ZXN0LWNhLW9uZTCCASIwDQYJKoZIhvcN
AQEBBQADggEPADCCAQoCggEBALO5EF0VX/kWHyCbCMSE+3nKQKM1k6X8FHq0dDRw
nEhQcLV0M+uJHKQ107QRJw52Fan4x+N7EoHVJIML/buw/TkPK8GEr89oea2yBWmW
ZZc5UmOUZpyEMZC663aKY9aOthZZ0IyHRaEMU/Q2XH5xFNZl6Es/ikpJ2CdWwkZo
hirKuu5whzd/x9gogSJS4wrF6IP3oXceXqdjKfHYUv7KT65+1WN4jtWBTvAWa+A9
Su2p7XmUDQsV+5c41Xsv3dHJz6Z68hM4ZID+mPD61J+R1Y0hx9/GIwrvteufPzlI
F5O6YTgtdHX+5Hmle/Dqa+L205zmn5YkjBuaPaqDiuSAsnECAwEAAaNTMFEwHQYD
VR0OBBYEFGbnEOirRBGSR1okYRzcVjQKqTOYMB8GA1UdIwQYMBaAFGbnEOirRBGS
R1okYRzcVjQKqTOYMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEB
AABVZ9Nl6XdJYZqD8OT7MU795jz3GhEedrDiIy93pZXAgO4vUfmgBuZLIAm5QNhB
O7r8JUO8XX3mtjtQU5pLZIpBEPZT/grf2MewD8EaBEF2l5Vs4JHIkWDUF4vdjRWN
HGO1pAPjkCeUEM4gr0L/dZMwbPgKWpFHUe11n6bErAS8kNAYoGgKp3dwVUUbbG5+
DGD1OROe0GCfmc+8scHGe52dQKXih+/p0YKbbq8BPJHnMNpBEnl/wPuRg2ExLU5M
K+HA1Eb62O4awjajinAR7vZ2eFsDgdDpTiRZdEdodPxTR/7rG9FMlL1FWNKqFBuz
nnVNwnU/T5lzhiqnPa/4pWA=
-----END CERTIFICATE-----
"""

CA_TWO = """-----BEGIN CERTIFICATE-----
MIIBgTCCASegAwIBAgIUbamlSAf7E9KXGnnzINcpc/tO1kAwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLdGVzdC1jYS10d28wHhcNMjYxMjAxMDMwODE5WhcNMzYxMTI4
MDMwODE5WjAWMRQwEgYDVQQDDAt0ZXN0LWNhLXR3bzBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABJNhjsv9cj6QEE7ED3tZYSd3yQWX/TfPqO3EYqzXrUkS5gAqZR72
qUVPQU7Xdo4uBl3EZdXP0apATwQUks1IP6yjUzBRMB0GA1UdDgQWBBTMwyZWpp6S
M63nTf39ZTz95+ACQjAfBgNVHSMEGDAWgBTMwyZWpp6SM63nTf39ZTz95+ACQjAP
BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQDZnK7WDF61H60wV/oC
XXCEjXjSnQnl9L6gJ+tmkOBIKQIgLSAfOIhGZGqBiio1UmKwWrTX9UpsfjK54z56
8+Z2hhI=
-----END CERTIFICATE-----
"""

ADVANCED = {"dedicated": {"region_nodes": {"us-central1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}


def advanced_cluster(emulated, name="shop-prod", ready=True):
    """An ADVANCED cluster (CREATED with ``ready``); the request log is cleared."""
    return ready_cluster(emulated, name, ready=ready, **ADVANCED)


def maint_state(emulated, cluster_id):
    """The emulator's maintenance state of one cluster (window, deferral, blackout windows, client CA)."""
    return emulated.cloud_control("GET", "/clusters/%s/maintenance" % cluster_id)
