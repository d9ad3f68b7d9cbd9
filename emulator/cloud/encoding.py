"""Go/protobuf-JSON encoding of the Cloud API: RFC 3339 timestamps (integer microseconds inside),
int64 as strings, and the request-body schemas with their decoder (snake_case or lowerCamelCase
names, null = unset, unknown fields rejected, int64 as string or number).  No state, no routing.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from emulator.cloud import seed
from emulator.cloud.errors import bad

RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


# ---------------------------------------------------------------------------------------------
# Time helpers (timestamps are kept as integer microseconds since the epoch)

def fmt_ts(us: int) -> str:
    secs, frac = divmod(int(us), 1_000_000)
    base = datetime.fromtimestamp(secs, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if frac == 0:
        return base + "Z"
    if frac % 1000 == 0:
        return "%s.%03dZ" % (base, frac // 1000)
    return "%s.%06dZ" % (base, frac)


def parse_ts(value: str, field: str) -> int:
    m = RFC3339_RE.match(value or "")
    if not m:
        raise bad('invalid value for field "%s": %r is not an RFC 3339 timestamp' % (field, value))
    y, mo, d, h, mi, s, frac, tz = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=timezone.utc)
    except ValueError:
        raise bad('invalid value for field "%s": %r is not a valid date' % (field, value))
    us = int(dt.timestamp()) * 1_000_000
    if frac:
        us += int((frac[1:] + "000000")[:6])
    if tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        us -= sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60) * 1_000_000
    return us


# ---------------------------------------------------------------------------------------------
# Request-body schemas (a tiny protojson-like decoder: snake_case or lowerCamelCase names,
# null = unset, unknown fields rejected, int64 as string or number).

def _obj(**fields):
    return ("obj", fields)


def _enum(*values):
    return ("enum", values)


STR = ("str",)
BOOL = ("bool",)
INT32 = ("int32",)
INT64 = ("int64",)
ANY = ("any",)


def _map(v):
    return ("map", v)


def _list(v):
    return ("list", v)


PROVIDER = _enum(*seed.PROVIDERS)
PLAN = _enum("BASIC", "STANDARD", "ADVANCED")
UPGRADE_TYPE = _enum("MANUAL", "AUTOMATIC")
DELETE_PROTECTION = _enum("ENABLED", "DISABLED")
UPGRADE_STATUS = _enum("FINALIZED", "MAJOR_UPGRADE_RUNNING", "UPGRADE_AVAILABLE",
                       "PENDING_FINALIZATION", "ROLLBACK_RUNNING")
USAGE_LIMITS = _obj(provisioned_virtual_cpus=INT64, request_unit_limit=INT64, storage_mib_limit=INT64)
MACHINE_SPEC = _obj(machine_type=STR, num_virtual_cpus=INT32)
HARDWARE = _obj(machine_spec=MACHINE_SPEC, storage_gib=INT32, disk_iops=INT32)
CUSTOMER_CLOUD_ACCOUNT = _obj(aws=_obj(arn=STR), gcp=_obj(service_account_email=STR),
                              azure=_obj(subscription_id=STR, tenant_id=STR))


def _serverless_create(legacy: bool):
    f = dict(regions=_list(STR), primary_region=STR, usage_limits=USAGE_LIMITS,
             upgrade_type=UPGRADE_TYPE, with_empty_ip_allowlist=BOOL)
    if legacy:
        f["spend_limit"] = INT32
    return ("obj", f)


def _create_schema(legacy: bool):
    spec = _obj(
        serverless=_serverless_create(legacy),
        dedicated=_obj(region_nodes=_map(INT32), hardware=HARDWARE, cockroach_version=STR,
                       network_visibility=_enum("PUBLIC", "PRIVATE"), cidr_range=STR,
                       restrict_egress_traffic=BOOL, supports_cluster_virtualization=BOOL),
        plan=PLAN, delete_protection=DELETE_PROTECTION, labels=_map(STR), parent_id=STR,
        customer_cloud_account=CUSTOMER_CLOUD_ACCOUNT)
    return _obj(name=STR, provider=PROVIDER, spec=spec, plan=PLAN)


def _update_schema(legacy: bool):
    sl = dict(primary_region=STR, regions=_list(STR), upgrade_type=UPGRADE_TYPE, usage_limits=USAGE_LIMITS)
    if legacy:
        sl["spend_limit"] = INT32
    return _obj(
        cockroach_version=STR, upgrade_status=UPGRADE_STATUS, plan=PLAN,
        delete_protection=DELETE_PROTECTION, labels=_map(STR), parent_id=STR,
        serverless=("obj", sl),
        dedicated=_obj(region_nodes=_map(INT32), hardware=HARDWARE, cmek_region_specs=_list(ANY)),
    )


CREATE_SCHEMA = {False: _create_schema(False), True: _create_schema(True)}
UPDATE_SCHEMA = {False: _update_schema(False), True: _update_schema(True)}
# Request messages of operations with path parameters also carry those parameters; a body may
# repeat them (gRPC-gateway ``body: "*"``), the path wins.
SQL_USER_CREATE = _obj(cluster_id=STR, name=STR, password=STR)
SQL_USER_PASSWORD = _obj(cluster_id=STR, name=STR, password=STR)
DB_CREATE = _obj(cluster_id=STR, name=STR)
DB_EDIT = _obj(cluster_id=STR, name=STR, new_name=STR)
ALLOWLIST_ENTRY = _obj(cluster_id=STR, cidr_ip=STR, cidr_mask=INT32, name=STR, sql=BOOL, ui=BOOL)

_CAMEL_RE = re.compile(r"([A-Z])")


def _snake(name: str) -> str:
    return _CAMEL_RE.sub(lambda m: "_" + m.group(1).lower(), name)


def _int_value(value, field, lo, hi):
    if isinstance(value, bool):
        raise bad('invalid value for field "%s": expected an integer' % field)
    if isinstance(value, int):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    elif isinstance(value, str) and re.match(r"^-?\d+$", value.strip() if value else ""):
        n = int(value)
    else:
        raise bad('invalid value for field "%s": expected an integer' % field)
    if n < lo or n > hi:
        raise bad('invalid value for field "%s": %d is out of range' % (field, n))
    return n


def decode(value: Any, schema: tuple, path: str = "") -> Any:
    kind = schema[0]
    where = path or "body"
    if kind == "any":
        return value
    if kind == "obj":
        if not isinstance(value, dict):
            raise bad('invalid value for field "%s": expected an object' % where)
        fields = schema[1]
        out = {}
        for k, v in value.items():
            key = k if k in fields else _snake(k)
            if key not in fields:
                raise bad('unknown field "%s%s"' % (path + "." if path else "", k))
            if v is None:
                continue
            out[key] = decode(v, fields[key], (path + "." if path else "") + key)
        return out
    if kind == "str":
        if not isinstance(value, str):
            raise bad('invalid value for field "%s": expected a string' % where)
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad('invalid value for field "%s": expected a boolean' % where)
        return value
    if kind == "int32":
        return _int_value(value, where, -(2 ** 31), 2 ** 31 - 1)
    if kind == "int64":
        return _int_value(value, where, -(2 ** 63), 2 ** 63 - 1)
    if kind == "enum":
        if not isinstance(value, str) or value not in schema[1]:
            raise bad('invalid value for enum field "%s": %s' % (where, json.dumps(value)))
        return value
    if kind == "map":
        if not isinstance(value, dict):
            raise bad('invalid value for field "%s": expected an object' % where)
        return {str(k): decode(v, schema[1], "%s[%s]" % (where, k)) for k, v in value.items() if v is not None}
    if kind == "list":
        if not isinstance(value, list):
            raise bad('invalid value for field "%s": expected an array' % where)
        return [decode(v, schema[1], "%s[%d]" % (where, i)) for i, v in enumerate(value)]
    raise AssertionError(kind)
