"""export through the CLI on a graded ps1_graphs: one score, no grade for nothing sent, refusals, Moodle in any language.

The seven students of tests/ps1_course.py are graded for real once, s02 with an
extension given before grading, so grading must apply it and the trail must reach
the export. The Moodle
worksheets are written the way Moodle writes them in English, Korean and German
(headers from Moodle's language packs: ``recordid``, ``grade``, ``maxgrade``,
``lastmodifiedgrade``, the comments plugin's name; identifiers with the
translated ``hiddenuser`` prefix, 참가자 and Teilnehmer/in; dates in each
language; a German decimal comma), with one participant who is not on the
roster. Moodle's importer reads columns by those translated names
(mod/assign/feedback/offline/importgradeslib.php), so the export must hand each
worksheet back with its own header and identifiers. Expected numbers come from
the assignment's points and course.yml's policy (10 % per started day late).
"""
from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.config import Course

_spec = importlib.util.spec_from_file_location("ps1_course", Path(__file__).with_name("ps1_course.py"))
P = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(P)
A, FULL, FAN_OUT, num = P.A, P.FULL, P.FAN_OUT, P.num
REASON = "hospital stay, note seen"
#: What each roster student's score is after grading and s02's extension (None: no grade).
SCORES = {"s01": FULL, "s02": FULL, "s03": FULL - FAN_OUT, "s04": None, "s05": 0.0,
          "s06": FULL - FULL * 0.1, "s07": FULL - FULL * 0.1}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    course, roster, common = P.workspace(root)
    with contextlib.redirect_stdout(io.StringIO()):
        # given before grading, as extensions usually are: grading applies it (nbgrader's extension field)
        assert main(["extend", A, "--student", "s02", "--due", "2026-09-18 23:59", "--reason", REASON, *common]) == 0
        assert main(["grade", A, *common]) == 0
    return course, roster, common, root


def _export(common: list[str], roster: Path, *options: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["export", A, "--roster", str(roster), *options, *common])
    return code, out.getvalue(), err.getvalue()


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _copy(course: Course, root: Path, name: str) -> tuple[Course, list[str]]:
    mine = Course(repo=course.repo, workspace=root / name)
    shutil.copytree(course.workspace, mine.workspace)
    return mine, ["--repo", str(mine.repo), "--workspace", str(mine.workspace)]


def test_canvas_gets_the_score_and_no_grade_for_who_sent_nothing(graded):
    course, roster, common, _ = graded
    code, out, err = _export(common, roster, "--lms", "canvas", "--title", "PS1 Graphs (48213)")
    assert (code, err) == (0, "")
    assert "1 sent nothing (s04): exported as no grade (give --missing-as-zero to export 0)" in out
    rows = _rows(course.reports_dir / A / f"{A}-canvas.csv")
    assert rows[:2] == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "PS1 Graphs (48213)"],
                        ["Points Possible", "", "", "", "", num(FULL)]]
    assert [(r[0], r[1], r[5]) for r in rows[2:]] == [
        ("김민수", "2001", num(SCORES["s01"])), ("Lee Jiwoo", "2002", num(SCORES["s02"])),
        ("박서준", "2003", num(SCORES["s03"])), ("Ada Absent", "2004", ""), ("최유나", "2005", "0"),
        ("Omar Haddad", "2006", num(SCORES["s06"])), ("Zoe Müller", "2007", num(SCORES["s07"]))]
    code, out, _ = _export(common, roster, "--lms", "canvas", "--title", "PS1 Graphs (48213)", "--missing-as-zero")
    assert code == 0 and "exported as 0 (--missing-as-zero)" in out
    assert _rows(course.reports_dir / A / f"{A}-canvas.csv")[5][5] == "0"


def test_the_side_files_carry_the_score_parts_and_the_trail(graded):
    course, roster, common, _ = graded
    assert _export(common, roster, "--lms", "canvas")[0] == 0
    late = {r["id"]: r for r in P.read_csv(course.reports_dir / A / f"{A}-lateness.csv")}
    assert {k: late["s06"][k] for k in ("raw_score", "late_submission_penalty", "score", "max_score", "submitted",
                                        "due", "seconds_late")} == {
        "raw_score": num(FULL), "late_submission_penalty": num(FULL * 0.1), "score": num(SCORES["s06"]),
        "max_score": num(FULL), "submitted": "2026-09-15 12:00 KST", "due": "2026-09-14 23:59 KST",
        "seconds_late": str(12 * 3600 + 60)}
    assert late["s02"]["due"] == "2026-09-18 23:59 KST" and late["s02"]["late_submission_penalty"] == "0"
    assert re.fullmatch(rf"\d{{4}}-\d\d-\d\d \d\d:\d\d KST: due date extended to 2026-09-18 23:59 KST \({REASON}\)",
                        late["s02"]["instructor_changes"])
    assert (late["s04"]["status"], late["s04"]["score"]) == ("not submitted", "")
    trail = P.read_csv(course.reports_dir / A / f"{A}-changes.csv")
    assert [(r["student"], r["what"], r["reason"]) for r in trail] == [("s02", "extension", REASON)]
    assert trail[0]["command"].startswith(f"backprop-grader extend {A} --student s02 --due '2026-09-18 23:59'")


