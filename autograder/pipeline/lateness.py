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

from autograder.i18n import _


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


def local(moment: datetime, tz: tzinfo | None) -> datetime:
    """``moment`` in the course's zone (None: UTC); a naive one is UTC, as nbgrader stores times."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(tz or timezone.utc)


def when(moment: datetime | None, tz: tzinfo | None = None) -> str:
    """For people: ``2026-09-28 23:59 KST`` in the course's zone ``tz`` (None: UTC), or '' when unknown.

    Every page, report and terminal line shows times through this function (and CSV files
    through :func:`stamp`), so no time is ever shown in another zone or without one.
    """
    if moment is None:
        return ""
    at = local(moment, tz)
    name = at.tzname() or ""
    if not name.isalpha():   # zones without an abbreviation: tzdata writes '+05'
        offset = at.strftime("%z")
        name = f"UTC{offset[:3]}:{offset[3:]}"
    return f"{at:%Y-%m-%d %H:%M} {name}"


def stamp(moment: datetime | None, tz: tzinfo | None = None) -> str:
    """For files: ``2026-09-28 23:59:00+09:00`` (ISO 8601 with the course zone's offset), or ''.

    Python's ``datetime.fromisoformat``, spreadsheets and Moodle's importer (PHP's strtotime)
    read it exactly.
    """
    return local(moment, tz).isoformat(sep=" ", timespec="seconds") if moment is not None else ""


def duration(seconds: float) -> str:
    """A lateness in words, coarse as a person would say it: '45 s', '3 h 20 min', '2 d 1 h'."""
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("{days} d {hours} h", days=days, hours=hours)
    if hours:
        return _("{hours} h {minutes} min", hours=hours, minutes=minutes)
    return _("{minutes} min", minutes=minutes) if minutes else _("{seconds} s", seconds=secs)
