"""The gradebook: nbgrader's tables plus two of ours, ``grading_status`` and ``grade_changes``.

nbgrader stores scores per graded cell but not why a submission scored what it
did; ``grading_status`` keeps one row per (assignment, student) with the status
(graded, timed out, killed for memory, malformed, ...) and a reason in words.
A row is written only after a submission's grades are saved, so a grading run
killed half-way leaves no row and the next run grades that submission again.
Its ``score`` is nbgrader's raw score (before the late penalty; see
autograder.pipeline.scores). ``grade_changes`` is the audit trail of what an
instructor changed by hand (autograder.pipeline.changes). All live in the same
database, SQLite or any SQLAlchemy URL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from nbgrader.api import Gradebook, MissingEntry

from autograder.pipeline.dburl import parse_url, unreachable

_META = sa.MetaData()
STATUS = sa.Table(
    "grading_status", _META,
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("submitted", sa.String(64), nullable=False),   # the graded files' digest (collect.submission_version)
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("max_score", sa.Float, nullable=False),
    sa.Column("graded_at", sa.String(64), nullable=False),
)
CHANGES = sa.Table(
    "grade_changes", _META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("assignment", sa.String(128), nullable=False, index=True),
    sa.Column("student", sa.String(128), nullable=False),
    sa.Column("what", sa.String(32), nullable=False),      # see autograder.pipeline.changes
    sa.Column("target", sa.String(256), nullable=False),   # "<notebook>:<cell>", or "" for the whole submission
    sa.Column("old", sa.Text, nullable=False),
    sa.Column("new", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", sa.String(64), nullable=False),        # ISO 8601 with its UTC offset
    sa.Column("command", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class StatusRow:
    assignment: str
    student: str
    status: str
    reason: str
    submitted: str
    score: float
    max_score: float
    graded_at: str


def ensure_gradebook(url: str) -> None:
    """Create nbgrader's tables and alembic stamp in an empty database.

    nbgrader does this itself by running the ``alembic`` program found on PATH,
    which is missing when the venv is not activated; the same head revision is
    read here in-process from nbgrader's own migration scripts.
    """
    from alembic.script import ScriptDirectory
    from nbgrader.api import Base
    from nbgrader.dbutil import ALEMBIC_DIR

    engine = _create_engine(url)
    try:
        with engine.begin() as conn:
            if not sa.inspect(conn).get_table_names():
                Base.metadata.create_all(conn)
                head = ScriptDirectory(ALEMBIC_DIR).get_current_head()
                conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
                conn.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": head})
            _META.create_all(conn, checkfirst=True)
    except sa.exc.SQLAlchemyError as exc:
        raise unreachable(url, exc) from exc
    finally:
        engine.dispose()


def open_gradebook(url: str, course_id: str) -> Gradebook:
    """nbgrader's Gradebook, with a message that names the URL and the cause when it cannot be opened."""
    ensure_gradebook(url)
    try:
        return Gradebook(url, course_id)
    except sa.exc.SQLAlchemyError as exc:
        raise unreachable(url, exc) from exc


def _create_engine(url: str) -> sa.Engine:
    parse_url(url)   # a message saying what a gradebook URL looks like
    try:
        return sa.create_engine(url)
    except (sa.exc.ArgumentError, ImportError) as exc:   # ImportError: the URL's driver is not installed
        raise unreachable(url, exc) from exc


def _engine(url: str) -> sa.Engine:
    engine = _create_engine(url)
    try:
        _META.create_all(engine, checkfirst=True)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise unreachable(url, exc) from exc
    return engine


def write_status(url: str, row: StatusRow) -> None:
    """Insert or replace the status row of (row.assignment, row.student) in one transaction."""
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(STATUS.delete().where(STATUS.c.assignment == row.assignment,
                                               STATUS.c.student == row.student))
            conn.execute(STATUS.insert().values(**row.__dict__))
    finally:
        engine.dispose()


def read_status(url: str, assignment: str) -> dict[str, StatusRow]:
    """Status rows of one assignment, by student id."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(STATUS).where(STATUS.c.assignment == assignment)).mappings().all()
    finally:
        engine.dispose()
    return {r["student"]: StatusRow(**r) for r in rows}


def remove_submission(url: str, course_id: str, assignment: str, student: str) -> bool:
    """Delete ``student``'s submission of ``assignment``: nbgrader's rows and our status row.

    The student's own row goes too when nothing else of theirs is left (an id collected by
    mistake leaves no trace). Returns whether there was anything to delete.
    """
    with open_gradebook(url, course_id) as gb:
        found = True
        try:
            gb.remove_submission(assignment, student)
        except MissingEntry:
            found = False
        try:
            if not gb.find_student(student).submissions:
                gb.remove_student(student)
        except MissingEntry:
            pass
    engine = _engine(url)
    try:
        with engine.begin() as conn:
            deleted = conn.execute(STATUS.delete().where(STATUS.c.assignment == assignment,
                                                         STATUS.c.student == student)).rowcount
            if found or deleted:   # the trail keeps its history; what came before this row no longer applies
                conn.execute(CHANGES.insert().values(
                    assignment=assignment, student=student, what="removed", target="", old="", new="",
                    reason="", at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    command=f"backprop-grader remove {assignment} --student {student}"))
    finally:
        engine.dispose()
    return found or deleted > 0


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def zero_notebooks(gb: Gradebook, assignment: str, student: str, notebooks: list[str]) -> None:
    """Score every graded cell of these notebooks 0, as nbgrader does for a notebook not submitted."""
    if not notebooks:
        return
    gb.update_or_create_student(student)   # nbgrader has not met a student whose every notebook was bad
    gb.update_or_create_submission(assignment, student)
    for name in notebooks:
        try:
            nb = gb.find_submission_notebook(name, assignment, student)
        except MissingEntry:
            continue
        for grade in nb.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
    gb.db.commit()


@dataclass(frozen=True)
class CellScore:
    notebook: str
    cell: str
    score: float
    max_score: float


def cell_scores(gb: Gradebook, assignment: str, student: str) -> list[CellScore]:
    """Score of every graded cell of one submission, in notebook then cell-name order."""
    out = []
    submission = gb.find_submission(assignment, student)
    for nb in sorted(submission.notebooks, key=lambda n: n.name):
        for grade in sorted(nb.grades, key=lambda g: g.name):
            out.append(CellScore(nb.name, grade.name, float(grade.score or 0), float(grade.max_score)))
    return out
