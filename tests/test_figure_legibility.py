"""Figures a reader can read, measured on the SVG the drawing writes with the font's own metrics.

Every text of a figure is measured with DejaVu Sans (the widest of the fonts the figures
name; matplotlib ships it) through Pillow: its advance width and how far its glyphs
reach above and below the baseline, independently of the layout's own estimate
(``backprop.figures.layout``). Then no two texts may touch, no text may sit on a node's
circle or under a line, and no edge may pass through a node it does not join. The
static figure is checked whole, and the text each backward step writes beside its
node against it. Checked on every book graph and as a phone draws it, on random
expressions of the course's grammar (the browser engine's test generates them), wide
and as a phone draws them, and on 60 random Softmax-with-Loss score sets.
"""

from __future__ import annotations

import html
import importlib.util
import math
import random
import re
from functools import lru_cache
from pathlib import Path

import matplotlib
import pytest
from PIL import ImageFont

from backprop.figures.grid import upright
from backprop.figures.phone import phone_graph
from backprop.figures.svg import PHONE_UNITS, to_svg
from backprop.graph import GraphError
from backprop.graph.book import BUILDERS, softmax_with_loss_graph
from backprop.graph.expression import expression_graph

_spec = importlib.util.spec_from_file_location("_engine_cases", Path(__file__).with_name("test_browser_engine.py"))
_engine = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_engine)

FONTS = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf"
N_EXPRESSIONS = 150
N_SCORES = 60
TOUCH = 0.5     # px: texts closer than this touch


@lru_cache(maxsize=None)
def font(bold: bool, italic: bool, size: float) -> ImageFont.FreeTypeFont:
    style = ("Bold" if bold else "") + ("Oblique" if italic else "")
    # Pillow measures in whole pixels of the size it is given: measure 10 times larger.
    return ImageFont.truetype(str(FONTS / f"DejaVuSans{'-' + style if style else ''}.ttf"), round(10 * size))


def attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


def parse(svg: str):
    """(texts, circles, edges) of an SVG made by backprop.figures.svg.to_svg."""
    texts = []
    for tag, body in re.findall(r"<text ([^>]*)>(.*?)</text>", svg):
        a = attrs(tag)
        s = html.unescape(body)
        size = float(a["font-size"])
        f = font(a.get("font-weight") == "600", a.get("font-style") == "italic", size)
        width = f.getlength(s) / 10
        top, bottom = f.getbbox(s, anchor="ls")[1::2]
        x, y = float(a["x"]), float(a["y"])   # text-anchor="middle": x is the centre, y the baseline
        texts.append((s, a.get("fill"), (x - width / 2, y + top / 10, x + width / 2, y + bottom / 10)))
    circles = [(float(a["cx"]), float(a["cy"]), float(a["r"])) for a in map(attrs, re.findall(r"<circle ([^>]*)/>", svg))]
    edges = []
    for line, tip in re.findall(r"<line ([^>]*)/><path d=\"M([-\d.]+,[-\d.]+)L", svg):
        a = attrs(line)
        tx, ty = map(float, tip.split(","))
        edges.append((float(a["x1"]), float(a["y1"]), tx, ty))
    return texts, circles, edges


def gap(a, b) -> float:
    """Distance between two boxes (negative: they overlap)."""
    return max(a[0] - b[2], b[0] - a[2], a[1] - b[3], b[1] - a[3])


def segment_in_box(seg, box) -> bool:
    x0, y0, x1, y1 = seg
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            lo = max(lo, q / p)
        else:
            hi = min(hi, q / p)
    return hi > lo


def distance_to_segment(px, py, seg) -> float:
    x0, y0, x1, y1 = seg
    dx, dy = x1 - x0, y1 - y0
    t = max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy or 1.0)))
    return math.hypot(x0 + t * dx - px, y0 + t * dy - py)


def box_circle_distance(box, c) -> float:
    x, y, r = c
    dx = max(box[0] - x, 0.0, x - box[2])
    dy = max(box[1] - y, 0.0, y - box[3])
    return math.hypot(dx, dy) - r


