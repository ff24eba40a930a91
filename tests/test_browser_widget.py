"""Browser tests of the gradient-flow widget in the built, offline book.

The built book is served from 127.0.0.1 and opened in Debian's headless
Chromium (driven by selenium, pinned in requirements.txt; given both paths it
never downloads a browser). Every other host is blocked three ways: DNS maps
every name to "not found", all other traffic goes to a proxy on a dead port,
and the performance log records every request so the test fails on any that
would leave the machine. When CI is set, a missing browser, driver or selenium
fails the test instead of skipping it.

The expected numbers (715, then 2.2, 110, 3.3, 165 and 650, and the × tax node's
local derivatives 1.1 and 650) are the textbook's apples-and-oranges example
(chapter 3's widget; chapter 1 draws its apple graph as two figures and replays
nothing), not values read from the code under test. The captions must be the graph
model's own (backprop.graph.book.apple_orange_graph().steps()): the page has to show the model's
words at the right step. The speed control is checked through the delay the
widget asks setInterval for, not by timing the animation. Screenshots go to
artifacts/ (or $ARTIFACTS_DIR). BACKPROP_BOOK_HTML=<built html folder> reuses a
book built earlier instead of building it again (for working on these tests).
"""


from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import socket
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def missing(what: str) -> None:
    """Fail under CI (a missing browser there is a broken machine), skip elsewhere."""
    message = (f"{what}; install it (`make system-deps` installs Debian's chromium and "
               f"chromium-driver, `pip install -r requirements.txt` installs selenium)")
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def artifacts_dir() -> Path:
    out = Path(os.environ.get("ARTIFACTS_DIR") or ROOT / "artifacts")
    out.mkdir(parents=True, exist_ok=True)
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):   # keep the test log for test output
        pass

    def do_GET(self):
        # Chromium asks every site for /favicon.ico by itself; the book has none,
        # and a 404 there would be the browser's console error, not the page's.
        if self.path == "/favicon.ico":
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()


@contextmanager
def serve(directory: Path):
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _dead_port() -> int:
    """A loopback port nobody listens on (bound, then closed): the proxy for every other host."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_driver(env: dict[str, str] | None = None):
    """A headless Chromium that can reach 127.0.0.1 only, logging console and network.

    ``env``: the environment of chromedriver and so of the browser (e.g. FONTCONFIG_FILE)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium is not installed")
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).is_file() and os.access(path, os.X_OK)) and not shutil.which(path):
            missing(f"{path} was not found")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-default-apps", "--disable-sync", "--no-first-run",
                "--disable-features=OptimizationHints,MediaRouter,Translate",
                "--window-size=1200,900",
                '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
                f"--proxy-server=http://127.0.0.1:{_dead_port()}",
                "--proxy-bypass-list=127.0.0.1;localhost"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(executable_path=CHROMEDRIVER, env=env)
    return webdriver.Chrome(service=service, options=opts)


