"""The class roster: course student ids and what each LMS knows of the same students.

Two forms are read:

- one student id per line (``#`` starts a comment), or a CSV whose first column
  holds the ids (the old form);
- a CSV with a header row holding ``id`` and any of ``name``, ``email``,
  ``canvas_id`` (Canvas's numeric user id, the ``ID`` column of a Canvas
  gradebook export), ``username`` (the LMS login, e.g. Blackboard's), ``sis_id``
  and ``section``. Header case, spaces and hyphens do not matter.

The ``id`` is the name nbgrader files a student under and is never changed:
letters, digits and ``. _ @ + -``. Names may be anything, Korean included. How an
LMS's student is matched to a row is :mod:`autograder.pipeline.identity`'s business.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import SourceError

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
_ALIASES = {"canvas_user_id": "canvas_id", "login": "username", "sis_login_id": "username",
            "sis_user_id": "sis_id", "e_mail": "email", "email_address": "email", "full_name": "name"}
_FIELDS = ("id", "name", "email", "canvas_id", "username", "sis_id", "section")


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    email: str = ""
    canvas_id: str = ""
    username: str = ""
    sis_id: str = ""
    section: str = ""


class Roster:
    """Students of the course, looked up by course id."""

    def __init__(self, students: list[Student], path: Path | None = None):
        self.students = students
        self.path = path
        self._by_id = {s.id.casefold(): s for s in students}

    def __iter__(self):
        return iter(self.students)

    def get(self, student_id: str) -> Student | None:
        return self._by_id.get(student_id.casefold())

    def ids(self) -> list[str]:
        return [s.id for s in self.students]


def read_roster(path: Path) -> Roster:
    """Read a roster file in either form described in the module docstring."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read the roster {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    rows = [r for r in csv.reader(io.StringIO(text)) if r and r[0].strip() and not r[0].startswith("#")]
    header = [_ALIASES.get(k, k) for k in (re.sub(r"[\s-]+", "_", c.strip().lower()) for c in rows[0])] if rows else []
    if "id" in header:
        students = []
        for row in rows[1:]:
            cells = {key: row[i].strip() for i, key in enumerate(header) if key in _FIELDS and i < len(row)}
            students.append(Student(**cells))
    else:
        students = [Student(r[0].strip()) for r in rows]
    bad = [s.id for s in students if not STUDENT_ID.match(s.id)]
    if bad:
        raise SourceError(f"roster {path}: {bad[0]!r} is not a usable student id "
                          f"(letters, digits and . _ @ + - only, starting with a letter or digit)")
    seen: set[str] = set()
    for s in students:
        if s.id.casefold() in seen:
            raise SourceError(f"roster {path}: student id {s.id!r} appears twice; keep one row")
        seen.add(s.id.casefold())
    return Roster(students, Path(path))
