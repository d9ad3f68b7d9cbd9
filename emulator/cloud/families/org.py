"""Folders, service accounts and API keys (issue 12; spec tags Folders, Service Accounts, API Keys).

Ground truth: the official spec (API 2024-09-16), the Cloud docs on folders, and the Terraform provider
(``folder_resource.go``, ``folder_data_source.go``, ``service_account_resource.go``, ``api_key_resource.go``).

Folders
  * A tree under ``root`` (not a folder itself: ``GET /folders/root`` is 404; ``GET /folders/root/contents``
    lists the top level).  ``parent_id`` ``""``/``"root"``/omitted = top level; an unknown parent is 404.
  * ``path`` of a FolderResource lists the ancestors from the top (root and the resource itself excluded),
    as the provider's ``buildFolderPathString`` reads it.
  * Names collide only with sibling *folders* (a cluster may share a name): 409 ALREADY_EXISTS, on create,
    rename and move.  Exact, case-sensitive comparison.
  * Moving a folder into itself or one of its descendants: 400 INVALID_ARGUMENT.
  * Delete refused while the folder holds folders or clusters (any cluster not DELETED, CREATION_FAILED ones
    included): 400 FAILED_PRECONDITION.  Answer: ``{}`` (the spec's 200 has no schema).
  * ``GET /folders?path=`` matches the absolute path (leading/trailing ``/`` optional); no match = empty list.
  * Contents: direct children only, folders sorted by name then clusters by name (DELETED clusters hidden).
  * Clusters are created in / moved to folders through ``parent_id`` (``CloudState._parent`` below).
  Unknown, modelled harsher (documented so): names are 1-48 characters of letters, digits, ``-``, ``_``,
  ``.`` and inner spaces (no ``/``); the tree is at most 4 folders deep (FAILED_PRECONDITION); labels follow
  the Cloud label rules (at most 50; keys ``[a-z][a-z0-9_-]{0,62}``, values ``[a-z0-9_-]{0,63}``).

Service accounts
  * Names are NOT unique (the spec does not say they are; the harsher case): clients must refuse ambiguity.
    Names are 1-64 characters; ``description`` at most 256.  ``roles`` on create are checked (resource type,
    an existing cluster/folder id) and stored in ``roles``; role management belongs to the ``access`` family.
  * The organisation holds the emulator's own service account (``seed.SERVICE_ACCOUNT_ID``, ORG_ADMIN), the
    one the bootstrap key (``--api-key``) belongs to; it cannot be deleted (emulator limitation: that key is
    the only way in).  Its bootstrap key is not listed among the API keys (its secret has no key id).
  * Delete answers the deleted account and revokes (deletes) every API key of it.

API keys
  * id ``CCDB1_`` + 22 characters; secret ``<id>_`` + 40 characters.  The secret is in the create answer
    ONLY; it is never stored in the key's record, never in the state view nor the audit log.  A created key
    authenticates as a bearer key at once (``self.keys``), with write rights (role checks are the ``access``
    family's); deleting the key or its service account revokes it.
  * Names are not unique within a service account (harsher); 1-128 characters.  Listed by ``created_at``.
  * ``service_account_id`` must name an existing account (404) and be a UUID (400).

Every change writes an audit entry (``AUDIT_LOG_ACTION_{CREATE,UPDATE,DELETE}_{FOLDER,SERVICE_ACCOUNT,API_KEY}``).
Lists use the core keyset pagination (default limit 100).
"""

import re
import string

from emulator.cloud import seed
from emulator.cloud.encoding import STR, _enum, _list, _map, _obj, fmt_ts
from emulator.cloud.errors import ALREADY_EXISTS, FAILED_PRECONDITION, ApiError, bad, not_found
from emulator.routing import Route

