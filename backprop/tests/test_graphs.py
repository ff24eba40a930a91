"""The book's graphs: the numbers of the source notes, and agreement with numerical gradients."""

import math

import numpy as np
import pytest

from backprop.nn.gradcheck import SMOOTH_TOLERANCE, numerical_gradient, rel_error
from backprop.graph import Graph
from backprop.graph.book import (BUILDERS, apple_graph, apple_orange_graph, build, factoring_graph,
                                 fork_graph, fork_product_graph, patterns_graph, sigmoid_graph,
                                 softmax_with_loss_graph, square_sum_graph, sum_product_graph,
                                 transposed)


def test_builder_names_match_the_agreed_api():
    assert list(BUILDERS) == ["apple", "apple_orange", "square_sum", "fork", "fork_product", "sigmoid",
                              "sigmoid_node", "softmax_with_loss", "sum_product", "factoring"]
    for name, builder in BUILDERS.items():
        g = builder()
        assert isinstance(g, Graph) and g.name == name
        assert all(n.pos is not None for n in g.nodes.values()), name


def test_apple_220_and_its_gradients():
    # Source notes: price 220.00000000000003; dapple 2.2, dapple_num 110.00000000000001, dtax 200.
    g = apple_graph()
    assert g.inputs_of() == ["apple", "apple_num", "tax"]
    assert g.values["price"] == pytest.approx(220, rel=1e-15, abs=0)
    assert g.values["apple_price"] == 200          # 100 * 2 is exact in floating point
    grads = g.backward()
    assert grads["apple"] == pytest.approx(2.2, rel=1e-15, abs=0)
    assert grads["apple_num"] == pytest.approx(110, rel=1e-15, abs=0)
    assert grads["tax"] == 200                     # = apple * apple_num, exact


def test_apple_and_orange_715_and_its_gradients():
    # Source notes print: dapple_num 110, dapple 2.2, dorange 3.3, dorange_num 165, dtax 650.
    g = apple_orange_graph()
    assert g.values["price"] == pytest.approx(715, rel=1e-15, abs=0)
    assert g.values["all_price"] == 650
    grads = g.backward()
    expected = {"apple_num": 110, "apple": 2.2, "orange": 3.3, "orange_num": 165, "tax": 650}
    assert set(grads) == set(expected)
    for name, value in expected.items():
        assert grads[name] == pytest.approx(value, rel=1e-15, abs=0), name
    assert grads["orange_num"] == 165 and grads["tax"] == 650   # exact: 1.1*150, 200 + 450


def test_fork_gradients_add_up_to_y_plus_one():
    g = fork_graph(x=3.0, y=5.0)
    assert g.values["f"] == 18.0
    assert g.node_grads == {"f": 1.0, "xy": 1.0, "x": 6.0, "y": 3.0}
    # x's two outgoing edges carry y and 1; the node's gradient is their sum.
    assert (g.grads["x->xy:0"], g.grads["x->f:1"]) == (5.0, 1.0)
    assert sorted(e.dst for e in g.consumers("x")) == ["f", "xy"]


def test_fork_product_gradients_add_up_to_x_plus_y_plus_x():
    g = fork_product_graph(x=2.0, y=3.0)
    assert g.values["f"] == 10.0
    # x's edge into the multiply node carries x + y = 5, its edge into the add node x = 2.
    assert (g.grads["x->f:1"], g.grads["x->s:0"]) == (5.0, 2.0)
    assert g.node_grads["x"] == 7.0 and g.node_grads["y"] == 2.0


def test_sum_product_is_olahs_example():
    g = sum_product_graph(a=2.0, b=1.0)
    assert (g.values["c"], g.values["d"], g.values["e"]) == (3.0, 2.0, 6.0)
    # de/da = d; b reaches e through c (times d = 2) and through d (times c = 3).
    assert (g.grads["b->c:1"], g.grads["b->d:0"]) == (2.0, 3.0)
    assert g.backward() == {"a": 2.0, "b": 5.0}


