"""The widget replays the graph model's steps: order, count, values and gradients.

The gradient of every edge is checked against a central difference of the
output with respect to the value on that one edge, computed by a tiny
evaluator here that uses only the operations' forward rules (never the
backward pass under test).
"""

from __future__ import annotations

import ipywidgets
import numpy as np
import pytest

from backprop.figures.svg import to_svg
from backprop.nn.gradcheck import H, SMOOTH_TOLERANCE, numerical_gradient, rel_error
from backprop.graph import GraphError
from backprop.graph.book import BUILDERS
from backprop.graph.nodes import LEAF_OPS, OPS
from backprop.widgets.gradient_flow import GradientFlow, error_widget, flow, frames_of


def forward_values(graph, edge_id: str | None = None, value: float = 0.0) -> dict[str, float]:
    """Every node's value, from the leaves' constants and the operations' forward rules only.

    If ``edge_id`` is given, that one edge carries ``value`` instead of its source's value.
    """
    values: dict[str, float] = {}
    for nid in graph.order():
        node = graph.nodes[nid]
        if node.op in LEAF_OPS:
            values[nid] = node.const
            continue
        xs = []
        for slot, src in enumerate(node.inputs):
            xs.append(value if f"{src}->{nid}:{slot}" == edge_id else values[src])
        values[nid] = OPS[node.op].forward(xs, node.const)
    return values


def output_with_edge_value(graph, edge_id: str, value: float) -> float:
    """The graph's output when the edge ``edge_id`` carries ``value`` (forward rules only)."""
    if edge_id == f"{graph.output}->out:0":
        return value
    return forward_values(graph, edge_id, value)[graph.output]


@pytest.fixture(params=sorted(BUILDERS))
def graph(request):
    return BUILDERS[request.param]()


def test_frames_follow_the_steps(graph):
    steps = graph.steps()
    frames = frames_of(graph)
    n_ops = sum(1 for n in graph.nodes.values() if n.op not in LEAF_OPS)
    n_inputs = len(graph.inputs_of())
    # inputs enter, each op forward, the seed, each op backward, each input's gradient
    assert len(steps) == 1 + n_ops + 1 + n_ops + n_inputs
    assert len(frames) == len(steps) + 1
    kinds = [f["kind"] for f in frames]
    assert kinds == ["start"] + ["forward"] * (1 + n_ops) + ["seed"] + ["backward"] * n_ops + ["input"] * n_inputs
    assert [f["k"] for f in frames] == list(range(len(frames)))
    # one source: frame k is exactly the drawing of the state after k steps
    for k in (0, 1 + n_ops, len(steps)):
        assert frames[k]["svg"] == to_svg(graph, k)
    assert [f["caption"] for f in frames[1:]] == [s.caption for s in steps]


def test_forward_order_is_topological(graph):
    steps = [s for s in graph.steps() if s.kind == "forward" and s.node is not None]
    done = {n for n, node in graph.nodes.items() if node.op in LEAF_OPS}
    for s in steps:
        assert set(graph.nodes[s.node].inputs) <= done, f"{s.node} ran before its inputs"
        done.add(s.node)
    backward = [s.node for s in graph.steps() if s.kind == "backward"]
    assert backward == [s.node for s in reversed(steps)]


def test_step_values_equal_the_model(graph):
    for s in graph.steps():
        if s.kind == "forward":
            for edge, v in zip(s.edges, s.values):
                assert v == graph.values[edge.split("->")[0]]
        else:
            for edge, g in zip(s.edges, s.grads):
                assert g == graph.grads[edge]


def test_forward_step_values_equal_an_independent_evaluation(graph):
    """Not only the model's own graph.values: a separate pass over the forward rules."""
    expected = forward_values(graph)
    checked = set()
    for s in graph.steps():
        if s.kind != "forward":
            continue
        assert len(s.values) == len(s.edges), f"{graph.name}: a forward step has {len(s.values)} values"
        for edge, v in zip(s.edges, s.values):
            src = edge.split("->")[0]
            assert v == pytest.approx(expected[src], rel=1e-12, abs=1e-300), (
                f"{graph.name} edge {edge}: the step shows {v}, the forward rules give {expected[src]}")
            checked.add(edge)
    # every edge, the output's included, carries a value once the forward pass is over
    assert checked == {e.id for e in graph.edges}


