"""nbgrader configured for the course, built in code: the steps of release and autograde.

nbgrader is driven with a ``traitlets`` Config built here rather than an
``nbgrader_config.py`` file, so tests and the CLI configure it the same way. The
course's paths and settings come from :class:`autograder.config.Course`; the steps
are nbgrader's own, the course's (:mod:`autograder.pipeline.preprocessors`) and the
sandboxed execution step (:class:`autograder.execution.execute_step.SandboxedExecute`).
"""
from __future__ import annotations

import os
from pathlib import Path

from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern,
    LimitOutput, OverwriteKernelspec, SaveAutoGrades)
from traitlets.config import Config

from autograder.config import Course
from autograder.execution.execute_step import SandboxedExecute
from autograder.pipeline import preprocessors as pp
from autograder.pipeline.changes import CourseLatePenalties
from autograder.pipeline.duedates import load_settings
from autograder.pipeline.late import CourseLatePenalty


def nbgrader_config(course: Course, *, root: Path) -> Config:
    """nbgrader configuration with paths relative to ``root``.

    nbgrader matches submission paths with a regular expression built from
    ``root`` and the step folder, so the step folders are given relative to
    ``root`` wherever nbgrader reads from them.
    """
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
        SandboxedExecute,      # the execution step: a bubblewrap sandbox per notebook
        pp.TrustedVerdicts,    # outputs of graded cells := the judge's verdict, nothing else
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
        CourseLatePenalties,   # nbgrader's AssignLatePenalties, keeping the instructor's extension and penalty
        CheckCellMetadata,
    ]
    # Late work: nbgrader's AssignLatePenalties asks this plugin for each notebook's penalty;
    # course.yml sets the policy (autograder/pipeline/duedates.py, autograder/pipeline/late.py).
    policy = load_settings(course.workspace, course.repo).late
    c.AssignLatePenalties.plugin_class = CourseLatePenalty
    c.CourseLatePenalty.grace_minutes = policy.grace_minutes
    c.CourseLatePenalty.percent_per_day = policy.percent_per_day
    c.RestoreCells.add_missing_cells = True
    c.RestoreCells.source_root = str(course.source_dir)
    c.TrustedVerdicts.judge = course.judge
    c.TrustedVerdicts.language = course.language
    c.Execute.timeout = course.cell_timeout
    c.Execute.interrupt_on_timeout = True
    if course.allow_unsandboxed:
        c.SandboxedExecute.allow_unsandboxed = True
    return c
