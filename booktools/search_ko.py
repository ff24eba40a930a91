"""Korean search for the Korean edition: a search language registered from an extension.

Sphinx ships no Korean search language; without one, the Korean pages would be
indexed with English rules, and a reader typing 역전파 would miss every page where
the word only appears as 역전파는, 역전파를 or 역전파의. Korean attaches particles and
endings to the word, so this language

- splits text at anything that is not a letter, digit or underscore (as Sphinx's
  browser side splits a query), so 역전파(backpropagation) gives two words;
- stems a word that ends in Hangul by cutting one particle or ending, the longest
  that fits (``ENDINGS``), so 역전파는 / 역전파를 / 역전파의 / 역전파입니다 -> 역전파, and
  국소적 미분 finds the pages with both words; whatever is left without Hangul
  (a code name before a particle, any English word) goes through the Porter stemmer
  of Sphinx's English search, as English words on English pages do.

The same rules run in the browser: ``search_ko.js``, given the same ``ENDINGS``.
Stemming only has to agree between the index and the query; a noun that happens to
end in a particle's syllable (결과 -> 결) is cut on both sides alike and still found.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import snowballstemmer
from sphinx.search import SearchLanguage
from sphinx.search.en import english_stopwords, js_porter_stemmer

HANGUL = re.compile("[\uac00-\ud7a3]")

# Particles (조사), the copula and the commonest endings of 하다/되다 verbs. A word
# loses at most one of them, the longest that fits, and keeps at least one letter.
ENDINGS: tuple[str, ...] = tuple(sorted(set("""
    이 가 은 는 을 를 의 에 와 과 로 으로 도 만 께 나 이나 란 이란 라 이라 든 이든 뿐
    에서 에게 까지 부터 보다 처럼 마다 만큼 조차 밖에 한테
    에는 에도 에만 에서는 에서도 에서의 에게는 으로는 로는 으로도 로도 으로만 로만
    으로의 로의 과는 와는 과의 와의 과도 와도 까지의 부터는 보다는 만을 만이 만의 이라도 라도
    이다 입니다 이며 이고 이면 인 일 이라는 라는 이라고 라고 이므로 므로 이지만 였다 이었다
    였습니다 이었습니다 이어야 여야 이죠 이지
    합니다 하는 하고 하여 해서 하면 하며 하지 하기 했습니다 했다 할 하도록
    됩니다 되는 되고 되어 되며 되면 된 되었습니다 됐습니다 되지
""".split()), key=lambda e: (-len(e), e)))

_ENDING_SET = frozenset(ENDINGS)
STOPWORDS = set(english_stopwords) | {"수", "것", "및", "등", "또는", "때", "그", "이"}


def strip_ending(word: str) -> str:
    for ending in ENDINGS:
        if len(word) > len(ending) and word.endswith(ending):
            return word[:-len(ending)]
    return word


class SearchKorean(SearchLanguage):
    lang = "ko"
    language_name = "Korean"
    stopwords = STOPWORDS

    def init(self, options) -> None:
        self.porter = snowballstemmer.stemmer("porter")

    def stem(self, word: str) -> str:
        w = word.lower()
        if HANGUL.match(w[-1:]):
            w = strip_ending(w)
        if HANGUL.search(w) or len(w) < 3:   # the browser's Porter stemmer leaves short words
            return w                          # ("ms", "dx") whole; Snowball's would cut "ms"
        return self.porter.stemWord(w)

    def word_filter(self, word: str) -> bool:
        # a particle left on its own by the splitter ("역전파(backpropagation)는") says nothing
        return bool(word) and word not in self.stopwords and word not in _ENDING_SET

    @property
    def js_stemmer_code(self) -> str:  # type: ignore[override]
        return js_code()


def js_code() -> str:
    """The browser's stemmer: Sphinx's Porter stemmer, the endings, and search_ko.js."""
    porter = js_porter_stemmer.replace("var Stemmer = function", "var PorterStemmer = function", 1)
    assert "PorterStemmer" in porter, "Sphinx's English stemmer changed its shape"
    korean = Path(__file__).with_name("search_ko.js").read_text(encoding="utf-8")
    return f"{porter}\nvar KO_ENDINGS = {json.dumps(list(ENDINGS), ensure_ascii=False)};\n{korean}"


def setup(app):
    app.add_search_language(SearchKorean)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
