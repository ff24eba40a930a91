"""One meaning in two languages: the widget's browser engine agrees with the Python model.

Both engines compute with the one operation table, ``backprop/graph/ops.json``, which
these tests read. Hundreds of random expressions (seeded), written with every function
of the grammar, with random input values go through
``backprop.graph.expression.expression_graph`` (and ``backprop.graph``,
``backprop.graph.replay``, ``backprop.figures.svg``) in Python and through the bundled
engine (``backprop.widgets.bundle.engine_source()``, the same text the widget ships)
in Debian's headless Chromium. Both must build the same nodes, reach the same
values, gradients and local derivatives, replay the same steps with the same
captions and draw the same SVG, or refuse the same text with the same message.
Every operation of the table, those the grammar cannot write included, computes the
same forward value, local derivatives and caption in both on inputs of its own.
Numbers are compared to float tolerance (``Math.exp`` and glibc's ``exp`` may
differ in the last bit); text around the numbers must be identical.

Browser set-up as in tests/test_browser_widget.py (the page is about:blank:
nothing is served or fetched). Under CI a missing browser fails the test.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
import re
from pathlib import Path

import pytest

from backprop.figures.phone import phone_graph
from backprop.figures.svg import PHONE_MIN_TEXT_PX, PHONE_UNITS, to_svg
from backprop.graph import OPS, GraphError
from backprop.graph.book import BUILDERS, build
from backprop.graph.expression import FUNCTIONS, MODULES, expression_graph
from backprop.graph.nodes import OPS_FILE
from backprop.widgets.bundle import engine_source
from backprop.widgets.gradient_flow import frames_of, graph_spec

_spec = importlib.util.spec_from_file_location("_browser_widget", Path(__file__).with_name("test_browser_widget.py"))
_bw = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bw)

N_RANDOM = 300
PHONE_EVERY = 3
NAMES = ("x", "y", "z")
# Every function the grammar knows, bare and with each module prefix the grammar accepts.
FUNCS = FUNCTIONS + tuple(f"{m}.{f}" for m in MODULES for f in FUNCTIONS if f in ("exp", "tanh", "log"))
#: The one operation table both engines read.
TABLE = json.loads(OPS_FILE.read_text(encoding="utf-8"))["ops"]
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]\d+)?")


def random_text(rng: random.Random, depth: int) -> str:
    """A random expression of the course's grammar; names repeat, so forks appear."""
    if depth == 0 or rng.random() < 0.2:
        if rng.random() < 0.8:
            return rng.choice(NAMES)
        return rng.choice(["2", "0.5", "3", "1.5", "-1", "10"])
    kind = rng.random()
    a = random_text(rng, depth - 1)
    if kind < 0.45:
        b = random_text(rng, depth - 1)
        op = rng.choice(["+", "-", "*", "/", " + ", " * "])
        text = f"{a}{op}{b}"
    elif kind < 0.8:
        text = f"{rng.choice(FUNCS)}({a})"
    elif kind < 0.9:
        text = f"({a})**{rng.choice(['2', '-1'])}"
    else:
        text = f"-{a}" if a[0] not in "-+" else f"-({a})"
    return f"({text})" if rng.random() < 0.4 else text


def random_cases(seed: int = 20241203, n: int = N_RANDOM) -> list[dict]:
    rng = random.Random(seed)
    cases = []
    while len(cases) < n:
        text = random_text(rng, rng.randint(1, 4))
        if re.fullmatch(r"\(*-?[\w.]+\)*", text):   # a bare name or number: no operation to show
            continue
        used = [name for name in NAMES if re.search(rf"\b{name}\b", text)]
        values = {name: round(rng.uniform(-3, 3), rng.choice([0, 1, 3, 6])) for name in used}
        # Every PHONE_EVERY-th case is also laid out for a phone (a search; the slow part).
        cases.append({"text": text, "inputs": values, "phone": len(cases) % PHONE_EVERY == 0})
    return cases


