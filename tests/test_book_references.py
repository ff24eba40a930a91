"""The references page and the introduction's promises, as built.

- references.bib is read here with pybtex (not through Sphinx): every entry is on the
  references page, the study notes carry no invented author, date or address;
- every citation on every page lands on an entry of the references page;
- the introduction cites Saito's book and its Korean edition, links every page of the
  table of contents (chapter 3's sections included), and its promise holds: every
  chapter gives Korean terms in lang="ko" spans.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from pybtex.database import parse_file

pytestmark = pytest.mark.book

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
_spec = importlib.util.spec_from_file_location("_book_checks", HERE / "test_book.py")
book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(book)

BIB = parse_file(str(ROOT / "references.bib"))
NOTES = [key for key in BIB.entries if key.startswith("note-")]


def entries_on_page(built_book) -> dict[str, str]:
    """The references page's entries: anchor id -> the entry's text."""
    page = book.page_html(built_book, "book/references")
    found = re.findall(r'<div class="citation" id="([^"]+)"[^>]*>(.*?)</div>', page, flags=re.S)
    return {anchor: book.visible_text('<article class="bd-article">' + body) for anchor, body in found}


def test_the_bib_file_holds_the_course_sources():
    assert len(NOTES) == 5, NOTES
    for key in NOTES:
        fields = BIB.entries[key]
        assert not fields.persons, f"{key}: a study note names no author, so the entry gives none"
        assert not {"url", "year", "author"} & {f.lower() for f in fields.fields}, key
    titles = [str(e.fields["title"]) for e in BIB.entries.values()]
    for wanted in ("Zero kara tsukuru Deep Learning", "밑바닥부터 시작하는 딥러닝", "Backpropagation, Intuitions",
                   "Calculus on Computational Graphs", "Dive into Deep Learning", "micrograd"):
        assert any(wanted in t for t in titles), wanted
    korean = [e for e in BIB.entries.values() if "밑바닥부터" in str(e.fields["title"])][0]
    assert "한빛미디어" in str(korean.fields["publisher"])


def test_every_entry_is_on_the_references_page(built_book):
    shown = " ".join(entries_on_page(built_book).values())
    for key, entry in BIB.entries.items():
        title = re.sub(r"[{}]", "", str(entry.fields["title"]))
        assert title in shown, f"{key}: {title!r} is not on the references page"
    assert len(entries_on_page(built_book)) == len(BIB.entries)


def test_every_citation_lands_on_an_entry(built_book):
    anchors = set(entries_on_page(built_book))
    cited = 0
    for doc in book.toc_pages():
        page = book._main(book.page_html(built_book, doc))
        for target in re.findall(r'href="(?:\.\./book/)?references\.html#([^"]+)"', page):
            assert target in anchors, f"{doc}: a citation points at #{target}, which the page lacks"
            cited += 1
    assert cited >= 10, cited


def test_the_intro_cites_saito_and_the_korean_edition(built_book):
    text = book.visible_text(book.page_html(built_book, "book/intro"))
    for author, year in (("Saito", 2016), ("Saito", 2017), ("Olah", 2015), ("Karpathy", 2020)):
        assert f"{author}, {year}" in text, (author, year)
    assert "밑바닥부터 시작하는 딥러닝" in text


def test_the_intro_links_every_page_of_the_book(built_book):
    page = book._main(book.page_html(built_book, "book/intro"))
    linked = set(re.findall(r'href="([\w]+)\.html"', page))
    pages = [doc.split("/")[-1] for doc in book.toc_pages()[1:]]
    missing = [p for p in pages if p not in linked]
    assert not missing, f"the introduction does not link {missing}"


def test_every_chapter_keeps_the_intros_promise_of_korean_terms(built_book):
    """The intro promises the Korean term beside the English one in every chapter."""
    text = book.visible_text(book.page_html(built_book, "book/intro"))
    assert "each chapter gives the Korean term once beside the English one" in text
    without = [doc for doc in book.notebook_pages()[1:]
               if not re.search(r'<span lang="ko">[\uac00-\ud7a3]', book._main(book.page_html(built_book, doc)))]
    assert not without, f"chapters without a Korean term in a lang=\"ko\" span: {without}"


@pytest.mark.parametrize("doc, named, cited", [
    ("book/ch2_chain_rule", 'Olah\'s "Calculus on Computational Graphs"', "Olah, 2015"),
    ("book/ch3_nodes", "CS231n's notes on backpropagation", "Stanford CS231n, n.d."),
    ("book/ch3_activations", "like Saito's book", "Saito, 2016"),
    ("book/ch5_two_layer_net", "The TwoLayerNet of Saito's book", "Saito, 2016"),
    # "et al." is a tag of its own, so its text stands apart from the comma
    ("book/ch5_two_layer_net", "d2l's chapter on backpropagation", "Zhang et al. , 2023"),
    ("book/ch6_autograd", "Karpathy's micrograd", "Karpathy, 2020"),
])
def test_a_source_is_cited_where_the_chapter_uses_it(built_book, doc, named, cited):
    text = book.visible_text(book.page_html(built_book, doc))
    text = re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"'))
    assert named in text, f"{doc} no longer names {named!r}"
    after = text[text.index(named):text.index(named) + len(named) + 40]
    assert cited in after, f"{doc}: {named!r} is not followed by its citation ({cited}): {after!r}"


@pytest.mark.parametrize("doc, name", [("book/ch1_graphs", "fig-apple-forward"),
                                       ("book/ch2_chain_rule", "fig-fork-product")])
def test_graph_figures_are_numbered_and_the_text_refers_to_them(built_book, doc, name):
    page = book._main(book.page_html(built_book, doc))
    figure = re.search(rf'<figure\b[^>]*\bid="{name}"[^>]*>.*?</figure>', page, re.S)
    assert figure is not None, f"{doc}: no figure named {name}"
    assert "<svg" in figure.group(0) and re.search(r'class="caption-number">Fig\. (\d+)', figure.group(0))
    number = re.search(r'class="caption-number">Fig\. (\d+)', figure.group(0)).group(1)
    links = re.findall(rf'<a class="reference internal" href="#{name}">(.*?)</a>', page, re.S)
    assert any(re.sub(r"<[^>]+>", "", link).strip() == f"Fig. {number}" for link in links), links
