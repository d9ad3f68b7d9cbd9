"""Egress perimeter of a cluster: the egress traffic policy, egress rules, egress private endpoints (issue 13).

Ground truth: the official spec (``SetEgressTrafficPolicy``, ``*EgressRule*``, ``*EgressPrivateEndpoint*``),
cloud-api-v1.md and the Terraform provider (``egress_perimeter_resource.go``,
``egress_traffic_policy_resource.go``, ``egress_private_endpoint_resource.go``).

The traffic policy is the cluster's own ``egress_traffic_policy`` field (the core renders it; this family
changes it and nothing else keeps a copy).  Per-cluster state lives in ``c["ext"]["egress"]`` and goes with
the cluster: a cluster that is not CREATED/LOCKED answers 404 like every sub-resource.

Behaviour, and where the real service is unknown the harsher case chosen (said so):

* Everything here is ADVANCED-only ("egress perimeter controls allow CockroachDB Cloud Advanced clusters"):
  on a BASIC/STANDARD cluster every operation, reads included, answers 400 code 9 (harsher: the real read
  may answer an empty list).
* ``SetEgressTrafficPolicy``: the policy becomes ``UPDATING`` for ``egress_seconds`` (setting, default 1.0),
  then the asked value.  While it is UPDATING, a second policy change and every egress-rule write answer
  400 code 9 (FAILED_PRECONDITION, as the gateway maps it) with a message containing ``POLICY_UPDATING`` (the
  provider retries on that string whatever the status; the status is not documented).  Asking for the value the cluster already has is a no-op (no audit entry).
* The first switch to DEFAULT_DENY adds one rule managed by CockroachDB Cloud (``crl_managed``, named
  ``crl-managed-telemetry``): invented, so that clients learn to leave such rules alone.  Editing or deleting
  it answers 400 code 9.
* Egress rules need DEFAULT_DENY: ``AddEgressRule`` on an ALLOW_ALL cluster answers 400 code 9 (the provider
  always switches to DEFAULT_DENY before it adds a rule; whether the API refuses is not documented).
* A rule is ``PENDING_CREATION`` / ``PENDING_UPDATE`` / ``PENDING_DELETION`` for ``egress_seconds`` after a
  write, then ``ACTIVE`` (or gone: GET 404).  While any rule of the cluster is pending, every egress-rule
  write of that cluster answers 400 code 9 naming the pending rule (harsher than refusing only the same rule;
  the provider waits for ACTIVE after every write).
* Names are unique per cluster (409 code 6); ``type`` is ``FQDN`` or ``CIDR``; a CIDR destination must be an
  IPv4 network without host bits; an FQDN a DNS name (no wildcard, no scheme); ``description`` must not be
  empty (the spec requires it); ports 1-65535, no duplicates.  ``paths`` is accepted and ignored (deprecated:
  "This field is ignored"), so no rule ever shows paths.
* ``EditEgressRule`` needs ``type`` and ``destination`` ("This field is required"); absent or empty ``ports``
  leaves the ports as they are: ports cannot be cleared by an edit (the provider replaces the rule).  The
  name cannot be changed.
* The answers of Add/Edit/Delete carry the rule under ``Rule`` (capital R: the spec's property and the SDK's
  JSON name; GetEgressRule uses ``rule``).
* ``idempotency_key`` (add, edit, delete, policy): the same key with the same request answers the first
  answer again without acting; the same key with another request answers 400 code 3.
* Egress private endpoints: ``region`` must be one of the cluster's regions; MSK target types only on AWS;
  Azure clusters are refused (400 code 9; not documented).  State ``PENDING`` for ``egress_seconds``, then
  ``AVAILABLE`` (MSK types) or ``PENDING_ACCEPTANCE``.  While PENDING, ``endpoint_connection_id`` and
  ``endpoint_address`` are empty strings (the provider's ``isEgressPrivateEndpointCreatedInCloud`` waits until
  both are set: the cloud-provider endpoint does not exist yet).  ``PRIVATE_SERVICE``: the service owner must
  accept (control ``.../accept`` or ``.../reject``).  Domain names can be set only on an AVAILABLE endpoint (400
  code 9 otherwise; harsher); ``domain_names_state`` is ``PENDING`` for ``egress_seconds`` after a change,
  then ``AVAILABLE`` (``EMPTY`` without names).  Delete: ``DELETING`` for ``egress_seconds``, then gone.
  A second endpoint to the same target in the same region answers 409 code 6.
* Every write of this family is refused while the cluster is LOCKED (the core's lock rule and status).
* Failures (the provider gives up on a rule in ``FAILED`` / ``ERROR``, ``waitForEgressRuleActiveFunc``, and on a
  policy in ``ERROR``, ``waitForEgressTrafficPolicyStableFunc``; the service's reasons are unknown, so only the
  control routes produce them): ``POST /_emulator/cloud/clusters/{id}/egress-rules/fail`` ``{"state": "FAILED" |
  "ERROR"}`` makes the next rule write of the cluster (add, edit or delete) end in that state after its
  ``egress_seconds`` instead of ACTIVE / gone (a failed delete leaves the rule listed).  A rule in FAILED/ERROR
  stays so until it is edited or deleted; while one is, every other rule write of the cluster answers 400 code 9
  naming it (harsher: unknown).  ``POST /_emulator/cloud/clusters/{id}/egress-traffic-policy/fail`` makes the
  next policy change end ``ERROR`` instead of the asked value (no managed rule is added); a later change is
  accepted and ends as asked.
"""

