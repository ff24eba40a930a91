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
import re
from dataclasses import dataclass

from .. import messages
from ..graph import LEAF_OPS, Edge, Graph, GraphState, format_sum, format_value, state_after
from ..validate import as_number
from .grid import R
from .layout import local_box, plan
from .phone import phone_graph
from .text import FONT, SMALL, descent

MIN_TEXT_PX = 10.5       # smallest on-screen text height we allow (sets min-width)
PAD = 6.0                # around a drawing's contents
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
    for nid, v in state.totals.items():
        if nid not in graph.nodes:
            raise ValueError(f"state.totals names node {nid!r}, which is not in graph {graph.name!r}")
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ValueError(f"state.totals[{nid!r}] is {v!r}; only finite numbers can be drawn")
    for nid in [state.active_node, *state.local_text]:
        if nid is not None and nid not in graph.nodes:
            raise ValueError(f"state names node {nid!r}, which is not in graph {graph.name!r}")
    texts = [("caption", state.caption)] + [(f"local_text[{k!r}]", v) for k, v in state.local_text.items()]
    for what, text in texts:
        if not isinstance(text, str):
            raise TypeError(f"state.{what} must be a string, got {type(text).__name__}")


def _state(graph: Graph, state, full: GraphState) -> GraphState:
    if state is None:   # the static figure: everything, nothing highlighted
        return GraphState(full.values, full.grads, None, (), {}, "", full.totals)
    if isinstance(state, GraphState):
        _check_state(graph, state)
        return state
    return state_after(graph, state)   # checks that an int k is in range


def _text(x, y, s, size, fill=INK, extra=""):
    """``s`` centred at x with the middle of its digits at y."""
    return (f'<text x="{x:.1f}" y="{y + 0.36 * size:.1f}" font-size="{size:g}" fill="{fill}" '
            f'text-anchor="middle" {HALO}{extra}>{html.escape(s)}</text>')


def _label(box, s, size, fill=INK, extra=""):
    """``s`` centred in ``box`` (a ``text.text_box``: its digit-high part, above any descent)."""
    return _text((box[0] + box[2]) / 2, (box[1] + box[3] - descent(s, size)) / 2, s, size, fill, extra)


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
           node_names: bool = False, min_text_px: float = MIN_TEXT_PX, values_fill: str = INK) -> str:
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
    values_fill: the colour of the numbers above the edges (a state whose values are
    forward-mode derivatives draws them in the forward colour, FWD).
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
    named = set()
    for g in p.geo:
        e = g.edge
        on = e.id in active
        color, width = (accent, 3) if on else (INK, 1.6)
        mark = ' class="bp-active"' if on else ""
        ax, ay, bx, by = g.x1 - g.ux * 9, g.y1 - g.uy * 9, -g.uy * 4.5, g.ux * 4.5
        parts.append(
            f'<line x1="{g.x0:.1f}" y1="{g.y0:.1f}" x2="{ax:.1f}" y2="{ay:.1f}" stroke="{color}" '
            f'stroke-width="{width}"{mark}/><path d="M{g.x1:.1f},{g.y1:.1f}L{ax + bx:.1f},{ay + by:.1f}'
            f'L{ax - bx:.1f},{ay - by:.1f}Z" fill="{color}"/>')
        src = graph.nodes[e.src]
        if src.op == "const":   # a constant's value is its label; its gradient is of no interest
            lab = p.label("const", e.id)
            parts.append(_label(lab.box, lab.text, FONT))
            continue
        if src.op == "input" and e.src not in named and p.label("input", e.src):
            named.add(e.src)
            lab = p.label("input", e.src)
            parts.append(_label(lab.box, lab.text, FONT, INK, ' font-style="italic"'))
        if e.dst is None and p.label("output", e.src):
            lab = p.label("output", e.src)
            parts.append(_label(lab.box, lab.text, FONT, INK, ' font-style="italic"'))
        if e.id in st.values:
            text = labels[e.id][0] if e.id in labels else format_value(st.values[e.id])
            parts.append(_label(p.label("value", e.id).box, text, FONT, values_fill))
        if e.id in st.grads:
            text = labels[e.id][1] if e.id in labels else format_value(st.grads[e.id])
            parts.append(_label(p.label("grad", e.id).box, text, FONT, GRAD, ' font-weight="600"'))

    for nid in graph.order():
        node = graph.nodes[nid]
        if node.op in LEAF_OPS:
            continue
        x, y = p.pos[nid]
        on = nid == st.active_node
        fill, stroke, width = (ACTIVE_FILL, accent, 3) if on else ("#fff", INK, 1.6)
        mark = ' class="bp-active"' if on else ""
        sym = SHORT_SYMBOL.get(node.op, node.symbol)
        # Long symbols shrink to fit the circle, but not below the drawing's smallest text
        # (its min-width keeps that readable; "×0.05" may touch the rim).
        size = max(SMALL, min(FONT + 2, 1.55 * R / (0.58 * max(1, len(sym)))))
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{R:g}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{width}"{mark}/><text x="{x:.1f}" y="{y + 0.36 * size:.1f}" '
            f'font-size="{size:.1f}" text-anchor="middle" fill="{INK}">{html.escape(sym)}</text>')
        if node_names and p.label("name", nid):
            parts.append(_label(p.label("name", nid).box, node.label, SMALL, INK, ' font-style="italic"'))
        if on and nid in st.local_text:
            text = st.local_text[nid]
            side = p.local_side.get(nid, (0.0, -1.0, R + 6))   # a hand-made state may name any node
            parts.append(_label(local_box(x, y, side, text), text, SMALL, GRAD,
                                ' font-style="italic" font-weight="600"'))
    for nid, total in st.totals.items():   # the sum at a fork, written at the input
        lab = p.label("sum", nid)
        if lab is None:
            continue
        terms = [st.grads.get(g.edge.id, p.full.grads[g.edge.id]) for g in p.geo if g.edge.src == nid]
        parts.append(_label(lab.box, format_sum(terms, total), FONT, GRAD, ' font-weight="600"'))

    # A replayed step (state k) keeps the size of every other step, local texts included; a
    # figure of one state only needs room for what it shows.
    frame = p.box if (isinstance(state, int) and not isinstance(state, bool)) or st.local_text else p.still_box
    x0, y0 = frame[0] - PAD, frame[1] - PAD
    w, h = frame[2] - frame[0] + 2 * PAD, frame[3] - frame[1] + 2 * PAD
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


