"""``collect``: bring submissions into nbgrader's ``submitted/<student>/<assignment>/`` layout.

Accepted sources, as a folder or as a zip: the downloads of Canvas, Moodle and
Blackboard (see :mod:`autograder.pipeline.lms_names`), a folder per student
(``alice/graphs.ipynb``; an extra ``<assignment>/`` level and one enclosing folder
are tolerated) and flat ``<student>_<notebook>.ipynb`` files. Who each submission
belongs to is settled by :mod:`autograder.pipeline.identity` (the roster and a
``--map`` file); when it is handed in, by :mod:`autograder.pipeline.timing`.

Per student the newest attempt of each notebook is taken. A notebook under
another name (``layers (1).ipynb``, ``Layers.ipynb``) is taken with a note; a
notebook over ``MAX_NOTEBOOK_BYTES`` is taken with its outputs cleared (grading
clears them anyway); an empty one is copied as it is, so grading says it was empty.
The submission time, where one is recorded, goes to ``timestamp.txt`` (in the
course's zone, which nbgrader reads) for nbgrader's lateness. What collect learnt
of each student (the LMS's ids and late flag, how the student was matched, the
time and its source, the files sent) goes to ``<workspace>/lms/<assignment>.json``.

Collecting again (a second download after late work and resubmissions) leaves a
student whose files are the same untouched: the same time, so ``grade`` skips
them. Changed files get their own time and are graded again.

Everything is checked and read into a scratch folder before anything is
replaced, one entry at a time: an unsafe or unreadable source, or a missing
submission time where lateness would follow, changes nothing.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path, PurePosixPath

from autograder.config import Course
from autograder.errors import UsageError
from autograder.pipeline.archive import Entry, open_source
from autograder.pipeline.duedates import load_settings
from autograder.pipeline.identity import Resolver, Seen, read_map, save_unsettled
from autograder.pipeline.lateness import stamp
from autograder.pipeline.lms_names import RECEIPT_NAME, Placement, blackboard_users, parse_lms, participant, \
    read_worksheet
from autograder.pipeline.outputs import strip_outputs
from autograder.pipeline.pick import SentFile, choose, wrong_assignment
from autograder.pipeline.records import read_records, save_records, submission_version
from autograder.pipeline.roster import STUDENT_ID, read_roster
from autograder.pipeline.timing import Clock, Timing, parse_submitted_at, read_timestamp, require_times

#: Largest notebook copied as it is (bytes); a bigger one has its outputs cleared.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: Largest file read at all (bytes): a notebook this big is reported, not parsed.
MAX_ENTRY_BYTES = 100 * 1024 * 1024
#: Largest receipt or timestamp.txt read (bytes).
MAX_NOTE_BYTES = 64 * 1024
TIMESTAMP = "timestamp.txt"
_JUNK = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db"}


@dataclass
class CollectReport:
    """What collect did and what it could not do; ``problems`` lists the latter as sentences,
    ``trail`` per student how they were matched and where their submission time came from."""

    assignment: str
    collected: dict[str, list[str]] = field(default_factory=dict)   # student -> notebooks copied
    missing: dict[str, list[str]] = field(default_factory=dict)     # student -> notebooks not found
    extra: dict[str, list[str]] = field(default_factory=dict)       # student -> files not copied
    unknown_students: list[str] = field(default_factory=list)       # not on the roster: skipped
    duplicate_students: list[str] = field(default_factory=list)     # same id twice: skipped
    unsettled: list[str] = field(default_factory=list)              # ambiguous or conflicting matches: skipped
    unplaced: list[str] = field(default_factory=list)               # files with no student
    absent: list[str] = field(default_factory=list)                 # on the roster, nothing matched to them
    duplicate_files: dict[str, list[str]] = field(default_factory=dict)  # duplicate student -> what clashed
    empty: dict[str, list[str]] = field(default_factory=dict)       # student -> empty files (scored 0)
    notes: dict[str, list[str]] = field(default_factory=dict)       # student -> what was done to the files
    warnings: list[str] = field(default_factory=list)               # about the source as a whole
    unchanged: list[str] = field(default_factory=list)              # same files as the last collect: kept
    ignored: list[str] = field(default_factory=list)                # left out by the --map file
    trail: dict[str, str] = field(default_factory=dict)             # student -> matched how; time from what

    @property
    def unmatched(self) -> int:
        """Submissions (or files) this collect could not give to one roster student."""
        return len(self.unknown_students) + len(self.duplicate_students) + len(self.unsettled) + len(self.unplaced)

    @property
    def problems(self) -> list[str]:
        out = list(self.warnings)
        out += [f"{s}: missing {', '.join(n + '.ipynb' for n in nbs)} (scored 0)" for s, nbs in self.missing.items()]
        out += [f"{s}: {f} is empty (0 bytes; scored 0): ask for the file again" for s, fs in self.empty.items()
                for f in fs]
        out += [f"{s}: {note}" for s, notes in self.notes.items() for note in notes]
        out += [f"{s}: extra files not collected: {', '.join(files)}" for s, files in self.extra.items()]
        out += [f"{s}: not on the roster; skipped (add them to the roster, or settle it in a --map file)"
                for s in self.unknown_students]
        out += [f"{s}: submitted more than once ({', '.join(self.duplicate_files.get(s, []))}); skipped, keep one and "
                f"collect again" for s in self.duplicate_students]
        out += [f"{p}; skipped" for p in self.unsettled]
        out += [f"{p}: cannot tell which student this is; expected an LMS download, <student>/<notebook>.ipynb "
                f"or <student>_<notebook>.ipynb" for p in self.unplaced]
        if self.unmatched:
            out += [f"{s}: on the roster, but no submission was matched to them ({self.unmatched} could not be "
                    f"matched: see above)" for s in self.absent]
        else:
            out += [f"{s}: on the roster but submitted nothing" for s in self.absent]
        return out


def collect(course: Course, assignment: str, source: Path, roster: Path | None = None,
            worksheet: Path | None = None, *, mapping: Path | None = None, submitted_at: list[str] | None = None,
            no_lateness: bool = False) -> CollectReport:
    """Copy the submissions in ``source`` (folder or .zip) into ``submitted/<student>/<assignment>/``.

    worksheet: a Moodle grading worksheet (participants' e-mails and submission times).
    mapping: a --map file settling students (:func:`autograder.pipeline.identity.read_map`).
    submitted_at: ``ID=TIME`` or ``TIME`` values; no_lateness: no time and no lateness for this collect.
    """
    course.check_assignment(assignment)
    notebooks = course.notebooks(assignment)
    others = {nb.casefold(): a for a in course.assignments() if a != assignment for nb in course.notebooks(a)}
    people = read_roster(roster) if roster else None
    resolver = Resolver(people, read_map(mapping, people) if mapping else None)
    settings = load_settings(course.workspace, course.repo)
    due = settings.due.get(assignment)
    explicit, everyone = parse_submitted_at(submitted_at, settings.tz)
    sheet = {participant(row): row for row in read_worksheet(worksheet)} if worksheet else None
    report = CollectReport(assignment)
    previous = read_records(course, assignment)
    scratch = course.workspace / f".collecting-{assignment}"
    with open_source(source) as entries:
        files, receipts, paths = _place(entries, assignment, notebooks, report)
        files = _blackboard(files, receipts, resolver, report)
        by_student, matches, unsettled_now, seen_keys = _identify(files, resolver, sheet, report)
        folded = {s.casefold(): s for s in by_student}
        if stray := sorted(k for k in explicit if k.casefold() not in folded):
            raise UsageError(f"--submitted-at names {', '.join(stray)}, who {'has' if len(stray) == 1 else 'have'} no "
                             f"submission in {source}; check the id (the roster's)")
        explicit = {folded[k.casefold()]: at for k, at in explicit.items()}
        times = {pid: row.get("Last modified (submission)") or "" for pid, row in sheet.items()} if sheet else None
        clock = Clock(settings.tz, times, explicit, everyone, no_lateness)
        if warning := wrong_assignment(files, assignment, notebooks, others):
            report.warnings.append(warning)
        shutil.rmtree(scratch, ignore_errors=True)
        records, no_time, staged = {}, {}, []
        try:
            for student, own in sorted(by_student.items()):
                target = course.submitted_dir / student / assignment
                first, timestamp = own[0].place, _timestamp_file(own, settings.tz)
                own = [f for f in own if not _is_timestamp(f)]
                choice = choose(own, notebooks, others)
                if choice.clash:
                    report.duplicate_students.append(student)
                    report.duplicate_files[student] = choice.clash
                    clash = f"{student}: submitted more than once ({', '.join(choice.clash)})"
                    unsettled_now[f"student:{student.casefold()}"] = (clash, "conflict")
                    continue
                if choice.extra:
                    report.extra[student] = choice.extra
                if choice.notes:
                    report.notes[student] = choice.notes
                if missing := [n for n in notebooks if n not in choice.chosen]:
                    report.missing[student] = missing
                record = _read(scratch / student, student, choice.chosen, report)
                record.update(_lms(first, matches[student], choice.extra, own))
                old = previous.get(student, {})
                told = student in explicit or everyone is not None or no_lateness
                if _unchanged(old, record, target) and not told and (old.get("time_fact") or due is None):
                    records[student] = {**old, **{k: record[k] for k in ("lms_label", "matched_by", "extra", "sent")}}
                    report.unchanged.append(student)
                    report.trail[student] = f"{_how(record)}; unchanged since the last collect, kept as " \
                                            f"{old.get('submitted') or 'it was'} ({old.get('time_source', '')})"
                    continue
                timing = clock.time_of(student, [f.place for f in choice.chosen.values()], timestamp) \
                    if record["notebooks"] else Timing(None, "no notebook to grade", fact=True)
                if not timing.fact and due is not None:
                    no_time[student] = timing.source
                record.update(submitted=stamp(timing.at, settings.tz), time_source=timing.source,
                              time_fact=timing.fact)
                records[student] = record
                report.trail[student] = f"{_how(record)}; {timing.describe(settings.tz, due)}"
                staged.append((student, timing.at))
            require_times(no_time, assignment, due, settings.tz)
            for student, at in staged:
                _install(course, assignment, student, scratch / student, at, settings.tz)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    save_records(course, assignment, records)
    seen_keys |= {f"student:{s.casefold()}" for s in records} | {f"file:{p}" for p in paths}
    save_unsettled(course.workspace, assignment, seen_keys, unsettled_now)
    return report


def _unchanged(old: dict, record: dict, target: Path) -> bool:
    """The same notebooks as the last collect installed, still in place: the same submission, the same time."""
    return bool(old) and old.get("digest") == record["digest"] and target.is_dir()


def _place(entries: list[Entry], assignment: str, notebooks: list[str],
           report: CollectReport) -> tuple[list[SentFile], dict[str, Entry], set[str]]:
    """Every entry that is not debris, with the student and file its name gives; the Blackboard
    receipts by their ``<assignment>_<username>`` head; and every path seen, as reports show paths."""
    kept = []
    for e in entries:
        parts = [p for p in e.path.parts if p != assignment]
        if not parts or set(parts) & _JUNK or parts[-1].startswith("._"):
            continue
        kept.append((PurePosixPath(*parts), e))
    if kept and all(len(p.parts) >= 3 for p, _ in kept) and len({p.parts[0] for p, _ in kept}) == 1:
        kept = [(PurePosixPath(*p.parts[1:]), e) for p, e in kept]   # one enclosing folder
    flat = re.compile(r"^(?P<student>.+?)[_-](?P<nb>" + "|".join(map(re.escape, notebooks)) + r")\.ipynb$", re.I)
    out, receipts = [], {}
    for path, e in kept:
        place = parse_lms(path) or parse_lms(PurePosixPath(path.name))
        if place is None and len(path.parts) >= 2:
            place = Placement("folder", path.parts[0], "", path.name)
        elif place is None and (m := flat.match(path.name)):
            place = Placement("folder", m["student"], "", m["nb"] + ".ipynb")
        if place is None:
            report.unplaced.append(str(path))
        elif place.lms == "blackboard" and place.receipt:
            receipts[place.key] = e
        elif not place.receipt:
            out.append(SentFile(place, e))
    return out, receipts, {str(path) for path, _ in kept}


def _blackboard(files: list[SentFile], receipts: dict[str, Entry], resolver: Resolver,
                report: CollectReport) -> list[SentFile]:
    """Blackboard files with their username split off the assignment name (receipts, then the roster)."""
    heads = {f.place.key for f in files if f.place.lms == "blackboard"}
    if not heads:
        return files
    texts = {head: (e.read(MAX_NOTE_BYTES) or b"").decode("utf-8", "replace") for head, e in receipts.items()}
    users = blackboard_users(heads, texts, resolver.logins())
    names = {head: m["name"] for head, text in texts.items() if (m := RECEIPT_NAME.search(text))}
    out = []
    for f in files:
        if f.place.lms != "blackboard":
            out.append(f)
        elif users[f.place.key][0]:
            out.append(SentFile(replace(f.place, key=users[f.place.key][0], name=names.get(f.place.key, "")), f.entry))
        elif (why := users[f.place.key][1]) not in report.unsettled:
            report.unsettled.append(why)
    return out


def _identify(files: list[SentFile], resolver: Resolver, sheet: dict[str, dict] | None, report: CollectReport):
    """Group files by course student id, through the roster. Returns (student -> files, student -> Match,
    unsettled key -> (sentence, kind), every LMS identity key seen)."""
    keys: dict[tuple, list[SentFile]] = {}
    for f in files:
        keys.setdefault((f.place.lms, f.place.key), []).append(f)
    groups: dict[str, dict] = {}
    unsettled: dict[str, tuple[str, str]] = {why: (why, "unknown") for why in report.unsettled}
    seen_keys: set[str] = set()
    for (lms, key), own in sorted(keys.items()):
        row = (sheet or {}).get(key, {}) if lms == "moodle" else {}
        seen = Seen(lms, key, row.get("Full name") or own[0].place.name, row.get("Email address") or "")
        seen_keys.add(f"{lms}:{key}")
        m = resolver.match(seen)
        if m.ignored:
            report.ignored.append(seen.label)
        elif m.problem:
            report.unsettled.append(m.problem)
            unsettled[f"{lms}:{key}"] = (m.problem, "conflict")
        elif m.student is None:
            report.unknown_students.append(seen.label)
            unsettled[f"{lms}:{key}"] = (f"{seen.label}: not on the roster; add them to the roster, or settle it in "
                                         f"a --map file with the line {key},<id> (or {key},- to leave it out)",
                                         "unknown")
        elif not STUDENT_ID.match(m.student):
            report.unplaced.append(f"{seen.label}/ (not a usable student id; give a roster that maps it)")
        else:   # ids are folder names in nbgrader's layout: compare them case-blind
            groups.setdefault(m.student.casefold(), {})[(lms, key)] = (m, seen, own)
    for path in report.unplaced:
        if path.lower().endswith(".ipynb"):
            unsettled[f"file:{path}"] = (f"{path}: cannot tell which student sent it", "unknown")
    if resolver.roster is not None:
        report.absent = [s for s in resolver.roster.ids() if s.casefold() not in groups]
    by_student, matches = {}, {}
    for folded, by_key in groups.items():
        if len(by_key) > 1:   # one student under two names (Gina/ and gina/, or a folder and a Canvas file)
            names = sorted(seen.label for _, seen, _ in by_key.values())
            report.duplicate_students.append(names[0])
            report.duplicate_files[names[0]] = names
            unsettled[f"student:{folded}"] = (f"{', '.join(names)} are all matched to one roster student", "conflict")
        else:
            m, seen, own = next(iter(by_key.values()))
            by_student[m.student] = own
            matches[m.student] = (m, seen)
    return by_student, matches, unsettled, seen_keys


def _is_timestamp(f: SentFile) -> bool:
    """nbgrader's own timestamp.txt beside a student's notebooks in a folder (an LMS's file named so is the
    student's, and is not trusted)."""
    return f.place.lms == "folder" and f.place.filename.lower() == TIMESTAMP


def _timestamp_file(own: list[SentFile], tz: tzinfo) -> tuple[str, datetime | None] | None:
    """A folder's timestamp.txt as (text, time or None when it is not a time read here)."""
    found = [f for f in own if _is_timestamp(f)]
    if not found:
        return None
    text = (found[0].entry.read(MAX_NOTE_BYTES) or b"").decode("utf-8", "replace").strip()
    return text, read_timestamp(text, tz)


def _lms(place: Placement, match, extra: list[str], own: list[SentFile]) -> dict:
    """The record's identity part: the LMS's ids and flag, how the student was matched, what they sent."""
    m, seen = match
    return {"lms": place.lms, "lms_key": place.key, "lms_name": seen.name,
            "lms_late": any(f.place.late for f in own) if place.lms == "canvas" else None,
            "matched_by": m.how, "lms_label": seen.label, "extra": extra,
            "sent": sorted({f.place.filename for f in own})}


def _how(record: dict) -> str:
    return f"{record['lms_label']}, matched by {record['matched_by']}"


def _read(folder: Path, student: str, chosen: dict[str, SentFile], report: CollectReport) -> dict:
    """Read the chosen files into ``folder``; return the notebooks taken and their digest."""
    folder.mkdir(parents=True)
    taken, empty = [], []
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
        (folder / f"{nb}.ipynb").write_bytes(data)   # an empty one too: grading says it was empty
        if not data.strip():
            empty.append(f.place.filename)
        else:
            taken.append(nb)
    if empty:
        report.empty[student] = empty
    report.collected[student] = sorted(taken)
    return {"notebooks": sorted(taken), "empty": empty, "digest": submission_version(folder)}


def _install(course: Course, assignment: str, student: str, staged: Path, at: datetime | None, tz: tzinfo) -> None:
    """Replace the student's submitted folder with ``staged`` (written beside it, then swapped)."""
    if at is not None:
        # nbgrader reads the submission time from timestamp.txt, in its own form with the zone's name
        (staged / TIMESTAMP).write_text(f"{at.astimezone(tz):%Y-%m-%d %H:%M:%S.%f} {getattr(tz, 'key', 'UTC')}\n")
    target = course.submitted_dir / student / assignment
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        shutil.rmtree(target)
    shutil.move(str(staged), target)
