# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloud API paths of one resource family: folders, service accounts and API keys (issue 12).

:class:`OrgApi` is a mixin of :class:`cloud.CloudClient` (which owns every Cloud API path through its
mixins): its methods use the client's verbs (``self._get``, ``self._post``, ``self._patch``,
``self._put``, ``self._delete``, ``self._paginate``) and never touch ``AnsibleModule``.  Pure
decision functions of the family live here too.  This file never imports ``cloud.py`` (which
imports it).

Folders are named by path or by id everywhere (``folder`` options of the modules, role grants)::

    client.resolve_folder("/prod/payments")        # -> folder id; NotFoundError naming the missing part
    client.resolve_folder("3f0c...-uuid")          # ids are accepted (one GET)
    client.resolve_folder("root")                  # "root" (also "/" and "")
    client.find_folder("/prod/payments")           # FolderResource or None (ROOT for the top level)
    client.resolve_folder("/prod/payments", create_parents=True)   # creates what is missing, top down

A path lookup is one request (``GET /folders?path=``); a missing folder costs one more request per
level only to say which part is missing (or to create it).
"""

import re

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    CockroachError,
    NotFoundError,
)

ROOT_ID = "root"
ROOT = {"resource_id": ROOT_ID, "resource_type": "FOLDER", "parent_id": "", "name": "", "path": [], "labels": {}}
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class ApiKeySecretLostError(CockroachError):
    """An API key was created but the answer that carried its secret was lost (the secret cannot be read again)."""

    kind = "secret_lost"


# -- pure helpers ---------------------------------------------------------------------------------------------
def is_folder_id(value):
    return bool(value) and bool(UUID_RE.match(str(value)))


def is_root(value):
    return value is None or str(value).strip() in ("", "/", ROOT_ID)


def split_folder_path(path):
    """The folder names of an absolute path (``/prod/payments`` -> ``["prod", "payments"]``; ``/`` -> ``[]``).

    Leading and trailing ``/`` are optional (as the API reads them); an empty segment (``/prod//x``) or a
    segment with surrounding spaces raises ValueError naming it.
    """
    text = str(path or "").strip()
    if text in ("", "/"):
        return []
    parts = text.strip("/").split("/")
    for part in parts:
        if not part:
            raise ValueError("folder path %r has an empty segment (two '/' in a row)" % path)
        if part != part.strip():
            raise ValueError("folder path %r: segment %r starts or ends with a space" % (path, part))
    return parts


def folder_path_error(option, value):
    """A message for a ``folder``-like option that is neither ``root``, an id nor a well-formed path; None if fine."""
    if value is None or is_root(value) or is_folder_id(value):
        return None
    try:
        split_folder_path(value)
    except ValueError as exc:
        return "%s: %s; give a path such as /prod/payments, 'root', or a folder id" % (option, exc)
    return None


def join_folder_path(names):
    return "/" + "/".join(names)


def folder_path(folder):
    """``/a/b/name`` of a FolderResource (``/`` for root), from its ``path`` (ancestors) and ``name``."""
    if folder is None or folder.get("resource_id") == ROOT_ID:
        return "/"
    names = [seg.get("name") or "" for seg in folder.get("path") or []]
    return join_folder_path(names + [folder.get("name") or ""])


def parent_of(folder):
    """The parent id of a folder or cluster (``root`` for the top level)."""
    pid = (folder or {}).get("parent_id")
    return ROOT_ID if is_root(pid) else pid


def named(items, name, what, key="name"):
    """The one item of ``items`` whose ``key`` is ``name``, or None; several raise ValueError naming their ids."""
    matches = [i for i in items or [] if i.get(key) == name]
    if len(matches) > 1:
        raise ValueError("%d %ss are named %r (ids: %s); give the id instead of the name"
                         % (len(matches), what, name, ", ".join(str(i.get("id") or i.get("resource_id"))
                                                                for i in matches)))
    return matches[0] if matches else None


def describe_contents(resources):
    """``"2 folders (a, b) and 1 cluster (shop)"`` for a folder's contents (``None`` when empty)."""
    folders = sorted(r.get("name") for r in resources or [] if r.get("resource_type") == "FOLDER")
    clusters = sorted(r.get("name") for r in resources or [] if r.get("resource_type") == "CLUSTER")
    parts = []
    for items, word in ((folders, "folder"), (clusters, "cluster")):
        if items:
            parts.append("%d %s%s (%s)" % (len(items), word, "" if len(items) == 1 else "s", ", ".join(items)))
    return " and ".join(parts) or None


class OrgApi(object):
    """Methods of :class:`cloud.CloudClient` for this family."""

    # -- folders --------------------------------------------------------------------------------------------
    def list_folders(self, path=None):
        """Every folder of the organisation (or those at ``path``: at most one)."""
        params = {"path": join_folder_path(split_folder_path(path))} if path is not None else None
        return self._paginate("/folders", "folders", params=params)

    def get_folder(self, folder_id, missing_ok=False):
        try:
            return self._get("/folders/%s" % folder_id)
        except NotFoundError:
            if missing_ok:
                return None
            raise

    def list_folder_contents(self, folder_id=ROOT_ID):
        """Folders then clusters directly in a folder (``root`` for the top level), as FolderResources."""
        return self._paginate("/folders/%s/contents" % (folder_id or ROOT_ID), "resources")

    def folder_at_path(self, path):
        """The folder at an absolute path (one request), :data:`ROOT` for ``/``, or None."""
        names = split_folder_path(path)
        if not names:
            return dict(ROOT)
        found = [f for f in self.list_folders(path=join_folder_path(names))
                 if folder_path(f) == join_folder_path(names)]
        return found[0] if found else None

    def find_folder(self, path_or_id):
        """The folder named by an id, ``root``, or a path; None when there is none."""
        if is_root(path_or_id):
            return dict(ROOT)
        if is_folder_id(path_or_id):
            return self.get_folder(path_or_id, missing_ok=True)
        return self.folder_at_path(path_or_id)

    def deepest_existing_folder(self, path):
        """``(folder, missing names)``: the deepest folder on ``path`` that exists (:data:`ROOT` if none) and
        the names below it that do not.  One request per level looked at, from the bottom up."""
        names = split_folder_path(path)
        for depth in range(len(names), 0, -1):
            found = self.folder_at_path(join_folder_path(names[:depth]))
            if found is not None:
                return found, names[depth:]
        return dict(ROOT), names

    def resolve_folder(self, path_or_id, create_parents=False, labels=None):
        """The id of the folder named by an id, ``root`` or a path.

        A missing folder raises NotFoundError naming the first missing part; with ``create_parents`` the
        missing folders are created from the top down (``labels`` go to the last one only) and the id of the
        last is returned.
        """
        found = self.find_folder(path_or_id)
        if found is not None:
            return found["resource_id"]
        if is_folder_id(path_or_id):
            raise NotFoundError("folder %s not found" % path_or_id, status=404)
        parent, missing = self.deepest_existing_folder(path_or_id)
        if not create_parents:
            raise NotFoundError("folder %s not found (%s has no folder %r)"
                                % (join_folder_path(split_folder_path(path_or_id)), folder_path(parent), missing[0]),
                                status=404)
        pid = parent["resource_id"]
        for i, name in enumerate(missing):
            pid = self.create_folder(name, pid, labels=labels if i == len(missing) - 1 else None)["resource_id"]
        return pid

    def _folder_in(self, parent_id, name):
        return named([r for r in self.list_folder_contents(parent_id) if r.get("resource_type") == "FOLDER"],
                     name, "folder")

    def create_folder(self, name, parent_id=ROOT_ID, labels=None):
        """POST a folder once; after a lost answer (or a 409: another run made it) the folder is looked up."""
        body = {"name": name, "parent_id": parent_id or ROOT_ID}
        if labels is not None:
            body["labels"] = dict(labels)
        return self._create_once("/folders", body, lambda: self._folder_in(parent_id or ROOT_ID, name), adopt=True)[0]

    def update_folder(self, folder_id, fields):
        """PATCH ``name``, ``parent_id`` and/or ``labels`` (sets values: safe to send again)."""
        return self._patch("/folders/%s" % folder_id, fields, idempotent=True)

    def delete_folder(self, folder_id, missing_ok=True):
        return self._delete("/folders/%s" % folder_id, missing_ok=missing_ok)

    # -- service accounts ---------------------------------------------------------------------------------------
    def list_service_accounts(self):
        return self._paginate("/service-accounts", "service_accounts")

    def get_service_account(self, service_account_id, missing_ok=False):
        try:
            return self._get("/service-accounts/%s" % service_account_id)
        except NotFoundError:
            if missing_ok:
                return None
            raise

    def find_service_account(self, name_or_id):
        """The service account with this id, or the one named so; None if absent; ValueError if ambiguous."""
        if is_folder_id(name_or_id):
            found = self.get_service_account(name_or_id, missing_ok=True)
            if found is not None:
                return found
        return named(self.list_service_accounts(), name_or_id, "service account")

    def resolve_service_account(self, name_or_id):
        found = self.find_service_account(name_or_id)
        if found is None:
            raise NotFoundError("service account %r: no service account has this name or id; check the "
                                "service_account option" % name_or_id, status=404)
        return found

    def create_service_account(self, name, description="", roles=None):
        body = {"name": name, "description": description or "", "roles": list(roles or [])}
        return self._create_once("/service-accounts", body,
                                 lambda: named(self.list_service_accounts(), name, "service account"))[0]

    def update_service_account(self, service_account_id, fields):
        return self._patch("/service-accounts/%s" % service_account_id, fields, idempotent=True)

    def delete_service_account(self, service_account_id, missing_ok=True):
        return self._delete("/service-accounts/%s" % service_account_id, missing_ok=missing_ok)

    # -- API keys ---------------------------------------------------------------------------------------------
    def list_api_keys(self, service_account_id=None):
        params = {"service_account_id": service_account_id} if service_account_id else None
        return self._paginate("/api-keys", "api_keys", params=params)

    def get_api_key(self, api_key_id, missing_ok=False):
        try:
            return self._get("/api-keys/%s" % api_key_id)
        except NotFoundError:
            if missing_ok:
                return None
            raise

    def create_api_key(self, service_account_id, name):
        """``(api_key, secret)``.  The POST is never sent twice blindly; when a lost answer is found to have
        created the key, its secret is gone for good: :class:`ApiKeySecretLostError` names the key to delete."""
        found_key = {}

        def existing():
            found = named(self.list_api_keys(service_account_id), name, "API key")
            found_key["key"] = found
            return found
        answer, recovered = self._create_once("/api-keys", {"name": name, "service_account_id": service_account_id},
                                              existing)
        if recovered:
            key = found_key.get("key") or {}
            raise ApiKeySecretLostError(
                "API key %r (id %s) was created but the answer carrying its secret was lost, and the API never "
                "shows a secret again: delete that key (state=absent) and run again" % (name, key.get("id")))
        return answer.get("api_key") or {}, answer.get("secret")

    def update_api_key(self, api_key_id, fields):
        return self._patch("/api-keys/%s" % api_key_id, fields, idempotent=True)

    def delete_api_key(self, api_key_id, missing_ok=True):
        return self._delete("/api-keys/%s" % api_key_id, missing_ok=missing_ok)