# Texts the grammar refuses (or whose numbers cannot be computed): the same message in both.
REFUSED = [
    ("x**3", {"x": 2.0}), ("2*3 + x", {"x": 1.0}), ("foo(x)", {"x": 1.0}), ("x // y", {"x": 1.0, "y": 2.0}),
    ("x / 0", {"x": 1.0}), ("1 / (x - x)", {"x": 1.0}), ("exp(exp(x))", {"x": 10.0}),
    ("log(x)", {"x": -2.0}), ("x + q", {"x": 1.0}), ("x", {"x": 1.0}), ("x * y", {"x": 1.0, "y": 2.0, "z": 3.0}),
    ("exp(x, y)", {"x": 1.0, "y": 2.0}), ("   ", {}), ("~x", {"x": 1.0}), ("x ** y", {"x": 1.0, "y": 2.0}),
    ("sin(x)", {"x": 1.0}), ("True * x", {"x": 1.0}), ("x % 2", {"x": 1.0}),
    ("+".join(["x"] * 45), {"x": 1.0}),
]
# Not Python at all: both refuse, the browser says what is wrong.
SYNTAX = [("(x + y", "'(' was never closed"), ("x + y)", "unmatched ')'"), ("x +", "ends too early"),
          ("x $ y", "cannot be used here"), ("exp(x", "'(' was never closed"), ("()", "empty")]


def python_side(text: str, inputs: dict, phone: bool = False) -> dict:
    try:
        g = expression_graph(text, **inputs)
    except GraphError as exc:
        return {"error": str(exc)}
    steps = g.steps()
    mid = len(steps) // 2
    out = {
        "nodes": [[n.id, n.op, list(n.inputs), n.label, n.const] for n in g.nodes.values()],
        "values": g.values, "grads": g.grads, "node_grads": g.node_grads,
        "local": {k: list(v) for k, v in g.local.items()},
        "steps": [[s.kind, s.node, list(s.edges), list(s.values), list(s.grads), list(s.local),
                   list(s.local_text), s.caption, s.total] for s in steps],
        "svg_mid": to_svg(g, mid), "svg_all": to_svg(g), "mid": mid,
    }
    if phone:   # the same graph as a phone draws it, laid out by each language on its own
        out["svg_phone"] = to_svg(phone_graph(g, PHONE_UNITS), mid)
    return out


JS_SIDE = """
const cases = arguments[0];
const run = (c) => {
  let g;
  try { g = BP.expressionGraph(c.text, c.inputs); }
  catch (e) { if (e instanceof BP.GraphError) return { error: e.message }; throw e; }
  const steps = g.steps();
  const mid = Math.floor(steps.length / 2);
  return {
    nodes: [...g.nodes.values()].map((n) => [n.id, n.op, n.inputs, n.label, n.const]),
    values: g.values, grads: g.grads, node_grads: g.nodeGrads, local: g.local,
    steps: steps.map((s) => [s.kind, s.node, s.edges, s.values, s.grads, s.local, s.localText, s.caption, s.total]),
    svg_mid: BP.toSvg(g, mid), svg_all: BP.toSvg(g, null), mid,
    ...(c.phone ? { svg_phone: BP.toSvg(BP.phoneGraph(g, BP.PHONE_UNITS), mid) } : {}),
  };
};
return JSON.stringify(cases.map(run));
"""


def same_text(a: str, b: str, rel: float = 2e-3, abs_: float = 0.11) -> bool:
    """Equal but for numbers written from values that may differ in their last bits.

    A number shown with 4 digits may differ in its last digit (``rel``); an SVG
    coordinate written with one decimal by 0.1 (``abs_``).
    """
    if a == b:
        return True
    pa, pb = NUMBER.split(a), NUMBER.split(b)
    na, nb = NUMBER.findall(a), NUMBER.findall(b)
    if pa != pb or len(na) != len(nb):
        return False
    return all(x == y or math.isclose(float(x), float(y), rel_tol=rel, abs_tol=abs_)
               for x, y in zip(na, nb))


def close(a, b) -> bool:
    """Structures equal, floats to 1e-9 relative."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and \
            math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(a, str) and isinstance(b, str):
        return same_text(a, b)
    return a == b


@pytest.fixture(scope="module")
def engine():
    """Headless Chromium on about:blank with the widget's engine loaded as ``window.BP``."""
    driver = _bw.make_driver()
    driver.get("about:blank")
    driver.execute_script(engine_source() + "\nwindow.BP = BP;")
    yield driver
    driver.quit()


def in_browser(driver, cases: list[dict]) -> list[dict]:
    return json.loads(driver.execute_script(JS_SIDE.replace("BP.", "window.BP."), cases))


