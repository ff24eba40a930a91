"""Due dates and the late policy of a course run, from ``course.yml`` (its language: autograder.config).

The file lives in the grading workspace (due dates change every term; the
repository does not), else in the repository root. Every key is optional::

    timezone: Asia/Seoul          # due dates and LMS times without an offset are in this zone (default UTC)
    due:                          # one due date per assignment
      ps1_graphs: 2026-09-14 23:59
      ps2_layers: 2026-09-28 23:59:59+09:00
    late:
      grace_minutes: 15           # later than the due date by at most this much is on time (default 0)
      percent_per_day: 10         # of the notebook's score, per started day late (default 10)
    language: ko                  # notebooks, checks' messages, feedback and report in Korean (default en;
                                  # read by autograder.config.Course)

The default policy, with no ``late:`` section, is 10 % of the score per started
day late after the due date, so a submission ten days late scores 0. An
assignment without a due date is never late. nbgrader applies the policy
(``AssignLatePenalties`` with :class:`autograder.pipeline.late.CourseLatePenalty`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from autograder.config import SETTINGS_FILE, settings_path
from autograder.errors import SourceError

FILE_NAME = SETTINGS_FILE


@dataclass(frozen=True)
class LatePolicy:
    grace_minutes: float = 0
    percent_per_day: float = 10


@dataclass(frozen=True)
class CourseSettings:
    """What course.yml says; ``due`` maps assignment -> aware datetime."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    due: dict[str, datetime] = field(default_factory=dict)
    late: LatePolicy = field(default_factory=LatePolicy)
    path: Path | None = None


def load_settings(workspace: Path, repo: Path) -> CourseSettings:
    """Read course.yml (see the module docstring); defaults when there is none."""
    path = settings_path(workspace, repo)
    if path is None:
        return CourseSettings()
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SourceError(f"cannot read {path}: {str(exc).splitlines()[0]}; fix the file (see docs/grading.md)") \
            from exc
    if not isinstance(raw, dict):
        raise SourceError(f"{path}: expected keys timezone, due and late (see docs/grading.md)")
    unknown = set(raw) - {"timezone", "due", "late", "language"}
    if unknown:
        raise SourceError(f"{path}: unknown key {sorted(unknown)[0]!r}; expected timezone, due, late or language")
    try:
        tz = ZoneInfo(str(raw.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SourceError(f"{path}: unknown timezone {raw.get('timezone')!r}; use a name such as "
                          f"Asia/Seoul or Europe/Berlin") from exc
    due = {str(name): parse_time(value, tz, f"{path}: due date of {name}")
           for name, value in (raw.get("due") or {}).items()}
    late = raw.get("late") or {}
    try:
        policy = LatePolicy(**{k: float(v) for k, v in late.items()})
    except (TypeError, ValueError) as exc:
        raise SourceError(f"{path}: late: expects numbers grace_minutes and percent_per_day ({exc})") from exc
    if policy.grace_minutes < 0 or not 0 <= policy.percent_per_day <= 100:
        raise SourceError(f"{path}: late: grace_minutes must be >= 0 and percent_per_day between 0 and 100")
    return CourseSettings(tz, due, policy, path)


def parse_time(value, tz: ZoneInfo, what: str) -> datetime:
    """An aware datetime from YAML's date, datetime or text ('2026-09-28 23:59'); naive means ``tz``."""
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        when = datetime(value.year, value.month, value.day, 23, 59, 59)   # a bare date: the end of that day
    else:
        try:
            when = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise SourceError(f"{what}: {value!r} is not a date; write it as 2026-09-28 23:59") from exc
    return when.replace(tzinfo=tz) if when.tzinfo is None else when


def as_utc(when: datetime) -> datetime:
    return when.astimezone(timezone.utc)
