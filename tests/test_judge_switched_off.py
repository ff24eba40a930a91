"""Course helpers that would answer a check are switched off while it runs, and only then.

A backward computed by ``backprop.nn.gradcheck`` or a ps1 answer computed by the
course's graph model earns nothing; the gradient-check exercise still uses
numerical gradients; outside ``check`` every helper works again.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

# Bound by name before any check runs, as a student notebook's first cell does.
from backprop.graph.expression import expression_graph
from backprop.nn.gradcheck import numerical_gradient, numerical_gradient_layer, rel_error
from backprop.graph import Graph
from backprop.graph.book import square_sum_graph

from autograder.checks import judge as judge_module, probe
from autograder.checks.cases import BLOCKS, CHECKS
from autograder.checks.drivers import GRAPH_MODEL, NUMERICAL, SWITCHED_OFF
from autograder.checks.judge import judge, numeric
from autograder.checks.probe import check, record, switched_off
from backprop.nn import layers
from reference import extra_layers

NUMERICAL_MESSAGE = SWITCHED_OFF[NUMERICAL][0]
GRAPH_MESSAGE = SWITCHED_OFF[GRAPH_MODEL][0]


def numerical_backward(base):
    """A layer whose forward is right and whose backward is finite differences of it."""
    class NumericalBackward:
        def __init__(self, *args):
            self.args = args

        def forward(self, x):
            self.x = x.copy()
            return base(*self.args).forward(x)

        def backward(self, dout):
            if base is layers.Affine:  # dW and db by finite differences as well
                W, b = self.args
                self.dW = numerical_gradient_layer(lambda a: base(a, b).forward(self.x), W.copy(), dout)
                self.db = numerical_gradient_layer(lambda a: base(W, a).forward(self.x), b.copy(), dout)
            return numerical_gradient_layer(lambda a: base(*self.args).forward(a), self.x.copy(), dout)
    return NumericalBackward


def without_blocks(monkeypatch, check_id):
    monkeypatch.setitem(CHECKS, check_id, dataclasses.replace(CHECKS[check_id], blocks=()))


NUMERICAL_LAYERS = [("ps2_tanh", extra_layers.Tanh), ("ps2_exp", extra_layers.Exp),
                    ("ps2_affine_backward", layers.Affine), ("ps2_sigmoid_backward", layers.Sigmoid),
                    ("ps2_reciprocal", extra_layers.Reciprocal), ("ps3_softmax_layer", extra_layers.Softmax)]


@pytest.mark.parametrize("check_id,base", NUMERICAL_LAYERS, ids=[c for c, _ in NUMERICAL_LAYERS])
def test_a_backward_by_numerical_gradient_fails_with_the_message(check_id, base):
    verdict = judge(check_id, record(check_id, numerical_backward(base)))
    assert not verdict.passed
    assert NUMERICAL_MESSAGE in verdict.message


def test_without_the_block_the_numerical_backward_really_computes_the_gradient(monkeypatch):
    # The block, not a broken test double, is what fails it: unblocked, every recorded
    # gradient is the numerical one (which the judge no longer accepts for the chain rule).
    without_blocks(monkeypatch, "ps2_exp")
    outputs = record("ps2_exp", numerical_backward(extra_layers.Exp))["outputs"]
    oracle = numeric("ps2_exp")
    assert oracle and all(np.allclose(outputs[name]["data"], value, rtol=1e-12) for name, value in oracle.items())
    assert not judge("ps2_exp", {"check": "ps2_exp", "outputs": outputs}).passed


def test_hand_written_finite_differences_do_not_pass_for_the_chain_rule():
    # No helper involved: central differences with the course's h land within the
    # numerical oracle's tolerance but not within the reference's.
    class ExpByDifferences:
        def forward(self, x):
            self.x = x.copy()
            return np.exp(x)

        def backward(self, dout, h=1e-4):
            return dout * (np.exp(self.x + h) - np.exp(self.x - h)) / (2 * h)

    verdict = judge("ps2_exp", record("ps2_exp", ExpByDifferences))
    assert not verdict.passed and "should be" in verdict.message


def add_mul_by_expression(x, y, z):
    g = expression_graph("(x + y) * z", x=x, y=y, z=z)
    f = g.forward()
    grads = g.backward()
    return f, grads["x"], grads["y"], grads["z"]


def square_sum_by_graph(x, y):
    g = square_sum_graph(x=x, y=y)
    z = g.forward()
    grads = g.backward()
    return z, grads["x"], grads["y"]


def shopping_by_graph(pear, pear_num, lemon, lemon_num, bag, tax):
    g = Graph("shopping")
    ids = {k: g.input(k, v, id=k) for k, v in dict(pear=pear, pear_num=pear_num, lemon=lemon,
                                                     lemon_num=lemon_num, bag=bag, tax=tax).items()}
    fruit = g.add(g.mul(ids["pear"], ids["pear_num"]), g.mul(ids["lemon"], ids["lemon_num"]))
    g.set_output(g.mul(g.add(fruit, ids["bag"]), ids["tax"]))
    price = g.forward()
    return price, g.backward()


GRAPH_ANSWERS = [("ps1_add_mul", add_mul_by_expression), ("ps1_square_sum", square_sum_by_graph),
                 ("ps1_shopping_forward", shopping_by_graph), ("ps1_shopping_backward", shopping_by_graph)]


@pytest.mark.parametrize("check_id,answer", GRAPH_ANSWERS, ids=[c for c, _ in GRAPH_ANSWERS])
def test_a_ps1_answer_from_the_graph_model_fails_with_the_message(check_id, answer, monkeypatch):
    verdict = judge(check_id, record(check_id, answer))
    assert not verdict.passed
    assert GRAPH_MESSAGE in verdict.message
    # ...while the same answer, unblocked, would have earned the points: the loophole was real.
    without_blocks(monkeypatch, check_id)
    assert judge(check_id, record(check_id, answer)).passed


def test_bound_methods_and_steps_are_switched_off_too():
    g = square_sum_graph(x=1.0, y=2.0)
    forward, steps = g.forward, g.steps  # bound before the block
    with switched_off((GRAPH_MODEL,)):
        for call in (forward, steps, g.backward, lambda: Graph.evaluate(g)):
            with pytest.raises(RuntimeError, match="graph model is switched off"):
                call()
    assert forward() == 9.0 and len(steps()) > 0


def gradient_check_with_helper(net, x, t):
    analytic = net.gradient(x, t)
    return {key: rel_error(analytic[key], numerical_gradient(lambda _: net.loss(x, t), net.params[key]))
            for key in net.params}


def test_the_gradient_check_exercise_may_use_numerical_gradient():
    assert BLOCKS["ps4_gradient_check"] == ()
    verdict = judge("ps4_gradient_check", record("ps4_gradient_check", gradient_check_with_helper))
    assert verdict.passed, verdict.message


def helpers_work():
    x = np.array([1.0, -2.0])
    assert np.allclose(numerical_gradient(lambda a: float(np.sum(a ** 2)), x.copy()), 2 * x)
    assert np.allclose(numerical_gradient_layer(lambda a: 3 * a, x.copy(), np.ones(2)), 3.0)
    assert add_mul_by_expression(-2.0, 5.0, -4.0) == (-12.0, -4.0, -4.0, 3.0)
    assert square_sum_by_graph(1.0, 2.0) == (9.0, 6.0, 6.0)


class Raises:
    def __init__(self, *args):
        pass

    def forward(self, x):
        return x

    def backward(self, dout):
        raise ValueError("student bug")


class Interrupts(Raises):
    def backward(self, dout):
        raise KeyboardInterrupt


def test_helpers_work_again_after_check_returns_or_the_student_raised(monkeypatch):
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: None)
    helpers_work()
    check("ps2_exp", numerical_backward(extra_layers.Exp))
    helpers_work()
    assert "ValueError: student bug" in judge("ps2_exp", record("ps2_exp", Raises)).message
    helpers_work()
    with pytest.raises(KeyboardInterrupt):
        check("ps2_tanh", Interrupts)
    helpers_work()
    record("ps1_add_mul", add_mul_by_expression)
    helpers_work()


def test_every_check_declares_its_blocks_and_gradient_checks_block_numerical_gradients():
    assert set(BLOCKS) == set(CHECKS)
    assert all(CHECKS[cid].blocks == BLOCKS[cid] for cid in CHECKS)
    for cid in CHECKS:
        assert set(BLOCKS[cid]) <= set(SWITCHED_OFF), cid
        if numeric(cid):  # a backward or gradient with a numerical oracle
            assert NUMERICAL in BLOCKS[cid], cid
        if cid.startswith("ps1_"):
            assert GRAPH_MODEL in BLOCKS[cid], cid
    assert NUMERICAL in BLOCKS["ps4_train"]


def test_every_switched_off_helper_is_a_plain_function_and_gets_its_code_back():
    # A helper that could not be switched off would fail every check that blocks it;
    # this names it at once instead.
    for group, (_, targets) in SWITCHED_OFF.items():
        funcs = [probe._function(module, dotted) for module, dotted in targets]
        codes = [f.__code__ for f in funcs]
        with switched_off((group,)):
            assert all(f.__code__ is not c for f, c in zip(funcs, codes))
        assert [f.__code__ for f in funcs] == codes


def test_the_judge_refuses_a_reference_the_numerical_oracle_does_not_confirm(monkeypatch):
    wrong = {name: value * 1.01 for name, value in numeric("ps2_tanh").items()}
    monkeypatch.setattr(judge_module, "numeric", lambda check_id: wrong)
    with pytest.raises(RuntimeError, match="disagrees with the numerical gradient"):
        judge_module.confirmed_expected.__wrapped__("ps2_tanh")
