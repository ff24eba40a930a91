"""Read back what grading produced: graded cells, scores and verdicts per submission.

Feedback and the report both start here. What is read: the instructor's
notebooks for the list and order of graded cells (with the one-line docstring
each test opens with, which students see anyway, and the heading above each
exercise), the gradebook for points and lateness, the verdict bundles that
TrustedVerdicts left in autograded notebooks, and the submitted notebooks next to
the release (autograder.pipeline.attempt), and the trail of the instructor's changes
(autograder.pipeline.changes). Hidden test source is never read here, so it cannot
leak into anything built on it. Scores carry nbgrader's names (autograder.pipeline.scores):
``raw_score``, ``late_penalty``, and ``score`` after it.

:func:`standings` puts every roster student beside the graded submissions, so a
student who sent nothing is listed (and counted) rather than left out.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry

from autograder.config import Course
from autograder.i18n import N_
from autograder.pipeline import attempt as attempt_mod
from autograder.pipeline import changes as trail
from autograder.pipeline.changes import Change
from autograder.pipeline.gradebook import StatusRow, open_gradebook, read_status
from autograder.pipeline.lateness import Lateness, read_lateness
from autograder.pipeline.preprocessors import VERDICT_MIME
from autograder.pipeline.roster import Roster
from autograder.pipeline.scores import final

#: Status of a roster student with no submission folder at all.
NOT_SUBMITTED = N_("not submitted")
#: Status of a collected submission that has no grading status row yet.
NOT_GRADED = N_("collected, not graded yet")


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
    score: float                                       # nbgrader's: the manual score if one is set, plus extra credit
    checks: list[dict] = field(default_factory=list)   # {"check", "passed", "message", "hint"}
    auto_score: float | None = None                    # what the autograder gave, when a person changed it

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
    changes: list[Change] = field(default_factory=list)   # the trail, oldest first

    @property
    def raw_score(self) -> float:
        """nbgrader's raw score: the points of every graded cell, before any late penalty."""
        return sum(c.score for c in self.cells)

    @property
    def late_penalty(self) -> float:
        return self.lateness.penalty if self.lateness else 0.0

    @property
    def score(self) -> float:
        """The grade: the raw score less the late penalty (autograder.pipeline.scores.final)."""
        return final(self.raw_score, self.late_penalty)

    @property
    def comments(self) -> list[Change]:
        """Comments in force to the student (on the assignment or an exercise), in the order given."""
        out = {}
        for change in trail.in_force(self.changes):
            if change.what in trail.COMMENT_KINDS:
                out.pop(change.target, None)
                out[change.target] = change
        return [c for c in out.values() if c.new]

    @property
    def grade_changes(self) -> list[Change]:
        """The trail in force without the comments: what an instructor changed about the grade."""
        return [c for c in trail.in_force(self.changes) if c.what not in trail.COMMENT_KINDS]

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
    changes = trail.read(course.gradebook_url, assignment)
    result = []
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        for student in sorted(status):
            scores, autos = {}, {}
            try:
                sub = gb.find_submission(assignment, student)
            except MissingEntry:  # grading failed before nbgrader stored anything: all 0
                sub = None
            for nb in sub.notebooks if sub else []:
                for grade in nb.grades:
                    scores[(nb.name, grade.name)] = float(grade.score or 0)
                    if grade.manual_score is not None or grade.extra_credit:
                        autos[(nb.name, grade.name)] = float(grade.auto_score or 0)
            verdicts = _verdicts(course, assignment, student)
            result.append(Submission(student, status[student], [
                CellResult(c, scores.get((c.notebook, c.grade_id), 0.0), verdicts.get((c.notebook, c.grade_id), []),
                           autos.get((c.notebook, c.grade_id)))
                for c in cells],
                attempt_mod.compare(course.release_dir / assignment, course.submitted_dir / student / assignment,
                                    notebooks),
                read_lateness(sub) if sub else None, changes.get(student, [])))
    return result


@dataclass(frozen=True)
class Standing:
    """One student of the report and the export: on the roster, graded, or both."""

    student: str
    name: str                  # from the roster ("" when the roster gives none, or the student is not on it)
    status: str                # the graded submission's label, NOT_GRADED or NOT_SUBMITTED
    sub: Submission | None     # None: no graded submission, so no score
    on_roster: bool
    changes: list[Change]      # the trail, also for a student not graded yet (an extension given early)

    @property
    def sent_nothing(self) -> bool:
        return self.status == NOT_SUBMITTED


def collected(course: Course, assignment: str, student: str) -> bool:
    return (course.submitted_dir / student / assignment).is_dir()


def standings(course: Course, assignment: str, roster: Roster | None,
              subs: list[Submission] | None = None) -> list[Standing]:
    """Every roster student in roster order, then graded students not on it (by id)."""
    subs = submissions(course, assignment) if subs is None else subs
    graded = {s.student: s for s in subs}
    changes = trail.read(course.gradebook_url, assignment)
    out = []
    for s in roster or []:
        sub = graded.get(s.id)
        status = sub.label if sub else NOT_GRADED if collected(course, assignment, s.id) else NOT_SUBMITTED
        out.append(Standing(s.id, s.name, status, sub, True, changes.get(s.id, [])))
    known = {s.id for s in roster or []}
    out += [Standing(sub.student, "", sub.label, sub, False, sub.changes) for sub in subs if sub.student not in known]
    return out


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
