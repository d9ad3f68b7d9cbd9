"""Cluster settings of the emulated cluster: a small catalogue, typed values, validation as CockroachDB does.

``crdb_internal.cluster_settings`` (what ``SHOW [ALL] CLUSTER SETTINGS`` selects from) lists settings by
name with ``value`` as the setting's own string form (durations in Go form ``5m0s``, byte sizes ``32 MiB``),
``type`` as one letter (``s`` string, ``b`` bool, ``i`` int, ``f`` float, ``d`` duration, ``z`` byte size,
``e`` enum, ``m`` version), ``public``, ``description``, ``default_value`` and ``origin`` (``default`` or
``override``).  ``SHOW CLUSTER SETTING <name>`` answers one column named after the setting, typed BOOL,
INT8, FLOAT8, INTERVAL or STRING.  The descriptions are ours (short paraphrases), the names, types and
defaults those of v25.4 as far as they were read; the real catalogue has ~600 settings, this one the
two dozen an operator of rolling upgrades and drains looks at.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, NamedTuple, Optional, Tuple


class Setting(NamedTuple):
    name: str
    typ: str            # one letter as crdb_internal.cluster_settings.type
    default: Any        # Python value: bool, int, float, seconds (d), bytes (z), str
    description: str
    public: bool = True
    choices: Tuple[str, ...] = ()


S = Setting
CATALOGUE: List[Setting] = sorted([
    S("admission.kv.enabled", "b", True, "when true, work performed by the KV layer is subject to admission control"),
    S("cluster.auto_upgrade.enabled", "b", True,
      "when false, the cluster version is not upgraded automatically once every node runs a newer binary"),
    S("cluster.organization", "s", "", "organization name"),
    S("cluster.preserve_downgrade_option", "s", "",
      "disable (automatic or manual) cluster version upgrade from the specified version until reset"),
    S("diagnostics.reporting.enabled", "b", True, "enable reporting diagnostic metrics to Cockroach Labs"),
    S("kv.allocator.load_based_rebalancing", "e", "leases and replicas",
      "whether to rebalance based on the distribution of load across stores",
      choices=("off", "leases", "leases and replicas")),
    S("kv.closed_timestamp.target_duration", "d", 3.0,
      "if nonzero, attempt to provide closed timestamp notifications for timestamps trailing cluster time by "
      "approximately this duration"),
    S("kv.rangefeed.enabled", "b", False, "if set, rangefeed registration is enabled"),
    S("kv.snapshot_rebalance.max_rate", "z", 32 * 1024 ** 2, "the rate limit (bytes/sec) to use for rebalance and "
      "upreplication snapshots"),
    S("server.consistency_check.interval", "d", 24 * 3600.0,
      "the time between range consistency checks; set to 0 to disable consistency checking", public=False),
    S("server.rangelog.ttl", "d", 720 * 3600.0, "if nonzero, entries in system.rangelog older than this duration "
      "are periodically purged"),
    S("server.shutdown.connections.timeout", "d", 0.0,
      "the maximum amount of time a server waits for all SQL connections to be closed before proceeding with a "
      "drain"),
    S("server.shutdown.initial_wait", "d", 0.0,
      "the amount of time a server waits in an unready state before proceeding with a drain"),
    S("server.shutdown.jobs.timeout", "d", 10.0,
      "the maximum amount of time a server waits for all currently executing jobs to notice drain request and to "
      "perform orderly shutdown"),
    S("server.shutdown.lease_transfer_iteration.timeout", "d", 5.0,
      "the timeout for a single iteration of the range lease transfer phase of draining"),
    S("server.shutdown.transactions.timeout", "d", 10.0,
      "the timeout for waiting for active transactions to finish during a drain"),
    S("server.time_after_store_suspect", "d", 30.0,
      "the amount of time we consider a store suspect for after it fails a node liveness heartbeat"),
    S("server.time_until_store_dead", "d", 300.0,
      "the time after which if there is no new gossiped information about a store, it is considered dead"),
    S("server.web_session.timeout", "d", 168 * 3600.0, "the duration that a newly created web session will be valid"),
    S("sql.defaults.distsql", "e", "auto", "default distributed SQL execution mode",
      choices=("off", "auto", "on", "always")),
    S("sql.metrics.statement_details.enabled", "b", True, "collect per-statement query statistics"),
    S("sql.stats.automatic_collection.enabled", "b", True, "automatic statistics collection mode"),
    S("sql.txn.read_committed_isolation.enabled", "b", True,
      "set to true to allow transactions to use the READ COMMITTED isolation level if specified by BEGIN/SET "
      "commands"),
    S("timeseries.storage.enabled", "b", True, "if set, periodic timeseries data is stored within the cluster"),
    S("version", "m", None, "set the active cluster version in the format '<major>.<minor>'"),
], key=lambda s: s.name)

BY_NAME: Dict[str, Setting] = {s.name: s for s in CATALOGUE}
ALIASES = {"server.shutdown.drain_wait": "server.shutdown.initial_wait",
           "server.shutdown.query_wait": "server.shutdown.transactions.timeout",
           "server.shutdown.lease_transfer_wait": "server.shutdown.lease_transfer_iteration.timeout",
           "server.web_session_timeout": "server.web_session.timeout"}

# SQL type of SHOW CLUSTER SETTING's column, by setting type: (type name, oid)
SQL_TYPES = {"b": ("BOOL", 16), "i": ("INT8", 20), "f": ("FLOAT8", 701), "d": ("INTERVAL", 1186)}
STRING = ("STRING", 25)


class SettingError(Exception):
    """A refused SET: ``code`` is the SQLSTATE."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def lookup(name: str) -> Optional[Setting]:
    name = name.lower()
    return BY_NAME.get(ALIASES.get(name, name))


