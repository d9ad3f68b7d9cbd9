#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_health_info
short_description: One CockroachDB node's readiness and liveness, without failing when it is not ready
version_added: 0.1.0
description:
  - Probes C(GET /api/v2/health/?ready=true) on one node and reports the HTTP status, whether the node is ready, and
    what the status means (the server answers 200 when ready and 500 with a generic text when it is not).
  - With O(node_id), also reports the node's liveness from C(GET /api/v2/nodes/) as a name and raw int. Without
    O(node_url), the probe then goes to O(cluster_url) with C(remote_node_id), which the node proxies to O(node_id).
  - A node that is not ready, or does not answer at all, is a result, not a failure. Use
    M(cockroachdb.cockroachdb.cluster_health) or the C(health_wait) role to gate on health.
  - With O(restart_safety=true), also asks C(GET /api/v2/health/restart_safety/) (CockroachDB v25.4+) whether the
    node may be terminated now, directly at O(node_url) or through O(cluster_url) with C(remote_node_id), and names
    what stands in the way when it is not, from the counters v25.4 sends (ranges with a replica on the node that are
    unavailable or under-replicated, Raft leaderships the node still holds, stores not draining; either JSON key
    spelling, an absent counter is 0) or from the replica list of older builds of the endpoint. A running node that
    was not drained is never safe. With O(wait_safe_timeout), polls until the node is safe.
  - The readiness probe needs no login. The restart-safety probe sends the session (O(session), or a login with
    O(username)/O(password)), since whether CockroachDB requires one there is not confirmed; a refusal (401/403) ends
    the wait at once with RV(restart_safety.permitted=false). The liveness lookup needs a login with the C(admin) role
    or C(VIEWCLUSTERMETADATA).
options:
  node_id:
    description: The node to report on. Default the node at O(node_url) (or O(cluster_url)), without liveness.
    type: int
  node_url:
    description: Base URL of the node to probe directly, for example V(https://node3:8080). Default O(cluster_url).
    type: str
  restart_safety:
    description:
      - Also report whether the node is safe to terminate now (C(GET /api/v2/health/restart_safety/)); see RV(restart_safety).
      - A server without the endpoint (404, releases before v25.4; 501 on a non-system tenant) is a result with
        RV(restart_safety.supported=false), not a failure.
    type: bool
    default: false
  wait_safe_timeout:
    description:
      - With O(restart_safety=true), seconds to keep polling until the node is safe (or the endpoint turns out to be
        missing). V(0) asks once. A node still not safe at the deadline is a result, not a failure.
    type: float
    default: 0
  wait_safe_interval:
    description: Seconds between two restart-safety polls while waiting (at least V(0.25), so at most 4 requests a second).
    type: float
    default: 0.5
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLUSTER_GROUP
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Is node 3 ready and live?
  cockroachdb.cockroachdb.cluster_health_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    node_id: 3
  register: n3

- name: Wait up to 2 minutes until drained node 3 is safe to stop
  cockroachdb.cockroachdb.cluster_health_info:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    node_id: 3
    restart_safety: true
    wait_safe_timeout: 120
  register: n3_safe
  failed_when: n3_safe.restart_safety.supported and not n3_safe.restart_safety.safe

- name: Readiness of the node behind a URL (no login needed)
  cockroachdb.cockroachdb.cluster_health_info:
    cluster_url: https://node2:8080
    session: unused
"""

RETURN = r"""
url:
  description: The node URL probed.
  returned: always
  type: str
  sample: https://node1:8080
node_id:
  description: The node reported on (as given).
  returned: always
  type: int
  sample: 3
status:
  description: HTTP status of the readiness probe; V(null) when the node did not answer.
  returned: always
  type: int
  sample: 500
ready:
  description: Whether the probe answered 200.
  returned: always
  type: bool
  sample: false
meaning:
  description: What the answer means.
  returned: always
  type: str
  sample: "not ready: the node is initializing, draining or shutting down, ..."
error:
  description: The body of a failed probe, or why there was no answer (V(null) when ready).
  returned: always
  type: str
liveness:
  description: Liveness name of O(node_id) (V(null) without O(node_id); V(unknown) when it could not be read).
  returned: always
  type: str
  sample: draining
liveness_status:
  description: Raw C(liveness_status) int of O(node_id) (V(null) without O(node_id)).
  returned: always
  type: int
  sample: 6
liveness_error:
  description: Why the liveness could not be read (V(null) when it was).
  returned: always
  type: str
restart_safety:
  description: The restart-safety answer (V(null) without O(restart_safety=true)).
  returned: always
  type: dict
  contains:
    safe:
      description: Whether the node answered 200 (safe to terminate now).
      type: bool
      sample: false
    status:
      description: HTTP status of the last poll; V(null) when the node did not answer.
      type: int
      sample: 503
    supported:
      description: V(false) when the server has no such endpoint (404 before v25.4, 501 on a non-system tenant).
      type: bool
      sample: true
    permitted:
      description:
        - V(false) when the server refused the request (401 without a valid session, 403 for a user without the
          C(admin) role or C(VIEWCLUSTERMETADATA)); the wait then stops at once.
      type: bool
      sample: true
    shape:
      description:
        - What the last 200/503 carried, V(counters) (v25.4) or V(replicas) (the replica list of older builds of the
          endpoint); V(null) for any other answer.
      type: str
      sample: counters
    counters:
      description:
        - The v25.4 counters of the last answer (V(null) unless it carried them); an absent counter is 0.
      type: dict
      sample: {"unavailable_ranges": 0, "underreplicated_ranges": 2, "raft_leaderships": 14, "stores_not_draining": 1}
      contains:
        unavailable_ranges:
          description: Ranges with a replica on the node that have lost their quorum.
          type: int
        underreplicated_ranges:
          description: Ranges with a replica on the node that are under-replicated (stopping it would take them further down).
          type: int
        raft_leaderships:
          description: Raft leaderships the node still holds (a drain moves them away).
          type: int
        stores_not_draining:
          description: Stores of the node that are not draining (each store of a node that was not drained).
          type: int
    problems:
      description:
        - What made the last 503 unsafe, by name (C(Unavailable), C(Underreplicated), C(IsRaftLeader),
          C(StoreNotDraining)) with a count each; the nonzero RV(restart_safety.counters) of a v25.4 answer (ranges,
          leaderships, stores), or the replicas per status of a replica list.
      type: dict
      sample: {"IsRaftLeader": 14, "StoreNotDraining": 1, "Underreplicated": 2}
    replicas:
      description: Number of replicas a replica list named with a problem (V(0) for a v25.4 answer, which lists none).
      type: int
      sample: 0
    node_id:
      description:
        - The node id the server evaluated, from the body, else the node the request was proxied to (V(null) when
          neither says, as for a v25.4 answer asked directly at O(node_url)).
      type: int
      sample: 3
    error:
      description:
        - Why the answer did not say what makes the node unsafe (missing endpoint, not permitted, no answer, a node the
          proxy cannot route to, other status), else V(null).
      type: str
    message:
      description:
        - "One line for a person, for example V(node 3 is not safe to stop after 120s: 2 ranges would become
          under-replicated, node still holds 14 Raft leaderships, 1 store is not draining)."
      type: str
    waited:
      description: Seconds spent polling.
      type: float
      sample: 1.5
    polls:
      description: Number of restart-safety requests.
      type: int
      sample: 4
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import ClusterModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cluster_normalize import health_meaning, normalize_node
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.health_gate import MAX_INTERVAL, MAX_WAIT, number_errors
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.restart_safety import (
    MIN_INTERVAL,
    describe,
    wait_restart_safe,
)
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.transport import TransportError


