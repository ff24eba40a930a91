"""Where the course lives and what one run of it is set to: shared by every part of the grader.

Two trees are involved. The *repository* holds the instructor's sources
(``solutions/<assignment>/*.ipynb``) and the released student versions
(``exercises/<assignment>/*.ipynb``); both are committed. The *grading workspace*
holds everything that is private to one run of the course: ``submitted/``,
``autograded/``, ``feedback/``, ``reports/`` and, by default, the SQLite gradebook.
Keeping them apart means student work never ends up in the repository.

nbgrader's configuration for a course is built from a :class:`Course` by
:func:`autograder.pipeline.nbconfig.nbgrader_config`. This module imports nothing
of the grader but its errors, so every layer may use it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from autograder.errors import SourceError, UsageError

#: Per-cell wall-clock limit in seconds; a cell running longer is interrupted and
#: its exercise scores 0, the rest of the notebook still runs.
CELL_TIMEOUT = 30
#: nbgrader's course id, stored with every gradebook row.
COURSE_ID = "backprop"
#: Environment variable naming the grading workspace when --workspace is not given.
WORKSPACE_ENV = "BACKPROP_GRADING_DIR"
#: The settings of one run of the course (due dates, late policy, language): in the grading
#: workspace, else in the repository root (autograder.pipeline.duedates reads the rest).
SETTINGS_FILE = "course.yml"


def settings_path(workspace: Path, repo: Path) -> Path | None:
    """The course.yml in effect: the workspace's, else the repository's, else None."""
    for folder in (workspace, repo):
        if (Path(folder) / SETTINGS_FILE).is_file():
            return Path(folder) / SETTINGS_FILE
    return None


def course_language(workspace: Path, repo: Path) -> str:
    """course.yml's ``language`` (default English), checked against the languages the grader speaks.

    A course.yml that cannot be read is left to autograder.pipeline.duedates, which says why.
    """
    from autograder import i18n

    path = settings_path(workspace, repo)
    if path is None:
        return i18n.SOURCE_LANGUAGE
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return i18n.SOURCE_LANGUAGE
    value = raw.get("language") if isinstance(raw, dict) else None
    if value is None:
        return i18n.SOURCE_LANGUAGE
    known = i18n.languages()
    if str(value) not in known:
        raise SourceError(f"{path}: language {value!r} is not one the course is written in; use one of "
                          f"{', '.join(known)}")
    return str(value)


def absolute_sqlite(db_url: str) -> str:
    """``db_url`` with a relative SQLite file path made absolute against the current folder.

    nbgrader opens the gradebook from the course's root folder and this package from wherever it
    runs, so a relative path would name two files. Other URLs, in-memory databases and text that is
    no URL come back unchanged (opening them says what is wrong).
    """
    import sqlalchemy as sa

    try:
        url = sa.engine.make_url(db_url)
    except sa.exc.ArgumentError:
        return db_url
    prefix, database = "", url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or url.query.get("mode") == "memory":
        return db_url
    if url.query.get("uri") in ("true", "1") and database.startswith("file:"):   # sqlite:///file:gb.db?uri=true
        prefix, database = "file:", database[len("file:"):]
    path, question, query = database.partition("?")
    if os.path.isabs(path) or path.startswith("//"):
        return db_url
    try:
        folder = os.getcwd()
    except FileNotFoundError:
        raise UsageError(f"the gradebook URL {db_url!r} names a file relative to the current folder, which no "
                         f"longer exists; give an absolute path, e.g. sqlite:////home/you/gradebook.db") from None
    # Joined, not normalised: the system resolves "..", after any symlink, as SQLite would have.
    return url.set(database=f"{prefix}{Path(folder, path)}{question}{query}").render_as_string(hide_password=False)


def default_repo() -> Path:
    """The repository this package was installed from (editable install)."""
    return Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Course:
    """Paths and settings of one course run.

    repo: folder holding ``solutions/`` and ``exercises/``.
    workspace: folder for submissions, grading output and the default gradebook.
    db_url: any SQLAlchemy URL; None means ``sqlite:///<workspace>/gradebook.db``. A relative SQLite
    path is taken from the current folder, as the workspace is.
    """

    repo: Path = field(default_factory=default_repo)
    workspace: Path | None = None
    db_url: str | None = None
    course_id: str = COURSE_ID
    cell_timeout: int = CELL_TIMEOUT
    #: Passed to the sandboxed execution step: grade even where no sandbox is possible.
    allow_unsandboxed: bool = False
    #: ``module:function`` judging probe bundles in the trusted process.
    judge: str = "autograder.checks.judge:judge"
    #: The language of the notebooks, the checks' messages and the pages ("en", "ko"); None: course.yml's.
    language: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "repo", Path(self.repo).resolve())
        workspace = self.workspace
        if workspace is None:
            workspace = os.environ.get(WORKSPACE_ENV) or self.repo / "grading"
        object.__setattr__(self, "workspace", Path(workspace).resolve())
        if self.db_url:
            object.__setattr__(self, "db_url", absolute_sqlite(self.db_url))
        if self.language is None:
            object.__setattr__(self, "language", course_language(self.workspace, self.repo))
        if self.cell_timeout <= 0:
            raise UsageError(f"cell_timeout must be a positive number of seconds, got {self.cell_timeout!r}")

    # -- the repository: English in solutions/ and exercises/, another language in a folder of its
    # name inside them (solutions/ko/, exercises/ko/), generated from the same sources
    @property
    def source_dir(self) -> Path:
        return self._in_language(self.repo / "solutions")

    @property
    def release_dir(self) -> Path:
        return self._in_language(self.repo / "exercises")

    def _in_language(self, folder: Path) -> Path:
        from autograder import i18n

        return folder if self.language == i18n.SOURCE_LANGUAGE else folder / self.language

    # -- the workspace
    @property
    def submitted_dir(self) -> Path:
        return self.workspace / "submitted"

    @property
    def autograded_dir(self) -> Path:
        return self.workspace / "autograded"

    @property
    def feedback_dir(self) -> Path:
        return self.workspace / "feedback"

    @property
    def reports_dir(self) -> Path:
        return self.workspace / "reports"

    @property
    def gradebook_url(self) -> str:
        return self.db_url or f"sqlite:///{self.workspace / 'gradebook.db'}"

    def assignments(self) -> list[str]:
        """Assignment names: folders of ``solutions/`` (of ``solutions/<language>/``) that hold notebooks."""
        if not self.source_dir.is_dir():
            if (self.repo / "solutions").is_dir():
                raise UsageError(f"no {self.source_dir.relative_to(self.repo)}/ folder in {self.repo}: the "
                                 f"assignments are not built in {self.language!r}; run python solutions/build_sources.py")
            raise UsageError(f"no solutions/ folder in {self.repo}; pass --repo pointing at the course repository")
        return sorted(p.name for p in self.source_dir.iterdir()
                      if p.is_dir() and any(p.glob("*.ipynb")))

    def check_assignment(self, assignment: str) -> str:
        """Return ``assignment`` if it exists in solutions/, else raise UsageError listing the known ones."""
        known = self.assignments()
        if assignment not in known:
            raise UsageError(f"unknown assignment {assignment!r}: expected one of {', '.join(known) or '(none)'}"
                             f" (folders of {self.source_dir} holding notebooks)")
        return assignment

    def notebooks(self, assignment: str) -> list[str]:
        """Notebook names (without .ipynb) of one assignment, from its source folder."""
        return sorted(p.stem for p in (self.source_dir / assignment).glob("*.ipynb"))
