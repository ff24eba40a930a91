"""The graph model: passes, fan-out, replayable steps, states and errors."""

import math

import numpy as np
import pytest

from backprop.nn.gradcheck import SMOOTH_TOLERANCE, numerical_gradient, rel_error
from backprop.graph import OPS, Edge, Graph, GraphError, Node, format_value, state_after
from backprop.graph.book import BUILDERS
from backprop.graph.replay import forward_state


def test_each_op_matches_its_maths_forward_and_backward():
    # One small graph per op, with the derivative worked out by hand.
    cases = {
        "add": (lambda g, x: g.add(x, g.const(3.0)), 2.0, 5.0, 1.0),
        "mul": (lambda g, x: g.mul(x, g.const(3.0)), 2.0, 6.0, 3.0),
        "dot": (lambda g, x: g.dot(x, g.const(3.0)), 2.0, 6.0, 3.0),
        "square": (lambda g, x: g.square(x), 3.0, 9.0, 6.0),
        "exp": (lambda g, x: g.exp(x), 0.5, math.exp(0.5), math.exp(0.5)),
        "reciprocal": (lambda g, x: g.reciprocal(x), 4.0, 0.25, -1 / 16),
        "scale": (lambda g, x: g.scale(x, -2.5), 2.0, -5.0, -2.5),
        "log": (lambda g, x: g.log(x), 2.0, math.log(2.0), 0.5),
        "sigmoid": (lambda g, x: g.sigmoid(x), 0.0, 0.5, 0.25),
        "tanh": (lambda g, x: g.op("tanh", x), 0.5, math.tanh(0.5), 1 / math.cosh(0.5) ** 2),
        "relu": (lambda g, x: g.op("relu", x), 2.0, 2.0, 1.0),
        "max": (lambda g, x: g.op("max", x, g.const(1.0)), 2.0, 2.0, 1.0),
    }
    assert set(cases) == set(OPS)
    for op, (build, x, y, dydx) in cases.items():
        g = Graph(op)
        g.set_output(build(g, g.input("x", x)))
        assert g.forward() == pytest.approx(y, rel=1e-15), op
        assert g.backward()["x"] == pytest.approx(dydx, rel=1e-15), op
    # relu passes nothing back where its input is negative.
    g = Graph("relu")
    g.set_output(g.op("relu", g.input("x", -3.0)))
    assert g.forward() == 0.0 and g.backward()["x"] == 0.0
    # max routes the whole gradient to the larger input (to the first one on a tie).
    for a, b, routed in ((1.0, 4.0, (0.0, 1.0)), (4.0, 1.0, (1.0, 0.0)), (2.0, 2.0, (1.0, 0.0))):
        g = Graph("max")
        g.set_output(g.op("max", g.input("a", a), g.input("b", b)))
        assert g.forward() == max(a, b)
        assert tuple(g.backward(3.0).values()) == (3.0 * routed[0], 3.0 * routed[1]), (a, b)


def test_fan_out_gradients_add_up():
    # f = x*y + x: x feeds two consumers, so df/dx = y + 1 is the sum of both branches.
    g = Graph("fan")
    x, y = g.input("x", 3.0), g.input("y", 5.0)
    g.set_output(g.add(g.mul(x, y, id="xy"), x, id="f"))
    assert g.forward() == 18.0
    grads = g.backward()
    assert grads == {"x": 6.0, "y": 3.0}
    assert g.grads["x->xy:0"] == 5.0 and g.grads["x->f:1"] == 1.0
    # x*x: the same node in both slots of one consumer.
    sq = Graph("sq")
    a = sq.input("a", 1.5)
    sq.set_output(sq.mul(a, a))
    sq.forward()
    assert sq.backward() == {"a": 3.0}


def test_backward_scales_with_the_upstream_gradient():
    g = BUILDERS["apple"]()
    assert g.backward(dout=2.0) == {"apple": 4.4, "apple_num": pytest.approx(220.0, rel=1e-15),
                                    "tax": 400.0}


def test_ids_are_deterministic_and_counted_per_op():
    def build():
        g = Graph()
        x = g.input("x", 1.0)
        g.set_output(g.exp(g.exp(g.add(x, g.const(1.0)))))
        return g
    a, b = build(), build()
    assert list(a.nodes) == list(b.nodes) == ["x", "const0", "add0", "exp0", "exp1"]
    assert [e.id for e in a.edges] == ["x->add0:0", "const0->add0:1", "add0->exp0:0",
                                       "exp0->exp1:0", "exp1->out:0"]


