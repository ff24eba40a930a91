"""Where a figure's lines and labels go, and what a reader would trip over.

``plan(graph)`` is the one entry point. It depends only on the graph (its
structure and recorded numbers), never on the state being drawn, so that a
figure keeps its size and its labels keep their places while the widget steps
through a pass. Plans are cached because the widget draws every step of one
graph. Coordinates are SVG units; y grows downwards.

The nodes are where ``grid`` puts them; edges run from a leaf's point or a circle's rim
to the next rim, the output edge the way the graph runs. Every text gets a box (``text``)
where it is clear of the others, of the circles and of the lines, and the graph is
spread apart while that pays. ``problems`` lists what a reader would trip over (labels
on labels, on circles or under lines, edges through nodes); the tests hold every
graph to none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..graph import LEAF_OPS, Edge, Graph, GraphState, format_sum, format_value, state_after
from .grid import CX, RY, R, _check_hints, _segment_distance, clip_range, flows_down, positions
from .text import FONT, MARGIN, SMALL, hypot, text_box, text_width

OUT_LEN = 0.9 * CX        # length of the output edge
LABEL_T = (0.5, 0.38, 0.62, 0.26, 0.74, 0.16, 0.84, 0.08, 0.92)  # where along an edge to try its labels
SPREADS = (1.0, 1.2, 1.45, 1.75, 2.1)  # how far apart nodes may move where their labels need room
SPREAD_PROBLEM = 450.0    # SVG units of width (or a phone's length) worth one problem less
LABEL_GAP = (4.0, 5.0)    # distance of the value (above) and the gradient (below) from their line
LABEL_LIFT = (0.0, 7.0, 14.0)  # further away, where a short edge leaves its numbers no room
LIFT_COST = 1.5           # per unit of lift: a number right at its line reads best
LINE_COST = 4.0           # per unit of a line under a label: cheaper than a label on a label
PARALLEL = 16.0           # between two edges that join the same two nodes
GAP = 1.0                 # what ``problems`` calls touching
# Sides of a node where its local-derivative text may go, best first (above, as in
# the book, unless an edge or a label is there), in sixteen directions; a crowded node
# tries rings further out. A line under the text costs more than elsewhere
# (LOCAL_LINE_COST), since the text is read while the edges are lit.
D, S, C = 0.7071, 0.3827, 0.9239   # cos and sin of 45° and 22.5°
LOCAL_SIDES = ((0.0, -1.0), (0.0, 1.0), (S, -C), (-S, -C), (S, C), (-S, C), (D, -D), (-D, -D), (D, D), (-D, D),
               (C, -S), (-C, -S), (C, S), (-C, S), (1.0, 0.0), (-1.0, 0.0))
LOCAL_RINGS = (R + 6, R + 21, R + 36, R + 51, R + 66)
LOCAL_LINE_COST = 10 * LINE_COST
WIDEN_COST = 1.0          # per unit a local text would widen a phone's drawing


# ---- lines and labels ----------------------------------------------------------------

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

    def value_box(self, t, text, lift=0.0):
        mx, my = self.at(t)
        d = LABEL_GAP[0] + lift
        return text_box(mx + self.nx * d, my + self.ny * d, self.nx, self.ny, text, FONT)

    def grad_box(self, t, text, lift=0.0):
        mx, my = self.at(t)
        d = LABEL_GAP[1] + lift
        return text_box(mx - self.nx * d, my - self.ny * d, -self.nx, -self.ny, text, FONT, True)

    def clip_length(self, box) -> float:
        """Length of this line inside ``box``."""
        dx, dy = self.x1 - self.x0, self.y1 - self.y0
        part = clip_range(self.x0, self.y0, dx, dy, box)
        return 0.0 if part is None else max(0.0, part[1] - part[0]) * hypot(dx, dy)


def _above(ux: float, uy: float) -> tuple[float, float]:
    """The normal of direction u that points up (for a vertical line: left)."""
    nx, ny = uy, -ux
    if ny > 1e-9 or (abs(ny) <= 1e-9 and nx > 0):
        nx, ny = -nx, -ny
    return nx, ny


def _geometry(graph: Graph, pos, edges, down: bool) -> list[EdgeGeo]:
    """Each edge from a leaf's point or a circle's rim to the next rim (or out, the way the graph runs).

    Edges between the same two nodes (x * x) run side by side, PARALLEL apart.
    """
    out = []
    pairs: dict[tuple[str, str], list[Edge]] = {}
    for e in edges:
        pairs.setdefault((e.src, e.dst), []).append(e)
    for e in edges:
        sx, sy = pos[e.src]
        leaf = graph.nodes[e.src].op in LEAF_OPS   # drawn as a point, not a circle
        if e.dst is None:
            ox, oy = (0.0, 1.0) if down else (1.0, 0.0)
            start = 0.0 if leaf else R
            length = OUT_LEN * (RY / CX if down else 1.0)
            x0, y0, x1, y1 = sx + ox * start, sy + oy * start, sx + ox * (start + length), sy + oy * (start + length)
        else:
            tx, ty = pos[e.dst]
            d = hypot(tx - sx, ty - sy) or 1.0
            ux, uy = (tx - sx) / d, (ty - sy) / d
            twins = pairs[(e.src, e.dst)]
            o = (twins.index(e) - (len(twins) - 1) / 2) * PARALLEL
            nx, ny = _above(ux, uy)
            along = math.sqrt(max(R * R - o * o, 0.0))   # where the shifted line meets a rim
            x0, y0 = (sx + nx * o, sy + ny * o) if leaf else (sx + nx * o + ux * along, sy + ny * o + uy * along)
            x1, y1 = tx + nx * o - ux * along, ty + ny * o - uy * along
        d = hypot(x1 - x0, y1 - y0) or 1.0
        ux, uy = (x1 - x0) / d, (y1 - y0) / d
        nx, ny = _above(ux, uy)
        out.append(EdgeGeo(e, x0, y0, x1, y1, ux, uy, nx, ny))
    return out


def _overlap(a, b, margin=MARGIN) -> float:
    # (written out: this is the layout's innermost loop)
    w = (a[2] if a[2] < b[2] else b[2]) - (a[0] if a[0] > b[0] else b[0]) + 2 * margin
    if w <= 0:
        return 0.0
    h = (a[3] if a[3] < b[3] else b[3]) - (a[1] if a[1] > b[1] else b[1]) + 2 * margin
    return w * h if h > 0 else 0.0


def _on_circle(box, c, margin=MARGIN) -> float:
    """How far ``box`` reaches into the circle at ``c`` grown by ``margin`` (0 if it stays out), times R."""
    x, y = c
    dx = max(box[0] - x, 0.0, x - box[2])
    dy = max(box[1] - y, 0.0, y - box[3])
    inside = R + margin - hypot(dx, dy)
    return inside * R if inside > 0 else 0.0


# Other sides of a leaf's point where its name may go, tried in this order.
NAME_SIDES = ((-1.0, 0.0), (-D, -D), (-D, D), (0.0, -1.0), (0.0, 1.0), (D, -D), (D, D))


def leaf_label_side(geos: list[EdgeGeo]) -> tuple[float, float]:
    """The side of a leaf's point where its name goes: left of edges that run to the right
    (as the book writes input names), else opposite the way its edges leave."""
    ux = sum(g.ux for g in geos) / len(geos)
    uy = sum(g.uy for g in geos) / len(geos)
    if ux > 0.3:
        return (-1.0, 0.0)
    d = hypot(ux, uy) or 1.0
    return (-ux / d, -uy / d)


def local_box(x: float, y: float, side: tuple[float, float, float], text: str):
    """Box of a node's local-derivative ``text`` on ``side`` = (nx, ny, distance) of the node at (x, y)."""
    nx, ny, dist = side
    return text_box(x + nx * dist, y + ny * dist, nx, ny, text, SMALL, True)


