# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pure normalisers for Cluster API v2 answers: plain dicts in, plain dicts out.

Nothing here does I/O, so the info modules and the ``cluster_nodes`` inventory plugin share
exactly the same view of a node, a hot range, a grant or a health answer, and unit tests call
these functions with the wire format of ``cluster-api-v2.md``. The checks of values that the
Cluster API itself constrains (routable names, node ids, liveness names) live here too, so that
every module and the inventory word them the same way.
"""

import datetime
import json
import re

# livenesspb.NodeLivenessStatus: the one liveness table of the collection (health verdict included)
LIVENESS_NAMES = {
    0: "unknown",
    1: "dead",
    2: "suspect",       # UNAVAILABLE in the enum; the DB Console calls it SUSPECT
    3: "live",
    4: "decommissioning",
    5: "decommissioned",
    6: "draining",
}
LIVENESS_VALUES = {v: k for k, v in LIVENESS_NAMES.items()}
LIVENESS_VALUES["unavailable"] = 2

# Names a database or table may have to be routed by the server (gorilla mux regex ``[\w.]+``).
ROUTABLE_NAME = re.compile(r"^[\w.]+$")

# What the real server answers to the readiness probe ``health/?ready=true`` (reference 5.1).
HEALTH_MEANINGS = {
    200: "ready: the node accepts SQL clients and is live, not draining, not decommissioning",
    500: ("not ready: the node is initializing, draining or shutting down, not live, decommissioning, "
          "or not accepting SQL clients (the server logs the exact reason)"),
    503: "not ready (v1 /health answer): the node is shutting down, not live or not accepting SQL clients",
    400: "invalid request: the ready parameter was not a boolean",
}

_GROUP_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def liveness_name(value):
    """Name of a ``liveness_status`` int (unknown ints -> ``unknown``)."""
    try:
        return LIVENESS_NAMES.get(int(value), "unknown")
    except (TypeError, ValueError):
        return "unknown"


def ns_to_iso(value):
    """Unix nanoseconds -> ISO 8601 UTC string (None for missing/zero)."""
    if not value:
        return None
    try:
        seconds = int(value) / 1e9
    except (TypeError, ValueError):
        return None
    stamp = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def store_metric_sum(node, metric):
    """Sum of one store metric over every store of a node: the one sum behind node fields and the health verdict.

    Missing, malformed or negative values count 0 (a negative count would hide another store's problem).
    """
    total = 0
    for store in ((node or {}).get("store_metrics") or {}).values():
        if not isinstance(store, dict):
            continue
        try:
            total += max(0, int(float(store.get(metric) or 0)))
        except (TypeError, ValueError):
            continue
    return total


def address_of(addr):
    """``{"network_field": "tcp", "address_field": "h:26257"}`` -> ``"h:26257"`` (None when absent)."""
    if isinstance(addr, dict):
        return addr.get("address_field") or None
    if isinstance(addr, str):
        return addr or None
    return None


def locality_dict(locality):
    """``{"tiers": [{"key": "region", "value": "us-east1"}, ...]}`` -> ``{"region": "us-east1", ...}``."""
    tiers = (locality or {}).get("tiers") if isinstance(locality, dict) else None
    out = {}
    for tier in tiers or []:
        if isinstance(tier, dict) and tier.get("key"):
            out[str(tier["key"])] = "" if tier.get("value") is None else str(tier["value"])
    return out


def locality_tiers(locality):
    """The tiers in server order, as ``key=value`` strings (the ``--locality`` flag syntax)."""
    tiers = (locality or {}).get("tiers") if isinstance(locality, dict) else None
    return ["%s=%s" % (t.get("key"), t.get("value")) for t in tiers or [] if isinstance(t, dict) and t.get("key")]


def version_of(server_version):
    """``{"major_val": 25, "minor_val": 4, "patch": 0, "internal": 0}`` -> ``"25.4"`` (None if absent)."""
    if not isinstance(server_version, dict) or "major_val" not in server_version:
        return None
    try:
        return "%d.%d" % (int(server_version.get("major_val") or 0), int(server_version.get("minor_val") or 0))
    except (TypeError, ValueError):
        return None


def liveness_filter_errors(values):
    """The message (as a list) for a ``liveness`` filter with names that are not livenesses."""
    bad = [x for x in values or [] if liveness_status_of(x) is None]
    if not bad:
        return []
    return ["liveness: %s is not a liveness; use live, dead, suspect, decommissioning, decommissioned, draining or "
            "unknown" % ", ".join(repr(x) for x in bad)]


def node_id_errors(value):
    """The message (as a list) for a ``node_id`` option that is neither a positive id nor ``local`` (unset is fine)."""
    if value is None or value == "local" or (value.isdigit() and int(value) > 0):
        return []
    return ["node_id must be a positive node id or 'local', got %r" % value]


def routable_name_errors(params, options):
    """Messages for the ``options`` whose value the server cannot route (names outside ``[\\w.]+``)."""
    errors = []
    for opt in options:
        value = params.get(opt)
        if value is not None and not ROUTABLE_NAME.match(value):
            errors.append("%s %r cannot be asked for over the Cluster API: it routes only names made of letters, "
                          "digits, '_' and '.'" % (opt, value))
    return errors


def liveness_status_of(value):
    """A liveness given as an int, a digit string or a name -> its int (None if not a liveness)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value in LIVENESS_NAMES else None
    text = str(value).strip().lower()
    if text.isdigit():
        number = int(text)
        return number if number in LIVENESS_NAMES else None
    return LIVENESS_VALUES.get(text)


def _store_ids(store_metrics):
    ids = [int(s) for s in store_metrics if str(s).isdigit()]
    return sorted(ids)


def normalize_node(node, include_metrics=False):
    """One item of the node list (``nodes/``) -> the node dict the modules and the inventory return."""
    node = node or {}
    status = node.get("liveness_status") or 0
    store_metrics = node.get("store_metrics") or {}
    out = {
        "node_id": node.get("node_id"),
        "address": address_of(node.get("address")),
        "sql_address": address_of(node.get("sql_address")),
        "locality": locality_dict(node.get("locality")),
        "locality_tiers": locality_tiers(node.get("locality")),
        "attrs": list(((node.get("attrs") or {}).get("attrs")) or []),
        "build_tag": node.get("build_tag") or None,
        "version": version_of(node.get("ServerVersion")),
        "server_version": dict(node.get("ServerVersion") or {}),
        "cluster_name": node.get("cluster_name") or "",
        "started_at": ns_to_iso(node.get("started_at")),
        "updated_at": ns_to_iso(node.get("updated_at")),
        "liveness": liveness_name(status),
        "liveness_status": int(status) if str(status).lstrip("-").isdigit() else 0,
        "is_live": liveness_name(status) == "live",
        "store_ids": _store_ids(store_metrics),
        "ranges": store_metric_sum(node, "ranges"),
        "ranges_underreplicated": store_metric_sum(node, "ranges.underreplicated"),
        "ranges_unavailable": store_metric_sum(node, "ranges.unavailable"),
        "replicas": store_metric_sum(node, "replicas"),
        "leaseholders": store_metric_sum(node, "replicas.leaseholders"),
        "num_cpus": node.get("num_cpus") or 0,
        "total_system_memory": node.get("total_system_memory") or 0,
        "live_nodes_seen": (node.get("metrics") or {}).get("liveness.livenodes"),
    }
    if include_metrics:
        out["metrics"] = dict(node.get("metrics") or {})
        out["store_metrics"] = {str(k): dict(v or {}) for k, v in store_metrics.items()}
    return out


def filter_nodes(nodes, node_ids=None, liveness=None):
    """Keep nodes whose id is in ``node_ids`` and whose liveness name is in ``liveness`` (empty = all)."""
    wanted_ids = set(int(n) for n in node_ids or [])
    wanted_live = set()
    for item in liveness or []:
        number = liveness_status_of(item)
        if number is None:
            raise ValueError("liveness %r is not one of %s" % (item, ", ".join(sorted(LIVENESS_VALUES))))
        wanted_live.add(liveness_name(number))
    out = []
    for node in nodes:
        if wanted_ids and node.get("node_id") not in wanted_ids:
            continue
        if wanted_live and node.get("liveness") not in wanted_live:
            continue
        out.append(node)
    return out


def cluster_summary(nodes):
    """Counts over normalised nodes: by liveness, totals of range problems, build tags seen."""
    by_liveness = {}
    tags = set()
    for node in nodes:
        by_liveness[node["liveness"]] = by_liveness.get(node["liveness"], 0) + 1
        if node.get("build_tag"):
            tags.add(node["build_tag"])
    return {
        "node_count": len(nodes),
        "by_liveness": by_liveness,
        "ranges_underreplicated": sum(n.get("ranges_underreplicated") or 0 for n in nodes),
        "ranges_unavailable": sum(n.get("ranges_unavailable") or 0 for n in nodes),
        "build_tags": sorted(tags),
    }


# -- hot ranges ------------------------------------------------------------------------------------

def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _number(value):
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def normalize_hot_range(item):
    """One ``ranges/hot/`` item -> a dict with lists instead of nulls (also the older ≈v22 names)."""
    item = item or {}
    databases = _as_list(item.get("databases")) or _as_list(item.get("database_name") or None)
    tables = _as_list(item.get("tables")) or _as_list(item.get("table_name") or None)
    indexes = _as_list(item.get("indexes")) or _as_list(item.get("index_name") or None)
    return {
        "range_id": item.get("range_id"),
        "node_id": item.get("node_id"),
        "store_id": item.get("store_id"),
        "qps": _number(item.get("qps")),
        "reads_per_second": _number(item.get("reads_per_second")),
        "writes_per_second": _number(item.get("writes_per_second")),
        "read_bytes_per_second": _number(item.get("read_bytes_per_second")),
        "write_bytes_per_second": _number(item.get("write_bytes_per_second")),
        "cpu_time_per_second": _number(item.get("cpu_time_per_second")),
        "leaseholder_node_id": item.get("leaseholder_node_id"),
        "replica_node_ids": _as_list(item.get("replica_node_ids")),
        "databases": databases,
        "tables": tables,
        "indexes": indexes,
        "schema_name": item.get("schema_name") or "",
    }


def hot_range_matches(rng, min_qps=None, database=None, table=None):
    if min_qps is not None and rng["qps"] < min_qps:
        return False
    if database and database not in rng["databases"]:
        return False
    if table and table not in rng["tables"]:
        return False
    return True


def sort_hot_ranges(ranges):
    """Highest ``qps`` first; ties by range id then node id, so the order is stable."""
    return sorted(ranges, key=lambda r: (-r["qps"], r.get("range_id") or 0, r.get("node_id") or 0))


class TopRanges:
    """Keeps only the ``limit`` hottest matching ranges while pages stream in (bounded memory)."""

    def __init__(self, limit=None, min_qps=None, database=None, table=None):
        self.limit = limit or None
        self.min_qps = min_qps
        self.database = database
        self.table = table
        self.seen = 0
        self.matched = 0
        self._items = []

    def add(self, raw_items):
        for raw in raw_items or []:
            self.seen += 1
            rng = normalize_hot_range(raw)
            if hot_range_matches(rng, self.min_qps, self.database, self.table):
                self.matched += 1
                self._items.append(rng)
        if self.limit and len(self._items) > 4 * self.limit:
            self._items = sort_hot_ranges(self._items)[:self.limit]

    def result(self):
        items = sort_hot_ranges(self._items)
        return items[:self.limit] if self.limit else items


def node_error_list(node_errors, message_key="message"):
    """``{node_id: message}`` of a fan-out endpoint -> ``[{node_id, <message_key>}]`` sorted by node id."""
    return [{"node_id": node_id, message_key: message} for node_id, message in sorted(node_errors.items())]


# -- SQL schema ------------------------------------------------------------------------------------

TABLE_KEYS = ("descriptor_id", "columns", "indexes", "grants", "range_count", "create_table_statement", "zone_config",
              "zone_config_level")


def normalize_table(database, table, body):
    """A table details answer -> the documented fields (lists and dicts instead of nulls) plus ``details``."""
    body = body or {}
    out = dict(database=database, name=table)
    for key in TABLE_KEYS:
        out[key] = body.get(key)
    for key in ("columns", "indexes", "grants"):
        out[key] = list(out[key] or [])
    out["range_count"] = out["range_count"] or 0
    out["zone_config"] = dict(out["zone_config"] or {})
    out["details"] = {k: v for k, v in body.items() if k not in TABLE_KEYS}
    return out


def merge_grants(rows):
    """``SHOW GRANTS`` rows (usually one privilege each, a user several times) -> one entry per user.

    Users keep the order of their first row; privileges are de-duplicated and sorted.
    """
    order = []
    merged = {}
    for row in rows or []:
        user = (row or {}).get("user")
        if user is None:
            continue
        if user not in merged:
            merged[user] = set()
            order.append(user)
        for priv in _as_list((row or {}).get("privileges")):
            merged[user].add(str(priv))
    return [{"user": u, "privileges": sorted(merged[u])} for u in order]


def normalize_event(event):
    """An ``events/`` item with ``info`` parsed from its JSON string (kept as text if it is not JSON)."""
    event = dict(event or {})
    info = event.get("info")
    if isinstance(info, str):
        try:
            event["info"] = json.loads(info)
        except ValueError:
            event["info"] = {"raw": info}
    elif info is None:
        event["info"] = {}
    return event


def normalize_range_info(info):
    """A ``rangeInfo`` (node ranges / range endpoints) with ``range_id`` and the problem names lifted up."""
    info = dict(info or {})
    desc = info.get("desc") or {}
    problems = info.get("problems") or {}
    info["range_id"] = desc.get("range_id")
    info["problem_names"] = sorted(k for k, v in problems.items() if v)
    info["problems"] = dict(problems)
    info["stats"] = dict(info.get("stats") or {})
    info["lease_history"] = list(info.get("lease_history") or [])
    return info


def range_replicas(body):
    """``{"responses_by_node_id": {"1": {"range_info": ..., "error": ...}}}`` -> (replicas, errors) by node id."""
    replicas = []
    errors = []
    for key, value in ((body or {}).get("responses_by_node_id") or {}).items():
        try:
            node_id = int(key)
        except (TypeError, ValueError):
            node_id = key
        value = value or {}
        if value.get("error"):
            errors.append({"node_id": node_id, "message": value["error"]})
            continue
        entry = normalize_range_info(value.get("range_info"))
        entry["node_id"] = node_id
        replicas.append(entry)
    replicas.sort(key=lambda r: str(r["node_id"]).zfill(12))
    errors.sort(key=lambda e: str(e["node_id"]).zfill(12))
    return replicas, errors


def health_meaning(status, error=None):
    """Plain-language meaning of a readiness probe answer (``status`` None = no answer at all)."""
    if status is None:
        return "no answer: the node's HTTP port is unreachable (process down, or a network problem): %s" % (error or "")
    return HEALTH_MEANINGS.get(status, "unexpected HTTP status %s" % status)


# -- inventory -------------------------------------------------------------------------------------

def group_safe(text):
    """A group-name-safe version of ``text`` (``us-east1`` -> ``us_east1``)."""
    return _GROUP_UNSAFE.sub("_", str(text))


def node_groups(node, prefix=""):
    """Default groups of a normalised node: one per locality tier, its liveness and its version."""
    groups = []
    for key, value in node.get("locality", {}).items():
        groups.append("%s%s_%s" % (prefix, group_safe(key), group_safe(value)))
    groups.append("%sliveness_%s" % (prefix, node.get("liveness") or "unknown"))
    if node.get("build_tag"):
        groups.append("%sversion_%s" % (prefix, group_safe(node["build_tag"])))
    return groups


def node_hostname(node, hostname="node_id", prefix="node"):
    """Inventory hostname of a node: ``node1`` (default), or its RPC/SQL address host."""
    if hostname == "address" and node.get("address"):
        return node["address"].rsplit(":", 1)[0]
    if hostname == "sql_address" and node.get("sql_address"):
        return node["sql_address"].rsplit(":", 1)[0]
    if hostname == "address_port" and node.get("address"):
        return node["address"]
    return "%s%s" % (prefix, node.get("node_id"))
