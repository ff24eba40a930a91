"""The book's graph figures and widgets as a reader sees them, at 390 px (a phone) and 1280 px.

In Debian's headless Chromium, on every chapter page of both editions of the built book:

- every graph figure shows every node and label inside the screen and inside its box, with
  no sideways scrolling, and its smallest text at 9 px or more; on a phone the figures
  whose drawing would not fit are drawn top to bottom;
- every captioned graph figure is numbered like the plots ("Fig. N"), and a caption stays
  readable (contrast 4.5:1 or more against what is behind it) in the light and the dark
  theme, where the drawing keeps its white card;
- every gradient-flow widget whose drawing would not fit draws the graph top to bottom,
  and at every step the lit node and edges are inside the visible part of the stage (the
  Softmax-with-Loss widget reaches L); its number boxes show rounded values that fit;
- the fork's figure and widget write the sum at x (5 + 1 = 6), and the Korean edition's
  widgets speak Korean.

Browser set-up and the offline page server are test_browser_widget's; test_browser_layout
waits for MathJax. Under CI a missing browser fails the test.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = [pytest.mark.book, pytest.mark.browser]

HERE = Path(__file__).resolve().parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


widgets = _load("test_browser_widget")
layout = _load("test_browser_layout")

book_html = widgets.book_html
site = widgets.site
browser = layout.browser

PHONE, DESKTOP = 390, 1280
MIN_TEXT = 9.0   # px

# Each static graph figure: where its texts are, against the screen and its own box.
FIGURES_JS = """
const screen = document.documentElement.clientWidth;
return [...document.querySelectorAll('article svg.bp-graph')]
  .filter((svg) => !svg.closest('.bp-flow') && svg.getBoundingClientRect().width > 0)
  .map((svg) => {
    const box = svg.parentElement;                       // the drawing's scroll box
    const figure = svg.closest('figure');
    const view = svg.viewBox.baseVal;
    const scale = svg.getBoundingClientRect().width / view.width;
    const texts = [...svg.querySelectorAll('text')].map((t) => {
      const r = t.getBoundingClientRect();
      return [t.textContent, r.left, r.right, Number(t.getAttribute('font-size')) * scale];
    });
    const b = box.getBoundingClientRect();
    return {label: svg.getAttribute('aria-label'), layout: box.className, screen,
            boxLeft: b.left, boxRight: b.right, scrolls: box.scrollWidth > box.clientWidth + 1,
            numbered: !!(figure && figure.querySelector('.caption-number')),
            captioned: !!(figure && figure.querySelector('figcaption')), texts};
  });
"""


def pages(book: Path) -> list[str]:
    """Every chapter page of both editions (the Korean one under ko/)."""
    return sorted(str(p.relative_to(book)) for folder in (book / "book", book / "ko" / "book")
                  for p in folder.glob("*.html"))


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_graph_figures_show_every_label_on_screen(book_html, site, browser, width):
    problems, seen, numbered, phone = [], 0, 0, 0
    for page in pages(book_html):
        layout.load(browser, f"{site}/{page}", width)
        for fig in browser.execute_script(FIGURES_JS):
            seen += 1
            numbered += fig["numbered"]
            phone += "bp-narrow" in fig["layout"]
            where = f"{page} {fig['label']!r} at {width} px"
            if fig["scrolls"]:
                problems.append(f"{where}: the drawing scrolls sideways")
            for text, left, right, size in fig["texts"]:
                if left < -0.5 or right > fig["screen"] + 0.5:
                    problems.append(f"{where}: {text!r} lies outside the screen ({left:.0f}..{right:.0f} px)")
                elif left < fig["boxLeft"] - 0.5 or right > fig["boxRight"] + 0.5:
                    problems.append(f"{where}: {text!r} lies outside its figure")
                if size < MIN_TEXT:
                    problems.append(f"{where}: {text!r} is {size:.1f} px high")
            if fig["captioned"] and not fig["numbered"]:
                problems.append(f"{where}: a captioned figure without a number")
    assert seen >= 10, f"only {seen} graph figures found at {width} px"
    if width == PHONE:
        assert phone >= 3, f"only {phone} figures drawn top to bottom on a phone"
    assert not problems, "\n".join(problems)
    print(f"\n{seen} graph figures at {width} px, {numbered} numbered, {phone} drawn for a phone")


CONTRAST_JS = """
const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
const behind = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = parse(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
  }
  return [255, 255, 255];
};
const lum = ([r, g, b]) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
return [...document.querySelectorAll('article figure')]
  .filter((f) => f.querySelector('svg.bp-graph') && f.getBoundingClientRect().width > 0)
  .map((f) => {
    const cap = f.querySelector('figcaption .caption-text') || f.querySelector('figcaption');
    const svg = [...f.querySelectorAll('svg.bp-graph')].find((s) => s.getBoundingClientRect().width > 0);
    return {caption: cap ? cap.textContent.slice(0, 40) : null,
            contrast: cap ? ratio(parse(getComputedStyle(cap).color), behind(cap)) : null,
            paper: behind(svg)};
  });
