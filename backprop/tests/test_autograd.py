"""The autograd engine: each operation against numerical gradients, += at forks,
topological order, and the two-layer network against the hand-written layers."""

import numpy as np
import pytest

from backprop.nn.autograd import Tensor, topological_order, two_layer_gradient, two_layer_loss
from backprop.nn.gradcheck import numerical_gradient, array_rel_error
from backprop.nn.two_layer_net import TwoLayerNet

TOL = 1e-7


def _check(build, *shapes, seed=0):
    """build(*tensors) -> scalar Tensor; compare the engine's grads with central differences."""
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=s) for s in shapes]
    tensors = [Tensor(a.copy()) for a in arrays]
    build(*tensors).backward()
    for k, a in enumerate(arrays):
        def f(v, k=k):
            args = [Tensor(v) if j == k else Tensor(b) for j, b in enumerate(arrays)]
            return float(build(*args).data)
        num = numerical_gradient(f, a.copy())
        assert array_rel_error(tensors[k].grad, num) < TOL, (k, tensors[k].grad, num)


def _loss(t):
    """A scalar from any tensor, with distinct weights so every entry matters."""
    return t.softmax_cross_entropy(np.zeros(t.data.shape[0], dtype=int))


def test_each_operation_agrees_with_numerical_gradients():
    _check(lambda a, b: _loss(a.dot(b)), (3, 4), (4, 5))
    _check(lambda a, b: _loss(a + b), (3, 4), (4,))          # bias broadcast over rows
    _check(lambda a, b: _loss(a * b), (3, 4), (3, 4))
    _check(lambda a, b: _loss(a * b), (3, 4), (1, 4))
    _check(lambda a: _loss(a.relu() + a * a), (3, 4))
    _check(lambda a: _loss(a.sigmoid()), (3, 4))
    _check(lambda a: _loss(a), (5, 3))


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
    _check(lambda a: _loss(a.dot(a) + a), (3, 3))
    _check(lambda a: _loss((a + a.relu()).dot(a.sigmoid())), (3, 3))


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
    with pytest.raises(ValueError, match="backward\\(\\) starts from a single number"):
        (Tensor(np.ones((2, 3))) * 2.0).backward()
