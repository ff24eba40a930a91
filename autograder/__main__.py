"""``python -m autograder`` and the ``backprop-grader`` command: load the CLI and run it.

The CLI's libraries take a second or so to load; a Ctrl-C meanwhile is answered like one later
on (:func:`autograder.cli.main`), with one line instead of a traceback from inside an import.
Once the command has returned, the process ends without the interpreter's teardown of those
libraries' modules (half a second, more on a busy machine), which writes nothing: every exit
handler still runs, then the terminal is flushed and the process exits.
"""
import atexit
import os
import signal
import sys

_code: list[int] = []   # the command's exit code, once it has returned one


def _end_now() -> None:
    if _code:   # not after an uncaught error or argparse's exit: then the usual teardown
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):   # a reader that went away (| head), a closed stream
                pass
        os._exit(_code[0])


def run() -> int:
    # Registered before any library loads, so it runs after every exit handler they register.
    atexit.register(_end_now)
    try:
        from autograder.cli import main
    except KeyboardInterrupt:
        print("backprop-grader: interrupted; run it again to resume", file=sys.stderr)
        return 130
    _code.append(main())
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # done and reported: a late Ctrl-C would only add a traceback
    return _code[0]


if __name__ == "__main__":
    sys.exit(run())