FOLDER_NAME_RE = re.compile(r"^[A-Za-z0-9_.-](?:[A-Za-z0-9 _.-]{0,46}[A-Za-z0-9_.-])?$")
LABEL_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE_RE = re.compile(r"^[a-z0-9_-]{0,63}$")
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_FOLDER_DEPTH = 4
MAX_LABELS = 50
ROLE_NAMES = ("BILLING_COORDINATOR", "ORG_ADMIN", "ORG_MEMBER", "CLUSTER_ADMIN", "CLUSTER_OPERATOR_WRITER",
              "CLUSTER_DEVELOPER", "CLUSTER_CREATOR", "FOLDER_ADMIN", "FOLDER_MOVER", "METRICS_VIEWER",
              "CLUSTER_MONITOR", "BILLING_VIEWER")
KEY_ALPHABET = string.ascii_letters + string.digits

FOLDER_CREATE = _obj(name=STR, parent_id=STR, labels=_map(STR))
FOLDER_UPDATE = _obj(folder_id=STR, name=STR, parent_id=STR, labels=_map(STR))
BUILT_IN_ROLE = _obj(name=_enum(*ROLE_NAMES), resource=_obj(id=STR, type=_enum("ORGANIZATION", "CLUSTER", "FOLDER")))
SA_CREATE = _obj(name=STR, description=STR, roles=_list(BUILT_IN_ROLE))
SA_UPDATE = _obj(id=STR, name=STR, description=STR)
KEY_CREATE = _obj(name=STR, service_account_id=STR)
KEY_UPDATE = _obj(id=STR, name=STR)


def _is_root(pid):
    return pid in (None, "", "root")


