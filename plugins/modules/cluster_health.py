#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cluster_health
short_description: Health gate of a CockroachDB cluster, evaluated once or waited for
version_added: 0.1.0
description:
  - Decides whether a CockroachDB cluster is safe to take the next node down, from the node list
    (C(GET /api/v2/nodes/), every page) and every node's readiness probe (C(GET /api/v2/health/?ready=true),
    where 200 is ready, 500 not ready and no answer down).
  - "Healthy means, for every node that is not decommissioned: it answers ready; its liveness is LIVE (SUSPECT,
    DEAD, DECOMMISSIONING, DRAINING and UNKNOWN are reasons); at least the expected number of nodes are in the
    list (O(expected_nodes), by default one per URL of O(node_urls)); the under-replicated and unavailable ranges
    summed over every store of every node are 0; every node runs one build (O(same_build), on by default) or
    O(expected_version); the nodes in O(started_after) have restarted; every store has O(min_free_storage) percent
    free; every live node's status record was written after the disruption being judged (O(fresh_records)); and
    all of this held for O(stable_checks) consecutive polls."
  - "The expected node count comes from what you declare, never from what the node list shows: a node missing
    from the list (never joined, or lost its record) would otherwise pass. Without O(expected_nodes) or
    O(node_urls) the module refuses to run unless O(check_node_count=false)."
  - Every failed condition gives one reason that names the node. The module fails with all of them
    unless O(fail_on_unhealthy=false).
  - With O(wait=false) the module evaluates once (O(stable_checks) polls O(interval) apart, stopping at the first
    failing poll). With O(wait=true) it polls every O(interval) seconds until healthy or O(wait_timeout).
  - When the node of O(cluster_url) does not answer, the node list is read from the next node of O(node_urls).
  - A transient error (429, a 503 or 504 without a readiness answer, another 5xx, a reset, a timeout) is asked
    again within the poll, up to O(retries) times with jittered backoff and C(Retry-After) honoured, never past
    O(wait_timeout); when every attempt fails so, the reason says the node could not be probed, never that it is
    not ready. With O(wait=false) a not-ready answer (500) is also asked again to confirm it; a refused connection
    and the proxy's 502 (node down) are asked once.
  - Each poll sends one node-list request (one per page of 100 nodes) and one readiness probe per node.
    With O(node_urls) the probes go straight to each node; without, through the node that served the node list
    (C(remote_node_id) proxying).
