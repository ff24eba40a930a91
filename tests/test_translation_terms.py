"""The Korean edition's words: the glossary's terms, no known mistranslation, one register.

Every translated entry of every catalogue is checked, so a chapter's translation is
held to the glossary from its first entry on. The checkers are tested on sentences
that break each rule, so a check that could never fail would show here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from booktools.catalogues import LOCALES, code_names, read_catalogue
from booktools.glossary import DATA, GlossaryError, english_left_in, load, mentions, term_problems
from booktools.korean_style import parenthesized_english, register_problems

GLOSSARY = load()
CATALOGUES = sorted((LOCALES / "ko" / "LC_MESSAGES").rglob("*.po"))


def translated(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) of the entries a reader sees translated; an entry kept identical to its
    English (a name, code, the English column of a table) is not a translation."""
    return [(m.id, m.string) for m in read_catalogue(path)
            if m.id and m.string and not m.fuzzy and m.string != m.id]


def name(path: Path) -> str:
    return str(path.relative_to(LOCALES))


@pytest.mark.parametrize("path", CATALOGUES, ids=name)
def test_every_translation_uses_the_glossary_and_no_mistranslation(path):
    names = code_names(path)
    problems = [f"{msgid[:60]!r}: {problem}" for msgid, msgstr in translated(path)
                for problem in term_problems(msgid, msgstr, GLOSSARY, names)]
    assert not problems, f"{name(path)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", CATALOGUES, ids=name)
def test_prose_keeps_one_register(path):
    problems = [f"{msgstr[:60]!r}: {problem}" for _, msgstr in translated(path)
                for problem in register_problems(msgstr)]
    assert not problems, f"{name(path)} leaves 합니다체:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", CATALOGUES, ids=name)
def test_an_english_term_is_in_parentheses_once_per_page(path):
    counts = Counter(term for _, msgstr in translated(path) for term in parenthesized_english(msgstr))
    repeated = {term: n for term, n in counts.items() if n > 1}
    assert not repeated, f"{name(path)}: English in parentheses after its first use: {repeated}"


def test_the_glossary_notes_keep_the_register_and_the_file_is_whole():
    assert len(GLOSSARY.entries) >= 60
    for entry in GLOSSARY.entries:
        assert not register_problems(entry.note.get("ko", "")), entry
    listed = {form.lower() for entry in GLOSSARY.entries for form in entry.en}
    # the terms the course was asked to carry, in the words
    for term in ("forward propagation", "backward propagation", "computational graph", "local computation",
                 "chain rule", "composite function", "upstream", "downstream", "add node", "multiply node",
                 "layer", "activation function", "affine layer", "softmax", "cross-entropy error",
                 "one-hot encoding", "numerical differentiation", "gradient", "gradient descent", "batch",
                 "transpose", "jacobian", "vector-jacobian product", "topological order"):
        assert term in listed, f"{term!r} is missing from {DATA}"


# ---- the checkers catch what they are for -------------------------------------------

@pytest.mark.parametrize("msgid, msgstr, expected", [
    ("The derivative of f.", "f의 파생 상품입니다.", "'derivative' is rendered '미분'"),
    ("Weight decay keeps weights small.", "체중 감량은 가중치를 작게 유지합니다.", "'체중 감량' must never appear"),
    ("The gradient flows back.", "그래디언트가 거꾸로 흐릅니다.", "'gradient' is rendered '기울기'"),
    ("The Affine layer.", "아핀 계층입니다.", "'아핀' must never appear"),
    ("The cross-entropy error.", "교차 엔트로피 손실입니다.", "'교차 엔트로피 손실' must never appear"),
    ("The backward pass.", "역 전파입니다.", "'역 전파' must never appear"),
    ("Each node has an edge.", "각 노드에는 엣지가 있습니다.", "'edge' is rendered '에지'"),
    ("The chain rule.", "chain rule을 씁니다.", "English 'chain rule' left in the translation"),
])
def test_the_term_check_catches_a_wrong_rendering(msgid, msgstr, expected):
    problems = term_problems(msgid, msgstr, GLOSSARY)
    assert any(expected in p for p in problems), problems


def test_the_term_check_accepts_the_glossary_and_counts_a_phrase_once():
    assert not term_problems("Gradient descent uses the gradient of the loss function.",
                             "경사 하강법은 손실 함수의 기울기를 씁니다.", GLOSSARY)
    # "gradient descent" is one term: 경사 하강법 without 기울기 is right
    assert [e.ko for e in mentions("Gradient descent.", GLOSSARY)] == ["경사 하강법"]
    # code, roles and maths are not prose: `Affine` and {doc}`ch3_layers` are not terms
    assert not mentions("See {doc}`ch3_layers` and `layer.backward` for $dW$.", GLOSSARY)
    # a phrase the entry excludes: the sigmoid's "S shape" is no array shape
    assert not [e for e in mentions("It rises in an S shape.", GLOSSARY) if e.ko == "형상"]
    assert not english_left_in("역전파(backward pass)는 ReLU와 Softmax-with-Loss 계층을 지납니다.", GLOSSARY)


# Code is not prose: the assignments' docstrings, hints and test messages name the code in
# plain text. Each case that must pass has a twin, the same English word as prose, that must fail.