class StateMixin:
    def _reset_org(self):
        self.folders = {}
        self.service_accounts = {}
        self.api_keys = {}
        self.service_accounts[seed.SERVICE_ACCOUNT_ID] = {
            "id": seed.SERVICE_ACCOUNT_ID, "name": seed.SERVICE_ACCOUNT_NAME,
            "description": "the emulator's own service account (its key is --api-key)",
            "creator_name": "emulator", "created_at": 1704164645 * 1_000_000,
            "roles": [{"name": "ORG_ADMIN", "resource": {"type": "ORGANIZATION", "id": seed.ORGANIZATION["id"]}}],
            "group_roles": [],
        }

    # -- folders ----------------------------------------------------------------------------------
    def _parent(self, pid):
        """The folder id a ``parent_id`` names (``root`` for the top level); 404 for an unknown folder."""
        if _is_root(pid):
            return "root"
        if pid not in self.folders:
            raise not_found("folder %s not found" % pid)
        return pid

    def _folder(self, fid):
        f = self.folders.get(fid)
        if f is None:
            raise not_found("folder %s not found" % fid)
        return f

    def folder_ancestors(self, parent_id):
        """[folder, ...] from the top down to ``parent_id`` (empty for root)."""
        out = []
        pid = parent_id
        while not _is_root(pid):
            f = self.folders[pid]
            out.append(f)
            pid = f["parent_id"]
        return list(reversed(out))

    def _subtree_height(self, fid):
        kids = [f["id"] for f in self.folders.values() if f["parent_id"] == fid]
        return 1 + max([self._subtree_height(k) for k in kids] or [0])

    @staticmethod
    def _check_folder_name(name):
        if not name:
            raise bad("name is required")
        if not FOLDER_NAME_RE.match(name):
            raise bad("invalid folder name %r: use 1 to 48 letters, digits, '-', '_', '.' or inner spaces" % name)

    @staticmethod
    def _check_labels(labels):
        if len(labels) > MAX_LABELS:
            raise bad("a resource can have at most %d labels" % MAX_LABELS)
        for k, v in labels.items():
            if not LABEL_KEY_RE.match(k):
                raise bad("invalid label key %r: start with a lowercase letter; use lowercase letters, digits, "
                          "'_' and '-' (at most 63)" % k)
            if not LABEL_VALUE_RE.match(v):
                raise bad("invalid value %r of label %r: use lowercase letters, digits, '_' and '-' (at most 63)"
                          % (v, k))

    def _check_sibling_name(self, parent_id, name, own_id=None):
        for f in self.folders.values():
            if f["parent_id"] == parent_id and f["name"] == name and f["id"] != own_id:
                raise ApiError(409, ALREADY_EXISTS, "a folder named %s already exists in this location" % name)

    def folder_path_text(self, f):
        return "/" + "/".join([a["name"] for a in self.folder_ancestors(f["parent_id"])] + [f["name"]])

    def create_folder(self, body):
        name = body.get("name", "")
        self._check_folder_name(name)
        parent = self._parent(body.get("parent_id"))
        labels = dict(body.get("labels") or {})
        self._check_labels(labels)
        if len(self.folder_ancestors(parent)) + 1 > MAX_FOLDER_DEPTH:
            raise bad("folders can be nested at most %d levels deep" % MAX_FOLDER_DEPTH, FAILED_PRECONDITION)
        self._check_sibling_name(parent, name)
        f = {"id": self._uuid(), "name": name, "parent_id": parent, "labels": labels, "created_at": self._now_us()}
        self.folders[f["id"]] = f
        self._record("AUDIT_LOG_ACTION_CREATE_FOLDER", None, {"id": f["id"], "name": name, "parent_id": parent})
        return f

    def update_folder(self, fid, body):
        f = self._folder(fid)
        name = body.get("name", f["name"])
        self._check_folder_name(name)
        parent = self._parent(body["parent_id"]) if "parent_id" in body else f["parent_id"]
        labels = dict(body["labels"]) if "labels" in body else dict(f["labels"])
        self._check_labels(labels)
        if parent != f["parent_id"]:
            if parent == fid or any(a["id"] == fid for a in self.folder_ancestors(parent)):
                raise bad("a folder cannot be moved into itself or one of its descendants")
            if len(self.folder_ancestors(parent)) + self._subtree_height(fid) > MAX_FOLDER_DEPTH:
                raise bad("folders can be nested at most %d levels deep" % MAX_FOLDER_DEPTH, FAILED_PRECONDITION)
        if parent != f["parent_id"] or name != f["name"]:
            self._check_sibling_name(parent, name, own_id=fid)
        changed = (name, parent, labels) != (f["name"], f["parent_id"], f["labels"])
        f["name"], f["parent_id"], f["labels"] = name, parent, labels
        if changed:
            self._record("AUDIT_LOG_ACTION_UPDATE_FOLDER", None, {"id": fid, "name": name, "parent_id": parent,
                                                                  "labels": labels})
        return f

    def folder_children(self, fid):
        """(folders, clusters) directly in ``fid`` (``root`` for the top level)."""
        folders = [f for f in self.folders.values() if f["parent_id"] == fid]
        clusters = []
        for c in self.clusters.values():
            self._tick(c)
            if c["state"] != "DELETED" and c["parent_id"] == fid:
                clusters.append(c)
        return folders, clusters

    def delete_folder(self, fid):
        f = self._folder(fid)
        folders, clusters = self.folder_children(fid)
        if folders or clusters:
            raise bad("folder %s is not empty (%d folders, %d clusters); move or delete its contents first"
                      % (f["name"], len(folders), len(clusters)), FAILED_PRECONDITION)
        del self.folders[fid]
        self._record("AUDIT_LOG_ACTION_DELETE_FOLDER", None, {"id": fid, "name": f["name"]})
        return f

    def folders_by_path(self, path):
        want = path.strip("/").split("/")
        return [f for f in self.folders.values() if self.folder_path_text(f).strip("/").split("/") == want]

    # -- service accounts -----------------------------------------------------------------------
    def _service_account(self, sid):
        sa = self.service_accounts.get(sid)
        if sa is None:
            raise not_found("service account %s not found" % sid)
        return sa

    @staticmethod
    def _check_sa_fields(body):
        if "name" in body:
            n = body["name"]
            if not n.strip():
                raise bad("name is required")
            if len(n) > 64:
                raise bad("name is too long (at most 64 characters)")
        if len(body.get("description") or "") > 256:
            raise bad("description is too long (at most 256 characters)")

    def _check_roles(self, roles):
        out = []
        for r in roles:
            res = r.get("resource")
            if not r.get("name") or res is None or not res.get("type"):
                raise bad("each role needs a name and a resource with a type")
            rtype, rid = res["type"], res.get("id", "")
            if rtype == "ORGANIZATION":
                if rid and rid != seed.ORGANIZATION["id"]:
                    raise not_found("organization %s not found" % rid)
                rid = seed.ORGANIZATION["id"]
            elif rtype == "CLUSTER":
                c = self.clusters.get(rid)
                if c is None or c["state"] == "DELETED":
                    raise not_found("cluster %s not found" % rid)
            else:
                self._folder(rid)
            role = {"name": r["name"], "resource": {"type": rtype, "id": rid}}
            if role not in out:
                out.append(role)
        return out

    def create_service_account(self, body):
        if not body.get("name"):
            raise bad("name is required")
        self._check_sa_fields(body)
        roles = self._check_roles(body.get("roles") or [])
        sa = {"id": self._uuid(), "name": body["name"], "description": body.get("description", ""),
              "creator_name": seed.SERVICE_ACCOUNT_NAME, "created_at": self._now_us(), "roles": roles,
              "group_roles": []}
        self.service_accounts[sa["id"]] = sa
        self._record("AUDIT_LOG_ACTION_CREATE_SERVICE_ACCOUNT", None,
                     {"id": sa["id"], "name": sa["name"], "description": sa["description"]})
        return sa

    def update_service_account(self, sid, body):
        sa = self._service_account(sid)
        self._check_sa_fields(body)
        changed = False
        for k in ("name", "description"):
            if k in body and body[k] != sa[k]:
                sa[k] = body[k]
                changed = True
        if changed:
            self._record("AUDIT_LOG_ACTION_UPDATE_SERVICE_ACCOUNT", None,
                         {"id": sid, "name": sa["name"], "description": sa["description"]})
        return sa

    def delete_service_account(self, sid):
        sa = self._service_account(sid)
        if sid == seed.SERVICE_ACCOUNT_ID:
            raise bad("the emulator's own service account cannot be deleted (its key is the emulator's "
                      "bootstrap key)", FAILED_PRECONDITION)
        for kid in [k for k, v in self.api_keys.items() if v["service_account_id"] == sid]:
            self._drop_api_key(kid)
        del self.service_accounts[sid]
        self._record("AUDIT_LOG_ACTION_DELETE_SERVICE_ACCOUNT", None, {"id": sid, "name": sa["name"]})
        return sa

    # -- API keys -------------------------------------------------------------------------------
    def _api_key(self, kid):
        k = self.api_keys.get(kid)
        if k is None:
            raise not_found("api key %s not found" % kid)
        return k

    @staticmethod
    def _check_key_name(name):
        if not name or not name.strip():
            raise bad("name is required")
        if len(name) > 128:
            raise bad("name is too long (at most 128 characters)")

    def _random_text(self, n):
        return "".join(self.rng.choice(KEY_ALPHABET) for dummy in range(n))

    def create_api_key(self, body):
        """(key record, secret); the secret is kept only as a bearer key in ``self.keys``."""
        self._check_key_name(body.get("name"))
        sid = body.get("service_account_id") or ""
        if not UUID_RE.match(sid):
            raise bad('invalid value for field "service_account_id": %r is not a UUID' % sid)
        self._service_account(sid)
        kid = "CCDB1_" + self._random_text(22)
        secret = kid + "_" + self._random_text(40)
        k = {"id": kid, "name": body["name"], "service_account_id": sid, "created_at": self._now_us()}
        self.api_keys[kid] = k
        self.keys[secret] = {"read_only": False, "api_key_id": kid, "service_account_id": sid}
        self._record("AUDIT_LOG_ACTION_CREATE_API_KEY", None, {"id": kid, "name": k["name"],
                                                               "service_account_id": sid})
        return k, secret

    def update_api_key(self, kid, body):
        k = self._api_key(kid)
        if "name" in body:
            self._check_key_name(body["name"])
            if body["name"] != k["name"]:
                k["name"] = body["name"]
                self._record("AUDIT_LOG_ACTION_UPDATE_API_KEY", None, {"id": kid, "name": k["name"]})
        return k

    def _drop_api_key(self, kid):
        k = self.api_keys.pop(kid)
        for secret in [s for s, v in self.keys.items() if v.get("api_key_id") == kid]:
            del self.keys[secret]
        return k

    def delete_api_key(self, kid):
        self._api_key(kid)
        k = self._drop_api_key(kid)
        self._record("AUDIT_LOG_ACTION_DELETE_API_KEY", None, {"id": kid, "name": k["name"]})
        return k


