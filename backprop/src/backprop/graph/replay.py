"""Replaying a graph's passes one step at a time (the widget and the figures use this).

``build_steps`` turns an evaluated graph into an ordered list of ``Step``:
the inputs entering, each operation forward in topological order, the seed
gradient 1 on the output, then each operation backward in reverse order.
``state_after`` says what is visible after the first k steps; ``forward_state``
shows the whole forward pass and nothing of the backward one.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .nodes import LEAF_OPS, OPS, Edge, format_value

if TYPE_CHECKING:
    from .graph import Graph


@dataclass(frozen=True)
class Step:
    """One replayable step of a pass.

    kind: "forward" (``node`` computed its output; ``edges`` got ``values``),
    "seed" (the backward pass starts with ``1`` on the output edge) or
    "backward" (``node`` multiplied its upstream gradient by its local
    derivatives; ``edges`` - its input edges - got ``grads``).
    """
    index: int
    kind: str
    node: str | None
    edges: tuple[str, ...]
    values: tuple[float, ...] = ()
    grads: tuple[float, ...] = ()
    local: tuple[float, ...] = ()
    local_text: tuple[str, ...] = ()
    caption: str = ""


def build_steps(graph: Graph) -> list[Step]:
    """Both passes of ``graph`` as steps: inputs, each op forward, the seed, each op backward.

    Runs the passes first if they have not been run (or the nodes changed since).
    """
    if set(graph.values) != set(graph.nodes):   # never run, or nodes changed behind its back
        graph.forward()
    if not graph.grads:
        graph.backward()
    order = graph.order()
    in_edges = {nid: [Edge(s, nid, k) for k, s in enumerate(graph.nodes[nid].inputs)] for nid in order}
    out_edges: dict[str, list[Edge]] = {nid: [] for nid in order}
    for e in graph.edges:
        out_edges[e.src].append(e)
    steps: list[Step] = []

    def push(**kw):
        steps.append(Step(index=len(steps), **kw))

    leaves = [nid for nid in order if graph.nodes[nid].op in LEAF_OPS]
    leaf_edges = [e for nid in leaves for e in out_edges[nid]]
    push(kind="forward", node=None, edges=tuple(e.id for e in leaf_edges),
         values=tuple(graph.values[e.src] for e in leaf_edges),
         caption="Forward pass: the inputs enter the graph ("
         + ", ".join(f"{graph.nodes[n].label} = {format_value(graph.values[n])}" for n in leaves
                     if graph.nodes[n].op == "input") + ").")
    for nid in order:
        node = graph.nodes[nid]
        if node.op in LEAF_OPS:
            continue
        args = ", ".join(format_value(graph.values[s]) for s in node.inputs)
        push(kind="forward", node=nid, edges=tuple(e.id for e in out_edges[nid]),
             values=tuple(graph.values[nid] for _ in out_edges[nid]),
             caption=f"The {node.symbol} node turns {args} into {format_value(graph.values[nid])}"
             + (" and passes it to every consumer." if len(out_edges[nid]) > 1 else "."))
    out_edge = Edge(graph.output, None).id
    push(kind="seed", node=None, edges=(out_edge,), grads=(graph.grads[out_edge],),
         caption=f"Backward pass (역전파): it starts with d(out)/d(out) = "
         f"{format_value(graph.grads[out_edge])} on the output.")
    for nid in reversed(order):
        node = graph.nodes[nid]
        if node.op in LEAF_OPS:
            continue
        edges = in_edges[nid]
        n = len(edges)
        texts = tuple(OPS[node.op].formula(k, n, node.const) for k in range(n))
        fan = " (the sum over its consumers)" if len(out_edges[nid]) > 1 else ""
        push(kind="backward", node=nid, edges=tuple(e.id for e in edges),
             grads=tuple(graph.grads[e.id] for e in edges), local=graph.local[nid], local_text=texts,
             caption=f"The {node.symbol} node multiplies its upstream gradient "
             f"{format_value(graph.node_grads[nid])}{fan} by its local derivative "
             + ("; ".join(f"{format_value(d)}" for d in graph.local[nid]))
             + " and sends " + _and([f"{format_value(graph.grads[e.id])} to {edge_name(graph, e.src)}"
                                    for e in edges]) + ".")
    return steps


def edge_name(graph: Graph, src: str) -> str:
    """How a caption names the edge leaving ``src``: "the tax edge", "the edge from the exp node"."""
    node = graph.nodes[src]
    if node.op == "const":
        return f"the edge of the constant {node.label}"
    if node.label:
        return f"the {node.label} edge"
    return f"the edge from the {node.symbol} node"


def _and(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


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
    from .graph import Graph   # here, not at the top: graph.py imports this module

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
    from .graph import Graph   # here, not at the top: graph.py imports this module

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
