"""Layers the book does not print: more activations, primitive nodes, losses.

Shapes: N batch, C classes or outputs. Like ``layers``, every ``backward``
builds new arrays and raises ``RuntimeError`` if called before ``forward``.
"""

from __future__ import annotations

import numpy as np

from backprop.validate import as_float_array, as_number

from backprop.nn.functions import softmax
from backprop.nn.layers import AddLayer, MulLayer, require_forward, require_shape, weights_and_bias


class Tanh:
    """tanh elementwise; x of any shape. Its slope is 1 - out**2."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = np.tanh(as_float_array("x", x))
        return self.out

    def backward(self, dout):
        """dout: shape of x. Returns dx = dout * (1 - out**2)."""
        require_forward(self, self.out)
        dout = require_shape("dout", dout, self.out.shape)
        return dout * (1.0 - self.out ** 2)


class LeakyRelu:
    """Leaky ReLU: x where x > 0, alpha * x elsewhere; x of any shape."""

    def __init__(self, alpha=0.01):
        self.alpha = as_number("alpha", alpha)
        self.mask = None

    def forward(self, x):
        x = as_float_array("x", x)
        self.mask = x <= 0
        return np.where(self.mask, self.alpha * x, x)

    def backward(self, dout):
        """dout: shape of x. Returns dx: dout where x > 0, alpha * dout elsewhere (x == 0 included)."""
        require_forward(self, self.mask)
        dout = require_shape("dout", dout, self.mask.shape)
        return np.where(self.mask, self.alpha * dout, dout)


class Exp:
    """exp node: out = exp(x); x of any shape. Its slope is its own output."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = np.exp(as_float_array("x", x))
        return self.out

    def backward(self, dout):
        """dout: shape of x. Returns dx = dout * out."""
        require_forward(self, self.out)
        dout = require_shape("dout", dout, self.out.shape)
        return dout * self.out


class Reciprocal:
    """1/x node: out = 1 / x; x of any shape without zeros. Slope -1/x**2 = -out**2."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        x = as_float_array("x", x)
        if np.any(x == 0):
            raise ValueError("Reciprocal.forward: x holds a 0, where 1/x is undefined")
        self.out = 1.0 / x
        return self.out

    def backward(self, dout):
        """dout: shape of x. Returns dx = -dout * out**2."""
        require_forward(self, self.out)
        dout = require_shape("dout", dout, self.out.shape)
        return -dout * self.out ** 2


class Square:
    """Square node: out = x**2; x of any shape. Slope 2x."""

    def __init__(self):
        self.x = None

    def forward(self, x):
        self.x = as_float_array("x", x)
        return self.x ** 2

    def backward(self, dout):
        """dout: shape of x. Returns dx = 2 * x * dout."""
        require_forward(self, self.x)
        dout = require_shape("dout", dout, self.x.shape)
        return 2.0 * self.x * dout


class AffineLastAxis:
    """Fully connected layer on the last axis: out = x @ W + b for x of any rank >= 1.

    W: (D, M), b: (M,). x: (..., D), e.g. (N, T, D) for T positions of each of N
    samples; out: (..., M). Unlike ``Affine`` it keeps the leading axes instead of
    flattening them into D. After ``backward`` it holds dW (D, M) and db (M,),
    summed over every leading position, since W and b were used at each one.
    """

    def __init__(self, W, b):
        self.W, self.b = weights_and_bias(W, b, "AffineLastAxis")
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        """x: (..., D). Returns (..., M)."""
        x = as_float_array("x", x)
        if x.ndim < 1 or x.shape[-1] != self.W.shape[0]:
            raise ValueError(f"AffineLastAxis.forward: the last axis of x must have length {self.W.shape[0]}, "
                             f"got shape {x.shape}")
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        """dout: (..., M). Returns dx (..., D); sets dW (D, M) and db (M,)."""
        require_forward(self, self.x)
        dout = require_shape("dout", dout, (*self.x.shape[:-1], self.W.shape[1]))
        rows_x = self.x.reshape(-1, self.W.shape[0])
        rows_dout = dout.reshape(-1, self.W.shape[1])
        self.dW = rows_x.T @ rows_dout
        self.db = rows_dout.sum(axis=0)
        return dout @ self.W.T


class SigmoidFromNodes:
    """Sigmoid assembled from primitive nodes: x -> *(-1) -> exp -> +1 -> 1/x.

    Each node does its own small backward; chained in reverse they give the
    same dx as ``Sigmoid.backward``. x of any shape.
    """

    def __init__(self):
        self.negate = MulLayer()
        self.exp = Exp()
        self.add_one = AddLayer()
        self.reciprocal = Reciprocal()

    def forward(self, x):
        x = as_float_array("x", x)
        a = self.negate.forward(x, -1.0)
        b = self.exp.forward(a)
        c = self.add_one.forward(b, 1.0)
        return self.reciprocal.forward(c)

    def backward(self, dout):
        """dout: shape of x. Returns dx, each node's backward applied in reverse order."""
        dc = self.reciprocal.backward(dout)
        db, _ = self.add_one.backward(dc)
        da = self.exp.backward(db)
        dx, _ = self.negate.backward(da)
        return dx


class Softmax:
    """Softmax over the last axis as a layer of its own; x: (N, C) or (C,).

    Its backward is a Jacobian-vector product: for each row,
    dx = y * (dout - sum(dout * y)), which never builds the C x C Jacobian.
    """

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = softmax(x)
        return self.out

    def backward(self, dout):
        """dout: shape of x. Returns dx = out * (dout - (dout * out).sum over the last axis)."""
        require_forward(self, self.out)
        dout = require_shape("dout", dout, self.out.shape)
        weighted = np.sum(dout * self.out, axis=-1, keepdims=True)
        return self.out * (dout - weighted)


class MeanSquaredError:
    """Loss layer: half the squared error summed per sample, averaged over the batch.

    forward(y, t) returns 0.5 * sum((y - t)**2) / N for y, t: (N, M)
    (a 1-D pair counts as one sample); backward(dout=1) returns dout * (y - t) / N.
    """

    def __init__(self):
        self.diff = None
        self.batch_size = None
        self.loss = None

    def forward(self, y, t):
        y = as_float_array("y", y, ndim=(1, 2))
        t = as_float_array("t", t)
        if t.shape != y.shape:
            raise ValueError(f"MeanSquaredError.forward: t must have the shape of y {y.shape}, got {t.shape}")
        self.diff = y - t
        self.batch_size = 1 if y.ndim == 1 else y.shape[0]
        self.loss = float(0.5 * np.sum(self.diff ** 2) / self.batch_size)
        return self.loss

    def backward(self, dout=1):
        """Returns dy with the shape of y: dout * (y - t) / N."""
        require_forward(self, self.diff)
        return dout * self.diff / self.batch_size
