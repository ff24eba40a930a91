"""One score everywhere, every roster student in the report, and the instructor's hand, through the CLI.

ps1_graphs is graded for real (the course's judge, in the sandbox) for the seven
students of tests/ps1_course.py, a course in Asia/Seoul. Then the instructor's
verbs run as an instructor types them: an extension, a cell's points and a late
penalty set by hand, comments, a regrade, and a change made in nbgrader's
formgrader (through nbgrader's API, as formgrader's handlers make it). Expected
numbers are worked out here from the assignment's points (read from the source
notebook) and course.yml's policy.
"""
from __future__ import annotations

import contextlib
import html
import importlib.util
import io
import re
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.config import Course
from autograder.pipeline.gradebook import open_gradebook

_spec = importlib.util.spec_from_file_location("ps1_course", Path(__file__).with_name("ps1_course.py"))
P = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(P)
A, NB, ROOT, FULL, FAN_OUT, POINTS = P.A, P.NB, P.ROOT, P.FULL, P.FAN_OUT, P.POINTS
AUTOGRAD_TEST, FAN_OUT_TEST = P.AUTOGRAD_TEST, P.FAN_OUT_TEST
_num, _csv, _cells = P.num, P.read_csv, P.cells


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Seven roster students, six submissions (ps1_course.SENT), not graded yet."""
    return P.workspace(tmp_path_factory.mktemp("hand"))


@pytest.fixture(scope="module")
def printed(graded):
    """What grade printed."""
    course, _, common = graded
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["grade", A, *common]) == 0
    return out.getvalue()


def test_grade_prints_raw_score_late_penalty_and_score(printed):
    late = round(FULL * 0.3, 6)
    assert re.search(rf"^s02 +score {_num(FULL - late)} / {_num(FULL)} \(raw score {_num(FULL)}, late penalty "
                     rf"{_num(late)}\) +graded", printed, re.M), printed
    assert re.search(rf"^s01 +score {_num(FULL)} / {_num(FULL)} +graded", printed, re.M), printed


def test_every_file_and_page_says_the_same_score(graded, printed):
    course, roster, common = graded
    assert main(["report", A, "--roster", str(roster), *common]) == 0
    assert main(["feedback", A, *common]) == 0
    late = FULL * 0.3
    want = {"raw_score": _num(FULL), "late_submission_penalty": _num(late), "score": _num(FULL - late),
            "max_score": _num(FULL)}
    grades = {r["student"]: r for r in _csv(course.reports_dir / A / "grades.csv")}
    students = {r["student"]: r for r in _csv(course.reports_dir / A / "students.csv")}
    for row in (grades["s02"], students["s02"]):
        assert {k: row[k] for k in want} == want
    assert grades["s03"]["score"] == _num(FULL - FAN_OUT) and grades["s05"]["raw_score"] == "0"
    page = (course.reports_dir / A / "report.html").read_text(encoding="utf-8")
    s02 = next(r for r in _cells(page, "students") if r[0] == "s02")
    assert s02[3:6] == [_num(FULL), _num(late), f"{_num(FULL - late)} / {_num(FULL)}"]
    feedback = (course.feedback_dir / "s02" / A / "feedback.html").read_text(encoding="utf-8")
    assert (f"Score: <strong>{_num(FULL - late)} / {_num(FULL)}</strong> (raw score {_num(FULL)}, "
            f"late penalty {_num(late)}).") in feedback
    # the time in the course's zone, named: 01:00 UTC is 10:00 in Seoul
    assert "Submitted 2026-09-17 10:00 KST; due 2026-09-14 23:59 KST: <strong>2 d 10 h late</strong>" in feedback


def test_report_lists_every_roster_student_and_how_many_sent_nothing(graded, printed):
    course, roster, common = graded
    assert main(["report", A, "--roster", str(roster), *common]) == 0
    page = (course.reports_dir / A / "report.html").read_text(encoding="utf-8")
    table = _cells(page, "students")
    assert [(r[0], r[1]) for r in table] == [("s01", "김민수"), ("s02", "Lee Jiwoo"), ("s03", "박서준"),
                                            ("s04", "Ada Absent"), ("s05", "최유나"), ("s06", "Omar Haddad"),
                                            ("s07", "Zoe Müller")]
    assert table[3][2:5] == ["not submitted", "", ""] and table[3][5].startswith("no grade")
    counts = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", re.search(r'<p id="counts">(.*?)</p>', page, re.S)[1]))
    assert counts.startswith("7 students on the roster: 6 graded, 1 sent nothing (s04).")
    scores = [FULL, FULL * 0.7, FULL - FAN_OUT, 0, FULL * 0.9, FULL * 0.9]
    summary = _cells(page, "summary")
    assert summary[0][:2] == ["6", f"{sum(scores) / 6:.2f}"]
    assert summary[1][:2] == ["7", f"{sum(scores) / 7:.2f}"]      # s04 counted as 0 on the whole roster
    students = {r["student"]: r for r in _csv(course.reports_dir / A / "students.csv")}
    assert (students["s04"]["status"], students["s04"]["score"]) == ("not submitted", "")


@pytest.fixture(scope="module")
def handled(graded, printed):
    """The instructor's verbs, in the order an instructor might use them; returns what each printed."""
    course, roster, common = graded
    said = {}

    def run(name, *argv):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main([*argv, *common])
        said[name] = (code, out.getvalue())

    run("extend", "extend", A, "--student", "s02", "--due", "2026-09-18 23:59", "--reason", "hospital stay, note seen")
    run("cell", "override", A, "--student", "s03", "--cell", FAN_OUT_TEST, "--score", "1",
        "--reason", "right idea, sign slip in dy")
    run("penalty", "override", A, "--student", "s06", "--penalty", "0.5", "--reason", "upload failed; email at 00:20")
    run("comment", "comment", A, "--student", "s01", "--text", "Clear and correct throughout.")
    run("exercise comment", "comment", A, "--student", "s03", "--exercise", "fan_out",
        "--text", "Add both paths into dx.")
    # a grader changes s07's autograd points in nbgrader's formgrader, as its GradeHandler does
    # and writes s07 a comment on the autograd exercise, as its CommentHandler does
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        grade = gb.find_grade(AUTOGRAD_TEST, NB, A, "s07")
        grade.manual_score, grade.needs_manual_grade = 1.0, False
        gb.find_comment("autograd", NB, A, "s07").manual_comment = "Topological order is missing."
        gb.db.commit()
        gb.grant_extension(A, "s01", days=2)      # nbgrader's own API: no reason, no time recorded
    run("report", "report", A, "--roster", str(roster))
    run("regrade", "regrade", A, "--student", "s06", "--reason", "judge updated")
    run("feedback", "feedback", A)
    run("report again", "report", A, "--roster", str(roster))
    return said


