"""What collect recorded of each student of an assignment, read by ``grade`` and ``export``.

``<workspace>/lms/<assignment>.json`` maps the course id to what collect learnt: the LMS's
ids and late flag, how the student was matched and to what, the submission time (ISO 8601
in the course's zone, "" when none is recorded) and the fact it came from, the notebooks
taken, the files sent and not taken, and a digest of the notebooks, by which a later
collect of the same files leaves the student untouched.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from autograder.config import Course


def submission_version(folder: Path) -> str:
    """A digest of every file of a submitted folder (names and bytes, timestamp.txt included): it changes
    exactly when collect installs different files or a different time, which is when grading is due again."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def not_submitted(notebook: str, record: dict) -> str:
    """Why a notebook is missing, with what the student sent instead when collect saw other files."""
    extra = record.get("extra") or []
    return f"{notebook}.ipynb was not submitted" + (f"; sent instead: {', '.join(extra)}" if extra else "")


def records_path(course: Course, assignment: str) -> Path:
    return course.workspace / "lms" / f"{assignment}.json"


def save_records(course: Course, assignment: str, records: dict) -> None:
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