def test_a_column_or_worksheet_of_another_assignment_is_refused(graded, tmp_path):
    course, roster, _, _ = graded
    mine, common = _copy(course, tmp_path, "ws")
    shutil.rmtree(mine.reports_dir)
    code, _, err = _export(common, roster, "--lms", "canvas", "--title", "PS2 Layers (48214)")
    assert code == 2 and err.count("\n") == 1
    assert "the Canvas column 'PS2 Layers (48214)' is not ps1_graphs's (it says PS2, not PS1)" in err
    sheet = tmp_path / "Grades-CS101-PS3 Softmax-77.csv"
    sheet.write_text(WORKSHEETS["en"], encoding="utf-8")
    code, _, err = _export(common, roster, "--lms", "moodle", "--worksheet", str(sheet))
    assert code == 2 and "it says PS3, not PS1" in err
    assert not mine.reports_dir.exists()


def test_nothing_graded_is_refused(tmp_path):
    course, roster, common = P.workspace(tmp_path)
    code, out, err = _export(common, roster, "--lms", "canvas")
    assert (code, out) == (3, "") and err.count("\n") == 1 and "nothing graded yet for 'ps1_graphs'" in err
    assert not course.reports_dir.exists()


def test_a_submission_collected_but_not_graded_is_refused(graded, tmp_path):
    course, roster, _, _ = graded
    mine, common = _copy(course, tmp_path, "ws")
    late = mine.submitted_dir / "s04" / A
    late.mkdir(parents=True)
    nbformat.write(P.notebook("perfect"), late / "graphs.ipynb")
    (late / "timestamp.txt").write_text("2026-09-20 01:00:00 UTC\n")
    (mine.submitted_dir / "s01" / A / "timestamp.txt").write_text("2026-09-14 06:00:00 UTC\n")   # collected again
    code, _, err = _export(common, roster, "--lms", "canvas")
    assert code == 3 and err.count("\n") == 1
    assert "2 collected submissions of ps1_graphs have no grade for their current files (s01, s04)" in err


WORKSHEETS = {
    "en": ("Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
           "Last modified (submission),Last modified (grade),Feedback comments\n"
           "Participant 3001,김민수,minsu@uni.kr,Submitted for grading,,{max},Yes,"
           '"Monday, 14 September 2026, 2:00 PM",-,\n'
           "Participant 3004,Ada Absent,ada@uni.kr,No submission,,{max},Yes,-,-,\n"
           "Participant 3006,Omar Haddad,omar@uni.kr,Submitted for grading,,{max},Yes,"
           '"Tuesday, 15 September 2026, 12:00 PM",-,\n'
           "Participant 3099,Test Student,test@uni.kr,No submission,,{max},Yes,-,-,\n"),
    "ko": ("식별자,성명,이메일 주소,상태,성적,최대 성적,성적 변경 가능,마지막 수정됨(제출),마지막 수정됨(성적),피드백 코멘트\n"
           '참가자3001,김민수,minsu@uni.kr,채점을 위해 제출되었습니다.,,{max},예,"2026년 9월 14일 월요일 오후 2:00",-,\n'
           "참가자3004,Ada Absent,ada@uni.kr,제출물 없음,,{max},예,-,-,\n"
           '참가자3006,Omar Haddad,omar@uni.kr,채점을 위해 제출되었습니다.,,{max},예,"2026년 9월 15일 화요일 오후 12:00",-,\n'
           "참가자3099,테스트 학생,test@uni.kr,제출물 없음,,{max},예,-,-,\n"),
    "de": ('ID,"Vollständiger Name",E-Mail-Adresse,Status,Bewertung,Bestwertung,"Bewertung kann geändert werden",'
           '"Zuletzt geändert (Abgabe)","Zuletzt geändert (Bewertung)","Feedback als Kommentar"\n'
           'Teilnehmer/in3001,"김민수",minsu@uni.kr,"Zur Bewertung abgegeben",,"{max}",Ja,'
           '"Montag, 14. September 2026, 14:00",-,\n'
           'Teilnehmer/in3004,"Ada Absent",ada@uni.kr,"Keine Abgabe",,"{max}",Ja,-,-,\n'
           'Teilnehmer/in3006,"Omar Haddad",omar@uni.kr,"Zur Bewertung abgegeben - 12 Stunden zu spät",,"{max}",Ja,'
           '"Dienstag, 15. September 2026, 12:00",-,\n'
           'Teilnehmer/in3099,"Test Student",test@uni.kr,"Keine Abgabe",,"{max}",Ja,-,-,\n'),
}


