# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloud API paths of one resource family: CMEK, log export and metric export (issue 13).

:class:`ExportApi` is a mixin of :class:`cloud.CloudClient` (which owns every Cloud API path through its
mixins): its methods use the client's verbs (``self._get``, ``self._post``, ``self._patch``,
``self._put``, ``self._delete``, ``self._paginate``) and never touch ``AnsibleModule``.  Pure
decision functions of the family live here too.  This file never imports ``cloud.py`` (which
imports it).

Quirks the client handles (as the Terraform provider learned them):

* Every configuration job takes the cluster lock; a write refused by the lock is sent again once the
  cluster is ``CREATED`` (:meth:`write_unlocked` of the client).
* Cloud IAM is eventually consistent: enabling CMEK or log export with a key or principal granted a
  moment ago is refused with 400/401/403 for a while.  :meth:`ExportApi.write_iam` sends such a write
  again (after a backoff) until the refusal has lasted ``iam_timeout`` seconds; then it fails with the
  API's message and says that the problem is likely a permanent permission one.
* The jobs are asynchronous (``ENABLING``, ``DISABLING``, ``ROTATING``, ``REVOKING``):
  :meth:`ExportApi.wait_export` polls until the object leaves them, bounded, naming the state it saw.
* Credentials are never returned by the API (the Datadog ``api_key`` only as its last 4 characters);
  :func:`without_credentials` drops them from every object a module returns.
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    CockroachError,
    NotFoundError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)

METRIC_KINDS = ("cloudwatch", "datadog", "prometheus")
LOG_EXPORT_TYPES = ("AWS_CLOUDWATCH", "GCP_CLOUD_LOGGING", "AZURE_LOG_ANALYTICS")
CMEK_KEY_TYPES = ("AWS_KMS", "GCP_CLOUD_KMS", "AZURE_KEY_VAULT")
DATADOG_SITES = ("US1", "US3", "US5", "US1_GOV", "EU1")
LOG_LEVELS = ("WARNING", "ERROR", "FATAL")

# statuses of a running job, and of a job that ended badly
TRANSIENT = ("ENABLING", "DISABLING", "ROTATING", "REVOKING")
FAILED = ("ENABLE_FAILED", "DISABLE_FAILED", "CREDENTIALS_ERROR", "ERROR", "ROTATE_FAILED", "REVOKE_FAILED")
NOT_DEPLOYED = "NOT_DEPLOYED"  # a metric export's status when it is not configured (200, not 404)
IAM_STATUSES = (400, 401, 403)
DEFAULT_IAM_TIMEOUT = 600
CREDENTIAL_FIELDS = ("api_key", "azure_shared_key")
_LOCK_STATUSES = (400, 409, 423, 503)


def is_iam_error(exc):
    """A write refused with 400/401/403 that is not a lock refusal: possibly IAM propagation (the server did not act)."""
    if not isinstance(exc, CockroachError) or exc.status not in IAM_STATUSES:
        return False
    return not (exc.status in _LOCK_STATUSES and "lock" in (exc.message or "").lower())


def without_credentials(obj):
    """A copy of an API object without any credential field (at any depth)."""
    if isinstance(obj, dict):
        return dict((k, without_credentials(v)) for k, v in obj.items() if k not in CREDENTIAL_FIELDS)
    if isinstance(obj, list):
        return [without_credentials(v) for v in obj]
    return obj


# -- log export ---------------------------------------------------------------------------------------
def _norm_group(group):
    return {
        "log_name": group.get("log_name") or "",
        "channels": sorted(group.get("channels") or []),
        "min_level": group.get("min_level") if group.get("min_level") not in (None, "", "UNSPECIFIED") else None,
        "redact": group.get("redact"),
    }


def log_export_view(spec):
    """The comparable form of a log export spec: the task describes the whole configuration, so an unset
    option equals its empty value; channel lists are compared as sets, groups by ``log_name``; no credential."""
    spec = spec or {}
    return {
        "type": spec.get("type"),
        "log_name": spec.get("log_name") or "",
        "auth_principal": spec.get("auth_principal") or "",
        "aws_external_id": spec.get("aws_external_id") or "",
        "region": spec.get("region") or "",
        "redact": bool(spec.get("redact")),
        "omitted_channels": sorted(spec.get("omitted_channels") or []),
        "groups": sorted((_norm_group(g) for g in spec.get("groups") or []), key=lambda g: g["log_name"]),
    }


def log_export_body(params):
    """The EnableLogExport request of a module's options (only the options that are set)."""
    body = {"type": params["type"], "log_name": params["log_name"], "auth_principal": params["auth_principal"]}
    for name in ("aws_external_id", "azure_shared_key", "region", "redact", "omitted_channels"):
        if params.get(name) not in (None, "", []):
            body[name] = params[name]
    if params.get("groups"):
        body["groups"] = [dict((k, v) for k, v in g.items() if v is not None) for g in params["groups"]]
    return body


