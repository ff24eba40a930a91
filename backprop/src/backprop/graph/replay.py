"""Replaying a graph's passes one step at a time (the widget and the figures use this).

``state_after`` says what is visible after the first k steps of ``Graph.steps()``
(see ``backprop.graph.steps``); ``forward_state`` shows the whole forward pass
and nothing of the backward one.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from .model import Graph
from .nodes import format_value
from .steps import Step, build_steps

__all__ = ["GraphState", "state_after", "forward_state", "Step", "build_steps"]


@dataclass(frozen=True)
class GraphState:
    """What is visible after replaying the first ``k`` steps (for drawing)."""
    values: dict[str, float]      # edge id -> forward value shown
    grads: dict[str, float]       # edge id -> gradient shown
    active_node: str | None
    active_edges: tuple[str, ...]
    local_text: dict[str, str]    # node id -> text shown beside the node
    caption: str


def state_after(graph: Graph, k: int | None = None) -> GraphState:
    """The drawing state after the first ``k`` steps (``None``: all of them)."""
    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be a backprop.graph.Graph, got {type(graph).__name__}")
    steps = graph.steps()
    if k is None:
        k = len(steps)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an int from 0 to {len(steps)} (a step count) or None, "
                        f"got {type(k).__name__}")
    k = int(k)
    if not 0 <= k <= len(steps):
        raise ValueError(f"k must be from 0 to {len(steps)} (graph {graph.name!r} has "
                         f"{len(steps)} steps), got {k}")
    values: dict[str, float] = {}
    grads: dict[str, float] = {}
    local_text: dict[str, str] = {}
    for step in steps[:k]:
        values.update(zip(step.edges, step.values))
        grads.update(zip(step.edges, step.grads))
        if step.kind == "backward":
            local_text[step.node] = " / ".join(dict.fromkeys(
                _local_label(graph.nodes[step.node].op, text, d)
                for text, d in zip(step.local_text, step.local)))
    last = steps[k - 1] if k else None
    return GraphState(values, grads, last.node if last else None,
                      last.edges if last else (), local_text,
                      last.caption if last else "Press play to start the forward pass (순전파).")


def forward_state(graph: Graph) -> GraphState:
    """Every forward value on its edge, no gradients, no node highlighted: the finished forward pass.

    For a figure of the forward pass alone (``figure(graph, forward_state(graph))``).
    """
    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be a backprop.graph.Graph, got {type(graph).__name__}")
    values: dict[str, float] = {}
    for step in graph.steps():
        if step.kind == "forward":
            values.update(zip(step.edges, step.values))
    out = graph.nodes[graph.output]
    name = out.label or "the output"
    return GraphState(values, {}, None, (), {},
                      f"Forward pass (순전파) done: {name} = {format_value(graph.values[graph.output])}.")


# Operations whose local derivative is a rule of the input or output (exp(x),
# y(1-y), ...): the reader sees the rule and its value, "× y(1−y) = 0.1966".
# For +, × and ×c the value alone says it all ("× 1.1" at the tax node).
_RULE_OPS = frozenset({"square", "exp", "reciprocal", "log", "sigmoid", "tanh", "relu"})


def _local_label(op: str, rule: str, value: float) -> str:
    if op in _RULE_OPS:
        return f"{rule} = {format_value(value)}"
    return f"× {format_value(value)}"
