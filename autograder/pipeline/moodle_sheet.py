"""Moodle's grading worksheet, in whatever language the Moodle that wrote it speaks.

Moodle's importer (``mod/assign/feedback/offline/importgradeslib.php``) finds its
columns by its own strings in the grader's language: ``Identifier`` /
``식별자`` / ``ID`` (``get_string('recordid', 'assign')``), ``Grade`` / ``성적`` /
``Bewertung``, ``Last modified (grade)`` / ``마지막 수정됨(성적)`` / ``Zuletzt
geändert (Bewertung)``, and the feedback plugins' field names (``Feedback
comments`` / ``피드백 코멘트`` / ``Feedback als Kommentar``). It reads the
participant id as what follows the (translated) "Participant " prefix
(``Participant 2001``, ``참가자2001``, ``Teilnehmer/in2001``). So the file written
back must carry the header and identifiers of the worksheet the instructor
downloaded, never English ones made up here.

The worksheet's columns come in Moodle's order (``mod/assign/gradingtable.php``):
identifier, full name, the site's identity fields (e-mail, ...), status, [team],
[marker], grade, maximum grade (or scale), [workflow state], "grade can be
changed", [last modified (submission), submission text fields], last modified
(grade), feedback text fields, [outcomes]. English headers are found by name;
others by that order and what the cells hold: the maximum grade is the first column,
after the status, whose cells all hold the same number, the grade the column before
it, the last modified (grade) the last column of dates (or "-") after it, and the
feedback comments the column after that. A worksheet that fits none of this is
refused with the reason.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import SourceError

ENGLISH = {"identifier": "Identifier", "name": "Full name", "email": "Email address", "grade": "Grade",
           "max_grade": "Maximum Grade", "submitted": "Last modified (submission)",
           "modified": "Last modified (grade)", "feedback": "Feedback comments"}
_IDENTIFIER = re.compile(r"^(?P<prefix>\D*?)(?P<pid>\d+)$")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
_DATE = re.compile(r"\d.*:\d\d|^-$")     # a time of day somewhere, or Moodle's "-" for never


def participant_id(identifier: str) -> str:
    """The participant id in a worksheet's identifier: 'Participant 2001', '참가자2001',
    'Teilnehmer/in2001' -> '2001' (the prefix is Moodle's, translated, with or without a space)."""
    match = _IDENTIFIER.match(identifier.strip())
    if match is None:
        raise SourceError(f"{identifier!r} is not a Moodle participant identifier such as 'Participant 2001'")
    return match["pid"]


@dataclass(frozen=True)
class Worksheet:
    """A downloaded grading worksheet: its header and rows as they are, and where its columns are."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    identifier: int
    name: int
    email: int | None
    grade: int
    max_grade: int
    submitted: int | None
    modified: int
    feedback: int | None
    prefix: str            # what Moodle writes before the participant id, in its language

    def participant(self, row: list[str]) -> str:
        return participant_id(row[self.identifier])

    def identifier_of(self, pid: str) -> str:
        return f"{self.prefix}{pid}"

    def maximum(self) -> float:
        return float(self.rows[0][self.max_grade].replace(",", "."))

    def decimal_comma(self) -> bool:
        return "," in self.rows[0][self.max_grade]

    def number(self, value: float) -> str:
        """A grade as this Moodle writes numbers (its decimal separator; two decimals, like its own cells)."""
        text = f"{value:.2f}"
        return text.replace(".", ",") if self.decimal_comma() else text


def read(path: Path) -> Worksheet:
    """Read a grading worksheet downloaded from Moodle and find its columns (see the module docstring)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            table = [row for row in csv.reader(fh) if row]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"cannot read the Moodle grading worksheet {path}: {exc}") from exc
    what = (f"{path} is not a Moodle grading worksheet as downloaded (View all submissions, grading action "
            f"'Download grading worksheet')")
    if len(table) < 2:
        raise SourceError(f"{what}: it has no student rows")
    header, rows = table[0], [r + [""] * (len(table[0]) - len(r)) for r in table[1:]]
    if not all(_IDENTIFIER.match(r[0].strip()) for r in rows):
        raise SourceError(f"{what}: its first column does not hold participant identifiers such as "
                          f"'Participant 2001'")
    prefixes = {_IDENTIFIER.match(r[0].strip())["prefix"] for r in rows}
    if len(prefixes) != 1:
        raise SourceError(f"{what}: its identifiers do not share one prefix ({', '.join(map(repr, sorted(prefixes)))})")
    found = _by_name(header) or _by_order(header, rows, what)
    return Worksheet(Path(path), header, rows, prefix=prefixes.pop(), **found)


def _by_name(header: list[str]) -> dict | None:
    """Columns of an English worksheet, by Moodle's English strings."""
    index = {name: i for i, name in enumerate(header)}
    if not all(ENGLISH[k] in index for k in ("identifier", "grade", "max_grade", "modified")):
        return None
    return {key: index.get(text) for key, text in ENGLISH.items()} | {"name": index.get(ENGLISH["name"], 1)}


def _column(rows: list[list[str]], i: int) -> list[str]:
    return [r[i].strip() for r in rows]


def _by_order(header: list[str], rows: list[list[str]], what: str) -> dict:
    """Columns of a worksheet in any language, by Moodle's column order and the cells' contents."""
    width = len(header)
    maximum = next((j for j in range(3, width)
                    if len(set(col := _column(rows, j))) == 1 and _NUMBER.match(col[0])
                    and all(v == "" or _NUMBER.match(v) for v in _column(rows, j - 1))), None)
    if maximum is None:
        raise SourceError(f"{what}: no column holds the same maximum grade on every row, so the grade column "
                          f"cannot be found; is the assignment graded by points (not a scale)?")
    dates = [k for k in range(maximum + 1, width) if all(_DATE.search(v) for v in _column(rows, k))]
    if not dates:
        raise SourceError(f"{what}: no 'Last modified (grade)' column of dates after the grade")
    modified = dates[-1]
    email = next((k for k in range(2, maximum - 1)
                  if any(_column(rows, k)) and all("@" in v for v in _column(rows, k) if v)), None)
    return {"identifier": 0, "name": 1, "email": email, "grade": maximum - 1, "max_grade": maximum,
            "submitted": dates[0] if len(dates) > 1 else None, "modified": modified,
            "feedback": modified + 1 if modified + 1 < width else None}


def write(path: Path, sheet: Worksheet, rows: list[list[str]]) -> None:
    """Write ``rows`` under the worksheet's own header, as Moodle's importer reads it (UTF-8, commas)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(sheet.header)
        out.writerows(rows)