def test_evaluate_and_with_inputs_leave_the_recorded_state_alone():
    g = BUILDERS["apple"]()
    before = dict(g.values)
    assert g.evaluate(apple=150) == pytest.approx(330.0)
    assert g.values == before
    h = g.with_inputs(tax=1.0)
    assert h.forward() == 200.0 and g.values == before
    with pytest.raises(GraphError, match="no input named"):
        g.with_inputs(pear=1)


def test_steps_replay_both_passes_in_order():
    for name, build in BUILDERS.items():
        g = build()
        steps = g.steps()
        ops = [n for n in g.order() if g.nodes[n].op not in ("input", "const")]
        inputs = g.inputs_of()
        assert len(steps) == 2 * len(ops) + 2 + len(inputs), name
        assert [s.index for s in steps] == list(range(len(steps)))
        kinds = [s.kind for s in steps]
        assert kinds == ["forward"] * (len(ops) + 1) + ["seed"] + ["backward"] * len(ops) + ["input"] * len(inputs), name
        # Last, each input in turn holds the sum of the gradients its edges carried back.
        for s, nid in zip(steps[-len(inputs):], inputs):
            assert s.node == nid and s.total == g.node_grads[nid], (name, nid)
            assert set(s.edges) == {e.id for e in g.edges if e.src == nid}
        # The first step brings in every leaf; every op then runs after all its inputs.
        first = steps[0]
        assert first.node is None
        assert {e.split("->")[0] for e in first.edges} == {
            n for n, node in g.nodes.items() if node.op in ("input", "const")}
        ready = {e.split("->")[0] for e in first.edges}
        fwd = [s.node for s in steps[1:len(ops) + 1]]
        for s in steps[1:len(ops) + 1]:
            assert set(g.nodes[s.node].inputs) <= ready, (name, s.node)
            ready.add(s.node)
            assert s.values == tuple(g.values[s.node] for _ in s.edges)
        assert sorted(fwd) == sorted(ops)
        seed = steps[len(ops) + 1]
        assert seed.edges == (f"{g.output}->out:0",) and seed.grads == (1.0,)
        backward = steps[len(ops) + 2:2 * len(ops) + 2]
        bwd = [s.node for s in backward]
        assert bwd == fwd[::-1], name
        for s in backward:
            node = g.nodes[s.node]
            assert s.edges == tuple(Edge(src, s.node, k).id for k, src in enumerate(node.inputs))
            assert s.grads == tuple(g.grads[e] for e in s.edges)
            assert s.local == g.local[s.node] and len(s.local_text) == len(s.edges)
            # Each edge's gradient is the node's upstream gradient times its local derivative.
            for grad, local in zip(s.grads, s.local):
                assert grad == pytest.approx(g.node_grads[s.node] * local, rel=1e-15)
            assert s.caption


def test_fan_out_node_gradient_is_the_sum_of_its_edges_and_matches_numerics():
    g = BUILDERS["softmax_with_loss"]()
    for nid in ("inv_S", "exp1", "exp2", "exp3"):
        outs = [e for e in g.edges if e.src == nid]
        assert len(outs) >= 2
        assert g.node_grads[nid] == pytest.approx(sum(g.grads[e.id] for e in outs), rel=1e-12)
    # The fan-out node inv_S: perturb its value by hand, through y_k = exp_k * inv_S.
    exps = np.array([g.values[f"exp{k}"] for k in (1, 2, 3)])
    t = np.array([g.values[f"t{k}"] for k in (1, 2, 3)])
    r = np.array([g.values["inv_S"]])
    # inv_S is about 0.0135, so the default step 1e-4 is far too coarse here.
    num = numerical_gradient(lambda v: -np.sum(t * np.log(exps * v[0])), r, h=1e-7)
    assert rel_error(num, np.array([g.node_grads["inv_S"]])) < SMOOTH_TOLERANCE


def test_state_after_accumulates_and_checks_k():
    g = BUILDERS["apple"]()
    n = len(g.steps())
    empty = state_after(g, 0)
    assert empty.values == {} and empty.grads == {} and empty.active_node is None
    forward_done = state_after(g, 3)   # inputs, apple_price, price
    assert forward_done.values["price->out:0"] == pytest.approx(220.0)
    assert forward_done.grads == {}
    assert forward_done.active_node == "price"
    everything = state_after(g)
    assert set(everything.values) == set(everything.grads) == {e.id for e in g.edges}
    assert everything.local_text["price"] == "× 1.1 / × 200"
    assert state_after(g, n) == everything
    for bad in (-1, n + 1):
        with pytest.raises(ValueError, match=f"from 0 to {n}"):
            state_after(g, bad)
    for bad in ("3", 2.0, True):
        with pytest.raises(TypeError, match="k must be an int"):
            state_after(g, bad)
    assert state_after(g, np.int64(2)).active_node == "apple_price"


