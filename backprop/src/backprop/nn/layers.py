"""The book's layers: each has ``forward`` and ``backward(dout)``.

Shapes: N batch, D input features, M output features, C classes.
``backward`` always builds new arrays: it never writes into ``dout`` or into
anything the caller passed to ``forward``. Calling ``backward`` before
``forward`` raises ``RuntimeError``.
"""

from __future__ import annotations

import numpy as np

from backprop.validate import as_float_array

from .functions import cross_entropy_error, one_hot, sigmoid, softmax


def require_forward(layer, *stored) -> None:
    """Raise if ``forward`` has not stored what ``backward`` needs."""
    if any(value is None for value in stored):
        name = type(layer).__name__
        raise RuntimeError(
            f"{name}.backward was called before {name}.forward; "
            "run forward first so the layer remembers its inputs"
        )


def require_shape(name: str, value, shape) -> np.ndarray:
    """``value`` as a float array of exactly ``shape``, or a clear error."""
    arr = as_float_array(name, value)
    if arr.shape != tuple(shape):
        raise ValueError(
            f"{name} must have shape {tuple(shape)} (the shape of the forward output), "
            f"got {arr.shape}"
        )
    return arr


def checked_dout(layer, dout, stored: np.ndarray, columns: int | None = None) -> np.ndarray:
    """``dout`` as a float array shaped like the forward output, after checking that
    ``forward`` ran and stored ``stored``. The output is shaped like ``stored``, or
    (len(stored), columns) when ``columns`` is given."""
    require_forward(layer, stored)
    shape = stored.shape if columns is None else (len(stored), columns)
    return require_shape("dout", dout, shape)


def weights_and_bias(W, b, layer: str = "Affine") -> tuple[np.ndarray, np.ndarray]:
    """W (D, M) and b (M,) as float arrays, or an error that blames the one that is wrong.

    When b has as many entries as W has rows (and not columns), W is the likely culprit:
    it was built transposed, (M, D); the message says so instead of blaming b.
    """
    W = as_float_array("W", W, ndim=2)
    b = as_float_array("b", b)
    if b.shape == (W.shape[1],):
        return W, b
    if b.ndim == 1 and W.shape[0] == b.shape[0] != W.shape[1]:
        raise ValueError(f"{layer}: W has shape {W.shape} but b has {b.shape[0]} entries; W must be (D, M), one "
                         f"column per entry of b, so W looks transposed (W.T has shape {W.T.shape})")
    raise ValueError(f"{layer}: b must have shape ({W.shape[1]},), one entry per column of W {W.shape}, "
                     f"got {b.shape}")


def as_rows(x, W: np.ndarray) -> np.ndarray:
    """``x`` as an (N, D) float array for weights ``W`` (D, M); (N, ...) is flattened."""
    x = as_float_array("x", x)
    d = W.shape[0]
    features = int(np.prod(x.shape[1:])) if x.ndim >= 2 else None
    if features != d:
        transposed = (f"; x would fit W.T: W must be (D, M) = ({features}, {d}), so W looks transposed"
                      if features == W.shape[1] else "")
        raise ValueError(f"Affine.forward: x must have shape (N, {d}) (W is {W.shape}), got {x.shape}{transposed}")
    return x.reshape(x.shape[0], d)


class MulLayer:
    """Multiply node: out = x * y for numbers or arrays of one shape."""

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout):
        """Returns (dx, dy) = (dout * y, dout * x): the inputs swapped."""
        require_forward(self, self.x, self.y)
        dx = dout * self.y
        dy = dout * self.x
        return dx, dy


class AddLayer:
    """Add node: out = x + y for numbers or arrays of one shape."""

    def __init__(self):
        self.out = None  # lets backward tell whether forward has run

    def forward(self, x, y):
        self.out = x + y
        return self.out

    def backward(self, dout):
        """Returns (dx, dy) = (dout, dout): dout passes on unchanged."""
        require_forward(self, self.out)
        dx = dout * 1
        dy = dout * 1
        return dx, dy


class Relu:
    """ReLU: out = max(0, x) elementwise; x of any shape."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        x = as_float_array("x", x)
        self.mask = x <= 0  # where the output is 0 and so is the slope
        return np.where(self.mask, 0.0, x)

    def backward(self, dout):
        """dout: shape of x. Returns dout where x > 0, else 0."""
        dout = checked_dout(self, dout, self.mask)
        # A new array: the notes' dout[mask] = 0 changes the caller's dout.
        return np.where(self.mask, 0.0, dout)


class Sigmoid:
    """Sigmoid: out = 1 / (1 + exp(-x)) elementwise; x of any shape."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        """dout: shape of x. Returns dout * out * (1 - out)."""
        dout = checked_dout(self, dout, self.out)
        return dout * (1.0 - self.out) * self.out


class Affine:
    """Fully connected layer: out = x @ W + b.

    W: (D, M) weights, b: (M,) bias. After ``backward`` the layer holds
    dW (D, M) and db (M,). An input (N, d1, d2, ...) with
    d1 * d2 * ... == D is flattened to (N, D), as in the book.
    """

    def __init__(self, W, b):
        self.W, self.b = weights_and_bias(W, b)
        self.x = None
        self.x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        """x: (N, D). Returns (N, M)."""
        self.x = as_rows(x, self.W)
        self.x_shape = np.shape(x)
        return self.x @ self.W + self.b

    def backward(self, dout):
        """dout: (N, M). Returns dx like x; sets dW and db."""
        dout = checked_dout(self, dout, self.x, columns=self.W.shape[1])
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)  # b was added to every row
        return (dout @ self.W.T).reshape(self.x_shape)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy error, as one layer.

    forward(x, t) returns the loss (a float); backward(dout=1) returns
    dout * (y - t) / N, where y = softmax(x) and t is one-hot.
    """

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        """x: (N, C) scores; t: (N, C) one-hot or (N,) labels.
        One sample may be given as x (C,) with t (C,) or a label."""
        self.y = softmax(x)
        self.t = one_hot_like(t, self.y)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        """Returns dx with the shape of x: dout * (y - t) / N."""
        require_forward(self, self.y, self.t)
        batch_size = 1 if self.y.ndim == 1 else self.y.shape[0]
        return dout * (self.y - self.t) / batch_size


def one_hot_like(t, y: np.ndarray) -> np.ndarray:
    """Targets ``t`` (one-hot or labels) as one-hot rows shaped like ``y``: (N, C) or (C,)."""
    if y.ndim == 1:  # one sample: a batch of one, shaped back at the end
        t = np.reshape(t, (1, -1) if np.ndim(t) == 1 else (1,))
    return one_hot(t, y.reshape(-1, y.shape[-1]).shape).reshape(y.shape)
