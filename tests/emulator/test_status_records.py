"""Status records (``--status-interval``): /api/v2/nodes/ serves each node's last stored record, as a real node does.

In-process emulator with the manual clock (no sleeps), plus one socket emulator check that both agree.
"""

from __future__ import annotations

import pytest

from conftest import NodeClient
from emulator.core import ManualClock
from emulator.inprocess import ControlError, InProcessEmulator

S = 1_000_000_000


def make(**flags):
    flags.setdefault("nodes", 3)
    flags.setdefault("seed", 0)
    emu = InProcessEmulator(clock=ManualClock(), **flags)
    session = emu.session()
    token = emu.login(1)
    session.headers["X-Cockroach-API-Session"] = token

    def nodes():
        r = session.get(emu.node_url(1) + "/api/v2/nodes/")
        assert r.status_code == 200, r.text
        return {n["node_id"]: n for n in r.json()["nodes"]}
    return emu, nodes


def under(node):
    return sum(m["ranges.underreplicated"] for m in node["store_metrics"].values())


def test_default_interval_is_the_real_one():
    emu, _nodes = make()
    assert emu.control("GET", "/_emulator/status")["interval"] == 10.0


def test_each_node_writes_on_its_own_phase_every_interval():
    emu, nodes = make()
    first = {nid: n["updated_at"] for nid, n in nodes().items()}
    assert len(set(first.values())) == 3                      # one phase per node
    now_ns = int(emu.clock.time() * S)
    assert all(0 <= now_ns - u < 10 * S for u in first.values())  # each written within the last interval
    seq = emu.control("GET", "/_emulator/status")["last_seq"]
    emu.advance(20)
    writes = emu.control("GET", "/_emulator/status?since=%d" % seq)["writes"]
    for nid in (1, 2, 3):
        times = [w["updated_at"] for w in writes if w["node_id"] == nid]
        assert len(times) == 2 and all(b - a == 10 * S for a, b in zip(times, times[1:]))
        assert (times[0] - first[nid]) == 10 * S
        assert nodes()[nid]["updated_at"] == times[-1]


def test_a_record_lags_and_a_stopped_node_keeps_its_last_one():
    emu, nodes = make()
    before = nodes()
    emu.stop_node(2)
    after = nodes()
    # liveness is read at request time, the records are not: nobody has written since node 2 stopped
    assert sum(under(n) for n in after.values()) == 0
    assert {nid: n["updated_at"] for nid, n in after.items()} == {nid: n["updated_at"] for nid, n in before.items()}
    emu.advance(10)
    later = nodes()
    assert sum(under(later[n]) for n in (1, 3)) > 0           # nodes 1 and 3 wrote with node 2 down
    assert later[2]["updated_at"] == before[2]["updated_at"]  # node 2 wrote nothing: stale record
    assert later[2]["liveness_status"] == 2                   # but its liveness is live
    assert emu.node(2)["record_updated_at"] == before[2]["updated_at"]
    assert emu.node(2)["record_age"] >= 10


def test_metrics_are_as_of_the_due_time():
    """Node 2 is down for 4 s and back 1 s before node 1's next write: node 1's record is written while node 2 is
    still catching up (catchup 3 s) and says so, even though nobody read anything until long after."""
    emu, nodes = make(catchup_seconds=3.0)
    rec = nodes()
    now_ns = int(emu.clock.time() * S)
    due1 = rec[1]["updated_at"] + 10 * S                     # node 1's next write (wall ns), at least 5 s away
    if due1 - now_ns < 5 * S:
        due1 += 10 * S
    emu.advance((due1 - now_ns) / S - 5)                      # 5 s before node 1 writes
    emu.stop_node(2)
    emu.advance(4)
    emu.start_node(2)                                          # back 1 s before node 1's write
    start2 = nodes()[2]
    assert start2["updated_at"] == start2["started_at"]      # a node writes as its process starts
    emu.advance(60)  # reads only now: node 1's record (due at due1 + 50 s) is clean, but the log says when
    writes = emu.control("GET", "/_emulator/status?node_id=1")["writes"]
    assert due1 in [w["updated_at"] for w in writes]
    assert under(nodes()[1]) == 0


def test_records_written_at_the_due_time_see_the_state_then():
    emu, nodes = make(catchup_seconds=3.0)
    rec = nodes()
    now_ns = int(emu.clock.time() * S)
    due1 = rec[1]["updated_at"] + 10 * S
    if due1 - now_ns < 5 * S:
        due1 += 10 * S
    emu.advance((due1 - now_ns) / S - 5)
    emu.stop_node(2)
    emu.advance(4)
    emu.start_node(2)
    emu.advance(1.5)  # node 1 wrote 0.5 s ago, with node 2 catching up
    rec = nodes()
    assert rec[1]["updated_at"] == due1
    assert under(rec[1]) > 0        # written while node 2 was catching up
    emu.advance(10)
    assert under(nodes()[1]) == 0   # the next write, after the catch-up


