# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_cluster_changes: the pure decisions of cloud_cluster / cloud_spend_limit (desired vs current -> changes)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cloud_cluster_changes as spec

BASE = dict(name=None, id=None, state="present", plan=None, provider=None, regions=None, primary_region=None,
            usage_limits=None, upgrade_type=None, with_empty_ip_allowlist=None, region_nodes=None, hardware=None,
            network_visibility=None, cidr_range=None, cockroach_version=None, upgrade_action=None,
            delete_protection=None, labels=None, wait=True, wait_timeout=3600, spend_limit=None,
            api_version="2024-09-16")


def params(**kw):
    out = dict(BASE)
    out.update(kw)
    return out


def basic(**kw):
    c = {"id": "c1", "name": "shop-dev", "plan": "BASIC", "cloud_provider": "GCP", "state": "CREATED",
         "cockroach_version": "v24.3.5", "upgrade_status": "FINALIZED", "delete_protection": "DISABLED",
         "labels": {"team": "shop"}, "network_visibility": "PUBLIC", "cidr_range": "",
         "config": {"serverless": {"routing_id": "r", "upgrade_type": "AUTOMATIC",
                                   "usage_limits": {"request_unit_limit": "1000", "storage_mib_limit": "50"}}},
         "regions": [{"name": "us-central1", "node_count": 0, "primary": True}]}
    c.update(kw)
    return c


def advanced(**kw):
    c = {"id": "c2", "name": "shop-prod", "plan": "ADVANCED", "cloud_provider": "GCP", "state": "CREATED",
         "cockroach_version": "v24.1.14", "upgrade_status": "UPGRADE_AVAILABLE", "delete_protection": "ENABLED",
         "labels": {}, "network_visibility": "PUBLIC", "cidr_range": "172.28.0.0/14",
         "config": {"dedicated": {"machine_type": "n2-standard-4", "num_virtual_cpus": 4, "storage_gib": 35,
                                  "memory_gib": 16.0, "disk_iops": 0}},
         "regions": [{"name": "us-east1", "node_count": 3, "primary": False}]}
    c.update(kw)
    return c


def test_same_options_no_changes():
    p = params(name="shop-dev", plan="BASIC", provider="GCP", regions=["us-central1"],
               usage_limits={"request_unit_limit": 1000, "storage_mib_limit": 50, "provisioned_virtual_cpus": None},
               labels={"team": "shop"}, delete_protection=False, upgrade_type="AUTOMATIC")
    assert spec.cluster_changes(p, basic()) == {}
    p = params(name="shop-prod", plan="ADVANCED", provider="GCP", region_nodes={"us-east1": "3"},
               hardware={"num_virtual_cpus": 4, "storage_gib": 35, "machine_type": None, "disk_iops": None},
               cockroach_version="v24.1", delete_protection=True, network_visibility="PUBLIC",
               cidr_range="172.28.0.0/14")
    assert spec.cluster_changes(p, advanced()) == {}


def test_only_differences_in_one_edit():
    p = params(name="shop-dev", usage_limits={"request_unit_limit": 2000, "storage_mib_limit": 50},
               labels={"team": "shop", "env": "dev"}, regions=["us-central1", "us-east1"], primary_region="us-east1")
    assert spec.cluster_changes(p, basic()) == {"edit": {
        "labels": {"team": "shop", "env": "dev"},
        "serverless": {"regions": ["us-central1", "us-east1"], "primary_region": "us-east1",
                       "usage_limits": {"request_unit_limit": "2000", "storage_mib_limit": "50"}}}}


def test_dedicated_scale_and_version_are_separate_requests():
    p = params(name="shop-prod", region_nodes={"us-east1": 5}, hardware={"num_virtual_cpus": 8, "storage_gib": 35},
               cockroach_version="v24.3", upgrade_action="finalize")
    assert spec.cluster_changes(p, advanced()) == {
        "edit": {"dedicated": {"region_nodes": {"us-east1": 5},
                               "hardware": {"machine_spec": {"num_virtual_cpus": 8}}}},
        "version": [{"cockroach_version": "v24.3"}, {"upgrade_status": "FINALIZED"}]}
    predicted = spec.predict_updated(advanced(), spec.cluster_changes(p, advanced()))
    assert predicted["regions"][0]["node_count"] == 5 and predicted["config"]["dedicated"]["num_virtual_cpus"] == 8
    assert predicted["cockroach_version"] == "v24.3" and predicted["upgrade_status"] == "FINALIZED"