@pytest.mark.browser
def test_random_expressions_mean_the_same_in_both_languages(engine):
    cases = random_cases()
    want = [python_side(c["text"], c["inputs"], c["phone"]) for c in cases]
    got = in_browser(engine, cases)
    built = sum("error" not in w for w in want)
    # The generator must mostly make graphs (a few hit log of a negative number or overflow).
    assert built >= 0.7 * len(cases), f"only {built} of {len(cases)} random expressions made a graph"
    forks = sum(1 for c in cases for name in NAMES if len(re.findall(rf"\b{name}\b", c["text"])) > 1)
    assert forks >= 50, f"only {forks} random expressions reuse a name (fork)"
    # Every operation of the table that the grammar can write shows up; only those it
    # cannot (dot, the matrix product of the Affine graph, and max, the two-input node of
    # chapter 3's backward-flow patterns) are left to the test below.
    used = {node[1] for w in want if "error" not in w for node in w["nodes"]} - {"input", "const"}
    assert set(TABLE) - used == {"dot", "max"}, f"operations no random expression reached: {set(TABLE) - used}"
    exact_svgs = drawn = 0
    for case, w, g in zip(cases, want, got):
        where = f"{case['text']!r} with {case['inputs']}"
        if "error" in w:
            assert g.get("error") == w["error"], f"{where}: Python refuses ({w['error']}), the browser: {g}"
            continue
        assert "error" not in g, f"{where}: Python builds a graph, the browser refuses: {g['error']}"
        for key in ("nodes", "values", "grads", "node_grads", "local", "mid"):
            assert close(w[key], g[key]), f"{where}: {key} differ\nPython:  {w[key]}\nbrowser: {g[key]}"
        assert len(w["steps"]) == len(g["steps"]), f"{where}: {len(w['steps'])} steps in Python, {len(g['steps'])}"
        for i, (ws, gs) in enumerate(zip(w["steps"], g["steps"])):
            assert close(ws, gs), f"{where}: step {i} differs\nPython:  {ws}\nbrowser: {gs}"
        keys = ("svg_mid", "svg_all", "svg_phone") if case["phone"] else ("svg_mid", "svg_all")
        assert set(keys) <= set(g), f"{where}: the browser drew only {sorted(k for k in g if k.startswith('svg'))}"
        for key in keys:
            assert same_text(w[key], g[key]), f"{where}: {key} differs\nPython:  {w[key]}\nbrowser: {g[key]}"
            exact_svgs += w[key] == g[key]
            drawn += 1
    print(f"\n{built} random graphs agree; {exact_svgs} of {drawn} SVGs are identical to the character")


@pytest.mark.browser
def test_refused_texts_get_the_same_message(engine):
    cases = [{"text": t, "inputs": v} for t, v in REFUSED]
    want = [python_side(t, v) for t, v in REFUSED]
    got = in_browser(engine, cases)
    for (text, _), w, g in zip(REFUSED, want, got):
        assert "error" in w, f"Python accepted {text!r}"
        assert g.get("error") == w["error"], f"{text!r}: Python says {w['error']!r}, the browser {g}"


@pytest.mark.browser
def test_text_that_is_not_python_is_refused_with_a_reason(engine):
    got = in_browser(engine, [{"text": t, "inputs": {"x": 1.0, "y": 2.0}} for t, _ in SYNTAX])
    for (text, words), g in zip(SYNTAX, got):
        with pytest.raises(GraphError):
            expression_graph(text, x=1.0, y=2.0)
        assert "error" in g and words in g["error"], f"{text!r}: the browser says {g}"


@pytest.mark.browser
def test_book_graphs_draw_the_same_frames(engine):
    """Every book graph, rebuilt from the spec the widget ships, draws Python's frames exactly."""
    for name in BUILDERS:
        graph = build(name)
        spec = graph_spec(graph)
        frames = engine.execute_script(
            "return window.BP.framesOf(window.BP.graphFromSpec(arguments[0]))", spec)
        assert frames == frames_of(graph), f"graph {name!r}: the browser draws other frames than Python"
        # On a phone: the nodes where Python placed them (the spec's phone), drawn by the browser.
        phone = engine.execute_script(
            "const B = window.BP; return B.framesOf(B.withHints(B.graphFromSpec(arguments[0]), arguments[0].phone),"
            " B.PHONE_MIN_TEXT_PX).map((f) => f.svg)", spec)
        twin = phone_graph(graph, PHONE_UNITS)
        assert phone == [to_svg(twin, k, min_text_px=PHONE_MIN_TEXT_PX) for k in range(len(twin.steps()) + 1)], \
            f"graph {name!r}: the browser's phone frames differ from Python's"


