"""When a student handed the work in, and the recorded fact that says so.

A submission time decides a late penalty, so it comes only from a record of the hand-in,
never from the times of files in a zip or a folder: Canvas stamps its zip entries with the
moment of the download, Moodle with when its file store first saw the content, and a
copied folder with the copy. The facts, the instructor's word first:

- ``--submitted-at ID=TIME`` for one student, or ``--submitted-at TIME`` for everyone in
  this collect (a time without a zone is in course.yml's zone);
- ``--no-lateness``: no time and no lateness for this collect;
- Blackboard: the attempt time in the file name (the server's local time, read in the
  course's zone);
- Moodle: the grading worksheet's "Last modified (submission)" (``--worksheet``);
- Canvas: no time at all, but its ``LATE_`` mark: without it Canvas counts the work on time,
  so no time is needed; with it the time has to come from the instructor;
- a folder in nbgrader's layout: the ``timestamp.txt`` beside the notebooks.

Where none applies the time is unknown; when the assignment has a due date that is a
missing fact, and collect stops before writing anything (:func:`require_times`). Without a
due date nothing can be late, and the unknown time is only said.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone

from autograder.errors import MissingFactError, UsageError
from autograder.pipeline.duedates import parse_time
from autograder.pipeline.lateness import when as shown
from autograder.pipeline.lms_names import moodle_time

NO_LATENESS = "--no-lateness: no time recorded, no lateness"


@dataclass(frozen=True)
class Timing:
    """at: the submission time (aware), None when none is recorded; source: the fact, in words,
    or why there is none; fact: False when nothing recorded says when, or that lateness does not apply."""

    at: datetime | None
    source: str
    fact: bool = True

    def describe(self, tz: tzinfo, due: datetime | None) -> str:
        if self.at is not None:
            return f"submitted {shown(self.at, tz)} ({self.source})"
        return self.source if self.fact or due is not None else f"no time recorded ({self.source}); no due date"


@dataclass(frozen=True)
class Clock:
    """The facts of one collect: course zone, worksheet rows and the instructor's word."""

    tz: tzinfo
    worksheet: dict[str, str] | None = None      # Moodle participant id -> "Last modified (submission)"
    explicit: dict[str, datetime] | None = None  # student -> --submitted-at ID=TIME
    everyone: datetime | None = None             # --submitted-at TIME
    no_lateness: bool = False

    def time_of(self, student: str, places: list, timestamp: tuple[str, datetime | None] | None) -> Timing:
        """The Timing of one student's chosen files (their Placements); timestamp: a folder's
        timestamp.txt as (text, time or None)."""
        if self.explicit and student in self.explicit:
            return Timing(self.explicit[student], "--submitted-at")
        if self.everyone is not None:
            return Timing(self.everyone, "--submitted-at")
        if self.no_lateness:
            return Timing(None, NO_LATENESS)
        lms = places[0].lms
        if lms == "blackboard":
            return Timing(max(p.submitted for p in places).replace(tzinfo=self.tz),
                          "Blackboard's attempt time in the file name")
        if lms == "canvas":
            if not any(p.late for p in places):
                return Timing(None, "on time: Canvas does not mark it LATE (its download holds no times)")
            return self._unknown("Canvas marks it LATE and its download holds no submission time")
        if lms == "moodle":
            return self._moodle(places[0].key)
        if timestamp is not None:
            text, at = timestamp
            return Timing(at, "timestamp.txt in the source") if at else \
                self._unknown(f"its timestamp.txt {text[:40]!r} is not a time")
        return self._unknown("files copied from a folder or zip: their times are not submission times")

    def _moodle(self, pid: str) -> Timing:
        if self.worksheet is None:
            return self._unknown("Moodle's download holds no submission times; give --worksheet")
        if pid not in self.worksheet:
            return self._unknown(f"the worksheet has no row for participant {pid}")
        text = self.worksheet[pid].strip()
        if text in ("", "-"):
            return self._unknown(f"the worksheet shows no submission time for participant {pid} ({text or 'blank'})")
        at = moodle_time(text)
        if at is None:
            return self._unknown(f"the worksheet's 'Last modified (submission)' {text!r} is not a time read here "
                                 f"(download it from Moodle in English, Korean or German)")
        return Timing(at.replace(tzinfo=self.tz), "the Moodle grading worksheet")

    @staticmethod
    def _unknown(why: str) -> Timing:
        return Timing(None, why, fact=False)


def parse_submitted_at(values: list[str] | None, tz: tzinfo) -> tuple[dict[str, datetime], datetime | None]:
    """``--submitted-at`` values: 'ID=TIME' for one student, 'TIME' for everyone (at most once)."""
    per_student, everyone = {}, None
    for value in values or []:
        student, sep, text = value.partition("=")
        if not sep:
            if everyone is not None:
                raise UsageError("--submitted-at without a student id is given twice; give it once, or as ID=TIME")
            everyone = parse_time(value, tz, "--submitted-at")
        else:
            per_student[student.strip()] = parse_time(text, tz, f"--submitted-at {student.strip()}")
    return per_student, everyone


def read_timestamp(text: str, tz: tzinfo) -> datetime | None:
    """nbgrader's timestamp.txt ('2026-09-28 23:10:05.123456 UTC', its default form) as an aware time.

    The zone may be a name (UTC, Asia/Seoul), an offset (+0900), or the course zone's own abbreviation
    (KST for Asia/Seoul: nbgrader writes '%Z'); none means the course's zone. Any other abbreviation
    is ambiguous (IST, CST), so the text is not read as a time.
    """
    import re
    from zoneinfo import ZoneInfo

    m = re.fullmatch(r"(?P<at>\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(?P<zone>\S*)", text.strip())
    if not m:
        return None
    whole, _, fraction = m["at"].replace("T", " ").partition(".")
    try:   # Python 3.10's fromisoformat reads only 3 or 6 digits of a second's fraction
        at = datetime.fromisoformat(whole + (f".{fraction[:6]:0<6}" if fraction else ""))
    except ValueError:
        return None
    zone = m["zone"]
    if not zone:
        return at.replace(tzinfo=tz)
    if offset := re.fullmatch(r"(?P<sign>[+-])(?P<h>\d\d):?(?P<m>\d\d)|Z", zone):
        minutes = 0 if zone == "Z" else (int(offset["h"]) * 60 + int(offset["m"])) * int(f"{offset['sign']}1")
        return at.replace(tzinfo=dt_timezone(timedelta(minutes=minutes)))
    if zone in ("UTC", "GMT") or "/" in zone:
        try:
            return at.replace(tzinfo=ZoneInfo("UTC" if zone == "GMT" else zone))
        except (ValueError, OSError, KeyError):
            return None
    return at.replace(tzinfo=tz) if at.replace(tzinfo=tz).tzname() == zone else None


def require_times(missing: dict[str, str], assignment: str, due: datetime, tz: tzinfo) -> None:
    """Stop with one line when students whose lateness would count have no recorded time."""
    if not missing:
        return
    listed = "; ".join(f"{s}: {why}" for s, why in list(missing.items())[:4])
    more = f"; and {len(missing) - 4} more" if len(missing) > 4 else ""
    raise MissingFactError(
        f"no submission time for {len(missing)} student{'s' if len(missing) > 1 else ''} and {assignment} is due "
        f"{shown(due, tz)}, so lateness would follow from a guess ({listed}{more}); give --submitted-at ID=TIME "
        f"for each (course time), --worksheet for Moodle, or --no-lateness; nothing was collected")
