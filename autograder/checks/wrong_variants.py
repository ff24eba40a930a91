"""Known-wrong variants of the reference: the common mistakes, written out.

Each is a small subclass or function that gets one thing wrong, the way
students do. ``autograder.checks.diagnosis`` runs a check's cases on them and names the
mistake when a student's outputs match. Trusted side only (imports reference).
"""

from __future__ import annotations

import numpy as np

from backprop.nn import functions as fn, layers as ly
from reference import autograd, chain_rule, extra_layers as ex
from reference.multi_layer_net import MultiLayerNet


def shopping_tax_without_bag(**kw):
    price, grads = chain_rule.shopping(**kw)
    return price, {**grads, "tax": grads["tax"] - kw["bag"]}


def shopping_not_swapped(**kw):
    price, grads = chain_rule.shopping(**kw)
    t = kw["tax"]
    return price, {**grads, "pear": kw["pear"] * t, "pear_num": kw["pear_num"] * t,
                   "lemon": kw["lemon"] * t, "lemon_num": kw["lemon_num"] * t}


class SquareNoTwo(ex.Square):
    def backward(self, dout):
        return self.x * dout


def square_sum_at_inputs(x, y):
    return (x + y) ** 2, 2.0 * x, 2.0 * y


def add_mul_no_chain(x, y, z):
    return (x + y) * z, 1.0, 1.0, x + y


class ValueOverwrites(autograd.Value):
    """backward sets parent.grad = ... instead of adding: a value reached twice keeps one path."""

    def backward(self):
        order, seen = [], set()

        def visit(value):
            if id(value) not in seen:
                seen.add(id(value))
                for parent in value.parents:
                    visit(parent)
                order.append(value)
        visit(self)
        self.grad = 1.0
        for value in reversed(order):
            for parent, local in zip(value.parents, value.local):
                parent.grad = local * value.grad


class MulNotSwapped(ly.MulLayer):
    def backward(self, dout):
        return dout * self.x, dout * self.y


class AddReturnsOnes(ly.AddLayer):
    def backward(self, dout):
        return 1.0, 1.0


class AddDropsBranch(ly.AddLayer):
    def backward(self, dout):
        return dout * 1, dout * 0


class ReluNoMask(ly.Relu):
    def backward(self, dout):
        return np.array(dout, dtype=float)


class SigmoidNoDout(ly.Sigmoid):
    def backward(self, dout):
        return (1.0 - self.out) * self.out


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


class AffineDxFlat(ly.Affine):
    def backward(self, dout):
        return super().backward(dout).reshape(self.x.shape)


class AffineDwTransposed(ly.Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = self.dW.T
        return dx


class TanhFromInput(ex.Tanh):
    def forward(self, x):
        self.x = np.asarray(x, dtype=float).copy()
        return super().forward(x)

    def backward(self, dout):
        return dout * (1.0 - self.x ** 2)


class LeakyZeroSlope(ex.LeakyRelu):
    def backward(self, dout):
        return np.where(self.mask, 0.0, dout)


class LeakyFixedAlpha(ex.LeakyRelu):
    def __init__(self, alpha=0.01):
        super().__init__(0.01)


class ExpSlopeOne(ex.Exp):
    def backward(self, dout):
        return np.array(dout, dtype=float)


class ReciprocalNoMinus(ex.Reciprocal):
    def backward(self, dout):
        return dout * self.out ** 2


class NodesSigmoidSignLost(ex.SigmoidFromNodes):
    def backward(self, dout):
        return -super().backward(dout)


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


def _batch(y):
    return 1 if np.ndim(y) == 1 else np.shape(y)[0]


def ce_sum(y, t):
    return fn.cross_entropy_error(y, t) * _batch(y)


class SwlLossSum(ly.SoftmaxWithLoss):
    def forward(self, x, t):
        return super().forward(x, t) * _batch(x)


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


class SoftmaxDiagonal(ex.Softmax):
    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class MseNotDivided(ex.MeanSquaredError):
    def forward(self, y, t):
        return super().forward(y, t) * self.batch_size

    def backward(self, dout=1):
        return dout * self.diff


class MseGradNotDivided(ex.MeanSquaredError):
    def backward(self, dout=1):
        return dout * self.diff


def gradient_check_mean_abs(net, x, t):
    analytic, numeric = net.gradient(x, t), net.numerical_gradient(x, t)
    return {key: float(np.mean(np.abs(analytic[key] - numeric[key]))) for key in net.params}


def sgd_ascent(params, grads, lr=0.1):
    for key in params:
        params[key] += lr * grads[key]


def sgd_returns_new_dict(params, grads, lr=0.1):
    return {key: params[key] - lr * grads[key] for key in params}


def sgd_ignores_lr(params, grads, lr=0.1):
    for key in params:
        params[key] -= grads[key]


class NetReluOnScores(MultiLayerNet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.layers[f"Relu{len(self.params) // 2}"] = ly.Relu()