def log_export_changes(current, params, update_credentials="on_create"):
    """Fields of the log export to change (``{}``: as desired).

    ``current`` is the API object (``spec``, ``status``) or None.  A configuration whose last job failed
    is sent again; with ``update_credentials=always`` the credential (``azure_shared_key``) is sent on
    every run, which is then always a change.
    """
    want = log_export_view(log_export_body(params))
    have = log_export_view((current or {}).get("spec"))
    changes = dict((k, v) for k, v in want.items() if have.get(k) != v)
    if current is not None and current.get("status") in FAILED:
        changes["status"] = "ENABLED"
    if update_credentials == "always" and params.get("azure_shared_key"):
        changes["azure_shared_key"] = "(sent again)"
    return changes


# -- metric exports -------------------------------------------------------------------------------------
METRIC_FIELDS = {
    "cloudwatch": ("role_arn", "external_id", "log_group_name", "target_region"),
    "datadog": ("site",),
    "prometheus": (),
}


def metric_export_body(kind, params):
    """The Enable<Kind>MetricExport request of a module's options."""
    if kind == "prometheus":
        return None
    if kind == "datadog":
        return {"site": params["site"], "api_key": params["datadog_api_key"]}
    return dict((f, params[f]) for f in METRIC_FIELDS["cloudwatch"] if params.get(f) not in (None, ""))


def metric_export_changes(kind, current, params, update_credentials="on_create"):
    """Fields of a metric export to change (``{}``: as desired).

    Datadog: the API shows only the last 4 characters of the key; a key that does not end with them
    was changed elsewhere (a change).  The same 4 characters prove nothing, so ``update_credentials=always``
    sends the key on every run.
    """
    cur = current or {}
    changes = {}
    for f in METRIC_FIELDS[kind]:
        want = params.get(f) or ""
        if (cur.get(f) or "") != want:
            changes[f] = want
    if kind == "datadog":
        shown = (cur.get("api_key") or "").lstrip("*")
        if update_credentials == "always":
            changes["api_key"] = "(sent again)"
        elif current is not None and shown and not (params.get("datadog_api_key") or "").endswith(shown):
            changes["api_key"] = "(differs from the key the API shows the end of)"
    if current is not None and cur.get("status") in FAILED:
        changes["status"] = "ENABLED"
    return changes


# -- CMEK ------------------------------------------------------------------------------------------------
def cmek_current_keys(info):
    """``{region: key_spec}`` of the key each region uses (or is moving to) in a CMEKClusterInfo."""
    out = {}
    for reg in (info or {}).get("region_infos") or []:
        keys = reg.get("key_infos") or []
        chosen = next((k for k in keys if k.get("status") in ("ENABLING", "ENABLED", "REVOKING", "REVOKED")), None)
        if chosen is not None:
            spec = chosen.get("spec") or {}
            out[reg.get("region")] = {"type": spec.get("type"), "uri": spec.get("uri"),
                                      "auth_principal": spec.get("auth_principal")}
    return out


def cmek_changes(info, region_specs):
    """The region specs to send (enable or rotate): those whose key differs from the one in use.

    ``info`` is the CMEKClusterInfo or None (CMEK not enabled: every region spec is sent).
    """
    have = cmek_current_keys(info)
    out = []
    for rs in region_specs:
        ks = rs["key_spec"]
        want = {"type": ks["type"], "uri": ks["uri"], "auth_principal": ks["auth_principal"]}
        if have.get(rs["region"]) != want:
            out.append({"region": rs["region"], "key_spec": want})
    return out


def cmek_view(info):
    """The comparable summary of a CMEKClusterInfo: status and, per region, its status and key in use."""
    if info is None:
        return None
    keys = cmek_current_keys(info)
    return {"status": info.get("status"),
            "regions": dict((r.get("region"), {"status": r.get("status"), "key_spec": keys.get(r.get("region"))})
                            for r in info.get("region_infos") or [])}


