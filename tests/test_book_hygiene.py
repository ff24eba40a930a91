"""The book's build settings make a failing cell fail the build.

jupyter-book 1 exits 0 on a notebook whose cell raises unless execution is told
to raise (``raise_on_error`` in _config.yml) or warnings are errors (the
Makefile's ``--warningiserror --keep-going``; either one is enough). This builds
a one-page book with the repository's _config.yml and the Makefile's flags,
with and without an error, so the test fails if both safeguards are lost.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]

PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A page

```{{code-cell}} ipython3
{code}
```
"""


def _build_one_page(tmp_path: Path, code: str, vendored: Path) -> subprocess.CompletedProcess:
    book = tmp_path / "src"
    (book / "book").mkdir(parents=True)
    (book / "book" / "_vendor").symlink_to(vendored)   # html_static_path in _config.yml (the Korean font)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    shutil.copy(ROOT / "references.bib", book / "references.bib")   # bibtex_bibfiles in _config.yml
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    (book / "book" / "intro.md").write_text(PAGE.format(code=code))
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(book),
           "--path-output", str(tmp_path / "out"), "--warningiserror", "--keep-going"]
    return subprocess.run(cmd, cwd=book, capture_output=True, text=True, timeout=600)


def test_a_page_that_runs_builds(tmp_path, vendored):
    proc = _build_one_page(tmp_path, "print(6 * 7)", vendored)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "42" in (tmp_path / "out" / "_build" / "html" / "book" / "intro.html").read_text()


def test_a_cell_error_fails_the_build(tmp_path, vendored):
    proc = _build_one_page(tmp_path, "raise ValueError('deliberate failure in a book cell')", vendored)
    assert proc.returncode != 0, "a cell raised, yet the build succeeded"
    assert "deliberate failure in a book cell" in proc.stdout + proc.stderr


# ---- printed code fits the text column ---------------------------------------------------
# At 1280 px the text column holds 76 characters of code (measured in Chromium by
# test_browser_layout.py, which checks the built pages; this check names the source line).
CODE_COLUMNS = 76


def printed_code(markdown: str, book_dir: Path) -> list[tuple[str, str]]:
    """(where, line) for every line of code a page shows: its visible code cells and the
    objects it includes with ``literalinclude`` and ``:pyobject:``."""
    import ast
    import re

    shown = []
    for m in re.finditer(r"```\{code-cell\}[^\n]*\n(.*?)```", markdown, flags=re.S):
        body = m.group(1)
        tags = re.match(r"(?::tags:\s*\[([^\]]*)\]\n)?", body)
        if tags.group(1) and re.search(r"remove-(cell|input)|hide-input", tags.group(1)):
            continue
        shown += [("code cell", line) for line in body[tags.end():].splitlines()]
    for m in re.finditer(r"```\{literalinclude\}\s*(\S+)\n:pyobject:\s*(\S+)", markdown):
        path, name = book_dir / m.group(1), m.group(2)
        source = path.read_text(encoding="utf-8")
        node = ast.parse(source)
        for part in name.split("."):
            node = next(n for n in ast.iter_child_nodes(node)
                        if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part)
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        lines = source.splitlines()[start - 1:node.end_lineno]
        shown += [(f"{m.group(1)}:{name}", line) for line in lines]
    return shown


def wide_code_lines(markdown: str, book_dir: Path) -> list[str]:
    return [f"{where}: {len(line)} characters: {line.strip()[:70]}"
            for where, line in printed_code(markdown, book_dir) if len(line) > CODE_COLUMNS]


def test_no_printed_line_of_code_is_wider_than_the_text_column():
    import re

    toc = (ROOT / "_toc.yml").read_text()
    docs = re.findall(r"^\s*(?:root|- file):\s*(\S+)\s*$", toc, flags=re.M)
    wide = {doc: wide_code_lines((ROOT / f"{doc}.md").read_text(encoding="utf-8"), ROOT / "book")
            for doc in docs}
    wide = {doc: lines for doc, lines in wide.items() if lines}
    assert not wide, f"code lines wider than {CODE_COLUMNS} characters:\n" + "\n".join(
        f"{doc}: {line}" for doc, lines in wide.items() for line in lines)


def test_the_width_check_reads_cells_and_included_objects(tmp_path):
    (tmp_path / "m.py").write_text("def short():\n    return 1\n\n\ndef long():\n    return '" + "x" * 80 + "'\n")
    page = ("```{code-cell} ipython3\nprint('" + "y" * 80 + "')\n```\n"
            "```{code-cell} ipython3\n:tags: [remove-cell]\nprint('" + "z" * 80 + "')\n```\n"
            "```{literalinclude} m.py\n:pyobject: long\n```\n"
            "```{literalinclude} m.py\n:pyobject: short\n```\n")
    wide = wide_code_lines(page, tmp_path)
    assert len(wide) == 2 and "yyy" in wide[0] and "m.py:long" in wide[1], wide
