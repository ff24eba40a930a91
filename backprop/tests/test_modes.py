"""Forward mode and reverse mode agree; their costs are counted per edge and per pass."""

import pytest

from backprop.graph import Graph
from backprop.graph.book import BUILDERS, fork_graph, sum_product_graph
from backprop.graph.modes import (forward_mode, local_derivatives, reverse_mode, tangents,
                                  weighted_sum_graph)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_both_modes_give_the_same_gradients(name):
    g = BUILDERS[name]()
    fwd, _ = forward_mode(g)
    rev, _ = reverse_mode(g)
    assert fwd.keys() == rev.keys()
    for k in fwd:
        assert fwd[k] == pytest.approx(rev[k], rel=1e-12, abs=1e-15), (name, k)


def test_fork_forward_mode_sums_both_paths():
    grads, mults = forward_mode(fork_graph(x=3.0, y=5.0))
    assert grads == {"x": 6.0, "y": 3.0}
    assert mults == 2 * 4   # two inputs, four edges into operations


def test_forward_mode_costs_one_pass_per_input_reverse_mode_one_pass():
    for n in (2, 10, 37):
        g = weighted_sum_graph(n)
        edges_into_ops = 2 * n + n + 1   # x_i and w_i into p_i, p_i into s, s into y
        _, fwd = forward_mode(g)
        _, rev = reverse_mode(g)
        assert fwd == n * edges_into_ops
        assert rev == edges_into_ops
        assert len(g.inputs_of()) == n


def test_local_derivatives_run_forward_first():
    g = Graph("m")
    g.set_output(g.mul(g.input("a", 2.0), g.input("b", 7.0), id="m"))
    assert local_derivatives(g) == {"m": [7.0, 2.0]}


def test_weighted_sum_graph_rejects_too_few_inputs():
    with pytest.raises(ValueError, match="at least 2"):
        weighted_sum_graph(1)


def test_tangents_are_one_forward_mode_pass():
    # e = (a + b)(b + 1) at a = 2, b = 1: c = 3, d = 2. Seeded at b, every value's
    # derivative with respect to b: dc/db = dd/db = 1, de/db = d + c = 5.
    g = sum_product_graph(a=2.0, b=1.0)
    assert tangents(g, "b") == {"a": 0.0, "b": 1.0, "one": 0.0, "c": 1.0, "d": 1.0, "e": 5.0}
    assert tangents(g, "a") == {"a": 1.0, "b": 0.0, "one": 0.0, "c": 1.0, "d": 0.0, "e": 2.0}
    with pytest.raises(ValueError, match="wrt must be one of the graph's inputs"):
        tangents(g, "c")
