"""The autograd engine's recorded graph as a book figure (micrograd's ``trace`` and ``draw_dot``).

``trace_graph(root)`` turns what the engine of chapter 6 (``backprop.nn.autograd``)
recorded behind ``root`` into the book's own ``Graph``, one node per tensor, so that
``figure`` draws it as it draws every graph of the book. The graph model then runs both
passes again from the leaves with the operation table's rules, and every node's value
and gradient must equal the engine's ``data`` and ``grad``: a figure never shows a number
the engine did not compute.

Only single numbers can be drawn (tensors of one entry, of any shape), by operations that
have a row in the operation table; a named leaf is an input, an unnamed one a constant
(the engine makes one from each plain number, as in ``x * 2``).
"""

from __future__ import annotations

import math
from dataclasses import replace

from .. import messages
from ..graph import Graph, GraphError
from ..nn.autograd import Tensor, topological_order

#: The engine's operation names and the rows of the operation table that draw them.
TABLE_OP = {"+": "add", "*": "mul", "dot": "dot", "**2": "square", "**-1": "reciprocal",
            "exp": "exp", "log": "log", "tanh": "tanh", "relu": "relu", "sigmoid": "sigmoid"}
#: Largest relative difference allowed between the engine's numbers and the model's.
AGREE = 1e-12


def trace_graph(root: Tensor, title: str | None = None, pos: dict | None = None) -> Graph:
    """The graph the engine recorded behind ``root``, evaluated, with a layout.

    root: a Tensor of one entry whose ``backward`` has run (the figure shows its
    gradients; the output's gradient ``root.grad`` is the seed the drawing starts from).
    title: the figure's accessible name (default: a sentence of the catalogue).
    pos: label -> (column, row), where a node with that label is drawn (as the
    builders of ``backprop.graph.book`` place theirs); other nodes get a chain layout.
    Leaves are named by their ``label``; operations keep theirs (the output's is
    written at its end). Raises ``GraphError`` for a graph that cannot be drawn.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"root must be a backprop.nn.autograd.Tensor, got {type(root).__name__}")
    if root.data.size != 1:
        raise GraphError(f"only graphs of single numbers can be drawn; the output has shape "
                         f"{root.data.shape}")
    if not root._parents:
        raise GraphError("root is a leaf: the engine recorded no operation behind it to draw")
    seed = float(root.grad.reshape(()))
    if seed == 0.0:
        raise GraphError("the output's gradient is 0: call backward() on it before drawing, "
                         "so that the figure has gradients to show")
    order = topological_order(root)
    g = Graph("engine", title if title is not None else messages.text("graph.engine.title"))
    ids = {}
    for t in order:
        if t.data.size != 1:
            raise GraphError(f"only single numbers can be drawn; {t!r} has shape {t.data.shape}")
        value = float(t.data.reshape(()))
        if not t._parents:
            ids[id(t)] = g.input(t.label, value) if t.label else g.const(value)
        elif t._op in TABLE_OP:
            ids[id(t)] = g.op(TABLE_OP[t._op], *(ids[id(p)] for p in t._parents), label=t.label)
        else:
            raise GraphError(f"the engine's {t._op!r} has no row in the operation table, so it "
                             f"cannot be drawn; the drawable operations are {', '.join(TABLE_OP)}")
    _lay_out(g, _check_pos(pos))
    g.set_output(ids[id(root)])
    g.forward()
    g.backward(seed)
    for t in order:
        nid = ids[id(t)]
        for what, engine, model in (("value", t.data, g.values[nid]), ("gradient", t.grad, g.node_grads[nid])):
            if not math.isclose(float(engine.reshape(())), model, rel_tol=AGREE, abs_tol=AGREE):
                raise GraphError(f"the graph model gives node {nid!r} the {what} {model!r}, the engine "
                                 f"{float(engine.reshape(()))!r}: the drawing would not show the engine's numbers")
    return g


def _lay_out(g: Graph, pos: dict) -> None:
    """Give every node a ``pos`` hint: ``pos[label]`` where given, else a chain layout.

    Columns are depths; a leaf stands one column before its first consumer. An operation
    continues the row of its first input that is an operation (a chain of layers runs
    straight), or sits between its inputs; leaves first read there take the rows below.
    """
    order = g.order()
    col, row = {}, {}
    for nid in order:
        ins = g.nodes[nid].inputs
        col[nid] = 1 + max(col[s] for s in ins) if ins else 0
    for nid in order:
        if not g.nodes[nid].inputs:
            users = [col[m] for m in order if nid in g.nodes[m].inputs]
            col[nid] = min(users) - 1 if users else 0
    taken: dict[int, list[float]] = {}   # column -> rows already used there

    def claim(nid, r):
        """Row ``r`` for ``nid``, or the next one down where its column has room."""
        rows = taken.setdefault(col[nid], [])
        while any(abs(r - other) < 0.75 for other in rows):
            r = max(other for other in rows if abs(r - other) < 0.75) + 1.0
        rows.append(r)
        row[nid] = r

    for nid in order:
        node = g.nodes[nid]
        if not node.inputs:
            continue
        chain = [s for s in node.inputs if g.nodes[s].inputs]
        new = [s for s in dict.fromkeys(node.inputs) if s not in row]
        top = row[chain[0]] if chain else max(row.values(), default=-1.0) + 1.0
        for k, s in enumerate(new):
            claim(s, top + k + (1.0 if chain else 0.0))
        claim(nid, row[chain[0]] if chain else sum(row[s] for s in node.inputs) / len(node.inputs))
    for nid in order:
        label = g.nodes[nid].label
        where = pos.get(label, (col[nid], row.get(nid, 0.0))) if label else (col[nid], row.get(nid, 0.0))
        g.nodes[nid] = replace(g.nodes[nid], pos=(float(where[0]), float(where[1])))


def _check_pos(pos) -> dict:
    if pos is None:
        return {}
    if not isinstance(pos, dict) or not all(isinstance(k, str) for k in pos):
        raise TypeError(f"pos must be a dict of label -> (column, row), got {type(pos).__name__}")
    for label, where in pos.items():
        ok = isinstance(where, (tuple, list)) and len(where) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in where)
        if not ok:
            raise GraphError(f"pos[{label!r}] must be (column, row), two finite numbers, got {where!r}")
    return pos
