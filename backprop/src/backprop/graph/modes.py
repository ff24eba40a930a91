"""Forward mode and reverse mode on the graph model, with their cost counted.

Both modes multiply along edges by the same local derivatives (``OPS[op].local``).
Forward mode pushes a tangent d(node)/d(x) from one input to the output, so it
needs one pass per input; reverse mode (``Graph.backward``) pushes d(out)/d(node)
from the output back once and gets every input's gradient. The cost unit is one
multiplication "local derivative × incoming signal": one per edge per pass.
"""

from __future__ import annotations

import numpy as np

from .. import messages
from .model import Graph
from .nodes import LEAF_OPS, OPS


def local_derivatives(graph: Graph) -> dict[str, list[float]]:
    """Node id -> d(node)/d(input k) for every slot k, at the forward values."""
    if not graph.values:
        graph.forward()
    return {nid: OPS[n.op].local([graph.values[s] for s in n.inputs], graph.values[nid], n.const)
            for nid, n in graph.nodes.items() if n.op not in LEAF_OPS}


def tangents(graph: Graph, wrt: str, local=None) -> dict[str, float]:
    """Node id -> d(node)/d(wrt): one forward-mode pass, seeded at wrt.

    local: ``local_derivatives(graph)``, when several passes share it.
    """
    if wrt not in graph.inputs_of():
        raise ValueError(f"wrt must be one of the graph's inputs "
                         f"{graph.inputs_of()}, got {wrt!r}")
    local = local_derivatives(graph) if local is None else local
    tangent = {}  # node id -> d(node)/d(wrt), from left to right
    for nid in graph.order():
        node = graph.nodes[nid]
        if node.op in LEAF_OPS:
            tangent[nid] = 1.0 if nid == wrt else 0.0
        else:
            pairs = zip(node.inputs, local[nid])
            tangent[nid] = sum(d * tangent[src] for src, d in pairs)
    return tangent


def forward_mode(graph: Graph) -> tuple[dict[str, float], int]:
    """d(output)/d(input) for every input: one pass per input.

    Returns (gradients by input id, multiplications used): each pass
    multiplies once per edge into an operation.
    """
    local = local_derivatives(graph)
    per_pass = sum(len(graph.nodes[nid].inputs) for nid in local)
    grads = {x: tangents(graph, x, local)[graph.output]
             for x in graph.inputs_of()}
    return grads, per_pass * len(grads)


def reverse_mode(graph: Graph) -> tuple[dict[str, float], int]:
    """d(output)/d(input) for every input by one backward pass (``Graph.backward``).

    Returns (gradients by input id, multiplications used): ``backward`` records
    one gradient per edge, each one product, plus the seed on the output edge.
    """
    grads = graph.backward()
    return grads, len(graph.grads) - 1


def weighted_sum_graph(n: int = 100, seed: int = 0) -> Graph:
    """``y = sigmoid(w_1 x_1 + ... + w_n x_n)``: n inputs, one output (weights are constants)."""
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an integer of at least 2 (the number of inputs), got {n!r}")
    rng = np.random.default_rng(seed)
    g = Graph("weighted_sum", messages.text("graph.weighted_sum.title", count=n))
    products = []
    for i in range(n):
        x = g.input(f"x{i + 1}", float(rng.uniform(-1, 1)))
        w = g.const(float(rng.uniform(-1, 1)), id=f"w{i + 1}")
        products.append(g.mul(x, w, id=f"p{i + 1}"))
    g.sigmoid(g.add(*products, id="s"), id="y")
    g.set_output("y")
    g.forward()
    return g
