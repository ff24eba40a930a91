"""Figures of a graph: where things go (``layout``) and the SVG that paints them (``svg``).

Uses ``backprop.graph`` only; the widgets draw with it. The names the book uses:
``figure`` (a graph, or a state of it, ready to show in a notebook), ``modes_figure`` (forward
and reverse mode side by side, ``modes``), ``to_svg`` and ``SvgFigure``.
"""

from .modes import modes_figure
from .svg import SvgFigure, figure, to_svg

__all__ = ["figure", "modes_figure", "to_svg", "SvgFigure"]
