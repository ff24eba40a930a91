"""Where the course lives and how nbgrader is configured for it, built in code.

Two trees are involved. The *repository* holds the instructor's sources
(``solutions/<assignment>/*.ipynb``) and the released student versions
(``exercises/<assignment>/*.ipynb``); both are committed. The *grading workspace*
holds everything that is private to one run of the course: ``submitted/``,
``autograded/``, ``feedback/``, ``reports/`` and, by default, the SQLite gradebook.
Keeping them apart means student work never ends up in the repository.

nbgrader is driven with a ``traitlets`` Config built here rather than an
``nbgrader_config.py`` file, so tests and the CLI configure it the same way.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config

from autograder.errors import UsageError

#: Per-cell wall-clock limit in seconds; a cell running longer is interrupted and
#: its exercise scores 0, the rest of the notebook still runs.
CELL_TIMEOUT = 30
#: nbgrader's course id, stored with every gradebook row.
COURSE_ID = "backprop"
#: Environment variable naming the grading workspace when --workspace is not given.
WORKSPACE_ENV = "BACKPROP_GRADING_DIR"


def default_repo() -> Path:
    """The repository this package was installed from (editable install)."""
    return Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Course:
    """Paths and settings of one course run.

    repo: folder holding ``solutions/`` and ``exercises/``.
    workspace: folder for submissions, grading output and the default gradebook.
    db_url: any SQLAlchemy URL; None means ``sqlite:///<workspace>/gradebook.db``.
    """

    repo: Path = field(default_factory=default_repo)
    workspace: Path | None = None
    db_url: str | None = None
    course_id: str = COURSE_ID
    cell_timeout: int = CELL_TIMEOUT
    #: Passed to the sandboxed execution step: grade even where no sandbox is possible.
    allow_unsandboxed: bool = False
    #: ``module:function`` judging probe bundles in the trusted process.
    judge: str = "autograder.judge:judge"

    def __post_init__(self) -> None:
        object.__setattr__(self, "repo", Path(self.repo).resolve())
        workspace = self.workspace
        if workspace is None:
            workspace = os.environ.get(WORKSPACE_ENV) or self.repo / "grading"
        object.__setattr__(self, "workspace", Path(workspace).resolve())
        if self.cell_timeout <= 0:
            raise UsageError(f"cell_timeout must be a positive number of seconds, got {self.cell_timeout!r}")

    # -- the repository
    @property
    def source_dir(self) -> Path:
        return self.repo / "solutions"

    @property
    def release_dir(self) -> Path:
        return self.repo / "exercises"

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
        """Assignment names: folders of ``solutions/`` that hold notebooks."""
        if not self.source_dir.is_dir():
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


def execute_class() -> type:
    """The execution step (autograder.sandbox.SandboxedExecute)."""
    from autograder.preprocessors import execute_preprocessor
    return execute_preprocessor()


def nbgrader_config(course: Course, *, root: Path) -> Config:
    """nbgrader configuration with paths relative to ``root``.

    nbgrader matches submission paths with a regular expression built from
    ``root`` and the step folder, so the step folders are given relative to
    ``root`` wherever nbgrader reads from them.
    """
    from nbgrader.preprocessors import (
        AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern,
        LimitOutput, OverwriteKernelspec, SaveAutoGrades)

    from autograder import preprocessors as pp

    def rel(path: Path) -> str:
        return os.path.relpath(path, root)

    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = course.course_id
    c.CourseDirectory.db_url = course.gradebook_url
    c.CourseDirectory.source_directory = rel(course.source_dir)
    c.CourseDirectory.release_directory = rel(course.release_dir)
    c.CourseDirectory.submitted_directory = rel(course.submitted_dir)
    c.CourseDirectory.autograded_directory = rel(course.autograded_dir)
    c.CourseDirectory.feedback_directory = rel(course.feedback_dir)
    # Editor and OS debris in a source or submission folder is never course material.
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".DS_Store", "feedback"]

    execute = execute_class()
    # nbgrader's ClearMetadataPreprocessor step is dropped: it is disabled by default anyway.
    c.Autograde.sanitize_preprocessors = [
        ClearOutput,
        pp.RepairMetadata,     # drop forged or broken nbgrader metadata before nbgrader trusts it
        DeduplicateIds,
        OverwriteKernelspec,
        pp.RestoreCells,       # OverwriteCells that also re-adds deleted test cells robustly
        CheckCellMetadata,
    ]
    c.Autograde.autograde_preprocessors = [
        execute,
        pp.TrustedVerdicts,    # outputs of graded cells := the judge's verdict, nothing else
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
    # Late work: nbgrader's AssignLatePenalties asks this plugin for each notebook's penalty;
    # course.yml sets the policy (autograder/duedates.py, autograder/late.py).
    from autograder.duedates import load_settings
    from autograder.late import CourseLatePenalty
    policy = load_settings(course.workspace, course.repo).late
    c.AssignLatePenalties.plugin_class = CourseLatePenalty
    c.CourseLatePenalty.grace_minutes = policy.grace_minutes
    c.CourseLatePenalty.percent_per_day = policy.percent_per_day
    c.RestoreCells.add_missing_cells = True
    c.RestoreCells.source_root = str(course.source_dir)
    c.TrustedVerdicts.judge = course.judge
    c.Execute.timeout = course.cell_timeout
    c.Execute.interrupt_on_timeout = True
    if course.allow_unsandboxed:
        c.SandboxedExecute.allow_unsandboxed = True
    return c
