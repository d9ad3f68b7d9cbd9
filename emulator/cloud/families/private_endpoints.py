"""Private endpoints of a cluster (issue 13): the per-region private endpoint services, the connections of
customer endpoints to them, the AWS view of those connections, and the trusted owners.

Sources: the official spec (operations under ``/networking/private-endpoint-*`` and
``/networking/aws-endpoint-connections``) and the Terraform provider (``private_endpoint_*_resource.go``:
services are only *created* on dedicated clusters, serverless ones have them already; it polls the list until
every region of the cluster has an AVAILABLE service, treats CREATING as "wait" and anything else as failure;
a connection is waited for until STATUS_AVAILABLE, PENDING / PENDING_ACCEPTANCE / REJECTED mean "wait",
anything else is a failure; a 404 on delete is success; services cannot be deleted).

The emulated model (every choice where the sources are silent is the harsher one, as noted):

* Plans and providers: BASIC clusters have no private endpoints: every operation answers 400 code 9
  (FAILED_PRECONDITION), reads included (harsher: the real answer is unknown).  STANDARD clusters on AZURE are
  refused the same way (Azure Private Link is documented for Advanced only).
* Services: one per region of the cluster, shown for the regions the cluster has now, sorted by region.
  A STANDARD cluster has them from its creation on (CREATING for ``private_endpoint_service_seconds`` after the
  cluster became ready, then AVAILABLE); POST on a STANDARD cluster is refused (400 code 9; the provider:
  serverless clusters "will error out if the Create API is called", the status is not known).  An ADVANCED cluster
  lists none until POST creates one per region that lacks one (CREATING
  -> AVAILABLE after ``private_endpoint_service_seconds``); a POST when every region has one answers the
  existing services and does nothing (the provider's ``Create``: "If private endpoint services already exist for
  this dedicated cluster, this is a no-op. The API will gracefully return the existing services").  A region
  added later has no service until the next POST.
  A service created by POST is not listed at all (GET, and the POST's own answer) for
  ``private_endpoint_services_visible_seconds`` (setting, default 1) after the create: the provider's
  ``arePrivateEndpointsServicesCreated`` retries "private endpoint services not yet created" on an empty list
  right after its create, so the real list lags behind the create; how long is unknown (harsher: a delay, and the
  POST answer shows only what GET shows).  A client must treat a region without a service as "wait".
  Services are never deleted.  Names and ids follow each provider's format (AWS ``com.amazonaws.vpce.<region>.
  vpce-svc-<17 hex>`` with availability zone ids; a GCP service attachment path; an Azure Private Link alias).
* Customer endpoints are created in the customer's cloud account, which the emulator cannot see: the control
  route ``POST /_emulator/cloud/clusters/{id}/private-endpoints`` (``region_name``, optional ``endpoint_id``,
  ``external_owner_id``) creates one against the AVAILABLE service of its region.  It starts as
  PENDING_ACCEPTANCE and is listed by ``ListAwsEndpointConnections`` on AWS clusters (an AWS-only operation:
  other providers get 400 code 9).
* Connections: ``AddPrivateEndpointConnection`` needs an ``endpoint_id`` in the cluster provider's format
  (AWS ``vpce-`` + 8 or 17 hex digits, GCP a decimal PSC connection id, Azure a private endpoint resource id;
  else 400 code 3) of a known customer endpoint (else 404; one exists only after its service was AVAILABLE).  On an
  AWS cluster with trusted owners, the endpoint's owner must be one of them or ``*`` is listed (else 400 code 9).
  The connection is then listed as STATUS_PENDING and becomes STATUS_AVAILABLE after
  ``private_endpoint_connection_seconds``.  Adding it again is 409 code 6 (harsher).  Delete: STATUS_DELETING
  for ``private_endpoint_connection_seconds``, then it stays listed as STATUS_REJECTED (the provider's
  ``waitForEndpointConnectionCreatedFunc``: "A REJECTED state means the user previously called
  DeletePrivateEndpointConnection() ... A user can re-attach a rejected connection by calling
  AddPrivateEndpointConnection() with the same endpointId"): an Add of a REJECTED connection makes it
  STATUS_PENDING again.  Deleting an unknown one is 404, one that is DELETING or REJECTED 400 code 9 (harsher:
  the real answer for a REJECTED one is unknown).
* ``SetAwsEndpointConnectionState``: AVAILABLE accepts (PENDING, then AVAILABLE as above; already accepted:
  unchanged), REJECTED rejects at once; FAILED, EXPIRED, DELETING endpoints are refused (400 code 9).  The answer
  shows the status *before* the change, as the spec says.
* Trusted owners: type AWS_ACCOUNT_ID only, so AWS clusters only (400 code 9 elsewhere); ``external_owner_id`` a
  12-digit account id or ``*`` (400 code 3); the same owner twice is 409 code 6; an ``owner_id`` that is no UUID
  is 400 code 3, an unknown one 404.
* Every write needs the cluster ready and not LOCKED (the core's lock rules); reads need it ready (404 while
  CREATING, after a failure or deletion: everything of the cluster goes with it).
* Audit: CREATE_PRIVATE_LINK (services), ACCEPT_PRIVATE_LINK / REJECT_PRIVATE_LINK (connections and AWS
  states), ADD_ / REMOVE_PRIVATE_ENDPOINT_TRUSTED_OWNER.

Control routes (relative to ``/_emulator/cloud``): ``POST /clusters/{id}/private-endpoints`` (above),
``PATCH /clusters/{id}/private-endpoints/{endpoint_id}`` ``{"status": ...}`` (force a service-side status such as
FAILED or EXPIRED), ``POST /clusters/{id}/private-endpoint-services/fail`` (services of the cluster that are
CREATING, and those created later, end CREATE_FAILED).
"""

