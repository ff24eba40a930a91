"""``release``: generate the student notebooks in ``exercises/`` from ``solutions/``.

nbgrader's generate_assignment removes solution regions and hidden tests. This
module runs it, checks that what it wrote is current (``stale``) and that nothing
of the answers leaked (``leaks``), and registers an assignment in the gradebook so
hidden tests can be put back at grading time (``register``).
"""
from __future__ import annotations

import filecmp
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder import i18n
from autograder.config import Course
from autograder.errors import SourceError
from autograder.pipeline.gradebook import ensure_gradebook
from autograder.pipeline.nbconfig import nbgrader_config

#: Text that must never reach a student: nbgrader's region markers.
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS",
           "BEGIN MARK SCHEME", "END MARK SCHEME")
_REGION = re.compile(r"^[ \t]*#+[ \t]*BEGIN (SOLUTION|HIDDEN TESTS)[ \t]*\n(.*?)^[ \t]*#+[ \t]*END \1",
                     re.MULTILINE | re.DOTALL)


def _generate(course: Course, assignment: str, out_dir: Path, *, db: bool) -> None:
    """Run nbgrader generate_assignment for one assignment into ``out_dir/<assignment>``."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.converters.base import NbGraderException
    from nbgrader.coursedir import CourseDirectory

    c = nbgrader_config(course, root=course.repo)
    c.CourseDirectory.release_directory = os.path.relpath(out_dir, course.repo)
    c.CourseDirectory.assignment_id = assignment
    c.GenerateAssignment.force = True
    c.GenerateAssignment.no_database = not db
    if not db:
        # nbgrader's app drops SaveCells for --no-db; the converter alone does not
        c.GenerateAssignment.preprocessors = [p for p in GenerateAssignment.class_traits()["preprocessors"].default()
                                              if p.__name__ != "SaveCells"]
    coursedir = CourseDirectory(config=c)
    log, errors = _capturing_logger(f"autograder.pipeline.release.{assignment}")
    try:
        GenerateAssignment(coursedir=coursedir, config=c, log=log).start()
    except NbGraderException as exc:
        why = next((e for e in reversed(errors) if not e.startswith(("Please see", "There was an error processing"))),
                   str(exc))
        raise SourceError(f"nbgrader could not generate {assignment!r} from {course.source_dir / assignment}: "
                          f"{why.strip().splitlines()[-1]}") from exc
    for path in (out_dir / assignment).rglob("*"):
        if path.is_file():
            # nbgrader writes 644; keep git's view of the files stable whatever the umask
            path.chmod(0o644)


def _capturing_logger(name: str) -> tuple[logging.Logger, list[str]]:
    """A quiet logger for nbgrader that keeps its error messages for our exception."""
    log = logging.getLogger(name)
    log.propagate = False
    log.handlers.clear()
    errors: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record.getMessage())

    log.addHandler(Keep(logging.ERROR))
    return log, errors


def release(course: Course, assignments: list[str] | None = None) -> list[Path]:
    """Regenerate ``exercises/<assignment>/`` for each assignment; return the notebooks written."""
    names = [course.check_assignment(a) for a in assignments] if assignments else course.assignments()
    written = []
    for name in names:
        _generate(course, name, course.release_dir, db=False)
        written += sorted((course.release_dir / name).glob("*.ipynb"))
    return written


def register(course: Course, assignment: str) -> None:
    """Store the assignment's source cells (with hidden tests) in the gradebook.

    Autograding restores every locked test cell from the gradebook, which is how
    hidden tests come back into a student's notebook. Generating again into a
    scratch folder of the workspace keeps exercises/ untouched.
    """
    course.workspace.mkdir(parents=True, exist_ok=True)
    for leftover in course.workspace.glob(".release-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # from a run killed before it could clean up
    ensure_gradebook(course.gradebook_url)
    with tempfile.TemporaryDirectory(dir=course.workspace, prefix=".release-") as scratch:
        _generate(course, assignment, Path(scratch), db=True)


def stale(course: Course, assignments: list[str] | None = None) -> list[str]:
    """Differences between exercises/ and a fresh release, one line each; empty when current."""
    names = assignments or course.assignments()
    problems = []
    with tempfile.TemporaryDirectory(prefix="backprop-release-") as scratch:
        fresh = Path(scratch)
        for name in names:
            _generate(course, name, fresh, db=False)
            problems += _compare(fresh / name, course.release_dir / name,
                                 f"{course.release_dir.relative_to(course.repo).as_posix()}/{name}")
    # exercises/ko/ holds the Korean release, beside the English assignments
    released = {p.name for p in course.release_dir.iterdir() if p.is_dir() and p.name not in i18n.languages()} \
        if course.release_dir.is_dir() else set()
    label = course.release_dir.relative_to(course.repo).as_posix()
    problems += [f"{label}/{extra}: no such assignment in {course.source_dir.relative_to(course.repo).as_posix()}/"
                 for extra in sorted(released - set(names)) if not assignments]
    return problems


def _compare(fresh: Path, current: Path, label: str) -> list[str]:
    if not current.is_dir():
        return [f"{label}: missing"]
    cmp = filecmp.dircmp(fresh, current, ignore=["__pycache__", ".ipynb_checkpoints"])
    return _walk(cmp, label)


def _walk(cmp: filecmp.dircmp, label: str) -> list[str]:
    out = [f"{label}/{n}: missing" for n in cmp.left_only]
    out += [f"{label}/{n}: not produced by release" for n in cmp.right_only]
    _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
    out += [f"{label}/{n}: differs from a fresh release" for n in mismatch + errors]
    for sub, subcmp in sorted(cmp.subdirs.items()):
        out += _walk(subcmp, f"{label}/{sub}")
    return out


def leaks(course: Course, assignments: list[str] | None = None) -> list[str]:
    """What of the answers is visible in exercises/: markers, solution code, hidden tests, outputs.

    Returns one line per finding; empty when the release is clean.
    """
    from nbgrader.utils import compute_checksum

    findings = []
    for name in assignments or course.assignments():
        for source_path in sorted((course.source_dir / name).glob("*.ipynb")):
            released_path = course.release_dir / name / source_path.name
            label = f"{course.release_dir.relative_to(course.repo).as_posix()}/{name}/{source_path.name}"
            if not released_path.exists():
                findings.append(f"{label}: missing (run release)")
                continue
            secrets = _secret_regions(nbformat.read(source_path, as_version=4))
            released = nbformat.read(released_path, as_version=4)
            text = "\n".join(cell.source for cell in released.cells)
            flat = _squash(text)
            findings += [f"{label}: contains the marker {m!r}" for m in MARKERS if m in text]
            findings += [f"{label}: contains solution or hidden-test text {s[:60]!r}"
                         for s in secrets if _squash(s) and _squash(s) in flat]
            for i, cell in enumerate(released.cells):
                if cell.get("outputs"):
                    findings.append(f"{label}: cell {i} carries outputs from the solution run")
                meta = cell.metadata.get("nbgrader", {})
                # a checksum of the instructor's cell would let a student test guesses offline
                if "checksum" in meta and meta["checksum"] != compute_checksum(cell):
                    findings.append(f"{label}: cell {i} ({meta.get('grade_id')}) has a checksum "
                                    f"that was not computed from the released text")
    return findings


def _secret_regions(nb: nbformat.NotebookNode) -> list[str]:
    """Texts that must not appear in the release: each solution body and each hidden-test body
    as a whole, and every hidden-test line that calls a check or imports the grader.

    Single solution lines are not secrets by themselves: ``return self.out`` may well
    be part of the code a student is given.
    """
    secrets = []
    for cell in nb.cells:
        for kind, body in _REGION.findall(cell.source):
            if body.strip():
                secrets.append(body.strip())
            if kind == "HIDDEN TESTS":
                secrets += [line.strip() for line in body.splitlines()
                            if "check(" in line or "autograder" in line or "reference" in line]
    return secrets


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)
