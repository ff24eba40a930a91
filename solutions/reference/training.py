"""Training helpers graded in problem set 4: a gradient check and a small training loop.

The SGD step the book prints lives in the student package (``backprop.nn.training``).

A "net" here is anything with the book's interface: ``params`` (dict of
arrays), ``loss(x, t)``, ``accuracy(x, t)``, ``gradient(x, t)`` and
``numerical_gradient(x, t)`` returning dicts with the keys of ``params``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backprop.nn.gradcheck import rel_error
from backprop.nn.training import sgd_step


def gradient_check(net, x, t):
    """Relative error between backprop and numerical gradients, per parameter.

    Returns {key: rel_error(net.gradient(x, t)[key], net.numerical_gradient(x, t)[key])}.
    Values near 1e-8 or below mean the backward pass is right; near 1, wrong.
    """
    analytic = net.gradient(x, t)
    numeric = net.numerical_gradient(x, t)
    return {key: rel_error(analytic[key], numeric[key]) for key in net.params}


@dataclass
class History:
    """What ``train`` measured: the loss at every step, accuracies now and then."""

    losses: list = field(default_factory=list)
    eval_steps: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)


def train(net, x_train, t_train, *, steps, lr=0.1, batch_size=100, seed=None,
          x_test=None, t_test=None, eval_every=None, callback=None):
    """Mini-batch SGD with backprop gradients, as in the book's chapter 5.

    x_train: (N, D); t_train: (N, C) one-hot or (N,) labels. Each of ``steps``
    steps draws ``batch_size`` rows (all rows when batch_size >= N), computes
    ``net.gradient`` and calls ``sgd_step``. Every ``eval_every`` steps (and
    after the last one) it records train accuracy, and test accuracy when
    x_test/t_test are given. ``callback(step, loss)`` is called after each step,
    e.g. to draw a progress bar. Returns a ``History``.
    """
    rng = np.random.default_rng(seed)
    n = len(x_train)
    history = History()
    for step in range(1, steps + 1):
        rows = np.arange(n) if batch_size >= n else rng.choice(n, batch_size, replace=False)
        x_batch, t_batch = x_train[rows], t_train[rows]
        grads = net.gradient(x_batch, t_batch)
        sgd_step(net.params, grads, lr)
        loss = net.loss(x_batch, t_batch)
        history.losses.append(loss)
        if callback is not None:
            callback(step, loss)
        if step == steps or (eval_every and step % eval_every == 0):
            history.eval_steps.append(step)
            history.train_acc.append(net.accuracy(x_train, t_train))
            if x_test is not None:
                history.test_acc.append(net.accuracy(x_test, t_test))
    return history
