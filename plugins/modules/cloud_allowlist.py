#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_allowlist
short_description: IP allowlist of a CockroachDB Cloud cluster
version_added: 0.1.0
description:
  - Adds, updates and removes IP allowlist entries of a cluster through the Cloud API
    (C(/api/v1/clusters/{id}/networking/allowlist)).
  - An entry is identified by its network (O(cidr)); its O(name) and whether it opens SQL (O(sql)) and the
    DB Console (O(ui)) are updated in place.
  - Manage one entry with O(cidr), or several with O(entries); with O(purge=true) the entries of the
    cluster that are not listed are removed, so O(entries) becomes the whole allowlist.
  - Names are compared leniently, because the API may return an empty name for an entry created with one
    (seen on BASIC clusters); an entry whose name reads back empty is not renamed again on every run.
  - Waits for a cluster that is still being created to be C(CREATED) first, and for a cluster lock
    held by another job to clear before a write.
options:
  cidr:
    description:
      - One IPv4 network in CIDR notation, such as V(10.0.0.0/8) or V(203.0.113.7/32); a bare address
        means a C(/32).
      - It must be the network address (no host bits set, so V(10.1.0.0/8) is refused).
      - Mutually exclusive with O(entries).
    type: str
  name:
    description:
      - Name of the O(cidr) entry. Left as it is on an existing entry when not set; empty for a new one.
    type: str
  sql:
    description:
      - Whether the O(cidr) entry allows SQL connections. Left as it is on an existing entry when not set;
        V(true) for a new one.
    type: bool
  ui:
    description:
      - Whether the O(cidr) entry allows the DB Console. Left as it is on an existing entry when not set;
        V(false) for a new one.
    type: bool
  entries:
    description:
      - Several entries at once. Mutually exclusive with O(cidr), O(name), O(sql) and O(ui).
      - V([]) with O(purge=true) removes every entry.
    type: list
    elements: dict
    suboptions:
      cidr:
        description: IPv4 network in CIDR notation, as O(cidr).
        type: str
        required: true
      name:
        description: Name of the entry, as O(name).
        type: str
      sql:
        description: Whether SQL connections are allowed, as O(sql).
        type: bool
      ui:
        description: Whether the DB Console is allowed, as O(ui).
        type: bool
  purge:
    description:
      - With O(entries) and O(state=present), remove the entries of the cluster that are not listed.
      - Requires O(entries) (O(cidr) manages one entry and never purges).
    type: bool
    default: false
  state:
    description:
      - V(present) adds or updates the entries, V(absent) removes them (only their networks matter then).
      - With V(absent), a cluster that no longer exists (deleted, or no active cluster by that name) is fine;
        its allowlist went with it, so the task succeeds unchanged.
    type: str
    choices: [present, absent]
    default: present
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
      - The diff shows the whole allowlist before and after, keyed by network.
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Let the office reach SQL
  cockroachdb.cockroachdb.cloud_allowlist:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    cidr: 203.0.113.0/24
    name: office
    sql: true
    ui: true

- name: Exactly these networks, nothing else (removes the open-to-all entry of a new cluster)
  cockroachdb.cockroachdb.cloud_allowlist:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    entries:
      - cidr: 203.0.113.0/24
        name: office
        ui: true
      - cidr: 198.51.100.10/32
        name: ci-runner
    purge: true

- name: Close a network
  cockroachdb.cockroachdb.cloud_allowlist:
    api_key: "{{ cockroach_api_key }}"
    cluster: my-cluster
    cidr: 0.0.0.0/0
    state: absent
"""

RETURN = r"""
allowlist:
  description: Every entry of the cluster after the run (predicted in check mode), sorted by network.
  returned: always
  type: list
  elements: dict
  contains:
    cidr:
      description: The network in CIDR notation.
      type: str
      sample: 203.0.113.0/24
    cidr_ip:
      description: Network address.
      type: str
      sample: 203.0.113.0
    cidr_mask:
      description: Prefix length.
      type: int
      sample: 24
    name:
      description: Name of the entry (may be empty).
      type: str
      sample: office
    sql:
      description: Whether SQL connections are allowed.
      type: bool
      sample: true
    ui:
      description: Whether the DB Console is allowed.
      type: bool
      sample: true
  sample:
    - cidr: 203.0.113.0/24
      cidr_ip: 203.0.113.0
      cidr_mask: 24
      name: office
      sql: true
      ui: true
