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


NUMERICAL_LAYERS = [("ps2_tanh_backward", extra_layers.Tanh), ("ps2_exp_backward", extra_layers.Exp),
                    ("ps2_affine_backward", layers.Affine), ("ps2_sigmoid_backward", layers.Sigmoid),
                    ("ps2_reciprocal_backward", extra_layers.Reciprocal), ("ps3_softmax_layer", extra_layers.Softmax)]


@pytest.mark.parametrize("check_id,base", NUMERICAL_LAYERS, ids=[c for c, _ in NUMERICAL_LAYERS])
def test_a_backward_by_numerical_gradient_fails_with_the_message(check_id, base):
    verdict = judge(check_id, record(check_id, numerical_backward(base)))
    assert not verdict.passed
    assert NUMERICAL_MESSAGE in verdict.message


def test_without_the_block_the_numerical_backward_really_computes_the_gradient(monkeypatch):
    # The block, not a broken test double, is what fails it: unblocked, every recorded
    # gradient is the numerical one (which the judge no longer accepts for the chain rule).
    without_blocks(monkeypatch, "ps2_exp_backward")
    outputs = record("ps2_exp_backward", numerical_backward(extra_layers.Exp))["outputs"]
    oracle = numeric("ps2_exp_backward")
    assert oracle and all(np.allclose(outputs[name]["data"], value, rtol=1e-12) for name, value in oracle.items())
    assert not judge("ps2_exp_backward", {"check": "ps2_exp_backward", "outputs": outputs}).passed


def test_hand_written_finite_differences_do_not_pass_for_the_chain_rule():
    # No helper involved: central differences with the course's h land within the
    # numerical oracle's tolerance but not within the reference's.
    class ExpByDifferences:
        def forward(self, x):
            self.x = x.copy()
            return np.exp(x)

        def backward(self, dout, h=1e-4):
            return dout * (np.exp(self.x + h) - np.exp(self.x - h)) / (2 * h)

    verdict = judge("ps2_exp_backward", record("ps2_exp_backward", ExpByDifferences))
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


GRAPH_ANSWERS = [("ps1_add_mul_backward", add_mul_by_expression), ("ps1_square_sum", square_sum_by_graph),
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
    check("ps2_exp_backward", numerical_backward(extra_layers.Exp))
    helpers_work()
    assert "ValueError in backward: student bug" in judge("ps2_exp_backward", record("ps2_exp_backward", Raises)).message
    helpers_work()
    with pytest.raises(KeyboardInterrupt):
        check("ps2_tanh_backward", Interrupts)
    helpers_work()
    record("ps1_add_mul_backward", add_mul_by_expression)
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
    wrong = {name: value * 1.01 for name, value in numeric("ps2_tanh_backward").items()}
    monkeypatch.setattr(judge_module, "numeric", lambda check_id: wrong)
    with pytest.raises(RuntimeError, match="disagrees with the numerical gradient"):
        judge_module.confirmed_expected.__wrapped__("ps2_tanh_backward")


# --- The student's own numerical differentiation: forward evaluated away from its input -----------

AWAY_MESSAGE = "That is numerical differentiation, which earns no points here"


def central(f, x, dout, h):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = np.sum((f(x + step) - f(x - step)) * dout) / (2 * h)
    return grad


def five_point(f, x, dout, h):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = np.sum((-f(x + 2 * e) + 8 * f(x + e) - 8 * f(x - e) + f(x - 2 * e)) * dout) / (12 * h)
    return grad


def complex_step(f, x, dout, h=1e-20):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape, dtype=complex)
        e[i] = 1j * h
        grad[i] = np.sum(np.imag(f(x + e)) * dout) / h
    return grad


METHODS = {"smaller step": lambda f, x, dout: central(f, x, dout, 1e-6), "five-point stencil": lambda f, x, dout:
           five_point(f, x, dout, 1e-3), "complex step": complex_step}


def by_own_differences(base, method, through):
    """A layer whose backward differentiates its forward numerically with the student's own code.

    through: "self" calls self.forward, "new" a fresh instance's forward.
    """
    class OwnDifferences(base):
        def forward(self, x):
            self.x_seen = np.array(x, dtype=float)
            return super().forward(x)

        def backward(self, dout):
            x = self.x_seen
            f = self.forward if through == "self" else (lambda a: type(self)().forward(a))
            return method(f, x, np.asarray(dout, dtype=float))
    return OwnDifferences


class PlainTanh:
    """A student's Tanh: numpy on whatever it is given (complex numbers too)."""

    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        return dout * (1 - self.out ** 2)