class ExportApi(object):
    """Methods of :class:`cloud.CloudClient` for this family."""

    # -- paths -------------------------------------------------------------------------------------
    @staticmethod
    def _export_path(cluster_id, tail):
        return "/clusters/%s/%s" % (cluster_id, tail)

    def _get_or_none(self, path):
        try:
            return self._get(path)
        except NotFoundError:
            return None

    # -- CMEK --------------------------------------------------------------------------------------
    def get_cmek(self, cluster_id):
        """CMEKClusterInfo, or None when CMEK is not enabled: a 404 (what the Terraform provider expects), or a 200
        whose cluster-level status is ``DISABLED`` (the spec: "By default, CMEK will be disabled for new clusters";
        read as enabled, the module would send the PUT of an update instead of the POST that enables it)."""
        info = self._get_or_none(self._export_path(cluster_id, "cmek"))
        if info is not None and info.get("status") == "DISABLED":
            return None
        return info

    def enable_cmek(self, cluster_id, region_specs):
        return self._post(self._export_path(cluster_id, "cmek"), {"region_specs": region_specs})

    def update_cmek(self, cluster_id, region_specs):
        return self._put(self._export_path(cluster_id, "cmek"), {"region_specs": region_specs})

    def revoke_cmek(self, cluster_id):
        return self._patch(self._export_path(cluster_id, "cmek"), {"action": "REVOKE"})

    def add_cmek_regions(self, cluster_id, region_nodes, region_specs, deadline, iam_timeout=DEFAULT_IAM_TIMEOUT):
        """Add regions to a CMEK cluster and wait for the cluster: one cluster PATCH with the whole ``region_nodes``
        map and a key spec for each new region (``dedicated.cmek_region_specs``).

        IAM refusals are retried as :meth:`write_iam` does; after an ambiguous failure the cluster is re-read
        (its regions are the ones asked for: applied; sending the PATCH again would name regions that are no
        longer new).
        """
        path = "/clusters/%s" % cluster_id
        body = {"dedicated": {"region_nodes": region_nodes, "cmek_region_specs": region_specs}}
        want = dict((k, int(v)) for k, v in region_nodes.items())

        def applied():
            cluster = self.get_cluster(cluster_id)
            return dict((r.get("name"), int(r.get("node_count") or 0)) for r in cluster.get("regions") or []) == want

        self.write_iam(cluster_id, lambda: self._patch(path, body), deadline, iam_timeout=iam_timeout, applied=applied)
        return self.wait_for_cluster(cluster_id, timeout=max(1.0, deadline - self._clock()))

    # -- log export --------------------------------------------------------------------------------
    def get_log_export(self, cluster_id):
        """LogExportClusterInfo, or None when log export is not configured: a 404, or a 200 whose status is
        ``DISABLED`` (a configuration that was deleted)."""
        info = self._get_or_none(self._export_path(cluster_id, "logexport"))
        if info is not None and info.get("status") == "DISABLED":
            return None
        return info

    def enable_log_export(self, cluster_id, body):
        return self._post(self._export_path(cluster_id, "logexport"), body)

    def delete_log_export(self, cluster_id):
        return self._delete(self._export_path(cluster_id, "logexport"), missing_ok=True)

    # -- metric exports ----------------------------------------------------------------------------
    def get_metric_export(self, cluster_id, kind):
        """<Kind>MetricExportInfo, or None when that metric export is not configured: a 404, or a 200 whose
        status is ``NOT_DEPLOYED`` (what the Prometheus export answers when it is not configured)."""
        info = self._get_or_none(self._export_path(cluster_id, "metricexport/" + kind))
        if info is not None and info.get("status") == NOT_DEPLOYED:
            return None
        return info

    def enable_metric_export(self, cluster_id, kind, body):
        return self._post(self._export_path(cluster_id, "metricexport/" + kind), body)

    def delete_metric_export(self, cluster_id, kind):
        return self._delete(self._export_path(cluster_id, "metricexport/" + kind), missing_ok=True)

    # -- waits and retries -------------------------------------------------------------------------
    def write_iam(self, cluster_id, send, deadline, iam_timeout=DEFAULT_IAM_TIMEOUT, applied=None):
        """One write that IAM propagation may refuse for a while (CMEK, log export).

        Lock refusals and ambiguous failures are :meth:`write_unlocked`'s; a 400/401/403 is sent again
        after a backoff until it has lasted ``iam_timeout`` seconds (or ``deadline`` passed).  The
        server did not act on such a refusal, so sending again is safe.
        """
        first = None
        attempt = 0
        while True:
            try:
                return self.write_unlocked(cluster_id, send, deadline, applied=applied)
            except CockroachError as exc:
                if not is_iam_error(exc):
                    raise
                now = self._clock()
                if first is None:
                    first = now
                if now - first >= iam_timeout or now >= deadline:
                    exc.message = ("the API refused the write for %ds, likely a permanent permission problem "
                                   "(not IAM propagation): %s" % (int(now - first), exc.message))
                    exc.args = (exc.message,)
                    raise
                self.backoff(min(attempt, 4))
                attempt += 1

    def wait_export(self, read, deadline, what, initial_delay=0.5, max_delay=10.0):
        """Poll ``read()`` until its ``status`` is not a running job's (None: gone) and return the last answer.

        5xx and transport errors while polling are retried until ``deadline``.  Times out with the status
        last seen.
        """
        delay = initial_delay
        last = None
        while True:
            try:
                last = read()
                if last is None or last.get("status") not in TRANSIENT:
                    return last
            except (ServerError, TransportError):
                pass
            now = self._clock()
            if now >= deadline:
                raise WaitTimeoutError("timed out waiting for %s: it is still %s%s" % (
                    what, (last or {}).get("status", "unknown"),
                    (" (%s)" % last["user_message"]) if (last or {}).get("user_message") else ""))
            self._sleep(min(delay, max(0.0, deadline - now)))
            delay = min(max_delay, delay * 2)
