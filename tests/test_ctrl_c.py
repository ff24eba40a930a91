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


def _fails_inside_a_callback(_ref) -> None:
    raise ValueError("a finalizer's own bug")


def test_a_ctrl_c_swallowed_by_a_weakref_callback_is_remembered_not_printed(monkeypatch):
    printed = []
    monkeypatch.setattr(sys, "unraisablehook", printed.append)   # what Python would print
    with ctrl_c.noticed():
        thing = _Thing()
        ref = weakref.ref(thing, _ctrl_c_inside_a_callback)
        del thing   # the callback runs now; Python swallows its KeyboardInterrupt and goes on
        assert ref() is None
        assert ctrl_c.pressed()
        assert printed == []   # remembered instead of printed as "Exception ignored in ..."
        with pytest.raises(KeyboardInterrupt):
            ctrl_c.stop_if_pressed()
        other = _Thing()
        kept = weakref.ref(other, _fails_inside_a_callback)
        del other   # any other swallowed exception is reported as before
        assert kept() is None
        assert [type(u.exc_value) for u in printed] == [ValueError]
    assert sys.unraisablehook == printed.append


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
