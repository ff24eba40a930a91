"""Read back what grading produced: graded cells, scores and verdicts per submission.

Feedback and the report both start here. Only three things are read: the
instructor's notebooks for the list and order of graded cells (with the one-line
docstring each test opens with, which students see anyway), the gradebook for
points, and the verdict bundles that TrustedVerdicts left in autograded notebooks.
Test-cell source is never read here, so it cannot leak into anything built on it.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry

from autograder.config import Course
from autograder.gradebook import StatusRow, open_gradebook, read_status
from autograder.preprocessors import VERDICT_MIME


@dataclass(frozen=True)
class GradedCell:
    notebook: str
    grade_id: str
    exercise: str      # grade_id of the solution cell the test follows ("" before any)
    points: float
    title: str         # the test's one-line docstring


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

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.cell.points for c in self.cells)


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
        exercise = ""
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and not meta.get("grade"):
                exercise = meta.get("grade_id", exercise)
            elif meta.get("grade"):
                cells.append(GradedCell(name, meta["grade_id"], exercise or meta["grade_id"],
                                        float(meta.get("points", 0)), _title(cell.source)))
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
                for c in cells]))
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
