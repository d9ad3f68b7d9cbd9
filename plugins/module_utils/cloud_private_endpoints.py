# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cloud API paths of one resource family: private endpoint services, connections and trusted owners (issue 13).

:class:`PrivateEndpointsApi` is a mixin of :class:`cloud.CloudClient` (which owns every Cloud API path through its
mixins): its methods use the client's verbs (``self._get``, ``self._post``, ``self._patch``,
``self._put``, ``self._delete``, ``self._paginate``) and never touch ``AnsibleModule``.  Pure
decision functions of the family live here too.  This file never imports ``cloud.py`` (which
imports it).

What the API does, as the Terraform provider learned it: a dedicated (ADVANCED) cluster gets one private endpoint
service per region when asked (POST, no body), a STANDARD cluster has them already; each is CREATING, then
AVAILABLE (anything else is a failure); services cannot be deleted.  A connection of a customer's endpoint is
added by its cloud provider id and is PENDING (or PENDING_ACCEPTANCE, or REJECTED until accepted again) before it
is AVAILABLE; FAILED, EXPIRED and DELETED are final.  None of these lists is paginated.
"""

from urllib.parse import quote

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import (
    CockroachError,
    NotFoundError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)

TRUSTED_OWNER_TYPES = ("AWS_ACCOUNT_ID",)
SERVICE_WAIT_STATUSES = ("CREATING",)
CONNECTION_WAIT_STATUSES = ("STATUS_PENDING", "STATUS_PENDING_ACCEPTANCE", "STATUS_REJECTED")
CONNECTION_FINAL_FAILURES = ("STATUS_FAILED", "STATUS_EXPIRED", "STATUS_DELETED")
# a deleted connection stays listed as STATUS_REJECTED (the provider: "A REJECTED state means the user previously
# called DeletePrivateEndpointConnection()"; an Add re-attaches it): for state=absent it is gone
CONNECTION_GONE = ("STATUS_REJECTED",)


class PrivateEndpointFailedError(CockroachError):
    """A private endpoint service or connection reached a state it does not leave (CREATE_FAILED, EXPIRED...)."""

    kind = "private_endpoint_failed"


# -- pure decisions --------------------------------------------------------------------------------------------
def cluster_regions(cluster):
    """The region names of a cluster (as ``GET /clusters/{id}`` shows them), sorted."""
    return sorted(r.get("name") for r in (cluster or {}).get("regions") or [] if r.get("name"))


def is_dedicated(cluster):
    """Whether the cluster's services must be created (ADVANCED); STANDARD clusters have them from the start."""
    config = (cluster or {}).get("config") or {}
    if "dedicated" in config or "serverless" in config:
        return "dedicated" in config
    return (cluster or {}).get("plan") == "ADVANCED"


def services_by_region(services):
    """``{region_name: service}``."""
    return {s.get("region_name"): s for s in services or []}


def missing_service_regions(services, regions):
    """The regions of the cluster that have no service yet (a create makes them)."""
    have = services_by_region(services)
    return [r for r in regions if r not in have]


def services_verdict(services, regions):
    """``("ready" | "wait" | "failed", detail)`` for the services of ``regions``, as the provider decides it:
    every region AVAILABLE is ready; a missing one or a CREATING one means wait; any other status is a failure."""
    have = services_by_region(services)
    failed = ["%s is %s" % (r, have[r].get("status")) for r in regions
              if r in have and have[r].get("status") not in ("AVAILABLE",) + SERVICE_WAIT_STATUSES]
    if failed:
        return "failed", "; ".join(failed)
    waiting = ["%s is %s" % (r, have[r].get("status") if r in have else "not created yet") for r in regions
               if r not in have or have[r].get("status") != "AVAILABLE"]
    if waiting:
        return "wait", "; ".join(waiting)
    return "ready", ""


def service_view(service):
    """One service as the module returns it (the API's fields, ``aws`` detail folded in)."""
    return {
        "region_name": service.get("region_name"),
        "cloud_provider": service.get("cloud_provider"),
        "status": service.get("status"),
        "name": service.get("name"),
        "endpoint_service_id": service.get("endpoint_service_id"),
        "availability_zone_ids": list(service.get("availability_zone_ids") or []),
    }


def predicted_service(region, provider):
    """A service a create would make (check mode): its name and id are only known once it exists."""
    return {"region_name": region, "cloud_provider": provider, "status": "CREATING", "name": None,
            "endpoint_service_id": None, "availability_zone_ids": []}


