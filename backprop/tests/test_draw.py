"""SVG drawing: well-formed, shows the right numbers in the right colours, deterministic."""

import math
import os
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from backprop.figures.svg import (COLUMN_PX, GRAD, MIN_TEXT_PX, PHONE_MIN_TEXT_PX, SvgFigure, figure,
                                  to_svg)
from backprop.graph import Graph, GraphError, GraphState, Node, state_after
from backprop.graph.book import BUILDERS, affine_graph, apple_graph, apple_orange_graph, softmax_with_loss_graph, transposed

SVG = "{http://www.w3.org/2000/svg}"
SNAPSHOTS = Path(__file__).parent / "snapshots"


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def _texts(root, fill=None):
    return [t.text for t in root.iter(f"{SVG}text") if fill is None or t.get("fill") == fill]


def test_apple_figure_shows_values_in_black_and_gradients_in_red():
    root = _parse(to_svg(apple_graph()))
    red = _texts(root, GRAD)
    black = _texts(root, "#222")
    # The seeds' numbers: forward 100, 2, 200, 1.1, 220; backward 1, 1.1, 2.2, 110, 200.
    assert sorted(red) == sorted(["1", "1.1", "2.2", "110", "200"])
    for text in ["100", "2", "200", "1.1", "220", "apple", "apple_num", "tax", "price", "×"]:
        assert text in black, text
    assert len(list(root.iter(f"{SVG}circle"))) == 2


def test_every_builder_draws_well_formed_accessible_svg():
    for name, build in BUILDERS.items():
        g = build()
        svg = to_svg(g)
        root = _parse(svg)
        assert root.get("role") == "img" and root.get("aria-label") == g.title
        assert root.find(f"{SVG}title").text == g.title
        desc = root.find(f"{SVG}desc").text
        assert desc.startswith("Computational graph with") and "Gradients of" in desc
        assert root.get("width") == "100%" and len(root.get("viewBox").split()) == 4
        assert "id=" not in svg   # many figures share a page: no XML ids to clash
        n_ops = sum(1 for n in g.nodes.values() if n.op not in ("input", "const"))
        assert len(list(root.iter(f"{SVG}circle"))) == n_ops, name
        # Every edge shows a value (constants show theirs as a label).
        numbers = [t for t in _texts(root) if re.fullmatch(r"-?[0-9.e+-]+", t or "")]
        assert len(numbers) >= len(g.edges), name


def test_desc_reads_the_figure_out_for_screen_readers():
    desc = _parse(to_svg(apple_graph())).find(f"{SVG}desc").text
    assert "Inputs: apple = 100, apple_num = 2, tax = 1.1." in desc
    assert "Output price = 220." in desc
    assert "with respect to apple, 2.2" in desc and "with respect to tax, 200" in desc
    assert _parse(to_svg(apple_graph(), title="T", desc="D")).find(f"{SVG}desc").text == "D"


def test_text_stays_legible_at_phone_width():
    # min-width keeps the smallest text (14 units) at MIN_TEXT_PX or more; a phone scrolls
    # the wide graphs sideways instead (figure() wraps them in an overflow-x box).
    for name, build in BUILDERS.items():
        root = _parse(to_svg(build()))
        width = float(root.get("viewBox").split()[2])
        style = dict(kv.split(":") for kv in root.get("style").split(";"))
        min_px = float(style["min-width"].removesuffix("px"))
        max_px = float(style["max-width"].removesuffix("px"))
        sizes = [float(t.get("font-size")) for t in root.iter(f"{SVG}text")]
        assert min(sizes) * min_px / width >= MIN_TEXT_PX - 0.1, name
        assert max_px > min_px
    small = _parse(to_svg(apple_graph()))
    assert float(dict(kv.split(":") for kv in small.get("style").split(";"))["min-width"][:-2]) <= 360


def test_identical_input_gives_identical_svg():
    for name, build in BUILDERS.items():
        assert to_svg(build()) == to_svg(build()), name
        g = build()
        assert to_svg(g, 3) == to_svg(build(), 3), name


def test_apple_snapshot():
    """The committed figure was looked at (rendered in Chromium); any change must be too."""
    path = SNAPSHOTS / "apple.svg"
    svg = to_svg(apple_graph())
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(svg + "\n", encoding="utf-8")
    assert svg + "\n" == path.read_text(encoding="utf-8"), (
        "the apple figure changed: look at it, then rerun with UPDATE_SNAPSHOTS=1")


