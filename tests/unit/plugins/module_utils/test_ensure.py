# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ensure engine: pure diff helpers, the create/update/delete/check-mode flow of one object, and the set engine."""

import pytest

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import (
    apply_set_changes,
    deep_merge,
    diff_dict,
    ensure,
    ensure_set,
    has_changes,
    set_changes,
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
    result = ensure(Mod(check), current, state, changes=lambda cur: changes,
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
        ensure(Mod(False), {"name": "a"}, "present", changes=refuse, create=rec.create,
               update=rec.update, delete=rec.delete)
    assert rec.calls == []


def test_view_applies_to_result_and_diff():
    result, dummy = _run(False, {"name": "a", "secret": "x"}, "present", changes={"size": 2},
                         view=lambda o: {k: v for k, v in o.items() if k != "secret"})
    assert "secret" not in result["thing"] and "secret" not in result["diff"]["before"]


def test_bad_state():
    with pytest.raises(ValueError, match="state"):
        ensure(Mod(), None, "bogus")


# -- sets ------------------------------------------------------------------------------------------
class SetRecorder:
    """Write callbacks of ensure_set that record their calls and answer like an API (or None)."""

    def __init__(self, answer=True):
        self.calls = []
        self.answer = answer

    def add(self, key, item):
        self.calls.append(("add", key))
        return dict(item, server="yes") if self.answer else None

    def update(self, key, item, changes):
        self.calls.append(("update", key, changes))
        return dict(item, server="yes") if self.answer else None

    def remove(self, key, item):
        self.calls.append(("remove", key))


CURRENT = {"b": {"size": 2, "tier": "x"}, "a": {"size": 1, "tier": "x"}, "c": {"size": 3, "tier": "y"}}


def _run_set(check, desired, answer=True, **kw):
    rec = SetRecorder(answer)
    result = ensure_set(Mod(check), CURRENT, desired, add=rec.add, update=rec.update, remove=rec.remove,
                        result_key="things", **kw)
    return result, rec.calls


def test_set_changes_add_update_remove():
    desired = {"a": {"size": 1, "tier": None}, "b": {"size": 5}, "d": {"size": 4, "tier": None}}
    assert set_changes(CURRENT, desired) == {"add": {"d": {"size": 4}}, "update": {"b": {"size": 5}}, "remove": {}}
    purged = set_changes(CURRENT, desired, purge=True)
    assert purged["remove"] == {"c": {"size": 3, "tier": "y"}}
    assert set_changes(CURRENT, {"a": {}, "zz": {}}, state="absent") == {
        "add": {}, "update": {}, "remove": {"a": {"size": 1, "tier": "x"}}}
    assert not has_changes(set_changes(CURRENT, {"a": {"size": "1"}}))  # lenient like diff_dict
    with pytest.raises(ValueError, match="state"):
        set_changes(CURRENT, {}, state="gone")


def test_set_changes_custom_compare_and_defaults():
    changes = set_changes({"a": {"n": 1}}, {"a": {"n": 2}, "b": {"n": None}},
                          item_changes=lambda cur, want: {} if want["n"] <= cur["n"] * 2 else {"n": want["n"]},
                          new_item=lambda key, want: {"n": 0, "key": key})
    assert changes == {"add": {"b": {"n": 0, "key": "b"}}, "update": {}, "remove": {}}


def test_apply_set_changes_does_not_touch_current():
    changes = set_changes(CURRENT, {"b": {"size": 5}, "d": {"size": 4}}, purge=True)
    after = apply_set_changes(CURRENT, changes)
    assert after == {"b": {"size": 5, "tier": "x"}, "d": {"size": 4}}
    assert CURRENT["b"] == {"size": 2, "tier": "x"} and "d" not in CURRENT


def test_ensure_set_writes_remove_update_add_and_one_keyed_diff():
    desired = {"d": {"size": 4}, "b": {"size": 5}}
    result, calls = _run_set(False, desired, purge=True)
    assert calls == [("remove", "a"), ("remove", "c"), ("update", "b", {"size": 5}), ("add", "d")]
    assert result["changed"] is True
    assert (result["added"], result["updated"], result["removed"]) == (["d"], ["b"], ["a", "c"])
    assert result["things"] == [{"size": 5, "tier": "x", "server": "yes"}, {"size": 4, "server": "yes"}]
    after = {"b": {"size": 5, "tier": "x", "server": "yes"}, "d": {"size": 4, "server": "yes"}}
    assert result["diff"] == {"before": CURRENT, "after": after}
    assert list(result["diff"]["before"]) == ["a", "b", "c"]  # sorted by key


def test_ensure_set_check_mode_predicts_without_a_write():
    desired = {"d": {"size": 4}, "b": {"size": 5}}
    checked, calls = _run_set(True, desired, purge=True)
    assert calls == []
    applied, dummy = _run_set(False, desired, answer=False, purge=True)
    assert checked == applied  # the prediction is what a write that answers nothing new gives


def test_ensure_set_no_op_and_absent():
    result, calls = _run_set(False, {"a": {"size": 1}})
    assert calls == [] and result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"] == CURRENT
    assert (result["added"], result["updated"], result["removed"]) == ([], [], [])
    result, calls = _run_set(False, {"c": {}, "a": {}}, state="absent")
    assert calls == [("remove", "c"), ("remove", "a")]  # in the order asked for
    assert [t["size"] for t in result["things"]] == [2]


def test_ensure_set_sort_key_and_diff_view():
    result, dummy = _run_set(True, {}, sort_key=lambda k: -ord(k), diff_view=lambda item: item["size"])
    assert result["diff"]["before"] == {"c": 3, "b": 2, "a": 1}
    assert list(result["diff"]["before"]) == ["c", "b", "a"]
    assert [t["size"] for t in result["things"]] == [3, 2, 1]


def test_ensure_set_refusal_happens_before_any_write():
    def refuse(cur, want):
        raise ValueError("size cannot shrink")

    rec = SetRecorder()
    with pytest.raises(ValueError, match="shrink"):
        ensure_set(Mod(False), CURRENT, {"d": {"size": 4}, "a": {"size": 0}}, purge=True, item_changes=refuse,
                   add=rec.add, update=rec.update, remove=rec.remove)
    assert rec.calls == []


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


_ITEMS = st.fixed_dictionaries({"size": st.integers(0, 3), "tier": st.sampled_from(["x", "y"])})
_WANTED = st.fixed_dictionaries({"size": st.one_of(st.none(), st.integers(0, 3)),
                                 "tier": st.one_of(st.none(), st.sampled_from(["x", "y"]))})
_SET_KEYS = st.sampled_from(["a", "b", "c", "d", "e"])


@settings(max_examples=300, deadline=None)
@given(current=st.dictionaries(_SET_KEYS, _ITEMS, max_size=5), desired=st.dictionaries(_SET_KEYS, _WANTED, max_size=5),
       state=st.sampled_from(["present", "absent"]), purge=st.booleans(), check=st.booleans())
def test_set_engine_reaches_the_desired_set(current, desired, state, purge, check):
    """One run brings the set to the desired one: a second comparison finds nothing, check mode writes nothing."""
    rec = SetRecorder(answer=False)
    result = ensure_set(Mod(check), current, desired, state=state, purge=purge, add=rec.add, update=rec.update,
                        remove=rec.remove, result_key="things")
    after = result["diff"]["after"]
    assert not has_changes(set_changes(after, desired, state=state, purge=purge))
    assert result["things"] == [after[key] for key in sorted(after)]
    if state == "present":
        assert set(desired) <= set(after)
        if purge:
            assert set(after) == set(desired)
        else:
            assert set(current) <= set(after)
    else:
        assert not set(desired) & set(after) and set(after) == set(current) - set(desired)
    touched = result["added"] + result["updated"] + result["removed"]
    assert len(touched) == len(set(touched))
    assert result["changed"] == bool(touched)
    assert all(after[key] == current[key] for key in after if key not in touched)  # untouched items unchanged
    assert len(rec.calls) == (0 if check else len(touched))  # one write per touched item, none in check mode
