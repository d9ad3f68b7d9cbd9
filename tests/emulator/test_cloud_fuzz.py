"""Spec-driven fuzzing of the Cloud API emulator (hypothesis; CLOUD_FUZZ_EXAMPLES cases in all, ~30 s here).

For every implemented operation, requests are generated from the operation's parameters and
request-body schema in the official OpenAPI document, mixed with values that hit real state
(existing cluster ids, user names, regions, versions) and with malformed input (wrong types,
unknown fields, bad tokens, bad auth / Cc-Version).  Invariants: no 5xx, every response carries
``Cc-Version`` and a JSON body, 200 bodies match the operation's response schema (strictly), error
bodies match ``Status`` and use the gRPC code that belongs to the HTTP status.
"""

import importlib
import json
import os
import time

import pytest

from cloud_helpers import REPO, Client, qpath
from emulator.cloud import families
from emulator.cloud.routes import OPERATION_IDS
from emulator.openapi import SpecValidator, load_spec

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SPEC = load_spec()
pytestmark = pytest.mark.skipif(SPEC is None, reason="cloud-api-openapi.json not found")

MAX_EXAMPLES = int(os.environ.get("CLOUD_FUZZ_EXAMPLES", "3000"))


def _family_fuzz_modules():
    """``fuzz_<family>.py`` beside this file, for the families of emulator/cloud/families/ that have one.

    Each may define ``VALID_BODIES`` ({operationId: strategy of a mostly valid body}),
    ``prepare(fz)`` (called before every case: create the family's resources, like ``ensure_pool``)
    and ``path_values(fz, op_id, name)`` (a list of values that hit real state for a path parameter;
    ``query_values(fz, op_id, name)`` likewise for a free-text query parameter
    of one of its operations, or None).
    """
    here = os.path.dirname(os.path.abspath(__file__))
    found = []
    for family in families.FAMILIES:
        if os.path.exists(os.path.join(here, "fuzz_%s.py" % family)):
            found.append(importlib.import_module("fuzz_" + family))
    return found


FAMILY_FUZZ = _family_fuzz_modules()

GRPC_FOR_HTTP = {400: {3, 9, 11}, 401: {16}, 403: {7}, 404: {5}, 405: {12}, 409: {6, 10}, 429: {8}, 503: {14}}

INTERESTING = ["us-central1", "us-east1", "us-east-1", "eastus2", "v24.1", "v24.2", "v24.3", "v23.1",
               "GCP", "AWS", "BASIC", "STANDARD", "ADVANCED", "MANUAL", "AUTOMATIC", "ENABLED",
               "FINALIZED", "ROLLBACK_RUNNING", "defaultdb", "app_user", "root", "10.0.0.0", "0.0.0.0",
               "fuzz-cluster", "", " ", "a" * 70, "ü-名前", "null", "-1", "9999999999999999999999"]


class Fuzzer:
    def __init__(self):
        self.v = SpecValidator(SPEC, strict=True)
        self.cl = Client(create_seconds=0.5, update_seconds=0.5, seed=11)
        self.pool = {}
        self.n = 0
        self.cases = 0
        self.statuses = {}
        self.per_op = {}
        self.failures = []
        self.started = time.monotonic()

    def ensure_pool(self):
        specs = {
            "basic": {"serverless": {"regions": ["us-central1"]}},
            "standard": {"serverless": {"regions": ["us-east-1"], "usage_limits": {"provisioned_virtual_cpus": "2"},
                                        "upgrade_type": "MANUAL"}},
            "dedicated": {"dedicated": {"region_nodes": {"us-central1": 3},
                                        "hardware": {"machine_spec": {"num_virtual_cpus": 2}},
                                        "cockroach_version": "v24.1"}},
        }
        for kind, spec in specs.items():
            c = self.pool.get(kind)
            if c is not None:
                got = self.cl.get("/api/v1/clusters/" + c).body
                if got["state"] not in ("DELETED", "CREATION_FAILED"):
                    continue
            self.n += 1
            provider = "AWS" if kind == "standard" else "GCP"
            r = self.cl.post("/api/v1/clusters", {"name": "pool-%s-%d" % (kind[:3], self.n), "provider": provider,
                                                  "spec": dict(spec, delete_protection="DISABLED")})
            assert r.status == 200, r
            self.pool[kind] = r.body["id"]
        for cid in self.pool.values():
            # keep a known user and allowlist entry around so that update/delete paths can succeed
            self.cl.post("/api/v1/clusters/%s/sql-users" % cid, {"name": "app_user", "password": "pw"})
            self.cl.post("/api/v1/clusters/%s/networking/allowlist" % cid,
                         {"cidr_ip": "10.0.0.0", "cidr_mask": 8, "ui": True, "sql": True})
        for module in FAMILY_FUZZ:
            if hasattr(module, "prepare"):
                module.prepare(self)


