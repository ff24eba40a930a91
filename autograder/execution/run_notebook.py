"""Run one notebook inside the sandbox: ``python -m autograder.execution.run_notebook IN OUT``.

This is the only code that runs next to student code, and it is *not trusted*
for that reason: the student's cells run in this very process and could change
it or OUT. The trusted side (:mod:`autograder.execution.sandbox`) therefore takes
nothing from OUT except cell outputs, matched cell by cell onto its own copy of
the notebook, and the verdicts are recomputed outside anyway.

What it does: execute the code cells in order in one IPython shell
(:class:`autograder.execution.shell.CellKernel`: the kernel is this process, the
sandbox's first), a per-cell timeout (a ``KeyboardInterrupt`` and a
``CellTimeoutError`` output), errors recorded as outputs instead of stopping the
run, and OUT rewritten atomically after every cell so that a notebook killed
from outside still shows which cells ran. A cell that ends the process
(``os._exit``, a crash) ends the run: it and the cells after it stay without an
execution count, which the trusted side reads as "the kernel died".

Start-up cost matters (it is paid once per notebook), so notebooks are read and
written as plain JSON: no nbformat, no jsonschema, no Jupyter messaging. With
``--exit-fast`` (used inside the sandbox) the process ends right after writing
OUT, skipping the interpreter's teardown: the sandbox's PID namespace ends
whatever the cells started.

Exit status: 0 all cells ran, 4 a cell ignored its timeout and the run was
given up, 2 bad arguments or input.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys

#: Exit status for unusable arguments or an unreadable input notebook.
EXIT_BAD_INPUT = 2
#: Exit status when a cell kept running after its timeout's interrupt and the rest was not run.
EXIT_GAVE_UP = 4


def write_atomically(nb: dict, path: str) -> None:
    """Write ``nb`` to ``path`` via a temporary file and rename, so readers never see half a file."""
    tmp = f"{path}.partial"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(nb, fh)  # no validation here: the trusted side validates what it reads back
    os.replace(tmp, path)


def read_plain(path: str) -> dict:
    """The notebook at ``path`` as nbformat 4 JSON, sources joined into strings (ValueError if not v4)."""
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError("not an nbformat 4 notebook")
    for cell in nb["cells"]:
        if not isinstance(cell, dict):
            raise ValueError("a cell is not a JSON object")
        if isinstance(cell.get("source"), list):   # saved as a list of lines
            cell["source"] = "".join(cell["source"])
    return nb


def run(in_path: str, out_path: str, cell_timeout: int, exit_fast: bool = False) -> int:
    """Execute the notebook at ``in_path`` cell by cell, writing progress to ``out_path``.

    exit_fast: end the process (``os._exit``) once OUT is written, leaving whatever the cells
    started to the sandbox's PID namespace.
    """
    # A grading worker blocks SIGINT (the terminal's Ctrl-C is the coordinator's) and exec passes
    # the mask on: student code gets a kernel's usual signals.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    nb = read_plain(in_path)
    code = [cell for cell in nb["cells"] if cell.get("cell_type") == "code"]
    for cell in code:
        cell["outputs"], cell["execution_count"] = [], None
    write_atomically(nb, out_path)

    def give_up(outputs: list[dict]) -> None:
        # Called from the timeout's signal handler while the deaf cell (the loop's `cell`) still runs.
        cell["outputs"] = outputs
        write_atomically(nb, out_path)
        os._exit(EXIT_GAVE_UP)

    from autograder.execution.shell import CellKernel   # after reading: bad input fails fast

    kernel = CellKernel(cell_timeout, on_deaf=give_up)
    for cell in code:
        cell["outputs"], cell["execution_count"] = kernel.execute(cell.get("source", ""))
        write_atomically(nb, out_path)
    if exit_fast:
        os._exit(0)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.execution.run_notebook",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("in_path", help="notebook to execute")
    parser.add_argument("out_path", help="where to write the executed notebook (rewritten after every cell)")
    parser.add_argument("--cell-timeout", type=int, default=30, help="seconds per cell before it is interrupted")
    parser.add_argument("--exit-fast", action="store_true",
                        help="exit without the interpreter's teardown (inside a PID namespace, which ends the rest)")
    args = parser.parse_args(argv)
    try:
        return run(args.in_path, args.out_path, args.cell_timeout, args.exit_fast)
    except (OSError, ValueError) as exc:
        print(f"run_notebook: cannot run {args.in_path}: {exc}", file=sys.__stderr__)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
