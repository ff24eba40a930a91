"""``collect``: bring submissions into nbgrader's ``submitted/<student>/<assignment>/`` layout.

Accepted sources, as a folder or as a zip: the downloads of Canvas, Moodle and
Blackboard (see :mod:`autograder.pipeline.lms_names`), a folder per student
(``alice/graphs.ipynb``; an extra ``<assignment>/`` level and one enclosing folder
are tolerated) and flat ``<student>_<notebook>.ipynb`` files. LMS students are
matched to course ids through the roster (:mod:`autograder.pipeline.roster`).

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

from autograder.config import Course
from autograder.pipeline.archive import Entry, open_source
from autograder.pipeline.duedates import load_settings
from autograder.pipeline.lms_names import Placement, describe, parse_lms
from autograder.pipeline.outputs import strip_outputs
from autograder.pipeline.pick import Clock, SentFile, choose, wrong_assignment, worksheet_times
from autograder.pipeline.roster import STUDENT_ID, Roster, read_roster

#: Largest notebook copied as it is (bytes); a bigger one has its outputs cleared.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: Largest file read at all (bytes): a notebook this big is reported, not parsed.
MAX_ENTRY_BYTES = 100 * 1024 * 1024
_JUNK = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db", "timestamp.txt"}


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
    clock = Clock(settings.tz, settings.due.get(assignment), worksheet_times(worksheet, settings.tz))
    report = CollectReport(assignment)
    scratch = course.workspace / f".collecting-{assignment}"
    with open_source(source) as entries:
        files = _place(entries, assignment, notebooks, report)
        by_student = _identify(files, people, report)
        if warning := wrong_assignment(files, assignment, notebooks, others):
            report.warnings.append(warning)
        shutil.rmtree(scratch, ignore_errors=True)
        records = {}
        try:
            for student, own in sorted(by_student.items()):
                choice = choose(own, notebooks, others)
                if choice.clash:
                    report.duplicate_students.append(student)
                    report.duplicate_files[student] = choice.clash
                    continue
                chosen = choice.chosen
                if choice.extra:
                    report.extra[student] = choice.extra
                if choice.notes:
                    report.notes[student] = choice.notes
                if missing := [n for n in notebooks if n not in chosen]:
                    report.missing[student] = missing
                records[student] = _read(scratch / student, student, chosen, clock, report)
            for student, record in records.items():
                _install(course, assignment, student, scratch / student, record)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    _save_records(course, assignment, records)
    return report


def _place(entries: list[Entry], assignment: str, notebooks: list[str], report: CollectReport) -> list[SentFile]:
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
            out.append(SentFile(place, e))
    return out


def _identify(files: list[SentFile], people: Roster | None, report: CollectReport) -> dict[str, list[SentFile]]:
    """Group files by course student id; unknown students and clashes are reported and left out."""
    keys: dict[tuple, list[SentFile]] = {}
    for f in files:
        keys.setdefault((f.place.lms, f.place.key), []).append(f)
    groups: dict[str, dict[str, list[SentFile]]] = {}
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
             "blackboard": lambda: people.by_login(p.key), "folder": lambda: people.by_name(p.key)}[p.lms]()
    return found.id if found else None


def _read(folder: Path, student: str, chosen: dict[str, SentFile], clock: Clock, report: CollectReport) -> dict:
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
