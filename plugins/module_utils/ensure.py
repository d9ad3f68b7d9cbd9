"""The ensure engine shared by every stateful module: one object, or a keyed set of items.

One flow for one resource (:func:`ensure`): *read* (the module passes ``current``, or None when
the resource does not exist) -> *changes* (``changes(current)``: the minimal change set; the
decision functions are named ``<resource>_changes``) -> *predicted result* in check mode, or the
write -> ``changed``, the object after, and a before/after ``diff``. Check mode only ever
predicts; a write callback is never called in check mode.

The same flow for a set of items keyed by an identity (:func:`ensure_set`: allowlist entries,
grants, labels): :func:`set_changes` compares the current items with the desired ones and says
what to add, update and remove (with ``purge``, the items that are not desired are removed
too), :func:`apply_set_changes` predicts the set after them, and one diff shows both sides
keyed by item.

Pure helpers (no I/O, usable on plain dicts in unit tests):

* :func:`values_equal` - lenient scalar compare (``"100" == 100``, ``None == ""``, ``"true" == True``);
* :func:`diff_dict` - the keys of ``desired`` whose value differs from ``current`` (recursive;
  keys absent from ``desired`` or set to None are "don't care");
* :func:`deep_merge` - ``current`` with ``changes`` applied (the default prediction of an update);
* :func:`set_changes` / :func:`apply_set_changes` - the changes of a keyed set, and the set after them.

Example (a module's ``run`` function; ``m`` is a ``CloudModule``)::

    def run(m):
        target = ClusterTarget(m.client, m.params["cluster"], m.params["wait_timeout"])
        current = database_named(m.client.list_databases(target.id), m.params["name"])  # dict or None
        desired = {"name": m.params["name"]}

        def database_changes(cur):             # pure: raise ValueError to refuse
            return diff_dict(cur, desired)     # {} -> nothing to do

        return ensure(
            m, current, m.params["state"], result_key="database",
            changes=database_changes,
            create=lambda: m.client.create_database(target.id, desired["name"]),
            update=lambda ch: m.client.rename_database(target.id, current["name"], ch["name"]),
            delete=lambda: m.client.delete_database(target.id, current["name"]),
            predict=lambda cur, ch: dict(desired) if cur is None else deep_merge(cur, ch),
        )

    # -> {"changed": bool, "database": <after or None>, "diff": {"before": {...}, "after": {...}}}

A set (``current`` and ``desired`` are ``{key: item}``; unset desired fields are None)::

    result = ensure_set(
        m, current, desired, state=m.params["state"], purge=m.params["purge"], result_key="allowlist",
        add=lambda key, item: m.client.add_allowlist_entry(cid, item),
        update=lambda key, item, changes: m.client.update_allowlist_entry(cid, ..., item),
        remove=lambda key, item: m.client.delete_allowlist_entry(cid, ...),
    )
    # -> {"changed", "allowlist": [items after], "added": [keys], "updated": [keys], "removed": [keys],
    #     "diff": {"before": {key: item}, "after": {key: item}}}
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


def ensure(module, current, state, changes=None, create=None, update=None, delete=None,
           predict=None, result_key="resource", view=None, present_states=("present",)):
    """Bring one resource to ``state`` and return the module result.

    :param module: anything with a ``check_mode`` attribute (``CloudModule``, ``AnsibleModule``).
    :param current: the resource as read now, or None when it does not exist.
    :param state: ``present`` (or one of ``present_states``) or ``absent``.
    :param changes: ``f(current) -> changes`` for an existing resource; a falsy result
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
            wanted = changes(current) if changes is not None else None
            if wanted:
                changed = True
                after = predict(current, wanted) if check else update(wanted)
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


# -- sets ----------------------------------------------------------------------------------------------
def _without_none(key, desired):  # pylint: disable=unused-argument
    return {k: copy.deepcopy(v) for k, v in (desired or {}).items() if v is not None}


