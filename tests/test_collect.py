"""collect: folder trees and LMS zips into nbgrader's submitted/ layout, unsafe input refused."""
from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from autograder.checks.samples import TINY, tiny_course
from autograder.cli import main
from autograder.config import Course
from autograder.errors import SourceError, UnsafeArchiveError
from autograder.pipeline.collect import collect
from autograder.pipeline.roster import read_roster

NB = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


@pytest.fixture
def course(tmp_path) -> Course:
    return Course(repo=tiny_course(tmp_path / "repo"), workspace=tmp_path / "ws")


def tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def make_zip(path: Path, files: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def submitted(course: Course) -> list[str]:
    return sorted(p.relative_to(course.submitted_dir).as_posix()
                  for p in course.submitted_dir.rglob("*") if p.is_file())


def test_folder_per_student_lands_in_nbgrader_layout(course, tmp_path):
    src = tree(tmp_path / "in", {"alice/double.ipynb": NB, "alice/triple.ipynb": NB,
                                 "bob/tiny/double.ipynb": NB, "bob/tiny/triple.ipynb": NB})
    report = collect(course, TINY, src)
    assert report.collected == {"alice": ["double", "triple"], "bob": ["double", "triple"]}
    assert report.problems == []
    # copies carry no submission time (their file times are the copy's), and there is no due date: none is written
    assert submitted(course) == [f"{s}/tiny/{f}" for s in ("alice", "bob") for f in ("double.ipynb", "triple.ipynb")]
    assert (course.submitted_dir / "alice/tiny/double.ipynb").read_bytes() == NB
    assert report.trail["alice"] == ("alice, matched by folder id (no roster); no time recorded (files copied from a "
                                     "folder or zip: their times are not submission times); no due date")


def test_lms_zip_with_enclosing_folder_and_flat_names(course, tmp_path):
    archive = make_zip(tmp_path / "download.zip", {
        "submissions/carol/double.ipynb": NB, "submissions/carol/triple.ipynb": NB,
        "submissions/tiny/dave/double.ipynb": NB, "submissions/__MACOSX/carol/._double.ipynb": b"junk"})
    report = collect(course, TINY, archive)
    assert report.collected == {"carol": ["double", "triple"], "dave": ["double"]}
    assert report.missing == {"dave": ["triple"]}
    flat = make_zip(tmp_path / "flat.zip", {"erin_double.ipynb": NB, "erin_triple.ipynb": NB,
                                            "frank-double.ipynb": NB})
    report = collect(course, TINY, flat)
    assert report.collected == {"erin": ["double", "triple"], "frank": ["double"]}
    assert report.missing == {"frank": ["triple"]}
    assert any("frank: missing triple.ipynb" in p for p in report.problems)


@pytest.mark.parametrize("entry", ["../escape.ipynb", "alice/../../escape.ipynb", "/etc/evil.ipynb",
                                   "C:/evil.ipynb", "alice\\..\\evil.ipynb"])
def test_zip_entries_that_escape_reject_the_whole_archive(course, tmp_path, entry):
    archive = make_zip(tmp_path / "bad.zip", {"alice/double.ipynb": NB, entry: NB})
    with pytest.raises(UnsafeArchiveError, match="refusing the whole archive"):
        collect(course, TINY, archive)
    assert not course.submitted_dir.exists()
    assert not (tmp_path / "escape.ipynb").exists()


def test_zip_symlink_rejected(course, tmp_path):
    archive = make_zip(tmp_path / "link.zip", {"alice/double.ipynb": NB}, links={"alice/triple.ipynb": "/etc/passwd"})
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        collect(course, TINY, archive)
    assert not course.submitted_dir.exists()


def test_folder_with_symlink_rejected(course, tmp_path):
    src = tree(tmp_path / "in", {"alice/double.ipynb": NB})
    os.symlink("/etc/passwd", src / "alice" / "triple.ipynb")
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        collect(course, TINY, src)


def test_roster_unknown_duplicate_missing_extra_absent(course, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,id\nAlice A,alice\nBob B,bob\nGina G,gina\nHal H,hal\nIvy I,ivy\n")
    src = tree(tmp_path / "in", {
        "alice/double.ipynb": NB, "alice/triple.ipynb": NB, "alice/notes.txt": b"hi",
        "alice/scratch.ipynb": NB,
        "bob/double.ipynb": NB,
        "Gina/double.ipynb": NB, "gina/triple.ipynb": NB,      # one student twice, case-blind
        "hal/a/double.ipynb": NB, "hal/b/double.ipynb": NB,    # the same notebook twice
        "mallory/double.ipynb": NB,                            # not on the roster
        "stray.ipynb": NB})
    report = collect(course, TINY, src, roster=roster)
    assert sorted(report.collected) == ["alice", "bob"]
    assert report.extra == {"alice": ["notes.txt", "scratch.ipynb"]}
    assert report.missing == {"bob": ["triple"]}
    assert report.unknown_students == ["mallory"]
    assert sorted(report.duplicate_students) == ["Gina", "hal"]
    assert report.unplaced == ["stray.ipynb"]
    assert report.absent == ["ivy"]
    assert not (course.submitted_dir / "mallory").exists()
    assert not (course.submitted_dir / "alice/tiny/notes.txt").exists()
    text = "\n".join(report.problems)
    for phrase in ("mallory: not on the roster", "Gina: submitted more than once", "hal: submitted more than once",
                   "bob: missing triple.ipynb", "alice: extra files not collected: notes.txt, scratch.ipynb",
                   "stray.ipynb: cannot tell which student",
                   # files it could not place may be ivy's: collect does not say she sent nothing
                   "ivy: on the roster, but no submission was matched to them (4 could not be matched"):
        assert phrase in text


def test_collect_again_replaces_the_submission(course, tmp_path):
    collect(course, TINY, tree(tmp_path / "one", {"alice/double.ipynb": NB, "alice/triple.ipynb": NB}))
    newer = NB.replace(b"[]", b"[ ]", 1)
    collect(course, TINY, tree(tmp_path / "two", {"alice/double.ipynb": newer}))
    assert (course.submitted_dir / "alice/tiny/double.ipynb").read_bytes() == newer
    assert not (course.submitted_dir / "alice/tiny/triple.ipynb").exists()


def test_roster_formats_and_bad_ids(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("# class of 2026\nalice\nbob\n\n")
    assert read_roster(plain).ids() == ["alice", "bob"]
    bad = tmp_path / "bad.txt"
    bad.write_text("alice\n../root\n")
    with pytest.raises(SourceError, match="'../root' is not a usable student id"):
        read_roster(bad)


def test_cli_turns_errors_into_exit_codes(course, tmp_path, capsys):
    common = ["--repo", str(course.repo), "--workspace", str(course.workspace)]
    archive = make_zip(tmp_path / "bad.zip", {"../x.ipynb": NB})
    assert main(["collect", TINY, str(archive), *common]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'../x.ipynb'" in err
    assert main(["collect", TINY, str(tmp_path / "nowhere.zip"), *common]) == 3
    assert main(["collect", "ps9_nothing", str(archive), *common]) == 2
    assert "unknown assignment 'ps9_nothing': expected one of tiny" in capsys.readouterr().err
    (tmp_path / "notzip.zip").write_bytes(b"PK nonsense")
    assert main(["collect", TINY, str(tmp_path / "notzip.zip"), *common]) == 3
    src = tree(tmp_path / "ok", {"alice/double.ipynb": NB, "alice/triple.ipynb": NB})
    assert main(["collect", TINY, str(src), *common]) == 0
    assert "collected 1 submissions of tiny" in capsys.readouterr().out