def awkward_numbers(seed: int = 7, n: int = 3000) -> list[float]:
    """Ties (0.25 -> '0.2'), signed zeros, long tails, huge and tiny magnitudes, and random ones."""
    rng = random.Random(seed)
    out = [0.25, 0.35, -0.05, -0.04, 2.5e-5, 1e16, 1e21, 1.5e22, 123456789.0, 0.00012345, 99995.0,
           9.9995, -0.0, 0.0, 1.0, 220.00000000000003, 0.1 + 0.2, 1e-5, 12345.5, 0.5, 1.25, 2.675, -1e-300]
    while len(out) < n:
        k = rng.random()
        if k < 0.3:
            out.append(rng.uniform(-1000, 1000))
        elif k < 0.5:
            out.append(round(rng.uniform(-100, 100), rng.randint(0, 3)))
        elif k < 0.7:
            out.append(rng.randint(-2000, 2000) / 8)      # exact binary ties at every rounding
        else:
            out.append(math.copysign(10 ** rng.uniform(-12, 25), rng.random() - 0.5))
    return out


@pytest.mark.browser
def test_numbers_are_written_as_python_writes_them(engine):
    """f"{x:.1f}", f"{x:.4g}", f"{x:g}", repr(x) and format_value, digit for digit."""
    from backprop.graph.nodes import format_value

    xs = awkward_numbers()
    got = engine.execute_script("""
        const B = window.BP;
        return arguments[0].map((x) => [B.pyFixed(x, 1), B.pyFixed(x, 0), B.pyG(x, 4), B.pyG(x, 6),
                                        B.pyRepr(x), B.formatValue(x)]);
    """, xs)
    for x, row in zip(xs, got):
        want = [f"{x:.1f}", f"{x:.0f}", f"{x:.4g}", f"{x:g}", repr(x), format_value(x)]
        assert row == want, f"{x!r}: the browser writes {row}, Python {want}"


def operation_cases(seed: int = 11) -> list[dict]:
    """Inputs for every operation of the table: its arity (2 to 4 for any number), random
    values, and the values at the edge of its domain (0 for 1/x, -1 and 0 for log)."""
    rng = random.Random(seed)
    cases = []
    for name, entry in TABLE.items():
        sizes = [entry["arity"]] if entry["arity"] is not None else [2, 3, 4]
        for n in sizes:
            for _ in range(8):
                xs = [round(rng.uniform(-3, 3), 3) for _ in range(n)]
                cases.append({"op": name, "xs": xs, "c": round(rng.uniform(-2, 2), 2)})
        if n == 1:
            cases += [{"op": name, "xs": [v], "c": 1.5} for v in (0.0, -1.0, 1e-3, 700.0)]
    return cases


def python_operation(case: dict) -> dict:
    rule, xs, c = OPS[case["op"]], case["xs"], case["c"]
    try:
        y = rule.forward(xs, c)
    except GraphError as exc:
        return {"error": str(exc)}
    except OverflowError:
        return {"overflow": True}
    return {"y": y, "local": rule.local(xs, y, c), "text": [rule.formula(k, len(xs), c) for k in range(len(xs))]}


JS_OPERATIONS = """
const ops = window.BP.ops();
return JSON.stringify({names: Object.keys(ops), results: arguments[0].map((c) => {
  const rule = ops[c.op];
  let y;
  try { y = rule.forward(c.xs, c.c); }
  catch (e) { if (e instanceof window.BP.GraphError) return { error: e.message }; throw e; }
  if (!Number.isFinite(y)) return { overflow: true };
  return { y, local: rule.local(c.xs, y, c.c), text: c.xs.map((_, k) => rule.formula(k, c.xs.length, c.c)) };
})});
"""


@pytest.mark.browser
def test_every_operation_of_the_table_means_the_same_in_both_languages(engine):
    cases = operation_cases()
    got = json.loads(engine.execute_script(JS_OPERATIONS, cases))
    assert got["names"] == list(TABLE), "the browser engine's operations are not the table's"
    assert {c["op"] for c in cases} == set(TABLE)
    refused = 0
    for case, g in zip(cases, got["results"]):
        w = python_operation(case)
        refused += "error" in w
        assert close(w, g), f"{case}: Python {w}, the browser {g}"
    assert refused >= 3, "the domain checks (1/x of 0, log of 0 and of -1) were never reached"
