"""``feedback``: one HTML page per student with points, messages and hints.

Built from autograder.results, so it shows what each test checks (its one-line
docstring), the points, and the judge's messages and hints, but never the
source of a test cell: hidden tests stay hidden after grading too.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

from autograder.config import Course
from autograder.errors import SourceError
from autograder.results import Submission, submissions

_CSS = """
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#222}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
.pass{color:#17633a}.fail{color:#a4161a}.hint{background:#fff6d6;padding:.2rem .4rem;display:block;margin-top:.25rem}
.status{padding:.5rem .75rem;background:#f2f2f2;border-left:4px solid #888}
"""


def render(assignment: str, sub: Submission) -> str:
    """The feedback page of one submission, as a complete HTML document."""
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>Feedback: {escape(assignment)} for {escape(sub.student)}</title><style>{_CSS}</style>"
             f"</head><body><main>",
             f"<h1>Feedback on {escape(assignment)}</h1>",
             f"<p>Student: <strong>{escape(sub.student)}</strong>. "
             f"Score: <strong>{sub.score:g} / {sub.max_score:g}</strong>.</p>"]
    if sub.status is not None and sub.status.status != "graded":
        parts.append(f"<p class='status'>Grading note ({escape(sub.status.status)}): "
                     f"{escape(sub.status.reason)}</p>")
    notebooks = list(dict.fromkeys(c.cell.notebook for c in sub.cells))
    for name in notebooks:
        cells = [c for c in sub.cells if c.cell.notebook == name]
        got, out_of = sum(c.score for c in cells), sum(c.cell.points for c in cells)
        parts.append(f"<h2>{escape(name)}.ipynb: {got:g} / {out_of:g}</h2>")
        parts.append("<table><thead><tr><th scope='col'>Test</th><th scope='col'>Points</th>"
                     "<th scope='col'>Result</th></tr></thead><tbody>")
        for result in cells:
            title = result.cell.title or result.cell.grade_id
            if result.passed:
                verdict = "<span class='pass'>passed</span>"
            else:
                lines = [escape(c.get("message", "")) + (f"<span class='hint'>Hint: {escape(c['hint'])}</span>"
                                                          if c.get("hint") else "")
                         for c in result.checks if not c.get("passed")]
                verdict = "<span class='fail'>failed</span><br>" + "<br>".join(
                    lines or ["This test did not run (the notebook was missing, unreadable or stopped early)."])
            parts.append(f"<tr><td>{escape(title)}<br><small>{escape(result.cell.grade_id)}</small></td>"
                         f"<td>{result.score:g} / {result.cell.points:g}</td><td>{verdict}</td></tr>")
        parts.append("</tbody></table>")
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def feedback(course: Course, assignment: str) -> list[Path]:
    """Write feedback/<student>/<assignment>/feedback.html for every graded submission."""
    course.check_assignment(assignment)
    subs = submissions(course, assignment)
    if not subs:
        raise SourceError(f"nothing graded yet for {assignment!r}; run grade first")
    written = []
    for sub in subs:
        folder = course.feedback_dir / sub.student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "feedback.html"
        path.write_text(render(assignment, sub), encoding="utf-8")
        written.append(path)
    return written
