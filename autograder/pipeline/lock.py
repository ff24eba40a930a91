"""One grading run per gradebook at a time, whatever the spelling of its URL.

Two ``grade`` runs writing the same gradebook would interleave their
submissions' rows (nbgrader deletes and re-creates a submission's grades while it
autogrades it), so :func:`grading_lock` makes the second run wait for the first or
refuse with a message naming the holder.

The lock is keyed on the database itself, never on the URL text, because one
gradebook has many spellings (``sqlite:///x`` and ``sqlite+pysqlite:///x``, a
relative and an absolute path, a symlinked folder, ``@127.0.0.1`` and
``@localhost`` or the server's Unix socket):

- SQLite: an ``flock`` on ``<file>.lock`` beside the database file, with the path
  made absolute and its symlinks resolved.
- PostgreSQL: a session advisory lock inside the database. The server scopes
  advisory locks to the current database already (``pg_locks.database``); the key
  names the gradebook's schema within it, read from the server
  (``current_database()``, ``current_schema()``), so every spelling, from any
  machine, meets the same lock.
- Other servers: an ``flock`` in the workspace keyed on the URL without its driver
  and password (best effort: such a server is not asked who it is).

Both kinds are dropped by the kernel or the server when their holder dies, even by
SIGKILL, so a killed run never leaves a stale lock behind.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import sqlalchemy as sa

from autograder.errors import GradebookError
from autograder.pipeline.dburl import parse_url, sqlite_file, unreachable

#: Seconds between attempts while waiting for another run to release an flock.
POLL_SECONDS = 0.5
#: The lock file of a grading workspace (its autograded/ and feedback/ folders).
WORKSPACE_LOCK = ".grading.lock"

#: PostgreSQL's SQLSTATE when lock_timeout ran out.
LOCK_NOT_AVAILABLE = "55P03"

OnWait = Callable[[str], None]   # told who holds the lock, once, when a run starts waiting for it


def lock_path(db_url: str, workspace: Path) -> Path | None:
    """The lock file of a gradebook: ``<file>.lock`` beside a SQLite file; None where the server holds the lock."""
    url = parse_url(db_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        db = sqlite_file(url)
        return db.with_name(db.name + ".lock") if db else None
    if backend == "postgresql":
        return None
    # Neither driver nor password names the database; host names are case-insensitive.
    plain = sa.engine.URL.create(backend, username=url.username, host=(url.host or "").lower() or None,
                                 port=url.port, database=url.database)
    digest = hashlib.sha256(plain.render_as_string().encode()).hexdigest()[:16]
    return Path(workspace).resolve() / f".gradebook-{digest}.lock"


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return "another grading run"
    return text or "another grading run"


@contextmanager
def file_lock(path: Path, wait: float, busy: Callable[[str], str], on_wait: OnWait | None = None, *,
              unusable: Callable[[OSError], GradebookError] | None = None) -> Iterator[None]:
    """Hold an ``flock`` on ``path`` (created if need be); ``busy(holder)`` is the refusal message.

    unusable: the error to raise when the file cannot be created (default: one naming the file).
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if unusable:
            raise unusable(exc) from exc
        raise GradebookError(f"cannot create the lock file {path}: {exc.strerror}; check that the folder "
                             f"{path.parent} exists and that you may write in it") from exc
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise GradebookError(busy(_holder(path))) from None
                if on_wait and not told:
                    on_wait(_holder(path))
                    told = True
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.write(fd, f"grading run pid {os.getpid()} on {socket.gethostname()} since "
                     f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n".encode())   # this machine's zone, named
        yield
    finally:
        # Closing the descriptor releases the flock; the file stays so no two runs race on creating it.
        os.close(fd)


def _busy_file(path: Path) -> Callable[[str], str]:
    return lambda holder: (f"the gradebook is busy: {holder} holds {path}. Wait for it to finish (or pass "
                           f"--wait SECONDS to wait here); a run that was killed releases the lock by itself, "
                           f"so there is never a stale lock to delete.")


def _advisory_key(database: str, schema: str) -> int:
    # A stable signed 64-bit key, as pg_advisory_lock expects, from the names the server reports.
    digest = hashlib.sha256(f"backprop-grading:{database}/{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_HOLDER = sa.text("""
    SELECT a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.classid = :hi AND l.objid = :lo
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())""")


def _sqlstate(exc: sa.exc.DBAPIError) -> str | None:
    # psycopg 3 calls it sqlstate, psycopg2 pgcode
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


def _pg_holder(conn: sa.Connection, key: int) -> str:
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    row = conn.execute(_HOLDER, {"hi": unsigned >> 32, "lo": unsigned & 0xFFFF_FFFF}).first()
    if row is None or not row.application_name:
        return "another grading run (maybe on another machine)"
    return f"{row.application_name} (connected since {row.backend_start:%Y-%m-%d %H:%M:%S %z})"


@contextmanager
def advisory_lock(db_url: str, wait: float, on_wait: OnWait | None = None) -> Iterator[None]:
    """Hold the PostgreSQL session advisory lock of the gradebook at ``db_url`` for the body."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool, connect_args={
        "application_name": f"backprop-grader pid {os.getpid()} on {socket.gethostname()}"})
    try:
        try:
            conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except (sa.exc.DBAPIError, ImportError) as exc:
            raise unreachable(db_url, exc) from exc
        with conn:
            database, schema = conn.execute(sa.text("SELECT current_database(), current_schema()")).one()
            key = _advisory_key(database, schema)
            if not conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                holder = _pg_holder(conn, key)
                busy = (f"the gradebook is busy: {holder} holds the PostgreSQL advisory lock of database "
                        f"{database!r}. Wait for it to finish (or pass --wait SECONDS to wait here); the server "
                        f"drops the lock of a run that died, so there is never a stale lock to delete.")
                if wait <= 0:
                    raise GradebookError(busy)
                if on_wait:
                    on_wait(holder)
                # The server queues the waiter (visible in pg_locks) and gives up after lock_timeout
                # (in ms; 0 would mean never, and it must fit an int).
                timeout = min(max(int(wait * 1000), 1), 2**31 - 1)
                conn.execute(sa.text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": f"{timeout}ms"})
                try:
                    conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": key})
                except sa.exc.OperationalError as exc:
                    if _sqlstate(exc) != LOCK_NOT_AVAILABLE:
                        raise unreachable(db_url, exc) from exc
                    raise GradebookError(busy) from exc
                conn.execute(sa.text("RESET lock_timeout"))
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        engine.dispose()


@contextmanager
def workspace_lock(workspace: Path, wait: float = 0.0, on_wait: OnWait | None = None) -> Iterator[None]:
    """Hold the workspace's lock: two runs on one workspace would overwrite each other's files."""
    Path(workspace).mkdir(parents=True, exist_ok=True)
    busy = (lambda holder: f"another grading run is using {workspace} ({holder}); wait for it to finish and run "
                           f"grade again (it resumes where the other stopped), or pass --wait SECONDS")
    with file_lock(Path(workspace) / WORKSPACE_LOCK, wait, busy, on_wait):
        yield


@contextmanager
def grading_lock(db_url: str, workspace: Path, *, wait: float = 0.0,
                 on_wait: OnWait | None = None) -> Iterator[Path | None]:
    """Hold the gradebook's lock for the body; wait up to ``wait`` seconds, then raise GradebookError.

    Yields the lock file, or None where the lock lives in the database server.
    on_wait: called with the holder's description when this run starts waiting.
    """
    url = parse_url(db_url)
    if url.get_backend_name() == "postgresql":
        with advisory_lock(db_url, wait, on_wait):
            yield None
        return
    path = lock_path(db_url, workspace)
    if path is None:   # an in-memory SQLite database belongs to one process: nobody to exclude
        yield None
        return
    # A lock file that cannot be made means the gradebook beside it cannot be either: say why.
    with file_lock(path, wait, _busy_file(path), on_wait, unusable=lambda exc: unreachable(db_url, exc)):
        yield path
