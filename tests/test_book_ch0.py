"""Chapter 0 as built: what float32 really loses in a central difference, the cross-entropy
as the negative log-likelihood of the labels, the Korean terms beside the English ones, the
pitfall told in general terms, and code cells without glue bookkeeping.

Expected numbers are worked out here independently of the page's code: float32 arithmetic
is emulated with Python floats rounded to single precision after every operation (IEEE
754 rounds +, -, *, / correctly, and a float64 result of float32 operands rounded once to
float32 is that correctly rounded result), the likelihoods with the math module.
"""

from __future__ import annotations

import importlib.util
import math
import re
import struct
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_book_checks", HERE / "test_book.py")
book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(book)

DOC = "book/ch0_recap"


def text_of(built_book, doc: str = DOC) -> str:
    return book.visible_text(book.page_html(built_book, doc))


# ---- float32, emulated --------------------------------------------------------------

def f32(value: float) -> float:
    """``value`` rounded to the nearest float32, as a Python float."""
    return struct.unpack("<f", struct.pack("<f", value))[0]


class F32:
    """A float32 number: every operation's exact (float64) result is rounded to float32."""

    def __init__(self, value: float):
        self.v = f32(value)

    def _other(self, other) -> float:
        return other.v if isinstance(other, F32) else f32(other)

    def __add__(self, other):
        return F32(self.v + self._other(other))

    __radd__ = __add__

    def __sub__(self, other):
        return F32(self.v - self._other(other))

    def __mul__(self, other):
        return F32(self.v * self._other(other))

    __rmul__ = __mul__

    def __truediv__(self, other):
        return F32(self.v / self._other(other))

    def __rtruediv__(self, other):
        return F32(self._other(other) / self.v)


# The three functions of the chapter's table at x = 1, with their exact derivatives there.
FUNCTIONS = [(lambda v: v * v * v, 3.0), (lambda v: 1 / v, -1.0), (lambda v: v / (1 + v), 0.25)]


def correct_digits(estimate: float, exact: float) -> float:
    return -math.log10(abs(estimate - exact) / abs(exact))


def float32_digits() -> list[float]:
    out = []
    for f, exact in FUNCTIONS:
        x, h = F32(1.0), F32(1e-4)
        estimate = (f(x + h) - f(x - h)) / (F32(2.0) * h)
        out.append(correct_digits(estimate.v, exact))
    return out


def float64_digits() -> list[float]:
    return [correct_digits((f(1.0 + 1e-4) - f(1.0 - 1e-4)) / (2 * 1e-4), exact) for f, exact in FUNCTIONS]


def test_the_emulation_is_single_precision():
    assert f32(1.0 + 2.0 ** -24) == 1.0 and f32(1.0 + 2.0 ** -23) == 1.0 + 2.0 ** -23
    assert (F32(1.0) + F32(1e-4)).v - 1.0 == pytest.approx(1.0001659393310547e-04, rel=1e-12)


def test_float32_keeps_the_step_and_loses_digits_of_the_quotient(built_book):
    text = text_of(built_book)
    assert "rounded away" not in text.split("What float32 would lose")[0], "the old claim is back"
    spacing = 2.0 ** -23                       # float32's neighbours of 1
    bits = 24                                  # float32's significand, the implicit bit included
    step = (F32(1.0) + F32(1e-4)).v - 1.0      # the step that survives at x = 1
    assert step > 0
    assert book.numbers_after(text, "float32 numbers near 1 lie", [f"{spacing:.1e}"], window=40) is None
    assert book.numbers_after(text, "Its", [str(bits), f"{bits * math.log10(2):.0f}"], window=40) is None
    assert book.numbers_after(text, "the step itself is stored to about",
                              [f"{correct_digits(step, 1e-4):.0f}"], window=20) is None
    f32d, f64d = float32_digits(), float64_digits()
    assert 3 <= min(f32d) <= max(f32d) < 4.5 and min(f64d) > 7.5, (f32d, f64d)   # what the prose says
    # Where the step vanishes: the first power of two whose float32 neighbours lie more than 2h apart.
    vanish = next(2.0 ** k for k in range(64) if f32(f32(2.0 ** k) + f32(1e-4)) == 2.0 ** k)
    assert book.numbers_after(text, "The step that really happened is",
                              [f"{step:.5e}", f"{min(f32d):.1f}", f"{max(f32d):.1f}", f"{min(f64d):.1f}",
                               f"{vanish:g}"], window=700) is None


def test_the_float32_table_prints_what_the_text_reports(built_book):
    text = text_of(built_book)
    output = text[text.rindex("float32: x + h - x ="):][:700]        # the printed output, not the code
    names = ("x³", "1/x", "x/(1+x)")
    for name, d32, d64 in zip(names, float32_digits(), float64_digits()):
        for dtype, digits in (("float32", d32), ("float64", d64)):
            row = re.escape(f"{name} {dtype}:") + r" -?[\d.]+ \(" + re.escape(f"{digits:.1f} digits)")
            assert re.search(row, output), (name, dtype, f"{digits:.1f}", output)


