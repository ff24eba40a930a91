"""``report``: grades CSV, a table per student, pass rates, score histogram and mistakes per exercise.

Everything goes to ``reports/<assignment>/``: ``grades.csv`` (one row per
submission with status, reason, total and per-test points), ``exercises.csv``
(pass rate per exercise), ``mistakes.csv`` (every diagnosed mistake by frequency),
``students.csv`` (the page's student table: status shown, points, late penalty, grade,
submission time, due date and seconds late),
three PNG figures drawn with matplotlib's Agg backend, and ``report.html`` (the
template ``report.html``, see autograder.pipeline.pages) that shows per student the score
after any late penalty, the status (with "not attempted" and "test cells edited
and restored" told apart from "graded") and the lateness; the mean, median, min
and max; and per exercise its pass rate and the mistakes diagnosed in it.
"""
from __future__ import annotations

import csv
import math
import statistics
import textwrap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from autograder.config import Course
from autograder.errors import SourceError
from autograder.pipeline import pages
from autograder.pipeline.attempt import TESTS_RESTORED
from autograder.pipeline.duedates import load_settings
from autograder.pipeline.lateness import stamp
from autograder.pipeline.results import Submission, hints, submissions

#: How many diagnosed mistakes the figure shows (the page and mistakes.csv list all).
TOP_MISTAKES = 10
#: Characters per line of a figure label: long labels wrap, never get cut.
LABEL_WIDTH = 45


@dataclass(frozen=True)
class Report:
    folder: Path
    grades_csv: Path
    html: Path
    figures: tuple[Path, ...]
    pass_rates: dict[str, float]        # exercise -> fraction of submissions with all its points
    mistakes: list[tuple[str, int]]     # (hint, how many submissions), most frequent first, all of them


def exercises(subs: list[Submission]) -> dict[str, str]:
    """Exercise id (its solution cell's grade_id) -> title (the heading above it, else the id), in order."""
    cells = subs[0].cells if subs else []
    return {c.cell.exercise: c.cell.exercise_title or c.cell.exercise for c in cells}


def pass_rates(subs: list[Submission]) -> dict[str, float]:
    """Per exercise (solution cell), the fraction of submissions that earned all of its test points."""
    return {ex: sum(all(c.passed for c in s.cells if c.cell.exercise == ex) for s in subs) / len(subs)
            for ex in exercises(subs)}


def frequent_mistakes(subs: list[Submission]) -> list[tuple[str, int]]:
    """Every diagnosed mistake with the number of submissions showing it, most frequent first."""
    counts = Counter(h for s in subs for h in hints(s))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def mistakes_by_exercise(subs: list[Submission]) -> dict[str, list[tuple[str, int]]]:
    """Per exercise, its diagnosed mistakes with the number of submissions showing each, most frequent first."""
    out = {}
    for ex in exercises(subs):
        counts = Counter(h for s in subs for h in dict.fromkeys(
            check["hint"] for c in s.cells if c.cell.exercise == ex
            for check in c.checks if check.get("hint") and not check.get("passed")))
        out[ex] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return out


def summary(subs: list[Submission]) -> dict[str, float]:
    """Mean, median, min and max of the scores after late penalties."""
    scores = [s.final_score for s in subs]
    return {"mean": statistics.fmean(scores), "median": statistics.median(scores),
            "min": min(scores), "max": max(scores)}


def wrap(text: str, width: int = LABEL_WIDTH) -> str:
    """``text`` on lines of at most ``width`` characters; every character kept."""
    return "\n".join(textwrap.wrap(text, width)) or text


