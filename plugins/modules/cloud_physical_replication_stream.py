#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_physical_replication_stream
short_description: Physical cluster replication between two CockroachDB Cloud ADVANCED clusters
version_added: 0.2.0
description:
  - Starts a physical cluster replication (PCR) stream from a primary to a standby cluster, reports its replication
    lag, and fails over to the standby (or cancels the stream) on request, through
    C(/api/v1/physical-replication-streams) (a PREVIEW API; the feature needs enrollment of the organization).
  - "A stream goes C(STARTING) (several minutes: network peering and checks) -> C(REPLICATING) -> C(FAILING_OVER) ->
    C(COMPLETED). The API lets a stream change only from C(REPLICATING): to C(FAILING_OVER) or C(CANCELED). A stream
    is never deleted: after a failover (C(COMPLETED)) both clusters serve traffic independently; to fail back, start
    a stream the other way round."
  - "Both clusters must be ADVANCED, created with C(supports_cluster_virtualization), on the same cloud provider,
    single-region (on AWS and Azure in different regions; on GCP with CIDR ranges that do not overlap). Starting the
    stream deletes the standby's data, and the standby takes no SQL users, databases or other changes until the
    stream is completed."
  - A run that finds the stream already in the requested state sends only reads - one list of the clusters (or a
    read of each cluster given by id) and one list of the streams between the two clusters.
options:
  primary_cluster:
    description:
      - Name or id of the primary cluster (the source of the data).
    type: str
    required: true
  standby_cluster:
    description:
      - Name or id of the standby cluster (the target).
    type: str
    required: true
  state:
    description:
      - V(present) starts a stream when the two clusters have none (or only a canceled one). A stream that is already
        starting, replicating, failing over or completed is left alone.
      - V(failed_over) fails a C(REPLICATING) stream over to the standby, which then serves traffic on its own. It is
        refused without O(confirm_failover=true). A stream that is C(FAILING_OVER) is waited for, a C(COMPLETED)
        one is left alone.
      - V(canceled) stops a C(REPLICATING) stream without failing over. It is refused without O(confirm_cancel=true).
    type: str
    choices: [present, failed_over, canceled]
    default: present
  confirm_failover:
    description:
      - Must be V(true) for O(state=failed_over). A failover stops replication and makes the standby an independent
        cluster; it cannot be undone (only followed by a new stream the other way round).
    type: bool
    default: false
  confirm_cancel:
    description:
      - Must be V(true) for O(state=canceled).
    type: bool
    default: false
  failover_at:
    description:
      - With O(state=failed_over), the time to fail over to (RFC 3339, such as V(2025-05-01T19:39:39Z)), between the
        stream's RV(stream.retained_time) and one hour from now. A time in the past restores the standby to that
        moment; a future time schedules the failover. Without it, the stream fails over to the latest consistent
        replicated time.
      - Used only when the failover is requested; a stream already failing over or completed keeps its time.
    type: str
  wait:
    description:
      - Wait for the stream to get where O(state) leads it before returning - C(REPLICATING) for V(present) (also
        when the stream was already C(STARTING)), C(COMPLETED) for V(failed_over). Without it the module returns
        the stream as the API answered the request.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait (for the clusters to be unlocked, and with O(wait=true) for the stream) before failing.
    type: int
    default: 3600
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
- name: Replicate shop-prod to shop-standby and wait until it replicates
  cockroachdb.cockroachdb.cloud_physical_replication_stream:
    primary_cluster: shop-prod
    standby_cluster: shop-standby
  register: crdb_pcr

- name: Alert on replication lag
  ansible.builtin.assert:
    that: crdb_pcr.replication_lag_seconds is none or crdb_pcr.replication_lag_seconds < 60
    fail_msg: "replication lag is {{ crdb_pcr.replication_lag_seconds }} s"

- name: Disaster recovery - fail over to the standby
  cockroachdb.cockroachdb.cloud_physical_replication_stream:
    primary_cluster: shop-prod
    standby_cluster: shop-standby
    state: failed_over
    confirm_failover: true

- name: Undo an accidental DROP - fail over to a time in the past
  cockroachdb.cockroachdb.cloud_physical_replication_stream:
    primary_cluster: shop-prod
    standby_cluster: shop-standby
    state: failed_over
    confirm_failover: true
    failover_at: "2025-05-01T19:30:00Z"
"""

RETURN = r"""
stream:
  description:
    - The stream after the run (predicted in check mode, where a stream to create has V(null) for C(id) and
      C(created_at)); V(null) when there is none (O(state=canceled) with no stream).
    - The API shows C(replicated_time), C(replication_lag_seconds) and C(retained_time) only while the stream is
      C(REPLICATING), C(activated_at) once it is C(COMPLETED), C(failover_at) when the failover was requested for a
      given time, C(canceled_at) once it is C(CANCELED); absent fields are V(null).
  returned: always
  type: dict
  contains:
    id:
      description: Id of the stream.
      type: str
      sample: c3d35c84-a4ea-41b3-8452-553c5ded3b85
    status:
      description: STARTING, REPLICATING, FAILING_OVER, COMPLETED or CANCELED.
      type: str
      sample: REPLICATING
    primary_cluster_id:
      description: Id of the primary cluster.
      type: str
      sample: 3fabc29e-5ced-48d9-b31e-5c8d3a2b1f00
    standby_cluster_id:
      description: Id of the standby cluster.
      type: str
      sample: f9b1d580-9be3-47f8-ac28-9d6f0e4c2a11
    created_at:
      description: When the stream was created.
      type: str
      sample: "2025-05-01T18:57:50.038137Z"
    replicated_time:
      description: The time up to which the standby has consistent data.
      type: str
      sample: "2025-05-01T19:05:25Z"
    replication_lag_seconds:
      description: Now minus RV(stream.replicated_time), in seconds.
      type: int
      sample: 9
    retained_time:
      description: The earliest time the stream can fail over to.
      type: str
      sample: "2025-05-01T19:02:36.462825Z"
    failover_at:
      description: The failover time requested with O(failover_at).
      type: str
      sample: "2025-05-01T19:39:39Z"
    activated_at:
      description: The time the standby was failed over to.
      type: str
      sample: "2025-05-01T19:28:10Z"
    canceled_at:
      description: When the stream was canceled.
      type: str
      sample: "2025-05-01T19:30:00Z"
