"""Every page of the book runs where students are: a fresh virtual environment with
``pip install ./backprop`` alone (no reference, no autograder, no MyST-NB), as a page
downloaded from the book or opened from a launch button would run."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from myst_nb.core.read import read_myst_markdown_notebook

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("judge_notebooks", ROOT / "tests" / "test_judge_notebooks.py")
_judge_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_judge_notebooks)
BLOCKER = _judge_notebooks.BLOCKER  # refuses imports of reference and autograder
OFFLINE_MNIST = ROOT.parent / "shared" / "data" / "mnist-t10k-split"


_spec = importlib.util.spec_from_file_location("book_notebooks", ROOT / "binder" / "book_notebooks.py")
_book_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_book_notebooks)


def pages() -> list[Path]:
    """The book's notebook pages, sections included (the pages a launch button opens)."""
    return _book_notebooks.pages()


def code_cells(page: Path) -> list[str]:
    return [c.source for c in read_myst_markdown_notebook(page.read_text()).cells if c.cell_type == "code"]


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_no_page_imports_instructor_code(page):
    for source in code_cells(page):
        for line in source.splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]) and len(words) > 1:
                assert words[1].split(".")[0] not in ("reference", "autograder"), (page.name, line)
    includes = re.findall(r"^```\{literalinclude\}\s*(\S+)", page.read_text(), re.M)
    assert not [path for path in includes if not path.startswith("../backprop/")], \
        f"{page.name} shows code from outside the student package: {includes}"


RUNNER = BLOCKER + textwrap.dedent('''
    import json, sys
    for page, cells in json.load(open(sys.argv[1])).items():
        namespace = {"__name__": "__main__"}
        for i, source in enumerate(cells):
            try:
                exec(compile(source, f"<{page} cell {i}>", "exec"), namespace)
            except BaseException:
                print(f"FAILED: {page}, code cell {i}:\\n{source}", file=sys.stderr)
                raise
        print("ran", page)
''')


@pytest.fixture(scope="module")
def student_python(tmp_path_factory) -> Path:
    """A fresh venv holding the student package and what it depends on, nothing else."""
    root = tmp_path_factory.mktemp("student")
    package = root / "backprop"
    shutil.copytree(ROOT / "backprop", package, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__"))
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    result = subprocess.run([python, "-m", "pip", "install", "--quiet", str(package)],
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    return python


def test_every_page_runs_with_only_the_student_package(student_python, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    probe = subprocess.run([student_python, "-c", "import importlib.util as u; "
                            "print([m for m in ('myst_nb', 'reference', 'autograder', 'nbgrader') if u.find_spec(m)])"],
                           capture_output=True, text=True, check=True, cwd=tmp_path, env=env)
    assert probe.stdout.strip() == "[]", f"the student venv holds more than the student package: {probe.stdout}"
    (tmp_path / "pages.json").write_text(json.dumps({page.stem: code_cells(page) for page in pages()}))
    if "MNIST_DIR" not in env and (OFFLINE_MNIST / "t10k-labels-idx1-ubyte.gz").exists():
        env["MNIST_DIR"] = str(OFFLINE_MNIST)
    result = subprocess.run([student_python, "-c", RUNNER, str(tmp_path / "pages.json")], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stdout.count("ran ") == len(pages()), result.stdout
