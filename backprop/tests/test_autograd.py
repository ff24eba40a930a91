"""The autograd engine: every operation against numerical gradients (seeded), += at forks,
topological order, a given upstream gradient, detach and no_grad, loops, weight decay,
and the two-layer network against the hand-written layers."""

import ast
import inspect

import numpy as np
import pytest

from backprop.nn import autograd
from backprop.nn.autograd import (Tensor, no_grad, topological_order, two_layer_gradient,
                                  two_layer_loss, weight_decay_loss)
from backprop.nn.gradcheck import array_rel_error, numerical_gradient
from backprop.nn.layers import Affine
from backprop.nn.two_layer_net import TwoLayerNet

TOL = 1e-7


def _engine_vs_numerical(build, arrays, seed=0):
    """Largest relative error between the engine's gradients of ``build(*tensors)`` and
    central differences, for a random upstream gradient (the output may have any shape)."""
    dout = np.random.default_rng(seed + 100).normal(size=np.shape(build(*map(Tensor, arrays)).data))
    tensors = [Tensor(a.copy()) for a in arrays]
    build(*tensors).backward(dout)
    worst = 0.0
    for k, a in enumerate(arrays):
        def f(v, k=k):
            args = [Tensor(v) if j == k else Tensor(b) for j, b in enumerate(arrays)]
            return float(np.sum(build(*args).data * dout))
        worst = max(worst, array_rel_error(tensors[k].grad, numerical_gradient(f, a.copy())))
    return worst


