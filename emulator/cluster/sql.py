"""SQL of the emulated cluster: ``POST /api/v2/sql/`` and ``cockroach sql --execute`` (control API).

The emulator does not parse SQL.  It recognises the statements the collection sends and answers them
from the cluster state; every other statement gets an error that says so (SQLSTATE ``0A000``).

Recognised (keywords case-insensitive, whitespace free, one trailing ``;`` ignored):

* ``SHOW CLUSTER SETTING <name>``: one column named after the setting (BOOL, INT8, FLOAT8, INTERVAL or
  STRING); unknown name -> ``unknown setting: "<name>"`` (XXUUU), checked before the privilege.
* ``SHOW CLUSTER SETTINGS`` (public ones) / ``SHOW ALL CLUSTER SETTINGS``: rows of
  ``crdb_internal.cluster_settings`` by name: ``variable, value, setting_type[, public], description,
  default_value, origin`` (pkg/sql/delegate/show_all_cluster_settings.go).
* ``SELECT version()``: the answering node's build.  ``SELECT 1``.
* :data:`MIGRATION_JOBS_SQL`: running upgrade (migration) jobs from ``crdb_internal.jobs``.
* ``SET CLUSTER SETTING <name> = <value>`` / ``TO`` / ``= DEFAULT``, ``RESET CLUSTER SETTING <name>``.

**Through ``/api/v2/sql/``** (pkg/server/api_v2_sql.go, v25.4): every statement whose return type is
"ack" or that is transaction control (SET, RESET, BEGIN, COMMIT, ...) is refused before it runs:
``executing stmt N: disallowed statement type`` (no SQLSTATE: ``XXUUU``).  That check comes first, so a
``SET CLUSTER SETTING`` gets this answer on v25.4; releases without the check (before it was added,
~v24.x) ran it inside the request's transaction and answered "SET CLUSTER SETTING cannot be used inside
a multi-statement transaction" (25001).  Either way a setting cannot be changed through the SQL API:
use ``cockroach sql --execute`` (here ``POST /_emulator/sql``).

Privileges (harsher where unread): SHOW CLUSTER SETTING(S) and SET need admin; ``crdb_internal.jobs``
shows a non-admin only its own jobs (none); ``SELECT version()`` and ``SELECT 1`` run for anyone.

Error objects are ``pgerror.Flatten`` of the Go error, marshalled by Go: ``code``, ``message``,
``source``, ``severity`` (the server writes them with ``MarshalIndent`` but the outer ``json.Marshal``
compacts a ``MarshalJSON`` result, so the body is compact JSON).  The ``source`` values are ours.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from emulator.cluster import settings as settings_mod
from emulator.core import Request, Response

MIGRATION_JOBS_SQL = ("SELECT job_id, status, description, created FROM crdb_internal.jobs "
                      "WHERE job_type = 'MIGRATION' AND status = 'running'")

# A real v25.4 node lists ~600 settings; their rows weigh ~150 kB against ``max_result_size``.  The
# catalogue here has two dozen, so SHOW [ALL] CLUSTER SETTINGS counts the missing weight too: a client
# that keeps the default limit (10,000 bytes) fails here as it would on a real node.
UNMODELLED_SETTINGS_BYTES = 150_000

STRING = ("STRING", 25)
BOOL = ("BOOL", 16)
INT8 = ("INT8", 20)
TIMESTAMP = ("TIMESTAMP", 1114)

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$\d+|[^'\"$]+|\$")
_ACK = re.compile(r"^(SET|RESET|BEGIN|START TRANSACTION|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE|"
                  r"DEALLOCATE|DISCARD|EXECUTE|CLOSE|DECLARE|FETCH|MOVE)\b")
_NAME = r"(\"(?:[^\"]|\"\")+\"|[A-Z_][A-Z0-9_.]*)"


class SqlError(Exception):
    """A statement error: SQLSTATE ``code`` and the message (without the "executing stmt N" wrap)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Statement(NamedTuple):
    kind: str              # show_setting, show_settings, version, select1, jobs, set_setting, reset_setting,
    #                        ack (other SET/RESET/TCL), unknown
    tag: str               # StatementTag()
    text: str              # as the server prints it back (execute: false)
    ack: bool              # refused by the SQL API
    args: Dict[str, Any]


