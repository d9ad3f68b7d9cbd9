# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cluster_nodes inventory plugin against the in-process emulator: groups, host vars, constructed options, cache,
errors without secrets."""

import pytest

from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.cockroachdb.cockroachdb.plugins.inventory import cluster_nodes


def shape(emulated):
    """Node 1 live in us-east1, node 2 draining in us-east1 on another build, node 3 dead in europe-west1."""
    for nid, region, liveness, tag in ((1, "us-east1", None, None), (2, "us-east1", 6, "v25.3.0"),
                                       (3, "europe-west1", 1, None)):
        fields = {"locality": {"region": region, "zone": region + "-b"},
                  "stores": {str(nid): {"ranges.underreplicated": nid - 1}}}
        if liveness is not None:
            fields["liveness_status"] = liveness
        if tag:
            fields["build_tag"] = tag
        emulated.patch_node(nid, fields)
    emulated.advance(10)  # one status interval: every node writes its record (locality, build, store metrics) again
    emulated.clear_requests()


@pytest.fixture
def plugin(emulated, tmp_path):
    shape(emulated)
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


def base(emulated):
    return {"cluster_url": emulated.node_url(1), "username": emulated.admin_user, "password": emulated.admin_password}


def node_reads(emulated):
    return [p for p in emulated.paths() if p == ("GET", "/api/v2/nodes/")]


def test_verify_file_name(plugin, tmp_path):
    other = tmp_path / "hosts.yml"
    other.write_text("x: 1\n")
    assert not plugin.verify_file(str(other))


def test_groups_and_hostvars(plugin, emulated):
    inv = plugin.parse_config(base(emulated))
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
    assert hv["ansible_host"] == "127.0.0.1"
    # every page of the node list, one login and one logout
    assert emulated.paths() == [("POST", "/api/v2/login/"), ("GET", "/api/v2/nodes/"), ("POST", "/api/v2/logout/")]


def test_constructed_options_and_liveness_filter(plugin, emulated):
    inv = plugin.parse_config(dict(base(emulated), liveness="[live, draining]",
                                   keyed_groups="[{key: cockroach_locality.region, prefix: dc}]",
                                   groups="{needs_attention: 'cockroach_ranges_underreplicated > 0'}",
                                   compose="{crdb_url: \"'https://' + cockroach_sql_address.split(':')[0] + ':8080'\"}"))
    assert sorted(inv.hosts) == ["node1", "node2"]
    assert [h.name for h in inv.groups["dc_us_east1"].get_hosts()] == ["node1", "node2"]
    assert [h.name for h in inv.groups["needs_attention"].get_hosts()] == ["node2"]
    assert inv.get_host("node1").vars["crdb_url"] == "https://127.0.0.1:8080"


def test_hostname_from_the_sql_address(plugin, emulated):
    inv = plugin.parse_config(dict(base(emulated), liveness="[live]", hostname="sql_address"))
    assert sorted(inv.hosts) == ["127.0.0.1"]


def test_cache_avoids_second_request(plugin, emulated, tmp_path):
    cfg = dict(base(emulated), cache="true", cache_plugin="jsonfile", cache_connection=str(tmp_path / "cache"))
    plugin.parse_config(cfg)
    plugin.update_cache_if_changed()  # what the inventory manager does after parse()
    assert len(node_reads(emulated)) == 1
    path = str(tmp_path / "crdb.cluster_nodes.yml")
    plugin.inventory = InventoryData()
    plugin.parse(plugin.inventory, DataLoader(), path, cache=True)
    assert len(node_reads(emulated)) == 1
    assert "node1" in plugin.inventory.hosts


def test_errors_are_clear_and_secret_free(plugin, emulated):
    with pytest.raises(AnsibleParserError) as err:
        plugin.parse_config(dict(base(emulated), password="pw-123456"))
    assert "login as 'root' failed" in str(err.value) and "pw-123456" not in str(err.value)
    emulated.clear_requests()
    with pytest.raises(AnsibleParserError) as err:
        plugin.parse_config(dict(base(emulated), cluster_url="node1:8080"))
    assert "cluster_url" in str(err.value)
    with pytest.raises(AnsibleParserError) as err:
        plugin.parse_config(dict(base(emulated), cluster_url=emulated.node_url(1) + "/api/v2"))
    assert "without /api/v2" in str(err.value)
    with pytest.raises(AnsibleParserError) as err:
        plugin.parse_config({"cluster_url": emulated.node_url(1)})
    assert "username and password" in str(err.value)
    with pytest.raises(AnsibleParserError) as err:
        plugin.parse_config(dict(base(emulated), liveness="[sleepy]"))
    assert "'sleepy' is not a liveness" in str(err.value)
    assert emulated.requests() == []
