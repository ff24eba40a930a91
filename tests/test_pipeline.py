"""The sample-submission corpus, end to end: collect, grade, feedback and report on the real course.

Submissions come from solutions/mistakes.py: the solution as a student would hand
it in (full marks), the untouched release (0 on every graded cell), every
diagnosed mistake (loses exactly the points mistakes.py lists and shows that
hint), a syntax error, an infinite loop (times out; the rest is graded), a
missing notebook and a notebook that is not JSON.

A kernel per notebook is slow, so diagnosed mistakes of one notebook are packed
into one submission whenever they fail disjoint sets of test cells and their
edits apply independently; the expected score of a pack is then the perfect
score minus the union of its members' failing cells, and every member's hint
must show. Each assignment is graded once per session.
"""
from __future__ import annotations

import csv
import dataclasses
import html
import importlib.util
import re
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.config import Course
from autograder.pipeline.gradebook import cell_scores, open_gradebook

ROOT = Path(__file__).resolve().parents[1]
#: ps1's infinite loop hangs two test cells, so this limit is paid twice; it is still wide for
#: ps1's honest cells (microseconds of work, plus imports on a loaded 2-core machine).
PS1_TIMEOUT = 15


def _load_mistakes():
    spec = importlib.util.spec_from_file_location("mistakes", ROOT / "solutions" / "mistakes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mistakes"] = module  # before exec_module: its dataclasses need it
    spec.loader.exec_module(module)
    return module


M = _load_mistakes()
NOTEBOOK_OF = {a: n for n, a in M.ASSIGNMENT_OF.items()}
ASSIGNMENTS = sorted(NOTEBOOK_OF)
#: assignment -> student -> grade_ids whose checks all pass (0-point warm-ups have no score to tell)
PASSING: dict = {}


def _replace_once(code: str, edits) -> str | None:
    for old, new in edits:
        if code.count(old) != 1:
            return None
        code = code.replace(old, new)
    return code


def packs(notebook: str) -> list[list[str]]:
    """Diagnosed mistakes of one notebook grouped so that members cannot interfere."""
    perfect = {c.id: c.source for c in M.make_submission("perfect")[notebook].cells}
    out: list[tuple[list[str], dict, set]] = []   # (kinds, edited sources, failing cells)
    for kind, edit in M.MISTAKE_EDITS.items():
        if edit.notebook != notebook:
            continue
        for kinds, sources, fails in out:
            code = _replace_once(sources.get(edit.cell, perfect[edit.cell]), edit.edits)
            if code is not None and not fails & set(edit.fails):
                kinds.append(kind)
                sources[edit.cell] = code
                fails |= set(edit.fails)
                break
        else:
            out.append(([kind], {edit.cell: _replace_once(perfect[edit.cell], edit.edits)}, set(edit.fails)))
    return [kinds for kinds, _, _ in out]


def build_pack(notebook: str, kinds: list[str]) -> nbformat.NotebookNode:
    nb = M.make_submission("perfect")[notebook]
    cells = {c.id: c for c in nb.cells}
    for kind in kinds:
        edit = M.MISTAKE_EDITS[kind]
        cells[edit.cell].source = _replace_once(cells[edit.cell].source, edit.edits)
    return nb


