"""The built book: every page built and executed, the build's settings, the seeds' numbers.

All tests share one build (the session fixture ``built_book`` in conftest.py).
Numbers are looked up in the rendered text next to the sentence that explains
them, so a number that turns up somewhere else on the page does not count.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parents[1]


def toc_pages() -> list[str]:
    """Document names from _toc.yml in reading order, e.g. 'book/intro'."""
    text = (ROOT / "_toc.yml").read_text()
    return re.findall(r"^\s*(?:root|- file):\s*(\S+)\s*$", text, flags=re.M)


def notebook_pages() -> list[str]:
    """The pages that are executed notebooks: the introduction, the chapters and their sections
    (not the glossary, a table drawn from a data file, nor a chapter's page of contents)."""
    return [doc for doc in toc_pages() if "kernelspec:" in (ROOT / f"{doc}.md").read_text(encoding="utf-8")]


def chapters() -> list[list[str]]:
    """Each chapter's pages in reading order: its own page, then its sections' pages (the
    glossary, which holds no notebook, is not a chapter)."""
    text = (ROOT / "_toc.yml").read_text()
    found: list[list[str]] = []
    for indent, doc in re.findall(r"^(\s*)- file:\s*(\S+)\s*$", text, flags=re.M):
        if indent == "  ":
            found.append([doc])
        else:
            found[-1].append(doc)
    notebooks = set(notebook_pages())
    return [pages for pages in found if notebooks & set(pages)]


def page_html(html_dir: Path, doc: str) -> str:
    return (html_dir / f"{doc}.html").read_text(encoding="utf-8")


def _main(page: str) -> str:
    """The article body: navigation, search index and scripts left out."""
    start = page.find('<article class="bd-article"')
    end = page.find("</article>", start)
    body = page[start:end] if start >= 0 and end > start else page
    return re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)


