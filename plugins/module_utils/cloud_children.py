# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the modules for a cluster's sub-resources (SQL users, databases, allowlist) share.

The Cloud API answers 404 for the sub-resources of a cluster that is still provisioning, and
refuses writes while an automatic job holds the cluster lock. :class:`ClusterTarget` finds the
cluster (by name or id), waits for it to leave CREATING before the first read, and waits out a
lock before a write and whenever a write meets one (the client's one lock-wait loop). Reads of a
CREATED cluster cost nothing extra. The requests themselves are :class:`cloud.CloudClient` methods::

    target = ClusterTarget(m.client, params["cluster"], params["wait_timeout"])
    users = m.client.list_sql_users(target.id)
    target.write(lambda: m.client.delete_sql_user(target.id, "app"))
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud import ClusterFailedError
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import NotFoundError

DEFAULT_WAIT_TIMEOUT = 3600

CHILD_ARGSPEC = dict(
    cluster=dict(type="str", required=True),
    wait_timeout=dict(type="int", default=DEFAULT_WAIT_TIMEOUT),
)


def child_option_errors(params):
    """Messages for a bad ``cluster`` or ``wait_timeout`` (part of each child module's ``validate`` hook)."""
    errors = []
    if not (params.get("cluster") or "").strip():
        errors.append("cluster must be the name or the id of a cluster")
    if params.get("wait_timeout") is not None and params["wait_timeout"] < 1:
        errors.append("wait_timeout must be 1 second or more, got %d" % params["wait_timeout"])
    return errors


class ClusterTarget:
    """The cluster a sub-resource module works on.

    With ``missing_ok`` (``state=absent``) a cluster that is gone (no active cluster by that name,
    404, DELETED, CREATION_FAILED) is not an error: ``gone`` is True and ``cluster`` None (its
    sub-resources are gone with it, as the Terraform provider treats it).
    """

    def __init__(self, client, name_or_id, wait_timeout=DEFAULT_WAIT_TIMEOUT, missing_ok=False):
        self.client = client
        self.wait_timeout = wait_timeout
        self.cluster = None
        try:
            cluster = client.resolve_cluster(name_or_id)
        except NotFoundError:
            if missing_ok:
                return
            raise NotFoundError("cluster %r: no active cluster has this name or id; check the cluster option "
                                "(a name as shown in the Cloud Console, or the cluster id)" % name_or_id, status=404)
        if missing_ok and cluster.get("state") == "CREATION_FAILED":
            return
        if cluster.get("state") != "CREATED" and cluster.get("state") != "LOCKED":
            # CREATING: sub-resources answer 404 until it is CREATED. CREATION_FAILED fails fast.
            try:
                cluster = self._wait(cluster)
            except ClusterFailedError:
                if missing_ok:
                    return
                raise
        self.cluster = cluster

    @property
    def gone(self):
        """True when the cluster does not exist (only with ``missing_ok``)."""
        return self.cluster is None

    @property
    def id(self):
        return self.cluster["id"]

    @property
    def name(self):
        return self.cluster.get("name")

    def _wait(self, cluster):
        return self.client.wait_for_cluster(cluster["id"], timeout=self.wait_timeout, wanted=("CREATED",), settle=False)

    def write(self, func):
        """Call ``func()`` (one write) through :meth:`cloud.CloudClient.write_unlocked`: a LOCKED cluster is waited
        for first, and a lock refusal (the server did not act) waits for CREATED and sends the write again, all of
        it within ``wait_timeout``."""
        deadline = self.client.deadline(self.wait_timeout)
        if self.cluster.get("state") == "LOCKED":
            self.cluster = self._wait(self.cluster)
        return self.client.write_unlocked(self.id, func, deadline)
