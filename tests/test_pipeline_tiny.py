"""The whole pipeline through the CLI on the tiny course: collect, grade, resume, feedback, report.

The tiny course (autograder.checks.samples) has two notebooks, each with a visible
test worth 1 point and a hidden test worth 2 (passed when the function returns
k * 7 for k = 2, 3). Each student below is built to score a known amount per cell.
"""
from __future__ import annotations

import fcntl
import struct

import nbformat
import pytest

from autograder.checks.samples import TINY, tiny_course
from autograder.cli import main
from autograder.config import Course
from autograder.pipeline.gradebook import STATUS, cell_scores, open_gradebook, read_status
from autograder.pipeline.release import release

RIGHT = {2: "def times2(x):\n    import warnings\n    warnings.warn('a warning on stderr')\n    return 2 * x",
         3: "def times3(x):\n    return x * 3.0"}
HINT = "You returned x itself; multiply it."

# student -> {(notebook, cell): expected points}
V2, H2, V3, H3 = ("double", "test_times2_visible"), ("double", "test_times2_hidden"), \
    ("triple", "test_times3_visible"), ("triple", "test_times3_hidden")
EXPECTED = {
    "alice": {V2: 1, H2: 2, V3: 1, H3: 2},   # right, with a warning on stderr
    "bob": {V2: 0, H2: 0, V3: 0, H3: 0},     # the release, untouched
    "carol": {V2: 1, H2: 2, V3: 0, H3: 0},   # triple loops forever and its hidden test cell was deleted
    "dave": {V2: 1, H2: 2, V3: 0, H3: 0},    # triple.ipynb is not JSON
    "erin": {V2: 1, H2: 2, V3: 0, H3: 0},    # test metadata stripped, a duplicated grade id; no triple.ipynb
    "frank": {V2: 1, H2: 0, V3: 0, H3: 0},   # returns x (diagnosed), triple has a syntax error
    "gus": {V2: 1, H2: 2, V3: 0, H3: 0},     # the kernel dies in triple before its tests
}
STATUSES = {"alice": "graded", "bob": "graded", "carol": "timed out", "dave": "malformed", "erin": "missing",
            "frank": "graded", "gus": "kernel died"}