def visible_text(page: str, *, include_svg: bool = False) -> str:
    """The article's text with tags removed and whitespace collapsed."""
    body = _main(page)
    if not include_svg:
        body = re.sub(r"<svg\b.*?</svg>", " ", body, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return re.sub(r"\s+", " ", text)


def inline_svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", _main(page), flags=re.S)


def svg_text(svg: str) -> str:
    """The text an SVG shows (its <text>/<tspan> content), whitespace collapsed."""
    parts = re.findall(r"<text\b[^>]*>(.*?)</text>", svg, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", " ".join(parts))))


def figure_by_caption(page: str, caption: str) -> str:
    """The article's <figure> whose caption holds ``caption``."""
    for fig in re.findall(r"<figure\b.*?</figure>", _main(page), flags=re.S):
        if caption in visible_text('<article class="bd-article">' + fig + "</article>"):
            return fig
    raise AssertionError(f"no figure captioned {caption!r}")


GRADIENT_RED = "#c62828"   # the colour the graph figures write gradients in


def red_texts(figure: str) -> list[str]:
    """What the first drawing of a figure (the wide one, where a phone gets its own) writes
    in red: its gradients, and the sums at forks."""
    svg = re.search(r"<svg\b.*?</svg>", figure, flags=re.S)
    assert svg, "the figure holds no SVG drawing"
    return [html.unescape(t) for t in
            re.findall(r'<text\b[^>]*fill="' + GRADIENT_RED + r'"[^>]*>([^<]*)</text>', svg.group(0))]


def red_labels(figure: str) -> list[float]:
    """The single numbers a graph figure writes in red (its gradients), sorted."""
    return sorted(float(t) for t in red_texts(figure) if re.fullmatch(r"-?[\d.]+(?:e[+-]?\d+)?", t))


def korean_terms(page: str, terms: list[str]) -> tuple[list[str], list[str]]:
    """(terms that no lang="ko" span of the article holds, Hangul standing outside such spans).

    The English edition gives each Korean term beside the English one in a
    ``<span lang="ko">``, so that browsers, screen readers and search treat it as Korean.
    """
    body = re.sub(r"<svg\b.*?</svg>", " ", _main(page), flags=re.S)
    spans = re.findall(r'<span lang="ko">(.*?)</span>', body)
    missing = [t for t in terms if t not in spans]
    rest = re.sub(r'<span lang="ko">.*?</span>', " ", body)
    loose = [rest[max(0, m.start() - 40):m.end() + 10] for m in re.finditer(r"[\uac00-\ud7a3]+", rest)]
    return missing, loose


def test_the_korean_check_sees_a_term_outside_its_span():
    page = ('<article class="bd-article"><p>the <b>chain rule</b> (<span lang="ko">연쇄법칙</span>) '
            "and the fork (분기)</p></article>")
    missing, loose = korean_terms(page, ["연쇄법칙", "분기"])
    assert missing == ["분기"] and len(loose) == 1 and "분기" in loose[0], (missing, loose)


def test_the_figure_checks_find_a_caption_and_its_red_numbers():
    page = ('<article class="bd-article"><figure><svg><text fill="#222">3</text>'
            '<text x="1" fill="#c62828" font-weight="600">-8</text>'
            '<text x="2" fill="#c62828">5 + 1 = 6</text></svg>'
            '<svg><text fill="#c62828">-8</text></svg>'
            "<figcaption>The circuit.</figcaption></figure></article>")
    assert red_labels(figure_by_caption(page, "The circuit")) == [-8.0]
    assert red_texts(figure_by_caption(page, "The circuit")) == ["-8", "5 + 1 = 6"]
    with pytest.raises(AssertionError, match="no figure captioned"):
        figure_by_caption(page, "The apples")


def number_pattern(number: str) -> str:
    """Regex for `number` as a whole token: '2.2' matches '2.2' but not '12.2' or '2.25'."""
    return r"(?<![\d.])" + re.escape(number) + r"(?![\d])"


def numbers_after(text: str, context: str, numbers: list[str], window: int = 400) -> str | None:
    """Check that `numbers` appear, in order, within `window` characters after `context`.

    Tries every occurrence of `context`; returns None on success, else a
    message quoting the text that was searched.
    """
    starts = [m.end() for m in re.finditer(re.escape(context), text)]
    if not starts:
        return f"context {context!r} not found in the page"
    for start in starts:
        segment = text[start:start + window]
        pos = 0
        for number in numbers:
            m = re.search(number_pattern(number), segment[pos:])
            if m is None:
                break
            pos += m.end()
        else:
            return None
    return (f"{numbers} not found in order within {window} characters after {context!r}; "
            f"text there: {text[starts[0]:starts[0] + window]!r}")


# ---- every page built and executed -------------------------------------------------

def test_every_toc_page_is_built(built_book):
    pages = toc_pages()
    assert pages[0] == "book/intro" and len(pages) == 13, pages
    assert notebook_pages()[-1] == "book/ch6_autograd" and pages[-2:] == ["book/glossary", "book/references"], pages
    assert ["book/ch3_layers", "book/ch3_nodes", "book/ch3_activations", "book/ch3_affine"] in chapters()
    missing = [doc for doc in pages if not (built_book / f"{doc}.html").is_file()]
    assert not missing, f"pages in _toc.yml without HTML: {missing}"


def test_every_code_cell_executed_without_errors(built_book):
    executed = built_book.parent / "jupyter_execute"
    for doc in notebook_pages():
        nb_path = executed / f"{doc}.ipynb"
        assert nb_path.is_file(), f"{doc} was not executed during the build (no {nb_path.name})"
        cells = [c for c in json.loads(nb_path.read_text())["cells"] if c["cell_type"] == "code"]
        assert cells, f"{doc} has no code cells: its numbers cannot have been computed"
        for i, cell in enumerate(cells):
            assert cell.get("execution_count") is not None, f"{doc}: code cell {i} never ran"
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            assert not errors, f"{doc}: code cell {i} raised {errors[0].get('ename')}"
        page = page_html(built_book, doc)
        assert "Traceback (most recent call last)" not in page, f"{doc} shows a traceback"


def error_widget_marker() -> str:
    """The words every error widget starts with, taken from what ``error_widget`` really renders."""
    from backprop.widgets.gradient_flow import error_widget

    shown = error_widget(ValueError("SENTINEL-REASON"), "SENTINEL-WHAT").value
    assert "bp-flow-error" in shown and "SENTINEL-REASON" in shown, shown
    text = html.unescape(re.sub(r"<[^>]+>", "", shown))
    marker = text.split("SENTINEL-WHAT")[0]
    assert len(marker.strip()) >= 6, f"error_widget's message has no fixed opening: {text!r}"
    return marker


def pages_showing_error_widgets(texts: dict[str, str], marker: str) -> list[str]:
    """Each name whose text holds the error widget's message, with the message found."""
    found = []
    for name, text in texts.items():
        for m in re.finditer(re.escape(marker), text):
            found.append(f"{name}: {text[m.start():m.start() + 160]!r}")
    return found


def test_no_page_shows_an_error_widget(built_book):
    """flow() turns a broken graph into an HTML error widget instead of a traceback, so the
    build would pass; the widget's message must not turn up in any page or executed notebook."""
    marker = error_widget_marker()
    executed = built_book.parent / "jupyter_execute"
    texts = {}
    for doc in toc_pages():
        texts[f"{doc}.html"] = page_html(built_book, doc)
        nb_path = executed / f"{doc}.ipynb"
        if nb_path.is_file():
            texts[f"{doc}.ipynb"] = nb_path.read_text(encoding="utf-8")
    shown = pages_showing_error_widgets(texts, marker)
    assert not shown, "pages show an error widget instead of a graph:\n" + "\n".join(shown)


def test_error_widget_check_catches_a_rendered_error_widget():
    """The check finds a real error widget, both as HTML and inside saved widget state (JSON)."""
    from backprop.widgets.gradient_flow import error_widget

    marker = error_widget_marker()
    value = error_widget(ValueError("apple must be a number, got 'x'")).value
    state = json.dumps({"state": {"model": {"value": value}}})
    assert pages_showing_error_widgets({"page.html": value}, marker)
    assert pages_showing_error_widgets({"page.ipynb": state}, marker)
    assert not pages_showing_error_widgets({"page.html": "<p>Cannot be shown here</p>"}, marker)


# ---- book settings ------------------------------------------------------------------

def test_title_search_download_and_launch_buttons(built_book):
    page = page_html(built_book, "book/ch1_graphs")
    assert "Backpropagation from Scratch" in page                 # the book's title
    assert (built_book / "search.html").is_file() and "searchindex.js" in (built_book / "search.html").read_text()
    assert "../_sources/book/ch1_graphs.ipynb" in page, "no download link for the page as a notebook"
    executed = json.loads((built_book / "_sources" / "book" / "ch1_graphs.ipynb").read_text())
    assert any(c.get("outputs") for c in executed["cells"] if c["cell_type"] == "code"), \
        "the downloadable notebook has no outputs"
    # Launch buttons only while _config.yml names a real repository (booktools/addresses.py;
    # tests/test_header_buttons.py builds a page both ways); never a placeholder's link.
    import yaml
    from booktools.addresses import real

    url = (yaml.safe_load((ROOT / "_config.yml").read_text()).get("repository") or {}).get("url")
    for host in ("mybinder.org", "colab.research.google.com"):
        assert (host in page) == real(url), f"launch button for {host}: {host in page}, repository {url!r}"
    for placeholder in ("github.com/example", "example.org", "example.com"):
        assert placeholder not in page, f"the page links to a placeholder address ({placeholder})"


def test_equations_are_numbered_and_cross_referenced(built_book):
    numbered = [len(re.findall(r'class="eqno">\(\d+\)', page_html(built_book, doc)))
                for doc in ("book/ch3_nodes", "book/ch3_activations", "book/ch3_affine")]
    assert min(numbered) >= 2 and sum(numbered) >= 15, numbered
    page = page_html(built_book, "book/ch3_affine")
    # {eq}`eq-affine-backward` in the summary resolves to a link to the numbered equation.
    assert re.search(r'href="#equation-eq-affine-backward"', page), "unresolved equation reference"


def test_intro_and_chapter_1_show_the_apple_graph_as_inline_svg(built_book):
    for doc in ("book/intro", "book/ch1_graphs"):
        svgs = inline_svgs(page_html(built_book, doc))
        apple = [svg for svg in svgs
                 if re.search(number_pattern("220"), svg_text(svg))
                 and re.search(number_pattern("2.2"), svg_text(svg))]
        assert apple, f"{doc}: no inline SVG showing 220 and 2.2 ({len(svgs)} SVGs on the page)"
        assert "<title" in apple[0], f"{doc}: the apple SVG has no <title> for screen readers"


def figure_image_problems(page: str) -> list[str]:
    """Every <img> in the article must sit in a <figure> with a <figcaption> and have real alt text
    (at least 20 characters, not a file name)."""
    body = _main(page)
    problems = []
    figures = [m.span() for m in re.finditer(r"<figure\b.*?</figure>", body, flags=re.S)]
    for img in re.finditer(r"<img\b[^>]*>", body):
        alt = re.search(r'\balt="([^"]*)"', img.group(0))
        alt_text = html.unescape(alt.group(1)) if alt else ""
        if len(alt_text) < 20 or re.search(r"\.(png|jpe?g|svg|gif)$", alt_text.strip(), flags=re.I):
            problems.append(f"no real alt text: {img.group(0)[:160]}")
        inside = [(a, b) for a, b in figures if a <= img.start() < b]
        if not inside or "<figcaption" not in body[inside[0][0]:inside[0][1]]:
            problems.append(f"no caption: {img.group(0)[:160]}")
    return problems


def test_figures_have_captions_and_alt_text(built_book):
    page = page_html(built_book, "book/ch5_two_layer_net")
    assert re.search(r'<figure[^>]*id="fig-training"', page), "the training figure is missing"
    problems = {}
    images = 0
    for doc in toc_pages():
        page = page_html(built_book, doc)
        images += len(re.findall(r"<img\b", _main(page)))
        found = figure_image_problems(page)
        if found:
            problems[doc] = found
    assert images >= 4, f"only {images} figure images in the whole book"
    assert not problems, f"figure images without caption or alt text: {problems}"


def test_figure_check_catches_a_bare_plot():
    bare = '<article class="bd-article"><img alt="../_images/abc123.png" src="x.png"/></article>'
    assert len(figure_image_problems(bare)) == 2
    good = ('<article class="bd-article"><figure><img alt="Two curves, the sigmoid and ReLU" src="x.png"/>'
            '<figcaption>The two activations.</figcaption></figure></article>')
    assert figure_image_problems(good) == []


# ---- the seeds' numbers, next to the text that explains them ---------------------------

SEED_NUMBERS = [
    # (page, context the text or output shows just before, numbers in order)
    ("book/ch0_recap", "the whole product is", ["[5, 11, 17]"]),
    ("book/ch0_recap", "so the gradient at", ["(6, 8)"]),
    ("book/intro", "the price you pay is", ["220", "2.2", "110", "200"]),
    ("book/ch1_graphs", "which outputs the answer,", ["220"]),
    ("book/ch1_graphs", "the tax node gives the total,", ["715"]),
    ("book/ch1_graphs", "going through the apple node, it becomes", ["2.2"]),
    ("book/ch3_nodes", "Both inputs receive it as it is:", ["1.3", "1.3"]),
    ("book/ch3_nodes", "The input 10 receives", ["6.5", "13"]),
    ("book/ch3_nodes", "the apple price receives", ["2.2", "110"]),
    ("book/ch3_nodes", "so the tax receives the subtotal", ["200"]),
    ("book/ch3_nodes", "Apple price", ["2.2", "110", "3.3", "165", "650"]),
    ("book/ch3_affine", "the bias gradient is", ["[5, 7, 9]"]),
    ("book/ch4_softmax", "the layer passes", ["(0.3, -0.8, 0.5)"]),
    ("book/ch4_softmax", "On the example the scores receive", ["(0.3, -0.8, 0.5)"]),
    # Chapter 2's fork f = x*y + x at x = 3, y = 5: x's two edges carry y = 5 and 1,
    # their sum y + 1 = 6; with `=` instead of `+=` the multiply node's 5 overwrites.
    ("book/ch2_chain_rule", "receives two gradients, one along each", ["5", "1", "5", "1", "6", "3"]),
    ("book/ch2_chain_rule", "comes out as", ["5", "6"]),
    ("book/ch2_chain_rule", "with += :", ["6.0", "3.0"]),
    ("book/ch2_chain_rule", "with = :", ["5.0", "3.0"]),
    # Forward vs reverse mode on sigmoid(w1 x1 + ... + wn xn), n = 300: 3n + 1 = 901 edges
    # into operations; forward mode pays them once per input, n * 901 = 270300.
    ("book/ch2_chain_rule", "With 300 inputs, forward mode needs", ["270300", "901", "300"]),
    ("book/ch2_chain_rule", "(multiplications)", ["10", "310", "31", "100", "30100", "301"]),
    # The sigmoid's slope y(1 - y) peaks at y = 1/2: 1/4; ten layers' slopes: 4**-10 = 9.5e-07.
    ("book/ch3_affine", "the largest slope is", ["0.25", "10", "9.5e-07"]),
    # The engine's fork: df/dx = y + 1 = 6, df/dy = x = 3.
    ("book/ch6_autograd", "The engine finds", ["6", "3"]),
]


@pytest.mark.parametrize("doc, context, numbers", SEED_NUMBERS,
                         ids=[f"{d.split('/')[-1]}:{' '.join(n)}" for d, _, n in SEED_NUMBERS])
def test_seed_numbers_appear_in_context(built_book, doc, context, numbers):
    problem = numbers_after(visible_text(page_html(built_book, doc)), context, numbers)
    assert problem is None, f"{doc}: {problem}"


def test_printed_outputs_show_the_seed_values(built_book):
    """The code cells' own printed outputs agree with the glued text."""
    nodes = visible_text(page_html(built_book, "book/ch3_nodes"))
    assert numbers_after(nodes, "dapple:", ["2.2", "110", "200"]) is None
    assert numbers_after(nodes, "price: 715", ["2.2", "110", "3.3", "165", "650"]) is None
    affine = visible_text(page_html(built_book, "book/ch3_affine"))
    assert numbers_after(affine, "dB = np . sum ( dY , axis = 0 ) print ( dB )", ["[5 7 9]"], window=20) is None


def test_chapter_5_reports_its_measurements(built_book):
    text = visible_text(page_html(built_book, "book/ch5_two_layer_net"))
    for key in ("W1", "b1", "W2", "b2"):
        assert re.search(key + r": shape .{0,20}mean \|difference\| = [\d.e+-]+ +relative error = ", text), key
    assert re.search(r"ratio: backpropagation is about [\d,]+ times faster", text)
    assert re.search(r"epoch 10: train accuracy 0\.\d+, test accuracy 0\.\d+", text)
    assert "The figures and numbers in this chapter come from" in text
    assert "MNIST" in text.split("The figures and numbers in this chapter come from", 1)[1][:400]


# ---- numbers are computed, not typed ------------------------------------------------------

RESULTS = ["220", "715", "2.2", "110", "200", "3.3", "165", "650", "6.5", "13", "1.3",
           "-0.8", "[5, 11, 17]", "[5, 7, 9]", "(6, 8)", "(0.3, -0.8, 0.5)"]


def prose(markdown: str) -> str:
    """A page's Markdown without code cells, included code, glue roles, math subscripts and
    the section numbers of headings ("# 3.3 The Affine layer")."""
    text = re.sub(r"```\{(?:code-cell|literalinclude)\}.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"\{glue:[a-z]+\}`[^`]*`", " ", text)
    text = re.sub(r"^(#+\s+)[\d.]+\s", r"\1", text, flags=re.M)
    return re.sub(r"_\{[^}]*\}", " ", text)


def typed_results(text: str) -> list[str]:
    """Each place where one of RESULTS stands as a whole token in `text`, with context."""
    found = []
    for number in RESULTS:
        for m in re.finditer(r"(?<![\w.])" + re.escape(number) + r"(?![\d])", text):
            found.append(text[max(0, m.start() - 40):m.end() + 10])
    return found


def test_prose_never_types_a_computed_result():
    """The seeds' results reach the text only through glue, so they cannot drift from the code."""
    typed = [f"{doc}: {snippet!r}" for doc in toc_pages()
             for snippet in typed_results(prose((ROOT / f"{doc}.md").read_text(encoding="utf-8")))]
    assert not typed, "results typed into the prose instead of glued:\n" + "\n".join(typed)


def test_prose_check_catches_a_typed_result():
    assert typed_results(prose("you pay 220 in total, and (0.3, -0.8, 0.5) back"))
    assert not typed_results(prose("you pay {glue:text}`price:g` for $w_{13}$, 1.35 or 2200"))
    assert not typed_results(prose("# 3.3 The Affine layer\n"))
    assert typed_results(prose("# The Affine layer\n\nThe orange price receives 3.3.\n"))


def test_chapters_open_with_objectives_and_close_with_summary_and_exercises(built_book):
    """A chapter's own page opens with its objectives; every page with content (a chapter
    without sections, or each section of one) ends with a summary and its exercises."""
    for pages in chapters():
        text = visible_text(page_html(built_book, pages[0]))
        assert "Learning objectives" in text[:300], f"{pages[0]}: no learning objectives at the top"
    for doc in notebook_pages()[1:]:
        text = visible_text(page_html(built_book, doc))
        summary = text.rfind("Summary")
        assert summary > 0, f"{doc}: no summary"
        assert "Exercises" in text[summary:], f"{doc}: no exercise pointer after the summary"
        assert re.search(r"exercises/ps\d_\w+/\w+\.ipynb", text[summary:]), f"{doc}: no exercise notebook named"


# ---- the softmax Jacobian, the batch counterexample, the autograd chapter, the Affine shapes ----

def number_after(text: str, context: str, window: int = 200) -> float:
    """The first number (as 1.5, 2e-13 or 5.4e-11) within `window` characters after `context`."""
    i = text.find(context)
    assert i >= 0, f"{context!r} not found"
    m = re.search(r"(?<![\w.])\d+(?:\.\d+)?(?:e[+-]?\d+)?", text[i + len(context):i + len(context) + window])
    assert m, f"no number after {context!r}: {text[i:i + window]!r}"
    return float(m.group(0))


def _softmax(a):
    e = np.exp(np.asarray(a, dtype=float) - np.max(a))
    return e / e.sum()


def test_softmax_jacobian_is_checked_numerically_on_the_page(built_book):
    text = visible_text(page_html(built_book, "book/ch4_softmax"))
    # The diagonal y_i (1 - y_i) at a = (0.3, 2.9, 4.0), computed here from the definition.
    y = _softmax([0.3, 2.9, 4.0])
    diagonal = "(" + ", ".join(f"{round(v, 4):g}" for v in y * (1 - y)) + ")"
    assert numbers_after(text, "the diagonal is", [diagonal], window=60) is None, diagonal
    # Formula against central differences: agreement at the level of rounding.
    assert number_after(text, "numerical Jacobian differ by at most") < 1e-9
    # The VJP with g = -t/y gives y - t for the worked example y = (0.3, 0.2, 0.5), t = (0, 1, 0).
    assert numbers_after(text, "All three give", ["(0.3, -0.8, 0.5)"], window=40) is None


def test_whole_batch_softmax_counterexample_is_computed(built_book):
    text = visible_text(page_html(built_book, "book/ch4_softmax"))
    # Two identical rows share the mass of the whole batch: each sums to 1/2.
    assert number_after(text, "gets probabilities summing to") == 0.5
    assert numbers_after(text, "becomes", ["(0, 0, 0)"], window=40) is None
    y = _softmax([1.0, 2.0, 3.0])
    row = "(" + ", ".join(f"{round(v, 4):g}" for v in y) + ")"
    assert numbers_after(text, "Row by row, the third row is", [row], window=40) is None


def test_autograd_gradients_equal_chapter_5s(built_book):
    text = visible_text(page_html(built_book, "book/ch6_autograd"))
    assert number_after(text, "the largest relative error over the four parameters is") < 1e-12
    for key in ("W1", "b1", "W2", "b2"):
        m = re.search(key + r": relative error ([\d.e+-]+), bit for bit the same: True", text)
        assert m and float(m.group(1)) < 1e-12, key
    assert number_after(text, "network classifies") > 80   # percent of the test images


def test_affine_graph_shows_shapes_on_its_edges(built_book):
    page = page_html(built_book, "book/ch3_affine")
    affine = [svg for svg in inline_svgs(page) if 'aria-label="The Affine layer' in svg]
    assert affine, "no Affine graph on chapter 3"
    shown = svg_text(affine[0])
    assert "dot" in shown
    # X (1, 2) dot W (2, 3) gives (1, 3); the bias is (3,): forward and gradient alike.
    for shape, count in (("(1, 2)", 2), ("(2, 3)", 2), ("(1, 3)", 4), ("(3,)", 2)):
        assert shown.count(shape) == count, (shape, shown)


MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|tmp|root|home|Users|var/folders)/")


def test_no_machine_path_in_any_built_page(built_book):
    """The book names its data set, never a folder of the machine that built it."""
    found = []
    pages = sorted(built_book.rglob("*.html")) + sorted((built_book / "_sources").rglob("*.ipynb"))
    for path in pages:
        for m in MACHINE_PATH.finditer(path.read_text(encoding="utf-8", errors="replace")):
            text = path.read_text(encoding="utf-8", errors="replace")
            found.append(f"{path.relative_to(built_book)}: {text[max(0, m.start() - 60):m.end() + 40]!r}")
            break
    assert len(pages) > 8
    assert not found, "machine paths in the built book:\n" + "\n".join(found)


def test_machine_path_check_sees_a_path():
    assert MACHINE_PATH.search("source: the MNIST files in /work/shared/data/mnist")
    assert MACHINE_PATH.search('"/tmp/pytest-1/book"')
    assert not MACHINE_PATH.search("https://example.org/work/x and ../_static/a.js")


def test_every_chapter_ends_with_self_check_questions(built_book):
    for doc in notebook_pages()[1:]:
        page = page_html(built_book, doc)
        body = _main(page)
        start = body.find("Check yourself")
        assert start > 0, f"{doc}: no self-check section"
        rest = body[start:]
        answers = re.findall(r'<details\b|class="[^"]*\bdropdown\b', rest)
        assert len(answers) >= 3, f"{doc}: {len(answers)} revealable answers"
        assert "Answer" in visible_text(rest)
