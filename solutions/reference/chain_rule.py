"""Small graphs worked with the chain rule (problem set 1).

The book prints ``square_sum`` (``backprop.nn.chain_rule``); these are the graphs it does not.

Each function runs the forward pass with layer objects, then the backward pass
in reverse order from d(output) = 1, and returns the output with its gradients.
"""

from __future__ import annotations

from backprop.nn.layers import AddLayer, MulLayer


def shopping(pear=150.0, pear_num=4.0, lemon=80.0, lemon_num=5.0, bag=20.0, tax=1.08):
    """price = (pear * pear_num + lemon * lemon_num + bag) * tax.

    Returns (price, grads) where grads maps each input's name to d(price)/d(input).
    """
    mul_pear, mul_lemon, mul_tax = MulLayer(), MulLayer(), MulLayer()
    add_fruit, add_bag = AddLayer(), AddLayer()

    fruit = add_fruit.forward(mul_pear.forward(pear, pear_num), mul_lemon.forward(lemon, lemon_num))
    price = mul_tax.forward(add_bag.forward(fruit, bag), tax)

    dsubtotal, dtax = mul_tax.backward(1.0)
    dfruit, dbag = add_bag.backward(dsubtotal)
    dpear_price, dlemon_price = add_fruit.backward(dfruit)
    dpear, dpear_num = mul_pear.backward(dpear_price)
    dlemon, dlemon_num = mul_lemon.backward(dlemon_price)
    grads = {"pear": dpear, "pear_num": dpear_num, "lemon": dlemon,
             "lemon_num": dlemon_num, "bag": dbag, "tax": dtax}
    return price, grads


def add_mul(x, y, z):
    """f = (x + y) * z. Returns (f, df/dx, df/dy, df/dz)."""
    add, mul = AddLayer(), MulLayer()
    f = mul.forward(add.forward(x, y), z)
    dq, dz = mul.backward(1.0)
    dx, dy = add.backward(dq)
    return f, dx, dy, dz


def fan_out(x, y):
    """f = (x + y) * x, where x feeds two nodes. Returns (f, df/dx, df/dy).

    The gradients reaching x along its two paths (through the add node and
    straight into the multiply node) add up.
    """
    add, mul = AddLayer(), MulLayer()
    s = add.forward(x, y)
    f = mul.forward(s, x)
    ds, dx_direct = mul.backward(1.0)
    dx_via_add, dy = add.backward(ds)
    return f, dx_via_add + dx_direct, dy
