"""A Korean course, end to end through the instructor's CLI.

course.yml says ``language: ko``. The Korean release is current and clean
(``backprop-grader release --check``); a Korean student hands in exercises/ko's
ps1_graphs with the answers typed in, one of them wrong the way students get it wrong
(Square.backward without the factor 2) and a day late; another hands in every answer
right. ``grade``, ``feedback`` and ``report`` run as an instructor types them, and the
pages come out in Korean: the judge's verdict, the known mistake's Korean hint, the
lateness, ``<html lang="ko">``. Nothing of the grader is called directly.
"""
from __future__ import annotations

import contextlib
import html
import io
import re
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.config import Course

ROOT = Path(__file__).resolve().parents[1]
A, NB = "ps1_graphs", "graphs"
COURSE_YML = "timezone: Asia/Seoul\ndue:\n  ps1_graphs: 2026-09-14 23:59\nlanguage: ko\n"
WRONG, RIGHT = "        return 2.0 * self.x * dout", "        return self.x * dout  # 제곱의 미분"
#: The hint mistakes.json gives for that mistake, as the Korean catalogue words it.
HINT = "dx가 있어야 할 값의 절반입니다. 제곱의 기울기에서 인수 하나를 빠뜨렸습니다."


def korean_notebook(mistake: bool) -> nbformat.NotebookNode:
    """exercises/ko's notebook with the instructor's answers typed in (the Square one wrong if ``mistake``)."""
    nb = nbformat.read(ROOT / "exercises" / "ko" / A / f"{NB}.ipynb", as_version=4)
    answers = {c.id: re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", "", c.source + "\n", flags=re.M).rstrip()
               for c in nbformat.read(ROOT / "solutions" / "ko" / A / f"{NB}.ipynb", as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        if cell.id in answers:
            cell.source = answers[cell.id]
            if mistake and cell.id == "square":
                assert cell.source.count(WRONG) == 1, "the Square answer changed; update this test's mistake"
                cell.source = cell.source.replace(WRONG, RIGHT)
    return nb


def run(*argv) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(argv)) == 0, out.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("ko")
    course = Course(repo=ROOT, workspace=root / "ws")
    course.workspace.mkdir()
    (course.workspace / "course.yml").write_text(COURSE_YML, encoding="utf-8")
    for student, mistake, stamp in [("s01", True, "2026-09-15 03:00:00 UTC"),      # 12 h 1 min late
                                    ("s02", False, "2026-09-14 05:00:00 UTC")]:
        folder = course.submitted_dir / student / A
        folder.mkdir(parents=True)
        nbformat.write(korean_notebook(mistake), folder / f"{NB}.ipynb")
        (folder / "timestamp.txt").write_text(stamp + "\n")
    common = ["--repo", str(ROOT), "--workspace", str(course.workspace)]
    run("release", "--check", *common)
    run("grade", A, *common)
    run("feedback", A, *common)
    run("report", A, *common)
    return Course(repo=ROOT, workspace=root / "ws")


def text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_course_reads_its_language_and_releases_from_the_korean_sources(course):
    assert course.language == "ko"
    assert course.source_dir == ROOT / "solutions" / "ko" and course.release_dir == ROOT / "exercises" / "ko"


def test_the_student_with_a_mistake_reads_korean_feedback_with_the_korean_hint(course):
    page = (course.feedback_dir / "s01" / A / "feedback.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in page
    words = text(page)
    assert f"힌트: {HINT}" in words
    assert "ps1_graphs 피드백" in words and "점수:" in words and "실패" in words and "통과" in words
    assert "12시간 1분 늦음" in words and "지각 감점" in words
    # the test's title is the Korean docstring of the test cell; the verdict is the judge's, in Korean
    assert "Square.backward는 수치 기울기와 일치하고 dout을 건드리지 않습니다." in words
    assert re.search(r"Square\.backward: 사례 '[^']+': dx\[\d+, \d+\]: .+이어야 하는데 .+입니다", words), words
    for english in ("Hint:", "Score:", "passed", "failed", " late", "should be", "case '"):
        assert english not in words, f"{english!r} left in English on a Korean feedback page"


def test_the_student_without_mistakes_passes_every_test_in_korean(course):
    words = text((course.feedback_dir / "s02" / A / "feedback.html").read_text(encoding="utf-8"))
    assert "실패" not in words and "힌트" not in words and "기한 내 제출" in words


def test_the_report_is_korean_and_counts_the_korean_hint(course):
    page = (course.reports_dir / A / "report.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in page
    words = text(page)
    assert "ps1_graphs 보고서" in words and "가장 자주 진단된 실수" in words
    assert f"{HINT} (1)" in words
