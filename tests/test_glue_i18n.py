"""Glued values in translated text, and the build's language in executed code, on a one-page book.

A page glues a computed price and the value of ``BACKPROP_LANG`` as its kernel saw it;
its Korean catalogue keeps the glue roles inside translated sentences. Built with
``python -m booktools.build`` (both editions, as ``make book`` builds them):

- the Korean sentence shows the same number as the English one (``booktools.glue_i18n``),
  even a number that differs on every run (the Korean edition takes glued numbers
  from the English edition's execution), while a glued word comes from the edition's
  own execution, in its language;
- without that extension, the same build fails: the glue roles of a translated
  sentence find no value (the trap the extension exists for);
- the executed code saw ``en`` in the English edition and ``ko`` in the Korean one.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_hygiene = importlib.util.spec_from_file_location("_book_hygiene", Path(__file__).with_name("test_book_hygiene.py"))
hygiene = importlib.util.module_from_spec(_hygiene)
_hygiene.loader.exec_module(hygiene)

# test_book_hygiene's one-cell page (title "A page"), and text that glues from its cell
PAGE = hygiene.PAGE.format(code="""\
import os, time
from myst_nb import glue
glue("price", 2 * 100 * 1.1, display=False)
glue("clock", time.perf_counter_ns(), display=False)
glue("language", os.environ.get("BACKPROP_LANG", "unset"), display=False)""") + """
The price is {glue:text}`price:g`.

Built in {glue:text}`language` at {glue:text}`clock`.

```{code-cell} ipython3
print("kernel language:", os.environ.get("BACKPROP_LANG", "unset"))
```
"""

CATALOGUE = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "A page"
msgstr "한 페이지"

msgid "The price is {glue:text}`price:g`."
msgstr "가격은 {glue:text}`price:g`원입니다."

msgid "Built in {glue:text}`language` at {glue:text}`clock`."
msgstr "{glue:text}`clock`에 {glue:text}`language` 언어로 빌드했습니다."
"""


def tiny_book(folder: Path, extensions: list[str]) -> Path:
    folder.mkdir(parents=True)
    config = ["title: Tiny", "only_build_toc_files: true", "execute:", "  execute_notebooks: force",
              "sphinx:", "  extra_extensions:", *[f"    - {e}" for e in extensions],
              "  config:", '    locale_dirs: ["locales/"]', "    gettext_compact: false"]
    (folder / "_config.yml").write_text("\n".join(config) + "\n")
    (folder / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    (folder / "page.md").write_text(PAGE)
    po = folder / "locales" / "ko" / "LC_MESSAGES" / "page.po"
    po.parent.mkdir(parents=True)
    po.write_text(CATALOGUE, encoding="utf-8")
    return folder


def build(source: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "booktools.build", "--source", str(source), "--path-output", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def pasted(page: Path) -> list[str]:
    return re.findall(r'class="pasted-text">([^<]*)<', page.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    tmp = tmp_path_factory.mktemp("tiny")
    source = tiny_book(tmp / "book", ["booktools.editions", "booktools.glue_i18n"])
    proc = build(source, tmp / "out")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return tmp / "out" / "_build" / "html", proc


def test_a_translated_sentence_shows_the_glued_number(editions):
    html, _ = editions
    english, korean = pasted(html / "page.html"), pasted(html / "ko" / "page.html")
    assert english[0] == korean[0] == "220", (english, korean)
    text = re.sub(r"<[^>]+>", "", (html / "ko" / "page.html").read_text(encoding="utf-8"))
    assert "가격은 220원입니다." in text


def test_both_editions_show_the_same_numbers_and_their_own_words(editions):
    html, _ = editions
    english, korean = pasted(html / "page.html"), pasted(html / "ko" / "page.html")
    # English: price, language, clock; Korean (word order changed): price, clock, language
    assert english[2].isdigit() and korean[1] == english[2], (english, korean)
    assert (english[1], korean[2]) == ("en", "ko"), (english, korean)


def test_the_executed_pages_see_the_editions_language(editions):
    html, _ = editions
    assert "kernel language: en" in (html / "page.html").read_text(encoding="utf-8")
    assert "kernel language: ko" in (html / "ko" / "page.html").read_text(encoding="utf-8")


def test_the_build_prints_each_editions_time(editions):
    _, proc = editions
    for language in ("en", "ko"):
        assert re.search(rf"^{language} edition built in \d+\.\d s", proc.stdout, flags=re.M), proc.stdout[-2000:]


def test_without_the_extension_the_translated_number_is_lost(tmp_path):
    source = tiny_book(tmp_path / "book", ["booktools.editions"])
    proc = build(source, tmp_path / "out")
    assert proc.returncode != 0
    assert "No key 'price' found in glue data" in proc.stdout + proc.stderr
    assert "the ko edition failed" in proc.stderr
