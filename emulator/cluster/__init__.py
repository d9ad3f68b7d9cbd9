"""The Cluster API v2 of N emulated nodes, by layer.

``routes.py``    method + path template -> handler (start here)
``handlers.py``  parse the request, call the state, answer as CockroachDB does
``state.py``     the simulated cluster (nodes, lifecycle, liveness, ranges, sessions); no HTTP
``paging.py``    offset and fan-out pagination
``encoding.py``  Go-compatible encoders (encoding/json, http.Error, base64, session cookie, tokens)
``seed.py``      deterministic seed data (users, databases, ranges, events, ...)
``sql.py``       POST /api/v2/sql/ and ``cockroach sql --execute``: the statements the emulator answers
``settings.py``  the cluster-settings catalogue, typed values and their validation
``versions.py``  release calendar, binary compatibility, cluster version and finalization
"""

from emulator.cluster.handlers import ClusterAPI
from emulator.cluster.routes import ROUTER
from emulator.cluster.state import ClusterState


def cluster_api(state: ClusterState, restart_safety_shape: str = "counters") -> ClusterAPI:
    """The Cluster API of ``state`` on the route table of routes.py."""
    return ClusterAPI(state, ROUTER, restart_safety_shape=restart_safety_shape)


__all__ = ["ClusterAPI", "ClusterState", "cluster_api"]