FUZZ = None


def _fuzzer():
    global FUZZ
    if FUZZ is None:
        FUZZ = Fuzzer()
    return FUZZ


def value_for(schema, v, depth=0):
    """Strategy for a value of an OpenAPI schema (raw spec dialect)."""
    schema = v.resolve(schema)
    t = schema.get("type")
    wrong = st.one_of(st.integers(), st.text(max_size=5), st.booleans(), st.none(), st.just([]), st.just({}))
    if "enum" in schema:
        good = st.sampled_from(schema["enum"])
    elif t == "string":
        if schema.get("format") == "int64":
            good = st.one_of(st.integers(-5, 10 ** 6).map(str), st.integers(0, 10 ** 6))
        elif schema.get("format") == "date-time":
            good = st.sampled_from(["2024-01-01T00:00:00Z", "2030-05-06T07:08:09.123Z", "not-a-time"])
        else:
            good = st.one_of(st.sampled_from(INTERESTING), st.text(max_size=12))
    elif t == "integer":
        good = st.one_of(st.integers(-3, 40), st.integers(-(2 ** 40), 2 ** 40))
    elif t == "number":
        good = st.floats(allow_nan=False, allow_infinity=False)
    elif t == "boolean":
        good = st.booleans()
    elif t == "array":
        if depth > 4:
            good = st.just([])
        else:
            good = st.lists(value_for(schema.get("items", {}), v, depth + 1), max_size=3)
    elif t == "object" or "properties" in schema:
        if depth > 4:
            good = st.just({})
        else:
            good = object_for(schema, v, depth)
    else:
        good = st.one_of(st.text(max_size=5), st.integers(), st.booleans())
    return st.one_of(good, good, good, good, good, good, good, good, good, wrong)


def object_for(schema, v, depth):
    props = schema.get("properties") or {}
    addl = schema.get("additionalProperties")

    @st.composite
    def build(draw):
        out = {}
        for name, sub in props.items():
            if draw(st.booleans()):
                out[name] = draw(value_for(sub, v, depth + 1))
        if isinstance(addl, dict):
            for k in draw(st.lists(st.sampled_from(INTERESTING[:6] + ["k1", "env"]), max_size=3, unique=True)):
                out[k] = draw(value_for(addl, v, depth + 1))
        if draw(st.integers(0, 15)) == 0:
            out[draw(st.sampled_from(["bogus", "spendLimit", "spec", "id"]))] = 1
        return out
    return build()