def test_construction_errors_name_the_problem():
    g = Graph()
    x = g.input("x", 1.0)
    with pytest.raises(GraphError, match="unknown operation 'pow'"):
        g.op("pow", x)
    with pytest.raises(GraphError, match="'exp' needs 1 input"):
        g.op("exp", x, x)
    with pytest.raises(GraphError, match="at least 2 inputs"):
        g.add(x)
    with pytest.raises(GraphError, match="used twice"):
        g.input("x", 2.0)
    with pytest.raises(GraphError, match="'nope', which is not in the graph"):
        g.exp("nope")
    with pytest.raises(TypeError, match="input 'y' must be a real number, got str"):
        g.input("y", "3")
    with pytest.raises(ValueError, match="finite"):
        g.input("z", math.nan)
    with pytest.raises(GraphError, match="no output"):
        g.forward()
    with pytest.raises(GraphError, match="no input named"):
        g.set_output(x).forward(q=1.0)


def test_cycles_unknown_ops_and_non_finite_values_are_graph_errors():
    g = Graph()
    x = g.input("x", 1.0)
    a = g.exp(x, id="a")
    g.set_output(a)
    g.nodes["a"] = Node("a", "add", ("x", "b"))
    g.nodes["b"] = Node("b", "exp", ("a",))
    with pytest.raises(GraphError, match="cycle .*a -> b -> a"):
        g.forward()
    h = Graph()
    h.set_output(h.input("x", 1.0))
    h.nodes["w"] = Node("w", "warp", ("x",))
    with pytest.raises(GraphError, match="unknown operation 'warp'"):
        h.validate()
    big = Graph()
    big.set_output(big.exp(big.input("x", 1000.0)))
    with pytest.raises(GraphError, match="produced inf"):
        big.forward()
    zero = Graph()
    zero.set_output(zero.reciprocal(zero.input("x", 0.0)))
    with pytest.raises(GraphError, match="1/x of 0"):
        zero.forward()
    neg = Graph()
    neg.set_output(neg.log(neg.input("x", -1.0)))
    with pytest.raises(GraphError, match="log needs a positive input"):
        neg.forward()


def test_format_value_is_short_and_stable():
    assert format_value(220.00000000000003) == "220"
    assert format_value(110.00000000000001) == "110"
    assert format_value(3.3000000000000003) == "3.3"
    assert format_value(0.7310585786300049) == "0.7311"
    assert format_value(-0.0) == "0"
    assert format_value(2.0) == "2"
    assert format_value(1e-5) == "1e-05"
    assert format_value(None) == ""


def test_local_derivative_labels_show_the_rule_and_its_value():
    """Beside a node the reader sees "× 1.1" at a product, the rule and value at exp or sigmoid."""
    apple = BUILDERS["apple"]()
    assert state_after(apple).local_text["price"] == "× 1.1 / × 200"
    sig = BUILDERS["sigmoid_node"](x=0.0)          # y = 0.5, so y(1 - y) = 0.25
    assert state_after(sig).local_text["y"] == "× y(1−y) = 0.25"
    chain = BUILDERS["sigmoid"](x=0.0)              # exp(-0) = 1
    assert state_after(chain).local_text["exp"] == "× exp(x) = 1"


def test_forward_state_shows_every_forward_value_and_nothing_else():
    g = BUILDERS["apple_orange"]()
    st = forward_state(g)
    # Every edge carries its source's value, evaluated here by hand from the builder's inputs.
    by_hand = {"apple": 100, "apple_num": 2, "orange": 150, "orange_num": 3, "tax": 1.1}
    by_hand["apple_price"] = 100 * 2
    by_hand["orange_price"] = 150 * 3
    assert set(st.values) == {e.id for e in g.edges}
    for e in g.edges:
        if e.src in by_hand:
            assert st.values[e.id] == pytest.approx(by_hand[e.src]), e.id
    assert st.values[f"{g.output}->out:0"] == pytest.approx((200 + 450) * 1.1)
    assert st.grads == {} and st.local_text == {}
    assert st.active_node is None and st.active_edges == ()
    assert "Forward pass" in st.caption and "715" in st.caption
    with pytest.raises(TypeError, match="graph must be a backprop.graph.Graph, got str"):
        forward_state("apple")
