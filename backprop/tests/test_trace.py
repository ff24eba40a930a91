"""The autograd engine's recorded graph, drawn by the book's drawer: the same graph and
numbers as the graph model's, the layout hints kept, and what cannot be drawn refused."""

import re

import numpy as np
import pytest

from backprop.figures import figure, to_svg, trace_graph
from backprop.figures.svg import GRAD
from backprop.graph import GraphError
from backprop.graph.book import fork_graph, square_sum_graph, transposed
from backprop.graph.expression import expression_graph
from backprop.nn.autograd import Tensor


def _fork(x=3.0, y=5.0):
    x, y = Tensor(x, label="x"), Tensor(y, label="y")
    xy = x * y
    xy.label = "x·y"
    f = xy + x
    f.label = "f"
    f.backward()
    return f


def _red_and_black(svg: str) -> tuple[list[str], list[str]]:
    texts = re.findall(r'<text [^>]*fill="([^"]+)"[^>]*>([^<]*)</text>', svg)
    return sorted(t for fill, t in texts if fill == GRAD), sorted(t for fill, t in texts if fill != GRAD)


def test_the_engines_fork_is_chapter_2s_fork():
    """Laid out like fork_graph, the engine's graph draws exactly the graph model's figure."""
    book = fork_graph(3.0, 5.0)
    where = {node.label: node.pos for node in book.nodes.values()}
    g = trace_graph(_fork(), pos=where)
    assert {n.op for n in g.nodes.values()} == {"input", "mul", "add"}
    assert sorted(g.values.values()) == sorted(book.values.values())
    assert sorted(g.node_grads.values()) == sorted(book.node_grads.values())
    # Same positions, labels and numbers: the same picture (ids and the title aside).
    assert _red_and_black(to_svg(g)) == _red_and_black(to_svg(book))


def test_chapter_2s_other_expressions_trace_to_the_same_numbers():
    x, y = Tensor(1.0, label="x"), Tensor(2.0, label="y")
    z = (x + y) ** 2
    z.backward()
    g, book = trace_graph(z), square_sum_graph(1.0, 2.0)
    assert [n.op for n in g.nodes.values()] == ["input", "input", "add", "square"]
    assert g.values[g.output] == book.values["z"] and g.backward() == book.backward()

    x, y, w = Tensor(1.0, label="x"), Tensor(0.5, label="y"), Tensor(2.0, label="z")
    f = (x * y).exp() + w ** -1
    f.backward()
    g, own = trace_graph(f), expression_graph("exp(x * y) + 1 / z", x=1.0, y=0.5, z=2.0)
    assert sorted(n.op for n in g.nodes.values()) == sorted(n.op for n in own.nodes.values())
    assert g.values[g.output] == own.values[own.output]
    assert g.backward() == own.backward()


def test_a_number_becomes_a_constant_node_and_a_given_seed_is_kept():
    x = Tensor(3.0, label="x")
    y = (x * 2.0).tanh()
    y.backward(0.5)
    g = trace_graph(y)
    assert sorted(n.op for n in g.nodes.values()) == ["const", "input", "mul", "tanh"]
    assert g.node_grads[g.output] == 0.5
    assert g.node_grads["x"] == pytest.approx(float(x.grad), rel=1e-15)


def test_a_loop_of_tanh_layers_is_drawn_as_a_chain_with_a_layout_for_phones():
    h = Tensor([[0.5]], label="x")
    for k, (w, b) in enumerate([(1.5, 0.1), (-2.0, 0.3)], start=1):
        h = (h.dot(Tensor([[w]], label=f"W{k}")) + Tensor([b], label=f"b{k}")).tanh()
    h.label = "y"
    h.backward()
    g = trace_graph(h)
    ops = [g.nodes[n].op for n in g.order() if g.nodes[n].inputs]
    assert ops == ["dot", "add", "tanh"] * 2
    rows = {g.nodes[n].pos[1] for n in g.order() if g.nodes[n].inputs}
    assert len(rows) == 1                              # the layers run along one row
    svg = figure(g, narrow=transposed(g))._repr_html_()
    assert svg.count("<svg") == 2


def test_what_cannot_be_drawn_is_refused_with_the_reason():
    x = Tensor(np.ones((2, 2)), label="x")
    s = (x * 2.0).sum()
    s.backward()
    with pytest.raises(GraphError, match="only single numbers can be drawn; .* has shape \\(2, 2\\)"):
        trace_graph(s)
    y = Tensor(2.0, label="y")
    c = y.sum()
    c.backward()
    with pytest.raises(GraphError, match="the engine's 'sum' has no row in the operation table"):
        trace_graph(c)
    with pytest.raises(GraphError, match="only graphs of single numbers can be drawn"):
        trace_graph(Tensor(np.ones(3)))
    with pytest.raises(GraphError, match="call backward\\(\\) on it before drawing"):
        trace_graph(Tensor(2.0, label="y") * 3.0)
    with pytest.raises(TypeError, match="root must be a backprop.nn.autograd.Tensor"):
        trace_graph(fork_graph())
    with pytest.raises(TypeError, match="pos must be a dict of label"):
        trace_graph(_fork(), pos=[(0, 0)])
    with pytest.raises(GraphError, match=r"pos\['x'\] must be \(column, row\), two finite numbers, got 'left'"):
        trace_graph(_fork(), pos={"x": "left"})
    with pytest.raises(GraphError, match="root is a leaf"):
        leaf = Tensor(2.0, label="w")
        leaf.backward()
        trace_graph(leaf)


def test_a_drawing_never_shows_numbers_the_engine_did_not_compute():
    f = _fork()
    f._parents[1].grad += 1.0                          # x's gradient, as if a rule had gone wrong
    with pytest.raises(GraphError, match="gives node 'x' the gradient 6.0, the engine 7.0"):
        trace_graph(f)