class Result(NamedTuple):
    tag: str
    columns: List[Tuple[str, Tuple[str, int]]]   # (name, (type, oid))
    rows: List[List[Any]]


# --------------------------------------------------------------------------- lexing

def split_statements(sql: str) -> List[str]:
    """Statements separated by ``;`` outside quotes (empty ones dropped, as the parser does)."""
    out, cur = [], []
    for tok in _TOKENS.findall(sql):
        if tok[:1] in ("'", '"') or tok.startswith("$"):
            cur.append(tok)
            continue
        parts = tok.split(";")
        cur.append(parts[0])
        for p in parts[1:]:
            out.append("".join(cur))
            cur = [p]
    out.append("".join(cur))
    return [s for s in (x.strip() for x in out) if s]


def placeholders(sql: str) -> int:
    n = 0
    for tok in _TOKENS.findall(sql):
        if re.fullmatch(r"\$\d+", tok):
            n = max(n, int(tok[1:]))
    return n


def normalise(sql: str) -> str:
    """Keywords upper case, whitespace collapsed, no space inside parentheses or before commas; quoted parts
    kept as written."""
    out = []
    for tok in _TOKENS.findall(sql.strip().rstrip(";").strip()):
        out.append(tok if tok[:1] in ("'", '"') else tok.upper())
    s = re.sub(r"\s+", " ", "".join(out)).strip()
    s = re.sub(r"\s*([(),])\s*", lambda m: m.group(1) + (" " if m.group(1) == "," else ""), s)
    return s.replace("( ", "(").strip()


def _ident(tok: str) -> str:
    if tok.startswith('"'):
        return tok[1:-1].replace('""', '"')
    return tok.lower()


def _literal(text: str) -> Any:
    """The value of SET CLUSTER SETTING: a string, bool, number or None (DEFAULT)."""
    t = text.strip()
    m = re.fullmatch(r"(?:INTERVAL\s*)?'((?:[^']|'')*)'(?:\s*::\s*[A-Z0-9_]+)?", t)
    if m:
        return m.group(1).replace("''", "'")
    if t in ("TRUE", "FALSE"):
        return t == "TRUE"
    if t in ("DEFAULT",):
        return None
    if re.fullmatch(r"-?\d+", t):
        return int(t)
    if re.fullmatch(r"-?\d+\.\d*|-?\.\d+", t):
        return float(t)
    if re.fullmatch(r"[A-Z_][A-Z0-9_]*", t):
        return t.lower()   # an unquoted name is taken as a string (unresolvedNameToStrVal)
    raise SqlError("0A000", "the emulator does not evaluate this expression: %s" % text)


