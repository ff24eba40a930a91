"""``grade``: autograde every collected submission of an assignment.

The loop is ours, one student at a time, so that one broken submission never
stops the batch and every submission ends with a status row and a reason.
nbgrader's Autograde does the work for each student: it restores locked and
deleted test cells from the gradebook, runs the notebook (in the sandbox when it
is installed), and saves the grades that TrustedVerdicts left in the outputs.

A second run skips submissions whose status row matches their timestamp, so an
interrupted run resumes where it stopped and never grades anything twice.
"""
from __future__ import annotations

import logging
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, TextIO

import nbformat
from nbgrader.converters import Autograde
from nbgrader.converters.base import NbGraderException
from nbgrader.coursedir import CourseDirectory

from autograder import release
from autograder.config import Course, nbgrader_config
from autograder.errors import GradebookError, SourceError, UsageError
from autograder.lock import grading_lock, workspace_lock
from autograder.gradebook import StatusRow, now, open_gradebook, read_status, write_status, zero_notebooks
from autograder.preprocessors import (FAILED, GRADED, MALFORMED, MISSING, OUTCOME_KEY, SEVERITY)


class _CourseAutograde(Autograde):
    """nbgrader's Autograde that skips unreadable notebooks and keeps each notebook's outcome."""

    def __init__(self, *args, malformed: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.malformed = malformed        # notebook name -> why it cannot be read
        self.outcomes: list[tuple[str, str]] = []
        self.failure: tuple[str, str] | None = None

    def init_assignment(self, assignment_id, student_id):
        keep = [nb for nb in self.notebooks if Path(nb).stem not in self.malformed]
        if not keep:
            # nbgrader would stop here with "No notebooks found"; the caller handles this case
            raise NbGraderException("no readable notebook")
        super().init_assignment(assignment_id, student_id)
        self.notebooks = [nb for nb in self.notebooks if Path(nb).stem not in self.malformed]

    def convert_single_notebook(self, notebook_filename):
        try:
            super().convert_single_notebook(notebook_filename)
        except Exception as exc:
            from nbgrader.nbgraderformat import ValidationError
            status = MALFORMED if isinstance(exc, (ValidationError, nbformat.ValidationError)) else FAILED
            self.failure = (status, f"{Path(notebook_filename).name}: {type(exc).__name__}: {exc}")
            raise

    def write_single_notebook(self, output, resources):
        name = resources["nbgrader"]["notebook"]
        self.outcomes += [(status, f"{name}: {reason}") for status, reason in resources.get(OUTCOME_KEY, [])]
        super().write_single_notebook(output, resources)


def _check_notebooks(folder: Path, expected: list[str]) -> tuple[list[str], dict[str, str]]:
    """(missing notebooks, {malformed notebook: reason}) of one submitted folder."""
    missing, malformed = [], {}
    for name in expected:
        path = folder / f"{name}.ipynb"
        if not path.exists():
            missing.append(name)
            continue
        try:
            nb = nbformat.read(path, as_version=4)
            nbformat.validate(nb)
        except Exception as exc:  # not JSON, not a notebook, wrong encoding: all the same to us
            malformed[name] = f"{name}.ipynb is not a readable notebook ({type(exc).__name__}: " \
                              f"{str(exc).splitlines()[0][:160] if str(exc) else ''})"
    return missing, malformed


def _timestamp(folder: Path) -> str:
    path = folder / "timestamp.txt"
    return path.read_text().strip() if path.exists() else ""


@contextmanager
def _exclusive(course: Course, wait: float = 0.0, on_wait: Callable[[str], None] | None = None):
    """Hold the workspace's lock, then the gradebook's, which several workspaces may share (autograder.lock)."""
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


def _max_score(course: Course, assignment: str) -> float:
    from autograder.results import graded_cells
    return sum(cell.points for cell in graded_cells(course, assignment))


def submissions(course: Course, assignment: str) -> list[str]:
    """Students with a folder submitted/<student>/<assignment>/."""
    if not course.submitted_dir.is_dir():
        return []
    return sorted(p.parent.name for p in course.submitted_dir.glob(f"*/{assignment}") if p.is_dir())


def grade(course: Course, assignment: str, *, force: bool = False, students: list[str] | None = None,
          progress: Callable[[int, int, StatusRow], None] | None = None, wait: float = 0.0,
          on_wait: Callable[[str], None] | None = None) -> list[StatusRow]:
    """Autograde the submissions of ``assignment``; return one status row per submission.

    force: grade again even submissions already graded at their current timestamp.
    students: only these (default: every collected submission).
    progress: called after each submission with (done, total, row).
    wait: seconds to wait for another run holding the workspace or the gradebook (then GradebookError);
    on_wait is told who holds it when this run starts waiting.
    """
    from autograder.sandbox import require_sandbox

    course.check_assignment(assignment)
    unknown = sorted(set(students or ()) - set(submissions(course, assignment)))
    if unknown:   # before anything is written: zero rows for a typo would look like a real student
        raise UsageError(f"no collected submission of {assignment!r} for {', '.join(map(repr, unknown))} in "
                         f"{course.submitted_dir}; check the id or run collect first")
    require_sandbox(course.allow_unsandboxed)  # refuse before touching anything, not once per student
    with _exclusive(course, wait, on_wait):
        release.register(course, assignment)
        from autograder.late import store_due_date   # course.yml's due date, for nbgrader's late penalty
        store_due_date(course, assignment)
        todo = students or submissions(course, assignment)
        if not todo:
            raise SourceError(f"no submissions of {assignment!r} in {course.submitted_dir}; run collect first")
        done = read_status(course.gradebook_url, assignment)
        log = _logger(course, assignment)
        rows = []
        for i, student in enumerate(todo, 1):
            folder = course.submitted_dir / student / assignment
            previous = done.get(student)
            if not force and previous is not None and previous.submitted == _timestamp(folder):
                row = previous
            else:
                try:
                    row = _grade_one(course, assignment, student, log)
                except GradebookError:
                    raise  # the database is gone: every later submission would fail the same way
                except Exception as exc:  # a grader bug: record it, and go on with the next one
                    log.exception("grading %s/%s failed", student, assignment)
                    row = StatusRow(assignment, student, FAILED, f"grading failed: {type(exc).__name__}: {exc}; "
                                    f"see {course.workspace / 'logs'}", _timestamp(folder), 0.0,
                                    _max_score(course, assignment), now())
                write_status(course.gradebook_url, row)
            rows.append(row)
            if progress:
                progress(i, len(todo), row)
        return rows


def _grade_one(course: Course, assignment: str, student: str, log: logging.Logger) -> StatusRow:
    folder = course.submitted_dir / student / assignment
    expected = course.notebooks(assignment)
    shutil.rmtree(course.autograded_dir / student / assignment, ignore_errors=True)
    missing, malformed = _check_notebooks(folder, expected)
    outcomes = [(MISSING, f"{n}.ipynb was not submitted (scored 0)") for n in missing]
    outcomes += [(MALFORMED, f"{reason} (scored 0)") for reason in malformed.values()]

    if len(missing) + len(malformed) < len(expected):
        c = nbgrader_config(course, root=course.workspace)
        c.CourseDirectory.assignment_id = assignment
        c.CourseDirectory.student_id = student
        c.Autograde.force = True
        converter = _CourseAutograde(coursedir=CourseDirectory(config=c), config=c, log=log, malformed=malformed)
        start = time.monotonic()
        try:
            converter.start()
        except NbGraderException as exc:
            outcomes.append(converter.failure or (FAILED, f"nbgrader stopped: {exc}"))
        except Exception as exc:  # a grader bug must not stop the batch; the log has the traceback
            log.exception("grading %s/%s failed", student, assignment)
            outcomes.append((FAILED, f"grading failed: {type(exc).__name__}: {exc}"))
        outcomes += converter.outcomes
        log.info("graded %s/%s in %.1f s", student, assignment, time.monotonic() - start)

    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        # Whatever left no autograded notebook (missing, unreadable, or a run nbgrader gave up on and
        # removed) scores 0 explicitly, so no cell stays "needs manual grading" by accident.
        done = course.autograded_dir / student / assignment
        failed = [n for n in expected if not (done / f"{n}.ipynb").exists()]
        zero_notebooks(gb, assignment, student, failed)
        submission = gb.find_submission(assignment, student)
        score, max_score = float(submission.score), float(submission.max_score)

    status = max((s for s, _ in outcomes), key=SEVERITY.index, default=GRADED)
    reason = "; ".join(r for _, r in outcomes) or "every notebook ran to the end"
    return StatusRow(assignment, student, status, reason, _timestamp(folder), score, max_score, now())


def progress_bar(stream: TextIO = sys.stderr, width: int = 30) -> Callable[[int, int, StatusRow], None]:
    """A progress callback drawing ``[#####.....] 3/10 alice: graded 12/15`` on ``stream``."""
    live = getattr(stream, "isatty", lambda: False)()

    def show(done: int, total: int, row: StatusRow) -> None:
        filled = int(width * done / total)
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {row.student}: {row.status} "
                f"{row.score:g}/{row.max_score:g}")
        stream.write(("\r\033[K" + line + ("\n" if done == total else "")) if live else line + "\n")
        stream.flush()
    return show
