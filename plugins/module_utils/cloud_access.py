# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloud API paths of one resource family: role grants, person users by email, JWT issuers, invoices (issue 12),
plus the organisation and the major versions (paths of the core emulator family, read by this family's modules).

:class:`AccessApi` is a mixin of :class:`cloud.CloudClient` (which owns every Cloud API path through its
mixins): its methods use the client's verbs (``self._get``, ``self._post``, ``self._patch``,
``self._put``, ``self._delete``, ``self._paginate``) and never touch ``AnsibleModule``.  Pure
decision functions of the family live here too.  This file never imports ``cloud.py`` (which
imports it).
"""

from urllib.parse import quote

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError

ROLE_NAMES = ("BILLING_COORDINATOR", "ORG_ADMIN", "ORG_MEMBER", "CLUSTER_ADMIN", "CLUSTER_OPERATOR_WRITER",
              "CLUSTER_DEVELOPER", "CLUSTER_CREATOR", "FOLDER_ADMIN", "FOLDER_MOVER", "METRICS_VIEWER",
              "CLUSTER_MONITOR", "BILLING_VIEWER")
RESOURCE_TYPES = ("ORGANIZATION", "FOLDER", "CLUSTER")
ORG_ONLY_ROLES = ("ORG_ADMIN", "ORG_MEMBER", "BILLING_COORDINATOR", "BILLING_VIEWER")
ORG_OR_FOLDER_ROLES = ("CLUSTER_CREATOR", "FOLDER_ADMIN", "FOLDER_MOVER")
REQUIRED_GRANT = ("ORG_MEMBER", "ORGANIZATION", "")


def roles_valid_on(resource_type):
    """The role names the Cloud Console allows on a resource type (``ORGANIZATION``, ``FOLDER``, ``CLUSTER``)."""
    if resource_type == "ORGANIZATION":
        return ROLE_NAMES
    if resource_type == "FOLDER":
        return tuple(r for r in ROLE_NAMES if r not in ORG_ONLY_ROLES)
    return tuple(r for r in ROLE_NAMES if r not in ORG_ONLY_ROLES and r not in ORG_OR_FOLDER_ROLES)


def grant_key(role):
    """``(role name, resource type, resource id)`` of an API ``BuiltInRole`` (the organisation's id is ``""``)."""
    resource = role.get("resource") or {}
    rtype = resource.get("type") or "ORGANIZATION"
    rid = "" if rtype == "ORGANIZATION" else (resource.get("id") or "")
    return (role.get("name"), rtype, rid)


def grant_body(key):
    """The API ``BuiltInRole`` of a grant key."""
    resource = {"type": key[1]}
    if key[1] != "ORGANIZATION":
        resource["id"] = key[2]
    return {"name": key[0], "resource": resource}


def grant_sort_key(key):
    """Organisation first, then folders, then clusters; by resource id, then role name."""
    return (RESOURCE_TYPES.index(key[1]) if key[1] in RESOURCE_TYPES else 9, key[2], key[0])


def invoice_spend(invoices, cluster_ids=None, cluster_names=None, currency="USD"):
    """Spend per invoice and cluster (pure): ``{"invoices": [...], "clusters": [...], "total": x}``.

    ``invoices`` as the API returns them; ``cluster_ids`` / ``cluster_names`` (None = all) keep only those
    clusters' items. Each invoice becomes ``{invoice_id, period_start, period_end, status, total, clusters:
    [{cluster_id, cluster_name, total, line_items}]}`` where ``total`` is the sum of the kept items in
    ``currency`` (the invoice's own totals are kept as ``invoice_totals``); ``clusters`` of the summary adds
    each cluster's spend over the kept invoices.
    """
    ids = set(cluster_ids or ())
    names = set(cluster_names or ())

    def amount(totals):
        return sum(float(t.get("amount") or 0) for t in totals or [] if (t.get("currency") or "USD") == currency)

    out, per_cluster = [], {}
    for inv in invoices or []:
        kept = []
        for item in inv.get("invoice_items") or []:
            cluster = item.get("cluster") or {}
            if (ids or names) and cluster.get("id") not in ids and cluster.get("name") not in names:
                continue
            total = round(amount(item.get("totals")), 2)
            kept.append({"cluster_id": cluster.get("id"), "cluster_name": cluster.get("name"),
                         "plan": cluster.get("plan"), "total": total, "line_items": item.get("line_items") or []})
            entry = per_cluster.setdefault(cluster.get("id"), {"cluster_id": cluster.get("id"),
                                                               "cluster_name": cluster.get("name"), "total": 0.0,
                                                               "invoices": 0})
            entry["total"] = round(entry["total"] + total, 2)
            entry["invoices"] += 1
        out.append({"invoice_id": inv.get("invoice_id"), "period_start": inv.get("period_start"),
                    "period_end": inv.get("period_end"), "status": inv.get("status"),
                    "total": round(sum(k["total"] for k in kept), 2), "invoice_totals": inv.get("totals") or [],
                    "clusters": kept})
    clusters = sorted(per_cluster.values(), key=lambda c: (-c["total"], c["cluster_name"] or ""))
    return {"invoices": out, "clusters": clusters, "total": round(sum(i["total"] for i in out), 2),
            "currency": currency}


def mark_versions(versions, current=None):
    """The major versions as the API lists them, newest first, each with ``latest`` (the newest one that is not
    PREVIEW), ``supported`` (support_status SUPPORTED) and, when ``current`` (a version such as ``v24.1.3`` or
    ``v24.1``) is given, ``upgrade_from_current`` (it is in the current major's ``allowed_upgrades``)."""
    def order(v):
        try:
            return tuple(int(x) for x in str(v.get("version", "")).lstrip("v").split("."))
        except ValueError:
            return ()
    rows = sorted((dict(v) for v in versions or []), key=order, reverse=True)
    released = [v for v in rows if v.get("support_status") != "PREVIEW"]
    latest = released[0]["version"] if released else None
    major = ".".join(str(current).split(".")[:2]) if current else None
    allowed = next((v.get("allowed_upgrades") or [] for v in rows if v.get("version") == major), [])
    for v in rows:
        v["latest"] = v.get("version") == latest
        v["supported"] = v.get("support_status") == "SUPPORTED"
        if current:
            v["current"] = v.get("version") == major
            v["upgrade_from_current"] = v.get("version") in allowed
    return rows


class AccessApi(object):
    """Methods of :class:`cloud.CloudClient` for this family."""

    # -- organisation and versions (core paths that only this family's modules read) ----------------------
    def get_organization(self):
        return self._get("/organization")

    def list_cluster_versions(self):
        return self._paginate("/cluster-versions", "versions")

    # -- person users ---------------------------------------------------------------------------------
    def find_person_by_email(self, email):
        """``{id, email}`` of the person user with this email, or None (the API answers 404)."""
        try:
            body = self._get("/users/persons-by-email", params={"email": email}) or {}
        except NotFoundError:
            return None
        return body.get("user") or None

    # -- role grants ----------------------------------------------------------------------------------
    def list_role_grants(self):
        return self._paginate("/roles", "grants")

    def get_roles(self, user_id):
        """The ``BuiltInRole`` list of a person user or service account (404 when the id is unknown)."""
        return (self._get("/roles/%s" % quote(user_id, safe="")) or {}).get("roles") or []

    def set_roles(self, user_id, roles):
        """PUT the whole role set (idempotent: the same body twice gives the same set); the roles after."""
        return (self._put("/roles/%s" % quote(user_id, safe=""), {"roles": roles}) or {}).get("roles") or []

    def _role_path(self, user_id, key, org_id):
        rid = org_id if key[1] == "ORGANIZATION" else key[2]
        return "/roles/%s/%s/%s/%s" % tuple(quote(x, safe="") for x in (user_id, key[1], rid, key[0]))

    def add_role(self, user_id, key, org_id):
        """POST one grant (idempotent on the server); ``org_id`` is the resource id of ORGANIZATION grants."""
        return (self._post(self._role_path(user_id, key, org_id), None, idempotent=True) or {}).get("roles") or []

    def remove_role(self, user_id, key, org_id, missing_ok=True):
        return (self._delete(self._role_path(user_id, key, org_id), missing_ok=missing_ok) or {}).get("roles")

    # -- JWT issuers ----------------------------------------------------------------------------------
    def list_jwt_issuers(self):
        return self._paginate("/jwt-issuers", "jwt_issuers")

    def find_jwt_issuer(self, issuer_url):
        """The issuer whose ``issuer_url`` is this one (trailing slash ignored), or None."""
        want = (issuer_url or "").rstrip("/")
        for issuer in self.list_jwt_issuers():
            if (issuer.get("issuer_url") or "").rstrip("/") == want:
                return issuer
        return None

    def add_jwt_issuer(self, body):
        """POST, never sent twice blindly: after an ambiguous failure (or a 409: another run added it) the issuer is
        looked up by its URL and returned."""
        return self._create_once("/jwt-issuers", body, lambda: self.find_jwt_issuer(body["issuer_url"]), adopt=True)[0]

    def update_jwt_issuer(self, issuer_id, body):
        return self._patch("/jwt-issuers/%s" % quote(issuer_id, safe=""), body, idempotent=True)

    def delete_jwt_issuer(self, issuer_id, missing_ok=True):
        return self._delete("/jwt-issuers/%s" % quote(issuer_id, safe=""), missing_ok=missing_ok)

    # -- invoices -------------------------------------------------------------------------------------
    def list_invoices(self, status=None, start_time=None, end_time=None):
        params = {k: v for k, v in (("status", status), ("start_time", start_time), ("end_time", end_time)) if v}
        return (self._get("/invoices", params=params or None) or {}).get("invoices") or []

    def get_invoice(self, invoice_id):
        return self._get("/invoices/%s" % quote(invoice_id, safe=""))
