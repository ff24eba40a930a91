"""The header's repository and launch buttons, built both ways (booktools/addresses.py).

A one-page book with the course's _config.yml is built with the addresses it has (none
yet: no repository, issues or launch button, no link to a placeholder, the download
button still offers the notebook), with real ones (every button, pointing there; the
Korean edition's download and launch items say they offer the English page, in
Korean from _config.po), and with a placeholder (the build fails and names it).
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from booktools.addresses import TRANSLATED_EDITION_LABELS, placeholder, real
from booktools.editions import config_translations

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "https://github.com/someone/backprop-course"
HUB = "https://hub.someuniversity.edu"
PLACEHOLDERS = ("github.com/example", "example.org", "example.com")

# test_book_hygiene's one-page book, with a cell that runs
_spec = importlib.util.spec_from_file_location("_one_page_hygiene", Path(__file__).with_name("test_book_hygiene.py"))
_hygiene = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_hygiene)
PAGE = _hygiene.PAGE.format(code="print(6 * 7)")


def one_page_book(folder: Path, vendored: Path, **addresses) -> Path:
    """The course's _config.yml with ``repository_url``/``jupyterhub_url`` set as given."""
    (folder / "book").mkdir(parents=True)
    (folder / "book" / "_vendor").symlink_to(vendored)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    if "repository_url" in addresses:
        config["repository"]["url"] = addresses["repository_url"]
    if "jupyterhub_url" in addresses:
        config["launch_buttons"]["jupyterhub_url"] = addresses["jupyterhub_url"]
    (folder / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    shutil.copy(ROOT / "references.bib", folder / "references.bib")
    (folder / "_toc.yml").write_text("format: jb-book\nroot: book/page\n")
    (folder / "book" / "page.md").write_text(PAGE)
    po = folder / "locales" / "ko" / "LC_MESSAGES" / "_config.po"
    po.parent.mkdir(parents=True)
    shutil.copy(ROOT / "locales" / "ko" / "LC_MESSAGES" / "_config.po", po)
    return folder


def build(source: Path, *editions: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "booktools.build", "--source", str(source), "--path-output", str(source / "out")]
    for edition in editions:
        cmd += ["--edition", edition]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)


def page(source: Path, edition: str = "") -> str:
    html = source / "out" / "_build" / "html"
    return (html / edition / "book" / "page.html").read_text(encoding="utf-8")


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_the_courses_own_addresses_are_empty_or_real():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    for url in (config["repository"]["url"], config["launch_buttons"]["jupyterhub_url"]):
        assert not url or real(url), f"_config.yml names a placeholder: {url}"


def test_placeholders_are_told_from_real_addresses():
    for url in ("https://github.com/example/backprop-from-scratch", "https://jupyterhub.example.org",
                "https://example.com/x", "https://hub.test", "github.com/course", "https://gitlab.com/username/c"):
        assert placeholder(url), url
    for url in (REPOSITORY, HUB, "https://gitlab.com/uni/course", "https://mybinder.org"):
        assert placeholder(url) is None, url


@pytest.fixture(scope="module")
def without_addresses(tmp_path_factory, vendored):
    source = one_page_book(tmp_path_factory.mktemp("no-address"), vendored)
    proc = build(source, "en")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return source


@pytest.fixture(scope="module")
def with_addresses(tmp_path_factory, vendored):
    source = one_page_book(tmp_path_factory.mktemp("address"), vendored, repository_url=REPOSITORY, jupyterhub_url=HUB)
    proc = build(source)   # both editions
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return source


def test_without_an_address_there_is_no_button_that_needs_one(without_addresses):
    html = page(without_addresses)
    for button in ("source-repository-button", "dropdown-launch-buttons", "btn-launch-", "issues"):
        assert button not in html, f"{button} shown without an address"
    assert not [href for href in links(html) if any(p in href for p in PLACEHOLDERS)]
    assert not [href for href in links(html) if "github.com" in href or "mybinder.org" in href]
    # the download button keeps the executed page as a notebook
    assert "../_sources/book/page.ipynb" in html
    assert (without_addresses / "out" / "_build" / "html" / "_sources" / "book" / "page.ipynb").is_file()


def test_with_real_addresses_every_button_leads_there(with_addresses):
    html = page(with_addresses)
    hrefs = links(html)
    assert REPOSITORY in hrefs, "no repository button"
    assert any(h.startswith(REPOSITORY + "/issues") for h in hrefs), "no issues button"
    for host in ("mybinder.org", "colab.research.google.com", HUB):
        assert any(host in h for h in hrefs), f"no launch button for {host}"
    assert "../_sources/book/page.ipynb" in html


def test_the_korean_edition_says_its_notebook_is_the_english_page(with_addresses):
    korean = page(with_addresses, "ko")
    words = config_translations(str(ROOT), type("C", (), {"language": "ko", "locale_dirs": ["locales/"]})())
    labels = {key: words[text] for key, text in TRANSLATED_EDITION_LABELS.items()}
    assert all(label != TRANSLATED_EDITION_LABELS[key] for key, label in labels.items()), "untranslated labels"
    assert re.search(r"[가-힣]", labels["download_item"])
    for name, key in ((".ipynb", "download_item"), ("Binder", "launch_item"), ("Colab", "launch_item")):
        assert labels[key].format(name=name) in korean, f"the {name} item does not say it is the English page"
    assert labels["download"] in korean and labels["launch"] in korean
    # the English edition is not labelled
    assert labels["download_item"].format(name=".ipynb") not in page(with_addresses)


def test_a_placeholder_address_fails_the_build_and_says_which(tmp_path, vendored):
    source = one_page_book(tmp_path / "placeholder", vendored,
                           repository_url="https://github.com/example/backprop-from-scratch")
    proc = build(source, "en")
    assert proc.returncode != 0, "a placeholder repository address built"
    assert "repository.url in _config.yml is a placeholder" in proc.stdout + proc.stderr
