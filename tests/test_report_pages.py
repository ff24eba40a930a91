"""Feedback and report written from a real nbgrader gradebook, through the CLI, and opened in Chromium.

The gradebook is filled through nbgrader's own API the way collect and grade
leave it (a due date on the assignment; per submission its timestamp, the
points of every graded cell and nbgrader's late penalty per notebook; our
grading_status rows), and the submitted notebooks are edits of the real
release. Grading itself is tested in test_pipeline_tiny.py; here the question is
what the pages make of that state. Expected texts are worked out by hand.

The browser test serves the report folder on 127.0.0.1 and opens report.html in
Debian's headless Chromium (driver and network blocking shared with
test_browser_widget.py; chromedriver starts every session with a fresh,
temporary user-data-dir): the student table must have one row per submission,
every figure must load, no console error, and no horizontal scroll at 1280 px.
"""
from __future__ import annotations

import importlib.util
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
import pytest

from autograder.checks.samples import TINY, tiny_course
from autograder.cli import main
from autograder.config import Course
from autograder.pipeline.gradebook import StatusRow, open_gradebook, write_status
from autograder.pipeline.preprocessors import VERDICT_MIME
from autograder.pipeline.release import register, release

SOLUTION, VISIBLE, HIDDEN = 1, 3, 4      # cell positions in the tiny notebooks
DUE = datetime(2026, 3, 1, 9, 0)
# The unbroken identifier must wrap in the page, never push it wider than the window.
HINT = "You returned x itself; multiply it. <b>not bold</b> " + "_".join(["times2_returned_its_input"] * 8)
# student -> (points of [double visible, double hidden, triple visible, triple hidden], status,
#             submitted, late penalty per notebook, what they did to the release)
STUDENTS = {
    "alice": ((1, 2, 1, 2), "graded", DUE - timedelta(hours=1), 0, "answers"),
    "bob": ((0, 0, 0, 0), "graded", DUE - timedelta(minutes=5), 0, "nothing"),
    "carol": ((1, 2, 1, 2), "graded", DUE, 0, "answers, edits a test"),
    "dave": ((1, 0, 1, 2), "graded", DUE + timedelta(hours=3, minutes=5), 0.75, "answers, late"),
    "erin": ((1, 2, 0, 0), "timed out", DUE - timedelta(days=1), 0, "answers"),
}
common: list[str] = []

_spec = importlib.util.spec_from_file_location("_test_report", Path(__file__).with_name("test_report.py"))
_report_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_report_tests)
rows = _report_tests.rows      # cell texts of a table's body rows


def _submit(course: Course, student: str, what: str) -> None:
    folder = course.submitted_dir / student / TINY
    folder.mkdir(parents=True)
    for name, factor in (("double", 2), ("triple", 3)):
        nb = nbformat.read(course.release_dir / TINY / f"{name}.ipynb", as_version=4)
        if what != "nothing":
            nb.cells[SOLUTION].source = f"def times{factor}(x):\n    return {factor} * x"
        if "edits a test" in what and name == "double":
            nb.cells[VISIBLE].source = "assert True  # the test was in my way"
        nbformat.write(nb, folder / f"{name}.ipynb")
    (folder / "timestamp.txt").write_text(f"{STUDENTS[student][2]:%Y-%m-%d %H:%M:%S} UTC\n")


def _verdict(course: Course, student: str) -> None:
    """dave's autograded double.ipynb with the verdict TrustedVerdicts leaves in a failed hidden test."""
    folder = course.autograded_dir / student / TINY
    folder.mkdir(parents=True)
    nb = nbformat.read(course.submitted_dir / student / TINY / "double.ipynb", as_version=4)
    checks = [{"check": "tiny.times2", "passed": False, "message": "tiny.times2: expected 14, got 7.0.",
               "hint": HINT}]
    nb.cells[HIDDEN].outputs = [nbformat.v4.new_output("display_data", data={
        VERDICT_MIME: {"cell": "test_times2_hidden", "passed": False, "checks": checks}})]
    nbformat.write(nb, folder / "double.ipynb")


