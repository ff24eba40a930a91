"""Run one notebook inside the sandbox: ``python -m autograder.execution.run_notebook IN OUT``.

This is the only code that runs next to student code, and it is *not trusted*
for that reason: the student's kernel runs as the same user and could tamper
with this process or with OUT. The trusted side (:mod:`autograder.execution.sandbox`)
therefore takes nothing from OUT except cell outputs, matched cell by cell onto
its own copy of the notebook, and the verdicts are recomputed outside anyway.

What it does: execute the code cells in order with nbclient, a per-cell
timeout (the kernel is interrupted and the cell gets a ``CellTimeoutError``
output), errors recorded as outputs instead of stopping the run, and OUT
rewritten atomically after every cell so that a notebook killed from outside
still shows which cells ran. A kernel that dies (``os._exit``, a crash, a
memory kill) ends the run: the cells after it stay without outputs, so their
tests score 0.

Start-up cost matters (it is paid once per notebook): notebooks are read and
written as plain JSON without nbformat's schema validation (the trusted side
validates what comes back), and jsonschema's optional ``rfc3987_syntax``
format checker, which builds a grammar at import time (about 0.9 s) and is
never used here, is kept from loading. With ``--exit-fast`` (used inside the
sandbox) the runner ends right after writing OUT, without shutting the kernel
down politely: the sandbox's PID namespace dies with the runner and takes the
kernel with it.

Exit status: 0 all cells ran, 3 the kernel died, 2 bad arguments or input.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

# Imported by nbformat -> jsonschema only to check "iri" formats, which grading never does.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402  (after the line above, on purpose)
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import DeadKernelError  # noqa: E402
from nbformat.v4.rwbase import rejoin_lines  # noqa: E402

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
        json.dump(nb, fh)  # no validation here: the trusted side validates what it reads back
    os.replace(tmp, path)


def read_plain(path: str) -> nbformat.NotebookNode:
    """The notebook at ``path`` as nbformat 4 JSON, without schema validation (ValueError if not v4)."""
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    if not isinstance(raw, dict) or raw.get("nbformat") != 4 or not isinstance(raw.get("cells"), list):
        raise ValueError("not an nbformat 4 notebook")
    return rejoin_lines(nbformat.from_dict(raw))  # sources saved as lists of lines become strings


def dead_kernel_output(message: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "error", ename="DeadKernelError", evalue=message,
        traceback=[f"DeadKernelError: {message}; the cells after this one were not run"])


def run(in_path: str, out_path: str, cell_timeout: int, startup_timeout: int, exit_fast: bool = False) -> int:
    """Execute the notebook at ``in_path`` cell by cell, writing progress to ``out_path``.

    exit_fast: end the process (``os._exit``) once OUT is written, leaving the kernel to the
    sandbox's PID namespace, which the kernel ends when its first process exits.
    """
    nb = read_plain(in_path)
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
        if exit_fast:
            sys.stderr.flush()
            os._exit(status)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.execution.run_notebook",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("in_path", help="notebook to execute")
    parser.add_argument("out_path", help="where to write the executed notebook (rewritten after every cell)")
    parser.add_argument("--cell-timeout", type=int, default=30, help="seconds per cell before it is interrupted")
    parser.add_argument("--startup-timeout", type=int, default=60, help="seconds to wait for the kernel to start")
    parser.add_argument("--exit-fast", action="store_true",
                        help="exit without stopping the kernel (only inside a PID namespace, which ends it)")
    args = parser.parse_args(argv)
    try:
        return run(args.in_path, args.out_path, args.cell_timeout, args.startup_timeout, args.exit_fast)
    except (OSError, ValueError) as exc:
        print(f"run_notebook: cannot run {args.in_path}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
