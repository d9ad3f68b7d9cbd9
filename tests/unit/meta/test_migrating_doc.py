# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/migrating-from-terraform.md: every resource and data source of the Terraform provider is listed beside
a module that exists, and the worked example uses existing modules with options
they document. (The integration target cloud_access runs the worked example itself.)"""

import os
import re

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DOC = os.path.join(ROOT, "docs", "migrating-from-terraform.md")

# internal/provider/provider.go of cockroachdb/terraform-provider-cockroach v1.22.0: Resources() and DataSources()
TF_RESOURCES = [
    "cluster", "physical_replication_stream", "sql_user", "allow_list", "private_endpoint_services",
    "private_endpoint_connection", "private_endpoint_trusted_owner", "cmek", "database", "finalize_version_upgrade",
    "log_export_config", "metric_export_datadog_config", "metric_export_cloudwatch_config",
    "metric_export_prometheus_config", "client_ca_cert", "user_role_grants", "user_role_grant", "maintenance_window",
    "version_deferral", "folder", "jwt_issuer", "service_account", "api_key", "restore", "egress_private_endpoint",
    "egress_private_endpoint_domain_names", "blackout_window", "egress_rule", "egress_traffic_policy",
]
TF_DATA_SOURCES = ["cluster", "cluster_cert", "connection_string", "folder", "organization", "person_user", "backups",
                   "restores", "blackout_windows"]


def doc():
    with open(DOC) as handle:
        return handle.read()


def table_rows(text, heading):
    section = text.split("## " + heading, 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"^\| `(cockroach_[a-z_]+)` \| (.*?) \|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def existing_modules():
    folder = os.path.join(ROOT, "plugins", "modules")
    return {f[:-3] for f in os.listdir(folder) if f.endswith(".py")}


def check_rows(rows):
    problems = []
    modules = existing_modules()
    for name, cell in rows.items():
        named = re.findall(r"`(cloud_[a-z_]+)`", cell)
        if not named:
            problems.append("%s: no module named" % name)
        for module in named:
            if module not in modules:
                problems.append("%s: %s is not a module" % (name, module))
    return problems


def test_every_resource_and_data_source_is_listed():
    text = doc()
    resources = table_rows(text, "Resources")
    data_sources = table_rows(text, "Data sources")
    assert sorted(resources) == sorted("cockroach_" + r for r in TF_RESOURCES)
    assert sorted(data_sources) == sorted("cockroach_" + d for d in TF_DATA_SOURCES)
    assert check_rows(resources) + check_rows(data_sources) == []


def module_options(name):
    with open(os.path.join(ROOT, "plugins", "modules", name + ".py")) as handle:
        source = handle.read()
    text = re.search(r'DOCUMENTATION = r"""(.*?)"""', source, re.S).group(1)
    block = re.search(r"^options:\n(.*?)^(?=[a-z_]+:)", text, re.S | re.M).group(1)
    names = re.findall(r"^  ([a-z_]+):$", block, re.M)
    aliases = re.findall(r"^    aliases: \[(.*?)\]$", block, re.M)
    return set(names) | {a.strip() for group in aliases for a in group.split(",")}


def test_worked_example_uses_existing_modules_and_documented_options():
    m = re.search(r"<!-- worked-example:start -->\s*```yaml\n(.*?)```\s*<!-- worked-example:end -->", doc(), re.S)
    assert m, "the worked example markers are missing"
    tasks = yaml.safe_load(m.group(1))
    used = []
    for task in tasks:
        fqcn = [k for k in task if k.startswith("cockroachdb.cockroachdb.")]
        assert len(fqcn) == 1, task
        module = fqcn[0].split(".")[-1]
        used.append(module)
        options = module_options(module)
        unknown = set(task[fqcn[0]]) - options
        assert not unknown, (module, unknown)
    # folder + cluster + service account + key + grant
    assert used == ["cloud_folder", "cloud_cluster", "cloud_service_account", "cloud_api_key", "cloud_role_grants"]
