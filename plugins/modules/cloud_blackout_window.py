#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_blackout_window
short_description: Blackout windows of a CockroachDB Cloud cluster
version_added: 0.2.0
description:
  - Schedules, moves and cancels blackout windows of an ADVANCED cluster through the Cloud API
    (C(/api/v1/clusters/{id}/blackout-windows)). During a blackout window no maintenance that affects SQL
    availability or restarts nodes is started.
  - A window is identified by its start time; a window whose start is listed with another end is updated in
    place (its end is changed). To move a window to another start, list the new one and use O(purge=true)
    (or remove the old one with O(state=absent)).
  - Manage one window with O(start_time) and O(end_time), or the whole set with O(windows); with
    O(purge=true) the windows of the cluster that are not listed are cancelled.
  - "The API's rules, checked before any write where they can be: a window lasts at most 14 days, starts at
    least 7 days from now and ends at most three months from now; windows may not overlap, and may not
    together cover two consecutive maintenance windows. The cluster needs a maintenance window
    (M(cockroachdb.cockroachdb.cloud_maintenance_window))."
  - Times are compared as instants, so V(2025-03-15T09:00:00Z) and V(2025-03-15T10:00:00+01:00) are the
    same start; results show them in UTC.
  - Waits for a cluster that is still being created to be C(CREATED) first, and for a cluster lock held by
    another job to clear before a write.
options:
  start_time:
    description:
      - Start of one window, an RFC 3339 timestamp such as V(2025-03-15T09:00:00Z). Mutually exclusive with
        O(windows).
    type: str
  end_time:
    description:
      - End of the O(start_time) window. Required with O(start_time) and O(state=present).
    type: str
  windows:
    description:
      - The windows, each with O(windows[].start_time) and O(windows[].end_time).
      - V([]) with O(purge=true) cancels every window.
    type: list
    elements: dict
    suboptions:
      start_time:
        description: Start of the window, as O(start_time).
        type: str
        required: true
      end_time:
        description: End of the window, as O(end_time); required with O(state=present).
        type: str
  purge:
    description:
      - With O(windows) and O(state=present), cancel the windows of the cluster that are not listed
        (windows that have ended included).
    type: bool
    default: false
  state:
    description:
      - V(present) schedules or updates the windows, V(absent) cancels them (only their start times matter).
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
    details:
      - The diff shows every window of the cluster before and after, keyed by start time.
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: No maintenance during the year-end freeze
  cockroachdb.cockroachdb.cloud_blackout_window:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod
    start_time: "2025-12-22T00:00:00Z"
    end_time: "2025-12-29T00:00:00Z"

- name: Exactly these windows
  cockroachdb.cockroachdb.cloud_blackout_window:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod
    windows:
      - start_time: "2025-11-27T00:00:00Z"
        end_time: "2025-11-29T00:00:00Z"
      - start_time: "2025-12-22T00:00:00Z"
        end_time: "2025-12-24T00:00:00Z"
    purge: true

- name: Cancel one window
  cockroachdb.cockroachdb.cloud_blackout_window:
    api_key: "{{ cockroach_api_key }}"
    cluster: prod
    start_time: "2025-11-27T00:00:00Z"
    state: absent
"""

RETURN = r"""
blackout_windows:
  description: Every window of the cluster after the run (predicted in check mode), by start time.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the window; V(null) for one that check mode predicts.
      type: str
      sample: 12345678-1234-1234-1234-123456789012
    start_time:
      description: Start, UTC.
      type: str
      sample: "2025-12-22T00:00:00Z"
    end_time:
      description: End, UTC.
      type: str
      sample: "2025-12-29T00:00:00Z"
