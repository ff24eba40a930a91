"""The pipeline with its gradebook on a real PostgreSQL server, started by the test on loopback.

Uses Debian's postgresql (installed by `make system-deps`). Without it the test
skips on a developer machine and FAILS in CI (env CI set). As root, the server
runs as the unprivileged `postgres` user, as PostgreSQL insists.
"""
from __future__ import annotations

import glob
import importlib.util
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import nbformat
import pytest
import sqlalchemy as sa

from autograder.cli import main
from autograder.config import Course
from autograder.pipeline.gradebook import cell_scores, open_gradebook

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT, NOTEBOOK = "ps1_graphs", "graphs"


def _missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is needed in CI: {reason}; run `make system-deps`")
    pytest.skip(reason)


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


PASSWORD_ROLE, PASSWORD = "marker", "right-password"
# Loopback connections of PASSWORD_ROLE must give its password; everyone else is trusted.
PG_HBA = f"""\
local all all trust
host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256
host all {PASSWORD_ROLE} ::1/128 scram-sha-256
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
"""


@dataclass(frozen=True)
class Server:
    port: int
    socket_dir: Path
    bindir: Path
    data: Path

    def url(self, database: str = "gradebook", user: str = "grader", host: str = "127.0.0.1") -> str:
        """The README's form, postgresql://user@host/db, with this server's port."""
        return f"postgresql://{user}@{host}:{self.port}/{database}"

    def start(self) -> None:
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir} -c fsync=off"
        subprocess.run(_as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l",
                                        str(self.socket_dir / "server.log"), "-w", "-t", "60", "start"]),
                       check=True, capture_output=True, text=True, timeout=120)

    def stop_command(self) -> list[str]:
        """pg_ctl's fast shutdown: the server ends every session, as when it is stopped for maintenance."""
        return _as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])


@contextmanager
def running_server() -> Iterator[Server]:
    """A throw-away PostgreSQL on 127.0.0.1 with an empty database ``gradebook``, removed afterwards."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    if not initdb:
        _missing("initdb not found (Debian package postgresql)")
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
    server = Server(_free_port(), base, Path(initdb).parent, base / "data")
    try:
        subprocess.run(_as_server_user([initdb, "-D", str(server.data), "-U", "grader", "--auth=trust",
                                        "-E", "UTF8", "--no-sync"]), check=True, capture_output=True, text=True,
                       timeout=120)
        (server.data / "pg_hba.conf").write_text(PG_HBA)
        server.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL: {exc.stderr or exc.stdout}")
    try:
        admin = sa.create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE gradebook"))
            conn.execute(sa.text(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'"))
        admin.dispose()
        yield server
    finally:
        subprocess.run(server.stop_command(), capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_server():
    with running_server() as server:
        yield server


@pytest.fixture(scope="module")
def postgres_url(postgres_server):
    return postgres_server.url()


def _mistakes():
    spec = importlib.util.spec_from_file_location("mistakes", ROOT / "solutions" / "mistakes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mistakes"] = module
    spec.loader.exec_module(module)
    return module


def test_whole_pipeline_on_postgresql(postgres_server, tmp_path, monkeypatch):
    # The README's URL exactly, postgresql://user@host/db: SQLAlchemy picks the driver (psycopg 3) and
    # libpq the port (PGPORT, as a course with a server on a non-default port would set it).
    monkeypatch.setenv("PGPORT", str(postgres_server.port))
    postgres_url = "postgresql://grader@localhost/gradebook"
    m = _mistakes()
    kinds = {"perfect": "perfect", "release": "release", "square": "ps1_square.no_two"}
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
    hint = next(iter(m.EXPECTED_HINTS["ps1_square.no_two"][NOTEBOOK].values()))
    import html
    assert html.escape(hint) in (course.feedback_dir / "square" / ASSIGNMENT / "feedback.html").read_text()
    assert (course.reports_dir / ASSIGNMENT / "grades.csv").read_text().count("\n") == 5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]   # nothing listens here once the socket is closed


UNREACHABLE = {   # how the URL is wrong -> (URL, the cause the message must name)
    "server down": (lambda server, port: f"postgresql://grader@127.0.0.1:{port}/gradebook",
                    lambda server, port: f"connection refused on 127.0.0.1:{port}"),
    "wrong password": (lambda server, port: server.url(user=f"{PASSWORD_ROLE}:not-{PASSWORD}"),
                       lambda server, port: f'password authentication failed for user "{PASSWORD_ROLE}"'),
    "wrong database": (lambda server, port: server.url("no_such_course"),
                       lambda server, port: 'database "no_such_course" does not exist'),
    "wrong socket folder": (lambda server, port: f"postgresql://grader@/gradebook?host={server.socket_dir}/nowhere",
                            lambda server, port: f'{server.socket_dir}/nowhere/.s.PGSQL.'),
}


@pytest.mark.parametrize("command", ["grade", "report"])
@pytest.mark.parametrize("how", sorted(UNREACHABLE))
def test_unreachable_gradebook_is_one_line_naming_the_cause(postgres_server, tmp_path, capsys, how, command):
    make_url, make_cause = UNREACHABLE[how]
    port = _free_port()
    url = make_url(postgres_server, port)
    assert main([command, ASSIGNMENT, "--workspace", str(tmp_path / "ws"), "--db-url", url]) == 6
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith(f"backprop-grader {command}: error: cannot reach the gradebook")
    assert make_cause(postgres_server, port) in err and "check --db-url" in err
    assert f"not-{PASSWORD}" not in err and out == ""


HOLD_LOCK = """
import sys, time
from pathlib import Path
from autograder.pipeline.lock import grading_lock
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


