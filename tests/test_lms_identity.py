"""Every submission reaches the right roster student, or stops the export until the instructor says whose.

The names are what a real term gives: Korean names first-last in Moodle ("민수 김") and family name
first in the roster ("김민수"), two students called Kim Minsu told apart only by the e-mail in
Moodle's grading worksheet, an apostrophe Moodle strips from folder names ("Liam OBrien"),
Blackboard usernames with an underscore, a Canvas user id mistyped in the roster, and a name
mistyped in the roster. Everything goes through the CLI.
"""
from __future__ import annotations

ROSTER = ("id,name,email,canvas_id\n"
          "kms01,김민수,minsu@uni.kr,\n"
          "obrien,Liam O'Brien,liam@uni.kr,\n"
          "kimms03,Kim Minsu,kim.ms@uni.kr,\n"
          "kimms04,Kim Minsu,minsu.kim@uni.kr,\n"
          "park.b,박보라,bora@uni.kr,\n")
SENT = 'Submitted for grading,,6.00,Yes,"Monday, 28 September 2026, 9:00 PM",-,'
WORKSHEET = ("Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
             "Last modified (submission),Last modified (grade),Feedback comments\n"
             f"Participant 2001,민수 김,minsu@uni.kr,{SENT}\n"
             f"Participant 2002,Liam OBrien,liam@uni.kr,{SENT}\n"
             f"Participant 2003,Kim Minsu,minsu.kim@uni.kr,{SENT}\n"
             f"Participant 2004,Kim Minsu,kim.ms@uni.kr,{SENT}\n"
             "Participant 2005,보라 박,bora@uni.kr,No submission,,6.00,Yes,-,-,\n")
COURSE = "timezone: Asia/Seoul\ndue:\n  tiny: 2026-09-28 23:59\n"


def _moodle(t, answers: dict[str, bool]) -> object:
    """A Moodle 'Download all submissions': folder per participant, names first-last, apostrophes stripped."""
    return t.zip("CS101-Tiny set-42.zip", {
        f"{folder}_assignsubmission_file/{nb}.ipynb": t.notebook(nb, right)
        for folder, right in answers.items() for nb in ("double", "triple")})


def test_moodle_names_either_order_stripped_apostrophes_shared_names_and_the_export(term):
    t = term(COURSE, ROSTER)
    sheet = t.write("Grades-CS101-Tiny set-42.csv", WORKSHEET)
    # kimms04 (participant 2003) did the work right; kimms03 (participant 2004) handed back wrong answers
    download = _moodle(t, {"민수 김_2001": True, "Liam OBrien_2002": True, "Kim Minsu_2003": True,
                           "Kim Minsu_2004": False})

    # without the worksheet the two Kim Minsus cannot be told apart: nobody gets either submission
    code, out, _ = t.cli("collect", "tiny", str(download), "--roster", str(t.roster), "--no-lateness")
    assert code == 0
    assert ("Kim Minsu (Moodle participant 2003): the name fits 2 roster students (kimms03, kimms04); correct the "
            "roster, or settle it in a --map file with the line 2003,<id>; skipped") in out
    assert "  kimms03: on the roster, but no submission was matched to them (2 could not be matched" in out
    assert "submitted nothing" not in out
    assert "  kms01: 민수 김 (Moodle participant 2001), matched by name;" in out
    assert "  obrien: Liam OBrien (Moodle participant 2002), matched by name;" in out
    code, out, err = t.cli("export", "tiny", "--lms", "moodle", "--roster", str(t.roster), "--worksheet", str(sheet))
    assert (code, out) == (8, "") and err.count("\n") == 1
    assert err.startswith("backprop-grader export: error: export stops: 2 submissions of tiny not matched to one "
                          "roster student: Kim Minsu (Moodle participant 2003): the name fits 2 roster students")

    # the worksheet's e-mails settle them; its times are the submission times
    code, out, _ = t.cli("collect", "tiny", str(download), "--roster", str(t.roster), "--worksheet", str(sheet))
    assert code == 0 and "could not be matched" not in out
    assert "  kimms04: Kim Minsu (Moodle participant 2003), matched by e-mail; submitted 2026-09-28 21:00 KST" in out
    assert "  park.b: on the roster but submitted nothing" in out
    t.grade()
    wrong = t.submission("kimms03")[2]
    assert t.submission("kimms04")[2] == 6 and wrong < 6
    code, out, err = t.cli("export", "tiny", "--lms", "moodle", "--roster", str(t.roster), "--worksheet", str(sheet),
                           "--missing-as-zero")
    assert (code, err) == (0, "") and "no Moodle participant id" not in out
    rows = {r[0]: r for r in t.csv(t.course.reports_dir / "tiny" / "tiny-moodle.csv")[1:]}
    # each grade lands on Moodle's own participant: the two Kim Minsus by e-mail, and 박보라, who sent
    # nothing and is only in the worksheet ("보라 박"), gets her 0 too
    assert {pid: r[4] for pid, r in rows.items()} == {
        "Participant 2001": "6.00", "Participant 2002": "6.00", "Participant 2003": "6.00",
        "Participant 2004": f"{wrong:.2f}", "Participant 2005": "0.00"}


