"""Submission times come from a recorded fact, in the course's time zone, and lateness only from them.

A course in Seoul (due 2026-09-28 23:59 KST, 15 minutes' grace, 10 % per started day) meets the
downloads of a real term: a Blackboard download whose names carry the attempt times (in the
server's local time) and whose zip entries carry the download's; a Moodle download, which holds
no times at all, with its grading worksheet from a Korean Moodle; and a folder the instructor
copied, whose file times are the copy's. Everything goes through the CLI and real grading.
"""
from __future__ import annotations

import os
import re
from datetime import datetime, timezone

import pytest

COURSE = ("timezone: Asia/Seoul\ndue:\n  tiny: 2026-09-28 23:59\n"
          "late:\n  grace_minutes: 15\n  percent_per_day: 10\n")
ROSTER = ("id,name,email,username\n"
          "kms01,김민수,minsu@uni.kr,minsu\n"
          "park.j,Park Jiho,jpark@uni.kr,j_park\n"
          "lee.j,Jiwoo Lee,jiwoo@uni.kr,jlee\n")


def _receipt(name: str, user: str, stamp: str) -> bytes:
    """Blackboard's receipt beside each attempt's files, as its Assignment File Download writes it."""
    return (f"Name: {name} ({user})\nAssignment: Tiny set\nDate Submitted: {stamp}\nCurrent Grade: Needs Grading\n\n"
            f"Submission Field:\nThere is no student submission text data for this assignment.\n\n"
            f"Comments:\nThere are no student comments for this assignment.\n\nFiles:\n"
            f"\tOriginal filename: double.ipynb\n").encode()


def _row(rows: list[list[str]], student: str) -> list[str]:
    return next(r for r in rows if r and r[0] == student)


def test_blackboard_times_are_read_in_the_course_zone_grace_and_penalty_follow(term):
    t = term(COURSE, ROSTER)
    both = {nb: t.notebook(nb) for nb in ("double", "triple")}
    download = t.zip("gradebook_CS101_Tiny20set_2026-10-05-09-00-00.zip", {
        # 10 min 9 s late: inside the 15 minutes' grace, no penalty
        **{f"Tiny set_minsu_attempt_2026-09-29-00-09-09_{nb}.ipynb": data for nb, data in both.items()},
        "Tiny set_minsu_attempt_2026-09-29-00-09-09.txt": _receipt("김민수", "minsu", "29 September 2026 00:09:09"),
        # 30 hours late: two started days, 20 % of 6 points; the username holds an underscore
        **{f"Tiny set_j_park_attempt_2026-09-30-05-59-00_{nb}.ipynb": data for nb, data in both.items()},
        "Tiny set_j_park_attempt_2026-09-30-05-59-00.txt": _receipt("Park Jiho", "j_park", "30 September 2026"),
        # on time, and no receipt kept: the other receipts name the assignment, so 'jlee' is the username
        **{f"Tiny set_jlee_attempt_2026-09-28-21-00-00_{nb}.ipynb": data for nb, data in both.items()},
    })   # every zip entry carries the download's moment, 2026-10-05 09:00: a week late if it were believed
    code, out, err = t.cli("collect", "tiny", str(download), "--roster", str(t.roster))
    assert (code, err) == (0, "")
    assert ("  park.j: Park Jiho (Blackboard user j_park), matched by username; submitted 2026-09-30 05:59 KST "
            "(Blackboard's attempt time in the file name)") in out
    assert "  lee.j: Blackboard user jlee, matched by username; submitted 2026-09-28 21:00 KST" in out
    stamp = (t.course.submitted_dir / "kms01" / "tiny" / "timestamp.txt").read_text()
    assert stamp == "2026-09-29 00:09:09.000000 Asia/Seoul\n"

    rows = t.grade()
    assert {s: r.status for s, r in rows.items()} == {"kms01": "graded", "lee.j": "graded", "park.j": "graded"}
    assert t.submission("kms01")[1:] == (609, 6, 0)               # late, inside the grace: no penalty
    assert t.submission("park.j")[1:] == pytest.approx((30 * 3600, 6, 1.2))
    assert t.submission("lee.j")[1:] == (0, 6, 0)

    # every time the instructor and the students see is in Seoul's time, with the zone named
    assert t.cli("feedback", "tiny")[0] == 0
    page = (t.course.feedback_dir / "kms01" / "tiny" / "feedback.html").read_text()
    assert "Submitted 2026-09-29 00:09 KST; due 2026-09-28 23:59 KST: <strong>10 min late</strong>, no late " \
        "penalty" in page
    assert t.cli("report", "tiny")[0] == 0
    students = t.csv(t.course.reports_dir / "tiny" / "students.csv")
    assert {"2026-09-30 05:59 KST", "2026-09-28 23:59 KST"} <= set(_row(students, "park.j"))
    assert "KST" in (t.course.reports_dir / "tiny" / "report.html").read_text()
    assert "UTC" not in (t.course.reports_dir / "tiny" / "report.html").read_text()
    assert t.cli("export", "tiny", "--lms", "canvas", "--roster", str(t.roster))[0] == 0
    lateness = t.csv(t.course.reports_dir / "tiny" / "tiny-lateness.csv")
    assert "2026-09-29 00:09 KST" in _row(lateness, "kms01") and "1.2" in _row(lateness, "park.j")