def test_factoring_graph_sums_nine_paths_as_a_product_of_two_sums():
    first, second = (1.0, -2.0, 0.5), (3.0, 0.25, -1.0)
    g = factoring_graph(first, second, x=2.0)
    paths = sum(a * b for a in first for b in second)      # all nine products, listed
    assert g.values["z"] == pytest.approx(2.0 * paths)
    assert g.backward()["x"] == pytest.approx(paths)
    assert g.node_grads["y"] == pytest.approx(sum(second))
    with pytest.raises(ValueError, match="first"):
        factoring_graph((1.0, 2.0))


def test_patterns_graph_is_cs231ns_circuit():
    g = patterns_graph(x=3.0, y=-4.0, z=2.0, w=-1.0)
    assert g.values["f"] == -20.0
    # The add node gives both inputs 2; max routes 2 to z and 0 to w; the product swaps.
    assert g.backward() == {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0}


def test_square_sum_is_the_chain_rule_example():
    g = square_sum_graph(x=1.5, y=-4.0)
    assert g.values["t"] == -2.5 and g.values["z"] == 6.25
    assert g.backward() == {"x": 2 * (1.5 - 4.0), "y": 2 * (1.5 - 4.0)}


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 1.0, 2.5])
@pytest.mark.parametrize("upstream", [1.0, 0.3, -2.0])
def test_sigmoid_graph_gives_upstream_times_y_one_minus_y(x, upstream):
    g = sigmoid_graph(x)
    y = 1.0 / (1.0 + math.exp(-x))
    assert g.values["y"] == pytest.approx(y, rel=1e-14)
    assert [g.nodes[n].op for n in ("neg", "exp", "plus", "y")] == ["mul", "exp", "add", "reciprocal"]
    assert g.backward(dout=upstream)["x"] == pytest.approx(upstream * y * (1 - y), rel=1e-12)


def _softmax(a):
    e = np.exp(a - np.max(a))
    return e / e.sum()


@pytest.mark.parametrize("a,t", [((0.3, 2.9, 4.0), (0, 1, 0)), ((1.0, -2.0, 0.5), (1, 0, 0)),
                                 ((-1.2, 0.0, 3.3), (0, 0, 1))])
def test_softmax_with_loss_gives_y_minus_t(a, t):
    g = softmax_with_loss_graph(a, t)
    y = _softmax(np.array(a))
    loss = -float(np.sum(np.array(t) * np.log(y)))
    assert g.values["L"] == pytest.approx(loss, rel=1e-12)
    for k in range(3):
        assert g.values[f"y{k + 1}"] == pytest.approx(y[k], rel=1e-12)
    grads = g.backward()
    got = np.array([grads["a1"], grads["a2"], grads["a3"]])
    np.testing.assert_allclose(got, y - np.array(t), rtol=1e-10, atol=1e-14)


def test_softmax_graph_has_the_appendix_structure():
    g = softmax_with_loss_graph()
    ops = [n.op for n in g.nodes.values()]
    assert ops.count("exp") == 3 and ops.count("log") == 3 and ops.count("reciprocal") == 1
    assert ops.count("mul") == 6 and ops.count("add") == 2 and ops.count("scale") == 1
    consumers = {nid: [e.dst for e in g.edges if e.src == nid] for nid in g.nodes}
    assert consumers["inv_S"] == ["y1", "y2", "y3"]          # 1/S fans out to the products
    for k in (1, 2, 3):
        assert sorted(consumers[f"exp{k}"]) == sorted(["S", f"y{k}"])


def _random_inputs(name, rng):
    """Seeded inputs away from the graphs' singular points (log 0, 1/0)."""
    if name in ("apple", "apple_orange"):
        keys = ["apple", "apple_num", "tax"] + (["orange", "orange_num"] if name == "apple_orange" else [])
        return {k: float(rng.uniform(0.5, 200)) for k in keys}
    if name in ("square_sum", "fork", "fork_product"):
        return {"x": float(rng.normal(0, 3)), "y": float(rng.normal(0, 3))}
    if name in ("sigmoid", "sigmoid_node"):
        return {"x": float(rng.normal(0, 3))}
    if name == "sum_product":
        return {"a": float(rng.normal(0, 3)), "b": float(rng.normal(0, 3))}
    if name == "factoring":
        return {"x": float(rng.normal(0, 3)), "first": tuple(rng.normal(0, 2, size=3)),
                "second": tuple(rng.normal(0, 2, size=3))}
    t = np.zeros(3)
    t[rng.integers(3)] = 1.0
    return {"a": tuple(rng.normal(0, 2, size=3)), "t": tuple(t)}


