"""Report and feedback arithmetic, figures and escaping, on hand-made results (no grading needed).

Expected numbers are worked out by hand from the scores below, not read from the code.
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from autograder.pipeline.attempt import NOT_ATTEMPTED, TESTS_RESTORED, Attempt
from autograder.pipeline.feedback import render
from autograder.pipeline.gradebook import StatusRow
from autograder.pipeline.lateness import Lateness, duration
from autograder.pipeline.report import (LABEL_WIDTH, _html, frequent_mistakes, mistake_figure, mistakes_by_exercise,
                               pass_rate_figure, pass_rates, score_figure, summary)
from autograder.pipeline.results import CellResult, GradedCell, Submission

LONG_TITLE = "1. Multiply and add nodes, whose backward passes swap the inputs or pass dout through unchanged"
A1 = GradedCell("nb", "test_a1", "ex_a", 1, "a works on small input", LONG_TITLE)
A2 = GradedCell("nb", "test_a2", "ex_a", 2, "a works on edge cases", LONG_TITLE)
B1 = GradedCell("nb", "test_b1", "ex_b", 3, "b works")
EVIL = "<script>alert('x')</script> & more"
WORKED = Attempt(("ex_a",), ())


def sub(student, scores, hints=(), status="graded", attempt=WORKED, lateness=None, graded=(A1, A2, B1)):
    cells = []
    for cell, score in zip(graded, scores):
        checks = [{"check": cell.grade_id, "passed": score == cell.points, "message": f"{cell.grade_id} msg",
                   "hint": hints[0] if hints and score < cell.points else None}]
        cells.append(CellResult(cell, score, checks))
    row = StatusRow("ps", student, status, "why " + EVIL, "t", sum(scores), 6, "now")
    return Submission(student, row, cells, attempt, lateness)


SUBS = [sub("ann", (1, 2, 3)), sub("ben", (1, 0, 3), hints=("forgot the batch",)),
        sub("cat", (0, 0, 0), hints=("forgot the batch",)), sub("dan", (1, 2, 0), hints=(EVIL,))]


def rows(page: str, table: str) -> list[list[str]]:
    """Cell texts of each body row of the table with id ``table``."""
    body = re.search(rf'<table id="{table}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_pass_rate_needs_every_test_of_the_exercise():
    assert pass_rates(SUBS) == {"ex_a": 2 / 4, "ex_b": 2 / 4}


def test_mistakes_are_counted_once_per_submission_and_sorted():
    assert frequent_mistakes(SUBS) == [("forgot the batch", 2), (EVIL, 1)]


def test_mistakes_are_grouped_by_the_exercise_they_were_made_in():
    # ben fails only test_a2 (ex_a); cat fails everything (ex_a and ex_b); dan fails only test_b1 (ex_b)
    assert mistakes_by_exercise(SUBS) == {"ex_a": [("forgot the batch", 2)],
                                          "ex_b": [(EVIL, 1), ("forgot the batch", 1)]}   # ties by text


def test_summary_uses_scores_after_late_penalties():
    late = Lateness(datetime(2026, 3, 2, 9), datetime(2026, 3, 1, 9), 86400, 2.5)
    subs = SUBS[:3] + [sub("dan", (1, 2, 0), lateness=late)]    # raw 6, 4, 0, 3; dan's score 3 - 2.5 = 0.5
    assert summary([s.score for s in subs]) == {"n": 4, "mean": 10.5 / 4, "median": 2.25, "min": 0, "max": 6}
    assert (subs[3].raw_score, subs[3].late_penalty, subs[3].score) == (3, 2.5, 0.5)
    big = sub("eve", (1, 0, 0), lateness=Lateness(None, None, 0, 4))   # a penalty never makes a grade negative
    assert (big.raw_score, big.score) == (1, 0)


def test_pages_escape_student_controlled_text():
    evil = sub(EVIL, (1, 2, 0), hints=(EVIL,), attempt=Attempt(("ex_a",), (f"nb: {EVIL} (added)",)))
    evil.cells[2].checks[0]["message"] = "your code printed " + EVIL
    page = _html("ps", SUBS + [evil], pass_rates(SUBS), frequent_mistakes(SUBS))
    assert "<script>" not in page and "&lt;script&gt;" in page
    feedback = render("ps", evil)
    assert "<script>" not in feedback
    assert "Hint: &lt;script&gt;" in feedback
    assert "your code printed &lt;script&gt;" in feedback
    assert f"Feedback: ps for &lt;script&gt;" in feedback
    assert "nb: &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more (added)" in feedback


def test_report_lists_every_student_with_score_status_and_lateness():
    late = Lateness(datetime(2026, 3, 1, 12, 5), datetime(2026, 3, 1, 9, 0), 3 * 3600 + 5 * 60, 1.5)
    on_time = Lateness(datetime(2026, 3, 1, 8, 0), datetime(2026, 3, 1, 9, 0), 0, 0)
    subs = [sub("ann", (1, 2, 3), lateness=on_time), sub("ben", (1, 0, 3), lateness=late),
            sub("cat", (0, 0, 0), attempt=Attempt((), ())),
            sub("dan", (1, 2, 0), attempt=Attempt(("ex_a",), ("nb: test_b1 (changed)",))),
            sub("eve", (0, 0, 0), status="timed out")]
    page = _html("ps", subs, pass_rates(subs), frequent_mistakes(subs))
    # student, status, raw score, late penalty, score, submitted, late by
    assert rows(page, "students") == [
        ["ann", "graded", "6", "", "6 / 6", "2026-03-01 08:00 UTC", "on time"],
        ["ben", "graded", "4", "1.5", "2.5 / 6", "2026-03-01 12:05 UTC", "3 h 5 min"],
        ["cat", NOT_ATTEMPTED, "0", "", "0 / 6", "", ""],
        ["dan", TESTS_RESTORED, "3", "", "3 / 6", "", ""],
        ["eve", "timed out", "0", "", "0 / 6", "", ""]]
    # scores after penalties 6, 2.5, 0, 3, 0: mean 2.3, median 2.5
    assert rows(page, "summary") == [["5", "2.30", "2.5", "0", "6"]]
    assert rows(page, "statuses") == [["graded", "2"], [NOT_ATTEMPTED, "1"], [TESTS_RESTORED, "1"],
                                      ["timed out", "1"]]
    assert rows(page, "exercises")[0][0] == LONG_TITLE + "ex_a"      # the title in full, the id below it


def test_feedback_marks_passed_tests_and_explains_failures():
    page = render("ps", SUBS[1])
    assert page.count("class='pass'") == 2 and page.count("class='fail'") == 1
    assert "test_a2 msg<span class='hint'>Hint: forgot the batch</span>" in page
    assert "Grading note" not in page and "Not attempted" not in page and "Submitted" not in page
    assert "Grading note (timed out)" in render("ps", sub("eve", (0, 0, 0), status="timed out"))


def test_feedback_says_not_attempted_and_which_tests_were_restored():
    assert "Not attempted: the answer cells are the same" in render("ps", sub("cat", (0, 0, 0),
                                                                              attempt=Attempt((), ())))
    page = render("ps", sub("dan", (1, 2, 0), attempt=Attempt(("ex_a",), ("nb: test_b1 (changed)",))))
    assert "Test cells edited and restored" in page and "nb: test_b1 (changed)" in page


def test_feedback_shows_how_late_and_the_penalty():
    late = Lateness(datetime(2026, 3, 3, 10, 0), datetime(2026, 3, 1, 9, 0), 2 * 86400 + 3600, 1.5)
    page = render("ps", sub("ben", (1, 0, 3), lateness=late))
    assert "Score: <strong>2.5 / 6</strong> (raw score 4, late penalty 1.5)." in page
    assert ("Submitted 2026-03-03 10:00 UTC; due 2026-03-01 09:00 UTC: <strong>2 d 1 h late</strong>, "
            "late penalty 1.5.") in page
    on_time = Lateness(datetime(2026, 3, 1, 8, 0), datetime(2026, 3, 1, 9, 0), 0, 0)
    assert "due 2026-03-01 09:00 UTC: on time." in render("ps", sub("ann", (1, 2, 3), lateness=on_time))


@pytest.mark.parametrize("seconds, words", [(0, "0 s"), (45, "45 s"), (60, "1 min"), (3599, "59 min"),
                                            (3 * 3600 + 5 * 60 + 9, "3 h 5 min"), (86400 * 2 + 3600, "2 d 1 h")])
def test_duration_in_words(seconds, words):
    assert duration(seconds) == words


def test_histogram_counts_are_whole_numbers():
    fig = score_figure(SUBS)          # four submissions: counts 0-2, where matplotlib would tick 0.25s
    ticks = fig.axes[0].get_yticks()
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks
    fig = mistake_figure(SUBS, mistakes_by_exercise(SUBS))
    ticks = fig.axes[0].get_xticks()
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks


def _labels_fit(fig) -> list[str]:
    """The figure's y tick labels, after checking each lies inside the figure once laid out."""
    fig.tight_layout()
    fig.canvas.draw()
    box = fig.bbox
    labels = fig.axes[0].get_yticklabels()
    for label in labels:
        extent = label.get_window_extent()
        assert extent.x0 >= box.x0 - 1 and extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1, label.get_text()
    return [label.get_text() for label in labels]


