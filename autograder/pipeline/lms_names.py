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
  plus a ``..._attempt_<date>.txt`` receipt whose first line is ``Name: <Full Name> (<username>)``;
  the date is the attempt's, in the server's local time. Both the assignment
  name and the username may hold ``_`` (``PS2_Layers_j_park_attempt_...``), so
  where one ends is read from the receipt, else from the roster's usernames
  (:func:`blackboard_users`), never guessed.
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
BLACKBOARD = re.compile(r"^(?P<head>.+)_attempt_(?P<date>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_(?P<file>.+)|\.txt)$")
#: The receipt's first line: "Name: Kim Minsu (j_park)".
RECEIPT_NAME = re.compile(r"^\s*Name:\s*(?P<name>.*?)\s*\((?P<user>[^()\s]+)\)\s*$", re.M)


@dataclass(frozen=True)
class Placement:
    """An entry's student and file as one LMS names them.

    lms: "canvas", "moodle", "blackboard" or "folder" (ours, folder or flat).
    key: the LMS's identity of the student (Canvas user id, Moodle participant id, username, or our id);
        for Blackboard, until :func:`blackboard_users` splits it, ``<assignment>_<username>`` as one.
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
        return Placement("blackboard", m["head"], "", m["file"] or "", (when,), None, when)
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


def blackboard_users(heads: set[str], receipts: dict[str, str], logins: set[str]) -> dict[str, tuple[str, str]]:
    """Split each Blackboard ``<assignment>_<username>`` into its username, from recorded facts only.

    receipts: head -> the text of its ``.txt`` receipt; logins: usernames the roster knows (case-blind).
    Returns head -> (username, "") or ("", why it cannot be told). The assignment name is one per
    download, so one head settled by its receipt settles every head that starts with the same name.
    """
    names = set()
    out: dict[str, tuple[str, str]] = {}
    for head, text in receipts.items():
        m = RECEIPT_NAME.search(text)
        if m and head.endswith("_" + m["user"]) and len(head) > len(m["user"]) + 1:
            out[head] = (m["user"], "")
            names.add(head[: -len(m["user"]) - 1])
    splits = {head: [(head[:i], head[i + 1:]) for i, c in enumerate(head) if c == "_" and 0 < i < len(head) - 1]
              for head in heads - set(out)}
    while True:   # a head settled by the roster names the assignment, which may settle others
        settled = {}
        for head, ways in splits.items():
            by_name = [user for assignment, user in ways if assignment in names]
            by_roster = [user for _, user in ways if user.casefold() in logins]
            for users in (by_name, by_roster, [user for _, user in ways] if len(ways) == 1 else []):
                if len(users) == 1:
                    settled[head] = users[0]
                    break
        if not settled:
            break
        for head, user in settled.items():
            out[head] = (user, "")
            names.add(head[: -len(user) - 1])
            del splits[head]
    for head, ways in splits.items():
        could = ", ".join(repr(user) for _, user in ways[::-1][:3])
        out[head] = ("", f"cannot tell the Blackboard username in {head!r} (it could be {could}): keep "
                         f"Blackboard's .txt receipts in the download, or give a roster with a username column")
    return out


#: Moodle writes worksheet dates with userdate() in the grader's language, as '%A, %d %B %Y, %I:%M %p'
#: fills it in: English, Korean ('목요일, 10 9월 2026, 11:30 오후') and German ('Donnerstag, 10. September
#: 2026, 23:30') are read; the weekday is ignored.
_MONTHS = {name: i + 1 for names in (
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "januar februar märz april mai juni juli august september oktober november dezember")
    for i, name in enumerate(names.split())}
_MOODLE_DATE = re.compile(r"(?P<day>\d{1,2})\.?\s+(?P<month>\S+?)\s+(?P<year>\d{4}),?\s+"
                          r"(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<half>[^\s\d]*)\s*$")
_HALF = {"am": 0, "pm": 12, "오전": 0, "오후": 12, "": None}


#: The worksheet's columns as a Korean Moodle heads them (its language pack's recordid, fullname, email,
#: lastmodifiedsubmission and lastmodifiedgrade strings); its rows then read "참가자 2001".
_WORKSHEET_KO = {"식별자": "Identifier", "전체 이름": "Full name", "이메일 주소": "Email address",
                 "마지막 수정됨(제출)": "Last modified (submission)", "마지막 수정됨(성적)": "Last modified (grade)"}


def read_worksheet(path) -> list[dict[str, str]]:
    """Rows of a Moodle grading worksheet under Moodle's English column names (Identifier, Full
    name, Email address, Last modified (submission)), whatever the language of the Moodle that
    wrote it: English and Korean headers are read by name; any other language (a German
    Moodle's "ID", "Zuletzt geändert (Abgabe)", ...) by Moodle's column order, as export reads it
    (:mod:`autograder.pipeline.moodle_sheet`)."""
    import csv

    from autograder.errors import SourceError
    from autograder.pipeline import moodle_sheet

    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            table = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"cannot read the Moodle grading worksheet {path}: {exc}") from exc
    table = [{**row, **{english: row[name] for name, english in _WORKSHEET_KO.items() if name in row}}
             for row in table]
    if table and "Identifier" in table[0]:
        return table
    sheet = moodle_sheet.read(path)   # refuses, with the reason, what is no worksheet at all
    cell = lambda row, i: row[i] if i is not None else ""
    return [{"Identifier": row[sheet.identifier], "Full name": row[sheet.name], "Email address": cell(row, sheet.email),
             "Last modified (submission)": cell(row, sheet.submitted)} for row in sheet.rows]


def participant(row: dict[str, str]) -> str:
    """The participant id of a worksheet row: what follows Moodle's translated prefix
    ('Participant 2001', '참가자 2001', 'Teilnehmer/in2001' -> '2001')."""
    from autograder.pipeline.moodle_sheet import participant_id

    return participant_id(row["Identifier"])


def moodle_time(text: str) -> datetime | None:
    """A worksheet's 'Last modified (submission)' as a naive local time, None for '-' or an unknown form."""
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    m = _MOODLE_DATE.search(text)
    if not m:
        return None
    month = _MONTHS.get(m["month"].casefold().rstrip(".,"))
    if month is None and (k := re.fullmatch(r"(\d{1,2})월", m["month"])):
        month = int(k[1])
    half = _HALF.get(m["half"].casefold().replace(".", ""), -1)
    hour = int(m["hour"])
    if month is None or half == -1 or (half is not None and not 1 <= hour <= 12):
        return None
    if half is not None:
        hour = hour % 12 + half
    try:
        return datetime(int(m["year"]), month, int(m["day"]), hour, int(m["minute"]))
    except ValueError:
        return None
