# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloud API paths of one resource family: egress traffic policy, egress rules, egress private endpoints (issue 13).

:class:`EgressApi` is a mixin of :class:`cloud.CloudClient` (which owns every Cloud API path through its
mixins): its methods use the client's verbs (``self._get``, ``self._post``, ``self._patch``,
``self._put``, ``self._delete``, ``self._paginate``) and never touch ``AnsibleModule``.  Pure
decision functions of the family live here too.  This file never imports ``cloud.py`` (which
imports it).

What the API makes us do (the Terraform provider learned the same):

* the policy is the cluster's ``egress_traffic_policy``; a change shows ``UPDATING`` until it is done, and
  ``ERROR`` when it failed;
* a rule is ``PENDING_CREATION`` / ``PENDING_UPDATE`` / ``PENDING_DELETION`` after a write; writes meet
  refusals while the policy is updating (a message with ``POLICY_UPDATING``) or a rule is pending, and the
  cluster lock: :meth:`EgressApi.egress_write` waits those out (bounded) and sends again;
* rule writes and the policy carry an ``idempotency_key`` (one per logical write, the same on every resend),
  so they are retried like reads; the endpoint create has none: it is looked up before any second POST;
* an edit cannot clear a rule's ports (empty ports mean "unchanged"): such a rule is deleted and added again.
"""

import ipaddress
import re
import uuid

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    CockroachError,
    NotFoundError,
    WaitTimeoutError,
)

RULE_TYPES = ("FQDN", "CIDR")
POLICIES = ("ALLOW_ALL", "DEFAULT_DENY")
RULE_PENDING = ("PENDING_CREATION", "PENDING_UPDATE", "PENDING_DELETION")
RULE_FAILED = ("FAILED", "ERROR")
ENDPOINT_TYPES = ("PRIVATE_SERVICE", "MSK_SASL_SCRAM", "MSK_SASL_IAM", "MSK_TLS")
ENDPOINT_GONE = ("DELETING", "DELETED")
ENDPOINT_TERMINAL = ("REJECTED", "FAILED", "EXPIRED")
ENDPOINT_SETTLED = ("AVAILABLE", "PENDING_ACCEPTANCE")
BUSY_STATUSES = (400, 409, 423, 503)
FQDN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", re.I)
RULE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


# -- pure decisions -------------------------------------------------------------------------------------------
def is_egress_busy(exc):
    """A write refused because the egress configuration is busy (the server did not act): the policy is updating
    or a rule is pending. The cluster lock is :func:`cloud.is_lock_error`'s."""
    if not isinstance(exc, CockroachError) or exc.status not in BUSY_STATUSES:
        return False
    message = exc.message or ""
    return "POLICY_UPDATING" in message or any(state in message for state in RULE_PENDING)


def check_destination(rtype, destination, option):
    """The destination as the API stores it (a CIDR network, a lower-case name); ValueError naming ``option``."""
    text = (destination or "").strip()
    if rtype == "CIDR":
        if "/" not in text:
            raise ValueError("%s %r must be an IPv4 network with a prefix length, such as 10.0.0.0/8" % (option, destination))
        try:
            return str(ipaddress.IPv4Network(text, strict=True))
        except ValueError:
            raise ValueError("%s %r is not an IPv4 network without host bits, such as 10.0.0.0/8" % (option, destination))
    if not FQDN_RE.match(text):
        raise ValueError("%s %r is not a fully qualified domain name such as storage.googleapis.com (no scheme, "
                         "no path, no wildcard)" % (option, destination))
    return text.lower()


def check_ports(ports, option):
    """Ports sorted; ValueError naming ``option`` for a port out of 1-65535 or listed twice."""
    if ports is None:
        return None
    for port in ports:
        if port < 1 or port > 65535:
            raise ValueError("%s: port %d is out of range; use 1 to 65535" % (option, port))
    if len(set(ports)) != len(ports):
        raise ValueError("%s lists a port twice; list each port once" % option)
    return sorted(ports)


