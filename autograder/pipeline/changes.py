"""The instructor's hand on the grades: what changed, when, why and by which command.

Each change goes where nbgrader keeps it, and as one row into ``grade_changes``
(autograder.pipeline.gradebook), the audit trail, in the same database:

============================  ===================================================  ==================
``what``                      nbgrader's field                                      written by
============================  ===================================================  ==================
``extension``                 ``SubmittedAssignment.extension`` (the student's own  ``extend``
                              due date less the assignment's)
``score``                     ``Grade.manual_score`` of one graded cell (what       ``override --cell``
                              formgrader sets; nbgrader's score prefers it)
``penalty``                   ``SubmittedNotebook.late_submission_penalty``         ``override --penalty``
``comment``                   ``Comment.manual_comment`` of one exercise; a         ``comment``
                              comment on the whole assignment has no nbgrader
                              field and lives in the trail only
``regrade``                   the autograder's scores, computed again               ``regrade``
``formgrader score``,         what a grader set in nbgrader's formgrader (or an     ``feedback``,
``formgrader extra credit``,  extension given with nbgrader's API), which records   ``report``,
``formgrader comment``        neither when nor why: the first command that sees it  ``export``
                              notes it (:func:`notice_formgrader`)
``removed``                   the submission and everything above went with it      ``remove``
============================  ===================================================  ==================

``old`` and ``new`` hold the value before and after ("" for none: no manual score,
the course policy's penalty, the assignment's due date); ``at`` is an ISO time with
its UTC offset; ``command`` the command line that made the change.

nbgrader recomputes a notebook's late penalty whenever it autogrades it, so the
recorded extension and penalty are applied again by :class:`CourseLatePenalties`,
the course's AssignLatePenalties step: a regrade keeps the instructor's word.
nbgrader keeps manual scores and comments through a regrade by itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

import sqlalchemy as sa
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import AssignLatePenalties
from nbgrader.preprocessors import latesubmissions

from autograder.pipeline.gradebook import CHANGES, _engine
from autograder.pipeline.lateness import when
from autograder.pipeline.scores import number

#: Kinds of change that set a cell's manual score, and that set its extra credit, and its comment.
SCORE_KINDS = ("score", "formgrader score")
EXTRA_KINDS = ("formgrader extra credit",)
COMMENT_KINDS = ("comment", "formgrader comment")
#: What changes made in nbgrader itself say for a reason: it records none.
NO_REASON = "none recorded (made in nbgrader, which asks for none)"


@dataclass(frozen=True)
class Change:
    """One row of the trail (see the module docstring)."""

    assignment: str
    student: str
    what: str
    target: str
    old: str
    new: str
    reason: str
    at: datetime          # aware
    command: str

    def describe(self, zone: tzinfo | None = None) -> str:
        """What changed, in words (times in ``zone``)."""
        cell = self.target.split(":", 1)[-1]
        if self.what == "extension":
            return (f"due date extended to {when(_time(self.new), zone)}" if self.new
                    else "extension withdrawn: the assignment's due date applies")
        if self.what in SCORE_KINDS:
            where = " in nbgrader's formgrader" if self.what.startswith("formgrader") else ""
            if not self.new:
                return f"manual points of {cell} removed{where}: the autograder's {self.old or '0'} apply"
            return f"points of {cell} set to {self.new}{where} (was {self.old or '0'})"
        if self.what in EXTRA_KINDS:
            return f"extra credit on {cell} set to {self.new or '0'} in nbgrader's formgrader (was {self.old or '0'})"
        if self.what == "penalty":
            return (f"late penalty set to {self.new} (was {self.old or '0'})" if self.new
                    else "late penalty back to the course policy's")
        if self.what in COMMENT_KINDS:
            on = f" on {cell}" if self.target else ""
            where = " in nbgrader's formgrader" if self.what.startswith("formgrader") else ""
            return f"comment{on}{where}: {self.new}" if self.new else f"comment{on} withdrawn{where}"
        if self.what == "regrade":
            return f"graded again: {self.old} before, {self.new} after"
        if self.what == "removed":
            return "submission removed from the gradebook"
        return f"{self.what} {self.target}: {self.old} -> {self.new}"

    def when(self, zone: tzinfo | None = None) -> str:
        return when(self.at, zone)


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _change(row) -> Change:
    values = dict(row)
    values.pop("id")
    values["at"] = datetime.fromisoformat(values["at"])
    return Change(**values)


def record(url: str, changes: list[Change]) -> None:
    """Append ``changes`` to the trail in one transaction."""
    if not changes:
        return
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(CHANGES.insert(), [{**c.__dict__, "at": c.at.isoformat()} for c in changes])
    finally:
        engine.dispose()


def read(url: str, assignment: str) -> dict[str, list[Change]]:
    """The trail of one assignment: student -> changes, oldest first."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return _group(conn, assignment)
    finally:
        engine.dispose()


def _group(executor, assignment: str, student: str | None = None) -> dict[str, list[Change]]:
    query = sa.select(CHANGES).where(CHANGES.c.assignment == assignment)
    if student is not None:
        query = query.where(CHANGES.c.student == student)
    out: dict[str, list[Change]] = {}
    for row in executor.execute(query.order_by(CHANGES.c.id)).mappings():
        out.setdefault(row["student"], []).append(_change(row))
    return out


