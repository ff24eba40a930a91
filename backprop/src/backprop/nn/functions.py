"""Activation and loss functions the layers are built from.

Shapes: N batch, C classes. Every function takes float arrays and returns new
arrays; none writes into its arguments.
"""

from __future__ import annotations

import numpy as np

from backprop.validate import as_float_array

#: Smallest positive float64. ``cross_entropy_error`` takes the log of at least
#: this, so a probability that underflowed to 0 gives a large finite loss
#: (about 708) instead of infinity. Unlike the book's ``+ 1e-7`` it does not
#: shift the loss of ordinary probabilities, so the loss and its gradient
#: ``(y - t) / N`` agree to rounding.
LOG_FLOOR = np.finfo(np.float64).tiny


def sigmoid(x):
    """Logistic function 1 / (1 + exp(-x)), elementwise; any shape."""
    x = as_float_array("x", x)
    # exp(-x) overflows below x = -709; clipping moves y by < 1e-300.
    return 1.0 / (1.0 + np.exp(-np.clip(x, -700.0, 700.0)))


def relu(x):
    """max(0, x) elementwise; any shape."""
    x = as_float_array("x", x)
    return np.maximum(0.0, x)


def softmax(x):
    """Softmax over the last axis.

    x: (C,) scores of one sample or (N, C) scores of a batch.
    Returns probabilities of the same shape; each row sums to 1.
    Subtracting each row's maximum first leaves the result unchanged
    and keeps exp from overflowing for large scores.
    """
    x = as_float_array("x", x, ndim=(1, 2))
    shifted = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    """Mean over the batch of -log(probability given to the right class).

    y: (N, C) probabilities (or (C,) for one sample).
    t: (N, C) one-hot targets or (N,) class indices
       (for one sample: (C,) or a scalar index).
    Returns a float.
    """
    y = as_float_array("y", y, ndim=(1, 2))
    if y.ndim == 1:  # one sample: a batch of one
        y = y.reshape(1, -1)
        t = np.reshape(t, (1, -1) if np.ndim(t) == 1 else (1,))
    labels = class_indices(t, y.shape)
    n = y.shape[0]
    picked = y[np.arange(n), labels]
    return float(-np.mean(np.log(np.maximum(picked, LOG_FLOOR))))


def class_indices(t, shape):
    """Targets ``t`` as (N,) integer class indices for scores of ``shape`` (N, C).

    t: (N, C) one-hot rows or (N,) integer labels in [0, C).
    """
    n, c = shape
    arr = np.asarray(t)
    if arr.shape == (n, c):
        arr = as_float_array("t", arr)
        if not np.all((arr == 0) | (arr == 1)) or not np.all(arr.sum(axis=1) == 1):
            raise ValueError("t of shape (N, C) must be one-hot: one 1 per row, zeros elsewhere")
        return np.argmax(arr, axis=1)
    if arr.shape == (n,):
        if arr.dtype.kind not in "iu" and not (
            arr.dtype.kind == "f" and np.all(arr == np.round(arr))
        ):
            raise TypeError(f"t of shape (N,) must hold integer class labels, got dtype {arr.dtype}")
        labels = arr.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= c):
            raise ValueError(f"class labels in t must lie in [0, {c}), got {labels.min()}..{labels.max()}")
        return labels
    raise ValueError(
        f"t must be one-hot with shape ({n}, {c}) or class labels with shape ({n},), got shape {arr.shape}"
    )


def one_hot(t, shape):
    """Targets ``t`` (one-hot or labels) as an (N, C) one-hot float array."""
    labels = class_indices(t, shape)
    out = np.zeros(shape)
    out[np.arange(shape[0]), labels] = 1.0
    return out
