"""The parts of a computational graph: operations, nodes, edges.

Each operation (``OPS``) knows its forward rule, its local derivatives (one per
input slot) and how a caption says them; all of it is data in ``ops.json``,
which the widgets' browser engine reads too, compiled here by ``rules``.
``Node`` and ``Edge`` are the frozen records a ``Graph`` is made of.
``format_value`` is the one way numbers are written in captions and figures,
so that they are stable across runs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import messages
from .rules import compile_rule

#: The operation table's file (also read by backprop.messages for its captions and
#: shipped to the browser by backprop.widgets.bundle).
OPS_FILE = Path(__file__).with_name("ops.json")


class GraphError(ValueError):
    """A graph that cannot be evaluated or drawn (cycle, unknown op, ...)."""


@dataclass(frozen=True)
class OpRule:
    """How one operation computes forward and its local derivatives."""
    symbol: str                      # drawn in the node's circle ({c}: the node's constant)
    arity: int | None                # None: any number >= 2
    forward: Callable[[list[float], float | None], float]
    local: Callable[[list[float], float, float | None], list[float]]
    formula: Callable[[int, int, float | None], str]  # (slot, n_inputs, const) -> text
    show_rule: bool = False          # captions write "rule = value", not the value alone


# Inputs a forward rule refuses: check(x) is True where the rule is defined.
_DOMAINS = {
    "nonzero": (lambda x: x != 0, lambda what, x: messages.text("op.domain.nonzero", what=what)),
    "positive": (lambda x: x > 0, lambda what, x: messages.text("op.domain.positive", what=what, value=repr(x))),
}


def _op_rule(name: str, entry: dict) -> OpRule:
    """One row of ops.json as an ``OpRule`` (forward(xs, c), local(xs, y, c), formula(k, n, c))."""
    arity = entry["arity"]
    slots = entry.get("inputs", ["x"] if arity == 1 else "xs")
    if arity is not None and len(slots) != arity:
        raise ValueError(f"ops.json: {name} has arity {arity} but names {len(slots)} inputs")
    names = {"xs", "c"} | (set(slots) if arity is not None else set())
    forward_rule = compile_rule(entry["forward"], names)
    local_names = names | {"y", "others"}
    local_rules = entry["local"]
    per_slot = isinstance(local_rules, list)
    if per_slot and len(local_rules) != arity:
        raise ValueError(f"ops.json: {name} has arity {arity} but {len(local_rules)} local rules")
    compiled = [compile_rule(r, local_names) for r in local_rules] if per_slot \
        else compile_rule(local_rules, local_names)
    domain = entry.get("domain")
    if domain is not None:
        allowed, message = _DOMAINS[domain["check"]]
        what = domain["name"]

    def env(xs, c):
        out = {"xs": xs, "c": c}
        if arity is not None:
            out.update(zip(slots, xs))
        return out

    def forward(xs, c):
        if domain is not None and not allowed(xs[0]):
            raise GraphError(message(what, xs[0]))
        return forward_rule(env(xs, c))

    def local(xs, y, c):
        e = env(xs, c)
        e["y"] = y
        if per_slot:
            return [rule(e) for rule in compiled]
        out = []
        for k in range(len(xs)):
            e["others"] = xs[:k] + xs[k + 1:]
            out.append(compiled(e))
        return out

    rule_text = entry["rule"]

    def formula(k, n, c):
        if isinstance(rule_text, list):
            return messages.text(f"op.{name}.rule.{k}")
        if n > 2 and "rule_many" in entry:
            return messages.text(f"op.{name}.rule_many")
        return messages.text(f"op.{name}.rule", c=format_value(c))

    return OpRule(entry["symbol"], arity, forward, local, formula, bool(entry.get("show_rule", False)))


def _load_ops() -> dict[str, OpRule]:
    table = json.loads(OPS_FILE.read_text(encoding="utf-8"))["ops"]
    return {name: _op_rule(name, entry) for name, entry in table.items()}


# local(inputs, output, const) returns d(output)/d(input_k) for every slot k.
OPS: dict[str, OpRule] = _load_ops()

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


def format_sum(terms, total: float) -> str:
    """A sum as a figure writes it at a fork: [5, 1], 6 -> '5 + 1 = 6'; [0.5, -0.25] -> '0.5 − 0.25 = 0.25'.

    Each term and the total go through ``format_value``; a negative term after the first
    is subtracted (with the minus sign U+2212), as one writes a sum by hand.
    """
    parts = []
    for k, term in enumerate(terms):
        text = format_value(term)
        if k == 0:
            parts.append(text)
        elif text.startswith("-"):
            parts.append(f"\u2212 {text[1:]}")
        else:
            parts.append(f"+ {text}")
    return f"{' '.join(parts)} = {format_value(total)}"


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
        return OPS[self.op].symbol.replace("{c}", format_value(self.const))


@dataclass(frozen=True)
class Edge:
    """Carries ``src``'s output to slot ``slot`` of ``dst`` (``dst`` None: the graph output)."""
    src: str
    dst: str | None
    slot: int = 0

    @property
    def id(self) -> str:
        return f"{self.src}->{self.dst or 'out'}:{self.slot}"
