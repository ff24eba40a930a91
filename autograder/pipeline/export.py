"""``export``: grades of one assignment in the files Canvas and Moodle import.

Every roster student gets a row; one who sent nothing scores 0, "not submitted".
Scores are nbgrader's, after its late penalty (``score - late_submission_penalty``);
lateness is read from nbgrader's gradebook (``SubmittedAssignment.timestamp``,
``total_seconds_late``, ``late_submission_penalty``).

- Canvas, Grades > Import: a header ``Student,ID,SIS User ID,SIS Login ID,Section,<assignment>``,
  then a ``Points Possible`` row, then one row per student. Canvas finds the
  student by ``ID`` (its numeric user id), else the SIS ids, else the name; a
  column it does not know becomes a new assignment, so lateness cannot be a
  column here: it is in the Moodle file's comments and in ``<assignment>-lateness.csv``.
- Moodle, Assignment > "Upload grading worksheet": the grading worksheet's
  columns ``Identifier`` ("Participant <id>", the id in the download's folder
  names), ``Full name``, ``Email address``, ``Status``, ``Grade``, ``Maximum Grade``,
  ``Grade can be changed``, ``Last modified (submission)``, ``Last modified (grade)``,
  ``Feedback comments`` (lateness and "not submitted" go here). Moodle needs
  Identifier, Grade and Last modified (grade); give ``--worksheet`` (the
  worksheet downloaded from Moodle) so students who sent nothing get theirs too.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from autograder.config import Course
from autograder.errors import UsageError
from autograder.pipeline import identity
from autograder.pipeline.records import read_records
from autograder.pipeline.duedates import load_settings
from autograder.pipeline.late import Lateness, lateness
from autograder.pipeline.lateness import stamp
from autograder.pipeline.lms_names import read_worksheet
from autograder.pipeline.roster import Roster, read_roster

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                 "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments"]
LATENESS_HEADER = ["id", "name", "status", "submitted", "seconds_late", "late_penalty", "score", "max_score",
                   "lms_late"]
NOT_SUBMITTED = "not submitted"


@dataclass(frozen=True)
class Row:
    """One roster student's result."""

    student: str
    name: str
    score: float            # after the late penalty
    max_score: float
    status: str             # grading status, or "not submitted"
    late: Lateness | None
    record: dict            # what collect recorded (LMS ids), {} if nothing


def rows(course: Course, assignment: str, roster: Roster) -> list[Row]:
    """A Row per roster student, from the gradebook and collect's records."""
    from autograder.pipeline.gradebook import open_gradebook, read_status
    from autograder.pipeline.results import graded_cells

    course.check_assignment(assignment)
    max_score = float(sum(c.points for c in graded_cells(course, assignment)))
    status = read_status(course.gradebook_url, assignment)
    records = read_records(course, assignment)
    tz = load_settings(course.workspace, course.repo).tz
    out = []
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        for s in roster:
            late = lateness(gb, assignment, s.id, tz)
            if late is None:
                out.append(Row(s.id, s.name, 0.0, max_score, NOT_SUBMITTED, None, records.get(s.id, {})))
                continue
            score = max(0.0, float(gb.find_submission(assignment, s.id).score) - late.penalty)
            graded = status[s.id].status if s.id in status else "not graded yet"
            out.append(Row(s.id, s.name, score, max_score, graded, late, records.get(s.id, {})))
    return out


def _comment(row: Row) -> str:
    if row.status == NOT_SUBMITTED:
        return NOT_SUBMITTED
    parts = [row.status] if row.status != "graded" else []
    if row.late and row.late.describe():
        parts.append(row.late.describe())
    return "; ".join(parts)


