# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ensure engine shared by every stateful module.

One flow for every resource: *read* (the module passes ``current``, or None when the
resource does not exist) -> *minimal change set* (``compute_changes(current)``) ->
*predicted result* in check mode, or the write -> ``changed``, the object after, and a
before/after ``diff``. Check mode only ever calls ``predict``; a write callback is never
called in check mode.

Pure helpers (no I/O, usable on plain dicts in unit tests):

* :func:`values_equal` - lenient scalar compare (``"100" == 100``, ``None == ""``, ``"true" == True``);
* :func:`diff_dict` - the keys of ``desired`` whose value differs from ``current`` (recursive;
  keys absent from ``desired`` or set to None are "don't care");
* :func:`deep_merge` - ``current`` with ``changes`` applied (the default prediction of an update).

Example (a module's ``run`` function; ``m`` is a ``CloudModule``)::

    def run(m):
        cid = m.client.resolve_cluster(m.params["cluster"])["id"]
        current = find_db(m.client.list_databases(cid), m.params["name"])   # dict or None
        desired = {"name": m.params["name"]}

        def changes(cur):                      # pure: raise ValueError to refuse
            return diff_dict(cur, desired)     # {} -> nothing to do

        return ensure(
            m, current, m.params["state"], result_key="database",
            compute_changes=changes,
            create=lambda: m.client.post("/clusters/%s/databases" % cid, desired),
            update=lambda ch: m.client.patch("/clusters/%s/databases/%s" % (cid, current["name"]), ch),
            delete=lambda: m.client.delete("/clusters/%s/databases/%s" % (cid, current["name"])),
            predict=lambda cur, ch: dict(desired) if cur is None else deep_merge(cur, ch),
        )

    # -> {"changed": bool, "database": <after or None>, "diff": {"before": {...}, "after": {...}}}
"""

import copy

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def _as_number(value):
    """int/float for numbers and numeric strings, else None (booleans are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return None
    return None


def _as_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    return None


def values_equal(current, desired, exact=()):
    """Whether ``current`` (from the API) already satisfies ``desired`` (from the user).

    Lenient where APIs and YAML disagree on types: ``"100"`` equals ``100`` (int64 as string),
    ``None`` equals ``""``, ``"true"`` equals ``True``. Dicts are compared with
    :func:`diff_dict` (extra keys in ``current`` are ignored); lists element by element, in order.
    ``exact`` names dict keys (at any depth) whose value must match as a whole, extra keys included
    (for fields the API replaces wholesale, such as ``labels``).
    """
    if desired is None:
        return current is None or current == "" or current == {} or current == []
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return not desired and current in (None, {})
        return not diff_dict(current, desired, exact=exact)
    if isinstance(desired, (list, tuple)):
        if not isinstance(current, (list, tuple)):
            return not desired and current is None
        if len(current) != len(desired):
            return False
        return all(values_equal(c, d, exact=exact) for c, d in zip(current, desired))
    if isinstance(desired, bool) or isinstance(current, bool):
        a, b = _as_bool(current), _as_bool(desired)
        return a is not None and a == b
    num_c, num_d = _as_number(current), _as_number(desired)
    if num_c is not None and num_d is not None:
        return num_c == num_d
    if current is None:
        return desired == ""
    return str(current) == str(desired)


def _dict_exactly_equal(current, desired):
    if current is None:
        current = {}
    if not isinstance(current, dict) or set(current) != set(desired):
        return False
    return all(values_equal(current[k], desired[k]) for k in desired)


def diff_dict(current, desired, exact=()):
    """The part of ``desired`` that differs from ``current`` (a new dict; empty = nothing to do).

    Keys missing from ``desired`` or whose desired value is None are ignored. Nested dicts recurse,
    so only the differing leaves are returned, except for keys listed in ``exact``, whose desired
    value is returned whole when it differs in any way (keys added or removed included).
    """
    current = current or {}
    out = {}
    for key, want in desired.items():
        if want is None:
            continue
        have = current.get(key)
        if isinstance(want, dict) and key in exact:
            if not _dict_exactly_equal(have, want):
                out[key] = copy.deepcopy(want)
        elif isinstance(want, dict) and isinstance(have, dict):
            sub = diff_dict(have, want, exact=exact)
            if sub:
                out[key] = sub
        elif not values_equal(have, want, exact=exact):
            out[key] = copy.deepcopy(want)
    return out


def deep_merge(base, changes, exact=()):
    """A copy of ``base`` with ``changes`` applied (nested dicts merged, everything else replaced).

    Dicts under a key listed in ``exact`` replace the old value whole, as :func:`diff_dict` with the
    same ``exact`` expects (fields the API replaces wholesale, such as ``labels``).
    """
    out = copy.deepcopy(base) if base else {}
    for key, value in (changes or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in exact:
            out[key] = deep_merge(out[key], value, exact=exact)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _identity(obj):
    return obj


def ensure(module, current, state, compute_changes=None, create=None, update=None, delete=None,
           predict=None, result_key="resource", view=None, present_states=("present",)):
    """Bring one resource to ``state`` and return the module result.

    :param module: anything with a ``check_mode`` attribute (``CloudModule``, ``AnsibleModule``).
    :param current: the resource as read now, or None when it does not exist.
    :param state: ``present`` (or one of ``present_states``) or ``absent``.
    :param compute_changes: ``f(current) -> changes`` for an existing resource; a falsy result
        means "already as desired". Raise ``ValueError`` to refuse (e.g. an immutable field):
        the module base turns it into one clean failure before any write.
    :param create: ``f() -> after`` (never called in check mode).
    :param update: ``f(changes) -> after`` (never called in check mode).
    :param delete: ``f() -> anything`` (never called in check mode).
    :param predict: ``f(current, changes) -> after`` for check mode; ``current`` is None for a
        create. Defaults to ``deep_merge(current, changes)`` (``{}`` for a create).
    :param result_key: the name of the returned object in the result (``cluster``, ``user``...).
    :param view: ``f(obj) -> dict`` applied to before/after for the diff and the result
        (drop noisy or secret fields). Default: unchanged.
    :returns: ``{"changed": bool, result_key: after (None when absent), "diff": {"before", "after"}}``.
    """
    view = view or _identity
    predict = predict or (lambda cur, ch: deep_merge(cur, ch) if cur is not None else {})
    check = bool(getattr(module, "check_mode", False))
    before = view(copy.deepcopy(current)) if current is not None else None
    changed = False

    if state in present_states:
        if current is None:
            changed = True
            after = predict(None, None) if check else create()
        else:
            changes = compute_changes(current) if compute_changes is not None else None
            if changes:
                changed = True
                after = predict(current, changes) if check else update(changes)
            else:
                after = current
    elif state == "absent":
        after = None
        if current is not None:
            changed = True
            if not check:
                delete()
    else:
        raise ValueError("state must be one of %s or absent, got %r" % (", ".join(present_states), state))

    after = view(after) if after is not None else None
    return {
        "changed": changed,
        result_key: after,
        "diff": {"before": before if before is not None else {}, "after": after if after is not None else {}},
    }
