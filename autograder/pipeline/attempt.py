"""Did a student attempt the work, and did they touch the tests? Read from the submitted files.

A score of 0 means different things: the student handed back the release
untouched, or worked and got it wrong. And a student who edited a test cell
(to make it pass, or by accident) was graded on the instructor's copy, which
nbgrader put back before running anything. Both are worth telling apart from a
plain "graded". This module compares each submitted notebook, as collected
(``submitted/<student>/<assignment>/``, before nbgrader restored anything), with
the released one (``exercises/<assignment>/``), cell by cell via nbgrader's
``grade_id``:

- an *answer* is a solution cell whose source differs from the release, or a new
  code cell the release does not have (work written outside the solution cell
  still counts as work);
- an *edited test* is a locked cell of the release (test or read-only cell) that
  is missing, changed, present twice, or a cell claiming to be locked or graded
  under a grade_id the release does not have.

Whitespace at line ends and blank lines around a cell do not count: editors add
and drop them on their own. The submitted files are student-controlled: anything
unreadable is skipped here (grading already reports it as malformed).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.i18n import N_

#: Labels of the two outcomes this module adds to the grading status "graded".
NOT_ATTEMPTED = N_("not attempted")
TESTS_RESTORED = N_("test cells edited and restored")


@dataclass(frozen=True)
class Attempt:
    """What a submission changed relative to the release.

    answers: grade_ids of changed solution cells, plus "new cell in <nb>" per added code cell.
    edited_tests: "<notebook>: <grade_id> (changed|missing|duplicated|added)" per touched locked cell.
    """

    answers: tuple[str, ...]
    edited_tests: tuple[str, ...]

    @property
    def attempted(self) -> bool:
        return bool(self.answers)


def _norm(cell) -> str:
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    lines = [line.rstrip() for line in source.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def _meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def _gid(cell) -> str | None:
    gid = _meta(cell).get("grade_id")
    return gid if isinstance(gid, str) else None


def _locked(cell) -> bool:
    meta = _meta(cell)
    return bool(meta.get("locked") or (meta.get("grade") and not meta.get("solution")))


def compare_notebook(name: str, release, submitted) -> Attempt:
    """Compare one submitted notebook with its release (both nbformat v4 nodes)."""
    released = {_gid(c): c for c in release.cells if _gid(c)}
    counts = Counter(_gid(c) for c in submitted.cells if _gid(c))
    mine = {_gid(c): c for c in submitted.cells if _gid(c)}   # the last of duplicates, as nbgrader keeps

    answers = [gid for gid, cell in released.items() if _meta(cell).get("solution") and not _locked(cell)
               and gid in mine and _norm(mine[gid]) != _norm(cell)]
    # Code the release does not have, outside any nbgrader cell (a solution written in a new cell).
    # Any released code counts as known, so a cell whose metadata was stripped is no answer by itself.
    known = Counter(_norm(c) for c in release.cells if c.get("cell_type") == "code")
    for cell in submitted.cells:
        text = _norm(cell)
        if cell.get("cell_type") == "code" and not _gid(cell) and text:
            if known[text]:
                known[text] -= 1
            else:
                answers.append(f"new cell in {name}")

    edited = []
    for gid, cell in released.items():
        if not _locked(cell):
            continue
        if gid not in mine:
            edited.append(f"{name}: {gid} (missing)")
        elif counts[gid] > 1:
            edited.append(f"{name}: {gid} (duplicated)")
        elif _norm(mine[gid]) != _norm(cell) or not _locked(mine[gid]):
            edited.append(f"{name}: {gid} (changed)")
    edited += [f"{name}: {gid} (added)" for gid, cell in mine.items()
               if gid not in released and (_locked(cell) or _meta(cell).get("grade"))]
    return Attempt(tuple(answers), tuple(edited))


def _read(path: Path):
    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # missing, not JSON, not a notebook: grading has said so already
        return None


def compare(release_dir: Path, submitted_dir: Path, notebooks: list[str]) -> Attempt | None:
    """The Attempt of one submission folder; None when no notebook of it could be read."""
    parts = []
    for name in notebooks:
        release, submitted = _read(release_dir / f"{name}.ipynb"), _read(submitted_dir / f"{name}.ipynb")
        if release is None or submitted is None:
            continue
        try:
            parts.append(compare_notebook(name, release, submitted))
        except (AttributeError, TypeError, KeyError):  # JSON that is not quite a notebook
            continue
    if not parts:
        return None
    return Attempt(tuple(a for p in parts for a in p.answers), tuple(e for p in parts for e in p.edited_tests))


def label(status: str, attempt: Attempt | None) -> str:
    """The status to show: the grading status, refined when grading itself went normally."""
    if status != "graded" or attempt is None:
        return status
    if not attempt.attempted:
        return NOT_ATTEMPTED
    return TESTS_RESTORED if attempt.edited_tests else status
