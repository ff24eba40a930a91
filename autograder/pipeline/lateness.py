"""How late a submission was and what it cost, read from nbgrader's gradebook.

nbgrader keeps the submission time (``SubmittedAssignment.timestamp``), the due
date with any extension (``.duedate``, hence ``.total_seconds_late``) and, after
its ``AssignLatePenalties`` step, a penalty per notebook
(``SubmittedNotebook.late_submission_penalty``). Collect and grade fill them in;
feedback and the report only read them. The grade after the penalty is nbgrader's
own: ``max(0, score - penalty)``, as its CSV export computes it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo


@dataclass(frozen=True)
class Lateness:
    """submitted, due: naive UTC datetimes as nbgrader stores them (None when unknown)."""

    submitted: datetime | None
    due: datetime | None
    seconds_late: float
    penalty: float

    @property
    def late(self) -> bool:
        return self.seconds_late > 0


def read_lateness(submission) -> Lateness:
    """The Lateness of one nbgrader ``SubmittedAssignment``."""
    try:
        due = submission.duedate
    except TypeError:  # an extension on an assignment without a due date: nbgrader adds None + timedelta
        due = None
    penalty = sum(float(nb.late_submission_penalty or 0) for nb in submission.notebooks)
    seconds = float(submission.total_seconds_late or 0) if due is not None else 0.0
    return Lateness(submission.timestamp, due, seconds, penalty)


def when(moment: datetime | None, zone: tzinfo | None = None) -> str:
    """``2026-03-01 21:05 KST``: ``moment`` in ``zone`` (default UTC) with the zone named; '' when unknown.

    A naive ``moment`` is UTC, as nbgrader stores times.
    """
    if not moment:
        return ""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(zone or timezone.utc)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def duration(seconds: float) -> str:
    """A lateness in words, coarse as a person would say it: '45 s', '3 h 20 min', '2 d 1 h'."""
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{secs} s"