@dataclass(frozen=True)
class Label:
    """One text a figure can show: what it is, of which edge or node, the text and its box."""
    kind: str   # "value", "grad", "input", "const", "output", "sum", "name", "local"
    key: str    # edge id (value, grad, const) or node id
    text: str
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class Plan:
    pos: dict[str, tuple[float, float]]
    geo: list[EdgeGeo]
    label_t: dict[str, float]            # edge id -> where along it its labels sit
    full: GraphState                     # every value, gradient and local text
    local_side: dict[str, tuple[float, float, float]]  # node id -> (nx, ny, distance) of its local text
    box: tuple[float, float, float, float]  # everything any state can show
    labels: tuple[Label, ...]            # every text, where it goes (local texts show one at a time)
    down: bool                           # the graph runs downwards
    still_box: tuple[float, float, float, float]  # everything but the local texts (a static figure's)

    def label(self, kind: str, key: str) -> Label | None:
        return self._index().get((kind, key))

    def _index(self):
        index = self.__dict__.get("_by_key")
        if index is None:
            index = {(lab.kind, lab.key): lab for lab in self.labels}
            object.__setattr__(self, "_by_key", index)
        return index


_CACHE: dict = {}


def _name_sides(down: bool):
    """Where an operation node's name may go, best first: above it, or beside it on an upright graph."""
    if down:
        return ((-1.0, 0.0), (1.0, 0.0), (-D, -D), (D, -D))
    return ((0.0, -1.0), (-D, -D), (D, -D), (0.0, 1.0))