added:
  description: Networks added (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: [203.0.113.0/24]
updated:
  description: Networks whose name, O(sql) or O(ui) was changed (or would be in check mode).
  returned: always
  type: list
  elements: str
  sample: []
removed:
  description: Networks removed (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: [0.0.0.0/0]
cluster_id:
  description: Id of the cluster; V(null) when O(state=absent) found no cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

import ipaddress

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import AlreadyExistsError
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure_set

NEW_ENTRY_DEFAULTS = {"sql": True, "ui": False, "name": ""}
API_FIELDS = ("name", "sql", "ui")


def parse_cidr(text, option="cidr"):
    """``"10.0.0.0/8"`` -> ``("10.0.0.0", 8)``; a bare address is a /32. Raises ValueError naming ``option``."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError("%s must be an IPv4 network such as 10.0.0.0/8, got an empty value" % option)
    addr, sep, mask = raw.partition("/")
    if sep and not mask.isdigit():
        raise ValueError("%s %r has a bad mask: use a prefix length from 0 to 32, such as 10.0.0.0/8" % (option, text))
    if sep and not 0 <= int(mask) <= 32:
        raise ValueError("%s %r: the mask must be between 0 and 32" % (option, text))
    try:
        ip = ipaddress.IPv4Address(addr)
    except ValueError:
        raise ValueError("%s %r is not an IPv4 network such as 10.0.0.0/8" % (option, text))
    prefix = int(mask) if sep else 32
    network = ipaddress.IPv4Network("%s/%d" % (ip, prefix), strict=False)
    if network.network_address != ip:
        raise ValueError("%s %r is not a network address (host bits are set); did you mean %s?" % (option, text, network))
    return str(ip), prefix


def cidr_sort_key(cidr):
    """Networks in address order, then by prefix length (``10.0.0.0/8`` before ``192.168.0.0/16``)."""
    ip, dummy, mask = cidr.partition("/")
    return int(ipaddress.IPv4Address(ip)), int(mask)


def normalize(entry):
    """An API entry as this module returns it."""
    out = {"cidr_ip": entry.get("cidr_ip"), "cidr_mask": int(entry.get("cidr_mask") or 0),
           "name": entry.get("name") or "", "sql": bool(entry.get("sql")), "ui": bool(entry.get("ui"))}
    out["cidr"] = "%s/%s" % (out["cidr_ip"], out["cidr_mask"])
    return out


def desired_entries(params):
    """The entries asked for: ``{cidr: {cidr_ip, cidr_mask, name, sql, ui}}`` (None = leave as is)."""
    if params.get("entries") is not None:
        items = [(e, "entries[%d].cidr" % i) for i, e in enumerate(params["entries"])]
    else:
        items = [({k: params.get(k) for k in ("cidr", "name", "sql", "ui")}, "cidr")]
    out, seen = {}, {}
    for item, option in items:
        ip, mask = parse_cidr(item.get("cidr"), option)
        cidr = "%s/%d" % (ip, mask)
        if cidr in seen:
            raise ValueError("%s %s is listed twice (also as %s); list each network once" % (option, cidr, seen[cidr]))
        seen[cidr] = option
        out[cidr] = {"cidr_ip": ip, "cidr_mask": mask, "name": item.get("name"), "sql": item.get("sql"), "ui": item.get("ui")}
    return out


def names_match(current, desired):
    """Lenient: None = don't care; an empty current name is accepted (the API may drop names)."""
    if desired is None:
        return True
    current = current or ""
    return current == desired or (current == "" and desired != "")


def entry_changes(current, desired):
    """The fields of an existing entry to change (``{}`` = as desired); unset desired fields are left as they are."""
    changes = {field: bool(desired[field]) for field in ("sql", "ui")
               if desired[field] is not None and bool(desired[field]) != current[field]}
    if not names_match(current["name"], desired["name"]):
        changes["name"] = desired["name"]
    return changes


def new_entry(cidr, desired):  # pylint: disable=unused-argument
    """A new entry: the desired fields, with the defaults for those not set."""
    return normalize(dict(desired, **{k: v for k, v in NEW_ENTRY_DEFAULTS.items() if desired.get(k) is None}))


def diff_view(entry):
    """``{name, sql, ui}``: one entry as a side of the diff (keyed by network)."""
    return {"name": entry["name"], "sql": entry["sql"], "ui": entry["ui"]}


def validate(params):
    """Messages for bad options the argspec cannot express (empty list = fine); runs before any request."""
    errors = child_option_errors(params)
    if params.get("purge") and params.get("state") == "absent":
        errors.append("purge only works with state=present")
    try:
        desired_entries(params)
    except ValueError as exc:
        errors.append(str(exc))
    return errors


def run(m):
    done = {"removed": [], "updated": []}
    try:
        return run_once(m, done)
    except AlreadyExistsError:
        # Another run added an entry between this run's read and its add: adopt it (read again and
        # do what a run that found it does). Writes this run made before count as its own.
        result = run_once(m, {"removed": [], "updated": []})
        for key in ("removed", "updated"):
            result[key] = done[key] + [k for k in result[key] if k not in done[key]]
        result["changed"] = bool(result["changed"] or done["removed"] or done["updated"])
        return result


def run_once(m, done):
    params = m.params
    client = m.client
    desired = desired_entries(params)
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=params["state"] == "absent")
    if target.gone:
        return {"changed": False, "allowlist": [], "added": [], "updated": [], "removed": [],
                "diff": {"before": {}, "after": {}}, "cluster_id": None}
    current = {e["cidr"]: e for e in (normalize(e) for e in client.list_allowlist(target.id))}

    def answered(entry, got):
        """The entry after a write: what the API answered wins (it may drop the name)."""
        kept = {k: got[k] for k in API_FIELDS if k in got} if isinstance(got, dict) else {}
        return normalize(dict(entry, **kept))

    def add(cidr, entry):
        body = {k: entry[k] for k in ("cidr_ip", "cidr_mask", "ui", "sql", "name")}
        return answered(entry, target.write(lambda: client.add_allowlist_entry(target.id, body)))

    def update(cidr, entry, changes):
        body = {k: entry[k] for k in ("ui", "sql", "name")}
        got = answered(entry, target.write(lambda: client.update_allowlist_entry(
            target.id, entry["cidr_ip"], entry["cidr_mask"], body)))
        done["updated"].append(cidr)
        return got

    def remove(cidr, entry):
        target.write(lambda: client.delete_allowlist_entry(target.id, entry["cidr_ip"], entry["cidr_mask"]))
        done["removed"].append(cidr)

    result = ensure_set(m, current, desired, state=params["state"], purge=params["purge"],
                        item_changes=entry_changes, new_item=new_entry, add=add, update=update, remove=remove,
                        result_key="allowlist", diff_view=diff_view, sort_key=cidr_sort_key)
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(
        client_mixins=(),
        argument_spec=dict(
            CHILD_ARGSPEC,
            cidr=dict(type="str"),
            name=dict(type="str"),
            sql=dict(type="bool"),
            ui=dict(type="bool"),
            entries=dict(type="list", elements="dict", options=dict(
                cidr=dict(type="str", required=True),
                name=dict(type="str"),
                sql=dict(type="bool"),
                ui=dict(type="bool"),
            )),
            purge=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        mutually_exclusive=[["cidr", "entries"], ["entries", "name"], ["entries", "sql"], ["entries", "ui"]],
        required_one_of=[["cidr", "entries"]],
        required_if=[["purge", True, ["entries"]]],
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
