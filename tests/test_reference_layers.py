"""The book's layers (backprop.nn.layers) and the reference extra layers: book values, gradients against the numerical oracle,
callers' arrays left alone, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.nn.gradcheck import SMOOTH_TOLERANCE, numerical_gradient, numerical_gradient_layer, rel_error
from backprop.nn.functions import cross_entropy_error, relu, sigmoid, softmax
from backprop.nn.layers import AddLayer, Affine, MulLayer, Relu, Sigmoid, SoftmaxWithLoss
from reference import extra_layers as extra


def rng(seed=0):
    return np.random.default_rng(seed)


def away_from_zero(shape, seed=0, low=0.1):
    """Random values with |x| >= low, so kinks at 0 are never within a finite-difference step."""
    r = rng(seed)
    return r.choice([-1.0, 1.0], size=shape) * r.uniform(low, 2.0, size=shape)


# --- The book's numbers -------------------------------------------------------------------

def test_apple_with_mul_layers_gives_220_and_its_gradients():
    mul_apple, mul_tax = MulLayer(), MulLayer()
    price = mul_tax.forward(mul_apple.forward(100, 2), 1.1)
    dapple_price, dtax = mul_tax.backward(1)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    assert price == pytest.approx(220, rel=1e-12)
    assert (dapple, dapple_num, dtax) == pytest.approx((2.2, 110, 200), rel=1e-12)


def test_apple_orange_with_add_layer_gives_715_and_its_gradients():
    mul_apple, mul_orange, add, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()
    total = add.forward(mul_apple.forward(100, 2), mul_orange.forward(150, 3))
    price = mul_tax.forward(total, 1.1)
    dtotal, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add.backward(dtotal)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    assert price == pytest.approx(715, rel=1e-12)
    assert (dapple_num, dapple, dorange, dorange_num, dtax) == pytest.approx((110, 2.2, 3.3, 165, 650), rel=1e-12)


def test_affine_bias_gradient_sums_rows_of_dout():
    layer = Affine(np.zeros((2, 3)), np.zeros(3))
    layer.forward(np.ones((2, 2)))
    layer.backward(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert layer.db.tolist() == [5.0, 7.0, 9.0]


def test_softmax_with_loss_backward_is_y_minus_t():
    layer = SoftmaxWithLoss()
    layer.forward(np.log([[0.3, 0.2, 0.5]]), np.array([[0, 1, 0]]))
    np.testing.assert_allclose(layer.backward(), [[0.3, -0.8, 0.5]], rtol=1e-12)


# --- Gradients against numerical differences ------------------------------------------

ELEMENTWISE = [
    ("Relu", Relu, {}),
    ("Sigmoid", Sigmoid, {}),
    ("Tanh", extra.Tanh, {}),
    ("LeakyRelu", lambda: extra.LeakyRelu(0.1), {}),
    ("Exp", extra.Exp, {}),
    ("Reciprocal", extra.Reciprocal, {"low": 0.5}),
    ("Square", extra.Square, {}),
    ("SigmoidFromNodes", extra.SigmoidFromNodes, {}),
    ("Softmax", extra.Softmax, {}),
]


@pytest.mark.parametrize("name,make,opts", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
@pytest.mark.parametrize("shape", [(4, 3), (1, 5)])
def test_layer_backward_matches_numerical_gradient(name, make, opts, shape):
    x = away_from_zero(shape, seed=len(name), low=opts.get("low", 0.1))
    dout = rng(7).standard_normal(shape)
    layer = make()
    layer.forward(x)
    dx = layer.backward(dout)
    numeric = numerical_gradient_layer(lambda a: make().forward(a), x.copy(), dout)
    assert rel_error(dx, numeric) < SMOOTH_TOLERANCE


def test_relu_and_leaky_relu_have_zero_and_alpha_slope_at_exact_zero():
    x = np.array([[0.0, 1.0, -1.0]])
    dout = np.array([[3.0, 3.0, 3.0]])
    relu_layer, leaky = Relu(), extra.LeakyRelu(0.25)
    relu_layer.forward(x)
    leaky.forward(x)
    assert relu_layer.backward(dout).tolist() == [[0.0, 3.0, 0.0]]
    assert leaky.backward(dout).tolist() == [[0.75, 3.0, 0.75]]


def test_sigmoid_from_nodes_equals_sigmoid_layer():
    x = rng(3).standard_normal((3, 4)) * 3
    dout = rng(4).standard_normal((3, 4))
    a, b = Sigmoid(), extra.SigmoidFromNodes()
    np.testing.assert_allclose(a.forward(x), b.forward(x), rtol=1e-14)
    np.testing.assert_allclose(a.backward(dout), b.backward(dout), rtol=1e-9)  # 1 - out cancels near out = 1


@pytest.mark.parametrize("shape", [(5, 3), (1, 4), (3, 2, 2)])
def test_affine_gradients_match_numerical(shape):
    d = int(np.prod(shape[1:]))
    x = rng(1).standard_normal(shape)
    W = rng(2).standard_normal((d, 3))  # non-square on purpose
    b = rng(3).standard_normal(3)
    dout = rng(4).standard_normal((shape[0], 3))
    layer = Affine(W, b)
    layer.forward(x)
    dx = layer.backward(dout)
    assert dx.shape == x.shape
    assert rel_error(dx, numerical_gradient_layer(lambda a: Affine(W, b).forward(a), x.copy(), dout)) < SMOOTH_TOLERANCE
    assert rel_error(layer.dW, numerical_gradient_layer(lambda w: Affine(w, b).forward(x), W.copy(), dout)) < SMOOTH_TOLERANCE
    assert rel_error(layer.db, numerical_gradient_layer(lambda c: Affine(W, c).forward(x), b.copy(), dout)) < SMOOTH_TOLERANCE


@pytest.mark.parametrize("targets", ["one_hot", "labels"])
def test_softmax_with_loss_gradient_matches_numerical(targets):
    x = rng(5).standard_normal((4, 3)) * 2
    labels = np.array([0, 2, 1, 2])
    t = np.eye(3)[labels] if targets == "one_hot" else labels
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    numeric = numerical_gradient(lambda a: SoftmaxWithLoss().forward(a, t), x.copy())
    assert rel_error(layer.backward(), numeric) < SMOOTH_TOLERANCE
    assert rel_error(2.5 * numeric, layer.backward(2.5)) < SMOOTH_TOLERANCE


def test_mean_squared_error_gradient_and_value():
    y = rng(6).standard_normal((4, 3))
    t = rng(7).standard_normal((4, 3))
    layer = extra.MeanSquaredError()
    loss = layer.forward(y, t)
    assert loss == pytest.approx(sum(0.5 * np.sum((y[i] - t[i]) ** 2) for i in range(4)) / 4, rel=1e-12)
    numeric = numerical_gradient(lambda a: extra.MeanSquaredError().forward(a, t), y.copy())
    assert rel_error(layer.backward(), numeric) < SMOOTH_TOLERANCE


def test_mul_and_add_layers_on_arrays_match_numerical():
    x, y, dout = rng(1).standard_normal(3), rng(2).standard_normal(3), rng(3).standard_normal(3)
    mul = MulLayer()
    mul.forward(x, y)
    dx, dy = mul.backward(dout)
    assert rel_error(dx, numerical_gradient_layer(lambda a: a * y, x.copy(), dout)) < SMOOTH_TOLERANCE
    assert rel_error(dy, numerical_gradient_layer(lambda a: x * a, y.copy(), dout)) < SMOOTH_TOLERANCE
    add = AddLayer()
    add.forward(x, y)
    assert [g.tolist() for g in add.backward(dout)] == [dout.tolist(), dout.tolist()]


# --- Functions ----------------------------------------------------------------------------

def test_softmax_is_stable_and_batched():
    x = np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])
    y = softmax(x)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y.sum(axis=1), [1.0, 1.0])
    np.testing.assert_allclose(y[0], softmax(np.array([0.0, 1.0, 2.0])))


def test_cross_entropy_accepts_one_hot_and_labels_and_takes_batch_mean():
    y = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]])
    expected = -(np.log(0.7) + np.log(0.5)) / 2
    assert cross_entropy_error(y, np.array([1, 0])) == pytest.approx(expected, rel=1e-14)
    assert cross_entropy_error(y, np.array([[0, 1, 0], [1, 0, 0]])) == pytest.approx(expected, rel=1e-14)
    assert cross_entropy_error(y[0], 1) == pytest.approx(-np.log(0.7), rel=1e-14)


def test_sigmoid_and_relu_values():
    assert sigmoid(np.array([0.0]))[0] == 0.5
    assert np.isfinite(sigmoid(np.array([-1000.0, 1000.0]))).all()
    assert relu(np.array([-1.0, 0.0, 2.0])).tolist() == [0.0, 0.0, 2.0]


# --- Callers' arrays, order of calls, bad input -----------------------------------------

ALL_ONE_INPUT = [Relu, Sigmoid, extra.Tanh, extra.LeakyRelu, extra.Exp, extra.Reciprocal,
                 extra.Square, extra.SigmoidFromNodes, extra.Softmax]


@pytest.mark.parametrize("make", ALL_ONE_INPUT, ids=lambda c: c.__name__)
def test_backward_leaves_dout_and_x_unchanged(make):
    x = away_from_zero((3, 4), seed=2)
    dout = rng(9).standard_normal((3, 4))
    x_before, dout_before = x.copy(), dout.copy()
    layer = make()
    layer.forward(x)
    layer.backward(dout)
    assert np.array_equal(dout, dout_before) and np.array_equal(x, x_before)


@pytest.mark.parametrize("make", ALL_ONE_INPUT + [MulLayer, AddLayer, SoftmaxWithLoss, extra.MeanSquaredError],
                         ids=lambda c: c.__name__)
def test_backward_before_forward_says_so(make):
    with pytest.raises(RuntimeError, match="before .*forward"):
        make().backward(np.ones((2, 2)))


def test_affine_backward_before_forward_says_so():
    with pytest.raises(RuntimeError, match="before Affine.forward"):
        Affine(np.ones((2, 3)), np.zeros(3)).backward(np.ones((1, 3)))


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\).*got \(3, 4\)"):
        Affine(np.ones((2, 3)), np.zeros(3)).forward(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"W has shape \(2, 3\) but b has 2 entries.*W looks transposed"):
        Affine(np.ones((2, 3)), np.zeros(2))  # b fits W.T: W is the one to blame
    with pytest.raises(ValueError, match=r"b must have shape \(3,\), one entry per column of W \(2, 3\), got \(4,\)"):
        Affine(np.ones((2, 3)), np.zeros(4))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 3\).*got \(5, 2\); x would fit W.T.*W looks transposed"):
        Affine(np.ones((3, 2)), np.zeros(2)).forward(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"AffineLastAxis: W has shape \(4, 6\) but b has 4 entries"):
        extra.AffineLastAxis(np.ones((4, 6)), np.zeros(4))
    layer = Relu()
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3\).*got \(3, 2\)"):
        layer.backward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"one-hot with shape \(2, 3\) or class labels with shape \(2,\)"):
        SoftmaxWithLoss().forward(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"must lie in \[0, 3\)"):
        cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0, 3]))
    with pytest.raises(ValueError, match="holds a 0"):
        extra.Reciprocal().forward(np.array([1.0, 0.0]))
