"""The two editions of the built book: same pages, each in its language, joined page to page.

- every page says its language (``<html lang>``) and has one language switch that leads
  to the same page of the other edition;
- every glued number shows in both editions, the same numbers;
- the Korean pages are translated where their catalogue is complete, with the
  glossary's words and none of the known mistranslations, and are indexed by the
  Korean search language;
- the glossary page shows the glossary file in both editions;
- every page loads the Korean web font's stylesheet, whose files are in the book, and
  which draws every Korean character the edition's pages hold (and is no heavier);
- every plot draws its Hangul with the Korean face (no empty boxes), and the build's
  TrueType copy of that face stays out of the book.

BACKPROP_BOOK_HTML=<built html folder> reuses a book built earlier (both editions).
"""

from __future__ import annotations

import html as htmllib
import json
import os
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

import pytest

from booktools.catalogues import catalogue_path, read_catalogue
from booktools.glossary import load, prose

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def english(request) -> Path:
    given = os.environ.get("BACKPROP_BOOK_HTML")
    return Path(given) if given else request.getfixturevalue("built_book")


@pytest.fixture(scope="module")
def korean(english) -> Path:
    return english / "ko"


def pages(edition: Path) -> list[str]:
    """Every page of an edition, relative to it: not the other edition's folder, nor the
    index.html that only redirects to the first page."""
    return sorted(str(p.relative_to(edition)) for p in edition.rglob("*.html")
                  if p.relative_to(edition).parts[0] not in ("ko", "_static", "_sources", "_images")
                  and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")[:300])


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def article_text(page: str, *, skip_class: str | None = None) -> str:
    start = page.find('<article class="bd-article"')
    body = page[start:page.find("</article>", start)]
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", body, flags=re.S)
    if skip_class:
        body = re.sub(rf'<table class="[^"]*{skip_class}.*?</table>', " ", body, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_both_editions_have_the_same_pages_each_in_its_language(english, korean):
    assert pages(english) == pages(korean) and len(pages(english)) >= 11, (pages(english), pages(korean))
    for edition, lang in ((english, "en"), (korean, "ko")):
        wrong = [page for page in pages(edition)
                 if not re.search(rf'<html[^>]*\blang="{lang}"', read(edition / page))]
        assert not wrong, f"pages without <html lang=\"{lang}\">: {wrong}"
    intro = read(english / "book/intro.html")
    assert re.search(r'<p class="component-author">\s*By The Backpropagation from Scratch course authors\s*</p>', intro)


def switches(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" class="btn btn-sm bp-language-switch"', page)


def test_every_language_switch_lands_on_the_same_page(english, korean):
    checked = 0
    for edition, other in ((english, korean), (korean, english)):
        for page in pages(edition):
            text = read(edition / page)
            hrefs = switches(text)
            assert len(hrefs) == 1, f"{edition / page}: {len(hrefs)} language switches"
            target = Path(urljoin((edition / page).as_uri(), hrefs[0]).removeprefix("file://"))
            assert target == other / page, f"{edition / page}: the switch leads to {target}, not {other / page}"
            assert target.is_file()
            assert f'hreflang="{"ko" if other == korean else "en"}" href="{hrefs[0]}"' in text
            checked += 1
    assert checked >= 22


def glue_uses(doc: str) -> int:
    return len(re.findall(r"\{glue:text\}`", read(ROOT / f"{doc}.md")))


def pasted(page: str) -> list[str]:
    return [htmllib.unescape(v) for v in re.findall(r'<span class="pasted-text">([^<]*)</span>', page)]


NUMBER = re.compile(r"[-+]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?%?")


def test_every_glued_number_shows_in_both_editions_and_is_the_same(english, korean):
    """Glued numbers are the same in both editions (timings included: the Korean edition takes
    them from the English build); glued words are the edition's own, so only counted."""
    docs = re.findall(r"^\s*(?:root|- file):\s*(\S+)\s*$", read(ROOT / "_toc.yml"), flags=re.M)
    numbers = 0
    for doc in docs:
        en, ko = pasted(read(english / f"{doc}.html")), pasted(read(korean / f"{doc}.html"))
        assert len(en) == len(ko) == glue_uses(doc), \
            f"{doc}: {glue_uses(doc)} glued values in the source, {len(en)} in English, {len(ko)} in Korean"
        assert all(v.strip() for v in en + ko), f"{doc}: an empty glued value"
        en_numbers = Counter(v for v in en if NUMBER.fullmatch(v))
        ko_numbers = Counter(v for v in ko if NUMBER.fullmatch(v))
        assert ko_numbers == en_numbers, (
            f"{doc}: the editions show different numbers; only in English: {list((en_numbers - ko_numbers).elements())}, "
            f"only in Korean: {list((ko_numbers - en_numbers).elements())}")
        numbers += sum(en_numbers.values())
    assert numbers > 150


def complete_domains() -> list[str]:
    docs = re.findall(r"^\s*(?:root|- file):\s*(\S+)\s*$", read(ROOT / "_toc.yml"), flags=re.M)
    done = []
    for doc in docs:
        messages = [m for m in read_catalogue(catalogue_path(doc, "ko")) if m.id]
        if messages and all(m.string and not m.fuzzy for m in messages):
            done.append(doc)
    return done


def plain(markdown: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[*_]", "", prose(markdown))).strip()


def test_translated_pages_show_no_english_sentence(korean):
    done = complete_domains()
    assert {"book/intro", "book/glossary"} <= set(done), done
    for doc in done:
        text = article_text(read(korean / f"{doc}.html"))
        for message in read_catalogue(catalogue_path(doc, "ko")):
            if message.id and message.string != message.id and len(message.id) > 30:
                english_words = plain(message.id)[:40]
                assert english_words not in text, f"{doc}: English left in the Korean page: {english_words!r}"
    intro = read(korean / "book/intro.html")
    assert "<title>밑바닥부터 시작하는 오차역전파법" in intro
    assert "모든 페이지의 그림과 숫자는 책을 빌드할 때 계산한 것입니다." in intro   # the footer, from _config.po
    # The author line is one translated sentence, not the theme's word for "By" before English.
    author = re.search(r'<p class="component-author">\s*(.*?)\s*</p>', intro, re.S).group(1)
    assert author == "지은이: 밑바닥부터 시작하는 오차역전파법 집필진", author


# Four English words in a row: a sentence or a phrase, not a formula ("f = x·y + x") nor a
# name (MNIST_DIR, Softmax-with-Loss) that both editions write alike.
ENGLISH_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[\s,;:]+[A-Za-z][A-Za-z'’-]*){3}")


def figure_texts(page: str) -> list[str]:
    """What a page says about its figures: captions, the graphs' <title> and <desc> (their text
    for screen readers) and images' alt text, and the words glued into its prose."""
    captions = re.findall(r'<span class="caption-text">(.*?)</span>', page, flags=re.S)
    svg = re.findall(r"<(?:title|desc)>(.*?)</(?:title|desc)>", "".join(
        re.findall(r"<svg\b.*?</svg>", page, flags=re.S)), flags=re.S)
    alts = re.findall(r'<img\b[^>]*\balt="([^"]*)"', page)
    texts = [re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", "", t))).strip()
             for t in captions + svg + alts]
    return texts + [v for v in pasted(page) if not NUMBER.fullmatch(v)]


def english_left(english_page: str, korean_page: str) -> list[str]:
    """The figure texts and glued words of the English page that the Korean one shows as they are."""
    korean = set(figure_texts(korean_page))
    return sorted({t for t in figure_texts(english_page) if t in korean and ENGLISH_WORDS.search(t)})


def test_the_check_for_english_figure_text_sees_a_caption_an_alt_and_a_glued_note():
    english = ('<figure><svg><title>one add node</title><desc>Inputs 10 and 5 enter an add node.</desc></svg>'
               '<span class="caption-text">An addition node passes the gradient on.</span></figure>'
               '<img alt="Twelve handwritten digits in two rows" src="a.png">'
               '<p>Data: <span class="pasted-text">the course&#39;s offline MNIST split</span>, '
               '<span class="pasted-text">8,000</span>, f = <span class="pasted-text">x·y + x</span></p>')
    korean = english.replace("Inputs 10 and 5 enter an add node.", "입력 10, 5가 덧셈 노드로 들어갑니다.")
    assert english_left(english, korean) == [
        "An addition node passes the gradient on.", "Twelve handwritten digits in two rows",
        "the course's offline MNIST split"]
    assert english_left(english, english.replace("one add node", "덧셈 노드 하나")) == [
        "An addition node passes the gradient on.", "Inputs 10 and 5 enter an add node.",
        "Twelve handwritten digits in two rows", "the course's offline MNIST split"]


def test_no_figure_text_or_glued_words_of_the_korean_edition_are_the_english_ones(english, korean):
    """Captions, alt texts and glued notes are written by the pages' code: a sentence the code
    does not send through the code's catalogue (``_``, backprop.messages) stays English there."""
    checked, left = 0, {}
    for page in pages(english):
        en = read(english / page)
        checked += len(figure_texts(en))
        found = english_left(en, read(korean / page))
        if found:
            left[page] = found
    assert checked > 60, f"only {checked} figure texts found: has the HTML of figures changed?"
    assert not left, f"English figure text or glued words on Korean pages: {left}"


def test_no_page_shows_a_warning_from_its_code(english, korean):
    # A cell that writes to stderr puts the warning on the page (matplotlib's "does not have a
    # glyph" when Hangul sits in a formula, for one): a reader should never see it.
    shown = [f"{edition.name}/{page}" for edition in (english, korean) for page in pages(edition)
             if 'class="output stderr' in read(edition / page)]
    assert not shown, f"pages showing a cell's warnings: {shown}"


def plots(edition: Path) -> dict[str, str]:
    """The matplotlib SVG plots the edition's pages show, by file name."""
    found = {}
    for page in pages(edition):
        for src in re.findall(r'<img\b[^>]*\bsrc="([^"]+\.svg)"', read(edition / page)):
            path = (edition / page).parent / src
            if path.is_file() and "Matplotlib" in read(path)[:3000]:
                found[path.name] = read(path)
    return found


def test_every_plot_draws_its_hangul_in_the_korean_face_not_as_boxes(english, korean):
    # matplotlib's own fonts have no Hangul: without the book's Korean face a Korean title is
    # drawn with its last-resort font, an empty box per syllable, and the SVG says so.
    boxed = [f"{edition.name}/{name}" for edition in (english, korean)
             for name, svg in plots(edition).items() if "LastResort" in svg]
    assert not boxed, f"plots with Hangul drawn as empty boxes: {boxed}"
    korean_plots = plots(korean)
    with_hangul = [name for name, svg in korean_plots.items()
                   if re.search(r"<!-- [^>]*[\uac00-\ud7a3]", svg)]   # matplotlib writes each text as a comment
    assert len(with_hangul) >= 3, f"only {len(with_hangul)} of {len(korean_plots)} Korean plots have Hangul text"
    assert all('id="NotoSansKR-Regular-' in korean_plots[name] for name in with_hangul)


def test_the_build_only_font_is_not_in_the_book(english, korean):
    # The TrueType face the plots are drawn with (6 MB) serves the build; no page loads it.
    assert not [p for edition in (english, korean) for p in edition.rglob("NotoSansKR*")]
    assert not [p for edition in (english, korean) for p in edition.rglob("plot-fonts")]


def chrome_texts(page: str) -> set[str]:
    """What the theme shows around a page's article: texts, tooltips, labels, placeholders."""
    page = re.sub(r"<article\b.*?</article>|<script\b.*?</script>|<style\b.*?</style>", "", page, flags=re.S)
    texts = {htmllib.unescape(t).strip() for t in re.findall(r">([^<]+)<", page)}
    attrs = {htmllib.unescape(a).strip()
             for a in re.findall(r'\b(?:title|aria-label|placeholder|data-bs-title)="([^"]+)"', page)}
    return {t for t in texts | attrs if t}


def test_the_theme_speaks_korean_on_korean_pages(english, korean):
    from booktools import theme_catalogue

    # The theme's sentences without blanks, and jupyter-book's search placeholder (_config.po).
    words = {m.id for m in theme_catalogue.template() if m.id and "%(" not in m.id} | {"Search this book..."}
    on_english = set().union(*(chrome_texts(read(english / page)) & words for page in pages(english)))
    assert {"Back to top", "On this page", "Search this book...", "Toggle primary sidebar"} <= on_english, on_english
    left = {page: found for page in pages(korean) if (found := chrome_texts(read(korean / page)) & words)}
    assert not left, f"the theme's English on Korean pages: {left}"


def test_no_known_mistranslation_in_the_korean_edition(korean):
    forbidden = load().forbidden
    found = [(page, word) for page in pages(korean)
             for word in forbidden if word in article_text(read(korean / page), skip_class="bp-glossary")]
    assert not found, f"mistranslations in the Korean edition: {found}"


def glossary_rows(page: str) -> dict[str, list[str]]:
    rows = {}
    for row_id, row in re.findall(r'<tr class="[^"]*" id="([^"]+)">(.*?)</tr>', page, flags=re.S):
        rows[row_id] = [re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", "", cell))).strip()
                        for cell in re.findall(r"<td\b.*?</td>", row, flags=re.S)]
    return rows


def test_the_glossary_page_shows_the_glossary_file_in_both_editions(english, korean):
    glossary = load()
    en, ko = glossary_rows(read(english / "book/glossary.html")), glossary_rows(read(korean / "book/glossary.html"))
    assert set(en) == set(ko) == {e.anchor for e in glossary.entries}
    for entry in glossary.entries:
        assert en[entry.anchor][:2] == [" / ".join(entry.en), entry.ko]
        assert ko[entry.anchor][:2] == [entry.ko, " / ".join(entry.en)]
        # Sphinx curls the quotes of running text (smartquotes)
        assert re.sub("[‘’]", "'", ko[entry.anchor][2]) == entry.note.get("ko", "")
    korean_order = [cells[0] for cells in ko.values()]
    assert korean_order == sorted(korean_order), "the Korean glossary is not in 가나다 order"


def test_the_korean_edition_is_indexed_by_the_korean_search_language(korean):
    index = read(korean / "searchindex.js")
    terms = json.loads(index[index.index("(") + 1:index.rindex(")")])["terms"]
    assert "역전파" in terms and "오차역전파법" in terms and "미분" in terms
    assert not [t for t in terms if t.startswith("역전파") and t != "역전파"], "a particle stayed on 역전파"
    assert "Stemmer" in read(korean / "_static/language_data.js") and "KO_ENDINGS" in read(korean / "_static/language_data.js")


def _ranges(face: str) -> list[tuple[int, int]]:
    found = []
    for part in re.search(r"unicode-range:\s*([^;]*);", face).group(1).split(","):
        bounds = part.strip().upper().removeprefix("U+").split("-")
        found.append((int(bounds[0], 16), int(bounds[-1], 16)))
    return found


def test_every_page_loads_the_korean_font_which_the_book_carries(english, korean):
    for edition in (english, korean):
        css = read(edition / "_static" / "korean-font.css")
        files = re.findall(r"url\(([^)]+)\)", css)
        assert files and all((edition / "_static" / f).is_file() for f in files)
        assert all("korean-font.css" in read(edition / page) for page in pages(edition))
        # every Hangul syllable of every page (text, widget state) has a subset, and the
        # stylesheet holds no subset that draws none of them
        ranges = [_ranges(face) for face in re.findall(r"@font-face\s*{[^}]*}", css)]
        text = "".join(read(edition / page) for page in pages(edition))
        used = {ord(c) for c in text if "\uac00" <= c <= "\ud7a3"}
        used |= {int(h, 16) for h in re.findall(r"\\u([0-9a-fA-F]{4})", text) if 0xAC00 <= int(h, 16) <= 0xD7A3}
        assert len(used) > 50, f"only {len(used)} Hangul syllables in {edition}"
        undrawn = sorted(chr(c) for c in used if not any(a <= c <= b for face in ranges for a, b in face))
        assert not undrawn, f"{edition}: no subset of the Korean font draws {''.join(undrawn[:40])}"
        idle = [face for face in ranges if not any(a <= c <= b for a, b in face for c in used)
                and not any(a <= c <= b for a, b in face for c in range(0x3000, 0x3100))]
        assert len(idle) <= len(ranges) // 2, f"{len(idle)} of {len(ranges)} subsets draw no character of {edition}"
