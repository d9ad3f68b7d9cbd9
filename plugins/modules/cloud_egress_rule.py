#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_egress_rule
short_description: Egress rules of a CockroachDB Cloud cluster
version_added: 0.1.0
description:
  - Adds, edits and removes the egress rules of a CockroachDB Cloud ADVANCED cluster through the Cloud API
    (C(/api/v1/clusters/{id}/networking/egress-rules)), the destinations (a domain name or an IPv4 network, and
    optionally ports) a cluster whose egress traffic policy is C(DEFAULT_DENY) may reach.
  - Rules are identified by their O(rules[].name); with O(purge=true) the rules of the cluster that are not listed are
    removed, so O(rules) becomes the whole set. Rules managed by CockroachDB Cloud (C(crl_managed)) are never
    changed or removed, and cannot be named in O(rules).
  - Adding a rule needs the policy C(DEFAULT_DENY) (set it with M(cockroachdb.cockroachdb.cloud_egress_traffic_policy));
    a run that would add a rule to a cluster with another policy fails before any write.
  - After a write a rule is C(PENDING_CREATION), C(PENDING_UPDATE) or C(PENDING_DELETION) for a while and the API
    refuses other rule writes meanwhile; the module waits for each write to settle before the next one and, with
    O(wait=true), for all of them before it returns (at most O(wait_timeout) seconds in all).
  - The API cannot clear the ports of a rule by editing it; a rule whose ports must become empty is removed and added
    again (it is listed in RV(updated)).
  - The deprecated C(paths) field is ignored by the API and is not offered.
options:
  rules:
    description:
      - The rules. With O(state=absent) only their names matter.
      - V([]) with O(purge=true) removes every rule that CockroachDB Cloud does not manage.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the rule, unique in the cluster; it cannot be changed.
        type: str
        required: true
      type:
        description: How O(rules[].destination) is written. Required with O(state=present).
        type: str
        choices: [FQDN, CIDR]
      destination:
        description:
          - A fully qualified domain name such as V(storage.googleapis.com) (O(rules[].type=FQDN)) or an IPv4 network
            such as V(203.0.113.0/24) (O(rules[].type=CIDR)). Required with O(state=present).
        type: str
      description:
        description: What the rule is for (the API requires one). Required with O(state=present).
        type: str
      ports:
        description:
          - TCP ports allowed (1-65535); not set leaves the ports of an existing rule as they are, V([]) means every
            port.
        type: list
        elements: int
  purge:
    description:
      - With O(state=present), remove the rules of the cluster that are not listed (except those CockroachDB Cloud
        manages).
    type: bool
    default: false
  state:
    description:
      - V(present) adds or edits the rules, V(absent) removes them.
      - With V(absent), a cluster that no longer exists is fine; its rules went with it.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until no rule of the cluster is pending before returning (writes always wait for the previous one).
    type: bool
    default: true
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud_child
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the rules before and after, keyed by name.
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Default-deny egress
  cockroachdb.cockroachdb.cloud_egress_traffic_policy:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    egress_traffic_policy: DEFAULT_DENY

- name: Exactly these destinations
  cockroachdb.cockroachdb.cloud_egress_rule:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    rules:
      - name: backups
        type: FQDN
        destination: storage.googleapis.com
        description: backup bucket
        ports: [443]
      - name: kafka
        type: CIDR
        destination: 10.20.0.0/16
        description: changefeed sink
    purge: true

- name: Remove a rule
  cockroachdb.cockroachdb.cloud_egress_rule:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    rules:
      - name: kafka
    state: absent
"""

RETURN = r"""
rules:
  description: Every rule of the cluster after the run (predicted in check mode), sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the rule (V(null) for a rule that check mode would add).
      type: str
      sample: 35c4abb2-bb66-46d7-afed-25ebef5ed2aa
    name:
      description: Name of the rule.
      type: str
      sample: backups
    type:
      description: V(FQDN) or V(CIDR).
      type: str
      sample: FQDN
    destination:
      description: Domain name or IPv4 network.
      type: str
      sample: storage.googleapis.com
    description:
      description: What the rule is for.
      type: str
      sample: backup bucket
    ports:
      description: Allowed TCP ports, sorted; empty means every port.
      type: list
      elements: int
      sample: [443]
    state:
      description: C(ACTIVE), or a C(PENDING_*) state with O(wait=false).
      type: str
      sample: ACTIVE
    crl_managed:
      description: Whether CockroachDB Cloud manages the rule.
      type: bool
      sample: false
    created_at:
      description: When the rule was created.
      type: str
      sample: "2025-01-01T00:00:00Z"