import re

from emulator.cloud.encoding import STR, _enum, _obj, fmt_ts
from emulator.cloud.errors import ALREADY_EXISTS, FAILED_PRECONDITION, ApiError, bad, not_found
from emulator.core import Response
from emulator.routing import Route

C = "/api/v1/clusters/{cluster_id}/networking"

SERVICE_SECONDS = "private_endpoint_service_seconds"
VISIBLE_SECONDS = "private_endpoint_services_visible_seconds"
CONNECTION_SECONDS = "private_endpoint_connection_seconds"

AWS_STATUSES = ("PENDING", "PENDING_ACCEPTANCE", "AVAILABLE", "DELETING", "DELETED", "REJECTED", "FAILED", "EXPIRED")
ENDPOINT_ID_RES = {
    "AWS": re.compile(r"^vpce-[0-9a-f]{8}([0-9a-f]{9})?$"),
    "GCP": re.compile(r"^[0-9]{1,20}$"),
    "AZURE": re.compile(r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[A-Za-z0-9._()-]{1,90}/providers/"
                        r"Microsoft\.Network/privateEndpoints/[A-Za-z0-9._-]{1,80}$", re.IGNORECASE),
}
ENDPOINT_ID_FORMATS = {
    "AWS": "an AWS VPC endpoint id such as vpce-0123456789abcdef0",
    "GCP": "a GCP Private Service Connect connection id (digits) such as 6133183410995353",
    "AZURE": "an Azure private endpoint resource id such as /subscriptions/<id>/resourceGroups/<group>/providers/"
             "Microsoft.Network/privateEndpoints/<name>",
}
AWS_ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

ADD_CONNECTION = _obj(cluster_id=STR, endpoint_id=STR)
ADD_OWNER = _obj(cluster_id=STR, type=_enum("AWS_ACCOUNT_ID"), external_owner_id=STR)
SET_AWS_STATE = _obj(cluster_id=STR, endpoint_id=STR, status=_enum("AVAILABLE", "REJECTED"))


