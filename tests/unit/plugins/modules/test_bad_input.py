# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bad-input suite of the modules: every case fails with a message naming the option, no traceback, no
secret, no write in the emulator's request log, and no thread or process left behind.

Two tables: the shared connection options crossed with every module (8 Cloud, 12 Cluster), and the cases of
each module's own options. Both run on the in-process emulator (``emulated``), with a BASIC cluster
``shop-dev`` (GCP, us-central1) in place for the Cloud modules that need one.
"""

import importlib
import os
import threading

import pytest

from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.emulated import run_module

PLUGINS = "ansible_collections.cockroachdb.cockroachdb.plugins.modules."
WRITES = ("POST", "PUT", "PATCH", "DELETE")
DROP = object()  # an arg to remove from the base args
SECRET_PW = "Secr3t-Pw-for-bad-input"

# Minimal valid args per module (connection args are added by the test).
CLOUD = {
    "cloud_cluster": {"name": "shop-dev"},
    "cloud_cluster_info": {},
    "cloud_regions_info": {},
    "cloud_audit_log_info": {},
    "cloud_spend_limit": {"cluster": "shop-dev", "spend_limit": 100},
    "cloud_sql_user": {"cluster": "shop-dev", "name": "app", "password": SECRET_PW},
    "cloud_database": {"cluster": "shop-dev", "name": "app"},
    "cloud_allowlist": {"cluster": "shop-dev", "cidr": "10.0.0.0/8"},
}
CLUSTER = {
    "cluster_databases_info": {},
    "cluster_events_info": {},
    "cluster_health": {},
    "cluster_health_info": {},
    "cluster_node_ranges_info": {"node_id": "1"},
    "cluster_nodes_info": {},
    "cluster_range_info": {"range_id": 1},
    "cluster_session": {},
    "cluster_sessions_info": {},
    "cluster_users_info": {},
    "db_grants_info": {"database": "system"},
    "hot_ranges_info": {},
}

# (id, connection args, option named, more of the message or None)
CLOUD_CONNECTION = [
    ("timeout nan", {"timeout": "nan"}, "timeout", "finite"),
    ("timeout inf", {"timeout": "inf"}, "timeout", "finite"),
    ("timeout 1e12", {"timeout": 1e12}, "timeout", "at most 3600"),
    ("timeout 0", {"timeout": 0}, "timeout", "more than 0"),
    ("timeout negative", {"timeout": -5}, "timeout", None),
    ("retries negative", {"retries": -1}, "retries", "between 0 and 20"),
    ("retries absurd", {"retries": 1000000}, "retries", "between 0 and 20"),
    ("rate_limit negative", {"rate_limit": -1}, "rate_limit", "0 (off)"),
    ("rate_limit nan", {"rate_limit": "nan"}, "rate_limit", "finite"),
    ("rate_limit absurd", {"rate_limit": 1e9}, "rate_limit", "and 1000"),
    ("api_url query", {"api_url": "{cloud}?org=1"}, "api_url", "query"),
    ("api_url fragment", {"api_url": "{cloud}#top"}, "api_url", "fragment"),
    ("api_url userinfo", {"api_url": "{cloud_userinfo}"}, "api_url", "password"),
    ("api_url API path", {"api_url": "{cloud}/api/v1/clusters"}, "api_url", "without an API path"),
    ("api_url other API", {"api_url": "{cloud}/api/v2"}, "api_url", "without an API path"),
    ("api_url bad port", {"api_url": "https://cockroachlabs.cloud:99999"}, "api_url", "not a valid URL"),
    ("api_url no host", {"api_url": "https://"}, "api_url", "no host"),
    ("api_url ftp", {"api_url": "ftp://cockroachlabs.cloud"}, "api_url", None),
    ("api_key newline", {"api_key": "{api_key}\n"}, "api_key", "control character"),
    ("api_key space", {"api_key": "Bearer {api_key}"}, "api_key", "space"),
    ("api_key empty", {"api_key": ""}, "api_key", "required"),
    ("api_version", {"api_version": "2021-01-01"}, "api_version", None),
]

CLUSTER_CONNECTION = [
    ("timeout nan", {"timeout": "nan"}, "timeout", "finite"),
    ("timeout 1e12", {"timeout": 1e12}, "timeout", "at most 3600"),
    ("timeout 0", {"timeout": 0}, "timeout", "more than 0"),
    ("retries negative", {"retries": -2}, "retries", "between 0 and 20"),
    ("retries absurd", {"retries": 500}, "retries", "between 0 and 20"),
    ("cluster_url query", {"cluster_url": "{node}?x=1"}, "cluster_url", "query"),
    ("cluster_url fragment", {"cluster_url": "{node}#frag"}, "cluster_url", "fragment"),
    ("cluster_url userinfo", {"cluster_url": "{node_userinfo}"}, "cluster_url", "password"),
    ("cluster_url bad port", {"cluster_url": "http://127.0.0.1:70000"}, "cluster_url", "not a valid URL"),
    ("cluster_url space", {"cluster_url": "http://node 1:8080"}, "cluster_url", "spaces"),
    ("cluster_url API path", {"cluster_url": "{node}/api/v2/"}, "cluster_url", "without /api/v2"),
    ("session control character", {"session": "abc\x01def-token", "username": DROP, "password": DROP},
     "session", "control character"),
    ("session newline", {"session": "abcdef-token\n", "username": DROP, "password": DROP}, "session", "trim"),
]


def _cases(modules, connection):
    return [pytest.param(mod, args, option, text, id="%s: %s" % (mod, case_id))
            for mod in sorted(modules) for case_id, args, option, text in connection]


# (id, module, args on top of the module's base args, option named, more of the message or None)
CLOUD_OWN = [
    # cloud_cluster: labels (the Cloud Console's documented rules)
    ("label key uppercase", "cloud_cluster", {"labels": {"Team": "shop"}}, "labels", "label key"),
    ("label key digit first", "cloud_cluster", {"labels": {"1team": "shop"}}, "labels", "label key"),
    ("label key too long", "cloud_cluster", {"labels": {"k" * 64: "v"}}, "labels", "label key"),
    ("label key with dot", "cloud_cluster", {"labels": {"app.kubernetes": "x"}}, "labels", "label key"),
    ("label value uppercase", "cloud_cluster", {"labels": {"team": "Shop"}}, "labels.team", "label value"),
    ("label value space", "cloud_cluster", {"labels": {"team": "a b"}}, "labels.team", "label value"),
    ("label value too long", "cloud_cluster", {"labels": {"team": "v" * 64}}, "labels.team", "label value"),
    ("label value underscore", "cloud_cluster", {"labels": {"team": "a_b"}}, "labels.team", "label value"),
    ("51 labels", "cloud_cluster", {"labels": dict(("k%d" % i, "v") for i in range(51))}, "labels", "at most 50"),
    # cloud_cluster: regions
    ("region wrong case", "cloud_cluster", {"regions": ["US-CENTRAL1"]}, "regions[0]", "lowercase"),
    ("region with space", "cloud_cluster", {"regions": [" us-central1"]}, "regions[0]", "lowercase"),
    ("duplicate regions", "cloud_cluster", {"regions": ["us-central1", "us-central1"],
                                            "primary_region": "us-central1"}, "regions[1]", "twice"),
    ("empty region", "cloud_cluster", {"regions": [""]}, "regions", None),
    ("AWS region on GCP (create)", "cloud_cluster", {"name": "new-clu", "plan": "BASIC", "provider": "GCP",
                                                     "regions": ["us-east-1"]}, "regions[0]", "AWS"),
    ("GCP region on AWS (create)", "cloud_cluster", {"name": "new-clu", "plan": "BASIC", "provider": "AWS",
                                                     "regions": ["us-central1"]}, "regions[0]", "GCP"),
    ("Azure region on GCP (create)", "cloud_cluster", {"name": "new-clu", "plan": "BASIC", "provider": "GCP",
                                                       "regions": ["eastus2"]}, "regions[0]", "AZURE"),
    ("AWS region added to a GCP cluster", "cloud_cluster", {"regions": ["us-central1", "us-east-1"],
                                                            "primary_region": "us-central1"}, "regions[1]", "AWS"),
    ("primary_region wrong case", "cloud_cluster", {"regions": ["us-central1", "us-east1"],
                                                    "primary_region": "US-EAST1"}, "primary_region", "lowercase"),
    ("region_nodes other provider", "cloud_cluster", {"name": "new-adv", "plan": "ADVANCED", "provider": "AWS",
                                                      "region_nodes": {"us-east1": 3},
                                                      "hardware": {"num_virtual_cpus": 4}},
     "region_nodes.us-east1", "AWS region"),
    ("region_nodes wrong case", "cloud_cluster", {"name": "new-adv", "plan": "ADVANCED", "provider": "GCP",
                                                  "region_nodes": {"US-EAST1": 3},
                                                  "hardware": {"num_virtual_cpus": 4}}, "region_nodes.US-EAST1",
     "lowercase"),
    ("region_nodes int32 overflow", "cloud_cluster", {"name": "new-adv", "plan": "ADVANCED", "provider": "GCP",
                                                      "region_nodes": {"us-east1": 2 ** 40},
                                                      "hardware": {"num_virtual_cpus": 4}},
     "region_nodes.us-east1", None),
    # cloud_cluster: hardware and limits
    ("3 vCPUs", "cloud_cluster", {"name": "new-adv", "plan": "ADVANCED", "provider": "GCP",
                                  "region_nodes": {"us-east1": 3}, "hardware": {"num_virtual_cpus": 3}},
     "hardware.num_virtual_cpus", "one of 2, 4"),
    ("1000 vCPUs", "cloud_cluster", {"name": "new-adv", "plan": "ADVANCED", "provider": "GCP",
                                     "region_nodes": {"us-east1": 3}, "hardware": {"num_virtual_cpus": 1000}},
     "hardware.num_virtual_cpus", None),
    ("storage int32 overflow", "cloud_cluster", {"name": "new-adv", "plan": "ADVANCED", "provider": "AWS",
                                                 "region_nodes": {"us-east-1": 3},
                                                 "hardware": {"num_virtual_cpus": 4, "storage_gib": 2 ** 31}},
     "hardware.storage_gib", None),
    ("disk_iops int32 overflow", "cloud_cluster", {"name": "new-adv", "plan": "ADVANCED", "provider": "AWS",
                                                   "region_nodes": {"us-east-1": 3},
                                                   "hardware": {"num_virtual_cpus": 4, "disk_iops": 2 ** 33}},
     "hardware.disk_iops", None),
    ("absurd provisioned vCPUs", "cloud_cluster", {"plan": "STANDARD",
                                                   "usage_limits": {"provisioned_virtual_cpus": 10 ** 9}},
     "usage_limits.provisioned_virtual_cpus", "between 1 and"),
    ("request units int64 overflow", "cloud_cluster", {"usage_limits": {"request_unit_limit": 2 ** 64}},
     "usage_limits.request_unit_limit", None),
    ("storage limit int64 overflow", "cloud_cluster", {"usage_limits": {"storage_mib_limit": 2 ** 63}},
     "usage_limits.storage_mib_limit", None),
    ("cidr_range /33", "cloud_cluster", {"name": "new-adv", "plan": "ADVANCED", "provider": "GCP",
                                         "region_nodes": {"us-east1": 3}, "hardware": {"num_virtual_cpus": 4},
                                         "cidr_range": "172.28.0.0/33"}, "cidr_range", "0 to 32"),
    ("cidr_range /24 too small", "cloud_cluster", {"name": "new-adv", "plan": "ADVANCED", "provider": "GCP",
                                                   "region_nodes": {"us-east1": 3},
                                                   "hardware": {"num_virtual_cpus": 4},
                                                   "cidr_range": "172.28.0.0/24"}, "cidr_range", "/19"),
    ("cidr_range host bits", "cloud_cluster", {"name": "new-adv", "plan": "ADVANCED", "provider": "GCP",
                                               "region_nodes": {"us-east1": 3}, "hardware": {"num_virtual_cpus": 4},
                                               "cidr_range": "172.28.1.0/14"}, "cidr_range", "host bits"),
    ("cidr_range not a network", "cloud_cluster", {"name": "new-adv", "plan": "ADVANCED", "provider": "GCP",
                                                   "region_nodes": {"us-east1": 3},
                                                   "hardware": {"num_virtual_cpus": 4},
                                                   "cidr_range": "nowhere"}, "cidr_range", None),
    ("wait_timeout absurd", "cloud_cluster", {"labels": {"a": "b"}, "wait_timeout": 2 ** 40}, "wait_timeout", None),
    # cloud_sql_user
    ("SQL user root", "cloud_sql_user", {"name": "root"}, "name", "reserves"),
    ("SQL user ROOT", "cloud_sql_user", {"name": "ROOT"}, "name", "reserves"),
    ("SQL user admin", "cloud_sql_user", {"name": "admin"}, "name", "reserves"),
    ("SQL user public", "cloud_sql_user", {"name": "public"}, "name", "reserves"),
    ("SQL user node", "cloud_sql_user", {"name": "node"}, "name", "reserves"),
    ("1 MiB password", "cloud_sql_user", {"password": "p" * (1 << 20)}, "password", "at most 1024 bytes"),
    ("password with NUL", "cloud_sql_user", {"password": "Secr3t\x00pw"}, "password", "NUL"),
    ("SQL user name with dash first", "cloud_sql_user", {"name": "-app"}, "name", None),
    ("SQL user name too long", "cloud_sql_user", {"name": "u" * 64}, "name", None),
    # cloud_database
    ("database name with NUL", "cloud_database", {"name": "app\x00x"}, "name", "control character"),
    ("database name with newline", "cloud_database", {"name": "app\nx"}, "name", "control character"),
    ("rename_from with NUL", "cloud_database", {"rename_from": "old\x00"}, "rename_from", "control character"),
    ("database differing only in case", "cloud_database", {"name": "DefaultDB"}, "name", "only in case"),
    ("rename onto a case twin", "cloud_database", {"name": "DEFAULTDB", "rename_from": "nothere"}, "name",
     "only in case"),
    ("database name too long", "cloud_database", {"name": "d" * 64}, "name", "63 bytes"),
    # cloud_allowlist
    ("cidr /33", "cloud_allowlist", {"cidr": "10.0.0.0/33"}, "cidr", "between 0 and 32"),
    ("entries cidr /40", "cloud_allowlist", {"cidr": DROP, "entries": [{"cidr": "10.0.0.0/40"}]},
     "entries[0].cidr", None),
    ("cidr host bits", "cloud_allowlist", {"cidr": "10.1.2.3/8"}, "cidr", "did you mean"),
    ("cidr IPv6", "cloud_allowlist", {"cidr": "2001:db8::/32"}, "cidr", "IPv4"),
    ("cidr empty", "cloud_allowlist", {"cidr": ""}, "cidr", None),
    # cloud_spend_limit
    ("spend_limit int32 overflow", "cloud_spend_limit", {"spend_limit": 2 ** 40}, "spend_limit", "US cents"),
    ("spend_limit negative", "cloud_spend_limit", {"spend_limit": -1}, "spend_limit", None),
    ("usage vCPUs absurd", "cloud_spend_limit", {"spend_limit": DROP,
                                                 "usage_limits": {"provisioned_virtual_cpus": 10 ** 12}},
     "usage_limits.provisioned_virtual_cpus", None),
    ("usage RUs int64 overflow", "cloud_spend_limit", {"spend_limit": DROP,
                                                       "usage_limits": {"request_unit_limit": 2 ** 64}},
     "usage_limits.request_unit_limit", None),
    ("usage limit zero", "cloud_spend_limit", {"spend_limit": DROP, "usage_limits": {"storage_mib_limit": 0}},
     "usage_limits.storage_mib_limit", None),
    # cloud_audit_log_info
    ("starting_from not RFC 3339", "cloud_audit_log_info", {"starting_from": "yesterday"}, "starting_from", None),
    ("audit limit 0", "cloud_audit_log_info", {"limit": 0}, "limit", None),
    # child modules: the cluster option
    ("cluster empty", "cloud_database", {"cluster": " "}, "cluster", None),
    ("child wait_timeout 0", "cloud_sql_user", {"wait_timeout": 0}, "wait_timeout", None),
]

CLUSTER_OWN = [
    ("wait_timeout nan", "cluster_health", {"wait": True, "wait_timeout": "nan"}, "wait_timeout", "finite"),
    ("wait_timeout inf", "cluster_health", {"wait": True, "wait_timeout": "inf"}, "wait_timeout", "finite"),
    ("interval nan", "cluster_health", {"wait": True, "interval": "nan"}, "interval", "finite"),
    ("probe_timeout nan", "cluster_health", {"probe_timeout": "nan"}, "probe_timeout", "finite"),
    ("min_free_storage nan", "cluster_health", {"min_free_storage": "nan"}, "min_free_storage", "finite"),
    ("stable_checks 0", "cluster_health", {"stable_checks": 0}, "stable_checks", None),
    ("expected_nodes 0", "cluster_health", {"expected_nodes": 0}, "expected_nodes", None),
    ("wait_safe_timeout nan", "cluster_health_info", {"wait_safe_timeout": "nan"}, "wait_safe_timeout", "finite"),
    ("wait_safe_interval nan", "cluster_health_info", {"wait_safe_interval": "nan"}, "wait_safe_interval",
     "finite"),
    ("node_id 0", "cluster_health_info", {"node_id": 0}, "node_id", None),
    ("min_qps nan", "hot_ranges_info", {"min_qps": "nan"}, "min_qps", "finite"),
    ("hot ranges limit negative", "hot_ranges_info", {"limit": -1}, "limit", None),
    ("events limit negative", "cluster_events_info", {"limit": -3}, "limit", None),
    ("range_id 0", "cluster_range_info", {"range_id": 0}, "range_id", None),
    ("range_ids negative", "cluster_node_ranges_info", {"range_ids": [-1]}, "range_ids", None),
    ("node_ids 0", "cluster_nodes_info", {"node_ids": [0]}, "node_ids", None),
    ("liveness unknown", "cluster_nodes_info", {"liveness": ["sleepy"]}, "sleepy", None),
    ("page_size 0", "cluster_users_info", {"page_size": 0}, "page_size", None),
    ("grants database unroutable", "db_grants_info", {"database": "bad/name"}, "database", None),
    ("table without database", "cluster_databases_info", {"table": "t"}, "database", None),
    ("session absent without token", "cluster_session", {"state": "absent"}, "session", None),
]


def _own(cases):
    return [pytest.param(mod, args, option, text, id="%s: %s" % (mod, case_id))
            for case_id, mod, args, option, text in cases]


def _children():
    """Child processes of this test process (none may be left behind)."""
    me = str(os.getpid())
    found = []
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == me:
            found.append(pid)
    return found


def _resolve(value, emulated):
    if isinstance(value, str) and "{" in value:
        node = emulated.node_url(1)
        return value.format(
            cloud=emulated.cloud_url, node=node, api_key=emulated.api_key,
            cloud_userinfo=emulated.cloud_url.replace("://", "://svc:%s@" % SECRET_PW, 1),
            node_userinfo=node.replace("://", "://root:%s@" % SECRET_PW, 1))
    return value


ANSIBLE_NUL_REFUSAL = "Failed to log to syslog (embedded null character)"


def run_bad(emulated, module_name, base, extra, option, text):
    module = importlib.import_module(PLUGINS + module_name)
    args = dict(base)
    for key, value in extra.items():
        if value is DROP:
            args.pop(key, None)
        else:
            args[key] = _resolve(value, emulated)
    emulated.clear_requests()
    threads, children = set(threading.enumerate()), _children()
    res = run_module(module, args, diff=True)
    assert res.failed, "%s accepted %r: %r" % (module_name, extra, res)
    msg = res["msg"]
    if ANSIBLE_NUL_REFUSAL in msg:
        # ansible-core 2.21 logs the module's arguments to syslog before the module runs and refuses a NUL
        # there itself: still no write and no traceback, but the message is Ansible's, not the module's.
        assert any("\x00" in str(v) for v in extra.values()), msg
    else:
        assert option in msg, msg
        assert text is None or text in msg, msg
    assert "Traceback" not in res.output and "exception" not in res
    for secret in [emulated.api_key, emulated.admin_password, SECRET_PW]:
        assert secret not in res.output
    writes = [(m, p) for m, p in emulated.paths() if m in WRITES and not p.startswith("/api/v2/log")]
    assert writes == [], writes
    assert set(threading.enumerate()) <= threads and _children() == children
    return res


@pytest.fixture
def cloud_ready(emulated):
    emulated.cloud_config(rate_limit=0)
    emulated.create_cluster("shop-dev")
    emulated.clear_requests()
    return emulated


@pytest.mark.parametrize("module_name,extra,option,text", _cases(CLOUD, CLOUD_CONNECTION))
def test_cloud_connection_bad_input(cloud_ready, module_name, extra, option, text):
    run_bad(cloud_ready, module_name, cloud_ready.cloud_args(**CLOUD[module_name]), extra, option, text)


@pytest.mark.parametrize("module_name,extra,option,text", _cases(CLUSTER, CLUSTER_CONNECTION))
def test_cluster_connection_bad_input(emulated, module_name, extra, option, text):
    res = run_bad(emulated, module_name, dict(emulated.cluster_args(), **CLUSTER[module_name]), extra, option, text)
    assert emulated.paths() == []  # refused before the first request, login included


@pytest.mark.parametrize("module_name,extra,option,text", _own(CLOUD_OWN))
def test_cloud_module_bad_input(cloud_ready, module_name, extra, option, text):
    run_bad(cloud_ready, module_name, cloud_ready.cloud_args(**CLOUD[module_name]), extra, option, text)


@pytest.mark.parametrize("module_name,extra,option,text", _own(CLUSTER_OWN))
def test_cluster_module_bad_input(emulated, module_name, extra, option, text):
    run_bad(emulated, module_name, dict(emulated.cluster_args(), **CLUSTER[module_name]), extra, option, text)


def test_case_count():
    """The figure of the report: cases of this file (the integration targets add theirs)."""
    total = (len(CLOUD) * len(CLOUD_CONNECTION) + len(CLUSTER) * len(CLUSTER_CONNECTION)
             + len(CLOUD_OWN) + len(CLUSTER_OWN))
    print("bad-input unit cases: %d" % total)
    assert total >= 150


# -- URL and TLS mistakes that only the server's answer reveals -------------------------------------------------
def test_https_on_a_plain_http_port_names_the_url_option(emulated):
    url = emulated.node_url(1).replace("http://", "https://")
    res = run_bad(emulated, "cluster_nodes_info", emulated.cluster_args(cluster_url=url, retries=0), {},
                  "cluster_url", "does not speak TLS on this port")
    assert "use http:// or the TLS port" in res["msg"] and "ca_path" not in res["msg"]


def test_https_on_a_plain_cloud_port_names_api_url(cloud_ready):
    url = cloud_ready.cloud_url.replace("http://", "https://")
    res = run_bad(cloud_ready, "cloud_cluster_info", cloud_ready.cloud_args(api_url=url, retries=0), {},
                  "api_url", "does not speak TLS on this port")
    assert "CA" not in res["msg"]


def test_http_to_a_tls_node_hints_https(emulated_factory):
    emulated = emulated_factory(nodes=1, tls=True)
    url = emulated.node_url(1).replace("https://", "http://")
    res = run_bad(emulated, "cluster_nodes_info", emulated.cluster_args(cluster_url=url), {},
                  "cluster_url", "redirects to https://")
    assert res["status"] == 307 and "use https:// in cluster_url" in res["msg"].lower()


def test_api_url_with_api_v1_is_stripped(cloud_ready):
    """``https://server/api/v1`` is what the Cloud docs print as the base URL: accepted, never doubled."""
    for suffix in ("/api/v1", "/api/v1/"):
        cloud_ready.clear_requests()
        res = run_module(importlib.import_module(PLUGINS + "cloud_cluster_info"),
                         cloud_ready.cloud_args(api_url=cloud_ready.cloud_url + suffix, name="shop-dev"))
        assert not res.failed, res.get("msg")
        assert all(not p.startswith("/api/v1/api/v1") for m, p in cloud_ready.paths(api="cloud"))
        assert cloud_ready.paths(api="cloud")