def _submission(release_dir, student):
    nbs = {name: nbformat.read(release_dir / TINY / f"{name}.ipynb", as_version=4) for name in ("double", "triple")}
    if student == "bob":
        return nbs
    d, t = nbs["double"].cells, nbs["triple"].cells
    d[1].source, t[1].source = RIGHT[2], RIGHT[3]
    if student == "carol":
        t[1].source = "def times3(x):\n    while True:\n        pass"
        del t[4]
    elif student == "dave":
        nbs["triple"] = b'{"cells": [ this is not JSON'
    elif student == "erin":
        del d[3].metadata["nbgrader"]                      # stripped: restored from the gradebook
        forged = nbformat.from_dict(dict(d[4]))
        forged.source, forged.id = "pass", "forged01"
        d.insert(2, forged)                                # same grade_id twice: nbgrader keeps the last
        del nbs["triple"]
    elif student == "frank":
        d[1].source = "def times2(x):\n    return x"
        t[1].source = "def times3(x)\n    return 3 * x"
    elif student == "gus":
        t[2].source = "import os\nos._exit(3)"
    return nbs


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The tiny course collected from a folder tree and graded once through the CLI."""
    root = tmp_path_factory.mktemp("tiny")
    course = Course(repo=tiny_course(root / "repo"), workspace=root / "ws", cell_timeout=3,
                    judge="autograder.checks.samples:tiny_judge")
    release(course)
    for student in EXPECTED:
        for name, nb in _submission(course.release_dir, student).items():
            path = root / "in" / student / f"{name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(nb) if isinstance(nb, bytes) else nbformat.write(nb, path)
    common = ["--repo", str(course.repo), "--workspace", str(course.workspace), "--timeout", "3"]
    assert main(["collect", TINY, str(root / "in"), *common[:4]]) == 0
    # the tiny judge stands in for autograder.checks.judge; the CLI has no option for it, so grade in-process
    from autograder.pipeline.grade import grade
    rows = grade(course, TINY)
    return course, rows, common


def test_every_cell_scores_what_the_submission_deserves(graded):
    course, rows, _ = graded
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        got = {s: {(c.notebook, c.cell): c.score for c in cell_scores(gb, TINY, s)} for s in EXPECTED}
    assert got == EXPECTED


def test_every_submission_has_a_status_and_a_reason(graded):
    course, rows, _ = graded
    assert {r.student: r.status for r in rows} == STATUSES
    by = {r.student: r for r in rows}
    assert by["dave"].reason.startswith("triple.ipynb is not a readable notebook (NotJSONError")
    assert "triple.ipynb was not submitted" in by["erin"].reason
    assert "triple" in by["carol"].reason and "time" in by["carol"].reason
    assert {r.student: r.score for r in rows} == {s: sum(c.values()) for s, c in EXPECTED.items()}
    assert all(r.max_score == 6 for r in rows)


def test_a_second_run_resumes_without_grading_again(graded):
    course, rows, common = graded
    before = read_status(course.gradebook_url, TINY)
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        count = len(gb.db.execute(STATUS.select()).all()), sum(len(cell_scores(gb, TINY, s)) for s in EXPECTED)
    from autograder.pipeline.gradebook import _engine
    engine = _engine(course.gradebook_url)
    with engine.begin() as conn:  # as if the run had been killed before saving gus's row
        conn.execute(STATUS.delete().where(STATUS.c.student == "gus"))
    engine.dispose()
    from autograder.pipeline.grade import grade
    again = {r.student: r for r in grade(course, TINY)}
    assert again["gus"].graded_at >= before["gus"].graded_at and again["gus"].status == "kernel died"
    assert {s: again[s] for s in EXPECTED if s != "gus"} == {s: before[s] for s in EXPECTED if s != "gus"}
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        assert (len(gb.db.execute(STATUS.select()).all()),
                sum(len(cell_scores(gb, TINY, s)) for s in EXPECTED)) == count == (7, 28)


def test_a_concurrent_run_is_refused(graded, capsys):
    course, _, common = graded
    with open(course.workspace / ".grading.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert main(["grade", TINY, *common]) == 6
    assert "another grading run is using" in capsys.readouterr().err


def test_feedback_shows_messages_and_hints_never_hidden_tests(graded):
    course, _, common = graded
    assert main(["feedback", TINY, *common[:4]]) == 0
    pages = {s: (course.feedback_dir / s / TINY / "feedback.html").read_text() for s in EXPECTED}
    assert HINT in pages["frank"] and "expected 14, got 7.0" in pages["frank"]
    assert "Score: <strong>1 / 6</strong>" in pages["frank"]
    assert "tiny.times3: the test did not run to the end." in pages["gus"]
    assert "Grading note (malformed)" in pages["dave"]
    assert "times2 is right on a hidden input." in pages["alice"]     # the test's docstring is shown
    for student, page in pages.items():
        for secret in ("HIDDEN TESTS", "display(", 'check("tiny', "func(7)", "return 2 * x"):
            assert secret not in page, f"{student}'s feedback shows {secret!r}"


def test_report_files(graded):
    course, _, common = graded
    assert main(["report", TINY, *common[:4]]) == 0
    folder = course.reports_dir / TINY
    lines = (folder / "grades.csv").read_text().splitlines()
    assert lines[0] == ("student,status,reason,raw_score,late_submission_penalty,score,max_score,"
                        "double:test_times2_visible,double:test_times2_hidden,triple:test_times3_visible,"
                        "triple:test_times3_hidden")
    frank = next(line for line in lines if line.startswith("frank,"))
    assert frank.startswith("frank,graded,") and frank.endswith(",1,0,1,6,1,0,0,0")   # no due date: no penalty
    assert (folder / "exercises.csv").read_text().splitlines()[1:] == [
        f"times2_solution,{5 / 7:.4f}", f"times3_solution,{1 / 7:.4f}"]
    assert (folder / "mistakes.csv").read_text().splitlines()[1:] == [f"{HINT},1"]
    html = (folder / "report.html").read_text()
    for png in ("pass_rates.png", "scores.png", "mistakes.png"):
        data = (folder / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert width >= 400 and height >= 100
        assert f'src="{png}"' in html
    assert HINT in html
