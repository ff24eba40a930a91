"""Read back what grading produced: graded cells, scores and verdicts per submission.

Feedback and the report both start here. What is read: the instructor's
notebooks for the list and order of graded cells (with the one-line docstring
each test opens with, which students see anyway, and the heading above each
exercise), the gradebook for points and lateness, the verdict bundles that
TrustedVerdicts left in autograded notebooks, and the submitted notebooks next to
the release (autograder.pipeline.attempt). Hidden test source is never read here, so it
cannot leak into anything built on it.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry

from autograder.config import Course
from autograder.pipeline import attempt as attempt_mod
from autograder.pipeline.gradebook import StatusRow, open_gradebook, read_status
from autograder.pipeline.lateness import Lateness, read_lateness
from autograder.pipeline.preprocessors import VERDICT_MIME


@dataclass(frozen=True)
class GradedCell:
    notebook: str
    grade_id: str
    exercise: str      # grade_id of the solution cell the test follows ("" before any)
    points: float
    title: str         # the test's one-line docstring
    exercise_title: str = ""   # the heading above the exercise's solution cell ("" when none)


@dataclass
class CellResult:
    cell: GradedCell
    score: float
    checks: list[dict] = field(default_factory=list)   # {"check", "passed", "message", "hint"}

    @property
    def passed(self) -> bool:
        """Full points; a 0-point warm-up passes when every check of its cell passed."""
        if self.cell.points > 0:
            return self.score >= self.cell.points
        return bool(self.checks) and all(check.get("passed") is True for check in self.checks)


@dataclass
class Submission:
    student: str
    status: StatusRow | None
    cells: list[CellResult]
    attempt: attempt_mod.Attempt | None = None    # None: no submitted notebook could be compared
    lateness: Lateness | None = None              # None: nbgrader has no submission row

    @property
    def score(self) -> float:
        """Points earned, before any late penalty."""
        return sum(c.score for c in self.cells)

    @property
    def penalty(self) -> float:
        return self.lateness.penalty if self.lateness else 0.0

    @property
    def final_score(self) -> float:
        """The grade after the late penalty, as nbgrader's export computes it."""
        return max(0.0, self.score - self.penalty)

    @property
    def label(self) -> str:
        """Grading status refined by the attempt: 'not attempted', 'test cells edited and restored'."""
        return attempt_mod.label(self.status.status if self.status else "unknown", self.attempt)

    @property
    def max_score(self) -> float:
        return sum(c.cell.points for c in self.cells)


def _heading(source: str) -> str:
    """Text of the last Markdown heading in a cell ('' when it has none); code fences are skipped."""
    found, fenced = [], False
    for line in source.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6}\s+(.+?)\s*#*\s*$", line)):
            found.append(m.group(1))
    return found[-1] if found else ""


def _title(source: str) -> str:
    """First line of the docstring a test cell opens with ('' when it has none)."""
    head = source.split("### BEGIN HIDDEN TESTS")[0]
    try:
        tree = ast.parse(head)
    except SyntaxError:
        return ""
    doc = ast.get_docstring(tree) if tree.body else None
    return doc.strip().splitlines()[0] if doc else ""


def graded_cells(course: Course, assignment: str) -> list[GradedCell]:
    """Graded cells of the assignment in notebook order, each tied to the exercise it tests."""
    cells = []
    for name in course.notebooks(assignment):
        nb = nbformat.read(course.source_dir / assignment / f"{name}.ipynb", as_version=4)
        exercise, heading, title = "", "", ""
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and _heading(cell.source):
                heading = _heading(cell.source)
            if meta.get("solution") and not meta.get("grade"):
                exercise, title = meta.get("grade_id", exercise), heading
            elif meta.get("grade"):
                cells.append(GradedCell(name, meta["grade_id"], exercise or meta["grade_id"],
                                        float(meta.get("points", 0)), _title(cell.source), title))
    return cells


def _verdicts(course: Course, assignment: str, student: str) -> dict[tuple[str, str], list[dict]]:
    out = {}
    folder = course.autograded_dir / student / assignment
    for path in sorted(folder.glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # an autograded file we cannot read shows as "no verdict"
            continue
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if not meta.get("grade"):
                continue
            for output in cell.get("outputs", []):
                summary = output.get("data", {}).get(VERDICT_MIME)
                if isinstance(summary, dict):
                    out[(path.stem, meta["grade_id"])] = list(summary.get("checks", []))
    return out


def submissions(course: Course, assignment: str) -> list[Submission]:
    """Every graded submission of the assignment (those with a status row), by student id."""
    cells = graded_cells(course, assignment)
    notebooks = course.notebooks(assignment)
    status = read_status(course.gradebook_url, assignment)
    result = []
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        for student in sorted(status):
            scores = {}
            try:
                sub = gb.find_submission(assignment, student)
            except MissingEntry:  # grading failed before nbgrader stored anything: all 0
                sub = None
            for nb in sub.notebooks if sub else []:
                for grade in nb.grades:
                    scores[(nb.name, grade.name)] = float(grade.score or 0)
            verdicts = _verdicts(course, assignment, student)
            result.append(Submission(student, status[student], [
                CellResult(c, scores.get((c.notebook, c.grade_id), 0.0), verdicts.get((c.notebook, c.grade_id), []))
                for c in cells],
                attempt_mod.compare(course.release_dir / assignment, course.submitted_dir / student / assignment,
                                    notebooks),
                read_lateness(sub) if sub else None))
    return result


def hints(sub: Submission) -> list[str]:
    """Diagnosed mistakes (judge hints) of one submission, in cell order, without repeats."""
    seen = []
    for cell in sub.cells:
        for check in cell.checks:
            if check.get("hint") and not check.get("passed") and check["hint"] not in seen:
                seen.append(check["hint"])
    return seen


def output_dir(base: Path, *parts: str) -> Path:
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