@st.composite
def request_for(draw, op_id):
    fz = _fuzzer()
    v = fz.v
    method, template = v.ops[op_id][:2]
    path = template
    ids = list(fz.pool.values())
    for p in v.parameters(op_id):
        if p["in"] != "path":
            continue
        name = p["name"]
        known = None
        for module in FAMILY_FUZZ:
            if known is None and hasattr(module, "path_values"):
                known = module.path_values(fz, op_id, name)
        if known:
            val = draw(st.one_of(st.sampled_from(known), st.sampled_from(known), st.text(min_size=1, max_size=8)))
        elif name in ("cluster_id", "destination_cluster_id"):
            val = draw(st.one_of(st.sampled_from(ids), st.sampled_from(ids), st.sampled_from(ids),
                                 st.text(min_size=1, max_size=8)))
        elif name == "name":
            val = draw(st.one_of(st.sampled_from(["app_user", "defaultdb", "other"]), st.text(min_size=1, max_size=8)))
        elif name == "cidr_ip":
            val = draw(st.sampled_from(["10.0.0.0", "10.0.0.0", "0.0.0.0", "192.168.1.1", "abc", "999.1.1.1"]))
        elif name == "cidr_mask":
            val = draw(st.one_of(st.just(8), st.just(8), st.integers(-2, 40), st.just("x")))
        else:
            val = draw(st.text(min_size=1, max_size=8))
        path = path.replace("{%s}" % name, qpath(val))
    query = {}
    for p in v.parameters(op_id):
        if p["in"] != "query" or not draw(st.booleans()):
            continue
        sch = p.get("schema", {})
        if sch.get("type") == "boolean":
            val = draw(st.sampled_from(["true", "false", "1", "yes"]))
        elif sch.get("type") == "integer":
            val = draw(st.one_of(st.integers(-2, 300).map(str), st.just("ten")))
        elif "enum" in sch:
            val = draw(st.one_of(st.sampled_from(sch["enum"]), st.just("bogus")))
        elif sch.get("format") == "date-time":
            val = draw(st.sampled_from(["2024-01-01T00:00:00Z", "2031-01-01T00:00:00.5+02:00", "soon"]))
        elif p["name"] == "pagination.page":
            val = draw(st.sampled_from(["", "bm9wZQ", "%%%", "eyJkIjoibiIsImsiOlsiYSJdLCJvIjoiQVNDIn0"]))
        else:
            known = None
            for module in FAMILY_FUZZ:
                if known is None and hasattr(module, "query_values"):
                    known = module.query_values(fz, op_id, p["name"])
            if known:
                val = draw(st.one_of(st.sampled_from(known), st.sampled_from(INTERESTING), st.text(max_size=6)))
            else:
                val = draw(st.one_of(st.sampled_from(INTERESTING), st.text(max_size=6)))
        query[p["name"]] = val
    body = None
    schema = v.request_schema(op_id)
    if schema is not None:
        if op_id in VALID_BODIES and draw(st.integers(0, 2)) > 0:
            body = draw(VALID_BODIES[op_id])
        else:
            body = draw(st.one_of(object_for(v.resolve(schema), v, 0), object_for(v.resolve(schema), v, 0),
                                  st.just([]), st.just("x")))
    key = draw(st.sampled_from([None, None, None, None, None, None, None, None, "", "bad-key"]))
    version = draw(st.sampled_from([None] * 8 + ["2022-03-31", "2023-04-10", "bogus"]))
    return method, path, query, body, key, version


IMPLEMENTED = sorted(OPERATION_IDS.values())

NAME = st.from_regex(r"\A[a-z][a-z0-9-]{4,12}[a-z0-9]\Z")
SQLNAME = st.from_regex(r"\A[a-z_][a-z0-9_]{0,10}\Z")
LIMITS = st.fixed_dictionaries({}, optional={"request_unit_limit": st.integers(1, 10 ** 9).map(str),
                                             "storage_mib_limit": st.integers(1, 10 ** 6)})
