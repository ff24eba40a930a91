"""collect on the downloads Canvas, Moodle and Blackboard really produce, and on broken or hostile zips.

The archives are built here with each LMS's naming, as its source writes it:
Canvas ``lib/content_zipper.rb`` (``<sortable name, lower-cased, non-word
characters removed>_[LATE_]<user id>_<attachment id>_<file>``, re-uploads
``-1``), Moodle ``mod/assign/classes/downloader.php`` (``<Full Name>_<participant
id>_assignsubmission_file/<file>``), Blackboard
(``<assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>``).
"""
from __future__ import annotations

import json
import shutil
import struct
import zipfile
from pathlib import Path

import pytest

from autograder.pipeline import archive, collect as collect_mod
from autograder.checks.samples import TINY, tiny_course
from autograder.cli import main
from autograder.config import Course
from autograder.errors import SourceError, UnsafeArchiveError
from autograder.pipeline.collect import collect
from autograder.pipeline.records import read_records

NB = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
NEWER = b'{"cells": [], "metadata": {"v": 2}, "nbformat": 4, "nbformat_minor": 5}'
ROSTER = ("id,name,canvas_id,email,username\n"
          "kms01,Kim Minsu,,minsu@uni.kr,minsu\n"
          "kmsB,김민수,,kim2@uni.kr,kimb\n"
          "lee.j,Jiwoo Lee,1003,jiwoo@uni.kr,jlee\n"
          "absent1,Ada Absent,1009,ada@uni.kr,ada\n")


@pytest.fixture
def course(tmp_path) -> Course:
    repo = tiny_course(tmp_path / "repo")
    other = repo / "solutions" / "other"          # a second, one-notebook assignment
    other.mkdir()
    shutil.copy(repo / "solutions" / TINY / "double.ipynb", other / "graphs.ipynb")
    return Course(repo=repo, workspace=tmp_path / "ws")


