"""``remove``: take students' submissions of an assignment out of the workspace and the gradebook.

For an id collected by mistake (a typo in the roster, a test account) or a
submission withdrawn: its ``submitted/``, ``autograded/`` and ``feedback/``
folders, nbgrader's rows (submission, notebooks, grades, comments; the student
too when nothing else of theirs is left) and our ``grading_status`` row all go.
Other students' files and rows are not touched. Every id is checked before
anything is deleted, and the run holds the grading locks so it never races a
``grade`` run.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from autograder.config import Course
from autograder.errors import UsageError
from autograder.pipeline.gradebook import read_status, remove_submission
from autograder.pipeline.lock import grading_lock, workspace_lock


def _folders(course: Course, assignment: str, student: str) -> list[Path]:
    return [root / student / assignment for root in (course.submitted_dir, course.autograded_dir,
                                                     course.feedback_dir)]


def remove(course: Course, assignment: str, students: list[str], *, wait: float = 0.0) -> list[Path]:
    """Delete the submissions of ``students``; return the folders deleted.

    Raises UsageError, deleting nothing, when one of them has neither a folder nor a status
    row for ``assignment``.
    """
    course.check_assignment(assignment)
    if not students:
        raise UsageError("name the students to remove with --student ID (repeat it for several)")
    with workspace_lock(course.workspace, wait), grading_lock(course.gradebook_url, course.workspace, wait=wait):
        statuses = read_status(course.gradebook_url, assignment)
        unknown = [s for s in students
                   if s not in statuses and not any(p.exists() for p in _folders(course, assignment, s))]
        if unknown:
            raise UsageError(f"nothing of {assignment!r} to remove for {', '.join(map(repr, unknown))}: no folder "
                             f"under {course.workspace} and no gradebook row; check the id")
        removed = []
        for student in students:
            # The gradebook first: a submission whose rows are gone but whose folder is left is graded
            # again by the next run, never the other way round.
            remove_submission(course.gradebook_url, course.course_id, assignment, student)
            for folder in _folders(course, assignment, student):
                if folder.exists():
                    shutil.rmtree(folder)
                    removed.append(folder)
                if folder.parent.is_dir() and not any(folder.parent.iterdir()):
                    folder.parent.rmdir()   # submitted/<student>/ held only this assignment
        return removed