class HandlersMixin:
    # -- rendering -------------------------------------------------------------------------------
    def _folder_resource(self, obj, kind):
        return {
            "resource_id": obj["id"], "resource_type": kind, "parent_id": obj["parent_id"],
            "organization_id": seed.ORGANIZATION["id"], "name": obj["name"],
            "path": [{"id": a["id"], "name": a["name"]} for a in self.s.folder_ancestors(obj["parent_id"])],
            "labels": dict(obj["labels"]),
        }

    @staticmethod
    def _render_sa(sa):
        return {"id": sa["id"], "name": sa["name"], "description": sa["description"],
                "creator_name": sa["creator_name"], "created_at": fmt_ts(sa["created_at"]),
                "roles": [{"name": r["name"], "resource": dict(r["resource"])} for r in sa["roles"]],
                "group_roles": list(sa["group_roles"])}

    @staticmethod
    def _render_key(k):
        return {"id": k["id"], "name": k["name"], "service_account_id": k["service_account_id"],
                "created_at": fmt_ts(k["created_at"])}

    # -- folders ---------------------------------------------------------------------------------
    def folder_list(self, req, ctx):
        path = req.q("path")
        items = list(self.s.folders.values()) if not path else self.s.folders_by_path(path)
        page, pag = self._paginate(req, items, lambda f: (f["name"], f["id"]))
        return self._ok({"folders": [self._folder_resource(f, "FOLDER") for f in page], "pagination": pag})

    def folder_create(self, req, ctx):
        f = self.s.create_folder(self._body(req, FOLDER_CREATE))
        return self._ok(self._folder_resource(f, "FOLDER"))

    def folder_get(self, req, ctx, folder_id):
        return self._ok(self._folder_resource(self.s._folder(folder_id), "FOLDER"))

    def folder_update(self, req, ctx, folder_id):
        body = self._body(req, FOLDER_UPDATE)
        body.pop("folder_id", None)
        return self._ok(self._folder_resource(self.s.update_folder(folder_id, body), "FOLDER"))

    def folder_delete(self, req, ctx, folder_id):
        self.s.delete_folder(folder_id)
        return self._ok({})

    def folder_contents(self, req, ctx, folder_id):
        fid = "root" if _is_root(folder_id) else self.s._folder(folder_id)["id"]
        folders, clusters = self.s.folder_children(fid)
        items = [(0, f["name"], f["id"], f, "FOLDER") for f in folders]
        items += [(1, c["name"], c["id"], c, "CLUSTER") for c in clusters]
        page, pag = self._paginate(req, items, lambda it: it[:3])
        return self._ok({"resources": [self._folder_resource(it[3], it[4]) for it in page], "pagination": pag})

    # -- service accounts -------------------------------------------------------------------------
    def service_account_list(self, req, ctx):
        page, pag = self._paginate(req, list(self.s.service_accounts.values()), lambda sa: (sa["name"], sa["id"]))
        return self._ok({"service_accounts": [self._render_sa(sa) for sa in page], "pagination": pag})

    def service_account_create(self, req, ctx):
        return self._ok(self._render_sa(self.s.create_service_account(self._body(req, SA_CREATE))))

    def service_account_get(self, req, ctx, id):  # pylint: disable=redefined-builtin
        return self._ok(self._render_sa(self.s._service_account(id)))

    def service_account_update(self, req, ctx, id):  # pylint: disable=redefined-builtin
        body = self._body(req, SA_UPDATE)
        body.pop("id", None)
        return self._ok(self._render_sa(self.s.update_service_account(id, body)))

    def service_account_delete(self, req, ctx, id):  # pylint: disable=redefined-builtin
        return self._ok(self._render_sa(self.s.delete_service_account(id)))

    # -- API keys --------------------------------------------------------------------------------
    def api_key_list(self, req, ctx):
        sid = req.q("service_account_id")
        items = [k for k in self.s.api_keys.values() if not sid or k["service_account_id"] == sid]
        page, pag = self._paginate(req, items, lambda k: (k["created_at"], k["id"]))
        return self._ok({"api_keys": [self._render_key(k) for k in page], "pagination": pag})

    def api_key_create(self, req, ctx):
        k, secret = self.s.create_api_key(self._body(req, KEY_CREATE))
        return self._ok({"api_key": self._render_key(k), "secret": secret})

    def api_key_get(self, req, ctx, id):  # pylint: disable=redefined-builtin
        return self._ok(self._render_key(self.s._api_key(id)))

    def api_key_update(self, req, ctx, id):  # pylint: disable=redefined-builtin
        body = self._body(req, KEY_UPDATE)
        body.pop("id", None)
        return self._ok(self._render_key(self.s.update_api_key(id, body)))

    def api_key_delete(self, req, ctx, id):  # pylint: disable=redefined-builtin
        return self._ok(self._render_key(self.s.delete_api_key(id)))


