"""Execute a student notebook in a sandbox and take back only its cell outputs.

:func:`run_notebook`, called by a Dask worker (:mod:`autograder.execution.workers`) or by
nbgrader's execution step (:mod:`autograder.execution.execute_step`), for each notebook

1. writes the sanitized notebook (hidden tests already restored by nbgrader)
   into a fresh scratch folder, with the submission's other files;
2. runs ``python -m autograder.execution.run_notebook`` there inside bubblewrap
   (see :mod:`autograder.execution.bwrap`), with a per-cell timeout inside and a
   per-notebook wall-clock limit enforced from here: on expiry the whole
   bubblewrap process tree is killed;
3. reads the executed notebook back *strictly* (a regular file, size cap,
   JSON, nbformat validation, same cells with the same ids and types) and
   copies only the code cells' outputs onto its own copy of the notebook.
   Sources and metadata never come back from the sandbox. Anything that does
   not fit leaves the cells without outputs, so their tests score 0.

The outcome is a :class:`RunResult` with a ``status`` the pipeline records:
``graded``, ``timed out``, ``killed for memory``, ``kernel died`` or
``malformed``. Scores never depend on it: the trusted verdict step only gives
credit for probe outputs that a reference check accepts.

This module does not import nbgrader (a second or so of every worker's start-up).
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.errors import GraderError
from autograder.execution import bwrap
from autograder.execution.bwrap import Limits
from autograder.execution.outcomes import GRADED, KERNEL_DIED, KILLED_FOR_MEMORY, MALFORMED, TIMED_OUT
from autograder.execution.run_notebook import EXIT_GAVE_UP

#: Files of the submission folder copied into the scratch folder (besides the notebook): at most this many bytes.
MAX_SIDE_FILES_BYTES = 64 * 1024**2
#: Scratch folders are <tmp>/backprop-sandbox-<grader pid>-<random>.
SCRATCH_PREFIX = "backprop-sandbox-"
#: Bytes of the runner's stderr kept for the log (the rest is read and dropped).
STDERR_TAIL = 4000


class SandboxUnavailable(GraderError):
    """The host cannot sandbox student code and the instructor did not allow running it unsandboxed."""

    exit_code = 7


@dataclass
class RunResult:
    """One executed notebook. ``notebook`` is the trusted copy with the sandbox's outputs merged in."""

    notebook: nbformat.NotebookNode
    status: str
    detail: str
    seconds: float
    sandboxed: bool


def require_sandbox(allow_unsandboxed: bool = False, uid: int = bwrap.DEFAULT_SANDBOX_UID) -> bool:
    """Return True if notebooks will run sandboxed; raise SandboxUnavailable unless allowed to run without."""
    reason = bwrap.unavailable_reason(uid)
    if reason is None:
        return True
    if not allow_unsandboxed:
        raise SandboxUnavailable(
            f"refusing to run student code: no sandbox on this host: {reason}. Fix that, or pass "
            f"--allow-unsandboxed (SandboxedExecute.allow_unsandboxed = True) to grade with student code "
            f"running as you, able to read and change your files and use the network.")
    return False


# -- reading the result back --------------------------------------------------------------------

