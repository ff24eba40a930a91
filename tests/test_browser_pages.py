"""Every page of both editions on a phone (390 px), in Debian's headless Chromium.

Each page is opened once, as a reader opens it (served over HTTP, browser cache off,
widgets drawn, fonts loaded), and measured:

- every label of every SVG graph figure (static figures and the widgets' graphs) lies
  inside the screen: a phone that loses the node the text talks about has lost the figure;
- nothing is cut off without a cue: a formula, table, code block or plot wider than its
  box either fits or sits in a box that scrolls sideways and shows that it does (the
  fading edge page.js and page.css draw: ``data-bp-overflow`` and a mask); never a box
  that clips (``overflow: hidden``), never a page wider than the screen;
- every plot is vector (SVG) or has twice the pixels it is shown with;
- no text of a matplotlib plot is drawn under 9 px (its size read from the SVG file
  itself, in the browser, and scaled by the width the plot is shown at);
- every caption contrasts with what is behind it (WCAG's 4.5), in the light and in the
  dark colour mode;
- the bytes a page transfers stay under ``PAGE_BUDGET`` (Resource Timing's
  ``transferSize`` of the page and of everything it loads, the cache off). The test
  server is Python's ``http.server``, which does not compress: these are the bytes a
  reader downloads from a host that serves files as they are (or from ``file://``); a
  host that compresses (GitHub Pages, Netlify) sends less. The figures are printed.

The browser set-up (offline, 127.0.0.1 only) is test_browser_widget's; when CI is set,
a missing browser fails the test. BACKPROP_BOOK_HTML=<built html folder> reuses a book
built earlier.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.book

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_browser_helpers_pages", HERE / "test_browser_widget.py")
helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(helpers)
_spec = importlib.util.spec_from_file_location("_browser_layout_pages", HERE / "test_browser_layout.py")
layout = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(layout)

book_html = helpers.book_html
site = helpers.site

PHONE = 390
PAGE_BUDGET = 2_500_000          # bytes transferred per page
MIN_PLOT_TEXT_PX = 9
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def every_page(book: Path) -> list[str]:
    """Every page of both editions, relative to the English one: not the static files, the
    page sources, nor the index.html that only redirects to the first page."""
    found = []
    for path in sorted(book.rglob("*.html")):
        rel = path.relative_to(book)
        if {"_static", "_sources", "_images"} & set(rel.parts):
            continue
        if 'http-equiv="Refresh"' in path.read_text(encoding="utf-8")[:400]:
            continue
        found.append(rel.as_posix())
    return found


# ---- what is measured in the page --------------------------------------------------

# Resolves once the page's widgets are drawn (one .bp-widget per saved view) and its
# fonts have loaded, then has page.js mark the boxes that scroll.
SETTLE_JS = """
const done = arguments[arguments.length - 1];
const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
const start = performance.now();
(function wait() {
  const drawn = document.querySelectorAll('.bp-widget').length;
  if (drawn >= views || performance.now() - start > 30000) {
    document.fonts.ready.then(() => requestAnimationFrame(() => requestAnimationFrame(() => {
      if (window.bpMarkScrollBoxes) window.bpMarkScrollBoxes();
      requestAnimationFrame(() => done({views, drawn}));
    })));
  } else setTimeout(wait, 100);
})();
"""

# Labels of the SVG graph figures outside the screen: [figure's name, label, left, right].
GRAPH_LABELS_JS = """
const screen = document.documentElement.clientWidth;
const out = [];
let figures = 0, labels = 0;
for (const svg of document.querySelectorAll('article svg[role="img"]')) {
  const box = svg.getBoundingClientRect();
  if (box.width === 0 || getComputedStyle(svg).visibility === 'hidden') continue;
  figures++;
  for (const text of svg.querySelectorAll('text')) {
    const label = text.textContent.trim();
    const r = text.getBoundingClientRect();
    if (!label || r.width === 0) continue;
    labels++;
    if (r.left < -0.5 || r.right > screen + 0.5)
      out.push([svg.getAttribute('aria-label') || '(no name)', label, Math.round(r.left), Math.round(r.right)]);
  }
}
return {figures, labels, outside: out};
"""

# Formulas, tables, code and plots that are not wholly visible and have no cue.
CUT_OFF_JS = """
const screen = document.documentElement.clientWidth;
const article = document.querySelector('article.bd-article') || document.body;
const KINDS = {'mjx-container': 'formula', 'table': 'table', 'pre': 'code', 'img': 'plot'};
const out = [];
const counts = {};
const cued = box => box.hasAttribute('data-bp-overflow')
  && getComputedStyle(box).maskImage !== 'none' && getComputedStyle(box).webkitMaskImage !== 'none';
