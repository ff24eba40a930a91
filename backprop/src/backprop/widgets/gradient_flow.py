"""The gradient-flow widget: watch values flow forward and gradients flow back.

``GradientFlow(graph)`` replays ``graph.steps()``: frame k is
``backprop.figures.svg.to_svg(graph, k)`` (the state after the first k steps) with the
step's caption. The frames the book is built with are drawn here in Python, so
the widget plays in the static book, where no Python runs: play/pause, step
forward and back, reset, speed and the slider are all front-end behaviour.

The inputs are number boxes (and a graph from ``expression_graph`` gets a box
for its text). An edit is recomputed in the browser by the widget's engine, a
port of the graph model, layout and drawing (``front/numbers.js``,
``front/engine.js``, ``front/grid.js``, ``front/layout.js``, ``front/draw.js``,
``front/expression.js``, bundled in front of ``front/gradient_flow.js`` as one anywidget
module, see ``bundle``; ``spec`` carries the
graph's structure). It writes the same SVG and captions as Python, which
tests/test_browser_engine.py checks. With a kernel, the edit also goes to
Python, which rebuilds the graph with ``Graph.with_inputs`` (or
``expression_graph``), re-runs the passes and sends its own frames.

``flow(name_or_graph, **inputs)`` is the forgiving entry point for the book and
for students: a graph that cannot be shown (a cycle, an unknown operation, a
non-finite value, a wrong argument) gives a widget with the message instead.
"""

from __future__ import annotations

import html

import anywidget
import ipywidgets
import traitlets

from .. import messages
from ..figures.phone import phone_graph
from ..figures.svg import PHONE_UNITS, to_svg
from ..graph import Graph, GraphError, state_after
from ..graph.book import BUILDERS, build
from ..graph.expression import expression_graph
from ..nn.gradcheck import H
from ..validate import as_number
from .bundle import FRONT, bundle

#: Errors that mean "this graph cannot be shown" rather than a bug in this module.
SHOWABLE_ERRORS = (GraphError, ValueError, TypeError, OverflowError, ZeroDivisionError)


def frames_of(graph: Graph) -> list[dict]:
    """One frame per replay state: ``{"k", "kind", "svg", "caption"}`` for k = 0..len(steps).

    Frame 0 is the graph before anything flows; frame k shows steps 1..k.
    Raises ``GraphError`` for a graph that cannot be evaluated or drawn.
    """
    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be a backprop.graph.Graph (for example backprop.graph.book.apple_graph()), "
                        f"got {type(graph).__name__}")
    steps = graph.steps()
    frames = [{"k": 0, "kind": "start", "svg": to_svg(graph, 0), "caption": state_after(graph, 0).caption}]
    for s in steps:
        frames.append({"k": s.index + 1, "kind": s.kind, "svg": to_svg(graph, s.index + 1),
                       "caption": s.caption})
    return frames


def graph_spec(graph: Graph) -> dict:
    """The graph's structure for the browser engine (``graphFromSpec`` in front/engine.js).

    ``h`` is the step of the "check numerically" button's central difference; ``phone`` is
    where each node goes when a narrow screen draws the graph top to bottom
    (``backprop.figures.phone.phone_graph``), found here once so that a phone need not search.
    """
    nodes = [{"id": n.id, "op": n.op, "inputs": list(n.inputs), "label": n.label, "const": n.const,
              "pos": list(n.pos) if n.pos is not None else None} for n in graph.nodes.values()]
    phone = phone_graph(graph, PHONE_UNITS)
    return {"name": graph.name, "title": graph.title, "output": graph.output, "nodes": nodes, "h": H,
            "phone": {nid: list(n.pos) for nid, n in phone.nodes.items()}}


def input_specs(graph: Graph) -> list[dict]:
    """``[{"id", "label", "value"}]`` for the graph's inputs, in the graph's order."""
    return [{"id": nid, "label": graph.nodes[nid].label or nid, "value": graph.nodes[nid].const}
            for nid in graph.inputs_of()]