"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_captions_read_in_both_themes(book_html, site, browser, theme):
    problems, seen = [], 0
    for page in pages(book_html):
        layout.load(browser, f"{site}/{page}", DESKTOP)
        browser.execute_script("document.documentElement.dataset.theme = arguments[0];"
                               "document.documentElement.dataset.mode = arguments[0];", theme)
        for fig in browser.execute_script(CONTRAST_JS):
            seen += 1
            if fig["caption"] is not None and fig["contrast"] < 4.5:
                problems.append(f"{page} {fig['caption']!r}: caption contrast {fig['contrast']:.1f}:1")
            if min(fig["paper"]) < 240:
                problems.append(f"{page} {fig['caption']!r}: the drawing sits on {fig['paper']}, not white")
    assert seen >= 10
    assert not problems, "\n".join(problems)


# Every widget of the page: its layout, its boxes, and (stepping through it) where the lit parts are.
STEP_ALL_JS = """
const done = arguments[arguments.length - 1];
const out = [];
const roots = [...document.querySelectorAll('.bp-flow')];
// What must be in view at a step: the lit node, else a single lit edge (the seed on the
// output edge, an input's one edge); the first step lights every input's edge at once.
const hidden = (stage) => {
  const s = stage.getBoundingClientRect();
  const node = stage.querySelector('circle.bp-active');
  const lines = stage.querySelectorAll('line.bp-active');
  const el = node || (lines.length === 1 ? lines[0] : null);
  if (!el) return false;
  const r = el.getBoundingClientRect();
  return r.left < s.left - 1 || r.right > s.right + 1 || r.top < s.top - 1 || r.bottom > s.bottom + 1;
};
const next = (i) => {
  if (i >= roots.length) { done(out); return; }
  const root = roots[i];
  root.scrollIntoView();
  root.querySelector('button.bp-reset').click();
  const stage = root.querySelector('.bp-flow-graph');
  const svg = stage.querySelector('svg');
  const boxes = [...root.querySelectorAll('.bp-flow-inputs input')].map(
    (b) => [b.value, b.scrollWidth <= b.clientWidth + 1]);
  const info = {title: svg.getAttribute('aria-label'), layout: stage.dataset.layout,
                stageWidth: stage.clientWidth, svgWidth: svg.getBoundingClientRect().width,
                boxes, hidden: [], steps: 0, lastKind: null, sawOutput: false};
  const fwd = root.querySelector('button.bp-forward');
  const step = () => {
    if (fwd.disabled) { info.lastKind = stage.dataset.kind; out.push(info); next(i + 1); return; }
    fwd.click();
    info.steps += 1;
    if (hidden(stage)) info.hidden.push([info.steps, root.querySelector('.bp-flow-caption').textContent]);
    if (stage.dataset.kind === 'seed') info.sawOutput = true;
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
};
next(0);
"""


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_widgets_fit_and_follow_the_active_node(book_html, site, browser, width):
    browser.set_script_timeout(120)
    problems, seen = [], []
    for page in pages(book_html):
        if not widgets.widget_graph_titles(book_html / page):
            continue
        layout.load(browser, f"{site}/{page}", width, 844)
        widgets.wait_until(browser, lambda d: d.execute_script(
            "return [...document.querySelectorAll('.bp-flow')].every((r) => r.querySelector('.bp-flow-graph svg'))"),
            f"{page}: not every widget drew its graph")
        for w in browser.execute_async_script(STEP_ALL_JS):
            seen.append(w["title"])
            where = f"{page} {w['title']!r} at {width} px"
            for step, caption in w["hidden"]:
                problems.append(f"{where}: at step {step} the lit node is out of view ({caption[:60]})")
            if width == PHONE and w["svgWidth"] > w["stageWidth"] + 1 and w["layout"] != "phone":
                problems.append(f"{where}: {w['svgWidth']:.0f} px wide in a {w['stageWidth']} px stage, "
                                f"not drawn top to bottom")
            if width == DESKTOP and w["layout"] != "wide":
                problems.append(f"{where}: drawn top to bottom on a wide screen")
            for value, fits in w["boxes"]:
                if len(value) > 8 or not fits:
                    problems.append(f"{where}: a number box shows {value!r}")
            if w["lastKind"] != "input":
                problems.append(f"{where}: the last step is {w['lastKind']!r}, not an input's")
    assert len(seen) >= 6, f"only {len(seen)} widgets found: {seen}"
    assert "Softmax-with-Loss for 3 classes" in seen
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("title, want", [
    # f = x·y + x at x = 3, y = 5: x receives y·1 = 5 through the product and 1 straight from the sum
    ("f = x·y + x", f"{5.0 * 1:g} + {1:g} = {5.0 * 1 + 1:g}"),
    # f = (x + y)·x at x = 2, y = 3: x receives x = 2 through the sum and x + y = 5 straight
    # from the product, in the order of x's edges
    ("f = (x + y)·x", f"{2.0:g} + {2.0 + 3.0:g} = {2.0 + (2.0 + 3.0):g}"),
])
def test_the_fork_figure_and_widget_write_the_sum_at_x(book_html, title, want):
    """Chapter 2's two forks: the static figure and the widget's last frames write x's sum at x."""
    import re

    page = book_html / "book" / "ch2_chain_rule.html"
    html = page.read_text(encoding="utf-8")
    figures = re.findall(rf'<svg [^>]*aria-label="{re.escape(title)}".*?</svg>', html, flags=re.S)
    assert figures and all(f">{want}</text>" in f for f in figures), f"no figure of {title} writes {want!r}"
    fork = [state for name, state in widgets.widget_models(page) if name == title]
    assert fork, f"chapter 2 has no widget of {title}"
    frames = fork[0]["frames"]
    assert f">{want}</text>" in frames[-1]["svg"] and f">{want}</text>" not in frames[-3]["svg"]
    assert frames[-2]["kind"] == "input" and want in frames[-2]["caption"]


def test_the_korean_edition_widgets_speak_korean(book_html, site, browser):
    """The Korean edition's shopping widget: Korean buttons, and the Korean caption of each step."""
    from backprop import messages
    from backprop.graph.book import apple_orange_graph

    messages.install("ko")
    try:
        steps = apple_orange_graph().steps()
        play = messages.text("flow.play")
    finally:
        messages.install(None)
    page = book_html / "ko" / "book" / "ch3_nodes.html"
    assert page.is_file(), "the build made no Korean edition"
    url = f"{site}/ko/book/ch3_nodes.html"
    widget = widgets.open_widget(browser, url, messages_title("graph.apple_orange.title"))
    assert widget.find("button.bp-play").text == play == "▶ 재생"
    for k in (1, len(steps)):
        while widget.stage()["step"] < k:
            widget.click("bp-forward")
        assert widget.stage()["caption"] == steps[k - 1].caption
    assert "입력 tax의 기울기" in widget.stage()["caption"]


def messages_title(key: str) -> str:
    from backprop import messages

    messages.install("ko")
    try:
        return messages.text(key)
    finally:
        messages.install(None)