import copy
import hashlib
import ipaddress
import json
import re

from emulator.cloud.encoding import BOOL, INT32, STR, _enum, _list, _obj, fmt_ts
from emulator.cloud.errors import ALREADY_EXISTS, FAILED_PRECONDITION, INVALID_ARGUMENT, ApiError, bad, not_found
from emulator.routing import Route

RULE_TYPES = ("FQDN", "CIDR")
RULE_FAILED = ("FAILED", "ERROR")
TARGET_TYPES = ("PRIVATE_SERVICE", "MSK_SASL_SCRAM", "MSK_SASL_IAM", "MSK_TLS")
ENDPOINT_GONE = ("DELETED",)
ENDPOINT_TERMINAL = ("REJECTED", "FAILED", "EXPIRED")
FQDN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", re.I)
RULE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
CRL_RULE = {"name": "crl-managed-telemetry", "type": "FQDN", "destination": "telemetry.cockroachlabs.cloud",
            "ports": [443], "description": "CockroachDB Cloud telemetry (managed by Cockroach Labs)"}

RULE_ADD = _obj(cluster_id=STR, name=STR, type=STR, destination=STR, description=STR, ports=_list(INT32),
                paths=_list(STR), idempotency_key=STR)
RULE_EDIT = _obj(cluster_id=STR, rule_id=STR, type=STR, destination=STR, description=STR, ports=_list(INT32),
                 paths=_list(STR), idempotency_key=STR)
POLICY_SET = _obj(cluster_id=STR, allow_all=BOOL, idempotency_key=STR)
ENDPOINT_CREATE = _obj(cluster_id=STR, region=STR, target_service_identifier=STR,
                       target_service_type=_enum(*TARGET_TYPES))
ENDPOINT_UPDATE = _obj(cluster_id=STR, id=STR, domain_names=_list(STR))


def _busy(message):
    """A write refused while the egress configuration is busy: 400 code 9 FAILED_PRECONDITION, the gateway's
    status for that code (the real status is not documented; the provider retries on the message)."""
    return bad(message, FAILED_PRECONDITION)


