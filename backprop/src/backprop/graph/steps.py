"""Both passes of a graph as replayable steps, each with its caption.

``build_steps`` turns an evaluated graph into an ordered list of ``Step``:
the inputs entering, each operation forward in topological order, the seed
gradient 1 on the output, each operation backward in reverse order, and last
each input collecting its gradient: where an input feeds several nodes (a fork),
that step adds the gradients of its edges ("5 + 1 = 6"), as the backward pass does.
What is visible after the first k steps is ``backprop.graph.replay``'s business.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import messages
from .nodes import LEAF_OPS, OPS, Edge, format_sum, format_value

# ``graph`` below is a ``backprop.graph.model.Graph``; it is not imported, because
# model.py imports this module (the annotations are never evaluated).


@dataclass(frozen=True)
class Step:
    """One replayable step of a pass.

    kind: "forward" (``node`` computed its output; ``edges`` got ``values``),
    "seed" (the backward pass starts with ``1`` on the output edge),
    "backward" (``node`` multiplied its upstream gradient by its local
    derivatives; ``edges`` - its input edges - got ``grads``) or
    "input" (the input ``node`` holds ``total``, the sum of the gradients on its
    ``edges``, the edges it feeds).
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
    total: float | None = None


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
    inputs = [messages.text("value.named", name=graph.nodes[n].label, value=format_value(graph.values[n]))
              for n in leaves if graph.nodes[n].op == "input"]
    push(kind="forward", node=None, edges=tuple(e.id for e in leaf_edges),
         values=tuple(graph.values[e.src] for e in leaf_edges),
         caption=messages.text("step.inputs", inputs=messages.join(inputs)))
    for nid in order:
        node = graph.nodes[nid]
        if node.op in LEAF_OPS:
            continue
        key = "step.forward.fanout" if len(out_edges[nid]) > 1 else "step.forward"
        push(kind="forward", node=nid, edges=tuple(e.id for e in out_edges[nid]),
             values=tuple(graph.values[nid] for _ in out_edges[nid]),
             caption=messages.text(key, symbol=node.symbol, value=format_value(graph.values[nid]),
                                   args=messages.join([format_value(graph.values[s]) for s in node.inputs])))
    out_edge = Edge(graph.output, None).id
    push(kind="seed", node=None, edges=(out_edge,), grads=(graph.grads[out_edge],),
         caption=messages.text("step.seed", value=format_value(graph.grads[out_edge])))
    for nid in reversed(order):
        node = graph.nodes[nid]
        if node.op in LEAF_OPS:
            continue
        edges = in_edges[nid]
        n = len(edges)
        texts = tuple(OPS[node.op].formula(k, n, node.const) for k in range(n))
        outs = out_edges[nid]
        # A node that fans out first adds what its consumers sent: the sum is in the caption.
        upstream = format_sum([graph.grads[e.id] for e in outs], graph.node_grads[nid]) if len(outs) > 1 \
            else format_value(graph.node_grads[nid])
        key = "step.backward.fanout" if len(outs) > 1 else "step.backward"
        sends = [messages.text("step.send", value=format_value(graph.grads[e.id]), edge=edge_name(graph, e.src))
                 for e in edges]
        push(kind="backward", node=nid, edges=tuple(e.id for e in edges),
             grads=tuple(graph.grads[e.id] for e in edges), local=graph.local[nid], local_text=texts,
             caption=messages.text(key, symbol=node.symbol, upstream=upstream,
                                   local="; ".join(format_value(d) for d in graph.local[nid]),
                                   sends=messages.join_and(sends)))
    output = output_symbol(graph)
    for nid in graph.inputs_of():
        outs = out_edges[nid]
        if not outs:
            continue
        total = graph.node_grads[nid]
        name = graph.nodes[nid].label
        if len(outs) > 1:
            caption = messages.text("step.input.fork", name=name, output=output, count=len(outs),
                                    sum=format_sum([graph.grads[e.id] for e in outs], total))
        else:
            caption = messages.text("step.input", name=name, output=output, value=format_value(total))
        push(kind="input", node=nid, edges=tuple(e.id for e in outs), total=total, caption=caption)
    return steps


def output_symbol(graph: Graph) -> str:
    """How a formula names the output: its label (price, f, L), else "out"."""
    return graph.nodes[graph.output].label or messages.text("output.symbol")


def edge_name(graph: Graph, src: str) -> str:
    """How a caption names the edge leaving ``src``: "the tax edge", "the edge from the exp node"."""
    node = graph.nodes[src]
    if node.op == "const":
        return messages.text("edge.constant", label=node.label)
    if node.label:
        return messages.text("edge.named", label=node.label)
    return messages.text("edge.node", symbol=node.symbol)
