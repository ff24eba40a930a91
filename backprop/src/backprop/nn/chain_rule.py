"""A small graph worked with the layer objects and the chain rule, as chapter 2 prints it.

The forward calls run in order; the backward calls run in the reverse order,
starting from d(output)/d(output) = 1.
"""

from __future__ import annotations

from .layers import AddLayer, MulLayer


def square_sum(x, y):
    """z = (x + y)**2 built as t = x + y, z = t * t.

    Returns (z, dz/dx, dz/dy) as floats. t feeds both inputs of the
    multiply node, so two gradients flow back into t and they add up:
    dz/dt = t + t = 2t.
    """
    add, mul = AddLayer(), MulLayer()
    t = add.forward(x, y)
    z = mul.forward(t, t)
    dt_left, dt_right = mul.backward(1.0)
    dx, dy = add.backward(dt_left + dt_right)
    return float(z), float(dx), float(dy)
