"""A small autograd engine on arrays: the book's layers as operations (chapter 6).

micrograd's design (karpathy/micrograd) with NumPy arrays. Each operation
builds its output ``Tensor`` and, right beside the forward maths, a small
``_backward`` that *adds* (``+=``) its inputs' gradients, because an input may
feed several operations. ``backward()`` seeds the output's gradient with 1 and
calls every ``_backward`` in reversed topological order. The operations are
the layers of chapters 3-4: ``dot`` and ``+`` make Affine, ``relu`` is Relu,
``softmax_cross_entropy`` is Softmax-with-Loss.

Shapes: N batch, D input features, M output features, C classes.
"""

from __future__ import annotations

import numpy as np

from backprop.validate import as_float_array

from .functions import cross_entropy_error, one_hot, softmax


class Tensor:
    """An array that remembers how it was computed, so it can be differentiated."""

    def __init__(self, data, _parents=(), _op=""):
        self.data = as_float_array("data", data)
        self.grad = np.zeros_like(self.data)  # d(output)/d(self)
        self._backward = lambda: None  # adds to the parents' grads
        self._parents = tuple(_parents)
        self._op = _op

    def __repr__(self):
        return f"Tensor(shape={self.data.shape}, op={self._op or 'leaf'!r})"

    def __add__(self, other):
        """x + b; b may be broadcast over rows: (N, M) + (M,) -> (N, M)."""
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

    def backward(self):
        """Fill ``grad`` of every tensor this one was computed from."""
        _check_scalar(self)
        order = topological_order(self)
        for node in order:
            node.grad = np.zeros_like(node.data)  # each backward() afresh
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            node._backward()


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` depends on, each after its parents."""
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for parent in node._parents:
                visit(parent)
            order.append(node)
    visit(root)
    return order


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


def _check_dot(a: np.ndarray, b: np.ndarray) -> None:
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"dot needs shapes (N, D) and (D, M), got {a.shape} and {b.shape}; "
                         "reshape the input to one row per sample")


def _check_scalar(t: Tensor) -> None:
    if t.data.size != 1:
        raise ValueError(f"backward() starts from a single number (a loss), got shape {t.data.shape}; "
                         "reduce the output to a scalar first")
