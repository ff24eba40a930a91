"""A Ctrl-C whose KeyboardInterrupt Python swallows (in a weakref callback) still stops the grader."""
from __future__ import annotations

import os
import signal
import sys
import weakref

import pytest

from autograder.execution import ctrl_c


class _Thing:
    pass


def _ctrl_c_inside_a_callback(_ref) -> None:
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(100_000):   # the handler runs between these bytecodes, inside the callback
        pass


def test_a_ctrl_c_swallowed_by_a_weakref_callback_is_remembered(monkeypatch):
    swallowed = []
    monkeypatch.setattr(sys, "unraisablehook", swallowed.append)   # where Python sends it
    with ctrl_c.noticed():
        thing = _Thing()
        ref = weakref.ref(thing, _ctrl_c_inside_a_callback)
        del thing   # the callback runs now; Python prints its KeyboardInterrupt and goes on
        assert ref() is None
        assert [type(u.exc_value) for u in swallowed] == [KeyboardInterrupt]
        assert ctrl_c.pressed()
        with pytest.raises(KeyboardInterrupt):
            ctrl_c.stop_if_pressed()


def test_each_block_starts_unpressed_and_restores_the_handler():
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        with ctrl_c.noticed():
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(100_000):
                pass
    assert signal.getsignal(signal.SIGINT) is before
    with ctrl_c.noticed():
        assert not ctrl_c.pressed()
        ctrl_c.stop_if_pressed()