def test_long_titles_and_mistakes_are_wrapped_never_cut():
    hint = ("the bias gradient is not summed over the batch: db must be dout.sum(axis=0), one number per "
            "output, whatever the batch size N")
    subs = [sub("ann", (1, 0, 3), hints=(hint,)), sub("ben", (0, 0, 3))]
    for fig, wanted in ((pass_rate_figure(subs, pass_rates(subs)), LONG_TITLE),
                        (mistake_figure(subs, mistakes_by_exercise(subs)), f"{LONG_TITLE}: {hint}")):
        texts = _labels_fit(fig)
        assert wanted in [t.replace("\n", " ") for t in texts]
        assert all(len(line) <= LABEL_WIDTH for t in texts for line in t.split("\n"))


def test_exercise_title_is_the_last_heading_outside_code_fences():
    from autograder.pipeline.results import _heading

    cell = "## 3. Affine\n\nText.\n```python\n# a comment, not a heading\n```\n#hashtag, not a heading"
    assert _heading(cell) == "3. Affine"
    assert _heading("# Part 1 #\n### 1.2 Relu ###") == "1.2 Relu" and _heading("no heading") == ""


# ---- charts of a Korean course ---------------------------------------------------------

KOREAN_TITLE = "1. 곱셈 노드와 덧셈 노드의 역전파"
KOREAN = (GradedCell("nb", "test_a1", "ex_a", 1, "a works on small input", KOREAN_TITLE),
          GradedCell("nb", "test_a2", "ex_a", 2, "a works on edge cases", KOREAN_TITLE), B1)