@pytest.fixture
def roster(tmp_path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    return path


def make_zip(path: Path, files: dict[str, bytes], when=(2026, 9, 1, 12, 0, 0)) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            stamp = when[name] if isinstance(when, dict) and name in when else (
                when if isinstance(when, tuple) else (2026, 9, 1, 12, 0, 0))
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def got(course: Course, student: str, name: str, assignment: str = TINY) -> bytes:
    return (course.submitted_dir / student / assignment / name).read_bytes()


def stamp(course: Course, student: str, assignment: str = TINY) -> str:
    return (course.submitted_dir / student / assignment / "timestamp.txt").read_text().strip()


def test_canvas_download_newest_attempt_late_flag_names_and_korean(course, roster, tmp_path):
    archive_path = make_zip(tmp_path / "submissions.zip", {
        "minsukim_1001_5001_double.ipynb": NB,                 # Canvas wrote the sortable name "Minsu, Kim"
        "minsukim_1001_5002_triple.ipynb": NB,
        "minsukim_1001_5003_double-1.ipynb": NEWER,            # re-uploaded: newer attachment, "-1"
        "김민수_LATE_1002_5004_double.ipynb": NB,
        "김민수_LATE_1002_5005_triple.ipynb": NB,
        "leejiwoo_1003_5006_double.ipynb": NB,                 # matched by canvas_id
        "parkbo_1004_5007_double.ipynb": NB,                   # not on the roster
    }, when={"minsukim_1001_5003_double-1.ipynb": (2026, 9, 2, 8, 30, 0)})   # the download's time, not Minsu's
    report = collect(course, TINY, archive_path, roster=roster)
    assert report.collected == {"kms01": ["double", "triple"], "kmsB": ["double", "triple"], "lee.j": ["double"]}
    assert report.unknown_students == ["parkbo (Canvas user 1004)"]
    assert report.absent == ["absent1"]
    assert report.missing == {"lee.j": ["triple"]}
    assert report.extra == {}
    assert got(course, "kms01", "double.ipynb") == NEWER
    # a Canvas download holds no submission times: none is written, none is made up from the zip
    assert not (course.submitted_dir / "kms01" / TINY / "timestamp.txt").exists()
    records = read_records(course, TINY)
    assert records["kms01"]["time_source"].startswith("on time: Canvas does not mark it LATE")
    assert records["kmsB"]["lms_late"] is True and records["kms01"]["lms_late"] is False
    assert records["lee.j"]["lms_key"] == "1003" and records["kmsB"]["lms_name"] == "김민수"
    assert (records["kms01"]["matched_by"], records["lee.j"]["matched_by"]) == ("name", "Canvas user id")
    assert sorted(p.name for p in course.submitted_dir.iterdir()) == ["kms01", "kmsB", "lee.j"]


def test_moodle_download_folders_old_and_flat_forms(course, roster, tmp_path):
    archive_path = make_zip(tmp_path / "CS101-PS-12.zip", {
        "Kim Minsu_2001_assignsubmission_file/double.ipynb": NB,
        "Kim Minsu_2001_assignsubmission_file/triple.ipynb": NB,
        "Kim Minsu_2001_assignsubmission_onlinetext/onlinetext.html": b"<p>hi</p>",
        "김민수_2002_assignsubmission_file_/double.ipynb": NB,            # before Moodle 4: trailing _
        "Jiwoo  Lee_2003_assignsubmission_file_triple.ipynb": NB,       # "download as folders" off
        "Nobody Known_2004_assignsubmission_file/double.ipynb": NB,
    })
    report = collect(course, TINY, archive_path, roster=roster)
    assert report.collected == {"kms01": ["double", "triple"], "kmsB": ["double"], "lee.j": ["triple"]}
    assert report.unknown_students == ["Nobody Known (Moodle participant 2004)"]
    assert report.extra == {}
    record = read_records(course, TINY)["kmsB"]
    assert {k: record[k] for k in ("lms", "lms_key", "lms_late", "lms_name", "notebooks", "submitted")} == {
        "lms": "moodle", "lms_key": "2002", "lms_late": None, "lms_name": "김민수", "notebooks": ["double"],
        "submitted": ""}
    assert (record["time_source"], record["time_fact"]) == (
        "Moodle's download holds no submission times; give --worksheet", False)   # no due date: nothing follows


def test_blackboard_download_newest_attempt_time_from_the_name(course, roster, tmp_path):
    (course.workspace).mkdir(parents=True)
    (course.workspace / "course.yml").write_text("timezone: Asia/Seoul\n")
    archive_path = make_zip(tmp_path / "gradebook_tiny.zip", {
        "Tiny set_minsu_attempt_2026-09-01-10-00-00_double.ipynb": NB,
        "Tiny set_minsu_attempt_2026-09-01-10-00-00.txt": b"Name: Kim Minsu (minsu)\nAssignment: Tiny set\n",
        "Tiny set_minsu_attempt_2026-09-02-10-00-00_double.ipynb": NEWER,
        "Tiny set_minsu_attempt_2026-09-02-10-00-00_triple.ipynb": NB,
        "Tiny set_jlee_attempt_2026-09-01-09-00-00_double.ipynb": NB,
    })
    report = collect(course, TINY, archive_path, roster=roster)
    assert report.collected == {"kms01": ["double", "triple"], "lee.j": ["double"]}
    assert got(course, "kms01", "double.ipynb") == NEWER
    assert stamp(course, "kms01") == "2026-09-02 10:00:00.000000 Asia/Seoul"   # the attempt's, in the course zone
    assert report.extra == {}


def test_roster_without_lms_columns_still_maps_plain_ids(course, tmp_path):
    plain = tmp_path / "ids.txt"
    plain.write_text("alice\nbob\n")
    archive_path = make_zip(tmp_path / "flat.zip", {"alice_double.ipynb": NB, "bob/triple.ipynb": NB})
    report = collect(course, TINY, archive_path, roster=plain)
    assert report.collected == {"alice": ["double"], "bob": ["triple"]}


def test_renamed_notebooks_taken_with_a_note(course, tmp_path):
    src = tmp_path / "in"
    for name, data in {"alice/Double.ipynb": NB, "alice/triple (1).ipynb": NB,
                       "dan/my homework.ipynb": NB}.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(data)
    report = collect(course, TINY, src)
    assert report.collected["alice"] == ["double", "triple"]
    assert report.notes["alice"] == ["took 'Double.ipynb' as double.ipynb (the only notebook of that name)",
                                     "took 'triple (1).ipynb' as triple.ipynb (the only notebook of that name)"]
    assert got(course, "alice", "double.ipynb") == NB
    # any other name is not guessed at, nor is one of two renamed copies
    assert report.collected["dan"] == [] and report.extra["dan"] == ["my homework.ipynb"]
    two = tmp_path / "two"
    for name in ("erin/graphs (1).ipynb", "erin/graphs (2).ipynb"):
        (two / name).parent.mkdir(parents=True, exist_ok=True)
        (two / name).write_bytes(NB)
    report = collect(course, "other", two)
    assert report.missing == {"erin": ["graphs"]}
    assert report.notes["erin"] == ["several notebooks could be graphs.ipynb (graphs (1).ipynb, graphs (2).ipynb); "
                                    "none taken: keep one and collect again"]


def test_another_assignments_notebooks_warn_wrong_assignment(course, tmp_path):
    archive_path = make_zip(tmp_path / "ps.zip", {"bob/double.ipynb": NB, "bob/triple.ipynb": NB,
                                                  "carl/double.ipynb": NB})
    report = collect(course, "other", archive_path)
    assert report.problems[0] == ("other: this source holds notebooks of tiny and none of other (graphs.ipynb): "
                                  "wrong assignment?")
    assert "bob: sent double.ipynb, a notebook of tiny: wrong assignment?" in report.problems
    assert report.missing == {"bob": ["graphs"], "carl": ["graphs"]}


def test_empty_file_is_called_empty(course, tmp_path):
    archive_path = make_zip(tmp_path / "e.zip", {"alice/double.ipynb": b"", "alice/triple.ipynb": NB})
    report = collect(course, TINY, archive_path)
    assert report.empty == {"alice": ["double.ipynb"]}
    assert "alice: double.ipynb is empty (0 bytes; scored 0): ask for the file again" in report.problems
    assert report.collected == {"alice": ["triple"]}


def test_notebook_big_because_of_outputs_is_taken_stripped(course, tmp_path, monkeypatch):
    monkeypatch.setattr(collect_mod, "MAX_NOTEBOOK_BYTES", 4000)
    big = {"cells": [{"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": 3, "source": "x = 1",
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": "y" * 20000}]}],
           "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    archive_path = make_zip(tmp_path / "big.zip", {"alice/double.ipynb": json.dumps(big).encode(),
                                                   "alice/triple.ipynb": NB})
    report = collect(course, TINY, archive_path)
    assert report.collected == {"alice": ["double", "triple"]} and report.missing == {}
    assert "collected with outputs cleared" in report.notes["alice"][0]
    cell = json.loads(got(course, "alice", "double.ipynb"))["cells"][0]
    assert cell["outputs"] == [] and cell["source"] == "x = 1" and cell["execution_count"] is None


def _patch_entry(path: Path, name: str, *, flags: int | None = None, method: int | None = None,
                 size: int | None = None) -> None:
    """Rewrite fields of one entry's local and central headers, as a foreign zip tool would have written them."""
    data = bytearray(path.read_bytes())
    raw = name.encode()
    for sig, flag_at, method_at, size_at, name_at in ((b"PK\x03\x04", 6, 8, 22, 30),
                                                      (b"PK\x01\x02", 8, 10, 24, 46)):
        at = data.find(sig)
        while at >= 0:
            if data[at + name_at: at + name_at + len(raw)] == raw:
                if flags is not None:
                    struct.pack_into("<H", data, at + flag_at, flags)
                if method is not None:
                    struct.pack_into("<H", data, at + method_at, method)
                if size is not None:
                    struct.pack_into("<I", data, at + size_at, size)
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))


