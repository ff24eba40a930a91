"""Whether the LMS column (or worksheet) an export is aimed at could be another assignment's.

An instructor exporting ``ps3_softmax`` under Canvas's ``PS2 Layers (48213)`` column,
or into the worksheet downloaded from Moodle's "PS2 Layers" assignment, would
overwrite the class's ps2 grades. The name is compared with the assignment's and
with the course's other assignments, word by word (letters and numbers apart, case
and punctuation ignored, Canvas's trailing ``(assignment id)`` dropped):

- a numbered word in both that disagrees (``PS2`` against ``ps3_softmax``) is a
  contradiction;
- so is a name that shares a word with another assignment of the course
  (``Layers``, ``ps2``) and none with this one.

A name that says nothing either way ("Homework") is the instructor's word and is
accepted: only a contradiction stops the export.
"""
from __future__ import annotations

import re


def _tokens(text: str) -> list[str]:
    text = re.sub(r"\(\d+\)\s*$", "", text.strip())     # Canvas: "Name (assignment id)"
    return re.findall(r"[^\W\d_]+|\d+", text.casefold())


def _numbered(tokens: list[str]) -> dict[str, int]:
    """word -> the number right after it ('ps', '2' -> {'ps': 2})."""
    return {w: int(n) for w, n in zip(tokens, tokens[1:]) if not w.isdigit() and n.isdigit()}


def _words(tokens: list[str]) -> set[str]:
    return {t for t in tokens if not t.isdigit()}


def contradiction(name: str, assignment: str, assignments: list[str]) -> str | None:
    """Why ``name`` looks like another assignment's than ``assignment`` (None when nothing says so)."""
    said, mine = _tokens(name), _tokens(assignment)
    for word, n in _numbered(said).items():
        if _numbered(mine).get(word, n) != n:
            return f"it says {word.upper()}{n}, not {word.upper()}{_numbered(mine)[word]}"
    shared = _words(said) & _words(mine) - set(_numbered(mine))
    numbered_same = any(_numbered(mine).get(w) == n for w, n in _numbered(said).items())
    if shared or numbered_same:
        return None
    for other in assignments:
        if other == assignment:
            continue
        theirs = _tokens(other)
        if (_words(said) & _words(theirs) - set(_numbered(theirs))
                or any(_numbered(theirs).get(w) == n for w, n in _numbered(said).items())):
            return f"it names {other}"
    return None