# Mostly-valid bodies, so that the success paths are fuzzed too (not only the validation).
VALID_BODIES = {
    "CockroachCloud_CreateCluster": st.one_of(
        st.fixed_dictionaries({"name": NAME, "provider": st.just("GCP"), "spec": st.fixed_dictionaries({
            "serverless": st.fixed_dictionaries({"regions": st.sampled_from([["us-central1"], ["us-east1"]]),
                                                 "usage_limits": LIMITS})},
            optional={"labels": st.dictionaries(st.sampled_from(["a", "env"]), st.text(max_size=5), max_size=2),
                      "delete_protection": st.sampled_from(["ENABLED", "DISABLED"])})}),
        st.fixed_dictionaries({"name": NAME, "provider": st.sampled_from(["AWS"]), "spec": st.fixed_dictionaries({
            "dedicated": st.fixed_dictionaries({
                "region_nodes": st.sampled_from([{"us-east-1": 3}, {"us-west-2": 1}, {"us-east-1": 3, "us-west-2": 4}]),
                "hardware": st.fixed_dictionaries({"machine_spec": st.sampled_from([{"num_virtual_cpus": 2},
                                                                                    {"machine_type": "m6i.xlarge"}]),
                                                   "storage_gib": st.sampled_from([0, 15, 100])}),
            }, optional={"cockroach_version": st.sampled_from(["v23.2", "v24.1", "v24.3"])})})})),
    "CockroachCloud_UpdateCluster": st.one_of(
        st.fixed_dictionaries({}, optional={"labels": st.dictionaries(st.sampled_from(["a", "b"]), st.text(max_size=3)),
                                            "delete_protection": st.just("DISABLED")}),
        st.fixed_dictionaries({"serverless": st.fixed_dictionaries({}, optional={
            "usage_limits": st.one_of(LIMITS, st.fixed_dictionaries({"provisioned_virtual_cpus": st.integers(1, 9)})),
            "regions": st.sampled_from([["us-central1", "us-east1"], ["us-east-1", "us-west-2"]]),
            "primary_region": st.sampled_from(["us-east1", "us-west-2"])})}),
        st.fixed_dictionaries({"dedicated": st.fixed_dictionaries({}, optional={
            "region_nodes": st.sampled_from([{"us-central1": 3}, {"us-central1": 4, "us-east1": 3}]),
            "hardware": st.fixed_dictionaries({}, optional={"storage_gib": st.sampled_from([50, 200]),
                                                            "machine_spec": st.just({"num_virtual_cpus": 4})})})}),
        st.sampled_from([{"cockroach_version": "v24.2"}, {"cockroach_version": "v24.3"},
                         {"upgrade_status": "FINALIZED"}, {"upgrade_status": "ROLLBACK_RUNNING"},
                         {"plan": "STANDARD", "serverless": {"usage_limits": {"provisioned_virtual_cpus": "2"}}},
                         {"plan": "BASIC", "serverless": {"usage_limits": {}, "upgrade_type": "AUTOMATIC"}}])),
    "CockroachCloud_CreateSQLUser": st.fixed_dictionaries({"name": SQLNAME, "password": st.text(min_size=1, max_size=8)}),
    "CockroachCloud_UpdateSQLUserPassword": st.fixed_dictionaries({"password": st.text(min_size=1, max_size=8)}),
    "CockroachCloud_CreateDatabase": st.fixed_dictionaries({"name": SQLNAME}),
    "CockroachCloud_EditDatabase": st.fixed_dictionaries({"new_name": SQLNAME}),
    "CockroachCloud_EditDatabase2": st.fixed_dictionaries({"name": st.just("defaultdb"), "new_name": SQLNAME}),
    "CockroachCloud_AddAllowlistEntry": st.fixed_dictionaries({
        "cidr_ip": st.ip_addresses(v=4).map(str), "cidr_mask": st.integers(0, 32), "ui": st.booleans(),
        "sql": st.booleans()}, optional={"name": st.text(max_size=5)}),
    "CockroachCloud_AddAllowlistEntry2": st.fixed_dictionaries({"ui": st.booleans(), "sql": st.booleans()}),
    "CockroachCloud_UpdateAllowlistEntry": st.fixed_dictionaries({"ui": st.booleans(), "sql": st.booleans()},
                                                                 optional={"name": st.text(max_size=5)}),
}
for _module in FAMILY_FUZZ:
    VALID_BODIES.update(getattr(_module, "VALID_BODIES", {}))