def test_backward_gradients_equal_numerical_gradient(graph):
    checked = 0
    for s in graph.steps():
        if s.kind == "forward":
            continue
        for edge, g in zip(s.edges, s.grads):
            x = np.array([graph.values[edge.split("->")[0]]], dtype=np.float64)
            # A step relative to the value: 1/S in the softmax graph is about 0.01,
            # where the default step of 1e-4 would be a 1% change and its
            # truncation error (about (h/x)^2 / 3) would exceed the tolerance.
            h = H * max(abs(x[0]), 1e-2)
            num = numerical_gradient(lambda a: output_with_edge_value(graph, edge, a[0]), x, h)[0]
            assert rel_error(g, num) < SMOOTH_TOLERANCE, f"{graph.name} edge {edge}: {g} vs {num}"
            checked += 1
    assert checked == len(graph.edges)


def test_apple_matches_the_textbook():
    w = flow("apple")
    last = w.steps[-1]
    forward_out = [s for s in w.steps if s.kind == "forward"][-1]
    assert forward_out.values[0] == pytest.approx(220)
    grads = {}
    for s in w.steps:
        grads.update(zip(s.edges, s.grads))
    assert grads["apple->apple_price:0"] == pytest.approx(2.2)
    assert grads["apple_num->apple_price:1"] == pytest.approx(110)
    assert grads["tax->price:1"] == pytest.approx(200)
    assert last.kind == "input" and last.node == "tax" and last.total == pytest.approx(200)
    assert "220" in w.frames[3]["svg"]


def test_widget_traits():
    w = flow("softmax_with_loss")
    assert isinstance(w, GradientFlow)
    assert [s["id"] for s in w.inputs] == ["a1", "a2", "a3", "t1", "t2", "t3"]
    assert w.editable is True and w.error == "" and w.step == 0
    assert "export default" in w._esm and ".bp-flow" in w._css
    assert flow("apple", editable=False).editable is False


@pytest.mark.parametrize("make, words", [
    (lambda: flow("no_such_graph"), "must be one of"),
    (lambda: flow(42), "must be a graph name"),
    (lambda: flow("apple", apple="cheap"), "must be a real number"),
    (lambda: flow("apple", pear=1.0), "pear"),
])
def test_bad_input_gives_a_message_widget(make, words):
    w = make()
    assert isinstance(w, ipywidgets.HTML)
    assert "Cannot show" in w.value and words in w.value and 'role="alert"' in w.value


def test_cycle_and_unknown_operation_and_overflow_give_messages():
    from backprop.graph import Graph
    from backprop.graph.nodes import Node

    cyc = Graph("cycle")
    x = cyc.input("x", 1.0)
    a = cyc.add(x, x, id="a")
    cyc.nodes["a"] = Node("a", "add", ("x", "b"))
    cyc.nodes["b"] = Node("b", "add", ("a", "x"))
    cyc.set_output("b")
    assert "cycle" in flow(cyc).value

    unknown = Graph("unknown")
    y = unknown.input("y", 1.0)
    unknown.nodes["p"] = Node("p", "power", (y,))
    unknown.output = "p"
    assert "unknown operation" in flow(unknown).value

    big = Graph("overflow")
    z = big.input("z", 800.0)
    big.set_output(big.exp(big.exp(z)))
    assert "Cannot show" in flow(big).value
    with pytest.raises(GraphError):
        GradientFlow(big)
    assert a  # the valid node added before the hand-made cycle


def test_error_widget_escapes_html():
    w = error_widget(ValueError("<script>alert(1)</script>"))
    assert "<script>" not in w.value and "&lt;script&gt;" in w.value


def test_constructor_arguments_are_checked():
    g = BUILDERS["apple"]()
    with pytest.raises(TypeError, match="editable"):
        GradientFlow(g, editable="yes")
    with pytest.raises(ValueError, match="interval"):
        GradientFlow(g, interval=5)
    with pytest.raises(TypeError, match="graph must be"):
        GradientFlow("apple")


def test_the_widget_ships_its_graph_and_the_browser_engine():
    """The front-end recomputes edits from ``spec`` with the engine bundled before it."""
    from backprop.nn.gradcheck import H
    from backprop.widgets.bundle import ENGINE_FILES, FRONT, engine_source

    w = flow("apple")
    nodes = {n["id"]: n for n in w.spec["nodes"]}
    assert list(nodes) == list(w.graph.nodes) and w.spec["output"] == "price" and w.spec["h"] == H
    assert nodes["price"]["inputs"] == ["apple_price", "tax"] and nodes["apple"]["const"] == 100
    assert w._esm.startswith(engine_source()) and w._esm.index("const BP = {") < w._esm.index("export default")
    engine = engine_source()
    assert all((FRONT / name).read_text(encoding="utf-8") in engine for name in ENGINE_FILES)
    assert "export " not in engine   # loadable as a plain script too
    w.set_inputs(apple=150)
    assert {n["id"]: n["const"] for n in w.spec["nodes"]}["apple"] == 150   # Python's edits update it
