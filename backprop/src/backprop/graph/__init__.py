"""The computational-graph model (계산 그래프) and everything built on it, without drawing.

Modules, each using only those above it:
    rules       the small formula language of the operation table's rules
    nodes       the operation table (read from ``ops.json``, shared with the browser
                engine), ``Node``, ``Edge``, ``GraphError``, ``format_value``
    steps       both passes as replayable ``Step`` records with their captions
    model       ``Graph``: build, forward, backward, steps
    replay      ``state_after``/``forward_state``: what is visible after k steps
    book        the book's graphs (apple, apple and orange, the sigmoid, Softmax-with-Loss, ...)
    expression  your own expression ("exp(x * y) + 1 / z") parsed into a graph
    modes       forward mode and reverse mode, with their cost counted

The names below are the model's public face, importable from ``backprop.graph`` itself.
"""

from .model import Graph
from .nodes import LEAF_OPS, OPS, Edge, GraphError, Node, OpRule, format_sum, format_value
from .replay import GraphState, forward_state, state_after
from .steps import Step, build_steps

__all__ = ["Graph", "Node", "Edge", "Step", "GraphState", "GraphError", "OpRule", "OPS", "LEAF_OPS",
           "format_value", "format_sum", "state_after", "forward_state", "build_steps"]
