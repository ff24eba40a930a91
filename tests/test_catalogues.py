"""The Korean edition's catalogues: complete, and current with the English pages.

Each page has ``locales/ko/LC_MESSAGES/<page>.po``. A page's test fails while any of
its entries is untranslated or fuzzy (Sphinx would show English there), and the
currency test fails when an English paragraph changed and ``make translations`` has
not merged the change in (docs/translating.md). The machinery itself is tested on
small catalogues: a changed message really comes back fuzzy, a new one untranslated.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from booktools.catalogues import LOCALES, Report, catalogue_path, check, pot_dir, read_catalogue, templates
from booktools.editions import CONFIG_DOMAIN

ROOT = Path(__file__).resolve().parents[1]


def toc_pages() -> list[str]:
    text = (ROOT / "_toc.yml").read_text()
    return re.findall(r"^\s*(?:root|- file):\s*(\S+)\s*$", text, flags=re.M)


def unfinished(path: Path) -> tuple[list[str], list[str]]:
    """(untranslated, fuzzy) msgids of one catalogue."""
    catalogue = read_catalogue(path)
    messages = [m for m in catalogue if m.id]
    return [m.id for m in messages if not m.string and not m.fuzzy], [m.id for m in messages if m.fuzzy]


@pytest.mark.parametrize("domain", [CONFIG_DOMAIN, *toc_pages()])
def test_every_message_of_the_page_is_translated(domain):
    """Fails for every chapter whose Korean translation is not finished (chapters 0-6 until
    their translators are done): Sphinx shows English for untranslated and fuzzy entries."""
    path = catalogue_path(domain, "ko")
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing; run `make translations`"
    untranslated, fuzzy = unfinished(path)
    assert not untranslated and not fuzzy, (
        f"{path.relative_to(ROOT)}: {len(untranslated)} untranslated, {len(fuzzy)} fuzzy; "
        f"first: {(fuzzy + untranslated)[0][:100]!r}")


@pytest.fixture(scope="module")
def english_messages(tmp_path_factory) -> Path:
    """The English pages' messages, extracted as `make translations` does (the pages are executed)."""
    base = tmp_path_factory.mktemp("messages")
    proc = subprocess.run([sys.executable, "-m", "booktools.catalogues", "extract", "--path-output", str(base)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, "extracting the messages failed:\n" + (proc.stdout + proc.stderr)[-4000:]
    return pot_dir(base)


@pytest.mark.book
def test_catalogues_are_current_with_the_english_pages(english_messages):
    reports = [r for r in check(english_messages, "ko") if r.stale]
    assert not reports, "catalogues out of date with the English pages (run `make translations`):\n" + \
        "\n".join(r.summary() for r in reports)


@pytest.mark.book
def test_every_page_with_text_has_messages(english_messages):
    domains = set(templates(english_messages))
    assert set(toc_pages()) | {CONFIG_DOMAIN} <= domains, sorted(domains)


# ---- the machinery on small catalogues ---------------------------------------------

def write_pot(folder: Path, domain: str, messages: list[str]) -> None:
    catalogue = Catalog(fuzzy=False)
    for text in messages:
        catalogue.add(text)
    path = folder / f"{domain}.pot"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalogue)


def translate(path: Path, translations: dict[str, str]) -> None:
    catalogue = read_catalogue(path)
    for message in catalogue:
        if message.id in translations:
            message.string = translations[message.id]
    with path.open("wb") as f:
        write_po(f, catalogue)


def merge(pots: Path, locales: Path) -> None:
    from sphinx_intl.basic import update

    update(str(locales), str(pots), ("ko",), jobs=1)


def only(reports: list[Report], domain: str) -> Report:
    [report] = [r for r in reports if r.domain == domain]
    return report


def test_a_changed_paragraph_is_stale_then_fuzzy_until_translated_again(tmp_path):
    pots, locales = tmp_path / "pot", tmp_path / "locales"
    old = "The price you pay is {glue:text}`price:g`."
    new = "The total price you pay is {glue:text}`price:g`."
    write_pot(pots, "book/page", ["Title", old])
    merge(pots, locales)
    po = catalogue_path("book/page", "ko", locales)
    assert only(check(pots, "ko", locales), "book/page").untranslated == ["Title", old]
    translate(po, {"Title": "제목", old: "내야 할 금액은 {glue:text}`price:g`원입니다."})
    assert only(check(pots, "ko", locales), "book/page").complete

    write_pot(pots, "book/page", ["Title", new])          # the English paragraph changes
    stale = only(check(pots, "ko", locales), "book/page")
    assert stale.stale and stale.new == [new] and stale.gone == [old], stale
    merge(pots, locales)                                    # make translations
    merged = only(check(pots, "ko", locales), "book/page")
    assert not merged.stale and merged.fuzzy == [new], merged
    assert not merged.complete
    translate(po, {new: "내야 할 총금액은 {glue:text}`price:g`원입니다."})
    catalogue = read_catalogue(po)
    for message in catalogue:   # a translator removes the fuzzy mark once the entry is right
        message.flags.discard("fuzzy")
    with po.open("wb") as f:
        write_po(f, catalogue)
    assert only(check(pots, "ko", locales), "book/page").complete


def test_a_new_page_without_catalogue_and_a_catalogue_without_page_are_reported(tmp_path):
    pots, locales = tmp_path / "pot", tmp_path / "locales"
    write_pot(pots, "book/a", ["A"])
    merge(pots, locales)
    write_pot(pots, "book/b", ["B"])
    (pots / "book" / "a.pot").unlink()
    reports = check(pots, "ko", locales)
    assert only(reports, "book/b").missing and only(reports, "book/a").orphaned
    assert "make translations" in only(reports, "book/b").summary()


def test_the_books_catalogues_sit_where_sphinx_looks():
    """_config.yml's locale_dirs and gettext_compact: one catalogue per page under locales/."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert [Path(ROOT, d).resolve() for d in config["locale_dirs"]] == [LOCALES.resolve()]
    assert config["gettext_compact"] is False
    assert (LOCALES / "ko" / "LC_MESSAGES" / "book" / "intro.po").is_file()


def test_a_merge_that_changes_no_message_leaves_the_file_alone(tmp_path):
    # Babel dates the header of every catalogue it writes; the assignments' and the grader's
    # catalogues would otherwise change on every `make translations`.
    from babel.messages.catalog import Catalog

    from booktools.catalogues import merge

    english = Catalog(project="t", fuzzy=False, charset="utf-8")
    english.add("A sentence.")
    path = merge(tmp_path / "t.po", english, "ko", "t")
    before = path.read_bytes()
    os.utime(path, (0, 0))
    merge(path, english, "ko", "t")
    assert path.read_bytes() == before and path.stat().st_mtime == 0
    english.add("Another sentence.")
    merge(path, english, "ko", "t")
    assert b"Another sentence." in path.read_bytes()


# ---- the theme's catalogue -----------------------------------------------------------

def test_the_theme_catalogue_is_complete():
    from booktools import theme_catalogue

    report = theme_catalogue.report("ko")
    assert report.complete, report.summary()
    # the book's overrides of the theme's components bring their tooltips
    assert {"Toggle primary sidebar", "Toggle secondary sidebar"} <= {m for m, _ in theme_catalogue.override_messages()}


def test_a_new_sentence_of_an_upgraded_theme_is_reported_then_merged_untranslated(tmp_path, monkeypatch):
    from booktools import theme_catalogue

    upgraded = read_catalogue(theme_catalogue.theme_template_path())
    upgraded.add("Open the command palette")
    pot = tmp_path / "sphinx.pot"
    with pot.open("wb") as f:
        write_po(f, upgraded)
    monkeypatch.setattr(theme_catalogue, "theme_template_path", lambda: pot)
    locales = tmp_path / "locales"
    po = theme_catalogue.po_path("ko", locales)
    po.parent.mkdir(parents=True)
    po.write_bytes(theme_catalogue.po_path("ko").read_bytes())
    stale = theme_catalogue.report("ko", locales)
    assert stale.new == ["Open the command palette"] and not stale.complete
    theme_catalogue.update("ko", locales)
    merged = theme_catalogue.report("ko", locales)
    assert not merged.stale and merged.untranslated == ["Open the command palette"]


def test_no_catalogue_keeps_an_obsolete_entry():
    """A message the English dropped is dropped from the translation too: a stale "#~" entry,
    untranslated or not, would read as a translation left unfinished."""
    found = {str(p.relative_to(ROOT)): len(read_catalogue(p).obsolete)
             for p in [*LOCALES.rglob("*.po"), *(ROOT / "backprop").rglob("*.po")]}
    assert found and not {p: n for p, n in found.items() if n}, {p: n for p, n in found.items() if n}
