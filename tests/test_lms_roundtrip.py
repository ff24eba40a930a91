"""Canvas and Moodle round trips on the tiny course: download -> collect -> grade -> export.

Grading is real (nbgrader in the sandbox, the tiny judge). Lateness comes from
course.yml's due date through nbgrader's own mechanism: collect writes the
submission time to timestamp.txt, grade stores the due date in the gradebook,
nbgrader computes ``total_seconds_late`` and its ``AssignLatePenalties`` asks
``CourseLatePenalty`` for the penalty. The export files are checked cell by
cell against the import formats: Canvas's gradebook importer
(``app/models/gradebook_importer.rb``: first header cells "Student", "ID", then
SIS User ID, SIS Login ID, "Section" closing the student columns, an optional
"Points Possible" row) and Moodle's grading worksheet importer
(``mod/assign/feedback/offline/importgradeslib.php``: needs "Identifier" holding
"Participant <id>", "Grade" and "Last modified (grade)").
"""
from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.checks.samples import TINY, tiny_course
from autograder.cli import main
from autograder.config import Course
from autograder.pipeline.gradebook import open_gradebook
from autograder.pipeline.release import release

RIGHT = {"double": "def times2(x):\n    return 2 * x", "triple": "def times3(x):\n    return 3 * x"}
COURSE_YML = "timezone: Asia/Seoul\ndue:\n  tiny: 2026-09-10 23:59\nlate:\n  percent_per_day: 25\n"
ROSTER = ("id,name,canvas_id,sis_id,section,email,username\n"
          "kms01,Kim Minsu,,S01,A,minsu@uni.kr,minsu\n"           # no canvas_id: the download gives it
          "lee.j,Jiwoo Lee,1003,S03,A,jiwoo@uni.kr,jlee\n"
          "absent1,Ada Absent,1009,S09,B,ada@uni.kr,\n")          # no login: never guessed
ON_TIME = (2026, 9, 10, 12, 0, 0)     # UTC; due 2026-09-10 23:59 in Seoul = 14:59 UTC
LATE_30H = (2026, 9, 11, 20, 59, 0)   # 30 hours late: 2 started days, 50 %


def _right(course: Course, name: str) -> bytes:
    nb = nbformat.read(course.release_dir / TINY / f"{name}.ipynb", as_version=4)
    nb.cells[1].source = RIGHT[name]
    return nbformat.writes(nb).encode()