def test_states_show_what_the_steps_have_done():
    g = apple_graph()
    n = len(g.steps())
    start = _parse(to_svg(g, 0))
    assert _texts(start, GRAD) == [] and "220" not in _texts(start)
    forward_done = _parse(to_svg(g, 3))
    assert "220" in _texts(forward_done) and _texts(forward_done, GRAD) == []
    # The active node is highlighted in the forward colour, then the backward colour.
    active = [c for c in forward_done.iter(f"{SVG}circle") if c.get("fill") != "#fff"]
    assert len(active) == 1 and active[0].get("stroke") == "#1565c0"
    last_op = max(s.index for s in g.steps() if s.kind == "backward") + 1
    last = _parse(to_svg(g, last_op))
    active = [c for c in last.iter(f"{SVG}circle") if c.get("fill") != "#fff"]
    assert len(active) == 1 and active[0].get("stroke") == GRAD
    # The active node's local derivative is written beside it: apple_price's are 2 and 100.
    assert "× 2 / × 100" in _texts(last, GRAD)
    # Then each input in turn: no node lit, the input's edge drawn in the backward colour.
    tax = _parse(to_svg(g, n))
    assert not [c for c in tax.iter(f"{SVG}circle") if c.get("fill") != "#fff"]
    lit = [e for e in tax.iter(f"{SVG}line") if e.get("stroke") == GRAD]
    assert len(lit) == 1 and lit[0].get("class") == "bp-active"
    assert "× 2 / × 100" not in _texts(_parse(to_svg(g)))   # not in the static figure
    assert not [c for c in _parse(to_svg(g)).iter(f"{SVG}circle") if c.get("fill") != "#fff"]
    # The frame never moves while stepping: one viewBox for every step.
    boxes = {_parse(to_svg(g, k)).get("viewBox") for k in range(n + 1)}
    assert len(boxes) == 1


def test_a_graph_state_object_is_drawn_as_given():
    g = apple_graph()
    st = GraphState({"apple->apple_price:0": 7.5}, {"tax->price:1": -3.25}, "price",
                    ("tax->price:1",), {"price": "× 42"}, "custom")
    root = _parse(to_svg(g, st))
    assert "7.5" in _texts(root) and _texts(root, GRAD) == ["-3.25", "× 42"]
    # The state of step 4 draws what step 4 draws; as a figure of its own, in a frame that
    # holds only what it shows (a replayed step keeps room for every step's texts).
    body = lambda svg: svg[svg.index(">") + 1:]
    assert body(to_svg(g, state_after(g, 4))) == body(to_svg(g, 4))
    assert body(to_svg(g, state_after(g, 7))) == body(to_svg(g, 7))
    assert to_svg(g, state_after(g, 7)) == to_svg(g, 7)   # a local text shows: the frame has room for all


def test_bad_input_is_refused_with_a_clear_message():
    g = apple_graph()
    n = len(g.steps())
    with pytest.raises(TypeError, match="graph must be a backprop.graph.Graph.*got dict"):
        to_svg({"nodes": []})
    with pytest.raises(TypeError, match="k must be an int"):
        to_svg(g, "3")
    with pytest.raises(TypeError, match="k must be an int"):
        to_svg(g, 1.5)
    with pytest.raises(ValueError, match=f"from 0 to {n}"):
        to_svg(g, n + 1)
    with pytest.raises(ValueError, match=f"from 0 to {n}"):
        to_svg(g, -1)
    with pytest.raises(ValueError, match="names edges \\['x->y:0'\\]"):
        to_svg(g, GraphState({"x->y:0": 1.0}, {}, None, (), {}, ""))
    with pytest.raises(ValueError, match="only finite numbers"):
        to_svg(g, GraphState({"apple->apple_price:0": math.nan}, {}, None, (), {}, ""))
    with pytest.raises(ValueError, match="node 'ghost'"):
        to_svg(g, GraphState({}, {}, "ghost", (), {}, ""))
    with pytest.raises(TypeError, match="state.local_text\\['price'\\] must be a string, got float"):
        to_svg(g, GraphState({}, {}, None, (), {"price": 1.1}, ""))
    with pytest.raises(TypeError, match="title must be a string"):
        to_svg(g, title=3)
    cyclic = apple_graph()
    cyclic.nodes["apple_price"] = Node("apple_price", "mul", ("apple", "price"))
    with pytest.raises(GraphError, match="cycle"):
        to_svg(cyclic)
    odd = apple_graph()
    odd.nodes["price"] = Node("price", "warp", ("apple_price", "tax"))
    with pytest.raises(GraphError, match="unknown operation 'warp'"):
        to_svg(odd)
    huge = Graph()
    huge.set_output(huge.exp(huge.input("x", 800.0)))
    with pytest.raises(GraphError, match="produced inf"):
        to_svg(huge)
    bad_pos = Graph()
    x = bad_pos.input("x", 1.0, pos=[0, 0])   # a list is accepted as (column, row)
    with pytest.raises(GraphError, match="pos of node 'exp0' must be \\(column, row\\)"):
        bad_pos.exp(x, pos=("a", 0))
    bad_pos.set_output(bad_pos.exp(x, pos=(1, 0)))
    assert "<svg" in to_svg(bad_pos)
    bad_pos.nodes["exp0"] = Node("exp0", "exp", ("x",), pos=(1, math.inf))   # bypassing the builder
    with pytest.raises(GraphError, match="layout hint"):
        to_svg(bad_pos)


