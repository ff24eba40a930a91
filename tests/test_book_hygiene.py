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


def _build_one_page(tmp_path: Path, code: str) -> subprocess.CompletedProcess:
    book = tmp_path / "src"
    (book / "book" / "_vendor").mkdir(parents=True)   # html_static_path in _config.yml
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    (book / "book" / "intro.md").write_text(PAGE.format(code=code))
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(book),
           "--path-output", str(tmp_path / "out"), "--warningiserror", "--keep-going"]
    return subprocess.run(cmd, cwd=book, capture_output=True, text=True, timeout=600)


def test_a_page_that_runs_builds(tmp_path):
    proc = _build_one_page(tmp_path, "print(6 * 7)")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "42" in (tmp_path / "out" / "_build" / "html" / "book" / "intro.html").read_text()


def test_a_cell_error_fails_the_build(tmp_path):
    proc = _build_one_page(tmp_path, "raise ValueError('deliberate failure in a book cell')")
    assert proc.returncode != 0, "a cell raised, yet the build succeeded"
    assert "deliberate failure in a book cell" in proc.stdout + proc.stderr
