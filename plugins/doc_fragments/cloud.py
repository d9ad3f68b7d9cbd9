# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # Connection options of every Cloud API module.
    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - "Secret key of a CockroachDB Cloud service account, sent as C(Authorization: Bearer <key>)."
      - If not set, the value of the E(COCKROACH_API_KEY) environment variable is used.
      - It never appears in results, messages or logs.
    type: str
  api_url:
    description:
      - Base URL of the Cloud API, without C(/api/v1) (a trailing C(/api/v1) is removed; another API path is
        refused). No user name, password, query string or fragment.
      - If not set, the value of the E(COCKROACH_SERVER) environment variable is used, then the default.
      - Point it at the bundled emulator (C(python -m emulator)) to test playbooks without an account.
    type: str
    default: https://cockroachlabs.cloud
  api_version:
    description:
      - Value of the C(Cc-Version) header, which selects the date-versioned API behaviour.
      - C(2022-03-31) enables the legacy spend limit of M(cockroachdb.cockroachdb.cloud_spend_limit).
    type: str
    default: '2024-09-16'
    choices: ['2022-03-31', '2022-09-20', '2023-04-10', '2024-09-16']
  validate_certs:
    description:
      - Verify the TLS certificate of the server. Only set to V(false) for a test server; the task then shows
        a warning.
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM CA bundle used to verify the server certificate instead of the system store.
    type: path
  timeout:
    description:
      - Seconds to wait for an answer to one request (the connect timeout is 10 seconds). More than 0, at
        most 3600.
    type: float
    default: 30
  retries:
    description:
      - Extra attempts for reads and idempotent writes after a connection error, a 5xx or a 429,
        with jittered exponential backoff that honours C(Retry-After). Creates are never retried
        blindly; the module looks for the object first. 0 to 20.
    type: int
    default: 4
  rate_limit:
    description:
      - Maximum requests per second this task sends (the Cloud API allows 10 per second per key).
        V(0) disables the client-side throttle; otherwise 0.1 to 1000.
    type: float
    default: 10
notes:
  - The modules talk to the Cloud API over HTTPS with the C(requests) library.
requirements:
  - requests
"""
