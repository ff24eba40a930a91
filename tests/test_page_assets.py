"""What the pages load, kept to what they use: the build's extensions one by one, then the
built book (the bytes themselves are measured in the browser: test_browser_pages.py).

- static_math: formulas typeset at build time by MathJax under node; Sphinx's own
  composition of a displayed equation; a TeX error is an error;
- plot_style: text sizes read from matplotlib's SVG, the width that keeps them at 9 px,
  the kernels' plot configuration;
- widget_host: the widgets the book's host draws, and the ones it refuses;
- page_assets: FontAwesome's script taken out of the theme's head;
- the built pages: no MathJax, widget manager, require.js or FontAwesome script, every
  formula typeset, every plot an SVG with its phone width.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from booktools import page_assets, plot_style, static_math, widget_host
from booktools.vendor import PLOT_FONT, SUBDIR

ROOT = Path(__file__).resolve().parents[1]


# ---- static_math ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def typesetter(vendored):
    t = static_math.Typesetter(vendored / static_math.MATHJAX_DIR)
    yield t
    t.close()


def test_formulas_are_typeset_as_mathjax_html_with_assistive_mathml(typesetter):
    html = typesetter.html(r"\frac{\partial L}{\partial x} = \sum_i y_i", True)
    assert html.startswith('<mjx-container class="MathJax" jax="CHTML" display="true"')
    assert "<mjx-assistive-mml" in html and "<mfrac>" in html   # what screen readers read
    inline = typesetter.html("x^2", False)
    assert 'display="true"' not in inline
    css = typesetter.stylesheet()
    assert "mjx-container" in css and "MathJax_Main" in css and static_math.FONT_URL in css


def test_a_tex_error_or_an_unknown_macro_is_an_error(typesetter):
    for tex, message in ((r"\frac{1}{", "Missing close brace"), (r"\nosuchmacro x", "Undefined control sequence")):
        with pytest.raises(static_math.MathError, match=message):
            typesetter.html(tex, False)
    assert "<mjx-container" in typesetter.html("y", False), "an error stopped the typesetter"


def test_extensions_load_on_demand(typesetter):
    assert "<mjx-container" in typesetter.html(r"\boldsymbol{x} \cancel{y}", False)


def test_displayed_equations_are_composed_as_sphinx_composes_them():
    from docutils import nodes

    def block(text, nowrap=False):
        node = nodes.math_block(text, text)
        node["nowrap"] = nowrap
        return node

    assert static_math.display_tex(block("a = b")) == "a = b"
    assert static_math.display_tex(block(r"a \\ b")) == r"\begin{split}a \\ b\end{split}"
    assert static_math.display_tex(block("a = b\n\nc = d")) == \
        r"\begin{align}\begin{aligned}a = b\\c = d\end{aligned}\end{align}"
    assert static_math.display_tex(block(r"\begin{align}a\end{align}", nowrap=True)) == r"\begin{align}a\end{align}"


def test_a_missing_mathjax_says_how_to_fetch_it(tmp_path):
    with pytest.raises(static_math.MathError, match="make vendor"):
        static_math.Typesetter(tmp_path)


# ---- plot_style ----------------------------------------------------------------------

def plot_svg(width_in: float, size: float, fonttype: str = "path") -> str:
    import matplotlib
    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"svg.fonttype": fonttype, "font.size": size}):
        fig, ax = plt.subplots(figsize=(width_in, 3))
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("step")
        out = io.StringIO()
        fig.savefig(out, format="svg")
        plt.close(fig)
    return out.getvalue()


@pytest.mark.parametrize("fonttype", ["path", "none"])
def test_text_sizes_are_read_from_matplotlibs_svg(fonttype):
    width, sizes = plot_style.svg_text_sizes(plot_svg(5, 11, fonttype))
    assert width == pytest.approx(5 * 72)
    assert sizes and min(sizes) == pytest.approx(11) and max(sizes) == pytest.approx(11)
    # a plot 5 in (360 pt) wide with 11 pt text keeps 9 px text down to 360 * 9 / 11 px
    assert plot_style.min_width_px(plot_svg(5, 11, fonttype)) == pytest.approx(360 * 9 / 11)


def test_an_svg_that_is_not_a_matplotlib_plot_has_no_phone_width():
    assert plot_style.min_width_px('<svg width="100pt"><text style="font: 5px sans">x</text></svg>') is None


def test_the_book_style_fits_a_phone_at_its_default_size():
    """The default figure, shrunk to a 390 px phone's text column (358 px), keeps 9 px text."""
    width_pt = plot_style.RC["figure.figsize"][0] * 72
    smallest = min(v for k, v in plot_style.RC.items() if k.endswith("size") and not isinstance(v, list))
    assert smallest * 358 / width_pt >= plot_style.MIN_TEXT_PX


