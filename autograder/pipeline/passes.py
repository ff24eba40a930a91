"""nbgrader's Autograde in its two passes, run apart, and the one gradebook session they share.

nbgrader's ``Autograde`` sanitizes a notebook and then executes and scores it in
one go. Grading in parallel separates the two: the *sanitize* pass runs on the
coordinator before the notebook goes to a worker, the *autograde* pass when the
worker's outputs are back (:mod:`autograder.pipeline.grade`). Both stay nbgrader's own
converter and preprocessor chain, so its cell restoring, timestamps and late
penalties work as in ``nbgrader autograde``.

nbgrader opens the gradebook afresh about a dozen times per notebook (each
converter step and preprocessor), about 0.1 s each on a busy machine, and commits
after every cell it scores, all on the coordinator, which is the one part that
does not scale out. :func:`one_gradebook` lends those steps the run's one open
session instead, whose commits wait for :func:`end_step`.
"""
from __future__ import annotations

import importlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import nbformat
from nbgrader import utils as nbgrader_utils
from nbgrader.api import Gradebook
from nbgrader.converters import Autograde
from nbgrader.converters import autograde as autograde_module
from nbgrader.converters.base import BaseConverter, NbGraderException

from autograder.execution.outcomes import FAILED, MALFORMED, OUTCOME_KEY
from autograder.pipeline.gradebook import open_gradebook

#: Modules whose code opens nbgrader's Gradebook during the two passes.
GRADEBOOK_USERS = ("nbgrader.converters.autograde", "nbgrader.preprocessors.overwritecells",
                   "nbgrader.preprocessors.saveautogrades", "nbgrader.preprocessors.latesubmissions",
                   "nbgrader.preprocessors.overwritekernelspec", "autograder.pipeline.preprocessors")


class _StepSession:
    """The run's database session as nbgrader sees it: a commit only flushes.

    nbgrader commits after every cell it scores (about 20 commits per notebook, each a
    disk sync); :func:`end_step` commits once per step instead, which also makes a
    submission's scores appear all at once.
    """

    def __init__(self, session):
        self.session = session

    def __getattr__(self, name):
        return getattr(self.session, name)

    def commit(self) -> None:
        self.session.flush()


def end_step(gradebook: Gradebook, ok: bool = True) -> None:
    """Commit (ok) or roll back all that the steps did since the last call, ending the transaction.

    ``gradebook`` is the one :func:`one_gradebook` yields.
    """
    if ok:
        gradebook.db.session.commit()
    else:
        gradebook.db.session.rollback()


class _Borrowed:
    """The run's open Gradebook, lent to code that opens and closes one of its own.

    Closing it leaves the transaction open: the coordinator ends it with :func:`end_step`.
    """

    def __init__(self, gradebook: Gradebook):
        self._gradebook = gradebook

    def __getattr__(self, name):
        return getattr(self._gradebook, name)

    def __enter__(self) -> "_Borrowed":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass


@contextmanager
def one_gradebook(url: str, course_id: str) -> Iterator[Gradebook]:
    """Open the gradebook once; nbgrader's steps asking for ``url`` get this session meanwhile.

    Their commits only flush: call :func:`end_step` after each step.
    """
    gradebook = open_gradebook(url, course_id)
    gradebook.db = _StepSession(gradebook.db)
    modules = [importlib.import_module(name) for name in GRADEBOOK_USERS]
    originals = [module.Gradebook for module in modules]

    def lend(db_url, *args, **kwargs):
        return _Borrowed(gradebook) if db_url == url else Gradebook(db_url, *args, **kwargs)

    for module in modules:
        module.Gradebook = lend
    try:
        yield gradebook
    finally:
        for module, original in zip(modules, originals):
            module.Gradebook = original
        gradebook.db = gradebook.db.session
        gradebook.close()


class CourseAutograde(Autograde):
    """nbgrader's Autograde, one pass at a time, skipping unreadable notebooks and keeping outcomes.

    executed None: the sanitize pass only (nbgrader's set-up of the submission included).
    executed {notebook: worker record}: the autograde pass only, on the sanitized notebooks,
    with the execution step taking the worker's outputs (see SandboxedExecute).
    """

    def __init__(self, *args, malformed: dict[str, str], executed: dict[str, dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.malformed = malformed        # notebook name -> why it cannot be read
        self.executed = executed
        self._sanitizing = executed is None
        self.outcomes: list[tuple[str, str]] = []
        self.failure: tuple[str, str] | None = None

    def init_destination(self, assignment_id, student_id):
        # The autograde pass works on what the sanitize pass wrote: never clear it.
        return True if self.executed is not None else super().init_destination(assignment_id, student_id)

    def init_assignment(self, assignment_id, student_id):
        if self.executed is not None:
            # The sanitize pass did nbgrader's set-up (student, submission and timestamp, files).
            self.notebooks = [nb for nb in self.notebooks if Path(nb).stem in self.executed]
            return
        keep = [nb for nb in self.notebooks if Path(nb).stem not in self.malformed]
        if not keep:
            # nbgrader would stop here with "No notebooks found"; the caller handles this case
            raise NbGraderException("no readable notebook")
        super().init_assignment(assignment_id, student_id)
        self.notebooks = [nb for nb in self.notebooks if Path(nb).stem not in self.malformed]
        if self.coursedir.get_existing_timestamp(self._format_source(assignment_id, student_id)) is None:
            # No recorded time (collect writes none rather than guess one): nbgrader keeps an earlier
            # submission's time in that case, and with it a lateness that no longer holds.
            with autograde_module.Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
                gb.find_submission(assignment_id, student_id).timestamp = None

    def init_single_notebook_resources(self, notebook_filename):
        from autograder.execution.sandbox import EXECUTED_KEY

        resources = super().init_single_notebook_resources(notebook_filename)
        if self.executed is not None:
            resources[EXECUTED_KEY] = self.executed[resources["nbgrader"]["notebook"]]
        return resources

    def convert_single_notebook(self, notebook_filename):
        try:
            self._init_preprocessors()
            if self._sanitizing:
                BaseConverter.convert_single_notebook(self, notebook_filename)
            else:
                with nbgrader_utils.setenv(NBGRADER_EXECUTION="autograde"):
                    BaseConverter.convert_single_notebook(self, notebook_filename)
        except Exception as exc:
            from nbgrader.nbgraderformat import ValidationError
            status = MALFORMED if isinstance(exc, (ValidationError, nbformat.ValidationError)) else FAILED
            self.failure = (status, f"{Path(notebook_filename).name}: {type(exc).__name__}: {exc}")
            raise

    def write_single_notebook(self, output, resources):
        name = resources["nbgrader"]["notebook"]
        self.outcomes += [(status, f"{name}: {reason}") for status, reason in resources.get(OUTCOME_KEY, [])]
        super().write_single_notebook(output, resources)


