# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: cluster_nodes
short_description: The nodes of a CockroachDB cluster as inventory hosts
version_added: 0.1.0
description:
  - Reads C(GET /api/v2/nodes/) (every page) from one node of a CockroachDB cluster and adds one host per node.
  - Groups every node by its locality tiers (V(region_us_east1), V(zone_us_east1_b), ...), by liveness
    (V(liveness_live), V(liveness_draining), ...) and by build tag (V(version_v25_4_1)), all under the group O(group).
  - Host vars are the node fields of M(cockroachdb.cockroachdb.cluster_nodes_info), prefixed with O(vars_prefix),
    and C(ansible_host) (the host part of the node's SQL address).
  - Supports O(compose), O(groups) and O(keyed_groups) like other constructed inventories, and inventory caching.
  - The inventory file name must end with C(cluster_nodes.yml) or C(cluster_nodes.yaml).
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin.
    required: true
    type: str
    choices: [cockroachdb.cockroachdb.cluster_nodes]
  cluster_url:
    description: Base URL of a node's HTTP port, for example V(https://node1:8080).
    type: str
    required: true
    env:
      - name: COCKROACH_CLUSTER_URL
  username:
    description: SQL user with the C(admin) role or C(VIEWCLUSTERMETADATA).
    type: str
    env:
      - name: COCKROACH_CLUSTER_USER
  password:
    description: Password of O(username). Never shown.
    type: str
    env:
      - name: COCKROACH_CLUSTER_PASSWORD
  session:
    description: An existing session token instead of O(username)/O(password) (no login, no logout). Never shown.
    type: str
    env:
      - name: COCKROACH_CLUSTER_SESSION
  ca_path:
    description: CA certificate (PEM) of the cluster.
    type: path
    env:
      - name: COCKROACH_CLUSTER_CA
  validate_certs:
    description: Verify the node's TLS certificate.
    type: bool
    default: true
  timeout:
    description: Seconds to wait for one answer.
    type: float
    default: 30
  retries:
    description: Extra attempts after a connection error or a 5xx.
    type: int
    default: 3
  hostname:
    description:
      - How hosts are named. V(node_id) gives C(<hostname_prefix><node_id>) (for example V(node1)); V(address) and
        V(sql_address) the host part of the RPC or SQL address.
    type: str
    choices: [node_id, address, sql_address]
    default: node_id
  hostname_prefix:
    description: Prefix of host names when O(hostname=node_id).
    type: str
    default: node
  group:
    description: The group that holds every node.
    type: str
    default: cockroachdb
  group_prefix:
    description: Prefix of the locality, liveness and version groups.
    type: str
    default: ''
  vars_prefix:
    description: Prefix of the host vars made of node fields.
    type: str
    default: cockroach_
  liveness:
    description: Only add nodes with one of these liveness names (empty adds every node).
    type: list
    elements: str
    default: []
notes:
  - Credentials come from the options or the same E(COCKROACH_CLUSTER_*) environment variables as the modules.
"""

EXAMPLES = r"""
# crdb.cluster_nodes.yml
plugin: cockroachdb.cockroachdb.cluster_nodes
cluster_url: https://node1:8080
username: admin
# password from COCKROACH_CLUSTER_PASSWORD
keyed_groups:
  - key: cockroach_locality.region
    prefix: dc
compose:
  ansible_host: cockroach_sql_address.split(':')[0]
groups:
  needs_attention: cockroach_ranges_underreplicated > 0
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /tmp/crdb_inventory_cache
"""

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import checks
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import (
    filter_nodes,
    liveness_filter_errors,
    node_groups,
    node_hostname,
    normalize_node,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import ClusterConnection
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import CockroachError, Redactor


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "cockroachdb.cockroachdb.cluster_nodes"

    def verify_file(self, path):
        if not super().verify_file(path):
            return False
        return path.endswith(("cluster_nodes.yml", "cluster_nodes.yaml"))

    def _fetch_nodes(self):
        connection = ClusterConnection.from_plugin(self)
        redactor = Redactor(connection.secrets)
        try:
            connection.check()
            if connection.insecure_warning:
                self.display.warning("cluster_nodes inventory: %s" % connection.insecure_warning)
            with connection.client() as client:
                return client.list_nodes()
        except (CockroachError, ValueError) as exc:
            message = redactor.text(str(exc))
            hint = connection.hint_for(exc)
            if hint:
                message = "%s. %s" % (message.rstrip("."), hint)
            raise AnsibleParserError("cluster_nodes inventory: %s" % message)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)

        errors = liveness_filter_errors(self.get_option("liveness"))
        errors += checks.inventory_option_errors({name: self.get_option(name) for name in (
            "vars_prefix", "group", "group_prefix", "hostname", "hostname_prefix")})
        if errors:
            raise AnsibleParserError("cluster_nodes inventory: %s" % "; ".join(errors))

        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        raw = None
        if use_cache:
            try:
                raw = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if raw is None:
            raw = self._fetch_nodes()
        if update_cache:
            self._cache[cache_key] = raw
        self._populate(raw)

    def _populate(self, raw):
        nodes = [normalize_node(n) for n in raw or []]
        nodes.sort(key=lambda n: n.get("node_id") or 0)
        nodes = filter_nodes(nodes, liveness=self.get_option("liveness"))
        top = self.get_option("group")
        self.inventory.add_group(top)
        prefix = self.get_option("vars_prefix")
        strict = self.get_option("strict")
        for node in nodes:
            host = node_hostname(node, self.get_option("hostname"), self.get_option("hostname_prefix"))
            self.inventory.add_host(host, group=top)
            for name in node_groups(node, self.get_option("group_prefix")):
                group = self.inventory.add_group(name)
                self.inventory.add_child(top, group)
                self.inventory.add_host(host, group=group)
            hostvars = {prefix + key: value for key, value in node.items()}
            for key, value in hostvars.items():
                self.inventory.set_variable(host, key, value)
            if node.get("sql_address"):
                self.inventory.set_variable(host, "ansible_host", node["sql_address"].rsplit(":", 1)[0])
            self._set_composite_vars(self.get_option("compose"), hostvars, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host, strict=strict)
