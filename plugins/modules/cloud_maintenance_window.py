#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_maintenance_window
short_description: Weekly maintenance window of a CockroachDB Cloud cluster
version_added: 0.2.0
description:
  - Sets, changes or removes the weekly maintenance window of an ADVANCED cluster through the Cloud API
    (C(/api/v1/clusters/{id}/maintenance-window)). Patch upgrades and other maintenance are applied in this
    window (critical fixes may still be applied outside it).
  - The window starts O(offset_duration) after Monday 00:00 UTC each week and lasts O(window_duration).
  - Durations are compared by length, so V(172800), V(172800s), V(48h) and V(2d) are the same value; the
    API's form (V(172800s)) is what the module sends and returns.
  - Only ADVANCED clusters have maintenance windows; the module says so before any write for other plans.
  - Waits for a cluster that is still being created to be C(CREATED) first, and for a cluster lock held by
    another job to clear before a write.
options:
  offset_duration:
    description:
      - When the window starts, as a duration after Monday 00:00 UTC; less than one week.
      - Whole seconds (V(172800)), the API's form (V(172800s), a fraction allowed such as V(1.5s)), or units
        days, hours, minutes and seconds in this order (V(2d), V(48h), V(1d6h30m)).
      - Required with O(state=present).
    type: raw
  window_duration:
    description:
      - How long the window lasts; at least 6 hours (V(21600s), V(6h)) and less than one week. Same forms as
        O(offset_duration).
      - Required with O(state=present).
    type: raw
  state:
    description:
      - V(present) sets the window, V(absent) removes it (the cluster then has no maintenance window; blackout
        windows need one).
      - With V(absent), a cluster that no longer exists is fine (the task succeeds unchanged).
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
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Maintenance on Wednesdays from 00:00 to 06:00 UTC
  cockroachdb.cockroachdb.cloud_maintenance_window:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod
    offset_duration: 2d
    window_duration: 6h

- name: The same window in the API's own form
  cockroachdb.cockroachdb.cloud_maintenance_window:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod
    offset_duration: 172800s
    window_duration: 21600s

- name: No maintenance window
  cockroachdb.cockroachdb.cloud_maintenance_window:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod
    state: absent
"""

RETURN = r"""
maintenance_window:
  description: The window after the run (predicted in check mode); V(null) when the cluster has none.
  returned: always
  type: dict
  contains:
    offset_duration:
      description: Start of the window after Monday 00:00 UTC, in the API's form.
      type: str
      sample: 172800s
    window_duration:
      description: Length of the window, in the API's form.
      type: str
      sample: 21600s
    offset_seconds:
      description: O(offset_duration) in seconds.
      type: float
      sample: 172800
    window_seconds:
      description: O(window_duration) in seconds.
      type: float
      sample: 21600
    starts:
      description: Day and time (UTC) the window starts each week.
      type: str
      sample: Wednesday 00:00 UTC
cluster_id:
  description: Id of the cluster; V(null) when O(state=absent) found no cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_maintenance import (
    MaintenanceApi,
    format_duration,
    parse_duration,
    window_option_errors,
    window_view,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure


def desired_window(params):
    """``{offset_duration, window_duration}`` in the API's form (ValueError naming the option)."""
    offset = parse_duration(params["offset_duration"], "offset_duration")
    window = parse_duration(params["window_duration"], "window_duration")
    errors = window_option_errors(offset, window)
    if errors:
        raise ValueError("; ".join(errors))
    return {"offset_duration": format_duration(offset), "window_duration": format_duration(window)}


def window_changes(current, desired):
    """The whole desired window when it differs from ``current`` (both in the module's view), else {}."""
    if current is None or any(current[k] != desired[k] for k in desired):
        return dict(desired)
    return {}


def require_advanced(cluster, what):
    """ValueError (before any write) for a cluster whose plan cannot have ``what``."""
    plan = cluster.get("plan")
    if plan and plan != "ADVANCED":
        raise ValueError("%s are supported for ADVANCED clusters only; cluster %s is %s" % (what, cluster.get("name"), plan))


def validate(params):
    errors = child_option_errors(params)
    if params.get("state") == "present":
        for option in ("offset_duration", "window_duration"):
            if params.get(option) is None:
                errors.append("%s is required with state=present" % option)
        if not errors:
            try:
                desired_window(params)
            except ValueError as exc:
                errors.append(str(exc))
    return errors


def run(m):
    params = m.params
    client = m.client
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=params["state"] == "absent")
    if target.gone:
        return {"changed": False, "maintenance_window": None, "cluster_id": None, "diff": {"before": {}, "after": {}}}
    current = window_view(client.get_maintenance_window(target.id))
    desired = desired_window(params) if params["state"] == "present" else None

    def write():
        got = target.write(lambda: client.set_maintenance_window(target.id, desired["offset_duration"],
                                                                 desired["window_duration"]))
        return window_view(got or desired)

    if desired is not None and window_changes(current, desired):
        require_advanced(target.cluster, "maintenance windows")
    result = ensure(
        m, current, params["state"], result_key="maintenance_window",
        changes=lambda cur: window_changes(cur, desired),
        create=write,
        update=lambda ch: write(),
        delete=lambda: target.write(lambda: client.delete_maintenance_window(target.id)),
        predict=lambda cur, ch: window_view(desired),
    )
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(
        client_mixins=(MaintenanceApi,),
        argument_spec=dict(
            CHILD_ARGSPEC,
            offset_duration=dict(type="raw"),
            window_duration=dict(type="raw"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