def _az_prefix(region):
    """``us-east-1`` -> ``use1``, ``eu-central-1`` -> ``euc1`` (the prefix of AWS availability zone ids)."""
    parts = region.split("-")
    if len(parts) == 3 and parts[1]:
        return parts[0] + parts[1][0] + parts[2]
    return region.replace("-", "")


class StateMixin:
    def _reset_private_endpoints(self):
        self.settings.setdefault(SERVICE_SECONDS, 3.0)
        self.settings.setdefault(CONNECTION_SECONDS, 2.0)
        self.settings.setdefault(VISIBLE_SECONDS, 1.0)
        self._initial_settings.setdefault(SERVICE_SECONDS, 3.0)
        self._initial_settings.setdefault(CONNECTION_SECONDS, 2.0)
        self._initial_settings.setdefault(VISIBLE_SECONDS, 1.0)
        self.pe = {}

    # -- helpers ------------------------------------------------------------------------------------
    def _pe_of(self, c):
        return self.pe.setdefault(c["id"], {"services": {}, "endpoints": {}, "owners": {}, "fail": False})

    @staticmethod
    def _pe_regions(c):
        if c["serverless"] is not None:
            return sorted(c["serverless"]["regions"])
        return sorted(c["dedicated"]["region_nodes"])

    @staticmethod
    def _pe_check_plan(c):
        if c["plan"] == "BASIC":
            raise bad("private endpoints are not available on BASIC clusters; use a STANDARD or ADVANCED cluster",
                      FAILED_PRECONDITION)
        if c["plan"] == "STANDARD" and c["provider"] == "AZURE":
            raise bad("private endpoints are not available on STANDARD clusters on AZURE", FAILED_PRECONDITION)

    def _pe_cluster(self, cid, write=False):
        c = self._mutable_sub(cid) if write else self._ready_cluster(cid)
        self._pe_check_plan(c)
        pe = self._pe_of(c)
        if c["serverless"] is not None:
            for region in self._pe_regions(c):
                if region not in pe["services"]:
                    self._pe_new_service(c, pe, region, c["ready_at"])
        self._pe_tick(pe)
        return c, pe

    def _pe_hex(self, n):
        return "".join(self.rng.choice("0123456789abcdef") for dummy in range(n))

    def _pe_new_service(self, c, pe, region, start, visible_at=None):
        provider = c["provider"]
        if provider == "AWS":
            sid = "vpce-svc-" + self._pe_hex(17)
            name = "com.amazonaws.vpce.%s.%s" % (region, sid)
            azs = ["%s-az%d" % (_az_prefix(region), i) for i in (1, 2, 3)]
        elif provider == "GCP":
            name = "projects/crl-prod-%s/regions/%s/serviceAttachments/%s-%s" % (c["short"], region, c["name"], region)
            sid = "%d" % self.rng.randrange(10 ** 17, 10 ** 18)
            azs = []
        else:
            sid = "/subscriptions/%s/resourceGroups/crl-%s/providers/Microsoft.Network/privateLinkServices/%s-%s" % (
                self._uuid(), c["short"], c["name"], region)
            name = "%s-%s.%s.%s.azure.privatelinkservice" % (c["name"], region, self._uuid(), region)
            azs = []
        pe["services"][region] = {"region": region, "provider": provider, "name": name, "id": sid, "azs": azs,
                                  "ready_at": start + self.settings[SERVICE_SECONDS], "failed": pe["fail"],
                                  "visible_at": start if visible_at is None else visible_at}

    def _pe_service_status(self, svc):
        if svc["failed"]:
            return "CREATE_FAILED"
        return "AVAILABLE" if self._now() >= svc["ready_at"] else "CREATING"

    def _pe_tick(self, pe):
        now = self._now()
        for eid in list(pe["endpoints"]):
            e = pe["endpoints"][eid]
            if e["until"] is not None and now >= e["until"]:
                if e["status"] == "PENDING":
                    e["status"] = "AVAILABLE"
                elif e["status"] == "DELETING":
                    e["status"] = "REJECTED"  # still listed: a deleted connection shows STATUS_REJECTED
                e["until"] = None

    def _pe_visible(self, svc):
        return self._now() >= svc.get("visible_at", 0)

    def _pe_services(self, c, pe):
        """The services GET lists: those of the cluster's regions that are visible already."""
        return [pe["services"][r] for r in self._pe_regions(c) if r in pe["services"]
                and self._pe_visible(pe["services"][r])]

    def _pe_endpoint(self, c, pe, endpoint_id):
        e = pe["endpoints"].get(endpoint_id)
        if e is None or e["region"] not in self._pe_regions(c):
            raise not_found("private endpoint %s not found on the private endpoint services of cluster %s"
                            % (endpoint_id, c["id"]))
        return e

    # -- services -----------------------------------------------------------------------------------
    def pe_list_services(self, cid):
        c, pe = self._pe_cluster(cid)
        return c, self._pe_services(c, pe)

    def pe_create_services(self, cid):
        c, pe = self._pe_cluster(cid, write=True)
        if c["serverless"] is not None:
            raise bad("the private endpoint services of a STANDARD cluster are created with the cluster; "
                      "list them instead", FAILED_PRECONDITION)
        missing = [r for r in self._pe_regions(c) if r not in pe["services"]]
        if not missing:  # the provider: "this is a no-op. The API will gracefully return the existing services"
            return c, self._pe_services(c, pe)
        now = self._now()
        for region in missing:
            self._pe_new_service(c, pe, region, now, visible_at=now + max(0.0, float(self.settings[VISIBLE_SECONDS])))
        self._record("AUDIT_LOG_ACTION_CREATE_PRIVATE_LINK", c, {"regions": missing})
        return c, self._pe_services(c, pe)

    # -- connections --------------------------------------------------------------------------------
    def pe_list_connections(self, cid):
        c, pe = self._pe_cluster(cid)
        return c, pe, sorted((e for e in pe["endpoints"].values() if e["connected"]
                              and e["region"] in self._pe_regions(c)), key=lambda e: (e["region"], e["id"]))

    def pe_add_connection(self, cid, endpoint_id):
        c, pe = self._pe_cluster(cid, write=True)
        if not endpoint_id:
            raise bad('invalid value for field "endpoint_id": it is required')
        if not ENDPOINT_ID_RES[c["provider"]].match(endpoint_id):
            raise bad('invalid value for field "endpoint_id": %r is not %s'
                      % (endpoint_id, ENDPOINT_ID_FORMATS[c["provider"]]))
        e = self._pe_endpoint(c, pe, endpoint_id)
        if e["status"] == "DELETING":
            raise bad("the connection of endpoint %s is being deleted; add it again when it is gone" % endpoint_id,
                      FAILED_PRECONDITION)
        if e["status"] in ("FAILED", "EXPIRED", "DELETED"):
            raise bad("endpoint %s is %s; create a new endpoint" % (endpoint_id, e["status"]), FAILED_PRECONDITION)
        if e["connected"] and e["status"] != "REJECTED":
            raise ApiError(409, ALREADY_EXISTS, "endpoint %s is already connected to cluster %s" % (endpoint_id, cid))
        owners = {o["external_owner_id"] for o in pe["owners"].values()}
        if c["provider"] == "AWS" and owners and "*" not in owners and e["owner"] not in owners:
            raise bad("the owner %s of endpoint %s is not a trusted owner of cluster %s"
                      % (e["owner"], endpoint_id, cid), FAILED_PRECONDITION)
        e["connected"] = True
        if e["status"] != "AVAILABLE":
            e["status"] = "PENDING"
            e["until"] = self._now() + self.settings[CONNECTION_SECONDS]
        self._record("AUDIT_LOG_ACTION_ACCEPT_PRIVATE_LINK", c, {"endpoint_id": endpoint_id})
        return c, pe, e

    def pe_delete_connection(self, cid, endpoint_id):
        c, pe = self._pe_cluster(cid, write=True)
        e = pe["endpoints"].get(endpoint_id)
        if e is None or not e["connected"] or e["region"] not in self._pe_regions(c):
            raise not_found("no connection of endpoint %s on cluster %s" % (endpoint_id, cid))
        if e["status"] == "DELETING":
            raise bad("the connection of endpoint %s is already being deleted" % endpoint_id, FAILED_PRECONDITION)
        if e["status"] == "REJECTED":
            raise bad("the connection of endpoint %s is already rejected" % endpoint_id, FAILED_PRECONDITION)
        e["status"] = "DELETING"
        e["until"] = self._now() + self.settings[CONNECTION_SECONDS]
        self._record("AUDIT_LOG_ACTION_REJECT_PRIVATE_LINK", c, {"endpoint_id": endpoint_id})

    # -- AWS endpoint connections -------------------------------------------------------------------
    def _pe_aws_cluster(self, cid, write=False):
        c, pe = self._pe_cluster(cid, write)
        if c["provider"] != "AWS":
            raise bad("AWS endpoint connections exist only on AWS clusters; this cluster is on %s" % c["provider"],
                      FAILED_PRECONDITION)
        return c, pe

    def pe_list_aws(self, cid):
        c, pe = self._pe_aws_cluster(cid)
        return c, pe, sorted((e for e in pe["endpoints"].values() if e["region"] in self._pe_regions(c)),
                             key=lambda e: (e["region"], e["id"]))

    def pe_set_aws_state(self, cid, endpoint_id, status):
        c, pe = self._pe_aws_cluster(cid, write=True)
        if status not in ("AVAILABLE", "REJECTED"):
            raise bad('invalid value for field "status": must be AVAILABLE or REJECTED')
        e = self._pe_endpoint(c, pe, endpoint_id)
        before = dict(e)
        if e["status"] in ("FAILED", "EXPIRED", "DELETING", "DELETED"):
            raise bad("endpoint %s is %s; its state cannot be set" % (endpoint_id, e["status"]), FAILED_PRECONDITION)
        if status == "AVAILABLE" and e["status"] not in ("AVAILABLE", "PENDING"):
            e["status"] = "PENDING"
            e["until"] = self._now() + self.settings[CONNECTION_SECONDS]
            self._record("AUDIT_LOG_ACTION_ACCEPT_PRIVATE_LINK", c, {"endpoint_id": endpoint_id})
        elif status == "REJECTED" and e["status"] != "REJECTED":
            e["status"] = "REJECTED"
            e["until"] = None
            self._record("AUDIT_LOG_ACTION_REJECT_PRIVATE_LINK", c, {"endpoint_id": endpoint_id})
        return c, pe, before

    # -- trusted owners -----------------------------------------------------------------------------
    def pe_list_owners(self, cid):
        c, pe = self._pe_cluster(cid)
        return sorted(pe["owners"].values(), key=lambda o: (o["created_at"], o["id"]))

    def _pe_owner(self, pe, cid, owner_id):
        if not UUID_RE.match(owner_id or ""):
            raise bad('invalid value for field "owner_id": %r is not a UUID' % owner_id)
        o = pe["owners"].get(owner_id)
        if o is None:
            raise not_found("trusted owner %s not found on cluster %s" % (owner_id, cid))
        return o

    def pe_get_owner(self, cid, owner_id):
        c, pe = self._pe_cluster(cid)
        return self._pe_owner(pe, cid, owner_id)

    def pe_add_owner(self, cid, body):
        c, pe = self._pe_cluster(cid, write=True)
        otype = body.get("type")
        ext = body.get("external_owner_id") or ""
        if not otype:
            raise bad('invalid value for field "type": it is required (AWS_ACCOUNT_ID)')
        if c["provider"] != "AWS":
            raise bad("trusted owners of type %s exist only on AWS clusters; this cluster is on %s"
                      % (otype, c["provider"]), FAILED_PRECONDITION)
        if ext != "*" and not AWS_ACCOUNT_RE.match(ext):
            raise bad('invalid value for field "external_owner_id": %r is not a 12-digit AWS account id or "*"' % ext)
        for o in pe["owners"].values():
            if o["type"] == otype and o["external_owner_id"] == ext:
                raise ApiError(409, ALREADY_EXISTS, "trusted owner %s is already on cluster %s" % (ext, cid))
        o = {"id": self._uuid(), "cluster_id": c["id"], "type": otype, "external_owner_id": ext,
             "created_at": self._now_us()}
        pe["owners"][o["id"]] = o
        self._record("AUDIT_LOG_ACTION_ADD_PRIVATE_ENDPOINT_TRUSTED_OWNER", c, {"external_owner_id": ext})
        return o

    def pe_remove_owner(self, cid, owner_id):
        c, pe = self._pe_cluster(cid, write=True)
        o = self._pe_owner(pe, cid, owner_id)
        del pe["owners"][owner_id]
        self._record("AUDIT_LOG_ACTION_REMOVE_PRIVATE_ENDPOINT_TRUSTED_OWNER", c,
                     {"external_owner_id": o["external_owner_id"]})
        return o

    # -- control: the customer's side ---------------------------------------------------------------
    def pe_customer_endpoint(self, cid, body):
        c, pe = self._pe_cluster(cid)
        regions = self._pe_regions(c)
        region = body.get("region_name") or regions[0]
        if region not in regions:
            raise bad("region_name %s is not a region of cluster %s (%s)" % (region, cid, ", ".join(regions)))
        svc = pe["services"].get(region)
        if svc is None or not self._pe_visible(svc) or self._pe_service_status(svc) != "AVAILABLE":
            raise bad("no AVAILABLE private endpoint service in region %s: create the services and wait first"
                      % region, FAILED_PRECONDITION)
        provider = c["provider"]
        eid = body.get("endpoint_id")
        if not eid:
            if provider == "AWS":
                eid = "vpce-" + self._pe_hex(17)
            elif provider == "GCP":
                eid = "%d" % self.rng.randrange(10 ** 15, 10 ** 16)
            else:
                eid = ("/subscriptions/%s/resourceGroups/app/providers/Microsoft.Network/privateEndpoints/pe-%s"
                       % (self._uuid(), self._pe_hex(6)))
        if not isinstance(eid, str) or not ENDPOINT_ID_RES[provider].match(eid):
            raise bad("endpoint_id must be %s" % ENDPOINT_ID_FORMATS[provider])
        if eid in pe["endpoints"]:
            raise ApiError(409, ALREADY_EXISTS, "endpoint %s exists" % eid)
        owner = body.get("external_owner_id")
        if owner is None:
            owner = "%012d" % self.rng.randrange(10 ** 12) if provider == "AWS" else ""
        e = {"id": eid, "region": region, "owner": str(owner), "status": "PENDING_ACCEPTANCE",
             "connected": False, "until": None}
        pe["endpoints"][eid] = e
        return c, pe, e

    def pe_force_status(self, cid, endpoint_id, status):
        c, pe = self._pe_cluster(cid)
        if status not in AWS_STATUSES:
            raise bad("status must be one of %s" % ", ".join(AWS_STATUSES))
        e = self._pe_endpoint(c, pe, endpoint_id)
        e["status"] = status
        e["until"] = None
        return c, pe, e

    def pe_fail_services(self, cid):
        c = self._cluster(cid)
        pe = self._pe_of(c)
        pe["fail"] = True
        for svc in pe["services"].values():
            if self._pe_service_status(svc) == "CREATING":
                svc["failed"] = True
        return c, pe