class PlainExp(PlainTanh):
    def forward(self, x):
        self.out = np.exp(x)
        return self.out


OWN = [(cid, base, method, through) for cid, base in [("ps2_tanh_backward", PlainTanh),
                                                      ("ps2_exp_backward", PlainExp),
                                                      ("ps3_softmax_layer", extra_layers.Softmax)]
       for method in METHODS for through in ("self", "new")
       if not (method == "complex step" and base is extra_layers.Softmax)]  # the reference softmax is real-valued


@pytest.mark.parametrize("check_id,base,method,through", OWN,
                         ids=[f"{c}-{m}-{t}" for c, _, m, t in OWN])
def test_a_backward_by_the_students_own_numerical_differentiation_fails(check_id, base, method, through):
    layer = by_own_differences(base, METHODS[method], through)
    verdict = judge(check_id, record(check_id, layer))
    assert not verdict.passed and AWAY_MESSAGE in verdict.message, verdict.message


def test_the_own_differences_really_compute_the_gradient_to_the_reference_tolerance():
    """Control: with the watch blind (no classes), the complex step and the stencil pass: only the watch
    tells them from the chain rule, so it is what the test above measures."""
    from autograder.checks import drivers

    for method in ("complex step", "five-point stencil"):
        layer = by_own_differences(PlainTanh, METHODS[method], "self")
        real = drivers.Watch.__init__

        def blind(self, classes, ignore_arguments=False):
            real(self, (), ignore_arguments)
        try:
            drivers.Watch.__init__ = blind
            verdict = judge("ps2_tanh_backward", record("ps2_tanh_backward", layer))
        finally:
            drivers.Watch.__init__ = real
        assert verdict.passed, (method, verdict.message)


def test_a_right_backward_may_call_forward_at_the_input_it_was_given():
    class TanhRecomputes(PlainTanh):
        def forward(self, x):
            self.x_seen = np.array(x, dtype=float)
            return super().forward(x)

        def backward(self, dout):
            out = type(self)().forward(self.x_seen)  # the same point: no difference quotient
            return dout * (1 - out ** 2)

    assert judge("ps2_tanh_backward", record("ps2_tanh_backward", TanhRecomputes)).passed


def test_affine_weights_perturbed_in_place_count_as_evaluations_away():
    class AffineOwnDifferences(layers.Affine):
        def backward(self, dout):
            dx = super().backward(dout)
            x = self.x.reshape(self.x_shape)
            dW = np.zeros_like(self.W)
            for i in np.ndindex(self.W.shape):
                old = self.W[i]
                self.W[i] = old + 1e-6
                up = np.sum(self.forward(x) * dout)
                self.W[i] = old - 1e-6
                down = np.sum(self.forward(x) * dout)
                self.W[i] = old
                dW[i] = (up - down) / 2e-6
            self.forward(x)
            self.dW = dW
            return dx

    verdict = judge("ps2_affine_backward", record("ps2_affine_backward", AffineOwnDifferences))
    assert not verdict.passed and AWAY_MESSAGE in verdict.message


def test_a_network_gradient_by_the_students_own_differences_fails():
    from reference.multi_layer_net import MultiLayerNet

    class NetOwnDifferences(MultiLayerNet):
        def gradient(self, x, t):
            grads = {}
            for key, value in self.params.items():
                grads[key] = np.zeros_like(value)
                for i in np.ndindex(value.shape):
                    old = value[i]
                    value[i] = old + 1e-6
                    up = self.loss(x, t)
                    value[i] = old - 1e-6
                    down = self.loss(x, t)
                    value[i] = old
                    grads[key][i] = (up - down) / 2e-6
            return grads

    verdict = judge("ps4_multi_gradient", record("ps4_multi_gradient", NetOwnDifferences))
    assert not verdict.passed and AWAY_MESSAGE in verdict.message


def test_finite_differences_written_with_numpy_functions_are_not_watched():
    """The documented limit: a complex step on np.tanh itself never calls forward, and is exact to
    rounding, so it passes (docs/grading.md says so; the course's own step does not pass)."""
    class TanhNumpyComplexStep(PlainTanh):
        def forward(self, x):
            self.x_seen = np.array(x, dtype=float)
            return super().forward(x)

        def backward(self, dout):
            return dout * np.imag(np.tanh(self.x_seen + 1e-20j)) / 1e-20

    assert judge("ps2_tanh_backward", record("ps2_tanh_backward", TanhNumpyComplexStep)).passed
