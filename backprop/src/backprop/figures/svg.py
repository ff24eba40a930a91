"""Draw a graph state as an SVG string, in the book's visual language.

Operations sit in circles; inputs are names at the left end of their edge;
each edge shows its forward value above it and, once the backward pass has
reached it, its gradient below it in red. Given a state (a step number or a
``GraphState``), the active node and edges are highlighted and the active
node's local derivative is written above it.

The output is deterministic (no ``id()``, no random ids, numbers through
``format_value``), so tests can compare it, and free of XML ids, so that many
figures (the widget pre-renders one per step) can share one HTML page. It
scales with its container (``viewBox``, ``width="100%"``) between a
``min-width`` that keeps the smallest text ``MIN_TEXT_PX`` pixels high and a
``max-width`` a little above its natural size. Where things go is decided in
``backprop.figures.layout``; this module only paints.
"""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass

from .. import messages
from ..graph import LEAF_OPS, Edge, Graph, GraphState, format_value, state_after
from ..validate import as_number
from .layout import FONT, SMALL, R, leaf_label_side, local_box, name_box, plan, text_box

MIN_TEXT_PX = 10.5       # smallest on-screen text height we allow (sets min-width)
INK, GRAD, FWD, ACTIVE_FILL = "#222", "#c62828", "#1565c0", "#fff3c4"
HALO = 'paint-order="stroke" stroke="#fff" stroke-width="4" stroke-linejoin="round"'
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
SHORT_SYMBOL = {"sigmoid": "σ"}  # long op names do not fit in a circle


def _check_state(graph: Graph, state: GraphState) -> None:
    """Refuse a hand-made state that names edges or nodes the graph lacks, or cannot be drawn."""
    known = {e.id for e in graph.edges}
    for what, ids in (("values", state.values), ("grads", state.grads), ("active_edges", state.active_edges)):
        bad = sorted(set(ids) - known)
        if bad:
            raise ValueError(f"state.{what} names edges {bad} that are not in graph {graph.name!r}; "
                             f"its edges are {sorted(known)}")
    for what, d in (("values", state.values), ("grads", state.grads)):
        for eid, v in d.items():
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise ValueError(f"state.{what}[{eid!r}] is {v!r}; only finite numbers can be drawn")
    for nid in [state.active_node, *state.local_text]:
        if nid is not None and nid not in graph.nodes:
            raise ValueError(f"state names node {nid!r}, which is not in graph {graph.name!r}")
    texts = [("caption", state.caption)] + [(f"local_text[{k!r}]", v) for k, v in state.local_text.items()]
    for what, text in texts:
        if not isinstance(text, str):
            raise TypeError(f"state.{what} must be a string, got {type(text).__name__}")


def _state(graph: Graph, state, full: GraphState) -> GraphState:
    if state is None:   # the static figure: everything, nothing highlighted
        return GraphState(full.values, full.grads, None, (), {}, "")
    if isinstance(state, GraphState):
        _check_state(graph, state)
        return state
    return state_after(graph, state)   # checks that an int k is in range


def _text(x, y, s, size, fill=INK, extra=""):
    """``s`` centred at x with the middle of its digits at y."""
    return (f'<text x="{x:.1f}" y="{y + 0.36 * size:.1f}" font-size="{size:g}" fill="{fill}" '
            f'text-anchor="middle" {HALO}{extra}>{html.escape(s)}</text>')