@pytest.mark.parametrize("status,action,steps", [
    ("PENDING_FINALIZATION", "finalize", [{"upgrade_status": "FINALIZED"}]),
    ("PENDING_FINALIZATION", "rollback", [{"upgrade_status": "ROLLBACK_RUNNING"}]),
    ("FINALIZED", "finalize", []),
    ("UPGRADE_AVAILABLE", "rollback", []),
])
def test_finalize_and_rollback_are_idempotent(status, action, steps):
    assert spec.version_steps(params(upgrade_action=action), advanced(upgrade_status=status)) == steps


def test_version_compared_on_major():
    assert spec.version_steps(params(cockroach_version="24.1"), advanced()) == []
    assert spec.version_steps(params(cockroach_version="v24.2"), advanced()) == [{"cockroach_version": "v24.2"}]


@pytest.mark.parametrize("p,cluster,option", [
    (params(provider="AWS"), basic(), "provider"),
    (params(plan="ADVANCED"), basic(), "plan"),
    (params(plan="BASIC"), advanced(), "plan"),
    (params(network_visibility="PRIVATE"), advanced(), "network_visibility"),
    (params(cidr_range="10.0.0.0/16"), advanced(), "cidr_range"),
    (params(regions=["us-east1"]), basic(), "regions"),
    (params(id="c1", name="other-name"), basic(), "name"),
    (params(region_nodes={"us-east1": 3}), basic(), "region_nodes"),
    (params(usage_limits={"request_unit_limit": 5}), advanced(), "usage_limits"),
    (params(cockroach_version="v24.2"), basic(), "cockroach_version"),
    (params(cockroach_version="v24.2"), basic(plan="STANDARD"), "upgrade_type"),
    (params(hardware={"storage_gib": 20}), advanced(), "storage_gib"),
])
def test_refusals_name_the_option(p, cluster, option):
    with pytest.raises(ValueError) as exc:
        spec.cluster_changes(p, cluster)
    assert option in str(exc.value)


def test_plan_switch_sends_matching_limits():
    p = params(plan="STANDARD", usage_limits={"provisioned_virtual_cpus": 4})
    assert spec.cluster_changes(p, basic()) == {"edit": {"plan": "STANDARD", "serverless": {
        "usage_limits": {"provisioned_virtual_cpus": "4"}}}}
    with pytest.raises(ValueError, match="provisioned_virtual_cpus"):
        spec.cluster_changes(params(plan="STANDARD"), basic())


@pytest.mark.parametrize("p,needle", [
    (params(name="Bad_Name"), "name"),
    (params(name="abc"), "name"),
    (params(name="shop-dev", plan="ADVANCED", regions=["x"]), "regions"),
    (params(name="shop-dev", plan="BASIC", region_nodes={"x": 3}), "region_nodes"),
    (params(name="shop-dev", usage_limits={"request_unit_limit": -1}), "usage_limits.request_unit_limit"),
    (params(name="shop-dev", plan="BASIC", upgrade_type="MANUAL"), "upgrade_type"),
    (params(name="shop-dev", cockroach_version="24"), "cockroach_version"),
    (params(name="shop-dev", cockroach_version="v24.3", upgrade_action="rollback"), "upgrade_action"),
    (params(name="shop-dev", region_nodes={"us-east1": 0}), "region_nodes.us-east1"),
    (params(name="shop-dev", regions=["a", "b"]), "primary_region"),
    (params(name="shop-dev", hardware={"num_virtual_cpus": -4}), "hardware.num_virtual_cpus"),
    (params(name="shop-dev", wait_timeout=0), "wait_timeout"),
])
def test_validation_messages(p, needle):
    errors = spec.cluster_option_errors(p)
    assert errors and needle in "; ".join(errors)


def test_create_body_and_prediction():
    p = params(name="shop-dev", plan="STANDARD", provider="AWS", regions=["us-east-1"],
               usage_limits={"provisioned_virtual_cpus": 2}, upgrade_type="MANUAL", delete_protection=True,
               labels={"n": 1}, with_empty_ip_allowlist=True)
    assert spec.create_body(p) == {"name": "shop-dev", "provider": "AWS", "spec": {
        "plan": "STANDARD", "delete_protection": "ENABLED", "labels": {"n": "1"},
        "serverless": {"regions": ["us-east-1"], "usage_limits": {"provisioned_virtual_cpus": "2"},
                       "upgrade_type": "MANUAL", "with_empty_ip_allowlist": True}}}
    predicted = spec.predict_created(p)
    assert predicted["state"] == "CREATED" and predicted["regions"][0]["primary"] is True
    p = params(name="shop-prod", plan="ADVANCED", provider="GCP", region_nodes={"us-east1": 3},
               hardware={"machine_type": "n2-standard-4"}, cockroach_version="24.1")
    body = spec.create_body(p)
    assert body["spec"]["dedicated"] == {"region_nodes": {"us-east1": 3}, "cockroach_version": "v24.1",
                                         "hardware": {"machine_spec": {"machine_type": "n2-standard-4"},
                                                      "storage_gib": 0}}