def _cli(course: Course, archive_path: Path, capsys) -> tuple[int, str]:
    code = main(["collect", TINY, str(archive_path), "--repo", str(course.repo), "--workspace",
                 str(course.workspace)])
    return code, capsys.readouterr().err


def test_damaged_entry_one_line_exit_3_nothing_written(course, tmp_path, capsys):
    archive_path = make_zip(tmp_path / "d.zip", {"alice/double.ipynb": NB * 50, "bob/double.ipynb": NB})
    data = bytearray(archive_path.read_bytes())
    at = data.find(b"alice/double.ipynb") + len("alice/double.ipynb") + 5
    data[at:at + 8] = b"\xff" * 8                      # flip the compressed bytes: inflate or CRC fails
    archive_path.write_bytes(bytes(data))
    code, err = _cli(course, archive_path, capsys)
    assert code == 3 and err.count("\n") == 1
    assert "entry 'alice/double.ipynb' is damaged" in err and "download the submissions again" in err
    assert not course.submitted_dir.exists()


def test_encrypted_and_deflate64_entries_one_line_exit_3(course, tmp_path, capsys):
    enc = make_zip(tmp_path / "enc.zip", {"alice/double.ipynb": NB})
    _patch_entry(enc, "alice/double.ipynb", flags=0x1)
    code, err = _cli(course, enc, capsys)
    assert (code, err.count("\n")) == (3, 1) and "is encrypted (password-protected)" in err
    d64 = make_zip(tmp_path / "d64.zip", {"alice/double.ipynb": NB})
    _patch_entry(d64, "alice/double.ipynb", method=9)
    code, err = _cli(course, d64, capsys)
    assert (code, err.count("\n")) == (3, 1) and "compressed with Deflate64" in err
    ppmd = make_zip(tmp_path / "ppmd.zip", {"alice/double.ipynb": NB})
    _patch_entry(ppmd, "alice/double.ipynb", method=98)
    code, err = _cli(course, ppmd, capsys)
    assert (code, err.count("\n")) == (3, 1) and "compression method 98" in err
    assert not course.submitted_dir.exists()