def read_notebook_strictly(path: Path, max_bytes: int) -> nbformat.NotebookNode:
    """Read a notebook the sandbox wrote: regular file, no symlink, at most ``max_bytes``, valid nbformat 4."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("the result is not a regular file")
        if info.st_size > max_bytes:
            raise ValueError(f"the result has {info.st_size} bytes, more than the limit of {max_bytes}")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"the result has more than {max_bytes} bytes")
    text = data.decode("utf-8")
    raw = json.loads(text)
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        raise ValueError("the result is not an nbformat 4 notebook")
    try:
        # Validate the plain JSON first: nbformat's converters assume a well-formed notebook.
        nbformat.validate(raw, version=4)
        return nbformat.reads(text, as_version=4)
    except nbformat.ValidationError:
        raise
    except Exception as exc:  # hostile JSON can trip anything inside nbformat
        raise ValueError(f"the result is not a valid notebook ({type(exc).__name__}: {exc})") from exc


def merge_outputs(trusted: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> None:
    """Copy outputs and execution counts of code cells from ``executed`` onto ``trusted``.

    Raises ValueError (and changes nothing) unless both have the same cells, in the
    same order, with the same types and ids.
    """
    if len(trusted.cells) != len(executed.cells):
        raise ValueError(f"the result has {len(executed.cells)} cells, expected {len(trusted.cells)}")
    for i, (mine, theirs) in enumerate(zip(trusted.cells, executed.cells)):
        if mine.cell_type != theirs.cell_type or mine.get("id") != theirs.get("id"):
            raise ValueError(f"cell {i} of the result is not the cell that was sent")
    for mine, theirs in zip(trusted.cells, executed.cells):
        if mine.cell_type == "code":
            mine.outputs = theirs.get("outputs", [])
            count = theirs.get("execution_count")
            mine.execution_count = count if isinstance(count, int) and count >= 0 else None


def clear_outputs(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


def _errors(nb: nbformat.NotebookNode) -> list[str]:
    return [out.get("ename", "") for cell in nb.cells if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.get("output_type") == "error"]


def first_unrun(nb: nbformat.NotebookNode) -> int | None:
    """Index of the first code cell without an execution count (the run ended before it), or None."""
    return next((i for i, cell in enumerate(nb.cells)
                 if cell.cell_type == "code" and cell.get("execution_count") is None), None)


def classify(nb: nbformat.NotebookNode, returncode: int | None) -> tuple[str, str]:
    """Status and detail from what came back. ``returncode`` None = killed at the notebook limit."""
    names = _errors(nb)
    if "MemoryError" in names:
        return KILLED_FOR_MEMORY, "the memory limit was reached (MemoryError)"
    if returncode == EXIT_GAVE_UP:
        return TIMED_OUT, "a cell kept running after its time limit's interrupt; the cells after it were not run"
    unrun = first_unrun(nb)
    if returncode not in (0, None):
        return KERNEL_DIED, f"the kernel ended with status {returncode}; the cells after it were not run"
    if returncode == 0 and unrun is not None:
        return KERNEL_DIED, f"the kernel died in cell {unrun + 1} (os._exit, a crash); the cells after it were not run"
    if "CellTimeoutError" in names:
        return TIMED_OUT, f"{names.count('CellTimeoutError')} cell(s) ran past the per-cell time limit"
    return GRADED, "all cells ran"


def mark_death(nb: nbformat.NotebookNode, status: str) -> None:
    """Say in the first cell that did not run (if any) that the kernel died there, for the feedback."""
    at = first_unrun(nb) if status == KERNEL_DIED else None
    if at is not None:
        nb.cells[at].outputs = [nbformat.v4.new_output(
            "error", ename="DeadKernelError", evalue="the kernel died",
            traceback=["DeadKernelError: the kernel died in this cell or before it finished; "
                       "the cells after it were not run"])]


# -- running --------------------------------------------------------------------------------------

def side_files(src: Path | None) -> dict[str, bytes]:
    """Regular files (no links, no notebooks) of the submission folder, up to a total size, by relative path.

    Read by the coordinator and sent with the notebook, so a worker on another machine needs no
    access to the grading workspace.
    """
    files: dict[str, bytes] = {}
    if src is None or not src.is_dir():
        return files
    budget = MAX_SIDE_FILES_BYTES
    for root, dirs, names in os.walk(src, followlinks=False):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
        for name in names:
            path = Path(root, name)
            if name.endswith(".ipynb") or path.is_symlink() or not path.is_file():
                continue
            size = path.stat().st_size
            if size > budget:
                continue
            budget -= size
            files[path.relative_to(src).as_posix()] = path.read_bytes()
    return files


def _write_side_files(files: dict[str, bytes], dest: Path) -> None:
    for name, data in files.items():
        target = (dest / name).resolve()
        if dest.resolve() not in target.parents:
            continue  # a relative path that leaves the folder was not made by side_files
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _drain(stream, sink: list[bytes]) -> None:
    """Read a pipe to the end, keeping only its last STDERR_TAIL bytes (student output can be endless)."""
    tail = b""
    for chunk in iter(lambda: stream.read(65536), b""):
        tail = (tail + chunk)[-STDERR_TAIL:]
    sink.append(tail)


def _kill_tree(proc: subprocess.Popen) -> None:
    """Kill the runner and everything it started (sandboxed: bwrap's PID namespace dies with it)."""
    import psutil

    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    for p in [proc, *children]:
        try:
            p.kill()
        except (psutil.NoSuchProcess, ProcessLookupError):
            pass
    proc.wait()


def _wait_or_kill(proc: subprocess.Popen, limit: float) -> int | None:
    """The runner's exit status, or None if it ran past ``limit`` seconds and was killed.

    A timer thread kills; this thread blocks in wait(). ``Popen.wait(timeout)`` would poll
    with sleeps of up to 50 ms, about a tenth of a quick notebook's run spent after its end.
    """
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        _kill_tree(proc)

    timer = threading.Timer(limit, expire)
    timer.daemon = True
    timer.start()
    try:
        returncode = proc.wait()
    finally:
        timer.cancel()
    if expired.is_set():
        timer.join()   # the kill finishes before the caller reads what is left
        return None
    return returncode


def _remove_orphaned_scratch() -> None:
    """Delete scratch folders of grading runs that died (SIGKILL leaves no chance to clean up)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = folder.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs. A zombie does not: a killed run's workers are reparented,
    and where nobody reaps them (PID 1 of a container often does not) ``kill(pid, 0)`` would
    call them alive and their scratch folders would never be removed."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _own(path: Path, uid: int) -> None:
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(root, name), uid, uid)
    os.chown(path, uid, uid)


def scratch_prefix(tag: str = "") -> str:
    """Name prefix of this process's scratch folders: ``backprop-sandbox-<pid>-[<tag>-]``."""
    return f"{SCRATCH_PREFIX}{os.getpid()}-" + (f"{tag}-" if tag else "")


def run_notebook(nb: nbformat.NotebookNode, *, files_from: Path | None = None, files: dict[str, bytes] | None = None,
                 limits: Limits = Limits(), sandboxed: bool = True, uid: int = bwrap.DEFAULT_SANDBOX_UID,
                 hide: tuple[Path, ...] = (), tag: str = "") -> RunResult:
    """Execute a copy of ``nb`` in a scratch folder; return the trusted copy with outputs and a status.

    files_from: folder whose side files (see :func:`side_files`) go beside the notebook; or
    files: those files already read. tag: goes into the scratch folder's name (a run's id).
    """
    trusted = nbformat.from_dict(json.loads(json.dumps(nb)))
    clear_outputs(trusted)
    start = time.monotonic()
    _remove_orphaned_scratch()
    scratch = Path(tempfile.mkdtemp(prefix=scratch_prefix(tag)))
    try:
        home, io = scratch / "home", scratch / "io"
        home.mkdir()
        io.mkdir()
        _write_side_files(side_files(files_from) if files is None else files, home)
        (io / "in.ipynb").write_text(json.dumps(trusted), encoding="utf-8")
        inner_args = ["-I", "-m", "autograder.execution.run_notebook", "--cell-timeout", str(limits.cell_timeout)]
        if sandboxed:
            # The PID namespace ends the kernel when the runner exits: no polite shutdown needed.
            inner_args.append("--exit-fast")
            if bwrap.privileged():
                _own(home, uid)
                _own(io, uid)
            argv = bwrap.bwrap_argv(
                home, io, [bwrap.python_executable(), *inner_args, f"{bwrap.SANDBOX_IO}/in.ipynb",
                           f"{bwrap.SANDBOX_IO}/out.ipynb"], limits, uid=uid, hide=hide)
            env, cwd = bwrap.sandbox_env(), None
        else:
            argv = [bwrap.python_executable(), *inner_args, str(io / "in.ipynb"), str(io / "out.ipynb")]
            env, cwd = {**os.environ, "NBGRADER_EXECUTION": "autograde"}, home
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        tail: list[bytes] = []
        drain = threading.Thread(target=_drain, args=(proc.stderr, tail), daemon=True)
        drain.start()
        returncode = _wait_or_kill(proc, limits.notebook_timeout)
        drain.join(timeout=10)
        try:
            executed = read_notebook_strictly(io / "out.ipynb", limits.max_output_bytes)
            merge_outputs(trusted, executed)
        except (OSError, ValueError, UnicodeDecodeError, nbformat.ValidationError) as exc:
            clear_outputs(trusted)
            stderr = (tail[0] if tail else b"").decode("utf-8", "replace").strip()
            detail = f"no usable result: {exc}" + (f"; runner said: {stderr[-500:]}" if stderr else "")
            status = TIMED_OUT if returncode is None else MALFORMED
            return RunResult(trusted, status, detail, time.monotonic() - start, sandboxed)
        if returncode is None:
            status, detail = TIMED_OUT, f"the notebook ran past its limit of {limits.notebook_timeout} s and was killed"
        else:
            status, detail = classify(trusted, returncode)
            mark_death(trusted, status)
        return RunResult(trusted, status, detail, time.monotonic() - start, sandboxed)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


#: resources key holding what a worker returned for this notebook (see :func:`result_record`).
EXECUTED_KEY = "backprop_executed"


def result_record(result: RunResult) -> dict:
    """A RunResult as plain data for the trip from a worker back to the coordinator."""
    return {"status": result.status, "detail": result.detail, "seconds": result.seconds,
            "sandboxed": result.sandboxed, "notebook": json.dumps(result.notebook)}


def outputs_from_worker(nb: nbformat.NotebookNode, record: dict) -> RunResult:
    """The coordinator's copy of ``nb`` with the outputs of a worker's run (see :func:`result_record`).

    The worker read the sandbox's result strictly; here its cells are matched once more onto the
    coordinator's own sanitized copy, so that sources and metadata come from nowhere else.
    """
    trusted = nbformat.from_dict(json.loads(json.dumps(nb)))
    clear_outputs(trusted)
    status, detail = record["status"], record["detail"]
    try:
        merge_outputs(trusted, nbformat.from_dict(json.loads(record["notebook"])))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        clear_outputs(trusted)
        status, detail = MALFORMED, f"the worker's result does not fit the notebook: {exc}"
    return RunResult(trusted, status, detail, float(record["seconds"]), bool(record["sandboxed"]))
