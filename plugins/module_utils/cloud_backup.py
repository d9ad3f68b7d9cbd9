# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloud API paths of one resource family: backup configuration, backups and restores (issue 13).

:class:`BackupApi` is a mixin of :class:`cloud.CloudClient` (which owns every Cloud API path through its
mixins): its methods use the client's verbs (``self._get``, ``self._post``, ``self._patch``,
``self._paginate``) and never touch ``AnsibleModule``.  Pure decision functions of the family live here
too.  This file never imports ``cloud.py`` (which imports it).

Quirks handled here (the Terraform provider's restore_resource.go and the spec):

* ``retention_days`` can be changed once; a second change is refused by the API and needs a support
  ticket (:func:`retention_refusal` says so before anything is sent);
* a restore is ``PENDING`` (with ``completion_percent`` from 0 to 1) until ``SUCCESS`` or ``FAILED``, and a
  SUCCESS is only final once ``completed_at`` is set (:func:`restore_finished`);
* a restore is a one-shot job without an idempotency key: after an ambiguous failure of the POST the
  restores are re-read and a new one matching the request is adopted; it is never sent twice blindly.
"""

import re

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    CockroachError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)

FREQUENCIES = (5, 10, 15, 30, 60, 240, 1440)
RETENTIONS = (2, 7, 30, 90, 365)
DEFAULT_RETENTION_DAYS = 30
RESTORE_TYPES = ("CLUSTER", "DATABASE", "TABLE")
RESTORE_OPTS = ("into_db", "new_db_name", "schema_only", "skip_localities_check", "skip_missing_foreign_keys",
                "skip_missing_sequences", "skip_missing_views")
CONFIG_FIELDS = ("enabled", "frequency_minutes", "retention_days")


class RestoreFailedError(CockroachError):
    """The restore job ended FAILED; ``restore`` is its last state."""

    kind = "restore_failed"

    def __init__(self, message, restore=None, **kwargs):
        super().__init__(message, **kwargs)
        self.restore = restore

    def to_result(self):
        out = super().to_result()
        out["restore"] = self.restore
        return out


# -- pure decisions --------------------------------------------------------------------------------------
def backup_config_changes(current, desired):
    """The fields of ``desired`` (None = leave as is) that differ from the ``current`` configuration."""
    return {k: desired[k] for k in CONFIG_FIELDS
            if desired.get(k) is not None and (current or {}).get(k) != desired[k]}


def retention_refusal(current, changes, default=DEFAULT_RETENTION_DAYS):
    """Why a change of ``retention_days`` would be refused (the API lets it change once), or None.

    The provider's guide: a cluster starts with the default (30 days) and may change it once; a value
    other than the default was set already, so changing it again needs a support ticket.
    """
    if "retention_days" not in changes:
        return None
    have = (current or {}).get("retention_days")
    if have is None or have == default:
        return None
    return ("retention_days is already set to %s days and the Cloud API lets it be set only once: changing it to %s "
            "needs a support ticket with Cockroach Labs; leave retention_days unset (or at %s) to manage the other "
            "settings" % (have, changes["retention_days"], have))


def restore_body(params, source_cluster_id):
    """The CreateRestore body of the module options (``objects``/``restore_opts`` without unset fields)."""
    body = {"type": params["type"], "source_cluster_id": source_cluster_id}
    if params.get("backup_id"):
        body["backup_id"] = params["backup_id"]
    objects = [{k: v for k, v in o.items() if v is not None} for o in params.get("objects") or []]
    if objects:
        body["objects"] = objects
    opts = {k: v for k, v in (params.get("restore_opts") or {}).items() if v is not None and v is not False}
    if opts:
        body["restore_opts"] = opts
    return body


def _objects_key(objects):
    return sorted((o.get("database") or "", o.get("schema") or "", o.get("table") or "") for o in objects or [])


def _opts_key(opts):
    return sorted((k, v) for k, v in (opts or {}).items() if v not in (None, False, ""))


def restore_matches(restore, body, source_cluster_name):
    """Whether ``restore`` (as the API shows it) was started with the same request as ``body``."""
    if restore.get("type") != body["type"] or restore.get("source_cluster_name") != source_cluster_name:
        return False
    if body.get("backup_id") and restore.get("backup_id") != body["backup_id"]:
        return False
    return (_objects_key(restore.get("objects")) == _objects_key(body.get("objects"))
            and _opts_key(restore.get("restore_opts")) == _opts_key(body.get("restore_opts")))


def matching_restore(restores, body, source_cluster_name, exclude_ids=()):
    """The newest restore of the same request that is running or succeeded (FAILED ones do not count), or None."""
    found = [r for r in restores if r.get("id") not in exclude_ids and r.get("status") != "FAILED"
             and restore_matches(r, body, source_cluster_name)]
    return max(found, key=lambda r: r.get("created_at") or "") if found else None


def restore_finished(restore):
    """FAILED, or SUCCESS with ``completed_at`` (the API marks SUCCESS a moment before it sets completed_at)."""
    status = restore.get("status")
    return status == "FAILED" or (status == "SUCCESS" and bool(restore.get("completed_at")))


def restore_failure_message(restore, cluster_name):
    text = "restore %s into cluster %s FAILED" % (restore.get("id"), cluster_name)
    if restore.get("client_error_message"):
        text += ": %s" % restore["client_error_message"]
    if restore.get("client_error_code") is not None:
        text += " (code %s)" % restore["client_error_code"]
    return text


RFC3339_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def time_range_errors(params):
    """Messages for bad ``start_time``/``end_time``/``limit`` options of the list modules (before any request)."""
    errors = []
    start, end = params.get("start_time"), params.get("end_time")
    for name, value in (("start_time", start), ("end_time", end)):
        if value is not None and not RFC3339_RE.match(value):
            errors.append("%s must be an RFC 3339 timestamp such as 2025-01-15T10:30:00Z, got %r" % (name, value))
    if (start is None) != (end is None):
        errors.append("start_time and end_time go together (the Cloud API takes both or neither): set %s too"
                      % ("end_time" if end is None else "start_time"))
    if params.get("limit") is not None and params["limit"] < 1:
        errors.append("limit must be 1 or more (leave it unset for all), got %d" % params["limit"])
    return errors


def time_query(start_time=None, end_time=None, sort_order=None):
    query = {}
    if start_time:
        query["start_time"] = start_time
    if end_time:
        query["end_time"] = end_time
    if sort_order:
        query["pagination.sort_order"] = sort_order
    return query


class BackupApi(object):
    """Methods of :class:`cloud.CloudClient` for this family."""

    def _first_items(self, path, key, params, limit):
        """Items of a keyset-paginated list, at most ``limit`` (None: all), reading no page more than needed."""
        if limit is None:
            return self._paginate(path, key, params=params)
        items = []
        page = None
        while len(items) < limit:
            query = dict(params or {})
            query["pagination.limit"] = min(self.page_limit, limit - len(items))
            if page:
                query["pagination.page"] = page
            body = self._get(path, params=query) or {}
            items.extend(body.get(key) or [])
            page = (body.get("pagination") or {}).get("next_page")
            if not page:
                break
        return items[:limit]

    # -- backup configuration ---------------------------------------------------------------------------
    def get_backup_config(self, cluster_id):
        return self._get("/clusters/%s/backups-config" % cluster_id)

    def update_backup_config(self, cluster_id, changes, deadline):
        """PATCH the changed fields; a lock refusal is waited out, an ambiguous failure re-read and compared."""
        path = "/clusters/%s/backups-config" % cluster_id

        def applied():
            return not backup_config_changes(self.get_backup_config(cluster_id), changes)
        got = self.write_unlocked(cluster_id, lambda: self._patch(path, changes), deadline, applied=applied)
        return got if got is not None else self.get_backup_config(cluster_id)

    # -- backups ------------------------------------------------------------------------------------------
    def list_backups(self, cluster_id, start_time=None, end_time=None, sort_order=None, limit=None):
        return self._first_items("/clusters/%s/backups" % cluster_id, "backups",
                                 time_query(start_time, end_time, sort_order), limit)

    # -- restores -----------------------------------------------------------------------------------------
    def list_restores(self, cluster_id, start_time=None, end_time=None, sort_order=None, limit=None):
        return self._first_items("/clusters/%s/restores" % cluster_id, "restores",
                                 time_query(start_time, end_time, sort_order), limit)

    def get_restore(self, cluster_id, restore_id):
        return self._get("/clusters/%s/restores/%s" % (cluster_id, restore_id))

    def create_restore(self, cluster_id, body, deadline, source_cluster_name, known_ids=()):
        """POST a restore once.  A lock refusal (the server did not act) is waited out and sent again; after an
        ambiguous failure the restores are re-read and a new one matching ``body`` (not in ``known_ids``) is
        adopted; if there is none the failure is raised: a restore is never started twice blindly."""
        path = "/clusters/%s/restores" % cluster_id
        try:
            return self.write_unlocked(cluster_id, lambda: self._post(path, body), deadline)
        except (ServerError, TransportError):
            found = matching_restore(self.list_restores(cluster_id), body, source_cluster_name, exclude_ids=known_ids)
            if found is None:
                raise
            return found

    def wait_for_restore(self, cluster_id, restore_id, timeout, initial_delay=1.0, max_delay=15.0, on_poll=None):
        """Poll ``GET .../restores/{id}`` until :func:`restore_finished`; 5xx and transport errors are polled
        through.  Returns the restore (SUCCESS) or raises :class:`RestoreFailedError` / ``WaitTimeoutError``."""
        deadline = self._clock() + timeout
        delay = initial_delay
        last = None
        while True:
            try:
                last = self.get_restore(cluster_id, restore_id)
            except (ServerError, TransportError):
                pass
            else:
                if on_poll is not None:
                    on_poll(last)
                if restore_finished(last):
                    return last
            now = self._clock()
            if now >= deadline:
                where = ("still %s at %d%%" % (last.get("status"), round(100 * float(last.get("completion_percent") or 0)))
                         if last else "not readable")
                raise WaitTimeoutError("timed out after %ss waiting for restore %s: it is %s; the job goes on in the "
                                       "background (watch it with cloud_restores_info and restore_id)"
                                       % (int(timeout), restore_id, where))
            self._sleep(min(delay, max(0.0, deadline - now)))
            delay = min(max_delay, delay * 2)
