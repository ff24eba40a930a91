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


def test_tangents_are_one_forward_pass_and_match_a_central_difference():
    """e = (a + b)(b + 1) at a = 2, b = 1: de/db = (b + 1) + (a + b) = 5, found on one pass from b."""
    from backprop.graph.book import sum_product_graph
    from backprop.graph.modes import tangents

    g = sum_product_graph(a=2.0, b=1.0)
    t = tangents(g, "b")
    assert (t["a"], t["b"], t["c"], t["d"], t["e"]) == (0.0, 1.0, 1.0, 1.0, 5.0)
    h = 1e-6
    numeric = (g.evaluate(b=1.0 + h) - g.evaluate(b=1.0 - h)) / (2 * h)
    assert t["e"] == pytest.approx(numeric, rel=1e-8)
    with pytest.raises(ValueError, match="must be one of the graph's inputs"):
        tangents(g, "c")


def test_factoring_sums_nine_paths_in_two_factors():
    """Nine paths x -> z, each the product of one alpha and one delta, sum to (sum of alphas)(sum of deltas)."""
    from itertools import product

    from backprop.graph.book import factoring_graph

    alphas, deltas = (1.0, 2.0, 3.0), (4.0, 5.0, 6.0)
    g = factoring_graph(alphas, deltas, x=1.0)
    nine = sum(a * d for a, d in product(alphas, deltas))
    assert nine == sum(alphas) * sum(deltas) == 90
    fwd, fwd_cost = forward_mode(g)
    rev, rev_cost = reverse_mode(g)
    assert fwd["x"] == rev["x"] == nine
    assert fwd_cost == rev_cost == 12   # one input: both modes multiply once per edge into an operation
    assert g.node_grads["y"] == sum(deltas)   # reverse mode adds the three deltas once, at Y


def test_modes_figure_draws_both_passes_side_by_side():
    import re

    from backprop import messages
    from backprop.figures import modes_figure
    from backprop.figures.svg import FWD, GRAD
    from backprop.graph.book import sum_product_graph

    fig = modes_figure(sum_product_graph(), "b", caption="Both modes.", name="fig-modes")
    page = fig._repr_html_()
    assert page.count('<div class="bp-panel ') + page.count('<div class="bp-panel"') == 2 and "<figcaption>Both modes.</figcaption>" in page
    forward, reverse = (panel.svg for _, panel in fig.panels)
    blue = re.findall(rf'fill="{FWD}"[^>]*>([^<]*)</text>', forward)
    assert sorted(blue) == sorted(["0", "1", "1", "1", "1", "5"])   # d(start)/db on every edge into e's output
    red = re.findall(rf'fill="{GRAD}"[^>]*>([^<]*)</text>', reverse)
    assert "2 + 3 = 5" in red and "1" in red                        # b collects 2 + 3; the seed
    assert fig.panels[0][0] == messages.text("modes.forward", input="b")
    assert fig.panels[1][0] == messages.text("modes.reverse", output="e")


def test_tangents_are_one_forward_mode_pass():
    # e = (a + b)(b + 1) at a = 2, b = 1: c = 3, d = 2. Seeded at b, every value's
    # derivative with respect to b: dc/db = dd/db = 1, de/db = d + c = 5.
    g = sum_product_graph(a=2.0, b=1.0)
    assert tangents(g, "b") == {"a": 0.0, "b": 1.0, "one": 0.0, "c": 1.0, "d": 1.0, "e": 5.0}
    assert tangents(g, "a") == {"a": 1.0, "b": 0.0, "one": 0.0, "c": 1.0, "d": 0.0, "e": 2.0}
    with pytest.raises(ValueError, match="wrt must be one of the graph's inputs"):
        tangents(g, "c")
