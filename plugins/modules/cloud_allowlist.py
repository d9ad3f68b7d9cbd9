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
    type: bool
    default: false
  state:
    description:
      - V(present) adds or updates the entries, V(absent) removes them (only their networks matter then).
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
  description: Id of the cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

import ipaddress

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    validate_child_params,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError

NEW_ENTRY_DEFAULTS = {"sql": True, "ui": False, "name": ""}


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


def cidr_of(entry):
    return "%s/%s" % (entry["cidr_ip"], entry["cidr_mask"])


def _sort_key(entry):
    return (int(ipaddress.IPv4Address(entry["cidr_ip"])), int(entry["cidr_mask"]))


def normalize(entry):
    """An API entry as this module returns it."""
    out = {"cidr_ip": entry.get("cidr_ip"), "cidr_mask": int(entry.get("cidr_mask") or 0),
           "name": entry.get("name") or "", "sql": bool(entry.get("sql")), "ui": bool(entry.get("ui"))}
    out["cidr"] = cidr_of(out)
    return out


def desired_entries(params):
    """The entries asked for: list of ``{cidr_ip, cidr_mask, name, sql, ui}`` (None = leave as is)."""
    if params.get("entries") is not None:
        items = [(e, "entries[%d].cidr" % i) for i, e in enumerate(params["entries"])]
    else:
        items = [({k: params.get(k) for k in ("cidr", "name", "sql", "ui")}, "cidr")]
    out, seen = [], {}
    for item, option in items:
        ip, mask = parse_cidr(item.get("cidr"), option)
        key = (ip, mask)
        if key in seen:
            raise ValueError("%s %s/%d is listed twice (also as %s); list each network once" % (option, ip, mask, seen[key]))
        seen[key] = option
        out.append({"cidr_ip": ip, "cidr_mask": mask, "name": item.get("name"), "sql": item.get("sql"), "ui": item.get("ui")})
    return out


def names_match(current, desired):
    """Lenient: None = don't care; an empty current name is accepted (the API may drop names)."""
    if desired is None:
        return True
    current = current or ""
    return current == desired or (current == "" and desired != "")


def plan(current, desired, state="present", purge=False):
    """Minimal changes to go from ``current`` (normalized entries) to ``desired``.

    Returns ``{"add": [...], "update": [...], "remove": [...]}`` (full entries, as they should be
    written or as they are now for a removal), or ``{}`` when nothing is to do.
    """
    by_key = {(e["cidr_ip"], e["cidr_mask"]): e for e in current}
    wanted_keys = set((d["cidr_ip"], d["cidr_mask"]) for d in desired)
    add, update, remove = [], [], []
    if state == "absent":
        remove = [by_key[(d["cidr_ip"], d["cidr_mask"])] for d in desired if (d["cidr_ip"], d["cidr_mask"]) in by_key]
    else:
        for d in desired:
            cur = by_key.get((d["cidr_ip"], d["cidr_mask"]))
            if cur is None:
                new = dict(d)
                for field, default in NEW_ENTRY_DEFAULTS.items():
                    if new[field] is None:
                        new[field] = default
                add.append(normalize(new))
                continue
            merged = dict(cur)
            differs = False
            for field in ("sql", "ui"):
                if d[field] is not None and bool(d[field]) != cur[field]:
                    merged[field] = bool(d[field])
                    differs = True
            if not names_match(cur["name"], d["name"]):
                merged["name"] = d["name"]
                differs = True
            if differs:
                update.append(merged)
        if purge:
            remove = [e for k, e in sorted(by_key.items(), key=lambda kv: _sort_key(kv[1])) if k not in wanted_keys]
    if not (add or update or remove):
        return {}
    return {"add": add, "update": update, "remove": remove}


def apply_plan(current, changes):
    """The allowlist after ``changes`` (the check-mode prediction and the result after a run)."""
    by_key = {(e["cidr_ip"], e["cidr_mask"]): e for e in current}
    for e in changes.get("remove", []):
        by_key.pop((e["cidr_ip"], e["cidr_mask"]), None)
    for e in changes.get("add", []) + changes.get("update", []):
        by_key[(e["cidr_ip"], e["cidr_mask"])] = normalize(e)
    return sorted(by_key.values(), key=_sort_key)


def validate(params):
    """Messages for bad options (empty list = fine); runs before any request."""
    errors = validate_child_params(params)
    if params.get("purge") and params.get("entries") is None:
        errors.append("purge needs entries: list every network to keep in entries (cidr manages one entry and never purges)")
    if params.get("purge") and params.get("state") == "absent":
        errors.append("purge only works with state=present")
    try:
        desired_entries(params)
    except ValueError as exc:
        errors.append(str(exc))
    return errors


def run(m):
    params = m.params
    desired = desired_entries(params)
    target = ClusterTarget(m.client, params["cluster"], params["wait_timeout"])
    current = sorted((normalize(e) for e in m.client.list_allowlist(target.id)), key=_sort_key)
    base = target.path("/networking/allowlist")
    done = {"add": [], "update": [], "remove": []}

    def entry_path(e):
        return "%s/%s/%s" % (base, e["cidr_ip"], e["cidr_mask"])

    def write_all(changes):
        after = list(current)
        for e in changes["remove"]:
            try:
                target.write(lambda e=e: m.client.delete(entry_path(e)))
            except NotFoundError:
                pass  # already gone
            after = apply_plan(after, {"remove": [e]})
        for e in changes["update"]:
            body = {"ui": e["ui"], "sql": e["sql"], "name": e["name"]}
            got = target.write(lambda e=e, body=body: m.client.patch(entry_path(e), body, idempotent=True))
            after = apply_plan(after, {"update": [dict(e, **_api_fields(got))]})
        for e in changes["add"]:
            body = {"cidr_ip": e["cidr_ip"], "cidr_mask": e["cidr_mask"], "ui": e["ui"], "sql": e["sql"], "name": e["name"]}
            got = target.write(lambda body=body, e=e: m.client.create_once(
                base, body, lambda: _find(m.client.list_allowlist(target.id), e)))[0]
            after = apply_plan(after, {"add": [dict(e, **_api_fields(got))]})
        return after

    def compute(cur):
        changes = plan(cur, desired, params["state"], params["purge"])
        for key in done:
            done[key] = [e["cidr"] for e in changes.get(key, [])]
        return changes

    result = ensure(m, current, "present", result_key="allowlist", compute_changes=compute,
                    update=write_all, predict=apply_plan)
    result.update(added=done["add"], updated=done["update"], removed=done["remove"], cluster_id=target.id)
    result["diff"] = {"before": diff_view(result["diff"]["before"]), "after": diff_view(result["diff"]["after"])}
    return result


def diff_view(entries):
    """``{cidr: {name, sql, ui}}``: the entry set as a readable diff side."""
    return {e["cidr"]: {"name": e["name"], "sql": e["sql"], "ui": e["ui"]} for e in entries or []}


def _api_fields(got):
    """The fields of an API answer worth keeping (the API may drop the name)."""
    if not isinstance(got, dict):
        return {}
    return {k: got[k] for k in ("name", "sql", "ui") if k in got}


def _find(entries, wanted):
    for e in entries or []:
        if e.get("cidr_ip") == wanted["cidr_ip"] and int(e.get("cidr_mask") or 0) == wanted["cidr_mask"]:
            return e
    return None


def main():
    m = CloudModule(
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
    )
    errors = validate(m.params)
    if errors:
        m.fail("; ".join(errors))
    m.run(run)


if __name__ == "__main__":
    main()
