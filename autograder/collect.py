"""``collect``: bring submissions into nbgrader's ``submitted/<student>/<assignment>/`` layout.

Accepted sources, as a folder or as a zip: the downloads of Canvas, Moodle and
Blackboard (see :mod:`autograder.lms_names`), a folder per student
(``alice/graphs.ipynb``; an extra ``<assignment>/`` level and one enclosing folder
are tolerated) and flat ``<student>_<notebook>.ipynb`` files. LMS students are
matched to course ids through the roster (:mod:`autograder.roster`).

Per student the newest attempt of each notebook is taken. A notebook under
another name (``layers (1).ipynb``, ``Layers.ipynb``) is taken with a note; a
notebook over ``MAX_NOTEBOOK_BYTES`` is taken with its outputs cleared (grading
clears them anyway). The submission time (from the LMS's name where it gives one,
else the entry's time) goes to ``timestamp.txt``, where nbgrader reads it to
compute lateness. What the LMS said of each student (its ids, its late flag)
goes to ``<workspace>/lms/<assignment>.json`` for ``export``.

Everything is checked and read into a scratch folder before anything is
replaced, one entry at a time: an unsafe or unreadable source changes nothing.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from autograder.archive import Entry, open_source
from autograder.config import Course
from autograder.duedates import as_utc, load_settings
from autograder.lms_names import Placement, describe, moodle_time, parse_lms, participant, read_worksheet
from autograder.outputs import strip_outputs
from autograder.roster import STUDENT_ID, Roster, read_roster

#: Largest notebook copied as it is (bytes); a bigger one has its outputs cleared.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: Largest file read at all (bytes): a notebook this big is reported, not parsed.
MAX_ENTRY_BYTES = 100 * 1024 * 1024
_JUNK = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db", "timestamp.txt"}
_RENAMED = re.compile(r"^(?P<stem>.+?)(?:\s*\(\d+\)|-\d+)?$")


@dataclass
class CollectReport:
    """What collect did and what it could not do; ``problems`` lists the latter as sentences."""

    assignment: str
    collected: dict[str, list[str]] = field(default_factory=dict)   # student -> notebooks copied
    missing: dict[str, list[str]] = field(default_factory=dict)     # student -> notebooks not found
    extra: dict[str, list[str]] = field(default_factory=dict)       # student -> files not copied
    unknown_students: list[str] = field(default_factory=list)       # not on the roster: skipped
    duplicate_students: list[str] = field(default_factory=list)     # same id twice: skipped
    unplaced: list[str] = field(default_factory=list)               # files with no student
    absent: list[str] = field(default_factory=list)                 # on the roster, nothing submitted
    duplicate_files: dict[str, list[str]] = field(default_factory=dict)  # duplicate student -> what clashed
    empty: dict[str, list[str]] = field(default_factory=dict)       # student -> empty files (scored 0)
    notes: dict[str, list[str]] = field(default_factory=dict)       # student -> what was done to the files
    warnings: list[str] = field(default_factory=list)               # about the source as a whole

    @property
    def problems(self) -> list[str]:
        out = list(self.warnings)
        out += [f"{s}: missing {', '.join(n + '.ipynb' for n in nbs)} (scored 0)" for s, nbs in self.missing.items()]
        out += [f"{s}: {f} is empty (0 bytes; scored 0): ask for the file again" for s, fs in self.empty.items()
                for f in fs]
        out += [f"{s}: {note}" for s, notes in self.notes.items() for note in notes]
        out += [f"{s}: extra files not collected: {', '.join(files)}" for s, files in self.extra.items()]
        out += [f"{s}: not on the roster; skipped" for s in self.unknown_students]
        out += [f"{s}: submitted more than once ({', '.join(self.duplicate_files.get(s, []))}); skipped, keep one and "
                f"collect again" for s in self.duplicate_students]
        out += [f"{p}: cannot tell which student this is; expected an LMS download, <student>/<notebook>.ipynb "
                f"or <student>_<notebook>.ipynb" for p in self.unplaced]
        out += [f"{s}: on the roster but submitted nothing" for s in self.absent]
        return out


@dataclass
class _File:
    place: Placement
    entry: Entry


def collect(course: Course, assignment: str, source: Path, roster: Path | None = None,
            worksheet: Path | None = None) -> CollectReport:
    """Copy the submissions in ``source`` (folder or .zip) into ``submitted/<student>/<assignment>/``.

    worksheet: a Moodle grading worksheet, whose "Last modified (submission)" gives Moodle's submission times.
    """
    course.check_assignment(assignment)
    notebooks = course.notebooks(assignment)
    others = {nb.casefold(): a for a in course.assignments() if a != assignment for nb in course.notebooks(a)}
    people = read_roster(roster) if roster else None
    settings = load_settings(course.workspace, course.repo)
    clock = _Clock(settings.tz, settings.due.get(assignment), _worksheet_times(worksheet, settings.tz))
    report = CollectReport(assignment)
    scratch = course.workspace / f".collecting-{assignment}"
    with open_source(source) as entries:
        files = _place(entries, assignment, notebooks, report)
        by_student = _identify(files, people, report)
        _wrong_assignment(files, notebooks, others, report)
        shutil.rmtree(scratch, ignore_errors=True)
        records = {}
        try:
            for student, own in sorted(by_student.items()):
                chosen = _choose(student, own, notebooks, others, report)
                if student in report.duplicate_students:
                    continue
                if missing := [n for n in notebooks if n not in chosen]:
                    report.missing[student] = missing
                records[student] = _read(scratch / student, student, chosen, clock, report)
            for student, record in records.items():
                _install(course, assignment, student, scratch / student, record)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    _save_records(course, assignment, records)
    return report


def _place(entries: list[Entry], assignment: str, notebooks: list[str], report: CollectReport) -> list[_File]:
    """Every entry that is not debris, with the student and file its name gives."""
    kept = []
    for e in entries:
        parts = [p for p in e.path.parts if p != assignment]
        if not parts or set(parts) & _JUNK or parts[-1].startswith("._"):
            continue
        kept.append((PurePosixPath(*parts), e))
    if kept and all(len(p.parts) >= 3 for p, _ in kept) and len({p.parts[0] for p, _ in kept}) == 1:
        kept = [(PurePosixPath(*p.parts[1:]), e) for p, e in kept]   # one enclosing folder
    flat = re.compile(r"^(?P<student>.+?)[_-](?P<nb>" + "|".join(map(re.escape, notebooks)) + r")\.ipynb$", re.I)
    out = []
    for path, e in kept:
        place = parse_lms(path) or parse_lms(PurePosixPath(path.name))
        if place is None and len(path.parts) >= 2:
            place = Placement("folder", path.parts[0], "", path.name, (), None, None)
        elif place is None and (m := flat.match(path.name)):
            place = Placement("folder", m["student"], "", m["nb"] + ".ipynb")
        if place is None:
            report.unplaced.append(str(path))
        elif not place.receipt:
            out.append(_File(place, e))
    return out


def _identify(files: list[_File], people: Roster | None, report: CollectReport) -> dict[str, list[_File]]:
    """Group files by course student id; unknown students and clashes are reported and left out."""
    keys: dict[tuple, list[_File]] = {}
    for f in files:
        keys.setdefault((f.place.lms, f.place.key), []).append(f)
    groups: dict[str, dict[str, list[_File]]] = {}
    for (lms, _), own in sorted(keys.items()):
        p = own[0].place
        student = _student(p, people)
        label = describe(p)
        if student is None and people is not None:
            report.unknown_students.append(label)
        elif student is None or not STUDENT_ID.match(student):
            report.unplaced.append(f"{label}/ (not a usable student id; give a roster that maps it)")
        else:   # ids are folder names in nbgrader's layout: compare them case-blind
            groups.setdefault(student.casefold(), {}).setdefault((lms, p.key), (student, []))[1].extend(own)
    if people is not None:
        report.absent = [s for s in people.ids() if s.casefold() not in groups]
    out = {}
    for by_key in groups.values():
        names = sorted(describe(own[0].place) for student, own in by_key.values())
        if len(by_key) > 1:   # one student under two names (Gina/ and gina/, or a folder and a Canvas file)
            report.duplicate_students.append(names[0])
            report.duplicate_files[names[0]] = names
        else:
            student, own = next(iter(by_key.values()))
            out[student] = own
    return out


def _student(p: Placement, people: Roster | None) -> str | None:
    if people is None:
        return p.key
    found = {"canvas": lambda: people.canvas(p.key, p.name), "moodle": lambda: people.by_name(p.name),
             "blackboard": lambda: people.by_login(p.key), "folder": lambda: people.get(p.key)}[p.lms]()
    return found.id if found else None


def _stem(filename: str) -> str:
    """A notebook file name as compared: no .ipynb, no browser ' (1)' or '-1' suffix, case-blind."""
    stem = filename[:-6] if filename.lower().endswith(".ipynb") else filename
    return _RENAMED.match(stem)["stem"].casefold()


def _choose(student: str, own: list[_File], notebooks: list[str], others: dict[str, str],
            report: CollectReport) -> dict[str, _File]:
    """notebook name -> the file taken for it: the exact name, else a renamed one, newest attempt first."""
    newest = sorted(own, key=lambda f: (f.place.order, f.entry.when), reverse=True)
    ipynb = [f for f in newest if f.place.filename.lower().endswith(".ipynb")]
    chosen, notes = {}, []
    for nb in notebooks:
        exact = [f for f in ipynb if f.place.filename == f"{nb}.ipynb"]
        if len(exact) > 1 and own[0].place.lms == "folder":
            report.duplicate_students.append(student)
            report.duplicate_files[student] = [f.entry.path.as_posix() for f in exact]
            return {}
        renamed = [f for f in ipynb if _stem(f.place.filename) == nb.casefold()]
        if not exact and not renamed and len(notebooks) == 1:
            # the only notebook sent, under any name that is not another assignment's notebook
            renamed = [f for f in ipynb if _stem(f.place.filename) not in others][:1] if len(
                {f.place.filename for f in ipynb}) == 1 else []
        pick = (exact or renamed or [None])[0]
        if pick is not None:
            chosen[nb] = pick
            if not exact:
                notes.append(f"took {pick.place.filename!r} as {nb}.ipynb (the only notebook of that name)")
    used = {id(f) for f in chosen.values()}
    taken = {f.place.filename for f in chosen.values()}
    extra = sorted({f.place.filename for f in own if id(f) not in used and f.place.filename not in taken})
    if extra:
        report.extra[student] = extra
    notes += [f"sent {name}, a notebook of {others[_stem(name)]}: wrong assignment?" for name in extra
              if name.lower().endswith(".ipynb") and _stem(name) in others]
    if notes:
        report.notes.setdefault(student, []).extend(notes)
    return chosen


def _wrong_assignment(files: list[_File], notebooks: list[str], others: dict[str, str], report: CollectReport):
    """Warn when a source holds another assignment's notebooks and none of this one's."""
    ours = {nb.casefold() for nb in notebooks}
    stems = {_stem(f.place.filename) for f in files if f.place.filename.lower().endswith(".ipynb")}
    foreign = sorted({others[s] for s in stems if s in others})
    if foreign and not stems & ours:
        report.warnings.append(f"{report.assignment}: this source holds notebooks of {', '.join(foreign)} and none "
                               f"of {report.assignment} ({', '.join(n + '.ipynb' for n in notebooks)}): "
                               f"wrong assignment?")


def _read(folder: Path, student: str, chosen: dict[str, _File], clock: "_Clock", report: CollectReport) -> dict:
    """Read the chosen files into ``folder``; return the student's record (times, LMS ids)."""
    folder.mkdir(parents=True)
    taken, times, empty = [], [], []
    for nb, f in sorted(chosen.items()):
        data = f.entry.read(MAX_ENTRY_BYTES) if f.entry.size <= MAX_ENTRY_BYTES else None
        if data is not None and len(data) > MAX_NOTEBOOK_BYTES:
            data = strip_outputs(data)
            if data is not None and len(data) <= MAX_NOTEBOOK_BYTES:
                report.notes.setdefault(student, []).append(
                    f"{nb}.ipynb is over {MAX_NOTEBOOK_BYTES} bytes with its outputs; collected with outputs "
                    f"cleared (grading clears them anyway)")
            else:
                data = None
        if data is None:
            report.notes.setdefault(student, []).append(
                f"{nb}.ipynb is too big even without outputs (over {MAX_NOTEBOOK_BYTES} bytes); not collected")
            continue
        if not data.strip():
            empty.append(f.place.filename)
            continue
        (folder / f"{nb}.ipynb").write_bytes(data)
        taken.append(nb)
        times.append(clock.submitted(f))
    if empty:
        report.empty[student] = empty
    if any(f.place.late for f in chosen.values()) and times:
        report.notes.setdefault(student, []).append(
            f"Canvas marks this LATE but its download carries no submission time; the zip's time "
            f"{max(times):%Y-%m-%d %H:%M} UTC is used (Canvas may stamp the download time): check timestamp.txt")
    report.collected[student] = sorted(taken)
    place = next(iter(chosen.values())).place if chosen else None
    return {"notebooks": sorted(taken),
            "submitted": max(times).strftime("%Y-%m-%d %H:%M:%S.%f UTC") if times else "",
            "lms": place.lms if place else "", "lms_key": place.key if place else "",
            "lms_name": place.name if place else "",
            "lms_late": any(f.place.late for f in chosen.values()) if place and place.lms == "canvas" else None}


