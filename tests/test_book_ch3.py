"""Chapter 3 as built, section by section: the patterns of backward flow, ReLU's kink beside
its widget, the fill-in exercise kept unspoiled, the saturation bound stated for the slopes
alone, the apple graph not drawn again, the pitfalls told in general terms and the Korean
terms beside the English ones.

Expected numbers are worked out here from the formulas, not taken from the book's code.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_book_checks", HERE / "test_book.py")
book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(book)

SECTIONS = ("book/ch3_nodes", "book/ch3_activations", "book/ch3_affine")
WIDGET = "application/vnd.jupyter.widget-view+json"


def g(value: float) -> str:
    return f"{value:g}"


def text_of(built_book, doc: str) -> str:
    return book.visible_text(book.page_html(built_book, doc))


def test_add_distributes_max_routes_multiply_swaps(built_book):
    text = text_of(built_book, "book/ch3_nodes")
    x, y, z, w = 3.0, -4.0, 2.0, -1.0
    f = 2 * (x * y + max(z, w))
    ds = 2.0                                     # d(2s)/ds: what reaches the add node
    dz, dw = (ds, 0.0) if z > w else (0.0, ds)   # max routes all of it to the larger input
    dx, dy = ds * y, ds * x                      # the product swaps its inputs
    assert book.numbers_after(text, "All three at once in", [g(x), g(y), g(z), g(w), g(f), g(ds), g(ds),
                                                             g(dz), g(dw), g(dx), g(dy)], window=800) is None
    scale = 1000
    assert book.numbers_after(text, "the scale of the inputs matters", [f"{scale:,}", g(scale * x), g(dy),
                                                                         g(ds * scale * x)], window=200) is None
    fig = book.figure_by_caption(book.page_html(built_book, "book/ch3_nodes"), "the max node routes")
    # Below the edges x->xy, y->xy, z->max, w->max, xy->s, max->s, s->f, f->out.
    assert book.red_labels(fig) == sorted([dx, dy, dz, dw, ds, ds, ds, 1.0])


def test_relus_kink_is_explained_beside_its_widget(built_book):
    page = book.page_html(built_book, "book/ch3_activations")
    h = 1e-4
    central = (max(h, 0.0) - max(-h, 0.0)) / (2 * h)   # straddles the kink: (h - 0) / 2h
    backward = 0.0                                      # the layer's mask is x <= 0
    assert book.numbers_after(book.visible_text(page), "The backward pass gives",
                              [g(backward), g(h), g(central)], window=80) is None
    start, end = page.find("The kink at 0"), page.find("The backward pass gives")
    assert 0 < start < end and WIDGET in page[start:end], "no widget between the kink's heading and its numbers"


def test_the_fill_in_answers_wait_in_a_dropdown_before_the_widget(built_book):
    body = book.page_html(built_book, "book/ch3_nodes")      # with the widgets' scripts
    blank = body.find("Problem 2: fill in the gradients")
    answer = body.find('<div class="dropdown admonition">', blank)
    widget = body.find(WIDGET, answer)
    assert 0 < blank < answer < widget, (blank, answer, widget)
    answers = {"apple": 1.1 * 2, "apple_num": 1.1 * 100, "orange": 1.1 * 3, "orange_num": 1.1 * 150,
               "tax": 100 * 2 + 150 * 3}
    shown = [f"{round(v, 10):g}" for v in answers.values()]
    between = book.visible_text('<article class="bd-article">' + body[blank:answer])
    assert not [n for n in shown if re.search(book.number_pattern(n), between)], between
    dropdown = book.visible_text('<article class="bd-article">' + body[answer:widget])
    assert book.numbers_after(dropdown, "Apple price", shown) is None, dropdown
    figure = book.figure_by_caption(body, "Problem 2: fill in the gradients")  # reads the article
    assert book.red_labels(figure) == [], "the blank figure shows gradients"


def test_the_saturation_bound_is_for_the_slopes_alone(built_book):
    text = text_of(built_book, "book/ch3_affine")
    slopes = 0.25 ** 10
    assert book.numbers_after(text, "sigmoid layers multiply to at most", [f"{slopes:.1e}"], window=40) is None
    assert "gradient reaching the first layer is at most" not in text
    # Ten layers sigmoid(w x - w/2) from x = 1/2 stay at y = 1/2; each passes w * 1/4 back.
    rows = [f"{slopes:.1e}"]
    for w in (1, 4, 8):
        rows += [f"{(w / 4) ** 10:.4g}" if w > 1 else f"{(w / 4) ** 10:.2g}", g(w)]
    assert book.numbers_after(text, "what reaches the input is", rows[1:], window=200) is None
    assert book.numbers_after(text, "The slopes multiply to", rows[:1], window=20) is None


def test_chapter_3_draws_no_apple_graph_again(built_book):
    """Chapter 1 draws the apple graph with its gradients; chapter 3 refers to it."""
    for doc in ("book/ch3_layers", *SECTIONS):
        svgs = book.inline_svgs(book.page_html(built_book, doc))
        apples = [s for s in svgs if 'aria-label="Buying apples"' in s]
        assert not apples, f"{doc} draws the apple graph"
    text = text_of(built_book, "book/ch3_nodes")
    assert "Chapter 1 drew problem 1" in text


NOTES = re.compile(r"\bnotes?\b", flags=re.I)


def without_asides(text: str) -> str:
    """``text`` with every parenthesised aside removed, innermost first."""
    while True:
        shorter = re.sub(r"\([^()]*\)", " ", text)
        if shorter == text:
            return text
        text = shorter


def test_common_mistakes_are_told_in_general_terms(built_book):
    """Each box states the pitfall itself; the notes may be named only in an aside."""
    boxes = 0
    for doc in SECTIONS:
        body = book._main(book.page_html(built_book, doc))
        for box in re.findall(r'<div class="warning admonition">(.*?)</div>', body, flags=re.S):
            said = book.visible_text('<article class="bd-article">' + box)
            assert said.strip().startswith("Common mistake"), said[:80]
            assert not NOTES.search(without_asides(said)), f"{doc}: {said!r}"
            boxes += 1
    assert boxes == 4, boxes


def test_the_general_terms_check_sees_a_pitfall_told_as_the_notes_error():
    assert NOTES.search(without_asides("Common mistake: x. One source note writes W twice."))
    assert not NOTES.search(without_asides("Common mistake: x. A transpose copied by row (one of the "
                                           "study notes (in 5.6) makes this slip) is wrong in a notebook."))


KOREAN = {
    "book/ch3_layers": ["계층"],
    "book/ch3_nodes": ["덧셈 노드", "곱셈 노드", "빈칸 채우기", "계층"],
    "book/ch3_activations": ["활성화 함수", "시그모이드"],
    "book/ch3_affine": ["어파인 변환", "Affine 계층", "배치", "전치행렬", "야코비 행렬", "벡터-야코비 곱",
                        "포화", "기울기 소실"],
}


@pytest.mark.parametrize("doc", list(KOREAN))
def test_korean_terms_stand_in_lang_ko_spans(built_book, doc):
    missing, loose = book.korean_terms(book.page_html(built_book, doc), KOREAN[doc])
    assert not missing, f"{doc}: Korean terms not given in a lang=\"ko\" span: {missing}"
    assert not loose, f"{doc}: Hangul outside a lang=\"ko\" span: {loose}"


@pytest.mark.parametrize("doc", ["book/ch2_chain_rule", *SECTIONS])
def test_no_visible_code_cell_shows_glue_bookkeeping(built_book, doc):
    body = book._main(book.page_html(built_book, doc))
    shown = re.findall(r'<div class="cell_input.*?</pre>', body, flags=re.S)
    assert shown, f"{doc}: no visible code cells found"
    assert not [c for c in shown if re.search(r'<span class="n">glue</span>', c)], doc
