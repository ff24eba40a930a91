"""Replaying a graph's passes one step at a time (the widget and the figures use this).

``state_after`` says what is visible after the first k steps of ``Graph.steps()``
(see ``backprop.graph.steps``); ``forward_state`` shows the whole forward pass
and nothing of the backward one.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

from .. import messages
from .model import Graph
from .nodes import OPS, format_value
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
    totals: dict[str, float] = field(default_factory=dict)  # input id -> its gradient, written at it


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
    totals: dict[str, float] = {}
    for step in steps[:k]:
        values.update(zip(step.edges, step.values))
        grads.update(zip(step.edges, step.grads))
        if step.kind == "input":
            totals[step.node] = step.total
        if step.kind == "backward":
            local_text[step.node] = " / ".join(dict.fromkeys(
                _local_label(graph.nodes[step.node].op, text, d)
                for text, d in zip(step.local_text, step.local)))
    last = steps[k - 1] if k else None
    return GraphState(values, grads, last.node if last else None,
                      last.edges if last else (), local_text,
                      last.caption if last else messages.text("replay.start"), totals)


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
    name = out.label or messages.text("output.name")
    return GraphState(values, {}, None, (), {}, messages.text(
        "replay.forward_done", name=name, value=format_value(graph.values[graph.output])))


def _local_label(op: str, rule: str, value: float) -> str:
    """What a node shows beside it: "× y(1−y) = 0.1966" where the rule says more than its value
    (``show_rule`` in ops.json: exp(x), y(1-y), ...), else the value alone ("× 1.1" at the tax node)."""
    if OPS[op].show_rule:
        return messages.text("local.rule", rule=rule, value=format_value(value))
    return messages.text("local.value", value=format_value(value))