added:
  description: Names of the rules added (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: [backups]
updated:
  description: Names of the rules edited, or removed and added again to clear their ports.
  returned: always
  type: list
  elements: str
  sample: []
removed:
  description: Names of the rules removed.
  returned: always
  type: list
  elements: str
  sample: [old-sink]
cluster_id:
  description: Id of the cluster; V(null) when O(state=absent) found no cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_egress import (
    RULE_FAILED,
    EgressApi,
    desired_rules,
    needs_replace,
    rule_changes,
    rule_view,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure_set
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import CockroachError


def diff_view(rule):
    return {k: rule.get(k) for k in ("type", "destination", "description", "ports")}


def new_rule(name, desired):
    out = {"id": None, "state": "PENDING_CREATION", "crl_managed": False, "created_at": None}
    out.update(desired)
    out["ports"] = list(desired.get("ports") or [])
    return out


def merge(current, changes):
    out = dict(current)
    out.update(changes)
    return out


def validate(params):
    errors = child_option_errors(params)
    if params.get("purge") and params.get("state") == "absent":
        errors.append("purge only works with state=present")
    try:
        desired_rules(params.get("rules"), params.get("state"))
    except ValueError as exc:
        errors.append(str(exc))
    return errors


def run(m):
    params = m.params
    client = m.client
    desired = desired_rules(params["rules"], params["state"])
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=params["state"] == "absent")
    if target.gone:
        return {"changed": False, "rules": [], "added": [], "updated": [], "removed": [],
                "diff": {"before": {}, "after": {}}, "cluster_id": None}
    deadline = client.deadline(params["wait_timeout"])
    if target.cluster.get("plan") != "ADVANCED":
        raise ValueError("cluster %s is %s; only ADVANCED clusters have egress rules (check the cluster option)"
                         % (target.name, target.cluster.get("plan")))
    rules = [rule_view(r) for r in client.list_egress_rules(target.id)]
    managed = {r["name"]: r for r in rules if r["crl_managed"]}
    for name in desired:
        if name in managed:
            raise ValueError("rules: %s is a rule managed by CockroachDB Cloud; it cannot be changed or removed, "
                             "leave it out of rules" % name)
    # a rule being deleted is as good as gone (adding it again waits for the deletion to finish)
    current = {r["name"]: r for r in rules if not r["crl_managed"] and r["state"] != "PENDING_DELETION"}
    if params["state"] == "present":
        failed = [name for name in desired if name in current and current[name]["state"] in RULE_FAILED]
        if failed:  # never reported as fine: its last change did not happen
            raise CockroachError("egress rule %s of cluster %s is %s: its last change failed; remove it with "
                                 "state=absent, then add it again" % (failed[0], target.name, current[failed[0]]["state"]))
    if params["state"] == "present" and any(name not in current for name in desired):
        policy = target.cluster.get("egress_traffic_policy")
        if policy == "UPDATING":
            policy = client.wait_egress_policy(target.id, deadline).get("egress_traffic_policy")
        if policy != "DEFAULT_DENY":
            raise ValueError("rules: adding an egress rule needs the egress traffic policy DEFAULT_DENY, and cluster "
                             "%s has %s; set it first with cockroachdb.cockroachdb.cloud_egress_traffic_policy"
                             % (target.name, policy))
    wrote = []

    def settle():
        """Before a write: the previous write of this run must be done (the API refuses writes while one is pending)."""
        if wrote:
            client.wait_egress_rules(target.id, deadline)

    def add(name, rule):
        settle()
        got = target.write(lambda: client.add_egress_rule(target.id, rule, deadline))
        wrote.append(name)
        return rule_view(got) if got else None

    def update(name, rule, changes):
        settle()
        cur = current[name]
        if needs_replace(cur, rule):
            target.write(lambda: client.delete_egress_rule(target.id, cur["id"], deadline))
            wrote.append(name)
            client.wait_egress_rules(target.id, deadline)
            got = target.write(lambda: client.add_egress_rule(target.id, rule, deadline))
        else:
            got = target.write(lambda: client.edit_egress_rule(target.id, cur["id"], rule, deadline))
        wrote.append(name)
        return rule_view(got) if got else None

    def remove(name, rule):
        settle()
        target.write(lambda: client.delete_egress_rule(target.id, rule["id"], deadline))
        wrote.append(name)

    result = ensure_set(m, current, desired, state=params["state"], purge=params["purge"],
                        item_changes=rule_changes,
                        new_item=new_rule, add=add, update=update, remove=remove, merge=merge,
                        result_key="rules", diff_view=diff_view)
    if wrote and params["wait"] and not m.check_mode:
        settled = {r["name"]: rule_view(r) for r in client.wait_egress_rules(target.id, deadline)}
        result["rules"] = [settled[name] for name in sorted(settled) if not settled[name]["crl_managed"]]
    result["rules"] = sorted(result["rules"] + list(managed.values()), key=lambda r: r["name"])
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(
        client_mixins=(EgressApi,),
        argument_spec=dict(
            CHILD_ARGSPEC,
            rules=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                type=dict(type="str", choices=["FQDN", "CIDR"]),
                destination=dict(type="str"),
                description=dict(type="str"),
                ports=dict(type="list", elements="int"),
            )),
            purge=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            wait=dict(type="bool", default=True),
        ),
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
