# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_allowlist: CIDR parsing and the desired-vs-current plan (pure functions)."""

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_allowlist as mod


def entry(cidr, name="", sql=True, ui=False):
    ip, mask = cidr.split("/")
    return mod.normalize({"cidr_ip": ip, "cidr_mask": int(mask), "name": name, "sql": sql, "ui": ui})


def want(cidr, name=None, sql=None, ui=None):
    ip, mask = mod.parse_cidr(cidr)
    return {"cidr_ip": ip, "cidr_mask": mask, "name": name, "sql": sql, "ui": ui}


def params(**kw):
    base = dict(cluster="c1", wait_timeout=60, cidr=None, name=None, sql=None, ui=None, entries=None,
                purge=False, state="present")
    base.update(kw)
    return base


@pytest.mark.parametrize("text, expected", [
    ("10.0.0.0/8", ("10.0.0.0", 8)),
    ("0.0.0.0/0", ("0.0.0.0", 0)),
    ("203.0.113.7/32", ("203.0.113.7", 32)),
    ("203.0.113.7", ("203.0.113.7", 32)),
    (" 192.168.0.0/16 ", ("192.168.0.0", 16)),
])
def test_parse_cidr_ok(text, expected):
    assert mod.parse_cidr(text) == expected


@pytest.mark.parametrize("text, fragment", [
    ("10.1.0.0/8", "did you mean 10.0.0.0/8"),
    ("10.0.0.0/33", "between 0 and 32"),
    ("10.0.0.0/-1", "bad mask"),
    ("10.0.0.0/x", "bad mask"),
    ("10.0.0.300/8", "not an IPv4 network"),
    ("2001:db8::/32", "not an IPv4 network"),
    ("", "empty"),
    (None, "empty"),
])
def test_parse_cidr_refuses_with_the_option_name(text, fragment):
    with pytest.raises(ValueError) as err:
        mod.parse_cidr(text, "entries[3].cidr")
    assert fragment in str(err.value)
    assert str(err.value).startswith("entries[3].cidr")


def test_nothing_to_do_is_an_empty_plan():
    current = [entry("10.0.0.0/8", "office", True, True)]
    assert mod.plan(current, [want("10.0.0.0/8", "office", True, True)]) == {}
    assert mod.plan(current, [want("10.0.0.0/8")]) == {}  # unset fields are "leave as is"


def test_new_entry_gets_defaults():
    changes = mod.plan([], [want("10.0.0.0/8")])
    assert changes["add"] == [entry("10.0.0.0/8", "", True, False)]
    assert changes["update"] == [] and changes["remove"] == []


def test_flags_update_in_place_keeping_the_name():
    current = [entry("10.0.0.0/8", "office", True, False)]
    changes = mod.plan(current, [want("10.0.0.0/8", ui=True)])
    assert changes == {"add": [], "update": [entry("10.0.0.0/8", "office", True, True)], "remove": []}


def test_names_are_compared_leniently():
    # The API may return "" for an entry created with a name: not a change.
    assert mod.plan([entry("10.0.0.0/8", "")], [want("10.0.0.0/8", "office")]) == {}
    # A real different name is a change; so is clearing a name explicitly.
    assert mod.plan([entry("10.0.0.0/8", "old")], [want("10.0.0.0/8", "new")])["update"][0]["name"] == "new"
    assert mod.plan([entry("10.0.0.0/8", "old")], [want("10.0.0.0/8", "")])["update"][0]["name"] == ""


def test_purge_removes_unlisted_and_absent_removes_listed():
    current = [entry("0.0.0.0/0", "", True, True), entry("10.0.0.0/8", "office")]
    changes = mod.plan(current, [want("10.0.0.0/8")], purge=True)
    assert [e["cidr"] for e in changes["remove"]] == ["0.0.0.0/0"]
    assert mod.plan(current, [], purge=True)["remove"] == current
    assert mod.plan(current, [], purge=False) == {}
    absent = mod.plan(current, [want("10.0.0.0/8", "x", False, False), want("172.16.0.0/12")], state="absent")
    assert absent == {"add": [], "update": [], "remove": [entry("10.0.0.0/8", "office")]}
    assert mod.plan(current, [want("172.16.0.0/12")], state="absent") == {}


