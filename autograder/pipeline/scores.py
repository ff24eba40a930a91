"""One score, with nbgrader's own names: raw score, late penalty, score.

nbgrader's export (``nbgrader export``, its ``CsvExportPlugin``) writes per submission:

- ``raw_score``: the sum of the graded cells' scores (each cell the autograder's score,
  or a grader's manual score where one was set, plus any extra credit);
- ``late_submission_penalty``: the sum of the notebooks' late penalties;
- ``score``: ``max(0, raw_score - late_submission_penalty)``, the grade.

Every CSV, page, summary and export of this grader uses these names and this one
formula (:func:`final`): "score" is always the number after the late penalty, and
the number before it is always called the raw score. Pages say "raw score",
"late penalty" and "score"; CSV headers use nbgrader's column names.
"""
from __future__ import annotations

#: CSV columns, as nbgrader's own export names them.
COLUMNS = ("raw_score", "late_submission_penalty", "score", "max_score")


def final(raw_score: float, late_penalty: float) -> float:
    """nbgrader's score: the raw score less the late penalty, never below 0."""
    return max(0.0, raw_score - late_penalty)


def number(value: float | None) -> str:
    """A score in a CSV cell: at most two decimals, no trailing zeros ('' for no score)."""
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def cells(raw_score: float, late_penalty: float, max_score: float) -> list[str]:
    """The :data:`COLUMNS` of one graded submission, formatted."""
    return [number(raw_score), number(late_penalty), number(final(raw_score, late_penalty)), number(max_score)]


def sentence(raw_score: float, late_penalty: float, max_score: float) -> str:
    """'score 4.5 / 6 (raw score 6, late penalty 1.5)', or 'score 6 / 6' when there is no penalty."""
    text = f"score {number(final(raw_score, late_penalty))} / {number(max_score)}"
    return f"{text} (raw score {number(raw_score)}, late penalty {number(late_penalty)})" if late_penalty else text