def test_the_kernels_draw_svg_in_the_book_style_and_hangul_in_the_korean_face():
    """The kernel configuration plot_style writes, run as IPython runs it: a Korean title
    is drawn with Noto Sans KR's outlines, not matplotlib's last-resort empty boxes."""
    import matplotlib
    import matplotlib.pyplot as plt
    from traitlets.config import Config

    font = ROOT / "book" / "_vendor" / SUBDIR / PLOT_FONT
    assert font.is_file(), f"{font} is missing: run make vendor"
    config = Config()
    exec(compile(plot_style.kernel_config(font), "ipython_kernel_config.py", "exec"), {"c": config})
    assert set(config.InlineBackend.figure_formats) == {"svg"}
    assert config.InlineBackend.rc["font.size"] == plot_style.RC["font.size"]
    for line in config.InteractiveShellApp.exec_lines:
        exec(line, {})
    with matplotlib.rc_context(config.InlineBackend.rc):
        fig, ax = plt.subplots()
        ax.set_title("역전파 (backpropagation)")
        out = io.StringIO()
        fig.savefig(out, format="svg")
        plt.close(fig)
    svg = out.getvalue()
    assert "LastResort" not in svg
    assert 'id="NotoSansKR-Regular-' in svg and 'id="DejaVuSans-' in svg


# ---- widget_host and page_assets -----------------------------------------------------

def test_the_host_draws_anywidget_and_html_widgets_and_refuses_others():
    book = [{"model_module": "anywidget", "model_name": "AnyModel"},
            {"model_module": "@jupyter-widgets/base", "model_name": "LayoutModel"},
            {"model_module": "@jupyter-widgets/controls", "model_name": "HTMLModel"},
            {"model_module": "@jupyter-widgets/controls", "model_name": "HTMLStyleModel"}]
    assert widget_host.unsupported(book) == []
    slider = {"model_module": "@jupyter-widgets/controls", "model_name": "IntSliderModel"}
    assert widget_host.unsupported([*book, slider]) == ["@jupyter-widgets/controls.IntSliderModel"]


def test_fontawesomes_script_is_taken_out_and_nothing_else():
    head = ('<link href="_static/styles/theme.css" rel="stylesheet" />\n'
            '<script defer src="../_static/scripts/fontawesome.js?digest=55c2"></script>\n'
            '<link rel="preload" as="script" href="../_static/scripts/bootstrap.js?digest=55c2" />')
    out = page_assets.without_script(head, "_static/scripts/fontawesome.js")
    assert "fontawesome" not in out and "theme.css" in out and "bootstrap.js" in out


# ---- the built book ------------------------------------------------------------------

@pytest.fixture(scope="module")
def book_html(request) -> Path:
    given = os.environ.get("BACKPROP_BOOK_HTML")
    return Path(given) if given else request.getfixturevalue("built_book")


def built_pages(book: Path) -> list[Path]:
    return [p for p in book.rglob("*.html") if not {"_static", "_sources", "_images"} & set(p.relative_to(book).parts)]


@pytest.mark.book
def test_no_page_loads_what_the_book_no_longer_needs(book_html):
    pages = built_pages(book_html)
    assert len(pages) >= 20
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for script in ("fontawesome.js", "embed-amd.js", "require.js", "tex-mml-chtml.js", "mathjax@"):
            assert script not in text, f"{page.relative_to(book_html)} loads {script}"


@pytest.mark.book
def test_every_formula_is_typeset_when_the_book_builds(book_html):
    formulas = 0
    for page in built_pages(book_html):
        text = page.read_text(encoding="utf-8")
        spans = re.findall(r'<(span|div) class="math notranslate nohighlight"[^>]*>(.*?)</\1>', text, flags=re.S)
        formulas += len(spans)
        raw = [body[:80] for _, body in spans if "<mjx-container" not in body]
        assert not raw, f"{page.relative_to(book_html)}: formulas left as TeX: {raw}"
        if spans:
            assert "_static/math.css" in text, f"{page.relative_to(book_html)} lacks math.css"
    assert formulas >= 500, f"only {formulas} formulas in the built book"
    assert (book_html / "_static" / "math.css").is_file() and (book_html / "ko" / "_static" / "math.css").is_file()


@pytest.mark.book
def test_every_plot_is_an_svg_with_its_phone_width(book_html):
    plots = []
    for page in built_pages(book_html):
        text = page.read_text(encoding="utf-8")
        article = text[text.find("<article"):text.find("</article>")]
        plots += [(page, img) for img in re.findall(r"<img\b[^>]*>", article)]
    assert len(plots) >= 8, f"only {len(plots)} images in the articles of both editions"
    raster = [(p.name, img[:100]) for p, img in plots if not re.search(r'src="[^"]+\.svg"', img)]
    assert not raster, f"plots that are not SVG: {raster}"
    assert all("--bp-min-width" in img for _, img in plots), "an SVG plot without its phone width"