class HandlersMixin:
    # -- rendering ----------------------------------------------------------------------------------
    def _pe_render_service(self, svc):
        out = {"region_name": svc["region"], "cloud_provider": svc["provider"], "status": self.s._pe_service_status(svc),
               "name": svc["name"], "endpoint_service_id": svc["id"], "availability_zone_ids": list(svc["azs"])}
        if svc["provider"] == "AWS":
            out["aws"] = {"service_name": svc["name"], "service_id": svc["id"],
                          "availability_zone_ids": list(svc["azs"])}
        return out

    def _pe_render_connection(self, c, pe, e, status=None):
        svc = pe["services"][e["region"]]
        out = {"region_name": e["region"], "cloud_provider": c["provider"], "status": "STATUS_" + (status or e["status"]),
               "endpoint_id": e["id"], "endpoint_service_id": svc["id"], "service_name": svc["name"]}
        if c["provider"] == "AWS":
            out["external_owner_id"] = e["owner"]
        return out

    def _pe_render_aws(self, pe, e, status=None):
        svc = pe["services"][e["region"]]
        return {"region_name": e["region"], "cloud_provider": "AWS", "status": status or e["status"],
                "endpoint_id": e["id"], "service_id": svc["id"], "external_owner_id": e["owner"]}

    @staticmethod
    def _pe_render_owner(o):
        return {"id": o["id"], "cluster_id": o["cluster_id"], "type": o["type"],
                "external_owner_id": o["external_owner_id"], "created_at": fmt_ts(o["created_at"])}

    # -- services -----------------------------------------------------------------------------------
    def pe_services_list(self, req, ctx, cluster_id):
        c, services = self.s.pe_list_services(cluster_id)
        return self._ok({"services": [self._pe_render_service(s) for s in services]})

    def pe_services_create(self, req, ctx, cluster_id):
        c, services = self.s.pe_create_services(cluster_id)
        return self._ok({"services": [self._pe_render_service(s) for s in services]})

    # -- connections --------------------------------------------------------------------------------
    def pe_connections_list(self, req, ctx, cluster_id):
        c, pe, items = self.s.pe_list_connections(cluster_id)
        return self._ok({"connections": [self._pe_render_connection(c, pe, e) for e in items]})

    def pe_connection_add(self, req, ctx, cluster_id):
        body = self._body(req, ADD_CONNECTION)
        c, pe, e = self.s.pe_add_connection(cluster_id, body.get("endpoint_id") or "")
        return self._ok(self._pe_render_connection(c, pe, e))

    def pe_connection_delete(self, req, ctx, cluster_id, endpoint_id):
        self.s.pe_delete_connection(cluster_id, endpoint_id)
        return self._ok({})

    def pe_aws_list(self, req, ctx, cluster_id):
        c, pe, items = self.s.pe_list_aws(cluster_id)
        return self._ok({"connections": [self._pe_render_aws(pe, e) for e in items]})

    def pe_aws_set(self, req, ctx, cluster_id, endpoint_id):
        body = self._body(req, SET_AWS_STATE)
        if not body.get("status"):
            raise bad('invalid value for field "status": it is required (AVAILABLE or REJECTED)')
        c, pe, before = self.s.pe_set_aws_state(cluster_id, endpoint_id, body["status"])
        return self._ok(self._pe_render_aws(pe, before))

    # -- trusted owners -----------------------------------------------------------------------------
    def pe_owners_list(self, req, ctx, cluster_id):
        return self._ok({"trusted_owners": [self._pe_render_owner(o) for o in self.s.pe_list_owners(cluster_id)]})

    def pe_owner_add(self, req, ctx, cluster_id):
        body = self._body(req, ADD_OWNER)
        return self._ok({"trusted_owner": self._pe_render_owner(self.s.pe_add_owner(cluster_id, body))})

    def pe_owner_get(self, req, ctx, cluster_id, owner_id):
        return self._ok({"trusted_owner": self._pe_render_owner(self.s.pe_get_owner(cluster_id, owner_id))})

    def pe_owner_remove(self, req, ctx, cluster_id, owner_id):
        return self._ok({"trusted_owner": self._pe_render_owner(self.s.pe_remove_owner(cluster_id, owner_id))})

    # -- control ------------------------------------------------------------------------------------
    def _pe_endpoint_view(self, c, pe, e):
        return {"endpoint_id": e["id"], "region_name": e["region"], "external_owner_id": e["owner"],
                "status": e["status"], "connected": e["connected"],
                "service_name": pe["services"][e["region"]]["name"]}

    def c_pe_customer_endpoint(self, body, cluster_id):
        c, pe, e = self.s.pe_customer_endpoint(cluster_id, body)
        return Response.json(200, self._pe_endpoint_view(c, pe, e))

    def c_pe_force_status(self, body, cluster_id, endpoint_id):
        c, pe, e = self.s.pe_force_status(cluster_id, endpoint_id, body.get("status"))
        return Response.json(200, self._pe_endpoint_view(c, pe, e))

    def c_pe_fail_services(self, body, cluster_id):
        self.s.pe_fail_services(cluster_id)
        return Response.json(200, {"fail": True})


