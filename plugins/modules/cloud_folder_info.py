#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_folder_info
short_description: Folders of a CockroachDB Cloud organization and what they hold
version_added: 0.2.0
description:
  - Without O(folder), lists every folder of the organization (C(GET /api/v1/folders), every page), sorted by path.
  - With O(folder), returns that folder and its contents (C(GET /api/v1/folders/{id}/contents), every page);
    the folders directly in it, sorted by name, then its clusters, sorted by name.
options:
  folder:
    description:
      - The folder to look into, by absolute path (C(/prod/payments)) or id; V(root) (or C(/)) for the top level
        of the organization.
      - A folder that does not exist gives RV(folder=null) and an empty RV(contents) (the task does not fail).
    type: str
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Every folder
  cockroachdb.cockroachdb.cloud_folder_info:
    api_key: "{{ cockroach_api_key }}"
  register: crdb_folders

- name: What /prod/payments holds
  cockroachdb.cockroachdb.cloud_folder_info:
    api_key: "{{ cockroach_api_key }}"
    folder: /prod/payments
  register: crdb_payments

- name: Names of its clusters
  ansible.builtin.debug:
    msg: "{{ crdb_payments.contents | selectattr('type', 'equalto', 'CLUSTER') | map(attribute='name') | list }}"
"""

RETURN = r"""
folders:
  description: Every folder of the organization, sorted by path (only without O(folder); else V([])).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the folder.
      type: str
      sample: 3f0c1a2b-1111-4222-8333-444455556666
    name:
      description: Name of the folder.
      type: str
      sample: payments
    path:
      description: Absolute path of the folder.
      type: str
      sample: /prod/payments
    parent_id:
      description: Id of the parent folder, V(root) at the top level.
      type: str
      sample: root
    labels:
      description: Labels of the folder.
      type: dict
      sample: {team: payments}
folder:
  description: The folder named by O(folder) (same keys as an element of RV(folders)); V(null) without O(folder),
    for the top level, and when it does not exist.
  returned: always
  type: dict
  sample: {id: 3f0c1a2b-1111-4222-8333-444455556666, name: payments, path: /prod/payments, parent_id: root, labels: {}}
contents:
  description: What the folder holds directly (only with O(folder)); folders sorted by name, then clusters sorted
    by name.
  returned: always
  type: list
  elements: dict
  contains:
    type:
      description: V(FOLDER) or V(CLUSTER).
      type: str
      sample: CLUSTER
    id:
      description: Id of the folder or cluster.
      type: str
      sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
    name:
      description: Its name.
      type: str
      sample: shop-prod
    path:
      description: Its absolute path (the folder's path and its name).
      type: str
      sample: /prod/payments/shop-prod
    parent_id:
      description: Id of the folder that holds it.
      type: str
      sample: 3f0c1a2b-1111-4222-8333-444455556666
    labels:
      description: Its labels.
      type: dict
      sample: {}
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_org import (
    OrgApi,
    folder_path,
    folder_path_error,
    is_root,
)


def validate(params):
    message = folder_path_error("folder", params.get("folder"))
    return [message] if message else []


def item_view(item):
    return {"type": item.get("resource_type"), "id": item.get("resource_id"), "name": item.get("name"),
            "path": folder_path(item), "parent_id": item.get("parent_id"), "labels": dict(item.get("labels") or {})}


def folder_view(item):
    view = item_view(item)
    del view["type"]
    return view


def run(m):
    client = m.client
    if m.params.get("folder") is None:
        folders = sorted((folder_view(f) for f in client.list_folders()), key=lambda f: f["path"])
        return {"changed": False, "folders": folders, "folder": None, "contents": []}
    found = client.find_folder(m.params["folder"])
    if found is None:
        return {"changed": False, "folders": [], "folder": None, "contents": []}
    contents = [item_view(i) for i in client.list_folder_contents(found["resource_id"])]
    return {"changed": False, "folders": [], "contents": contents,
            "folder": None if is_root(m.params["folder"]) else folder_view(found)}


def main():
    m = CloudModule(client_mixins=(OrgApi,), argument_spec=dict(folder=dict(type="str")), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
