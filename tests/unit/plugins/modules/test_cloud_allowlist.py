# -*- coding: utf-8 -*-
# Copyright: Contributors to the cockroachdb.cockroachdb collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_allowlist: CIDR parsing and the desired entries, compared by the set engine (pure functions), then the
module against the in-process emulator: purge, lenient names, no-op request counts, check mode without writes."""

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.cockroachdb.cockroachdb.plugins.module_utils.ensure import apply_set_changes, set_changes
from ansible_collections.cockroachdb.cockroachdb.plugins.modules import cloud_allowlist as mod
from ansible_collections.cockroachdb.cockroachdb.tests.unit.plugins.modules.cloud_support import (
    child,
    reads,
    ready_cluster,
    run_cloud,
    writes,
)


def entry(cidr, name="", sql=True, ui=False):
    ip, mask = cidr.split("/")
    return mod.normalize({"cidr_ip": ip, "cidr_mask": int(mask), "name": name, "sql": sql, "ui": ui})


def want(cidr, name=None, sql=None, ui=None):
    ip, mask = mod.parse_cidr(cidr)
    return {"cidr_ip": ip, "cidr_mask": mask, "name": name, "sql": sql, "ui": ui}


def keyed(*entries):
    """Entries keyed by network, as the module hands them to the set engine."""
    return {"%s/%s" % (e["cidr_ip"], e["cidr_mask"]): e for e in entries}


def changes_of(current, desired, state="present", purge=False):
    """The allowlist's changes: the set engine with the module's own comparison and defaults."""
    return set_changes(keyed(*current), keyed(*desired), state=state, purge=purge,
                       item_changes=mod.entry_changes, new_item=mod.new_entry)


NONE = {"add": {}, "update": {}, "remove": {}}


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


def test_nothing_to_do_is_no_change():
    current = [entry("10.0.0.0/8", "office", True, True)]
    assert changes_of(current, [want("10.0.0.0/8", "office", True, True)]) == NONE
    assert changes_of(current, [want("10.0.0.0/8")]) == NONE  # unset fields are "leave as is"


def test_new_entry_gets_defaults():
    changes = changes_of([], [want("10.0.0.0/8")])
    assert changes == {"add": {"10.0.0.0/8": entry("10.0.0.0/8", "", True, False)}, "update": {}, "remove": {}}


def test_flags_update_in_place_keeping_the_name():
    current = [entry("10.0.0.0/8", "office", True, False)]
    changes = changes_of(current, [want("10.0.0.0/8", ui=True)])
    assert changes == {"add": {}, "update": {"10.0.0.0/8": {"ui": True}}, "remove": {}}
    assert apply_set_changes(keyed(*current), changes)["10.0.0.0/8"] == entry("10.0.0.0/8", "office", True, True)


def test_names_are_compared_leniently():
    # The API may return "" for an entry created with a name: not a change.
    assert changes_of([entry("10.0.0.0/8", "")], [want("10.0.0.0/8", "office")]) == NONE
    # A real different name is a change; so is clearing a name explicitly.
    assert changes_of([entry("10.0.0.0/8", "old")], [want("10.0.0.0/8", "new")])["update"] == {"10.0.0.0/8": {"name": "new"}}
    assert changes_of([entry("10.0.0.0/8", "old")], [want("10.0.0.0/8", "")])["update"] == {"10.0.0.0/8": {"name": ""}}


def test_purge_removes_unlisted_and_absent_removes_listed():
    current = [entry("0.0.0.0/0", "", True, True), entry("10.0.0.0/8", "office")]
    assert list(changes_of(current, [want("10.0.0.0/8")], purge=True)["remove"]) == ["0.0.0.0/0"]
    assert list(changes_of(current, [], purge=True)["remove"].values()) == current
    assert changes_of(current, [], purge=False) == NONE
    absent = changes_of(current, [want("10.0.0.0/8", "x", False, False), want("172.16.0.0/12")], state="absent")
    assert absent == {"add": {}, "update": {}, "remove": {"10.0.0.0/8": entry("10.0.0.0/8", "office")}}
    assert changes_of(current, [want("172.16.0.0/12")], state="absent") == NONE


def test_networks_sort_by_address_then_prefix():
    cidrs = ["192.168.0.0/16", "10.0.0.0/8", "9.0.0.0/8", "10.0.0.0/16", "0.0.0.0/0"]
    assert sorted(cidrs, key=mod.cidr_sort_key) == ["0.0.0.0/0", "9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "192.168.0.0/16"]


def test_desired_entries_single_and_list_and_duplicates():
    assert mod.desired_entries(params(cidr="10.0.0.0/8", name="o", ui=True)) == keyed(want("10.0.0.0/8", "o", None, True))
    got = mod.desired_entries(params(entries=[{"cidr": "10.0.0.0/8", "name": None, "sql": None, "ui": None}]))
    assert got == keyed(want("10.0.0.0/8"))
    with pytest.raises(ValueError) as err:
        mod.desired_entries(params(entries=[{"cidr": "10.0.0.0/8"}, {"cidr": "10.0.0.0/8"}]))
    assert "entries[1].cidr" in str(err.value) and "twice" in str(err.value)


@pytest.mark.parametrize("kw, fragment", [
    (dict(entries=[], purge=True, state="absent"), "purge only works with state=present"),
    (dict(cidr="10.0.0.1/8"), "cidr '10.0.0.1/8' is not a network address"),
    (dict(cidr="10.0.0.0/8", wait_timeout=0), "wait_timeout"),
    (dict(cidr="10.0.0.0/8", cluster=" "), "cluster must be"),
])
def test_validate(kw, fragment):
    errors = mod.validate(params(**kw))
    assert any(fragment in e for e in errors), errors


def test_diff_view_is_one_side_of_an_entry():
    assert mod.diff_view(entry("10.0.0.0/8", "o", True, False)) == {"name": "o", "sql": True, "ui": False}


networks = st.builds(lambda a, m: str(__import__("ipaddress").IPv4Network("%d.%d.0.0/%d" % (a, a % 7, m), strict=False)),
                     st.integers(1, 60), st.integers(8, 24))
opt_bool = st.one_of(st.none(), st.booleans())
opt_name = st.one_of(st.none(), st.sampled_from(["", "a", "b"]))


@settings(max_examples=200, deadline=None)
@given(current=st.dictionaries(networks, st.tuples(st.sampled_from(["", "a", "b"]), st.booleans(), st.booleans()), max_size=6),
       desired=st.dictionaries(networks, st.tuples(opt_name, opt_bool, opt_bool), max_size=6),
       state=st.sampled_from(["present", "absent"]), purge=st.booleans())
def test_changes_then_again_is_a_no_op(current, desired, state, purge):
    """Applying the changes reaches the desired allowlist: comparing again finds nothing to do."""
    cur = [entry(c, *v) for c, v in current.items()]
    des = [want(c, *v) for c, v in desired.items()]
    purge = purge and state == "present"
    changes = changes_of(cur, des, state, purge)
    after = apply_set_changes(keyed(*cur), changes)
    assert all(e == mod.normalize(e) for e in after.values())
    assert changes_of(list(after.values()), des, state, purge) == NONE
    keys = set(after)
    if state == "present":
        assert set(desired) <= keys
        if purge:
            assert keys == set(desired)
    else:
        assert not (set(desired) & keys)
    # Only what had to change was touched.
    touched = [k for part in changes.values() for k in part]
    assert len(touched) == len(set(touched))


# -- the module against the emulator ---------------------------------------------------------------
def allowlist(emulated, cid):
    return {"%s/%s" % (e["cidr_ip"], e["cidr_mask"]): e for e in child(emulated, cid)["allowlist"]}


def test_purge_ladder_and_one_diff_keyed_by_network(emulated):
    cid = ready_cluster(emulated)["id"]
    args = dict(cluster="shop-dev", entries=[{"cidr": "10.0.0.0/8", "name": "office", "ui": True}], purge=True)
    res = run_cloud(emulated, mod, check=True, **args)
    assert res["changed"] and res["added"] == ["10.0.0.0/8"] and res["removed"] == ["0.0.0.0/0"] and writes(emulated) == []
    assert res["diff"] == {"before": {"0.0.0.0/0": {"name": "", "sql": True, "ui": True}},
                           "after": {"10.0.0.0/8": {"name": "office", "sql": True, "ui": True}}}
    checked = res["allowlist"]
    res = run_cloud(emulated, mod, **args)
    assert writes(emulated) == [("DELETE", "/api/v1/clusters/%s/networking/allowlist/0.0.0.0/0" % cid),
                                ("POST", "/api/v1/clusters/%s/networking/allowlist" % cid)]
    assert res["allowlist"] == checked == [
        {"cidr": "10.0.0.0/8", "cidr_ip": "10.0.0.0", "cidr_mask": 8, "name": "office", "sql": True, "ui": True}]
    assert list(allowlist(emulated, cid)) == ["10.0.0.0/8"]
    for check in (True, False):
        emulated.clear_requests()
        res = run_cloud(emulated, mod, check=check, **args)
        assert not res["changed"] and writes(emulated) == []
        assert reads(emulated) == ["/api/v1/clusters", "/api/v1/clusters/%s/networking/allowlist" % cid]
    res = run_cloud(emulated, mod, cluster="shop-dev", cidr="10.0.0.0/8", sql=False)
    assert res["updated"] == ["10.0.0.0/8"] and allowlist(emulated, cid)["10.0.0.0/8"]["sql"] is False
    assert allowlist(emulated, cid)["10.0.0.0/8"]["name"] == "office"  # left as it is
    res = run_cloud(emulated, mod, cluster="shop-dev", cidr="10.0.0.0/8", state="absent")
    assert res["removed"] == ["10.0.0.0/8"] and allowlist(emulated, cid) == {}


def test_an_empty_name_read_back_is_not_renamed_again(emulated):
    """The API may drop the name of a new entry (seen on BASIC clusters): not a change on the next run."""
    cid = ready_cluster(emulated)["id"]
    emulated.cloud("POST", "/api/v1/clusters/%s/networking/allowlist" % cid,
                   {"cidr_ip": "10.0.0.0", "cidr_mask": 8, "name": "", "sql": True, "ui": False})
    emulated.clear_requests()
    res = run_cloud(emulated, mod, cluster="shop-dev", cidr="10.0.0.0/8", name="office")
    assert not res["changed"] and writes(emulated) == []


def test_lost_add_answer_makes_no_second_entry(emulated):
    cid = ready_cluster(emulated)["id"]
    emulated.fault_rules({"kind": "reset_after", "method": "POST", "path": "/api/v1/clusters/%s/networking/allowlist" % cid})
    res = run_cloud(emulated, mod, cluster="shop-dev", cidr="10.0.0.0/8", name="office")
    assert res["changed"] and res["added"] == ["10.0.0.0/8"] and [m for m, p in writes(emulated)] == ["POST"]
    assert allowlist(emulated, cid)["10.0.0.0/8"]["name"] == "office"


def test_every_write_waits_out_a_lock(emulated):
    cid = ready_cluster(emulated)["id"]
    emulated.lock_cluster(cid, seconds=20)
    res = run_cloud(emulated, mod, cluster="shop-dev", entries=[{"cidr": "10.0.0.0/8"}], purge=True)
    assert res["changed"] and list(allowlist(emulated, cid)) == ["10.0.0.0/8"]
    assert [e["status"] for e in emulated.requests(api="cloud") if e["method"] != "GET"] == [200, 200]


@pytest.mark.parametrize("args, fragment", [
    (dict(cidr="10.0.0.0/8", purge=True), "purge is True but all of the following are missing: entries"),
    (dict(cidr="10.0.0.0/8", entries=[]), "parameters are mutually exclusive: cidr|entries"),
    (dict(entries=[{"cidr": "10.0.0.0/8"}, {"cidr": "10.0.0.0/8"}]), "entries[1].cidr"),
    (dict(cidr="10.1.0.0/8"), "did you mean 10.0.0.0/8"),
])
def test_bad_input_fails_before_any_request(emulated, args, fragment):
    res = run_cloud(emulated, mod, cluster="shop-dev", **args)
    assert res.failed and fragment in res["msg"] and emulated.requests() == []