@pytest.mark.parametrize("p,needle", [
    (params(name="shop-dev", plan="BASIC"), "provider"),
    (params(name="shop-dev", provider="GCP"), "plan"),
    (params(name="shop-dev", provider="GCP", plan="BASIC"), "regions"),
    (params(name="shop-dev", provider="GCP", plan="STANDARD", regions=["a"]), "provisioned_virtual_cpus"),
    (params(name="shop-dev", provider="GCP", plan="ADVANCED"), "region_nodes"),
    (params(name="shop-dev", provider="GCP", plan="ADVANCED", region_nodes={"a": 3}), "hardware"),
    (params(id="c9"), "id: no active cluster"),
])
def test_create_needs(p, needle):
    with pytest.raises(ValueError) as exc:
        spec.create_body(p)
    assert needle in str(exc.value)


def test_spend_limit_conversion_matches_reference():
    assert spec.spend_limit_to_usage_limits(2500) == {"request_unit_limit": 100000000, "storage_mib_limit": 10240}
    assert spec.spend_limit_to_usage_limits(1) == {"request_unit_limit": 40000, "storage_mib_limit": 4}
    assert spec.usage_limits_to_spend_limit({"request_unit_limit": "100000000"}) == 2500
    assert spec.usage_limits_to_spend_limit({}) is None


def test_desired_limits_modes():
    mode, want, conv = spec.desired_limits(params(spend_limit=2500), basic(), legacy=False)
    assert mode == "usage_limits" and want == {"request_unit_limit": 100000000, "storage_mib_limit": 10240}
    assert conv == {"spend_limit": 2500, "request_unit_limit": 100000000, "storage_mib_limit": 10240}
    assert spec.desired_limits(params(spend_limit=700), basic(), legacy=True) == ("spend_limit", 700, None)
    mode, want, conv = spec.desired_limits(params(usage_limits={"provisioned_virtual_cpus": 4}),
                                           basic(plan="STANDARD"), legacy=False)
    assert want == {"provisioned_virtual_cpus": 4} and conv is None


@pytest.mark.parametrize("p,cluster,legacy,needle", [
    (params(spend_limit=100), advanced(), False, "ADVANCED"),
    (params(spend_limit=100), basic(plan="STANDARD"), False, "provisioned_virtual_cpus"),
    (params(spend_limit=0), basic(), False, "spend_limit"),
    (params(spend_limit=0), basic(), True, "spend_limit must be greater than 0"),
    (params(spend_limit=100), basic(plan="STANDARD"), True, "STANDARD"),
    (params(usage_limits={"provisioned_virtual_cpus": 5}), basic(), False, "provisioned_virtual_cpus"),
    (params(usage_limits={"request_unit_limit": 5}), basic(plan="STANDARD"), False, "request_unit_limit"),
    (params(usage_limits={}), basic(plan="STANDARD"), False, "provisioned_virtual_cpus"),
])
def test_desired_limits_refusals(p, cluster, legacy, needle):
    with pytest.raises(ValueError) as exc:
        spec.desired_limits(p, cluster, legacy)
    assert needle in str(exc.value)


def test_usage_limits_need_api_2023_04_10():
    want = params(usage_limits={"request_unit_limit": 5}, api_version="2022-09-20")
    with pytest.raises(ValueError, match="api_version 2023-04-10 or later"):
        spec.desired_limits(want, basic(), True, usage_limits_supported=False)
    assert spec.desired_limits(want, basic(), True)[0] == "usage_limits"  # 2023-04-10 has both


def test_limits_view_both_units():
    assert spec.limits_view(basic(), "usage_limits") == {
        "usage_limits": {"request_unit_limit": 1000, "storage_mib_limit": 50}, "spend_limit": 0}
    legacy = basic()
    legacy["config"]["serverless"]["spend_limit"] = 2500
    assert spec.limits_view(legacy, "spend_limit") == {
        "spend_limit": 2500, "usage_limits": {"request_unit_limit": 100000000, "storage_mib_limit": 10240}}