def _copy(root, files: dict[str, bytes], mtime: float):
    """A folder as an instructor copies it: every file's time is the copy's."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (mtime, mtime))
    return root


def test_a_copied_folder_gives_no_time_collect_refuses_until_the_instructor_gives_one(term):
    t = term(COURSE, "alice\nbob\ncarol\n")
    both = {nb: t.notebook(nb) for nb in ("double", "triple")}
    eighty_days_late = datetime(2026, 12, 18, 9, 0, tzinfo=timezone.utc).timestamp()
    copies = _copy(t.root / "copied from the lab machines", {
        **{f"{s}/{nb}.ipynb": data for s in ("alice", "bob") for nb, data in both.items()},
        # nbgrader's own layout keeps the hand-in time beside the notebooks: that is a record
        **{f"carol/tiny/{nb}.ipynb": data for nb, data in both.items()},
        "carol/tiny/timestamp.txt": b"2026-09-28 12:30:00.000000 UTC\n"}, eighty_days_late)

    code, out, err = t.cli("collect", "tiny", str(copies), "--roster", str(t.roster))
    assert (code, out) == (8, "") and err.count("\n") == 1
    assert err.startswith("backprop-grader collect: error: no submission time for 2 students and tiny is due "
                          "2026-09-28 23:59 KST, so lateness would follow from a guess (alice: files copied from a "
                          "folder or zip: their times are not submission times; bob: ")
    assert "give --submitted-at ID=TIME for each (course time), --worksheet for Moodle, or --no-lateness" in err
    assert not t.course.submitted_dir.exists() and not (t.course.workspace / "lms").exists()

    code, out, _ = t.cli("collect", "tiny", str(copies), "--roster", str(t.roster),
                         "--submitted-at", "alice=2026-09-29 01:00", "--submitted-at", "bob=2026-09-28 20:00")
    assert code == 0
    assert "  alice: alice, matched by course id; submitted 2026-09-29 01:00 KST (--submitted-at)" in out
    assert "  carol: carol, matched by course id; submitted 2026-09-28 21:30 KST (timestamp.txt in the source)" in out
    t.grade()
    assert t.submission("alice")[1:] == pytest.approx((3660, 6, 0.6))   # an hour late: one started day, 10 %
    assert t.submission("bob")[1:] == (0, 6, 0) and t.submission("carol")[1:] == (0, 6, 0)

    # the instructor waives lateness for this copy: no time is kept, nbgrader charges nothing, alice is regraded
    code, out, _ = t.cli("collect", "tiny", str(copies), "--roster", str(t.roster), "--no-lateness")
    assert code == 0 and "  alice: alice, matched by course id; --no-lateness: no time recorded, no lateness" in out
    assert not (t.course.submitted_dir / "alice" / "tiny" / "timestamp.txt").exists()
    t.grade()
    assert t.submission("alice") == (None, 0, 6, 0)


SENT = "채점을 위해 제출되었습니다.,,6.00,예"
KOREAN_WORKSHEET = (   # a Korean Moodle's grading worksheet: its columns and dates in Korean
    "식별자,전체 이름,이메일 주소,상태,성적,최대 성적,성적 변경 가능,마지막 수정됨(제출),마지막 수정됨(성적),과제평\n"
    f'참가자 3101,김 민수,minsu@uni.kr,{SENT},"화요일, 29 9월 2026, 12:09 오전",-,\n'
    f'참가자 3102,Park Jiho,jpark@uni.kr,{SENT},"월요일, 28 9월 2026, 11:50 오후",-,\n'
    "참가자 3103,Jiwoo Lee,jiwoo@uni.kr,제출물 없음,,6.00,예,-,-,\n")


def test_moodle_download_needs_its_worksheet_a_korean_one_is_read(term):
    t = term(COURSE, ROSTER)
    both = {nb: t.notebook(nb) for nb in ("double", "triple")}
    download = t.zip("CS101-Tiny set-42.zip", {   # a Korean Moodle writes "last first": 김 민수
        **{f"김 민수_3101_assignsubmission_file/{nb}.ipynb": data for nb, data in both.items()},
        **{f"Park Jiho_3102_assignsubmission_file/{nb}.ipynb": data for nb, data in both.items()}})
    code, out, err = t.cli("collect", "tiny", str(download), "--roster", str(t.roster))
    assert code == 8 and "kms01: Moodle's download holds no submission times; give --worksheet" in err
    assert not t.course.submitted_dir.exists()

    sheet = t.write("Grades-CS101-Tiny set-42.csv", KOREAN_WORKSHEET)
    code, out, err = t.cli("collect", "tiny", str(download), "--roster", str(t.roster), "--worksheet", str(sheet))
    assert (code, err) == (0, "")
    assert ("  kms01: 김 민수 (Moodle participant 3101), matched by e-mail; submitted 2026-09-29 00:09 KST "
            "(the Moodle grading worksheet)") in out
    t.grade()
    assert t.submission("kms01")[1:] == (600, 6, 0)            # 10 minutes late, inside the grace
    assert t.submission("park.j")[1:] == (0, 6, 0)


GERMAN_WORKSHEET = (   # a German Moodle's: "ID", its prefix without a space, German dates
    'ID,"Vollständiger Name",E-Mail-Adresse,Status,Bewertung,Bestwertung,"Bewertung kann geändert werden",'
    '"Zuletzt geändert (Abgabe)","Zuletzt geändert (Bewertung)","Feedback als Kommentar"\n'
    'Teilnehmer/in3101,"Minsu Kim",minsu@uni.kr,"Zur Bewertung abgegeben",,6.00,Ja,'
    '"Dienstag, 29. September 2026, 00:09",-,\n'
    'Teilnehmer/in3102,"Jiho Park",jpark@uni.kr,"Zur Bewertung abgegeben",,6.00,Ja,'
    '"Montag, 28. September 2026, 23:50",-,\n'
    'Teilnehmer/in3103,"Jiwoo Lee",jiwoo@uni.kr,"Keine Abgabe",,6.00,Ja,-,-,\n')


def test_a_german_moodles_worksheet_gives_the_times_too(term):
    t = term(COURSE, ROSTER)
    both = {nb: t.notebook(nb) for nb in ("double", "triple")}
    download = t.zip("CS101-Tiny set-42.zip", {
        **{f"Minsu Kim_3101_assignsubmission_file/{nb}.ipynb": data for nb, data in both.items()},
        **{f"Jiho Park_3102_assignsubmission_file/{nb}.ipynb": data for nb, data in both.items()}})
    sheet = t.write("Bewertungen-CS101-Tiny set-42.csv", GERMAN_WORKSHEET)
    code, out, err = t.cli("collect", "tiny", str(download), "--roster", str(t.roster), "--worksheet", str(sheet))
    assert (code, err) == (0, "")
    assert ("  kms01: Minsu Kim (Moodle participant 3101), matched by e-mail; submitted 2026-09-29 00:09 KST "
            "(the Moodle grading worksheet)") in out
    assert "  park.j: Jiho Park (Moodle participant 3102), matched by e-mail; submitted 2026-09-28 23:50 KST" in out


def test_times_are_shown_in_the_course_zone_with_the_zone_named():
    from zoneinfo import ZoneInfo

    from autograder.pipeline.lateness import stamp, when

    naive_utc = datetime(2026, 9, 28, 14, 59)              # as nbgrader stores times
    assert when(naive_utc, ZoneInfo("Asia/Seoul")) == "2026-09-28 23:59 KST"
    assert when(naive_utc, ZoneInfo("Europe/Berlin")) == "2026-09-28 16:59 CEST"
    assert when(naive_utc, ZoneInfo("Asia/Almaty")) == "2026-09-28 19:59 UTC+05:00"   # tzdata gives no letters
    assert stamp(naive_utc, ZoneInfo("Asia/Seoul")) == "2026-09-28 23:59:00+09:00"
    assert datetime.fromisoformat(stamp(naive_utc, ZoneInfo("Asia/Seoul"))).astimezone(timezone.utc) \
        == naive_utc.replace(tzinfo=timezone.utc)
    assert when(None) == stamp(None) == ""
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", when(datetime.now(timezone.utc)))