def in_force(changes: list[Change]) -> list[Change]:
    """The changes since the submission was last removed (earlier ones went with it)."""
    cut = max((i for i, c in enumerate(changes) if c.what == "removed"), default=-1)
    return changes[cut + 1:]


def latest(changes: list[Change], kinds: tuple[str, ...], target: str = "") -> Change | None:
    """The change in force of one of ``kinds`` on ``target``, if any."""
    found = [c for c in in_force(changes) if c.what in kinds and c.target == target]
    return found[-1] if found else None


def own_due(changes: list[Change]) -> datetime | None:
    """The student's own due date (aware), if an extension is in force."""
    last = latest(changes, ("extension",))
    return _time(last.new) if last and last.new else None


def penalty_override(changes: list[Change]) -> float | None:
    """The late penalty the instructor set, if one is in force."""
    last = latest(changes, ("penalty",))
    return float(last.new) if last and last.new else None


# -- applying the trail to nbgrader's gradebook


def apply_extension(gb: Gradebook, assignment: str, student: str, changes: list[Change]) -> None:
    """Set nbgrader's extension of the submission from the student's own due date in the trail, if it holds one."""
    if latest(changes, ("extension",)) is None:
        return    # nothing of ours: an extension given with nbgrader's own API stays as it is
    try:
        submission = gb.find_submission(assignment, student)
    except MissingEntry:
        return
    due = own_due(changes)
    assigned = submission.assignment.duedate
    submission.extension = (due.astimezone(timezone.utc).replace(tzinfo=None) - assigned
                            if due is not None and assigned is not None else None)
    gb.db.commit()


def apply_penalty(gb: Gradebook, assignment: str, student: str, total: float) -> None:
    """Make the notebooks' late penalties add up to ``total``, each at most its notebook's score.

    nbgrader keeps a penalty per notebook; the instructor sets one for the submission. It is
    laid on the notebooks in name order, as much on each as its score allows.
    """
    submission = gb.find_submission(assignment, student)
    gb.db.flush()
    left = total
    for nb in sorted(submission.notebooks, key=lambda n: n.name):
        gb.db.refresh(nb)    # its score is computed in SQL: read it after this session's changes
        take = min(left, float(nb.score or 0))
        nb.late_submission_penalty = take
        left -= take
    gb.db.commit()


class CourseLatePenalties(AssignLatePenalties):
    """nbgrader's AssignLatePenalties, with the instructor's extension and penalty applied around it.

    Before nbgrader computes the lateness, the extension in force is set on the
    submission; after it applies the course policy, a penalty the instructor set
    replaces the policy's. Both come from the trail, so grading again keeps them.
    """

    def preprocess(self, nb, resources):
        ids = resources["nbgrader"]
        assignment, student, url = ids["assignment"], ids["student"], ids["db_url"]
        # latesubmissions.Gradebook: the grading run's own session while it runs (pipeline.passes)
        with latesubmissions.Gradebook(url) as gb:
            changes = _group(gb.db, assignment, student).get(student, [])
            apply_extension(gb, assignment, student, changes)
        nb, resources = super().preprocess(nb, resources)
        override = penalty_override(changes)
        if override is not None:
            with latesubmissions.Gradebook(url) as gb:
                apply_penalty(gb, assignment, student, override)
        return nb, resources


# -- what formgrader changed


def notice_formgrader(gb: Gradebook, assignment: str, students: list[str],
                      trail: dict[str, list[Change]], command: str) -> list[Change]:
    """Changes a grader made in nbgrader's formgrader that the trail does not hold yet.

    Compared per graded cell (manual score, extra credit) and per exercise (manual
    comment) with the last value the trail holds; each difference becomes a change
    dated now, by ``command`` (the command that noticed it). Nothing is written here.
    """
    found = []
    for student in students:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            continue
        changes = trail.get(student, [])
        if submission.extension is not None and latest(changes, ("extension",)) is None \
                and submission.assignment.duedate is not None:
            due = (submission.assignment.duedate + submission.extension).replace(tzinfo=timezone.utc)
            found.append(_noticed(assignment, student, "extension", "", "", due.isoformat(), command))
        for nb in submission.notebooks:
            for grade in nb.grades:
                target = f"{nb.name}:{grade.name}"
                last = latest(changes, SCORE_KINDS, target)
                value = number(grade.manual_score)
                if value != (last.new if last else ""):
                    old = last.new if last and last.new else number(grade.auto_score or 0)
                    found.append(_noticed(assignment, student, "formgrader score", target, old, value, command))
                last = latest(changes, EXTRA_KINDS, target)
                value = number(grade.extra_credit) if grade.extra_credit else ""
                if value != (last.new if last else ""):
                    found.append(_noticed(assignment, student, "formgrader extra credit", target,
                                          last.new if last else "", value, command))
            for comment in nb.comments:
                target = f"{nb.name}:{comment.name}"
                last = latest(changes, COMMENT_KINDS, target)
                value = comment.manual_comment or ""
                if value != (last.new if last else ""):
                    found.append(_noticed(assignment, student, "formgrader comment", target,
                                          last.new if last else "", value, command))
    return found


def _noticed(assignment, student, what, target, old, new, command) -> Change:
    return Change(assignment, student, what, target, old, new, NO_REASON, now(), command)
