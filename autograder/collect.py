"""``collect``: bring submissions into nbgrader's ``submitted/<student>/<assignment>/`` layout.

Accepted sources, as a folder or as a zip downloaded from an LMS:

- a folder per student: ``alice/graphs.ipynb`` (an extra ``<assignment>/`` level
  and one enclosing folder such as ``submissions/`` are tolerated);
- flat files named ``<student>_<notebook>.ipynb``.

Everything is read and checked before anything is written: an archive entry
that would land outside the target (``../``, an absolute path, a link) rejects
the whole source. Problems a human must look at (unknown or duplicate students,
missing or extra notebooks) are reported, not guessed around.
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from autograder.config import Course
from autograder.errors import SourceError, UnsafeArchiveError

#: Largest notebook accepted (bytes); a bigger file is reported, not copied.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: Largest archive content read in total (bytes): guards against zip bombs.
MAX_TOTAL_BYTES = 2 * 1024 ** 3
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
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

    @property
    def problems(self) -> list[str]:
        out = [f"{s}: missing {', '.join(n + '.ipynb' for n in nbs)} (scored 0)" for s, nbs in self.missing.items()]
        out += [f"{s}: extra files not collected: {', '.join(files)}" for s, files in self.extra.items()]
        out += [f"{s}: not on the roster; skipped" for s in self.unknown_students]
        out += [f"{s}: submitted more than once ({', '.join(self.duplicate_files.get(s, []))}); skipped, keep one and "
                f"collect again" for s in self.duplicate_students]
        out += [f"{p}: cannot tell which student this is; expected <student>/<notebook>.ipynb "
                f"or <student>_<notebook>.ipynb" for p in self.unplaced]
        out += [f"{s}: on the roster but submitted nothing" for s in self.absent]
        return out


def read_roster(path: Path) -> list[str]:
    """Student ids from a roster: one per line, or a CSV whose first column (or column 'id') holds them."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SourceError(f"cannot read the roster {path}: {exc.strerror}") from exc
    rows = [r for r in csv.reader(io.StringIO(text)) if r and r[0].strip() and not r[0].startswith("#")]
    if rows and "id" in [c.strip().lower() for c in rows[0]]:
        col = [c.strip().lower() for c in rows[0]].index("id")
        rows = [r[col:] for r in rows[1:]]
    ids = [r[0].strip() for r in rows]
    bad = [i for i in ids if not STUDENT_ID.match(i)]
    if bad:
        raise SourceError(f"roster {path}: {bad[0]!r} is not a usable student id "
                          f"(letters, digits and . _ @ + - only, starting with a letter or digit)")
    return ids


