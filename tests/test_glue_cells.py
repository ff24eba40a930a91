"""Code cells show their code, not the build's glue(...) bookkeeping (booktools/glue_cells.py).

The rule on its own (which statements go, what stays runnable), then every page of both
built editions: no code a reader sees (including a cell folded behind "show code")
calls glue.
"""

from __future__ import annotations

import ast
import html
import os
import re
from pathlib import Path

import pytest

from booktools.glue_cells import without_glue

ROOT = Path(__file__).resolve().parents[1]


def test_glue_calls_and_their_import_go_the_rest_stays():
    source = '''import numpy as np
from backprop.glue import glue

x = np.ones(3)
# the numbers the text names
glue("total", x.sum(), display=False)
glue("shape",
     x.shape, display=False)
print(x)
'''
    shown = without_glue(source)
    assert shown == "import numpy as np\n\nx = np.ones(3)\nprint(x)"
    ast.parse(shown)


def test_a_loop_of_glue_calls_goes_whole_but_a_branch_that_would_be_empty_stays():
    source = '''for name in "ab":
    glue(name, 1, display=False)
if ready:
    glue("c", 1)
else:
    y = 2
'''
    shown = without_glue(source)
    assert "for name" not in shown
    assert 'glue("c", 1)' in shown and "y = 2" in shown   # an empty if-body is no Python
    ast.parse(shown)


def test_a_cell_of_bookkeeping_only_shows_no_code():
    assert without_glue('from myst_nb import glue\nglue("a", 1, display=False)\n') == ""


def test_other_code_is_left_alone():
    for source in ("y = glue_factor * 2\nprint(y)", "%timeit f()", "obj.glue_it()", "x = glue(1)"):
        assert without_glue(source) == source


@pytest.fixture(scope="module")
def book_html(request) -> Path:
    given = os.environ.get("BACKPROP_BOOK_HTML")
    return Path(given) if given else request.getfixturevalue("built_book")


def shown_code(page: str) -> list[str]:
    """The text of every code cell's input on a built page (also those folded away)."""
    cells = re.findall(r'<div class="cell_input[^"]*"[^>]*>(.*?)</div>\s*</div>\s*</div>', page, flags=re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in cells]


@pytest.mark.book
def test_no_code_cell_a_reader_sees_calls_glue(book_html):
    pages = [p for p in book_html.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts]
    assert any(p.parts[-3:-1] == ("ko", "book") for p in pages), "the Korean edition is not in the build"
    cells = shown = 0
    found = {}
    for page in pages:
        code = shown_code(page.read_text(encoding="utf-8"))
        cells += len(code)
        hits = [c.strip()[:120] for c in code if re.search(r"\bglue\s*\(", c) or re.search(r"import glue\b", c)]
        if hits:
            found[str(page.relative_to(book_html))] = hits
        shown += sum(1 for c in code if c.strip())
    assert cells >= 100, f"only {cells} code cells found in the built book: is the pattern still right?"
    assert not found, f"code cells showing glue bookkeeping: {found}"


def test_the_shown_code_check_sees_a_glue_call():
    page = ('<div class="cell_input docutils container">\n<div class="highlight-ipython3 notranslate">'
            '<div class="highlight"><pre><span></span><span class="n">glue</span><span class="p">(</span>'
            '<span class="s2">&quot;a&quot;</span><span class="p">)</span>\n</pre></div>\n</div>\n</div>')
    assert [c.strip() for c in shown_code(page)] == ['glue("a")']