KOREAN_SUBS = [sub("ann", (1, 0, 3), hints=("배치 축으로 더하지 않았습니다",), graded=KOREAN),
               sub("ben", (0, 0, 3), graded=KOREAN)]


def _svg(fig) -> str:
    import io

    import matplotlib.pyplot as plt
    out = io.StringIO()
    fig.savefig(out, format="svg")
    plt.close(fig)
    return out.getvalue()


def test_a_korean_courses_charts_are_in_korean_and_draw_hangul_with_a_font_that_has_it():
    from pathlib import Path

    from autograder.i18n import language
    from autograder.pipeline.chart_fonts import hangul_family
    from autograder.pipeline.report import _draw

    repo = Path(__file__).resolve().parents[1]
    assert hangul_family(repo) is not None, "no font with Hangul: run make vendor (it fetches the course's)"
    with language("ko"):
        for make in (lambda: pass_rate_figure(KOREAN_SUBS, pass_rates(KOREAN_SUBS)),
                     lambda: score_figure(KOREAN_SUBS),
                     lambda: mistake_figure(KOREAN_SUBS, mistakes_by_exercise(KOREAN_SUBS))):
            fig = _draw(make, repo)
            title = fig.axes[0].get_title()
            assert re.search("[\uac00-\ud7a3]", title), title   # the title is Korean
            svg = _svg(fig)
            # matplotlib writes each text as a comment; a glyph it lacks comes from "LastResort", a box
            assert "LastResort" not in svg and re.search(r'id="[^"]*KR[^"]*-', svg), title


def test_a_chart_whose_hangul_no_font_draws_is_left_out_and_the_page_says_why(monkeypatch):
    from autograder.pipeline import report as report_mod

    monkeypatch.setattr(report_mod, "hangul_family", lambda repo: None)
    assert report_mod._draw(lambda: pass_rate_figure(KOREAN_SUBS, pass_rates(KOREAN_SUBS)), ".") is None
    # English titles need no Hangul font: drawn as before
    assert report_mod._draw(lambda: score_figure(SUBS), ".") is not None
    page = _html("ps", KOREAN_SUBS, pass_rates(KOREAN_SUBS), frequent_mistakes(KOREAN_SUBS),
                 charts=["scores.png"])
    assert '<img src="scores.png"' in page and '<img src="pass_rates.png"' not in page
    assert page.count("no font on this machine draws Hangul") == 2
