"""Where a graph's nodes go: the builders' hints, or a tidy layout of the graph's tree.

``grid(graph)`` gives every node its (column, row); ``positions`` turns them into SVG
units. A graph without a hint on every node (your own expression) is drawn as the tree
it is from the output back: each node one column before its earliest consumer, each leaf
on a row of its own, every operation level with the middle of its inputs, so that no two
branches cross; an input that feeds several nodes goes where its edges pass no node and
cross fewest edges. ``upright`` turns any graph to run top to bottom (a phone's drawing),
``flows_down`` tells which way a laid-out graph runs.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..graph import LEAF_OPS, Graph, GraphError, GraphState, format_sum, format_value, state_after
from .text import FONT, MARGIN, hypot, text_width

CX, RY = 104.0, 72.0      # one layout column / row of the builders' ``pos`` hints
R = 19.0                  # node circle radius
AUTO_ROW = 1.25           # rows between two leaves of a graph laid out by ``grid``
FORK_ANGLE = 0.5          # radians: edges leaving a fork at a narrower angle crowd their numbers


def grid(graph: Graph) -> dict[str, tuple[float, float]]:
    """Node id -> (column, row): the builders' hints, or a tidy layout of the graph's tree.

    Without a hint on every node, each node sits one column before its earliest
    consumer and the graph is drawn as the tree it is from the output back: every leaf
    on a row of its own, in slot order, every operation level with the middle of its
    inputs, so that no two branches cross. A leaf that feeds several nodes (a name used
    twice) moves to where its edges pass no node and cross fewest edges. Columns are
    spread apart where the numbers on their edges are long.
    """
    order = graph.order()
    nodes = graph.nodes
    if _check_hints(graph):
        return {nid: (float(nodes[nid].pos[0]), float(nodes[nid].pos[1])) for nid in order}
    consumers: dict[str, list[str]] = {nid: [] for nid in order}
    for nid in order:
        for src in nodes[nid].inputs:
            if nid not in consumers[src]:
                consumers[src].append(nid)
    layer: dict[str, int] = {}
    for nid in reversed(order):   # as late as possible: one column before the earliest consumer
        layer[nid] = min((layer[c] for c in consumers[nid]), default=1) - 1
    parent = {nid: next((c for c in consumers[nid] if layer[c] == layer[nid] + 1), None) for nid in order}
    children: dict[str, list[str]] = {nid: [] for nid in order}
    for nid in order:
        for src in nodes[nid].inputs:
            if parent[src] == nid and src not in children[nid]:
                children[nid].append(src)
    row: dict[str, float] = {}
    next_row = [0]

    def place(nid):
        for child in children[nid]:
            place(child)
        if children[nid]:
            row[nid] = (row[children[nid][0]] + row[children[nid][-1]]) / 2
        else:
            row[nid] = float(next_row[0])
            next_row[0] += AUTO_ROW

    for nid in order:
        if parent[nid] is None:
            place(nid)
    first = min(layer.values())
    col = {nid: float(layer[nid] - first) for nid in order}
    full = state_after(graph)
    _spread_columns(graph, col, full)
    pos = {nid: (col[nid], row[nid]) for nid in order}
    for nid in order:   # shared leaves, in order
        if nodes[nid].op in LEAF_OPS and len(consumers[nid]) > 1:
            pos[nid] = _best_leaf_spot(graph, nid, pos, consumers, full)
    return pos


def _check_hints(graph: Graph) -> bool:
    """True if every node has a layout hint; raise ``GraphError`` for a hint that is not (column, row)."""
    if not all(n.pos is not None for n in graph.nodes.values()):
        return False
    for nid, n in graph.nodes.items():
        if not (isinstance(n.pos, tuple) and len(n.pos) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in n.pos)):
            raise GraphError(f"node {nid!r} has layout hint pos={n.pos!r}; use (column, row) numbers")
    return True


def _spread_columns(graph: Graph, col: dict[str, float], full: GraphState) -> None:
    """Move columns apart where an edge's numbers need more room than one column gives."""
    need: dict[float, float] = {}
    for e in graph.edges:
        if e.dst is None or col[e.dst] - col[e.src] != 1:
            continue
        wide = max(text_width(format_value(full.values.get(e.id)), FONT),
                   text_width(format_value(full.grads.get(e.id)), FONT, True))
        src_r = 0.0 if graph.nodes[e.src].op in LEAF_OPS else R
        need[col[e.src]] = max(need.get(col[e.src], 1.0), (wide + src_r + R + 2 * MARGIN + 4) / CX)
    shift, out = 0.0, {}
    for c in sorted(set(col.values())):
        out[c] = c + shift
        shift += need.get(c, 1.0) - 1.0
    for nid in col:
        col[nid] = out[col[nid]]


def _segment_distance(px, py, x0, y0, x1, y1) -> float:
    dx, dy = x1 - x0, y1 - y0
    t = ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy or 1.0)
    t = max(0.0, min(1.0, t))
    return hypot(x0 + t * dx - px, y0 + t * dy - py)


