"""``export``: grades of one assignment in the files Canvas and Moodle import.

Every grade comes from a graded submission in nbgrader's gradebook: nbgrader's
``score`` (the raw score less its late penalty, autograder.pipeline.scores). A
roster student without one gets the LMS's "no grade" (an empty cell, which both
importers skip) unless ``missing_as_zero``. What cannot be backed by a recorded
grade is refused before anything is written: an assignment with nothing graded,
submissions collected but not graded (or collected again since), an LMS column or
worksheet that names another assignment (autograder.pipeline.lms_column), a Moodle
worksheet whose maximum grade is not the assignment's, a Moodle export where no
roster student has a participant id.

- Canvas, Grades > Import: a header ``Student,ID,SIS User ID,SIS Login ID,Section,<assignment>``,
  then a ``Points Possible`` row, then one row per student. Canvas finds the
  student by ``ID`` (its numeric user id), else the SIS ids, else the name; a
  column it does not know becomes a new assignment, so lateness and the
  instructor's changes cannot be columns here: they are in ``<assignment>-lateness.csv``.
- Moodle, Assignment > "Upload grading worksheet": the worksheet downloaded from
  that assignment (``--worksheet``, required), written back with its own header and
  rows (Moodle's importer finds columns by its own strings in its own language,
  autograder.pipeline.moodle_sheet), with the grade, "Last modified (grade)" and the
  feedback comments (score parts, lateness, the instructor's comments and changes)
  filled in for the roster's students.

Beside it: ``<assignment>-lateness.csv`` (every roster student: status, times in the
course's zone, seconds late, raw score, late penalty, score, the LMS's own late
flag, the instructor's changes) and ``<assignment>-changes.csv`` (the trail).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder.config import Course
from autograder.errors import SourceError, UsageError
from autograder.pipeline import identity, moodle_sheet
from autograder.pipeline.duedates import load_settings
from autograder.pipeline.instructor import notice_formgrader
from autograder.pipeline.lateness import duration, stamp, when
from autograder.pipeline.lms_column import contradiction
from autograder.pipeline.records import read_records, submission_version
from autograder.pipeline.report import changes_line, write_changes
from autograder.pipeline.results import NOT_GRADED, NOT_SUBMITTED, Standing, graded_cells, standings, submissions
from autograder.pipeline.roster import Roster, read_roster
from autograder.pipeline.scores import COLUMNS, cells, number, sentence

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
LATENESS_HEADER = ["id", "name", "status", "submitted", "due", "seconds_late", *COLUMNS, "lms_late",
                   "instructor_changes"]


@dataclass(frozen=True)
class Row:
    """One roster student's line of the export."""

    standing: Standing
    record: dict            # what collect recorded (LMS ids), {} if nothing
    grade: float | None     # what the LMS gets: nbgrader's score, 0 (missing_as_zero) or None (no grade)

    @property
    def student(self) -> str:
        return self.standing.student


def _refuse_ungraded(course: Course, assignment: str, table: list[Standing]) -> None:
    """Stop unless every collected submission is on the roster and has a grade for its current files."""
    waiting = [t.student for t in table if t.status == NOT_GRADED]
    for t in table:
        folder = course.submitted_dir / t.student / assignment
        if t.sub and t.sub.status and folder.is_dir() and t.sub.status.submitted != submission_version(folder):
            waiting.append(t.student)      # collected again since it was graded
        elif t.sub and t.sub.status and t.sub.status.status == "failed":
            waiting.append(t.student)      # the grader failed, not the student
    collected = sorted(p.parent.name for p in course.submitted_dir.glob(f"*/{assignment}") if p.is_dir())
    unknown = [s for s in collected if s not in {t.student for t in table}]
    if waiting:
        raise SourceError(f"{len(waiting)} collected submissions of {assignment} have no grade for their current "
                          f"files ({', '.join(sorted(waiting))}); run grade first (a failed one: grade it again, "
                          f"or remove it)")
    if unknown:
        raise SourceError(f"{', '.join(unknown)}: collected but not on the roster; add them to the roster or "
                          f"remove them, so that no grade is left out")


def rows(course: Course, assignment: str, roster: Roster, *, missing_as_zero: bool = False) -> list[Row]:
    """A Row per roster student (refusing what has no recorded grade; see the module docstring)."""
    course.check_assignment(assignment)
    subs = submissions(course, assignment)
    if not subs:
        raise SourceError(f"nothing graded yet for {assignment!r}: an export would give every student no grade; "
                          f"run grade first")
    table = [t for t in standings(course, assignment, roster, subs) if t.on_roster]
    _refuse_ungraded(course, assignment, table)
    records = read_records(course, assignment)
    return [Row(t, records.get(t.student, {}),
                t.sub.score if t.sub else (0.0 if missing_as_zero else None)) for t in table]


