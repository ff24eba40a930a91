"""Chapter 1 as built: the apple graph drawn once per purpose (its forward pass, then its
backward pass), no replay widget drawing it a third time, the Korean terms beside the
English ones where each is introduced, and the textbook cited where its problems are.

Expected numbers come from the shopping arithmetic itself, not from the book's graph model.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

HERE = Path(__file__).resolve().parent


def _load(name: str, file: str):
    spec = importlib.util.spec_from_file_location(name, HERE / file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


book = _load("_book_checks", "test_book.py")
ch0 = _load("_book_ch0_checks", "test_book_ch0.py")

DOC = "book/ch1_graphs"
WIDGET = "application/vnd.jupyter.widget-view+json"
RED = "#c62828"   # the drawing's gradient colour (backprop.figures.svg.GRAD)


def apple_figures(page: str) -> list[str]:
    """The article's drawings of the apple purchase (problem 1), in page order."""
    return [svg for svg in book.inline_svgs(page) if 'aria-label="Buying apples"' in svg]


def red_numbers(svg: str) -> list[float]:
    texts = re.findall(r'<text\b[^>]*fill="' + RED + r'"[^>]*>([^<]*)</text>', svg)
    return sorted(float(t) for t in texts if re.fullmatch(r"-?[\d.]+(?:e[+-]?\d+)?", t.strip()))


def test_the_apple_graph_is_drawn_once_per_purpose(built_book):
    page = book.page_html(built_book, DOC)
    forward, backward = apple_figures(page)          # exactly two drawings, in this order
    price = 100 * 2 * 1.1
    assert re.search(book.number_pattern(f"{price:g}"), book.svg_text(forward))
    assert red_numbers(forward) == [], "the forward figure already shows gradients"
    # The backward figure: 1 at the price, the tax factor 1.1 at the subtotal, 1.1 * 2 at the
    # apple price, 1.1 * 100 at the number of apples, the subtotal 200 at the tax.
    expected = sorted([1.0, 1.1, round(1.1 * 2, 10), round(1.1 * 100, 10), 100.0 * 2])
    assert [round(v, 10) for v in red_numbers(backward)] == expected
    assert WIDGET not in page, "a widget replays the apple graph a third time on this page"


def test_the_purpose_check_sees_a_third_drawing():
    svg = '<svg aria-label="Buying apples"><text fill="#222">220</text></svg>'
    page = f'<article class="bd-article">{svg}{svg}{svg}</article>'
    with pytest.raises(ValueError):
        forward, backward = apple_figures(page)


KOREAN = ["계산 그래프", "노드", "에지", "곱셈 노드", "순전파", "역전파", "덧셈 노드", "국소적 계산", "미분"]


def test_korean_terms_stand_in_lang_ko_spans_where_each_is_introduced(built_book):
    page = book.page_html(built_book, DOC)
    missing, loose = ch0.korean_terms(page, KOREAN)
    assert not missing, f"Korean terms not given in a lang=\"ko\" span: {missing}"
    assert not loose, f"Hangul outside a lang=\"ko\" span: {loose}"
    objectives = page[page.find("Learning objectives"):page.find("</div>", page.find("Learning objectives"))]
    assert 'lang="ko"' not in objectives, "the terms belong where the text introduces them"


def test_the_shopping_problems_cite_the_textbook(built_book):
    text = book.visible_text(book.page_html(built_book, DOC))
    assert re.search(r"textbook’s \[ ?Saito, 2016 ?\]", text), text[:1500]


@pytest.mark.parametrize("doc", ["book/intro", DOC])
def test_the_korean_edition_captions_its_graph_figures_in_korean(korean_book, doc):
    """The captions are written in the pages' code; the Korean edition takes them from the code's
    catalogue, so none is left in English."""
    page = book.page_html(korean_book, doc)
    captions = [book.visible_text('<article class="bd-article">' + c)
                for c in re.findall(r"<figcaption\b.*?</figcaption>", book._main(page), flags=re.S)]
    assert captions, f"{doc}: no figure captions in the Korean edition"
    english = [c for c in captions if not re.search(r"[\uac00-\ud7a3]", c)]
    assert not english, f"{doc}: captions left in English: {english}"
