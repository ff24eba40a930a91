"""Figures of a graph: where things go (``layout``) and the SVG that paints them (``svg``).

Uses ``backprop.graph``, and ``backprop.nn.autograd`` to read what the engine recorded
(``trace``); the widgets draw with it. The names the book uses: ``figure`` (a graph, or a
state of it, ready to show in a notebook), ``to_svg``, ``SvgFigure`` and ``trace_graph``
(the autograd engine's graph as a ``Graph`` to draw).
"""

from .svg import SvgFigure, figure, to_svg
from .trace import trace_graph

__all__ = ["figure", "to_svg", "SvgFigure", "trace_graph"]