H = HandlersMixin
F = "/api/v1/folders/{folder_id}"
ROUTES = [
    Route("GET", "/api/v1/folders", H.folder_list),
    Route("POST", "/api/v1/folders", H.folder_create),
    Route("GET", F, H.folder_get),
    Route("PATCH", F, H.folder_update),
    Route("DELETE", F, H.folder_delete),
    Route("GET", F + "/contents", H.folder_contents),
    Route("GET", "/api/v1/service-accounts", H.service_account_list),
    Route("POST", "/api/v1/service-accounts", H.service_account_create),
    Route("GET", "/api/v1/service-accounts/{id}", H.service_account_get),
    Route("PATCH", "/api/v1/service-accounts/{id}", H.service_account_update),
    Route("DELETE", "/api/v1/service-accounts/{id}", H.service_account_delete),
    Route("GET", "/api/v1/api-keys", H.api_key_list),
    Route("POST", "/api/v1/api-keys", H.api_key_create),
    Route("GET", "/api/v1/api-keys/{id}", H.api_key_get),
    Route("PATCH", "/api/v1/api-keys/{id}", H.api_key_update),
    Route("DELETE", "/api/v1/api-keys/{id}", H.api_key_delete),
]
OPERATION_IDS = {
    "folder_list": "CockroachCloud_ListFolders",
    "folder_create": "CockroachCloud_CreateFolder",
    "folder_get": "CockroachCloud_GetFolder",
    "folder_update": "CockroachCloud_UpdateFolder",
    "folder_delete": "CockroachCloud_DeleteFolder",
    "folder_contents": "CockroachCloud_ListFolderContents",
    "service_account_list": "CockroachCloud_ListServiceAccounts",
    "service_account_create": "CockroachCloud_CreateServiceAccount",
    "service_account_get": "CockroachCloud_GetServiceAccount",
    "service_account_update": "CockroachCloud_UpdateServiceAccount",
    "service_account_delete": "CockroachCloud_DeleteServiceAccount",
    "api_key_list": "CockroachCloud_ListApiKeys",
    "api_key_create": "CockroachCloud_CreateApiKey",
    "api_key_get": "CockroachCloud_GetApiKey",
    "api_key_update": "CockroachCloud_UpdateApiKey",
    "api_key_delete": "CockroachCloud_DeleteApiKey",
}
CONTROL_ROUTES = []


def state_view(api):
    """Folders (with their path), service accounts and API keys (never a secret)."""
    s = api.s
    return {
        "folders": [{"id": f["id"], "name": f["name"], "parent_id": f["parent_id"], "path": s.folder_path_text(f),
                     "labels": dict(f["labels"])} for f in sorted(s.folders.values(), key=s.folder_path_text)],
        "service_accounts": [{"id": sa["id"], "name": sa["name"], "description": sa["description"]}
                             for sa in sorted(s.service_accounts.values(), key=lambda x: (x["name"], x["id"]))],
        "api_keys": [dict(k, created_at=fmt_ts(k["created_at"]))
                     for k in sorted(s.api_keys.values(), key=lambda x: (x["created_at"], x["id"]))],
        "api_key_count_active": sum(1 for v in s.keys.values() if v.get("api_key_id")),
    }