def test_apply_plan_predicts_the_sorted_allowlist():
    current = [entry("192.168.0.0/16"), entry("0.0.0.0/0")]
    changes = mod.plan(current, [want("10.0.0.0/8", "office"), want("192.168.0.0/16", ui=True)], purge=True)
    after = mod.apply_plan(current, changes)
    assert [e["cidr"] for e in after] == ["10.0.0.0/8", "192.168.0.0/16"]
    assert after[1]["ui"] is True


def test_desired_entries_single_and_list_and_duplicates():
    assert mod.desired_entries(params(cidr="10.0.0.0/8", name="o", ui=True)) == [want("10.0.0.0/8", "o", None, True)]
    got = mod.desired_entries(params(entries=[{"cidr": "10.0.0.0/8", "name": None, "sql": None, "ui": None}]))
    assert got == [want("10.0.0.0/8")]
    with pytest.raises(ValueError) as err:
        mod.desired_entries(params(entries=[{"cidr": "10.0.0.0/8"}, {"cidr": "10.0.0.0/8"}]))
    assert "entries[1].cidr" in str(err.value) and "twice" in str(err.value)


@pytest.mark.parametrize("kw, fragment", [
    (dict(cidr="10.0.0.0/8", purge=True), "purge needs entries"),
    (dict(entries=[], purge=True, state="absent"), "purge only works with state=present"),
    (dict(cidr="10.0.0.1/8"), "cidr '10.0.0.1/8' is not a network address"),
    (dict(cidr="10.0.0.0/8", wait_timeout=0), "wait_timeout"),
    (dict(cidr="10.0.0.0/8", cluster=" "), "cluster must be"),
])
def test_validate(kw, fragment):
    errors = mod.validate(params(**kw))
    assert any(fragment in e for e in errors), errors


def test_diff_view_is_keyed_by_network():
    assert mod.diff_view([entry("10.0.0.0/8", "o", True, False)]) == {"10.0.0.0/8": {"name": "o", "sql": True, "ui": False}}


networks = st.builds(lambda a, m: str(__import__("ipaddress").IPv4Network("%d.%d.0.0/%d" % (a, a % 7, m), strict=False)),
                     st.integers(1, 60), st.integers(8, 24))
opt_bool = st.one_of(st.none(), st.booleans())
opt_name = st.one_of(st.none(), st.sampled_from(["", "a", "b"]))


@settings(max_examples=200, deadline=None)
@given(current=st.dictionaries(networks, st.tuples(st.sampled_from(["", "a", "b"]), st.booleans(), st.booleans()), max_size=6),
       desired=st.dictionaries(networks, st.tuples(opt_name, opt_bool, opt_bool), max_size=6),
       state=st.sampled_from(["present", "absent"]), purge=st.booleans())
def test_plan_then_replan_is_a_no_op(current, desired, state, purge):
    """Applying the plan reaches the desired state: planning again finds nothing to do."""
    cur = sorted((entry(c, *v) for c, v in current.items()), key=mod._sort_key)
    des = [want(c, *v) for c, v in desired.items()]
    purge = purge and state == "present"
    changes = mod.plan(cur, des, state, purge)
    after = mod.apply_plan(cur, changes) if changes else cur
    assert mod.plan(after, des, state, purge) == {}
    keys = set(e["cidr"] for e in after)
    if state == "present":
        assert set(desired) <= keys
        if purge:
            assert keys == set(desired)
    else:
        assert not (set(desired) & keys)
    # Only what had to change was touched.
    if changes:
        touched = [e["cidr"] for k in ("add", "update", "remove") for e in changes[k]]
        assert len(touched) == len(set(touched))
