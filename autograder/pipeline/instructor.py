"""The instructor's verbs on one student's grade: extend, override, regrade, comment.

Each writes to nbgrader's gradebook (see autograder.pipeline.changes for which field)
and appends its row to the trail, with the reason and the command line, while holding
the gradebook's lock so it never races a grading run. A late penalty that depends on
what changed (an extension, a cell's points) is computed again at once by nbgrader's
own AssignLatePenalties step (the course's, which applies the trail), so the gradebook,
feedback, report and export agree without a regrade.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone

import nbformat
from nbgrader.api import MissingEntry

from autograder.config import Course
from autograder.errors import UsageError
from autograder.pipeline import changes as trail
from autograder.pipeline.changes import Change
from autograder.pipeline.duedates import load_settings, parse_time
from autograder.pipeline.gradebook import open_gradebook, read_status
from autograder.pipeline.lateness import when
from autograder.pipeline.lock import grading_lock
from autograder.pipeline.results import graded_cells
from autograder.pipeline.roster import STUDENT_ID
from autograder.pipeline.scores import number, sentence


@dataclass(frozen=True)
class Done:
    """What a verb changed, and the submission's score afterwards ('' when it has none yet)."""

    change: Change
    score: str


def _graded(course: Course, assignment: str, student: str, verb: str) -> None:
    if student not in read_status(course.gradebook_url, assignment):
        raise UsageError(f"{student!r} has no graded submission of {assignment!r} to {verb}; check the id, "
                         f"or collect and grade it first")


def _student(student: str) -> str:
    if not STUDENT_ID.match(student):
        raise UsageError(f"{student!r} is not a student id (letters, digits and . _ @ + - only)")
    return student


def _score(course: Course, assignment: str, student: str) -> str:
    if student not in read_status(course.gradebook_url, assignment):
        return ""
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return ""
        return sentence(float(sub.score), float(sub.late_submission_penalty or 0), float(sub.max_score))


def recompute_penalties(course: Course, assignment: str, student: str) -> None:
    """Run the course's AssignLatePenalties step on every notebook of a graded submission."""
    from autograder.pipeline.nbconfig import nbgrader_config
    from autograder.pipeline.passes import end_step, one_gradebook

    config = nbgrader_config(course, root=course.workspace)
    with one_gradebook(course.gradebook_url, course.course_id) as gb:
        names = sorted(nb.name for nb in gb.find_submission(assignment, student).notebooks)
        step = trail.CourseLatePenalties(config=config)
        for name in names:
            step.preprocess(nbformat.v4.new_notebook(), {"nbgrader": {
                "notebook": name, "assignment": assignment, "student": student, "db_url": course.gradebook_url}})
        end_step(gb)


def extend(course: Course, assignment: str, student: str, due: str | None, reason: str, command: str, *,
           wait: float = 0.0) -> Done:
    """Give ``student`` their own due date ``due`` (course.yml's zone unless it names one); None withdraws it."""
    course.check_assignment(assignment)
    _student(student)
    settings = load_settings(course.workspace, course.repo)
    assigned = settings.due.get(assignment)
    if assigned is None:
        raise UsageError(f"{assignment!r} has no due date in course.yml, so there is nothing to extend")
    new = ""
    if due is not None:
        moment = parse_time(due, settings.tz, "--due")
        if moment <= assigned:
            raise UsageError(f"--due {due!r} is not after {assignment}'s due date {when(assigned, settings.tz)}: "
                             f"an extension moves the due date later")
        new = moment.astimezone(timezone.utc).isoformat()
    with grading_lock(course.gradebook_url, course.workspace, wait=wait):
        previous = trail.own_due(trail.read(course.gradebook_url, assignment).get(student, []))
        change = Change(assignment, student, "extension", "", previous.isoformat() if previous else "", new,
                        reason, trail.now(), command)
        trail.record(course.gradebook_url, [change])
        if student in read_status(course.gradebook_url, assignment):
            recompute_penalties(course, assignment, student)
    return Done(change, _score(course, assignment, student))


def _cell(course: Course, assignment: str, name: str) -> tuple[str, float]:
    """('notebook:grade_id', points) of a graded cell named as 'grade_id' or 'notebook:grade_id'."""
    cells = graded_cells(course, assignment)
    found = [c for c in cells if name in (c.grade_id, f"{c.notebook}:{c.grade_id}")]
    if len(found) != 1:
        known = ", ".join(f"{c.notebook}:{c.grade_id}" for c in cells)
        raise UsageError(f"{assignment} has {'no' if not found else 'more than one'} graded cell {name!r}; "
                         f"expected one of {known}")
    return f"{found[0].notebook}:{found[0].grade_id}", found[0].points


