#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_folder
short_description: Folders of a CockroachDB Cloud organization
version_added: 0.2.0
description:
  - Creates, renames, moves, relabels and deletes a folder through the Cloud API (C(/api/v1/folders)).
  - A folder is named by its absolute path, such as C(/prod/payments); the last part is its name, the rest is
    the path of its parent (C(/) is the top level of the organization).
  - Looking a folder up by path costs one request; a run that changes nothing sends only reads.
  - Folders are a preview feature of CockroachDB Cloud; the organization must have them enabled.
options:
  path:
    description:
      - Absolute path of the folder, such as C(/prod/payments) (the leading C(/) is optional).
      - No empty part (C(//)) and no part that starts or ends with a space.
    type: str
    required: true
  from_path:
    description:
      - Current path of a folder to rename and/or move to O(path) (its contents move with it).
      - If O(path) already exists, nothing is moved (so the task stays idempotent once the move is done).
      - If neither O(path) nor O(from_path) exists, the task fails and writes nothing.
      - Only with O(state=present).
    type: str
  parents:
    description:
      - Create the missing parent folders of O(path) (like C(mkdir -p)), for a new folder and for a move.
      - When V(false), a missing parent fails the task, naming the first missing part, before any write.
    type: bool
    default: false
  labels:
    description:
      - The labels of the folder, exactly (labels not listed are removed). V({}) removes every label.
      - Not set, the labels are left as they are (a new folder gets none).
    type: dict
  state:
    description:
      - V(present) creates the folder (or moves it from O(from_path)), V(absent) deletes it.
      - The API refuses to delete a folder that is not empty; the module fails first and says what the folder
        holds. With O(recurse=true) its sub-folders are deleted too, deepest first, provided that no cluster lies
        anywhere under it (clusters are never deleted by this module).
    type: str
    choices: [present, absent]
    default: present
  recurse:
    description:
      - With O(state=absent), also delete the sub-folders of the folder (only when none of them holds a cluster).
    type: bool
    default: false
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Folder for the payment clusters, and its parents
  cockroachdb.cockroachdb.cloud_folder:
    api_key: "{{ cockroach_api_key }}"
    path: /prod/payments
    parents: true
    labels:
      team: payments

- name: Rename it (a second run finds /prod/billing and does nothing)
  cockroachdb.cockroachdb.cloud_folder:
    api_key: "{{ cockroach_api_key }}"
    path: /prod/billing
    from_path: /prod/payments

- name: Move it to the top level
  cockroachdb.cockroachdb.cloud_folder:
    api_key: "{{ cockroach_api_key }}"
    path: /billing
    from_path: /prod/billing

- name: Delete a folder and its empty sub-folders
  cockroachdb.cockroachdb.cloud_folder:
    api_key: "{{ cockroach_api_key }}"
    path: /scratch
    state: absent
    recurse: true
"""

RETURN = r"""
folder:
  description: The folder after the run (predicted in check mode); V(null) when it is absent.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the folder; V(null) for a folder that check mode predicts would be created.
      type: str
      sample: 3f0c1a2b-1111-4222-8333-444455556666
    name:
      description: Name of the folder (the last part of its path).
      type: str
      sample: payments
    path:
      description: Absolute path of the folder.
      type: str
      sample: /prod/payments
    parent_id:
      description: Id of the parent folder, V(root) at the top level (V(null) when check mode predicts a parent
        that would be created).
      type: str
      sample: root
    labels:
      description: Labels of the folder.
      type: dict
      sample: {team: payments}
moved_from:
  description: The old path when the folder was renamed or moved (or would be in check mode), else V(null).
  returned: always
  type: str
  sample: /prod/payments
created_parents:
  description: Paths of the parent folders created (or that would be) because of O(parents=true), top first.
  returned: always
  type: list
  elements: str
  sample: [/prod]
deleted_subfolders:
  description: Paths of the sub-folders deleted with O(recurse=true) (or that would be), deepest first.
  returned: always
  type: list
  elements: str
  sample: [/scratch/old]
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_org import (
    OrgApi,
    ROOT_ID,
    describe_contents,
    folder_path,
    folder_path_error,
    is_root,
    join_folder_path,
    split_folder_path,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError


def validate(params):
    """Messages for bad options the argspec cannot express; runs before any request."""
    errors = []
    for option in ("path", "from_path"):
        value = params.get(option)
        if value is None:
            continue
        if is_root(value):
            errors.append("%s must name a folder, not the top level (%r)" % (option, value))
            continue
        message = folder_path_error(option, value)
        if message:
            errors.append(message)
    if params.get("from_path") is not None:
        if params.get("state") == "absent":
            errors.append("from_path only works with state=present; to delete a folder give its path and state=absent")
        elif not errors and split_folder_path(params["from_path"]) == split_folder_path(params["path"]):
            errors.append("from_path must differ from path (%r)" % params["path"])
    if params.get("recurse") and params.get("state") != "absent":
        errors.append("recurse only works with state=absent")
    for key, value in (params.get("labels") or {}).items():
        if not isinstance(value, str):
            errors.append("labels.%s must be a string, got %r" % (key, value))
    return errors


def folder_view(folder):
    """The folder as the module returns it."""
    return {"id": folder.get("resource_id"), "name": folder.get("name"), "path": folder_path(folder),
            "parent_id": folder.get("parent_id"), "labels": dict(folder.get("labels") or {})}


def folder_changes(current, name, parent_id, labels):
    """The PATCH body bringing ``current`` (a FolderResource) to ``name`` under ``parent_id`` with ``labels``
    (None: labels left alone); {} when it is already so."""
    changes = {}
    if current.get("name") != name:
        changes["name"] = name
    if (current.get("parent_id") or ROOT_ID) != parent_id:
        changes["parent_id"] = parent_id
    if labels is not None and dict(current.get("labels") or {}) != labels:
        changes["labels"] = dict(labels)
    return changes


def predicted(names, parent_id, labels, current=None):
    """The FolderResource a create or an update would give (check mode)."""
    base = dict(current or {"resource_id": None, "labels": {}})
    base.update({"name": names[-1], "parent_id": parent_id,
                 "path": [{"id": None, "name": n} for n in names[:-1]]})
    if labels is not None:
        base["labels"] = dict(labels)
    return base


class Parent:
    """The parent folder of a path: its id, or the folders to create first (``parents``)."""

    def __init__(self, client, names, create):
        self.client = client
        self.names = names[:-1]
        self.path = join_folder_path(self.names)
        self.id = None
        self.missing = []
        found, missing = client.deepest_existing_folder(self.path)
        if missing and not create:
            raise NotFoundError("the parent folder %s does not exist (%s has no folder %r); create it first or set "
                                "parents=true" % (self.path, folder_path(found), missing[0]), status=404)
        self.id = found["resource_id"] if not missing else None
        self.top = found["resource_id"]
        self.missing = missing

    def created_paths(self):
        done = len(self.names) - len(self.missing)
        return [join_folder_path(self.names[:done + i + 1]) for i in range(len(self.missing))]

    def ensure(self):
        """Create the missing parents (top first); the parent id."""
        pid = self.top
        for name in self.missing:
            pid = self.client.create_folder(name, pid)["resource_id"]
        self.id = pid
        return pid


def run(m):
    params = m.params
    client = m.client
    names = split_folder_path(params["path"])
    labels = params.get("labels")
    labels = {k: str(v) for k, v in labels.items()} if labels is not None else None
    result_extra = {"moved_from": None, "created_parents": [], "deleted_subfolders": []}

    current = client.folder_at_path(params["path"])
    if params["state"] == "absent":
        return absent(m, current, result_extra)

    moved_from = None
    if current is None and params.get("from_path"):
        current = client.folder_at_path(params["from_path"])
        if current is None:
            raise NotFoundError("neither %s nor from_path %s exists: nothing to move; create the folder without "
                                "from_path" % (join_folder_path(names), join_folder_path(
                                    split_folder_path(params["from_path"]))), status=404)
        moved_from = folder_path(current)

    parent = None
    if current is None or moved_from is not None:
        same_parent = moved_from is not None and split_folder_path(moved_from)[:-1] == names[:-1]
        if same_parent:
            parent_id = current.get("parent_id") or ROOT_ID
        else:
            parent = Parent(client, names, params["parents"])
            parent_id = parent.id
            result_extra["created_parents"] = parent.created_paths()
    else:
        parent_id = current.get("parent_id") or ROOT_ID

    def parent_now():
        return parent.ensure() if parent is not None and parent.missing else parent_id

    def create():
        return client.create_folder(names[-1], parent_now(), labels=labels)

    def update(changes):
        if "parent_id" in changes:
            changes = dict(changes, parent_id=parent_now())
        return client.update_folder(current["resource_id"], changes)

    def changes_of(cur):
        # a parent still to be created is a move for sure (its id is not known yet)
        return folder_changes(cur, names[-1], parent_id if parent_id is not None else "(new)", labels)

    result = ensure(m, current, "present", result_key="folder", changes=changes_of, create=create, update=update,
                    predict=lambda cur, ch: predicted(names, parent_id, labels, cur), view=folder_view)
    if result["folder"] is not None:
        result["folder"]["path"] = join_folder_path(names)
    result_extra["moved_from"] = moved_from
    result.update(result_extra)
    return result


def subtree(client, folder):
    """``(folders deepest first as (path, id), clusters as paths)`` under ``folder`` (itself excluded)."""
    folders, clusters = [], []
    for item in client.list_folder_contents(folder["resource_id"]):
        path = folder_path(item)
        if item.get("resource_type") == "CLUSTER":
            clusters.append(path)
        else:
            deeper, deeper_clusters = subtree(client, item)
            folders.extend(deeper)
            folders.append((path, item["resource_id"]))
            clusters.extend(deeper_clusters)
    return folders, clusters


def absent(m, current, extra):
    client = m.client
    below = []
    if current is not None:
        contents = client.list_folder_contents(current["resource_id"])
        if contents:
            where = folder_path(current)
            if not m.params["recurse"]:
                raise ValueError("folder %s is not empty: it holds %s; move or delete them first, or set recurse=true "
                                 "to delete its sub-folders too" % (where, describe_contents(contents)))
            folders, clusters = subtree(client, current)
            if clusters:
                raise ValueError("folder %s holds clusters (%s); clusters are never deleted by this module: move or "
                                 "delete them first" % (where, ", ".join(sorted(clusters))))
            below = folders
            extra["deleted_subfolders"] = [path for path, _fid in folders]

    def delete():
        for _path, fid in below:
            client.delete_folder(fid)
        client.delete_folder(current["resource_id"])

    result = ensure(m, current, "absent", result_key="folder", delete=delete, view=folder_view)
    result.update(extra)
    return result


def main():
    m = CloudModule(client_mixins=(OrgApi,), argument_spec=dict(
        path=dict(type="str", required=True),
        from_path=dict(type="str"),
        parents=dict(type="bool", default=False),
        labels=dict(type="dict"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        recurse=dict(type="bool", default=False),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
