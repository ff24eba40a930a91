"""autograder.pipeline.attempt on the tiny course's real release: was the work attempted, were tests edited?

Each case below edits a copy of the released notebook the way students do (or
do not) and states by hand what must be found.
"""
from __future__ import annotations

import copy

import nbformat
import pytest

from autograder.checks.samples import TINY, tiny_course
from autograder.config import Course
from autograder.pipeline.attempt import NOT_ATTEMPTED, TESTS_RESTORED, Attempt, compare, compare_notebook, label
from autograder.pipeline.release import release

SOLUTION, EXAMPLE, VISIBLE, HIDDEN = 1, 2, 3, 4     # cell positions in the tiny notebooks


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = tmp_path_factory.mktemp("attempt")
    course = Course(repo=tiny_course(root / "repo"), workspace=root / "ws")
    release(course)
    return course.release_dir / TINY


@pytest.fixture
def double(released):
    return nbformat.read(released / "double.ipynb", as_version=4)


def _edit(nb, change):
    mine = copy.deepcopy(nb)
    change(mine.cells)
    return compare_notebook("double", nb, mine)


def test_the_release_handed_back_is_not_attempted(double):
    assert _edit(double, lambda cells: None) == Attempt((), ())
    assert label("graded", Attempt((), ())) == NOT_ATTEMPTED


def test_editor_whitespace_and_a_stripped_but_unchanged_answer_cell_are_no_attempt(double):
    def touch(cells):
        cells[SOLUTION].source = "\n" + cells[SOLUTION].source.replace("\n", "   \r\n") + "\n\n"
    assert not _edit(double, touch).attempted

    def strip(cells):
        del cells[SOLUTION].metadata["nbgrader"]
    assert not _edit(double, strip).attempted


def test_an_answer_in_the_solution_cell_or_in_a_new_cell_is_an_attempt(double):
    def answer(cells):
        cells[SOLUTION].source = "def times2(x):\n    return 2 * x"
    assert _edit(double, answer) == Attempt(("times2_solution",), ())

    def elsewhere(cells):
        cells.insert(EXAMPLE, nbformat.v4.new_code_cell("def times2(x):\n    return x + x"))
    assert _edit(double, elsewhere).answers == ("new cell in double",)
    assert label("graded", _edit(double, elsewhere)) == "graded"


@pytest.mark.parametrize("change, found", [
    (lambda cells: setattr(cells[VISIBLE], "source", "assert True"), "double: test_times2_visible (changed)"),
    (lambda cells: cells.pop(HIDDEN), "double: test_times2_hidden (missing)"),
    (lambda cells: cells[VISIBLE].metadata.pop("nbgrader"), "double: test_times2_visible (missing)"),
    (lambda cells: cells[VISIBLE].metadata["nbgrader"].update(locked=False, grade=False),
     "double: test_times2_visible (changed)"),
    (lambda cells: cells.insert(EXAMPLE, copy.deepcopy(cells[HIDDEN])), "double: test_times2_hidden (duplicated)"),
    (lambda cells: cells.append(nbformat.v4.new_code_cell("pass", metadata={"nbgrader": {
        "grade": True, "grade_id": "free_points", "locked": True, "points": 100, "solution": False}})),
     "double: free_points (added)"),
])
def test_every_kind_of_test_cell_edit_is_found(double, change, found):
    def answer_and(cells):
        cells[SOLUTION].source = "def times2(x):\n    return 2 * x"
        change(cells)
    attempt = _edit(double, answer_and)
    assert attempt.edited_tests == (found,)
    assert label("graded", attempt) == TESTS_RESTORED


def test_a_worse_grading_status_is_kept(double):
    assert label("timed out", Attempt((), ("double: x (changed)",))) == "timed out"
    assert label("graded", None) == "graded"


def test_a_submission_folder_is_compared_notebook_by_notebook(released, tmp_path):
    triple = nbformat.read(released / "triple.ipynb", as_version=4)
    triple.cells[SOLUTION].source = "def times3(x):\n    return 3 * x"
    del triple.cells[HIDDEN]
    nbformat.write(triple, tmp_path / "triple.ipynb")
    (tmp_path / "double.ipynb").write_text('{"cells": [ not JSON')     # grading calls it malformed
    assert compare(released, tmp_path, ["double", "triple"]) == Attempt(
        ("times3_solution",), ("triple: test_times3_hidden (missing)",))
    assert compare(released, tmp_path / "nothing-here", ["double", "triple"]) is None