class StateMixin:
    def _reset_egress(self):
        self.settings.setdefault("egress_seconds", 1.0)

    # -- helpers -------------------------------------------------------------------------------
    def _egress(self, c):
        """The family's state of cluster ``c`` (ticked); 400 on a cluster that is not ADVANCED."""
        if c["plan"] != "ADVANCED" or c["dedicated"] is None:
            raise bad("egress perimeter controls are only available for ADVANCED clusters (this cluster is %s)"
                      % c["plan"], FAILED_PRECONDITION)
        e = c.setdefault("ext", {}).setdefault("egress", None)
        if e is None:
            e = c["ext"]["egress"] = {"rules": {}, "endpoints": {}, "policy_until": None, "policy_target": None,
                                      "keys": {}, "crl_added": False}
        e.setdefault("fail_rule", None)
        e.setdefault("fail_policy", False)
        e.setdefault("policy_fails", False)
        self._egress_advance(c, e)
        return e

    def _tick_egress(self, c):
        """Hook of ``CloudState._tick`` (``families.tick``): the lazy time-based changes of this family."""
        e = (c.get("ext") or {}).get("egress")
        if e is not None:
            self._egress_advance(c, e)

    def _egress_seconds(self):
        return max(0.0, float(self.settings.get("egress_seconds", 1.0)))

    def _egress_advance(self, c, e):
        now = self._now()
        if e["policy_until"] is not None and now >= e["policy_until"]:
            c["egress_traffic_policy"] = "ERROR" if e.get("policy_fails") else e["policy_target"]
            e["policy_until"] = e["policy_target"] = None
            e["policy_fails"] = False
            if c["egress_traffic_policy"] == "DEFAULT_DENY" and not e["crl_added"]:
                e["crl_added"] = True
                self._new_rule(c, e, dict(CRL_RULE), crl=True)
        for rid in list(e["rules"]):
            r = e["rules"][rid]
            if r["until"] is not None and now >= r["until"]:
                if r.get("fail_to"):
                    r["state"], r["until"] = r.pop("fail_to"), None
                    continue
                if r["state"] == "PENDING_DELETION":
                    del e["rules"][rid]
                    continue
                r["state"], r["until"] = "ACTIVE", None
        for eid in list(e["endpoints"]):
            p = e["endpoints"][eid]
            if p["until"] is not None and now >= p["until"]:
                p["until"] = None
                if p["state"] == "DELETING":
                    del e["endpoints"][eid]
                    continue
                if p["state"] == "PENDING":
                    p["state"] = "PENDING_ACCEPTANCE" if p["target_service_type"] == "PRIVATE_SERVICE" else "AVAILABLE"
                    p["endpoint_connection_id"], p["endpoint_address"] = p["_conn"], p["_address"]
            if p["names_until"] is not None and now >= p["names_until"]:
                p["names_until"] = None
                p["domain_names_state"] = "AVAILABLE" if p["domain_names"] else "EMPTY"

    def egress_view(self, cluster_id, write=False):
        """(cluster, family state) for a read, or for a write (``write``: the lock rule applies)."""
        c = self._mutable_sub(cluster_id) if write else self._ready_cluster(cluster_id)
        return c, self._egress(c)

    def egress_replay(self, e, key, op, body):
        """The stored answer of an earlier request with idempotency key ``key`` (None: new key)."""
        if not key:
            return None
        digest = hashlib.sha256(json.dumps([op, body], sort_keys=True).encode("utf-8")).hexdigest()
        seen = e["keys"].get(key)
        if seen is None:
            return None
        if seen[0] != digest:
            raise bad("idempotency_key %s was used for another request" % key, INVALID_ARGUMENT)
        return copy.deepcopy(seen[1])

    @staticmethod
    def egress_remember(e, key, op, body, answer):
        if key:
            digest = hashlib.sha256(json.dumps([op, body], sort_keys=True).encode("utf-8")).hexdigest()
            e["keys"][key] = (digest, copy.deepcopy(answer))

    def _policy_busy(self, c, e):
        if e["policy_until"] is not None:
            raise _busy("POLICY_UPDATING: the egress traffic policy of cluster %s is being updated; "
                        "retry when it is %s" % (c["id"], e["policy_target"]))

    def _rules_busy(self, c, e, own=None):
        """Refuse a rule write while the policy updates or a rule is pending; a FAILED/ERROR rule refuses every
        write but its own (``own``: the id of the rule written)."""
        self._policy_busy(c, e)
        for r in e["rules"].values():
            if r["state"] in RULE_FAILED and r["id"] != own:
                raise _busy("egress rule %s of cluster %s is %s (its last change failed); edit or delete it first"
                            % (r["name"], c["id"], r["state"]))
        for r in e["rules"].values():
            if r["state"] not in ("ACTIVE",) + RULE_FAILED:
                raise _busy("egress rule %s of cluster %s is %s; retry when it is ACTIVE"
                            % (r["name"], c["id"], r["state"]))

    # -- traffic policy ------------------------------------------------------------------------
    def set_egress_policy(self, c, e, allow_all):
        self._policy_busy(c, e)
        want = "ALLOW_ALL" if allow_all else "DEFAULT_DENY"
        if c["egress_traffic_policy"] == want:
            return
        c["egress_traffic_policy"] = "UPDATING"
        e["policy_target"] = want
        e["policy_fails"], e["fail_policy"] = e["fail_policy"], False
        e["policy_until"] = self._now() + self._egress_seconds()
        self._record("AUDIT_LOG_ACTION_SET_EGRESS_TRAFFIC_POLICY", c, {"allow_all": allow_all})
        self._egress_advance(c, e)

    # -- rules ---------------------------------------------------------------------------------
    @staticmethod
    def _check_destination(rtype, destination):
        if rtype not in RULE_TYPES:
            raise bad('invalid value for field "type": %r (use FQDN or CIDR)' % rtype)
        if not destination:
            raise bad("destination is required")
        if rtype == "CIDR":
            try:
                net = ipaddress.IPv4Network(destination, strict=True)
            except ValueError:
                raise bad("destination %r is not an IPv4 network in CIDR notation (no host bits set)" % destination)
            if "/" not in destination:
                raise bad("destination %r needs a prefix length, such as %s/32" % (destination, destination))
            return str(net)
        if not FQDN_RE.match(destination):
            raise bad("destination %r is not a fully qualified domain name" % destination)
        return destination.lower()

    @staticmethod
    def _check_ports(ports):
        if len(set(ports)) != len(ports):
            raise bad("ports must not contain duplicates")
        for p in ports:
            if p < 1 or p > 65535:
                raise bad("invalid port %d: must be between 1 and 65535" % p)
        return list(ports)

    def _new_rule(self, c, e, body, crl=False):
        rule = {"id": self._uuid(), "name": body["name"], "type": body["type"], "destination": body["destination"],
                "description": body["description"], "ports": list(body.get("ports") or []), "crl_managed": crl,
                "created_at": self._now_us(), "state": "ACTIVE" if crl else "PENDING_CREATION",
                "until": None if crl else self._now() + self._egress_seconds()}
        if not crl:
            self._egress_maybe_fail(e, rule)
        e["rules"][rule["id"]] = rule
        return rule

    def add_egress_rule(self, c, e, body):
        name = body.get("name") or ""
        if not name:
            raise bad("name is required")
        if not RULE_NAME_RE.match(name):
            raise bad("invalid egress rule name %r: use up to 63 letters, digits, dots, dashes and underscores" % name)
        if not body.get("description"):
            raise bad("description is required")
        dest = self._check_destination(body.get("type", ""), body.get("destination", ""))
        ports = self._check_ports(body.get("ports") or [])
        if c["egress_traffic_policy"] not in ("DEFAULT_DENY", "UPDATING"):
            raise bad("egress rules can only be added while the egress traffic policy is DEFAULT_DENY (it is %s)"
                      % c["egress_traffic_policy"], FAILED_PRECONDITION)
        self._rules_busy(c, e)
        if any(r["name"] == name for r in e["rules"].values()):
            raise ApiError(409, ALREADY_EXISTS, "an egress rule named %s already exists" % name)
        rule = self._new_rule(c, e, {"name": name, "type": body["type"], "destination": dest,
                                     "description": body["description"], "ports": ports})
        self._record("AUDIT_LOG_ACTION_ADD_EGRESS_RULE", c, self.egress_rule_view(rule))
        self._egress_advance(c, e)
        return rule

    @staticmethod
    def egress_rule(c, e, rule_id):
        r = e["rules"].get(rule_id)
        if r is None:
            raise not_found("egress rule %s not found" % rule_id)
        return r

    def edit_egress_rule(self, c, e, rule_id, body):
        r = self.egress_rule(c, e, rule_id)
        if "type" not in body or "destination" not in body:
            raise bad("type and destination are required")
        dest = self._check_destination(body["type"], body["destination"])
        ports = self._check_ports(body.get("ports") or [])
        if "description" in body and not body["description"]:
            raise bad("description must not be empty")
        if r["crl_managed"]:
            raise bad("egress rule %s is managed by CockroachDB Cloud and cannot be changed" % r["name"],
                      FAILED_PRECONDITION)
        self._rules_busy(c, e, own=r["id"])
        new = {"type": body["type"], "destination": dest, "description": body.get("description", r["description"]),
               "ports": ports or r["ports"]}
        if any(r[k] != v for k, v in new.items()) or r["state"] in RULE_FAILED:
            r.update(new)
            r["state"], r["until"] = "PENDING_UPDATE", self._now() + self._egress_seconds()
            self._egress_maybe_fail(e, r)
            self._record("AUDIT_LOG_ACTION_EDIT_EGRESS_RULE", c, self.egress_rule_view(r))
            self._egress_advance(c, e)
        return r

    def delete_egress_rule(self, c, e, rule_id):
        r = self.egress_rule(c, e, rule_id)
        if r["crl_managed"]:
            raise bad("egress rule %s is managed by CockroachDB Cloud and cannot be deleted" % r["name"],
                      FAILED_PRECONDITION)
        self._rules_busy(c, e, own=r["id"])
        r["state"], r["until"] = "PENDING_DELETION", self._now() + self._egress_seconds()
        self._egress_maybe_fail(e, r)
        self._record("AUDIT_LOG_ACTION_DELETE_EGRESS_RULE", c, self.egress_rule_view(r))
        out = copy.deepcopy(r)
        self._egress_advance(c, e)
        return out

    @staticmethod
    def _egress_maybe_fail(e, rule):
        """The control route asked that the next rule write fail: this one ends in that state."""
        rule.pop("fail_to", None)
        if e.get("fail_rule"):
            rule["fail_to"], e["fail_rule"] = e["fail_rule"], None

    def egress_fail_next(self, c, what, state=None):
        """Control: the next rule write (``what="rule"``, ends ``state``) or policy change (ends ERROR) fails."""
        e = self._egress(c)
        if what == "rule":
            state = state or "FAILED"
            if state not in RULE_FAILED:
                raise bad("state must be FAILED or ERROR")
            e["fail_rule"] = state
        else:
            e["fail_policy"] = True
        return {"fail_rule": e["fail_rule"], "fail_policy": e["fail_policy"]}

    @staticmethod
    def egress_rule_view(r, cluster_id=None):
        out = {"id": r["id"], "name": r["name"], "type": r["type"], "destination": r["destination"],
               "description": r["description"], "state": r["state"], "crl_managed": r["crl_managed"],
               "created_at": fmt_ts(r["created_at"])}
        if r["ports"]:
            out["ports"] = list(r["ports"])
        if cluster_id:
            out["cluster_id"] = cluster_id
        return out

    # -- private endpoints -----------------------------------------------------------------------
    def create_egress_endpoint(self, c, e, body):
        region = body.get("region") or ""
        target = body.get("target_service_identifier") or ""
        ttype = body.get("target_service_type")
        if not region:
            raise bad("region is required")
        if not target:
            raise bad("target_service_identifier is required")
        if not ttype:
            raise bad("target_service_type is required")
        if c["provider"] == "AZURE":
            raise bad("egress private endpoints are not available for AZURE clusters", FAILED_PRECONDITION)
        if ttype.startswith("MSK_") and c["provider"] != "AWS":
            raise bad("target_service_type %s is only available on AWS clusters" % ttype, FAILED_PRECONDITION)
        if region not in c["dedicated"]["region_nodes"]:
            raise bad("region %s is not a region of cluster %s" % (region, c["id"]))
        for p in e["endpoints"].values():
            if p["region"] == region and p["target_service_identifier"] == target and p["state"] != "DELETING":
                raise ApiError(409, ALREADY_EXISTS, "an egress private endpoint to %s already exists in %s"
                               % (target, region))
        short = "%017x" % self.rng.getrandbits(68)
        if c["provider"] == "AWS":
            conn = "vpce-" + short
            address = "%s.vpce-svc.%s.vpce.amazonaws.com" % (conn, region)
        else:
            conn = str(self.rng.randrange(10 ** 17, 10 ** 18))
            address = "10.%d.%d.%d" % (self.rng.randrange(256), self.rng.randrange(256), self.rng.randrange(1, 255))
        # the cloud-provider endpoint does not exist yet: its id and address are empty until PENDING ends
        p = {"id": self._uuid(), "endpoint_connection_id": "", "region": region, "_conn": conn, "_address": address,
             "target_service_identifier": target, "target_service_type": ttype, "endpoint_address": "",
             "state": "PENDING", "domain_names": [], "domain_names_state": "EMPTY",
             "until": self._now() + self._egress_seconds(), "names_until": None}
        e["endpoints"][p["id"]] = p
        self._record("AUDIT_LOG_ACTION_CREATE_EGRESS_PRIVATE_ENDPOINT", c, self.egress_endpoint_view(p))
        self._egress_advance(c, e)
        return p

    @staticmethod
    def egress_endpoint(c, e, eid):
        p = e["endpoints"].get(eid)
        if p is None:
            raise not_found("egress private endpoint %s not found" % eid)
        return p

    def update_egress_endpoint(self, c, e, eid, body):
        p = self.egress_endpoint(c, e, eid)
        if "domain_names" not in body:
            raise bad("domain_names is required")
        names = []
        for n in body["domain_names"]:
            if not FQDN_RE.match(n or ""):
                raise bad("domain name %r is not a fully qualified domain name" % n)
            if n.lower() in names:
                raise bad("domain name %s is listed twice" % n)
            names.append(n.lower())
        if p["state"] != "AVAILABLE":
            raise bad("domain names can only be set on an AVAILABLE egress private endpoint (this one is %s)"
                      % p["state"], FAILED_PRECONDITION)
        if p["names_until"] is not None:
            raise _busy("the domain names of egress private endpoint %s are being applied; retry later" % eid)
        if names != p["domain_names"]:
            p["domain_names"] = names
            p["domain_names_state"] = "PENDING"
            p["names_until"] = self._now() + self._egress_seconds()
            self._record("AUDIT_LOG_ACTION_UPDATE_EGRESS_PRIVATE_ENDPOINT", c, self.egress_endpoint_view(p))
            self._egress_advance(c, e)
        return p

    def delete_egress_endpoint(self, c, e, eid):
        p = self.egress_endpoint(c, e, eid)
        if p["state"] == "DELETING":
            return p
        p["state"] = "DELETING"
        p["until"] = self._now() + self._egress_seconds()
        p["names_until"] = None
        self._record("AUDIT_LOG_ACTION_DELETE_EGRESS_PRIVATE_ENDPOINT", c, self.egress_endpoint_view(p))
        self._egress_advance(c, e)
        return p

    def answer_egress_endpoint(self, c, eid, accept):
        """Control: the service owner accepts (or rejects) a PENDING_ACCEPTANCE endpoint."""
        e = self._egress(c)
        p = self.egress_endpoint(c, e, eid)
        if p["state"] != "PENDING_ACCEPTANCE":
            raise bad("egress private endpoint %s is %s, not PENDING_ACCEPTANCE" % (eid, p["state"]))
        p["state"] = "AVAILABLE" if accept else "REJECTED"
        return p

    @staticmethod
    def egress_endpoint_view(p):
        return {k: copy.deepcopy(p[k]) for k in ("id", "endpoint_connection_id", "region", "target_service_identifier",
                                                 "target_service_type", "endpoint_address", "state", "domain_names",
                                                 "domain_names_state")}