def test_zip_bombs_refused_exit_4(course, tmp_path, capsys, monkeypatch):
    forged = make_zip(tmp_path / "forged.zip", {"alice/double.ipynb": NB})
    _patch_entry(forged, "alice/double.ipynb", size=0xFFFFFFF0)     # claims 4 GB
    code, err = _cli(course, forged, capsys)
    assert (code, err.count("\n")) == (4, 1) and "a zip bomb?" in err
    monkeypatch.setattr(archive, "BOMB_BYTES", 1024 ** 2)
    real = make_zip(tmp_path / "bomb.zip", {"alice/double.ipynb": b"\0" * (8 * 1024 ** 2)})
    code, err = _cli(course, real, capsys)
    assert (code, err.count("\n")) == (4, 1) and "a zip bomb?" in err
    assert not course.submitted_dir.exists()


def test_entries_are_read_with_a_cap_not_whole(tmp_path):
    path = make_zip(tmp_path / "z.zip", {"a/big.bin": b"x" * (3 * 1024 ** 2)})
    pulled = []
    with archive.open_source(path) as entries:
        entry = entries[0]

        class Counting:
            def __init__(self):
                self.inner = entry._open()

            def read(self, n):
                chunk = self.inner.read(n)
                pulled.append(len(chunk))
                return chunk

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.inner.close()

        capped = archive.Entry(entry.path, entry.size, Counting, "z.zip")
        assert capped.read(1000) is None
        assert sum(pulled) == 1001
        assert len(entry.read(4 * 1024 ** 2)) == 3 * 1024 ** 2


def test_forged_small_size_reads_as_damaged(course, tmp_path):
    path = make_zip(tmp_path / "f.zip", {"alice/double.ipynb": NB * 100})
    _patch_entry(path, "alice/double.ipynb", size=10)
    with pytest.raises(SourceError, match="damaged"):
        collect(course, TINY, path)