@dataclass(frozen=True)
class _Clock:
    """When a file was submitted: the LMS's record where it gives one, else the archive entry's time."""

    tz: object
    due: datetime | None
    moodle: dict[str, datetime]          # participant id -> submission time (UTC), from a worksheet

    def submitted(self, f: _File) -> datetime:
        p = f.place
        if p.submitted is not None:                       # Blackboard: in the name, local time
            return as_utc(p.submitted.replace(tzinfo=self.tz))
        if p.lms == "moodle" and p.key in self.moodle:
            return self.moodle[p.key]
        when = as_utc(f.entry.when)
        if p.lms == "canvas" and not p.late and self.due is not None and when > self.due:
            # Canvas says on time; its zip entries may carry the download time, which must not make it late
            return as_utc(self.due)
        return when


def _worksheet_times(worksheet: Path | None, tz) -> dict[str, datetime]:
    if worksheet is None:
        return {}
    out = {}
    for row in read_worksheet(worksheet):
        when = moodle_time(row.get("Last modified (submission)") or "")
        if when is not None:
            out[participant(row)] = as_utc(when.replace(tzinfo=tz))
    return out


def _install(course: Course, assignment: str, student: str, staged: Path, record: dict) -> None:
    """Replace the student's submitted folder with ``staged`` (written beside it, then swapped)."""
    stamp = record["submitted"] or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    # nbgrader reads the submission time from timestamp.txt: lateness, and a newer one triggers regrading
    (staged / "timestamp.txt").write_text(stamp + "\n")
    target = course.submitted_dir / student / assignment
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    shutil.move(str(staged), target)


def records_path(course: Course, assignment: str) -> Path:
    return course.workspace / "lms" / f"{assignment}.json"


def _save_records(course: Course, assignment: str, records: dict) -> None:
    """Merge this collect's records into ``lms/<assignment>.json`` (a later collect replaces a student's)."""
    path = records_path(course, assignment)
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    old.update(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(old, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


def read_records(course: Course, assignment: str) -> dict[str, dict]:
    """What collect recorded per student of ``assignment`` (LMS ids, late flag, time); {} before any collect."""
    path = records_path(course, assignment)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