def test_password_in_url_is_hidden_from_the_whole_result(emulated):
    url = emulated.node_url(1).replace("://", "://root:%s@" % SECRET_PW, 1)
    res = run_bad(emulated, "cluster_nodes_info", emulated.cluster_args(cluster_url=url), {}, "cluster_url", None)
    assert SECRET_PW not in res.output


# -- validate_certs: false -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("module_name", ["cloud_cluster_info", "cluster_nodes_info"])
def test_validate_certs_false_warns_once(cloud_ready, module_name, monkeypatch):
    from ansible.module_utils.basic import AnsibleModule

    seen = []
    original = AnsibleModule.warn

    def warn(self, warning, *args, **kwargs):
        seen.append(warning)
        return original(self, warning, *args, **kwargs)

    monkeypatch.setattr(AnsibleModule, "warn", warn)
    module = importlib.import_module(PLUGINS + module_name)
    args = (cloud_ready.cloud_args(validate_certs=False) if module_name.startswith("cloud")
            else cloud_ready.cluster_args(validate_certs=False))
    res = run_module(module, args)
    assert not res.failed, res.get("msg")
    warnings = [w for w in seen if "validate_certs" in w]
    assert len(warnings) == 1 and "impersonate" in warnings[0], seen
    seen[:] = []
    res = run_module(module, dict(args, validate_certs=True))
    assert not res.failed and not [w for w in seen if "validate_certs" in w]
