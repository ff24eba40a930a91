"""Chapter 5 as built: a layer added without touching the loops, weight decay as a fork whose
gradient is the sum of two paths, the playground's suggested experiment, and the chapter's
hygiene (Korean terms, pitfalls in general terms, the data note once, no glue in sight).

Expected numbers are computed here, with matrix code and central differences written for
the test (the playground's by ``numpy_training`` of tests/test_browser_playground.py), not
read from the book's code.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.book

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_test_book_ch4", HERE / "test_book_ch4.py")
ch4 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ch4)
book = ch4.book
playground = ch4.load_sibling("test_browser_playground")
book_html = ch4.book_html
DOC = "book/ch5_two_layer_net"


@pytest.fixture(scope="module")
def text(book_html) -> str:
    return book.visible_text(book.page_html(book_html, DOC))


def after(text: str, context: str, numbers: list[str], window: int = 400) -> None:
    problem = book.numbers_after(text, context, numbers, window)
    assert problem is None, problem


def test_the_loops_name_no_layer_and_a_layer_added_joins_both(book_html, text):
    page = book._main(book.page_html(book_html, DOC))
    code = book.visible_text('<article class="bd-article">' + page[page.find("class TwoLayerNet"):])
    for method in ("predict", "gradient"):
        body = code[code.find(f"def {method}"):]
        body = body[:body.find(" def ", 10)]
        assert "Affine1" not in body and "Affine2" not in body, f"{method} names a layer: {body}"
    assert "layers: Affine1, Relu1, Affine2, Relu2, Affine3" in text
    errors = [float(e) for e in re.findall(r"(?:W|b)[123]: relative error ([\d.e+-]+)", text)]
    assert len(errors) == 6 and max(errors) < 1e-7, errors
    worst = book.number_after(text, "the largest relative error being", window=40)
    assert worst == pytest.approx(max(errors), rel=0.06) and worst < 1e-7
    after(text, "All", ["6"], window=10)


def _two_layer_loss(params, x, t):
    """Cross-entropy of Affine -> ReLU -> Affine -> softmax, and the hidden activations."""
    a = x @ params["W1"] + params["b1"]
    h = np.maximum(a, 0)
    s = h @ params["W2"] + params["b2"]
    e = np.exp(s - s.max(axis=1, keepdims=True))
    y = e / e.sum(axis=1, keepdims=True)
    return -np.mean(np.log(y[np.arange(len(x)), t])), (a, h, y)


def test_weight_decay_gradient_is_the_sum_of_two_paths(text):
    # The one-unit network of the figure: z = x w1, h = relu(z), o = h w2, L = -log sigmoid(o).
    x, w1, w2, lam = 1.5, 0.8, -0.5, 0.1
    z = x * w1
    h = max(z, 0.0)
    o = h * w2
    dL_do = 1 / (1 + np.exp(-o)) - 1
    loss1, loss2 = dL_do * w2 * (z > 0) * x, dL_do * h
    after(text, "the weight", [f"{w1:g}", f"{loss1:.4f}", f"{lam * w1:.4f}", f"{loss1 + lam * w1:.4f}",
                               f"{w2:g}", f"{loss2:.4f}", f"{lam * w2:.4f}", f"{loss2 + lam * w2:.4f}"], 500)

    # The matrices: TwoLayerNet(6, 5, 3, weight_init_std=0.5, seed=1) draws W1 then W2 from
    # default_rng(1); the data come from default_rng(3).
    r = np.random.default_rng(1)
    params = {"W1": 0.5 * r.standard_normal((6, 5)), "b1": np.zeros(5),
              "W2": 0.5 * r.standard_normal((5, 3)), "b2": np.zeros(3)}
    r = np.random.default_rng(3)
    xs, ts = r.normal(size=(8, 6)), r.integers(0, 3, size=8)
    loss, (a, hs, y) = _two_layer_loss(params, xs, ts)
    ds = (y - np.eye(3)[ts]) / len(xs)
    dW2 = hs.T @ ds
    dW1 = xs.T @ ((ds @ params["W2"].T) * (a > 0))
    i, j = np.unravel_index(np.argmax(np.abs(dW1)), dW1.shape)

    def J(W1_ij):
        changed = {**params, "W1": params["W1"].copy()}
        changed["W1"][i, j] = W1_ij
        penalty = np.sum(changed["W1"] ** 2) + np.sum(changed["W2"] ** 2)
        return _two_layer_loss(changed, xs, ts)[0] + lam / 2 * penalty

    step = 1e-5
    numeric = (J(params["W1"][i, j] + step) - J(params["W1"][i, j] - step)) / (2 * step)
    total = dW1[i, j] + lam * params["W1"][i, j]
    assert numeric == pytest.approx(total, abs=1e-8)
    after(text, "At the entry of", [f"{i}", f"{j}", f"{dW1[i, j]:.4f}", f"{lam * params['W1'][i, j]:.4f}",
                                    f"{total:.4f}", f"{numeric:.4f}"])
    # The network's path alone misses lam W: its relative error against dJ/dW, the smaller one.
    rel = lambda g, w: np.linalg.norm(-lam * w) / (np.linalg.norm(g) + np.linalg.norm(g + lam * w))
    one_path = min(rel(dW1, params["W1"]), rel(dW2, params["W2"]))
    assert book.number_after(text, "to a relative error of", window=40) < 1e-7
    after(text, "path alone is off by at least", [f"{one_path:.1e}"], window=40)


def test_the_playgrounds_suggested_experiment_works_as_the_text_says(text):
    data = playground.playground_data(0)
    runs = {(hidden, lr): playground.numpy_training(data, "spiral", hidden, "relu", lr, 2000)
            for hidden, lr in ((16, 1.0), (2, 1.0), (16, 3.0), (16, 0.03))}
    after(text, "press Run and the network trains for", ["2,000"], window=40)
    (losses, acc) = runs[(16, 1.0)]
    after(text, "As the page opens", ["16", "1", f"{losses[0]:.3f}", f"{losses[-1]:.3f}", f"{acc:.1%}"])
    assert acc >= 0.95
    (losses, acc) = runs[(2, 1.0)]
    after(text, "2 hidden units", [f"{losses[-1]:.3f}", f"{acc:.1%}"], window=200)
    assert acc < 0.75
    (losses, acc) = runs[(16, 3.0)]
    after(text, "learning rate 3", [f"{max(losses):.2f}", f"{acc:.1%}"], window=200)
    (losses, acc) = runs[(16, 0.03)]
    after(text, "Learning rate 0.03", [f"{losses[-1]:.3f}", f"{np.log(2):.3f}", f"{acc:.1%}"], window=300)


def test_chapter_5_hygiene(book_html, text):
    page = book.page_html(book_html, DOC)
    terms = ["학습", "미니배치", "기울기", "매개변수 갱신", "오차역전파법", "순서가 있는 딕셔너리", "기울기 확인",
             "가중치 감소", "분기", "학습률", "에폭", "정확도", "오버피팅"]
    missing, loose = ch4.korean_terms(page, terms)
    assert not missing and not loose, (missing, loose)
    boxes = ch4.mistake_boxes(page)
    assert len(boxes) == 1 and boxes[0].strip().startswith("Common mistake"), boxes
    assert not ch4.NOTES.search(ch4.without_asides(boxes[0])), boxes[0]
    shown = ch4.visible_code(page)
    assert shown and not [c for c in shown if '<span class="n">glue</span>' in c]
    # Which data the MNIST figures come from is said once, in the data section.
    m = re.search(r"The figures and numbers in this chapter come from (.{20,400}?)\. This is said", text)
    assert m, "no data note"
    assert text.count(m.group(1)) == 1, m.group(1)
