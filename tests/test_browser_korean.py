"""The Korean edition in Debian's headless Chromium, on a machine with no Korean font.

The browser runs with a FONTCONFIG_FILE that offers only the system fonts without a
single Hangul syllable (checked with fc-list first), as on a machine without Debian's
CJK fonts. There

- Hangul is drawn with the book's own Noto Sans KR (``document.fonts.check`` and the
  fonts Chromium reports for the page's title), at 1280 and 390 px, with no page wider
  than the screen, a visible language switch, and only a few of the font's subsets
  downloaded; screenshots go to artifacts/ (or $ARTIFACTS_DIR);
- the real search page finds 역전파, 미분, 가중치 on every page where they appear with
  a particle (역전파는, 미분을, ...), and 국소적 미분 on the pages with that phrase;
- the language switch leads to the same page of the other edition.

The browser set-up (offline, 127.0.0.1 only) is test_browser_widget's; when CI is set, a
missing browser fails the test. BACKPROP_BOOK_HTML=<built html folder> reuses a book.
"""

from __future__ import annotations

import html as htmllib
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

pytestmark = pytest.mark.book

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_browser_helpers_ko", HERE / "test_browser_widget.py")
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)
_spec = importlib.util.spec_from_file_location("_browser_layout_ko", HERE / "test_browser_layout.py")
layout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(layout)

book_html = helpers.book_html
site = helpers.site
FAMILY = "Noto Sans KR"


def fc_list(env: dict, *pattern: str) -> list[str]:
    proc = subprocess.run(["fc-list", *pattern, "--format", "%{file}\\n"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return sorted(set(proc.stdout.split()))


@pytest.fixture(scope="module")
def no_korean_fonts(tmp_path_factory) -> dict:
    """An environment whose fontconfig offers only the system fonts that have no Hangul."""
    import os

    if shutil.which("fc-list") is None:
        helpers.missing("fontconfig's fc-list was not found")
    base = os.environ.copy()
    with_hangul = set(fc_list(base, ":charset=ac00"))
    folder = tmp_path_factory.mktemp("fonts")
    for i, path in enumerate(f for f in fc_list(base) if f not in with_hangul):
        (folder / f"{i}-{Path(path).name}").symlink_to(path)
    config = folder / "fonts.conf"
    config.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{folder}</dir>
  <cachedir>{folder}/cache</cachedir>
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
</fontconfig>
""")
    env = {**base, "FONTCONFIG_FILE": str(config)}
    assert fc_list(env), "no system font left at all"
    assert not fc_list(env, ":charset=ac00") and not fc_list(env, ":lang=ko"), "a Korean font is still offered"
    return env


@pytest.fixture(scope="module")
def browser(no_korean_fonts):
    driver = helpers.make_driver(env=no_korean_fonts)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def load(driver, url: str, width: int) -> None:
    """test_browser_layout's load (viewport, page, MathJax), then wait for the web fonts."""
    driver.get_log("performance")   # from here on, the requests of this page
    layout.load(driver, url, width)
    assert driver.execute_async_script("document.fonts.ready.then(() => arguments[arguments.length - 1](true))")


def fonts_drawing(driver, selector: str) -> list[dict]:
    """The fonts Chromium used for the text of the first element matching ``selector``."""
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    root = driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = driver.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, f"nothing matches {selector}"
    return driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]


def books_font_draws(fonts: list[dict]) -> bool:
    """Whether the web font (its files name it "Noto Sans KR" plus a style) drew glyphs."""
    ours = [f for f in fonts if f["familyName"].startswith(FAMILY) and f["isCustomFont"] and f["glyphCount"]]
    assert ours, f"the text is drawn with {[f['familyName'] for f in fonts]}, not the book's {FAMILY}"
    return True


@pytest.mark.parametrize("width", [1280, 390])
def test_hangul_is_drawn_with_the_books_font(book_html, site, browser, width):
    load(browser, f"{site}/ko/book/intro.html", width)
    title = browser.execute_script("return document.querySelector('article h1').textContent")
    assert "오차역전파법" in title, title
    assert browser.execute_script(f"return document.fonts.check('16px \"{FAMILY}\"', '역전파')")
    assert books_font_draws(fonts_drawing(browser, "article h1"))
    assert browser.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"), \
        f"the Korean intro is wider than {width} px"
    switch = browser.find_element("css selector", "a.bp-language-switch")
    assert switch.is_displayed() and switch.get_attribute("title") == "Read this page in English"
    if width >= 576:   # a phone shows the switch's icon alone
        assert switch.text.strip() == "English"
    subsets = [u for u in helpers.requested_urls(browser) if re.search(r"noto-sans-kr-\d+-\d+-normal\.woff2$", u)]
    assert 0 < len(subsets) < 80, f"{len(subsets)} of the font's 240 subset files were downloaded"
    assert not helpers.external(helpers.requested_urls(browser))
    shot = helpers.artifacts_dir() / f"korean-intro-{width}.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


def test_the_english_edition_draws_its_korean_terms_too(book_html, site, browser):
    load(browser, f"{site}/book/intro.html", 1280)
    # one word at a time: the font's subset with the space need not be loaded, the theme's fonts draw spaces
    for word in ("계산", "그래프", "오차역전파법"):
        assert browser.execute_script(f"return document.fonts.check('16px \"{FAMILY}\"', '{word}')"), word
    found = browser.execute_script("""
        const cell = [...document.querySelectorAll('article td p')].find(p => p.textContent.trim() === '계산 그래프');
        if (cell) cell.id = 'bp-korean-term';
        return Boolean(cell);""")
    assert found, "the intro's table of Korean terms is gone"
    assert books_font_draws(fonts_drawing(browser, "#bp-korean-term"))


def test_the_language_switch_leads_to_the_same_page(book_html, site, browser):
    for start, expected in (("ko/book/glossary.html", "/book/glossary.html"),
                            ("book/ch1_graphs.html", "/ko/book/ch1_graphs.html"),
                            ("ko/search.html", "/search.html")):
        load(browser, f"{site}/{start}", 1280)
        browser.find_element("css selector", "a.bp-language-switch").click()
        assert urlparse(browser.current_url).path == expected, (start, browser.current_url)


# ---- search ------------------------------------------------------------------------

# Particles a Korean page attaches to a noun; the test's own list, not the stemmer's.
PARTICLES = ("은", "는", "이", "가", "을", "를", "의", "에", "에서", "에서는", "과", "와", "로", "으로",
             "도", "만", "입니다", "이라고", "라고")


def page_texts(korean: Path) -> dict[str, str]:
    texts = {}
    for path in sorted((korean / "book").glob("*.html")):
        page = path.read_text(encoding="utf-8")
        start = page.find('<article class="bd-article"')
        body = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page[start:page.find("</article>", start)], flags=re.S)
        texts[f"book/{path.name}"] = re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", body)))
    return texts


