"""Known-wrong variants of the reference: the common mistakes, written out.

Each is a small subclass or function that gets one thing wrong, the way students
do. ``mistakes.json`` (beside this module) names them per check with a hint; the
grader's diagnosis (``autograder.checks.diagnosis``) runs a check's cases on them
and shows the hint when a student's outputs match. They model a *kind* of
mistake: ``solutions/mistakes.py`` holds separate sample submissions, written as
edits of the solution code, that test the diagnosis against them.
Trusted side only (imports reference).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from backprop.nn import functions as fn, layers as ly
from backprop.nn.two_layer_net import TwoLayerNet

from . import autograd, chain_rule, extra_layers as ex
from .multi_layer_net import MultiLayerNet


# --- Generic mistakes of a layer's backward ----------------------------------------------

def drops_dout(cls):
    """``cls`` whose backward ignores the gradient arriving from above (as if dout were all ones)."""
    def backward(self, dout=1):
        return cls.backward(self, np.ones_like(np.asarray(dout, dtype=float)))
    return type(cls.__name__ + "DropsDout", (cls,), {"backward": backward})


def sign_flipped(cls):
    """``cls`` whose backward returns the right gradient with the opposite sign."""
    def backward(self, dout=1):
        return -np.asarray(cls.backward(self, dout), dtype=float)
    return type(cls.__name__ + "SignFlipped", (cls,), {"backward": backward})


# --- Problem set 1 --------------------------------------------------------------------------

def shopping_bag_untaxed(**kw):
    fruit = kw["pear"] * kw["pear_num"] + kw["lemon"] * kw["lemon_num"]
    price, grads = chain_rule.shopping(**kw)
    return fruit * kw["tax"] + kw["bag"], {**grads, "bag": 1.0, "tax": fruit}


def shopping_tax_without_bag(**kw):
    price, grads = chain_rule.shopping(**kw)
    return price, {**grads, "tax": grads["tax"] - kw["bag"]}


def shopping_not_swapped(**kw):
    price, grads = chain_rule.shopping(**kw)
    t = kw["tax"]
    return price, {**grads, "pear": kw["pear"] * t, "pear_num": kw["pear_num"] * t,
                   "lemon": kw["lemon"] * t, "lemon_num": kw["lemon_num"] * t}


def shopping_tax_not_chained(**kw):
    """The gradient below the tax node starts from 1 instead of what the tax node sends back."""
    price, grads = chain_rule.shopping(**kw)
    return price, {key: (value if key == "tax" else value / kw["tax"]) for key, value in grads.items()}


class SquareDerivative(ex.Square):
    def forward(self, x):
        super().forward(x)
        return 2.0 * self.x


class SquareNoTwo(ex.Square):
    def backward(self, dout):
        return self.x * dout


SquareDropsDout = drops_dout(ex.Square)


class SquareForgetsX(ex.Square):
    def backward(self, dout):
        return 2.0 * np.asarray(dout, dtype=float)


def square_sum_at_inputs(x, y):
    return (x + y) ** 2, 2.0 * x, 2.0 * y


def square_sum_no_chain(x, y):
    return (x + y) ** 2, 1.0, 1.0


def add_mul_no_chain(x, y, z):
    return (x + y) * z, 1.0, 1.0, x + y


def add_mul_unpacked_swapped(x, y, z):
    """The multiply node's (d first input, d second input) read the wrong way round."""
    return (x + y) * z, x + y, x + y, z


def add_mul_precedence(x, y, z):
    """f = x + y * z, worked by hand consistently: the precedence of * over + forgotten."""
    return x + y * z, 1.0, z, y


def fan_out_times_y(x, y):
    """The multiply node fed the sum and y: f = (x + y) * y and its own gradients."""
    return (x + y) * y, x + 2 * y, y


def fan_out_via_add_only(x, y):
    return (x + y) * x, x, x


def fan_out_direct_only(x, y):
    return (x + y) * x, x + y, x


def _order(value):
    """Depth-first topological order of the values ``value`` depends on (itself last)."""
    order, seen = [], set()

    def visit(v):
        if id(v) not in seen:
            seen.add(id(v))
            for parent in v.parents:
                visit(parent)
            order.append(v)
    visit(value)
    return order


class ValueOverwrites(autograd.Value):
    """backward sets parent.grad = ... instead of adding: a value reached twice keeps one path."""

    def backward(self):
        self.grad = 1.0
        for value in reversed(_order(self)):
            for parent, local in zip(value.parents, value.local):
                parent.grad = local * value.grad


class ValueNoSeed(autograd.Value):
    def backward(self):
        for value in reversed(_order(self)):
            for parent, local in zip(value.parents, value.local):
                parent.grad += local * value.grad