def _label(box, s, size, fill=INK, extra=""):
    return _text((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, s, size, fill, extra)


def _check_edge_labels(graph: Graph, edge_labels) -> dict[str, tuple[str, str]]:
    if edge_labels is None:
        return {}
    if not isinstance(edge_labels, dict):
        raise TypeError(f"edge_labels must be a dict of edge id -> (text above, text below), "
                        f"got {type(edge_labels).__name__}")
    known = {e.id for e in graph.edges}
    bad = sorted(set(edge_labels) - known)
    if bad:
        raise ValueError(f"edge_labels names edges {bad} that are not in graph {graph.name!r}; "
                         f"its edges are {sorted(known)}")
    for eid, pair in edge_labels.items():
        if not (isinstance(pair, tuple) and len(pair) == 2 and all(isinstance(t, str) for t in pair)):
            raise TypeError(f"edge_labels[{eid!r}] must be a pair of strings (above, below), got {pair!r}")
    return edge_labels


def to_svg(graph: Graph, state=None, *, title: str | None = None, desc: str | None = None,
           edge_labels: dict[str, tuple[str, str]] | None = None,
           node_names: bool = False, min_text_px: float = MIN_TEXT_PX) -> str:
    """The graph as an inline SVG string.

    state: None (the static figure: every forward value and gradient, nothing
    highlighted), an int k (the state after the first k of ``graph.steps()``,
    0 <= k <= len(steps)) or a ``GraphState``.
    title: accessible name (default: the graph's title); desc: longer text for
    screen readers (default: the visible values and gradients in words).
    edge_labels: edge id -> (text above, text below) shown in place of the
    edge's value and gradient, e.g. the shapes of arrays on a graph of layers.
    node_names: write each operation node's label (S, 1/S, y₁, ...) above it.
    min_text_px: the smallest text may not shrink below this many pixels (the SVG's
    min-width); a wide graph that must fit a column may allow a little less.
    """
    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be a backprop.graph.Graph (the book's are in backprop.graph.book), "
                        f"got {type(graph).__name__}")
    for name, value in (("title", title), ("desc", desc)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a string or None, got {type(value).__name__}")
    graph.validate()
    labels = _check_edge_labels(graph, edge_labels)
    min_text_px = as_number("min_text_px", min_text_px)
    if min_text_px <= 0:
        raise ValueError(f"min_text_px must be a positive number of pixels, got {min_text_px}")
    p = plan(graph, labels, bool(node_names))
    st = _state(graph, state, p.full)
    accent = GRAD if st.grads else FWD   # gradients are visible only once the backward pass began
    active = set(st.active_edges)
    parts = []
    for g in p.geo:
        e = g.edge
        color, width = (accent, 3) if e.id in active else (INK, 1.6)
        ax, ay, bx, by = g.x1 - g.ux * 9, g.y1 - g.uy * 9, -g.uy * 4.5, g.ux * 4.5
        parts.append(
            f'<line x1="{g.x0:.1f}" y1="{g.y0:.1f}" x2="{ax:.1f}" y2="{ay:.1f}" stroke="{color}" '
            f'stroke-width="{width}"/><path d="M{g.x1:.1f},{g.y1:.1f}L{ax + bx:.1f},{ay + by:.1f}'
            f'L{ax - bx:.1f},{ay - by:.1f}Z" fill="{color}"/>')
        src = graph.nodes[e.src]
        if src.op == "const":   # a constant's value is its label; its gradient is of no interest
            text = format_value(src.const)
            parts.append(_label(text_box(g.x0 - g.ux * 5, g.y0 - g.uy * 5, -g.ux, -g.uy, text, FONT),
                                text, FONT))
            continue
        if src.op == "input":
            lx, ly = leaf_label_side(g)
            parts.append(_label(text_box(g.x0 + lx * 5, g.y0 + ly * 5, lx, ly, src.label, FONT),
                                src.label, FONT, INK, ' font-style="italic"'))
        if e.dst is None and src.label:
            parts.append(_label(text_box(g.x1 + 5, g.y1, 1.0, 0.0, src.label, FONT),
                                src.label, FONT, INK, ' font-style="italic"'))
        t = p.label_t[e.id]
        if e.id in st.values:
            text = labels[e.id][0] if e.id in labels else format_value(st.values[e.id])
            parts.append(_label(g.value_box(t, text), text, FONT))
        if e.id in st.grads:
            text = labels[e.id][1] if e.id in labels else format_value(st.grads[e.id])
            parts.append(_label(g.grad_box(t, text), text, FONT, GRAD, ' font-weight="600"'))

    for nid in graph.order():
        node = graph.nodes[nid]
        if node.op in LEAF_OPS:
            continue
        x, y = p.pos[nid]
        on = nid == st.active_node
        fill, stroke, width = (ACTIVE_FILL, accent, 3) if on else ("#fff", INK, 1.6)
        sym = SHORT_SYMBOL.get(node.op, node.symbol)
        size = min(FONT + 2, 1.55 * R / (0.58 * max(1, len(sym))))  # long symbols shrink to fit
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{R:g}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{width}"/><text x="{x:.1f}" y="{y + 0.36 * size:.1f}" '
            f'font-size="{size:.1f}" text-anchor="middle" fill="{INK}">{html.escape(sym)}</text>')
        if node_names and node.label:
            parts.append(_label(name_box(graph, nid, p.pos), node.label, SMALL, INK,
                                ' font-style="italic"'))
        if on and nid in st.local_text:
            text = st.local_text[nid]
            side = p.local_side.get(nid, (0.0, -1.0, R + 6))   # a hand-made state may name any node
            parts.append(_label(local_box(x, y, side, text), text, SMALL, GRAD,
                                ' font-style="italic" font-weight="600"'))

    pad = 6.0
    x0, y0 = p.box[0] - pad, p.box[1] - pad
    w, h = p.box[2] - p.box[0] + 2 * pad, p.box[3] - p.box[1] + 2 * pad
    name = title if title is not None else (graph.title or graph.name)
    text = desc if desc is not None else describe(graph, st)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.1f} {y0:.1f} {w:.1f} {h:.1f}" '
        f'width="100%" role="img" aria-label="{html.escape(name, quote=True)}" class="bp-graph" '
        f'style="display:block;margin:0 auto;max-width:{1.15 * w:.0f}px;'
        f'min-width:{w * min_text_px / SMALL:.0f}px;height:auto" font-family="{FONT_FAMILY}">'
        f'<title>{html.escape(name)}</title><desc>{html.escape(text)}</desc>'
        + "".join(parts) + "</svg>")


