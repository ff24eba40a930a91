"""Who a submission belongs to: what an LMS shows of a student, matched to one roster row, and why.

The LMS's own record decides first, then what identifies a person, then the name:

1. a ``--map`` file (``lms_id,id``: the instructor's word; an empty or ``-`` id means "not a
   student of this course", and the submission is left out without a word);
2. the LMS's id for the student where the roster holds it: Canvas user id (``canvas_id``),
   Blackboard username (``username``), or the folder's name as a course id;
3. e-mail (the Moodle grading worksheet gives one per participant), then the login as the part
   of an e-mail before ``@``;
4. the name, compared without case, spaces or punctuation and in either order, so "민수 김"
   (Moodle's first-last) is "김민수" (the roster's), "Liam OBrien" (Moodle strips apostrophes
   from folder names) is "Liam O'Brien" and Canvas's ``obrienliam`` is both.

A match must be unique: two roster students who fit are *ambiguous*. A match by e-mail or name
that the roster contradicts (it gives that student another Canvas user id, username or e-mail)
is a *conflict*. Neither is resolved by picking one: the sentence says what to write in the
roster or the map, and :func:`require_settled` stops the export until a collect no longer finds
it. Settled or not, each match says how it was made, for the instructor's trail.
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from autograder.errors import MissingFactError, SourceError
from autograder.pipeline.roster import Roster, Student

#: An id in a --map file that leaves the submission out: not a student of this course.
IGNORE = {"", "-"}
_LABEL = {"canvas": "Canvas user", "moodle": "Moodle participant", "blackboard": "Blackboard user",
          "folder": "folder"}


@dataclass(frozen=True)
class Seen:
    """What an LMS shows of one student: its own id for them and whatever it tells besides.

    lms: "canvas", "moodle", "blackboard" or "folder"; key: the LMS's id (Canvas user id,
    Moodle participant id, Blackboard username, or a folder or file-name prefix).
    """

    lms: str
    key: str
    name: str = ""
    email: str = ""

    @property
    def label(self) -> str:
        if self.lms == "folder":
            return self.key
        who = f"{_LABEL[self.lms]} {self.key}"
        return f"{self.name} ({who})" if self.name else who


@dataclass(frozen=True)
class Match:
    """student: the roster id (None: no student); how: the fact that matched;
    problem: why it is not settled ("" when it is); ignored: the map leaves it out."""

    student: str | None
    how: str = ""
    problem: str = ""
    ignored: bool = False

    @property
    def settled(self) -> bool:
        return self.student is not None and not self.problem


def name_keys(name: str) -> set[str]:
    """A name as compared: case-blind, NFC, letters and digits only, as written or with the
    last word first or the first word last (family name first or last)."""
    words = [w for w in (re.sub(r"\W|_", "", w) for w in
                         unicodedata.normalize("NFC", name).casefold().replace(",", " ").split()) if w]
    if not words:
        return set()
    return {"".join(words), "".join(words[-1:] + words[:-1]), "".join(words[1:] + words[:1])}


def settle_hint(seen: Seen) -> str:
    return f"correct the roster, or settle it in a --map file with the line {seen.key},<id>"


def _login(email: str) -> str:
    return email.split("@")[0].casefold() if "@" in email else ""


class Resolver:
    """Matches what an LMS shows against a roster (or, with none, files students under the LMS's id)."""

    def __init__(self, roster: Roster | None, mapping: dict[str, str] | None = None):
        self.roster = roster
        self.mapping = mapping or {}

    def logins(self) -> set[str]:
        """Usernames and e-mail logins the roster knows, case-blind (to split Blackboard names)."""
        if self.roster is None:
            return set()
        return {x for s in self.roster for x in (s.username.casefold(), _login(s.email))} - {""}

    def match(self, seen: Seen) -> Match:
        if seen.key in self.mapping:
            target = self.mapping[seen.key]
            return Match(None, "--map", ignored=True) if target in IGNORE else Match(target, "--map")
        if self.roster is None:
            return Match(seen.key, f"{_LABEL[seen.lms]} id (no roster)")
        for how, fits in self._tests(seen):
            found = [s for s in self.roster if fits(s)]
            if len(found) == 1:
                return Match(found[0].id, how, self._conflict(seen, found[0], how))
            if len(found) > 1:
                return Match(None, how, f"{seen.label}: the {how} fits {len(found)} roster students "
                                        f"({', '.join(s.id for s in found)}); {settle_hint(seen)}")
        return Match(None)

    def _tests(self, seen: Seen):
        key = seen.key.casefold()
        if seen.lms == "canvas":
            yield "Canvas user id", lambda s: s.canvas_id == seen.key
        elif seen.lms == "blackboard":
            yield "username", lambda s: s.username.casefold() == key
        elif seen.lms == "folder":
            yield "course id", lambda s: s.id.casefold() == key
        if seen.email:
            yield "e-mail", lambda s: s.email.casefold() == seen.email.casefold()
        if seen.lms in ("blackboard", "folder"):
            yield "e-mail login", lambda s: _login(s.email) == key or s.username.casefold() == key
        names = name_keys(seen.name) | (name_keys(seen.key) if seen.lms == "folder" else set())
        if names:
            yield "name", lambda s: bool(name_keys(s.name) & names)

    def _conflict(self, seen: Seen, s: Student, how: str) -> str:
        """Why the roster contradicts this match ("" when it does not)."""
        said = []
        if how not in ("Canvas user id", "username", "course id"):
            if seen.lms == "canvas" and s.canvas_id and s.canvas_id != seen.key:
                said.append(f"canvas_id {s.canvas_id}")
            if seen.lms == "blackboard" and s.username and s.username.casefold() != seen.key.casefold():
                said.append(f"username {s.username}")
            if seen.email and s.email and s.email.casefold() != seen.email.casefold():
                said.append(f"e-mail {s.email}")
        elif seen.name and s.name and not name_keys(s.name) & name_keys(seen.name):
            others = [o.id for o in self.roster if o.id != s.id and name_keys(o.name) & name_keys(seen.name)]
            if others:   # the id is one student's, the name another's: a typo in the roster's id column
                return (f"{seen.label}: the {how} is {s.id}'s ({s.name}) but the name is {', '.join(others)}'s; "
                        f"{settle_hint(seen)}")
        if not said:
            return ""
        return (f"{seen.label}: the {how} fits {s.id}, but the roster gives {s.id} {' and '.join(said)}; "
                f"{settle_hint(seen)}")



def worksheet_participants(rows: list[tuple[str, str, str]], resolver: Resolver,
                           records: dict[str, dict]) -> tuple[dict[str, str], list[str]]:
    """Roster id -> Moodle participant id, from collect's records (the download) and a grading worksheet's
    rows as (participant id, full name, e-mail), for students who sent nothing; and the rows that cannot
    be settled, as sentences."""
    out = {s: r["lms_key"] for s, r in records.items() if r.get("lms") == "moodle"}
    problems = []
    for pid, name, email in rows:
        seen = Seen("moodle", pid, name, email)
        m = resolver.match(seen)
        if m.problem:
            problems.append(m.problem)
        elif m.student is not None and not m.ignored:
            if out.setdefault(m.student, seen.key) != seen.key:
                problems.append(f"{seen.label}: the worksheet row fits {m.student} by {m.how}, but {m.student} is "
                                f"participant {out[m.student]}; {settle_hint(seen)}")
    return out, problems


def read_map(path: Path, roster: Roster | None) -> dict[str, str]:
    """A --map file: CSV with columns ``lms_id`` and ``id`` (an id on the roster, or '-' to leave it out)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read the map {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"lms_id", "id"} <= {k.strip().lower() for k in rows[0] if k}:
        raise SourceError(f"map {path}: expected a CSV with the header lms_id,id (the LMS's id of a student "
                          f"as collect names it, and the roster id, or - to leave that submission out)")
    out: dict[str, str] = {}
    for row in rows:
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        key, target = row["lms_id"], row["id"]
        if not key:
            continue
        if key in out and out[key] != target:
            raise SourceError(f"map {path}: {key!r} is mapped twice ({out[key]!r} and {target!r}); keep one")
        if target not in IGNORE and roster is not None and roster.get(target) is None:
            raise SourceError(f"map {path}: {target!r} (for {key!r}) is not on the roster {roster.path}")
        out[key] = roster.get(target).id if target not in IGNORE and roster is not None else target
    return out


def _unsettled_path(workspace: Path, assignment: str) -> Path:
    return Path(workspace) / "lms" / f"{assignment}-unsettled.json"


def save_unsettled(workspace: Path, assignment: str, seen_keys: set[str],
                   problems: dict[str, tuple[str, str]]) -> None:
    """Record what this collect left unsettled, key -> (sentence, kind): "conflict" (ambiguous or
    contradicted matches, one student twice) or "unknown" (a submission of nobody on the roster).
    What this collect saw and settled is cleared; what it did not see is kept."""
    path = _unsettled_path(workspace, assignment)
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    kept = {k: v for k, v in old.items() if k not in seen_keys}
    kept.update({k: {"text": text, "kind": kind} for k, (text, kind) in problems.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(kept, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


def unsettled(workspace: Path, assignment: str, *, someone_lacks: bool) -> list[str]:
    """What collect could not settle for ``assignment``, as sentences. A submission of nobody on the
    roster counts only while ``someone_lacks`` (a roster student has no submission): it may be theirs."""
    path = _unsettled_path(workspace, assignment)
    found = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return [v["text"] for _, v in sorted(found.items()) if v["kind"] == "conflict" or someone_lacks]


def require_settled(problems: list[str], assignment: str, what: str) -> None:
    """Stop with one line when any submission's student is not settled."""
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise MissingFactError(f"{what}: {len(problems)} submission{'s' if len(problems) > 1 else ''} of "
                             f"{assignment} not matched to one roster student: {problems[0]}{more}; then "
                             f"collect again")
