"""The built book's layout in Debian's headless Chromium: nothing too wide.

At 1280 px no page scrolls sideways, no code block needs its own scroll bar (no line
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
for (const el of article.querySelectorAll('pre, div.math, mjx-container[display="true"]')) {
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
    return sorted(str(p.relative_to(book)) for p in (book / "book").glob("*.html"))


def test_no_page_is_wider_than_the_screen_at_1280_px(book_html, site, browser):
    pages = book_pages(book_html)
    assert len(pages) >= int(os.environ.get("BACKPROP_LAYOUT_MIN_PAGES", "8")), pages
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
