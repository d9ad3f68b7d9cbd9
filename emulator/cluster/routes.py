"""Routes of the Cluster API v2 (and the v1 health and metrics paths every node also serves).

One line per path: method (``*`` = any; CockroachDB's v2 router does not check the method except
on the three POST endpoints, whose other methods get their own answer), path template, handler in
``handlers.py``, and who may call it (``None``: anyone; ``USER``: any logged-in SQL user;
``METADATA``: admin or VIEWCLUSTERMETADATA, else 403).  The path is matched raw (not unquoted),
trailing slash included: ``/api/v2/nodes`` is ``404 page not found``, as on a real node.
"""

from emulator.cluster.handlers import METADATA, USER
from emulator.cluster.handlers import ClusterAPI as H
from emulator.routing import ANY, Route, Router

DB = r"{database:[\w.]+}"
TABLE = r"{table:[\w.]+}"

ROUTES = [
    Route(ANY, "/health", H.v1_health),
    Route(ANY, "/_admin/v1/health", H.v1_health),
    Route(ANY, "/_status/vars", H.status_vars),
    Route("POST", "/api/v2/login/", H.login),
    Route(ANY, "/api/v2/login/", H.login_other_method),
    Route("POST", "/api/v2/logout/", H.logout),
    Route(ANY, "/api/v2/logout/", H.login_other_method),
    Route(ANY, "/api/v2/health/", H.health),
    Route(ANY, "/api/v2/health/restart_safety/", H.restart_safety, METADATA),  # auth unconfirmed: see handler
    Route(ANY, "/api/v2/rules/", H.rules),
    Route(ANY, "/api/v2/sessions/", H.sessions, METADATA),
    Route(ANY, "/api/v2/nodes/", H.nodes, METADATA),
    Route(ANY, "/api/v2/nodes/{node_id}/ranges/", H.node_ranges, METADATA),
    Route(ANY, "/api/v2/ranges/hot/", H.hot_ranges, METADATA),
    Route(ANY, "/api/v2/ranges/{range_id:[0-9]+}/", H.range, METADATA),
    Route(ANY, "/api/v2/events/", H.events, METADATA),
    Route(ANY, "/api/v2/users/", H.users, USER),
    Route(ANY, "/api/v2/databases/", H.databases, USER),
    Route(ANY, "/api/v2/databases/" + DB + "/", H.database, USER),
    Route(ANY, "/api/v2/databases/" + DB + "/grants/", H.db_grants, USER),
    Route(ANY, "/api/v2/databases/" + DB + "/tables/", H.db_tables, USER),
    Route(ANY, "/api/v2/databases/" + DB + "/tables/" + TABLE + "/", H.table_details, USER),
    Route("POST", "/api/v2/sql/", H.sql, USER),
    Route(ANY, "/api/v2/sql/", H.sql_other_method, USER),
]

ROUTER = Router(ROUTES)