class HandlersMixin:
    # -- traffic policy ------------------------------------------------------------------------
    def egress_set_policy(self, req, ctx, cluster_id):
        body = self._body(req, POLICY_SET)
        if "allow_all" not in body:
            raise bad("allow_all is required")
        c, e = self.s.egress_view(cluster_id, write=True)
        key = body.pop("idempotency_key", None)
        replay = self.s.egress_replay(e, key, "policy", body)
        if replay is not None:
            return self._ok(replay)
        self.s.set_egress_policy(c, e, body["allow_all"])
        self.s.egress_remember(e, key, "policy", body, {})
        return self._ok({})

    # -- rules ---------------------------------------------------------------------------------
    def egress_list_rules(self, req, ctx, cluster_id):
        c, e = self.s.egress_view(cluster_id)
        items = list(e["rules"].values())
        page, pag = self._paginate(req, items, lambda r: (r["created_at"], r["id"]))
        return self._ok({"rules": [self.s.egress_rule_view(r, c["id"]) for r in page], "pagination": pag})

    def egress_add_rule(self, req, ctx, cluster_id):
        body = self._body(req, RULE_ADD)
        c, e = self.s.egress_view(cluster_id, write=True)
        key = body.pop("idempotency_key", None)
        body.pop("cluster_id", None)
        replay = self.s.egress_replay(e, key, "add", body)
        if replay is not None:
            return self._ok(replay)
        r = self.s.add_egress_rule(c, e, body)
        out = {"Rule": self.s.egress_rule_view(r, c["id"])}
        self.s.egress_remember(e, key, "add", body, out)
        return self._ok(out)

    def egress_get_rule(self, req, ctx, cluster_id, rule_id):
        c, e = self.s.egress_view(cluster_id)
        return self._ok({"rule": self.s.egress_rule_view(self.s.egress_rule(c, e, rule_id), c["id"])})

    def egress_edit_rule(self, req, ctx, cluster_id, rule_id):
        body = self._body(req, RULE_EDIT)
        c, e = self.s.egress_view(cluster_id, write=True)
        key = body.pop("idempotency_key", None)
        body.pop("cluster_id", None)
        body.pop("rule_id", None)
        replay = self.s.egress_replay(e, key, "edit:" + rule_id, body)
        if replay is not None:
            return self._ok(replay)
        r = self.s.edit_egress_rule(c, e, rule_id, body)
        out = {"Rule": self.s.egress_rule_view(r, c["id"])}
        self.s.egress_remember(e, key, "edit:" + rule_id, body, out)
        return self._ok(out)

    def egress_delete_rule(self, req, ctx, cluster_id, rule_id):
        c, e = self.s.egress_view(cluster_id, write=True)
        key = req.q("idempotency_key")
        replay = self.s.egress_replay(e, key, "delete:" + rule_id, {})
        if replay is not None:
            return self._ok(replay)
        r = self.s.delete_egress_rule(c, e, rule_id)
        out = {"Rule": self.s.egress_rule_view(r, c["id"])}
        self.s.egress_remember(e, key, "delete:" + rule_id, {}, out)
        return self._ok(out)

    # -- private endpoints -----------------------------------------------------------------------
    def egress_list_endpoints(self, req, ctx, cluster_id):
        c, e = self.s.egress_view(cluster_id)
        items = list(e["endpoints"].values())
        page, pag = self._paginate(req, items, lambda p: (p["id"],))
        return self._ok({"egress_private_endpoints": [self.s.egress_endpoint_view(p) for p in page],
                         "pagination": pag})

    def egress_create_endpoint(self, req, ctx, cluster_id):
        body = self._body(req, ENDPOINT_CREATE)
        c, e = self.s.egress_view(cluster_id, write=True)
        return self._ok(self.s.egress_endpoint_view(self.s.create_egress_endpoint(c, e, body)))

    def egress_get_endpoint(self, req, ctx, cluster_id, id):  # pylint: disable=redefined-builtin
        c, e = self.s.egress_view(cluster_id)
        return self._ok(self.s.egress_endpoint_view(self.s.egress_endpoint(c, e, id)))

    def egress_update_endpoint(self, req, ctx, cluster_id, id):  # pylint: disable=redefined-builtin
        body = self._body(req, ENDPOINT_UPDATE)
        c, e = self.s.egress_view(cluster_id, write=True)
        return self._ok(self.s.egress_endpoint_view(self.s.update_egress_endpoint(c, e, id, body)))

    def egress_update_endpoint_names(self, req, ctx, cluster_id, id):  # pylint: disable=redefined-builtin
        body = self._body(req, ENDPOINT_UPDATE)
        c, e = self.s.egress_view(cluster_id, write=True)
        self.s.update_egress_endpoint(c, e, id, body)
        return self._ok({})

    def egress_delete_endpoint(self, req, ctx, cluster_id, id):  # pylint: disable=redefined-builtin
        c, e = self.s.egress_view(cluster_id, write=True)
        self.s.delete_egress_endpoint(c, e, id)
        return self._ok({})

    # -- control ---------------------------------------------------------------------------------
    def c_egress_accept(self, body, cluster_id, id):  # pylint: disable=redefined-builtin
        c = self.s._ready_cluster(cluster_id)
        return self._ok(self.s.egress_endpoint_view(self.s.answer_egress_endpoint(c, id, True)))

    def c_egress_reject(self, body, cluster_id, id):  # pylint: disable=redefined-builtin
        c = self.s._ready_cluster(cluster_id)
        return self._ok(self.s.egress_endpoint_view(self.s.answer_egress_endpoint(c, id, False)))

    def c_egress_fail_rule(self, body, cluster_id):
        c = self.s._ready_cluster(cluster_id)
        return self._ok(self.s.egress_fail_next(c, "rule", (body or {}).get("state")))

    def c_egress_fail_policy(self, body, cluster_id):
        c = self.s._ready_cluster(cluster_id)
        return self._ok(self.s.egress_fail_next(c, "policy"))


