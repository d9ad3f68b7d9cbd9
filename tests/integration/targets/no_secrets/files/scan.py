# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Count known secrets in captured output, per secret and per module; never print a secret.

Usage: scan.py SPEC.json. SPEC holds ``secrets`` ({name: value}) and ``sources``: a list of
``{"label", "path", "kind"}`` where kind is ``playbook`` (default-callback output: counted per
task, the module being the task name after ``Case `` up to `` | ``, or the role name), ``results`` (a JSON object
of registered results keyed ``r_<module>__<case>``) or ``plain`` (counted under its label);
``may_be_empty`` marks a source (such as stderr) that may legitimately be empty.
Each secret is looked for as written, URL-encoded (``%XX`` and ``+`` forms), JSON- and repr-escaped,
and each of those JSON-escaped once more; in results, in every decoded string and in the JSON text.
Prints a table of counts (a row per module, a column per secret) and a total per secret; exits 1 when
any count is non-zero, 2 when a source is missing or empty (nothing was scanned).
"""

from __future__ import absolute_import, division, print_function

import json
import re
import sys

try:
    from urllib.parse import quote, quote_plus
except ImportError:  # pragma: no cover
    from urllib import quote, quote_plus  # type: ignore

__metaclass__ = type

TASK_RE = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(.*)\]", re.M)


def escaped(value):
    """``value`` inside a JSON string and inside a Python repr (either quote)."""
    return [json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1],
            repr(value + "'")[1:-2], repr(value + '"')[1:-2]]


def forms(value):
    """The ways a secret can be written in output: raw, URL-encoded, JSON- or repr-escaped, and each
    of those once more JSON-escaped (a message printed inside a JSON result)."""
    found = [value, quote(value, safe=""), quote(value), quote_plus(value)] + escaped(value)
    found += [twice for once in list(found) for twice in escaped(once)]
    out = []
    for item in found:
        if item and item not in out:
            out.append(item)
    return out


def strings(obj):
    """Every key and string value of a decoded JSON structure."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from strings(value)
    elif obj is not None:
        yield str(obj)


def module_of(task_name):
    name = task_name.strip()
    if " : " in name:  # a role's task: "<ns>.<coll>.<role> : <name>"
        head = name.split(" : ", 1)[0]
        return head.rsplit(".", 1)[-1]
    if name.startswith("Case "):  # "Case <module> | <what>"
        name = name[len("Case "):]
    return name.split(" | ", 1)[0].strip() or "(unnamed)"


def sections(kind, label, text):
    """(module, text) pieces of one source."""
    if kind == "playbook":
        marks = list(TASK_RE.finditer(text))
        yield "%s:(no task)" % label, text[:marks[0].start()] if marks else text
        for index, mark in enumerate(marks):
            end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
            yield module_of(mark.group(1)), text[mark.start():end]
    elif kind == "results":
        for key, value in sorted(json.loads(text).items()):
            module = key[2:].split("__", 1)[0] if key.startswith("r_") else key
            yield module, "\n".join(strings(value)) + "\n" + json.dumps(value)
    else:
        yield label, text


def scan(spec):
    secrets = dict((name, forms(value)) for name, value in spec["secrets"].items() if value)
    counts = {}
    modules = set()
    sizes = {}
    for source in spec["sources"]:
        with open(source["path"], "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
        if text or not source.get("may_be_empty"):
            sizes[source["label"]] = len(text)
        for module, piece in sections(source.get("kind", "plain"), source["label"], text):
            modules.add(module)
            for name, variants in secrets.items():
                hits = sum(piece.count(variant) for variant in variants)
                if hits:
                    key = (name, module)
                    counts[key] = counts.get(key, 0) + hits
    return secrets, counts, modules, sizes


def main(argv):
    with open(argv[1]) as handle:
        spec = json.load(handle)
    secrets, counts, modules, sizes = scan(spec)
    for label, size in sorted(sizes.items()):
        print("scanned %-12s %8d chars" % (label, size))
    print("modules seen: %d (%s)" % (len(modules), ", ".join(sorted(modules))))
    names = sorted(secrets)
    print("%-30s %s" % ("counts per module", " ".join("%14s" % name for name in names)))
    for module in sorted(modules):
        print("%-30s %s" % (module, " ".join("%14d" % counts.get((name, module), 0) for name in names)))
    for name in names:
        total = sum(count for (secret, _module), count in counts.items() if secret == name)
        print("secret %-14s total %d" % (name, total))
    if any(size == 0 for size in sizes.values()):
        print("a source was empty: nothing to scan there")
        return 2
    return 1 if counts else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
