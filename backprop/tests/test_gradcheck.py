"""Numerical gradients and the relative error: the oracle every backward pass is checked against."""

import numpy as np
import pytest

from backprop.nn.gradcheck import (H, REL_ERROR_FLOOR, SMOOTH_TOLERANCE, array_rel_error,
                                numerical_gradient, numerical_gradient_layer, rel_error)


@pytest.mark.parametrize("shape", [(), (1,), (5,), (3, 4), (2, 3, 2)])
def test_central_difference_on_every_shape(shape):
    rng = np.random.default_rng(7)
    x = rng.uniform(0.5, 2.0, size=shape).astype(np.float64)
    original = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v ** 3 - 2 * v), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    assert rel_error(grad, 3 * original ** 2 - 2) < SMOOTH_TOLERANCE
    assert np.array_equal(x, original)   # every entry put back


def test_central_not_forward_difference():
    # For f = x**2 a central difference is exact (up to rounding); a forward
    # difference would be off by h.
    x = np.array([3.0])
    assert abs(numerical_gradient(lambda v: v[0] ** 2, x)[0] - 6.0) < 1e-8


def test_the_perturbed_entry_is_restored_when_f_raises():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    original = x.copy()
    calls = []

    def f(v):
        calls.append(v.copy())
        if len(calls) == 4:   # on the second entry's minus step
            raise RuntimeError("boom")
        return float(np.sum(v))

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert np.array_equal(x, original)
    assert calls[3][0, 1] == pytest.approx(2.0 - H)   # it really was perturbed when f failed


def test_inputs_f_cannot_be_differentiated_through_are_refused():
    with pytest.raises(TypeError, match="x must be a NumPy array .* got list"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="dtype float64 .* got float32"):
        numerical_gradient(lambda v: 0.0, np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="dtype float64 .* got int64"):
        numerical_gradient(lambda v: 0.0, np.arange(3))
    frozen = np.ones(2)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="x must be writeable"):
        numerical_gradient(lambda v: 0.0, frozen)
    with pytest.raises(TypeError, match="f must be callable"):
        numerical_gradient(3.0, np.ones(2))
    with pytest.raises(ValueError, match="f must return a scalar, got an array of shape \\(2,\\)"):
        numerical_gradient(lambda v: v * 2, np.ones(2))
    with pytest.raises(TypeError, match="f must return a number, got NoneType"):
        numerical_gradient(lambda v: None, np.ones(2))
    with pytest.raises(ValueError, match="h must be a positive step"):
        numerical_gradient(lambda v: 0.0, np.ones(2), h=0.0)


def test_layer_form_against_a_known_linear_map():
    # out = x @ W + b, so d(sum(out * dout))/dx = dout @ W.T exactly (N=4, D=3, M=2).
    rng = np.random.default_rng(3)
    x, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    dout = rng.normal(size=(4, 2))
    dout_before = dout.copy()
    dx = numerical_gradient_layer(lambda v: v @ W + b, x, dout)
    assert dx.shape == (4, 3)
    assert rel_error(dx, dout @ W.T) < SMOOTH_TOLERANCE
    assert np.array_equal(dout, dout_before)
    # and a non-linear layer: tanh, whose backward is dout * (1 - tanh(x)**2)
    dy = rng.normal(size=(4, 3))
    dx = numerical_gradient_layer(np.tanh, x, dy)
    assert rel_error(dx, dy * (1 - np.tanh(x) ** 2)) < SMOOTH_TOLERANCE


def test_layer_form_checks_dout_against_the_output():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"f\(x\) has shape \(2, 3\) but dout has shape \(3,\)"):
        numerical_gradient_layer(lambda v: v * 2, x, np.ones(3))
    with pytest.raises(TypeError, match="dout must be a number or an array of numbers, got str"):
        numerical_gradient_layer(lambda v: v, x, "1")


def test_rel_error_values_and_floor():
    assert rel_error(1.0, 3.0) == 0.5
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error([0.0, 1.0], [0.0, 1.0 + 1e-9]) == pytest.approx(1e-9 / (2 + 1e-9))
    # Two tiny gradients are close, not "100% apart": the floor keeps the denominator up.
    assert rel_error(0.0, 1e-12) == pytest.approx(1e-12 / REL_ERROR_FLOOR)
    assert rel_error(1e-12, -1e-12) == pytest.approx(2e-12 / REL_ERROR_FLOOR)
    assert rel_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    assert rel_error(5.0, -5.0) == 1.0
    with pytest.raises(ValueError, match=r"same shape, got \(2,\) and \(3,\)"):
        rel_error(np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match="a must be a number or an array of numbers"):
        rel_error(None, 1.0)


def test_array_rel_error_known_values():
    # a = (3, 0, 4) has norm 5; b = (0, 0, 4) has norm 4; a - b = (3, 0, 0) has norm 3.
    assert array_rel_error([3.0, 0.0, 4.0], [0.0, 0.0, 4.0]) == pytest.approx(3 / 9)
    # Opposite arrays are as far apart as it gets: ||2a|| / (2 ||a||) = 1.
    eye = np.eye(2)
    assert array_rel_error(eye, -eye) == pytest.approx(1.0)
    # One array all zeros: ||a|| / ||a|| = 1.
    assert array_rel_error([3.0, 4.0], [0.0, 0.0]) == pytest.approx(1.0)
    # Scalars: |1 - 3| / (1 + 3).
    assert array_rel_error(1.0, 3.0) == pytest.approx(0.5)
    # It depends on the arrays' directions, not their scale.
    a, b = np.array([[1.0, 2.0], [2.0, 0.0]]), np.array([[1.0, 2.0], [2.0, 3.0]])
    # ||a|| = 3, ||b|| = sqrt(18), ||a - b|| = 3
    assert array_rel_error(a, b) == pytest.approx(3 / (3 + np.sqrt(18)))
    assert array_rel_error(1e-9 * a, 1e-9 * b) == pytest.approx(3 / (3 + np.sqrt(18)))


def test_array_rel_error_zeros_and_empty():
    assert array_rel_error(np.zeros((3, 2)), np.zeros((3, 2))) == 0.0
    assert array_rel_error(0.0, 0.0) == 0.0
    assert array_rel_error(np.zeros((0, 4)), np.zeros((0, 4))) == 0.0


def test_array_rel_error_is_not_dominated_by_tiny_entries():
    # A gradient with one large entry and one tiny one whose two estimates differ
    # by rounding-sized 1e-12: entrywise that tiny entry is 1e-12 / 1e-8 = 1e-4 apart,
    # the arrays as a whole about 1e-12 / (1 + 1) = 5e-13.
    g_backprop, g_numeric = np.array([1.0, 1e-12]), np.array([1.0, 2e-12])
    assert rel_error(g_backprop, g_numeric) == pytest.approx(1e-4)
    assert array_rel_error(g_backprop, g_numeric) == pytest.approx(5e-13)


def test_array_rel_error_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"a and b must have the same shape, got \(2, 3\) and \(3, 2\)"):
        array_rel_error(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(TypeError, match="a must be a number or an array of numbers, got NoneType"):
        array_rel_error(None, np.ones(2))
    with pytest.raises(TypeError, match="b must be a number or an array of numbers, got str"):
        array_rel_error(np.ones(2), "1")
    assert np.isnan(array_rel_error([np.nan, 1.0], [1.0, 1.0]))   # NaN fails every "< tol" check


def test_named_tolerances_are_sane():
    assert 0 < H < 1e-2 and 0 < REL_ERROR_FLOOR < SMOOTH_TOLERANCE < 1e-5
