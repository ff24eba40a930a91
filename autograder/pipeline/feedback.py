"""``feedback``: one HTML page per student with points, messages and hints.

Built from autograder.pipeline.results, so it shows what each test checks (its one-line
docstring), the points, the judge's messages and hints, how late the work was
and what that cost (raw score, late penalty, score), the instructor's comments and
every change an instructor made to the grade (when, what, why, by which command), and
whether it was attempted at all, but never the source of
a test cell: hidden tests stay hidden after grading too. The page is the
template ``feedback.html`` (autograder.pipeline.pages says where a course puts its own).
"""
from __future__ import annotations

from pathlib import Path

import jinja2

from autograder.config import Course
from autograder.errors import SourceError
from autograder.pipeline import pages
from autograder.pipeline.attempt import NOT_ATTEMPTED, TESTS_RESTORED
from autograder.pipeline.instructor import notice_formgrader
from autograder.pipeline.results import Submission, submissions


def render(assignment: str, sub: Submission, env: jinja2.Environment | None = None) -> str:
    """The feedback page of one submission, as a complete HTML document."""
    notebooks = []
    for name in dict.fromkeys(c.cell.notebook for c in sub.cells):
        cells = [c for c in sub.cells if c.cell.notebook == name]
        notebooks.append((name, cells, sum(c.score for c in cells), sum(c.cell.points for c in cells)))
    exercises = {f"{c.cell.notebook}:{c.cell.exercise}": c.cell.exercise_title or c.cell.exercise for c in sub.cells}
    return pages.render(env or pages.environment(), "feedback.html", assignment=assignment, sub=sub,
                        notebooks=notebooks, exercises=exercises, not_attempted=NOT_ATTEMPTED,
                        tests_restored=TESTS_RESTORED)


def feedback(course: Course, assignment: str, command: str = "backprop-grader feedback") -> list[Path]:
    """Write feedback/<student>/<assignment>/feedback.html for every graded submission.

    What a grader changed in nbgrader's formgrader since the last look goes to the trail
    first (autograder.pipeline.instructor.notice_formgrader), noticed by ``command``.
    """
    course.check_assignment(assignment)
    notice_formgrader(course, assignment, command)
    subs = submissions(course, assignment)
    if not subs:
        raise SourceError(f"nothing graded yet for {assignment!r}; run grade first")
    env = pages.environment(course)
    written = []
    for sub in subs:
        folder = course.feedback_dir / sub.student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "feedback.html"
        path.write_text(render(assignment, sub, env), encoding="utf-8")
        written.append(path)
    return written
