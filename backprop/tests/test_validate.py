"""Argument checks: each message names the argument, what was expected and what arrived."""

import math

import numpy as np
import pytest

from backprop.validate import as_float_array, as_number, require_callable


def test_as_float_array_converts_and_keeps_shape():
    out = as_float_array("x", [[1, 2, 3]], shape=(None, 3))
    assert out.dtype == np.float64 and out.shape == (1, 3)
    assert as_float_array("x", 2).shape == ()
    assert as_float_array("x", np.ones((2, 4)), ndim=(1, 2)).shape == (2, 4)


def test_as_float_array_names_argument_and_shapes():
    with pytest.raises(ValueError, match=r"^W must have shape \(any, 3\), got \(2, 4\)$"):
        as_float_array("W", np.ones((2, 4)), shape=(None, 3))
    with pytest.raises(ValueError, match=r"^b must have shape \(3,\), got \(3, 1\)$"):
        as_float_array("b", np.ones((3, 1)), shape=(3,))
    with pytest.raises(ValueError, match=r"^x must be 2-D, got shape \(5,\)$"):
        as_float_array("x", np.ones(5), ndim=2)
    with pytest.raises(ValueError, match=r"^x must be 1-D or 2-D, got shape \(\)$"):
        as_float_array("x", 1.0, ndim=(1, 2))
    with pytest.raises(TypeError, match="^t must be a number or an array of numbers, got str$"):
        as_float_array("t", "abc")
    with pytest.raises(TypeError, match="^t must be a number or an array of numbers, got NoneType$"):
        as_float_array("t", None)
    with pytest.raises(TypeError, match="^t must be a number or an array of numbers, got list"):
        as_float_array("t", [1, [2, 3]])
    with pytest.raises(ValueError, match="dout must hold only finite numbers, got a NaN or infinity"):
        as_float_array("dout", [1.0, math.inf], finite=True)


def test_as_number():
    assert as_number("lr", 1) == 1.0 and isinstance(as_number("lr", np.float32(0.5)), float)
    with pytest.raises(TypeError, match="^lr must be a real number, got bool$"):
        as_number("lr", True)
    with pytest.raises(TypeError, match="^lr must be a real number, got str$"):
        as_number("lr", "0.1")
    with pytest.raises(TypeError, match="^lr must be a real number, got ndarray$"):
        as_number("lr", np.array([0.1]))
    with pytest.raises(ValueError, match="^lr must be a finite number, got nan$"):
        as_number("lr", math.nan)
    assert math.isinf(as_number("lr", math.inf, finite=False))


def test_require_callable():
    require_callable("f", len)
    with pytest.raises(TypeError, match="^f must be callable \\(a function\\), got int$"):
        require_callable("f", 3)
