"""Late work, the nbgrader way.

nbgrader computes lateness itself: ``SubmittedAssignment.total_seconds_late`` is
the submission's ``timestamp`` (read from ``timestamp.txt``, which collect
writes from the LMS's submission time) minus the assignment's ``duedate`` (plus
any extension), never below 0. During autograding its ``AssignLatePenalties``
preprocessor asks a plugin for each notebook's penalty and stores it in
``SubmittedNotebook.late_submission_penalty``. This module supplies the two
pieces nbgrader leaves to the course: the due date in the gradebook
(:func:`store_due_date`) and the plugin applying course.yml's policy
(:class:`CourseLatePenalty`).
"""
from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

from autograder.pipeline.duedates import as_utc, load_settings

DAY = 24 * 3600


class CourseLatePenalty(LateSubmissionPlugin):
    """``percent_per_day`` of the notebook's score per started day late, after ``grace_minutes``."""

    grace_minutes = Float(0, help="Minutes after the due date that still count as on time.").tag(config=True)
    percent_per_day = Float(10, help="Share of the score lost per started day late.").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float:
        return penalty(score, total_seconds_late, self.grace_minutes, self.percent_per_day)


def penalty(score: float, seconds_late: float, grace_minutes: float, percent_per_day: float) -> float:
    """Points lost: score * percent_per_day/100 per started day after the grace period, at most score."""
    late = seconds_late - 60 * grace_minutes
    if late <= 0:
        return 0.0
    return min(score, score * percent_per_day / 100 * math.ceil(late / DAY))


def store_due_date(course, assignment: str) -> None:
    """Write course.yml's due date of ``assignment`` (or none) into nbgrader's gradebook.

    Call after the assignment is registered. Removing a due date from course.yml
    removes it from the gradebook too, so the file is the one place it is set.
    """
    from autograder.pipeline.gradebook import open_gradebook

    settings = load_settings(course.workspace, course.repo)
    due = settings.due.get(assignment)
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        row = gb.find_assignment(assignment)
        row.duedate = as_utc(due).replace(tzinfo=None) if due else None   # nbgrader stores naive UTC
        gb.db.commit()

