"""course.yml: due dates and the late policy, read exactly or refused with a message that says how to fix it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from autograder.errors import SourceError
from autograder.pipeline.duedates import LatePolicy, load_settings
from autograder.pipeline.late import penalty


def settings(tmp_path, text: str):
    (tmp_path / "ws").mkdir(exist_ok=True)
    (tmp_path / "ws" / "course.yml").write_text(text)
    return load_settings(tmp_path / "ws", tmp_path / "repo")


def test_no_file_means_no_due_dates_and_the_default_policy(tmp_path):
    s = load_settings(tmp_path / "ws", tmp_path / "repo")
    assert s.due == {} and s.late == LatePolicy(grace_minutes=0, percent_per_day=10) and s.path is None


def test_due_dates_in_the_course_timezone_or_with_an_offset(tmp_path):
    s = settings(tmp_path, "timezone: Asia/Seoul\ndue:\n  a: 2026-09-28 23:59\n  b: 2026-09-28\n"
                           "  c: 2026-09-28T10:00:00+02:00\n  d: 2026-09-28 10:00:00Z\n")
    utc = {k: v.astimezone(timezone.utc).replace(tzinfo=None) for k, v in s.due.items()}
    assert utc == {"a": datetime(2026, 9, 28, 14, 59), "b": datetime(2026, 9, 28, 14, 59, 59),
                   "c": datetime(2026, 9, 28, 8, 0), "d": datetime(2026, 9, 28, 10, 0)}


def test_the_repository_file_is_used_when_the_workspace_has_none(tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "course.yml").write_text("due:\n  a: 2026-01-02 03:04\n")
    assert load_settings(tmp_path / "ws", tmp_path / "repo").due["a"].hour == 3


@pytest.mark.parametrize("text, message", [
    ("timezone: Mars/Olympus\n", "unknown timezone 'Mars/Olympus'"),
    ("due:\n  a: next friday\n", "due date of a: 'next friday' is not a date; write it as 2026-09-28 23:59"),
    ("late:\n  percent_per_day: lots\n", "late: expects numbers"),
    ("late:\n  percent_per_day: 150\n", "percent_per_day between 0 and 100"),
    ("deadline: 1\n", "unknown key 'deadline'"),
    ("due: [\n", "cannot read"),
])
def test_bad_files_are_refused_with_the_fix(tmp_path, text, message):
    with pytest.raises(SourceError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings(tmp_path, text)


def test_penalty_per_started_day_after_grace_never_more_than_the_score():
    assert penalty(6, 0, 0, 10) == 0
    assert penalty(6, 10 * 60, 15, 10) == 0                  # inside the grace period
    assert penalty(6, 16 * 60, 15, 10) == pytest.approx(0.6)   # one started day
    assert penalty(6, 24 * 3600 + 1, 0, 10) == pytest.approx(1.2)
    assert penalty(6, 30 * 24 * 3600, 0, 10) == 6
