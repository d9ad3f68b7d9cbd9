#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
module: cloud_jwt_issuer
short_description: JWT issuers trusted by a CockroachDB Cloud organization for API authentication
version_added: 0.2.0
description:
  - Adds, updates and removes a JWT issuer of the organization (C(/api/v1/jwt-issuers)). Tokens signed by it are
    accepted as Cloud API credentials.
  - The issuer is found by O(issuer_url) (one issuer per URL in an organization; a trailing C(/) is ignored).
  - Options left out are left as they are on an existing issuer; O(identity_map) is replaced as a whole when given.
  - The service account needs C(ORG_ADMIN).
options:
  issuer_url:
    description:
      - The URL of the server that issues the tokens (its C(iss) claim), an C(https://) URL.
    type: str
    required: true
  audience:
    description:
      - The intended audience of the tokens (their C(aud) claim). Required with O(state=present).
    type: str
    aliases: [audiences]
  jwks:
    description:
      - The public keys (a JSON Web Key Set, as a JSON string or a dict with a C(keys) list) that verify the tokens.
      - Not secret (public keys), but compared as JSON, so key order and spacing do not matter.
    type: raw
  claim:
    description:
      - The token claim that identifies the user. The API uses C(sub) when it is not set.
    type: str
  identity_map:
    description:
      - How a token identity maps to a CockroachDB Cloud identity (an email address or a service account id).
      - V([]) removes every mapping.
    type: list
    elements: dict
    suboptions:
      token_identity:
        description:
          - The identity in the token; a regular expression (RE2) when it starts with C(/).
        type: str
        required: true
      cc_identity:
        description:
          - The Cloud identity; with a regular expression it must use C(\1) for the matched part.
        type: str
        required: true
  state:
    description:
      - V(present) adds or updates the issuer, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - cockroachdb.cockroachdb.cloud
  - cockroachdb.cockroachdb.attributes
  - cockroachdb.cockroachdb.attributes.CLOUD_GROUP
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - Contributors to the cockroachdb.cockroachdb collection (@cockroachdb)
"""

EXAMPLES = r"""
- name: Let GitHub Actions tokens of our repositories call the Cloud API
  cockroachdb.cockroachdb.cloud_jwt_issuer:
    api_key: "{{ cockroach_api_key }}"
    issuer_url: https://token.actions.githubusercontent.com
    audience: cockroach-cloud
    claim: sub
    jwks: "{{ lookup('ansible.builtin.url', 'https://token.actions.githubusercontent.com/.well-known/jwks', split_lines=false) }}"
    identity_map:
      - token_identity: "/^repo:example/(.*):ref:refs/heads/main$"
        cc_identity: "\\1@ci.example.com"

- name: Stop trusting an issuer
  cockroachdb.cockroachdb.cloud_jwt_issuer:
    api_key: "{{ cockroach_api_key }}"
    issuer_url: https://idp.example.com
    state: absent
"""

RETURN = r"""
jwt_issuer:
  description: The issuer after the run (predicted in check mode); V(null) when absent.
  returned: always
  type: dict
  contains:
    id:
      description: Id of the issuer.
      type: str
      sample: 1234abcd-1234-1234-abcd-12345678abcd
    issuer_url:
      description: The issuer URL.
      type: str
      sample: https://idp.example.com
    audience:
      description: The audience.
      type: str
      sample: cockroach-cloud
    jwks:
      description: The key set, as a JSON string (empty when none is set).
      type: str
    claim:
      description: The identifying claim.
      type: str
      sample: sub
    identity_map:
      description: The identity mappings.
      type: list
      elements: dict
"""

import json
import re

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.module_base import CloudModule
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.cloud_access import AccessApi
from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import ensure

FIELDS = ("issuer_url", "audience", "jwks", "claim", "identity_map")


def parse_jwks(value):
    """The key set as a dict, from a JSON string or a dict; ValueError naming the option."""
    if value is None:
        return None
    data = value
    if isinstance(value, str):
        if not value.strip():
            return {}
        try:
            data = json.loads(value)
        except ValueError:
            raise ValueError("jwks is not valid JSON: give a JSON Web Key Set such as {\"keys\": [...]}")
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("jwks must be a JSON Web Key Set: an object with a \"keys\" list")
    return data


def desired(params):
    want = {"issuer_url": params["issuer_url"].strip(), "audience": params.get("audience"), "claim": params.get("claim")}
    jwks = parse_jwks(params.get("jwks"))
    want["jwks"] = None if jwks is None else (json.dumps(jwks, sort_keys=True, separators=(",", ":")) if jwks else "")
    if params.get("identity_map") is not None:
        want["identity_map"] = [{"token_identity": e["token_identity"], "cc_identity": e["cc_identity"]}
                                for e in params["identity_map"]]
    else:
        want["identity_map"] = None
    return want


def validate(params):
    errors = []
    url = (params.get("issuer_url") or "").strip()
    if not re.match(r"^https://[^\s/]+", url):
        errors.append("issuer_url must be an https:// URL such as https://idp.example.com, got %r" % params.get("issuer_url"))
    if params.get("audience") is not None and not params["audience"].strip():
        errors.append("audience must not be empty")
    if params.get("state") == "present" and params.get("audience") is None:
        errors.append("audience is required with state=present (it is needed to add the issuer)")
    try:
        parse_jwks(params.get("jwks"))
    except ValueError as exc:
        errors.append(str(exc))
    for i, entry in enumerate(params.get("identity_map") or []):
        token, cc = entry.get("token_identity") or "", entry.get("cc_identity") or ""
        if not token.strip() or not cc.strip():
            errors.append("identity_map[%d]: token_identity and cc_identity must not be empty" % i)
        elif token.startswith("/"):
            try:
                re.compile(token[1:])
            except re.error as exc:
                errors.append("identity_map[%d].token_identity is not a valid regular expression: %s" % (i, exc))
            if "\\1" not in cc:
                errors.append("identity_map[%d].cc_identity must contain \\1 (the part the regular expression "
                              "matched)" % i)
    return errors


def same_jwks(current, want):
    if not current and not want:
        return True
    try:
        return json.loads(current or "{}") == json.loads(want or "{}")
    except ValueError:
        return current == want


def issuer_changes(current, want):
    """The fields of ``want`` (None = leave as is) that differ from ``current`` (pure)."""
    changes = {}
    for field in ("issuer_url", "audience", "claim"):
        if want.get(field) is not None and (current.get(field) or "") != want[field]:
            if field == "issuer_url" and (current.get(field) or "").rstrip("/") == want[field].rstrip("/"):
                continue
            changes[field] = want[field]
    if want.get("jwks") is not None and not same_jwks(current.get("jwks"), want["jwks"]):
        changes["jwks"] = want["jwks"]
    if want.get("identity_map") is not None and (current.get("identity_map") or []) != want["identity_map"]:
        changes["identity_map"] = want["identity_map"]
    return changes


def view(issuer):
    out = {k: issuer.get(k) for k in ("id",) + FIELDS}
    out["jwks"] = out["jwks"] or ""
    out["identity_map"] = out["identity_map"] or []
    return out


def run(m):
    client = m.client
    want = desired(m.params)
    current = client.find_jwt_issuer(want["issuer_url"])
    new = {k: v for k, v in want.items() if v is not None}

    def predict(cur, changes):
        if cur is None:
            return dict({"id": None, "claim": "sub", "jwks": "", "identity_map": []}, **new)
        return dict(cur, **changes)

    return ensure(
        m, current, m.params["state"], result_key="jwt_issuer",
        changes=lambda cur: issuer_changes(cur, want),
        create=lambda: client.add_jwt_issuer(new),
        update=lambda changes: client.update_jwt_issuer(current["id"], changes),
        delete=lambda: client.delete_jwt_issuer(current["id"]),
        predict=predict, view=view,
    )


def main():
    m = CloudModule(
        client_mixins=(AccessApi,),
        argument_spec=dict(
            issuer_url=dict(type="str", required=True),
            audience=dict(type="str", aliases=["audiences"]),
            jwks=dict(type="raw", no_log=False),
            claim=dict(type="str"),
            identity_map=dict(type="list", elements="dict", options=dict(
                token_identity=dict(type="str", required=True, no_log=False),
                cc_identity=dict(type="str", required=True),
            )),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        validate=validate,
    )
    m.run(run)


if __name__ == "__main__":
    main()