def _check_against_numerics(g):
    ids = g.inputs_of()
    x = np.array([g.values[i] for i in ids], dtype=np.float64)
    num = numerical_gradient(lambda v: g.evaluate(**dict(zip(ids, v))), x)
    analytic = g.backward()
    ana = np.array([analytic[i] for i in ids])
    assert rel_error(ana, num) < SMOOTH_TOLERANCE, (g.name, ids, ana, num)


def test_the_modes_and_patterns_graphs_agree_with_numerical_gradients():
    rng = np.random.default_rng(7)
    for _ in range(4):
        _check_against_numerics(sum_product_graph(*rng.normal(0, 2, size=2)))
        _check_against_numerics(factoring_graph(rng.normal(0, 2, size=3), rng.normal(0, 2, size=3),
                                                float(rng.normal())))
        z, w = rng.normal(0, 2, size=2)
        if abs(z - w) > 0.01:   # away from max's kink, where no derivative exists
            _check_against_numerics(patterns_graph(*rng.normal(0, 2, size=2), z, w))


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_builder_agrees_with_numerical_gradients(name):
    _check_against_numerics(BUILDERS[name]())
    rng = np.random.default_rng(20240 + len(name))
    for _ in range(4):
        g = BUILDERS[name](**_random_inputs(name, rng))
        _check_against_numerics(g)
        if name == "softmax_with_loss":   # and the one-hot target still gives y - t
            a = np.array([g.values[f"a{k}"] for k in (1, 2, 3)])
            t = np.array([g.values[f"t{k}"] for k in (1, 2, 3)])
            got = np.array([g.node_grads[f"a{k}"] for k in (1, 2, 3)])
            np.testing.assert_allclose(got, _softmax(a) - t, rtol=1e-9, atol=1e-13)


def test_builders_are_deterministic():
    for name, builder in BUILDERS.items():
        a, b = builder(), builder()
        assert a.nodes == b.nodes and a.values == b.values and a.grads == b.grads, name
        assert a.steps() == b.steps(), name


def test_build_by_name_and_bad_inputs():
    assert build("apple", apple=50).values["price"] == pytest.approx(110)
    with pytest.raises(ValueError, match="name must be one of apple, apple_orange"):
        build("pear")
    with pytest.raises(TypeError, match="input 'apple' must be a real number, got str"):
        apple_graph(apple="100")
    with pytest.raises(ValueError, match=r"a must have shape \(3,\), got \(2,\)"):
        softmax_with_loss_graph(a=(1.0, 2.0))
    with pytest.raises(ValueError, match="t must hold only finite numbers"):
        softmax_with_loss_graph(t=(0.0, math.inf, 0.0))


def test_the_sigmoid_node_gives_the_four_node_chains_gradient():
    """Collapsing x -> ×(-1) -> exp -> +1 -> 1/x into one node changes no number."""
    for x in (-3.0, 0.0, 0.7, 4.2):
        chain, node = BUILDERS["sigmoid"](x=x), BUILDERS["sigmoid_node"](x=x)
        assert node.forward() == pytest.approx(chain.forward(), rel=1e-15)
        assert node.backward()["x"] == pytest.approx(chain.backward()["x"], rel=1e-12)


def test_transposed_swaps_rows_and_columns_and_keeps_the_numbers():
    g = softmax_with_loss_graph()
    t = transposed(g, across=0.5, down=2.0)
    for nid, node in g.nodes.items():
        assert t.nodes[nid].pos == (node.pos[1] * 0.5, node.pos[0] * 2.0)
        assert t.nodes[nid].op == node.op and t.nodes[nid].inputs == node.inputs
    assert t.values == g.values and t.grads == g.grads and t.output == g.output
