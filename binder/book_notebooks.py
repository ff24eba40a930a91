"""The ``.ipynb`` pair of every book page, for the launch buttons (Colab, Binder, JupyterHub).

    python binder/book_notebooks.py           # write book/<page>.ipynb next to book/<page>.md
    python binder/book_notebooks.py --check   # exit 1 if a committed pair is stale

The MyST Markdown page is the one source: the book builds from it, and this
script derives the notebook a launch button opens (sphinx-book-theme links to
``<page>.ipynb`` when it exists beside ``<page>.md``; ``_config.yml`` keeps the
pairs out of the build). Each pair opens with one added cell that installs the
student package where it is missing (Colab has only its own packages), from the
repository that ``repository.url`` and ``repository.branch`` in ``_config.yml``
name: the one place the course's address is set. While that address is empty (the
course has no public home yet, and the book shows no launch buttons), the cell says
how to install the package from a copy of the repository instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import yaml
from myst_nb.core.read import read_myst_markdown_notebook
from nbformat.v4 import new_code_cell

ROOT = Path(__file__).resolve().parents[1]

SETUP = '''\
# Where the course's package is missing (Colab, a fresh JupyterHub), install it first.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("backprop") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", {requirement!r}])'''

SETUP_WITHOUT_ADDRESS = '''\
# This notebook needs the course's package, backprop.
import importlib.util

if importlib.util.find_spec("backprop") is None:
    raise ModuleNotFoundError("the course's package is missing: run `pip install ./backprop` in a copy "
                              "of the course's repository, then restart the kernel")'''


def repository(config: Path = ROOT / "_config.yml") -> tuple[str, str]:
    """(url, branch) of the course repository, as ``_config.yml`` sets them (url "" when it has none)."""
    repo = yaml.safe_load(config.read_text()).get("repository") or {}
    return (repo.get("url") or "").strip().rstrip("/"), repo.get("branch") or "main"


def _files(entries: list[dict]) -> list[str]:
    """The ``file`` of each toc entry and, after it, of its ``sections``, in reading order."""
    return [name for entry in entries
            for name in [entry["file"], *_files(entry.get("sections", []))]]


def pages(root: Path = ROOT) -> list[Path]:
    """The book's notebook pages in table-of-contents order, sections included (a page
    without a kernel, such as the glossary or a chapter's page of contents, has no launch
    buttons and no pair)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    found = [root / f"{entry}.md" for entry in [toc["root"], *_files(toc["chapters"])]]
    return [page for page in found if "kernelspec:" in page.read_text(encoding="utf-8")]


def requirement(url: str, branch: str) -> str:
    """A pip requirement for the student package in the repository at ``url``."""
    return f"backprop @ git+{url}@{branch}#subdirectory=backprop"


def pair(page: Path, url: str, branch: str) -> str:
    """The notebook text for ``page``: its cells, after the set-up cell."""
    nb = read_myst_markdown_notebook(page.read_text())
    setup = SETUP.format(requirement=requirement(url, branch)) if url else SETUP_WITHOUT_ADDRESS
    nb.cells.insert(0, new_code_cell(setup))
    nb.metadata.pop("jupytext", None)
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"{page.stem}-{i}"  # stable ids: regenerating changes nothing
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    url, branch = repository()
    pairs = {page.with_suffix(".ipynb"): pair(page, url, branch) for page in pages()}
    if "--check" not in argv:
        for target, text in pairs.items():
            target.write_text(text)
            print(f"wrote {target.relative_to(ROOT)}")
        return 0
    stale = [str(t.relative_to(ROOT)) for t, text in pairs.items() if not t.exists() or t.read_text() != text]
    if stale:
        print("stale (run python binder/book_notebooks.py):\n  " + "\n  ".join(stale))
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