def parse(sql: str) -> Statement:
    n = normalise(sql)
    m = re.fullmatch(r"SHOW CLUSTER SETTING " + _NAME, n)
    if m:
        name = _ident(m.group(1))
        if name not in ("all",):
            return Statement("show_setting", "SHOW CLUSTER SETTING", "SHOW CLUSTER SETTING " + name, False,
                             {"name": name})
    m = re.fullmatch(r"SHOW (ALL |PUBLIC )?CLUSTER SETTINGS|SHOW CLUSTER SETTING ALL", n)
    if m:
        every = n.startswith("SHOW ALL") or n.endswith("SETTING ALL")
        return Statement("show_settings", "SHOW CLUSTER SETTINGS",
                         "SHOW ALL CLUSTER SETTINGS" if every else "SHOW CLUSTER SETTINGS", False, {"all": every})
    if n == "SELECT VERSION()":
        return Statement("version", "SELECT", "SELECT version()", False, {})
    if n == "SELECT 1":
        return Statement("select1", "SELECT", "SELECT 1", False, {})
    if n == normalise(MIGRATION_JOBS_SQL):
        return Statement("jobs", "SELECT", MIGRATION_JOBS_SQL, False, {})
    m = re.fullmatch(r"SET CLUSTER SETTING " + _NAME + r" ?(?:=|TO) ?(.+)", n)
    if m:
        name = _ident(m.group(1))
        return Statement("set_setting", "SET CLUSTER SETTING", "SET CLUSTER SETTING %s = %s" % (name, m.group(2)),
                         True, {"name": name, "value": m.group(2)})
    m = re.fullmatch(r"RESET CLUSTER SETTING " + _NAME, n)
    if m:
        name = _ident(m.group(1))
        return Statement("reset_setting", "SET CLUSTER SETTING", "SET CLUSTER SETTING %s = DEFAULT" % name, True,
                         {"name": name})
    m = _ACK.match(n)
    if m:
        word = m.group(1)
        tag = {"START TRANSACTION": "BEGIN", "END": "COMMIT", "ABORT": "ROLLBACK"}.get(word, word)
        return Statement("ack", tag, sql.strip().rstrip(";").strip(), True, {})
    first = n.split(" ", 1)[0] if n else ""
    return Statement("unknown", first, sql.strip().rstrip(";").strip(), False, {})


# --------------------------------------------------------------------------- execution

def _rfc3339(wall: float) -> str:
    """Go time.Format(RFC3339Nano) in UTC: trailing zeros of the fraction dropped."""
    dt = datetime.datetime.fromtimestamp(wall, tz=datetime.timezone.utc)
    frac = ("%.9f" % (wall - int(wall)))[2:].rstrip("0")
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ("." + frac if frac else "") + "Z"


