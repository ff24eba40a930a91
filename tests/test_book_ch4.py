"""Chapter 4 as built: the Korean terms beside the English ones, the pitfalls told in general
terms, the cross-entropy tied back to chapter 0, and no glue bookkeeping in the code a reader
sees. Chapter 5's tests use the checks gathered here (the Korean-term and general-terms checks
are chapter 3's, tested there).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

HERE = Path(__file__).resolve().parent


def load_sibling(name: str):
    """The test module ``tests/<name>.py``, for its checks and fixtures."""
    spec = importlib.util.spec_from_file_location(f"_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


book = load_sibling("test_book")
book_html = load_sibling("test_browser_widget").book_html   # the session's build, or BACKPROP_BOOK_HTML


_ch3 = load_sibling("test_book_ch3")
korean_terms = book.korean_terms
NOTES, without_asides = _ch3.NOTES, _ch3.without_asides   # the pitfall-in-general-terms check


def mistake_boxes(page: str) -> list[str]:
    """The visible text of every warning box ("Common mistake: ...") of the article."""
    body = book._main(page)
    return [book.visible_text('<article class="bd-article">' + box)
            for box in re.findall(r'<div class="warning admonition">(.*?)</div>', body, flags=re.S)]


def visible_code(page: str) -> list[str]:
    """The code of every cell whose input a reader sees."""
    return re.findall(r'<div class="cell_input.*?</pre>', book._main(page), flags=re.S)


KOREAN = ["소프트맥스 함수", "교차 엔트로피 오차", "점수", "확률", "엔트로피", "교차 엔트로피", "원-핫 인코딩",
          "배치", "정답 레이블", "야코비 행렬", "벡터-야코비 곱", "추론"]


def test_korean_terms_stand_in_lang_ko_spans(book_html):
    missing, loose = korean_terms(book.page_html(book_html, "book/ch4_softmax"), KOREAN)
    assert not missing, f"Korean terms not given in a lang=\"ko\" span: {missing}"
    assert not loose, f"Hangul outside a lang=\"ko\" span: {loose}"


def test_common_mistakes_are_told_in_general_terms(book_html):
    """Each box states the pitfall itself; the notes may be named only in an aside."""
    boxes = mistake_boxes(book.page_html(book_html, "book/ch4_softmax"))
    assert len(boxes) == 4, boxes
    for said in boxes:
        assert said.strip().startswith("Common mistake"), said[:80]
        assert not NOTES.search(without_asides(said)), said


def test_the_cross_entropy_is_tied_back_to_chapter_0(book_html):
    body = book._main(book.page_html(book_html, "book/ch4_softmax"))
    section = body[body.find('id="entropy-and-cross-entropy"'):]
    first = section[:section.find("</p>", section.find("negative log-likelihood"))]
    assert "negative log-likelihood" in book.visible_text('<article class="bd-article">' + first)
    assert 'href="ch0_recap.html' in first, "no link to chapter 0 where the cross-entropy is motivated"


def test_no_visible_code_cell_shows_glue_bookkeeping(book_html):
    shown = visible_code(book.page_html(book_html, "book/ch4_softmax"))
    assert shown
    assert not [c for c in shown if '<span class="n">glue</span>' in c]
