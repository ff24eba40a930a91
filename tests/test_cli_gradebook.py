"""The gradebook through ``backprop-grader``: --wait, --student ids never collected, ``remove``,
an unreachable SQLite gradebook and a relative SQLite URL, each driven through ``autograder.cli.main``.

Submissions are the released notebook itself (nothing answered), so grading is quick and
every student ends ``graded``; what these tests look at is the gradebook around it.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from autograder import cli
from autograder.cli import main
from autograder.config import absolute_sqlite
from autograder.execution import bwrap
from autograder.pipeline.lock import grading_lock

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT, NOTEBOOK = "ps1_graphs", "graphs"
RELEASED = ROOT / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"


def collected(tmp_path: Path, students: list[str]) -> tuple[Path, list[str]]:
    """Collect the released notebook as each student's submission; return (workspace, common options)."""
    for student in students:
        (tmp_path / "in" / student).mkdir(parents=True)
        shutil.copy(RELEASED, tmp_path / "in" / student / f"{NOTEBOOK}.ipynb")
    workspace = tmp_path / "ws"
    common = ["--workspace", str(workspace)]
    assert main(["collect", ASSIGNMENT, str(tmp_path / "in"), *common]) == 0
    return workspace, common


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and mtime of every file but the lock files (each run that takes a lock writes its name there)."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file() and p.suffix != ".lock"}


