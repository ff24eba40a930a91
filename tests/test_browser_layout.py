"""The built book's layout in Debian's headless Chromium: nothing too wide.

In both editions (English and the Korean one below it): at 1280 px no page scrolls sideways, no code block needs its own scroll bar (no line
is wider than the text column) and no displayed equation overflows its column. Widths
are measured after MathJax has typeset the page. The browser set-up (offline, 127.0.0.1 only) is
test_browser_widget's; when CI is set, a missing browser fails the test.
BACKPROP_BOOK_HTML=<built html folder> reuses a book built earlier.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

HERE = Path(__file__).resolve().parent


def _widget_tests():
    """test_browser_widget's helpers (tests are imported by path: --import-mode=importlib)."""
    spec = importlib.util.spec_from_file_location("_browser_helpers", HERE / "test_browser_widget.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helpers = _widget_tests()

# Each overflowing element: what it is, how wide its content is, and how wide its box.
OVERFLOW_JS = """
const out = [];
const doc = document.documentElement;
if (doc.scrollWidth > doc.clientWidth + 1)
  out.push(['page', doc.scrollWidth, doc.clientWidth, '']);
const article = document.querySelector('article.bd-article') || document.body;
for (const el of article.querySelectorAll(
    'pre, div.math, mjx-container[display="true"], figure.bp-figure > div')) {
  if (el.closest('.bp-flow')) continue;  // the widget's own layout is its tests' business
  if (el.scrollWidth > el.clientWidth + 1)
    out.push([el.tagName.toLowerCase() + '.' + el.className, el.scrollWidth, el.clientWidth,
              el.textContent.trim().split('\\n').sort((a, b) => b.length - a.length)[0].slice(0, 100)]);
}
return out;
"""

TYPESET_JS = """
const done = arguments[arguments.length - 1];
if (window.MathJax && MathJax.startup && MathJax.startup.promise)
  MathJax.startup.promise.then(() => done(true), () => done(false));
else
  done(document.readyState === 'complete');
"""


# The built book (or BACKPROP_BOOK_HTML) served on 127.0.0.1: the widget tests' fixtures.
book_html = helpers.book_html
site = helpers.site


@pytest.fixture(scope="module")
def browser():
    driver = helpers.make_driver()
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def load(driver, url: str, width: int, height: int = 900) -> None:
    """Open ``url`` in a ``width`` px wide viewport and wait until MathJax has typeset it."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.set_window_size(width, height)
    inner = driver.execute_script("return window.innerWidth")
    if inner != width:   # the window's frame, if any, takes part of its width
        driver.set_window_size(2 * width - inner, height)
    driver.get(url)
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert driver.execute_async_script(TYPESET_JS), f"MathJax failed on {url}"


def book_pages(book: Path) -> list[str]:
    """The chapters of both editions: book/*.html and ko/book/*.html."""
    return sorted(str(p.relative_to(book)) for folder in (book / "book", book / "ko" / "book")
                  for p in folder.glob("*.html"))


def test_no_page_is_wider_than_the_screen_at_1280_px(book_html, site, browser):
    pages = book_pages(book_html)
    assert len(pages) >= 2 * int(os.environ.get("BACKPROP_LAYOUT_MIN_PAGES", "8")), pages
    assert any(page.startswith("ko/") for page in pages), "the Korean edition is not in the build"
    problems = {}
    for page in pages:
        load(browser, f"{site}/{page}", 1280)
        found = browser.execute_script(OVERFLOW_JS)
        if found:
            problems[page] = found
    assert not problems, "too wide at 1280 px (element, content px, box px, widest line):\n" + \
        "\n".join(f"{page}: {row}" for page, rows in problems.items() for row in rows)


def test_the_overflow_check_sees_a_wide_code_line(book_html, site, browser):
    load(browser, f"{site}/book/intro.html", 1280)
    browser.execute_script(
        "const pre = document.createElement('pre'); pre.textContent = 'x = ' + '1 + '.repeat(80);"
        "pre.style.overflowX = 'auto';"
        "(document.querySelector('article.bd-article') || document.body).appendChild(pre);")
    found = browser.execute_script(OVERFLOW_JS)
    assert any(row[0].startswith("pre") for row in found), found


SOFTMAX_TITLE = "Softmax-with-Loss"
# The node names the derivation talks about, as the figure writes them.
NODE_NAMES = ("S", "1/S", "y₁", "y₂", "y₃")

VISIBLE_FIGURES_JS = """
return [...document.querySelectorAll('article figure svg[role=img]')]
  .filter(svg => !svg.closest('.bp-flow') && svg.getBoundingClientRect().width > 0
          && (svg.getAttribute('aria-label') || '').includes(arguments[0]))
  .map(svg => {
    const r = svg.getBoundingClientRect();
    const box = svg.closest('figure').getBoundingClientRect();
    const texts = [...svg.querySelectorAll('text')].map(
      t => [t.textContent.trim(), t.getBoundingClientRect().height]);
    return {left: r.left, right: r.right, boxLeft: box.left, boxRight: box.right,
            texts: texts};
  });
"""


def softmax_figures_at(browser, site, width: int, edition: str = "") -> tuple[int, list[dict]]:
    load(browser, f"{site}/{edition}book/ch4_softmax.html", width, 844)
    assert browser.execute_script("return window.innerWidth") == width
    screen = browser.execute_script("return document.documentElement.clientWidth")
    return screen, browser.execute_script(VISIBLE_FIGURES_JS, SOFTMAX_TITLE)


@pytest.mark.parametrize("edition", ["", "ko/"], ids=["en", "ko"])
@pytest.mark.parametrize("width", [390, 1280])
def test_softmax_with_loss_figures_fit_and_name_their_nodes(book_html, site, browser, width, edition):
    """Both Softmax-with-Loss figures of chapter 4 lie within the screen and within
    their column, a phone's too, and show the node names S, 1/S and y_k at least
    10 px high; in both editions."""
    screen, figures = softmax_figures_at(browser, site, width, edition)
    assert len(figures) == 2, f"{len(figures)} visible Softmax-with-Loss figures at {width} px"
    for fig in figures:
        assert fig["left"] >= 0 and fig["right"] <= screen + 0.5, \
            f"a figure spans {fig['left']:.0f}..{fig['right']:.0f} px on a {screen} px screen"
        assert fig["left"] >= fig["boxLeft"] - 0.5 and fig["right"] <= fig["boxRight"] + 0.5, \
            f"a figure spans {fig['left']:.0f}..{fig['right']:.0f} px, its column " \
            f"{fig['boxLeft']:.0f}..{fig['boxRight']:.0f} px"
        heights = {name: h for name, h in fig["texts"] if name in NODE_NAMES}
        assert set(heights) == set(NODE_NAMES), sorted(n for n, _ in fig["texts"])
        assert min(heights.values()) >= 10, heights
