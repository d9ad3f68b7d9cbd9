#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_api_key
short_description: API keys of a CockroachDB Cloud service account
version_added: 0.2.0
description:
  - Creates, renames and deletes an API key of a service account through the Cloud API (C(/api/v1/api-keys)).
  - The key is found by O(name) among the keys of O(service_account); a run that finds it never creates a second
    one. Names are not unique in the API; several keys with the name fail the task and list their ids.
  - The secret of a key exists only in the answer to its creation. The module returns it once, in RV(secret) of
    the run that created the key, and can write it to O(secret_file). A later run cannot read it again; to get a
    new secret, delete the key and create it again.
  - The result of a run that returns a secret is hidden from the output at every verbosity, as if the task had
    C(no_log=true) (an action plugin marks it); the registered variable still holds it.
  - A create whose answer is lost (connection reset, timeout) is never sent again blindly; the module looks for
    the key, and when it finds that the key was created it fails and names the key to delete, since its secret
    is gone.
options:
  service_account:
    description:
      - The service account of the key, by name or id (see M(cockroachdb.cockroachdb.cloud_service_account)).
      - With O(state=absent), a service account that does not exist is fine (its keys went with it).
    type: str
    required: true
  name:
    description:
      - Name of the key (1 to 128 characters).
    type: str
    required: true
  rename_from:
    description:
      - Current name of a key of the service account to rename to O(name) (its secret stays valid).
      - If O(name) already exists, nothing is renamed; if neither exists, a key called O(name) is created.
      - Only with O(state=present).
    type: str
  secret_file:
    description:
      - Path of a file, on the host that runs the module, to write the secret of a new key to (mode C(0600),
        no trailing newline). Written only by the run that creates the key.
      - An existing file is refused before the key is created (so no secret is lost) unless
        O(overwrite_secret_file=true).
      - When the key exists already and the file does not, the task warns that the secret cannot be read again.
    type: path
  overwrite_secret_file:
    description:
      - Replace an existing O(secret_file) (its mode becomes C(0600)).
    type: bool
    default: false
  state:
    description:
      - V(present) creates (or renames) the key, V(absent) deletes it (the secret stops working at once).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff never shows the secret.
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Key of the deploy pipeline, secret kept in a private file
  cockroachdb.cockroachdb.cloud_api_key:
    api_key: "{{ cockroach_api_key }}"
    service_account: deployer
    name: pipeline
    secret_file: /etc/deployer/cockroach-api-key
  delegate_to: localhost

- name: Key whose secret goes to a vault right away
  cockroachdb.cockroachdb.cloud_api_key:
    api_key: "{{ cockroach_api_key }}"
    service_account: deployer
    name: rotation-2025
  register: crdb_key

- name: Store it (runs only when the key was just created)
  ansible.builtin.copy:
    content: "{{ crdb_key.secret }}"
    dest: /etc/deployer/key
    mode: "0600"
  no_log: true
  when: crdb_key.secret is not none

- name: Retire the old key
  cockroachdb.cockroachdb.cloud_api_key:
    api_key: "{{ cockroach_api_key }}"
    service_account: deployer
    name: rotation-2024
    state: absent
"""

RETURN = r"""
api_key:
  description: The key after the run (predicted in check mode), never its secret; V(null) when it is absent.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the key (the part of the secret before its last C(_)); V(null) in check mode for a new key.
      type: str
      sample: CCDB1_4xQ9bX0rZ1yW2vU3tS4r5q
    name:
      description: Name of the key.
      type: str
      sample: pipeline
    service_account_id:
      description: Id of its service account.
      type: str
      sample: 3f0c1a2b-1111-4222-8333-444455556666
    created_at:
      description: When it was created (RFC 3339).
      type: str
      sample: '2025-01-01T00:00:00Z'
secret:
  description:
    - The secret of the key, to send as C(Authorization Bearer); only from the run that created the key, else
      V(null) (also in check mode). Never shown in the output.
  returned: always
  type: str
  sample: null
secret_file_written:
  description: Whether O(secret_file) was written by this run.
  returned: always
  type: bool
  sample: true
renamed_from:
  description: The old name when the key was renamed (or would be in check mode), else V(null).
  returned: always
  type: str
  sample: pipeline-old
