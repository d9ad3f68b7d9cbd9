"""Role grants, person users by email, JWT issuers and invoices (issue 12).

Operations (official spec, API 2024-09-16): ListRoleGrants, GetAllRolesForUser, SetRolesForUser,
AddUserToRole, RemoveUserFromRole, GetPersonUsersByEmail, List/Add/Get/Update/DeleteJWTIssuer,
ListInvoices, GetInvoice.

Grantees (``user_id``) are person users (seeded below; the control route ``POST /persons`` adds one), the
emulator's own service account (``seed.SERVICE_ACCOUNT_ID``, the owner of the API key) and the service
accounts of the ``org`` family (``self.service_accounts``; a service account starts with the roles it was
created with, plus ``ORG_MEMBER``, and a change here is written back to its record, which the org family
renders).  Grants are kept per
grantee as ``(role, resource type, resource id)``; a grantee without stored grants holds ``ORG_MEMBER`` on the
organisation only (what a new person or service account gets).

Rules (the Cloud Console's rules for role assignment as documented, the Terraform provider's behaviour;
where unknown, the harsher case, marked *harsher*):

* A role is valid only on some resource types: ``ORG_ADMIN``, ``ORG_MEMBER``, ``BILLING_COORDINATOR`` and
  ``BILLING_VIEWER`` on the ORGANIZATION only; ``CLUSTER_CREATOR``, ``FOLDER_ADMIN`` and ``FOLDER_MOVER`` on
  the ORGANIZATION or a FOLDER; ``CLUSTER_ADMIN``, ``CLUSTER_OPERATOR_WRITER``, ``CLUSTER_DEVELOPER``,
  ``METRICS_VIEWER`` and ``CLUSTER_MONITOR`` anywhere.  Another pairing is 400 INVALID_ARGUMENT.
* An ORGANIZATION resource has no id in answers (the provider's tests show ``id: nil``); in a request its id
  may be empty or the organisation's id; anything else is 400.  A CLUSTER or FOLDER resource needs the id of
  a cluster that exists and is not deleted / of a folder of the ``org`` family: else 404 NOT_FOUND.  Grants
  on a resource that is deleted later vanish with it.
* ``ORG_MEMBER`` cannot be taken away: SetRolesForUser without it and RemoveUserFromRole of it are 400
  FAILED_PRECONDITION (the provider documents "ORG_MEMBER is a required role and must be included").
* The organisation keeps at least one person user with ``ORG_ADMIN`` (service accounts do not count:
  *harsher*): a change that would leave none is 400 FAILED_PRECONDITION.
* SetRolesForUser with the same grant twice is 400 (*harsher*); AddUserToRole of a grant already held
  answers 200 and changes nothing (idempotent, as the provider's comment says); RemoveUserFromRole of a
  grant not held is 404.  An unknown user id is 404 on every write; GetAllRolesForUser answers it (and a
  deleted service account) an empty ``roles`` list (the provider's ``user_role_grant(s)_resource.go`` Read
  takes "no roles" as "the user is gone" and handles no 404).  Nothing changed -> no audit entry.
* GetPersonUsersByEmail: case-insensitive match; no such person -> 404.  The answer is ``{"user": {...}}``
  (the spec's ``required: [users]`` contradicts its own properties; the SDK reads ``user``).

JWT issuers: ``issuer_url`` (an ``https://`` URL, *harsher*) and ``audience`` are required and non-empty;
the issuer URL is unique in the organisation (409 ALREADY_EXISTS); ``jwks``, when set, is a JSON object with
a ``keys`` list; ``claim`` defaults to ``sub``; each ``identity_map`` entry needs ``token_identity`` and
``cc_identity``, and a regular expression (``token_identity`` starting with ``/``) must compile and its
``cc_identity`` must use ``\\1``.  PATCH replaces the fields it names (``identity_map`` whole).  Listed by
creation time, keyset-paginated.

Invoices: one per calendar month from the organisation's creation month to the current month (FINALIZED,
the current one DRAFT), computed from the clusters of the emulator: each cluster that reached CREATED has an
item with line items for the hours it existed in the period (invented prices, USD, two decimals; see
``_line_items``).  ``start_time`` / ``end_time`` filter on the period (start inclusive, end exclusive),
``status`` on the status.  Clusters deleted more than a period ago still appear in the old invoices (the real
service bills them too).
"""