class ValueForwardOrder(autograd.Value):
    """Walks the topological order forwards: parents are visited before their gradient is in."""

    def backward(self):
        self.grad = 1.0
        for value in _order(self):
            for parent, local in zip(value.parents, value.local):
                parent.grad += local * value.grad


class ValueNoChain(autograd.Value):
    def backward(self):
        self.grad = 1.0
        for value in reversed(_order(self)):
            for parent, local in zip(value.parents, value.local):
                parent.grad += local


class ValueNoOrder(autograd.Value):
    """Hands each gradient on as soon as it is reached, without a topological order."""

    def backward(self):
        self.grad = 1.0
        stack = [self]
        while stack:
            value = stack.pop()
            for parent, local in zip(value.parents, value.local):
                parent.grad += local * value.grad
                stack.append(parent)


class ValueNoOrderRecursive(autograd.Value):
    """The same mistake written recursively: each value pushes its gradient down every path at once."""

    def backward(self):
        def push(value):
            for parent, local in zip(value.parents, value.local):
                parent.grad += local * value.grad
                push(parent)
        self.grad = 1.0
        push(self)


# --- Problem set 2 --------------------------------------------------------------------------

class MulNotSwapped(ly.MulLayer):
    def backward(self, dout):
        return dout * self.x, dout * self.y


class MulDropsDout(ly.MulLayer):
    def backward(self, dout):
        return self.y, self.x


class AddReturnsOnes(ly.AddLayer):
    def backward(self, dout):
        return 1.0, 1.0


class AddDropsBranch(ly.AddLayer):
    def backward(self, dout):
        return dout * 1, dout * 0


class ReluNoMask(ly.Relu):
    def backward(self, dout):
        return np.array(dout, dtype=float)


class ReluWrongSide(ly.Relu):
    def backward(self, dout):
        return np.where(self.mask, dout, 0.0)


ReluDropsDout = drops_dout(ly.Relu)


class ReluWritesDout(ly.Relu):
    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class ReluSlopeOneAtZero(ly.Relu):
    def backward(self, dout):
        return np.where(self.mask & (self.x_seen != 0), 0.0, dout)

    def forward(self, x):
        self.x_seen = np.asarray(x, dtype=float).copy()
        return super().forward(x)


class SigmoidFromInput(ly.Sigmoid):
    def forward(self, x):
        self.x = np.asarray(x, dtype=float).copy()
        return super().forward(x)

    def backward(self, dout):
        return dout * self.x * (1.0 - self.x)


SigmoidNoDout = drops_dout(ly.Sigmoid)
SigmoidSign = sign_flipped(ly.Sigmoid)


class SigmoidSlopeIsOut(ly.Sigmoid):
    def backward(self, dout):
        return dout * self.out