options:
  node_urls:
    description:
      - Base URLs of the nodes to probe for readiness, for example V(https://node3:8080).
      - A list maps its first URL to node 1, the second to node 2, and so on (the order of a fresh cluster and of
        the emulator's ready file). A dict maps node ids to URLs explicitly.
      - These URLs are also the fallbacks for reading the node list when O(cluster_url) does not answer.
      - When omitted, every node in the node list is probed through the node that served the list.
      - Their number is the expected node count unless O(expected_nodes) is given.
    type: raw
  wait:
    description: Poll until the cluster is healthy or O(wait_timeout) passes, instead of evaluating once.
    type: bool
    default: false
  wait_timeout:
    description: Seconds that O(wait=true) waits at most. (O(timeout) is the timeout of one HTTP request.)
    type: float
    default: 300
  interval:
    description:
      - Seconds between the starts of two polls. A poll sends one request per node, so V(0.5) means about two
        requests per second per node.
    type: float
    default: 0.5
  stable_checks:
    description:
      - Number of consecutive passing polls needed before the cluster counts as healthy (a stability window of
        about O(stable_checks) x O(interval) seconds, not a fixed sleep).
    type: int
    default: 1
  expected_nodes:
    description:
      - Number of nodes (not decommissioned) that must be in the node list, for example the node count the Cloud
        API reports for the cluster, or the number of hosts in your inventory group.
      - Default the number of O(node_urls). One of the two is required unless O(check_node_count=false).
    type: int
  check_node_count:
    description:
      - Require the expected node count (O(expected_nodes), or one node per URL of O(node_urls)).
      - V(false) skips the count check, so a node missing from the node list goes unnoticed (the default of
        earlier releases).
    type: bool
    default: true
  expected_version:
    description:
      - Build every node must run, for example V(v25.4.1); a prefix such as V(v25.4) matches any patch release.
    type: str
  same_build:
    description:
      - Require every node to run the same build (off by default in earlier releases). Set V(false) in the middle
        of a rolling upgrade, where two builds are expected, and give O(expected_version) at its end.
    type: bool
    default: true
  started_after:
    description:
      - Nodes that must have restarted, as a dict of node id to Unix nanoseconds; each node's C(started_at)
        must be later. Use the RV(nodes[].started_at) of an earlier result to prove a restart really happened.
    type: dict
  min_free_storage:
    description: Percent of each store's capacity that must be available (from the store metrics).
    type: float
  fresh_records:
    description:
      - "Trust a node's status only when its record was written after the disruption being judged. The node list
        serves each node's stored status record, which the node writes about every 10 seconds, so its range
        counts and C(updated_at) lag by up to that much. Right after node 2 restarts, the other nodes' records can
        still say 0 under-replicated ranges from before the outage: without this check the gate can open and the
        next node can go down while ranges are under-replicated, two replicas of a range down at once."
      - "After a restart (O(started_after)): every live node's C(updated_at) must be later than the newest new
        C(started_at) of the restarted nodes plus CockroachDB's maximum clock offset (500 ms), so a skewed clock
        cannot make an old record look fresh. Otherwise, with O(wait=true): later than the record the node had at
        the first poll (or O(fresh_after)), so only node clocks are compared with node clocks."
      - "A single evaluation (O(wait=false)) without O(started_after) or O(fresh_after) has nothing to compare
        with: it reports each record's age (RV(nodes[].record_age)) and does not judge it."
      - "Each record is written about every 10 seconds, so a gate after a restart opens one status interval
        later. V(false) restores the earlier behaviour, which can open on stale data."
    type: bool
    default: true
  fresh_after:
    description:
      - Dict of node id to Unix nanoseconds; each of these nodes' status record must be newer (with
        O(fresh_records)). Use the RV(nodes[].updated_at) of an earlier result, so that a wait split into several
        calls keeps the baseline of the first one. Ignored when O(started_after) is given.
    type: dict
  probe_timeout:
    description: Seconds one readiness probe waits for an answer before the node counts as down.
    type: float
    default: 2
  fail_on_unhealthy:
    description: Fail when the verdict is unhealthy. With V(false) the verdict is only returned.
    type: bool
    default: true
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cluster
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.INFO_MODULE
  - cockroachdb.cockroachdb.attributes.CLUSTER_GROUP
notes:
  - The readiness probe needs no login; the node list needs the C(admin) role or C(VIEWCLUSTERMETADATA).
  - The module logs in once per run (or uses O(session)) and logs out through whichever node still answers.
seealso:
  - module: cockroachdb.cockroachdb.cluster_health_info
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Is the cluster of 3 nodes healthy right now? (report only)
  cockroachdb.cockroachdb.cluster_health:
    cluster_url: https://node1:8080
    username: admin
    password: "{{ crdb_admin_password }}"
    expected_nodes: 3
    fail_on_unhealthy: false
  register: health

- name: As many nodes as the Cloud API reports for the cluster
  cockroachdb.cockroachdb.cluster_health:
    cluster_url: "{{ crdb_cluster_url }}"
    session: "{{ crdb_login.session }}"
    expected_nodes: "{{ cloud.cluster.regions | map(attribute='node_count') | sum }}"

- name: Wait until all 5 nodes (one per URL) are ready, live, fully replicated and on one build, for 3 polls in a row
  cockroachdb.cockroachdb.cluster_health:
    cluster_url: https://node1:8080
    session: "{{ crdb_login.session }}"
    node_urls:
      - https://node1:8080
      - https://node2:8080
      - https://node3:8080
      - https://node4:8080
      - https://node5:8080
    stable_checks: 3
    wait: true
    wait_timeout: 600
"""

RETURN = r"""
healthy:
  description: The verdict.
  returned: always
  type: bool
  sample: false
reasons:
  description: One text per failed condition, naming the node (empty when healthy).
  returned: always
  type: list
  elements: str
  sample: ["node 3 is down: http://node3:8080 did not answer (connection refused)", "12 under-replicated range(s) in the cluster (node 1: 7, node 2: 5)"]
checks:
  description: Each condition and whether it held in the last poll.
  returned: always
  type: dict
  sample: {"node_list": true, "ready": false, "live": true, "count": true, "underreplicated": false,
           "unavailable": true, "build": true, "restarted": true, "storage": true, "fresh": true, "stable": true}
nodes:
  description: Per-node detail of the last poll, sorted by node id.
  returned: always
  type: list
  elements: dict
  contains:
    node_id:
      description: Node id.
      type: int
    url:
      description: Where the readiness probe went.
      type: str
    ready:
      description: Whether the probe answered 200.
      type: bool
    probe_status:
      description: HTTP status of the probe (V(null) when the node did not answer).
      type: int
    probe_error:
      description: Why the probe failed (V(null) when ready).
      type: str
    in_node_list:
      description: Whether the node is in the node list.
      type: bool
    liveness:
      description: Liveness name (live, suspect, dead, draining, decommissioning, decommissioned, unknown).
      type: str
    liveness_status:
      description: Raw C(liveness_status) int.
      type: int
    address:
      description: The node's RPC address (C(host:port)) from the node list.
      type: str
    build_tag:
      description: Build the node runs.
      type: str
    started_at:
      description: When the node process started, Unix nanoseconds.
      type: int
    locality:
      description: 'Locality tiers as a dict, for example C({"region": "us-east1", "zone": "us-east1-b"}).'
      type: dict
    underreplicated:
      description: Under-replicated ranges counted on this node's stores.
      type: int
    unavailable:
      description: Unavailable ranges counted on this node's stores.
      type: int
    stores:
      description: Number of stores reporting metrics.
      type: int
    min_free_storage_percent:
      description: Lowest available share of capacity among the node's stores, in percent.
      type: float
    updated_at:
      description: When the node last wrote its status record, Unix nanoseconds by the node's clock (V(null) when
        the node list does not say).
      type: int
    record_age:
      description: Seconds since that write by the controller's clock (display only; never used for the verdict).
      type: float
    fresh:
      description: Whether the record counts as written after the disruption being judged (V(null) when not
        judged, see O(fresh_records)).
      type: bool
    problems:
      description: The reasons that concern this node.
      type: list
      elements: str
