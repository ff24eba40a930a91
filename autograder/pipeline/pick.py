"""Which of a student's files is each notebook.

A student's files come from one LMS download (or folder). For each notebook of
the assignment the exact file name wins, newest attempt first; else a file
renamed by a browser or the student (``layers (1).ipynb``, ``Layers.ipynb``,
Canvas's ``layers-1.ipynb``) when it is the only one of that name. Any other
name (``scratch.ipynb``) is not guessed at: it is listed as an extra file. Folders
holding the same notebook twice are a clash for a human, not an attempt order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from autograder.pipeline.archive import Entry
from autograder.pipeline.lms_names import Placement

_RENAMED = re.compile(r"^(?P<stem>.+?)(?:\s*\(\d+\)|-\d+)?$")


@dataclass
class SentFile:
    place: Placement
    entry: Entry


@dataclass
class Choice:
    """notebook -> file taken; files not taken; notes for the instructor; a clash (paths) if any."""

    chosen: dict[str, SentFile] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    clash: list[str] = field(default_factory=list)


def stem(filename: str) -> str:
    """A notebook file name as compared: no .ipynb, no browser ' (1)' or '-1' suffix, case-blind."""
    base = filename[:-6] if filename.lower().endswith(".ipynb") else filename
    return _RENAMED.match(base)["stem"].casefold()


def choose(own: list[SentFile], notebooks: list[str], others: dict[str, str]) -> Choice:
    """Pick each notebook's file from one student's files; ``others`` maps other assignments' notebooks."""
    # the LMS's attempt order (Canvas attachment ids, Blackboard attempt times), never the files' times
    newest = sorted(own, key=lambda f: f.place.order, reverse=True)
    ipynb = [f for f in newest if f.place.filename.lower().endswith(".ipynb")]
    out = Choice()
    for nb in notebooks:
        exact = [f for f in ipynb if f.place.filename == f"{nb}.ipynb"]
        if len(exact) > 1 and own[0].place.lms == "folder":
            return Choice(clash=[f.entry.path.as_posix() for f in exact])
        renamed = [f for f in ipynb if stem(f.place.filename) == nb.casefold()]
        names = sorted({f.place.filename for f in renamed})
        if exact:
            out.chosen[nb] = exact[0]
        elif len(names) == 1:
            out.chosen[nb] = renamed[0]
            out.notes.append(f"took {names[0]!r} as {nb}.ipynb (the only notebook of that name)")
        elif names:   # 'layers (1)' and 'layers (2)': which one the student meant is theirs to say
            out.notes.append(f"several notebooks could be {nb}.ipynb ({', '.join(names)}); none taken: keep one "
                             f"and collect again")
    used = {id(f) for f in out.chosen.values()}
    taken = {f.place.filename for f in out.chosen.values()}
    out.extra = sorted({f.place.filename for f in own if id(f) not in used and f.place.filename not in taken})
    out.notes += [f"sent {name}, a notebook of {others[stem(name)]}: wrong assignment?" for name in out.extra
                  if name.lower().endswith(".ipynb") and stem(name) in others]
    return out


def wrong_assignment(files: list[SentFile], assignment: str, notebooks: list[str],
                     others: dict[str, str]) -> str | None:
    """A warning when a source holds another assignment's notebooks and none of this one's."""
    ours = {nb.casefold() for nb in notebooks}
    stems = {stem(f.place.filename) for f in files if f.place.filename.lower().endswith(".ipynb")}
    foreign = sorted({others[s] for s in stems if s in others})
    if foreign and not stems & ours:
        return (f"{assignment}: this source holds notebooks of {', '.join(foreign)} and none of {assignment} "
                f"({', '.join(n + '.ipynb' for n in notebooks)}): wrong assignment?")
    return None
