"""Figures of a graph: where things go and the SVG that paints them.

Modules, each using only those above it:
    text    how wide and tall a label is (DejaVu Sans widths), the box that holds it
    grid    where the nodes go: the builders' hints or a tidy tree; ``upright`` for a phone
    layout  where lines and labels go (``plan``), what a reader would trip over (``problems``)
    phone   a phone's drawing: top to bottom, the widest columns that fit
    svg     the drawing (``to_svg``), and ``figure`` for a notebook or the book
    modes   forward mode and reverse mode side by side

Uses ``backprop.graph`` only; the widgets draw with it. The names the book uses:
``figure`` (a graph, or a state of it, ready to show in a notebook), ``modes_figure`` (forward
and reverse mode side by side, ``modes``), ``to_svg`` and ``SvgFigure``.
"""

from .modes import modes_figure
from .svg import SvgFigure, figure, to_svg

__all__ = ["figure", "modes_figure", "to_svg", "SvgFigure"]
