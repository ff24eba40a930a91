"""Who sent a file, read from the names LMS downloads give it.

Each parser takes an entry's path inside the download and returns a
:class:`Placement` (the LMS's identity of the student, the student's own file
name, which attempt it is) or None. The layouts, as the LMSs write them:

- Canvas "Download Submissions": ``<name>_[LATE_]<userid>_<attachmentid>_<file>``,
  flat. ``<name>`` is the sortable name ("Last, First") lower-cased with every
  character but letters, digits and ``_`` removed (``kimminsu``, ``김민수``);
  ``LATE_`` marks a submission Canvas counts late; an anonymous assignment has
  ``anon_<id>`` for the user id. A student's re-uploaded file of the same name
  gets ``-1``, ``-2`` before the extension, and a newer attachment a larger id.
- Moodle "Download all submissions": a folder per student
  ``<Full Name>_<participantid>_assignsubmission_file[_]/<file>`` (Moodle 3.1
  and later), or flat ``<Full Name>_<participantid>_assignsubmission_file_<file>``.
  The participant id is per assignment; the grading worksheet calls it
  "Participant <id>".
- Blackboard "Download Assignment": ``<assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>``
  plus a ``..._attempt_<date>.txt`` receipt; the date is the attempt's, in the
  server's local time.
- Ours: a folder per student ``<id>/<file>``, or flat ``<id>_<file>.ipynb``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

CANVAS = re.compile(r"^(?P<name>[^_]*)_(?:(?P<late>LATE)_)?(?P<uid>\d+|anon_[A-Za-z0-9]+)_(?P<fid>\d+)_(?P<file>.+)$")
_CANVAS_COPY = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)(?P<ext>\.[^.]+)$")
MOODLE_DIR = re.compile(r"^(?P<name>.+)_(?P<pid>\d+)_assign(?:submission|feedback)_(?P<plugin>[a-z]+)_?$")
MOODLE_FLAT = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assign(?:submission|feedback)_(?P<plugin>[a-z]+)_(?P<file>.+)$")
BLACKBOARD = re.compile(r"^(?P<assign>.+)_(?P<user>[^_]+)_attempt_"
                        r"(?P<date>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_(?P<file>.+)|\.txt)$")


@dataclass(frozen=True)
class Placement:
    """An entry's student and file as one LMS names them.

    lms: "canvas", "moodle", "blackboard" or "folder" (ours, folder or flat).
    key: the LMS's identity of the student (Canvas user id, Moodle participant id, username, or our id).
    name: the student's name as the LMS wrote it ("" when it gives none).
    filename: the student's file name, with the LMS's additions removed.
    order: larger is a newer attempt of the same file.
    late: the LMS's own late flag (Canvas), else None.
    submitted: the submission time the name carries (Blackboard, naive local time), else None.
    """

    lms: str
    key: str
    name: str
    filename: str
    order: tuple = ()
    late: bool | None = None
    submitted: datetime | None = None

    @property
    def receipt(self) -> bool:
        """A file the LMS adds about the submission, not one the student sent."""
        return self.filename == ""


def parse_lms(path: PurePosixPath) -> Placement | None:
    """The LMS placement of ``path`` (already free of enclosing folders), or None for our layouts."""
    base = path.name
    if len(path.parts) >= 2 and (m := MOODLE_DIR.match(path.parts[-2])):
        return _moodle(m, base)
    if m := MOODLE_FLAT.match(base):
        return _moodle(m, m["file"])
    if m := BLACKBOARD.match(base):
        when = datetime.strptime(m["date"], "%Y-%m-%d-%H-%M-%S")
        return Placement("blackboard", m["user"], "", m["file"] or "", (when,), None, when)
    if m := CANVAS.match(base):
        filename, copy = m["file"], 0
        if c := _CANVAS_COPY.match(filename):
            filename, copy = c["stem"] + c["ext"], int(c["n"])
        return Placement("canvas", m["uid"], m["name"], filename, (int(m["fid"]), copy), bool(m["late"]))
    return None


def _moodle(m: re.Match, filename: str) -> Placement:
    # only the file-submission plugin holds what students uploaded; online text, comments and feedback do not
    return Placement("moodle", m["pid"], m["name"].strip(), filename if m["plugin"] == "file" else "")


def describe(p: Placement) -> str:
    """How a report names the student of a placement that matched no roster entry."""
    label = {"canvas": "Canvas user", "moodle": "Moodle participant", "blackboard": "Blackboard user"}
    if p.lms == "folder":
        return p.key
    return f"{p.name} ({label[p.lms]} {p.key})" if p.name else f"{label[p.lms]} {p.key}"


#: Moodle writes worksheet dates with userdate() in the grader's language; English is read here.
_MOODLE_DATE_FORMATS = ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def read_worksheet(path) -> list[dict[str, str]]:
    """Rows of a Moodle grading worksheet (Identifier, Full name, Email address, ...), as downloaded."""
    import csv

    from autograder.errors import SourceError

    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            table = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"cannot read the Moodle grading worksheet {path}: {exc}") from exc
    if not table or "Identifier" not in table[0]:
        raise SourceError(f"{path} is not a Moodle grading worksheet (no 'Identifier' column); download it from "
                          f"the assignment's 'View all submissions' page, Grading action 'Download grading worksheet'")
    return table


def participant(row: dict[str, str]) -> str:
    """The participant id of a worksheet row ('Participant 2001' -> '2001')."""
    return row["Identifier"].rsplit(" ", 1)[-1]


def moodle_time(text: str) -> datetime | None:
    """A worksheet's 'Last modified (submission)' as a naive local time, None for '-' or an unknown form."""
    for fmt in _MOODLE_DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None