def connection_named(connections, endpoint_id):
    """The connection of ``endpoint_id`` (exact match), or None."""
    return next((c for c in connections or [] if c.get("endpoint_id") == endpoint_id), None)


def connection_verdict(connection, state="present"):
    """``("ready" | "wait" | "failed", status)`` of one connection for ``state``.

    present: STATUS_AVAILABLE is ready, PENDING / PENDING_ACCEPTANCE / REJECTED mean wait (the provider's rule),
    DELETING means wait too (it must be gone before it can be added again); FAILED, EXPIRED, DELETED and anything
    unknown are failures.  absent: no connection, or a REJECTED one (what a deleted connection shows), is ready;
    anything else waits (DELETING until it is REJECTED or gone).
    """
    if state == "absent":
        if connection is None or connection.get("status") in CONNECTION_GONE:
            return "ready", None
        return "wait", connection.get("status")
    if connection is None:
        return "failed", "gone"
    status = connection.get("status")
    if status == "STATUS_AVAILABLE":
        return "ready", status
    if status in CONNECTION_WAIT_STATUSES:
        return "wait", status
    return "failed", status


def connection_view(connection):
    """One connection as the module returns it."""
    keys = ("endpoint_id", "status", "region_name", "cloud_provider", "endpoint_service_id", "service_name")
    out = {k: connection.get(k) for k in keys}
    out["external_owner_id"] = connection.get("external_owner_id")
    return out


def trusted_owner_errors(owner_type, external_owner_id, option="external_owner_id"):
    """Messages for an owner id that the API would refuse (empty list = fine)."""
    value = external_owner_id or ""
    if owner_type == "AWS_ACCOUNT_ID" and value != "*" and not (len(value) == 12 and value.isdigit()):
        return ["%s %r is not an AWS account id: use its 12 digits, such as 012345678901, or * for every account"
                % (option, external_owner_id)]
    return []


def trusted_owner_view(owner):
    """One trusted owner as the module returns it."""
    return {k: owner.get(k) for k in ("id", "type", "external_owner_id", "created_at")}