def corpus(assignment: str) -> tuple[dict, dict, dict, dict]:
    """(files per student, expected points per cell, expected hints per cell, expected status)."""
    name = NOTEBOOK_OF[assignment]
    full = M.EXPECTED_SCORES["perfect"][name]
    files, scores, hints, status = {}, {}, {}, {}
    passing = PASSING.setdefault(assignment, {})
    others = {"ps1_graphs": ("syntax_error", "infinite_loop"), "ps2_layers": ("missing_module",)}
    for kind in ("perfect", "release") + others.get(assignment, ()):
        student = kind.replace("_", "-")
        files[student] = {f"{name}.ipynb": nbformat.writes(M.make_submission(kind)[name]).encode()}
        scores[student] = M.EXPECTED_SCORES[kind][name]
        hints[student] = {}
        status[student] = "timed out" if kind == "infinite_loop" else "graded"
        edit = M.OTHER_EDITS.get(kind)
        passing[student] = set() if kind == "release" else set(full) - set(edit.fails if edit else ())
    for i, kinds in enumerate(packs(name), 1):
        student = f"mistakes-{i}"
        files[student] = {f"{name}.ipynb": nbformat.writes(build_pack(name, kinds)).encode()}
        failing = {gid for k in kinds for gid in M.MISTAKE_EDITS[k].fails}
        scores[student] = {gid: 0 if gid in failing else p for gid, p in full.items()}
        passing[student] = set(full) - failing
        hints[student] = {gid: h for k in kinds for gid, h in M.EXPECTED_HINTS[k][name].items()}
        status[student] = "graded"
    if assignment == "ps1_graphs":
        files["not-json"] = {f"{name}.ipynb": b'{"cells": [{"cell_type": "code", "source": "1 +'}
        files["missing"] = {"scratch.ipynb": nbformat.writes(M.make_submission("perfect")[name]).encode()}
        for student, state in (("not-json", "malformed"), ("missing", "missing")):
            scores[student], hints[student], status[student] = {gid: 0 for gid in full}, {}, state
            passing[student] = set()
    return files, scores, hints, status


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """Every assignment collected (ps1 from an LMS zip, the rest from folders) and graded via the CLI."""
    root = tmp_path_factory.mktemp("corpus")
    workspace = root / "ws"
    common = ["--workspace", str(workspace)]
    expected, collected = {}, {}
    for assignment in ASSIGNMENTS:
        files, scores, hints, status = expected[assignment] = corpus(assignment)
        if assignment == "ps1_graphs":
            source = root / "lms-download.zip"
            with zipfile.ZipFile(source, "w") as zf:
                for student, entries in files.items():
                    for fname, data in entries.items():
                        zf.writestr(f"{assignment}-submissions/{student}/{fname}", data)
        else:
            source = root / assignment
            for student, entries in files.items():
                for fname, data in entries.items():
                    (source / student).mkdir(parents=True, exist_ok=True)
                    (source / student / fname).write_bytes(data)
        assert main(["collect", assignment, str(source), *common]) == 0
        timeout = ["--timeout", str(PS1_TIMEOUT)] if assignment == "ps1_graphs" else []
        assert main(["grade", assignment, *common, *timeout]) == 0
        assert main(["feedback", assignment, *common]) == 0
        assert main(["report", assignment, *common]) == 0
    return Course(workspace=workspace), expected


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_expected_points_per_cell(pipeline, assignment):
    course, expected = pipeline
    files, scores, _, _ = expected[assignment]
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        got = {s: {c.cell: c.score for c in cell_scores(gb, assignment, s)} for s in files}
    assert got == scores


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_status_and_grades_csv(pipeline, assignment):
    course, expected = pipeline
    files, scores, _, status = expected[assignment]
    with open(course.reports_dir / assignment / "grades.csv", newline="") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert {s: r["status"] for s, r in rows.items()} == status
    assert {s: float(r["score"]) for s, r in rows.items()} == {s: sum(c.values()) for s, c in scores.items()}
    if assignment == "ps1_graphs":
        assert "graphs.ipynb was not submitted" in rows["missing"]["reason"]
        assert "graphs.ipynb is not a readable notebook" in rows["not-json"]["reason"]
        assert "time limit" in rows["infinite-loop"]["reason"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_feedback_shows_each_diagnosis_and_no_hidden_test(pipeline, assignment):
    course, expected = pipeline
    files, _, hints, _ = expected[assignment]
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{NOTEBOOK_OF[assignment]}.ipynb", as_version=4)
    hidden = [line.strip() for cell in nb.cells if "### BEGIN HIDDEN TESTS" in cell.source
              for line in cell.source.split("### BEGIN HIDDEN TESTS", 1)[1].splitlines() if "check(" in line]
    assert hidden, "the source notebook should have hidden checks to keep secret"
    for student in files:
        page = (course.feedback_dir / student / assignment / "feedback.html").read_text()
        for gid, hint in hints[student].items():
            assert html.escape(hint) in page, f"{student}: hint for {gid} missing"
        for line in hidden + ["HIDDEN TESTS", "from autograder"]:
            assert html.escape(line) not in page and line not in page


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_report_pass_rates_and_mistakes(pipeline, assignment):
    course, expected = pipeline
    files, scores, hints, _ = expected[assignment]
    folder = course.reports_dir / assignment
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{NOTEBOOK_OF[assignment]}.ipynb", as_version=4)
    exercise_of, current = {}, None
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            current = meta["grade_id"]
        elif meta.get("grade"):
            exercise_of[meta["grade_id"]] = current
    passing = PASSING[assignment]
    want = {ex: sum(all(g in passing[s] for g in exercise_of if exercise_of[g] == ex) for s in files)
            / len(files) for ex in dict.fromkeys(exercise_of.values())}
    with open(folder / "exercises.csv", newline="") as fh:
        got = {r["exercise"]: float(r["pass_rate"]) for r in csv.DictReader(fh)}
    assert got == pytest.approx(want, abs=1e-4)
    with open(folder / "mistakes.csv", newline="") as fh:
        listed = {r["mistake"]: int(r["submissions"]) for r in csv.DictReader(fh)}
    for student in files:
        for hint in hints[student].values():
            assert listed.get(hint, 0) >= 1
    page = (folder / "report.html").read_text()
    for png in ("pass_rates.png", "scores.png", "mistakes.png"):
        assert (folder / png).read_bytes()[:4] == b"\x89PNG" and f'src="{png}"' in page


def test_feedback_shows_the_students_real_exception(pipeline):
    """A solution cell that stopped at an import: the tests of what it defines say so, not a guess."""
    course, _ = pipeline
    page = (course.feedback_dir / "missing-module" / "ps2_layers" / "feedback.html").read_text()
    assert html.escape("The cell stopped with NameError: name 'Tanh' is not defined. Tanh is defined in cell "
                       "'new_layers', which stopped with ModuleNotFoundError: No module named 'my_helpers'") in page
    assert "most likely" not in page.lower()


def test_collect_kept_only_known_notebooks(pipeline):
    course, _ = pipeline
    # nothing of theirs was a notebook, and a copied folder records no time: the folder stays empty
    assert sorted(p.name for p in (course.submitted_dir / "missing" / "ps1_graphs").iterdir()) == []


def test_packs_cover_every_diagnosed_mistake_once():
    packed = [k for name in NOTEBOOK_OF.values() for pack in packs(name) for k in pack]
    assert sorted(packed) == sorted(M.MISTAKE_EDITS)