import copy
import json
import re
import uuid
from datetime import datetime, timezone

from emulator.cloud import seed
from emulator.cloud.encoding import STR, _enum, _list, _obj, fmt_ts, parse_ts
from emulator.cloud.errors import ALREADY_EXISTS, FAILED_PRECONDITION, ApiError, bad, not_found
from emulator.core import Response
from emulator.routing import Route

ROLES = ("BILLING_COORDINATOR", "ORG_ADMIN", "ORG_MEMBER", "CLUSTER_ADMIN", "CLUSTER_OPERATOR_WRITER",
         "CLUSTER_DEVELOPER", "CLUSTER_CREATOR", "FOLDER_ADMIN", "FOLDER_MOVER", "METRICS_VIEWER", "CLUSTER_MONITOR",
         "BILLING_VIEWER")
RESOURCE_TYPES = ("ORGANIZATION", "CLUSTER", "FOLDER")
ORG_ONLY = ("ORG_ADMIN", "ORG_MEMBER", "BILLING_COORDINATOR", "BILLING_VIEWER")
ORG_OR_FOLDER = ("CLUSTER_CREATOR", "FOLDER_ADMIN", "FOLDER_MOVER")
VALID_ON = {role: (("ORGANIZATION",) if role in ORG_ONLY else ("ORGANIZATION", "FOLDER") if role in ORG_OR_FOLDER
                   else RESOURCE_TYPES) for role in ROLES}

PERSONS = (
    ("6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d01", "admin@example.com", ("ORG_ADMIN",)),
    ("6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d02", "dev@example.com", ()),
    ("6a1f0c52-2c1b-4f7e-9d2a-0b5e8f3c4d03", "billing@example.com", ("BILLING_COORDINATOR",)),
)
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
INVOICE_NS = uuid.UUID("3c1f8a2e-7d4b-4e59-9a61-2f0b7c5d8e90")

BUILT_IN_ROLE = _obj(name=_enum(*ROLES), resource=_obj(id=STR, type=_enum(*RESOURCE_TYPES)))
SET_ROLES = _obj(roles=_list(BUILT_IN_ROLE))
IDENTITY_MAP = _list(_obj(token_identity=STR, cc_identity=STR))
JWT_ADD = _obj(issuer_url=STR, audience=STR, jwks=STR, claim=STR, identity_map=IDENTITY_MAP)
JWT_UPDATE = _obj(issuer_url=STR, audience=STR, jwks=STR, claim=STR, identity_map=IDENTITY_MAP)


def _grant_key(g):
    return (g[0], RESOURCE_TYPES.index(g[1]), g[2] or "")


def render_grant(g):
    resource = {"type": g[1]}
    if g[1] != "ORGANIZATION":
        resource["id"] = g[2]
    return {"name": g[0], "resource": resource}


def _month_start(year, month):
    return int(datetime(year, month, 1, tzinfo=timezone.utc).timestamp()) * 1_000_000


def _next_month(year, month):
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _usd(amount):
    return {"amount": round(amount, 2), "currency": "USD"}