class PrivateEndpointsApi(object):
    """Methods of :class:`cloud.CloudClient` for this family."""

    def _networking_path(self, cluster_id, tail):
        return "/clusters/%s/networking/%s" % (cluster_id, tail)

    # -- services ---------------------------------------------------------------------------------------------
    def list_private_endpoint_services(self, cluster_id):
        """The services of the cluster's regions (not paginated)."""
        return (self._get(self._networking_path(cluster_id, "private-endpoint-services")) or {}).get("services") or []

    def create_private_endpoint_services(self, cluster_id, regions):
        """POST once (no body); after a lost answer, or a 409 because they exist, the services are read again: when
        every region in ``regions`` has one, that is the answer.  Returns the services."""
        def existing():
            services = self.list_private_endpoint_services(cluster_id)
            return services if not missing_service_regions(services, regions) else None

        got = self._create_once(self._networking_path(cluster_id, "private-endpoint-services"), None, existing,
                                adopt=True)[0]
        return (got.get("services") or []) if isinstance(got, dict) else got

    def wait_for_private_endpoint_services(self, cluster_id, regions, timeout, first=None):
        """Poll the services until every region's is AVAILABLE; ``first`` is a list already read (no extra read
        when it is ready).  CREATE_FAILED or another final status raises :class:`PrivateEndpointFailedError`."""
        return self._poll(lambda: self.list_private_endpoint_services(cluster_id),
                          lambda services: services_verdict(services, regions), timeout, first,
                          "the private endpoint services of cluster %s" % cluster_id)

    # -- connections ------------------------------------------------------------------------------------------
    def list_private_endpoint_connections(self, cluster_id):
        return (self._get(self._networking_path(cluster_id, "private-endpoint-connections")) or {}).get(
            "connections") or []

    def add_private_endpoint_connection(self, cluster_id, endpoint_id):
        """POST ``{endpoint_id}`` once; after a lost answer the connections are read before any second try."""
        return self._create_once(
            self._networking_path(cluster_id, "private-endpoint-connections"), {"endpoint_id": endpoint_id},
            lambda: connection_named(self.list_private_endpoint_connections(cluster_id), endpoint_id))[0]

    def delete_private_endpoint_connection(self, cluster_id, endpoint_id, missing_ok=True):
        """DELETE the connection (the id URL-encoded: Azure ids hold slashes); gone already is fine with
        ``missing_ok``."""
        return self._delete(self._networking_path(cluster_id, "private-endpoint-connections/" + quote(endpoint_id, safe="")),
                            missing_ok=missing_ok)

    def wait_for_private_endpoint_connection(self, cluster_id, endpoint_id, state, timeout, first=None):
        """Poll the connections until the one of ``endpoint_id`` is AVAILABLE (``present``) or gone (``absent``).
        Returns the connection (None for absent)."""
        def verdict(connections):
            return connection_verdict(connection_named(connections, endpoint_id), state)

        connections = self._poll(lambda: self.list_private_endpoint_connections(cluster_id), verdict, timeout, first,
                                 "the connection of endpoint %s to cluster %s" % (endpoint_id, cluster_id))
        return connection_named(connections, endpoint_id)

    # -- AWS endpoint connections (the service-side view on AWS clusters) ---------------------------------------
    def list_aws_endpoint_connections(self, cluster_id):
        return (self._get(self._networking_path(cluster_id, "aws-endpoint-connections")) or {}).get("connections") or []

    def set_aws_endpoint_connection_state(self, cluster_id, endpoint_id, status):
        """PATCH ``{status: AVAILABLE | REJECTED}`` (idempotent).  The answer shows the status *before* the change."""
        return self._patch(self._networking_path(cluster_id, "aws-endpoint-connections/" + quote(endpoint_id, safe="")),
                           {"status": status}, idempotent=True)

    # -- trusted owners ---------------------------------------------------------------------------------------
    def list_private_endpoint_trusted_owners(self, cluster_id):
        return (self._get(self._networking_path(cluster_id, "private-endpoint-trusted-owners")) or {}).get(
            "trusted_owners") or []

    def get_private_endpoint_trusted_owner(self, cluster_id, owner_id):
        """The entry, or None when it does not exist."""
        try:
            return (self._get(self._networking_path(cluster_id, "private-endpoint-trusted-owners/%s" % owner_id))
                    or {}).get("trusted_owner")
        except NotFoundError:
            return None

    def add_private_endpoint_trusted_owner(self, cluster_id, owner_type, external_owner_id):
        """POST once; after a lost answer the owners are read before any second try (409 from a race: adopted by
        the caller through :class:`cloud.AlreadyExistsError`)."""
        def existing():
            return next((o for o in self.list_private_endpoint_trusted_owners(cluster_id)
                         if o.get("type") == owner_type and o.get("external_owner_id") == external_owner_id), None)

        got = self._create_once(self._networking_path(cluster_id, "private-endpoint-trusted-owners"),
                                {"type": owner_type, "external_owner_id": external_owner_id}, existing)[0]
        return got.get("trusted_owner", got) if isinstance(got, dict) else got

    def remove_private_endpoint_trusted_owner(self, cluster_id, owner_id, missing_ok=True):
        """DELETE the entry by its id; one that is gone already is fine with ``missing_ok``."""
        return self._delete(self._networking_path(cluster_id, "private-endpoint-trusted-owners/%s" % owner_id),
                            missing_ok=missing_ok)

    # -- the wait loop of this family --------------------------------------------------------------------------
    def _poll(self, read, verdict, timeout, first, what, initial_delay=0.5, max_delay=15.0):
        """Read until ``verdict(value)`` is ready (returns the value) or failed (raises); 5xx and transport errors
        while polling are retried until the deadline, which raises :class:`WaitTimeoutError` naming ``what``."""
        deadline = self._clock() + timeout
        delay = initial_delay
        value = first
        detail = None
        while True:
            if value is not None:
                decision, detail = verdict(value)
                if decision == "ready":
                    return value
                if decision == "failed":
                    raise PrivateEndpointFailedError("%s failed: %s" % (what, detail))
            now = self._clock()
            if now >= deadline:
                raise WaitTimeoutError("timed out after %ss waiting for %s; %s" % (
                    int(timeout), what, detail or "no answer yet"))
            self._sleep(min(delay, max(0.0, deadline - now)))
            delay = min(max_delay, delay * 2)
            try:
                value = read()
            except (ServerError, TransportError) as exc:
                value, detail = None, str(exc)