def _number(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def write_canvas(path: Path, assignment: str, title: str, result: list[Row], roster: Roster) -> None:
    """Canvas gradebook import CSV (see the module docstring)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CANVAS_HEADER + [title])
        w.writerow(["Points Possible", "", "", "", "", _number(result[0].max_score if result else 0)])
        for r in result:
            s = roster.get(r.student)
            # the download's user id is Canvas's own record; collect stopped on any roster that contradicts it
            canvas_id = r.record["lms_key"] if r.record.get("lms") == "canvas" else s.canvas_id
            # a guessed login could name another Canvas user: blank unless the roster gives it
            w.writerow([s.name or s.id, canvas_id, s.sis_id, s.username, s.section, _number(r.score)])


def write_moodle(path: Path, result: list[Row], roster: Roster, ids: dict[str, str], tz) -> list[str]:
    """Moodle grading worksheet; ids: roster id -> participant id. Returns the students left out (no id)."""
    now = stamp(datetime.now(timezone.utc), tz)   # ISO with the zone's offset: Moodle's strtotime reads it exactly
    left_out = []
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(MOODLE_HEADER)
        for r in result:
            s = roster.get(r.student)
            pid = ids.get(r.student)
            if not pid:
                left_out.append(r.student)
                continue
            w.writerow([f"Participant {pid}", s.name, s.email,
                        "No submission" if r.status == NOT_SUBMITTED else "Submitted for grading",
                        _number(r.score), _number(r.max_score), "Yes",
                        r.late.submitted if r.late else "", now, _comment(r)])
    return left_out


def write_lateness(path: Path, result: list[Row]) -> None:
    """One row per roster student: status, submission time, seconds late, penalty and score."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(LATENESS_HEADER)
        for r in result:
            w.writerow([r.student, r.name, r.status, r.late.submitted if r.late else "",
                        _number(r.late.seconds_late) if r.late else "", _number(r.late.penalty) if r.late else "",
                        _number(r.score), _number(r.max_score), _flag(r.record.get("lms_late"))])


def _flag(late: bool | None) -> str:
    """The LMS's own late flag (Canvas's LATE_), as collect recorded it; blank where the LMS gives none."""
    return "" if late is None else ("yes" if late else "no")


def export(course: Course, assignment: str, lms: str, roster_path: Path, *, title: str | None = None,
           worksheet: Path | None = None, mapping: Path | None = None) -> tuple[list[Path], list[str]]:
    """Write the LMS file and the lateness CSV under reports/<assignment>/; return (paths, problems).

    Stops (MissingFactError) while collect left a submission not matched to one roster student, or the
    worksheet's participants cannot be matched: a grade must not land on the wrong student or nobody.
    """
    if lms not in ("canvas", "moodle"):
        raise UsageError(f"unknown LMS {lms!r}: expected canvas or moodle")
    roster = read_roster(roster_path)
    records = read_records(course, assignment)
    lacking = any(s.id not in records for s in roster)
    identity.require_settled(identity.unsettled(course.workspace, assignment, someone_lacks=lacking), assignment,
                             "export stops")
    resolver = identity.Resolver(roster, identity.read_map(mapping, roster) if mapping else None)
    ids, unsettled = identity.worksheet_participants(read_worksheet(worksheet) if worksheet else [], resolver,
                                                     records)
    identity.require_settled(unsettled, assignment, "export stops: the worksheet")
    if not any(s.name for s in roster) and lms == "moodle" and worksheet is None:
        raise UsageError("the Moodle export needs names or a worksheet: give a roster CSV with id and name columns, "
                         "or --worksheet with the grading worksheet downloaded from Moodle")
    result = rows(course, assignment, roster)
    folder = course.reports_dir / assignment
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    if lms == "canvas":
        out = folder / f"{assignment}-canvas.csv"
        write_canvas(out, assignment, title or assignment, result, roster)
        problems += [f"{s.id}: no Canvas user id (add a canvas_id column to the roster); Canvas will match "
                     f"the name {s.name!r}" for s in roster if not s.canvas_id and s.name
                     and records.get(s.id, {}).get("lms") != "canvas"]
    else:
        out = folder / f"{assignment}-moodle.csv"
        tz = load_settings(course.workspace, course.repo).tz
        problems += [f"{s}: no Moodle participant id (not in the download nor the worksheet); left out of {out.name}"
                     for s in write_moodle(out, result, roster, ids, tz)]
    late = folder / f"{assignment}-lateness.csv"
    write_lateness(late, result)
    return [out, late], problems