def _normal(*shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


def _positive(*shape, seed):
    return np.random.default_rng(seed).uniform(0.5, 2.0, size=shape)


def _away_from_zero(*shape, seed):
    """Normal entries kept at least 0.1 from 0, where relu's slope jumps."""
    x = _normal(*shape, seed=seed)
    return np.where(np.abs(x) < 0.1, 0.5, x)


LABELS = np.array([0, 2, 1])
# name -> (build, input arrays): each primitive, each derived operation, the broadcasts.
CASES = {
    "+": (lambda a, b: a + b, [_normal(3, 4, seed=1), _normal(3, 4, seed=2)]),
    "+ (bias broadcast over rows)": (lambda a, b: a + b, [_normal(3, 4, seed=3), _normal(4, seed=4)]),
    "*": (lambda a, b: a * b, [_normal(3, 4, seed=5), _normal(3, 4, seed=6)]),
    "* (broadcast (1, 4))": (lambda a, b: a * b, [_normal(3, 4, seed=7), _normal(1, 4, seed=8)]),
    "**2": (lambda a: a ** 2, [_normal(3, 4, seed=9)]),
    "**3": (lambda a: a ** 3, [_normal(3, 4, seed=10)]),
    "**-1": (lambda a: a ** -1, [_positive(3, 4, seed=11)]),
    "**0.5": (lambda a: a ** 0.5, [_positive(3, 4, seed=12)]),
    "exp": (lambda a: a.exp(), [_normal(3, 4, seed=13)]),
    "log": (lambda a: a.log(), [_positive(3, 4, seed=14)]),
    "tanh": (lambda a: a.tanh(), [_normal(3, 4, seed=15)]),
    "sum": (lambda a: a.sum(), [_normal(3, 4, seed=16)]),
    "dot": (lambda a, b: a.dot(b), [_normal(3, 4, seed=17), _normal(4, 5, seed=18)]),
    "relu": (lambda a: a.relu(), [_away_from_zero(3, 4, seed=19)]),
    "sigmoid": (lambda a: a.sigmoid(), [_normal(3, 4, seed=20)]),
    "softmax_cross_entropy": (lambda a: a.softmax_cross_entropy(LABELS), [_normal(3, 4, seed=21)]),
    "softmax_cross_entropy (one-hot)": (lambda a: a.softmax_cross_entropy(np.eye(4)[LABELS]),
                                        [_normal(3, 4, seed=22)]),
    "neg": (lambda a: -a, [_normal(3, 4, seed=23)]),
    "sub": (lambda a, b: a - b, [_normal(3, 4, seed=24), _normal(4, seed=25)]),
    "rsub": (lambda a: 2.0 - a, [_normal(3, 4, seed=26)]),
    "truediv": (lambda a, b: a / b, [_normal(3, 4, seed=27), _positive(3, 4, seed=28)]),
    "rtruediv": (lambda a: 1.0 / a, [_positive(3, 4, seed=29)]),
    "mean": (lambda a: a.mean(), [_normal(3, 4, seed=30)]),
    "radd, rmul (number on the left)": (lambda a: 3.0 + 2.0 * a, [_normal(3, 4, seed=31)]),
    "ndarray on the left": (lambda a: np.ones(4) * a + np.ones(4), [_normal(3, 4, seed=32)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_operation_agrees_with_numerical_gradients(name):
    build, arrays = CASES[name]
    assert _engine_vs_numerical(build, arrays, seed=len(name)) < TOL


def _recorded_ops(build, arrays) -> set[str]:
    out = build(*map(Tensor, arrays))
    return {t._op for t in topological_order(out) if t._parents}


def test_the_cases_cover_every_operation_the_engine_defines():
    """Every ``Tensor(..., parents, "op")`` in the engine's source is exercised above."""
    source = inspect.getsource(autograd)
    defined = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Tensor" and len(node.args) == 3:
            op = node.args[2]
            defined.add(op.value if isinstance(op, ast.Constant) else "**")
    covered = set().union(*(_recorded_ops(*case) for case in CASES.values()))
    covered = {"**" if op.startswith("**") else op for op in covered}
    assert len(defined) >= 11, defined
    assert defined <= covered, f"operations without a numerical check: {sorted(defined - covered)}"


def test_gradients_add_at_forks():
    # f = x*y + x: x feeds two operations, so df/dx = y + 1.
    x, y = Tensor(3.0), Tensor(5.0)
    f = x * y + x
    f.backward()
    assert float(f.data) == 18.0
    assert float(x.grad) == 6.0 and float(y.grad) == 3.0
    # The fork's other order: x's add runs last in the backward pass, after the product's share.
    x, y = Tensor(3.0), Tensor(5.0)
    ((x + y) * x).backward()
    assert float(x.grad) == 2 * 3.0 + 5.0 and float(y.grad) == 3.0
    # One node in both slots of one operation.
    x = Tensor(3.0)
    (x + x).backward()
    assert float(x.grad) == 2.0
    x = Tensor(3.0)
    (x * x).backward()
    assert float(x.grad) == 6.0
    sq = _normal(3, 3, seed=40)
    assert _engine_vs_numerical(lambda a: a.dot(a) + a, [sq]) < TOL
    assert _engine_vs_numerical(lambda a: (a + a.relu()).dot(a.sigmoid()), [_away_from_zero(3, 3, seed=41)]) < TOL


def test_backward_twice_gives_the_same_gradients():
    x, y = Tensor(3.0), Tensor(5.0)
    f = x * y + x
    f.backward()
    f.backward()
    assert float(x.grad) == 6.0


def test_topological_order_puts_parents_first_and_visits_each_node_once():
    a, b = Tensor(1.0), Tensor(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert len(order) == len({id(n) for n in order}) == 5
    pos = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node._parents:
            assert pos[id(parent)] < pos[id(node)]
    assert order[-1] is e


def test_backward_from_an_array_with_an_upstream_gradient_is_chapter_3s_affine():
    """Y = XW + b with dout: the engine's grads are Affine.backward's dx, dW, db."""
    rng = np.random.default_rng(7)
    x, W, b, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 2))
    X, Wt, bt = Tensor(x), Tensor(W), Tensor(b)
    Y = X.dot(Wt) + bt
    kept = dout.copy()
    Y.backward(dout)
    layer = Affine(W, b)
    np.testing.assert_array_equal(Y.data, layer.forward(x))
    dx = layer.backward(dout)
    np.testing.assert_allclose(X.grad, dx, rtol=1e-14)
    np.testing.assert_allclose(Wt.grad, layer.dW, rtol=1e-14)
    np.testing.assert_allclose(bt.grad, layer.db, rtol=1e-14)
    np.testing.assert_array_equal(dout, kept)   # backward never writes into the caller's array
    np.testing.assert_array_equal(Y.grad, dout)
    assert Y.grad is not dout


def test_backward_needs_an_upstream_gradient_of_the_outputs_shape():
    Y = Tensor(np.ones((2, 3))) * 2.0
    with pytest.raises(ValueError, match=r"backward\(\) of an output of shape \(2, 3\) needs the upstream gradient"):
        Y.backward()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but the output has shape \(2, 3\)"):
        Y.backward(np.ones(3))
    loss = Tensor(2.0) * 3.0
    loss.backward(0.5)                                  # a loss may take an upstream gradient too
    assert float(loss._parents[0].grad) == 1.5


def test_detach_stops_the_gradient_on_that_path_only():
    # x * x has two paths to x (2x); with one factor detached, only the other remains (x).
    x = Tensor(3.0)
    (x * x.detach()).backward()
    assert float(x.grad) == 3.0
    d = x.detach()
    assert d._parents == () and np.array_equal(d.data, x.data)
    h = Tensor(2.0) * x
    assert h.detach()._parents == () and h._parents   # the original keeps its history


def test_no_grad_records_nothing_and_restores_recording():
    x = Tensor(_normal(2, 3, seed=50))
    with no_grad():
        y = (x * 2.0).exp()
        with no_grad():
            pass
        z = y + 1.0                                    # still inside: the inner block restored False
    assert y._parents == () and z._parents == () and z._op == ""
    assert (x * 2.0)._parents                          # recording again afterwards
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError("inside")
    assert (x + 1.0)._parents                          # restored after an exception too


def test_a_tensor_made_under_no_grad_is_a_leaf_of_later_graphs():
    x = Tensor(3.0)
    with no_grad():
        c = x * 2.0                                    # a constant 6 as far as gradients go
    y = Tensor(5.0)
    (c * y).backward()
    assert float(y.grad) == 6.0 and float(c.grad) == 5.0
    assert float(x.grad) == 0.0                        # nothing flowed through the unrecorded product


def _tanh_layers(h, layers):
    for W, b in layers:
        h = (h.dot(W) + b).tanh()
    return h


def test_a_loop_of_tanh_layers_is_recorded_layer_by_layer():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(4, 3))
    sizes = [3, 5, 4, 2]
    arrays = [a for d, m in zip(sizes, sizes[1:]) for a in (rng.normal(size=(d, m)), rng.normal(size=m))]

    def build(*params):
        return _tanh_layers(Tensor(x), list(zip(params[::2], params[1::2])))
    out = build(*map(Tensor, arrays))
    recorded = [t._op for t in topological_order(out) if t._parents]
    assert recorded == ["dot", "+", "tanh"] * 3
    assert _engine_vs_numerical(build, arrays) < TOL


def test_a_deep_loop_needs_no_recursion():
    h = Tensor(0.5)
    for _ in range(5000):                              # 10,000 operations, deeper than Python's stack
        h = (h * 1.0001).tanh()
    h.backward()
    assert len(topological_order(h)) == 1 + 3 * 5000   # the input, and per step a constant, * and tanh


def test_weight_decay_gradient_is_the_sum_of_two_paths_and_agrees_numerically():
    rng = np.random.default_rng(5)
    net = TwoLayerNet(input_size=5, hidden_size=4, output_size=3, weight_init_std=0.5, seed=2)
    x, t, lam = rng.normal(size=(6, 5)), rng.integers(0, 3, size=6), 0.3
    keys = ["W1", "b1", "W2", "b2"]
    tensors = {k: Tensor(net.params[k]) for k in keys}
    weight_decay_loss(tensors, x, t, lam).backward()
    data_path = two_layer_gradient(net.params, x, t)
    for k in keys:
        decay_path = lam * net.params[k] if k.startswith("W") else 0.0
        np.testing.assert_array_equal(tensors[k].grad, data_path[k] + decay_path)
        np.testing.assert_allclose(tensors[k].grad, net.gradient(x, t)[k] + decay_path, rtol=1e-12, atol=1e-15)

    def build(*arrays):
        return weight_decay_loss(dict(zip(keys, arrays)), x, t, lam)
    assert _engine_vs_numerical(build, [net.params[k].copy() for k in keys]) < TOL


def test_two_layer_gradient_equals_the_hand_written_layers():
    rng = np.random.default_rng(3)
    net = TwoLayerNet(input_size=6, hidden_size=5, output_size=4, weight_init_std=0.5, seed=1)
    x = rng.normal(size=(7, 6))
    t = rng.integers(0, 4, size=7)
    by_layers = net.gradient(x, t)
    by_engine = two_layer_gradient(net.params, x, t)
    assert by_engine.keys() == by_layers.keys()
    for key in by_layers:
        np.testing.assert_allclose(by_engine[key], by_layers[key], rtol=1e-12, atol=1e-15)
    loss = two_layer_loss({k: Tensor(v) for k, v in net.params.items()}, x, t)
    assert float(loss.data) == pytest.approx(net.loss(x, t), rel=1e-14)


def test_clear_errors():
    with pytest.raises(ValueError, match=r"dot needs shapes \(N, D\) and \(D, M\)"):
        Tensor(np.ones((2, 3))).dot(Tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match="log needs positive inputs, got a smallest entry of -1"):
        Tensor([1.0, -1.0]).log()
    with pytest.raises(TypeError, match="the power n .* must be a real number, got Tensor"):
        Tensor(2.0) ** Tensor(2.0)
    with pytest.raises(TypeError, match="data must be a number or an array of numbers, got str"):
        Tensor("3")
