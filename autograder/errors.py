"""Errors of the instructor pipeline.

Every failure the instructor can fix is one of these: the message says what was
wrong and what to do. The CLI turns them into one line on stderr and an exit code;
library callers (and the tests) catch them by class.
"""
from __future__ import annotations


class GraderError(Exception):
    """Base class; ``exit_code`` is what ``backprop-grader`` exits with."""

    exit_code = 1


class UsageError(GraderError):
    """A command-line argument or option makes no sense (unknown assignment, bad path)."""

    exit_code = 2


class SourceError(GraderError):
    """The course sources or a submission source cannot be read (missing folder, bad zip, a damaged,
    encrypted or Deflate64 entry, a bad roster or course.yml)."""

    exit_code = 3


class UnsafeArchiveError(SourceError):
    """An archive entry would land outside the target folder (``../``, absolute path, link), or the
    archive is a zip bomb (an entry claiming more than the caps, or unpacking hundreds of times its size)."""

    exit_code = 4


class StaleReleaseError(GraderError):
    """``exercises/`` does not match what ``release`` would generate from ``solutions/``."""

    exit_code = 5


class GradebookError(GraderError):
    """The gradebook cannot be opened or is busy with another grading run."""

    exit_code = 6


class MissingFactError(GraderError):
    """A fact a grade or a penalty needs is missing or ambiguous: a submission time where lateness
    would follow, or which roster student a submission belongs to. Nothing is guessed."""

    exit_code = 8