underreplicated:
  description: Under-replicated ranges summed over every store of every node.
  returned: always
  type: int
  sample: 0
unavailable:
  description: Unavailable ranges summed over every store of every node.
  returned: always
  type: int
  sample: 0
streak:
  description: Consecutive passing polls at the end.
  returned: always
  type: int
  sample: 3
stable_checks:
  description: The stability window asked for.
  returned: always
  type: int
  sample: 3
waited:
  description: Seconds spent polling.
  returned: always
  type: float
  sample: 4.52
polls:
  description: Number of polls.
  returned: always
  type: int
  sample: 9
requests:
  description: HTTP requests sent while polling (the login included, the final logout not).
  returned: always
  type: int
  sample: 47
failovers:
  description: How often the node list had to be read from another node than before.
  returned: always
  type: int
  sample: 0
retried:
  description:
    - How often a transient failure (429, 503 or 504 without a readiness answer, reset, timeout) or, in one
      evaluation, a not-ready answer was asked again within a poll (a 429's C(Retry-After) wait and a node-list
      5xx are retried by the HTTP layer and counted in RV(requests) only). Such failures are never reported as
      a verdict; see O(retries).
  returned: always
  type: int
  sample: 0
api_url:
  description: The node that served the last node list (V(null) when none answered).
  returned: always
  type: str
  sample: https://node1:8080