def _fill_gradebook(course: Course) -> None:
    register(course, TINY)
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        gb.update_or_create_assignment(TINY, duedate=DUE)
        for student, (points, status, submitted, penalty, _) in STUDENTS.items():
            gb.update_or_create_student(student)
            sub = gb.update_or_create_submission(TINY, student, timestamp=submitted)
            cells = iter(points)
            for nb in sorted(sub.notebooks, key=lambda n: n.name):
                for grade in sorted(nb.grades, key=lambda g: g.name, reverse=True):   # visible, then hidden
                    grade.auto_score = next(cells)
                nb.late_submission_penalty = penalty or None
            gb.db.commit()
            write_status(course.gradebook_url, StatusRow(TINY, student, status, f"{status} <i>why</i>",
                                                         f"{submitted} UTC", sum(points), 6, "now"))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The tiny course with five graded submissions, feedback and report written through the CLI."""
    root = tmp_path_factory.mktemp("pages")
    course = Course(repo=tiny_course(root / "repo"), workspace=root / "ws")
    release(course)
    for student, row in STUDENTS.items():
        _submit(course, student, row[4])
    _verdict(course, "dave")
    _fill_gradebook(course)
    common[:] = ["--repo", str(course.repo), "--workspace", str(course.workspace)]
    assert main(["feedback", TINY, *common]) == 0
    assert main(["report", TINY, *common]) == 0
    return course


def _feedback(course: Course, student: str) -> str:
    return (course.feedback_dir / student / TINY / "feedback.html").read_text(encoding="utf-8")


def test_feedback_shows_lateness_and_the_penalty_from_the_gradebook(course):
    page = _feedback(course, "dave")
    # 4 points, minus 0.75 for each of the two notebooks
    assert "Score: <strong>2.5 / 6</strong> (raw score 4, late penalty 1.5)." in page
    assert ("Submitted 2026-03-01 12:05 UTC; due 2026-03-01 09:00 UTC: <strong>3 h 5 min late</strong>, "
            "late penalty 1.5.") in page
    assert "due 2026-03-01 09:00 UTC: on time." in _feedback(course, "alice")
    assert "Score: <strong>6 / 6</strong>." in _feedback(course, "alice")


def test_feedback_tells_not_attempted_and_restored_tests(course):
    assert "Not attempted" in _feedback(course, "bob")
    assert "Not attempted" not in _feedback(course, "alice")
    page = _feedback(course, "carol")
    assert "Test cells edited and restored" in page and "double: test_times2_visible (changed)" in page
    assert "Test cells edited and restored" not in _feedback(course, "alice")


def test_feedback_escapes_what_grading_recorded(course):
    page = _feedback(course, "dave")
    assert "Hint: You returned x itself; multiply it. &lt;b&gt;not bold&lt;/b&gt; times2_" in page
    assert "<b>" not in page
    assert "Grading note (timed out): timed out &lt;i&gt;why&lt;/i&gt;" in _feedback(course, "erin")


def test_report_table_from_the_gradebook(course):
    page = (course.reports_dir / TINY / "report.html").read_text(encoding="utf-8")
    # student, status, raw score, late penalty, score, submitted, late by
    assert rows(page, "students") == [
        ["alice", "graded", "6", "", "6 / 6", "2026-03-01 08:00 UTC", "on time"],
        ["bob", "not attempted", "0", "", "0 / 6", "2026-03-01 08:55 UTC", "on time"],
        ["carol", "test cells edited and restored", "6", "", "6 / 6", "2026-03-01 09:00 UTC", "on time"],
        ["dave", "graded", "4", "1.5", "2.5 / 6", "2026-03-01 12:05 UTC", "3 h 5 min"],
        ["erin", "timed out", "3", "", "3 / 6", "2026-02-28 09:00 UTC", "on time"]]
    assert rows(page, "summary") == [["5", "3.50", "3", "0", "6"]]     # 6, 0, 6, 2.5, 3
    exercises = rows(page, "exercises")
    # the heading above the exercise, its id below; full points on double from alice, carol and erin
    assert exercises[0][:2] == ["double" + "times2_solution", "60%"] and "not bold" in exercises[0][2]
    assert "&lt;b&gt;not bold&lt;/b&gt; times2_" in page and "times2_returned_its_input (1)" in page


def test_students_csv_has_the_table_with_lateness(course):
    import csv

    with open(course.reports_dir / TINY / "students.csv", newline="", encoding="utf-8") as fh:
        got = {r["student"]: r for r in csv.DictReader(fh)}
    assert got["dave"] == {"student": "dave", "name": "", "status": "graded", "raw_score": "4",
                           "late_submission_penalty": "1.5", "score": "2.5", "max_score": "6",
                           "submitted": "2026-03-01 12:05 UTC", "due": "2026-03-01 09:00 UTC",
                           "seconds_late": str(3 * 3600 + 5 * 60), "instructor_changes": ""}
    assert (got["bob"]["status"], got["bob"]["seconds_late"]) == ("not attempted", "0")


def _copy(course: Course, tmp_path: Path) -> Course:
    shutil.copytree(course.repo, tmp_path / "repo")
    shutil.copytree(course.workspace, tmp_path / "ws")
    return Course(repo=tmp_path / "repo", workspace=tmp_path / "ws")


def test_a_course_overrides_templates_workspace_first(course, tmp_path):
    mine = _copy(course, tmp_path)
    args = ["--repo", str(mine.repo), "--workspace", str(mine.workspace)]
    (mine.repo / "templates").mkdir()
    (mine.repo / "templates" / "base.html").write_text(
        '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}'
        '</title><style>body{color:#123456}</style></head><body>{% block body %}{% endblock %}</body></html>\n')
    (mine.repo / "templates" / "feedback.html").write_text("repo feedback, never used: the workspace's wins\n")
    (mine.workspace / "templates").mkdir()
    (mine.workspace / "templates" / "feedback.html").write_text(
        '{% extends "base.html" %}{% block title %}피드백{% endblock %}'
        "{% block body %}<h1>{{ assignment }} 피드백: {{ sub.student }}</h1>"
        "<p>점수 {{ sub.score|points }} / {{ sub.max_score|points }}</p>{% endblock %}\n", encoding="utf-8")
    assert main(["feedback", TINY, *args]) == 0 and main(["report", TINY, *args]) == 0
    page = (mine.feedback_dir / "dave" / TINY / "feedback.html").read_text(encoding="utf-8")
    assert "<h1>tiny 피드백: dave</h1><p>점수 2.5 / 6</p>" in page and "body{color:#123456}" in page
    report = (mine.reports_dir / TINY / "report.html").read_text(encoding="utf-8")
    assert "body{color:#123456}" in report and 'lang="ko"' in report    # the course's frame, the built-in body
    assert "<h1>Report on tiny</h1>" in report


def test_a_broken_course_template_is_one_line_naming_the_file(course, tmp_path, capsys):
    mine = _copy(course, tmp_path)
    (mine.workspace / "templates").mkdir()
    (mine.workspace / "templates" / "report.html").write_text("{% if %}\n")
    assert main(["report", TINY, "--repo", str(mine.repo), "--workspace", str(mine.workspace)]) == 3
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(mine.workspace / "templates" / "report.html") in err


def test_templates_ship_as_package_data():
    """Every built-in template is matched by pyproject's package-data, so a wheel carries it."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: the same parser, as pip vendors it
        from pip._vendor import tomli as tomllib
    from autograder.pipeline import pages

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    package = pages.__name__.rpartition(".")[0]          # the package holding templates/
    assert package in config["packages"]
    patterns = config.get("package-data", {}).get(package, [])
    shipped = {p for pattern in patterns for p in (root / package.replace(".", "/")).glob(pattern)}
    templates = set(pages.PACKAGE_TEMPLATES.iterdir())
    assert templates and templates <= shipped, sorted(str(t) for t in templates - shipped)


