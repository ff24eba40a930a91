"""The second download: after late work and resubmissions the instructor downloads from Canvas again.

Same attachment: the same time, not graded again. A new attachment: its own time (Canvas's LATE
mark and the instructor's word), graded again. A student with no notebook, or an empty one, is not
graded again either; and what grading and feedback say of them is what collect saw (an empty
file is "empty", a missing notebook names what was sent instead).
"""
from __future__ import annotations

import pytest

COURSE = "timezone: Asia/Seoul\ndue:\n  tiny: 2026-09-28 23:59\nlate:\n  percent_per_day: 10\n"
ROSTER = ("id,name,canvas_id\nkms01,김민수,1001\nhan.s,Han Sora,1002\nlee.j,Jiwoo Lee,1003\n"
          "park.j,Park Jiho,1004\nchoi.y,Choi Yuna,1005\n")


def test_second_canvas_download_regrades_exactly_the_new_attachments(term):
    t = term(COURSE, ROSTER)
    right, wrong = {nb: t.notebook(nb) for nb in ("double", "triple")}, t.notebook("double", right=False)
    kept = {   # the same attachments in both downloads
        "김민수_1001_5001_double.ipynb": right["double"], "김민수_1001_5002_triple.ipynb": right["triple"],
        "parkjiho_1004_5007_double.pdf": b"%PDF-1.7 a printout of the notebook",
        "choiyuna_1005_5008_double.ipynb": b"", "choiyuna_1005_5009_triple.ipynb": right["triple"]}
    first = t.zip("cs101-tiny submissions.zip", {
        **kept, "hansora_1002_5003_double.ipynb": wrong, "hansora_1002_5004_triple.ipynb": right["triple"],
        "leejiwoo_1003_5005_double.ipynb": wrong, "leejiwoo_1003_5006_triple.ipynb": right["triple"]},
        (2026, 9, 29, 0, 30, 0))
    code, out, _ = t.cli("collect", "tiny", str(first), "--roster", str(t.roster))
    assert code == 0 and "choi.y: double.ipynb is empty (0 bytes; scored 0): ask for the file again" in out
    before = t.grade()
    assert "double.ipynb was not submitted; sent instead: double.pdf" in before["park.j"].reason
    assert "double.ipynb is empty (0 bytes)" in before["choi.y"].reason
    assert "was not submitted" not in before["choi.y"].reason
    assert t.cli("feedback", "tiny")[0] == 0
    page = (t.course.feedback_dir / "choi.y" / "tiny" / "feedback.html").read_text()
    assert "double.ipynb is empty (0 bytes)" in page and "not submitted" not in page
    assert "sent instead: double.pdf" in (t.course.feedback_dir / "park.j" / "tiny" / "feedback.html").read_text()

    # a week later: Han re-uploaded before the due date (Canvas: not late), Lee after it (Canvas: LATE);
    # Canvas names the re-upload of a file of the same name double-1.ipynb, with a newer attachment id
    second = t.zip("cs101-tiny submissions (1).zip", {
        **kept, "hansora_1002_5003_double.ipynb": wrong, "hansora_1002_5004_triple.ipynb": right["triple"],
        "hansora_1002_5010_double-1.ipynb": right["double"],
        "leejiwoo_LATE_1003_5005_double.ipynb": wrong, "leejiwoo_LATE_1003_5006_triple.ipynb": right["triple"],
        "leejiwoo_LATE_1003_5011_double-1.ipynb": right["double"]}, (2026, 10, 5, 9, 0, 0))
    code, _, err = t.cli("collect", "tiny", str(second), "--roster", str(t.roster))
    assert code == 8 and "lee.j: Canvas marks it LATE and its download holds no submission time" in err
    assert "kms01" not in err                                       # unchanged: its time is already recorded
    code, out, _ = t.cli("collect", "tiny", str(second), "--roster", str(t.roster),
                         "--submitted-at", "lee.j=2026-10-01 10:00")   # as SpeedGrader shows it
    assert code == 0 and "(3 unchanged since the last collect)" in out
    assert "  han.s: hansora (Canvas user 1002), matched by Canvas user id; on time: Canvas does not mark it LATE" \
        in out
    after = t.grade()
    regraded = sorted(s for s in after if after[s].graded_at != before[s].graded_at)
    assert regraded == ["han.s", "lee.j"]
    assert t.submission("han.s")[2:] == (6, 0)
    assert t.submission("lee.j")[1:] == pytest.approx((2 * 86400 + 10 * 3600 + 60, 6, 1.8))   # 3 started days
    assert not (t.course.submitted_dir / "kms01" / "tiny" / "timestamp.txt").exists()

    # the same download once more changes nothing and grades nothing
    assert t.cli("collect", "tiny", str(second), "--roster", str(t.roster))[0] == 0
    again = t.grade()
    assert all(again[s].graded_at == after[s].graded_at for s in again)