added:
  description: Start times of the windows scheduled (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: ["2025-12-22T00:00:00Z"]
updated:
  description: Start times of the windows whose end was changed (or would be in check mode).
  returned: always
  type: list
  elements: str
  sample: []
removed:
  description: Start times of the windows cancelled (or that would be in check mode).
  returned: always
  type: list
  elements: str
  sample: []
cluster_id:
  description: Id of the cluster; V(null) when O(state=absent) found no cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

import time
from datetime import datetime, timezone

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import AlreadyExistsError
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_maintenance import (
    MaintenanceApi,
    blackout_schedule_errors,
    blackout_shape_errors,
    blackout_view,
    format_time,
    parse_time,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import set_changes, ensure_set


def desired_windows(params):
    """``{start (UTC text): {"start_time", "end_time" (UTC text or None), "option"}}``; ValueError naming the option."""
    if params.get("windows") is not None:
        items = [(w, "windows[%d]" % i) for i, w in enumerate(params["windows"])]
    else:
        items = [({"start_time": params.get("start_time"), "end_time": params.get("end_time")}, "start_time")]
    present = params.get("state", "present") == "present"
    out = {}
    errors = []
    for item, option in items:
        where = option if option != "start_time" else "start_time"
        try:
            start = parse_time(item.get("start_time"), "%s.start_time" % option if option != "start_time" else "start_time")
        except ValueError as exc:
            errors.append(str(exc))
            continue
        end = None
        if item.get("end_time") is not None:
            try:
                end = parse_time(item["end_time"], "%s.end_time" % option if option != "start_time" else "end_time")
            except ValueError as exc:
                errors.append(str(exc))
                continue
            errors.extend(blackout_shape_errors(start, end, where))
        elif present:
            errors.append("%s: end_time is required with state=present" % where)
        key = format_time(start)
        if key in out:
            errors.append("%s: a window starting at %s is listed twice; list each window once" % (where, key))
        out[key] = {"start_time": key, "end_time": format_time(end) if end else None, "option": where}
    if errors:
        raise ValueError("; ".join(errors))
    return out


def window_changes(current, desired):
    """``{"end_time"}`` when the end differs (``{}`` = as desired; an unset end is left as it is)."""
    if desired.get("end_time") and desired["end_time"] != current["end_time"]:
        return {"end_time": desired["end_time"]}
    return {}


def new_window(key, desired):
    return {"id": None, "start_time": key, "end_time": desired["end_time"]}


def schedule_errors(current, desired, changes, now):
    """The API's time rules for what would be written, checked before the first write (pure)."""
    errors = []
    for key in changes["add"]:
        want = desired[key]
        errors.extend(blackout_schedule_errors(parse_time(key, "start_time"), parse_time(want["end_time"], "end_time"),
                                               now, want["option"]))
    for key in changes["update"]:
        want = desired[key]
        start = parse_time(key, "start_time")
        if start <= now:
            errors.append("%s: the window starting at %s has already started and can no longer be changed"
                          % (want["option"], key))
            continue
        errors.extend(blackout_schedule_errors(start, parse_time(want["end_time"], "end_time"), now, want["option"],
                                               start_changed=False))
    return errors


def diff_view(window):
    return {"end_time": window["end_time"]}


def validate(params):
    errors = child_option_errors(params)
    if params.get("windows") is not None and (params.get("start_time") is not None or params.get("end_time") is not None):
        errors.append("windows is mutually exclusive with start_time and end_time")
    elif params.get("windows") is None and params.get("start_time") is None:
        errors.append("one of start_time or windows is required")
    if params.get("purge") and params.get("windows") is None:
        errors.append("purge requires windows (start_time manages one window and never purges)")
    if params.get("purge") and params.get("state") == "absent":
        errors.append("purge only works with state=present")
    if not errors:
        try:
            desired_windows(params)
        except ValueError as exc:
            errors.append(str(exc))
    return errors


def run(m):
    try:
        return run_once(m)
    except AlreadyExistsError:
        # another run scheduled the same window between this run's read and its POST: read again and decide
        return run_once(m)


def run_once(m):
    params = m.params
    client = m.client
    desired = desired_windows(params)
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"], missing_ok=params["state"] == "absent")
    if target.gone:
        return {"changed": False, "blackout_windows": [], "added": [], "updated": [], "removed": [],
                "diff": {"before": {}, "after": {}}, "cluster_id": None}
    current = {}
    for w in client.list_blackout_windows(target.id):
        view = blackout_view(w)
        current.setdefault(view["start_time"], view)
    changes = set_changes(current, desired, state=params["state"], purge=params["purge"],
                          item_changes=window_changes, new_item=new_window)
    if changes["add"] or changes["update"]:
        plan = target.cluster.get("plan")
        if plan and plan != "ADVANCED":
            raise ValueError("blackout windows are supported for ADVANCED clusters only; cluster %s is %s"
                             % (target.name, plan))
        errors = schedule_errors(current, desired, changes, datetime.fromtimestamp(time.time(), tz=timezone.utc))
        if errors:
            raise ValueError("; ".join(errors))

    def add(key, window):
        return blackout_view(target.write(lambda: client.create_blackout_window(target.id, key, window["end_time"])))

    def update(key, window, changes):
        return blackout_view(target.write(lambda: client.update_blackout_window(target.id, window["id"], changes)))

    def remove(key, window):
        target.write(lambda: client.delete_blackout_window(target.id, window["id"]))

    result = ensure_set(m, current, desired, state=params["state"], purge=params["purge"],
                        item_changes=window_changes, new_item=new_window, add=add, update=update, remove=remove,
                        result_key="blackout_windows", diff_view=diff_view)
    result["cluster_id"] = target.id
    return result


def main():
    m = CloudModule(
        client_mixins=(MaintenanceApi,),
        argument_spec=dict(
            CHILD_ARGSPEC,
            start_time=dict(type="str"),
            end_time=dict(type="str"),
            windows=dict(type="list", elements="dict", options=dict(
                start_time=dict(type="str", required=True),
                end_time=dict(type="str"),
            )),
            purge=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
