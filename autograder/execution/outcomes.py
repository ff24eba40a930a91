"""How running a notebook ended: the statuses the execution layer reports and the pipeline records.

The sandbox classifies a run (:mod:`autograder.execution.sandbox`), and the pipeline's grading
loop keeps the worst status of a submission's notebooks (:mod:`autograder.pipeline.grade`); both
import the statuses from here, the bottom of the two, so neither needs the other.
Outcomes travel from the execution step to the grading loop in ``resources[OUTCOME_KEY]``.
"""
from __future__ import annotations

from autograder.i18n import N_

#: resources key holding a list of (status, reason) pairs from the execution step.
OUTCOME_KEY = "backprop_outcome"

# Statuses of a graded submission, worst last; the grading loop keeps the worst one.
# (marked for the grader's catalogue: feedback shows them in the course's language)
GRADED = N_("graded")
TIMED_OUT = N_("timed out")
KERNEL_DIED = N_("kernel died")
KILLED_FOR_MEMORY = N_("killed for memory")
MISSING = N_("missing")
MALFORMED = N_("malformed")
FAILED = N_("failed")
SEVERITY = (GRADED, MISSING, TIMED_OUT, KERNEL_DIED, KILLED_FOR_MEMORY, MALFORMED, FAILED)


def record_outcome(resources: dict, status: str, reason: str) -> None:
    """Note that executing this notebook ended in ``status`` (one of SEVERITY) for ``reason``."""
    if status not in SEVERITY:
        raise ValueError(f"status must be one of {SEVERITY}, got {status!r}")
    resources.setdefault(OUTCOME_KEY, []).append((status, reason))