def _cost(box, taken, circles, spans, line_cost=LINE_COST) -> float:
    cost = sum(_overlap(box, o) for o in taken)
    cost += sum(_on_circle(box, c) for c in circles)
    cost += line_cost * sum(g.clip_length(box) for g, span in spans if _overlap(box, span, 1.0))
    return cost


def _cheapest(boxes, taken, circles, spans):
    """The first of ``boxes`` that is (nearly) free, else the one that costs least."""
    best = None
    for box in boxes:
        cost = _cost(box, taken, circles, spans)
        if best is None or cost < best[0] - 1e-9:
            best = (cost, box)
        if cost < 1:
            break
    return best[1]


def _narrowest_free(boxes, taken, circles, spans):
    """Of the (nearly) free ``boxes``, the one that widens the drawing least (the first of
    equals), or None. A long text such as a fork's sum, set where it first fits, can add
    a third to a drawing's width and push a phone's figure off the screen."""
    xs = [x for b in taken for x in (b[0], b[2])] + [x + d for x, _ in circles for d in (-R, R)] + \
         [x for _, span in spans for x in (span[0], span[2])]
    if not xs:
        return None
    left, right = min(xs), max(xs)
    free = [(max(left, right, box[2]) - min(left, right, box[0]), i, box)
            for i, box in enumerate(boxes) if _cost(box, taken, circles, spans) < 1]
    return min(free)[2] if free else None


