"""Numerical gradients: the slow, trustworthy oracle for every backward pass.

Central differences in float64 over any shape (via a multi-index), with the
perturbed entry restored in ``finally`` so a failing ``f`` never leaves ``x``
changed. ``rel_error`` is the yardstick the tests and the graders share;
``array_rel_error`` compares whole parameter arrays (the gradient check of a net).
"""

from __future__ import annotations

import numpy as np

from backprop.validate import as_float_array, as_number, require_callable

#: Step of the central difference. Small enough for a good estimate of the
#: slope, large enough that float64 rounding (about 1e-16 relative) does not
#: swamp the difference f(x+h) - f(x-h).
H = 1e-4

#: Floor in the denominator of ``rel_error`` so that two near-zero gradients
#: compare as close instead of dividing by zero.
REL_ERROR_FLOOR = 1e-8

#: Relative error below which a smooth function's analytic gradient is taken
#: to agree with its numerical one.
SMOOTH_TOLERANCE = 1e-7


def _writable_float64(name: str, x) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{name} must be a NumPy array that f reads from, got {type(x).__name__}; "
            "wrap it with np.array(..., dtype=float)"
        )
    if x.dtype != np.float64:
        raise TypeError(
            f"{name} must have dtype float64 so that the central difference keeps its precision "
            f"(float32 keeps only 3-4 significant digits of it), got {x.dtype}; "
            "convert it with x.astype(np.float64)"
        )
    if not x.flags.writeable:
        raise ValueError(f"{name} must be writeable: the check perturbs it in place and restores it")
    return x


def numerical_gradient(f, x: np.ndarray, h: float = H) -> np.ndarray:
    """Gradient of a scalar function ``f`` at ``x`` by central differences.

    f: callable taking ``x`` and returning a scalar (a Python or NumPy
       number, or an array of size 1). ``x`` is perturbed in place, one
       entry at a time, and each entry is put back even if ``f`` raises.
    h: the step, a positive number (default ``H``).
    x: float64 array of any shape.
    Returns an array with the shape of ``x``.
    """
    require_callable("f", f)
    x = _writable_float64("x", x)
    h = as_number("h", h)
    if h <= 0:
        raise ValueError(f"h must be a positive step such as {H}, got {h}")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        idx = it.multi_index
        old = x[idx]
        try:
            x[idx] = old + h
            f_plus = _scalar(f(x))
            x[idx] = old - h
            f_minus = _scalar(f(x))
        finally:
            x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


def numerical_gradient_layer(f, x: np.ndarray, dout, h: float = H) -> np.ndarray:
    """Gradient of ``sum(f(x) * dout)`` with respect to ``x``.

    This is what a layer's ``backward(dout)`` must return for input ``x``:
    the upstream gradient ``dout`` (shape of ``f(x)``) pulled back through ``f``.
    f: callable taking ``x`` and returning an array shaped like ``dout``.
    x: float64 array of any shape. Returns an array with the shape of ``x``.
    """
    require_callable("f", f)
    dout = as_float_array("dout", dout)

    def weighted(arr):
        out = np.asarray(f(arr), dtype=np.float64)
        if out.shape != dout.shape:
            raise ValueError(f"f(x) has shape {out.shape} but dout has shape {dout.shape}; they must match")
        return float(np.sum(out * dout))

    return numerical_gradient(weighted, x, h)


def rel_error(a, b, floor: float = REL_ERROR_FLOOR) -> float:
    """Largest entrywise relative error ``|a-b| / max(floor, |a|+|b|)``.

    a, b: arrays of one shape (or scalars). Returns a float in [0, 1].
    """
    a = as_float_array("a", a)
    b = as_float_array("b", b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(floor, np.abs(a) + np.abs(b))))


def array_rel_error(a, b) -> float:
    """Relative error of two whole arrays, ``||a-b|| / (||a|| + ||b||)``.

    a, b: arrays of one shape (or scalars); the norms are Euclidean.
    Returns a float in [0, 1]; 0.0 when both are all zeros (or empty).
    NaN anywhere gives NaN, which fails any ``< tolerance`` check.

    Prefer it to the entrywise ``rel_error`` for a large parameter array
    with many tiny gradient entries, e.g. the weights of pixels that are
    blank in the batch: there both gradients are close to 0, they differ
    at the level of float64 rounding, and entrywise that is a large
    *relative* error that says nothing about the backward pass. Here every
    entry counts in proportion to its size, so rounding on tiny entries
    cannot dominate. Use ``rel_error`` when every single entry must agree,
    e.g. a small layer's dx.
    """
    a = as_float_array("a", a)
    b = as_float_array("b", b)
    if a.shape != b.shape:
        raise ValueError(
            f"a and b must have the same shape, got {a.shape} and "
            f"{b.shape}; compare a gradient with the gradient of the same "
            "parameter")
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denominator)


def _scalar(value) -> float:
    # np.asarray(None, float) is nan and np.asarray("2", float) is 2.0: refuse both first.
    bad = value is None or isinstance(value, (str, bytes))
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        bad = True
    if bad:
        raise TypeError(f"f must return a number, got {type(value).__name__}; "
                        "did it forget to return its result?")
    if arr.size != 1:
        raise ValueError(f"f must return a scalar, got an array of shape {arr.shape}")
    return float(arr.reshape(()))
