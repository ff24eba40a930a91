"""A small computational graph (계산 그래프) of scalar nodes.

One model serves the book's static figures and the animated widget: each node
knows its forward rule and its local derivatives; ``forward`` records the value
on every edge; ``backward`` records the gradient on every edge and every node's
local derivatives; ``steps`` lists both passes as an ordered sequence that can
be replayed one step at a time (see ``backprop.graph.steps`` and ``backprop.graph.replay``;
the operations themselves live in ``backprop.graph.nodes``).

Vocabulary: a *node* is an input, a constant or an operation; an *edge* carries
one node's output to one consumer slot (or, for the output node, out of the
graph). A node whose output feeds several consumers *fans out* (the graph forks
there): in the backward pass the gradients of its outgoing edges add up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .. import messages
from ..validate import as_number
from .nodes import LEAF_OPS, OPS, Edge, GraphError, Node, format_value
from .steps import Step, build_steps


@dataclass
class Graph:
    """A computational graph under construction or evaluated.

    Build with ``input``/``const`` and the operation methods, mark the result
    with ``set_output``, then call ``forward`` and ``backward``.
    """
    name: str = "graph"
    title: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)
    output: str | None = None
    values: dict[str, float] = field(default_factory=dict)      # node id -> output value
    grads: dict[str, float] = field(default_factory=dict)       # edge id -> gradient
    node_grads: dict[str, float] = field(default_factory=dict)  # node id -> d(out)/d(node)
    local: dict[str, tuple[float, ...]] = field(default_factory=dict)  # node id -> by slot
    _counts: dict[str, int] = field(default_factory=dict)

    # ---- construction -------------------------------------------------
    def _new_id(self, op: str, id: str | None) -> str:
        if id is None:
            n = self._counts.get(op, 0)
            self._counts[op] = n + 1
            id = f"{op}{n}"
        if not isinstance(id, str) or not id:
            raise GraphError(f"node id must be a non-empty string, got {id!r}")
        if id in self.nodes:
            raise GraphError(f"node id {id!r} is used twice; give each node its own id")
        return id

    def _add(self, node: Node) -> str:
        for src in node.inputs:
            if src not in self.nodes:
                raise GraphError(f"node {node.id!r} reads {src!r}, which is not in the graph yet")
        if node.pos is not None:   # a layout hint; a list is fine, but nodes must stay hashable
            pos = node.pos
            ok = isinstance(pos, (tuple, list)) and len(pos) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pos)
            if not ok:
                raise GraphError(f"pos of node {node.id!r} must be (column, row), two finite numbers, "
                                 f"got {pos!r}")
            node = replace(node, pos=(float(pos[0]), float(pos[1])))
        self.nodes[node.id] = node
        self._invalidate()
        return node.id

    def input(self, label: str, value: float, id: str | None = None, pos=None) -> str:
        """An input the output is differentiated with respect to."""
        value = as_number(f"input {label!r}", value)
        nid = self._new_id("input", id or label)
        self._add(Node(nid, "input", (), label, value, pos))
        return nid

    def const(self, value: float, id: str | None = None, pos=None) -> str:
        """A constant input (its gradient is still recorded, but rarely drawn)."""
        value = as_number("constant", value)
        nid = self._new_id("const", id)
        self._add(Node(nid, "const", (), format_value(value), value, pos))
        return nid

    def op(self, op: str, *inputs: str, id: str | None = None, label: str = "",
           const: float | None = None, pos=None) -> str:
        """Add an operation node reading ``inputs`` (node ids) in slot order."""
        if op not in OPS:
            raise GraphError(f"unknown operation {op!r}; use one of {', '.join(sorted(OPS))}")
        rule = OPS[op]
        if rule.arity is None and len(inputs) < 2:
            raise GraphError(f"{op!r} needs at least 2 inputs, got {len(inputs)}")
        if rule.arity is not None and len(inputs) != rule.arity:
            raise GraphError(f"{op!r} needs {rule.arity} input(s), got {len(inputs)}")
        if op == "scale":
            const = as_number("scale constant", const)
        nid = self._new_id(op, id)
        return self._add(Node(nid, op, tuple(inputs), label, const, pos))

    def add(self, *xs: str, **kw) -> str:
        return self.op("add", *xs, **kw)

    def mul(self, *xs: str, **kw) -> str:
        return self.op("mul", *xs, **kw)

    def dot(self, x: str, w: str, **kw) -> str:
        return self.op("dot", x, w, **kw)

    def square(self, x: str, **kw) -> str:
        return self.op("square", x, **kw)

    def exp(self, x: str, **kw) -> str:
        return self.op("exp", x, **kw)

    def reciprocal(self, x: str, **kw) -> str:
        return self.op("reciprocal", x, **kw)

    def scale(self, x: str, c: float, **kw) -> str:
        return self.op("scale", x, const=c, **kw)

    def log(self, x: str, **kw) -> str:
        return self.op("log", x, **kw)

    def sigmoid(self, x: str, **kw) -> str:
        return self.op("sigmoid", x, **kw)

    def set_output(self, node_id: str) -> "Graph":
        if node_id not in self.nodes:
            raise GraphError(f"output {node_id!r} is not a node of the graph")
        self.output = node_id
        self._invalidate()
        return self

    def _invalidate(self):
        self.values.clear()
        self.grads.clear()
        self.node_grads.clear()
        self.local.clear()

    # ---- structure ----------------------------------------------------
    @property
    def edges(self) -> list[Edge]:
        """Every edge in a stable order: by consumer (topological), then slot; output last."""
        out = [Edge(src, nid, k) for nid in self.order() for k, src in enumerate(self.nodes[nid].inputs)]
        if self.output is not None:
            out.append(Edge(self.output, None, 0))
        return out

    def inputs_of(self) -> list[str]:
        """Ids of the ``input`` nodes, in insertion order."""
        return [n.id for n in self.nodes.values() if n.op == "input"]

    def consumers(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.src == node_id]

    def order(self) -> list[str]:
        """Node ids in a topological order (stable: ties keep insertion order)."""
        for node in self.nodes.values():
            if node.op not in LEAF_OPS and node.op not in OPS:
                raise GraphError(f"node {node.id!r} has unknown operation {node.op!r}")
            for src in node.inputs:
                if src not in self.nodes:
                    raise GraphError(f"node {node.id!r} reads {src!r}, which is not in the graph")
        done: list[str] = []
        state: dict[str, int] = {}  # 1 visiting, 2 done

        def visit(nid, path):
            if state.get(nid) == 2:
                return
            if state.get(nid) == 1:
                cycle = " -> ".join(path[path.index(nid):] + [nid])
                raise GraphError(messages.text("graph.cycle", cycle=cycle))
            state[nid] = 1
            for src in self.nodes[nid].inputs:
                visit(src, path + [nid])
            state[nid] = 2
            done.append(nid)

        for nid in self.nodes:
            visit(nid, [])
        return done

    def validate(self) -> None:
        """Raise ``GraphError`` unless the graph can be evaluated and drawn."""
        self.order()
        if self.output is None:
            raise GraphError(messages.text("graph.no_output"))

    # ---- passes -------------------------------------------------------
    def forward(self, **inputs: float) -> float:
        """Evaluate every node; ``inputs`` (by input id) override the built values."""
        self.validate()
        unknown = set(inputs) - set(self.inputs_of())
        if unknown:
            raise GraphError(f"no input named {sorted(unknown)}; inputs are {self.inputs_of()}")
        self._invalidate()
        for nid in self.order():
            node = self.nodes[nid]
            if node.op in LEAF_OPS:
                value = inputs.get(nid, node.const)
                value = as_number(f"input {nid!r}", value)
            else:
                xs = [self.values[s] for s in node.inputs]
                try:
                    value = OPS[node.op].forward(xs, node.const)
                except OverflowError:
                    value = math.inf
            if not math.isfinite(value):
                raise GraphError(messages.text("graph.not_finite", node=repr(nid), op=node.op, value=repr(value)))
            self.values[nid] = float(value)
        return self.values[self.output]

    def backward(self, dout: float = 1.0) -> dict[str, float]:
        """Propagate ``dout`` from the output back; return d(output)/d(input) by input id."""
        if not self.values:
            self.forward()
        dout = as_number("dout", dout)
        self.grads.clear()
        self.node_grads.clear()
        self.local.clear()
        self.grads[Edge(self.output, None).id] = dout
        upstream = {nid: 0.0 for nid in self.nodes}
        upstream[self.output] = dout
        for nid in reversed(self.order()):
            node = self.nodes[nid]
            self.node_grads[nid] = upstream[nid]
            if node.op in LEAF_OPS:
                continue
            xs = [self.values[s] for s in node.inputs]
            local = OPS[node.op].local(xs, self.values[nid], node.const)
            self.local[nid] = tuple(float(v) for v in local)
            for k, (src, d) in enumerate(zip(node.inputs, local)):
                g = upstream[nid] * d
                self.grads[Edge(src, nid, k).id] = g
                upstream[src] += g  # fan-out: gradients from every consumer add up
        return {nid: self.node_grads[nid] for nid in self.inputs_of()}

    def evaluate(self, **inputs: float) -> float:
        """Forward value for other inputs, leaving this graph's recorded state alone."""
        twin = Graph(self.name, self.title, dict(self.nodes), self.output)
        return twin.forward(**inputs)

    def with_inputs(self, **inputs: float) -> "Graph":
        """A copy whose inputs take new values (unnamed ones keep theirs)."""
        unknown = set(inputs) - set(self.inputs_of())
        if unknown:
            raise GraphError(f"no input named {sorted(unknown)}; inputs are {self.inputs_of()}")
        nodes = {
            nid: (Node(n.id, n.op, n.inputs, n.label, as_number(f"input {nid!r}", inputs[nid]), n.pos)
                  if nid in inputs else n)
            for nid, n in self.nodes.items()
        }
        return Graph(self.name, self.title, nodes, self.output, _counts=dict(self._counts))

    # ---- replay -------------------------------------------------------
    def steps(self) -> list[Step]:
        """Both passes as steps: inputs, each op forward, the seed, each op backward."""
        return build_steps(self)
