"""The one router (emulator/routing.py) and the three route tables that use it."""

from __future__ import annotations

import pytest

from emulator.cloud import routes as cloud_routes
from emulator.cloud.errors import ApiError
from emulator.cloud.handlers import CloudAPI
from emulator.cluster import routes as cluster_routes
from emulator.cluster.handlers import ClusterAPI
from emulator.control import CONTROL_ROUTER, Emulator
from emulator.routing import ANY, NoRoute, Route, RouteMatch, Router


def h_a():
    pass


def h_b():
    pass


def test_templates_literals_params_patterns_and_rest():
    r = Router([Route("GET", "/x/{id}", h_a), Route("POST", "/x/{n:[0-9]+}/y", h_b), Route(ANY, "/p/{rest:path}", h_a)])
    assert r.match("GET", "/x/abc") == RouteMatch(r.routes[0], {"id": "abc"})
    assert r.match("POST", "/x/12/y").params == {"n": "12"}
    assert r.match("POST", "/x/ab/y") == NoRoute(())
    assert r.match("GET", "/x/") == NoRoute(())           # an empty segment is not a parameter
    assert r.match("DELETE", "/x/abc") == NoRoute(("GET",))
    assert r.match("PUT", "/p/a/b/c").params == {"rest": "a/b/c"}
    assert r.match("GET", "x/abc") == NoRoute(())


def test_unquote_and_optional_trailing_slash():
    r = Router([Route("GET", "/a/{name}", h_a)], unquote=True)
    assert r.match("GET", "/a/x%2Fy").params == {"name": "x/y"}
    assert r.match("GET", "/%61/b").params == {"name": "b"}
    raw = Router([Route("GET", "/a/{name}", h_a)])
    assert raw.match("GET", "/a/x%2Fy").params == {"name": "x%2Fy"}
    slash = Router([Route("GET", "/a", h_a)], optional_trailing_slash=True)
    assert isinstance(slash.match("GET", "/a/"), RouteMatch) and slash.match("GET", "/a//") == NoRoute(())


def test_one_look_finds_the_handler():
    assert cloud_routes.ROUTER.match("PATCH", "/api/v1/clusters/abc").handler is CloudAPI.update_cluster
    assert cluster_routes.ROUTER.match("GET", "/api/v2/ranges/hot/").handler is ClusterAPI.hot_ranges
    assert CONTROL_ROUTER.match("POST", "/_emulator/nodes/2/restart").handler is Emulator.c_node_action


def test_cloud_404_and_405_as_the_gateway():
    assert cloud_routes.match_route("DELETE", "/api/v1/clusters/available-regions") == (
        "delete_cluster", {"cluster_id": "available-regions"})
    with pytest.raises(ApiError) as e:
        cloud_routes.match_route("PUT", "/api/v1/clusters")
    assert (e.value.http, e.value.code) == (405, 12)
    with pytest.raises(ApiError) as e:
        cloud_routes.match_route("GET", "/api/v1/clusters/")
    assert (e.value.http, e.value.code) == (404, 5)


def test_cluster_paths_match_raw_with_their_trailing_slash():
    r = cluster_routes.ROUTER
    assert r.match("GET", "/api/v2/nodes") == NoRoute(())
    assert r.match("DELETE", "/api/v2/nodes/").handler is ClusterAPI.nodes  # the v2 router ignores the method
    assert r.match("GET", "/api/v2/login/").handler is ClusterAPI.login_other_method
    assert r.match("GET", "/api/v2/ranges/12x/") == NoRoute(())
    assert r.match("GET", "/api/v2/databases/d%C3%A9/") == NoRoute(())


def test_every_handler_in_a_table_exists():
    for table, cls in ((cloud_routes.ROUTES, CloudAPI), (cluster_routes.ROUTES, ClusterAPI),
                       (cloud_routes.CONTROL_ROUTES, CloudAPI)):
        for route in table:
            assert getattr(cls, route.handler.__name__) is route.handler
    assert set(cloud_routes.OPERATION_IDS) <= {r.handler.__name__ for r in cloud_routes.ROUTES}