def test_restart_plan_record_carries_the_new_build_and_start():
    emu, nodes = make()
    emu.restart_node(2, downtime=2, build_tag="v25.4.2")
    emu.advance(30)
    n2 = nodes()[2]
    assert n2["build_tag"] == "v25.4.2"
    writes = [w["updated_at"] for w in emu.control("GET", "/_emulator/status?node_id=2")["writes"]]
    assert n2["started_at"] in writes                          # the write as the process started
    assert [b - a for a, b in zip(writes, writes[1:]) if a >= n2["started_at"]] == [10 * S] * 2


def test_interval_can_change_at_run_time_and_bad_values_are_refused():
    emu, nodes = make()
    emu.control("PATCH", "/_emulator/status", {"interval": 2})
    before = nodes()
    emu.advance(2)
    now_ns = int(emu.clock.time() * S)
    after = nodes()
    assert all(before[n]["updated_at"] < after[n]["updated_at"] and now_ns - after[n]["updated_at"] <= 2 * S
               for n in (1, 2, 3))
    emu.advance(2)
    assert all(nodes()[n]["updated_at"] == after[n]["updated_at"] + 2 * S for n in (1, 2, 3))
    for bad in ({"interval": -1}, {"interval": "x"}, {}, {"interval": 1, "other": 2}):
        with pytest.raises(ControlError):
            emu.control("PATCH", "/_emulator/status", bad)


def test_interval_zero_is_per_request():
    emu, nodes = make(status_interval=0)
    emu.stop_node(2)
    rec = nodes()
    assert rec[1]["updated_at"] == int(emu.clock.time() * S)
    assert sum(under(n) for n in rec.values()) > 0


def test_reset_rewrites_the_records():
    emu, _nodes = make()
    emu.stop_node(3)
    emu.advance(15)
    emu.reset()
    session = emu.session()
    session.headers["X-Cockroach-API-Session"] = emu.login(1)
    rec = {n["node_id"]: n for n in session.get(emu.node_url(1) + "/api/v2/nodes/").json()["nodes"]}
    now_ns = int(emu.clock.time() * S)
    assert all(0 <= now_ns - n["updated_at"] < 10 * S for n in rec.values())
    assert sum(under(n) for n in rec.values()) == 0


def test_socket_emulator_serves_records_too(emulator_factory):
    e = emulator_factory(nodes=3, status_interval=5)
    c = NodeClient(e, 1, e.login(1))
    first = {n["node_id"]: n["updated_at"] for n in c.json("/api/v2/nodes/")["nodes"]}
    e.control("POST", "/_emulator/nodes/2/stop")
    assert sum(under(n) for n in c.json("/api/v2/nodes/")["nodes"]) == 0
    assert {n["node_id"]: n["updated_at"] for n in c.json("/api/v2/nodes/")["nodes"]} == first
    e.control("POST", "/_emulator/clock", {"advance": 5})
    nodes = {n["node_id"]: n for n in c.json("/api/v2/nodes/")["nodes"]}
    assert nodes[2]["updated_at"] == first[2]
    assert under(nodes[1]) + under(nodes[3]) > 0
    assert e.control("GET", "/_emulator/nodes/2")["record_updated_at"] == first[2]


def test_from_per_request_to_records_with_a_node_down():
    emu, nodes = make(status_interval=0)
    emu.stop_node(3)
    emu.advance(3)
    emu.control("PATCH", "/_emulator/status", {"interval": 10})
    rec = nodes()
    assert rec[3]["updated_at"] < rec[1]["updated_at"] == rec[2]["updated_at"] == int(emu.clock.time() * S)
    emu.advance(10)
    assert nodes()[3]["updated_at"] == rec[3]["updated_at"] and nodes()[1]["updated_at"] > rec[1]["updated_at"]


def test_a_restart_finished_by_a_read_still_opens_the_listener():
    """A read flushes the records and so finishes a due restart plan; the next sync must still open the node's
    listener (the ticker's advance() reports the node)."""
    emu, _nodes = make()
    emu.restart_node(2, downtime=1)
    emu.clock.advance(1.5)  # down (0.5 s unready + 0.5 s draining, then 1 s down)
    emu.sync()              # the ticker closes its listener
    emu.clock.advance(3)    # the clock only: no control call, no sync; node 2's process is back
    # a read served between two ticks of the socket emulator's ticker (in-process every request syncs first)
    emu.core.cluster.nodes_snapshot([1, 2, 3])
    emu.sync()
    r = emu.session().get(emu.node_url(2) + "/api/v2/health/?ready=true")
    assert r.status_code == 200
