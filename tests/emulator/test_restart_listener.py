"""A restart plan that a read finishes (status records flushed from a request thread) still reopens the node."""

from __future__ import annotations

from emulator.core import ManualClock
from emulator.inprocess import InProcessEmulator


def test_a_restart_finished_by_a_read_reopens_the_listener():
    """The ticker reopens a node's listener for the nodes ``advance()`` reports. A read between two ticks flushes
    the status records, which finishes a restart plan whose downtime ended; ``advance()`` must still report that
    node once, else its listener stays closed (connection refused for ever while the state says running)."""
    emu = InProcessEmulator(clock=ManualClock(), nodes=3, seed=0)
    lst = emu.server.node_listeners[2]
    emu.restart_node(2, downtime=1)
    emu.advance(1.5)                        # past the drain: the process is down, its listener closed
    assert not lst.up
    emu.clock.advance(1.0)                  # the downtime ends between two ticks ...
    emu.core.cluster.flush_records()        # ... and a read on another node finishes the plan first
    assert emu.core.cluster.process_up(2)
    emu.core.sync()                         # the next tick
    assert lst.up
    assert emu.control("GET", "/_emulator/nodes/2")["listening"] is True
