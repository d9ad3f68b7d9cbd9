# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ensure engine: pure diff helpers and the create/update/delete/check-mode flow."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import (
    deep_merge,
    diff_dict,
    ensure,
    values_equal,
)


class Mod:
    def __init__(self, check_mode=False):
        self.check_mode = check_mode


class Recorder:
    """Write callbacks that record their calls."""

    def __init__(self):
        self.calls = []

    def create(self):
        self.calls.append("create")
        return {"name": "a", "size": 1, "created": True}

    def update(self, changes):
        self.calls.append(("update", changes))
        return dict({"name": "a", "size": 1}, **changes)

    def delete(self):
        self.calls.append("delete")
        return {"gone": True}


@pytest.mark.parametrize("current,desired", [
    ("100", 100), (100, "100"), (1.0, 1), ("2.5", 2.5), (None, ""), ("", None), (True, "true"),
    ("false", False), ("x", "x"), ({"a": "1", "b": 2}, {"a": 1}), ([1, "2"], ["1", 2]), (None, {}),
    (None, []), ({}, {}),
])
def test_values_equal_lenient(current, desired):
    assert values_equal(current, desired)


@pytest.mark.parametrize("current,desired", [
    ("100", 101), ("abc", "abd"), (True, False), (1, True), ("yes", 1), ([1, 2], [2, 1]), ([1], [1, 1]),
    ({"a": 1}, {"a": 2}), (None, "x"), (None, 0), ("1", {"a": 1}), (None, [1]),
])
def test_values_differ(current, desired):
    assert not values_equal(current, desired)


def test_diff_dict_only_changed_leaves():
    current = {"name": "c", "labels": {"a": "1", "b": "2"}, "extra": 1,
               "config": {"serverless": {"usage_limits": {"request_unit_limit": "100", "storage_mib_limit": "5"}}}}
    desired = {"name": "c", "labels": {"a": "1"}, "ignored": None,
               "config": {"serverless": {"usage_limits": {"request_unit_limit": 100, "storage_mib_limit": 6}}}}
    assert diff_dict(current, desired) == {"config": {"serverless": {"usage_limits": {"storage_mib_limit": 6}}}}
    # labels are replaced wholesale by the API: compare them exactly
    assert diff_dict(current, desired, exact=("labels",)) == {
        "config": {"serverless": {"usage_limits": {"storage_mib_limit": 6}}}, "labels": {"a": "1"}}
    assert diff_dict(current, {"labels": {"b": "2", "a": 1}}, exact=("labels",)) == {}


def test_diff_dict_missing_current():
    assert diff_dict(None, {"a": 1, "b": None}) == {"a": 1}
    assert diff_dict({"a": None}, {"a": {"x": 1}}) == {"a": {"x": 1}}


def test_diff_dict_does_not_alias_desired():
    desired = {"a": {"b": [1]}}
    out = diff_dict({}, desired)
    out["a"]["b"].append(2)
    assert desired == {"a": {"b": [1]}}


def test_deep_merge():
    base = {"a": {"b": 1, "c": 2}, "d": [1]}
    merged = deep_merge(base, {"a": {"b": 5}, "d": [2], "e": 3})
    assert merged == {"a": {"b": 5, "c": 2}, "d": [2], "e": 3}
    assert base == {"a": {"b": 1, "c": 2}, "d": [1]}
    assert deep_merge(None, {"x": 1}) == {"x": 1}
    assert deep_merge({"labels": {"a": "1"}}, {"labels": {"b": "2"}}, exact=("labels",)) == {"labels": {"b": "2"}}
    assert diff_dict({"labels": 1}, {"labels": {}}, exact=("labels",)) == {"labels": {}}


def _run(check, current, state, changes=None, **kw):
    rec = Recorder()
    result = ensure(Mod(check), current, state, compute_changes=lambda cur: changes,
                    create=rec.create, update=rec.update, delete=rec.delete, result_key="thing", **kw)
    return result, rec.calls