class AffineBiasNotSummed(ly.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = np.array(dout, dtype=float)
        return dx


class AffineBiasAveraged(ly.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = np.mean(dout, axis=0)
        return dx


class AffineBiasWrongAxis(ly.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = np.sum(dout, axis=1)
        return dx


class AffineDxFlat(ly.Affine):
    def backward(self, dout):
        return super().backward(dout).reshape(self.x.shape)


class AffineDwTransposed(ly.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = self.dW.T
        return dx


class AffineWNotTransposed(ly.Affine):
    """dx = dout @ W: the shapes (N, M) and (D, M) do not fit unless D == M."""

    def backward(self, dout):
        super().backward(dout)
        return (dout @ self.W).reshape(self.x_shape)


class TanhFromInput(ex.Tanh):
    def forward(self, x):
        self.x = np.asarray(x, dtype=float).copy()
        return super().forward(x)

    def backward(self, dout):
        return dout * (1.0 - self.x ** 2)


class TanhNotSquared(ex.Tanh):
    def backward(self, dout):
        return dout * (1.0 - self.out)


TanhDropsDout = drops_dout(ex.Tanh)
TanhSign = sign_flipped(ex.Tanh)


class LeakyZeroSlope(ex.LeakyRelu):
    def backward(self, dout):
        return np.where(self.mask, 0.0, dout)


class LeakyFixedAlpha(ex.LeakyRelu):
    def __init__(self, alpha=0.01):
        super().__init__(0.01)


class LeakyWrongSide(ex.LeakyRelu):
    def forward(self, x):
        super().forward(x)
        x = np.asarray(x, dtype=float)
        return np.where(self.mask, x, self.alpha * x)


LeakyDropsDout = drops_dout(ex.LeakyRelu)


class ExpSlopeOne(ex.Exp):
    def backward(self, dout):
        return np.array(dout, dtype=float)


ExpDropsDout = drops_dout(ex.Exp)


class ExpOfOut(ex.Exp):
    def backward(self, dout):
        return dout * np.exp(self.out)


class ReciprocalNoMinus(ex.Reciprocal):
    def backward(self, dout):
        return dout * self.out ** 2


class ReciprocalFromInput(ex.Reciprocal):
    """The slope -1/x**2 applied to the stored output as if it were x: -dout * x**2."""

    def backward(self, dout):
        return -dout / self.out ** 2


ReciprocalDropsDout = drops_dout(ex.Reciprocal)


class LastAxisFixedRank(ex.AffineLastAxis):
    """backward written for (N, T, D) inputs only (an einsum over three axes)."""

    def backward(self, dout):
        self.dW = np.einsum("ntd,ntm->dm", self.x, dout)
        self.db = dout.sum(axis=(0, 1))
        return dout @ self.W.T


class LastAxisForwardFixedRank(ex.AffineLastAxis):
    """forward written for (N, T, D) inputs only (an einsum over three axes); backward is right."""

    def forward(self, x):
        out = np.einsum("ntd,dm->ntm", x, self.W) + self.b
        self.x = np.asarray(x, dtype=float)
        return out


class LastAxisBiasFirstAxis(ex.AffineLastAxis):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = np.asarray(dout, dtype=float).sum(axis=0)
        return dx


class LastAxisTransposeAll(ex.AffineLastAxis):
    """dW = x.T @ dout, where .T reverses every axis of x."""

    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = self.x.T @ dout
        return dx


class NodesSigmoidSignLost(ex.SigmoidFromNodes):
    def backward(self, dout):
        return -super().backward(dout)


class NodesSigmoidWrongInput(ex.SigmoidFromNodes):
    """Takes the multiply node's gradient for its constant -1 instead of that for x."""

    def backward(self, dout):
        dc = self.reciprocal.backward(dout)
        db, _ = self.add_one.backward(dc)
        da = self.exp.backward(db)
        return self.negate.backward(da)[1]


class NodesSigmoidSkipsExp(ex.SigmoidFromNodes):
    def backward(self, dout):
        dc = self.reciprocal.backward(dout)
        db, _ = self.add_one.backward(dc)
        return self.negate.backward(db)[0]


# --- Problem set 3 --------------------------------------------------------------------------

def softmax_no_shift(x):
    e = np.exp(np.asarray(x, dtype=float))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_columns(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def softmax_whole_batch(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def softmax_global_max(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_axis_one(x):
    """Right for a batch (N, C); for one sample (C,) axis 1 does not exist."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def _batch(y):
    return 1 if np.ndim(y) == 1 else np.shape(y)[0]


def ce_sum(y, t):
    return fn.cross_entropy_error(y, t) * _batch(y)


def ce_one_hot_only(y, t):
    """-sum(t * log y) / N: right for one-hot t, broadcast nonsense for labels."""
    y, t = np.asarray(y, dtype=float), np.asarray(t, dtype=float)
    if y.ndim == 1:
        y, t = y.reshape(1, -1), t.reshape(1, -1)
    return float(-np.sum(t * np.log(y + 1e-7)) / y.shape[0])


def ce_divided_by_size(y, t):
    return fn.cross_entropy_error(y, t) * _batch(y) / np.size(y)


class SwlLossSum(ly.SoftmaxWithLoss):
    def forward(self, x, t):
        return super().forward(x, t) * _batch(x)


class SwlNoSoftmax(ly.SoftmaxWithLoss):
    """The cross-entropy of the raw scores instead of their softmax."""

    def forward(self, x, t):
        super().forward(x, t)
        return fn.cross_entropy_error(np.asarray(x, dtype=float), t)


class SwlNotDivided(ly.SoftmaxWithLoss):
    def backward(self, dout=1):
        return dout * (self.y - self.t)


class SwlIgnoresDout(ly.SoftmaxWithLoss):
    def backward(self, dout=1):
        return super().backward(1)


class SwlOnlyOneHot(ly.SoftmaxWithLoss):
    """Keeps t as given and computes (y - t) / N: right for one-hot t, fails for labels."""

    def forward(self, x, t):
        loss = super().forward(x, t)
        self.t = np.asarray(t, dtype=float)
        return loss


SwlSign = sign_flipped(ly.SoftmaxWithLoss)


class SoftmaxDiagonal(ex.Softmax):
    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class SoftmaxLayerWrongAxis(ex.Softmax):
    def backward(self, dout):
        weighted = np.sum(dout * self.out, axis=0, keepdims=True)
        return self.out * (dout - weighted)


class SoftmaxLayerSumWithoutDout(ex.Softmax):
    def backward(self, dout):
        return self.out * (dout - np.sum(self.out, axis=-1, keepdims=True))


SoftmaxLayerSign = sign_flipped(ex.Softmax)


class MseNotDivided(ex.MeanSquaredError):
    def forward(self, y, t):
        return super().forward(y, t) * self.batch_size

    def backward(self, dout=1):
        return dout * self.diff


class MseNoHalf(ex.MeanSquaredError):
    def forward(self, y, t):
        return 2.0 * super().forward(y, t)


class MseMeanOverEntries(ex.MeanSquaredError):
    def forward(self, y, t):
        return super().forward(y, t) * self.batch_size / np.size(self.diff)


class MseGradNotDivided(ex.MeanSquaredError):
    def backward(self, dout=1):
        return dout * self.diff


MseSign = sign_flipped(ex.MeanSquaredError)


class MseFactorTwo(ex.MeanSquaredError):
    def backward(self, dout=1):
        return 2.0 * super().backward(dout)


MseIgnoresDout = drops_dout(ex.MeanSquaredError)


# --- Problem set 4 --------------------------------------------------------------------------

def gradient_check_mean_abs(net, x, t):
    analytic, numeric = net.gradient(x, t), net.numerical_gradient(x, t)
    return {key: float(np.mean(np.abs(analytic[key] - numeric[key]))) for key in net.params}


def gradient_check_max_abs(net, x, t):
    analytic, numeric = net.gradient(x, t), net.numerical_gradient(x, t)
    return {key: float(np.max(np.abs(analytic[key] - numeric[key]))) for key in net.params}


def sgd_ascent(params, grads, lr=0.1):
    for key in params:
        params[key] += lr * grads[key]


def sgd_returns_new_dict(params, grads, lr=0.1):
    return {key: params[key] - lr * grads[key] for key in params}


def sgd_ignores_lr(params, grads, lr=0.1):
    for key in params:
        params[key] -= grads[key]


def _collect(net) -> dict:
    """The gradients the Affine layers hold, under the keys of params (Affine3 -> W3, b3)."""
    grads = {}
    for name, layer in net.layers.items():
        if name.startswith("Affine"):
            grads["W" + name[6:]], grads["b" + name[6:]] = layer.dW, layer.db
    return grads


def _forward_order(net, x, t):
    net.loss(x, t)
    dout = net.lastLayer.backward(1)
    for layer in net.layers.values():
        dout = layer.backward(dout)
    return _collect(net)


def _no_last_layer(net, x, t):
    net.loss(x, t)
    dout = 1
    for layer in reversed(net.layers.values()):
        dout = layer.backward(dout)
    return _collect(net)


def _no_loss(net, x, t):
    net.predict(x)
    dout = net.lastLayer.backward(1)
    for layer in reversed(net.layers.values()):
        dout = layer.backward(dout)
    return _collect(net)


class TwoLayerForwardOrder(TwoLayerNet):
    gradient = _forward_order


class TwoLayerNoLastLayer(TwoLayerNet):
    gradient = _no_last_layer


class MultiForwardOrder(MultiLayerNet):
    gradient = _forward_order


class MultiNoLastLayer(MultiLayerNet):
    gradient = _no_last_layer


class MultiNoLoss(MultiLayerNet):
    gradient = _no_loss


class NetReluOnScores(MultiLayerNet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.layers[f"Relu{len(self.params) // 2}"] = ly.Relu()


class NetLayerOrder(MultiLayerNet):
    """Every Affine first, then every ReLU."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = sorted(self.layers, key=lambda name: not name.startswith("Affine"))
        self.layers = OrderedDict((name, self.layers[name]) for name in names)


class NetWTransposed(MultiLayerNet):
    def __init__(self, input_size, hidden_size_list, output_size, weight_init_std=0.01, seed=None):
        rng = np.random.default_rng(seed)
        sizes = [input_size, *hidden_size_list, output_size]
        self.params = {}
        self.layers = OrderedDict()
        for i in range(1, len(sizes)):
            self.params[f"W{i}"] = weight_init_std * rng.standard_normal((sizes[i], sizes[i - 1]))
            self.params[f"b{i}"] = np.zeros(sizes[i])
            self.layers[f"Affine{i}"] = ly.Affine(self.params[f"W{i}"], self.params[f"b{i}"])
            if i < len(sizes) - 1:
                self.layers[f"Relu{i}"] = ly.Relu()
        self.lastLayer = ly.SoftmaxWithLoss()


class NetFixedScale(MultiLayerNet):
    """Ignores weight_init_std: always 0.01."""

    def __init__(self, input_size, hidden_size_list, output_size, weight_init_std=0.01, seed=None):
        super().__init__(input_size, hidden_size_list, output_size, 0.01, seed)
