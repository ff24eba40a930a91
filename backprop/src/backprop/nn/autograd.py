"""A small autograd engine on arrays: the book's layers as operations (chapter 6).

micrograd's design (karpathy/micrograd) with NumPy arrays. Each primitive operation
builds its output ``Tensor`` and, right beside the forward maths, a small
``_backward`` that *adds* (``+=``) the upstream gradient times its local derivative
to its inputs' gradients, because an input may feed several operations. Derived
operations (``-x``, ``x - y``, ``x / y``, ``mean``) are one-liners over the
primitives and carry no gradient code of their own. ``backward()`` seeds the output's
gradient (1 for a single number, or the upstream gradient it is given) and calls
every ``_backward`` in reversed topological order.

The primitives: ``+``, ``*``, ``**`` (by a constant number), ``exp``, ``log``,
``tanh``, ``sum``, and the layers of chapters 3-4: ``dot`` (with ``+``, Affine),
``relu`` (Relu), ``sigmoid`` (Sigmoid), ``softmax_cross_entropy`` (Softmax-with-Loss).
``no_grad()`` computes without recording; ``detach()`` cuts a tensor off its history.

Shapes: N batch, D input features, M output features, C classes.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from backprop.validate import as_float_array, as_number

from .functions import cross_entropy_error, one_hot, softmax

_recording = True   # False inside ``with no_grad():``


class Tensor:
    """An array that remembers how it was computed, so it can be differentiated."""

    __array_ufunc__ = None   # ndarray + Tensor calls Tensor.__radd__, not NumPy's loop

    def __init__(self, data, _parents=(), _op="", label=""):
        self.data = as_float_array("data", data)
        self.grad = np.zeros_like(self.data)  # d(output)/d(self)
        self._backward = lambda: None  # adds to the parents' grads
        self._parents = tuple(_parents) if _recording else ()
        self._op = _op if _recording else ""
        self.label = label  # a name for figures: x, W1, loss, ...

    def __repr__(self):
        name = f"{self.label!r}, " if self.label else ""
        return f"Tensor({name}shape={self.data.shape}, op={self._op or 'leaf'!r})"

    # ---- primitives: forward maths and, beside it, the backward rule ----------------

    def __add__(self, other):
        """x + y; y may be broadcast over rows: (N, M) + (M,) -> (N, M)."""
        other = _as_tensor(other)
        out = Tensor(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += _sum_to_shape(out.grad, self.data.shape)
            other.grad += _sum_to_shape(out.grad, other.data.shape)
        out._backward = _backward
        return out

    def __mul__(self, other):
        """Elementwise product (shapes broadcast as in NumPy)."""
        other = _as_tensor(other)
        out = Tensor(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += _sum_to_shape(out.grad * other.data, self.data.shape)
            other.grad += _sum_to_shape(out.grad * self.data, other.data.shape)
        out._backward = _backward
        return out

    def __pow__(self, n):
        """x ** n elementwise for a constant n; the slope is n x^(n-1)."""
        n = as_number("the power n (a constant number)", n)
        out = Tensor(self.data ** n, (self,), f"**{n:g}")

        def _backward():
            self.grad += n * self.data ** (n - 1) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        """e^x elementwise; the slope is e^x itself."""
        y = np.exp(self.data)
        out = Tensor(y, (self,), "exp")

        def _backward():
            self.grad += y * out.grad
        out._backward = _backward
        return out

    def log(self):
        """Natural logarithm elementwise, for x > 0; the slope is 1/x."""
        _check_positive(self.data)
        out = Tensor(np.log(self.data), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data
        out._backward = _backward
        return out

    def tanh(self):
        """tanh(x) elementwise; the slope is 1 - y²."""
        y = np.tanh(self.data)
        out = Tensor(y, (self,), "tanh")

        def _backward():
            self.grad += (1.0 - y * y) * out.grad
        out._backward = _backward
        return out

    def sum(self):
        """The sum of all entries, one number; every entry's slope is 1."""
        out = Tensor(self.data.sum(), (self,), "sum")

        def _backward():
            self.grad += out.grad  # every entry receives the same gradient
        out._backward = _backward
        return out

    def dot(self, other):
        """Matrix product: (N, D) dot (D, M) -> (N, M)."""
        other = _as_tensor(other)
        _check_dot(self.data, other.data)
        out = Tensor(self.data @ other.data, (self, other), "dot")

        def _backward():
            self.grad += out.grad @ other.data.T
            other.grad += self.data.T @ out.grad
        out._backward = _backward
        return out

    def relu(self):
        """max(0, x) elementwise; the slope is 1 where x > 0, else 0."""
        out = Tensor(np.maximum(self.data, 0.0), (self,), "relu")

        def _backward():
            self.grad += (self.data > 0) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self):
        """1 / (1 + exp(-x)) elementwise; the slope is y(1 - y)."""
        y = 1.0 / (1.0 + np.exp(-np.clip(self.data, -700.0, 700.0)))
        out = Tensor(y, (self,), "sigmoid")

        def _backward():
            self.grad += y * (1.0 - y) * out.grad
        out._backward = _backward
        return out

    def softmax_cross_entropy(self, t):
        """Scores (N, C); t (N, C) one-hot or (N,) labels. Mean loss."""
        y = softmax(self.data)
        t = one_hot(t, y.shape)
        loss = cross_entropy_error(y, t)
        out = Tensor(loss, (self,), "softmax_cross_entropy")

        def _backward():
            self.grad += out.grad * (y - t) / y.shape[0]
        out._backward = _backward
        return out

    # ---- derived operations: one-liners over the primitives -------------------------

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-_as_tensor(other))

    def __rsub__(self, other):
        return _as_tensor(other) + (-self)

    def __truediv__(self, other):
        return self * _as_tensor(other) ** -1

    def __rtruediv__(self, other):
        return _as_tensor(other) * self ** -1

    def mean(self):
        return self.sum() * (1.0 / self.data.size)

    __radd__ = __add__
    __rmul__ = __mul__

    # ---- end of the derived operations ------------------------------------------------

    def detach(self):
        """The same values as a new leaf: no gradient flows back here."""
        return Tensor(self.data, label=self.label)

    def backward(self, grad=None):
        """Fill ``grad`` of every tensor this one was computed from.

        grad: the upstream gradient d(L)/d(self), shaped like ``self.data``;
        left out when ``self`` is a single number (a loss), it is 1.
        """
        seed = _seed(self, grad)
        order = topological_order(self)
        for node in order:
            node.grad = np.zeros_like(node.data)  # each backward() afresh
        self.grad = seed
        for node in reversed(order):
            if node._parents:  # a leaf has nothing to pass on
                node._backward()


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` depends on, each after its parents."""
    order, seen = [], set()
    stack = [(root, False)]  # (tensor, its parents are already in order)
    while stack:  # depth first, without recursion: a graph may be deep
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node._parents))
    return order


@contextmanager
def no_grad():
    """Inside ``with no_grad():`` operations compute but record nothing."""
    global _recording
    before, _recording = _recording, False
    try:
        yield
    finally:
        _recording = before


def two_layer_loss(params: dict, x, t) -> Tensor:
    """TwoLayerNet's loss from operations: Affine, ReLU, Affine, softmax.

    params: dict of Tensors W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
    x: (N, D); t: (N, C) one-hot or (N,) labels.
    """
    hidden = (Tensor(x).dot(params["W1"]) + params["b1"]).relu()
    scores = hidden.dot(params["W2"]) + params["b2"]
    return scores.softmax_cross_entropy(t)


def two_layer_gradient(params: dict, x, t) -> dict:
    """Gradients of ``two_layer_loss`` by the engine; keys of params."""
    tensors = {key: Tensor(value) for key, value in params.items()}
    two_layer_loss(tensors, x, t).backward()
    return {key: tensor.grad for key, tensor in tensors.items()}


def weight_decay_loss(params: dict, x, t, lam: float) -> Tensor:
    """``two_layer_loss`` plus weight decay (L2): lam/2 (ΣW1² + ΣW2²).

    params, x, t as in ``two_layer_loss``; lam: the decay strength λ >= 0.
    """
    penalty = (params["W1"] ** 2).sum() + (params["W2"] ** 2).sum()
    return two_layer_loss(params, x, t) + lam / 2 * penalty


# ---- checks the book does not print ------------------------------------------------

def _as_tensor(value) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)


def _sum_to_shape(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Undo NumPy broadcasting: sum ``grad`` over the axes that were stretched to reach it."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def _seed(root: Tensor, grad) -> np.ndarray:
    """The gradient ``backward`` starts from: 1 for a single number, else ``grad`` (a copy)."""
    if grad is None:
        if root.data.size != 1:
            raise ValueError(f"backward() of an output of shape {root.data.shape} needs the upstream "
                             "gradient: call backward(dout) with dout of that shape, or reduce the "
                             "output to one number (a loss) first")
        return np.ones_like(root.data)
    seed = as_float_array("grad", grad)
    if seed.shape != root.data.shape:
        raise ValueError(f"backward(grad): grad has shape {seed.shape} but the output has shape "
                         f"{root.data.shape}; give one upstream gradient per output entry")
    return seed.copy()   # backward never writes into the caller's array


def _check_dot(a: np.ndarray, b: np.ndarray) -> None:
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"dot needs shapes (N, D) and (D, M), got {a.shape} and {b.shape}; "
                         "reshape the input to one row per sample")


def _check_positive(x: np.ndarray) -> None:
    if not np.all(x > 0):
        raise ValueError(f"log needs positive inputs, got a smallest entry of {np.min(x):g}; "
                         "keep its argument above 0 (e.g. clip it to at least a tiny number)")
