"""Gradebook URLs: parsing them, the SQLite file one names, and why a connection to one failed.

A driver's error is several lines of text wrapped by SQLAlchemy (with a link to
its own docs); the instructor needs the one fact that matters: the server
refused the connection on which host and port, the password was wrong, the
database does not exist, the SQLite folder is missing or not writable.
:func:`unreachable` turns such an error into one GradebookError line saying that.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import sqlalchemy as sa

from autograder.errors import GradebookError

EXAMPLES = "sqlite:///gradebook.db or postgresql://user@host/db"


def parse_url(db_url: str) -> sa.engine.URL:
    """The SQLAlchemy URL of ``db_url``, or GradebookError saying what a gradebook URL looks like."""
    try:
        return sa.engine.make_url(db_url)
    except sa.exc.ArgumentError as exc:
        raise GradebookError(f"cannot use the gradebook URL {db_url!r}: {exc}; expected an SQLAlchemy URL "
                             f"such as {EXAMPLES}") from exc


def safe_url(db_url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return sa.engine.make_url(db_url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(unparseable URL)"


def sqlite_file(url: sa.engine.URL) -> Path | None:
    """The absolute, symlink-free path of a SQLite gradebook file (None for an in-memory one)."""
    database = url.database or ""
    if url.query.get("uri") in ("true", "1") and database.startswith("file:"):
        database = database[len("file:"):].split("?", 1)[0]   # sqlite:///file:gb.db?mode=rwc&uri=true
        if database.startswith("//"):
            database = database[2:]
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    path = Path(os.path.abspath(database))
    try:
        return path.resolve()
    except (OSError, RuntimeError):   # a symlink loop (RuntimeError before Python 3.13): SQLite fails on it too
        return path


# libpq: 'connection to server at "127.0.0.1", port 5999 failed: Connection refused' or
# 'connection to server on socket "/run/postgresql/.s.PGSQL.5432" failed: FATAL:  database "x" does not exist'
_SERVER = re.compile(r'connection to server (?:at "(?P<host>[^"]+)"(?: \([^)]*\))?, port (?P<port>\d+)'
                     r'|on socket "(?P<socket>[^"]+)") failed: (?:FATAL:\s+)?(?P<why>.+)')


def _sqlite_cause(path: Path) -> str | None:
    folder = path.parent
    try:
        folder.stat()
    except FileNotFoundError:
        return f"the folder {folder} does not exist"
    except OSError as exc:
        return f"the folder {folder} cannot be used: {exc.strerror}"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        return f"permission denied on the folder {folder}"
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return f"permission denied on {path}"
    return None


def cause(db_url: str, exc: BaseException) -> str:
    """The real reason, in a few words, why ``exc`` stopped a connection to ``db_url``."""
    if isinstance(exc, ImportError):
        return (f"its database driver is not installed ({exc}); `pip install -r requirements.txt` installs "
                f"psycopg for postgresql:// URLs")
    url = parse_url(db_url)
    if url.get_backend_name() == "sqlite" and (path := sqlite_file(url)) is not None:
        found = _sqlite_cause(path)
        if found:
            return found
    text = str(getattr(exc, "orig", None) or exc)
    for line in text.splitlines():
        match = _SERVER.search(line)
        if match:
            where = f"socket {match['socket']}" if match["socket"] else f"{match['host']}:{match['port']}"
            why = match["why"].strip()
            return f"{why[:1].lower()}{why[1:]} on {where}"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return re.sub(r"^(connection failed|connection is bad):\s*", "", first)


def unreachable(db_url: str, exc: BaseException) -> GradebookError:
    """One line for an unreachable gradebook: the URL (password hidden), the cause and what to check."""
    try:
        server = parse_url(db_url).get_backend_name() != "sqlite"
    except GradebookError:
        server = False
    check = "check --db-url and that the database server is running and lets you in" if server else "check --db-url"
    return GradebookError(f"cannot reach the gradebook {safe_url(db_url)}: {cause(db_url, exc)}; {check}")
