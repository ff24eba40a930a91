"""Bring your own expression: ``expression_graph("(x + y)**2 * exp(-x)", x=1, y=2)`` -> Graph.

The text is parsed with the ``ast`` module and only a small arithmetic
language is accepted; nothing is ever evaluated by Python. Every name must be
given a value as a keyword argument; a name used twice is one input node that
fans out (its gradients add up, as in the book).

    a + b, a - b, -a         add nodes (a - b is a + (-1)·b)
    a * b, a / b             mul nodes (a / b is a · (1/b))
    a ** 2, a ** -1          square, reciprocal (no other powers)
    1 / a                    reciprocal
    2 * a, a / 2, a + 3      a constant factor is a scale node, a constant term a const input
    exp(a), log(a), sigmoid(a), tanh(a), relu(a)   (also written math.exp, np.exp, numpy.exp)

The widget's browser engine (``backprop/widgets/front/expression.js``) reads the same grammar
and builds the same nodes; keep the two in step (tests/test_browser_engine.py).

Widget: ``backprop.widgets.gradient_flow.flow(expression_graph(text, **inputs))``.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from .. import messages
from ..validate import as_number
from .model import Graph
from .nodes import GraphError

MAX_TEXT = 400        # characters: a graph larger than this cannot be read when drawn
MAX_NODES = 40
FUNCTIONS = ("exp", "log", "sigmoid", "tanh", "relu")
MODULES = ("math", "np", "numpy")


class ExpressionError(GraphError):
    """The expression text cannot be turned into a graph; the message says why and what to write."""


def _where(node: ast.AST, text: str) -> str:
    seg = ast.get_source_segment(text, node)
    return repr(seg) if seg else messages.text("expression.part")


class _Builder:
    def __init__(self, text: str, inputs: dict[str, float], graph: Graph):
        self.text, self.inputs, self.g = text, inputs, graph
        self.used: dict[str, str] = {}   # input name -> node id

    def count(self):
        if len(self.g.nodes) > MAX_NODES:
            raise ExpressionError(messages.text("expression.too_many_nodes", limit=MAX_NODES))

    def const_value(self, node: ast.AST) -> float | None:
        """The number a constant sub-expression stands for (2, -1.5, 1/2), else None."""
        if isinstance(node, ast.Constant) and not isinstance(node.value, bool) \
                and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            inner = self.const_value(node.operand)
            if inner is not None:
                return -inner if isinstance(node.op, ast.USub) else inner
        return None

    def visit(self, node: ast.AST) -> str:
        """Add the nodes for ``node``; return the id of the node holding its value."""
        self.count()
        if isinstance(node, ast.Name):
            return self.name(node)
        if self.const_value(node) is not None:
            # A bare constant as the whole operand of an operation (e.g. exp(2)).
            return self.g.const(self.const_value(node))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self.g.scale(self.visit(node.operand), -1.0)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return self.visit(node.operand)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise ExpressionError(messages.text("expression.not_allowed", part=_where(node, self.text),
                                            functions=", ".join(f + "()" for f in FUNCTIONS)))

    def name(self, node: ast.Name) -> str:
        if node.id not in self.inputs:
            raise ExpressionError(messages.text("expression.no_value", name=repr(node.id), bare_name=node.id))
        if node.id not in self.used:
            self.used[node.id] = self.g.input(node.id, self.inputs[node.id])
        return self.used[node.id]

    def binop(self, node: ast.BinOp) -> str:
        op, left, right = node.op, node.left, node.right
        lc, rc = self.const_value(left), self.const_value(right)
        if lc is not None and rc is not None:
            raise ExpressionError(messages.text("expression.only_numbers", part=_where(node, self.text)))
        if isinstance(op, ast.Pow):
            if rc == 2:
                return self.g.square(self.visit(left))
            if rc == -1:
                return self.g.reciprocal(self.visit(left))
            raise ExpressionError(messages.text("expression.power", part=_where(node, self.text)))
        if isinstance(op, ast.Add):
            return self.g.add(self.visit(left), self.visit(right))
        if isinstance(op, ast.Sub):
            if rc is not None:
                return self.g.add(self.visit(left), self.g.const(-rc))
            return self.g.add(self.visit(left), self.g.scale(self.visit(right), -1.0))
        if isinstance(op, ast.Mult):
            if lc is not None:
                return self.g.scale(self.visit(right), lc)
            if rc is not None:
                return self.g.scale(self.visit(left), rc)
            return self.g.mul(self.visit(left), self.visit(right))
        if isinstance(op, ast.Div):
            if rc is not None:
                if rc == 0:
                    raise ExpressionError(messages.text("expression.divides_by_zero", part=_where(node, self.text)))
                return self.g.scale(self.visit(left), 1.0 / rc)
            inv = self.g.reciprocal(self.visit(right))
            if lc == 1:
                return inv
            if lc is not None:
                return self.g.scale(inv, lc)
            return self.g.mul(self.visit(left), inv)
        raise ExpressionError(messages.text("expression.operator", part=_where(node, self.text)))

    def call(self, node: ast.Call) -> str:
        func = node.func
        name = None
        if isinstance(func, ast.Name):
            name = func.id
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id in MODULES:
            name = func.attr
        if name not in FUNCTIONS or node.keywords or len(node.args) != 1:
            raise ExpressionError(messages.text("expression.function", part=_where(node, self.text),
                                                functions=", ".join(f + "(x)" for f in FUNCTIONS)))
        return self.g.op(name, self.visit(node.args[0]))


def expression_graph(text: str, **inputs: float) -> Graph:
    """Parse ``text`` (a function of the named ``inputs``) into an evaluated ``Graph``.

    Raises ``ExpressionError`` (a ``GraphError``) naming the part of the text
    that is not allowed, a missing or unused input, or a value that is not finite.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string such as 'x * y + 1', got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError(messages.text("expression.empty"))
    if len(text) > MAX_TEXT:
        raise ExpressionError(messages.text("expression.too_long", length=len(text), limit=MAX_TEXT))
    values = {k: as_number(k, v) for k, v in inputs.items()}
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(messages.text("expression.syntax", problem=exc.msg, column=exc.offset)) from None
    g = Graph("expression", text.strip())
    b = _Builder(text.strip(), values, g)
    out = b.visit(tree.body)
    if g.nodes[out].op in ("input", "const"):
        raise ExpressionError(messages.text("expression.no_operation", functions=", ".join(FUNCTIONS)))
    unused = sorted(set(values) - set(b.used))
    if unused:
        raise ExpressionError(messages.text("expression.unused", names=unused, text=repr(text.strip())))
    # The output edge is named in the figure: f, as the book writes it (out if f is an input).
    g.nodes[out] = replace(g.nodes[out], label="out" if "f" in values else "f")
    g.set_output(out)
    g.forward()     # raises GraphError for a non-finite value
    g.backward()
    return g