def test_a_canvas_id_the_roster_contradicts_stops_the_export_until_a_map_settles_it(term):
    t = term(COURSE, "id,name,canvas_id\nkms01,Kim Minsu,104202\nlee.j,Jiwoo Lee,104203\n")   # 104202: a typo
    download = t.zip("cs101-tiny submissions.zip", {
        **{f"kimminsu_104201_9001{i}_{nb}.ipynb": t.notebook(nb) for i, nb in enumerate(("double", "triple"))},
        **{f"leejiwoo_104203_9002{i}_{nb}.ipynb": t.notebook(nb) for i, nb in enumerate(("double", "triple"))}})
    code, out, _ = t.cli("collect", "tiny", str(download), "--roster", str(t.roster))
    assert code == 0
    assert ("kimminsu (Canvas user 104201): the name fits kms01, but the roster gives kms01 canvas_id 104202; "
            "correct the roster, or settle it in a --map file with the line 104201,<id>; skipped") in out
    assert not (t.course.submitted_dir / "kms01").exists()
    t.grade()
    code, _, err = t.cli("export", "tiny", "--lms", "canvas", "--roster", str(t.roster))
    assert code == 8 and "the roster gives kms01 canvas_id 104202" in err
    assert not (t.course.reports_dir / "tiny").exists()

    mapping = t.write("map.csv", "lms_id,id\n104201,kms01\n")
    code, out, _ = t.cli("collect", "tiny", str(download), "--roster", str(t.roster), "--map", str(mapping))
    assert code == 0 and "  kms01: kimminsu (Canvas user 104201), matched by --map;" in out
    assert "  lee.j: leejiwoo (Canvas user 104203), matched by Canvas user id; unchanged since the last collect" in out
    t.grade()
    assert t.cli("export", "tiny", "--lms", "canvas", "--roster", str(t.roster))[0] == 0
    rows = t.csv(t.course.reports_dir / "tiny" / "tiny-canvas.csv")
    assert [r[:2] + r[-1:] for r in rows[2:]] == [["Kim Minsu", "104201", "6"], ["Jiwoo Lee", "104203", "6"]]


def test_blackboard_usernames_with_underscores_are_not_cut(term):
    t = term(COURSE, "id,name,username\npark.s,Park Sora,park\npark.j,Park Jiho,j_park\nkms01,김민수,minsu\n")
    files = {f"Tiny set_{user}_attempt_2026-09-28-20-00-00_{nb}.ipynb": t.notebook(nb)
             for user in ("minsu", "j_park") for nb in ("double", "triple")}
    code, out, _ = t.cli("collect", "tiny", str(t.zip("gradebook_tiny.zip", files)), "--roster", str(t.roster))
    assert code == 0
    assert "  park.j: Blackboard user j_park, matched by username;" in out
    assert "  park.s: on the roster but submitted nothing" in out       # 'park' is someone else
    assert sorted(p.name for p in t.course.submitted_dir.iterdir()) == ["kms01", "park.j"]

    # an assignment name with '_', no receipts and no usernames in the roster: no split is guessed
    t2 = term(COURSE, "id,name\npark.j,Park Jiho\nkim.j,Kim Jiwoo\n", "second")
    files = {f"PS_2_{user}_attempt_2026-09-28-20-00-00_double.ipynb": t.notebook("double")
             for user in ("j_park", "j_kim")}
    code, out, _ = t2.cli("collect", "tiny", str(t2.zip("gradebook_ps2.zip", files)), "--roster", str(t2.roster))
    assert code == 0
    assert "cannot tell the Blackboard username in 'PS_2_j_park' (it could be 'park', 'j_park', '2_j_park')" in out
    assert "  park.j: on the roster, but no submission was matched to them" in out


def test_a_roster_typo_is_not_reported_as_submitted_nothing(term):
    t = term(COURSE, "id,name,email\nkms01,Kim Minsoo,minsu@uni.kr\n")    # the LMS says Kim Minsu
    download = _moodle(t, {"Kim Minsu_2001": True})
    code, out, _ = t.cli("collect", "tiny", str(download), "--roster", str(t.roster), "--no-lateness")
    assert code == 0
    assert ("  Kim Minsu (Moodle participant 2001): not on the roster; skipped (add them to the roster, or settle it "
            "in a --map file)") in out
    assert "  kms01: on the roster, but no submission was matched to them (1 could not be matched: see above)" in out
    sheet = t.write("Grades-CS101-Tiny set-42.csv", WORKSHEET.split("\n")[0] + "\n" + (
        f"Participant 2001,Kim Minsu,minsu@uni.kr,{SENT}\n"))
    code, _, err = t.cli("export", "tiny", "--lms", "moodle", "--roster", str(t.roster), "--worksheet", str(sheet))
    assert code == 8 and "settle it in a --map file with the line 2001,<id> (or 2001,- to leave it out)" in err
    mapping = t.write("map.csv", "lms_id,id\n2001,kms01\n")
    assert t.cli("collect", "tiny", str(download), "--roster", str(t.roster), "--map", str(mapping),
                 "--no-lateness")[0] == 0
    t.grade()
    code, out, err = t.cli("export", "tiny", "--lms", "moodle", "--roster", str(t.roster), "--map", str(mapping),
                           "--worksheet", str(sheet))
    assert (code, err) == (0, "")
    assert t.csv(t.course.reports_dir / "tiny" / "tiny-moodle.csv")[1][:5] == [
        "Participant 2001", "Kim Minsu", "minsu@uni.kr", "Submitted for grading", "6.00"]


def test_map_file_errors_are_one_line(term):
    t = term(COURSE, "id,name\nkms01,Kim Minsu\n")
    download = _moodle(t, {"Kim Minsu_2001": True})
    for text, said in (("from,to\n2001,kms01\n", "expected a CSV with the header lms_id,id"),
                       ("lms_id,id\n2001,kms09\n", "'kms09' (for '2001') is not on the roster"),
                       ("lms_id,id\n2001,kms01\n2001,-\n", "'2001' is mapped twice")):
        code, out, err = t.cli("collect", "tiny", str(download), "--roster", str(t.roster),
                               "--map", str(t.write("map.csv", text)))
        assert (code, out, err.count("\n")) == (3, "", 1) and said in err
    assert not t.course.submitted_dir.exists()