class GradientFlow(anywidget.AnyWidget):
    """Animated replay of a graph's forward and backward passes.

    graph: an evaluated or unevaluated ``Graph`` (the passes are run if needed).
    editable: show the inputs as number boxes (they recompute only with a kernel).
    interval: milliseconds per step when playing at speed 1×.
    """

    _css = FRONT / "widget.css"

    @property
    def _esm(self) -> str:
        # Read when a widget is made (anywidget puts it in the widget's state), so it
        # carries the messages of the language installed at that moment.
        return bundle()

    frames = traitlets.List(traitlets.Dict()).tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    inputs = traitlets.List(traitlets.Dict()).tag(sync=True)
    editable = traitlets.Bool(True).tag(sync=True)
    interval = traitlets.Int(900).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    spec = traitlets.Dict().tag(sync=True)
    # The text of a graph made by expression_graph ("" for the book's graphs): the
    # front-end shows it in a text box the reader can change.
    expression = traitlets.Unicode("").tag(sync=True)
    # Goes up every time Python answers an edit, so the front-end can tell
    # "no kernel" (no answer) from "the same frames again".
    revision = traitlets.Int(0).tag(sync=True)

    def __init__(self, graph: Graph, *, editable: bool = True, interval: int = 900,
                 expression: str = "", **kwargs):
        if not isinstance(expression, str):
            raise TypeError(f"expression must be the graph's text (a string), got {type(expression).__name__}")
        if not isinstance(editable, bool):
            raise TypeError(f"editable must be True or False, got {type(editable).__name__}")
        interval = as_number("interval", interval)
        if not 50 <= interval <= 10_000:
            raise ValueError(f"interval must be between 50 and 10000 milliseconds, got {interval:g}")
        frames = frames_of(graph)            # raises before any widget exists
        self._graph = graph
        super().__init__(frames=frames, inputs=input_specs(graph), editable=editable,
                         interval=int(interval), spec=graph_spec(graph), expression=expression, **kwargs)

    @property
    def graph(self) -> Graph:
        """The graph currently shown (a new one after every successful edit)."""
        return self._graph

    @property
    def steps(self):
        return self._graph.steps()

    def set_inputs(self, **values: float) -> None:
        """Change inputs by id from Python, as the number boxes do (e.g. ``w.set_inputs(apple=150)``)."""
        known = {s["id"] for s in self.inputs}
        unknown = sorted(set(values) - known)
        if unknown:
            raise GraphError(f"no input named {unknown}; this graph's inputs are {sorted(known)}")
        self.inputs = [dict(s, value=values.get(s["id"], s["value"])) for s in self.inputs]

    @traitlets.observe("inputs", "expression")
    def _recompute(self, change) -> None:
        values = {s.get("id"): s.get("value") for s in self.inputs}
        current = {nid: self._graph.nodes[nid].const for nid in self._graph.inputs_of()}
        text = self.expression
        if values == current and (not text or text == self._graph.title):
            return
        try:
            if text:
                graph = expression_graph(text, **values)
            else:
                graph = self._graph.with_inputs(**values)
            frames = frames_of(graph)
        except SHOWABLE_ERRORS as exc:
            # Keep the last good graph; the front-end shows the message in its place.
            with self.hold_sync():
                self.error = messages.text("widget.cannot_show_inputs", error=exc)
                self.revision += 1
            return
        self._graph = graph
        with self.hold_sync():
            self.frames = frames
            self.spec = graph_spec(graph)
            self.error = ""
            self.step = min(self.step, len(frames) - 1)
            self.revision += 1


def error_widget(exc: BaseException, what: str | None = None) -> ipywidgets.HTML:
    """A plain HTML widget that says why ``what`` (default: this graph) cannot be shown
    (no front-end code of ours needed)."""
    what = messages.text("widget.this_graph") if what is None else what
    message = messages.text("widget.cannot_show", what=what, error=exc)
    return ipywidgets.HTML(
        f'<div class="bp-flow-error" role="alert" style="color:#8a1c1c;background:#fdecea;'
        f'border:1px solid #e0a8a8;border-radius:4px;padding:0.6em 0.8em">{html.escape(message)}</div>')


def flow(name_or_graph, *, editable: bool = True, interval: int = 900, **inputs):
    """The widget for a book graph (by name, see ``backprop.graph.book.BUILDERS``) or any ``Graph``.

    ``inputs`` are the builder's keyword arguments (``flow("apple", apple=150)``)
    or, for a ``Graph``, new input values by input id. A graph that cannot be
    shown gives an HTML widget with the reason instead of a traceback or a blank cell.
    """
    try:
        if isinstance(name_or_graph, str):
            if name_or_graph not in BUILDERS:
                raise ValueError(f"name_or_graph must be one of {', '.join(sorted(BUILDERS))} "
                                 f"or a Graph, got {name_or_graph!r}")
            graph = build(name_or_graph, **inputs)
        elif isinstance(name_or_graph, Graph):
            graph = name_or_graph.with_inputs(**inputs) if inputs else name_or_graph
            if graph.name == "expression" and graph.title:   # made by expression_graph: text box
                return GradientFlow(graph, editable=editable, interval=interval, expression=graph.title)
        else:
            raise TypeError(f"name_or_graph must be a graph name ({', '.join(sorted(BUILDERS))}) "
                            f"or a backprop.graph.Graph, got {type(name_or_graph).__name__}")
        return GradientFlow(graph, editable=editable, interval=interval)
    except SHOWABLE_ERRORS as exc:
        return error_widget(exc)
