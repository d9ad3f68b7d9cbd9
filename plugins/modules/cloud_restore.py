#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_restore
short_description: Restore a managed backup into a CockroachDB Cloud cluster
version_added: 0.2.0
description:
  - Starts a restore job into O(cluster) from a managed backup of O(source_cluster)
    (C(POST /api/v1/clusters/{id}/restores)), waits until it ends (bounded by O(restore_timeout)) and reports the
    result; a restore that ends V(FAILED) fails the task with the job's error.
  - The whole cluster (O(type=CLUSTER)), some databases (V(DATABASE)) or some tables (V(TABLE)) are restored. The
    restore B(overwrites data) of the destination; the Cloud API locks the destination cluster while it runs.
  - "Idempotency: the Cloud API has no idempotency key, so before it starts a restore the module lists the
    restores of O(cluster) and looks for one of the same request: same O(type), same source cluster, same
    O(objects) and O(restore_opts), and the same O(backup_id) when one is given. If such a restore is running or
    succeeded, no new restore is started (C(changed=false)); the module waits for it (if it runs) and reports it.
    A V(FAILED) one does not count, so a re-run after a failure tries again. O(force=true) starts a new restore
    anyway. Without O(backup_id) the newest backup is used, and a re-run does B(not) restore again from a newer
    backup: set O(force) for that."
  - With O(restore_id) the module starts nothing and watches (and reports) that restore.
  - With O(wait=false) the module returns as soon as the restore has started; watch it with
    M(cockroachdb.cockroachdb.cloud_restores_info) and its O(cockroachdb.cockroachdb.cloud_restores_info#module:restore_id)
    in an C(until) loop (the Ansible way to show progress of a long job).
  - After an ambiguous failure of the start request (a 5xx, a lost answer) the restores are read again and a new
    restore of the same request is adopted; the request is never sent twice blindly.
options:
  source_cluster:
    description:
      - Name or id of the cluster whose backup is restored. Defaults to O(cluster) (restore a cluster from its own
        backup).
    type: str
  type:
    description:
      - What is restored. Required unless O(restore_id) is given.
      - V(DATABASE) and V(TABLE) restores need ADVANCED clusters (destination and source); the Cloud API refuses them
        on STANDARD clusters.
    type: str
    choices: [CLUSTER, DATABASE, TABLE]
  backup_id:
    description:
      - Id of the backup to restore (see M(cockroachdb.cockroachdb.cloud_backups_info)); unset uses the newest backup
        of O(source_cluster).
    type: str
  objects:
    description:
      - The databases (O(type=DATABASE)) or tables (O(type=TABLE)) to restore; required for those types, not allowed
        with O(type=CLUSTER).
    type: list
    elements: dict
    suboptions:
      database:
        description: Name of the database.
        type: str
        required: true
      schema:
        description: Schema of the table (only with O(type=TABLE)).
        type: str
      table:
        description: Name of the table (required with O(type=TABLE), not allowed with V(DATABASE)).
        type: str
  restore_opts:
    description:
      - Options of the restore job (unset or V(false) options are not sent).
    type: dict
    suboptions:
      new_db_name:
        description: Name of the database to create (only for a V(DATABASE) restore of one database).
        type: str
      into_db:
        description: Database to restore the tables into (only for a V(TABLE) restore).
        type: str
      schema_only:
        description: Restore the schema only, no data.
        type: bool
      skip_localities_check:
        description: Go on when the localities of the backup and of the destination differ.
        type: bool
      skip_missing_foreign_keys:
        description: Restore tables whose foreign keys reference rows that are missing.
        type: bool
      skip_missing_sequences:
        description: Restore tables whose column defaults depend on a missing sequence.
        type: bool
      skip_missing_views:
        description: Skip views whose dependencies are not restored.
        type: bool
  restore_id:
    description:
      - Id of a restore of O(cluster) to watch and report instead of starting one. Not with O(type), O(backup_id),
        O(objects), O(restore_opts), O(source_cluster), O(force).
    type: str
  force:
    description:
      - Start a new restore even when a restore of the same request is running or succeeded.
    type: bool
    default: false
  wait:
    description:
      - Wait until the restore ends (V(SUCCESS) with its C(completed_at), or V(FAILED)). With V(false) the module
        returns once it has started.
    type: bool
    default: true
  restore_timeout:
    description:
      - Seconds to wait for the restore to end. When they run out the task fails and says so; the restore job goes
        on in the background.
    type: int
    default: 7200
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud_child
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Predicts whether a restore would start; nothing is sent but reads.
  diff_mode:
    support: full
seealso:
  - module: cockroachdb.cockroachdb.cloud_backups_info
  - module: cockroachdb.cockroachdb.cloud_restores_info
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Restore staging from the newest backup of production and wait for it
  cockroachdb.cockroachdb.cloud_restore:
    api_key: "{{ cockroach_api_key }}"
    cluster: staging
    source_cluster: production
    type: CLUSTER

- name: Restore one database of a given backup under a new name
  cockroachdb.cockroachdb.cloud_restore:
    api_key: "{{ cockroach_api_key }}"
    cluster: staging
    source_cluster: production
    backup_id: 1234abcd-1234-1234-abcd-12345678abcd
    type: DATABASE
    objects:
      - database: shop
    restore_opts:
      new_db_name: shop_yesterday

- name: Start a table restore, do not wait
  cockroachdb.cockroachdb.cloud_restore:
    api_key: "{{ cockroach_api_key }}"
    cluster: staging
    type: TABLE
    objects:
      - database: shop
        schema: public
        table: orders
    restore_opts:
      into_db: scratch
    wait: false
  register: started

- name: Wait for it, polling every 30 seconds
  cockroachdb.cockroachdb.cloud_restores_info:
    api_key: "{{ cockroach_api_key }}"
    cluster: staging
    restore_id: "{{ started.restore.id }}"
  register: watched
  until: watched.finished
  retries: 240
  delay: 30
"""

RETURN = r"""
restore:
  description:
    - The restore after the run (as in RV(cockroachdb.cockroachdb.cloud_restores_info#module:restores)); in check mode
      the predicted one, with C(id) V(null) when a restore would start.
  returned: always
  type: dict
  sample:
    id: abcd1234-5678-90ab-cdef-1234567890ab
    status: SUCCESS
    completion_percent: 1.0
    type: CLUSTER
    backup_id: 1234abcd-1234-1234-abcd-12345678abcd
    backup_end_time: "2025-07-09T14:00:00Z"
    source_cluster_name: production
    destination_cluster_name: staging
    created_at: "2025-07-09T15:04:05Z"
    completed_at: "2025-07-09T15:34:05Z"
    crdb_job_id: "1084573452837"
started:
  description: Whether this run started the restore (false when a matching one was found or O(restore_id) given).
  returned: always
  type: bool
  sample: true
progress:
  description: The C(completion_percent) values seen while waiting, in order, without repeats.
  returned: always
  type: list
  elements: float
  sample: [0.0, 0.25, 0.8, 1.0]
cluster_id:
  description: Id of the destination cluster.
  returned: always
  type: str
  sample: 6baa9455-e3e7-4682-8209-4cac629f6fbe
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_backup import (
    BackupApi,
    RESTORE_TYPES,
    RestoreFailedError,
    matching_restore,
    restore_body,
    restore_failure_message,
    restore_finished,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_children import (
    CHILD_ARGSPEC,
    ClusterTarget,
    child_option_errors,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure

WATCH_EXCLUSIVE = ("type", "backup_id", "objects", "restore_opts", "source_cluster")


def validate(params):
    """Messages for bad options the argspec cannot express (empty list = fine); runs before any request."""
    errors = child_option_errors(params)
    if params.get("restore_timeout") is not None and params["restore_timeout"] < 1:
        errors.append("restore_timeout must be 1 second or more, got %d" % params["restore_timeout"])
    if params.get("restore_id") is not None:
        if not params["restore_id"].strip():
            errors.append("restore_id must not be empty")
        given = [k for k in WATCH_EXCLUSIVE if params.get(k)] + (["force"] if params.get("force") else [])
        if given:
            errors.append("restore_id watches an existing restore: remove %s" % ", ".join(given))
        return errors
    kind = params.get("type")
    if kind is None:
        errors.append("type is required to start a restore (CLUSTER, DATABASE or TABLE), or give restore_id to "
                      "watch one")
        return errors
    objects = params.get("objects") or []
    opts = params.get("restore_opts") or {}
    if kind == "CLUSTER" and objects:
        errors.append("objects must not be set with type=CLUSTER (the whole cluster is restored)")
    if kind != "CLUSTER" and not objects:
        errors.append("objects is required with type=%s: list the %s to restore" % (
            kind, "databases" if kind == "DATABASE" else "tables"))
    for i, obj in enumerate(objects):
        if not (obj.get("database") or "").strip():
            errors.append("objects[%d].database must not be empty" % i)
        if kind == "TABLE" and not obj.get("table"):
            errors.append("objects[%d].table is required with type=TABLE" % i)
        if kind == "DATABASE" and (obj.get("table") or obj.get("schema")):
            errors.append("objects[%d] names a database only with type=DATABASE: remove schema and table" % i)
    if opts.get("new_db_name") and (kind != "DATABASE" or len(objects) != 1):
        errors.append("restore_opts.new_db_name only works with type=DATABASE and exactly one object")
    if opts.get("into_db") and kind != "TABLE":
        errors.append("restore_opts.into_db only works with type=TABLE")
    if params.get("backup_id") is not None and not params["backup_id"].strip():
        errors.append("backup_id must not be empty (leave it unset for the newest backup)")
    return errors


def _predicted(body, source_name, dest_name):
    out = {"id": None, "status": "PENDING", "completion_percent": 0.0, "type": body["type"],
           "backup_id": body.get("backup_id"), "source_cluster_name": source_name,
           "destination_cluster_name": dest_name}
    if body.get("objects"):
        out["objects"] = body["objects"]
    if body.get("restore_opts"):
        out["restore_opts"] = body["restore_opts"]
    return out


def run(m):
    params = m.params
    client = m.client
    target = ClusterTarget(client, params["cluster"], params["wait_timeout"])
    progress = []

    def seen(restore):
        pct = restore.get("completion_percent")
        if pct is not None and (not progress or progress[-1] != pct):
            progress.append(pct)

    def finish(restore):
        """Wait (unless wait=false, or check mode predicted it) and fail on FAILED."""
        if restore.get("id") and params["wait"] and not restore_finished(restore):
            seen(restore)
            restore = client.wait_for_restore(target.id, restore["id"], params["restore_timeout"], on_poll=seen)
        if restore.get("status") == "FAILED":
            raise RestoreFailedError(restore_failure_message(restore, target.name), restore=restore)
        return restore

    if params["restore_id"]:
        restore = finish(client.get_restore(target.id, params["restore_id"].strip()))
        return {"changed": False, "restore": restore, "started": False, "progress": progress,
                "cluster_id": target.id, "diff": {"before": restore, "after": restore}}

    source = params.get("source_cluster")
    if not source or source in (target.id, target.name):
        source_cluster = target.cluster
    else:
        source_cluster = client.resolve_cluster(source)
    body = restore_body(params, source_cluster["id"])
    restores = client.list_restores(target.id)
    current = None if params["force"] else matching_restore(restores, body, source_cluster["name"])

    def create():
        return client.create_restore(target.id, body, client.deadline(target.wait_timeout), source_cluster["name"],
                                     known_ids={r.get("id") for r in restores})

    result = ensure(m, current, "present", result_key="restore", create=create,
                    predict=lambda cur, ch: _predicted(body, source_cluster["name"], target.name))
    result["started"] = result["changed"]
    result["diff"]["before"] = {}
    if not m.check_mode or current is not None:
        result["restore"] = finish(result["restore"])
    result["diff"]["after"] = result["restore"]
    result["progress"] = progress
    result["cluster_id"] = target.id
    return result


def main():
    object_spec = dict(database=dict(type="str", required=True), schema=dict(type="str"), table=dict(type="str"))
    opts_spec = dict(new_db_name=dict(type="str"), into_db=dict(type="str"), schema_only=dict(type="bool"),
                     skip_localities_check=dict(type="bool"), skip_missing_foreign_keys=dict(type="bool"),
                     skip_missing_sequences=dict(type="bool"), skip_missing_views=dict(type="bool"))
    m = CloudModule(client_mixins=(BackupApi,), argument_spec=dict(
        CHILD_ARGSPEC,
        source_cluster=dict(type="str"),
        type=dict(type="str", choices=list(RESTORE_TYPES)),
        backup_id=dict(type="str"),
        objects=dict(type="list", elements="dict", options=object_spec),
        restore_opts=dict(type="dict", options=opts_spec),
        restore_id=dict(type="str"),
        force=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        restore_timeout=dict(type="int", default=7200),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