class StateMixin:
    def _reset_access(self):
        self.persons = {}
        self.role_grants = {}
        self.jwt_issuers = {}
        for pid, email, roles in PERSONS:
            self.persons[pid] = {"id": pid, "email": email}
            self.role_grants[pid] = [(r, "ORGANIZATION", "") for r in ("ORG_MEMBER",) + roles]
        self.role_grants[seed.SERVICE_ACCOUNT_ID] = [("ORG_MEMBER", "ORGANIZATION", ""), ("ORG_ADMIN", "ORGANIZATION", "")]

    # -- grantees and resources ---------------------------------------------------------------
    def _service_account_ids(self):
        accounts = getattr(self, "service_accounts", None) or {}
        return set(accounts) | {seed.SERVICE_ACCOUNT_ID}

    def _grantee(self, user_id):
        if user_id not in self.persons and user_id not in self._service_account_ids():
            raise not_found("user %s not found" % user_id)
        return user_id

    def _resource_exists(self, rtype, rid):
        if rtype == "ORGANIZATION":
            return True
        if rtype == "CLUSTER":
            c = self.clusters.get(rid)
            if c is None:
                return False
            self._tick(c)
            return c["state"] not in ("DELETED", "CREATION_FAILED")
        folders = getattr(self, "folders", None) or {}
        return rid in folders

    def _held(self, user_id):
        """Stored grants; a service account of the ``org`` family starts with the roles it was created with."""
        held = self.role_grants.get(user_id)
        if held is not None:
            return held
        held = [("ORG_MEMBER", "ORGANIZATION", "")]
        sa = (getattr(self, "service_accounts", None) or {}).get(user_id) or {}
        for r in sa.get("roles") or []:
            res = r.get("resource") or {}
            g = (r.get("name"), res.get("type"), "" if res.get("type") == "ORGANIZATION" else res.get("id") or "")
            if g not in held and g[0] in ROLES and g[1] in RESOURCE_TYPES:
                held.append(g)
        return held

    def roles_of(self, user_id):
        """The grants ``[(role, type, id)]`` a grantee holds now (grants on deleted resources dropped), sorted."""
        held = self._held(user_id)
        return sorted((g for g in held if self._resource_exists(g[1], g[2])), key=_grant_key)

    def _check_grant(self, role, rtype, rid):
        if role not in ROLES:
            raise bad('invalid value for enum field "role_name": "%s"' % role)
        if rtype not in RESOURCE_TYPES:
            raise bad('invalid value for enum field "resource_type": "%s"' % rtype)
        if rtype not in VALID_ON[role]:
            raise bad("role %s cannot be granted on a %s resource (allowed on: %s)"
                      % (role, rtype, ", ".join(VALID_ON[role])))
        rid = rid or ""
        if rtype == "ORGANIZATION":
            if rid not in ("", seed.ORGANIZATION["id"]):
                raise bad("resource id %s is not this organization's id; leave it empty for ORGANIZATION" % rid)
            return (role, rtype, "")
        if not rid:
            raise bad("resource.id is required for a %s resource" % rtype)
        if not self._resource_exists(rtype, rid):
            raise not_found("%s %s not found" % (rtype.lower(), rid))
        return (role, rtype, rid)

    def _check_rules(self, user_id, new):
        if ("ORG_MEMBER", "ORGANIZATION", "") not in new:
            raise bad("ORG_MEMBER on the organization is required and cannot be removed", FAILED_PRECONDITION)
        if user_id in self.persons and ("ORG_ADMIN", "ORGANIZATION", "") not in new:
            admins = [p for p in self.persons if p != user_id and ("ORG_ADMIN", "ORGANIZATION", "") in self.roles_of(p)]
            if not admins:
                raise bad("the organization must keep at least one person user with ORG_ADMIN", FAILED_PRECONDITION)

    def _store_roles(self, user_id, new, action, payload):
        before = self.roles_of(user_id)
        new = sorted(new, key=_grant_key)
        if new == before:
            return before
        self.role_grants[user_id] = list(new)
        sa = (getattr(self, "service_accounts", None) or {}).get(user_id)
        if sa is not None:  # the org family renders a service account's roles from its own record
            sa["roles"] = [{"name": g[0], "resource": {"type": g[1], "id": g[2] or seed.ORGANIZATION["id"]}}
                           for g in new]
        self._record(action, None, dict(payload, user_id=user_id))
        return new

    def set_roles(self, user_id, roles):
        self._grantee(user_id)
        new = []
        for r in roles:
            res = r.get("resource") or {}
            if "name" not in r or "type" not in res:
                raise bad("each role needs a name and a resource type")
            g = self._check_grant(r["name"], res["type"], res.get("id"))
            if g in new:
                raise bad("role %s on %s %s is listed twice" % (g[0], g[1], g[2] or "organization"))
            new.append(g)
        self._check_rules(user_id, new)
        return self._store_roles(user_id, new, "AUDIT_LOG_ACTION_ASSIGN_USER_ROLE",
                                 {"roles": [render_grant(g) for g in new]})

    def add_role(self, user_id, rtype, rid, role):
        self._grantee(user_id)
        g = self._check_grant(role, rtype, rid)
        cur = self.roles_of(user_id)
        if g in cur:
            return cur
        return self._store_roles(user_id, cur + [g], "AUDIT_LOG_ACTION_ADD_USER_TO_ROLE",
                                 {"role": render_grant(g)})

    def remove_role(self, user_id, rtype, rid, role):
        self._grantee(user_id)
        if role not in ROLES:
            raise bad('invalid value for enum field "role_name": "%s"' % role)
        if rtype not in RESOURCE_TYPES:
            raise bad('invalid value for enum field "resource_type": "%s"' % rtype)
        rid = "" if rtype == "ORGANIZATION" and rid in ("", seed.ORGANIZATION["id"]) else rid
        cur = self.roles_of(user_id)
        g = (role, rtype, rid)
        if g not in cur:
            raise not_found("user %s does not hold %s on %s %s" % (user_id, role, rtype, rid or "organization"))
        new = [x for x in cur if x != g]
        self._check_rules(user_id, new)
        return self._store_roles(user_id, new, "AUDIT_LOG_ACTION_REMOVE_USER_FROM_ROLE",
                                 {"role": render_grant(g)})

    def all_grantees(self):
        return sorted(set(self.persons) | self._service_account_ids())

    # -- persons --------------------------------------------------------------------------------
    def person_by_email(self, email):
        email = (email or "").strip()
        if not email:
            raise bad("an email address is required")
        for p in self.persons.values():
            if p["email"].lower() == email.lower():
                return p
        raise not_found("no person user with email %s" % email)

    def add_person(self, email, roles=()):
        if not isinstance(email, str) or not EMAIL_RE.match(email):
            raise bad("email must be an email address")
        if any(p["email"].lower() == email.lower() for p in self.persons.values()):
            raise ApiError(409, ALREADY_EXISTS, "a person user with email %s exists" % email)
        pid = self._uuid()
        grants = [("ORG_MEMBER", "ORGANIZATION", "")]
        for role in roles or ():
            g = self._check_grant(role, "ORGANIZATION", "")
            if g not in grants:
                grants.append(g)
        self.persons[pid] = {"id": pid, "email": email}
        self.role_grants[pid] = grants
        return self.persons[pid]

    # -- JWT issuers ---------------------------------------------------------------------------
    @staticmethod
    def _check_jwt(body, partial):
        for field in ("issuer_url", "audience"):
            if not partial and not body.get(field):
                raise bad("%s is required" % field)
            if field in body and not body[field].strip():
                raise bad("%s must not be empty" % field)
        url = body.get("issuer_url")
        if url is not None and not re.match(r"^https://[^\s/]+", url):
            raise bad("issuer_url must be an https:// URL, got %s" % json.dumps(url))
        if body.get("jwks"):
            try:
                keys = json.loads(body["jwks"])
            except ValueError:
                raise bad("jwks is not valid JSON")
            if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
                raise bad('jwks must be a JSON object with a "keys" list')
        for i, entry in enumerate(body.get("identity_map") or []):
            token, cc = entry.get("token_identity"), entry.get("cc_identity")
            if not token or not cc:
                raise bad("identity_map[%d] needs token_identity and cc_identity" % i)
            if token.startswith("/"):
                try:
                    re.compile(token[1:])
                except re.error:
                    raise bad("identity_map[%d].token_identity is not a valid regular expression" % i)
                if "\\1" not in cc:
                    raise bad("identity_map[%d].cc_identity must contain \\1 for a regular expression" % i)

    def _jwt(self, iid):
        j = self.jwt_issuers.get(iid)
        if j is None:
            raise not_found("jwt issuer %s not found" % iid)
        return j

    def _jwt_url_taken(self, url, but=None):
        return any(j["issuer_url"] == url and j["id"] != but for j in self.jwt_issuers.values())

    def add_jwt_issuer(self, body):
        self._check_jwt(body, partial=False)
        if self._jwt_url_taken(body["issuer_url"]):
            raise ApiError(409, ALREADY_EXISTS, "a JWT issuer with issuer_url %s already exists" % body["issuer_url"])
        j = {"id": self._uuid(), "issuer_url": body["issuer_url"], "audience": body["audience"],
             "jwks": body.get("jwks", ""), "claim": body.get("claim") or "sub",
             "identity_map": copy.deepcopy(body.get("identity_map") or []), "created_at": self._now_us()}
        self.jwt_issuers[j["id"]] = j
        self._record("AUDIT_LOG_ACTION_ADD_JWT_ISSUER", None, {"id": j["id"], "issuer_url": j["issuer_url"]})
        return j

    def update_jwt_issuer(self, iid, body):
        j = self._jwt(iid)
        self._check_jwt(body, partial=True)
        if "issuer_url" in body and self._jwt_url_taken(body["issuer_url"], but=iid):
            raise ApiError(409, ALREADY_EXISTS, "a JWT issuer with issuer_url %s already exists" % body["issuer_url"])
        if "claim" in body and not body["claim"]:
            body["claim"] = "sub"
        changed = {k: v for k, v in body.items() if j.get(k) != v}
        if changed:
            j.update(copy.deepcopy(changed))
            self._record("AUDIT_LOG_ACTION_UPDATE_JWT_ISSUER", None, dict(changed, id=iid))
        return j

    def delete_jwt_issuer(self, iid):
        j = self.jwt_issuers.pop(self._jwt(iid)["id"])
        self._record("AUDIT_LOG_ACTION_DELETE_JWT_ISSUER", None, {"id": iid, "issuer_url": j["issuer_url"]})
        return j

    # -- invoices ------------------------------------------------------------------------------
    def invoice_periods(self):
        """``[(start_us, end_us)]`` of every month from the organisation's creation to now."""
        created = parse_ts(seed.ORGANIZATION["created_at"], "created_at")
        d = datetime.fromtimestamp(created / 1e6, tz=timezone.utc)
        y, m = d.year, d.month
        now = self._now_us()
        out = []
        while _month_start(y, m) <= now:
            ny, nm = _next_month(y, m)
            out.append((_month_start(y, m), _month_start(ny, nm)))
            y, m = ny, nm
        return out

    def invoice_clusters(self, start, end):
        """``[(cluster, hours)]`` of the clusters that existed (CREATED or later) during ``[start, end)``."""
        now = self._now_us()
        out = []
        for c in self.clusters.values():
            self._tick(c)
            if c["state"] in ("CREATING", "CREATION_FAILED"):
                continue
            alive_to = min(c["deleted_at"] if c["deleted_at"] is not None else now, now, end)
            alive_from = max(c["created_at"], start)
            if alive_to > alive_from:
                out.append((c, (alive_to - alive_from) / 3.6e9))
        return sorted(out, key=lambda x: (x[0]["name"], x[0]["id"]))

    @staticmethod
    def _line_items(c, hours):
        """Invented prices: BASIC request units + storage, STANDARD provisioned vCPU-hours, ADVANCED node-hours."""
        hours = round(hours, 4)
        if c["plan"] == "ADVANCED":
            d = c.get("dedicated") or {}
            nodes = sum((d.get("region_nodes") or {"x": 3}).values())
            vcpus = (d.get("num_virtual_cpus") or 2)
            storage = d.get("storage_gib") or seed.DEFAULT_STORAGE_GIB
            spec = [("Compute (%d vCPU nodes)" % vcpus, hours * nodes, "HOURS", 0.30 * vcpus),
                    ("Storage", hours * nodes * storage, "GIB_HOURS", 0.0003)]
        elif c["plan"] == "STANDARD":
            limits = (c.get("serverless") or {}).get("usage_limits") or {}
            vcpus = int(limits.get("provisioned_virtual_cpus") or 2)
            spec = [("Provisioned compute", hours * vcpus, "VCPU_HOURS", 0.18),
                    ("Storage", hours, "GIB_HOURS", 0.0005)]
        else:
            spec = [("Request units", hours * 100000, "REQUEST_UNITS", 0.0000002),
                    ("Storage", hours, "GIB_HOURS", 0.0005)]
        return [{"description": desc, "quantity": round(q, 4), "quantity_unit": unit, "unit_cost": cost,
                 "total": _usd(q * cost)} for desc, q, unit, cost in spec]

    def invoice_id(self, start):
        return str(uuid.uuid5(INVOICE_NS, "%s/%s" % (seed.ORGANIZATION["id"], fmt_ts(start))))