def state_view(api):
    s = api.s
    out = {}
    for cid, pe in s.pe.items():
        c = s.clusters.get(cid)
        if c is None:
            continue
        s._pe_tick(pe)
        out[cid] = {
            "services": [api._pe_render_service(svc) for svc in pe["services"].values()],
            "endpoints": [api._pe_endpoint_view(c, pe, e) for e in pe["endpoints"].values()],
            "trusted_owners": [api._pe_render_owner(o) for o in pe["owners"].values()],
        }
    return out


H = HandlersMixin
ROUTES = [
    Route("GET", C + "/private-endpoint-services", H.pe_services_list),
    Route("POST", C + "/private-endpoint-services", H.pe_services_create),
    Route("GET", C + "/private-endpoint-connections", H.pe_connections_list),
    Route("POST", C + "/private-endpoint-connections", H.pe_connection_add),
    Route("DELETE", C + "/private-endpoint-connections/{endpoint_id}", H.pe_connection_delete),
    Route("GET", C + "/aws-endpoint-connections", H.pe_aws_list),
    Route("PATCH", C + "/aws-endpoint-connections/{endpoint_id}", H.pe_aws_set),
    Route("GET", C + "/private-endpoint-trusted-owners", H.pe_owners_list),
    Route("POST", C + "/private-endpoint-trusted-owners", H.pe_owner_add),
    Route("GET", C + "/private-endpoint-trusted-owners/{owner_id}", H.pe_owner_get),
    Route("DELETE", C + "/private-endpoint-trusted-owners/{owner_id}", H.pe_owner_remove),
]
OPERATION_IDS = {
    "pe_services_list": "CockroachCloud_ListPrivateEndpointServices",
    "pe_services_create": "CockroachCloud_CreatePrivateEndpointServices",
    "pe_connections_list": "CockroachCloud_ListPrivateEndpointConnections",
    "pe_connection_add": "CockroachCloud_AddPrivateEndpointConnection",
    "pe_connection_delete": "CockroachCloud_DeletePrivateEndpointConnection",
    "pe_aws_list": "CockroachCloud_ListAwsEndpointConnections",
    "pe_aws_set": "CockroachCloud_SetAwsEndpointConnectionState",
    "pe_owners_list": "CockroachCloud_ListPrivateEndpointTrustedOwners",
    "pe_owner_add": "CockroachCloud_AddPrivateEndpointTrustedOwner",
    "pe_owner_get": "CockroachCloud_GetPrivateEndpointTrustedOwner",
    "pe_owner_remove": "CockroachCloud_RemovePrivateEndpointTrustedOwner",
}
CONTROL_ROUTES = [
    Route("POST", "/clusters/{cluster_id}/private-endpoints", H.c_pe_customer_endpoint),
    Route("PATCH", "/clusters/{cluster_id}/private-endpoints/{endpoint_id:path}", H.c_pe_force_status),
    Route("POST", "/clusters/{cluster_id}/private-endpoint-services/fail", H.c_pe_fail_services),
]