def _timestamp(wall: float) -> str:
    """A TIMESTAMP datum in JSON (tree.AsJSON): no zone, microseconds."""
    dt = datetime.datetime.fromtimestamp(wall, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")


def version_string(build_tag: str) -> str:
    return ("CockroachDB CCL %s (x86_64-pc-linux-gnu, built 2025/11/17 12:00:00, go1.23.12 X:nocoverageredesign)"
            % build_tag)


def execute(state, stmt: Statement, user: str, node_id: int) -> Result:
    """Run one recognised statement as ``user`` on ``node_id`` (the caller holds no lock)."""
    s = state
    is_admin = bool(s.users.get(user, {}).get("admin"))
    if stmt.kind == "unknown":
        raise SqlError("0A000", "the emulator does not run this statement: %s" % stmt.text)
    if stmt.kind == "ack":
        raise SqlError("0A000", "the emulator does not run this statement: %s" % stmt.text)
    if stmt.kind == "select1":
        return Result(stmt.tag, [("?column?", INT8)], [[1]])
    if stmt.kind == "version":
        return Result(stmt.tag, [("version", STRING)], [[version_string(s.nodes[node_id].build_tag)]])
    if stmt.kind == "jobs":
        rows = []
        if is_admin:
            for job in s.migration_jobs():
                rows.append([job["job_id"], job["status"], job["description"], _timestamp(job["created"])])
        return Result(stmt.tag, [("job_id", INT8), ("status", STRING), ("description", STRING),
                                 ("created", TIMESTAMP)], rows)
    if stmt.kind == "show_setting":
        name = stmt.args["name"]
        setting = settings_mod.lookup(name)
        if setting is None:
            raise SqlError("XXUUU", 'unknown setting: "%s"' % name)
        if not is_admin:
            raise SqlError("42501", "only users with MODIFYCLUSTERSETTING, MODIFYSQLCLUSTERSETTING or "
                                    "VIEWCLUSTERSETTING privileges are allowed to show cluster setting '%s'" % name)
        value, _default, _origin = s.setting_value(setting)
        typ, shown = settings_mod.show_value(setting, value, s.active_version().text)
        return Result(stmt.tag, [(name, typ)], [[shown]])
    if stmt.kind == "show_settings":
        if not is_admin:
            raise SqlError("42501", "only users with MODIFYCLUSTERSETTING, MODIFYSQLCLUSTERSETTING or "
                                    "VIEWCLUSTERSETTING privileges are allowed to SHOW CLUSTER SETTINGS")
        every = stmt.args["all"]
        cols = [("variable", STRING), ("value", STRING), ("setting_type", STRING)]
        if every:
            cols.append(("public", BOOL))
        cols += [("description", STRING), ("default_value", STRING), ("origin", STRING)]
        rows = []
        for setting in settings_mod.CATALOGUE:
            if not every and not setting.public:
                continue
            value, default, origin = s.setting_value(setting)
            shown = s.active_version().text if setting.typ == "m" else settings_mod.display(setting, value)
            row = [setting.name, shown, setting.typ]
            if every:
                row.append(setting.public)
            row += [setting.description, default, origin]
            rows.append(row)
        return Result(stmt.tag, cols, rows)
    if stmt.kind in ("set_setting", "reset_setting"):
        name = stmt.args["name"]
        setting = settings_mod.lookup(name)
        if setting is None:
            raise SqlError("42704", "unknown cluster setting '%s'" % name)
        if not is_admin:
            raise SqlError("42501", "only users with the MODIFYCLUSTERSETTING privilege are allowed to set "
                                    "cluster setting '%s'" % name)
        literal = None if stmt.kind == "reset_setting" else _literal(stmt.args["value"])
        try:
            s.set_cluster_setting(setting, literal, node_id)
        except settings_mod.SettingError as e:
            raise SqlError(e.code, e.message)
        return Result(stmt.tag, [], [])
    raise SqlError("0A000", "the emulator does not run this statement: %s" % stmt.text)


# --------------------------------------------------------------------------- POST /api/v2/sql/

def _pgerror(code: str, message: str) -> Dict[str, Any]:
    return {"code": code, "message": message,
            "source": {"file": "api_v2_sql.go", "line": 0, "function": "(*apiV2Server).execSQL"},
            "severity": "ERROR"}


def _answer(status: int, obj: Dict[str, Any]) -> Response:
    body = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    body = body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Response(status, body.encode("utf-8"), {"Content-Type": "application/json",
                                                   "X-Content-Type-Options": "nosniff"})


def request_error(status: int, message: str) -> Response:
    return _answer(status, {"error": _pgerror("XXUUU", message)})


_DURATION = re.compile(r"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_parse_duration(s: str) -> float:
    """time.ParseDuration; ValueError with Go's message."""
    if s in ("0", "+0", "-0"):
        return 0.0
    if not _DURATION.match(s):
        if re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", s):
            raise ValueError('time: missing unit in duration "%s"' % s)
        raise ValueError('time: invalid duration "%s"' % s)
    sign = -1.0 if s.startswith("-") else 1.0
    parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)", s)
    total = sum(float(n) * _GO_UNITS[u] for n, u in parts)
    return sign * total


_FIELDS = {"timeout": str, "max_result_size": int, "database": str, "application_name": str, "execute": bool,
           "separate_txns": bool, "stop_on_error": bool, "statements": list}


def _datum_size(v: Any) -> int:
    """tree.Datum.Size(), roughly: strings carry a 16-byte header."""
    if isinstance(v, bool):
        return 1
    if isinstance(v, (int, float)):
        return 8
    if v is None:
        return 0
    return 16 + len(str(v).encode("utf-8"))


def handle_http(state, req: Request, user: str) -> Response:
    """``POST /api/v2/sql/`` (method already checked) as the real handler answers it."""
    ct = req.header("content-type") or "application/octet-stream"
    if ct not in ("application/octet-stream", "application/json"):
        return request_error(400, 'expecting content-type json: "%s"' % ct)
    if len(req.body) > 10 * 1024 * 1024:
        return request_error(400, "http: request body too large")
    if not req.body.strip():
        return request_error(400, "unexpected end of JSON input")
    try:
        payload = json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        # encoding/json words it "invalid character 'x' looking for beginning of value" and the like
        pos = getattr(e, "pos", 0) or 0
        ch = req.body[pos:pos + 1].decode("utf-8", "replace") or " "
        return request_error(400, "invalid character %r looking for beginning of value" % ch)
    if not isinstance(payload, dict):
        kind = "array" if isinstance(payload, list) else type(payload).__name__
        return request_error(400, "json: cannot unmarshal %s into Go value of type struct" % kind)
    for key, typ in _FIELDS.items():
        v = payload.get(key)
        if v is None:
            continue
        wrong = (isinstance(v, bool) or not isinstance(v, int)) if typ is int else not isinstance(v, typ)
        if wrong:
            return request_error(400, "json: cannot unmarshal %s into Go struct field requestType.%s of type %s"
                                 % (_json_kind(v), key, {str: "string", int: "int", bool: "bool",
                                                         list: "[]struct"}[typ]))
    timeout = payload.get("timeout") or "5s"
    try:
        go_parse_duration(timeout)
    except ValueError as e:
        return request_error(400, str(e))
    max_size = payload.get("max_result_size") or 10000
    stmts_in = payload.get("statements") or []
    if not stmts_in:
        return request_error(400, "no statements specified")
    database = payload.get("database") or "system"
    app = payload.get("application_name") or "$ api-v2-sql"
    parsed: List[Tuple[Dict[str, Any], Statement]] = []
    for i, item in enumerate(stmts_in, 1):
        if not isinstance(item, dict):
            return request_error(400, "json: cannot unmarshal %s into Go struct field .statements of type struct"
                                 % _json_kind(item))
        sql = item.get("sql")
        if sql is not None and not isinstance(sql, str):
            return request_error(400, "json: cannot unmarshal %s into Go struct field .statements.sql of type "
                                      "string" % _json_kind(sql))
        args = item.get("arguments") or []
        if not isinstance(args, list):
            return request_error(400, "json: cannot unmarshal %s into Go struct field .statements.arguments of "
                                      "type []interface {}" % _json_kind(args))
        parts = split_statements(sql or "")
        if len(parts) != 1:
            return request_error(400, "parsing statement %d: expecting 1 statement, found %d" % (i, len(parts)))
        want = placeholders(parts[0])
        if want != len(args):
            return request_error(400, "parsing statement %d: expected %d placeholder(s), got %d"
                                 % (i, want, len(args)))
        parsed.append((item, parse(parts[0])))
    normalised_request = {
        "timeout": timeout, "max_result_size": max_size, "database": database, "application_name": app,
        "execute": bool(payload.get("execute")), "separate_txns": bool(payload.get("separate_txns")),
        "stop_on_error": bool(payload.get("stop_on_error")),
        "statements": [dict({"sql": st.text}, **({"arguments": it["arguments"]} if it.get("arguments") else {}))
                       for it, st in parsed],
    }
    if not payload.get("execute"):
        return _answer(200, {"num_statements": len(parsed), "request": normalised_request})
    separate = bool(payload.get("separate_txns"))
    stop_on_error = bool(payload.get("stop_on_error"))
    results: List[Dict[str, Any]] = []
    top_error: Optional[Dict[str, Any]] = None
    size = 0
    wall = state.clock.time
    for idx, (_item, stmt) in enumerate(parsed, 1):
        res: Dict[str, Any] = {"statement": idx, "tag": stmt.tag, "start": _rfc3339(wall())}
        err: Optional[SqlError] = None
        rows_out: List[Dict[str, Any]] = []
        cols_out: Optional[List[Dict[str, Any]]] = None
        if stmt.ack:
            err = SqlError("XXUUU", "disallowed statement type")
        elif size > max_size:
            err = SqlError("XXUUU", "max result size exceeded")
        else:
            try:
                out = execute(state, stmt, user, req.node_id)
                if stmt.kind == "show_settings":
                    size += UNMODELLED_SETTINGS_BYTES
                cols_out = _columns(out.columns)
                names = [c["name"] for c in cols_out]
                for row in out.rows:
                    rows_out.append(dict(zip(names, row)))
                    size += sum(_datum_size(v) for v in row)
                    if size > max_size:
                        err = SqlError("XXUUU", "max result size exceeded")
                        break
            except SqlError as e:
                err = e
        res["end"] = _rfc3339(wall())
        res["rows_affected"] = 0
        if cols_out:
            res["columns"] = cols_out
        if rows_out:
            res["rows"] = rows_out
        if err is not None:
            res["error"] = _pgerror(err.code, "executing stmt %d: %s" % (idx, err.message))
        results.append(res)
        if err is not None:
            if not separate:
                top_error = res["error"]
                break
            if top_error is None:
                top_error = _pgerror("XXUUU", "separate transaction payload encountered transaction error(s)")
            if stop_on_error:
                break
    out_obj: Dict[str, Any] = {}
    if top_error is not None:
        out_obj["error"] = top_error
    out_obj["num_statements"] = len(parsed)
    out_obj["execution"] = {"txn_results": results}
    return _answer(200, out_obj)


def _columns(cols: List[Tuple[str, Tuple[str, int]]]) -> List[Dict[str, Any]]:
    """columnsDefinition: duplicate names get ``_1``, ``_2`` suffixes."""
    seen: Dict[str, int] = {}
    out = []
    for name, (typ, oid) in cols:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append({"name": name if count == 0 else "%s_%d" % (name, count), "type": typ, "oid": oid})
    return out


def _json_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if v is None:
        return "null"
    return "object"


# --------------------------------------------------------------------------- cockroach sql --execute

def cli_error(err: SqlError) -> str:
    return "ERROR: %s\nSQLSTATE: %s" % (err.message, err.code)


def run_cli(state, sql: str, node_id: int, user: str = "root") -> Tuple[int, Dict[str, Any]]:
    """``cockroach sql --execute "<sql>"`` on node ``node_id``: each statement in its own implicit transaction,
    stop at the first error.  (status, JSON answer) for the control API."""
    if not state.process_up(node_id):
        return 400, {"error": "ERROR: cannot dial server.\nIs the server running?\nIf the server is running, "
                              "check --host client-side and --advertise server-side.\n\n"
                              "dial tcp %s:%d: connect: connection refused" % (state.host, 26257 + node_id - 1)}
    parts = split_statements(sql or "")
    if not parts:
        return 400, {"error": "ERROR: no statement given"}
    done: List[Dict[str, Any]] = []
    for part in parts:
        stmt = parse(part)
        try:
            if placeholders(part):
                raise SqlError("08P01", "expected 0 arguments, got %d" % placeholders(part))
            out = execute(state, stmt, user, node_id)
        except SqlError as e:
            return 400, {"error": cli_error(e), "code": e.code, "statements": done}
        names = [c["name"] for c in _columns(out.columns)]
        done.append({"tag": out.tag, "columns": names, "rows": out.rows, "output": _cli_text(out, names)})
    return 200, {"statements": done, "output": "\n".join(d["output"] for d in done)}


def _cli_text(out: Result, names: List[str]) -> str:
    if not names:
        return out.tag
    lines = ["\t".join(names)]
    for row in out.rows:
        lines.append("\t".join("NULL" if v is None else ("true" if v is True else "false" if v is False else str(v))
                               for v in row))
    return "\n".join(lines)