"""

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import ClusterModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.health_gate import (
    MAX_INTERVAL,
    MAX_NODES,
    MAX_PROBE_TIMEOUT,
    MAX_WAIT,
    HealthGate,
    number_errors,
    parse_node_urls,
)

RESULT_KEYS = ("healthy", "reasons", "checks", "nodes", "underreplicated", "unavailable", "streak", "stable_checks",
               "waited", "polls", "requests", "failovers", "retried", "api_url")


def validate(params):
    errors = []
    try:
        parse_node_urls(params.get("node_urls"))
    except ValueError as exc:
        errors.append(str(exc))
    errors += number_errors(params, "wait_timeout", 0, MAX_WAIT)
    errors += number_errors(params, "interval", 0, MAX_INTERVAL, low_inclusive=False)
    errors += number_errors(params, "probe_timeout", 0, MAX_PROBE_TIMEOUT, low_inclusive=False)
    if params["stable_checks"] < 1 or params["stable_checks"] > 1000:
        errors.append("stable_checks must be 1 or more (at most 1000), got %d" % params["stable_checks"])
    if params.get("expected_nodes") is not None and not 1 <= params["expected_nodes"] <= MAX_NODES:
        errors.append("expected_nodes must be 1 or more (at most %d), got %d" % (MAX_NODES, params["expected_nodes"]))
    if params["check_node_count"] and params.get("expected_nodes") is None and not params.get("node_urls"):
        errors.append("the expected node count is unknown: set expected_nodes (for example the node count the Cloud "
                      "API reports, or the size of your inventory group) or node_urls with one URL per node; "
                      "check_node_count=false accepts whatever count the node list shows")
    if number_errors(params, "min_free_storage", 0, 100, unit="percent"):
        errors.append("min_free_storage is a percentage between 0 and 100, got %r" % params["min_free_storage"])
    for option in ("started_after", "fresh_after"):
        for key, value in (params.get(option) or {}).items():
            try:
                int(key)
                int(value)
            except (TypeError, ValueError):
                errors.append("%s maps node ids to Unix nanoseconds (for example {3: 1763800000000000000}), "
                              "got %r: %r" % (option, key, value))
    return errors


def expected_node_count(params):
    """The declared node count: ``expected_nodes``, else one per URL of ``node_urls``; None without the check."""
    if not params.get("check_node_count", True):
        return None
    if params.get("expected_nodes") is not None:
        return params["expected_nodes"]
    return len(parse_node_urls(params.get("node_urls"))) or None


def expectations(params):
    return dict(
        expected_nodes=expected_node_count(params),
        expected_version=params.get("expected_version"),
        same_build=params.get("same_build"),
        stable_checks=params.get("stable_checks"),
        started_after={int(k): int(v) for k, v in (params.get("started_after") or {}).items()},
        min_free_storage=params.get("min_free_storage"),
        fresh_records=params.get("fresh_records", True),
        fresh_after={int(k): int(v) for k, v in (params.get("fresh_after") or {}).items()},
    )


def run(m):
    p = m.params
    gate = HealthGate(p, node_urls=p.get("node_urls"), expect=expectations(p), probe_timeout=p["probe_timeout"])
    try:
        verdict = gate.run(wait=p["wait"], timeout=p["wait_timeout"], interval=p["interval"])
    finally:
        gate.close()
    result = {k: verdict.get(k) for k in RESULT_KEYS}
    result["changed"] = False
    if not verdict["healthy"] and p["fail_on_unhealthy"]:
        waited = (" after waiting %.1fs (%s polls)" % (verdict["waited"], verdict["polls"])) if p["wait"] else ""
        m.fail("the cluster is not healthy%s: %s" % (waited, "; ".join(verdict["reasons"])), **result)
    return result


def main():
    m = ClusterModule(argument_spec=dict(
        node_urls=dict(type="raw"),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="float", default=300.0),
        interval=dict(type="float", default=0.5),
        stable_checks=dict(type="int", default=1),
        expected_nodes=dict(type="int"),
        check_node_count=dict(type="bool", default=True),
        expected_version=dict(type="str"),
        same_build=dict(type="bool", default=True),
        started_after=dict(type="dict"),
        min_free_storage=dict(type="float"),
        fresh_records=dict(type="bool", default=True),
        fresh_after=dict(type="dict"),
        probe_timeout=dict(type="float", default=2.0),
        fail_on_unhealthy=dict(type="bool", default=True),
    ), validate=validate)
    m.run(run)


if __name__ == "__main__":
    main()