def override_score(course: Course, assignment: str, student: str, cell: str, points: float | None, reason: str,
                   command: str, *, wait: float = 0.0) -> Done:
    """Set the points of one graded cell (nbgrader's manual score); None gives the autograder's back."""
    course.check_assignment(assignment)
    target, most = _cell(course, assignment, cell)
    if points is not None and not 0 <= points <= most:
        raise UsageError(f"--score {points:g} is outside 0..{most:g}, the points of {target}")
    notebook, grade_id = target.split(":", 1)
    with grading_lock(course.gradebook_url, course.workspace, wait=wait):
        _graded(course, assignment, student, "override")
        with open_gradebook(course.gradebook_url, course.course_id) as gb:
            grade = gb.find_grade(grade_id, notebook, assignment, student)
            old = number(grade.score)
            grade.manual_score = points
            grade.needs_manual_grade = False
            gb.db.commit()
        change = Change(assignment, student, "score", target, old, number(points), reason, trail.now(), command)
        trail.record(course.gradebook_url, [change])
        recompute_penalties(course, assignment, student)
    return Done(change, _score(course, assignment, student))


def override_penalty(course: Course, assignment: str, student: str, penalty: float | None, reason: str,
                     command: str, *, wait: float = 0.0) -> Done:
    """Set the submission's late penalty; None gives the course policy's back."""
    course.check_assignment(assignment)
    with grading_lock(course.gradebook_url, course.workspace, wait=wait):
        _graded(course, assignment, student, "override")
        with open_gradebook(course.gradebook_url, course.course_id) as gb:
            sub = gb.find_submission(assignment, student)
            raw, old = float(sub.score), float(sub.late_submission_penalty or 0)
        if penalty is not None and not 0 <= penalty <= raw:
            raise UsageError(f"--penalty {penalty:g} is outside 0..{raw:g}, {student}'s raw score")
        change = Change(assignment, student, "penalty", "", number(old), number(penalty), reason, trail.now(),
                        command)
        trail.record(course.gradebook_url, [change])
        recompute_penalties(course, assignment, student)
    return Done(change, _score(course, assignment, student))


def comment(course: Course, assignment: str, student: str, text: str, exercise: str | None, command: str, *,
            wait: float = 0.0) -> Done:
    """A comment to the student: on one exercise (nbgrader's manual comment) or on the whole assignment."""
    course.check_assignment(assignment)
    _student(student)
    target = ""
    if exercise is not None:
        cells = graded_cells(course, assignment)
        found = sorted({f"{c.notebook}:{c.exercise}" for c in cells if exercise in (c.exercise, f"{c.notebook}:{c.exercise}")})
        if len(found) != 1:
            known = ", ".join(sorted({f"{c.notebook}:{c.exercise}" for c in cells}))
            raise UsageError(f"{assignment} has {'no' if not found else 'more than one'} exercise {exercise!r}; "
                             f"expected one of {known}")
        target = found[0]
    with grading_lock(course.gradebook_url, course.workspace, wait=wait):
        changes = trail.read(course.gradebook_url, assignment).get(student, [])
        last = trail.latest(changes, trail.COMMENT_KINDS, target)
        if target:
            _graded(course, assignment, student, "comment on")
            notebook, cell = target.split(":", 1)
            with open_gradebook(course.gradebook_url, course.course_id) as gb:
                try:
                    gb.find_comment(cell, notebook, assignment, student).manual_comment = text or None
                except MissingEntry as exc:
                    raise UsageError(f"{target} takes no comment in nbgrader's gradebook; leave out --exercise "
                                     f"to comment on the whole assignment") from exc
                gb.db.commit()
        change = Change(assignment, student, "comment", target, last.new if last else "", text, "", trail.now(),
                        command)
        trail.record(course.gradebook_url, [change])
    return Done(change, _score(course, assignment, student))


def regrade(course: Course, assignment: str, student: str, reason: str, command: str, **grade_options) -> Done:
    """Grade one graded submission again (``grade --force --student``), with the trail saying why."""
    from autograder.pipeline.grade import grade

    course.check_assignment(assignment)
    _graded(course, assignment, student, "regrade")
    before = _score(course, assignment, student)
    grade(course, assignment, force=True, students=[student], **grade_options)
    after = _score(course, assignment, student)
    change = Change(assignment, student, "regrade", "", before, after, reason, trail.now(), command)
    trail.record(course.gradebook_url, [change])
    return Done(change, after)


def notice_formgrader(course: Course, assignment: str, command: str) -> list[Change]:
    """Record what was changed in nbgrader's formgrader since the trail last saw it; recompute those penalties.

    Called by feedback, report and export before they read. Takes the gradebook's lock only
    when there is something to write.
    """
    students = sorted(read_status(course.gradebook_url, assignment))
    if not students:
        return []

    def look() -> list[Change]:
        with open_gradebook(course.gradebook_url, course.course_id) as gb:
            return trail.notice_formgrader(gb, assignment, students, trail.read(course.gradebook_url, assignment),
                                           command)

    if not look():
        return []
    with grading_lock(course.gradebook_url, course.workspace):
        found = look()   # again, now that nothing else writes
        trail.record(course.gradebook_url, found)
        for student in sorted({c.student for c in found if c.what != "formgrader comment"}):
            recompute_penalties(course, assignment, student)
    return found