def _comment(row: Row, zone) -> str:
    """The feedback comment of one student: score parts, lateness, the instructor's comments and changes."""
    sub = row.standing.sub
    if sub is None:
        return "nothing submitted: score 0" if row.grade is not None else ""
    parts = [sentence(sub.raw_score, sub.late_penalty, sub.max_score)]
    if sub.label != "graded":
        parts.append(sub.label)
    if sub.lateness and sub.lateness.late:
        parts.append(f"submitted {when(sub.lateness.submitted, zone)}, {duration(sub.lateness.seconds_late)} after "
                     f"the due date {when(sub.lateness.due, zone)}")
    parts += [f"comment{' on ' + c.target.split(':', 1)[1] if c.target else ''}: {c.new}" for c in sub.comments]
    parts += [f"{c.describe(zone)}" + (f" ({c.reason})" if c.reason else "") for c in sub.grade_changes]
    return "; ".join(parts)


def write_canvas(path: Path, title: str, result: list[Row], roster: Roster, max_score: float) -> None:
    """Canvas gradebook import CSV (see the module docstring); an empty grade cell is Canvas's "no grade"."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CANVAS_HEADER + [title])
        w.writerow(["Points Possible", "", "", "", "", number(max_score)])
        for r in result:
            s = roster.get(r.student)
            # the download's user id is Canvas's own record; collect set aside any the roster contradicts
            canvas_id = r.record["lms_key"] if r.record.get("lms") == "canvas" else s.canvas_id
            # a guessed login could name another Canvas user: blank unless the roster gives it
            w.writerow([s.name or s.id, canvas_id, s.sis_id, s.username, s.section, number(r.grade)])


def write_moodle(path: Path, result: list[Row], ids: dict[str, str], sheet: moodle_sheet.Worksheet, zone,
                 max_score: float) -> list[str]:
    """The worksheet with this assignment's grades filled in; ids: roster id -> participant id
    (:func:`moodle_participants`). Returns the students left out (no participant id)."""
    if abs(sheet.maximum() - max_score) > 1e-9:
        raise UsageError(f"the Moodle assignment's maximum grade is {sheet.maximum():g} (column "
                         f"{sheet.header[sheet.max_grade]!r} of {sheet.path.name}), this assignment's is "
                         f"{max_score:g}: set the Moodle assignment's maximum grade to {max_score:g} (Moodle would "
                         f"read every score against its own maximum), then download the worksheet again")
    by_pid = {}
    left_out = []
    for r in result:
        if pid := ids.get(r.student):
            by_pid[pid] = r
        else:
            left_out.append(r.student)
    if not by_pid:
        raise SourceError(f"no roster student has a Moodle participant id (none of their e-mail addresses or names "
                          f"is in {sheet.path.name}, and none was collected from a Moodle download): check that the "
                          f"worksheet and the roster are this course's")
    now = stamp(datetime.now(zone), zone)   # ISO with the zone's offset: PHP's strtotime reads it exactly
    out = []
    for line in sheet.rows:
        line = list(line)
        r = by_pid.pop(sheet.participant(line), None)
        if r is not None and r.grade is not None:   # no grade: the row as Moodle wrote it, which its importer skips
            _fill(line, r, sheet, now, zone)
        out.append(line)
    for pid, r in by_pid.items():     # in the download but not in this worksheet: a row Moodle can still match
        if r.grade is None:
            continue
        line = [""] * len(sheet.header)
        line[sheet.identifier] = sheet.identifier_of(pid)
        line[sheet.name] = r.standing.name
        _fill(line, r, sheet, now, zone)
        out.append(line)
    moodle_sheet.write(path, sheet, out)
    return left_out


def _fill(line: list[str], r: Row, sheet: moodle_sheet.Worksheet, now: str, zone) -> None:
    line[sheet.grade] = "" if r.grade is None else sheet.number(r.grade)
    line[sheet.modified] = now
    if sheet.feedback is not None:
        line[sheet.feedback] = _comment(r, zone)


def moodle_participants(course: Course, assignment: str, sheet: moodle_sheet.Worksheet, roster: Roster,
                        mapping: Path | None) -> dict[str, str]:
    """Roster id -> Moodle participant id: the download's (collect's records), then the worksheet's rows
    matched as collect matches (autograder.pipeline.identity); a row that fits no one for sure stops it."""
    resolver = identity.Resolver(roster, identity.read_map(mapping, roster) if mapping else None)
    seen = [(sheet.participant(line), line[sheet.name], line[sheet.email] if sheet.email is not None else "")
            for line in sheet.rows]
    ids, problems = identity.worksheet_participants(seen, resolver, read_records(course, assignment))
    identity.require_settled(problems, assignment, f"export stops: {sheet.path.name}")
    return ids


def write_lateness(path: Path, result: list[Row], zone, max_score: float) -> None:
    """One row per roster student: status, times, seconds late, the score's parts and the instructor's changes."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(LATENESS_HEADER)
        for r in result:
            sub = r.standing.sub
            late = sub.lateness if sub else None
            score = cells(sub.raw_score, sub.late_penalty, sub.max_score) if sub else \
                ["", "", number(r.grade), number(max_score)]
            w.writerow([r.student, r.standing.name, r.standing.status, when(late.submitted, zone) if late else "",
                        when(late.due, zone) if late else "", f"{late.seconds_late:.0f}" if late else "",
                        *score, _flag(r.record.get("lms_late")), changes_line(r.standing.changes, zone)])