def trouble(svg: str, only: set[str] | None = None) -> list[str]:
    """What a reader would trip over in ``svg``; ``only``: check just these texts against the rest."""
    texts, circles, edges = parse(svg)
    inside = lambda box, c: c[0] - c[2] < (box[0] + box[2]) / 2 < c[0] + c[2] and \
        c[1] - c[2] < (box[1] + box[3]) / 2 < c[1] + c[2]
    labels = [(s, box) for s, _, box in texts if not any(inside(box, c) for c in circles)]   # not a node's symbol
    out = []
    for i, (s, box) in enumerate(labels):
        if only is not None and s not in only:
            continue
        for j, (t, other) in enumerate(labels):
            if j != i and (only is not None or j < i) and gap(box, other) < TOUCH:
                out.append(f"{s!r} touches {t!r}")
        for c in circles:
            if box_circle_distance(box, c) < TOUCH:
                out.append(f"{s!r} touches the node at ({c[0]:.0f}, {c[1]:.0f})")
        inner = (box[0] + 0.5, box[1] + 0.5, box[2] - 0.5, box[3] - 0.5)
        for seg in edges:
            if segment_in_box(seg, inner):
                out.append(f"{s!r} lies under the edge from ({seg[0]:.0f}, {seg[1]:.0f})")
    if only is None:
        for seg in edges:
            for c in circles:
                ends = [math.hypot(seg[0] - c[0], seg[1] - c[1]), math.hypot(seg[2] - c[0], seg[3] - c[1])]
                if min(ends) > c[2] + 1.5 and distance_to_segment(c[0], c[1], seg) < c[2]:
                    out.append(f"the edge from ({seg[0]:.0f}, {seg[1]:.0f}) runs through the node at "
                               f"({c[0]:.0f}, {c[1]:.0f})")
    return out


def every_trouble(graph) -> list[str]:
    """The static figure's, then each backward step's text beside its node against the rest."""
    out = trouble(to_svg(graph))
    for s in graph.steps():
        if s.kind == "backward":
            svg = to_svg(graph, s.index + 1)
            local = [t for t, fill, _ in parse(svg)[0] if fill == "#c62828" and t.startswith("×")]
            out += [f"step {s.index + 1}: {p}" for p in trouble(svg, set(local))]
    return out


def test_the_checker_sees_touching_texts_and_lines_through_nodes():
    """Two numbers drawn on one spot, a line through a circle and a number under a line are found."""
    svg = ('<svg><line x1="0" y1="0" x2="91" y2="0"/><path d="M100,0L1,1Z"/>'
           '<circle cx="50" cy="0" r="19"/>'
           '<text x="200" y="0" font-size="16">1.5</text><text x="205" y="2" font-size="16">2.5</text>'
           '<text x="20" y="5" font-size="16">7</text></svg>')
    found = trouble(svg)
    assert any("'2.5' touches '1.5'" in p for p in found), found
    assert any("runs through the node" in p for p in found), found
    assert any("'7' lies under the edge" in p for p in found), found
    assert trouble('<svg><text x="0" y="0" font-size="16">1</text><text x="40" y="0" font-size="16">2</text></svg>') == []


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("shape", ["wide", "phone"])
def test_book_graphs_read_cleanly(name, shape):
    graph = BUILDERS[name]()
    if shape == "phone":
        graph = phone_graph(graph, PHONE_UNITS)
    assert every_trouble(graph) == []


def expression_graphs():
    out = []
    for case in _engine.random_cases(seed=7, n=N_EXPRESSIONS):
        try:
            out.append((case["text"], expression_graph(case["text"], **case["inputs"])))
        except GraphError:
            continue
    assert len(out) > 0.8 * N_EXPRESSIONS
    return out


def test_random_expressions_read_cleanly():
    """Your own expression, as the wide widget and the static figure draw it."""
    found = {text: p for text, g in expression_graphs() if (p := every_trouble(g))}
    assert not found, f"{len(found)} expressions: " + "; ".join(f"{t!r}: {p[:2]}" for t, p in list(found.items())[:5])


def test_random_expressions_on_a_phone():
    """Drawn top to bottom for a phone, no two texts touch and no edge runs through a node.

    A phone's narrow drawing is sometimes too tight for every text to stay clear of every
    line; those are counted and printed, and must stay rare."""
    graphs = expression_graphs()
    touching, under = {}, 0
    for text, g in graphs:
        found = every_trouble(phone_graph(g, PHONE_UNITS))
        if any("lies under" not in p for p in found):
            touching[text] = found
        under += any("lies under" in p for p in found)
    print(f"\nphone drawings of {len(graphs)} random expressions: {len(touching)} with touching texts, "
          f"{under} with a text under a line")
    assert len(touching) <= 0.05 * len(graphs), \
        "; ".join(f"{t!r}: {p[:2]}" for t, p in list(touching.items())[:5])
    assert under <= 0.15 * len(graphs)


def test_random_softmax_with_loss_scores_read_cleanly():
    rng = random.Random(60)
    found = {}
    for _ in range(N_SCORES):
        scores = tuple(round(rng.uniform(-5, 5), 3) for _ in range(3))
        problems = every_trouble(softmax_with_loss_graph(a=scores))
        if problems:
            found[scores] = problems
    assert not found, f"{len(found)} of {N_SCORES} score sets: " + \
        "; ".join(f"{s}: {p[:2]}" for s, p in list(found.items())[:5])


def test_upright_keeps_every_node_and_flows_down():
    for name, build in BUILDERS.items():
        g = build()
        up = upright(g)
        assert set(up.nodes) == set(g.nodes) and up.forward() == g.forward()
        out = parse(to_svg(up))[2][-1]   # the output edge is drawn last
        assert out[0] == out[2] and out[3] > out[1], f"{name}: the output edge runs {out}, not down"
