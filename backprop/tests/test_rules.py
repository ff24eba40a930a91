"""The operation table is data (graph/ops.json) compiled by a small rule language."""

import json
import math

import pytest

from backprop.graph import OPS, GraphError
from backprop.graph.nodes import OPS_FILE, _op_rule
from backprop.graph.rules import compile_rule

NAMES = {"x", "w", "y", "c", "xs", "others"}


def test_a_rule_is_a_formula_with_pythons_precedence():
    env = {"x": 2.0, "w": -0.5, "y": 0.25, "c": 3.0, "xs": [2.0, -0.5, 4.0]}
    assert compile_rule("1.0 / (1.0 + exp(-x))", NAMES)(env) == 1.0 / (1.0 + math.exp(-2.0))
    assert compile_rule("-y * y", NAMES)(env) == -0.0625
    assert compile_rule("c * x - w / 2", NAMES)(env) == 6.25
    assert compile_rule("max(x, 0.0) + max(w, 0.0) + step(w) + step(x)", NAMES)(env) == 3.0
    assert compile_rule("sum(xs) + prod(xs)", NAMES)(env) == 5.5 + -4.0
    assert compile_rule("log(tanh(x))", NAMES)(env) == math.log(math.tanh(2.0))


def test_sum_adds_left_to_right_as_the_browser_does():
    # Python's own sum() compensates rounding from 3.12 on; JavaScript has no such sum.
    env = {"xs": [1e16, 1.0, -1e16]}
    assert compile_rule("sum(xs)", {"xs"})(env) == (1e16 + 1.0) - 1e16 == 0.0


def test_relu_at_zero_and_its_signs_match_the_book():
    relu = OPS["relu"]
    assert relu.forward([-0.0], None) == 0.0 and math.copysign(1, relu.forward([-0.0], None)) == 1
    assert relu.forward([-2.0], None) == 0.0 and relu.local([0.0], 0.0, None) == [0.0]
    assert relu.local([1e-300], 1e-300, None) == [1.0]


@pytest.mark.parametrize("text, words", [
    ("x ** 2", "'x ** 2' is not part of the rule language"),
    ("z + 1", "'z' is not part"),
    ("math.exp(x)", "'math.exp(x)'"),
    ("max(x)", "'max(x)'"),
    ("sum(x)", "'sum(x)'"),
    ("'x'", "\"'x'\" is not part"),
    ("x +", "is not a formula"),
])
def test_anything_else_is_refused_with_the_part_named(text, words):
    with pytest.raises(ValueError, match="rule") as info:
        compile_rule(text, NAMES)
    assert words in str(info.value)


def test_every_row_of_the_table_compiles_and_agrees_with_its_own_slope():
    """Each local rule is the derivative of its forward rule (central difference at a few points)."""
    table = json.loads(OPS_FILE.read_text(encoding="utf-8"))["ops"]
    assert set(table) == set(OPS)
    h = 1e-6
    for name, rule in OPS.items():
        n = rule.arity or 3
        for xs in ([0.7, -1.3, 2.1][:n], [1.9, 0.4, -0.6][:n]):
            c = 1.5
            y = rule.forward(xs, c)
            local = rule.local(xs, y, c)
            for k in range(n):
                up, down = list(xs), list(xs)
                up[k] += h
                down[k] -= h
                try:
                    slope = (rule.forward(up, c) - rule.forward(down, c)) / (2 * h)
                except GraphError:
                    continue   # log of a negative input: outside the domain
                assert local[k] == pytest.approx(slope, rel=1e-6, abs=1e-8), (name, xs, k)


def test_a_broken_row_is_refused_when_the_table_loads():
    with pytest.raises(ValueError, match="names 1 inputs"):
        _op_rule("bad", {"symbol": "?", "arity": 2, "inputs": ["x"], "forward": "x", "local": ["1.0"], "rule": "?"})
    with pytest.raises(ValueError, match="2 local rules"):
        _op_rule("bad", {"symbol": "?", "arity": 1, "forward": "x", "local": ["1.0", "2.0"], "rule": "?"})
    with pytest.raises(ValueError, match="'q' is not part"):
        _op_rule("bad", {"symbol": "?", "arity": 1, "forward": "q", "local": "1.0", "rule": "?"})


def test_domain_errors_name_the_operation_and_the_value():
    with pytest.raises(GraphError, match=r"^1/x of 0 is undefined"):
        OPS["reciprocal"].forward([0.0], None)
    with pytest.raises(GraphError, match=r"^log needs a positive input, got -2.5; change the inputs$"):
        OPS["log"].forward([-2.5], None)


def test_captions_come_from_the_table():
    assert OPS["mul"].formula(0, 2, None) == "× the other input"
    assert OPS["mul"].formula(1, 3, None) == "× the other inputs"
    assert [OPS["dot"].formula(k, 2, None) for k in (0, 1)] == ["× Wᵀ", "× Xᵀ (on the left)"]
    assert OPS["scale"].formula(0, 1, -0.5) == "× -0.5"
    assert OPS["exp"].show_rule and not OPS["add"].show_rule
