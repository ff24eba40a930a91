"""One step of stochastic gradient descent, as chapter 5 of the book prints it.

A "net" is anything with the book's interface: ``params`` (dict of arrays) and
``gradient(x, t)`` returning a dict with the same keys.
"""

from __future__ import annotations

import numpy as np

from backprop.validate import as_float_array, as_number


def sgd_step(params, grads, lr=0.1):
    """One step of gradient descent: params[key] -= lr * grads[key].

    Updates the arrays of ``params`` in place; ``grads`` is left unchanged.
    """
    lr = as_number("lr", lr)
    require_same_keys(params, grads)
    for key in params:
        grad = as_float_array(f"grads[{key!r}]", grads[key],
                              shape=np.shape(params[key]))
        params[key] -= lr * grad


def require_same_keys(params, grads) -> None:
    """Raise unless ``grads`` has an entry for every key of ``params``."""
    missing = set(params) - set(grads)
    if missing:
        raise KeyError(f"grads has no entry for {sorted(missing)}; "
                       f"it needs the keys of params {sorted(params)}")
