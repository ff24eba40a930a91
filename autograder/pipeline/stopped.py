"""Why a test cell recorded no result, read from the executed notebook: the student's real error.

When a hidden check records nothing, the test cell stopped before it could run:
most often with ``NameError: name 'MulLayer' is not defined``, because the cell
that defines ``MulLayer`` failed earlier (``ModuleNotFoundError: No module named
'torch'``). ``why_stopped`` says exactly that, from the error outputs the
sandboxed run kept: the test cell's own error and, for a name that is not
defined, the error of the cell that defines it. It states what the notebook
shows and guesses nothing. The texts come from student code, so they are made
short and printable.
"""

from __future__ import annotations

import re

from autograder.checks.coerce import clean_text
from autograder.i18n import _

_UNDEFINED = re.compile(r"name '(\w+)' is not defined")


def _error(cell) -> str | None:
    """"ename: evalue" of the cell's first error output, cleaned; None if it has none."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return clean_text(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(": "))
    return None


def _label(cell, index: int) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return _("cell '{id}'", id=grade_id) if grade_id else _("code cell {number}", number=index + 1)


def _defines(source: str, name: str) -> bool:
    pattern = rf"^(?:class|def)\s+{name}\b|^{name}\s*=|^(?:from\s+\S+\s+)?import\s.*\b{name}\b"
    return re.search(pattern, source, re.MULTILINE) is not None


def why_stopped(cells: list, index: int) -> str:
    """One or two sentences on why the code cell ``cells[index]`` recorded no result ("" if unknown)."""
    cell = cells[index]
    error = _error(cell)
    if error is None:
        if cell.get("execution_count") is None:
            return _("The cell did not run: the notebook stopped before it (see the status of the submission).")
        return _("The cell ran to its end without recording a result.")
    text = _("The cell stopped with {error}.", error=error)
    undefined = _UNDEFINED.search(error) if error.startswith("NameError") else None
    if undefined is None:
        return text
    name = undefined.group(1)
    for i in range(index - 1, -1, -1):
        earlier = cells[i]
        if earlier.get("cell_type") == "code" and _defines(str(earlier.get("source", "")), name):
            cause = _error(earlier)
            if cause is not None:
                return text + " " + _("{name} is defined in {cell}, which stopped with {error}: fix that first.",
                                      name=name, cell=_label(earlier, i), error=cause)
            if earlier.get("execution_count") is None:
                return text + " " + _("{name} is defined in {cell}, which did not run.", name=name,
                                      cell=_label(earlier, i))
            return text
    return text + " " + _("No cell above it defines {name}: was it renamed or deleted?", name=name)
