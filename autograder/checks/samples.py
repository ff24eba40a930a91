"""A tiny nbgrader course for smoke tests of the pipeline.

One assignment (``tiny``) with two notebooks, small enough that grading takes a
few seconds, yet with everything the real assignments have: a solution region,
an ungraded example cell, visible tests and hidden tests whose probe bundle is
judged in the trusted process by :func:`tiny_judge`. Its hidden test emits the
bundle itself so that the pipeline can be exercised without the real assignments.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.checks.probe import MIME as PROBE_MIME
from autograder.checks.verdict import Verdict

TINY = "tiny"

# A stand-in for autograder.checks.probe.check with the same call shape and bundle.
_EMIT = '''### BEGIN HIDDEN TESTS
def check(check_id, func):
    from IPython.display import display
    try:
        out = {{"y": {{"shape": [], "data": [float(func(7))]}}}}
    except Exception as exc:
        out = {{"y": {{"error": f"{{type(exc).__name__}}: {{exc}}"}}}}
    display({{"{mime}": {{"check": check_id, "outputs": out}}}}, raw=True)
check("tiny.{func}", {func})
### END HIDDEN TESTS'''


def _graded(grade_id: str, source: str, points: float = 1) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True,
                                 "points": points, "solution": False, "schema_version": 3}
    return cell


def _solution(grade_id: str, source: str) -> nbformat.NotebookNode:
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": grade_id, "locked": False,
                                 "solution": True, "schema_version": 3}
    return cell


def _notebook(name: str, factor: int) -> nbformat.NotebookNode:
    func = f"times{factor}"
    nb = new_notebook(cells=[
        new_markdown_cell(f"# {name}\nWrite `{func}(x)`, which returns {factor} times x."),
        _solution(f"{func}_solution", f'def {func}(x):\n    """Return {factor} * x."""\n'
                                      f"    ### BEGIN SOLUTION\n    return {factor} * x\n    ### END SOLUTION"),
        new_code_cell(f"print({func}(3))"),
        _graded(f"test_{func}_visible", f'"""{func} returns a number."""\nassert {func}(1) is not None'),
        _graded(f"test_{func}_hidden",
                f'"""{func} is right on a hidden input."""\n'
                + _EMIT.format(func=func, mime=PROBE_MIME), points=2),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def tiny_course(repo: Path) -> Path:
    """Write ``repo/solutions/tiny/{double,triple}.ipynb``; return ``repo``."""
    folder = Path(repo) / "solutions" / TINY
    folder.mkdir(parents=True, exist_ok=True)
    for name, factor in (("double", 2), ("triple", 3)):
        nbformat.write(_notebook(name, factor), folder / f"{name}.ipynb")
    return Path(repo)


def tiny_judge(check_id: str, recorded: dict | None) -> Verdict:
    """Judge for the tiny course's checks ``tiny.times<k>``: the answer must be k * 7."""
    factor = int(check_id.removeprefix("tiny.times"))
    if recorded is None:
        return Verdict(False, f"{check_id}: the test did not run to the end.", None)
    out = recorded.get("outputs", {}).get("y", {})
    if "error" in out:
        return Verdict(False, f"{check_id}: your function raised {out['error']}", None)
    got = out.get("data", [None])[0]
    if got == factor * 7:
        return Verdict(True, f"{check_id}: correct.", None)
    hint = "You returned x itself; multiply it." if got == 7 else None
    return Verdict(False, f"{check_id}: expected {factor * 7}, got {got}.", hint)
