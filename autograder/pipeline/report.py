"""``report``: grades CSV, a table per student, pass rates, score histogram and mistakes per exercise.

Everything goes to ``reports/<assignment>/``: ``grades.csv`` (one row per graded
submission with status, reason, raw score, late penalty, score and per-test points),
``students.csv`` (the page's student table: every roster student, with name, status,
raw score, late penalty, score, submission time, due date, seconds late and the
instructor's changes), ``changes.csv`` (the instructor's trail: when, what, why, by
which command), ``exercises.csv`` (pass rate per exercise), ``mistakes.csv`` (every
diagnosed mistake by frequency), three PNG charts drawn with matplotlib's Agg
backend (in the course's language; one whose Hangul no font on the machine draws is
left out, and the page says so: autograder.pipeline.chart_fonts), and ``report.html`` (the template ``report.html``, see
autograder.pipeline.pages) showing the same: how many sent nothing, the mean,
median, min and max score, per student the status (with "not attempted" and "test
cells edited and restored" told apart from "graded") and lateness, and per exercise
its pass rate and the mistakes diagnosed in it.

Scores use nbgrader's names (autograder.pipeline.scores); times are in course.yml's
zone, named. Without ``--roster`` only graded submissions are known, and the page says
that students who sent nothing are missing from it.
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
from autograder import i18n
from autograder.i18n import N_, _
from autograder.pipeline import pages
from autograder.pipeline.chart_fonts import chart_rc, has_hangul, hangul_family
from autograder.pipeline.attempt import TESTS_RESTORED
from autograder.pipeline.changes import Change
from autograder.pipeline.duedates import load_settings
from autograder.pipeline.instructor import notice_formgrader
from autograder.pipeline.lateness import when
from autograder.pipeline.results import NOT_GRADED, Standing, Submission, hints, standings, submissions
from autograder.pipeline.roster import read_roster
from autograder.pipeline.scores import COLUMNS, cells, number

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


def summary(scores: list[float]) -> dict[str, float]:
    """Mean, median, min and max of ``scores`` (nbgrader's score, after the late penalty)."""
    return {"n": len(scores), "mean": statistics.fmean(scores), "median": statistics.median(scores),
            "min": min(scores), "max": max(scores)}


def summaries(table: list[Standing], roster_given: bool) -> list[tuple[str, dict[str, float]]]:
    """(label, summary) over the graded submissions and, with a roster, over the whole roster.

    On the whole roster a student without a graded submission counts 0, the grade the LMS
    would show with ``export --missing-as-zero``.
    """
    graded = [t.sub.score for t in table if t.sub]
    out = [(N_("graded submissions"), summary(graded))]
    if roster_given:
        out.append((N_("whole roster, no graded submission counted as 0"),
                    summary([t.sub.score if t.sub else 0.0 for t in table if t.on_roster])))
    return out


def wrap(text: str, width: int = LABEL_WIDTH) -> str:
    """``text`` on lines of at most ``width`` characters; every character kept."""
    return "\n".join(textwrap.wrap(text, width)) or text


def changes_line(changes: list[Change], zone) -> str:
    """The trail of one student on one line: 'when: what (why); ...'."""
    return "; ".join(f"{c.when(zone)}: {c.describe(zone)}" + (f" ({c.reason})" if c.reason else "")
                     for c in changes)


def write_changes(path: Path, trail: list[Change], zone) -> None:
    """The instructor's trail as CSV, one change per row, oldest first."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["when", "student", "what", "target", "old", "new", "change", "reason", "command"])
        for c in trail:
            out.writerow([c.when(zone), c.student, c.what, c.target, c.old, c.new, c.describe(zone), c.reason,
                          c.command])


def _write_csvs(folder: Path, subs: list[Submission], table: list[Standing], rates: dict[str, float],
                mistakes: list[tuple[str, int]], zone) -> Path:
    grades = folder / "grades.csv"
    columns = subs[0].cells
    with grades.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["student", "status", "reason", *COLUMNS]
                     + [f"{c.cell.notebook}:{c.cell.grade_id}" for c in columns])
        for s in subs:
            out.writerow([s.student, s.status.status if s.status else "", s.status.reason if s.status else "",
                          *cells(s.raw_score, s.late_penalty, s.max_score)] + [number(c.score) for c in s.cells])
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
        out.writerow(["student", "name", "status", *COLUMNS, "submitted", "due", "seconds_late",
                      "instructor_changes"])
        for t in table:
            s, late = t.sub, t.sub.lateness if t.sub else None
            score = cells(s.raw_score, s.late_penalty, s.max_score) if s else ["", "", "", number(subs[0].max_score)]
            out.writerow([t.student, t.name, t.status, *score, when(late.submitted, zone) if late else "",
                          when(late.due, zone) if late else "", f"{late.seconds_late:.0f}" if late else "",
                          changes_line(t.changes, zone)])
    write_changes(folder / "changes.csv", [c for t in table for c in t.changes], zone)
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
    ax.set_xlabel(_("submissions with full points (%)"))
    ax.set_title(_("Pass rate per exercise"))
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
    ax.hist([s.score for s in subs], bins=edges, color="#3a6ea5", edgecolor="white")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_("score (raw score less late penalty, out of {top})", top=f"{top:g}"))
    ax.set_ylabel(_("submissions"))
    ax.set_title(_("Score histogram"))
    return fig


def mistake_figure(subs: list[Submission], by_exercise: dict[str, list[tuple[str, int]]]):
    """Horizontal bars: the TOP_MISTAKES most frequent (exercise, mistake) pairs, labels wrapped."""
    from matplotlib.ticker import MaxNLocator
    plt = _pyplot()
    titles = exercises(subs)
    top = sorted(((n, titles[ex], hint) for ex, found in by_exercise.items() for hint, n in found),
                 key=lambda t: -t[0])[:TOP_MISTAKES]
    labels = [wrap(f"{title}: {hint}") for _, title, hint in top][::-1] or [_("(none diagnosed)")]
    fig, ax = plt.subplots(figsize=(7, _bar_height(labels)))
    ax.barh(range(len(labels)), [n for n, _, _ in top][::-1] or [0], color="#b5651d")
    ax.set_yticks(range(len(labels)), labels)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_("submissions"))
    ax.set_title(_("Most frequent diagnosed mistakes"))
    return fig


def _draw(make, repo: Path):
    """The figure ``make()`` draws, with a font for its Hangul where the machine has one;
    None if it has Hangul and no font here draws it (it would show empty boxes)."""
    import matplotlib
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    family = hangul_family(Path(repo))
    with matplotlib.rc_context(chart_rc(family)):   # a text takes its font when it is made
        fig = make()
    if family is None and has_hangul(*(t.get_text() for t in fig.findobj(Text))):
        plt.close(fig)
        return None
    return fig


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt
    fig.tight_layout()
    # bbox_inches="tight" grows the image to whatever the labels need: nothing is cut off.
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return path


def _html(assignment: str, subs: list[Submission], rates: dict[str, float],
          mistakes: list[tuple[str, int]], env=None, table: list[Standing] | None = None,
          roster_given: bool = False, charts: list[str] | None = None) -> str:
    """The report page; ``charts``: the chart files drawn (default: all three)."""
    charts = ["scores.png", "pass_rates.png", "mistakes.png"] if charts is None else charts
    by_exercise = mistakes_by_exercise(subs)
    table = table if table is not None else [Standing(s.student, "", s.label, s, False, s.changes) for s in subs]
    return pages.render(env or pages.environment(), "report.html", assignment=assignment, subs=subs, table=table,
                        summaries=summaries(table, roster_given), max_score=subs[0].max_score,
                        roster_given=roster_given, sent_nothing=[t for t in table if t.sent_nothing],
                        not_graded=[t for t in table if t.status == NOT_GRADED],
                        statuses=sorted(Counter(t.status for t in table).items()),
                        exercises=[(ex, title, rates[ex], by_exercise[ex]) for ex, title in exercises(subs).items()],
                        any_late=any(s.lateness and (s.lateness.submitted or s.late_penalty) for s in subs),
                        any_changes=any(t.changes for t in table),
                        diagnosed=bool(mistakes), tests_restored=TESTS_RESTORED, charts=charts)


def report(course: Course, assignment: str, roster: Path | None = None,
           command: str = "backprop-grader report") -> Report:
    """Write the report files of one assignment to reports/<assignment>/.

    roster: the class roster, so that every student on it is listed (those who sent nothing too).
    command: names this run in the trail when it notices a change made in nbgrader's formgrader.
    """
    course.check_assignment(assignment)
    people = read_roster(roster) if roster is not None else None
    notice_formgrader(course, assignment, command)
    subs = submissions(course, assignment)
    if not subs:
        raise SourceError(f"nothing graded yet for {assignment!r}; run grade first")
    table = standings(course, assignment, people, subs)
    zone = load_settings(course.workspace, course.repo).tz
    folder = course.reports_dir / assignment
    folder.mkdir(parents=True, exist_ok=True)
    rates = pass_rates(subs)
    mistakes = frequent_mistakes(subs)
    grades = _write_csvs(folder, subs, table, rates, mistakes, zone)
    makers = {"pass_rates.png": lambda: pass_rate_figure(subs, rates),
              "scores.png": lambda: score_figure(subs),
              "mistakes.png": lambda: mistake_figure(subs, mistakes_by_exercise(subs))}
    figures, left_out = [], []
    with i18n.language(course.language):
        for name, make in makers.items():
            (folder / name).unlink(missing_ok=True)   # an older run's chart must not stand in for this one
            fig = _draw(make, course.repo)
            if fig is None:
                left_out.append(name)
            else:
                figures.append(_save(fig, folder / name))
    html = folder / "report.html"
    html.write_text(_html(assignment, subs, rates, mistakes, pages.environment(course), table, people is not None,
                          charts=[p.name for p in figures]),
                    encoding="utf-8")
    return Report(folder, grades, html, tuple(figures), rates, mistakes)
