"""A course of seven students on ps1_graphs, for tests that grade it through the CLI.

Submissions are written in nbgrader's submitted/ layout with the submission time in
timestamp.txt, as collect leaves them (collecting itself is tested in test_lms_*.py):
the release with the instructor's answers typed in (all, all but one exercise, or
none). Points come from the instructor's notebook, so expected scores are worked out
from them and course.yml's policy, not read from the grader. Loaded by the tests with
importlib (the suite runs with --import-mode=importlib).
"""
from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import nbformat

from autograder.config import Course

ROOT = Path(__file__).resolve().parents[1]
A, NB = "ps1_graphs", "graphs"
COURSE_YML = ("timezone: Asia/Seoul\ndue:\n  ps1_graphs: 2026-09-14 23:59\n"
              "late:\n  grace_minutes: 15\n  percent_per_day: 10\n")
ROSTER = ("id,name,canvas_id,email,username,sis_id,section\n"
          "s01,김민수,2001,minsu@uni.kr,minsu,S01,A\n"
          "s02,Lee Jiwoo,2002,jiwoo@uni.kr,jlee,S02,A\n"
          "s03,박서준,2003,seojun@uni.kr,sjpark,S03,A\n"
          "s04,Ada Absent,2004,ada@uni.kr,ada,S04,B\n"
          "s05,최유나,2005,yuna@uni.kr,ychoi,S05,B\n"
          "s06,Omar Haddad,2006,omar@uni.kr,ohaddad,S06,B\n"
          "s07,Zoe Müller,2007,zoe@uni.kr,zmuller,S07,B\n")
# student -> (what they handed in, submission time as collect writes it, in UTC); s04 sent nothing.
# Due 2026-09-14 23:59 KST = 14:59 UTC.
SENT = {"s01": ("perfect", "2026-09-14 05:00:00 UTC"),
        "s02": ("perfect", "2026-09-17 01:00:00 UTC"),       # 2 d 10 h late: 3 started days, 30 %
        "s03": ("no fan_out", "2026-09-13 12:00:00 UTC"),
        "s05": ("release", "2026-09-14 14:00:00 UTC"),
        "s06": ("perfect", "2026-09-15 03:00:00 UTC"),       # 12 h late: 1 started day, 10 %
        "s07": ("perfect", "2026-09-15 03:00:00 UTC")}


def _points() -> dict[str, dict[str, float]]:
    """exercise (solution grade_id) -> {test grade_id: points}, from the instructor's notebook."""
    out, exercise = {}, None
    for cell in nbformat.read(ROOT / "solutions" / A / f"{NB}.ipynb", as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and not meta.get("grade"):
            exercise = meta["grade_id"]
        elif meta.get("grade"):
            out.setdefault(exercise, {})[meta["grade_id"]] = float(meta["points"])
    return out


POINTS = _points()
FULL = sum(p for tests in POINTS.values() for p in tests.values())
FAN_OUT = sum(POINTS["fan_out"].values())
AUTOGRAD_TEST = next(iter(POINTS["autograd"]))
FAN_OUT_TEST = next(g for g, p in POINTS["fan_out"].items() if p > 0)


def notebook(kind: str) -> nbformat.NotebookNode:
    """The release with the instructor's answers typed in: all of them, all but fan_out, or none."""
    nb = nbformat.read(ROOT / "exercises" / A / f"{NB}.ipynb", as_version=4)
    answers = {c.id: re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", "", c.source + "\n", flags=re.M).rstrip()
               for c in nbformat.read(ROOT / "solutions" / A / f"{NB}.ipynb", as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb.cells:
        if cell.id in answers and kind != "release" and not (kind == "no fan_out" and cell.id == "fan_out"):
            cell.source = answers[cell.id]
    return nb


def num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def cells(page: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table id="{table}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [[html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip())
             for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def workspace(root: Path, sent: dict[str, tuple[str, str]] = SENT) -> tuple[Course, Path, list[str]]:
    """(course, roster file, common CLI options): course.yml, roster and ``sent`` under ``root``, not graded."""
    course = Course(repo=ROOT, workspace=root / "ws")
    course.workspace.mkdir(parents=True)
    (course.workspace / "course.yml").write_text(COURSE_YML)
    roster = root / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    for student, (kind, stamp) in sent.items():
        folder = course.submitted_dir / student / A
        folder.mkdir(parents=True)
        nbformat.write(notebook(kind), folder / f"{NB}.ipynb")
        (folder / "timestamp.txt").write_text(stamp + "\n")
    return course, roster, ["--repo", str(ROOT), "--workspace", str(course.workspace)]
