#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_connection_info
short_description: Connection strings, hosts and the CA certificate of a CockroachDB Cloud cluster
version_added: 0.2.0
description:
  - Reads what a client needs to connect to a cluster, ready for a template. It returns the connection string from
    C(GET /api/v1/clusters/{id}/connection-string) (for O(database), O(sql_user) and O(os)), one entry per region
    with that region's SQL host and the same connection string pointed at it, and the cluster's CA certificate.
  - The CA certificate is not part of the Cloud API. It is downloaded from C(<api_url>/clusters/{id}/cert), the
    address the Cloud Console's connect dialog and the Terraform provider's C(cockroach_cluster_cert) use (it needs
    no API key). A certificate is public material; it is returned as PEM text to write where the connection
    string's C(sslrootcert) expects it (see RV(sslrootcert)). BASIC and STANDARD clusters are served by a publicly
    trusted CA; the file is still offered for clients without a system trust store.
  - The API gives no password; the connection string carries the API's placeholder for it. Put the password in
    with a template from a vaulted variable, never in this module's options.
  - Waits for a cluster that is still being created to be C(CREATED) first. Sends only reads
    (C(GET /api/v1/clusters) or C(GET /api/v1/clusters/{id}), the connection string, the certificate).
options:
  database:
    description:
      - Database the connection string names.
    type: str
    default: defaultdb
  sql_user:
    description:
      - SQL user the connection string names. Without it the string has no user.
    type: str
  os:
    description:
      - Operating system of the client, which sets the C(sslrootcert) path of the connection string of an ADVANCED
        cluster (the API requires it for those). Ignored by the API for BASIC and STANDARD clusters.
    type: str
    choices: [MAC, LINUX, WINDOWS]
    default: LINUX
  ca_cert:
    description:
      - Download the cluster's CA certificate (one more request). V(false) leaves RV(ca_cert) V(null).
    type: bool
    default: true
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud_child
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Connection details of the production cluster
  cockroachdb.cockroachdb.cloud_connection_info:
    cluster: shop-prod
    sql_user: app
    database: shop
  register: crdb_conn

- name: The CA certificate where the connection string expects it
  ansible.builtin.copy:
    content: "{{ crdb_conn.ca_cert }}"
    dest: "/etc/app/{{ crdb_conn.cluster_name }}-ca.crt"
    mode: "0644"

- name: Application configuration, one DSN per region
  ansible.builtin.template:
    src: app.conf.j2  # {% for r in crdb_conn.regions %}{{ r.name }} = {{ r.connection_string }}{% endfor %}
    dest: /etc/app/app.conf
    mode: "0640"
"""

RETURN = r"""
cluster_id:
  description: Id of the cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
cluster_name:
  description: Name of the cluster.
  returned: always
  type: str
  sample: shop-prod
plan:
  description: BASIC, STANDARD or ADVANCED.
  returned: always
  type: str
  sample: ADVANCED
connection_string:
  description:
    - The connection string as the API gives it (its host is the cluster's, see RV(regions) for each region's).
  returned: always
  type: str
  sample: postgresql://app:ENTER-SQL-USER-PASSWORD@shop-prod-7xk2.gcp.cockroachlabs.cloud:26257/shop?sslmode=verify-full&sslrootcert=/certs/shop-prod-ca.crt
params:
  description: The parts of RV(connection_string).
  returned: always
  type: dict
  contains:
    host:
      description: SQL host.
      type: str
      sample: shop-prod-7xk2.gcp-us-east1.cockroachlabs.cloud
    port:
      description: SQL port (a string, as the API gives it).
      type: str
      sample: '26257'
    database:
      description: Database.
      type: str
      sample: shop
    username:
      description: SQL user, V(null) without O(sql_user).
      type: str
      sample: app
sslrootcert:
  description: The CA certificate path the connection string expects, V(null) when it names none (BASIC, STANDARD).
  returned: always
  type: str
  sample: $HOME/.postgresql/shop-prod-ca.crt
regions:
  description: One entry per region of the cluster, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Region name.
      type: str
      sample: us-east1
    primary:
      description: Whether this is the cluster's primary region (BASIC and STANDARD multi-region clusters).
      type: bool
      sample: false
    host:
      description: The region's SQL host.
      type: str
      sample: shop-prod-7xk2.gcp-us-east1.cockroachlabs.cloud
    port:
      description: SQL port.
      type: str
      sample: '26257'
    connection_string:
      description: RV(connection_string) pointed at this region's host.
      type: str
      sample: postgresql://app:ENTER-SQL-USER-PASSWORD@shop-prod-7xk2.gcp-us-east1.cockroachlabs.cloud:26257/shop?sslmode=verify-full
    private_endpoint_host:
      description: The region's host for private endpoint connections, V(null) when the API gives none.
      type: str
      sample: shop-prod-7xk2.gcp-us-east1.crdb.io
    internal_host:
      description: The region's internal (VPC peering) host, V(null) when the API gives none.
      type: str
      sample: internal-shop-prod-7xk2.gcp-us-east1.cockroachlabs.cloud
    ui_host:
      description: The region's DB Console host, V(null) when the API gives none.
      type: str
      sample: admin-shop-prod-7xk2.gcp-us-east1.cockroachlabs.cloud
ca_cert:
  description: The cluster's CA certificate (PEM), V(null) with O(ca_cert=false).
  returned: always
  type: str
  sample: "-----BEGIN CERTIFICATE-----\nMIIDJTCCAg2gAwIBAgIQ...\n-----END CERTIFICATE-----\n"
ca_cert_url:
  description: Where the certificate comes from, V(null) with O(ca_cert=false).
  returned: always
  type: str
  sample: https://cockroachlabs.cloud/clusters/6baa9455-e3e7-4682-8209-4cac629f6fbe/cert
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_replication import ReplicationApi, connection_info


def validate(params):
    errors = child_option_errors(params)
    if not (params.get("database") or "").strip():
        errors.append("database must not be empty (the API's default is defaultdb)")
    if params.get("sql_user") is not None and not params["sql_user"].strip():
        errors.append("sql_user must not be empty; leave it out for a connection string without a user")
    return errors


def run(m):
    p = m.params
    client = m.client
    target = ClusterTarget(client, p["cluster"], p["wait_timeout"])
    answer = client.get_connection_string(target.id, database=p["database"], sql_user=p.get("sql_user"), os=p["os"])
    cert = url = None
    if p["ca_cert"]:
        cert = client.get_cluster_ca_cert(target.id)
        url = client.cluster_ca_cert_url(target.id)
    result = connection_info(target.cluster, answer, ca_cert=cert, ca_cert_url=url)
    result["changed"] = False
    return result


def main():
    m = CloudModule(client_mixins=(ReplicationApi,), argument_spec=dict(
        CHILD_ARGSPEC,
        database=dict(type="str", default="defaultdb"),
        sql_user=dict(type="str"),
        os=dict(type="str", choices=["MAC", "LINUX", "WINDOWS"], default="LINUX"),
        ca_cert=dict(type="bool", default=True),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
