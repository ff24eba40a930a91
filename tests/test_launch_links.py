"""The launch and download routes: links built by the book's own theme code from
``_config.yml`` point at files that exist in the repository, the repository's address
is set in one place, Binder installs the student package, and the pages' .ipynb
pairs are current.

The course has no public address yet (``repository.url`` is empty, and the book shows no
launch buttons: tests/test_header_buttons.py builds a page both ways), so the links are
checked with a copy of ``_config.yml`` that names one."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from jupyter_book.config import get_final_config
from sphinx_book_theme.header_buttons import update_context_with_repository_info
from sphinx_book_theme.header_buttons.launch import add_launch_buttons

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("book_notebooks", ROOT / "binder" / "book_notebooks.py")
book_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book_notebooks)
PAGES = book_notebooks.pages()


class _Config(dict):
    """Sphinx's config answers both config["key"] and config.key."""

    def __getattr__(self, name):
        return self[name]


def _theme_app(tmp_path, config: Path):
    """A stand-in Sphinx app carrying the theme options jupyter-book derives from ``config``."""
    sphinx_config, _ = get_final_config(user_yaml=config, sourcedir=ROOT,
                                        cli_config={"latex_individualpages": False})
    options = sphinx_config["html_theme_options"]
    return SimpleNamespace(
        config=_Config(html_theme_options=options, html_context=dict(sphinx_config.get("html_context", {}))),
        builder=SimpleNamespace(theme_options=options),
        env=SimpleNamespace(metadata={}, doc2path=lambda docname: str(ROOT / f"{docname}.md")),
        outdir=str(tmp_path / "html"))


A_REPOSITORY = "https://github.com/someone/backprop-course"
A_HUB = "https://hub.someuniversity.edu"


def config_with(tmp_path: Path, url: str, hub: str = A_HUB) -> Path:
    """A copy of _config.yml whose repository is ``url`` and whose JupyterHub is ``hub``."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["repository"]["url"] = url
    config["launch_buttons"]["jupyterhub_url"] = hub
    path = tmp_path / "config" / "_config.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config))
    return path


def launch_links(tmp_path, page: Path, config: Path) -> dict:
    """{button text: url} as sphinx-book-theme builds them for ``page``."""
    app = _theme_app(tmp_path, config)
    update_context_with_repository_info(app)
    pagename = str(page.relative_to(ROOT).with_suffix(""))
    app.env.metadata[pagename] = {"kernelspec": {"name": "python3"}}
    executed = tmp_path / "jupyter_execute" / f"{pagename}.ipynb"  # what the build would have executed
    executed.parent.mkdir(parents=True, exist_ok=True)
    executed.write_text("{}")
    context = {**app.config.html_context, "pagename": pagename, "sourcename": f"{pagename}.md",
               "header_buttons": []}
    add_launch_buttons(app, pagename, "page.html", context, None)
    buttons = [b for group in context["header_buttons"] for b in group.get("buttons", [])]
    assert context.get("ipynb_source") == f"{pagename}.ipynb", "the download button offers no .ipynb"
    return {b["text"]: b["url"] for b in buttons}


def _repo_file(url: str, button: str, repo: str) -> str:
    """The repository path a launch link opens."""
    parsed = urlparse(url)
    if button == "Colab":  # .../github/<org>/<repo>/blob/<branch>/<path>
        return parsed.path.split("/blob/", 1)[1].split("/", 1)[1]
    urlpath = unquote(parse_qs(parsed.query)["urlpath"][0])
    prefix = "lab/tree/" + (f"{repo}/" if button == "JupyterHub" else "")
    assert urlpath.startswith(prefix), (button, urlpath)
    return urlpath[len(prefix):]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_launch_links_open_the_pages_ipynb_pair_which_exists(tmp_path, page):
    config = config_with(tmp_path, A_REPOSITORY)
    url, branch = book_notebooks.repository(config)
    repo = url.rsplit("/", 1)[1]
    links = launch_links(tmp_path, page, config)
    assert set(links) == {"Binder", "JupyterHub", "Colab"}, links
    for button, link in links.items():
        path = _repo_file(link, button, repo)
        assert path == str(page.relative_to(ROOT).with_suffix(".ipynb")), (button, link)
        assert (ROOT / path).is_file(), f"{button} opens {path}, which is not in the repository"
        assert branch in link


def test_the_repository_address_is_one_setting(tmp_path):
    """Changing repository.url in _config.yml moves every link and the pairs' install cell."""
    first = launch_links(tmp_path, PAGES[1], config_with(tmp_path, A_REPOSITORY))
    other = config_with(tmp_path / "other", "https://github.com/someone-else/course")
    links = launch_links(tmp_path, PAGES[1], other)
    assert all("someone-else" in link for link in links.values()), links
    assert not any("someone-else" in link for link in first.values()), first
    pair = book_notebooks.pair(PAGES[1], *book_notebooks.repository(other))
    assert "someone-else/course" in pair and A_REPOSITORY not in pair
    # Nowhere else does a tracked file spell an address out, except the generated pairs.
    url, _ = book_notebooks.repository()
    if not url:   # no address yet: the pairs say how to install the package without one
        assert "pip install ./backprop" in book_notebooks.pair(PAGES[1], url, "main")
        return
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:  # not a git checkout (an exported copy): look at the files themselves
        tracked = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    spelled = [name for name in tracked if name != "_config.yml" and not re.fullmatch(r"book/\w+\.ipynb", name)
               and (ROOT / name).is_file() and url in (ROOT / name).read_text(errors="ignore")]
    assert not spelled, f"the repository address is spelled out in {spelled}; take it from _config.yml"


def test_the_ipynb_pairs_are_current():
    assert book_notebooks.main(["--check"]) == 0


def test_binder_installs_the_student_package():
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert re.search(r"pip install .*\./backprop\b", post_build)
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    requirements = (ROOT / "binder" / "requirements.txt").read_text()
    assert "autograder" not in requirements and "nbgrader" not in requirements
