# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # Connection options of every Cluster API v2 module.
    DOCUMENTATION = r"""
options:
  cluster_url:
    description:
      - Base URL of a node's DB Console / HTTP port, for example V(https://node1:8080). The module
        appends C(/api/v2/...). No user name, password, query string or fragment.
      - If not set, the value of the E(COCKROACH_CLUSTER_URL) environment variable is used.
    type: str
  username:
    description:
      - SQL user that logs in to the Cluster API. Most endpoints need the C(admin) role or the
        C(VIEWCLUSTERMETADATA) privilege.
      - If not set, the value of the E(COCKROACH_CLUSTER_USER) environment variable is used.
      - Ignored when O(session) is given.
    type: str
  password:
    description:
      - Password of O(username). It is sent as a form body to C(/api/v2/login/) only (again only when a login attempt got no answer).
      - If not set, the value of the E(COCKROACH_CLUSTER_PASSWORD) environment variable is used.
    type: str
  session:
    description:
      - An existing session token (as returned by M(cockroachdb.cockroachdb.cluster_session)), sent in the
        C(X-Cockroach-API-Session) header. With a token the module neither logs in nor logs out.
      - If not set, the value of the E(COCKROACH_CLUSTER_SESSION) environment variable is used.
      - Without a token the module logs in with O(username)/O(password) and logs out before it returns.
    type: str
  ca_path:
    description:
      - Path of the cluster's CA certificate (PEM), used to verify the node's certificate.
      - If not set, the value of the E(COCKROACH_CLUSTER_CA) environment variable is used.
    type: path
  validate_certs:
    description:
      - Verify the TLS certificate of the node. Only set to V(false) for a test cluster; the task then shows
        a warning.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for an answer to one request (the connect timeout is 10 seconds). More than 0, at
        most 3600.
    type: float
    default: 30
  retries:
    description:
      - Extra attempts for reads and for the login after a connection error, a 5xx or a 429, with jittered
        exponential backoff (a login retried after a lost answer may leave one unused session, which expires). 0 to 20.
    type: int
    default: 3
requirements:
  - requests
"""
