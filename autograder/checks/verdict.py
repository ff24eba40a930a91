"""The shape of a judge's answer, shared by the real judge's callers and the tiny test course."""
from __future__ import annotations

from typing import NamedTuple


class Verdict(NamedTuple):
    """What a judge returns (autograder.checks.judge returns an object with these attributes)."""

    passed: bool
    message: str
    hint: str | None