# A figure with a second drawing for phones shows one of the two by screen width. The
# phone's drawing (top to bottom) is made when the wide one would need more than PHONE_PX:
# the text column of a 390 px phone, less a little for the 360 px ones.
NARROW_MAX_PX = 600
PHONE_PX = 320
PHONE_MIN_TEXT_PX = 9.5  # a phone's drawing may shrink its smallest text this far to fit
#: The text column of a page on a desktop screen (the book's theme at 1280 px): a wide
#: drawing that would need more shrinks its smallest text (not below PHONE_MIN_TEXT_PX)
#: rather than scroll sideways where there is room to show it whole.
COLUMN_PX = 660
#: The widest a phone's drawing may be, in SVG units (phone.phone_graph's max_width).
PHONE_UNITS = PHONE_PX * SMALL / PHONE_MIN_TEXT_PX - 2 * PAD
_PAIR_STYLE = (f"<style>.bp-figure-pair .bp-narrow{{display:none}}"
               f"@media (max-width:{NARROW_MAX_PX}px){{.bp-figure-pair .bp-wide{{display:none}}"
               f".bp-figure-pair .bp-narrow{{display:block}}}}</style>")
# The drawing is made for white paper: it keeps a white card in a dark theme.
_CARD = "background:#fff;border-radius:4px"
#: The output type the book's build turns into a numbered figure (booktools.graph_figures).
FIGURE_MIME = "application/vnd.backprop.figure+json"


@dataclass(frozen=True)
class SvgFigure:
    """An SVG figure that notebooks and the book show inline (via ``_repr_html_``).

    narrow_svg: an optional drawing shown instead on screens up to NARROW_MAX_PX wide.
    name: with a caption, the book numbers the figure and ``{numref}`fig-name``` refers to it.
    """
    svg: str
    caption: str | None = None
    narrow_svg: str | None = None
    name: str | None = None
    panels: tuple[tuple[str, "SvgFigure"], ...] = ()   # (heading, figure) side by side, instead of svg

    def body(self) -> str:
        """The drawing(s) without the caption."""
        if self.panels:   # side by side where there is room, one above the other on a phone
            return ('<div class="bp-panels" style="display:flex;flex-wrap:wrap;gap:0.8em 1.2em">' + "".join(
                # a panel as wide as its drawing needs: two that do not fit side by side wrap
                f'<div class="bp-panel{" bp-figure-pair" if fig.narrow_svg else ""}" '
                f'style="flex:1 1 {_min_width(fig.svg):.0f}px;min-width:0">'
                f'<p class="bp-panel-title" style="margin:0 0 0.3em;font-size:0.9em">{html.escape(heading)}</p>'
                f'{fig.body()}</div>' for heading, fig in self.panels) + "</div>")
        # overflow-x: where a drawing still needs more room than the screen has, it scrolls
        # instead of shrinking its text away.
        body = f'<div class="bp-wide" style="overflow-x:auto;{_CARD}">{self.svg}</div>'
        if self.narrow_svg is not None:
            body = _PAIR_STYLE + body + f'<div class="bp-narrow" style="overflow-x:auto;{_CARD}">{self.narrow_svg}</div>'
        return body

    def _repr_html_(self) -> str:
        cls = "bp-figure" + (" bp-figure-pair" if self.narrow_svg is not None else "")
        cap = "" if self.caption is None else f"<figcaption>{html.escape(self.caption)}</figcaption>"
        return f'<figure class="{cls}" style="margin:1em 0">{self.body()}{cap}</figure>'

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"text/html": self._repr_html_()}
        if self.caption is not None:   # the book shows a captioned figure numbered, as its plots
            data[FIGURE_MIME] = {"html": self.body(), "caption": self.caption, "name": self.name,
                                 "classes": ["bp-figure"] + (["bp-figure-pair"] if self.narrow_svg else [])}
        return data


