# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_egress: the family's pure decisions, and EgressApi against the in-process emulator (a resent rule write
keeps its idempotency key, a busy egress configuration is waited out, waits end)."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils import cloud_egress as eg
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.connection import CloudConnection
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    ClientError,
    ConflictError,
    WaitTimeoutError,
)

ADVANCED = {"dedicated": {"region_nodes": {"us-east-1": 3}, "hardware": {"machine_spec": {"num_virtual_cpus": 4}}}}
RULE = {"name": "backups", "type": "FQDN", "destination": "storage.googleapis.com", "description": "GCS", "ports": [443]}


@pytest.mark.parametrize("status, message, busy", [
    (409, "POLICY_UPDATING: the egress traffic policy is being updated", True),
    (409, "egress rule x of cluster c is PENDING_CREATION; retry when it is ACTIVE", True),
    (400, "egress rule x is PENDING_DELETION", True),
    (503, "cluster lock is held", False),
    (409, "an egress rule named x already exists", False),
    (500, "POLICY_UPDATING", False),
])
def test_is_egress_busy(status, message, busy):
    assert eg.is_egress_busy(ConflictError(message, status=status)) is busy


def test_is_egress_busy_needs_an_api_error():
    assert not eg.is_egress_busy(ValueError("POLICY_UPDATING"))


@pytest.mark.parametrize("rtype, dest, expected", [
    ("CIDR", "10.0.0.0/8", "10.0.0.0/8"),
    ("CIDR", " 203.0.113.7/32 ", "203.0.113.7/32"),
    ("FQDN", "Storage.GoogleAPIs.com", "storage.googleapis.com"),
])
def test_check_destination_ok(rtype, dest, expected):
    assert eg.check_destination(rtype, dest, "rules[0].destination") == expected


@pytest.mark.parametrize("rtype, dest, fragment", [
    ("CIDR", "10.0.0.1/8", "host bits"),
    ("CIDR", "10.0.0.0", "prefix length"),
    ("CIDR", "2001:db8::/32", "IPv4"),
    ("FQDN", "https://example.com", "fully qualified"),
    ("FQDN", "*.example.com", "wildcard"),
    ("FQDN", "localhost", "fully qualified"),
    ("FQDN", "", "fully qualified"),
])
def test_check_destination_refuses_naming_the_option(rtype, dest, fragment):
    with pytest.raises(ValueError) as err:
        eg.check_destination(rtype, dest, "rules[2].destination")
    assert str(err.value).startswith("rules[2].destination") and fragment in str(err.value)


def test_check_ports():
    assert eg.check_ports(None, "p") is None
    assert eg.check_ports([443, 80], "p") == [80, 443]
    with pytest.raises(ValueError, match="rules.0..ports: port 0"):
        eg.check_ports([0], "rules[0].ports")
    with pytest.raises(ValueError, match="twice"):
        eg.check_ports([1, 1], "rules[0].ports")


def test_desired_rules():
    got = eg.desired_rules([dict(RULE, ports=[443, 80])], "present")
    assert got == {"backups": {"name": "backups", "type": "FQDN", "destination": "storage.googleapis.com",
                               "description": "GCS", "ports": [80, 443]}}
    assert eg.desired_rules([{"name": "backups"}], "absent")["backups"]["type"] is None
    with pytest.raises(ValueError, match=r"rules\[0\].description is required"):
        eg.desired_rules([dict(RULE, description=None)], "present")
    with pytest.raises(ValueError, match=r"rules\[1\].name backups is listed twice"):
        eg.desired_rules([RULE, RULE], "present")


def test_rule_changes_and_replace():
    current = eg.rule_view(dict(RULE, ports=[80, 443], id="r1", state="ACTIVE"))
    want = eg.desired_rules([dict(RULE, ports=[443, 80])], "present")["backups"]
    assert eg.rule_changes(current, want) == {}
    assert eg.rule_changes(current, dict(want, ports=None)) == {}
    assert eg.rule_changes(current, dict(want, description="new")) == {"description": "new"}
    assert eg.rule_changes(current, dict(want, ports=[])) == {"ports": []}
    assert eg.needs_replace(current, dict(want, ports=[])) and not eg.needs_replace(current, want)
    assert not eg.needs_replace(dict(current, ports=[]), dict(want, ports=[]))


def test_rule_view_defaults():
    view = eg.rule_view({"id": "r", "name": "n", "type": "CIDR", "destination": "10.0.0.0/8", "state": "ACTIVE"})
    assert view["ports"] == [] and view["crl_managed"] is False and view["description"] == ""


