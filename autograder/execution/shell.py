"""The kernel inside the sandbox: IPython's shell running cells in this very process.

ipykernel is this same ``InteractiveShell`` behind a ZeroMQ server; grading talks
to nothing but the runner, so the server, the second Python process behind it and
the message round trips are cost without use (about half of a notebook's CPU
time). :class:`CellKernel` keeps the shell (magics, ``display``, ``_``, tracebacks
as ipykernel formats them) and turns what a cell prints, displays, returns and
raises into nbformat outputs, the way Jupyter's front ends store them.

A cell that runs past its time limit gets a ``KeyboardInterrupt`` (as nbclient's
interrupt gives it); if it is still running ``grace`` seconds later (it caught
the interrupt), the kernel gives up on the notebook: ``on_deaf`` is called from
the signal handler and must end the process. Student code runs in this process
and can change anything here; nothing it returns is trusted (see
:mod:`autograder.execution.sandbox`).
"""
from __future__ import annotations

import io
import json
import signal
import sys
from typing import Callable

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

#: Printed text kept per cell; the rest is dropped so that a print loop cannot fill memory
#: or push the notebook past the size the grader accepts (which would cost every test).
MAX_STREAM_CHARS = 200_000
#: Outputs kept per cell, for the same reason (alternating prints and displays).
MAX_OUTPUTS = 1_000

#: The output a cell gets when it runs past the per-cell timeout (nbgrader's wording).
TIMEOUT_ERROR = {
    "output_type": "error",
    "ename": "CellTimeoutError",
    "evalue": "",
    "traceback": ["CellTimeoutError: No reply from kernel before timeout"],
}


def _jsonable(data: dict) -> dict:
    """``data`` if it survives JSON, else each value as text (a display of odd objects must not end the run)."""
    try:
        json.dumps(data)
        return data
    except (TypeError, ValueError):
        return {str(k): v if isinstance(v, (str, int, float, bool, type(None))) else repr(v) for k, v in data.items()}


class _CellOutputs:
    """The outputs of the cell being run, with the caps of MAX_STREAM_CHARS and MAX_OUTPUTS."""

    def __init__(self) -> None:
        self.outputs: list[dict] = []
        self.stream_chars = 0
        self.cut = False

    def stream(self, name: str, text: str) -> None:
        self.stream_chars += len(text)
        if self.cut:
            return
        if self.stream_chars > MAX_STREAM_CHARS or len(self.outputs) >= MAX_OUTPUTS:
            self.cut = True   # say so once, then drop the rest silently
            self.outputs.append({"output_type": "stream", "name": "stdout",
                                 "text": f"\n[output cut: more than {MAX_STREAM_CHARS} characters "
                                         f"or {MAX_OUTPUTS} outputs in one cell]\n"})
            return
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text   # consecutive prints make one output, as in Jupyter
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def add(self, output: dict) -> None:
        if len(self.outputs) < MAX_OUTPUTS:
            self.outputs.append(output)


class _Stream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` of the kernel: writes become stream outputs of the running cell."""

    def __init__(self, kernel: "CellKernel", name: str):
        self._kernel, self.name = kernel, name

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._kernel.cell.stream(self.name, text)
        return len(text)


class _Publisher(DisplayPublisher):
    """``display(...)`` becomes a display_data output of the running cell."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
        self.shell.kernel_outputs().add({"output_type": "display_data", "data": _jsonable(dict(data)),
                                         "metadata": _jsonable(dict(metadata or {}))})

    def clear_output(self, wait=False) -> None:
        self.shell.kernel_outputs().outputs.clear()


class _ResultHook(DisplayHook):
    """A cell's last expression becomes its execute_result output."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self.shell.kernel_outputs().add({"output_type": "execute_result", "execution_count": self.prompt_count,
                                         "data": _jsonable(dict(format_dict)),
                                         "metadata": _jsonable(dict(md_dict or {}))})

    def finish_displayhook(self) -> None:
        pass


class _Shell(InteractiveShell):
    """IPython's shell with outputs captured (see CellKernel) instead of printed to a terminal."""

    def init_io(self) -> None:
        pass   # CellKernel puts its streams in place

    def kernel_outputs(self) -> _CellOutputs:
        return self._kernel.cell

    def _showtraceback(self, etype, evalue, stb) -> None:
        self.kernel_outputs().add({"output_type": "error", "ename": str(getattr(etype, "__name__", etype)),
                                   "evalue": str(evalue), "traceback": list(stb)})


class CellKernel:
    """Run code cells one after another in one IPython shell; each call returns that cell's outputs."""

    def __init__(self, cell_timeout: float, grace: float = 5.0, on_deaf: Callable[[list[dict]], None] | None = None):
        self.cell_timeout, self.grace, self.on_deaf = cell_timeout, grace, on_deaf
        self.cell = _CellOutputs()
        self._running = False
        self._interrupted = False
        config = Config()
        config.HistoryManager.enabled = False    # no sqlite file per notebook
        self.shell = _Shell.instance(config=config, display_pub_class=_Publisher, displayhook_class=_ResultHook)
        self.shell._kernel = self
        self.shell.system = self.shell.system_piped   # `!cmd` prints into the cell, as in Jupyter
        sys.stdout, sys.stderr = _Stream(self, "stdout"), _Stream(self, "stderr")
        signal.signal(signal.SIGALRM, self._alarm)

    def _alarm(self, signum, frame) -> None:
        if not self._running:
            return   # the cell ended just before the alarm was cancelled
        if not self._interrupted:
            self._interrupted = True
            signal.setitimer(signal.ITIMER_REAL, self.grace)
            raise KeyboardInterrupt
        # Still running after the interrupt: the cell caught it; no later cell can run.
        self.cell.outputs.append(dict(TIMEOUT_ERROR))
        if self.on_deaf is not None:
            self.on_deaf(self.cell.outputs)

    def execute(self, source: str) -> tuple[list[dict], int]:
        """Run one cell: (its outputs, its execution count)."""
        self.cell = _CellOutputs()
        self._interrupted = False
        count = self.shell.execution_count
        self._running = True
        signal.setitimer(signal.ITIMER_REAL, self.cell_timeout)
        try:
            self.shell.run_cell(source, store_history=True, silent=False)
        except KeyboardInterrupt:   # arrived outside the cell's own code (IPython was transforming it)
            self.cell.add({"output_type": "error", "ename": "KeyboardInterrupt", "evalue": "",
                           "traceback": ["KeyboardInterrupt"]})
        finally:
            self._running = False
            signal.setitimer(signal.ITIMER_REAL, 0)
        if self._interrupted:
            self.cell.outputs.append(dict(TIMEOUT_ERROR))
        return self.cell.outputs, count
