"""Chapter 6 as built: the engine's numbers against independent computations and against
chapter 2's page, the recorded graphs drawn, every check the chapter reports.

Each expected number is computed here from its formula (or with plain NumPy), never read
from the engine; the pages' numbers are found next to the sentence that explains them.
"""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pytest

from backprop.figures.svg import PHONE_PX
from backprop.nn.gradcheck import numerical_gradient

pytestmark = pytest.mark.book

HERE = Path(__file__).resolve().parent


def _book_tests():
    """test_book's helpers (tests are imported by path: --import-mode=importlib)."""
    spec = importlib.util.spec_from_file_location("_book_helpers", HERE / "test_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


book = _book_tests()


def _g(v: float, digits: int = 4) -> str:
    """A number as the page writes it with ``:.4g`` ("{:.4g}")."""
    return f"{v:.{digits}g}"


def _figure_text(v: float) -> str:
    """A number as the figures write it: 4 significant digits, no trailing zeros."""
    text = f"{v:.4g}"
    return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text


@pytest.fixture(scope="module")
def ch6(built_book) -> str:
    return book.visible_text(book.page_html(built_book, "book/ch6_autograd"))


@pytest.fixture(scope="module")
def ch6_page(built_book) -> str:
    return book.page_html(built_book, "book/ch6_autograd")


# Chapter 2's expressions, from their formulas.
E = math.exp(0.5)
CHAPTER_2 = {
    "square": {"dx": 2 * 3.0 * 1.5},                         # y = x², x = 3, upstream 1.5
    "square_sum": {"z": (1.0 + 2.0) ** 2, "dx": 2 * (1.0 + 2.0), "dy": 2 * (1.0 + 2.0)},
    "fork": {"dx": 5.0 + 1, "dy": 3.0},                      # f = xy + x at (3, 5)
    "own": {"f": E + 1 / 2.0, "dx": 0.5 * E, "dy": 1.0 * E, "dz": -1 / 2.0 ** 2},  # at (1, .5, 2)
}


def test_the_engine_prints_chapter_2s_numbers(ch6):
    sq, ss, own = CHAPTER_2["square"], CHAPTER_2["square_sum"], CHAPTER_2["own"]
    expected = [
        ("x**2, x = 3, upstream 1.5: dL/dx =", [_g(sq["dx"])]),
        ("(x + y)**2 at (1, 2): z =", [_g(ss["z"]), _g(ss["dx"]), _g(ss["dy"])]),
        ("exp(xy) + 1/z at (1, .5, 2): f =", [_g(own[k]) for k in ("f", "dx", "dy", "dz")]),
        ("The same numbers as chapter 2:", [_g(sq["dx"]), _g(ss["z"]), _g(ss["dx"]),
                                            *(_g(own[k]) for k in ("f", "dx", "dy", "dz"))]),
        ("The engine finds", [_g(CHAPTER_2["fork"]["dx"]), _g(CHAPTER_2["fork"]["dy"])]),
    ]
    for context, numbers in expected:
        problem = book.numbers_after(ch6, context, numbers, window=400)
        assert problem is None, problem


def test_chapter_2_shows_the_same_numbers(built_book):
    """The numbers chapter 6 gets on the engine are the ones chapter 2 shows for its graphs."""
    ch2 = book.visible_text(book.page_html(built_book, "book/ch2_chain_rule"))
    sq, ss, own, fork = (CHAPTER_2[k] for k in ("square", "square_sum", "own", "fork"))
    expected = [
        ("and the node sends", ["1.5", _g(sq["dx"])]),
        ("the forward pass gives", [_g(ss["z"])]),
        ("passes it unchanged to both inputs:", [_g(ss["dx"]), _g(ss["dy"])]),
        ("receives two gradients, one along each", [_g(fork["dx"]), _g(fork["dy"])]),
        ("the graph gives", [_g(own["f"])]),
        ("The backward pass arrives at", [_g(own[k]) for k in ("dx", "dy", "dz")]),
    ]
    for context, numbers in expected:
        problem = book.numbers_after(ch2, context, numbers)
        assert problem is None, f"chapter 2: {problem}"


def _engine_figures(page: str) -> list[str]:
    return [svg for svg in book.inline_svgs(page) if 'aria-label="The graph the autograd engine recorded"' in svg]


def test_the_engines_recorded_graphs_are_drawn_by_the_books_drawer(ch6_page):
    figures = _engine_figures(ch6_page)
    loops = [svg for svg in figures if "tanh" in book.svg_text(svg).split()]
    forks = [svg for svg in figures if svg not in loops]
    # The fork is narrow enough for a phone as it is: one drawing. The loop is not: it is
    # drawn twice (wide, and top to bottom for phones).
    assert len(forks) == 1 and len(loops) == 2, (len(forks), len(loops))
    for drawing in forks:
        width = float(re.search(r"min-width:([\d.]+)px", drawing).group(1))
        assert width <= PHONE_PX, f"the fork is drawn once but needs {width} px, more than a phone's {PHONE_PX}"
    for drawing in forks:
        fork = book.svg_text(drawing).split()
        # f = xy + x at (3, 5): values 3, 5, 15, 18; gradients 5 (= y) and 1 along x's edges, 3 at y.
        for token in ["x", "y", "f", "×", "+", "3", "5", "15", "18", "1"]:
            assert token in fork, (token, fork)
    h1 = math.tanh(0.5 * 1.5 + 0.1)
    y = math.tanh(h1 * -2.0 + 0.3)
    dy_dh1 = (1 - y * y) * -2.0
    dy_dx = dy_dh1 * (1 - h1 * h1) * 1.5
    for drawing in loops:
        shown = book.svg_text(drawing).split()
        assert shown.count("tanh") == 2 and shown.count("dot") == 2, shown
        for token in ["W1", "b1", "W2", "b2", _figure_text(h1), _figure_text(y),
                      _figure_text(dy_dh1), _figure_text(dy_dx)]:
            assert token in shown, (token, shown)


def test_every_operation_is_checked_numerically_at_build(ch6):
    table = ch6[ch6.index("when this page is built:"):ch6.index("All ", ch6.index("when this page is built:"))]
    errors = [float(e) for e in re.findall(r"relative error ([\d.e+-]+)", table)]
    assert len(errors) >= 15, errors
    assert book.numbers_after(ch6, "All", [str(len(errors))], window=5) is None
    for op in ["exp", "log", "tanh", "sum", "dot", "relu", "sigmoid", "softmax_cross_entropy", "mean"]:
        assert f"a.{op}(" in table, op
    for op in ["a + b", "a * b", "a ** 3", "b - a", "b / a"]:
        assert op in table, op
    assert max(errors) < 1e-7, errors
    assert book.number_after(ch6, "the largest relative error is") == max(float(f"{e:.1e}") for e in errors)


def test_backward_from_an_array_is_chapter_3s_affine(ch6):
    assert ch6.count("the same bits as chapter 3's layer: True") == 3
    assert "False" not in ch6[ch6.index("dX: shape"):ch6.index("dX: shape") + 250]
    assert book.number_after(ch6, "dout to a relative error of") < 1e-7


def test_the_loop_is_recorded_layer_by_layer(ch6):
    assert "['dot', '+', 'tanh', 'dot', '+', 'tanh']" in ch6
    assert book.numbers_after(ch6, "The loop ran", ["3", "9"], window=80) is None
    errors = re.findall(r"W\d: relative error ([\d.e+-]+)", ch6[ch6.index("Three layers of arrays"):])[:3]
    assert len(errors) == 3 and max(map(float, errors)) < 1e-7, errors


def test_detach_cuts_one_path(ch6):
    # d(x·x)/dx = 2x, and x with one factor detached: x; at x = 3.
    assert book.numbers_after(ch6, "d(x*x)/dx =", ["6.0", "3.0"], window=60) is None
    assert book.numbers_after(ch6, "the two paths give", ["6", "3"], window=60) is None
    assert book.numbers_after(ch6, "recorded parents inside no_grad:", ["0", "2"], window=60) is None


def test_the_engines_two_layer_gradient_is_chapter_5s_bit_for_bit(ch6):
    assert ch6.count("bit for bit the same: True") == 4 and "bit for bit the same: False" not in ch6
    assert book.number_after(ch6, "the largest relative error over the four parameters is") == 0
    entries = 784 * 50 + 50 + 50 * 10 + 10                  # W1, b1, W2, b2 of the 784-50-10 net
    assert book.numbers_after(ch6, "not small but zero. All", [f"{entries:,}"], window=30) is None
    assert "relative error 0.0e+00 ... up to" not in ch6


def _softmax_ce(scores, t):
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    return -np.mean(np.log(y[np.arange(len(t)), t] + 0.0))


def test_weight_decay_gradient_is_the_sum_of_two_paths(ch6):
    """The entry the page shows, recomputed with NumPy and central differences."""
    from backprop.nn.two_layer_net import TwoLayerNet

    m = re.search(r"in row (\d+) and column (\d+) \(counted from 0\) the path through the network brings "
                  r"(-?[\d.]+) and the path through the penalty, λ W 1 , (-?[\d.]+) ; "
                  r"the engine.s gradient is their sum, (-?[\d.]+) , and the numerical gradient of "
                  r"J agrees \( (-?[\d.]+) \)", ch6)
    assert m, ch6[ch6.find("the penalty, "):ch6.find("the penalty, ") + 400]
    i, j = int(m.group(1)), int(m.group(2))
    network, penalty, total, numeric = map(float, m.group(3, 4, 5, 6))
    # The page's small network and data (seeds as on the page), and lambda = 0.1.
    rng = np.random.default_rng(3)
    params = TwoLayerNet(input_size=6, hidden_size=5, output_size=3, weight_init_std=0.5, seed=1).params
    x, t, lam = rng.normal(size=(8, 6)), rng.integers(0, 3, size=8), 0.1

    def J(W1):
        hidden = np.maximum(x @ W1 + params["b1"], 0)
        scores = hidden @ params["W2"] + params["b2"]
        return _softmax_ce(scores, t) + lam / 2 * (np.sum(W1 ** 2) + np.sum(params["W2"] ** 2))

    def L(W1):
        return J(W1) - lam / 2 * (np.sum(W1 ** 2) + np.sum(params["W2"] ** 2))

    W1 = params["W1"].copy()
    dJ = numerical_gradient(J, W1.copy())
    dL = numerical_gradient(L, W1.copy())
    assert (i, j) == np.unravel_index(np.argmax(np.abs(dL)), W1.shape)
    assert penalty == pytest.approx(lam * W1[i, j], abs=5e-5)
    assert network == pytest.approx(dL[i, j], abs=5e-5)
    assert total == pytest.approx(dJ[i, j], abs=5e-5) and numeric == pytest.approx(dJ[i, j], abs=5e-5)
    assert total == pytest.approx(network + penalty, abs=1.5e-4)
    assert book.number_after(ch6, "the numerical gradient of J to a relative error of") < 1e-7
    assert ch6.count("engine = network path + penalty path: True") == 2


def test_training_with_the_engine_kept_lockstep(ch6):
    assert "parameters, bit for bit" in ch6
    assert book.number_after(ch6, "network classifies") > 80


def test_korean_terms_stand_beside_the_english_in_lang_ko_spans(ch6_page):
    """The chapter's new terms, each with the glossary's Korean word, marked for Korean."""
    body = ch6_page[ch6_page.find('<article class="bd-article"'):]
    spans = re.findall(r'<span lang="ko">([^<]+)</span>', body)
    for term in ["자동 미분", "위상 정렬", "국소적 미분", "상류", "수치 기울기", "분기", "가중치 감소", "계층"]:
        assert term in spans, (term, spans)