def _flag(late: bool | None) -> str:
    """The LMS's own late flag (Canvas's LATE_), as collect recorded it; blank where the LMS gives none."""
    return "" if late is None else ("yes" if late else "no")


def export(course: Course, assignment: str, lms: str, roster_path: Path, *, title: str | None = None,
           worksheet: Path | None = None, missing_as_zero: bool = False, mapping: Path | None = None,
           command: str = "backprop-grader export") -> tuple[list[Path], list[str]]:
    """Write the LMS file, the lateness CSV and the trail under reports/<assignment>/; return (paths, problems).

    Stops (MissingFactError) while collect left a submission not matched to one roster student
    (autograder.pipeline.identity): a grade must land on the right student, and on somebody.
    """
    if lms not in ("canvas", "moodle"):
        raise UsageError(f"unknown LMS {lms!r}: expected canvas or moodle")
    course.check_assignment(assignment)
    if lms == "moodle" and worksheet is None:
        raise UsageError("the Moodle export fills in the grading worksheet downloaded from the Moodle assignment "
                         "(its column names are in your Moodle's language): give it with --worksheet")
    name = title if lms == "canvas" else Path(worksheet).stem
    why = contradiction(name, assignment, course.assignments()) if name else None
    if why:
        what = f"the Canvas column {title!r}" if lms == "canvas" else f"the worksheet {Path(worksheet).name}"
        fix = (f"give --title with {assignment}'s column as Canvas's gradebook export names it" if lms == "canvas"
               else f"download the grading worksheet of {assignment}'s Moodle assignment")
        raise UsageError(f"{what} is not {assignment}'s ({why}): {fix}")
    sheet = moodle_sheet.read(worksheet) if lms == "moodle" else None
    roster = read_roster(roster_path)
    records = read_records(course, assignment)
    lacking = any(s.id not in records for s in roster)
    identity.require_settled(identity.unsettled(course.workspace, assignment, someone_lacks=lacking), assignment,
                             "export stops")
    ids = moodle_participants(course, assignment, sheet, roster, mapping) if sheet else {}
    notice_formgrader(course, assignment, command)
    result = rows(course, assignment, roster, missing_as_zero=missing_as_zero)
    zone = load_settings(course.workspace, course.repo).tz
    max_score = float(sum(c.points for c in graded_cells(course, assignment)))
    folder = course.reports_dir / assignment
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    if lms == "canvas":
        out = folder / f"{assignment}-canvas.csv"
        write_canvas(out, title or assignment, result, roster, max_score)
        problems += [f"{r.student}: no Canvas user id (add a canvas_id column to the roster); Canvas will match "
                     f"the name {r.standing.name!r}" for r in result
                     if not roster.get(r.student).canvas_id and r.standing.name and r.record.get("lms") != "canvas"]
    else:
        out = folder / f"{assignment}-moodle.csv"
        problems += [f"{s}: no Moodle participant id (not in the download nor the worksheet); left out of {out.name}"
                     for s in write_moodle(out, result, ids, sheet, zone, max_score)]
        if sheet.feedback is None:
            problems.append(f"{sheet.path.name} has no feedback comments column (enable 'Feedback comments' in the "
                            f"assignment's feedback types and download it again): the score parts, lateness and "
                            f"your comments are only in {assignment}-lateness.csv")
    nothing = [r.student for r in result if r.standing.status == NOT_SUBMITTED]
    if nothing:
        problems.append(f"{len(nothing)} sent nothing ({', '.join(nothing)}): "
                        + ("exported as 0 (--missing-as-zero)" if missing_as_zero else
                           "exported as no grade (give --missing-as-zero to export 0)"))
    late = folder / f"{assignment}-lateness.csv"
    write_lateness(late, result, zone, max_score)
    trail = folder / f"{assignment}-changes.csv"
    write_changes(trail, [c for r in result for c in r.standing.changes], zone)
    return [out, late, trail], problems