def spellings(server: Server) -> dict[str, str]:
    """Ways to write the URL of the one gradebook (PGPORT must be the server's port for "README form")."""
    return {"127.0.0.1": server.url(),
            "localhost, driver named": server.url(host="localhost").replace("postgresql://", "postgresql+psycopg://"),
            "Unix socket": f"postgresql://grader@/gradebook?host={server.socket_dir}&port={server.port}",
            "README form": "postgresql://grader@localhost/gradebook"}


def test_every_spelling_of_the_url_meets_the_same_lock(postgres_server, tmp_path, monkeypatch):
    from autograder.errors import GradebookError
    from autograder.pipeline.lock import grading_lock

    monkeypatch.setenv("PGPORT", str(postgres_server.port))
    urls = spellings(postgres_server)
    for first, second in itertools.permutations(urls, 2):
        with grading_lock(urls[first], tmp_path / "machine-a"):
            with pytest.raises(GradebookError, match=rf"busy: backprop-grader pid {os.getpid()} on .* holds the "
                                                     rf"PostgreSQL advisory lock of database 'gradebook'"):
                with grading_lock(urls[second], tmp_path / "machine-b"):
                    pytest.fail(f"{first} and {second} both hold the gradebook")
    # Another database on the same server is another gradebook: its run is not held up.
    admin = sa.create_engine(postgres_server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE other_course"))
    admin.dispose()
    with grading_lock(urls["127.0.0.1"], tmp_path / "a"), grading_lock(postgres_server.url("other_course"), tmp_path):
        assert granted_advisory_locks(postgres_server.url()) == 2


def test_a_waiting_run_queues_in_the_server_and_gets_the_lock_when_the_first_ends(postgres_server, tmp_path):
    from autograder.errors import GradebookError
    from autograder.pipeline.lock import grading_lock

    urls = spellings(postgres_server)
    with grading_lock(urls["127.0.0.1"], tmp_path / "a"):   # a wait that runs out is the same refusal
        with pytest.raises(GradebookError, match=rf"busy: backprop-grader pid {os.getpid()} .*--wait SECONDS"):
            with grading_lock(urls["Unix socket"], tmp_path / "b", wait=0.2):
                pytest.fail("both runs hold the gradebook")
    told, got = [], threading.Event()

    def second_run() -> None:
        with grading_lock(urls["Unix socket"], tmp_path / "b", wait=600, on_wait=told.append):
            got.set()

    with grading_lock(urls["127.0.0.1"], tmp_path / "a"):
        waiter = threading.Thread(target=second_run)
        waiter.start()
        engine = sa.create_engine(urls["127.0.0.1"])
        with engine.connect() as conn:   # wait for the condition: the second run queued behind the first
            while not conn.execute(sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                           "AND NOT granted")).scalar_one():
                assert waiter.is_alive()
                time.sleep(0.05)
        engine.dispose()
        assert not got.is_set()
    waiter.join(timeout=120)
    assert got.is_set() and len(told) == 1 and f"pid {os.getpid()}" in told[0]