# -- ADVANCED hardware answers that differ from the request (issue 10) -------------------------------------------
@pytest.mark.parametrize("provider, machine_type, vcpus", [
    ("GCP", "n2-standard-4", 4), ("GCP", "n2d-highmem-16", 16), ("AWS", "m6i.large", 2), ("AWS", "m5.xlarge", 4),
    ("AWS", "m6i.8xlarge", 32), ("AZURE", "Standard_D4as_v5", 4), ("AZURE", "Standard_E16s_v5", 16),
    ("GCP", "custom", None), ("AWS", "m5.metal", None), ("AZURE", "Basic_A1", None),
])
def test_machine_type_vcpus_from_the_name(provider, machine_type, vcpus):
    assert spec.machine_type_vcpus(provider, machine_type) == vcpus


@pytest.mark.parametrize("provider, current, vcpus, requested, change", [
    ("GCP", "n2d-standard-4", 4, "n2-standard-4", False),   # swapped by the server: same vCPUs
    ("AWS", "m5.xlarge", 4, "m6i.xlarge", False),
    ("GCP", "n2d-standard-4", 4, "n2-standard-8", True),    # a real resize
    ("AWS", "m5.xlarge", 4, "m6i.2xlarge", True),
    ("GCP", "n2-standard-4", 4, "n2-standard-4", False),
    ("GCP", "n2-standard-4", 4, "my-custom-type", True),    # the name does not tell: compared as a string
])
def test_machine_type_change_is_decided_on_vcpus(provider, current, vcpus, requested, change):
    cluster = advanced(cloud_provider=provider, config={"dedicated": {
        "machine_type": current, "num_virtual_cpus": vcpus, "storage_gib": 35, "memory_gib": 16.0, "disk_iops": 3000}})
    edit = spec.edit_changes(params(hardware={"machine_type": requested}), cluster)
    assert (edit == {"dedicated": {"hardware": {"machine_spec": {"machine_type": requested}}}}) == change
    assert bool(edit) == change


@pytest.mark.parametrize("provider, current, requested, change", [
    ("AWS", 5000, 4321, False),   # rounded up by the server
    ("AWS", 3000, 1200, False),   # the minimum when less was asked for
    ("AWS", 5000, 5000, False),
    ("AWS", 5000, 8000, True),
    ("AWS", 5000, 3000, True),
    ("AWS", 3000, 2500, False),
    ("GCP", 1050, 9000, False),   # GCP and Azure ignore disk_iops
    ("AZURE", 1050, 9000, False),
])
def test_disk_iops_compared_on_aws_only_and_rounding_is_no_change(provider, current, requested, change):
    cluster = advanced(cloud_provider=provider, config={"dedicated": {
        "machine_type": "x", "num_virtual_cpus": 4, "storage_gib": 35, "memory_gib": 16.0, "disk_iops": current}})
    edit = spec.edit_changes(params(hardware={"disk_iops": requested}), cluster)
    assert edit == ({"dedicated": {"hardware": {"disk_iops": requested}}} if change else {})


def test_manual_upgrade_type_checked_against_the_current_plan():
    # no plan option: the cluster's current plan (BASIC) decides, before any write
    with pytest.raises(ValueError, match="upgrade_type MANUAL is not supported on BASIC clusters"):
        spec.cluster_changes(params(upgrade_type="MANUAL"), basic())
    # switching to STANDARD in the same task is fine
    changes = spec.cluster_changes(params(plan="STANDARD", upgrade_type="MANUAL",
                                          usage_limits={"provisioned_virtual_cpus": 2}), basic())
    assert changes["edit"]["serverless"]["upgrade_type"] == "MANUAL"


@pytest.mark.parametrize("version", ["2022-03-31", "2022-09-20", "2023-04-10"])
def test_cluster_refuses_older_api_versions(version):
    errors = spec.cluster_option_errors(params(api_version=version))
    assert len(errors) == 1 and errors[0].startswith("api_version %s is not supported by cloud_cluster" % version)
    assert spec.cluster_option_errors(params(api_version="2024-09-16")) == []


def test_parent_id_create_move_and_prediction():
    p = params(name="shop-dev", plan="BASIC", provider="GCP", regions=["us-central1"], parent_id="f1")
    assert spec.create_body(p)["spec"]["parent_id"] == "f1"
    assert spec.predict_created(p)["parent_id"] == "f1"
    assert "parent_id" not in spec.create_body(params(name="x", plan="BASIC", provider="GCP", regions=["r"]))["spec"]
    assert spec.cluster_changes(params(name="shop-dev", parent_id="root"), basic(parent_id="root")) == {}
    assert spec.cluster_changes(params(name="shop-dev", parent_id="root"), basic()) == {}  # no parent_id shown = root
    changes = spec.cluster_changes(params(name="shop-dev", parent_id="f1"), basic(parent_id="root"))
    assert changes == {"edit": {"parent_id": "f1"}}
    assert spec.predict_updated(basic(parent_id="root"), changes)["parent_id"] == "f1"
