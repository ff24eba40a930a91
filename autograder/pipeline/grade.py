"""``grade``: autograde every collected submission of an assignment, in parallel.

The coordinator (this module) does everything that needs the gradebook or the
instructor's sources; only running the notebooks is sent to Dask workers
(:mod:`autograder.execution.workers`). Per submission:

1. nbgrader's Autograde *sanitize* pass, here: it creates the student and the
   submission with its timestamp, copies the files, restores locked and
   deleted test cells (hidden tests included) and writes the sanitized notebooks;
2. those notebooks and the submission's side files go to a worker, which runs
   them in its sandbox and returns their outputs;
3. nbgrader's *autograde* pass, here again: the execution step takes the
   worker's outputs, TrustedVerdicts judges them, and nbgrader's SaveAutoGrades
   and AssignLatePenalties store the scores; then the status row.

Up to two submissions per worker are sanitized and queued ahead, so a worker
starts the next sandboxed kernel while the coordinator judges the last one.
A worker that is lost is replaced and its job run once more; a notebook that
times out or runs out of memory is graded as it is. One broken submission
never stops the batch, and every submission ends with a status row and a reason.

A second run skips submissions whose status row matches their files and
timestamp (unless their grading ``failed``), so an interrupted run resumes where
it stopped and never grades anything twice.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
import time
import uuid
from collections import deque
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

import nbformat
from nbgrader.converters.base import NbGraderException
from nbgrader.coursedir import CourseDirectory

from autograder.config import Course
from autograder.errors import GradebookError, SourceError, UsageError
from autograder.execution import ctrl_c, workers
from autograder.execution.outcomes import FAILED, GRADED, MALFORMED, MISSING, SEVERITY
from autograder.pipeline import release
from autograder.pipeline.records import not_submitted, read_records, submission_version
from autograder.pipeline.gradebook import StatusRow, ensure_gradebook, now, read_status, write_status, zero_notebooks
from autograder.pipeline.lock import grading_lock, workspace_lock
from autograder.pipeline.nbconfig import nbgrader_config
from autograder.pipeline.cell_schema import schema_checked_once
from autograder.pipeline.passes import CourseAutograde, end_step, one_gradebook
from autograder.pipeline.progress import Progress, progress_bar  # noqa: F401  (progress_bar: the CLI's)

#: Environment variable (Dask's own) and Dask config key naming a scheduler to grade on.
SCHEDULER_CONFIG = "scheduler-address"
#: Submissions sanitized and queued per worker, so a worker never waits for the coordinator.
AHEAD_PER_WORKER = 2


def _check_notebooks(folder: Path, expected: list[str]) -> tuple[list[str], dict[str, str]]:
    """(missing notebooks, {malformed notebook: reason}) of one submitted folder."""
    missing, malformed = [], {}
    for name in expected:
        path = folder / f"{name}.ipynb"
        if not path.exists():
            missing.append(name)
            continue
        if not path.read_bytes().strip():   # collect copies an empty upload as it is, to say so here
            malformed[name] = f"{name}.ipynb is empty ({path.stat().st_size} bytes): the file sent has no content"
            continue
        try:
            nb = nbformat.read(path, as_version=4)
            nbformat.validate(nb)
        except Exception as exc:  # not JSON, not a notebook, wrong encoding: all the same to us
            malformed[name] = f"{name}.ipynb is not a readable notebook ({type(exc).__name__}: " \
                              f"{str(exc).splitlines()[0][:160] if str(exc) else ''})"
    return missing, malformed


def _version(folder: Path) -> str:
    """What a status row keeps of the submission it graded: a digest of its files, timestamp.txt included,
    so new files or a new time grade it again and a collect that changed nothing does not."""
    return submission_version(folder) if folder.is_dir() else ""


@contextmanager
def _exclusive(course: Course, wait: float = 0.0, on_wait: Callable[[str], None] | None = None):
    """Hold the workspace's lock, then the gradebook's, which several workspaces may share (pipeline.lock)."""
    with workspace_lock(course.workspace, wait, on_wait), \
            grading_lock(course.gradebook_url, course.workspace, wait=wait, on_wait=on_wait):
        yield


def _logger(course: Course, assignment: str) -> logging.Logger:
    """nbgrader's chatter goes to <workspace>/logs/grade-<assignment>.log, not the terminal."""
    log = logging.getLogger(f"autograder.nbgrader.{assignment}")
    log.setLevel(logging.INFO)
    log.propagate = False
    path = course.workspace / "logs" / f"grade-{assignment}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
        handler = logging.FileHandler(path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
    return log


#: Loggers that libraries under a grading run print on the terminal through (Dask's logging set-up
#: gives them a stderr handler): nbgrader's Gradebook reports every database error, traceback
#: included, on tornado's application logger before raising it; Dask tells of its cluster's start,
#: shut-down and closed connections (with tracebacks when workers are stopped on a Ctrl-C).
LIBRARY_LOGGERS = ("tornado.application", "tornado", "distributed", "bokeh")


class _ToLog(logging.Handler):
    """Hands records to another logger. Not a StreamHandler: Dask turns those down to ERROR while its
    cluster runs (LocalCluster's silence_logs), which must not silence the grading log itself."""

    def __init__(self, log: logging.Logger, level: int):
        super().__init__(level)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        self.log.handle(record)


@contextmanager
def _library_logs_to(log: logging.Logger):
    """Meanwhile, warnings and errors that LIBRARY_LOGGERS log go to ``log`` (the grading log), not to the
    terminal; their chatter goes nowhere.

    Whatever stops a run is raised all the same and reported once, in one line.
    """
    import distributed  # noqa: F401  (Dask installs its handlers on first import: before they are taken over)

    to_log = _ToLog(log, logging.WARNING)
    saved = []
    for name in LIBRARY_LOGGERS:
        target = logging.getLogger(name)
        saved.append((target, target.handlers[:], target.propagate))
        target.handlers, target.propagate = [to_log], False
    try:
        yield
    finally:
        for target, handlers, propagate in saved:
            target.handlers, target.propagate = handlers, propagate


def _max_score(course: Course, assignment: str) -> float:
    from autograder.pipeline.results import graded_cells
    return sum(cell.points for cell in graded_cells(course, assignment))


def submissions(course: Course, assignment: str) -> list[str]:
    """Students with a folder submitted/<student>/<assignment>/."""
    if not course.submitted_dir.is_dir():
        return []
    return sorted(p.parent.name for p in course.submitted_dir.glob(f"*/{assignment}") if p.is_dir())


@dataclass
class _Pending:
    """One submission between its sanitize pass and its status row."""

    student: str
    outcomes: list[tuple[str, str]]
    malformed: dict[str, str]
    future: object | None = None           # the worker's job (a distributed Future), if anything runs
    job: workers.Job | None = None


def local_workers(requested: int | None, submissions: int) -> int:
    """Workers of an embedded cluster: ``requested`` (default one per core), never more than submissions.

    A worker costs a process start-up whether or not it gets work: regrading one student starts one.
    """
    return max(1, min(requested or workers.cores(), submissions))


def _resolve_scheduler(scheduler: str | None) -> str | None:
    """``scheduler``, else Dask's own setting (``scheduler-address`` in its config, ``DASK_SCHEDULER_ADDRESS``)."""
    if scheduler:
        return scheduler
    import dask
    return dask.config.get(SCHEDULER_CONFIG, None) or None


def grade(course: Course, assignment: str, *, force: bool = False, students: list[str] | None = None,
          progress: Callable[[Progress], None] | None = None, wait: float = 0.0,
          on_wait: Callable[[str], None] | None = None, scheduler: str | None = None,
          workers_count: int | None = None, client=None) -> list[StatusRow]:
    """Autograde the submissions of ``assignment``; return one status row per submission.

    force: grade again even submissions already graded at their current timestamp.
    students: only these (default: every collected submission).
    progress: called with a Progress when grading starts and after every change.
    wait: seconds to wait for another run holding the workspace or the gradebook (then GradebookError);
    on_wait is told who holds it when this run starts waiting.
    scheduler: ``tcp://host:port`` of a Dask scheduler to run the notebooks on (default: Dask's
    ``scheduler-address`` setting, else an embedded cluster of ``workers_count`` workers, one per core,
    and no more than there are submissions to grade).
    client: a ``distributed.Client`` to use instead (left open).
    """
    from autograder.execution.sandbox import require_sandbox

    course.check_assignment(assignment)
    unknown = sorted(set(students or ()) - set(submissions(course, assignment)))
    if unknown:   # before anything is written: zero rows for a typo would look like a real student
        raise UsageError(f"no collected submission of {assignment!r} for {', '.join(map(repr, unknown))} in "
                         f"{course.submitted_dir}; check the id or run collect first")
    if workers_count is not None and workers_count < 1:
        raise UsageError(f"the number of workers must be at least 1, got {workers_count}")
    require_sandbox(course.allow_unsandboxed)  # refuse before touching anything, not once per student
    with _exclusive(course, wait, on_wait), _library_logs_to(_logger(course, assignment)):
        todo = students or submissions(course, assignment)
        if not todo:
            raise SourceError(f"no submissions of {assignment!r} in {course.submitted_dir}; run collect first")
        ensure_gradebook(course.gradebook_url)
        done = read_status(course.gradebook_url, assignment)
        rows: dict[str, StatusRow] = {}
        for student in todo:
            previous = done.get(student)
            # A failed grading is the grader's fault, not the student's: it is tried again.
            if not force and previous is not None and previous.status != FAILED \
                    and previous.submitted == _version(course.submitted_dir / student / assignment):
                rows[student] = previous
        queue = [s for s in todo if s not in rows]
        # The workers start while the release is registered (their start-up is most of a small run's time).
        with (nullcontext() if client is not None or not queue else
              workers.ClusterStart(_resolve_scheduler(scheduler), local_workers(workers_count, len(queue)))) as start:
            release.register(course, assignment)
            from autograder.pipeline.late import store_due_date   # course.yml's due date, for nbgrader's late penalty
            store_due_date(course, assignment)
            state = Progress(total=len(todo), skipped=len(rows))
            if progress:
                progress(state)
            if queue:
                with one_gradebook(course.gradebook_url, course.course_id) as gradebook, schema_checked_once():
                    dask = client if client is not None else start.client()   # the caller's client: theirs to close
                    _Run(course, assignment, dask, gradebook, state, progress).run(queue, rows)
        return [rows[s] for s in todo]


def _next_finished(finished):
    """The next future of ``finished`` (a ``distributed.as_completed``) to complete.

    Waited for in slices, woken at once by a completion (as_completed notifies its condition),
    so that a Ctrl-C whose KeyboardInterrupt a library's finalizer swallowed still stops the
    run while every notebook it waits for is still running."""
    while True:
        ctrl_c.stop_if_pressed()
        with finished.thread_condition:
            if finished.has_ready():
                break
            finished.thread_condition.wait(timeout=0.1)
    return next(finished)


class _Run:
    """The coordinator's loop: sanitize ahead, hand notebooks to workers, judge and write as they finish."""

    def __init__(self, course: Course, assignment: str, client, gradebook, state: Progress,
                 progress: Callable[[Progress], None] | None):
        self.course, self.assignment, self.client, self.gradebook = course, assignment, client, gradebook
        self.state, self.progress = state, progress
        self.log = _logger(course, assignment)
        self.expected = course.notebooks(assignment)
        self.records = read_records(course, assignment)   # what each student sent, to say what a missing one was
        self.tag = f"run{os.getpid()}"
        self.config = nbgrader_config(course, root=course.workspace)
        self.config.CourseDirectory.assignment_id = assignment
        self.config.Autograde.force = True
        # nbconvert validates the notebook after every preprocessor (about 13 per pass, a sixth of the
        # coordinator's time); this, its own option, validates once after the last, raising the same error.
        self.config.Exporter.optimistic_validation = True
        from autograder.execution.execute_step import SandboxedExecute
        self.execute = SandboxedExecute(config=self.config)

    def run(self, queue: list[str], rows: dict[str, StatusRow]) -> None:
        from distributed import as_completed

        waiting = deque(queue)
        ahead = AHEAD_PER_WORKER * max(1, sum(self.client.nthreads().values()))
        pending: dict[str, _Pending] = {}
        finished = as_completed()
        while waiting or pending:
            ctrl_c.stop_if_pressed()
            while waiting and len(pending) < ahead:
                student = waiting.popleft()
                item = self._guard(student, lambda: self._prepare(student))
                if isinstance(item, StatusRow):
                    rows[student] = self._record(item)
                elif item.future is None:
                    rows[student] = self._record(self._guard(student, lambda: self._finish(item, None)))
                else:
                    pending[item.future.key] = item
                    finished.add(item.future)
                    self.state.running.append(student)
                    self._tell()
            if not pending:
                continue
            future = _next_finished(finished)
            item = pending.pop(future.key)
            self.state.running.remove(item.student)
            rows[item.student] = self._record(self._guard(item.student, lambda: self._finish(item, future)))

    def _guard(self, student: str, step):
        """Run one step for one student; a grader bug becomes a ``failed`` row, a lost database stops the run."""
        from autograder.execution.sandbox import SandboxUnavailable

        try:
            result = step()
            end_step(self.gradebook)   # what nbgrader wrote in this step, in one commit
            return result
        except (GradebookError, SandboxUnavailable):
            raise  # every later submission would fail the same way
        except Exception as exc:
            self.log.exception("grading %s/%s failed", student, self.assignment)
            end_step(self.gradebook, ok=False)   # a failed flush must not poison the next submission's steps
            shutil.rmtree(self.course.autograded_dir / student / self.assignment, ignore_errors=True)
            return StatusRow(self.assignment, student, FAILED, f"grading failed: {type(exc).__name__}: {exc}; "
                             f"see {self.course.workspace / 'logs'}; the next run grades it again",
                             _version(self.course.submitted_dir / student / self.assignment), 0.0,
                             _max_score(self.course, self.assignment), now())

    def _record(self, row: StatusRow) -> StatusRow:
        write_status(self.course.gradebook_url, row)
        self.state.finished += 1
        self.state.row = row
        self._tell()
        return row

    def _tell(self) -> None:
        if self.progress:
            self.progress(self.state)

    def _converter(self, student: str, malformed: dict[str, str], executed: dict | None = None) -> CourseAutograde:
        self.config.CourseDirectory.student_id = student
        return CourseAutograde(coursedir=CourseDirectory(config=self.config), config=self.config, log=self.log,
                                malformed=malformed, executed=executed)

    def _prepare(self, student: str) -> _Pending:
        """Check and sanitize one submission and send its notebooks to a worker."""
        folder = self.course.submitted_dir / student / self.assignment
        shutil.rmtree(self.course.autograded_dir / student / self.assignment, ignore_errors=True)
        missing, malformed = _check_notebooks(folder, self.expected)
        record = self.records.get(student, {})
        item = _Pending(student, [(MISSING, f"{not_submitted(n, record)} (scored 0)") for n in missing]
                        + [(MALFORMED, f"{reason} (scored 0)") for reason in malformed.values()], malformed)
        if len(missing) + len(malformed) == len(self.expected):
            return item
        converter = self._converter(student, malformed)
        try:
            converter.start()
        except NbGraderException as exc:
            item.outcomes.append(converter.failure or (FAILED, f"nbgrader stopped: {exc}"))
            return item
        item.outcomes += converter.outcomes
        done = self.course.autograded_dir / student / self.assignment
        notebooks = tuple((n, (done / f"{n}.ipynb").read_text(encoding="utf-8"))
                          for n in self.expected if (done / f"{n}.ipynb").exists())
        if not notebooks:
            return item
        from autograder.execution.sandbox import side_files

        ex = self.execute
        item.job = workers.Job(student, notebooks, side_files(done), ex.limits(), ex.use_sandbox,
                               ex.allow_unsandboxed, ex.sandbox_uid, tuple(ex.hide_paths), self.tag)
        item.future = self.client.submit(workers.execute, item.job, pure=False,
                                         key=f"grade-{self.assignment}-{student}-{uuid.uuid4().hex[:8]}")
        return item

    def _finish(self, item: _Pending, future) -> StatusRow:
        """Judge what the worker returned and store the scores; a job lost twice is a ``failed`` row."""
        from autograder.execution.sandbox import SandboxUnavailable

        done = self.course.autograded_dir / item.student / self.assignment
        if future is not None:
            start = time.monotonic()
            try:
                executed = future.result()
            except SandboxUnavailable:
                raise
            except Exception as exc:  # the worker died (twice) or could not start the job
                self.log.error("running %s/%s on a worker failed: %r", item.student, self.assignment, exc)
                shutil.rmtree(done, ignore_errors=True)
                item.outcomes.append((FAILED, f"the worker running it failed ({type(exc).__name__}: {exc}); "
                                              f"the next run grades it again"))
            else:
                converter = self._converter(item.student, item.malformed, executed)
                try:
                    converter.start()
                except NbGraderException as exc:
                    item.outcomes.append(converter.failure or (FAILED, f"nbgrader stopped: {exc}"))
                item.outcomes += converter.outcomes
                self.log.info("judged %s/%s in %.2f s", item.student, self.assignment, time.monotonic() - start)
        gb = self.gradebook
        # Whatever left no autograded notebook (missing, unreadable, or a run nbgrader gave up on and
        # removed) scores 0 explicitly, so no cell stays "needs manual grading" by accident.
        failed = [n for n in self.expected if not (done / f"{n}.ipynb").exists()]
        zero_notebooks(gb, self.assignment, item.student, failed)
        submission = gb.find_submission(self.assignment, item.student)
        score, max_score = float(submission.score), float(submission.max_score)
        # _guard commits the scores (ending the transaction, so the status row's own connection can
        # write) or, on an error, rolls them back.
        status = max((s for s, _ in item.outcomes), key=SEVERITY.index, default=GRADED)
        reason = "; ".join(r for _, r in item.outcomes) or "every notebook ran to the end"
        return StatusRow(self.assignment, item.student, status, reason,
                         _version(self.course.submitted_dir / item.student / self.assignment),
                         score, max_score, now())