def test_advisory_lock_excludes_a_run_from_another_workspace(postgres_url, tmp_path):
    """Two machines share the server, not a lock file: the PostgreSQL advisory lock alone keeps them apart."""
    import signal

    from autograder.errors import GradebookError
    from autograder.pipeline.lock import grading_lock, lock_path

    machine_a, machine_b = tmp_path / "a", tmp_path / "b"
    assert lock_path(postgres_url, machine_a) is None   # no lock file: the lock is in the server
    holder_url = postgres_url.replace("@127.0.0.1", "@localhost")   # machine A spells the URL its own way
    child = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, holder_url, str(machine_a)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "locked"
        assert granted_advisory_locks(postgres_url) == 1
        with pytest.raises(GradebookError, match=f"backprop-grader pid {child.pid} .* PostgreSQL advisory lock"):
            with grading_lock(postgres_url, machine_b, wait=1.0):
                pass
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    # The server drops a dead holder's session lock: the other machine gets in (while waiting for it).
    with grading_lock(postgres_url, machine_b, wait=30):
        assert granted_advisory_locks(postgres_url) == 1


# The CLI in a child process, as an instructor's terminal runs it; argv[1] is the command that stops the
# server, run just as nbgrader is about to write the first new student (the next statement then fails).
STOP_AS_NBGRADER_WRITES = """
import subprocess, sys
from nbgrader.api import Gradebook
real = Gradebook.add_student
def add_student(self, *args, **kwargs):
    subprocess.run(sys.argv[1].split("\\x1f"), check=True, capture_output=True)
    return real(self, *args, **kwargs)
Gradebook.add_student = add_student
from autograder.cli import main
sys.exit(main(sys.argv[2:]))
"""
#: A cell that says it started, then waits for the test to let it go.
HOLD = ("import os, time\nopen('started', 'w').close()\n"
        "while not os.path.exists('release'):\n    time.sleep(0.05)")


@pytest.mark.parametrize("moment", ["as nbgrader writes", "while a notebook runs"])
def test_a_server_stopping_mid_run_is_one_line_and_the_next_run_grades_everyone(tmp_path, moment):
    with running_server() as server:
        url = server.url()
        for student in ("ann", "ben"):
            nb = nbformat.read(ROOT / "exercises" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
            if moment == "while a notebook runs":
                nb.cells.insert(1, nbformat.v4.new_code_cell(HOLD))
            (tmp_path / "in" / student).mkdir(parents=True)
            nbformat.write(nb, tmp_path / "in" / student / f"{NOTEBOOK}.ipynb")
        common = ["--workspace", str(tmp_path / "ws"), "--db-url", url, "--repo", str(ROOT)]
        assert main(["collect", ASSIGNMENT, str(tmp_path / "in"), *common]) == 0
        if moment == "as nbgrader writes":
            argv = [sys.executable, "-c", STOP_AS_NBGRADER_WRITES, "\x1f".join(server.stop_command())]
        else:
            argv = [sys.executable, "-m", "autograder"]
        run = subprocess.Popen([*argv, "grade", ASSIGNMENT, *common], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        if moment == "while a notebook runs":
            scratch = f"backprop-sandbox-*-run{run.pid}-*/home"
            deadline = time.monotonic() + 300
            while not (started := sorted(Path(tempfile.gettempdir()).glob(f"{scratch}/started"))):
                assert run.poll() is None and time.monotonic() < deadline, run.communicate()
                time.sleep(0.05)
            subprocess.run(server.stop_command(), check=True, capture_output=True, timeout=120)
            for path in started:
                (path.parent / "release").touch()
        out, err = run.communicate(timeout=600)
        *progress, last = err.splitlines()
        assert run.returncode == 6 and out == "", err
        assert last.startswith(f"backprop-grader grade: error: cannot reach the gradebook {url}: ")
        assert last.endswith("; check --db-url and that the database server is running and lets you in")
        assert all(line.startswith("[") for line in progress), err

        # Back up, the server holds no half-graded submission: the next run grades both, once each.
        server.start()
        for_good = subprocess.Popen([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, *common],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while for_good.poll() is None:
            for path in Path(tempfile.gettempdir()).glob(f"backprop-sandbox-*-run{for_good.pid}-*/home/started"):
                (path.parent / "release").touch()
            time.sleep(0.05)
        out, err = for_good.communicate()
        assert for_good.returncode == 0, err
        assert [line.split()[0] for line in out.splitlines()] == ["ann", "ben"] and out.count(" graded: ") == 2
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM submitted_assignment")).scalar_one() == 2
        engine.dispose()