def go_duration(seconds: float) -> str:
    """Go ``time.Duration.String()``: ``0s``, ``10s``, ``5m0s``, ``168h0m0s``, ``1.5s``."""
    if seconds == 0:
        return "0s"
    neg = seconds < 0
    ns = int(round(abs(seconds) * 1e9))
    if ns < 1_000_000_000:
        if ns % 1_000_000 == 0:
            out = "%dms" % (ns // 1_000_000)
        elif ns % 1000 == 0:
            out = "%dµs" % (ns // 1000)
        else:
            out = "%dns" % ns
        return ("-" if neg else "") + out
    h, rem = divmod(ns, 3600 * 10 ** 9)
    m, rem = divmod(rem, 60 * 10 ** 9)
    s = ("%d.%09d" % divmod(rem, 10 ** 9)).rstrip("0").rstrip(".")
    out = (("%dh" % h) if h else "") + (("%dm" % m) if (h or m) else "") + s + "s"
    return ("-" if neg else "") + out


def pg_interval(seconds: float) -> str:
    """How an INTERVAL prints in JSON (``00:05:00``, ``168:00:00``, ``00:00:01.5``)."""
    neg = seconds < 0
    us = int(round(abs(seconds) * 1e6))
    h, rem = divmod(us, 3600 * 10 ** 6)
    m, rem = divmod(rem, 60 * 10 ** 6)
    s, frac = divmod(rem, 10 ** 6)
    out = "%02d:%02d:%02d" % (h, m, s)
    if frac:
        out += ("." + "%06d" % frac).rstrip("0")
    return ("-" if neg else "") + out


def byte_size(n: int) -> str:
    """humanizeutil.IBytes: ``32 MiB``, ``1.5 GiB``, ``512 B``."""
    if n < 1024:
        return "%d B" % n
    units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    v = float(n)
    for u in units:
        v /= 1024.0
        if v < 1024 or u == units[-1]:
            text = ("%.1f" % v).rstrip("0").rstrip(".")
            return "%s %s" % (text, u)
    return "%d B" % n


def display(setting: Setting, value: Any) -> str:
    """The setting's string form (crdb_internal.cluster_settings ``value`` / ``default_value``)."""
    t = setting.typ
    if t == "b":
        return "true" if value else "false"
    if t == "d":
        return go_duration(value)
    if t == "z":
        return byte_size(int(value))
    if t == "f":
        return repr(float(value))
    return str(value)


def show_value(setting: Setting, value: Any, version_text: str) -> Tuple[Tuple[str, int], Any]:
    """(SQL type, JSON value) of ``SHOW CLUSTER SETTING <name>``."""
    t = setting.typ
    if t == "m":
        return STRING, version_text
    if t == "d":
        return SQL_TYPES["d"], pg_interval(value)
    if t in SQL_TYPES:
        return SQL_TYPES[t], value
    return STRING, display(setting, value)


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_INTERVAL_WORDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(microseconds?|milliseconds?|seconds?|secs?|minutes?|mins?|"
                             r"hours?|days?)\s*$", re.I)
_WORD_SECONDS = {"micro": 1e-6, "milli": 1e-3, "sec": 1.0, "min": 60.0, "hour": 3600.0, "day": 86400.0}


def parse_interval(text: str) -> float:
    """An INTERVAL literal as SET CLUSTER SETTING takes it for a duration setting (``'10s'``, ``'5m'``,
    ``'1h30m'``, ``'00:05:00'``, ``'30 seconds'``); ValueError otherwise."""
    s = text.strip()
    neg = s.startswith("-")
    body = s[1:] if neg else s
    total = 0.0
    parts = list(_DURATION_PART.finditer(body))
    if parts and "".join(p.group(0) for p in parts) == body:
        for p in parts:
            total += float(p.group(1)) * _UNITS[p.group(2)]
        return -total if neg else total
    m = re.match(r"^(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$", body)
    if m:
        total = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3) or 0)
        return -total if neg else total
    m = _INTERVAL_WORDS.match(body)
    if m:
        word = m.group(2).lower()
        for prefix, mult in _WORD_SECONDS.items():
            if word.startswith(prefix):
                total = float(m.group(1)) * mult
                return -total if neg else total
    if re.match(r"^\d+(?:\.\d+)?$", body):
        total = float(body)
        return -total if neg else total
    raise ValueError(text)