# Each operation has its own test with the same number of examples, drawn deterministically (derandomize): the
# cases, and so the report's verdict below, are the same however loaded the machine is (a time budget made the
# verdict depend on the load: fewer cases per operation on a busy machine, fewer 200s). The load changes only the time.
PER_OPERATION = max(10, MAX_EXAMPLES // max(1, len(IMPLEMENTED)))


@pytest.mark.parametrize("op", IMPLEMENTED)
@settings(max_examples=PER_OPERATION, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzz_implemented_operations(op, data):
    fz = _fuzzer()
    fz.ensure_pool()
    advance = data.draw(st.sampled_from([0, 0, 0.3, 1.0]))
    method, path, query, body, key, version = data.draw(request_for(op))
    fz.cl.advance(advance)
    kw = {"query": query, "key": key, "version": version}
    if body is not None:
        kw["body"] = body
    r = fz.cl.call(method, path, **kw)
    fz.cases += 1
    fz.statuses[r.status] = fz.statuses.get(r.status, 0) + 1
    fz.per_op.setdefault(op, {}).setdefault(r.status, 0)
    fz.per_op[op][r.status] += 1
    where = "%s %s %s body=%s -> %s %s" % (method, path, query, json.dumps(body)[:300], r.status, r.body)
    problems = []
    # the one 5xx the real API answers by design: a write on a LOCKED cluster (503, code 14 "cluster lock is held")
    lock_refusal = (r.status == 503 and method != "GET" and isinstance(r.body, dict) and r.body.get("code") == 14
                    and "lock" in str(r.body.get("message", "")))
    if r.status >= 500 and not lock_refusal:
        problems.append("server error")
    if "Cc-Version" not in r.headers:
        problems.append("no Cc-Version header")
    if r.body is None:
        problems.append("no JSON body")
    else:
        problems += fz.v.validate_response(op, r.status, r.body)
        if r.status != 200 and isinstance(r.body, dict):
            if r.body.get("code") not in GRPC_FOR_HTTP.get(r.status, set()):
                problems.append("gRPC code %s does not belong to HTTP %s" % (r.body.get("code"), r.status))
    if problems:
        fz.failures.append((where, problems))
    assert not problems, (where, problems)


def test_fuzz_report():
    """Runs after the fuzz test (file order): writes and prints the figures."""
    fz = _fuzzer()
    report = {
        "cases": fz.cases,
        "statuses": {str(k): v for k, v in sorted(fz.statuses.items())},
        "operations_fuzzed": len(fz.per_op),
        "operations_implemented": len(IMPLEMENTED),
        "operations_with_200": sorted(op for op, s in fz.per_op.items() if 200 in s),
        "failures": len(fz.failures),
        "seconds": round(time.monotonic() - fz.started, 1),
    }
    out_dir = os.path.join(REPO, "tests", "output", "emulator")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "cloud_fuzz.json"), "w") as f:
        json.dump(report, f, indent=2, sort_keys=True)
    print("\nCloud API fuzz: %(cases)d cases over %(operations_fuzzed)d/%(operations_implemented)d operations, "
          "%(failures)d failures, statuses %(statuses)s" % report)
    assert fz.cases > 0
    assert report["failures"] == 0
    assert report["operations_fuzzed"] == len(IMPLEMENTED)
    # success paths reached, not only validation errors: at least 80 % of the operations fuzzed 10 times or more
    # answered 200 at least once (VALID_BODIES and the families' fuzz hooks make 200s likely); the others are
    # printed and written to the report (their success paths are covered by the conformance tests)
    fuzzed = [op for op, s in fz.per_op.items() if sum(s.values()) >= 10]

    never = sorted(op for op in fuzzed if 200 not in fz.per_op[op])
    report["operations_without_200"] = never
    with open(os.path.join(out_dir, "cloud_fuzz.json"), "w") as f:
        json.dump(report, f, indent=2, sort_keys=True)
    print("operations fuzzed 10+ times that never answered 200 (%d of %d): %s"
          % (len(never), len(fuzzed), ", ".join(never) or "none"))
    assert len(never) <= len(fuzzed) // 5, never