class HandlersMixin:
    # -- role grants ---------------------------------------------------------------------------
    def _roles_answer(self, grants):
        return self._ok({"roles": [render_grant(g) for g in grants]})

    def access_list_role_grants(self, req, ctx):
        items = []
        for uid in self.s.all_grantees():
            roles = self.s.roles_of(uid)
            if roles:
                items.append({"user_id": uid, "roles": [render_grant(g) for g in roles]})
        page, pag = self._paginate(req, items, lambda x: (x["user_id"],))
        return self._ok({"grants": page, "pagination": pag})

    def access_get_roles(self, req, ctx, user_id):
        # an unknown (or deleted) user answers an empty role list, not 404: the provider's user_role_grant(s)
        # Read takes "no roles" as "the user is gone" and has no 404 case
        if user_id not in self.s.persons and user_id not in self.s._service_account_ids():
            return self._roles_answer([])
        return self._roles_answer(self.s.roles_of(user_id))

    def access_set_roles(self, req, ctx, user_id):
        body = self._body(req, SET_ROLES)
        if "roles" not in body:
            raise bad("roles is required (an empty list removes every role but ORG_MEMBER is required)")
        return self._roles_answer(self.s.set_roles(user_id, body["roles"]))

    def access_add_role(self, req, ctx, user_id, resource_type, resource_id, role_name):
        return self._roles_answer(self.s.add_role(user_id, resource_type, resource_id, role_name))

    def access_remove_role(self, req, ctx, user_id, resource_type, resource_id, role_name):
        return self._roles_answer(self.s.remove_role(user_id, resource_type, resource_id, role_name))

    def access_person_by_email(self, req, ctx):
        p = self.s.person_by_email(req.q("email"))
        return self._ok({"user": {"id": p["id"], "email": p["email"]}})

    # -- JWT issuers ---------------------------------------------------------------------------
    @staticmethod
    def _render_jwt(j):
        out = {k: copy.deepcopy(j[k]) for k in ("id", "issuer_url", "audience", "claim", "identity_map")}
        if j.get("jwks"):
            out["jwks"] = j["jwks"]
        return out

    def access_list_jwt(self, req, ctx):
        items = list(self.s.jwt_issuers.values())
        page, pag = self._paginate(req, items, lambda j: (j["created_at"], j["id"]))
        return self._ok({"jwt_issuers": [self._render_jwt(j) for j in page], "pagination": pag})

    def access_add_jwt(self, req, ctx):
        return self._ok(self._render_jwt(self.s.add_jwt_issuer(self._body(req, JWT_ADD))))

    def access_get_jwt(self, req, ctx, id):  # pylint: disable=redefined-builtin
        return self._ok(self._render_jwt(self.s._jwt(id)))

    def access_update_jwt(self, req, ctx, id):  # pylint: disable=redefined-builtin
        body = self._body(req, JWT_UPDATE)
        return self._ok(self._render_jwt(self.s.update_jwt_issuer(id, body)))

    def access_delete_jwt(self, req, ctx, id):  # pylint: disable=redefined-builtin
        return self._ok(self._render_jwt(self.s.delete_jwt_issuer(id)))

    # -- invoices ------------------------------------------------------------------------------
    def _invoice(self, start, end):
        s = self.s
        items = []
        for c, hours in s.invoice_clusters(start, end):
            lines = s._line_items(c, hours)
            items.append({"cluster": self._render(c), "line_items": lines,
                          "totals": [_usd(sum(x["total"]["amount"] for x in lines))]})
        total = sum(i["totals"][0]["amount"] for i in items)
        return {
            "invoice_id": s.invoice_id(start),
            "period_start": fmt_ts(start),
            "period_end": fmt_ts(end),
            "status": "DRAFT" if end > s._now_us() else "FINALIZED",
            "invoice_items": items,
            "totals": [_usd(total)],
            "balances": [],
            "adjustments": [],
        }

    def access_list_invoices(self, req, ctx):
        status = self._qenum(req, "status", ("FINALIZED", "DRAFT"))
        st, et = req.q("start_time"), req.q("end_time")
        start = parse_ts(st, "start_time") if st else None
        end = parse_ts(et, "end_time") if et else None
        out = []
        for ps, pe in self.s.invoice_periods():
            if start is not None and ps < start:
                continue
            if end is not None and pe > end:
                continue
            inv = self._invoice(ps, pe)
            if status and inv["status"] != status:
                continue
            out.append(inv)
        return self._ok({"invoices": out})

    def access_get_invoice(self, req, ctx, invoice_id):
        for ps, pe in self.s.invoice_periods():
            if self.s.invoice_id(ps) == invoice_id:
                return self._ok(self._invoice(ps, pe))
        raise not_found("invoice %s not found" % invoice_id)

    # -- control -------------------------------------------------------------------------------
    def c_access_add_person(self, body):
        p = self.s.add_person(body.get("email"), body.get("roles") or ())
        return Response.json(200, dict(p, roles=[render_grant(g) for g in self.s.roles_of(p["id"])]))


