"""Figures of a graph: where things go and the SVG that paints them.

Modules, each using only those above it:
    text    how wide and tall a label is (DejaVu Sans widths), the box that holds it
    grid    where the nodes go: the builders' hints or a tidy tree; ``upright`` for a phone
    layout  where lines and labels go (``plan``), what a reader would trip over (``problems``)
    phone   a phone's drawing: top to bottom, the widest columns that fit
    svg     the drawing (``to_svg``), and ``figure`` for a notebook or the book
    modes   forward mode and reverse mode side by side
    trace   the graph the autograd engine recorded, as a ``Graph`` to draw

Uses ``backprop.graph``, and ``backprop.nn.autograd`` to read what the engine recorded
(``trace``); the widgets draw with it. The names the book uses:
``figure`` (a graph, or a state of it, ready to show in a notebook), ``modes_figure`` (forward
and reverse mode side by side, ``modes``), ``to_svg``, ``SvgFigure`` and ``trace_graph``
(the autograd engine's graph as a ``Graph`` to draw).
"""

from .modes import modes_figure
from .svg import SvgFigure, figure, to_svg
from .trace import trace_graph

__all__ = ["figure", "modes_figure", "to_svg", "SvgFigure", "trace_graph"]
