"""A phone's drawing of a graph: top to bottom, with the widest columns that fit.

``phone_layout`` tries ``upright`` drawings with narrower and narrower columns and
keeps the first that fits the screen and reads cleanly (``layout.problems``), else the
best trade of width and problems; ``phone_graph`` fixes its nodes where ``plan`` put
them, so that planning it again (the widget in a phone's browser) needs no search.
"""

from __future__ import annotations

from ..graph import Graph, state_after
from .grid import CX, RY, positions, upright, with_hints
from .layout import _plan_at, plan, problems

#: Column widths and row heights the upright drawing tries, widest columns first.
PHONE_ACROSS = (1.0, 0.85, 0.7, 0.6, 0.5, 0.42, 0.36)
PHONE_DOWN = (1.0, 1.3)
#: When no drawing both fits and reads cleanly: one problem weighs as much as this many
#: SVG units of width beyond the screen (which the reader scrolls).
PROBLEM_UNITS = 40.0


def phone_layout(graph: Graph, max_width: float, edge_labels=None, node_names: bool = False
                 ) -> tuple[float, float]:
    """(across, down) for ``upright``: the widest columns whose drawing is at most ``max_width``
    SVG units wide and has no ``problems``; failing that, the fewest problems, each counted
    as PROBLEM_UNITS of width beyond ``max_width``."""
    best = None
    full = state_after(graph)
    for down in PHONE_DOWN:
        for across in PHONE_ACROSS:
            # Judged as laid out, before plan() spreads it: that only lengthens an upright
            # drawing, so the width is known, and the search stays quick enough for a browser.
            g = upright(graph, across, down)
            p = _plan_at(g, positions(g), full, edge_labels or {}, node_names)
            width = p.box[2] - p.box[0]
            trouble = len(problems(g, p))
            if width <= max_width and trouble == 0:
                return across, down
            score = trouble * PROBLEM_UNITS + max(0.0, width - max_width)
            if best is None or score < best[0] - 1e-9:
                best = (score, (across, down))
    return best[1]


def phone_graph(graph: Graph, max_width: float, edge_labels=None, node_names: bool = False) -> Graph:
    """``graph`` drawn top to bottom for a screen ``max_width`` SVG units wide (see ``phone_layout``),
    its nodes where ``plan`` finally put them, so that planning it again needs no spreading."""
    g = upright(graph, *phone_layout(graph, max_width, edge_labels, node_names))
    return with_hints(g, {nid: (x / CX, y / RY) for nid, (x, y) in plan(g, edge_labels, node_names).pos.items()})
