# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cluster_nodes inventory plugin: groups, host vars, constructed options, cache, errors without secrets."""

import pytest

from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.cockroachdb.cockroachdb.plugins.inventory import cluster_nodes
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import AuthError


def raw_node(nid, region, status=3, tag="v25.4.1"):
    return {"node_id": nid, "address": {"address_field": "10.0.0.%d:26257" % nid},
            "sql_address": {"address_field": "10.0.1.%d:26257" % nid},
            "locality": {"tiers": [{"key": "region", "value": region}, {"key": "zone", "value": region + "-b"}]},
            "ServerVersion": {"major_val": 25, "minor_val": 4}, "build_tag": tag, "liveness_status": status,
            "store_metrics": {str(nid): {"ranges.underreplicated": nid - 1}}}


RAW = [raw_node(3, "europe-west1", 1), raw_node(1, "us-east1"), raw_node(2, "us-east1", 6, "v25.3.0")]


class FakeClient:
    instances = []
    fail = None

    def __init__(self, connection):
        self.connection = connection
        FakeClient.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def list_nodes(self):
        if FakeClient.fail is not None:
            raise FakeClient.fail  # pylint: disable=raising-bad-type
        return RAW


@pytest.fixture
def plugin(monkeypatch, tmp_path):
    FakeClient.instances = []
    FakeClient.fail = None
    monkeypatch.setattr(cluster_nodes.ClusterConnection, "client", lambda self, *a, **kw: FakeClient(self))
    monkeypatch.delenv("COCKROACH_CLUSTER_SESSION", raising=False)
    inv = _load_plugin()
    inv.inventory = InventoryData()
    inv.templar = Templar(loader=DataLoader())

    def parse(config):
        path = tmp_path / "crdb.cluster_nodes.yml"
        lines = ["plugin: cockroachdb.cockroachdb.cluster_nodes"]
        lines += ["%s: %s" % (k, v) for k, v in config.items()]
        path.write_text("\n".join(lines) + "\n")
        assert inv.verify_file(str(path))
        inv.parse(inv.inventory, DataLoader(), str(path), cache=False)
        return inv.inventory
    inv.parse_config = parse
    return inv


def _load_plugin():
    """With the plugin's option definitions registered from its DOCUMENTATION, as the plugin loader does."""
    import yaml
    from ansible.constants import config
    from ansible.plugins.doc_fragments import constructed, inventory_cache
    name = "cockroachdb.cockroachdb.cluster_nodes"
    options = {}
    for text in (constructed.ModuleDocFragment.DOCUMENTATION, inventory_cache.ModuleDocFragment.DOCUMENTATION,
                 cluster_nodes.DOCUMENTATION):
        options.update(yaml.safe_load(text)["options"])
    config.initialize_plugin_configuration_definitions("inventory", name, options)
    plugin = cluster_nodes.InventoryModule()
    plugin._load_name = name
    return plugin


BASE = {"cluster_url": "http://n1:8080", "username": "root", "password": "pw-123456"}


def test_verify_file_name(plugin, tmp_path):
    other = tmp_path / "hosts.yml"
    other.write_text("x: 1\n")
    assert not plugin.verify_file(str(other))


def test_groups_and_hostvars(plugin):
    inv = plugin.parse_config(BASE)
    groups = inv.groups
    assert sorted(h.name for h in groups["cockroachdb"].get_hosts()) == ["node1", "node2", "node3"]
    assert sorted(h.name for h in groups["region_us_east1"].get_hosts()) == ["node1", "node2"]
    assert [h.name for h in groups["zone_europe_west1_b"].get_hosts()] == ["node3"]
    assert [h.name for h in groups["liveness_live"].get_hosts()] == ["node1"]
    assert [h.name for h in groups["liveness_draining"].get_hosts()] == ["node2"]
    assert [h.name for h in groups["liveness_dead"].get_hosts()] == ["node3"]
    assert [h.name for h in groups["version_v25_3_0"].get_hosts()] == ["node2"]
    hv = inv.get_host("node2").vars
    assert hv["cockroach_node_id"] == 2 and hv["cockroach_liveness"] == "draining"
    assert hv["cockroach_locality"] == {"region": "us-east1", "zone": "us-east1-b"}
    assert hv["cockroach_ranges_underreplicated"] == 1
    assert hv["ansible_host"] == "10.0.1.2"


def test_constructed_options_and_liveness_filter(plugin):
    inv = plugin.parse_config(dict(BASE, liveness="[live, draining]", hostname="address",
                                   keyed_groups="[{key: cockroach_locality.region, prefix: dc}]",
                                   groups="{needs_attention: 'cockroach_ranges_underreplicated > 0'}",
                                   compose="{crdb_url: \"'https://' + ansible_host + ':8080'\"}"))
    assert sorted(inv.hosts) == ["10.0.0.1", "10.0.0.2"]
    assert [h.name for h in inv.groups["dc_us_east1"].get_hosts()] == ["10.0.0.1", "10.0.0.2"]
    assert [h.name for h in inv.groups["needs_attention"].get_hosts()] == ["10.0.0.2"]


def test_cache_avoids_second_request(plugin, tmp_path):
    cfg = dict(BASE, cache="true", cache_plugin="jsonfile", cache_connection=str(tmp_path / "cache"))
    plugin.parse_config(cfg)
    plugin.update_cache_if_changed()  # what the inventory manager does after parse()
    assert len(FakeClient.instances) == 1
    path = str(tmp_path / "crdb.cluster_nodes.yml")
    plugin.inventory = InventoryData()
    plugin.parse(plugin.inventory, DataLoader(), path, cache=True)
    assert len(FakeClient.instances) == 1
    assert "node1" in plugin.inventory.hosts


def test_errors_are_clear_and_secret_free(plugin):
    FakeClient.fail = AuthError("login as 'root' failed: the provided credentials did not match; pw-123456", status=401)
    with pytest.raises(AnsibleParserError) as err:
        plugin.parse_config(BASE)
    assert "login as 'root' failed" in str(err.value) and "pw-123456" not in str(err.value)
    with pytest.raises(AnsibleParserError) as err:
        plugin.parse_config(dict(BASE, cluster_url="node1:8080"))
    assert "cluster_url" in str(err.value)
    with pytest.raises(AnsibleParserError) as err:
        plugin.parse_config({"cluster_url": "http://n1:8080"})
    assert "username and password" in str(err.value)