def test_create_and_check_mode_create():
    result, calls = _run(False, None, "present")
    assert calls == ["create"]
    assert result == {"changed": True, "thing": {"name": "a", "size": 1, "created": True},
                      "diff": {"before": {}, "after": {"name": "a", "size": 1, "created": True}}}
    result, calls = _run(True, None, "present", predict=lambda cur, ch: {"name": "a", "predicted": True})
    assert calls == []
    assert result["changed"] is True and result["thing"] == {"name": "a", "predicted": True}


def test_update_only_when_changes():
    current = {"name": "a", "size": 1}
    result, calls = _run(False, current, "present", changes={"size": 3})
    assert calls == [("update", {"size": 3})]
    assert result["changed"] and result["thing"]["size"] == 3
    assert result["diff"] == {"before": {"name": "a", "size": 1}, "after": {"name": "a", "size": 3}}
    result, calls = _run(True, current, "present", changes={"size": 3})
    assert calls == [] and result["thing"] == {"name": "a", "size": 3}  # default predict = deep_merge
    for check in (False, True):
        result, calls = _run(check, current, "present", changes={})
        assert calls == [] and result == {"changed": False, "thing": current,
                                          "diff": {"before": current, "after": current}}


def test_delete_and_absent_noop():
    result, calls = _run(False, {"name": "a"}, "absent")
    assert calls == ["delete"] and result == {"changed": True, "thing": None,
                                              "diff": {"before": {"name": "a"}, "after": {}}}
    result, calls = _run(True, {"name": "a"}, "absent")
    assert calls == [] and result["changed"]
    result, calls = _run(False, None, "absent")
    assert calls == [] and result == {"changed": False, "thing": None, "diff": {"before": {}, "after": {}}}


def test_refusal_happens_before_any_write():
    def refuse(cur):
        raise ValueError("provider cannot change")

    rec = Recorder()
    with pytest.raises(ValueError, match="provider"):
        ensure(Mod(False), {"name": "a"}, "present", compute_changes=refuse, create=rec.create,
               update=rec.update, delete=rec.delete)
    assert rec.calls == []


def test_view_applies_to_result_and_diff():
    result, dummy = _run(False, {"name": "a", "secret": "x"}, "present", changes={"size": 2},
                         view=lambda o: {k: v for k, v in o.items() if k != "secret"})
    assert "secret" not in result["thing"] and "secret" not in result["diff"]["before"]


def test_bad_state():
    with pytest.raises(ValueError, match="state"):
        ensure(Mod(), None, "bogus")


# -- properties ------------------------------------------------------------------------------------
from hypothesis import given, settings  # noqa: E402  pylint: disable=wrong-import-position
from hypothesis import strategies as st  # noqa: E402  pylint: disable=wrong-import-position

_SCALARS = st.one_of(st.integers(-1000, 1000), st.text("abc01", max_size=3), st.booleans())
_KEYS = st.sampled_from(["a", "b", "c", "labels"])
_DOCS = st.recursive(_SCALARS, lambda inner: st.dictionaries(_KEYS, inner, max_size=3), max_leaves=8)
_DICTS = st.dictionaries(_KEYS, _DOCS, max_size=4)


@settings(max_examples=300, deadline=None)
@given(_DICTS, _DICTS)
def test_applying_the_diff_reaches_the_desired_state(current, desired):
    changes = diff_dict(current, desired, exact=("labels",))
    after = deep_merge(current, changes, exact=("labels",))
    assert diff_dict(after, desired, exact=("labels",)) == {}
    # only keys that were asked for are ever changed
    assert set(changes) <= set(k for k, v in desired.items() if v is not None)


@settings(max_examples=300, deadline=None)
@given(_DICTS)
def test_nothing_to_do_against_itself(current):
    assert diff_dict(current, current) == {}
    assert diff_dict(current, current, exact=("labels",)) == {}
    assert values_equal(current, current)
