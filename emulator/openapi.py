"""Helpers around the official Cloud API OpenAPI 3.0 document (tests only; needs ``jsonschema``).

The spec itself is not part of the repository; it is looked up at
``$CLOUD_API_OPENAPI``, then ``<repo>/../shared/reference/cloud-api-openapi.json``, then
``/work/shared/reference/cloud-api-openapi.json``.  :func:`load_spec` returns ``None`` when none
exists, so callers can skip.

:class:`SpecValidator` translates the OpenAPI schema dialect to JSON Schema (``nullable`` ->
type lists, OpenAPI-only keywords dropped), keeps ``$ref`` pointers resolvable, and checks the
formats that matter on the wire (``date-time`` as RFC 3339, ``int64`` strings as decimal
integers, ``int32`` ranges).  With ``strict=True`` every object schema that lists properties also
rejects properties it does not list (except documented extras such as
``Cluster.is_customer_cloud_account``, which the spec requires but does not define).
"""

from __future__ import annotations

import copy
import json
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(_HERE)

SPEC_CANDIDATES = (
    os.environ.get("CLOUD_API_OPENAPI", ""),
    os.path.join(os.path.dirname(_REPO), "shared", "reference", "cloud-api-openapi.json"),
    "/work/shared/reference/cloud-api-openapi.json",
)

# Properties a schema "requires" or that older API versions add, without defining them.
STRICT_EXTRAS = {"Cluster": ("is_customer_cloud_account",)}
# Spec errata: names a schema requires but its own properties do not define (unsatisfiable as written; the
# generated SDK does not require them either): dropped. GetPersonUsersByEmailResponse requires "users" but defines
# only "user" (which the SDK reads); PrivateEndpointConnection requires "region" but defines "region_name".
REQUIRED_ERRATA = {"GetPersonUsersByEmailResponse": ("users",), "PrivateEndpointConnection": ("region",)}

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")
_INT = re.compile(r"^-?\d+$")
_DROP = ("example", "nullable", "readOnly", "writeOnly", "deprecated", "xml", "externalDocs", "discriminator")


def spec_path() -> Optional[str]:
    for p in SPEC_CANDIDATES:
        if p and os.path.isfile(p):
            return p
    return None


def load_spec(path: Optional[str] = None) -> Optional[Dict]:
    path = path or spec_path()
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def operations(spec: Dict) -> Dict[str, Tuple[str, str, Dict]]:
    """operationId -> (METHOD, path template, operation object)."""
    out = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete") and isinstance(op, dict):
                out[op.get("operationId", method.upper() + " " + path)] = (method.upper(), path, op)
    return out


def _convert(schema: Any, strict: bool, name: Optional[str] = None) -> Any:
    if isinstance(schema, list):
        return [_convert(s, strict) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k in _DROP or k.startswith("x-"):
            continue
        if k == "properties":
            out[k] = {pk: _convert(pv, strict) for pk, pv in v.items()}
        elif k in ("items", "additionalProperties", "not"):
            out[k] = _convert(v, strict) if isinstance(v, dict) else v
        elif k in ("allOf", "anyOf", "oneOf"):
            out[k] = [_convert(s, strict) for s in v]
        else:
            out[k] = v
    if isinstance(out.get("required"), list) and isinstance(out.get("properties"), dict):
        # The spec requires "rule" where it defines "Rule" (AddEgressRuleResponse, EditEgressRuleResponse,
        # DeleteEgressRuleResponse; the SDK's JSON name is "Rule"): a required name that the schema only
        # defines in another case means the defined spelling.
        by_lower = {pk.lower(): pk for pk in out["properties"]}
        out["required"] = [r if r in out["properties"] else by_lower.get(r.lower(), r) for r in out["required"]]
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if name in REQUIRED_ERRATA and "required" in out:
        out["required"] = [r for r in out["required"] if r not in REQUIRED_ERRATA[name]]
    if strict and "properties" in out and "additionalProperties" not in out:
        for extra in STRICT_EXTRAS.get(name or "", ()):
            out["properties"].setdefault(extra, {})
        out["additionalProperties"] = False
    return out


class SpecValidator:
    def __init__(self, spec: Dict, strict: bool = True):
        import jsonschema  # noqa: F401 - imported lazily so the emulator runtime never needs it
        self.spec = spec
        self.strict = strict
        self.components = {
            "schemas": {n: _convert(s, strict, n) for n, s in spec["components"]["schemas"].items()}
        }
        self.ops = operations(spec)
        self._checker = self._format_checker()
        self._cache: Dict[str, Any] = {}

    @staticmethod
    def _format_checker():
        from jsonschema import FormatChecker
        fc = FormatChecker(formats=())

        @fc.checks("date-time")
        def _dt(value):
            return not isinstance(value, str) or bool(_RFC3339.match(value))

        @fc.checks("int64")
        def _i64(value):
            if isinstance(value, str):
                return bool(_INT.match(value)) and -(2 ** 63) <= int(value) < 2 ** 63
            return True

        @fc.checks("int32")
        def _i32(value):
            if isinstance(value, bool) or not isinstance(value, int):
                return True
            return -(2 ** 31) <= value < 2 ** 31

        return fc

    def errors(self, schema: Dict, instance: Any) -> List[str]:
        from jsonschema import Draft7Validator
        key = json.dumps(schema, sort_keys=True)
        v = self._cache.get(key)
        if v is None:
            root = {"allOf": [_convert(schema, self.strict)], "components": self.components}
            v = self._cache[key] = Draft7Validator(root, format_checker=self._checker)
        out = []
        for e in v.iter_errors(instance):
            out.append("%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "<root>", e.message))
        return out

    def schema_ref(self, name: str) -> Dict:
        return {"$ref": "#/components/schemas/" + name}

    def response_schema(self, operation_id: str, status: str = "200") -> Optional[Dict]:
        op = self.ops[operation_id][2]
        resp = op["responses"].get(status) or op["responses"].get("default")
        try:
            return resp["content"]["application/json"]["schema"]
        except (KeyError, TypeError):
            return None

    def request_schema(self, operation_id: str) -> Optional[Dict]:
        op = self.ops[operation_id][2]
        try:
            return op["requestBody"]["content"]["application/json"]["schema"]
        except KeyError:
            return None

    def parameters(self, operation_id: str) -> List[Dict]:
        op = self.ops[operation_id][2]
        return list(op.get("parameters", []))

    def resolve(self, schema: Dict) -> Dict:
        """Follow one level of $ref in the raw spec."""
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 20:
            schema = self.spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
            seen += 1
        return schema

    def validate_response(self, operation_id: str, status: int, body: Any) -> List[str]:
        """Errors of a decoded response body: 200 against the operation's schema, errors against Status."""
        if status == 200:
            schema = self.response_schema(operation_id)
            if schema is None:
                return []
            return self.errors(schema, body)
        errs = self.errors(self.schema_ref("Status"), body)
        if isinstance(body, dict):
            for k in ("code", "message", "details"):
                if k not in body:
                    errs.append("error body lacks %s" % k)
        return errs


def implemented_operation_ids() -> Iterable[str]:
    from emulator.cloud.routes import OPERATION_IDS
    return sorted(OPERATION_IDS.values())


def deep_copy(x):
    return copy.deepcopy(x)
