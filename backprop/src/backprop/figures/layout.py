"""Where things go in a graph figure: node centres, edge lines, label spots.

``plan(graph)`` is the one entry point. It depends only on the graph (its
structure and recorded numbers), never on the state being drawn, so that a
figure keeps its size and its labels keep their places while the widget steps
through a pass. Plans are cached because the widget draws every step of one
graph. Coordinates are SVG units; y grows downwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..graph import LEAF_OPS, Edge, Graph, GraphError, GraphState, format_value, state_after

CX, RY = 104.0, 72.0      # one layout column / row of the builders' ``pos`` hints
R = 19.0                  # node circle radius
FONT, SMALL = 16.0, 14.0  # numbers and labels; the local-derivative text
OUT_LEN = 0.9 * CX        # length of the output edge
LABEL_T = (0.5, 0.38, 0.62, 0.26, 0.74, 0.16, 0.84)  # where along an edge to try its labels
LINE_COST = 4.0           # per unit of a line under a label: cheaper than a label on a label
# Sides of a node where its local-derivative text may go, best first (above, as in
# the book, unless an edge or a label is there; D is a diagonal's component).
# A crowded node tries two rings further out; a line under the text costs more than
# there (LOCAL_LINE_COST), since the text is read while the edges are lit.
D = 0.7071
LOCAL_SIDES = ((0.0, -1.0), (0.0, 1.0), (D, -D), (-D, -D), (D, D), (-D, D), (1.0, 0.0), (-1.0, 0.0))
LOCAL_RINGS = (R + 6, R + 21, R + 36)
LOCAL_LINE_COST = 10 * LINE_COST


def text_width(text: str, size: float) -> float:
    # Digits and lower case average about 0.58 em in common sans-serif fonts.
    return 0.58 * size * len(text)


def text_box(px, py, nx, ny, text, size):
    """Box (x0, y0, x1, y1) of ``text`` placed so that it touches point p from side n."""
    w, h = text_width(text, size), 0.75 * size
    reach = abs(nx) * w / 2 + abs(ny) * h / 2   # the box's half-extent along n
    cx, cy = px + nx * reach, py + ny * reach
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def positions(graph: Graph) -> dict[str, tuple[float, float]]:
    """Node id -> centre, from the builders' ``pos = (column, row)`` hints.

    Without a hint on every node, columns are depths (each leaf one column
    before its first consumer) and rows the order of appearance, centred.
    """
    order = graph.order()
    nodes = graph.nodes
    if all(n.pos is not None for n in nodes.values()):
        out = {}
        for nid in order:
            pos = nodes[nid].pos
            if not (isinstance(pos, tuple) and len(pos) == 2 and all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                    for v in pos)):
                raise GraphError(f"node {nid!r} has layout hint pos={pos!r}; use (column, row) numbers")
            out[nid] = (pos[0] * CX, pos[1] * RY)
        return out
    col: dict[str, int] = {}
    for nid in order:
        ins = nodes[nid].inputs
        col[nid] = 1 + max(col[s] for s in ins) if ins else 0
    for nid in order:
        if nodes[nid].op in LEAF_OPS:
            users = [col[m] for m in order if nid in nodes[m].inputs]
            col[nid] = min(users) - 1 if users else 0
    columns: dict[int, list[str]] = {}
    for nid in order:
        columns.setdefault(col[nid], []).append(nid)
    tallest = max(len(v) for v in columns.values())
    return {nid: (c * CX, (i + (tallest - len(ids)) / 2) * RY)
            for c, ids in columns.items() for i, nid in enumerate(ids)}


@dataclass(frozen=True)
class EdgeGeo:
    """An edge's line from (x0, y0) to (x1, y1), unit direction u and "above" normal n."""
    edge: Edge
    x0: float
    y0: float
    x1: float
    y1: float
    ux: float
    uy: float
    nx: float   # points to the side where the value goes (up; a vertical edge's: left)
    ny: float

    def at(self, t: float) -> tuple[float, float]:
        return self.x0 + t * (self.x1 - self.x0), self.y0 + t * (self.y1 - self.y0)

    def value_box(self, t, text):
        mx, my = self.at(t)
        return text_box(mx + self.nx * 4, my + self.ny * 4, self.nx, self.ny, text, FONT)

    def grad_box(self, t, text):
        mx, my = self.at(t)
        return text_box(mx - self.nx * 5, my - self.ny * 5, -self.nx, -self.ny, text, FONT)

    def clip_length(self, box) -> float:
        """Length of this line inside ``box`` (Liang-Barsky clipping)."""
        dx, dy = self.x1 - self.x0, self.y1 - self.y0
        lo, hi = 0.0, 1.0
        for p, q in ((-dx, self.x0 - box[0]), (dx, box[2] - self.x0),
                     (-dy, self.y0 - box[1]), (dy, box[3] - self.y0)):
            if p == 0:
                if q < 0:
                    return 0.0
            elif p < 0:
                lo = max(lo, q / p)
            else:
                hi = min(hi, q / p)
        return max(0.0, hi - lo) * math.hypot(dx, dy)