def test_degenerate_graphs_still_draw():
    single = Graph("one")
    single.set_output(single.input("x", 2.0))
    texts = _texts(_parse(to_svg(single)))
    assert "2" in texts and "1" in texts and "x" in texts
    lone = Graph("lone")
    lone.set_output(lone.exp(lone.input("x", 0.0)))
    assert _texts(_parse(to_svg(lone)), GRAD) == ["1", "1"]


def test_graphs_without_layout_hints_are_laid_out_left_to_right():
    g = Graph("free")
    x, y = g.input("x", 2.0), g.input("y", 3.0)
    g.set_output(g.add(g.mul(x, y), g.exp(x)))
    root = _parse(to_svg(g))
    xs = {c.get("cx") for c in root.iter(f"{SVG}circle")}
    assert len(xs) == 2   # mul and exp share a column, add sits to their right


def test_figure_puts_the_svg_inline_with_a_caption():
    fig = figure(apple_graph(), caption="Buying two apples", alt="Two apples cost 220.")
    assert isinstance(fig, SvgFigure) and fig.svg.startswith("<svg")
    page = fig._repr_html_()
    assert page.startswith("<figure") and fig.svg in page
    assert "<figcaption>Buying two apples</figcaption>" in page
    assert "<desc>Two apples cost 220.</desc>" in fig.svg
    assert "figcaption" not in figure(apple_graph())._repr_html_()
    with pytest.raises(TypeError, match="caption must be a string"):
        figure(apple_graph(), caption=1)


def test_figure_names_alt_when_alt_is_not_a_string():
    with pytest.raises(TypeError, match=r"^alt must be a string .* got int$"):
        figure(apple_graph(), alt=3)


def test_render_time_of_the_largest_graph(capsys):
    g = BUILDERS["softmax_with_loss"](a=(0.11, -0.7, 1.3))   # inputs no other test planned
    n = len(g.steps())
    t0 = time.perf_counter()
    to_svg(g, 0)   # plans the layout (cached afterwards)
    t1 = time.perf_counter()
    for k in range(n + 1):
        to_svg(g, k)
    t2 = time.perf_counter()
    with capsys.disabled():
        print(f"\nsoftmax_with_loss: first render {1000 * (t1 - t0):.1f} ms, "
              f"then {1000 * (t2 - t1) / (n + 1):.1f} ms per step over {n + 1} steps")