service_account_id:
  description: Id of the service account; V(null) when O(state=absent) found no such account.
  returned: always
  type: str
  sample: 3f0c1a2b-1111-4222-8333-444455556666
"""

import os

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_org import OrgApi, named
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure

MAX_NAME = 128


def validate(params):
    errors = []
    if not (params.get("service_account") or "").strip():
        errors.append("service_account must be the name or the id of a service account")
    for option in ("name", "rename_from"):
        value = params.get(option)
        if value is None:
            continue
        if not value.strip():
            errors.append("%s must not be empty" % option)
        elif len(value) > MAX_NAME:
            errors.append("%s is too long: at most %d characters, got %d" % (option, MAX_NAME, len(value)))
    if params.get("rename_from") is not None:
        if params.get("state") == "absent":
            errors.append("rename_from only works with state=present; to delete a key give its name and state=absent")
        elif params["rename_from"] == params.get("name"):
            errors.append("rename_from must differ from name (%r)" % params.get("name"))
    if params.get("secret_file") is not None and params.get("state") == "absent":
        errors.append("secret_file only works with state=present (it receives the secret of a new key)")
    return errors


def view(key):
    return {k: key.get(k) for k in ("id", "name", "service_account_id", "created_at")}


def key_to_ensure(keys, name, rename_from=None, state="present"):
    """The key the engine works on: ``name`` if it exists; else, with ``state=present``, ``rename_from`` if that
    exists (a rename); else None. Ambiguous names raise ValueError naming the ids."""
    current = named(keys, name, "API key")
    if current is not None or state == "absent" or not rename_from:
        return current
    return named(keys, rename_from, "API key")


def write_secret_file(path, secret, overwrite):
    """Write ``secret`` to ``path`` with mode 0600 (created so, never readable by others in between)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, secret.encode("utf-8"))
    finally:
        os.close(fd)


def run(m):
    params = m.params
    client = m.client
    name, rename_from, secret_file = params["name"], params.get("rename_from"), params.get("secret_file")
    out = {"secret": None, "secret_file_written": False, "renamed_from": None, "service_account_id": None}
    if params["state"] == "absent":
        sa = client.find_service_account(params["service_account"])
        if sa is None:
            out.update(changed=False, api_key=None, diff={"before": {}, "after": {}})
            return out
    else:
        sa = client.resolve_service_account(params["service_account"])
    out["service_account_id"] = sa["id"]
    current = key_to_ensure(client.list_api_keys(sa["id"]), name, rename_from, params["state"])

    if params["state"] == "present" and secret_file:
        exists = os.path.lexists(secret_file)
        if current is None and exists and not params["overwrite_secret_file"]:
            raise ValueError("secret_file %s exists already; the new key's secret would be lost: choose another path, "
                             "remove the file, or set overwrite_secret_file=true (nothing was created)" % secret_file)
        if current is not None and not exists:
            m.module.warn("API key %r exists already and the API never shows its secret again, so secret_file %s was "
                          "not written; delete the key (state=absent) and run again to get a new secret"
                          % (current["name"], secret_file))

    def create():
        key, secret = client.create_api_key(sa["id"], name)
        out["secret"] = secret
        if secret_file:
            try:
                write_secret_file(secret_file, secret, params["overwrite_secret_file"])
                out["secret_file_written"] = True
            except OSError as exc:
                m.module.warn("the key was created but secret_file %s could not be written (%s); its secret is in the "
                              "result (secret) of this run only" % (secret_file, exc.strerror or exc))
        return key

    result = ensure(
        m, current, params["state"], result_key="api_key", view=view,
        changes=lambda cur: {"name": name} if cur["name"] != name else {},
        create=create,
        update=lambda ch: client.update_api_key(current["id"], ch),
        delete=lambda: client.delete_api_key(current["id"]),
        predict=lambda cur, ch: dict(cur or {"id": None, "service_account_id": sa["id"], "created_at": None},
                                     name=name),
    )
    if params["state"] == "present" and current is not None and current["name"] != name:
        out["renamed_from"] = current["name"]
    result.update(out)
    return result


def main():
    m = CloudModule(client_mixins=(OrgApi,), argument_spec=dict(
        service_account=dict(type="str", required=True),
        name=dict(type="str", required=True),
        rename_from=dict(type="str"),
        secret_file=dict(type="path", no_log=False),
        overwrite_secret_file=dict(type="bool", default=False, no_log=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