def _crosses(a, b) -> bool:
    """Do segments a and b ((x0, y0, x1, y1)) cross in their interiors?"""
    def side(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    p1, p2, p3, p4 = (a[0], a[1]), (a[2], a[3]), (b[0], b[1]), (b[2], b[3])
    d1, d2, d3, d4 = side(p3, p4, p1), side(p3, p4, p2), side(p1, p2, p3), side(p1, p2, p4)
    return d1 * d2 < -1e-9 and d3 * d4 < -1e-9


def clip_range(x0, y0, dx, dy, box) -> tuple[float, float] | None:
    """Liang-Barsky: the part (lo, hi) of the segment from (x0, y0) by (dx, dy) inside ``box``, or None."""
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q < 0:
                return None
        elif p < 0:
            lo = max(lo, q / p)
        else:
            hi = min(hi, q / p)
    return lo, hi


def _segment_box(seg, box) -> bool:
    """Does the segment (x0, y0, x1, y1) pass through ``box``?"""
    part = clip_range(seg[0], seg[1], seg[2] - seg[0], seg[3] - seg[1], box)
    return part is not None and part[1] > part[0]


def _best_leaf_spot(graph: Graph, nid: str, pos, consumers, full: GraphState) -> tuple[float, float]:
    """Where a leaf feeding several nodes goes: its edges clear of every node, crossing few edges.

    Tries every half row at every column left of its earliest consumer; the cost counts
    nodes an edge passes (or the leaf's name sits on), crossings with other edges, then length.
    """
    nodes = graph.nodes
    px = {k: (c * CX, r * RY) for k, (c, r) in pos.items()}
    others = [(k, p) for k, p in px.items() if k != nid]
    segs = [(*px[e.src], *px[e.dst]) for e in graph.edges if e.dst is not None and nid not in (e.src, e.dst)]
    rows = [r for _, r in pos.values()]
    first = min(c for c, _ in pos.values())
    limit = min(pos[c][0] for c in consumers[nid])
    cols = sorted({c for c, _ in pos.values() if c < limit} | {first - 1.0}, reverse=True)
    best = None
    r = min(rows) - 3 * AUTO_ROW
    candidates = []
    while r <= max(rows) + 3 * AUTO_ROW:
        candidates.extend((c, r) for c in cols)
        r += AUTO_ROW / 2
    name_w = text_width(nodes[nid].label, FONT)
    sum_w = text_width(format_sum([full.grads[e.id] for e in graph.edges if e.src == nid], graph.node_grads[nid]),
                       FONT, True)
    for c, r in candidates:
        x, y = c * CX, r * RY
        cost = 0.0
        # The name left of the point and the sum below it must not sit on a line.
        h = 0.75 * FONT
        for box in ((x - 5 - name_w, y - h / 2, x - 5, y + h / 2),
                    (x - 5 - sum_w, y + h / 2 + 2 * MARGIN + 1, x - 5, y + 1.5 * h + 2 * MARGIN + 1)):
            if any(_segment_box(seg, box) for seg in segs):
                cost += 100
        for k, (ox, oy) in others:
            clear = R + 6 if nodes[k].op not in LEAF_OPS else 14
            if hypot(ox - x, oy - y) < 2 * clear:
                cost += 1000
            if nodes[k].op not in LEAF_OPS and x - name_w - 5 < ox + R and ox - R < x and abs(oy - y) < R + 8:
                cost += 1000   # the name would sit on a node
        angles = []
        for cons in consumers[nid]:
            cx_, cy_ = px[cons]
            for k, (ox, oy) in others:
                if k != cons and _segment_distance(ox, oy, x, y, cx_, cy_) < R + 4:
                    cost += 1000
            seg = (x, y, cx_, cy_)
            cost += 10 * sum(1 for s in segs if _crosses(seg, s))
            cost += hypot(cx_ - x, cy_ - y) / CX
            angles.append(math.atan2(cy_ - y, cx_ - x))
        angles.sort()
        for a, b in zip(angles, angles[1:]):   # edges that leave at a narrow angle crowd their numbers
            if b - a < FORK_ANGLE:
                cost += 20 * (FORK_ANGLE - (b - a)) / FORK_ANGLE
        for seg in segs:   # other edges passing the leaf's point
            if _segment_distance(x, y, *seg) < 12:
                cost += 1000
        if best is None or cost < best[0] - 1e-9:
            best = (cost, (c, r))
    return best[1]


def positions(graph: Graph) -> dict[str, tuple[float, float]]:
    """Node id -> centre in SVG units (``grid`` times one column and one row)."""
    return {nid: (c * CX, r * RY) for nid, (c, r) in grid(graph).items()}


def upright(graph: Graph, across: float = 1.0, down: float = 1.0) -> Graph:
    """The same graph drawn top to bottom (for a phone): column c, row r -> column r·across, row c·down.

    Works on any graph: one laid out by ``grid`` is fixed in place first. Passes are run.
    """
    where = grid(graph)
    return with_hints(graph, {nid: (r * across, c * down) for nid, (c, r) in where.items()})


def flows_down(graph: Graph, pos) -> bool:
    """Does the graph run downwards (an ``upright`` one) rather than to the right?"""
    dx = dy = 0.0
    for e in graph.edges:
        if e.dst is not None:
            dx += pos[e.dst][0] - pos[e.src][0]
            dy += pos[e.dst][1] - pos[e.src][1]
    return dy > dx


def with_hints(graph: Graph, hints: dict[str, tuple[float, float]]) -> Graph:
    """A copy of ``graph`` (passes run) with the layout hint ``hints[id]`` = (column, row) on every node."""
    if set(hints) != set(graph.nodes):
        raise GraphError(f"hints name {sorted(hints)}, the graph's nodes are {sorted(graph.nodes)}")
    nodes = {nid: replace(n, pos=(float(hints[nid][0]), float(hints[nid][1]))) for nid, n in graph.nodes.items()}
    twin = Graph(graph.name, graph.title, nodes, graph.output)
    twin.forward()
    twin.backward()
    return twin