def test_edge_labels_replace_values_and_gradients():
    """The Affine graph with shapes on its edges: the text above and below each edge is the caller's."""
    g = affine_graph()
    labels = {"X->XW:0": ("(1, 2)", "(1, 2)"), "W->XW:1": ("(2, 3)", "(2, 3)"),
              "XW->Y:0": ("(1, 3)", "(1, 3)"), "B->Y:1": ("(3,)", "(3,)"), "Y->out:0": ("(1, 3)", "(1, 3)")}
    root = _parse(to_svg(g, edge_labels=labels))
    assert sorted(_texts(root, GRAD)) == sorted(below for _, below in labels.values())
    black = _texts(root, "#222")
    assert all(above in black for above, _ in labels.values())
    assert "dot" in black and "X·W" not in black   # the op's name in its circle
    assert not any(re.fullmatch(r"-?[0-9.]+", t) for t in _texts(root))   # no number left
    # Only the named edges change; unnamed ones keep their numbers.
    partial = _parse(to_svg(g, edge_labels={"B->Y:1": ("(3,)", "(3,)")}))
    assert "(3,)" in _texts(partial) and "0.5" not in _texts(partial) and "2.5" in _texts(partial)
    assert to_svg(g, edge_labels=None) == to_svg(g)


def test_edge_labels_are_checked():
    g = affine_graph()
    with pytest.raises(ValueError, match="names edges \\['nope'\\]"):
        to_svg(g, edge_labels={"nope": ("a", "b")})
    with pytest.raises(TypeError, match="pair of strings"):
        to_svg(g, edge_labels={"B->Y:1": "(3,)"})
    with pytest.raises(TypeError, match="dict of edge id"):
        figure(g, edge_labels=[("B->Y:1", ("a", "b"))])


def test_node_names_are_written_above_their_nodes():
    g = softmax_with_loss_graph()
    plain = _texts(_parse(to_svg(g)))
    named = _texts(_parse(to_svg(g, node_names=True)))
    for name in ("S", "1/S", "y₁", "y₂", "y₃", "L"):
        assert name in named, name
    assert "S" not in plain and "1/S" not in plain
    # Room is kept for them: the figure grows, and no value label sits on a name.
    assert float(_parse(to_svg(g, node_names=True)).get("viewBox").split()[3]) >= \
        float(_parse(to_svg(g)).get("viewBox").split()[3])


def test_a_figure_with_a_phone_drawing_shows_one_of_two():
    g = softmax_with_loss_graph()
    fig = figure(g, caption="c", narrow=transposed(g, 0.5, 1.3), node_names=True)
    out = fig._repr_html_()
    assert out.count("<svg") == 2 and "bp-figure-pair" in out
    assert '<div class="bp-narrow"' in out and "@media (max-width:600px)" in out
    narrow_width = float(_parse(fig.narrow_svg).get("viewBox").split()[2])
    wide_width = float(_parse(fig.svg).get("viewBox").split()[2])
    assert narrow_width < 0.5 * wide_width
    assert "bp-figure-pair" not in figure(g, narrow=False)._repr_html_()
    with pytest.raises(ValueError, match="same graph laid out for a phone"):
        figure(g, narrow=apple_graph())


def _min_width(svg):
    style = dict(kv.split(":") for kv in _parse(svg).get("style").split(";"))
    return float(style["min-width"].removesuffix("px"))


def test_a_wide_drawing_fits_the_desktop_column_by_shrinking_its_text():
    g = apple_orange_graph()
    width = float(_parse(to_svg(g)).get("viewBox").split()[2])
    # Asked for text so large that the drawing would be wider than the column: it fits it.
    asked = 1.1 * COLUMN_PX / width * 14
    assert _min_width(to_svg(g, min_text_px=asked)) > COLUMN_PX
    assert _min_width(figure(g, min_text_px=asked).svg) == pytest.approx(COLUMN_PX, abs=0.5)
    # Never below the phone's smallest text: the softmax graph then scrolls, readable.
    wide = softmax_with_loss_graph()
    wide_width = float(_parse(to_svg(wide)).get("viewBox").split()[2])
    assert _min_width(figure(wide).svg) == pytest.approx(wide_width * PHONE_MIN_TEXT_PX / 14, abs=0.5)


def test_min_text_px_sets_the_min_width():
    g = apple_graph()
    def min_width(svg):
        style = dict(kv.split(":") for kv in _parse(svg).get("style").split(";"))
        return float(style["min-width"].removesuffix("px"))
    width = float(_parse(to_svg(g)).get("viewBox").split()[2])
    assert min_width(to_svg(g, min_text_px=7.0)) == pytest.approx(width * 7.0 / 14, abs=0.5)
    assert min_width(to_svg(g, min_text_px=7.0)) < min_width(to_svg(g))
    with pytest.raises(ValueError, match="positive number of pixels"):
        to_svg(g, min_text_px=0)
