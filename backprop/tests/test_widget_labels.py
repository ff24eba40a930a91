"""What the widget's figures and captions say, and where: labels clear of edges, edges named."""

from __future__ import annotations

import re

import numpy as np
import pytest

from backprop.figures.svg import to_svg
from backprop.graph.expression import expression_graph
from backprop.graph.book import BUILDERS, apple_graph, build, sigmoid_graph
from backprop.figures.layout import local_box, plan
from backprop.figures.text import text_box
from backprop.graph.nodes import format_value

# Every widget graph, with its defaults; the Softmax-with-Loss graph also with the
# scores chapter 4's widget replays (softmax (0.3, 0.2, 0.5)), whose numbers differ.
CLEAR_GRAPHS = sorted(BUILDERS)
BOOK_SCORES = {"softmax_with_loss": {"a": tuple(np.log([0.3, 0.2, 0.5]) + 1.0)}}


def label_boxes(graph):
    """(what, box) of every value, gradient and local-derivative text the figure can show."""
    p = plan(graph)
    out = [(f"{lab.kind} {lab.text!r} of {lab.key}", lab.box) for lab in p.labels
           if lab.kind in ("value", "grad", "local")]
    assert {what.split()[0] for what, _ in out} == {"value", "grad", "local"}
    return p, out


@pytest.mark.parametrize("name, inputs", [pytest.param(name, {}, id=name) for name in CLEAR_GRAPHS]
                         + [pytest.param(name, a, id=f"{name}-book") for name, a in BOOK_SCORES.items()])
def test_no_label_lies_on_an_edge(name, inputs):
    graph = build(name, **inputs)
    p, boxes = label_boxes(graph)
    for what, box in boxes:
        inner = (box[0] + 1, box[1] + 1, box[2] - 1, box[3] - 1)   # touching the outline is fine
        for g in p.geo:
            assert g.clip_length(inner) == 0, f"graph {name!r}: the {what} lies on the edge {g.edge.id}"


def test_the_sigmoid_times_minus_one_label_leaves_the_constant_edge():
    """The ×(-1) node's local derivatives sat on the edge of the constant -1 (above the node)."""
    graph = sigmoid_graph()
    p = plan(graph)
    x, y = p.pos["neg"]
    assert p.local_side["neg"][:2] != (0.0, -1.0)
    box = local_box(x, y, p.local_side["neg"], p.full.local_text["neg"])
    const_edge = next(g for g in p.geo if g.edge.src == "minus_one")
    assert const_edge.clip_length(box) == 0
    # ... and the figure draws it where the plan put it.
    step = next(i for i, s in enumerate(graph.steps(), 1) if s.kind == "backward" and s.node == "neg")
    svg = to_svg(graph, step)
    label = re.search(r'<text x="([\d.-]+)" y="([\d.-]+)"[^>]*font-style="italic" font-weight="600">', svg)
    assert label, "the backward step through ×(-1) draws no local-derivative text"
    cx = (box[0] + box[2]) / 2
    assert float(label.group(1)) == pytest.approx(cx, abs=0.06)


def test_captions_say_which_number_goes_to_which_edge():
    captions = [s.caption for s in apple_graph().steps() if s.kind == "backward"]
    assert captions[0].endswith("sends 1.1 to the apple_price edge and 200 to the tax edge.")
    assert captions[1].endswith("sends 2.2 to the apple edge and 110 to the apple_num edge.")
    fork = [s.caption for s in expression_graph("x * y + x", x=2.0, y=3.0).steps() if s.kind == "backward"]
    assert "sends 1 to the edge from the × node and 1 to the x edge." in fork[-2]
    assert fork[-1].endswith("sends 3 to the x edge and 2 to the y edge.")
    const = [s for s in expression_graph("x - 2", x=5.0).steps() if s.kind == "backward"][-1].caption
    assert const.endswith("sends 1 to the x edge and 1 to the edge of the constant -2.")


@pytest.mark.parametrize("text, inputs, name", [
    ("exp(x * y) + 1 / z", {"x": 1.0, "y": 0.5, "z": 2.0}, "f"),
    ("f * g", {"f": 1.0, "g": 2.0}, "out"),
])
def test_the_output_edge_of_an_expression_is_named(text, inputs, name):
    graph = expression_graph(text, **inputs)
    p = plan(graph)
    out = next(g for g in p.geo if g.edge.dst is None)
    svg = to_svg(graph)
    box = text_box(out.x1 + 5, out.y1, 1.0, 0.0, name, 16.0)
    assert f'x="{(box[0] + box[2]) / 2:.1f}"' in svg and f'font-style="italic">{name}</text>' in svg
    assert f"Output {name} = " in svg
