"""``report``: grades CSV, pass rate per exercise, score histogram and frequent mistakes.

Everything goes to ``reports/<assignment>/``: ``grades.csv`` (one row per
submission with status, reason, total and per-test points), ``exercises.csv``
(pass rate per exercise), ``mistakes.csv`` (every diagnosed mistake by frequency; the
figure and the page show the first TOP_MISTAKES),
three PNG figures drawn with matplotlib's Agg backend, and ``report.html`` that
shows them together.
"""
from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from html import escape
from pathlib import Path

from autograder.config import Course
from autograder.errors import SourceError
from autograder.results import Submission, hints, submissions

#: How many diagnosed mistakes the report lists.
TOP_MISTAKES = 10


@dataclass(frozen=True)
class Report:
    folder: Path
    grades_csv: Path
    html: Path
    figures: tuple[Path, ...]
    pass_rates: dict[str, float]        # exercise -> fraction of submissions with all its points
    mistakes: list[tuple[str, int]]     # (hint, how many submissions), most frequent first, all of them


def pass_rates(subs: list[Submission]) -> dict[str, float]:
    """Per exercise (solution cell), the fraction of submissions that earned all of its test points."""
    exercises = list(dict.fromkeys(c.cell.exercise for c in subs[0].cells)) if subs else []
    return {ex: sum(all(c.passed for c in s.cells if c.cell.exercise == ex) for s in subs) / len(subs)
            for ex in exercises}


def frequent_mistakes(subs: list[Submission]) -> list[tuple[str, int]]:
    """Every diagnosed mistake with the number of submissions showing it, most frequent first."""
    counts = Counter(h for s in subs for h in hints(s))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _write_csvs(folder: Path, subs: list[Submission], rates: dict[str, float],
                mistakes: list[tuple[str, int]]) -> Path:
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
    return grades


def _figures(folder: Path, subs: list[Submission], rates: dict[str, float],
             mistakes: list[tuple[str, int]]) -> tuple[Path, ...]:
    import matplotlib
    matplotlib.use("Agg")  # no display on a grading server
    import matplotlib.pyplot as plt

    paths = []
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(rates) + 1.2))
    names = list(rates)[::-1]
    ax.barh(names, [100 * rates[n] for n in names], color="#3a6ea5")
    ax.set_xlim(0, 100)
    ax.set_xlabel("submissions with full points (%)")
    ax.set_title("Pass rate per exercise")
    paths.append(_save(fig, folder / "pass_rates.png"))

    fig, ax = plt.subplots(figsize=(7, 3.5))
    top = subs[0].max_score
    ax.hist([s.score for s in subs], bins=min(20, max(1, int(top) + 1)), range=(0, top), color="#3a6ea5",
            edgecolor="white")
    ax.set_xlabel(f"score (out of {top:g})")
    ax.set_ylabel("submissions")
    ax.set_title("Score histogram")
    paths.append(_save(fig, folder / "scores.png"))

    fig, ax = plt.subplots(figsize=(7, 0.45 * max(1, len(mistakes)) + 1.2))
    labels = [_shorten(h) for h, _ in mistakes][::-1]
    ax.barh(labels or ["(none diagnosed)"], [n for _, n in mistakes][::-1] or [0], color="#b5651d")
    ax.set_xlabel("submissions")
    ax.set_title("Most frequent diagnosed mistakes")
    paths.append(_save(fig, folder / "mistakes.png"))
    return tuple(paths)


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def _html(assignment: str, subs: list[Submission], rates: dict[str, float],
          mistakes: list[tuple[str, int]]) -> str:
    statuses = Counter(s.status.status if s.status else "unknown" for s in subs)
    mean = sum(s.score for s in subs) / len(subs)
    rows = "".join(f"<tr><td>{escape(ex)}</td><td>{100 * r:.0f}%</td></tr>" for ex, r in rates.items())
    mrows = "".join(f"<tr><td>{escape(h)}</td><td>{n}</td></tr>" for h, n in mistakes) or \
        "<tr><td colspan='2'>No mistake was diagnosed.</td></tr>"
    srows = "".join(f"<tr><td>{escape(k)}</td><td>{v}</td></tr>" for k, v in sorted(statuses.items()))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Report: {escape(assignment)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}}
img{{max-width:100%;height:auto}}</style></head><body><main>
<h1>Report on {escape(assignment)}</h1>
<p>{len(subs)} submissions; mean score {mean:.2f} of {subs[0].max_score:g}. Grades: <a href="grades.csv">grades.csv</a>.</p>
<h2>Grading status</h2><table><thead><tr><th>status</th><th>submissions</th></tr></thead><tbody>{srows}</tbody></table>
<h2>Pass rate per exercise</h2>
<img src="pass_rates.png" alt="Bar chart of the share of submissions with full points on each exercise">
<table><thead><tr><th>exercise</th><th>pass rate</th></tr></thead><tbody>{rows}</tbody></table>
<h2>Scores</h2><img src="scores.png" alt="Histogram of total scores">
<h2>Most frequent diagnosed mistakes</h2>
<img src="mistakes.png" alt="Bar chart of the most frequent diagnosed mistakes">
<table><thead><tr><th>mistake</th><th>submissions</th></tr></thead><tbody>{mrows}</tbody></table>
</main></body></html>
"""


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
    grades = _write_csvs(folder, subs, rates, mistakes)
    figures = _figures(folder, subs, rates, mistakes[:TOP_MISTAKES])
    html = folder / "report.html"
    html.write_text(_html(assignment, subs, rates, mistakes[:TOP_MISTAKES]), encoding="utf-8")
    return Report(folder, grades, html, figures, rates, mistakes)