@pytest.mark.parametrize("msgid, msgstr, names", [
    ("Warm-up: AddLayer.backward passes dout on.", "몸풀기: AddLayer.backward는 dout을 넘깁니다.", ()),   # dotted
    ("the row sums of softmax(x)", "softmax(x)의 행 합", ()),                                            # called
    ("x of shape {shape}, {accuracy:.1%} correct", "형상이 {shape}인 x, {accuracy:.1%} 정답", ()),        # blanks
    ("Sigmoid: out = 1 / (1 + exp(-x)).", "Sigmoid: out = 1 / (1 + exp(-x))를 계산합니다.", {"Sigmoid"}),  # a class
    ("dx from Relu.backward", "Relu.backward의 dx", ()),
    ("the keys of gradient's result", "gradient가 반환한 결과의 키", {"gradient"}),                      # a method
    ("the number of entries in layers", "layers의 원소 수", {"layers"}),                                 # an attribute
])
def test_a_code_name_is_not_a_term(msgid, msgstr, names):
    assert not term_problems(msgid, msgstr, GLOSSARY, names)


@pytest.mark.parametrize("msgid, msgstr, names, expected", [
    ("The gradient flows back.", "gradient가 거꾸로 흐릅니다.", {"gradient"}, "'gradient' is rendered '기울기'"),
    ("The gradient flows back.", "gradient가 거꾸로 흐릅니다.", {"gradient"}, "English 'gradient' left"),
    ("the keys of gradient's result", "gradient가 반환한 결과의 키", (), "'gradient' is rendered '기울기'"),
    ("every layer has a backward", "every layer에 backward가 있습니다", {"layers", "layer"}, "English 'layer' left"),
    # a bare name excuses itself only, not the same word as prose in the same message
    ("Call loss first; the loss layer then starts", "먼저 loss를 호출합니다. 그다음 loss 계층이 시작합니다",
     {"loss"}, "'loss' is rendered '손실'"),
    ("The sigmoid saturates.", "sigmoid가 포화됩니다.", {"Sigmoid"}, "'sigmoid' is rendered '시그모이드'"),
    ("x of shape (2, 3)", "shape가 (2, 3)인 x", (), "English 'shape' left"),
    ("one hidden\nlayer of 32 units", "유닛 32개짜리 숨은 계층 하나", (), "'hidden layer' is rendered '은닉층'"),
])
def test_the_same_word_as_prose_is_still_a_term(msgid, msgstr, names, expected):
    problems = term_problems(msgid, msgstr, GLOSSARY, names)
    assert any(expected in p for p in problems), problems


def test_the_course_catalogues_know_their_code_and_a_page_knows_none():
    ps3 = LOCALES / "ko" / "LC_MESSAGES" / "assignments" / "ps3_softmax.po"
    assert {"softmax", "Softmax", "SoftmaxWithLoss"} <= code_names(ps3)
    assert {"gradient", "layers"} <= code_names(LOCALES / "ko" / "LC_MESSAGES" / "grading.po")
    assert not code_names(LOCALES / "ko" / "LC_MESSAGES" / "book" / "ch1_graphs.po")


@pytest.mark.parametrize("text, bad", [
    ("역전파를 계산한다.", True), ("값이 커져요.", True), ("왜 그럴까?", True), ("이것은 무엇이니?", True),
    ("역전파를 계산합니다.", False), ("왜 그럴까요?", False), ("무엇입니까?", False), ("살펴봅시다.", False),
    ("곱셈 노드의 역전파.", False), ("값은 {glue:text}`x:g`원입니다.", False), ("**기울기**입니다.", False),
])
def test_the_register_check(text, bad):
    assert bool(register_problems(text)) == bad, register_problems(text)


def test_parentheses_are_read_around_english_only():
    assert parenthesized_english("역전파(backward pass)와 `f(x)`, 값(2개)") == ["backward pass"]
    # Python's words and names in parentheses are code, not a term glossed at its first use
    assert parenthesized_english("손실(float), d(self)/d(그 값), lastLayer(SoftmaxWithLoss), softmax(scores), "
                                 "net.gradient(x, t), 순전파(forward pass)") == ["forward pass"]


def test_a_malformed_glossary_gets_a_one_line_error(tmp_path):
    cases = {
        "headers: {en: [a, b, c], ko: [a, b, c]}\nentries: [{en: [node]}]": "needs `en`",
        "entries: [{en: [node], ko: 노드}]": "`headers` needs three column names",
        "headers: {en: [a, b, c], ko: [a, b, c]}\nentries: [{en: [node], ko: 노드}, {en: [Node], ko: 마디}]": "already entry 1",
        "headers: {en: [a, b, c], ko: [a, b, c]}\nentries: [{en: node, ko: 노드}]": "list of words",
        "headers: {en: [a, b, c], ko: [a, b, c]}\nentries: [{en: [node], ko: 노드, colour: red}]": "unknown fields",
        "headers: {en: [a, b, c], ko: [a, b, c]}\nentries: [{en: [node], ko: 노드, note: {en: x}}]": "both `en` and `ko`",
    }
    for text, expected in cases.items():
        path = tmp_path / "glossary.yml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(GlossaryError) as info:
            load(path)
        message = str(info.value)
        assert expected in message and "\n" not in message and str(path) in message, message