def test_grading_a_student_never_collected_is_exit_2_naming_them_and_writes_nothing(tmp_path, capsys):
    workspace, common = collected(tmp_path, ["alice"])
    before = snapshot(workspace)
    capsys.readouterr()
    assert main(["grade", ASSIGNMENT, "--student", "alice", "--student", "alcie", *common]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "no collected submission of 'ps1_graphs' for 'alcie'" in err
    assert "'alice'" not in err and out == ""
    assert snapshot(workspace) == before and not (workspace / "gradebook.db").exists()


def test_grade_refuses_or_waits_for_a_run_holding_the_gradebook_under_another_spelling(tmp_path, capsys,
                                                                                     monkeypatch):
    workspace, common = collected(tmp_path, ["alice"])
    # The default gradebook (sqlite:///<workspace>/gradebook.db), spelled the way another run might.
    spelled = f"sqlite+pysqlite:///{workspace}/../{workspace.name}/gradebook.db"
    with grading_lock(spelled, tmp_path / "elsewhere"):
        assert main(["grade", ASSIGNMENT, *common]) == 6
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"busy: grading run pid {os.getpid()}" in err and "--wait SECONDS" in err
    assert not (workspace / "autograded").exists()

    waiting, tell = threading.Event(), cli._tell_waiting
    monkeypatch.setattr(cli, "_tell_waiting", lambda holder, seconds: (tell(holder, seconds), waiting.set()))
    held = threading.Event()

    def other_run() -> None:
        with grading_lock(spelled, tmp_path / "elsewhere"):
            held.set()
            waiting.wait(timeout=600)   # until grade says it is waiting: then this run ends

    other = threading.Thread(target=other_run)
    other.start()
    try:
        assert held.wait(timeout=60)
        assert main(["grade", ASSIGNMENT, "--wait", "600", "--allow-unsandboxed", *common]) == 0
    finally:
        waiting.set()
        other.join()
    out, err = capsys.readouterr()
    assert f"grading run pid {os.getpid()}" in err and "waiting up to 600 s" in err
    assert out.startswith("alice") and "graded" in out
    # Allowed but not used where the host has a sandbox: no warning then.
    assert ("WITHOUT a sandbox" in err) == (bwrap.unavailable_reason() is not None)


def test_wait_must_be_a_number_of_seconds(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["grade", ASSIGNMENT, "--wait", "soon"])
    assert exc.value.code == 2 and "expected a number of seconds >= 0, got 'soon'" in capsys.readouterr().err


# Rows of one student in nbgrader's tables and ours, by table.
OWNED = {
    "student": "SELECT * FROM student WHERE id = :s",
    "submitted_assignment": "SELECT * FROM submitted_assignment WHERE student_id = :s",
    "submitted_notebook": "SELECT * FROM submitted_notebook WHERE assignment_id IN "
                          "(SELECT id FROM submitted_assignment WHERE student_id = :s)",
    "grade": "SELECT * FROM grade WHERE notebook_id IN (SELECT n.id FROM submitted_notebook n JOIN "
             "submitted_assignment a ON n.assignment_id = a.id WHERE a.student_id = :s)",
    "comment": "SELECT * FROM comment WHERE notebook_id IN (SELECT n.id FROM submitted_notebook n JOIN "
               "submitted_assignment a ON n.assignment_id = a.id WHERE a.student_id = :s)",
    "grading_status": "SELECT * FROM grading_status WHERE student = :s",
}


def rows(db: Path) -> dict[str, dict]:
    """{table: {'all': every row, student: that student's rows}} for the tables in OWNED."""
    with sqlite3.connect(db) as conn:
        return {table: {"all": set(conn.execute(f"SELECT * FROM {table}")),
                        **{s: set(conn.execute(sql, {"s": s})) for s in ("alice", "bob")}}
                for table, sql in OWNED.items()}


def test_remove_deletes_everything_of_one_student_and_nothing_of_the_others(tmp_path, capsys):
    workspace, common = collected(tmp_path, ["alice", "bob"])
    for command in ("grade", "feedback"):
        assert main([command, ASSIGNMENT, *common]) == 0
    db = workspace / "gradebook.db"
    before, files = rows(db), snapshot(workspace)
    assert all(before[t]["alice"] and before[t]["bob"] for t in OWNED if t != "comment")
    assert all((workspace / step / "alice" / ASSIGNMENT).is_dir() for step in ("submitted", "autograded", "feedback"))
    capsys.readouterr()

    # An id with nothing to remove: exit 2 naming it, and the other id named with it is not removed either.
    assert main(["remove", ASSIGNMENT, "--student", "alice", "--student", "zed", *common]) == 2
    assert "nothing of 'ps1_graphs' to remove for 'zed'" in capsys.readouterr().err
    assert rows(db) == before and snapshot(workspace) == files

    assert main(["remove", ASSIGNMENT, "--student", "alice", *common]) == 0
    assert "alice" in capsys.readouterr().out
    after = rows(db)
    for table in OWNED:
        assert after[table]["alice"] == set(), table
        assert after[table]["bob"] == before[table]["bob"], table
        # Nothing else went (no rows of others, no orphans of alice's left behind).
        assert after[table]["all"] == before[table]["all"] - before[table]["alice"], table
    assert not any((workspace / step / "alice").exists() for step in ("submitted", "autograded", "feedback"))
    assert snapshot(workspace) == {k: v for k, v in files.items() if "alice" not in Path(k).parts
                                   and k != "gradebook.db"} | {"gradebook.db": snapshot(workspace)["gradebook.db"]}

    # The next grade run knows nothing of alice and keeps bob's grade.
    assert main(["grade", ASSIGNMENT, *common]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("bob") and rows(db)["grade"] == after["grade"]


def _as_nobody(argv: list[str]) -> tuple[int, str]:
    """Run ``main(argv)`` in a forked child that has dropped root (modules are already loaded)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:   # pragma: no cover - the child
        code = 99
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            sys.stderr = os.fdopen(write, "w")
            code = main(argv)
            sys.stderr.flush()
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as stream:
        err = stream.read()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), err


@pytest.mark.parametrize("command", ["grade", "report"])
def test_an_unusable_sqlite_folder_is_one_line_naming_it(tmp_path, capsys, command):
    (tmp_path / "a-file").write_text("not a folder")
    cases = {tmp_path / "missing": "the folder {} does not exist", tmp_path / "a-file": "{} is not a folder"}
    for folder, why in cases.items():
        url = f"sqlite:///{folder}/gradebook.db"
        assert main([command, ASSIGNMENT, "--workspace", str(tmp_path / "ws"), "--db-url", url]) == 6
        err = capsys.readouterr().err
        assert err == (f"backprop-grader {command}: error: cannot reach the gradebook {url}: {why.format(folder)}; "
                       f"check --db-url\n")


def test_a_sqlite_folder_without_permission_is_one_line_naming_it(capsys):
    # Root passes any file mode, so then the command runs as nobody (pytest's tmp_path is root-only).
    base = Path(tempfile.mkdtemp(prefix="backprop-perm-"))
    try:
        base.chmod(0o755)
        locked, workspace = base / "locked", base / "ws"
        locked.mkdir(mode=0o700)
        workspace.mkdir()
        workspace.chmod(0o777)
        argv = ["report", ASSIGNMENT, "--workspace", str(workspace), "--db-url", f"sqlite:///{locked}/gradebook.db"]
        if os.geteuid() == 0:
            code, err = _as_nobody(argv)
        else:
            locked.chmod(0)
            code, err = main(argv), capsys.readouterr().err
            locked.chmod(0o700)
    finally:
        shutil.rmtree(base)
    assert (code, err.count("\n")) == (6, 1) and f"permission denied on the folder {locked};" in err, err


def test_a_relative_sqlite_url_names_one_file_from_the_folder_the_command_runs_in(tmp_path, capsys, monkeypatch):
    workspace, common = collected(tmp_path, ["alice"])
    (tmp_path / "books").mkdir()
    monkeypatch.chdir(tmp_path)
    relative = ["--db-url", "sqlite:///books/course.db"]
    assert main(["grade", ASSIGNMENT, *relative, *common]) == 0
    assert main(["report", ASSIGNMENT, *relative, *common]) == 0
    assert "alice" in (workspace / "reports" / ASSIGNMENT / "grades.csv").read_text()
    # Every part of the run used the one file: nbgrader (which works from the course's folders) too.
    with sqlite3.connect(tmp_path / "books" / "course.db") as db:
        assert db.execute("SELECT name FROM assignment").fetchall() == [(ASSIGNMENT,)]
        assert db.execute("SELECT student_id FROM submitted_assignment").fetchall() == [("alice",)]
    assert not (workspace / "gradebook.db").exists() and not (ROOT / "books").exists()
    # From another folder the same text names another file, which holds no grades: said in one line.
    monkeypatch.chdir(workspace)
    capsys.readouterr()
    assert main(["report", ASSIGNMENT, *relative, *common]) == 6
    assert capsys.readouterr().err == (f"backprop-grader report: error: cannot reach the gradebook "
                                       f"sqlite:///{workspace}/books/course.db: the folder {workspace}/books does "
                                       f"not exist; check --db-url\n")


def test_absolute_sqlite_keeps_every_other_url_and_every_part_of_a_sqlite_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert absolute_sqlite("sqlite:///gb.db?timeout=20") == f"sqlite:///{tmp_path}/gb.db?timeout=20"
    assert absolute_sqlite("sqlite+pysqlite:///../gb.db") == f"sqlite+pysqlite:///{tmp_path}/../gb.db"
    kept = ["sqlite:////srv/gb.db", "sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true",
            "postgresql://grader:secret@host/course", "not a url"]
    assert [absolute_sqlite(url) for url in kept] == kept
    # SQLite's URI form: the file name inside it is made absolute, its parameters kept.
    uri = absolute_sqlite("sqlite:///file:gb.db?mode=rwc&uri=true")
    engine = sa.create_engine(uri)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA database_list").all()[0][2] == str(tmp_path / "gb.db")
    engine.dispose()