def describe(graph: Graph, st: GraphState) -> str:
    """The visible state in words, for screen readers (the figure's ``<desc>``)."""
    edges = graph.edges
    outs = {nid: [e for e in edges if e.src == nid] for nid in graph.inputs_of()}
    parts = []
    shown = [messages.text("value.named", name=graph.nodes[n].label, value=format_value(st.values[es[0].id]))
             for n, es in outs.items() if es and es[0].id in st.values]
    if shown:
        parts.append(messages.text("describe.inputs", values=messages.join(shown)))
    out_edge = Edge(graph.output, None).id
    out_name = graph.nodes[graph.output].label or messages.text("output.name")
    if out_edge in st.values:
        parts.append(messages.text("describe.output", name=out_name, value=format_value(st.values[out_edge])))
    # An input that fans out has the sum of its edges' gradients (shown once all have arrived).
    grads = [messages.text("describe.gradient", name=graph.nodes[n].label,
                           value=format_value(sum(st.grads[e.id] for e in es)))
             for n, es in outs.items() if es and all(e.id in st.grads for e in es)]
    if grads:
        parts.append(messages.text("describe.gradients", name=out_name, gradients=messages.join(grads)))
    if st.caption and (st.active_node is not None or st.active_edges):
        parts.append(messages.text("describe.step", caption=st.caption))
    n_ops = sum(1 for n in graph.nodes.values() if n.op not in LEAF_OPS)
    return messages.text("describe.graph", count=n_ops, details=" ".join(parts))


# A figure with a second drawing for phones shows one of the two by screen width.
NARROW_MAX_PX = 600
_PAIR_STYLE = (f"<style>.bp-figure-pair .bp-narrow{{display:none}}"
               f"@media (max-width:{NARROW_MAX_PX}px){{.bp-figure-pair .bp-wide{{display:none}}"
               f".bp-figure-pair .bp-narrow{{display:block}}}}</style>")


@dataclass(frozen=True)
class SvgFigure:
    """An SVG figure that notebooks and the book show inline (via ``_repr_html_``).

    narrow_svg: an optional drawing shown instead on screens up to NARROW_MAX_PX wide.
    """
    svg: str
    caption: str | None = None
    narrow_svg: str | None = None

    def _repr_html_(self) -> str:
        # overflow-x: on a phone a wide graph scrolls instead of shrinking its text away.
        body = f'<div class="bp-wide" style="overflow-x:auto">{self.svg}</div>'
        cls = "bp-figure"
        if self.narrow_svg is not None:
            body = _PAIR_STYLE + body + f'<div class="bp-narrow">{self.narrow_svg}</div>'
            cls += " bp-figure-pair"
        cap = "" if self.caption is None else f"<figcaption>{html.escape(self.caption)}</figcaption>"
        return f'<figure class="{cls}" style="margin:1em 0">{body}{cap}</figure>'


def figure(graph: Graph, state=None, *, caption: str | None = None, alt: str | None = None,
           edge_labels: dict[str, tuple[str, str]] | None = None, node_names: bool = False,
           narrow: Graph | None = None, min_text_px: float = MIN_TEXT_PX) -> SvgFigure:
    """``to_svg`` ready for display; ``alt`` (if given) becomes the SVG's description."""
    if caption is not None and not isinstance(caption, str):
        raise TypeError(f"caption must be a string or None, got {type(caption).__name__}")
    # Checked here too: to_svg would name its own argument (desc), which the caller never wrote.
    if alt is not None and not isinstance(alt, str):
        raise TypeError(f"alt must be a string (the figure's text for screen readers) or None, "
                        f"got {type(alt).__name__}")
    svg = to_svg(graph, state, desc=alt, edge_labels=edge_labels, node_names=node_names,
                 min_text_px=min_text_px)
    if narrow is None:
        return SvgFigure(svg, caption)
    if not isinstance(narrow, Graph) or set(narrow.nodes) != set(graph.nodes):
        raise ValueError("narrow must be the same graph laid out for a phone "
                         "(e.g. backprop.graph.book.transposed(graph))")
    small = to_svg(narrow, state, desc=alt, edge_labels=edge_labels, node_names=node_names)
    return SvgFigure(svg, caption, small)
