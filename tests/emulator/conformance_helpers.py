"""Shared by the conformance tests of every Cloud API family (test_conformance*.py).

``CheckingClient`` validates every response against the official spec and records which
operations answered a valid 200; ``finish(cl, family)`` writes the family's figures to
``tests/output/emulator/cloud_conformance.json`` (one key per family), prints them, and fails on
any schema violation or on an operation of the family that no request covered with a valid 200.
"""

import json
import os

from cloud_helpers import REPO, Client
from emulator.cloud.errors import ApiError
from emulator.cloud.routes import FAMILY_OPERATION_IDS, OPERATION_IDS, match_route
from emulator.openapi import spec_path


class CheckingClient(Client):
    """Client that validates every response against the spec and records coverage."""

    def __init__(self, validator, **kw):
        super().__init__(**kw)
        self.v = validator
        self.covered = {}
        self.errors_seen = {}
        self.problems = []

    def call(self, method, path, *a, **kw):
        r = super().call(method, path, *a, **kw)
        try:
            handler = match_route(method, path)[0]
        except ApiError:
            handler = None
        op = OPERATION_IDS.get(handler)
        assert "Cc-Version" in r.headers
        if op is None:
            if r.status != 200:
                errs = self.v.validate_response("CockroachCloud_GetCluster", r.status, r.body)
                self.problems += ["%s %s -> %s: %s" % (method, path, r.status, e) for e in errs]
            return r
        errs = self.v.validate_response(op, r.status, r.body)
        self.problems += ["%s %s (%s) -> %s: %s" % (method, path, op, r.status, e) for e in errs]
        if r.status == 200:
            self.covered[op] = self.covered.get(op, 0) + 1
        else:
            self.errors_seen.setdefault(op, set()).add(r.status)
        return r


def finish(cl, family):
    """Write and print the family's figures; fail on violations and uncovered operations."""
    implemented = sorted(FAMILY_OPERATION_IDS[family].values())
    uncovered = [op for op in implemented if op not in cl.covered]
    report = {
        "spec": spec_path(),
        "spec_operations": len(cl.v.ops),
        "implemented_operations": len(implemented),
        "covered_with_valid_200": len(implemented) - len(uncovered),
        "uncovered": uncovered,
        "responses_checked": sum(cl.covered.values()) + sum(len(s) for s in cl.errors_seen.values()),
        "error_statuses_seen": {k: sorted(v) for k, v in cl.errors_seen.items()},
        "schema_violations": cl.problems,
    }
    out_dir = os.path.join(REPO, "tests", "output", "emulator")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "cloud_conformance.json")
    try:
        with open(path) as f:
            everything = json.load(f)
    except (OSError, ValueError):
        everything = {}
    if not isinstance(everything, dict) or "families" not in everything:
        everything = {"families": {}}
    everything["families"][family] = report
    everything["implemented_operations"] = len(OPERATION_IDS)
    everything["spec_operations"] = len(cl.v.ops)
    with open(path, "w") as f:
        json.dump(everything, f, indent=2, sort_keys=True)
    print("\nCloud API conformance (%s): %d/%d operations validated (all families: %d implemented of the spec's %d)"
          % (family, report["covered_with_valid_200"], len(implemented), len(OPERATION_IDS), len(cl.v.ops)))
    assert not cl.problems, "\n".join(cl.problems[:20])
    assert not uncovered, uncovered