def plan(graph: Graph, edge_labels: dict[str, tuple[str, str]] | None = None,
         node_names: bool = False) -> Plan:
    """The layout of ``graph``'s figure (runs forward and backward if not done yet).

    edge_labels: edge id -> (text above, text below) drawn instead of the value and gradient.
    node_names: reserve room beside each labelled operation node for its name.
    """
    full = state_after(graph)
    labels = edge_labels or {}
    graph.order()
    _check_hints(graph)   # first: the cache key hashes the hints
    key = (tuple(graph.nodes.values()), graph.output, tuple(sorted(full.values.items())),
           tuple(sorted(full.grads.items())), tuple(sorted(labels.items())), node_names)
    if key in _CACHE:
        return _CACHE[key]
    base = positions(graph)
    down = flows_down(graph, base)
    best = None
    # The spread whose drawing is smallest for what it costs the reader: each problem weighs
    # SPREAD_PROBLEM units of width, so a figure grows to clear its labels, but not by much
    # more to clear the last one. A graph that runs down (a phone's) only grows longer,
    # since it must stay narrow. The texts that are always there decide; a local text shows
    # one step at a time and finds its own free side.
    # A fork's sum goes where it widens the drawing least, unless that takes the room an
    # edge's labels need: then (same spread) where it first fits, as the reader looks first.
    trouble = None
    for spread in SPREADS:
        pos = {nid: (x * (1.0 if down else spread), y * spread) for nid, (x, y) in base.items()}
        for narrow_sums in (True, False):
            candidate = _plan_at(graph, pos, full, labels, node_names, narrow_sums)
            trouble = len(problems(graph, candidate, local=False))
            size = candidate.box[3] - candidate.box[1] if down else candidate.box[2] - candidate.box[0]
            score = size + SPREAD_PROBLEM * trouble
            if best is None or score < best[0] - 1e-9:
                best = (score, candidate)
            if trouble == 0 or not any(lab.kind == "sum" for lab in candidate.labels):
                break   # clean, or no fork (the other way to place sums draws the same)
        if trouble == 0:
            break
    if len(_CACHE) > 64:   # a notebook may draw many graphs; keep memory bounded
        _CACHE.clear()
    _CACHE[key] = best[1]
    return best[1]