def figure(graph: Graph, state=None, *, caption: str | None = None, alt: str | None = None,
           edge_labels: dict[str, tuple[str, str]] | None = None, node_names: bool = False,
           narrow: Graph | bool | None = None, min_text_px: float = MIN_TEXT_PX,
           name: str | None = None, values_fill: str = INK) -> SvgFigure:
    """``to_svg`` ready for display; ``alt`` (if given) becomes the SVG's description.

    narrow: the drawing for phones. None (the default): where the figure would need more
    than PHONE_PX, the same graph drawn top to bottom to fit (``phone.phone_graph``);
    False: none; a Graph: that one (the same nodes, laid out by hand).
    name: how the book refers to a captioned figure (``{numref}`fig-apple```); the book
    numbers every captioned figure, named or not.
    """
    if caption is not None and not isinstance(caption, str):
        raise TypeError(f"caption must be a string or None, got {type(caption).__name__}")
    # Checked here too: to_svg would name its own argument (desc), which the caller never wrote.
    if alt is not None and not isinstance(alt, str):
        raise TypeError(f"alt must be a string (the figure's text for screen readers) or None, "
                        f"got {type(alt).__name__}")
    if name is not None and not (isinstance(name, str) and re.fullmatch(r"[a-z][a-z0-9-]*", name)):
        raise ValueError(f"name must be a label of lower-case letters, digits and '-' "
                         f"(such as 'fig-apple'), got {name!r}")
    if name is not None and caption is None:
        raise ValueError(f"figure {name!r} has no caption: the book numbers and names captioned figures only")
    # A figure stands alone: drawn as the state it shows, in a frame just big enough for that
    # (a replayed step k keeps room for every step's texts, which only the widget needs).
    shown = lambda g: state_after(g, state) if isinstance(state, int) and not isinstance(state, bool) else state
    svg = to_svg(graph, shown(graph), desc=alt, edge_labels=edge_labels, node_names=node_names,
                 min_text_px=min_text_px, values_fill=values_fill)
    if _min_width(svg) > COLUMN_PX:
        svg = to_svg(graph, shown(graph), desc=alt, edge_labels=edge_labels, node_names=node_names,
                     min_text_px=max(PHONE_MIN_TEXT_PX, min_text_px * COLUMN_PX / _min_width(svg)),
                     values_fill=values_fill)
    if narrow is False:
        return SvgFigure(svg, caption, None, name)
    if narrow is None:
        if _min_width(svg) <= PHONE_PX:
            return SvgFigure(svg, caption, None, name)
        narrow = phone_graph(graph, PHONE_UNITS, edge_labels, node_names)
    elif not isinstance(narrow, Graph) or set(narrow.nodes) != set(graph.nodes):
        raise ValueError("narrow must be the same graph laid out for a phone "
                         "(e.g. backprop.figures.grid.upright(graph)), None or False")
    # Its smallest text as large as the phone's column allows, from MIN_TEXT_PX down to PHONE_MIN_TEXT_PX.
    small = to_svg(narrow, shown(narrow), desc=alt, edge_labels=edge_labels, node_names=node_names,
                   min_text_px=PHONE_MIN_TEXT_PX, values_fill=values_fill)
    fitting = PHONE_PX * PHONE_MIN_TEXT_PX / _min_width(small)
    if fitting > PHONE_MIN_TEXT_PX:
        small = to_svg(narrow, shown(narrow), desc=alt, edge_labels=edge_labels, node_names=node_names,
                       min_text_px=min(MIN_TEXT_PX, fitting), values_fill=values_fill)
    return SvgFigure(svg, caption, small, name)


def _min_width(svg: str) -> float:
    """The min-width (px) an SVG made by ``to_svg`` asks for."""
    return float(re.search(r"min-width:([\d.]+)px", svg).group(1))