def _sub(course: Course, student: str) -> tuple[float, float]:
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        sub = gb.find_submission(A, student)
        return float(sub.score), float(sub.late_submission_penalty)


def test_every_verb_succeeds_and_says_what_it_did(handled):
    assert {name: code for name, (code, _) in handled.items()} == dict.fromkeys(handled, 0)
    assert handled["extend"][1].startswith(f"s02: due date extended to 2026-09-18 23:59 KST; now score "
                                           f"{_num(FULL)} / {_num(FULL)}")
    assert f"s03: points of {FAN_OUT_TEST} set to 1 (was 0); now score {_num(FULL - FAN_OUT + 1)}" in handled["cell"][1]


def test_extension_takes_the_penalty_away_at_once_and_survives(graded, handled):
    course, _, _ = graded
    assert _sub(course, "s02") == (FULL, 0)
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        assert str(gb.find_submission(A, "s02").duedate) == "2026-09-18 14:59:00"    # nbgrader's own field
    page = (course.feedback_dir / "s02" / A / "feedback.html").read_text(encoding="utf-8")
    assert "due 2026-09-18 23:59 KST (your extended due date): on time." in page
    changes = _cells(page, "changes")
    assert changes[0][1:] == ["due date extended to 2026-09-18 23:59 KST", "hospital stay, note seen",
                              "backprop-grader extend ps1_graphs --student s02 --due '2026-09-18 23:59' --reason "
                              f"'hospital stay, note seen' --repo {ROOT} --workspace {course.workspace}"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d KST", changes[0][0])


def test_a_cell_override_changes_the_raw_score_and_shows_where(graded, handled):
    course, _, _ = graded
    assert _sub(course, "s03") == (FULL - FAN_OUT + 1, 0)
    page = (course.feedback_dir / "s03" / A / "feedback.html").read_text(encoding="utf-8")
    most = _num(POINTS["fan_out"][FAN_OUT_TEST])
    assert f"1 / {most}<br><small>set by your instructor; the autograder gave 0</small>" in page.replace("\n", "")
    assert _cells(page, "changes")[0][1:3] == [f"points of {FAN_OUT_TEST} set to 1 (was 0)",
                                               "right idea, sign slip in dy"]
    comments = re.search(r'<ul id="comments">(.*?)</ul>', page, re.S)[1]
    assert re.fullmatch(r'\s*<li class="free">On [^<]+: Add both paths into dx.</li>\s*', comments), comments


def test_a_penalty_override_survives_a_regrade(graded, handled):
    course, _, _ = graded
    assert _sub(course, "s06") == (FULL, 0.5)       # the policy's 10 % would be FULL / 10
    page = (course.feedback_dir / "s06" / A / "feedback.html").read_text(encoding="utf-8")
    rows = _cells(page, "changes")
    assert [r[1] for r in rows] == [f"late penalty set to 0.5 (was {_num(FULL * 0.1)})",
                                    f"graded again: score {_num(FULL - 0.5)} / {_num(FULL)} (raw score {_num(FULL)}, "
                                    f"late penalty 0.5) before, score {_num(FULL - 0.5)} / {_num(FULL)} (raw score "
                                    f"{_num(FULL)}, late penalty 0.5) after"]
    assert [r[2] for r in rows] == ["upload failed; email at 00:20", "judge updated"]


def test_comments_reach_the_student(graded, handled):
    course, _, _ = graded
    page = (course.feedback_dir / "s01" / A / "feedback.html").read_text(encoding="utf-8")
    assert "<h2>Comments from your instructor</h2>" in page and "Clear and correct throughout." in page


def test_a_formgrader_change_is_noticed_with_its_command_and_the_penalty_follows(graded, handled):
    course, roster, common = graded
    raw = FULL - POINTS["autograd"][AUTOGRAD_TEST] + 1
    assert _sub(course, "s07") == pytest.approx((raw, raw * 0.1))      # 10 % of the new raw score
    rows = _csv(course.reports_dir / A / "changes.csv")
    noticed = [r for r in rows if r["student"] == "s07"]
    # noticed once, by the first report, not again by feedback or the second report
    assert [(r["what"], r["target"]) for r in noticed] == [("formgrader score", f"{NB}:{AUTOGRAD_TEST}"),
                                                          ("formgrader comment", f"{NB}:autograd")]
    assert (noticed[0]["old"], noticed[0]["new"]) == (_num(POINTS["autograd"][AUTOGRAD_TEST]), "1")
    assert noticed[0]["command"].startswith(f"backprop-grader report {A} --roster")
    assert "made in nbgrader" in noticed[0]["reason"]
    page = html.unescape((course.feedback_dir / "s07" / A / "feedback.html").read_text(encoding="utf-8"))
    assert f"points of {AUTOGRAD_TEST} set to 1 in nbgrader's formgrader" in page
    assert re.search(r'<li class="free">On [^<]+: Topological order is missing.</li>', page)


def test_an_extension_given_with_nbgraders_api_is_noticed_and_kept(graded, handled):
    course, _, _ = graded
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        assert str(gb.find_submission(A, "s01").duedate) == "2026-09-16 14:59:00"
    noticed = [r for r in _csv(course.reports_dir / A / "changes.csv") if r["student"] == "s01" and
               r["what"] == "extension"]
    assert len(noticed) == 1 and noticed[0]["change"] == "due date extended to 2026-09-16 23:59 KST"
    assert "made in nbgrader" in noticed[0]["reason"] and noticed[0]["command"].startswith("backprop-grader report")


def test_report_shows_the_trail_per_student(graded, handled):
    course, _, _ = graded
    students = {r["student"]: r for r in _csv(course.reports_dir / A / "students.csv")}
    assert "due date extended to 2026-09-18 23:59 KST (hospital stay, note seen)" in students["s02"]["instructor_changes"]
    assert students["s02"]["late_submission_penalty"] == "0"
    page = (course.reports_dir / A / "report.html").read_text(encoding="utf-8")
    assert "backprop-grader override ps1_graphs --student s06 --penalty 0.5" in page


def test_verbs_refuse_what_they_cannot_back(graded, handled, capsys):
    course, _, common = graded
    cases = [
        (["override", A, "--student", "s04", "--penalty", "0", "--reason", "x"], 2, "no graded submission"),
        (["override", A, "--student", "s01", "--cell", "no_such_cell", "--score", "1", "--reason", "x"], 2,
         "no graded cell 'no_such_cell'"),
        (["override", A, "--student", "s01", "--cell", FAN_OUT_TEST, "--score", "99", "--reason", "x"], 2,
         f"outside 0..{_num(POINTS['fan_out'][FAN_OUT_TEST])}"),
        (["extend", A, "--student", "s01", "--due", "2026-09-01 23:59", "--reason", "x"], 2, "is not after"),
        (["override", A, "--student", "s01", "--cell", FAN_OUT_TEST, "--reason", "x"], 2, "--cell needs --score"),
    ]
    for argv, code, message in cases:
        assert main([*argv, *common]) == code, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    with pytest.raises(SystemExit):      # argparse: a change without a reason is not taken
        main(["override", A, "--student", "s01", "--penalty", "0", *common])
