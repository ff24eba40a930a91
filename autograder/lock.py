"""One grading run per gradebook at a time.

Two ``grade`` runs writing the same gradebook would interleave their
submissions' rows (nbgrader deletes and re-creates a submission's grades while it
autogrades it). :func:`grading_lock` makes the second run wait for the first or
refuse with a message naming the holder.

The lock is an ``flock`` on a file next to the gradebook (for SQLite) or in the
grading workspace (for a server URL). The kernel drops an ``flock`` when its
holder dies, even by SIGKILL, so a killed run never leaves a stale lock behind
and the next run can start at once. A PostgreSQL gradebook shared by several
machines is also guarded with a session-level advisory lock held for the run,
which the server likewise releases when the connection drops.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from autograder.errors import GradebookError

#: Seconds between attempts while waiting for another run to finish.
POLL_SECONDS = 0.5


def lock_path(db_url: str, workspace: Path) -> Path:
    """The lock file of a gradebook: ``<db>.lock`` beside a SQLite file, else one in the workspace."""
    if db_url.startswith("sqlite:///") and db_url != "sqlite:///:memory:":
        db = Path(db_url[len("sqlite:///"):]).resolve()
        return db.with_name(db.name + ".lock")
    digest = hashlib.sha256(db_url.encode("utf-8")).hexdigest()[:16]
    return Path(workspace).resolve() / f".gradebook-{digest}.lock"


def _advisory_key(db_url: str) -> int:
    # A stable signed 64-bit key per gradebook, as pg_advisory_lock expects.
    return int.from_bytes(hashlib.sha256(b"backprop-grading:" + db_url.encode()).digest()[:8], "big", signed=True)


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return "another grading run"
    return text or "another grading run"


@contextmanager
def _file_lock(path: Path, wait: float) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise GradebookError(
                        f"the gradebook is busy: {_holder(path)} holds {path}. Wait for it to finish "
                        f"(or pass --wait SECONDS to wait here); a run that was killed releases the lock "
                        f"by itself, so there is never a stale lock to delete.") from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.write(fd, f"grading run pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
        yield
    finally:
        # Closing the descriptor releases the flock; the file stays so no two runs race on creating it.
        os.close(fd)


@contextmanager
def _advisory_lock(db_url: str, wait: float) -> Iterator[None]:
    """A PostgreSQL session advisory lock on ``db_url`` (nothing for other databases)."""
    if not db_url.startswith(("postgresql", "postgres")):
        yield
        return
    import sqlalchemy

    engine = sqlalchemy.create_engine(db_url)
    key = _advisory_key(db_url)
    try:
        with engine.connect() as conn:
            deadline = time.monotonic() + max(wait, 0.0)
            while not conn.execute(sqlalchemy.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                if time.monotonic() >= deadline:
                    raise GradebookError(
                        "the gradebook is busy: another grading run (maybe on another machine) holds its "
                        "PostgreSQL advisory lock. Wait for it to finish or pass --wait SECONDS.")
                time.sleep(POLL_SECONDS)
            try:
                yield
            finally:
                conn.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        engine.dispose()


@contextmanager
def grading_lock(db_url: str, workspace: Path, *, wait: float = 0.0) -> Iterator[Path]:
    """Hold the gradebook's lock for the body; wait up to ``wait`` seconds, then raise GradebookError."""
    path = lock_path(db_url, workspace)
    with _file_lock(path, wait), _advisory_lock(db_url, wait):
        yield path