def rule_view(rule):
    """An API rule as the modules return it (ports sorted, a list even when the API omits it)."""
    return {"id": rule.get("id"), "name": rule.get("name"), "type": rule.get("type"),
            "destination": rule.get("destination"), "description": rule.get("description") or "",
            "ports": sorted(int(p) for p in (rule.get("ports") or [])), "state": rule.get("state"),
            "crl_managed": bool(rule.get("crl_managed")), "created_at": rule.get("created_at")}


def desired_rules(rules, state):
    """``{name: {name, type, destination, description, ports}}`` from the ``rules`` option; ValueError naming the option.

    With ``state=absent`` only names matter.
    """
    out = {}
    for i, rule in enumerate(rules or []):
        where = "rules[%d]" % i
        name = (rule.get("name") or "").strip()
        if not RULE_NAME_RE.match(name):
            raise ValueError("%s.name %r: use 1 to 63 letters, digits, dots, dashes and underscores, starting with a "
                             "letter or digit" % (where, rule.get("name")))
        if name in out:
            raise ValueError("%s.name %s is listed twice; list each rule once" % (where, name))
        item = {"name": name, "type": None, "destination": None, "description": None, "ports": None}
        if state == "present":
            for field in ("type", "destination", "description"):
                if not rule.get(field):
                    raise ValueError("%s.%s is required with state=present (rule %s)" % (where, field, name))
            item["type"] = rule["type"]
            item["destination"] = check_destination(rule["type"], rule["destination"], where + ".destination")
            item["description"] = rule["description"]
            item["ports"] = check_ports(rule.get("ports"), where + ".ports")
        out[name] = item
    return out


def rule_changes(current, desired):
    """The fields of an existing rule to change (``{}`` = as desired); ports compare as sets, None = don't care."""
    changes = {}
    for field in ("type", "destination", "description"):
        want = desired.get(field)
        if want is not None and want != current.get(field):
            changes[field] = want
    if desired.get("ports") is not None and sorted(desired["ports"]) != sorted(current.get("ports") or []):
        changes["ports"] = sorted(desired["ports"])
    return changes


def needs_replace(current, desired):
    """Whether an edit cannot do it: the ports must be cleared (the API keeps them when an edit sends none)."""
    return desired.get("ports") == [] and bool(current.get("ports"))


def endpoint_view(endpoint):
    fields = ("id", "endpoint_connection_id", "region", "target_service_identifier", "target_service_type",
              "endpoint_address", "state", "domain_names_state")
    out = {k: endpoint.get(k) for k in fields}
    out["domain_names"] = list(endpoint.get("domain_names") or [])
    return out


def domain_names_equal(current, desired):
    return sorted(n.lower() for n in current or []) == sorted(n.lower() for n in desired or [])


def endpoint_matching(endpoints, region, target):
    """The live endpoints (not DELETING/DELETED) of ``target`` in ``region``."""
    return [e for e in endpoints if e.get("region") == region and e.get("target_service_identifier") == target
            and e.get("state") not in ENDPOINT_GONE]


def check_domain_names(names, option="domain_names"):
    if names is None:
        return None
    out = []
    for name in names:
        if not FQDN_RE.match(name or ""):
            raise ValueError("%s: %r is not a fully qualified domain name such as kafka.example.com" % (option, name))
        if name.lower() in out:
            raise ValueError("%s lists %s twice; list each name once" % (option, name))
        out.append(name.lower())
    return out


