"""Run one notebook inside the sandbox: ``python -m autograder.run_notebook IN OUT``.

This is the only code that runs next to student code, and it is *not trusted*
for that reason: the student's kernel runs as the same user and could tamper
with this process or with OUT. The trusted side (:mod:`autograder.sandbox`)
therefore takes nothing from OUT except cell outputs, matched cell by cell onto
its own copy of the notebook, and the verdicts are recomputed outside anyway.

What it does: execute the code cells in order with nbclient, a per-cell
timeout (the kernel is interrupted and the cell gets a ``CellTimeoutError``
output), errors recorded as outputs instead of stopping the run, and OUT
rewritten atomically after every cell so that a notebook killed from outside
still shows which cells ran. A kernel that dies (``os._exit``, a crash, a
memory kill) ends the run: the cells after it stay without outputs, so their
tests score 0.

Exit status: 0 all cells ran, 3 the kernel died, 2 bad arguments or input.
"""
from __future__ import annotations

import argparse
import os
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

#: Exit status when the kernel died part-way; the trusted side reads it as "kernel died".
EXIT_KERNEL_DIED = 3
#: Exit status for unusable arguments or an unreadable input notebook.
EXIT_BAD_INPUT = 2

#: The output a cell gets when it runs past the per-cell timeout (nbgrader's wording).
TIMEOUT_ERROR = {
    "ename": "CellTimeoutError",
    "evalue": "",
    "traceback": ["CellTimeoutError: No reply from kernel before timeout"],
}


#: Printed text kept per cell; the rest is dropped so that a print loop cannot fill memory
#: or push the notebook past the size the grader accepts (which would cost every test).
MAX_STREAM_CHARS = 200_000
#: Printed chunks kept per cell, for the same reason.
MAX_STREAM_OUTPUTS = 1_000


class _Client(NotebookClient):
    """NotebookClient that notes a cell's timeout and keeps only so much printed text per cell."""

    timed_out = False
    stream_chars = 0
    stream_outputs = 0
    cut = False

    def start_cell(self) -> None:
        self.timed_out = self.cut = False
        self.stream_chars = self.stream_outputs = 0

    async def _async_handle_timeout(self, timeout, cell=None):
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "stream":
            self.stream_chars += len(msg["content"].get("text", ""))
            self.stream_outputs += 1
            if self.cut:
                return None
            if self.stream_chars > MAX_STREAM_CHARS or self.stream_outputs > MAX_STREAM_OUTPUTS:
                self.cut = True  # say so once, then drop the rest silently
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout", text=f"\n[output cut: more than {MAX_STREAM_CHARS} characters "
                                                  f"or {MAX_STREAM_OUTPUTS} prints in one cell]\n"))
                return None
        return super().output(outs, msg, display_id, cell_index)


def write_atomically(nb: nbformat.NotebookNode, path: str) -> None:
    """Write ``nb`` to ``path`` via a temporary file and rename, so readers never see half a file."""
    tmp = f"{path}.partial"
    with open(tmp, "w", encoding="utf-8") as fh:
        nbformat.write(nb, fh)
    os.replace(tmp, path)


def dead_kernel_output(message: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "error", ename="DeadKernelError", evalue=message,
        traceback=[f"DeadKernelError: {message}; the cells after this one were not run"])


def run(in_path: str, out_path: str, cell_timeout: int, startup_timeout: int) -> int:
    """Execute the notebook at ``in_path`` cell by cell, writing progress to ``out_path``."""
    nb = nbformat.read(in_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    client = _Client(
        nb,
        timeout=cell_timeout,
        startup_timeout=startup_timeout,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout=TIMEOUT_ERROR,
        raise_on_iopub_timeout=False,
        record_timing=False,
        extra_arguments=["--HistoryManager.hist_file=:memory:"],
        resources={"metadata": {"path": os.getcwd()}},
    )
    write_atomically(nb, out_path)
    status = 0
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            client.start_cell()
            try:
                client.execute_cell(cell, index)
                if client.timed_out:
                    # The interrupt's KeyboardInterrupt may be all the cell shows; say why it came.
                    cell.outputs.append(nbformat.v4.new_output("error", **TIMEOUT_ERROR))
            except DeadKernelError as exc:
                cell.outputs.append(dead_kernel_output(str(exc) or "the kernel died"))
                status = EXIT_KERNEL_DIED
            finally:
                write_atomically(nb, out_path)
            if status:
                break
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.run_notebook", description=__doc__.split("\n")[0])
    parser.add_argument("in_path", help="notebook to execute")
    parser.add_argument("out_path", help="where to write the executed notebook (rewritten after every cell)")
    parser.add_argument("--cell-timeout", type=int, default=30, help="seconds per cell before it is interrupted")
    parser.add_argument("--startup-timeout", type=int, default=60, help="seconds to wait for the kernel to start")
    args = parser.parse_args(argv)
    try:
        return run(args.in_path, args.out_path, args.cell_timeout, args.startup_timeout)
    except (OSError, nbformat.ValidationError, ValueError) as exc:
        print(f"run_notebook: cannot run {args.in_path}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