def test_the_cross_entropy_is_the_negative_log_likelihood_of_the_labels(built_book):
    text = text_of(built_book)
    why = text.index("Why the cross-entropy?")
    assert why < text.index("The gradient of a network"), "the reason must come before the loss trains a net"
    assert "negative log-likelihood" in text[why:why + 2000]
    probabilities = [0.59, 0.70, 0.50]          # what the three examples give their labels
    likelihood = math.prod(probabilities)
    nll = -math.log(likelihood)
    thousand = 0.4 ** 1000                        # underflows: below the smallest float64
    assert thousand == 0.0 and 1000 * math.log10(0.4) < math.log10(5e-324)
    assert book.numbers_after(text, "The three labels’ probabilities multiply to",
                              [f"{likelihood:.4f}", f"{nll:.4f}", f"{nll:.4f}", f"{thousand:g}",
                               f"{-1000 * math.log(0.4):.2f}"], window=400) is None
    page = book.page_html(built_book, DOC)
    assert re.search(r'id="equation-eq-nll"', page), "the likelihood equation is not numbered"


# ---- Korean terms, pitfalls, code cells (shared with chapter 1's and the intro's tests) ----

SPAN = re.compile(r'<span lang="ko">(.*?)</span>', flags=re.S)
CITATION = re.compile(r'<a [^>]*href="references\.html#[^"]*"[^>]*>.*?</a>', flags=re.S)


def korean_terms(page: str, terms: list[str]) -> tuple[list[str], list[str]]:
    """(terms that no lang="ko" span of the article holds, Hangul outside such spans).

    Drawings and citations (a study note's Korean title) are left out of the second list:
    the first are the figures' own, the second are titles, not terms."""
    body = re.sub(r"<svg\b.*?</svg>", " ", book._main(page), flags=re.S)
    body = CITATION.sub(" ", body)
    spans = SPAN.findall(body)
    missing = [t for t in terms if t not in spans]
    rest = SPAN.sub(" ", body)
    loose = [rest[max(0, m.start() - 40):m.end() + 10] for m in re.finditer(r"[\uac00-\ud7a3]+", rest)]
    return missing, loose


def test_the_korean_check_sees_a_term_outside_its_span():
    page = ('<article class="bd-article"><p>the <b>loss function</b> (<span lang="ko">손실 함수</span>) '
            'and the gradient (기울기) <a class="reference internal" href="references.html#id3">신경망, n.d.</a>'
            "</p></article>")
    missing, loose = korean_terms(page, ["손실 함수", "기울기"])
    assert missing == ["기울기"] and len(loose) == 1 and "기울기" in loose[0], (missing, loose)


KOREAN = ["순전파", "가중치", "편향", "활성화 함수", "손실 함수", "정답 레이블", "원-핫 인코딩", "오차제곱합",
          "교차 엔트로피 오차", "확률", "가능도", "음의 로그 가능도", "수치 미분", "부동소수점", "반올림 오차",
          "중심 차분", "편미분", "기울기", "경사 하강법", "학습률", "매개변수"]


def test_korean_terms_stand_in_lang_ko_spans(built_book):
    missing, loose = korean_terms(book.page_html(built_book, DOC), KOREAN)
    assert not missing, f"Korean terms not given in a lang=\"ko\" span: {missing}"
    assert not loose, f"Hangul outside a lang=\"ko\" span: {loose}"


NOTES = re.compile(r"\bnotes?\b", flags=re.I)


def without_asides(text: str) -> str:
    """``text`` with every parenthesised aside removed, innermost first."""
    while True:
        shorter = re.sub(r"\([^()]*\)", " ", text)
        if shorter == text:
            return text
        text = shorter


def pitfalls(page: str) -> list[str]:
    """The text of each "Common mistake" box (a warning admonition) of the article."""
    boxes = re.findall(r'<div class="admonition warning">(.*?)</div>', book._main(page), flags=re.S)
    boxes += re.findall(r'<div class="warning admonition">(.*?)</div>', book._main(page), flags=re.S)
    return [book.visible_text('<article class="bd-article">' + box) for box in boxes]


def test_the_pitfall_is_told_in_general_terms(built_book):
    boxes = pitfalls(book.page_html(built_book, DOC))
    assert len(boxes) == 1, boxes
    said = boxes[0].strip()
    assert said.startswith("Common mistake"), said[:80]
    assert not NOTES.search(without_asides(said)), said


def test_the_general_terms_check_sees_a_pitfall_told_as_the_notes_error():
    assert NOTES.search(without_asides("Common mistake: the note ends predict with sigma."))
    assert not NOTES.search(without_asides("Common mistake: an undefined name (one of the study notes "
                                           "(in its predict) does this) fails."))


def visible_code_with_glue(page: str) -> list[str]:
    """The code cells a reader sees (shown or behind a toggle) that call ``glue``."""
    shown = re.findall(r'<div class="cell_input.*?</pre>', book._main(page), flags=re.S)
    return [cell for cell in shown if re.search(r'<span class="n">glue</span>', cell)]


@pytest.mark.parametrize("doc", ["book/intro", DOC, "book/ch1_graphs"])
def test_no_visible_code_cell_shows_glue_bookkeeping(built_book, doc):
    page = book.page_html(built_book, doc)
    assert not visible_code_with_glue(page), doc


def test_the_glue_check_sees_a_glue_call_in_a_code_cell():
    page = ('<article class="bd-article"><div class="cell_input docutils container"><pre>'
            '<span class="n">glue</span><span class="p">(</span></pre></div></article>')
    assert visible_code_with_glue(page)