def _geometry(graph: Graph, pos, edges) -> list[EdgeGeo]:
    """Each edge from a leaf's point or a circle's rim to the next rim (or out to the right)."""
    out = []
    for e in edges:
        sx, sy = pos[e.src]
        leaf = graph.nodes[e.src].op in LEAF_OPS   # drawn as a point, not a circle
        if e.dst is None:
            x0, y0, x1, y1 = (sx if leaf else sx + R), sy, sx + OUT_LEN, sy
        else:
            tx, ty = pos[e.dst]
            d = math.hypot(tx - sx, ty - sy) or 1.0
            ux, uy = (tx - sx) / d, (ty - sy) / d
            x0, y0 = (sx, sy) if leaf else (sx + ux * R, sy + uy * R)
            x1, y1 = tx - ux * R, ty - uy * R
        d = math.hypot(x1 - x0, y1 - y0) or 1.0
        ux, uy = (x1 - x0) / d, (y1 - y0) / d
        nx, ny = uy, -ux
        if ny > 1e-9 or (abs(ny) <= 1e-9 and nx > 0):
            nx, ny = -nx, -ny
        out.append(EdgeGeo(e, x0, y0, x1, y1, ux, uy, nx, ny))
    return out


def _overlap(a, b, margin=3.0) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0]) + 2 * margin
    h = min(a[3], b[3]) - max(a[1], b[1]) + 2 * margin
    return w * h if w > 0 and h > 0 else 0.0


def leaf_label_side(g: EdgeGeo) -> tuple[float, float]:
    """The book writes input names to the left of where their edge starts."""
    return (-1.0, 0.0) if g.ux > 0.3 else (-g.ux, -g.uy)


def local_box(x: float, y: float, side: tuple[float, float, float], text: str):
    """Box of a node's local-derivative ``text`` on ``side`` = (nx, ny, distance) of the node at (x, y)."""
    nx, ny, dist = side
    return text_box(x + nx * dist, y + ny * dist, nx, ny, text, SMALL)


@dataclass(frozen=True)
class Plan:
    pos: dict[str, tuple[float, float]]
    geo: list[EdgeGeo]
    label_t: dict[str, float]            # edge id -> where along it its labels sit
    full: GraphState                     # every value, gradient and local text
    local_side: dict[str, tuple[float, float, float]]  # node id -> (nx, ny, distance) of its local text
    box: tuple[float, float, float, float]  # everything any state can show


_CACHE: dict = {}


def name_box(graph: Graph, nid: str, pos) -> tuple[float, float, float, float]:
    """Where an operation node's name (its label) is written: just above its circle."""
    x, y = pos[nid]
    return text_box(x, y - R - 3, 0.0, -1.0, graph.nodes[nid].label, SMALL)