R = "/api/v1/clusters/{cluster_id}/networking/egress-rules"
P = "/api/v1/clusters/{cluster_id}/networking/egress-private-endpoints"
H = HandlersMixin

ROUTES = [
    Route("GET", R, H.egress_list_rules),
    Route("POST", R, H.egress_add_rule),
    Route("POST", R + "/egress-traffic-policy", H.egress_set_policy),
    Route("GET", R + "/{rule_id}", H.egress_get_rule),
    Route("PATCH", R + "/{rule_id}", H.egress_edit_rule),
    Route("DELETE", R + "/{rule_id}", H.egress_delete_rule),
    Route("GET", P, H.egress_list_endpoints),
    Route("POST", P, H.egress_create_endpoint),
    Route("GET", P + "/{id}", H.egress_get_endpoint),
    Route("PATCH", P + "/{id}", H.egress_update_endpoint),
    Route("PATCH", P + "/{id}/domain-names", H.egress_update_endpoint_names),
    Route("DELETE", P + "/{id}", H.egress_delete_endpoint),
]

OPERATION_IDS = {
    "egress_list_rules": "CockroachCloud_ListEgressRules",
    "egress_add_rule": "CockroachCloud_AddEgressRule",
    "egress_set_policy": "CockroachCloud_SetEgressTrafficPolicy",
    "egress_get_rule": "CockroachCloud_GetEgressRule",
    "egress_edit_rule": "CockroachCloud_EditEgressRule",
    "egress_delete_rule": "CockroachCloud_DeleteEgressRule",
    "egress_list_endpoints": "CockroachCloud_ListEgressPrivateEndpoints",
    "egress_create_endpoint": "CockroachCloud_CreateEgressPrivateEndpoint",
    "egress_get_endpoint": "CockroachCloud_GetEgressPrivateEndpoint",
    "egress_update_endpoint": "CockroachCloud_UpdateEgressPrivateEndpoint",
    "egress_update_endpoint_names": "CockroachCloud_UpdateEgressPrivateEndpointDomainNames",
    "egress_delete_endpoint": "CockroachCloud_DeleteEgressPrivateEndpoint",
}

