"""The execution layer on Dask: run sanitized notebooks on workers, nothing else.

A worker gets a :class:`Job` (one submission's sanitized notebooks as JSON text,
its side files as bytes, the limits) and returns, per notebook, what
:func:`autograder.execution.sandbox.run_notebook` made of the sandboxed run: a status and
the trusted copy with the sandbox's outputs merged in. It never sees the
gradebook, the instructor's sources or the judge, so it may run on any machine
that has the course package and bubblewrap; the coordinator (:mod:`autograder.pipeline.grade`)
restores cells before and judges and writes after.

Each worker process holds a *slot* (0, 1, ... on its machine, claimed with an
``flock`` on a file in the temporary folder and released by the kernel when the
process dies) and runs student code as ``sandbox_uid - slot`` when it runs as
root: RLIMIT_NPROC counts the processes of a uid, so a fork bomb in one slot
cannot keep the next slot's kernel from starting.

:func:`dask_client` opens the cluster: an embedded ``LocalCluster`` (one
single-threaded worker process per core) by default, or an existing scheduler.
The embedded cluster's worker processes never see the terminal's Ctrl-C (SIGINT
goes to the whole foreground process group, and a Dask worker answers it with
a traceback): only the coordinator stops, and shuts the cluster down on its way out.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import tempfile
import threading
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from autograder.execution.bwrap import DEFAULT_SANDBOX_UID, Limits

#: Slot lock files are <tmp>/backprop-worker-slot-<n>.lock.
SLOT_LOCK = "backprop-worker-slot-{}.lock"
#: Most worker slots on one machine (uids sandbox_uid - 0 ... sandbox_uid - MAX_SLOTS + 1).
MAX_SLOTS = 256
#: A task whose worker was lost is run again this many times, then reported (the next run retries).
ALLOWED_FAILURES = 1

_slot: tuple[int, int] | None = None   # (slot, fd holding its lock) of this process


@dataclass(frozen=True)
class Job:
    """One submission to execute: notebooks by name (sanitized nbformat JSON) and the files beside them."""

    student: str
    notebooks: tuple[tuple[str, str], ...]
    files: dict[str, bytes] = field(default_factory=dict)
    limits: Limits = Limits()
    use_sandbox: bool = True
    allow_unsandboxed: bool = False
    sandbox_uid: int = DEFAULT_SANDBOX_UID
    hide: tuple[str, ...] = ()
    tag: str = ""      # goes into scratch folder names, so a run's sandboxes can be found


def claim_slot() -> int:
    """This process's slot number on its machine, claimed once and held until the process ends."""
    global _slot
    if _slot is not None:
        return _slot[0]
    for n in range(MAX_SLOTS):
        fd = os.open(Path(tempfile.gettempdir()) / SLOT_LOCK.format(n), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        _slot = (n, fd)
        return n
    raise RuntimeError(f"all {MAX_SLOTS} worker slots of this machine are taken")


def slot_uid(sandbox_uid: int, slot: int) -> int:
    """The uid student code of ``slot`` runs as (when grading as root): 65534, 65533, ..."""
    return sandbox_uid - slot


def execute(job: Job) -> dict[str, dict]:
    """Run the job's notebooks one after the other in this worker's sandbox; return a record per notebook.

    Runs on a Dask worker. A timeout, a memory kill or a dead kernel is a status in the record
    (a grade), never an exception; an exception here means the worker itself could not work.
    """
    import nbformat

    from autograder.execution.sandbox import require_sandbox, result_record, run_notebook

    slot = claim_slot()
    uid = slot_uid(job.sandbox_uid, slot)
    sandboxed = require_sandbox(job.allow_unsandboxed, uid) if job.use_sandbox else False
    records = {}
    for name, text in job.notebooks:
        # The coordinator wrote this JSON from a validated notebook: no second validation here.
        nb = nbformat.from_dict(json.loads(text))
        result = run_notebook(nb, files=job.files, limits=job.limits, sandboxed=sandboxed, uid=uid,
                              hide=tuple(Path(p) for p in job.hide), tag=job.tag)
        records[name] = {**result_record(result), "slot": slot, "uid": uid, "worker_pid": os.getpid()}
    return records


def cores() -> int:
    """Cores this process may use (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator["distributed.Client"]:
    """A Dask client: to ``scheduler`` (``tcp://host:port``) if given, else to an embedded LocalCluster.

    The embedded cluster has ``workers`` (default: one per core) single-threaded worker processes
    without memory management (the sandbox limits memory itself), listens on loopback only
    (its HTTP server, which Dask always starts, on a free port) and is shut down on leaving; its
    workers block SIGINT (:func:`sigint_blocked`). An external scheduler decides its own retries:
    start it with ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1`` for the same one retry.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                          # Student code may run for minutes while the task holds the worker's thread.
                          "distributed.admin.tick.limit": "1h"}), ExitStack() as stack:
        with sigint_blocked():
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers or cores(), threads_per_worker=1, processes=True, memory_limit=0,
                host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
        yield client


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """Block SIGINT in this thread meanwhile, and so in every thread and process started from it.

    The cluster's event loop thread starts here; it starts the worker processes (now and when
    it replaces a lost one), which inherit its signal mask through fork and exec. A Ctrl-C
    meanwhile stays pending and interrupts this thread as soon as the block ends.
    """
    from multiprocessing import resource_tracker

    # The standard library's resource tracker, started by the first worker's spawn, unblocks SIGINT
    # in the thread starting it (it unblocks instead of restoring the mask): start it before the block.
    resource_tracker.ensure_running()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class ClusterStart:
    """:func:`dask_client` opened in a background thread, so the cluster starts while the caller works.

    ``with ClusterStart(scheduler, workers) as start: ...; client = start.client()``: ``client()``
    waits until the client is ready (or raises what stopped it). Leaving the block on an exception
    (a Ctrl-C, a lost gradebook) kills the embedded cluster's workers at once, the sandboxes they
    run dying with them, instead of waiting for the notebooks they are running; the next run
    grades those submissions again. An external scheduler's workers are not this run's to kill.
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        self._args = (scheduler, workers)
        self._ready, self._leave = threading.Event(), threading.Event()
        self._client = self._error = None
        self._abort = False
        self._thread = threading.Thread(target=self._hold, name="backprop cluster", daemon=True)

    def __enter__(self) -> "ClusterStart":
        from distributed.gc import enable_gc_diagnosis

        # Dask's scheduler adds a garbage-collection callback as it starts, here on its own thread. Added
        # between the start and the end of a collection in this thread (which runs finalizers, so can
        # switch threads), it fails an assertion and prints "Exception ignored ..."; added from here first,
        # the scheduler only counts one more user of it.
        enable_gc_diagnosis()
        self._thread.start()
        return self

    def client(self) -> "distributed.Client":
        self._ready.wait()
        if self._client is None:
            raise self._error
        return self._client

    def __exit__(self, exc_type, exc, tb) -> None:
        self._abort = exc_type is not None
        self._leave.set()
        interrupted = None
        while self._thread.is_alive():
            try:
                self._thread.join()
            except KeyboardInterrupt as again:   # a Ctrl-C while the cluster closes: it stops the workers now
                interrupted, self._abort = again, True
        from distributed.gc import disable_gc_diagnosis

        disable_gc_diagnosis()
        if interrupted is not None and exc_type is None:
            raise interrupted
        if exc_type is None and self._error is not None and self._client is not None:
            raise self._error   # the cluster did not close cleanly

    def _hold(self) -> None:
        try:
            with dask_client(*self._args) as client:
                self._client = client
                self._ready.set()
                self._leave.wait()
                if self._abort and not self._args[0]:
                    for nanny in client.cluster.workers.values():
                        nanny.close_gracefully()   # Dask's word for "do not replace it when it dies"
                        if nanny.pid:
                            os.kill(nanny.pid, signal.SIGKILL)
        except BaseException as exc:   # handed to the caller's thread
            self._error = exc
        finally:
            self._ready.set()
