"""The grader's catalogue: what a Korean course's students read from the grader is Korean.

``locales/ko/LC_MESSAGES/grading.po`` (booktools.grading_catalogue) holds the sentences the
grader's code and page templates mark with ``_``, the hints of ``mistakes.json`` and the
checks' titles and case names. These tests hold it complete and current, in the glossary's
terms and 합니다체, with every blank kept; and show the machinery at work on the real judge
and page templates: the same check speaks either language, a changed English sentence
turns fuzzy and falls back to English until it is translated again.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder import i18n
from autograder.checks import diagnosis
from autograder.checks.judge import judge
from booktools import grading_catalogue as gc
from booktools.catalogues import code_names, read_catalogue
from booktools.glossary import load, term_problems
from booktools.korean_style import register_problems

PO = gc.po_path("ko")
BLANK = re.compile(r"\{\w+(?::[^}\s]*)?\}")


def test_the_grading_catalogue_is_complete_and_current():
    report = gc.report("ko")
    assert not report.missing, f"{PO} is missing; run `make translations`"
    assert report.complete, report.summary()


def test_every_hint_of_mistakes_json_is_in_it():
    data = json.loads(gc.MISTAKES.read_text(encoding="utf-8"))
    have = {m.id: m.string for m in read_catalogue(PO) if m.id}
    hints = [m["hint"] for ms in data["checks"].values() for m in ms] + list(data["rules"].values())
    assert all(have.get(h) for h in hints)


def test_translations_keep_the_glossary_one_register_and_every_blank():
    glossary, problems, names = load(), [], code_names(PO)
    for m in read_catalogue(PO):
        if not m.id or not m.string:
            continue
        problems += [f"{m.id[:60]!r}: {p}" for p in term_problems(m.id, m.string, glossary, names)]
        problems += [f"{m.id[:60]!r}: {p}" for p in register_problems(m.string)]
        if sorted(BLANK.findall(m.id)) != sorted(BLANK.findall(m.string)):
            problems.append(f"{m.id[:60]!r}: the translation's blanks differ from the English")
    assert not problems, "\n".join(problems)


def test_a_marked_sentence_that_is_no_plain_string_is_refused_with_its_place():
    with pytest.raises(gc.GradingCatalogueError, match=r"judge.py:2: _\(\) takes the English as one plain string"):
        gc.code_messages('x = 1\nmessage = _(f"got {x}")\n', "judge.py")
    assert gc.code_messages('label = N_("graded")\nshown = _(label)\n', "a.py") == [("graded", "a.py:1")]
    assert gc.template_messages('<p>{{ _("Score:") }} {{ _(sub.status) }}</p>', "t.html") == [("Score:", "t.html:1")]


def test_the_same_check_speaks_the_course_language_with_its_hint():
    """A Square.backward without the factor 2: the judge's verdict and the mistake's hint, in each language."""
    from autograder.checks.cases import CHECKS
    from autograder.checks.probe import record

    check = CHECKS["ps1_square_backward"]

    class NoTwo:
        def forward(self, x):
            self.x = x
            return x ** 2

        def backward(self, dout):
            return self.x * dout

    recorded = json.loads(json.dumps(record(check.id, NoTwo)))
    english = judge(check.id, recorded)
    with i18n.language("ko"):
        korean = judge(check.id, recorded)
    assert not english.passed and not korean.passed
    assert english.hint == next(m.hint for m in diagnosis.mistakes(check.id) if m.key == "square_no_two")
    assert korean.hint == "dx가 있어야 할 값의 절반입니다. 제곱의 기울기에서 인수 하나를 빠뜨렸습니다."
    assert english.message.startswith("Square.backward: case 'random batch (4, 5)': dx[0, 0] should be ")
    assert korean.message.startswith("Square.backward: 사례 '무작위 배치 (4, 5)': dx[0, 0]: ")
    assert "이어야 하는데" in korean.message and "(다른 사례 " in korean.message
    assert i18n.current() == "en"          # the language was in force within the block only


def test_a_changed_hint_turns_fuzzy_and_shows_english_until_translated(tmp_path, monkeypatch):
    locales = tmp_path / "locales"
    shutil.copytree(PO.parent, locales / "ko" / "LC_MESSAGES", ignore=shutil.ignore_patterns("*.mo", "book", "*_config*"))
    old = "the biases must start at zero."
    new = "the biases must start at 0."
    english = gc.messages()
    assert any(text == old for text, _ in english), "the hint this test edits is gone from mistakes.json"
    monkeypatch.setattr(gc, "messages", lambda: [(new if t == old else t, w) for t, w in english])
    assert gc.report("ko", locales).new == [new]
    gc.update("ko", locales)
    report = gc.report("ko", locales)
    assert report.fuzzy == [new] and not report.complete
    assert i18n.translations("ko", locales).gettext(new) == new        # fuzzy: English, as in the book
    assert i18n.translations("ko", locales).gettext("passed") == "통과"


def test_pages_bind_the_course_language(tmp_path):
    from autograder.config import Course
    from autograder.pipeline import pages

    env = pages.environment()
    assert env.globals["language"] == "en"
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "course.yml").write_text("language: ko\n")
    course = Course(repo=Path(__file__).resolve().parents[1], workspace=tmp_path / "ws")
    env = pages.environment(course)
    template = env.from_string('{{ language }}: {{ _("Hint: {hint}", hint="<b>") }} {{ seconds|duration }}')
    with i18n.language(course.language):
        assert template.render(seconds=3600) == "ko: 힌트: &lt;b&gt; 1시간 0분"
