# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_jwt_issuer: validation and changes (pure), then the ladder against the in-process emulator."""

import json

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_jwt_issuer as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    reads,
    run_cloud,
    writes,
)

URL = "https://idp.example.com"
JWKS = {"keys": [{"kty": "RSA", "kid": "k1", "n": "abc", "e": "AQAB"}]}


def params(**kw):
    base = dict(issuer_url=URL, audience="crdb", jwks=None, claim=None, identity_map=None, state="present")
    base.update(kw)
    return base


@pytest.mark.parametrize("kw, fragment", [
    (dict(issuer_url="http://idp.example.com"), "issuer_url must be an https:// URL"),
    (dict(audience=" "), "audience must not be empty"),
    (dict(audience=None), "audience is required with state=present"),
    (dict(jwks="{"), "jwks is not valid JSON"),
    (dict(jwks={"nokeys": 1}), "jwks must be a JSON Web Key Set"),
    (dict(identity_map=[{"token_identity": "/(", "cc_identity": "\\1"}]), "identity_map[0].token_identity"),
    (dict(identity_map=[{"token_identity": "/(.*)", "cc_identity": "x"}]), "identity_map[0].cc_identity must contain"),
    (dict(identity_map=[{"token_identity": "", "cc_identity": "x"}]), "identity_map[0]: token_identity"),
])
def test_validate(kw, fragment):
    assert any(fragment in e for e in mod.validate(params(**kw)))


def test_validate_ok_and_changes():
    assert mod.validate(params(audience=None, state="absent")) == []
    cur = {"id": "x", "issuer_url": URL + "/", "audience": "crdb", "claim": "sub",
           "jwks": json.dumps(JWKS, indent=2), "identity_map": []}
    want = mod.desired(params(jwks=JWKS))
    assert mod.issuer_changes(cur, want) == {}  # trailing slash and JSON spacing do not count
    assert mod.issuer_changes(cur, mod.desired(params(claim="email", identity_map=[]))) == {"claim": "email"}


def test_ladder(emulated):
    emulated.cloud_config(rate_limit=0)
    emulated.clear_requests()
    res = run_cloud(emulated, mod, check=True, issuer_url=URL, audience="crdb", jwks=json.dumps(JWKS))
    assert res["changed"] and res["jwt_issuer"]["claim"] == "sub" and writes(emulated) == []
    res = run_cloud(emulated, mod, issuer_url=URL, audience="crdb", jwks=json.dumps(JWKS))
    assert res["changed"] and res["jwt_issuer"]["id"]
    assert writes(emulated) == [("POST", "/api/v1/jwt-issuers")]
    emulated.clear_requests()
    res = run_cloud(emulated, mod, issuer_url=URL, audience="crdb", jwks=JWKS)
    assert not res["changed"] and writes(emulated) == [] and reads(emulated) == ["/api/v1/jwt-issuers"]
    iid = res["jwt_issuer"]["id"]
    im = [{"token_identity": "/^(.*)@corp$", "cc_identity": "\\1@example.com"}]
    res = run_cloud(emulated, mod, check=True, issuer_url=URL, audience="crdb2", identity_map=im)
    assert res["changed"] and res["diff"]["after"]["audience"] == "crdb2" and writes(emulated) == []
    res = run_cloud(emulated, mod, issuer_url=URL, audience="crdb2", identity_map=im)
    assert res["changed"] and writes(emulated) == [("PATCH", "/api/v1/jwt-issuers/" + iid)]
    state = emulated.cloud_state()["families"]["access"]["jwt_issuers"]
    assert state[0]["audience"] == "crdb2" and state[0]["identity_map"] == im and json.loads(state[0]["jwks"]) == JWKS
    emulated.clear_requests()
    res = run_cloud(emulated, mod, check=True, issuer_url=URL, state="absent")
    assert res["changed"] and res["jwt_issuer"] is None and writes(emulated) == []
    res = run_cloud(emulated, mod, issuer_url=URL, state="absent")
    assert res["changed"] and writes(emulated) == [("DELETE", "/api/v1/jwt-issuers/" + iid)]
    res = run_cloud(emulated, mod, issuer_url=URL, state="absent")
    assert not res["changed"]
    assert emulated.cloud_state()["families"]["access"]["jwt_issuers"] == []


def test_bad_input_sends_nothing(emulated):
    emulated.clear_requests()
    res = run_cloud(emulated, mod, issuer_url="idp.example.com", audience="x")
    assert res.failed and "issuer_url must be an https:// URL" in res["msg"] and emulated.paths(api="cloud") == []
