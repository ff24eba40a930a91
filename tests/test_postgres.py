"""The pipeline with its gradebook on a real PostgreSQL server, started by the test on loopback.

Uses Debian's postgresql (installed by `make system-deps`). Without it the test
skips on a developer machine and FAILS in CI (env CI set). As root, the server
runs as the unprivileged `postgres` user, as PostgreSQL insists.
"""
from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa

from autograder.cli import main
from autograder.config import Course
from autograder.gradebook import cell_scores, open_gradebook

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT, NOTEBOOK = "ps1_graphs", "graphs"


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is needed in CI: {reason}; run `make system-deps`")
    pytest.skip(reason)


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def postgres_url():
    """Start a throw-away PostgreSQL on 127.0.0.1 and yield an SQLAlchemy URL of an empty database."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    if not initdb:
        _missing("initdb not found (Debian package postgresql)")
    bindir = Path(initdb).parent
    if os.geteuid() == 0:
        try:
            server_user = pwd.getpwnam("postgres")
        except KeyError:
            _missing("running as root but there is no 'postgres' user to run the server as")
        if not shutil.which("runuser"):
            _missing("running as root and runuser is missing")
    base = Path(tempfile.mkdtemp(prefix="backprop-pg-"))  # not under pytest's root-only tmp folders
    if os.geteuid() == 0:
        os.chown(base, server_user.pw_uid, server_user.pw_gid)
    data, log = base / "data", base / "server.log"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    try:
        subprocess.run(_as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", "grader", "--auth=trust",
                                        "-E", "UTF8", "--no-sync"]), **run)
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log),
                                        "-w", "-t", "60", "start"]), **run)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr or exc.stdout}")
    try:
        admin = sa.create_engine(f"postgresql+psycopg2://grader@127.0.0.1:{port}/postgres",
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE gradebook"))
        admin.dispose()
        yield f"postgresql+psycopg2://grader@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


def _mistakes():
    spec = importlib.util.spec_from_file_location("mistakes", ROOT / "solutions" / "mistakes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mistakes"] = module
    spec.loader.exec_module(module)
    return module


def test_whole_pipeline_on_postgresql(postgres_url, tmp_path):
    m = _mistakes()
    kinds = {"perfect": "perfect", "release": "release", "square": "ps1_square_backward.square_no_two"}
    source = tmp_path / "in"
    for student, kind in kinds.items():
        (source / student).mkdir(parents=True)
        nbformat.write(m.make_submission(kind)[NOTEBOOK], source / student / f"{NOTEBOOK}.ipynb")
    (source / "broken").mkdir()
    (source / "broken" / f"{NOTEBOOK}.ipynb").write_text("not a notebook")
    workspace = tmp_path / "ws"
    common = ["--workspace", str(workspace), "--db-url", postgres_url]
    for argv in (["collect", ASSIGNMENT, str(source)], ["grade", ASSIGNMENT], ["grade", ASSIGNMENT],
                 ["feedback", ASSIGNMENT], ["report", ASSIGNMENT]):
        assert main([*argv, *common]) == 0, argv

    course = Course(workspace=workspace, db_url=postgres_url)
    expected = {student: m.EXPECTED_SCORES[kind][NOTEBOOK] for student, kind in kinds.items()}
    expected["broken"] = {gid: 0 for gid in expected["perfect"]}
    with open_gradebook(postgres_url, course.course_id) as gb:
        got = {s: {c.cell: c.score for c in cell_scores(gb, ASSIGNMENT, s)} for s in expected}
    assert got == expected

    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        statuses = dict(conn.execute(sa.text("SELECT student, status FROM grading_status")).all())
        grades = conn.execute(sa.text("SELECT count(*) FROM grade")).scalar_one()
    engine.dispose()
    assert statuses == {"perfect": "graded", "release": "graded", "square": "graded", "broken": "malformed"}
    assert grades == 4 * len(expected["perfect"])      # graded twice, stored once
    assert not (workspace / "gradebook.db").exists()   # nothing went to the default SQLite file
    hint = next(iter(m.EXPECTED_HINTS["ps1_square_backward.square_no_two"][NOTEBOOK].values()))
    import html
    assert html.escape(hint) in (course.feedback_dir / "square" / ASSIGNMENT / "feedback.html").read_text()
    assert (course.reports_dir / ASSIGNMENT / "grades.csv").read_text().count("\n") == 5


def test_unreachable_server_is_one_clear_line(tmp_path, capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]   # nothing listens here once the socket is closed
    url = f"postgresql+psycopg2://grader@127.0.0.1:{port}/none"
    (tmp_path / "in" / "alice").mkdir(parents=True)
    assert main(["report", ASSIGNMENT, "--workspace", str(tmp_path / "ws"), "--db-url", url]) == 6
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"127.0.0.1:{port}/none" in err and "check --db-url" in err


HOLD_LOCK = """
import sys, time
from pathlib import Path
from autograder.lock import grading_lock
with grading_lock(sys.argv[1], Path(sys.argv[2])):
    print("locked", flush=True)
    time.sleep(300)
"""


def granted_advisory_locks(url: str) -> int:
    """How many advisory locks the server has granted right now (to any session)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
                             ).scalar_one()
    engine.dispose()
    return count


def test_advisory_lock_excludes_a_run_from_another_workspace(postgres_url, tmp_path):
    """Two machines share the server, not a lock file: the PostgreSQL advisory lock alone keeps them apart."""
    import signal

    from autograder.errors import GradebookError
    from autograder.lock import grading_lock, lock_path

    machine_a, machine_b = tmp_path / "a", tmp_path / "b"
    assert lock_path(postgres_url, machine_a) != lock_path(postgres_url, machine_b)
    child = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, postgres_url, str(machine_a)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "locked"
        assert granted_advisory_locks(postgres_url) == 1
        with pytest.raises(GradebookError, match="PostgreSQL advisory lock"):
            with grading_lock(postgres_url, machine_b, wait=1.0):
                pass
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    # The server drops a dead holder's session lock: the other machine gets in (while waiting for it).
    with grading_lock(postgres_url, machine_b, wait=30):
        assert granted_advisory_locks(postgres_url) == 1
