"""``python -m autograder`` and the ``backprop-grader`` command: load the CLI and run it.

The CLI's libraries take a second or so to load; a Ctrl-C meanwhile is answered like one later
on (:func:`autograder.cli.main`), with one line instead of a traceback from inside an import.
"""
import sys


def run() -> int:
    try:
        from autograder.cli import main
    except KeyboardInterrupt:
        print("backprop-grader: interrupted; run it again to resume", file=sys.stderr)
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(run())