def plan(graph: Graph, edge_labels: dict[str, tuple[str, str]] | None = None,
         node_names: bool = False) -> Plan:
    """The layout of ``graph``'s figure (runs forward and backward if not done yet).

    edge_labels: edge id -> (text above, text below) drawn instead of the value and gradient.
    node_names: reserve room above each labelled operation node for its name.
    """
    full = state_after(graph)
    labels = edge_labels or {}
    pos = positions(graph)   # first: it checks the hints that the cache key hashes
    key = (tuple(graph.nodes.values()), graph.output, tuple(sorted(full.values.items())),
           tuple(sorted(full.grads.items())), tuple(sorted(labels.items())), node_names)
    if key in _CACHE:
        return _CACHE[key]
    geo = _geometry(graph, pos, graph.edges)
    taken = [(x - R, y - R, x + R, y + R) for nid, (x, y) in pos.items()
             if graph.nodes[nid].op not in LEAF_OPS]
    if node_names:
        taken += [name_box(graph, nid, pos) for nid, n in graph.nodes.items()
                  if n.op not in LEAF_OPS and n.label]
    for g in geo:   # names of inputs and of the output, values of constants: fixed places
        src = graph.nodes[g.edge.src]
        if src.op in LEAF_OPS:
            text = format_value(src.const) if src.op == "const" else src.label
            lx, ly = (-g.ux, -g.uy) if src.op == "const" else leaf_label_side(g)
            taken.append(text_box(g.x0 + lx * 5, g.y0 + ly * 5, lx, ly, text, FONT))
        if g.edge.dst is None and src.label:
            taken.append(text_box(g.x1 + 5, g.y1, 1.0, 0.0, src.label, FONT))
    boxes = list(taken)
    label_t = {}
    spans = [(g, (min(g.x0, g.x1), min(g.y0, g.y1), max(g.x0, g.x1), max(g.y0, g.y1))) for g in geo]
    # Short edges first: they have the least room, long ones can move along.
    for g in sorted(geo, key=lambda g: (math.hypot(g.x1 - g.x0, g.y1 - g.y0), g.edge.id)):
        if graph.nodes[g.edge.src].op == "const":
            continue
        v, d = labels.get(g.edge.id, (format_value(full.values[g.edge.id]),
                                      format_value(full.grads[g.edge.id])))
        # Only what lies near this edge can collide with its labels (keeps planning fast).
        reach = text_width(max(v, d, key=len), FONT) + FONT
        region = (min(g.x0, g.x1) - reach, min(g.y0, g.y1) - reach,
                  max(g.x0, g.x1) + reach, max(g.y0, g.y1) + reach)
        near = [o for o in taken if _overlap(o, region, 0.0)]
        lines = [(other, ob) for other, ob in spans if other is not g and _overlap(ob, region, 1.0)]
        best = None
        for t in LABEL_T:
            pair = (g.value_box(t, v), g.grad_box(t, d))
            cost = sum(_overlap(b, o) for b in pair for o in near)
            cost += LINE_COST * sum(other.clip_length(b) for b in pair for other, ob in lines
                                    if _overlap(b, ob, 1.0))
            cost += abs(t - 0.5)   # all else equal, the middle
            if best is None or cost < best[0]:
                best = (cost, t, pair)
            if cost < 1:
                break
        label_t[g.edge.id] = best[1]
        taken.extend(best[2])
        boxes.extend(best[2])
    local_side = {}
    for nid, text in full.local_text.items():   # one shows at a time: avoid edges and labels only
        x, y = pos[nid]
        best = None
        # With node names (the book's static figures only; the widget never shows them) the text
        # goes above or below its node, never sideways: the names fill the space above, and a
        # sideways ring would widen a drawing that must fit a phone.
        sides = [(nx, ny, dist) for dist in LOCAL_RINGS for nx, ny in LOCAL_SIDES
                 if not node_names or nx == 0.0]
        for side in sides:
            b = local_box(x, y, side, text)
            cost = sum(_overlap(b, o) for o in taken)
            cost += LOCAL_LINE_COST * sum(g.clip_length(b) for g, ob in spans if _overlap(b, ob, 1.0))
            if best is None or cost < best[0]:
                best = (cost, side, b)
            if cost < 1:
                break
        local_side[nid] = best[1]
        boxes.append(best[2])
    boxes.extend(span for _, span in spans)
    box = (min(b[0] for b in boxes), min(b[1] for b in boxes) - 3,
           max(b[2] for b in boxes), max(b[3] for b in boxes) + 3)
    if len(_CACHE) > 64:   # a notebook may draw many graphs; keep memory bounded
        _CACHE.clear()
    result = _CACHE[key] = Plan(pos, geo, label_t, full, local_side, box)
    return result