def _read_zip(path: Path) -> list[tuple[PurePosixPath, bytes, datetime]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceError(f"{path} is not a readable zip file ({exc}); download the submissions again") from exc
    entries, total = [], 0
    with archive:
        infos = archive.infolist()
        for info in infos:  # check every entry before reading any
            name = info.filename
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafeArchiveError(f"{path}: entry {name!r} is a symbolic link; refusing the whole archive")
            _safe_parts(name, f"{path}: entry")
        for info in infos:
            if info.is_dir():
                continue
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                raise SourceError(f"{path} unpacks to more than {MAX_TOTAL_BYTES} bytes; refusing it")
            data = archive.read(info) if info.file_size <= MAX_NOTEBOOK_BYTES else b""
            when = datetime(*info.date_time, tzinfo=timezone.utc)
            entries.append((PurePosixPath(*_safe_parts(info.filename, "")), data, when))
    return entries


def _safe_parts(name: str, where: str) -> list[str]:
    """Path components of an archive name, or UnsafeArchiveError when it could escape the target."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\\" in name or "\0" in name:
        raise UnsafeArchiveError(f"{where} {name!r} is an absolute or Windows path; refusing the whole archive")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveError(f"{where} {name!r} climbs out of the archive with '..'; refusing the whole archive")
    return parts


def _read_folder(root: Path) -> list[tuple[PurePosixPath, bytes, datetime]]:
    entries = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            full = Path(dirpath, name)
            if full.is_symlink():
                raise UnsafeArchiveError(f"{full} is a symbolic link; refusing the whole folder "
                                         f"(copy the real files in its place)")
        for name in filenames:
            full = Path(dirpath, name)
            size = full.stat().st_size
            data = full.read_bytes() if size <= MAX_NOTEBOOK_BYTES else b""
            when = datetime.fromtimestamp(full.stat().st_mtime, tz=timezone.utc)
            entries.append((PurePosixPath(full.relative_to(root).as_posix()), data, when))
    return entries


def _place(entries, assignment: str, notebooks: list[str], report: CollectReport):
    """Group entries by student: {student: {filename: (bytes, mtime, original path)}}."""
    files = [(PurePosixPath(*[p for p in path.parts if p != assignment]), data, when)
             for path, data, when in entries if not (set(path.parts) & _JUNK)]
    if files and all(len(p.parts) >= 3 for p, _, _ in files) and len({p.parts[0] for p, _, _ in files}) == 1:
        files = [(PurePosixPath(*p.parts[1:]), d, w) for p, d, w in files]  # one enclosing folder
    by_student: dict[str, dict[str, list]] = {}
    flat = re.compile(r"^(?P<student>.+?)[_-](?P<nb>" + "|".join(map(re.escape, notebooks)) + r")\.ipynb$")
    for path, data, when in files:
        if len(path.parts) >= 2:
            student, name = path.parts[0], path.name
        elif notebooks and (m := flat.match(path.name)):
            student, name = m["student"], m["nb"] + ".ipynb"
        else:
            report.unplaced.append(str(path))
            continue
        by_student.setdefault(student, {}).setdefault(name, []).append((data, when, str(path)))
    return by_student


def collect(course: Course, assignment: str, source: Path, roster: Path | None = None) -> CollectReport:
    """Copy the submissions in ``source`` (folder or .zip) into ``submitted/<student>/<assignment>/``."""
    course.check_assignment(assignment)
    source = Path(source)
    if source.is_dir():
        entries = _read_folder(source)
    elif source.is_file():
        entries = _read_zip(source)
    else:
        raise SourceError(f"no such folder or zip file: {source}")
    notebooks = course.notebooks(assignment)
    report = CollectReport(assignment)
    by_student = _place(entries, assignment, notebooks, report)

    # Student ids are folder names in nbgrader's layout: compare them case-blind.
    groups: dict[str, list[str]] = {}
    for student in by_student:
        groups.setdefault(student.casefold(), []).append(student)
    allowed = {s.casefold(): s for s in read_roster(roster)} if roster else None
    accepted = {}
    for key, names in sorted(groups.items()):
        dup_files = [f"{n}/{f}" for n in names for f, copies in by_student[n].items() if len(copies) > 1]
        if len(names) > 1 or dup_files:
            report.duplicate_students.append(names[0])
            report.duplicate_files[names[0]] = sorted(names) if len(names) > 1 else dup_files
        elif not STUDENT_ID.match(names[0]):
            report.unplaced.append(f"{names[0]}/ (not a usable student id)")
        elif allowed is not None and key not in allowed:
            report.unknown_students.append(names[0])
        else:
            accepted[allowed[key] if allowed else names[0]] = by_student[names[0]]
    if allowed is not None:
        report.absent = sorted(s for k, s in allowed.items() if not any(k == a.casefold() for a in by_student))

    for student, files in sorted(accepted.items()):
        wanted = {f"{n}.ipynb" for n in notebooks}
        chosen = {name: copies[0] for name, copies in files.items() if name in wanted}
        too_big = [name for name, (data, _, _) in chosen.items() if not data]
        report.extra[student] = sorted(set(files) - wanted) + [f"{n} (over {MAX_NOTEBOOK_BYTES} bytes)"
                                                               for n in too_big]
        if not report.extra[student]:
            del report.extra[student]
        chosen = {name: c for name, c in chosen.items() if name not in too_big}
        missing = sorted(n for n in notebooks if f"{n}.ipynb" not in chosen)
        if missing:
            report.missing[student] = missing
        _write(course, assignment, student, chosen)
        report.collected[student] = sorted(Path(n).stem for n in chosen)
    return report


def _write(course: Course, assignment: str, student: str, chosen: dict) -> None:
    """Replace the student's submitted folder atomically enough: write beside it, then swap."""
    target = course.submitted_dir / student / assignment
    staging = target.with_name(f".{assignment}.collecting")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for name, (data, _, _) in chosen.items():
        (staging / name).write_bytes(data)
    latest = max((when for _, when, _ in chosen.values()), default=datetime.now(timezone.utc))
    # nbgrader reads the submission time from timestamp.txt; a newer one triggers regrading
    (staging / "timestamp.txt").write_text(latest.strftime("%Y-%m-%d %H:%M:%S.%f UTC") + "\n")
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