def _zip(path: Path, files: dict[str, tuple[bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (data, when) in files.items():
            zf.writestr(zipfile.ZipInfo(name, when), data)
    return path


def _round_trip(root: Path, download: str, names: dict[str, tuple], collect_options: list[str] | None = None,
                before=None) -> tuple[Course, Path, list[str]]:
    """Course, course.yml and roster under ``root``; the download zipped with right answers; collect; grade.

    names: entry name -> (notebook, zip time). before(root) runs ahead of collect (e.g. to write a worksheet).
    """
    course = Course(repo=tiny_course(root / "repo"), workspace=root / "ws",
                    judge="autograder.checks.samples:tiny_judge")
    release(course)
    course.workspace.mkdir(parents=True)
    (course.workspace / "course.yml").write_text(COURSE_YML)
    roster = root / "roster.csv"
    roster.write_text(ROSTER)
    common = ["--repo", str(course.repo), "--workspace", str(course.workspace)]
    if before is not None:
        before(root)
    data = {nb: _right(course, nb) for nb in RIGHT}
    archive = _zip(root / download, {name: (data[nb], when) for name, (nb, when) in names.items()})
    assert main(["collect", TINY, str(archive), "--roster", str(roster), *(collect_options or []), *common]) == 0
    from autograder.pipeline.grade import grade
    grade(course, TINY)
    return course, roster, common


def _csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def canvas(tmp_path_factory):
    # Canvas's download holds no times (its zip entries carry the download's): the LATE one is read off
    # SpeedGrader and given, in Seoul time; the one Canvas does not mark LATE needs none
    return _round_trip(tmp_path_factory.mktemp("canvas"), "cs101-tiny submissions.zip", {
        "minsukim_1001_5001_double.ipynb": ("double", LATE_30H),
        "minsukim_1001_5002_triple.ipynb": ("triple", LATE_30H),
        "leejiwoo_LATE_1003_5003_double.ipynb": ("double", ON_TIME),
        "leejiwoo_LATE_1003_5004_triple.ipynb": ("triple", ON_TIME)}, ["--submitted-at", "lee.j=2026-09-12 05:59"])


def test_nbgrader_computes_lateness_and_applies_the_course_policy(canvas):
    course, _, _ = canvas
    with open_gradebook(course.gradebook_url, course.course_id) as gb:
        assert str(gb.find_assignment(TINY).duedate) == "2026-09-10 14:59:00"
        late, on_time = gb.find_submission(TINY, "lee.j"), gb.find_submission(TINY, "kms01")
        assert (late.total_seconds_late, late.score, late.late_submission_penalty) == (30 * 3600, 6, 3)
        assert (on_time.total_seconds_late, on_time.score, on_time.late_submission_penalty) == (0, 6, 0)
        assert str(late.timestamp) == "2026-09-11 20:59:00" and on_time.timestamp is None


def test_canvas_export_has_the_gradebook_import_shape(canvas, capsys):
    course, roster, common = canvas
    assert main(["export", TINY, "--lms", "canvas", "--roster", str(roster), "--title", "Tiny set (4711)",
                 *common]) == 0
    out = course.reports_dir / TINY / "tiny-canvas.csv"
    assert str(out) in capsys.readouterr().out
    rows = _csv(out)
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Tiny set (4711)"],
                    ["Points Possible", "", "", "", "", "6"],
                    ["Kim Minsu", "1001", "S01", "minsu", "A", "6"],
                    ["Jiwoo Lee", "1003", "S03", "jlee", "A", "3"],
                    ["Ada Absent", "1009", "S09", "", "B", ""]]     # sent nothing: Canvas's "no grade"
    # Canvas's importer: "Student" and "ID" open the header, "Section" closes the student columns
    header = rows[0]
    assert "Student" in header[0] and "ID" in header[1]
    assert re.match(r"SIS\s+User\s+ID", header[2]) and re.match(r"SIS\s+Login\s+ID", header[3])
    assert "Section" in header[4] and all(len(r) == len(header) for r in rows)
    late = _csv(course.reports_dir / TINY / "tiny-lateness.csv")
    assert late == [["id", "name", "status", "submitted", "due", "seconds_late", "raw_score",
                     "late_submission_penalty", "score", "max_score", "lms_late", "instructor_changes"],
                    # on time by Canvas's record, which holds no time: none is shown
                    ["kms01", "Kim Minsu", "graded", "", "2026-09-10 23:59 KST", "0", "6", "0",
                     "6", "6", "no", ""],
                    ["lee.j", "Jiwoo Lee", "graded", "2026-09-12 05:59 KST", "2026-09-10 23:59 KST", "108000", "6",
                     "3", "3", "6", "yes", ""],
                    ["absent1", "Ada Absent", "not submitted", "", "", "", "", "", "", "6", "", ""]]


WORKSHEET = "Grades-CS101-Tiny set-42.csv"     # as downloaded from Moodle before grading


def _write_worksheet(root: Path) -> None:
    (root / WORKSHEET).write_text(
        "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
        "Last modified (submission),Last modified (grade),Feedback comments\n"
        'Participant 2001,Kim Minsu,minsu@uni.kr,Submitted for grading,,6.00,Yes,'
        '"Friday, 11 September 2026, 5:59 AM",-,\n'
        "Participant 2005,Ada Absent,ada@uni.kr,No submission,,6.00,Yes,-,-,\n", encoding="utf-8")


@pytest.fixture(scope="module")
def moodle(tmp_path_factory):
    root = tmp_path_factory.mktemp("moodle")
    # the worksheet's submission time (5:59 AM in Seoul: 6 hours late) wins over the zip's (30 hours)
    course, roster, common = _round_trip(root, "CS101-Tiny set-42.zip", {
        "Kim Minsu_2001_assignsubmission_file/double.ipynb": ("double", LATE_30H),
        "Kim Minsu_2001_assignsubmission_file/triple.ipynb": ("triple", LATE_30H)},
        ["--worksheet", str(root / WORKSHEET)], before=_write_worksheet)
    return course, roster, common, root / WORKSHEET


def test_moodle_export_is_a_grading_worksheet(moodle, capsys):
    course, roster, common, worksheet = moodle
    assert main(["export", TINY, "--lms", "moodle", "--roster", str(roster), "--worksheet", str(worksheet),
                 *common]) == 0
    printed = capsys.readouterr().out
    assert "lee.j: no Moodle participant id (not in the download nor the worksheet)" in printed
    rows = _csv(course.reports_dir / TINY / "tiny-moodle.csv")
    assert rows[0] == ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                       "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
                       "Feedback comments"]
    graded_at = rows[1][8]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+09:00", graded_at)   # course.yml's zone
    # the worksheet's own rows, with grade, time graded and comment filled in; Ada sent nothing: no grade
    assert rows[1:] == [
        ["Participant 2001", "Kim Minsu", "minsu@uni.kr", "Submitted for grading", "4.50", "6.00", "Yes",
         "Friday, 11 September 2026, 5:59 AM", graded_at,
         "score 4.5 / 6 (raw score 6, late penalty 1.5); submitted 2026-09-11 05:59 KST, 6 h 0 min after the due "
         "date 2026-09-10 23:59 KST"],
        ["Participant 2005", "Ada Absent", "ada@uni.kr", "No submission", "", "6.00", "Yes", "-", "-", ""]]


def test_export_usage_errors_are_one_line(tmp_path, capsys):
    course = Course(repo=tiny_course(tmp_path / "repo"), workspace=tmp_path / "ws")
    common = ["--repo", str(course.repo), "--workspace", str(course.workspace)]
    ids = tmp_path / "ids.txt"
    ids.write_text("alice\nbob\n")
    assert main(["export", TINY, "--lms", "moodle", "--roster", str(ids), *common]) == 2
    assert "give it with --worksheet" in capsys.readouterr().err
    assert main(["export", TINY, "--lms", "canvas", "--roster", str(tmp_path / "none.csv"), *common]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read the roster" in err
    assert not (course.reports_dir / TINY).exists()
