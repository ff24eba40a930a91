"""A tiny autograd engine: values that remember how they were computed (problem set 1).

The book builds graphs node by node and walks them backwards by hand; here the
graph builds itself as Python evaluates an expression, and ``backward`` does the
walk. Each operation stores its inputs (``parents``) and its local derivatives
(``local``); ``backward`` is the one piece that applies the chain rule.
"""

from __future__ import annotations

import math


class Value:
    """A number in a computational graph: ``data``, ``grad``, and the values it was computed from."""

    def __init__(self, data, parents=(), local=()):
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)  # the inputs of the operation that produced this value
        self.local = tuple(local)  # d(this value)/d(parent), one per parent

    def __add__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        return type(self)(self.data + other.data, (self, other), (1.0, 1.0))

    __radd__ = __add__

    def __mul__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        return type(self)(self.data * other.data, (self, other), (other.data, self.data))

    __rmul__ = __mul__

    def exp(self):
        out = math.exp(self.data)
        return type(self)(out, (self,), (out,))

    def backward(self):
        """Set ``grad`` of every value this one depends on to d(self)/d(that value).

        Orders the graph so that each value comes after everything it was computed
        from, seeds d(self)/d(self) = 1, then walks the order backwards: every value
        hands each parent its gradient times the local derivative, and a parent
        reached along several paths adds them up (+=).
        """
        order, seen, stack = [], set(), [(self, False)]
        while stack:  # depth-first, without recursion: long chains do not hit the recursion limit
            value, expanded = stack.pop()
            if expanded:
                order.append(value)
            elif id(value) not in seen:
                seen.add(id(value))
                stack.append((value, True))
                stack.extend((parent, False) for parent in value.parents)
        for value in order:
            value.grad = 0.0
        self.grad = 1.0
        for value in reversed(order):
            for parent, local in zip(value.parents, value.local):
                parent.grad += local * value.grad
