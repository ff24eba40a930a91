"""Build the nbgrader source notebooks from readable cell files.

    python solutions/build_sources.py           # write solutions/<assignment>/<name>.ipynb (English)
                                                # and solutions/<language>/<assignment>/<name>.ipynb
    python solutions/build_sources.py --check   # exit 1 if a committed notebook is stale

Each ``solutions/notebook_sources/<assignment>.cells`` holds one notebook as
plain text: a line ``%% <kind> key=value ...`` starts a cell, the lines up to
the next such line are its source. Kinds:

    markdown                 text for the student
    given id=...             locked code the student runs but does not edit
    solution id=...          code with ### BEGIN SOLUTION / ### END SOLUTION regions
    example                  an ungraded cell showing what to expect
    test id=... points=N book=yes|no
                             a graded test cell; book=yes when the book prints the answer

A test cell opens with a one-line docstring, then its hidden block
(``### BEGIN HIDDEN TESTS`` ... ``check("<id>", ...)`` ... ``### END HIDDEN TESTS``),
then the visible asserts: the hidden check records its numbers before a visible
assert can stop the cell, so a failing student still gets the diagnosis.

Every language is built from the same cells: English as written, another language
with the prose of its markdown, the docstrings and comments of its code and the
strings the code marks with ``_("...")`` translated through
``locales/<language>/LC_MESSAGES/assignments/<assignment>.po`` (booktools.notebook_catalogue;
``make translations`` keeps those current). Code is never translated.

``given ... include=module:name,name;module:name`` appends the source of those
reference objects, so a given cell can never drift from the reference package;
``solution ... include=... solve=method,method`` also wraps those methods'
bodies (after their docstrings) in solution markers.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from booktools import notebook_catalogue

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "notebook_sources"
#: assignment folder -> notebook name (without .ipynb)
NOTEBOOKS = {"ps1_graphs": "graphs", "ps2_layers": "layers", "ps3_softmax": "softmax", "ps4_network": "network"}
KINDS = ("markdown", "given", "solution", "example", "test")
SOURCE_LANGUAGE = notebook_catalogue.SOURCE_LANGUAGE
_TEST_LAYOUT = re.compile(r'"""[^\n]+"""\n### BEGIN HIDDEN TESTS\n(?:.*\n)*?check\("\w+"[^\n]*\n### END HIDDEN TESTS')
_HEADER = re.compile(r"^%% (\w+)((?: [\w-]+=\S+)*)\s*$")


@dataclass
class Cell:
    kind: str
    source: str
    attrs: dict = field(default_factory=dict)

    @property
    def grade_id(self) -> str | None:
        return self.attrs.get("id")

    @property
    def points(self) -> float:
        return float(self.attrs.get("points", 0))

    @property
    def book_prints_answer(self) -> bool:
        return self.attrs.get("book") == "yes"


def _mark_solutions(source: str, methods: list[str]) -> str:
    """Wrap the bodies (after the docstring) of ``methods`` in solution markers."""
    lines = source.splitlines()
    tree = ast.parse(source)
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in methods:
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            spans.append((body[0].lineno - 1, node.end_lineno, body[0].col_offset))
    missing = set(methods) - {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    if missing:
        raise ValueError(f"solve= names {sorted(missing)}, which the included source does not define")
    for start, end, col in sorted(spans, reverse=True):
        pad = " " * col
        lines[start:end] = [pad + "### BEGIN SOLUTION", *lines[start:end], pad + "### END SOLUTION"]
    return "\n".join(lines)


def _included_source(spec: str, solve: str | None = None) -> str:
    parts = []
    for item in spec.split(";"):
        module, _, names = item.partition(":")
        mod = importlib.import_module(module)
        for name in names.split(","):
            parts.append(inspect.getsource(getattr(mod, name)).rstrip())
    source = "\n\n\n".join(parts)
    return _mark_solutions(source, solve.split(",")) if solve else source


def parse(path: Path) -> list[Cell]:
    """The cells of one ``.cells`` file, includes expanded."""
    cells: list[Cell] = []
    for line_no, line in enumerate(path.read_text().splitlines(), 1):
        match = _HEADER.match(line)
        if match:
            kind = match.group(1)
            if kind not in KINDS:
                raise ValueError(f"{path}:{line_no}: unknown cell kind {kind!r}; use one of {KINDS}")
            attrs = dict(pair.split("=", 1) for pair in match.group(2).split())
            if kind in ("given", "solution", "test") and "id" not in attrs:
                raise ValueError(f"{path}:{line_no}: a {kind} cell needs id=...")
            if kind == "test" and ("points" not in attrs or attrs.get("book") not in ("yes", "no")):
                raise ValueError(f"{path}:{line_no}: a test cell needs points=N and book=yes|no")
            cells.append(Cell(kind, "", attrs))
        elif line.startswith("%%"):
            raise ValueError(f"{path}:{line_no}: malformed cell header {line!r}")
        elif not cells:
            if line.strip():
                raise ValueError(f"{path}:{line_no}: text before the first %% header")
        else:
            cells[-1].source += line + "\n"
    for cell in cells:
        cell.source = cell.source.strip("\n")
        if cell.kind == "test" and not _TEST_LAYOUT.match(cell.source):
            raise ValueError(f"{path}: test cell {cell.grade_id} must open with a one-line docstring "
                             "followed by its ### BEGIN HIDDEN TESTS block calling check(...)")
        if "include" in cell.attrs:
            included = _included_source(cell.attrs["include"], cell.attrs.get("solve"))
            cell.source = (cell.source + "\n\n\n" + included).strip("\n")
    return cells


def _nbgrader(cell: Cell) -> dict | None:
    base = {"grade_id": cell.grade_id, "schema_version": 3, "task": False}
    if cell.kind == "given":
        return {**base, "grade": False, "solution": False, "locked": True}
    if cell.kind == "solution":
        return {**base, "grade": False, "solution": True, "locked": False}
    if cell.kind == "test":
        points = int(cell.points) if cell.points.is_integer() else cell.points
        return {**base, "grade": True, "solution": False, "locked": True, "points": points}
    return None


def build(assignment: str, language: str = SOURCE_LANGUAGE) -> nbformat.NotebookNode:
    """The source notebook of ``assignment`` in ``language``, with nbgrader metadata and stable cell ids."""
    cells = []
    counters: dict = {}
    lookup = notebook_catalogue.lookup_for(language, assignment)
    for cell in parse(SOURCES / f"{assignment}.cells"):
        try:
            text = notebook_catalogue.translate_cell(cell.kind, cell.source, lookup, language)
        except notebook_catalogue.NotebookCatalogueError as exc:
            raise ValueError(f"{assignment}.cells, cell {cell.grade_id or cell.kind}: {exc}") from None
        if cell.kind == "markdown":
            node = new_markdown_cell(text)
        else:
            node = new_code_cell(text)
        meta = _nbgrader(cell)
        if meta:
            node.metadata["nbgrader"] = meta
            node.id = cell.grade_id
        else:
            counters[cell.kind] = counters.get(cell.kind, 0) + 1
            node.id = f"{cell.kind}-{counters[cell.kind]}"
        cells.append(node)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


def languages() -> list[str]:
    """English and every language with assignment catalogues."""
    return [SOURCE_LANGUAGE, *notebook_catalogue.languages()]


def target(assignment: str, language: str = SOURCE_LANGUAGE) -> Path:
    folder = HERE if language == SOURCE_LANGUAGE else HERE / language
    return folder / assignment / f"{NOTEBOOKS[assignment]}.ipynb"


def render(assignment: str, language: str = SOURCE_LANGUAGE) -> str:
    return nbformat.writes(build(assignment, language)) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    stale = []
    for assignment, language in [(a, lang) for lang in languages() for a in NOTEBOOKS]:
        text, path = render(assignment, language), target(assignment, language)
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print("stale (run python solutions/build_sources.py):\n  " + "\n  ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