replication_lag_seconds:
  description: RV(stream.replication_lag_seconds), V(null) when the stream is not C(REPLICATING).
  returned: always
  type: int
  sample: 9
primary_cluster_id:
  description: Id of the primary cluster.
  returned: always
  type: str
  sample: 3fabc29e-5ced-48d9-b31e-5c8d3a2b1f00
standby_cluster_id:
  description: Id of the standby cluster.
  returned: always
  type: str
  sample: f9b1d580-9be3-47f8-ac28-9d6f0e4c2a11
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import cluster_named, is_uuid
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_replication import (
    ReplicationApi,
    predicted_stream,
    rfc3339_error,
    stream_diff_view,
    stream_plan,
    stream_view,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError


def validate(params):
    """Messages for bad options (empty list = fine); runs before any request."""
    errors = []
    for option in ("primary_cluster", "standby_cluster"):
        if not (params.get(option) or "").strip():
            errors.append("%s must be the name or the id of a cluster" % option)
    if params.get("primary_cluster") and params.get("primary_cluster") == params.get("standby_cluster"):
        errors.append("primary_cluster and standby_cluster must name two different clusters")
    if params.get("wait_timeout") is not None and params["wait_timeout"] < 1:
        errors.append("wait_timeout must be 1 second or more, got %d" % params["wait_timeout"])
    state = params.get("state")
    if state == "failed_over" and not params.get("confirm_failover"):
        errors.append("state=failed_over stops replication and makes the standby an independent cluster, which cannot "
                      "be undone: set confirm_failover=true to fail over")
    if state == "canceled" and not params.get("confirm_cancel"):
        errors.append("state=canceled stops replication to the standby: set confirm_cancel=true to cancel the stream")
    if params.get("failover_at") is not None:
        if state != "failed_over":
            errors.append("failover_at is only used with state=failed_over")
        else:
            message = rfc3339_error("failover_at", params["failover_at"])
            if message:
                errors.append(message)
    return errors


def resolve_clusters(client, primary, standby):
    """The two clusters: an id is read (``GET /clusters/{id}``), names are found in one list of the clusters."""
    listed = client.list_clusters() if not (is_uuid(primary) and is_uuid(standby)) else None
    found = []
    for option, name_or_id in (("primary_cluster", primary), ("standby_cluster", standby)):
        cluster = client.find_cluster(cluster_id=name_or_id) if is_uuid(name_or_id) else cluster_named(listed, name_or_id)
        if cluster is None:
            raise NotFoundError("%s %r: no active cluster has this name or id; check the %s option"
                                % (option, name_or_id, option), status=404)
        found.append(cluster)
    return found


def run(m):
    p = m.params
    client = m.client
    primary, standby = resolve_clusters(client, p["primary_cluster"], p["standby_cluster"])
    if primary["id"] == standby["id"]:
        raise ValueError("primary_cluster and standby_cluster name the same cluster (%s)" % primary["id"])
    current = client.find_replication_stream(primary["id"], standby["id"])
    action, refusal = stream_plan(current, p["state"])
    if refusal:
        raise ValueError(refusal)
    deadline = client.deadline(p["wait_timeout"])
    changed = action in ("create", "failover", "cancel")
    if m.check_mode:
        after = predicted_stream(current, action, primary["id"], standby["id"], p.get("failover_at")) if changed else current
    elif action == "create":
        for cluster in (primary, standby):
            if cluster.get("state") not in ("CREATED", "LOCKED"):
                # CREATING: the API answers 404 for it until it is CREATED; CREATION_FAILED fails here.
                client.wait_for_cluster(cluster["id"], timeout=max(1.0, deadline - client.deadline(0)),
                                        wanted=("CREATED",), settle=False)
        after = client.create_replication_stream(primary["id"], standby["id"], deadline)
    elif action == "failover":
        after = client.update_replication_stream(current, "FAILING_OVER", deadline, failover_at=p.get("failover_at"))
    elif action == "cancel":
        after = client.update_replication_stream(current, "CANCELED", deadline)
    else:
        after = current
    if p["wait"] and not m.check_mode and after is not None:
        remaining = max(1.0, deadline - client.deadline(0))
        if p["state"] == "present" and after.get("status") == "STARTING":
            after = client.wait_for_replication_stream(after["id"], ("REPLICATING",), remaining)
        elif p["state"] == "failed_over" and after.get("status") == "FAILING_OVER":
            after = client.wait_for_replication_stream(after["id"], ("COMPLETED",), remaining)
    view = stream_view(after)
    return {
        "changed": changed,
        "stream": view,
        "replication_lag_seconds": (view or {}).get("replication_lag_seconds"),
        "primary_cluster_id": primary["id"],
        "standby_cluster_id": standby["id"],
        "diff": {"before": stream_diff_view(current), "after": stream_diff_view(after)},
    }


def main():
    m = CloudModule(client_mixins=(ReplicationApi,), argument_spec=dict(
        primary_cluster=dict(type="str", required=True),
        standby_cluster=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "failed_over", "canceled"], default="present"),
        confirm_failover=dict(type="bool", default=False),
        confirm_cancel=dict(type="bool", default=False),
        failover_at=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=3600),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