def coerce(setting: Setting, literal: Any) -> Any:
    """The Python value of ``SET CLUSTER SETTING <name> = <literal>`` (literal: str, bool, int or float as the
    SQL parser saw it); SettingError with CockroachDB's wording when it does not fit the setting's type."""
    t = setting.typ
    if t == "b":
        if isinstance(literal, bool):
            return literal
        text = literal.strip().lower() if isinstance(literal, str) else None
        if text in ("true", "t", "yes", "on", "1"):
            return True
        if text in ("false", "f", "no", "off", "0"):
            return False
        raise SettingError("22P02", 'could not parse "%s" as type bool: invalid bool value' % (literal,))
    if t == "i":
        try:
            if isinstance(literal, bool):
                raise ValueError
            return int(literal) if not isinstance(literal, float) else int(literal)
        except (TypeError, ValueError):
            raise SettingError("22P02", 'could not parse "%s" as type int: strconv.ParseInt: parsing "%s": '
                                        'invalid syntax' % (literal, literal))
    if t == "f":
        try:
            return float(literal)
        except (TypeError, ValueError):
            raise SettingError("22P02", 'could not parse "%s" as type float' % (literal,))
    if t == "d":
        if isinstance(literal, bool):
            raise SettingError("42804", "argument of SET CLUSTER SETTING %s must be type interval, not type bool"
                               % setting.name)
        try:
            secs = parse_interval(str(literal))
        except ValueError:
            raise SettingError("22007", 'could not parse "%s" as type interval: interval: missing unit' % (literal,))
        if secs < 0:
            raise SettingError("22023", "cannot set %s to a negative duration: %s" % (setting.name, go_duration(secs)))
        return secs
    if t == "z":
        m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$", str(literal), re.I)
        if not m:
            raise SettingError("22023", "invalid byte size %s" % (literal,))
        mult = {"": 1, "B": 1, "KB": 1000, "KIB": 1024, "MB": 1000 ** 2, "MIB": 1024 ** 2, "GB": 1000 ** 3,
                "GIB": 1024 ** 3, "TB": 1000 ** 4, "TIB": 1024 ** 4}[(m.group(2) or "").upper()]
        return int(float(m.group(1)) * mult)
    if t == "e":
        text = str(literal).lower()
        if text not in setting.choices:
            raise SettingError("22023", "invalid string value '%s' for enum setting %s" % (literal, setting.name))
        return text
    if not isinstance(literal, str):
        raise SettingError("42804", "argument of SET CLUSTER SETTING %s must be type string, not type %s"
                           % (setting.name, "bool" if isinstance(literal, bool) else "int"))
    return literal