def test_endpoint_helpers():
    eps = [{"id": "a", "region": "r", "target_service_identifier": "t", "state": "AVAILABLE"},
           {"id": "b", "region": "r", "target_service_identifier": "t", "state": "DELETING"},
           {"id": "c", "region": "x", "target_service_identifier": "t", "state": "AVAILABLE"}]
    assert [e["id"] for e in eg.endpoint_matching(eps, "r", "t")] == ["a"]
    assert eg.domain_names_equal(["B.example.com", "a.example.com"], ["a.example.com", "b.example.com"])
    assert not eg.domain_names_equal(["a.example.com"], [])
    assert eg.check_domain_names(["A.Example.com"]) == ["a.example.com"]
    with pytest.raises(ValueError, match="domain_names"):
        eg.check_domain_names(["x"])


# -- against the emulator ---------------------------------------------------------------------------------------
@pytest.fixture
def cloud(emulated):
    emulated.cloud_config(rate_limit=0)
    emulated.client = CloudConnection({"api_key": emulated.api_key, "api_url": emulated.cloud_url, "rate_limit": 0}).client()
    cid = emulated.create_cluster("egress-prod", provider="AWS", **ADVANCED)["id"]
    emulated.cloud("POST", "/api/v1/clusters/%s/networking/egress-rules/egress-traffic-policy" % cid, {"allow_all": False})
    emulated.advance(1.01)
    emulated.cid = cid
    emulated.clear_requests()
    return emulated


def user_rules(cloud):
    return [r for r in cloud.cloud_state()["families"]["egress"][cloud.cid]["rules"] if not r["crl_managed"]]


def test_lost_add_answer_is_resent_with_the_same_key(cloud):
    cloud.fault_rules({"kind": "reset_after", "method": "POST",
                       "path": "/api/v1/clusters/%s/networking/egress-rules" % cloud.cid})
    got = cloud.client.add_egress_rule(cloud.cid, RULE, cloud.client.deadline(60))
    assert got["name"] == "backups"
    posts = [e for e in cloud.requests(api="cloud") if e["method"] == "POST"]
    assert len(posts) == 2 and len(user_rules(cloud)) == 1  # the second POST was answered from the key


def test_busy_rules_are_waited_out(cloud):
    client = cloud.client
    client.add_egress_rule(cloud.cid, RULE, client.deadline(60))
    got = client.add_egress_rule(cloud.cid, dict(RULE, name="other", destination="example.com"), client.deadline(60))
    assert got["name"] == "other"
    statuses = [(e["method"], e["status"]) for e in cloud.requests(api="cloud")]
    assert statuses.count(("POST", 400)) == 1 and statuses.count(("POST", 200)) == 2


def test_policy_wait_ends(cloud):
    client = cloud.client
    client.set_egress_traffic_policy(cloud.cid, True, client.deadline(60))
    cloud.cloud_config(egress_seconds=1000)
    client.set_egress_traffic_policy(cloud.cid, False, client.deadline(60))
    with pytest.raises(WaitTimeoutError, match="UPDATING"):
        client.wait_egress_policy(cloud.cid, client.deadline(5))


def test_rules_wait_ends_naming_the_pending_rule(cloud):
    cloud.cloud_config(egress_seconds=1000)
    client = cloud.client
    client.add_egress_rule(cloud.cid, RULE, client.deadline(60))
    with pytest.raises(WaitTimeoutError, match="backups is PENDING_CREATION"):
        client.wait_egress_rules(cloud.cid, client.deadline(5))


def test_delete_carries_an_idempotency_key_and_tolerates_gone(cloud):
    client = cloud.client
    rule = client.add_egress_rule(cloud.cid, RULE, client.deadline(60))
    cloud.advance(1.01)
    got = client.delete_egress_rule(cloud.cid, rule["id"], client.deadline(60))
    assert got["state"] == "PENDING_DELETION"
    delete = [e for e in cloud.requests(api="cloud") if e["method"] == "DELETE"][0]
    assert delete["query"]["idempotency_key"]
    cloud.advance(1.01)
    assert client.delete_egress_rule(cloud.cid, rule["id"], client.deadline(60)) is None


def test_other_errors_are_raised(cloud):
    with pytest.raises(ConflictError, match="already exists"):
        client = cloud.client
        client.add_egress_rule(cloud.cid, dict(RULE, name="crl-managed-telemetry"), client.deadline(60))
    cloud.clear_requests()
    cloud.client.set_egress_traffic_policy(cloud.cid, True, cloud.client.deadline(60))
    cloud.advance(1.01)
    cloud.clear_requests()
    with pytest.raises(ClientError, match="DEFAULT_DENY"):
        cloud.client.add_egress_rule(cloud.cid, RULE, cloud.client.deadline(60))
    assert [e["method"] for e in cloud.requests(api="cloud")] == ["POST"]  # refused once, not resent