class EgressApi(object):
    """Methods of :class:`cloud.CloudClient` for this family."""

    # -- the common write loop ---------------------------------------------------------------------------
    def egress_write(self, cluster_id, send, deadline):
        """Send one egress write until the server acted: the cluster lock (``write_unlocked``) and a busy egress
        configuration (policy UPDATING, a rule pending) are waited out, then the write is sent again, until
        ``deadline`` (a time of this client's clock)."""
        while True:
            try:
                return self.write_unlocked(cluster_id, send, deadline)
            except CockroachError as exc:
                if not is_egress_busy(exc):
                    raise
                if self._clock() >= deadline:
                    raise WaitTimeoutError("timed out waiting for the egress configuration of cluster %s to settle: %s"
                                           % (cluster_id, exc.message))
                if "POLICY_UPDATING" in (exc.message or ""):
                    self.wait_egress_policy(cluster_id, deadline)
                else:
                    self.wait_egress_rules(cluster_id, deadline)

    @staticmethod
    def _idempotency_key():
        return str(uuid.uuid4())

    # -- traffic policy --------------------------------------------------------------------------------------
    def set_egress_traffic_policy(self, cluster_id, allow_all, deadline):
        """POST the policy (one idempotency key for every resend)."""
        body = {"allow_all": bool(allow_all), "idempotency_key": self._idempotency_key()}
        path = "/clusters/%s/networking/egress-rules/egress-traffic-policy" % cluster_id
        return self.egress_write(cluster_id, lambda: self._post(path, body, idempotent=True), deadline)

    def wait_egress_policy(self, cluster_id, deadline, initial_delay=0.5, max_delay=10.0):
        """Poll the cluster until its ``egress_traffic_policy`` is not UPDATING; ERROR fails. Returns the cluster."""
        delay = initial_delay
        while True:
            cluster = self.get_cluster(cluster_id)
            policy = cluster.get("egress_traffic_policy")
            if policy == "ERROR":
                raise CockroachError("the egress traffic policy of cluster %s is ERROR: the last change failed; "
                                     "set it again" % cluster.get("name", cluster_id))
            if policy != "UPDATING":
                return cluster
            now = self._clock()
            if now >= deadline:
                raise WaitTimeoutError("timed out waiting for the egress traffic policy of cluster %s to leave UPDATING"
                                       % cluster.get("name", cluster_id))
            self._sleep(min(delay, max(0.0, deadline - now)))
            delay = min(max_delay, delay * 2)

    # -- rules -------------------------------------------------------------------------------------------------
    def _egress_rules_path(self, cluster_id, rule_id=None):
        path = "/clusters/%s/networking/egress-rules" % cluster_id
        return path if rule_id is None else "%s/%s" % (path, rule_id)

    def list_egress_rules(self, cluster_id):
        return self._paginate(self._egress_rules_path(cluster_id), "rules")

    def get_egress_rule(self, cluster_id, rule_id):
        return (self._get(self._egress_rules_path(cluster_id, rule_id)) or {}).get("rule")

    @staticmethod
    def _rule_of(answer):
        """The rule of an Add/Edit/Delete answer: ``Rule`` on the wire (the spec's property), ``rule`` accepted too."""
        answer = answer or {}
        return answer.get("Rule") or answer.get("rule")

    def add_egress_rule(self, cluster_id, rule, deadline):
        """POST ``{name, type, destination, description, ports}`` with an idempotency key; returns the new rule."""
        body = {k: rule[k] for k in ("name", "type", "destination", "description") if rule.get(k) is not None}
        if rule.get("ports"):
            body["ports"] = list(rule["ports"])
        body["idempotency_key"] = self._idempotency_key()
        path = self._egress_rules_path(cluster_id)
        return self._rule_of(self.egress_write(cluster_id, lambda: self._post(path, body, idempotent=True), deadline))

    def edit_egress_rule(self, cluster_id, rule_id, rule, deadline):
        """PATCH ``{type, destination, description, ports}`` (type and destination are required by the API)."""
        body = {k: rule[k] for k in ("type", "destination", "description") if rule.get(k) is not None}
        if rule.get("ports"):
            body["ports"] = list(rule["ports"])
        body["idempotency_key"] = self._idempotency_key()
        path = self._egress_rules_path(cluster_id, rule_id)
        return self._rule_of(self.egress_write(cluster_id, lambda: self._patch(path, body, idempotent=True), deadline))

    def delete_egress_rule(self, cluster_id, rule_id, deadline, missing_ok=True):
        """DELETE with an idempotency key; a rule already gone is fine with ``missing_ok`` (returns None)."""
        path = "%s?idempotency_key=%s" % (self._egress_rules_path(cluster_id, rule_id), self._idempotency_key())
        return self._rule_of(self.egress_write(cluster_id, lambda: self._delete(path, missing_ok=missing_ok), deadline))

    def wait_egress_rules(self, cluster_id, deadline, initial_delay=0.5, max_delay=10.0):
        """Poll the rules until none is pending (deleted ones gone); a FAILED/ERROR rule fails. Returns the rules."""
        delay = initial_delay
        while True:
            rules = self.list_egress_rules(cluster_id)
            failed = [r for r in rules if r.get("state") in RULE_FAILED]
            if failed:
                raise CockroachError("egress rule %s of cluster %s is %s"
                                     % (failed[0].get("name"), cluster_id, failed[0].get("state")))
            pending = [r for r in rules if r.get("state") in RULE_PENDING]
            if not pending:
                return rules
            now = self._clock()
            if now >= deadline:
                raise WaitTimeoutError("timed out waiting for egress rules of cluster %s to settle: %s" % (
                    cluster_id, ", ".join("%s is %s" % (r.get("name"), r.get("state")) for r in pending)))
            self._sleep(min(delay, max(0.0, deadline - now)))
            delay = min(max_delay, delay * 2)

    # -- private endpoints ------------------------------------------------------------------------------------
    def _egress_endpoints_path(self, cluster_id, endpoint_id=None):
        path = "/clusters/%s/networking/egress-private-endpoints" % cluster_id
        return path if endpoint_id is None else "%s/%s" % (path, endpoint_id)

    def list_egress_private_endpoints(self, cluster_id):
        return self._paginate(self._egress_endpoints_path(cluster_id), "egress_private_endpoints")

    def get_egress_private_endpoint(self, cluster_id, endpoint_id, missing_ok=False):
        try:
            return self._get(self._egress_endpoints_path(cluster_id, endpoint_id))
        except NotFoundError:
            if missing_ok:
                return None
            raise

    def create_egress_private_endpoint(self, cluster_id, body, deadline):
        """POST once (no idempotency key): after a lost answer the endpoint is looked up before any second POST."""
        def find():
            found = endpoint_matching(self.list_egress_private_endpoints(cluster_id), body["region"],
                                      body["target_service_identifier"])
            return found[0] if found else None
        path = self._egress_endpoints_path(cluster_id)
        return self.egress_write(cluster_id, lambda: self._create_once(path, body, find, adopt=True)[0], deadline)

    def update_egress_private_endpoint(self, cluster_id, endpoint_id, domain_names, deadline):
        """PATCH the domain names (the whole list; idempotent)."""
        path = self._egress_endpoints_path(cluster_id, endpoint_id)
        return self.egress_write(cluster_id, lambda: self._patch(path, {"domain_names": list(domain_names)},
                                                                 idempotent=True), deadline)

    def delete_egress_private_endpoint(self, cluster_id, endpoint_id, deadline, missing_ok=True):
        path = self._egress_endpoints_path(cluster_id, endpoint_id)
        return self.egress_write(cluster_id, lambda: self._delete(path, missing_ok=missing_ok), deadline)

    def wait_egress_private_endpoint(self, cluster_id, endpoint_id, done, deadline, what, initial_delay=0.5,
                                     max_delay=10.0):
        """Poll one endpoint until ``done(endpoint or None)``; returns the last endpoint (None when gone)."""
        delay = initial_delay
        while True:
            endpoint = self.get_egress_private_endpoint(cluster_id, endpoint_id, missing_ok=True)
            if done(endpoint):
                return endpoint
            now = self._clock()
            if now >= deadline:
                raise WaitTimeoutError("timed out waiting for egress private endpoint %s to be %s; it is %s" % (
                    endpoint_id, what, "gone" if endpoint is None else "%s (domain names %s)" % (
                        endpoint.get("state"), endpoint.get("domain_names_state"))))
            self._sleep(min(delay, max(0.0, deadline - now)))
            delay = min(max_delay, delay * 2)