def validate(params):
    errors = []
    url = params["node_url"]
    if url is not None and not (url.startswith("http://") or url.startswith("https://")):
        errors.append("node_url must be a node's base URL starting with http:// or https://, got %r" % url)
    if params["node_id"] is not None and params["node_id"] < 1:
        errors.append("node_id must be a positive node id")
    errors += number_errors(params, "wait_safe_timeout", 0, MAX_WAIT)
    if number_errors(params, "wait_safe_interval", MIN_INTERVAL, MAX_INTERVAL):
        errors.append("wait_safe_interval must be at least %s seconds (at most 4 requests a second), a finite number "
                      "up to %g, got %r" % (MIN_INTERVAL, MAX_INTERVAL, params["wait_safe_interval"]))
    return errors


def restart_safety_message(who, result, timeout):
    if result["safe"]:
        return "%s is safe to stop" % who
    if not result["supported"]:
        return "%s: %s" % (who, result["error"])
    if not result["permitted"]:
        return "%s is not known to be safe to stop: %s" % (who, result["error"])
    when = (" after %gs" % timeout) if timeout > 0 else ""
    return "%s is not safe to stop%s: %s" % (who, when, describe(result))


def run(m):
    p = m.params
    client = m.client
    url = (p["node_url"] or p["cluster_url"]).rstrip("/")
    remote = p["node_id"] if (p["node_id"] is not None and not p["node_url"]) else None
    safety = None
    if p["restart_safety"]:
        timeout = p["wait_safe_timeout"]
        safety = wait_restart_safe(lambda: client.restart_safety(url=url, remote_node_id=remote),
                                   timeout, interval=p["wait_safe_interval"])
        who = "node %s" % (p["node_id"] if p["node_id"] is not None else (safety["node_id"] or url))
        safety["message"] = restart_safety_message(who, safety, timeout)
    status, ready, error = client.probe_readiness(url=url, remote_node_id=remote)
    # the proxy's 400 (an id it cannot route to) is no readiness answer
    not_routed = status == 400 and remote is not None
    if status == 502 and remote is not None:
        meaning = "no answer: node %s could not be reached through %s (process down or unreachable)" % (remote, url)
    elif not_routed:
        meaning = "unknown node: %s could not route the probe to node %s" % (url, remote)
    else:
        meaning = health_meaning(status, error)
    result = dict(changed=False, url=url, node_id=p["node_id"], status=status, ready=ready, meaning=meaning,
                  error=None if ready else error, liveness=None, liveness_status=None, liveness_error=None,
                  restart_safety=safety)
    if p["node_id"] is not None:
        try:
            nodes = [normalize_node(n) for n in client.list_nodes()]
        except TransportError as exc:
            result.update(liveness="unknown", liveness_error=exc.message)
            return result
        match = [n for n in nodes if n["node_id"] == p["node_id"]]
        known = "node %s is not in the cluster (nodes: %s)" % (
            p["node_id"], ", ".join(str(n["node_id"]) for n in nodes) or "none")
        if match:
            result.update(liveness=match[0]["liveness"], liveness_status=match[0]["liveness_status"])
        elif not_routed:
            raise ValueError("%s; %s answered HTTP 400 to the probe: %s" % (known, url, error))
        else:
            result.update(liveness="unknown", liveness_error=known)
    return result


def main():
    m = ClusterModule(argument_spec=dict(node_id=dict(type="int"), node_url=dict(type="str"),
                                         restart_safety=dict(type="bool", default=False),
                                         wait_safe_timeout=dict(type="float", default=0.0),
                                         wait_safe_interval=dict(type="float", default=0.5)), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
