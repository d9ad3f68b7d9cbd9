"""Routes of the Cloud API v1 and of its control endpoints (``/_emulator/cloud/...``).

One line per operation: method, path template, handler in ``handlers.py``.  Path segments are
percent-decoded before matching (as the gRPC gateway does); an unknown path answers 404 code 5,
a known path with another method 405 code 12 (``handlers.route``), before authentication.
There is no ``PUT .../spend-limit``: it is in no published spec, so it answers 404 like any unknown path
(the legacy spend limit is ``PATCH`` ``serverless.spend_limit`` on Cc-Version 2023-04-10 and older).
"""

from emulator.cloud import families
from emulator.cloud.handlers import CloudAPI as H
from emulator.routing import ANY, Route, Router

C = "/api/v1/clusters/{cluster_id}"
ENTRY = C + "/networking/allowlist/{cidr_ip}/{cidr_mask}"

ROUTES = [
    Route("GET", "/api/v1/clusters", H.list_clusters),
    Route("POST", "/api/v1/clusters", H.create_cluster),
    Route("GET", "/api/v1/clusters/available-regions", H.list_regions),
    Route("GET", "/api/v1/cluster-versions", H.list_versions),
    Route("GET", "/api/v1/organization", H.get_organization),
    Route("GET", "/api/v1/auditlogevents", H.list_audit_logs),
    Route("GET", C, H.get_cluster),
    Route("PATCH", C, H.update_cluster),
    Route("DELETE", C, H.delete_cluster),
    Route("GET", C + "/nodes", H.list_nodes),
    Route("GET", C + "/connection-string", H.connection_string),
    Route("GET", C + "/sql-users", H.list_sql_users),
    Route("POST", C + "/sql-users", H.create_sql_user),
    Route("DELETE", C + "/sql-users/{name}", H.delete_sql_user),
    Route("PUT", C + "/sql-users/{name}/password", H.update_sql_user_password),
    Route("GET", C + "/databases", H.list_databases),
    Route("POST", C + "/databases", H.create_database),
    Route("PATCH", C + "/databases", H.edit_database2),
    Route("PATCH", C + "/databases/{name}", H.edit_database),
    Route("DELETE", C + "/databases/{name}", H.delete_database),
    Route("GET", C + "/networking/allowlist", H.list_allowlist),
    Route("POST", C + "/networking/allowlist", H.add_allowlist),
    Route("PUT", ENTRY, H.add_allowlist2),
    Route("PATCH", ENTRY, H.update_allowlist),
    Route("DELETE", ENTRY, H.delete_allowlist),
]
ROUTES += families.routes()  # emulator/cloud/families/*.py: the other resource families
ROUTER = Router(ROUTES, unquote=True)

# Spec operationIds of the implemented operations, by handler name (used by the conformance tests).
CORE_OPERATION_IDS = {
    "list_clusters": "CockroachCloud_ListClusters",
    "create_cluster": "CockroachCloud_CreateCluster",
    "list_regions": "CockroachCloud_ListAvailableRegions",
    "list_versions": "CockroachCloud_ListMajorClusterVersions",
    "get_organization": "CockroachCloud_GetOrganizationInfo",
    "list_audit_logs": "CockroachCloud_ListAuditLogs",
    "get_cluster": "CockroachCloud_GetCluster",
    "update_cluster": "CockroachCloud_UpdateCluster",
    "delete_cluster": "CockroachCloud_DeleteCluster",
    "list_nodes": "CockroachCloud_ListClusterNodes",
    "connection_string": "CockroachCloud_GetConnectionString",
    "list_sql_users": "CockroachCloud_ListSQLUsers",
    "create_sql_user": "CockroachCloud_CreateSQLUser",
    "delete_sql_user": "CockroachCloud_DeleteSQLUser",
    "update_sql_user_password": "CockroachCloud_UpdateSQLUserPassword",
    "list_databases": "CockroachCloud_ListDatabases",
    "create_database": "CockroachCloud_CreateDatabase",
    "edit_database2": "CockroachCloud_EditDatabase2",
    "edit_database": "CockroachCloud_EditDatabase",
    "delete_database": "CockroachCloud_DeleteDatabase",
    "list_allowlist": "CockroachCloud_ListAllowlistEntries",
    "add_allowlist": "CockroachCloud_AddAllowlistEntry",
    "add_allowlist2": "CockroachCloud_AddAllowlistEntry2",
    "update_allowlist": "CockroachCloud_UpdateAllowlistEntry",
    "delete_allowlist": "CockroachCloud_DeleteAllowlistEntry",
}
# {family: {handler: operationId}}; "core" is the table above (tests/emulator/test_conformance.py),
# each other family has tests/emulator/test_conformance_<family>.py.
FAMILY_OPERATION_IDS = dict(core=CORE_OPERATION_IDS, **families.operation_ids())
OPERATION_IDS = {h: op for ops in FAMILY_OPERATION_IDS.values() for h, op in ops.items()}

# Control endpoints, relative to /_emulator/cloud (leading/trailing slashes ignored); JSON in and out.
# A miss answers 404 "unknown cloud control endpoint" (or "cluster ... not found" under /clusters/{id}).
CONTROL_ROUTES = [
    Route("GET", "/state", H.c_state),           # raw state: clusters (users with a password_version, never
                                                 # the password; databases, allowlist, spend_limit), audit count
    Route("POST", "/config", H.c_configure),     # change settings (create_seconds, update_seconds, rate_limit,
    Route(ANY, "/config", H.c_get_config),       # lock_status, lock_scope, propagate_seconds, auto_finalize_seconds)
    Route("POST", "/clock", H.c_clock),          # {"advance": s}: advance the (shared) emulator clock
    Route("POST", "/reset", H.c_reset),          # back to the initial state (no clusters)
    Route("POST", "/keys", H.c_add_key),         # {"key", "read_only"}: add an API key (read_only: 403 on writes)
    Route("DELETE", "/keys/{key}", H.c_revoke_key),
    Route("POST", "/clusters/next/fail", H.c_fail_next_create),
    Route("POST", "/clusters/{cluster_id}/fail", H.c_fail),      # CREATING -> CREATION_FAILED; else the
                                                                 # running (or next) operation -> *_FAILED
    Route("POST", "/clusters/{cluster_id}/lock", H.c_lock),      # {"seconds", "operation_status"}
    Route("POST", "/clusters/{cluster_id}/unlock", H.c_unlock),  # finish the running operation now
    Route("PATCH", "/clusters/{cluster_id}", H.c_set_raw),       # {"cockroach_version", "upgrade_status",
                                                                 #  "table_counts": {db: n}}
]
CONTROL_ROUTES += families.control_routes()
CONTROL_ROUTER = Router(CONTROL_ROUTES, unquote=True)


def match_route(method: str, path: str):
    """(handler name, params) of a Cloud API request; ApiError 404/405 as the gateway answers."""
    from emulator.cloud.handlers import route

    match = route(ROUTER, method, path)
    return match.handler.__name__, match.params