def set_changes(current, desired, state="present", purge=False, item_changes=None, new_item=None):
    """What to add, update and remove to bring the keyed set ``current`` to ``desired`` (pure).

    :param current: ``{key: item}`` as read now.
    :param desired: ``{key: desired item}``; fields set to None are "leave as is". With
        ``state=absent`` only the keys matter: those present are removed.
    :param purge: with ``state=present``, also remove the current items whose key is not desired.
    :param item_changes: ``f(current_item, desired_item) -> changes`` (falsy = already as desired);
        default :func:`diff_dict`.
    :param new_item: ``f(key, desired_item) -> item`` to add (fill in defaults); default: the desired
        item without its None fields.
    :returns: ``{"add": {key: item}, "update": {key: changes}, "remove": {key: current item}}``; all
        three empty means nothing to do. Adds and updates keep the order of ``desired``; removals
        the order of ``desired`` (absent) or of ``current`` (purge).
    """
    item_changes = item_changes or diff_dict
    new_item = new_item or _without_none
    add, update, remove = {}, {}, {}
    if state == "absent":
        remove = {key: current[key] for key in desired if key in current}
    elif state == "present":
        for key, want in desired.items():
            if key not in current:
                add[key] = new_item(key, want)
                continue
            changes = item_changes(current[key], want)
            if changes:
                update[key] = changes
        if purge:
            remove = {key: item for key, item in current.items() if key not in desired}
    else:
        raise ValueError("state must be present or absent, got %r" % (state,))
    return {"add": add, "update": update, "remove": remove}


def has_changes(changes):
    """Whether a :func:`set_changes` result asks for any write."""
    return bool(changes["add"] or changes["update"] or changes["remove"])


def apply_set_changes(current, changes, merge=deep_merge):
    """The set ``{key: item}`` after ``changes`` (the prediction of :func:`ensure_set`)."""
    after = {key: copy.deepcopy(item) for key, item in current.items() if key not in changes["remove"]}
    for key, item_changes in changes["update"].items():
        after[key] = merge(current[key], item_changes)
    for key, item in changes["add"].items():
        after[key] = copy.deepcopy(item)
    return after


def ensure_set(module, current, desired, state="present", purge=False, item_changes=None, new_item=None,
               add=None, update=None, remove=None, merge=deep_merge, result_key="items", diff_view=None,
               sort_key=None):
    """Bring a keyed set of items to ``desired`` and return the module result.

    :param module: anything with a ``check_mode`` attribute.
    :param current: ``{key: item}`` as read now.
    :param desired, state, purge, item_changes, new_item: as :func:`set_changes`.
    :param add: ``f(key, item) -> item after`` (None: as predicted); never called in check mode.
    :param update: ``f(key, item, changes) -> item after`` where ``item`` is the whole item as it
        should be (``merge(current item, changes)``); None: as predicted. Never called in check mode.
    :param remove: ``f(key, item)``; never called in check mode.
    :param merge: ``f(current item, changes) -> item`` (default :func:`deep_merge`).
    :param result_key: the name of the list of items after the run in the result.
    :param diff_view: ``f(item) -> dict`` for each side of the diff (default: the item).
    :param sort_key: ``f(key)`` ordering the result list, the diff and the writes to remove by purge
        (default: the keys themselves).
    :returns: ``{"changed", result_key: [items after, sorted], "added": [keys], "updated": [keys],
        "removed": [keys], "diff": {"before": {key: view}, "after": {key: view}}}``. Removals are
        written first, then updates, then additions (an address freed by one can be taken by another).
    """
    diff_view = diff_view or _identity
    ordered = sorted(current, key=sort_key)
    current = {key: current[key] for key in ordered}
    changes = set_changes(current, desired, state=state, purge=purge, item_changes=item_changes, new_item=new_item)
    predicted = apply_set_changes(current, changes, merge=merge)
    if getattr(module, "check_mode", False) or not has_changes(changes):
        after = predicted
    else:
        after = {key: copy.deepcopy(item) for key, item in current.items()}
        for key, item in changes["remove"].items():
            remove(key, item)
            after.pop(key, None)
        for key in changes["update"]:
            got = update(key, predicted[key], changes["update"][key])
            after[key] = predicted[key] if got is None else got
        for key, item in changes["add"].items():
            got = add(key, item)
            after[key] = item if got is None else got
    keys = sorted(after, key=sort_key)
    return {
        "changed": has_changes(changes),
        result_key: [after[key] for key in keys],
        "added": list(changes["add"]),
        "updated": list(changes["update"]),
        "removed": list(changes["remove"]),
        "diff": {"before": {key: diff_view(item) for key, item in current.items()},
                 "after": {key: diff_view(after[key]) for key in keys}},
    }
