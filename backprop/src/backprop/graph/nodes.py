"""The parts of a computational graph: operations, nodes, edges.

Each operation (``OPS``) knows its forward rule, its local derivatives (one per
input slot) and how to say them in words; ``Node`` and ``Edge`` are the frozen
records a ``Graph`` is made of. ``format_value`` is the one way numbers are
written in captions and figures, so that they are stable across runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable


class GraphError(ValueError):
    """A graph that cannot be evaluated or drawn (cycle, unknown op, ...)."""


@dataclass(frozen=True)
class OpRule:
    """How one operation computes forward and its local derivatives."""
    symbol: str                      # drawn in the node's circle
    arity: int | None                # None: any number >= 2
    forward: Callable[[list[float], float | None], float]
    local: Callable[[list[float], float, float | None], list[float]]
    formula: Callable[[int, int, float | None], str]  # (slot, n_inputs, const) -> text


def _prod(values):
    out = 1.0
    for v in values:
        out *= v
    return out


def _nonzero(x, what):
    if x == 0:
        raise GraphError(f"{what} of 0 is undefined; change the inputs so the value is not 0")
    return x


def _positive(x, what):
    if x <= 0:
        raise GraphError(f"{what} needs a positive input, got {x}; change the inputs")
    return x


# local(inputs, output, const) returns d(output)/d(input_k) for every slot k.
OPS: dict[str, OpRule] = {
    "add": OpRule("+", None, lambda xs, c: sum(xs),
                  lambda xs, y, c: [1.0] * len(xs),
                  lambda k, n, c: "× 1"),
    "mul": OpRule("×", None, lambda xs, c: _prod(xs),
                  lambda xs, y, c: [_prod(xs[:k] + xs[k + 1:]) for k in range(len(xs))],
                  lambda k, n, c: "× the other input" if n == 2 else "× the other inputs"),
    # The matrix product, drawn as the notes' `dot` node; on single numbers it is a product.
    "dot": OpRule("dot", 2, lambda xs, c: xs[0] * xs[1],
                  lambda xs, y, c: [xs[1], xs[0]],
                  lambda k, n, c: "× Wᵀ" if k == 0 else "× Xᵀ (on the left)"),
    "square": OpRule("**2", 1, lambda xs, c: xs[0] ** 2,
                     lambda xs, y, c: [2.0 * xs[0]],
                     lambda k, n, c: "× 2x"),
    "exp": OpRule("exp", 1, lambda xs, c: math.exp(xs[0]),
                  lambda xs, y, c: [y],
                  lambda k, n, c: "× exp(x)"),
    "reciprocal": OpRule("/", 1, lambda xs, c: 1.0 / _nonzero(xs[0], "1/x"),
                         lambda xs, y, c: [-y * y],
                         lambda k, n, c: "× (−1/x²)"),
    "scale": OpRule("×c", 1, lambda xs, c: c * xs[0],
                    lambda xs, y, c: [c],
                    lambda k, n, c: f"× {format_value(c)}"),
    "log": OpRule("log", 1, lambda xs, c: math.log(_positive(xs[0], "log")),
                  lambda xs, y, c: [1.0 / xs[0]],
                  lambda k, n, c: "× 1/x"),
    "sigmoid": OpRule("sigmoid", 1, lambda xs, c: 1.0 / (1.0 + math.exp(-xs[0])),
                      lambda xs, y, c: [y * (1.0 - y)],
                      lambda k, n, c: "× y(1−y)"),
    "tanh": OpRule("tanh", 1, lambda xs, c: math.tanh(xs[0]),
                   lambda xs, y, c: [1.0 - y * y],
                   lambda k, n, c: "× (1−y²)"),
    "relu": OpRule("relu", 1, lambda xs, c: xs[0] if xs[0] > 0 else 0.0,
                   lambda xs, y, c: [1.0 if xs[0] > 0 else 0.0],
                   lambda k, n, c: "× [x>0]"),
}

LEAF_OPS = ("input", "const")


def format_value(v: float | None) -> str:
    """Short, stable text for a number: 220.00000000000003 -> '220'."""
    if v is None:
        return ""
    if v != v or v in (math.inf, -math.inf):
        return str(v)
    text = f"{v:.4g}"
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Node:
    """One node. ``id`` is deterministic (given by the builder or counted)."""
    id: str
    op: str                       # "input", "const" or a key of OPS
    inputs: tuple[str, ...] = ()  # ids of the producing nodes, by slot
    label: str = ""               # name of an input, or a caption for an op
    const: float | None = None    # the constant of "scale", the value of "const"
    pos: tuple[float, float] | None = None  # optional layout hint (column, row)

    @property
    def symbol(self) -> str:
        if self.op in LEAF_OPS:
            return self.label
        if self.op == "scale":
            return f"×{format_value(self.const)}"
        return OPS[self.op].symbol


@dataclass(frozen=True)
class Edge:
    """Carries ``src``'s output to slot ``slot`` of ``dst`` (``dst`` None: the graph output)."""
    src: str
    dst: str | None
    slot: int = 0

    @property
    def id(self) -> str:
        return f"{self.src}->{self.dst or 'out'}:{self.slot}"