H = HandlersMixin
ROLE = "/api/v1/roles/{user_id}/{resource_type}/{resource_id}/{role_name}"
ROUTES = [
    Route("GET", "/api/v1/roles", H.access_list_role_grants),
    Route("GET", "/api/v1/roles/{user_id}", H.access_get_roles),
    Route("PUT", "/api/v1/roles/{user_id}", H.access_set_roles),
    Route("POST", ROLE, H.access_add_role),
    Route("DELETE", ROLE, H.access_remove_role),
    Route("GET", "/api/v1/users/persons-by-email", H.access_person_by_email),
    Route("GET", "/api/v1/jwt-issuers", H.access_list_jwt),
    Route("POST", "/api/v1/jwt-issuers", H.access_add_jwt),
    Route("GET", "/api/v1/jwt-issuers/{id}", H.access_get_jwt),
    Route("PATCH", "/api/v1/jwt-issuers/{id}", H.access_update_jwt),
    Route("DELETE", "/api/v1/jwt-issuers/{id}", H.access_delete_jwt),
    Route("GET", "/api/v1/invoices", H.access_list_invoices),
    Route("GET", "/api/v1/invoices/{invoice_id}", H.access_get_invoice),
]
OPERATION_IDS = {
    "access_list_role_grants": "CockroachCloud_ListRoleGrants",
    "access_get_roles": "CockroachCloud_GetAllRolesForUser",
    "access_set_roles": "CockroachCloud_SetRolesForUser",
    "access_add_role": "CockroachCloud_AddUserToRole",
    "access_remove_role": "CockroachCloud_RemoveUserFromRole",
    "access_person_by_email": "CockroachCloud_GetPersonUsersByEmail",
    "access_list_jwt": "CockroachCloud_ListJWTIssuers",
    "access_add_jwt": "CockroachCloud_AddJWTIssuer",
    "access_get_jwt": "CockroachCloud_GetJWTIssuer",
    "access_update_jwt": "CockroachCloud_UpdateJWTIssuer",
    "access_delete_jwt": "CockroachCloud_DeleteJWTIssuer",
    "access_list_invoices": "CockroachCloud_ListInvoices",
    "access_get_invoice": "CockroachCloud_GetInvoice",
}
CONTROL_ROUTES = [
    Route("POST", "/persons", H.c_access_add_person),  # {"email", "roles": [organization roles]}: a person user
]


def state_view(api):
    s = api.s
    return {
        "persons": [dict(p, roles=[render_grant(g) for g in s.roles_of(p["id"])])
                    for p in sorted(s.persons.values(), key=lambda p: p["email"])],
        "role_grants": {uid: [render_grant(g) for g in s.roles_of(uid)] for uid in s.all_grantees()},
        "jwt_issuers": [api._render_jwt(j) for j in sorted(s.jwt_issuers.values(), key=lambda j: j["created_at"])],
    }
