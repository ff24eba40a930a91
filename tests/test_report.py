"""Report and feedback arithmetic and escaping, on hand-made results (no grading needed)."""
from __future__ import annotations

from autograder.feedback import render
from autograder.gradebook import StatusRow
from autograder.report import _html, frequent_mistakes, pass_rates
from autograder.results import CellResult, GradedCell, Submission

A1 = GradedCell("nb", "test_a1", "ex_a", 1, "a works on small input")
A2 = GradedCell("nb", "test_a2", "ex_a", 2, "a works on edge cases")
B1 = GradedCell("nb", "test_b1", "ex_b", 3, "b works")
EVIL = "<script>alert('x')</script> & more"


def sub(student, scores, hints=(), status="graded"):
    cells = []
    for cell, score in zip((A1, A2, B1), scores):
        checks = [{"check": cell.grade_id, "passed": score == cell.points, "message": f"{cell.grade_id} msg",
                   "hint": hints[0] if hints and score < cell.points else None}]
        cells.append(CellResult(cell, score, checks))
    row = StatusRow("ps", student, status, "why " + EVIL, "t", sum(scores), 6, "now")
    return Submission(student, row, cells)


SUBS = [sub("ann", (1, 2, 3)), sub("ben", (1, 0, 3), hints=("forgot the batch",)),
        sub("cat", (0, 0, 0), hints=("forgot the batch",)), sub("dan", (1, 2, 0), hints=(EVIL,))]


def test_pass_rate_needs_every_test_of_the_exercise():
    assert pass_rates(SUBS) == {"ex_a": 2 / 4, "ex_b": 2 / 4}


def test_mistakes_are_counted_once_per_submission_and_sorted():
    assert frequent_mistakes(SUBS) == [("forgot the batch", 2), (EVIL, 1)]


def test_pages_escape_student_controlled_text():
    page = _html("ps", SUBS, pass_rates(SUBS), frequent_mistakes(SUBS))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "4 submissions; mean score 3.25 of 6" in page
    feedback = render("ps", SUBS[3])
    assert "<script>" not in feedback and "Hint: &lt;script&gt;" in feedback
    assert "Score: <strong>3 / 6</strong>" in feedback


def test_feedback_marks_passed_tests_and_explains_failures():
    page = render("ps", SUBS[1])
    assert page.count("class='pass'") == 2 and page.count("class='fail'") == 1
    assert "test_a2 msg<span class='hint'>Hint: forgot the batch</span>" in page
    assert "Grading note" not in page
    assert "Grading note (timed out)" in render("ps", sub("eve", (0, 0, 0), status="timed out"))