def requested_urls(driver) -> list[str]:
    """URLs the page asked for since the last call (from the performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def external(urls: list[str]) -> list[str]:
    """The URLs that would leave the machine (data: and blob: URLs never do)."""
    out = []
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about", "chrome", "devtools"):
            continue
        if parsed.hostname not in LOCAL_HOSTS:
            out.append(url)
    return out


def console_errors(driver) -> list[str]:
    return [f"{e['level']}: {e['message']}" for e in driver.get_log("browser") if e["level"] == "SEVERE"]


# ---------------------------------------------------------------------------
# the book under test

RED = "#c62828"          # backprop.figures.svg's gradient colour
SHOPPING = "Buying apples and oranges"   # chapter 3's widget of the textbook's second shopping graph
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PAGE_LIMIT = 3 * 1024 * 1024


@pytest.fixture(scope="module")
def book_html(request) -> Path:
    given = os.environ.get("BACKPROP_BOOK_HTML")
    if given:
        return Path(given)
    return request.getfixturevalue("built_book")


def widget_models(page: Path) -> list[tuple[str, dict]]:
    """(graph's accessible name, synced state) of each GradientFlow widget embedded in ``page``."""
    text = page.read_text(encoding="utf-8")
    start = text.find(f'type="{WIDGET_STATE}"')
    if start < 0:
        return []
    body = text[text.index(">", start) + 1:text.index("</script>", start)]
    state = json.loads(body)["state"]
    models = []
    for model in state.values():
        frames = model.get("state", {}).get("frames")
        if frames:
            svg = frames[0]["svg"]
            i = svg.index('aria-label="') + len('aria-label="')
            models.append((svg[i:svg.index('"', i)], model["state"]))
    return models


def widget_graph_titles(page: Path) -> list[str]:
    """The accessible names of the graphs of the GradientFlow widgets embedded in ``page``."""
    return [title for title, _ in widget_models(page)]


def page_with_graph(book: Path, title: str) -> Path:
    pages = sorted(p for p in book.rglob("*.html") if title in widget_graph_titles(p))
    assert pages, f"no page of the built book at {book} has a widget for the graph {title!r}"
    return pages[0]


@pytest.fixture(scope="module")
def browser():
    driver = make_driver()
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site(book_html):
    with serve(book_html) as base:
        yield base


def open_page(driver, url: str):
    """Load ``url`` and wait until its widget has drawn a graph; return the widget element."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("performance")
    driver.get_log("browser")
    driver.get(url)
    try:
        WebDriverWait(driver, 45).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".bp-flow .bp-flow-graph svg"))
    except Exception:
        raise AssertionError(
            f"no widget rendered on {url} within 45 s; console: {console_errors(driver)}; "
            f"external requests: {external(requested_urls(driver))}") from None
    return driver.find_element(By.CSS_SELECTOR, ".bp-flow")


def texts(widget, fill: str | None = None) -> list[str]:
    """Text of the graph's <text> elements (only those drawn in ``fill``, if given)."""
    from selenium.webdriver.common.by import By
    els = widget.find_elements(By.CSS_SELECTOR, ".bp-flow-graph svg text")
    return [e.get_attribute("textContent") for e in els
            if fill is None or (e.get_attribute("fill") or "").lower() == fill]


def svg_texts(svg: str, fill: str | None = None) -> list[str]:
    """The same from an SVG string made by Python (backprop.figures.svg.to_svg)."""
    import html
    import re
    out = []
    for attrs, body in re.findall(r"<text ([^>]*)>(.*?)</text>", svg):
        colour = re.search(r'fill="([^"]*)"', attrs)
        if fill is None or (colour and colour.group(1).lower() == fill):
            out.append(html.unescape(body))
    return out


def settled(driver, read, timeout: float = 30):
    """``read(driver)``, retried while the widget re-renders under it (stale or missing elements)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    result = []

    def attempt(d):
        result[:] = [read(d)]
        return True

    WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)
                  ).until(attempt)
    return result[0]


def wait_until(driver, condition, message: str, timeout: float = 30):
    """Wait for ``condition(driver)`` (re-evaluated after re-renders); fail with ``message``."""
    from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                            TimeoutException)
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        return WebDriverWait(driver, timeout, ignored_exceptions=(
            StaleElementReferenceException, NoSuchElementException)).until(condition)
    except TimeoutException:
        raise AssertionError(f"{message} (waited {timeout:g} s)") from None


class Widget:
    """The n-th GradientFlow widget of the page, found again for every read (the page re-renders it)."""

    def __init__(self, driver, index: int):
        self.driver, self.index = driver, index

    def element(self, driver=None):
        from selenium.webdriver.common.by import By
        return (driver or self.driver).find_elements(By.CSS_SELECTOR, ".bp-flow")[self.index]

    def find(self, css: str):
        from selenium.webdriver.common.by import By
        return settled(self.driver, lambda d: self.element(d).find_element(By.CSS_SELECTOR, css))

    def click(self, cls: str) -> None:
        """Click button ``cls``; a click on a node that was just replaced is tried again."""
        from selenium.common.exceptions import StaleElementReferenceException
        for _ in range(5):
            try:
                self.find(f"button.{cls}").click()
                return
            except StaleElementReferenceException:
                continue
        raise AssertionError(f"button {cls} kept being replaced while clicked")

    def texts(self, fill: str | None = None) -> list[str]:
        return settled(self.driver, lambda d: texts(self.element(d), fill))

    def stage(self) -> dict:
        return settled(self.driver, lambda d: stage(self.element(d)))

    def enabled(self, cls: str) -> bool:
        return settled(self.driver, lambda d: self.find(f"button.{cls}").is_enabled())

    def screenshot(self, path: Path) -> None:
        settled(self.driver, lambda d: self.element(d).screenshot(str(path)))


def open_widget(driver, url: str, title: str) -> Widget:
    """Load ``url``; return the widget whose graph is called ``title`` once it has drawn it."""
    from selenium.webdriver.common.by import By

    open_page(driver, url)

    def index(d):
        roots = d.find_elements(By.CSS_SELECTOR, ".bp-flow")
        hits = [i for i, r in enumerate(roots)
                if r.find_elements(By.CSS_SELECTOR, f'.bp-flow-graph svg[aria-label="{title}"]')]
        return hits[0] if hits else None

    i = wait_until(driver, lambda d: index(d) is not None and index(d) + 1,
                   f"no widget on {url} draws the graph {title!r}") - 1
    return Widget(driver, i)


def widget_on_page(book: Path, base: str, driver, title: str) -> tuple[str, Widget]:
    """The URL of the built page with the graph ``title``, opened, and that graph's widget."""
    page = page_with_graph(book, title)
    url = f"{base}/{page.relative_to(book).as_posix()}"
    return url, open_widget(driver, url, title)


def stage(widget) -> dict:
    from selenium.webdriver.common.by import By
    g = widget.find_element(By.CSS_SELECTOR, ".bp-flow-graph")
    desc = widget.find_element(By.CSS_SELECTOR, ".bp-flow-graph svg desc").get_attribute("textContent")
    return {"step": int(g.get_attribute("data-step")), "kind": g.get_attribute("data-kind"), "desc": desc,
            "caption": widget.find_element(By.CSS_SELECTOR, ".bp-flow-caption").text}


# ---------------------------------------------------------------------------
# tests

def assert_clean(browser, url: str) -> None:
    """The page at ``url`` logged no console error and asked no other host for anything."""
    errors = console_errors(browser)
    assert not errors, f"console errors on {url}: {errors}"
    outside = external(requested_urls(browser))
    assert not outside, f"{url} asked other hosts for: {outside}"


# Installed before play is pressed: records the delay of every setInterval and
# which of those timers are still running, so play, pause and speed are read
# from what the widget asked the browser for, not timed.
TIMER_SPY = """
    window.bpDelays = [];
    window.bpRunning = new Set();
    const realSet = window.setInterval.bind(window), realClear = window.clearInterval.bind(window);
    window.setInterval = (fn, ms, ...rest) => {
      window.bpDelays.push(ms);
      const id = realSet(fn, ms, ...rest);
      window.bpRunning.add(id);
      return id;
    };
    window.clearInterval = (id) => { window.bpRunning.delete(id); return realClear(id); };
"""


@pytest.mark.browser
def test_the_shopping_widget_plays_offline(book_html, site, browser):
    url, widget = widget_on_page(book_html, site, browser, SHOPPING)
    shots = artifacts_dir()
    widget.screenshot(shots / "widget-apple-start.png")
    # The graph model the page was built from: its captions and steps are what
    # the page must show, step by step (the numbers are checked against the textbook).
    from backprop.graph.book import apple_orange_graph
    steps = apple_orange_graph().steps()
    tax_step = next(i for i, s in enumerate(steps, 1) if s.kind == "backward" and s.node == "price")
    # The × tax node's local derivatives: tax (1.1) towards all_price, all_price (100·2 + 150·3 = 650)
    # towards tax.
    tax_label = "× 1.1 / × 650"

    start = widget.stage()
    assert start["step"] == 0
    assert "715" not in widget.texts(), "the output value shows before the forward pass ran"

    # Step forward through the whole forward pass.
    clicks = 0
    captions = [start["caption"]]
    while True:
        widget.click("bp-forward")
        clicks += 1
        now = widget.stage()
        assert now["step"] == clicks, f"step forward went to step {now['step']} after {clicks} clicks"
        assert now["caption"] == steps[clicks - 1].caption, (
            f"step {clicks}: the caption reads {now['caption']!r}, the graph model's step says "
            f"{steps[clicks - 1].caption!r}")
        captions.append(now["caption"])
        if now["kind"] != "forward" or clicks > 20:
            break
        last_forward = widget.texts()
        assert widget.texts(RED) == [], f"step {clicks} (forward) shows gradients: {widget.texts(RED)}"
    assert now["kind"] == "seed", f"after the forward pass came a {now['kind']!r} step"
    assert "715" in last_forward, f"the forward pass ended without 715 on the graph: {last_forward}"
    assert "price = 715" in now["desc"], now["desc"]
    # The seed is the only gradient before the backward pass: 1 on the output.
    assert widget.texts(RED) == ["1"], f"at the seed step the red texts are {widget.texts(RED)}"
    assert tax_label not in widget.texts(), "a local derivative shows before the backward pass"
    widget.screenshot(shots / "widget-apple-middle.png")

    # Then through the backward pass, to the end.
    while widget.enabled("bp-forward") and clicks < 40:
        widget.click("bp-forward")
        clicks += 1
        now = widget.stage()
        assert now["caption"] == steps[clicks - 1].caption, (
            f"step {clicks}: the caption reads {now['caption']!r}, the graph model's step says "
            f"{steps[clicks - 1].caption!r}")
        captions.append(now["caption"])
        if clicks == tax_step:
            red_here = widget.texts(RED)
            assert tax_label in red_here, (
                f"step {clicks} (backward through the × tax node) does not show its local derivatives "
                f"{tax_label!r}; red texts: {red_here}")
            assert "sends 1.1 to the all_price edge and 650 to the tax edge" in now["caption"]
            widget.screenshot(shots / "widget-apple-tax-backward.png")
    assert clicks == len(steps), f"the widget has {clicks} steps, the graph model {len(steps)}"
    assert all(a != b for a, b in zip(captions, captions[1:])), f"a step kept its caption: {captions}"
    red = widget.texts(RED)
    for want in ("2.2", "110", "3.3", "165", "650"):
        assert want in red, f"gradient {want} is not shown in red at the end; red texts: {red}"
    assert not widget.enabled("bp-forward"), "step forward is still enabled at the last step"
    widget.screenshot(shots / "widget-apple-end.png")

    # Step back and reset.
    widget.click("bp-back")
    assert widget.stage()["step"] == clicks - 1
    widget.click("bp-reset")
    assert widget.stage()["step"] == 0

    # Play advances by itself; pause stops every timer it started.
    browser.execute_script(TIMER_SPY)
    widget.click("bp-play")
    wait_until(browser, lambda d: widget.stage()["step"] >= 3, "play did not advance by itself to step 3")
    widget.click("bp-play")   # pause
    assert browser.execute_script("return window.bpRunning.size") == 0, "pause left the animation running"
    assert "bp-playing" not in settled(browser, lambda d: widget.element(d).get_attribute("class"))

    # The speed control sets the play interval: the widget's interval (ms per step
    # at 1×, read from the page's embedded widget state) divided by the speed.
    from selenium.webdriver.support.ui import Select
    page = page_with_graph(book_html, SHOPPING)
    interval = next(state for title, state in widget_models(page) if title == SHOPPING)["interval"]
    browser.execute_script("window.bpDelays = [];")
    widget.click("bp-reset")
    select = lambda value: settled(browser, lambda d: Select(widget.find("select.bp-speed")).select_by_value(value))
    select("1")
    widget.click("bp-play")
    select("4")                     # while playing: it goes on at the new speed
    widget.click("bp-play")         # pause
    select("0.5")                   # while paused: used by the next play
    widget.click("bp-play")
    widget.click("bp-play")
    delays = browser.execute_script("return window.bpDelays")
    assert delays == [interval, interval / 4, interval * 2], (
        f"with an interval of {interval} ms, playing at 1×, then 4×, then 0.5× asked for delays "
        f"{delays} ms")

    # The slider jumps anywhere.
    settled(browser, lambda d: d.execute_script(
        "arguments[0].value = arguments[0].max; arguments[0].dispatchEvent(new Event('input'))",
        widget.find("input.bp-slider")))
    assert widget.stage()["step"] == clicks

    assert_clean(browser, url)


@pytest.mark.browser
def test_softmax_step_render_time(book_html, site, browser):
    page = page_with_graph(book_html, "Softmax-with-Loss for 3 classes")
    url = f"{site}/{page.relative_to(book_html).as_posix()}"
    widget = open_page(browser, url)
    # Time from the click to the next painted frame, for every step of the largest graph.
    times = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const root = arguments[0];
        const fwd = root.querySelector('button.bp-forward');
        const out = [];
        function next() {
          if (fwd.disabled) { done(out); return; }
          const t0 = performance.now();
          fwd.click();
          root.querySelector('.bp-flow-graph svg').getBoundingClientRect();
          requestAnimationFrame(() => requestAnimationFrame(() => { out.push(performance.now() - t0); next(); }));
        }
        next();
    """, widget)
    assert len(times) >= 30, f"the Softmax-with-Loss widget replayed only {len(times)} steps"
    times.sort()
    print(f"\nSoftmax-with-Loss widget: {len(times)} steps; time to render one step "
          f"(click to painted frame): median {times[len(times) // 2]:.1f} ms, max {times[-1]:.1f} ms")
    assert "1" in texts(widget, RED)
    assert_clean(browser, url)


@pytest.mark.browser
def test_every_page_offline_and_small(book_html, site, browser):
    """Every built page is under 3 MB with its widget state, and none asks another host for anything."""
    pages = sorted(book_html.rglob("*.html"))
    assert pages
    sizes = {p.relative_to(book_html).as_posix(): p.stat().st_size for p in pages}
    big = {k: v for k, v in sizes.items() if v >= PAGE_LIMIT}
    assert not big, f"pages of 3 MB or more: {big}"
    print("\nlargest pages: " + ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in
                                          sorted(sizes.items(), key=lambda kv: -kv[1])[:3]))
    from selenium.webdriver.common.by import By
    widget_pages = [p for p in pages if widget_graph_titles(p)]
    for page in pages:
        if "_static" in page.parts or "_sources" in page.parts:
            continue
        url = f"{site}/{page.relative_to(book_html).as_posix()}"
        if page in widget_pages:
            open_page(browser, url)
            n_widgets = len(browser.find_elements(By.CSS_SELECTOR, ".bp-flow .bp-flow-graph svg"))
            assert n_widgets == len(widget_graph_titles(page)), f"{url}: not every widget rendered"
        else:
            browser.get_log("performance")
            browser.get_log("browser")
            browser.get(url)
        assert_clean(browser, url)


BAD_INPUT_PAGE = '''---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Bad input

```{code-cell} ipython3
from backprop.graph import Graph
from backprop.graph.nodes import Node
from backprop.widgets.gradient_flow import flow

g = Graph("cycle")
x = g.input("x", 1.0)
g.nodes["a"] = Node("a", "add", ("x", "b"))
g.nodes["b"] = Node("b", "add", ("a", "x"))
g.set_output("b")
flow(g)
```

```{code-cell} ipython3
w = flow("sigmoid")
w.set_inputs(x=-1000.0)   # exp(1000) overflows: the widget keeps its place and says why
w
```
'''


@pytest.fixture(scope="module")
def bad_input_book(tmp_path_factory) -> Path:
    """A one-page book built with the course's _config.yml, showing graphs that cannot be drawn."""
    import subprocess
    import sys

    from booktools.vendor import vendor

    vendor(ROOT / "book" / "_vendor", quiet=True)
    src = tmp_path_factory.mktemp("bad-input-book")
    (src / "book").mkdir()
    (src / "book" / "_vendor").symlink_to(ROOT / "book" / "_vendor", target_is_directory=True)
    (src / "_config.yml").write_text((ROOT / "_config.yml").read_text())
    (src / "references.bib").write_text((ROOT / "references.bib").read_text())   # its bibtex_bibfiles
    (src / "_toc.yml").write_text("format: jb-book\nroot: book/bad\n")
    (src / "book" / "bad.md").write_text(BAD_INPUT_PAGE)
    out = src / "out"
    proc = subprocess.run([str(Path(sys.executable).with_name("jupyter-book")), "build", str(src),
                           "--path-output", str(out), "--warningiserror", "--keep-going"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return out / "_build" / "html"


@pytest.mark.browser
def test_bad_input_shows_a_message_in_place_of_the_widget(bad_input_book, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with serve(bad_input_book) as base:
        browser.get_log("performance")
        browser.get_log("browser")
        browser.get(f"{base}/book/bad.html")
        WebDriverWait(browser, 45).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, ".bp-flow-error")) >= 2)
        messages = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".bp-flow-error")]
        artifacts = artifacts_dir()
        browser.save_screenshot(str(artifacts / "widget-bad-input.png"))
        errors = console_errors(browser)
        outside = external(requested_urls(browser))
    assert any("cycle" in m for m in messages), messages
    assert any("Cannot show the graph for these inputs" in m and "inf" in m for m in messages), messages
    assert not errors, f"console errors: {errors}"
    assert not outside, f"the page asked other hosts for: {outside}"


@pytest.mark.browser
def test_the_checks_would_see_an_external_request(book_html, site, browser):
    """The blocker and the request log work: a script asking a CDN is seen and never reaches it."""
    page = page_with_graph(book_html, SHOPPING)
    open_page(browser, f"{site}/{page.relative_to(book_html).as_posix()}")
    requested_urls(browser)
    console_errors(browser)
    probe = "https://cdn.jsdelivr.net/npm/probe@1.0.0/x.png"
    loaded = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const img = new Image();
        img.onload = () => done(true);
        img.onerror = () => done(false);
        img.src = arguments[0];
    """, probe)
    assert loaded is False, "a request to a CDN succeeded: the network is not blocked"
    seen: list[str] = []
    wait_until(browser, lambda d: seen.extend(external(requested_urls(d))) or probe in seen,
               "the request log never showed the blocked request")
    assert seen == [probe]
    errors: list[str] = []
    wait_until(browser, lambda d: errors.extend(console_errors(d)) or errors,
               "a failed load was not reported as a console error")