def _worksheet(root: Path, language: str, maximum: float = FULL) -> Path:
    text = f"{maximum:.2f}".replace(".", ",") if language == "de" else f"{maximum:.2f}"
    path = root / f"Grades-CS101-PS1 Graphs-42-{language}.csv"
    path.write_text(WORKSHEETS[language].replace("{max}", text), encoding="utf-8")
    return path


@pytest.mark.parametrize("language", ["en", "ko", "de"])
def test_moodle_gets_its_own_worksheet_back_in_its_own_language(graded, language, tmp_path):
    course, roster, common, _ = graded
    sheet = _worksheet(tmp_path, language)
    code, out, err = _export(common, roster, "--lms", "moodle", "--worksheet", str(sheet))
    assert (code, err) == (0, "")
    sent = _rows(sheet)
    got = _rows(course.reports_dir / A / f"{A}-moodle.csv")
    assert got[0] == sent[0]                                   # Moodle's own column names, untouched
    assert [r[0] for r in got[1:]] == [r[0] for r in sent[1:]]   # its identifiers, prefix and all
    two = (lambda x: f"{x:.2f}".replace(".", ",")) if language == "de" else (lambda x: f"{x:.2f}")
    kim, ada, omar, stranger = got[1:]
    assert (kim[4], omar[4]) == (two(SCORES["s01"]), two(SCORES["s06"]))
    assert ada == sent[2] and stranger == sent[4]              # no grade, not ours: as Moodle wrote them
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+09:00", kim[8])   # strtotime reads it; course zone
    assert kim[9] == f"score {num(FULL)} / {num(FULL)}"
    assert omar[9] == (f"score {num(SCORES['s06'])} / {num(FULL)} (raw score {num(FULL)}, late penalty "
                       f"{num(FULL * 0.1)}); submitted 2026-09-15 12:00 KST, 12 h 1 min after the due date "
                       f"2026-09-14 23:59 KST")
    for row in (kim, omar):   # the other columns as downloaded
        assert row[:4] + row[5:8] == sent[got.index(row)][:4] + sent[got.index(row)][5:8]
    # roster students the worksheet does not hold are named, not silently dropped
    assert "s02: no Moodle participant id" in out and "s04" not in out.split("sent nothing")[0]


def test_moodle_with_another_maximum_grade_is_refused(graded, tmp_path):
    _, roster, common, _ = graded
    code, _, err = _export(common, roster, "--lms", "moodle", "--worksheet", str(_worksheet(tmp_path, "en", 100)))
    assert code == 2 and err.count("\n") == 1
    assert f"the Moodle assignment's maximum grade is 100 (column 'Maximum Grade'" in err
    assert f"this assignment's is {num(FULL)}" in err


def test_moodle_without_any_participant_id_is_an_error_not_an_empty_file(graded, tmp_path):
    course, roster, _, _ = graded
    mine, common = _copy(course, tmp_path, "ws")
    shutil.rmtree(mine.reports_dir, ignore_errors=True)
    other = tmp_path / "Grades-CS102-PS1 Graphs-43.csv"
    other.write_text("Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
                     "Last modified (submission),Last modified (grade),Feedback comments\n"
                     f"Participant 9001,Someone Else,else@other.kr,No submission,,{FULL:.2f},Yes,-,-,\n",
                     encoding="utf-8")
    code, _, err = _export(common, roster, "--lms", "moodle", "--worksheet", str(other))
    assert code == 3 and err.count("\n") == 1 and "no roster student has a Moodle participant id" in err
    assert not (mine.reports_dir / A / f"{A}-moodle.csv").exists()


def test_a_moodle_scale_is_refused_with_the_reason(graded, tmp_path):
    _, roster, common, _ = graded
    scale = tmp_path / "Bewertungen-CS101-PS1 Graphs-42.csv"
    scale.write_text('ID,"Vollständiger Name",E-Mail-Adresse,Status,Bewertung,Skala,"Bewertung kann geändert werden",'
                     '"Zuletzt geändert (Abgabe)","Zuletzt geändert (Bewertung)","Feedback als Kommentar"\n'
                     'Teilnehmer/in3001,"김민수",minsu@uni.kr,"Zur Bewertung abgegeben",,'
                     '"nicht bestanden    bestanden",Ja,"Montag, 14. September 2026, 14:00",-,\n', encoding="utf-8")
    code, _, err = _export(common, roster, "--lms", "moodle", "--worksheet", str(scale))
    assert code == 3 and "graded by points (not a scale)" in err
