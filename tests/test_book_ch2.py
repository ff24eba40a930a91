"""Chapter 2 as built: the fork sums, both modes of differentiation on one small graph, the
factored paths, and the Korean terms beside the English ones.

Every expected number is worked out here from the formulas, by hand-sized arithmetic that
does not use the graph model the page computes them with.
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

DOC = "book/ch2_chain_rule"


def g(value: float) -> str:
    """A number as the page writes it (Python's :g)."""
    return f"{value:g}"


@pytest.fixture(scope="module")
def page(built_book) -> str:
    return book.page_html(built_book, DOC)


@pytest.fixture(scope="module")
def text(page) -> str:
    return book.visible_text(page)


def test_x_receives_the_sum_of_its_two_gradients_at_both_forks(text):
    # f = x*y + x at x = 3, y = 5: x's edge into the product carries y, its edge into
    # the sum carries 1; x receives y + 1.
    x, y = 3.0, 5.0
    assert book.numbers_after(text, "Its gradient is their sum,", [g(y), "1", g(y + 1)], window=30) is None
    # f = (x + y)*x at x = 2, y = 3: the product sends x + y along x's direct edge, and x
    # (the product's other input) through the sum; x receives x + (x + y) = 2x + y, written
    # in the order of x's edges, as the figure writes it.
    x, y = 2.0, 3.0
    assert book.numbers_after(text, "So x receives", [g(x), g(x + y), g(2 * x + y)], window=30) is None


def test_both_forks_are_drawn_with_their_gradients(page):
    fork = book.figure_by_caption(page, "f = x·y + x: x feeds two nodes")
    # x = 3, y = 5: edges x->xy (y = 5), y->xy (x = 3), x->f (1), xy->f (1), f->out (1).
    assert book.red_labels(fork) == sorted([5.0, 3.0, 1.0, 1.0, 1.0])
    twice = book.figure_by_caption(page, "f = (x + y)·x: x feeds the add node")
    # x = 2, y = 3: x->s and y->s carry x = 2, s->f and x->f carry x = 2 and x + y = 5.
    assert book.red_labels(twice) == sorted([2.0, 2.0, 2.0, 5.0, 1.0])
    # Each writes x's sum at x, in the order the text adds it up.
    assert "5 + 1 = 6" in book.svg_text(fork) and "2 + 5 = 7" in book.svg_text(twice)


def test_forward_mode_takes_one_pass_per_input_and_reverse_mode_one(page, text):
    a, b = 2.0, 1.0
    c, d = a + b, b + 1
    de_da, de_db = d, d + c            # e = c*d: de/dc = d, de/dd = c; dc/db = dd/db = 1
    assert book.numbers_after(text, "This pass gives", [g(de_da)], window=40) is None
    assert book.numbers_after(text, "A second pass, seeded at", [g(de_db)], window=60) is None
    assert book.numbers_after(text, "One pass gives the derivative with respect to every input:",
                              [g(de_da), g(d), g(c), g(de_db)], window=140) is None
    # Below each edge (a->c, b->c, b->d, c->e, d->e, e->out; the constant's edge has none):
    # pass 1 draws d(value)/da, pass 2 d(value)/db, the reverse pass de/d(value).
    by_a = {"a": 1.0, "b": 0.0, "c": 1.0, "d": 0.0, "e": d * 1.0 + c * 0.0}
    by_b = {"a": 0.0, "b": 1.0, "c": 1.0, "d": 1.0, "e": d * 1.0 + c * 1.0}
    sources = ["a", "b", "b", "c", "d", "e"]
    assert book.red_labels(book.figure_by_caption(page, "Forward mode, pass 1 of 2")) == sorted(by_a[s] for s in sources)
    assert book.red_labels(book.figure_by_caption(page, "Forward mode, pass 2 of 2")) == sorted(by_b[s] for s in sources)
    reverse = [d * 1, d * 1, c * 1, d, c, 1.0]    # the gradients of e on those edges
    assert book.red_labels(book.figure_by_caption(page, "Reverse mode, the only pass")) == sorted(reverse)


def test_the_nine_paths_factor(page, text):
    first, second = (1, 2, 3), (4, 5, 6)
    products = [p * q for p in first for q in second]      # one product per path
    n_paths, total = len(products), sum(products)
    edges_per_path = 4                                       # x->p, p->y, y->q, q->z
    edges_into_ops = 4 * 3                                   # each pass visits each edge once
    assert book.numbers_after(text, "three edges lead from", [g(n_paths)], window=140) is None
    assert book.numbers_after(text, "Listed one by one, the products along the paths add up to",
                              [g(total), g(n_paths * edges_per_path), g(sum(second)), g(total),
                               g(edges_into_ops)], window=500) is None
    fig = book.figure_by_caption(page, "Nine paths from x to z, factored")
    assert book.red_labels(fig) == sorted([float(sum(second) * p) for p in first] + [float(sum(second))] * 3
                                     + [float(q) for q in second] + [1.0] * 4)


KOREAN = ["상류", "국소적 미분", "하류", "합성 함수", "연쇄법칙", "분기", "순방향 모드", "역방향 모드"]


def test_korean_terms_stand_in_lang_ko_spans(page):
    missing, loose = book.korean_terms(page, KOREAN)
    assert not missing, f"Korean terms not given in a lang=\"ko\" span: {missing}"
    assert not loose, f"Hangul outside a lang=\"ko\" span: {loose}"