def _plan_at(graph: Graph, pos, full: GraphState, labels, node_names: bool, narrow_sums: bool = True) -> Plan:
    """The plan with the nodes at ``pos`` (SVG units).

    narrow_sums: a fork's sum goes to the free spot that widens the drawing least (else to
    the first free spot, in the order a reader looks)."""
    down = flows_down(graph, pos)
    geo = _geometry(graph, pos, graph.edges, down)
    circles = [pos[nid] for nid in pos if graph.nodes[nid].op not in LEAF_OPS]
    spans = [(g, (min(g.x0, g.x1), min(g.y0, g.y1), max(g.x0, g.x1), max(g.y0, g.y1))) for g in geo]
    placed: list[Label] = []
    taken: list[tuple] = []

    def put(kind, key, text, box):
        placed.append(Label(kind, key, text, box))
        taken.append(box)

    # Fixed places first: names of inputs, values of constants, the output's name.
    by_src: dict[str, list[EdgeGeo]] = {}
    for g in geo:
        by_src.setdefault(g.edge.src, []).append(g)
    for nid in graph.order():
        node = graph.nodes[nid]
        outs = [g for g in by_src.get(nid, []) if g.edge.dst is not None]
        if node.op == "const":
            for g in outs:
                text = format_value(node.const)
                put("const", g.edge.id, text, text_box(g.x0 - g.ux * 5, g.y0 - g.uy * 5, -g.ux, -g.uy, text, FONT))
        elif node.op == "input" and outs:
            x, y = pos[nid]
            sides = (leaf_label_side(outs), *NAME_SIDES)   # the book's side, unless a line is there
            put("input", nid, node.label, _cheapest(
                [text_box(x + lx * 5, y + ly * 5, lx, ly, node.label, FONT) for lx, ly in sides],
                taken, circles, spans))
    out_geo = next(g for g in geo if g.edge.dst is None)
    out_node = graph.nodes[graph.output]
    if out_node.label:
        ox, oy = (0.0, 1.0) if down else (1.0, 0.0)
        put("output", graph.output, out_node.label,
            text_box(out_geo.x1 + ox * 5, out_geo.y1 + oy * 5, ox, oy, out_node.label, FONT))
    # The sum at a fork, beside the input's name (where it crosses least).
    for nid in graph.inputs_of():
        outs = by_src.get(nid, [])
        if len(outs) < 2 or nid not in full.totals:
            continue
        text = format_sum([full.grads[g.edge.id] for g in outs], full.totals[nid])
        name = next(lab.box for lab in placed if lab.kind == "input" and lab.key == nid)
        w, h = text_width(text, FONT, True), 0.75 * FONT
        cx = (name[0] + name[2]) / 2
        gap = 2 * MARGIN + 1
        spots = [(name[2] - w, name[3] + gap), (name[2] - w, name[1] - gap - h), (cx - w / 2, name[3] + gap),
                 (cx - w / 2, name[1] - gap - h), (name[0] - gap - w, name[1]),
                 (name[2] - w, name[3] + 2 * gap + h), (name[2] - w, name[1] - 2 * (gap + h)),
                 (name[0], name[3] + gap), (name[0], name[1] - gap - h)]
        boxes = [(x0, y0, x0 + w, y0 + h) for x0, y0 in spots]
        put("sum", nid, text, (_narrowest_free(boxes, taken, circles, spans) if narrow_sums else None)
            or _cheapest(boxes, taken, circles, spans))
    if node_names:
        for nid in graph.order():
            node = graph.nodes[nid]
            if node.op in LEAF_OPS or not node.label:
                continue
            x, y = pos[nid]
            put("name", nid, node.label, _cheapest(
                [text_box(x + nx * (R + 3), y + ny * (R + 3), nx, ny, node.label, SMALL) for nx, ny in _name_sides(down)],
                taken, circles, spans))
    # Edge labels: short edges first (they have the least room, long ones can move along),
    # then once more each against all the others, which undoes what the first pass did greedily.
    fixed = list(taken)
    todo = [g for g in sorted(geo, key=lambda g: (math.floor(hypot(g.x1 - g.x0, g.y1 - g.y0) * 1000), g.edge.id))
            if graph.nodes[g.edge.src].op != "const"]
    texts = {g.edge.id: labels.get(g.edge.id, (format_value(full.values[g.edge.id]),
                                                format_value(full.grads[g.edge.id]))) for g in todo}
    chosen: dict[str, tuple] = {}   # edge id -> (cost, t, (value box, gradient box))

    def best_spot(g, against):
        v, d = texts[g.edge.id]
        # Only what lies near this edge can collide with its labels (keeps planning fast).
        reach = max(text_width(v, FONT), text_width(d, FONT, True)) + FONT
        region = (min(g.x0, g.x1) - reach, min(g.y0, g.y1) - reach,
                  max(g.x0, g.x1) + reach, max(g.y0, g.y1) + reach)
        near = [o for o in against if _overlap(o, region, 0.0)]
        near_circles = [c for c in circles if region[0] - R <= c[0] <= region[2] + R
                        and region[1] - R <= c[1] <= region[3] + R]
        lines = [(other, ob) for other, ob in spans if other is not g and _overlap(ob, region, 1.0)]
        best = None
        for lift in LABEL_LIFT:
            for t in LABEL_T:
                pair = (g.value_box(t, v, lift), g.grad_box(t, d, lift))
                cost = sum(_cost(b, near, near_circles, lines) for b in pair)
                cost += abs(t - 0.5) + LIFT_COST * lift   # all else equal, the middle, close to the line
                if best is None or cost < best[0] - 1e-9:
                    best = (cost, t, pair)
                if cost < 1:
                    break
            if best[0] < 1:
                break
        return best

    for g in todo:
        chosen[g.edge.id] = best_spot(g, fixed + [b for c in chosen.values() for b in c[2]])
    for g in todo:
        if chosen[g.edge.id][0] >= 1:
            others = fixed + [b for eid, c in chosen.items() if eid != g.edge.id for b in c[2]]
            chosen[g.edge.id] = best_spot(g, others)
    label_t = {}
    for g in todo:
        _, t, (vbox, gbox) = chosen[g.edge.id]
        v, d = texts[g.edge.id]
        label_t[g.edge.id] = t
        put("value", g.edge.id, v, vbox)
        put("grad", g.edge.id, d, gbox)
    local_side = {}
    bounds = _bounds([lab.box for lab in placed] + [(x - R, y - R, x + R, y + R) for x, y in circles]
                     + [span for _, span in spans])
    for nid, text in full.local_text.items():   # one shows at a time: avoid edges and labels only
        x, y = pos[nid]
        best = None
        # With node names (the book's static figures only; the widget never shows them) the text
        # goes above or below its node, never sideways: the names fill the space above, and a
        # sideways ring would widen a drawing that must fit a phone.
        sides = [(nx, ny, dist) for dist in LOCAL_RINGS for nx, ny in LOCAL_SIDES
                 if not node_names or nx == 0.0 or down]
        # Only what lies within reach of the text's farthest ring can be in its way.
        reach = LOCAL_RINGS[-1] + text_width(text, SMALL, True) + 2 * MARGIN
        region = (x - reach, y - reach, x + reach, y + reach)
        near = [o for o in taken if _overlap(o, region, 0.0)]
        others = [c for c in circles if c != (x, y) and _on_circle(region, c, 0.0)]
        lines = [(g, span) for g, span in spans if _overlap(span, region, 1.0)]
        for side in sides:
            b = local_box(x, y, side, text)
            cost = _cost(b, near, others, lines, LOCAL_LINE_COST)
            if down:   # a phone's drawing must stay narrow: widening it costs too
                cost += WIDEN_COST * (max(0.0, bounds[0] - b[0]) + max(0.0, b[2] - bounds[2]))
            if best is None or cost < best[0] - 1e-9:
                best = (cost, side, b)
            if cost < 1:
                break
        local_side[nid] = best[1]
        placed.append(Label("local", nid, text, best[2]))
    shapes = [(x - R, y - R, x + R, y + R) for x, y in circles] + [span for _, span in spans]
    box = _bounds([lab.box for lab in placed] + shapes)
    still = _bounds([lab.box for lab in placed if lab.kind != "local"] + shapes)
    return Plan(pos, geo, label_t, full, local_side, box, tuple(placed), down, still)