def test_roster_with_duplicate_ids_is_refused(course, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("id,name\nalice,A\nAlice,B\n")
    with pytest.raises(SourceError, match="'Alice' appears twice"):
        collect(course, TINY, make_zip(tmp_path / "x.zip", {"alice/double.ipynb": NB}), roster=path)


def test_unsafe_archive_still_refused_before_lms_parsing(course, tmp_path):
    with pytest.raises(UnsafeArchiveError):
        collect(course, TINY, make_zip(tmp_path / "u.zip", {"../kim_1_2_double.ipynb": NB}))


def test_canvas_late_mark_needs_the_instructors_time_and_on_time_needs_none(course, roster, tmp_path, capsys):
    course.workspace.mkdir(parents=True)
    (course.workspace / "course.yml").write_text("timezone: Asia/Seoul\ndue:\n  tiny: 2026-09-10 23:59\n")
    archive_path = make_zip(tmp_path / "cs101-tiny submissions.zip", {"minsukim_1001_5001_double.ipynb": NB,
                                                                     "leejiwoo_LATE_1003_5002_double.ipynb": NB},
                            when=(2026, 9, 20, 8, 0, 0))          # Canvas stamped the download time
    common = ["--repo", str(course.repo), "--workspace", str(course.workspace), "--roster", str(roster)]
    assert main(["collect", TINY, str(archive_path), *common]) == 8
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no submission time for 1 student and tiny is due 2026-09-10 23:59 KST" in err
    assert "lee.j: Canvas marks it LATE and its download holds no submission time" in err
    assert not course.submitted_dir.exists() and read_records(course, TINY) == {}   # nothing half-written
    assert main(["collect", TINY, str(archive_path), *common, "--submitted-at", "lee.j=2026-09-11 00:20"]) == 0
    out = capsys.readouterr().out
    assert stamp(course, "lee.j") == "2026-09-11 00:20:00.000000 Asia/Seoul"
    assert not (course.submitted_dir / "kms01" / TINY / "timestamp.txt").exists()   # on time, and no time made up
    assert "  lee.j: leejiwoo (Canvas user 1003), matched by Canvas user id; submitted 2026-09-11 00:20 KST " \
           "(--submitted-at)" in out
    assert "  kms01: minsukim (Canvas user 1001), matched by name; on time: Canvas does not mark it LATE" in out


def test_moodle_worksheet_gives_the_submission_time(course, roster, tmp_path):
    course.workspace.mkdir(parents=True)
    (course.workspace / "course.yml").write_text("timezone: Europe/Berlin\n")
    sheet = tmp_path / "Grades.csv"
    sheet.write_text("Identifier,Full name,Email address,Status,Last modified (submission)\n"
                     'Participant 2001,Kim Minsu,minsu@uni.kr,Submitted,"Thursday, 10 September 2026, 11:30 PM"\n'
                     "Participant 2002,김민수,kim2@uni.kr,Submitted,-\n", encoding="utf-8")
    archive_path = make_zip(tmp_path / "m.zip", {"Kim Minsu_2001_assignsubmission_file/double.ipynb": NB,
                                                 "김민수_2002_assignsubmission_file/double.ipynb": NB})
    collect(course, TINY, archive_path, roster=roster, worksheet=sheet)
    assert stamp(course, "kms01") == "2026-09-10 23:30:00.000000 Europe/Berlin"
    assert not (course.submitted_dir / "kmsB" / TINY / "timestamp.txt").exists()   # '-': no time, none made up
    bad = tmp_path / "not-a-sheet.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(SourceError, match="is not a Moodle grading worksheet"):
        collect(course, TINY, archive_path, roster=roster, worksheet=bad)


def test_folders_and_flat_files_named_by_full_name_map_through_the_roster(course, roster, tmp_path):
    archive_path = make_zip(tmp_path / "names.zip", {"김민수/double.ipynb": NB, "김민수/triple.ipynb": NB,
                                                     "Kim Minsu_double.ipynb": NB, "lee.j/triple.ipynb": NB})
    report = collect(course, TINY, archive_path, roster=roster)
    assert report.collected == {"kmsB": ["double", "triple"], "kms01": ["double"], "lee.j": ["triple"]}
    assert sorted(p.name for p in course.submitted_dir.iterdir()) == ["kms01", "kmsB", "lee.j"]


def test_make_collect_takes_canvas_default_download_name_with_its_space(term):
    """Canvas names the download '<course>-<assignment> submissions.zip': `make collect SRC=...` quotes it."""
    import subprocess
    import sys

    t = term("timezone: Asia/Seoul\n", "id,name,canvas_id\nkms01,Kim Minsu,1001\n")
    download = t.zip("cs101-tiny submissions.zip", {"kimminsu_1001_5001_double.ipynb": t.notebook("double")})
    roster = t.write("class roster.csv", t.roster.read_text())
    repo = Path(__file__).resolve().parents[1]
    proc = subprocess.run(["make", "-s", "-C", str(repo), "-o", ".venv/.installed-stamp", "collect",
                           f"PY={sys.executable}", "A=tiny", f"SRC={download}", f"ROSTER={roster}",
                           f"OPTS={' '.join(t.common)}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "collected 1 submissions of tiny" in proc.stdout
    assert (t.course.submitted_dir / "kms01" / "tiny" / "double.ipynb").read_bytes() == t.notebook("double")
