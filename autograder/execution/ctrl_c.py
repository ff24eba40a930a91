"""A Ctrl-C that is never lost: remembered as well as raised.

Python raises ``KeyboardInterrupt`` wherever the main thread happens to be when SIGINT
arrives. Inside a finalizer or a weakref callback (Dask and nbgrader's libraries run
many while a cluster starts) the interpreter prints "Exception ignored in ..." and goes on:
the grader then graded every submission to its end, the held notebooks as timed out.
:func:`noticed` makes a Ctrl-C also set a flag that the grading loop reads
(:func:`stop_if_pressed`), so the run stops at its next step even when the exception was
swallowed.
"""
from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from typing import Iterator

_PRESSED = threading.Event()


def _on_sigint(signum, frame) -> None:
    _PRESSED.set()
    raise KeyboardInterrupt


@contextmanager
def noticed() -> Iterator[None]:
    """Meanwhile a Ctrl-C raises KeyboardInterrupt and is remembered (main thread only).

    Where Python swallows that KeyboardInterrupt it would also print it ("Exception ignored
    in ...", a traceback on the instructor's terminal): remembered, it is not printed.
    Every other exception Python swallows is reported as before."""
    _PRESSED.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    report = sys.unraisablehook

    def quiet(unraisable) -> None:
        if not (isinstance(unraisable.exc_value, KeyboardInterrupt) and _PRESSED.is_set()):
            report(unraisable)

    old = signal.signal(signal.SIGINT, _on_sigint)
    sys.unraisablehook = quiet
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
        sys.unraisablehook = report


def pressed() -> bool:
    """Whether Ctrl-C was pressed inside the current :func:`noticed` block."""
    return _PRESSED.is_set()


def stop_if_pressed() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed, even if its first raise was swallowed."""
    if _PRESSED.is_set():
        raise KeyboardInterrupt