# ---------------------------------------------------------------------------
# in the browser

_bw_spec = importlib.util.spec_from_file_location("_browser_widget", Path(__file__).with_name("test_browser_widget.py"))
_bw = importlib.util.module_from_spec(_bw_spec)
_bw_spec.loader.exec_module(_bw)
WIDTH = 1280


@pytest.fixture(scope="module")
def browser():
    driver = _bw.make_driver()
    driver.set_page_load_timeout(60)
    driver.set_window_size(WIDTH, 900)
    yield driver
    driver.quit()


def _open(browser, url: str) -> None:
    """Load ``url`` and wait until every image has finished loading (or failed)."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get_log("performance")
    browser.get_log("browser")
    browser.get(url)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && [...document.images].every(i => i.complete)"))


def _assert_fits(browser, url: str) -> None:
    inner, scroll, client = browser.execute_script(
        "const e = document.documentElement; return [window.innerWidth, e.scrollWidth, e.clientWidth]")
    assert inner == WIDTH, f"the window is {inner} px wide, not {WIDTH}"
    assert scroll <= client, f"{url} scrolls sideways at {WIDTH} px: content {scroll} px, window {client} px"


@pytest.mark.browser
def test_report_renders_in_chromium(course, browser):
    from selenium.webdriver.common.by import By

    with _bw.serve(course.reports_dir / TINY) as base:
        url = f"{base}/report.html"
        _open(browser, url)
        assert len(browser.find_elements(By.CSS_SELECTOR, "#students tbody tr")) == len(STUDENTS)
        images = browser.find_elements(By.TAG_NAME, "img")
        assert sorted(i.get_attribute("src").rsplit("/", 1)[-1] for i in images) == \
            ["mistakes.png", "pass_rates.png", "scores.png"]
        for image in images:
            width = browser.execute_script("return arguments[0].naturalWidth", image)
            assert width > 0, f"{image.get_attribute('src')} did not load"
        _assert_fits(browser, url)
        _bw.assert_clean(browser, url)
        browser.save_screenshot(str(_bw.artifacts_dir() / "report.png"))


@pytest.mark.browser
def test_feedback_renders_in_chromium(course, browser):
    from selenium.webdriver.common.by import By

    with _bw.serve(course.feedback_dir) as base:
        url = f"{base}/dave/{TINY}/feedback.html"
        _open(browser, url)
        assert len(browser.find_elements(By.CSS_SELECTOR, "tbody tr")) == 4     # four graded cells
        assert browser.find_element(By.CSS_SELECTOR, ".hint").text.startswith("Hint: You returned x itself")
        _assert_fits(browser, url)
        _bw.assert_clean(browser, url)
        browser.save_screenshot(str(_bw.artifacts_dir() / "feedback.png"))
