"""Checks of the Korean edition's house style that a machine can make (docs/translating.md).

- One register for running prose, 합니다체: a sentence that ends in a verb ends in
  ...니다. (or 합시다/십시오, and a question in ...니까? or ...까요?), never in the 한다체
  ...다. or the 해요체 ...요.; headings, captions and list fragments end in nouns and
  are not sentences here.
- An English term in parentheses only at its first use on a page (a Python name there is
  code, not a term).
"""

from __future__ import annotations

import re

from booktools.glossary import is_code_word, prose, words

_SENTENCE_END = re.compile(r"([\uac00-\ud7a3]+)[*_\"'”’」』)\]]*([.?!])(?=[\s*_\"'”’」』)\]]|$)")
_ALLOWED_DA = ("니다", "시다")          # 합니다 / 입니다 / 됩니다, 합시다 / 봅시다
_ALLOWED_QUESTION = ("니까", "까요")    # 입니까? / 일까요?


def register_problems(text: str) -> list[str]:
    """Sentence endings of ``text`` that leave 합니다체; empty when all keep it."""
    problems = []
    for m in _SENTENCE_END.finditer(prose(text)):
        word, mark = m.group(1), m.group(2)
        if word.endswith("다") and not word.endswith(_ALLOWED_DA):
            problems.append(f"{word}{mark} is 한다체; write 합니다체 (...니다{mark})")
        elif word.endswith("요") and not (mark == "?" and word.endswith("까요")):
            problems.append(f"{word}{mark} is 해요체; write 합니다체 (...니다{mark})")
        elif mark == "?" and word.endswith("까") and not word.endswith(_ALLOWED_QUESTION):
            problems.append(f"{word}{mark} is 반말; ask in 합니다체 (...니까? or ...까요?)")
        elif word.endswith(("어", "아", "지", "냐", "니")) and mark == "?":
            problems.append(f"{word}{mark} is 반말; ask in 합니다체 (...니까? or ...까요?)")
    return problems


_PARENTHESIZED = re.compile(r"\(([A-Za-z][A-Za-z\- ]*[A-Za-z])\)")


def parenthesized_english(text: str) -> list[str]:
    """The English words a text puts in parentheses, lower case: ``역전파(backward pass)``; code
    there is no English gloss (``손실(float)``, ``lastLayer(SoftmaxWithLoss)``, ``d(self)``)."""
    return [m.group(1).lower() for m in _PARENTHESIZED.finditer(words(text)) if not is_code_word(m.group(1))]