# relative to /_emulator/cloud: the owner of a PRIVATE_SERVICE accepts or rejects the endpoint's connection;
# the next rule write / policy change of a cluster fails
CONTROL_ROUTES = [
    Route("POST", "/clusters/{cluster_id}/egress-rules/fail", H.c_egress_fail_rule),
    Route("POST", "/clusters/{cluster_id}/egress-traffic-policy/fail", H.c_egress_fail_policy),
    Route("POST", "/clusters/{cluster_id}/egress-private-endpoints/{id}/accept", H.c_egress_accept),
    Route("POST", "/clusters/{cluster_id}/egress-private-endpoints/{id}/reject", H.c_egress_reject),
]


def state_view(api):
    """Per cluster with egress state: the policy, the rules and the endpoints (ticked)."""
    out = {}
    for c in api.s.clusters.values():
        api.s._tick(c)
        e = (c.get("ext") or {}).get("egress")
        if e is None:
            continue
        out[c["id"]] = {
            "egress_traffic_policy": c["egress_traffic_policy"],
            "rules": [api.s.egress_rule_view(r) for r in sorted(e["rules"].values(), key=lambda r: r["created_at"])],
            "egress_private_endpoints": [api.s.egress_endpoint_view(p) for p in e["endpoints"].values()],
        }
    return out