const describe = el => (el.getAttribute('alt') || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
for (const el of article.querySelectorAll(Object.keys(KINDS).join(','))) {
  if (el.closest('.bp-flow, .bp-playground')) continue;   // the widgets' layout: their own tests
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  const kind = KINDS[el.tagName.toLowerCase()];
  counts[kind] = (counts[kind] || 0) + 1;
  const problem = why => out.push([kind, why, describe(el), Math.round(r.left), Math.round(r.right)]);
  // the element's own box, if its content is wider than it
  const own = getComputedStyle(el).overflowX;
  if (own !== 'visible' && el.scrollWidth > el.clientWidth + 1) {
    if (own === 'hidden' || own === 'clip') problem('clips its own content');
    else if (!cued(el)) problem('scrolls with no cue');
  }
  // every box around it that does not let it show whole
  let scrolled = false;
  for (let box = el.parentElement; box && box !== document.documentElement; box = box.parentElement) {
    const style = getComputedStyle(box);
    if (style.overflowX === 'visible') continue;
    const b = box.getBoundingClientRect();
    const inner = b.left + box.clientLeft;
    if (r.right > inner + box.clientWidth + 1 || r.left < inner - 1) {
      const name = box.tagName.toLowerCase() + '.' + [...box.classList].join('.');
      if (style.overflowX === 'hidden' || style.overflowX === 'clip') problem('clipped by ' + name);
      else if (!cued(box)) problem('scrolls in ' + name + ' with no cue');
      scrolled = true;
      break;
    }
  }
  if (!scrolled && (r.right > screen + 1 || r.left < -1)) problem('runs off the screen');
}
const doc = document.documentElement;
if (doc.scrollWidth > doc.clientWidth + 1) out.push(['page', 'wider than the screen', '', 0, doc.scrollWidth]);
return {counts, problems: out};
"""

# Every plot of the page: [src, vector, natural width, shown width, smallest text px or null].
PLOTS_JS = """
const done = arguments[arguments.length - 1];
const article = document.querySelector('article.bd-article') || document.body;
const images = [...article.querySelectorAll('img')].filter(img => img.getBoundingClientRect().width > 0);
// The text sizes of a matplotlib SVG, in pt: a text is a group "text_N" whose glyphs are
// scaled by size/100 (svg.fonttype "path"), or a <text> with a font size (fonttype "none").
function textSizes(svg) {
  const sizes = [];
  for (const g of svg.querySelectorAll('g[id^="text_"]')) {
    const inner = [...g.children].find(c => c.tagName === 'g' && /scale\\(/.test(c.getAttribute('transform') || ''));
    if (inner) sizes.push(100 * parseFloat(inner.getAttribute('transform').match(/scale\\(([\\d.]+)/)[1]));
  }
  for (const t of svg.querySelectorAll('text')) {
    const m = (t.getAttribute('style') || '').match(/font(?:-size)?:[^;]*?([\\d.]+)px/);
    if (m) sizes.push(parseFloat(m[1]));
  }
  return sizes;
}
Promise.all(images.map(async img => {
  const src = img.currentSrc || img.src;
  const shown = img.getBoundingClientRect().width;
  const vector = /\\.svg(\\?|$)/i.test(src) || src.startsWith('data:image/svg');
  let smallest = null;
  if (vector) {
    const text = await (await fetch(src)).text();
    const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
    const width = parseFloat(svg.getAttribute('width'));
    const sizes = /Matplotlib/.test(text.slice(0, 3000)) ? textSizes(svg) : [];
    if (sizes.length && width) smallest = Math.min(...sizes) * shown / width;
  }
  return [src.split('/').pop(), vector, img.naturalWidth, shown, smallest];
})).then(done, err => done(String(err)));
"""

# Captions whose text contrasts less than WCAG's 4.5 with what is behind it, in the page's
# current colour mode: [caption, text colour, background colour, contrast].
CAPTIONS_JS = """
const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
const lum = ([r, g, b]) => {
  const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const behind = el => {
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
  }
  return [255, 255, 255];
};
const out = [];
let seen = 0;
for (const cap of document.querySelectorAll('article figcaption, article .caption-text')) {
  for (const el of [cap, ...cap.querySelectorAll('*')]) {
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    // shown: not a permalink that appears on hover only, nor anything hidden
    if (!el.getClientRects().length || el.closest('a.headerlink') || getComputedStyle(el).visibility === 'hidden') continue;
    seen++;
    const fg = rgb(getComputedStyle(el).color).slice(0, 3), bg = behind(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) out.push([el.textContent.trim().slice(0, 50), fg.join(','), bg.join(','), ratio.toFixed(2)]);
  }
}
return {seen, faint: out};
"""

DARK_JS = "document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark';"

TRANSFERRED_JS = """
return [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
  .map(e => [e.name, e.transferSize]);
"""


@pytest.fixture(scope="module")
def phone(book_html, site):
    """Every page opened once at 390 px: {page: measurements}."""
    driver = helpers.make_driver()
    driver.set_page_load_timeout(90)
    driver.set_script_timeout(90)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    # room for every resource a page loads (the default buffer holds 250)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                           {"source": "performance.setResourceTimingBufferSize(10000);"})
    pages = every_page(book_html)
    assert len([p for p in pages if p.startswith("ko/")]) >= 10 and len(pages) >= 20, pages
    found = {}
    try:
        for page in pages:
            url = f"{site}/{page}"
            driver.get_log("browser")
            layout.load(driver, url, PHONE, 844)
            assert driver.execute_script("return window.innerWidth") == PHONE
            widgets = driver.execute_async_script(SETTLE_JS)
            transferred = _quiet_transfers(driver)
            found[page] = {
                "widgets": widgets,
                "labels": driver.execute_script(GRAPH_LABELS_JS),
                "cut_off": driver.execute_script(CUT_OFF_JS),
                "plots": driver.execute_async_script(PLOTS_JS),
                "bytes": sum(size for _, size in transferred),
                "largest": sorted(transferred, key=lambda e: -e[1])[:4],
                "console": helpers.console_errors(driver),
                "captions": {"light": driver.execute_script(CAPTIONS_JS)},
            }
            driver.execute_script(DARK_JS)   # the theme's own switch sets these two attributes
            found[page]["captions"]["dark"] = driver.execute_script(CAPTIONS_JS)
    finally:
        driver.quit()
    print(f"\nbytes transferred per page at {PHONE} px (uncompressed HTTP, cache off):")
    for page, m in found.items():
        print(f"  {m['bytes'] / 1e6:5.2f} MB  {page}")
    return found


def _quiet_transfers(driver, quiet: float = 1.0, limit: float = 30.0) -> list[list]:
    """The page's Resource Timing entries once no new one has come for ``quiet`` seconds."""
    start, last, since = time.monotonic(), -1, time.monotonic()
    while time.monotonic() - start < limit:
        entries = driver.execute_script(TRANSFERRED_JS)
        if len(entries) != last:
            last, since = len(entries), time.monotonic()
        elif time.monotonic() - since >= quiet:
            return entries
        time.sleep(0.2)
    return driver.execute_script(TRANSFERRED_JS)


# ---- the tests -----------------------------------------------------------------------

def test_every_page_draws_its_widgets(phone):
    missing = {page: m["widgets"] for page, m in phone.items() if m["widgets"]["drawn"] < m["widgets"]["views"]}
    assert not missing, f"widgets not drawn (saved views, drawn): {missing}"
    errors = {page: m["console"] for page, m in phone.items() if m["console"]}
    assert not errors, f"console errors: {errors}"


def test_every_graph_label_is_on_the_screen(phone):
    figures = sum(m["labels"]["figures"] for m in phone.values())
    assert figures >= 20, f"only {figures} SVG graph figures in both editions: is the selector still right?"
    outside = {page: m["labels"]["outside"] for page, m in phone.items() if m["labels"]["outside"]}
    assert not outside, f"graph labels outside a {PHONE} px screen (figure, label, left, right):\n" + \
        "\n".join(f"{page}: {row}" for page, rows in outside.items() for row in rows)


def test_nothing_is_cut_off_without_a_scroll_cue(phone):
    formulas = sum(m["cut_off"]["counts"].get("formula", 0) for m in phone.values())
    tables = sum(m["cut_off"]["counts"].get("table", 0) for m in phone.values())
    assert formulas >= 500 and tables >= 10, f"{formulas} formulas and {tables} tables seen: is the selector still right?"
    problems = {page: m["cut_off"]["problems"] for page, m in phone.items() if m["cut_off"]["problems"]}
    assert not problems, f"cut off at {PHONE} px (what, why, its text, left, right):\n" + \
        "\n".join(f"{page}: {row}" for page, rows in problems.items() for row in rows)


def test_plots_are_vector_or_twice_their_pixels(phone):
    plots = [(page, p) for page, m in phone.items() for p in m["plots"]]
    assert all(isinstance(m["plots"], list) for m in phone.values()), \
        {page: m["plots"] for page, m in phone.items() if not isinstance(m["plots"], list)}
    assert len(plots) >= 8, f"only {len(plots)} plots in both editions"
    blurry = [(page, src, natural, round(shown)) for page, (src, vector, natural, shown, _) in plots
              if not vector and natural < 2 * shown - 1]
    assert not blurry, f"raster plots with fewer than twice the pixels they are shown with " \
                       f"(page, image, pixels, shown px): {blurry}"


def test_no_plot_text_is_under_9_px(phone):
    measured = [(page, src, smallest) for page, m in phone.items()
                for src, vector, _, _, smallest in m["plots"] if smallest is not None]
    assert len(measured) >= 8, f"the text of only {len(measured)} plots was measured"
    small = [(page, src, round(px, 1)) for page, src, px in measured if px < MIN_PLOT_TEXT_PX - 0.05]
    assert not small, f"plot text under {MIN_PLOT_TEXT_PX} px at {PHONE} px (page, plot, smallest px): {small}"


def test_captions_are_readable_in_both_colour_modes(phone):
    seen = sum(m["captions"]["dark"]["seen"] for m in phone.values())
    assert seen >= 30, f"only {seen} caption texts seen: is the selector still right?"
    faint = {(page, mode): m["captions"][mode]["faint"] for page, m in phone.items()
             for mode in ("light", "dark") if m["captions"][mode]["faint"]}
    assert not faint, "captions with contrast under 4.5 (text, colour, background, contrast):\n" + \
        "\n".join(f"{page} ({mode}): {row}" for (page, mode), rows in faint.items() for row in rows)


def test_every_page_transfers_under_the_budget(phone):
    heavy = {page: (m["bytes"], m["largest"]) for page, m in phone.items() if m["bytes"] >= PAGE_BUDGET}
    assert not heavy, f"pages over {PAGE_BUDGET / 1e6} MB transferred (bytes, largest requests):\n" + \
        "\n".join(f"{page}: {size / 1e6:.2f} MB, {largest}" for page, (size, largest) in heavy.items())
    assert all(m["bytes"] > 50_000 for m in phone.values()), "a page transferred almost nothing: is it measured?"
