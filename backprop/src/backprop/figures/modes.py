"""Forward mode and reverse mode drawn side by side on one graph.

``modes_figure(graph, "b")`` shows two drawings of the same graph, as Olah's "Calculus on
Computational Graphs" does: on the left, forward mode from the input b (one pass; every
edge carries the derivative of its start with respect to b, in the forward colour, and
a node where paths from b meet adds them); on the right, reverse mode from the output
(one pass; every edge carries the derivative of the output with respect to its start,
in red, and an input that feeds several nodes writes the sum it collects: 2 + 3 = 5).
Forward mode gives the output's derivative with respect to b alone; reverse mode gives
it with respect to every input. The numbers come from ``backprop.graph.modes`` and the
graph's own backward pass; the drawings are ``figure``'s (each with its phone version).
"""

from __future__ import annotations

from .. import messages
from ..graph import Graph, GraphState, state_after
from ..graph.modes import tangents
from ..graph.steps import output_symbol
from .svg import FWD, SvgFigure, figure


def forward_mode_state(graph: Graph, x: str) -> GraphState:
    """What forward mode from the input ``x`` carries: d(start)/d(x) on every edge."""
    tangent = tangents(graph, x)
    return GraphState({e.id: tangent[e.src] for e in graph.edges}, {}, None, (), {}, "")


def reverse_mode_state(graph: Graph) -> GraphState:
    """What reverse mode carries: d(output)/d(start) on every edge, each input's sum at it."""
    full = state_after(graph)
    return GraphState({}, full.grads, None, (), {}, "", full.totals)


def modes_figure(graph: Graph, x: str, *, caption: str | None = None, alt: str | None = None,
                 name: str | None = None) -> SvgFigure:
    """Forward mode from the input ``x`` beside reverse mode from the output, on ``graph``.

    caption, alt, name: as ``figure``'s (alt describes both drawings).
    """
    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be a backprop.graph.Graph, got {type(graph).__name__}")
    output = output_symbol(graph)
    label = graph.nodes[x].label if x in graph.nodes else x
    forward = figure(graph, forward_mode_state(graph, x), alt=alt, values_fill=FWD)
    reverse = figure(graph, reverse_mode_state(graph), alt=alt)
    return SvgFigure("", caption, None, name, panels=(
        (messages.text("modes.forward", input=label), forward),
        (messages.text("modes.reverse", output=output), reverse)))