def pages_with(texts: dict[str, str], word: str, *, bare: bool) -> set[str]:
    """Pages where ``word`` stands as a word on its own (``bare``) or followed by a particle."""
    ending = r"(?![가-힣])" if bare else "(?:" + "|".join(PARTICLES) + r")(?![가-힣])"
    pattern = re.compile(r"(?<![가-힣])" + re.escape(word) + ending)
    return {name for name, text in texts.items() if pattern.search(text)}


def search(driver, site: str, query: str) -> set[str]:
    """The pages the Korean edition's search page lists for ``query``."""
    from selenium.webdriver.support.ui import WebDriverWait

    load(driver, f"{site}/ko/search.html?q={quote(query)}", 1280)
    WebDriverWait(driver, 60).until(lambda d: d.execute_script(
        "const s = document.querySelector('#search-results p.search-summary'); return s && s.innerText.length > 0"))
    links = driver.execute_script(
        "return [...document.querySelectorAll('#search-results ul.search > li > a')].map(a => a.getAttribute('href'))")
    return {re.sub(r"[?#].*$", "", link) for link in links}


def test_search_finds_words_behind_their_particles(book_html, site, browser):
    texts = page_texts(book_html / "ko")
    only_with_particles = 0
    for word in ("역전파", "미분", "기울기", "가중치"):
        expected = pages_with(texts, word, bare=False) | pages_with(texts, word, bare=True)
        assert expected, f"no Korean page uses {word}"
        found = search(browser, site, word)
        assert expected <= found, f"searching {word!r} misses {sorted(expected - found)} (found {sorted(found)})"
        only_with_particles += len(pages_with(texts, word, bare=False) - pages_with(texts, word, bare=True))
    # the search above proved something only if some page has a word with particles alone
    assert only_with_particles, "no page uses these words only with particles; pick other words"


def test_search_finds_a_two_word_phrase(book_html, site, browser):
    texts = page_texts(book_html / "ko")
    expected = pages_with(texts, "국소적 미분", bare=False) | pages_with(texts, "국소적 미분", bare=True)
    assert expected, "no Korean page has 국소적 미분"
    found = search(browser, site, "국소적 미분")
    assert expected <= found, f"국소적 미분: missing {sorted(expected - found)}, found {sorted(found)}"
    with_particle = search(browser, site, "국소적 미분을")
    assert expected <= with_particle, "a particle on the query's last word lost pages"
