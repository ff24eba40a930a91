"""A small computational graph (계산 그래프) of scalar nodes.

One model serves the book's static figures and the animated widget: each node
knows its forward rule and its local derivatives; ``forward`` records the value
on every edge; ``backward`` records the gradient on every edge and every node's
local derivatives; ``steps`` lists both passes as an ordered sequence that can
be replayed one step at a time.

Vocabulary: a *node* is an input, a constant or an operation; an *edge* carries
one node's output to one consumer slot (or, for the output node, out of the
graph). A node whose output feeds several consumers *fans out*: in the backward
pass the gradients of its outgoing edges add up (분기 노드 in the notes).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Callable

from .validate import as_number


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
                raise GraphError(f"the graph has a cycle ({cycle}); a computational graph must not loop back")
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
            raise GraphError("the graph has no output; call set_output(node_id)")

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
                raise GraphError(f"node {nid!r} ({node.op}) produced {value}; use smaller inputs")
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
        if not self.grads:
            self.backward()
        order = self.order()
        in_edges = {nid: [Edge(s, nid, k) for k, s in enumerate(self.nodes[nid].inputs)] for nid in order}
        out_edges: dict[str, list[Edge]] = {nid: [] for nid in order}
        for e in self.edges:
            out_edges[e.src].append(e)
        steps: list[Step] = []

        def push(**kw):
            steps.append(Step(index=len(steps), **kw))

        leaves = [nid for nid in order if self.nodes[nid].op in LEAF_OPS]
        leaf_edges = [e for nid in leaves for e in out_edges[nid]]
        push(kind="forward", node=None, edges=tuple(e.id for e in leaf_edges),
             values=tuple(self.values[e.src] for e in leaf_edges),
             caption="Forward pass: the inputs enter the graph ("
             + ", ".join(f"{self.nodes[n].label} = {format_value(self.values[n])}" for n in leaves
                         if self.nodes[n].op == "input") + ").")
        for nid in order:
            node = self.nodes[nid]
            if node.op in LEAF_OPS:
                continue
            args = ", ".join(format_value(self.values[s]) for s in node.inputs)
            push(kind="forward", node=nid, edges=tuple(e.id for e in out_edges[nid]),
                 values=tuple(self.values[nid] for _ in out_edges[nid]),
                 caption=f"The {node.symbol} node turns {args} into {format_value(self.values[nid])}"
                 + (" and passes it to every consumer." if len(out_edges[nid]) > 1 else "."))
        out_edge = Edge(self.output, None).id
        push(kind="seed", node=None, edges=(out_edge,), grads=(self.grads[out_edge],),
             caption=f"Backward pass (역전파): it starts with d(out)/d(out) = "
             f"{format_value(self.grads[out_edge])} on the output.")
        for nid in reversed(order):
            node = self.nodes[nid]
            if node.op in LEAF_OPS:
                continue
            edges = in_edges[nid]
            n = len(edges)
            texts = tuple(OPS[node.op].formula(k, n, node.const) for k in range(n))
            fan = " (the sum over its consumers)" if len(out_edges[nid]) > 1 else ""
            push(kind="backward", node=nid, edges=tuple(e.id for e in edges),
                 grads=tuple(self.grads[e.id] for e in edges), local=self.local[nid], local_text=texts,
                 caption=f"The {node.symbol} node multiplies its upstream gradient "
                 f"{format_value(self.node_grads[nid])}{fan} by its local derivative "
                 + ("; ".join(f"{format_value(d)}" for d in self.local[nid]))
                 + " and sends " + ", ".join(format_value(self.grads[e.id]) for e in edges) + " back.")
        return steps


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
                f"× {format_value(d)}" for d in step.local))
    last = steps[k - 1] if k else None
    return GraphState(values, grads, last.node if last else None,
                      last.edges if last else (), local_text,
                      last.caption if last else "Press play to start the forward pass (순전파).")