def _bounds(boxes) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes) - 3,
            max(b[2] for b in boxes), max(b[3] for b in boxes) + 3)


# ---- what a reader would trip over ----------------------------------------------------

def problems(graph: Graph, p: Plan | None = None, gap: float = GAP, local: bool = True) -> list[str]:
    """Every place where ``graph``'s figure is hard to read, in words (none is the goal).

    Two texts closer than ``gap`` (the local-derivative texts, which show one at a time,
    only against the others), a text on a circle or under a line, an edge through a
    node it does not touch. The boxes are ``plan``'s, sized for the widest font named.
    local: False leaves the local-derivative texts out.
    """
    p = p or plan(graph)
    out = []
    circles = {nid: p.pos[nid] for nid in p.pos if graph.nodes[nid].op not in LEAF_OPS}
    fixed = [lab for lab in p.labels if lab.kind != "local"]
    for i, a in enumerate(p.labels if local else fixed):
        for b in fixed[:i] if a.kind != "local" else fixed:
            if _overlap(a.box, b.box, gap / 2):
                out.append(f"{a.kind} {a.text!r} of {a.key} touches {b.kind} {b.text!r} of {b.key}")
        for nid, c in circles.items():
            if a.kind == "local" and a.key == nid:
                continue
            if _on_circle(a.box, c, gap):
                out.append(f"{a.kind} {a.text!r} of {a.key} touches node {nid}")
        inner = (a.box[0] + 0.5, a.box[1] + 0.5, a.box[2] - 0.5, a.box[3] - 0.5)
        for g in p.geo:
            if g.clip_length(inner) > 0:
                out.append(f"{a.kind} {a.text!r} of {a.key} lies under edge {g.edge.id}")
    for g in p.geo:
        for nid, (x, y) in circles.items():
            if nid in (g.edge.src, g.edge.dst):
                continue
            if _segment_distance(x, y, g.x0, g.y0, g.x1, g.y1) < R + gap:
                out.append(f"edge {g.edge.id} runs through node {nid}")
    return out