def _write_csvs(folder: Path, subs: list[Submission], rates: dict[str, float],
                mistakes: list[tuple[str, int]], tz) -> Path:
    grades = folder / "grades.csv"
    cells = subs[0].cells
    with grades.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["student", "status", "reason", "score", "max_score"]
                     + [f"{c.cell.notebook}:{c.cell.grade_id}" for c in cells])
        for s in subs:
            out.writerow([s.student, s.status.status if s.status else "", s.status.reason if s.status else "",
                          f"{s.score:g}", f"{s.max_score:g}"] + [f"{c.score:g}" for c in s.cells])
    with (folder / "exercises.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["exercise", "pass_rate"])
        out.writerows([ex, f"{rate:.4f}"] for ex, rate in rates.items())
    with (folder / "mistakes.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["mistake", "submissions"])
        out.writerows(mistakes)
    with (folder / "students.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["student", "status", "points", "late_penalty", "score", "max_score", "submitted", "due",
                      "seconds_late"])
        for s in subs:
            late = s.lateness
            out.writerow([s.student, s.label, f"{s.score:g}", f"{s.penalty:g}", f"{s.final_score:g}",
                          f"{s.max_score:g}", stamp(late.submitted, tz) if late else "",
                          stamp(late.due, tz) if late else "",
                          f"{late.seconds_late:.0f}" if late else ""])
    return grades


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")  # no display on a grading server
    import matplotlib.pyplot as plt
    return plt


def _bar_height(labels: list[str]) -> float:
    """Figure height (inches) giving every line of every wrapped label room."""
    return 0.22 * sum(label.count("\n") + 1 for label in labels) + 0.25 * len(labels) + 1.2


def pass_rate_figure(subs: list[Submission], rates: dict[str, float]):
    """Horizontal bars: the share of submissions with full points, per exercise (titles wrapped)."""
    plt = _pyplot()
    titles = exercises(subs)
    labels = [wrap(titles[ex]) for ex in rates][::-1]
    fig, ax = plt.subplots(figsize=(7, _bar_height(labels)))
    ax.barh(range(len(labels)), [100 * r for r in rates.values()][::-1], color="#3a6ea5")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("submissions with full points (%)")
    ax.set_title("Pass rate per exercise")
    return fig


def score_figure(subs: list[Submission]):
    """Histogram of the scores after late penalties; the count axis has whole numbers only."""
    from matplotlib.ticker import MaxNLocator
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    top = subs[0].max_score
    if top <= 20:   # one bar per whole point, centred on it
        edges = [k - 0.5 for k in range(math.ceil(top) + 2)]
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        edges = [top * k / 20 for k in range(21)]
    ax.hist([s.final_score for s in subs], bins=edges, color="#3a6ea5", edgecolor="white")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"score after late penalties (out of {top:g})")
    ax.set_ylabel("submissions")
    ax.set_title("Score histogram")
    return fig


def mistake_figure(subs: list[Submission], by_exercise: dict[str, list[tuple[str, int]]]):
    """Horizontal bars: the TOP_MISTAKES most frequent (exercise, mistake) pairs, labels wrapped."""
    from matplotlib.ticker import MaxNLocator
    plt = _pyplot()
    titles = exercises(subs)
    top = sorted(((n, titles[ex], hint) for ex, found in by_exercise.items() for hint, n in found),
                 key=lambda t: -t[0])[:TOP_MISTAKES]
    labels = [wrap(f"{title}: {hint}") for _, title, hint in top][::-1] or ["(none diagnosed)"]
    fig, ax = plt.subplots(figsize=(7, _bar_height(labels)))
    ax.barh(range(len(labels)), [n for n, _, _ in top][::-1] or [0], color="#b5651d")
    ax.set_yticks(range(len(labels)), labels)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("submissions")
    ax.set_title("Most frequent diagnosed mistakes")
    return fig


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt
    fig.tight_layout()
    # bbox_inches="tight" grows the image to whatever the labels need: nothing is cut off.
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return path


def _html(assignment: str, subs: list[Submission], rates: dict[str, float],
          mistakes: list[tuple[str, int]], env=None) -> str:
    by_exercise = mistakes_by_exercise(subs)
    return pages.render(env or pages.environment(), "report.html", assignment=assignment, subs=subs,
                        stats=summary(subs), max_score=subs[0].max_score,
                        statuses=sorted(Counter(s.label for s in subs).items()),
                        exercises=[(ex, title, rates[ex], by_exercise[ex]) for ex, title in exercises(subs).items()],
                        any_late=any(s.lateness and (s.lateness.submitted or s.penalty) for s in subs),
                        diagnosed=bool(mistakes), tests_restored=TESTS_RESTORED)


def report(course: Course, assignment: str) -> Report:
    """Write the report files of one assignment to reports/<assignment>/."""
    course.check_assignment(assignment)
    subs = submissions(course, assignment)
    if not subs:
        raise SourceError(f"nothing graded yet for {assignment!r}; run grade first")
    folder = course.reports_dir / assignment
    folder.mkdir(parents=True, exist_ok=True)
    rates = pass_rates(subs)
    mistakes = frequent_mistakes(subs)
    grades = _write_csvs(folder, subs, rates, mistakes, load_settings(course.workspace, course.repo).tz)
    figures = (_save(pass_rate_figure(subs, rates), folder / "pass_rates.png"),
               _save(score_figure(subs), folder / "scores.png"),
               _save(mistake_figure(subs, mistakes_by_exercise(subs)), folder / "mistakes.png"))
    html = folder / "report.html"
    html.write_text(_html(assignment, subs, rates, mistakes, pages.environment(course)), encoding="utf-8")
    return Report(folder, grades, html, figures, rates, mistakes)
