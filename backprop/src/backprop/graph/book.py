"""Builders for the book's computational graphs.

Each builder returns an evaluated ``Graph`` (forward and backward already run,
so ``graph.values``, ``graph.grads`` and ``graph.steps()`` are ready). Node ids
are fixed names, so figures and tests can refer to them, and every node carries
a layout hint ``pos = (column, row)`` that puts the inputs on the left and the
output on the right, as in the book's figures. Rows grow downwards.

    apple_graph              100 x 2 x 1.1 = 220               (book fig. 5-16)
    apple_orange_graph       (100 x 2 + 150 x 3) x 1.1 = 715   (book fig. 5-17)
    square_sum_graph         z = (x + y)**2 as t = x + y, z = t**2
    fork_graph               f = x*y + x: x feeds two nodes, df/dx = y + 1
    fork_product_graph       f = (x + y)*x: x feeds two nodes, df/dx = (x + y) + x
    sum_product_graph        e = (a + b)(b + 1), Olah's example: forward and reverse mode
    factoring_graph          x -> three edges -> y -> three edges -> z: 9 paths, factored
    patterns_graph           f = 2(x*y + max(z, w)), CS231n's circuit: add, max, multiply
    sigmoid_graph            x -> x(-1) -> exp -> +1 -> 1/x    (the sigmoid, in primitives)
    softmax_with_loss_graph  3-class softmax + cross-entropy (the appendix graph)
    weight_decay_graph       J = L + (lam/2)(w1² + w2²): each weight forks to the loss and the penalty
    affine_graph             Y = X·W + B as a dot node and an add node (drawn with shapes)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from .. import messages
from ..validate import as_float_array
from .model import Graph


def _finish(g: Graph, output: str) -> Graph:
    g.set_output(output)
    g.forward()
    g.backward()
    return g


def apple_graph(apple: float = 100, apple_num: float = 2, tax: float = 1.1) -> Graph:
    """Price of ``apple_num`` apples at ``apple`` each, with consumption tax ``tax``.

    Inputs: apple, apple_num, tax. Output: price (220 for the defaults).
    """
    g = Graph("apple", messages.text("graph.apple.title"))
    a = g.input("apple", apple, pos=(0, 0))
    n = g.input("apple_num", apple_num, pos=(0, 1))
    price = g.mul(a, n, id="apple_price", label="apple_price", pos=(1, 0))
    t = g.input("tax", tax, pos=(1, 1))
    g.mul(price, t, id="price", label="price", pos=(2, 0))
    return _finish(g, "price")


def apple_orange_graph(apple: float = 100, apple_num: float = 2, orange: float = 150,
                       orange_num: float = 3, tax: float = 1.1) -> Graph:
    """Apples and oranges with tax: ``(apple*apple_num + orange*orange_num) * tax``.

    Inputs: apple, apple_num, orange, orange_num, tax. Output: price (715).
    """
    g = Graph("apple_orange", messages.text("graph.apple_orange.title"))
    a = g.input("apple", apple, pos=(0, 0))
    an = g.input("apple_num", apple_num, pos=(0, 1))
    # The book draws the orange pair upside down (count above price) so that
    # both count edges run towards the middle: keep that.
    on = g.input("orange_num", orange_num, pos=(0, 2))
    o = g.input("orange", orange, pos=(0, 3))
    ap = g.mul(a, an, id="apple_price", label="apple_price", pos=(1, 0))
    op = g.mul(o, on, id="orange_price", label="orange_price", pos=(1, 3))
    total = g.add(ap, op, id="all_price", label="all_price", pos=(2, 1.5))
    t = g.input("tax", tax, pos=(2.45, 2.7))
    g.mul(total, t, id="price", label="price", pos=(3, 1.5))
    return _finish(g, "price")


def square_sum_graph(x: float = 1.0, y: float = 2.0) -> Graph:
    """``z = (x + y)**2`` as two nodes, ``t = x + y`` and ``z = t**2`` (the chain rule example).

    Inputs: x, y. Output: z; dz/dx = dz/dy = 2(x + y).
    """
    g = Graph("square_sum", messages.text("graph.square_sum.title"))
    xi = g.input("x", x, pos=(0, 0))
    yi = g.input("y", y, pos=(0, 1.5))
    t = g.add(xi, yi, id="t", label="t", pos=(1.1, 0.75))
    g.square(t, id="z", label="z", pos=(2.1, 0.75))
    return _finish(g, "z")


def _fork(name: str, title: str, inner: str, outer: str, inner_id: str, inner_label: str,
          x: float, y: float) -> Graph:
    """x and y enter the ``inner`` operation; its output and x again enter ``outer``, giving f."""
    g = Graph(name, title)
    xi = g.input("x", x, pos=(0, 0))
    yi = g.input("y", y, pos=(0, 1.4))
    mid = g.op(inner, xi, yi, id=inner_id, label=inner_label, pos=(1.2, 0.9))
    g.op(outer, mid, xi, id="f", label="f", pos=(2.4, 0.2))
    return _finish(g, "f")


def fork_graph(x: float = 3.0, y: float = 5.0) -> Graph:
    """``f = x*y + x``: x fans out to the multiply node and the add node (gradients add at forks).

    Inputs: x, y. Output: f; df/dx = y + 1 (one path through each consumer), df/dy = x.
    """
    return _fork("fork", messages.text("graph.fork.title"), "mul", "add", "xy", "x·y", x, y)


def fork_product_graph(x: float = 2.0, y: float = 3.0) -> Graph:
    """``f = (x + y)*x``: x feeds the add node and, directly, the multiply node.

    Inputs: x, y. Output: f; df/dx = (x + y) + x (one path through each consumer), df/dy = x.
    """
    return _fork("fork_product", messages.text("graph.fork_product.title"), "add", "mul", "s", "x+y",
                 x, y)


def sum_product_graph(a: float = 2.0, b: float = 1.0) -> Graph:
    """``e = (a + b)(b + 1)``, the example of Olah's "Calculus on Computational Graphs".

    c = a + b, d = b + 1, e = c * d: b feeds both factors. Inputs: a, b. Output: e;
    de/da = d = b + 1, de/db = d + c = (b + 1) + (a + b).
    """
    g = Graph("sum_product", messages.text("graph.sum_product.title"))
    ai = g.input("a", a, pos=(0, 0))
    bi = g.input("b", b, pos=(0, 1.2))
    one = g.const(1.0, id="one", pos=(0, 2.4))
    c = g.add(ai, bi, id="c", label="c", pos=(1.2, 0.6))
    d = g.add(bi, one, id="d", label="d", pos=(1.2, 1.8))
    g.mul(c, d, id="e", label="e", pos=(2.4, 1.2))
    return _finish(g, "e")


def factoring_graph(first=(1.0, 2.0, 3.0), second=(4.0, 5.0, 6.0), x: float = 1.0) -> Graph:
    """Three edges from x to y, three from y to z: 3 x 3 paths from x to z.

    ``y = first[0]*x + first[1]*x + first[2]*x`` and ``z = second[0]*y + ...``, each
    product a ``scale`` node. dz/dx, summed over the nine paths, factors into
    ``sum(first) * sum(second)``. Input: x. Output: z.
    """
    first = as_float_array("first", first, shape=(3,), finite=True)
    second = as_float_array("second", second, shape=(3,), finite=True)
    g = Graph("factoring", messages.text("graph.factoring.title"))
    xi = g.input("x", x, pos=(0, 1))
    ys = [g.scale(xi, float(c), id=f"p{k + 1}", pos=(1, k)) for k, c in enumerate(first)]
    y = g.add(*ys, id="y", label="y", pos=(2, 1))
    zs = [g.scale(y, float(c), id=f"q{k + 1}", pos=(3, k)) for k, c in enumerate(second)]
    g.add(*zs, id="z", label="z", pos=(4, 1))
    return _finish(g, "z")


def patterns_graph(x: float = 3.0, y: float = -4.0, z: float = 2.0, w: float = -1.0) -> Graph:
    """``f = 2(x*y + max(z, w))``, the circuit of CS231n's "patterns in backward flow".

    The add node distributes its gradient, the max node routes it to the larger input,
    the multiply node swaps its inputs. Inputs: x, y, z, w. Output: f.
    """
    g = Graph("patterns", messages.text("graph.patterns.title"))
    xi = g.input("x", x, pos=(0, 0))
    yi = g.input("y", y, pos=(0, 1))
    zi = g.input("z", z, pos=(0, 2.2))
    wi = g.input("w", w, pos=(0, 3.2))
    xy = g.mul(xi, yi, id="xy", label="x·y", pos=(1.2, 0.5))
    m = g.op("max", zi, wi, id="m", label="max", pos=(1.2, 2.7))
    s = g.add(xy, m, id="s", label="s", pos=(2.4, 1.6))
    g.scale(s, 2.0, id="f", label="f", pos=(3.6, 1.6))
    return _finish(g, "f")


def affine_graph(x: float = 1.0, w: float = 2.0, b: float = 0.5) -> Graph:
    """The Affine layer as the notes draw it: ``X dot W``, then ``+ B``.

    Inputs: X, W, B (single numbers stand in for the arrays; the book labels the
    edges with the arrays' shapes). Output: Y. Not a widget graph (not in BUILDERS).
    """
    g = Graph("affine", messages.text("graph.affine.title"))
    xi = g.input("X", x, pos=(0, 0))
    wi = g.input("W", w, pos=(0, 1.3))
    xw = g.dot(xi, wi, id="XW", label="X·W", pos=(1.4, 0.65))
    bi = g.input("B", b, pos=(1.6, 1.8))
    g.add(xw, bi, id="Y", label="Y", pos=(2.8, 0.65))
    return _finish(g, "Y")


def sigmoid_graph(x: float = 1.0) -> Graph:
    """The sigmoid ``y = 1 / (1 + exp(-x))`` built from primitive nodes.

    x -> ×(-1) -> exp -> +1 -> 1/x. The constants -1 and 1 enter from above,
    as in the book; columns are 1.3 apart because the numbers here are long. Input: x. Output: y; dy/dx = y(1 - y).
    """
    g = Graph("sigmoid", messages.text("graph.sigmoid.title"))
    xi = g.input("x", x, pos=(0, 0))
    minus_one = g.const(-1.0, id="minus_one", pos=(0.8, -0.85))
    neg = g.mul(xi, minus_one, id="neg", label="-x", pos=(1.3, 0))
    e = g.exp(neg, id="exp", label="exp(-x)", pos=(2.6, 0))
    one = g.const(1.0, id="one", pos=(3.4, -0.85))
    plus = g.add(e, one, id="plus", label="1 + exp(-x)", pos=(3.9, 0))
    g.reciprocal(plus, id="y", label="y", pos=(5.2, 0))
    return _finish(g, "y")


def sigmoid_node_graph(x: float = 1.0) -> Graph:
    """The same sigmoid collapsed into one node whose backward rule is y(1 - y).

    x -> sigmoid -> y. Input: x. Output: y; its gradient equals ``sigmoid_graph``'s.
    """
    g = Graph("sigmoid_node", messages.text("graph.sigmoid_node.title"))
    xi = g.input("x", x, pos=(0, 0))
    g.sigmoid(xi, id="y", label="y", pos=(1.5, 0))
    return _finish(g, "y")


def softmax_with_loss_graph(a=(0.3, 2.9, 4.0), t=(0.0, 1.0, 0.0)) -> Graph:
    """Softmax followed by the cross-entropy error, for 3 classes (the appendix graph).

    a: scores (a1, a2, a3), shape (3,). t: target (t1, t2, t3), shape (3,),
    one-hot for the textbook result (any finite values are accepted).
    Nodes: exp_k = exp(a_k); S = exp_1 + exp_2 + exp_3; inv_S = 1/S, which fans
    out to the three products y_k = exp_k * inv_S (exp_k fans out too: to S and
    to y_k); log_k = log(y_k); tlog_k = t_k * log_k; sum; L = -sum.
    Inputs: a1..a3, t1..t3. Output: L. With a one-hot t, dL/da_k = y_k - t_k.
    The default scores are the book's softmax example. Like the appendix, the
    graph does not subtract max(a) first, so scores above about 709 overflow
    exp and raise a GraphError.
    """
    a = as_float_array("a", a, shape=(3,), finite=True)
    t = as_float_array("t", t, shape=(3,), finite=True)
    g = Graph("softmax_with_loss", messages.text("graph.softmax_with_loss.title"))
    # Class k runs along row 1.9k. S and 1/S sit on a row below the three lanes,
    # and the products y_k well to the right of 1/S, so that its three fan-out
    # edges (and their labels) spread apart instead of running along a lane.
    # S lies two columns right of the exps, close below the lanes, and 1/S two
    # columns left of the products: three edges that meet at a narrower angle
    # leave the middle one's value no room, and it lies on the outer edge.
    rows = [1.9 * k for k in range(3)]
    sub = "₁₂₃"
    exps = []
    for k in range(3):
        ak = g.input(f"a{sub[k]}", float(a[k]), id=f"a{k + 1}", pos=(0, rows[k]))
        exps.append(g.exp(ak, id=f"exp{k + 1}", label=f"exp(a{sub[k]})", pos=(1, rows[k])))
    s = g.add(*exps, id="S", label="S", pos=(3.0, 4.5))
    inv = g.reciprocal(s, id="inv_S", label="1/S", pos=(4.0, 4.5))
    terms = []
    for k in range(3):
        yk = g.mul(exps[k], inv, id=f"y{k + 1}", label=f"y{sub[k]}", pos=(6.0, rows[k]))
        lk = g.log(yk, id=f"log{k + 1}", label=f"log y{sub[k]}", pos=(7.0, rows[k]))
        tk = g.input(f"t{sub[k]}", float(t[k]), id=f"t{k + 1}", pos=(7.45, rows[k] + 0.9))
        terms.append(g.mul(tk, lk, id=f"tlog{k + 1}", label=f"t{sub[k]} log y{sub[k]}",
                           pos=(8.0, rows[k])))
    total = g.add(*terms, id="sum", label="Σ t log y", pos=(9.0, rows[1]))
    g.scale(total, -1.0, id="L", label="L", pos=(10.0, rows[1]))
    return _finish(g, "L")


def weight_decay_graph(x: float = 1.5, w1: float = 0.8, w2: float = -0.5, lam: float = 0.1) -> Graph:
    """A network of one unit per layer with weight decay, as d2l draws it with matrices.

    z = x·w1 (a scale node: x is the data), h = relu(z), o = h·w2, and the
    cross-entropy of the label 1, L = -log sigmoid(o); the penalty
    s = (lam/2)(w1² + w2²); the objective J = L + s. Each weight forks: to its
    layer on the way to L and to the penalty, so dJ/dw = dL/dw + lam·w.
    Inputs: w1, w2. Output: J. Not a widget graph (not in BUILDERS).
    """
    g = Graph("weight_decay", messages.text("graph.weight_decay.title"))
    # The network runs along row 0 and turns down after the sigmoid, so that the figure fits
    # a page's column; the penalty runs below it, left to right, to J under L. Each weight
    # sends one edge right (its layer) and one down (its square); the squares sit on
    # different rows so that w1²'s edge to the sum passes below w2², not through it.
    a = g.input("w₁", w1, id="w1", pos=(0, 0))
    z = g.scale(a, x, id="z", label="z", pos=(1, 0))
    h = g.op("relu", z, id="h", label="h", pos=(2, 0))
    b = g.input("w₂", w2, id="w2", pos=(2, 1.3))
    o = g.mul(h, b, id="o", label="o", pos=(3, 0))
    y = g.sigmoid(o, id="y", label="y", pos=(4, 0))
    log_y = g.log(y, id="log_y", label="log y", pos=(4, 1))
    loss = g.scale(log_y, -1.0, id="L", label="L", pos=(4, 2))
    square1 = g.square(a, id="sq1", label="w₁²", pos=(1, 2.6))
    square2 = g.square(b, id="sq2", label="w₂²", pos=(2.2, 2.4))
    both = g.add(square1, square2, id="sum_sq", label="w₁² + w₂²", pos=(2.2, 3.4))
    penalty = g.scale(both, lam / 2, id="s", label="s", pos=(3.2, 3.4))
    g.add(loss, penalty, id="J", label="J", pos=(4, 3.4))
    return _finish(g, "J")


def transposed(graph: Graph, across: float = 1.0, down: float = 1.0) -> Graph:
    """The same graph drawn top to bottom, for narrow screens.

    Each node's ``pos = (column, row)`` becomes ``(row * across, column * down)``:
    the passes run downwards and the rows become columns.
    """
    return relaid(graph, lambda c, r: (r * across, c * down))


def scaled(graph: Graph, across: float = 1.0, down: float = 1.0) -> Graph:
    """The same graph with its columns ``across`` and its rows ``down`` times as far apart."""
    return relaid(graph, lambda c, r: (c * across, r * down))


def relaid(graph: Graph, where) -> Graph:
    """A copy of ``graph`` (passes run) whose node at pos (c, r) moves to ``where(c, r)``."""
    nodes = {nid: replace(n, pos=where(*n.pos)) for nid, n in graph.nodes.items()}
    twin = Graph(graph.name, graph.title, nodes, graph.output)
    twin.forward()
    twin.backward()
    return twin


#: name -> builder; every builder works with no arguments.
BUILDERS: dict[str, Callable[..., Graph]] = {
    "apple": apple_graph,
    "apple_orange": apple_orange_graph,
    "square_sum": square_sum_graph,
    "fork": fork_graph,
    "fork_product": fork_product_graph,
    "sigmoid": sigmoid_graph,
    "sigmoid_node": sigmoid_node_graph,
    "softmax_with_loss": softmax_with_loss_graph,
    "sum_product": sum_product_graph,
    "factoring": factoring_graph,
}


def build(name: str, **inputs: float) -> Graph:
    """The graph ``BUILDERS[name]`` built with ``inputs`` (keyword arguments of the builder)."""
    if not isinstance(name, str) or name not in BUILDERS:
        raise ValueError(f"name must be one of {', '.join(sorted(BUILDERS))}, got {name!r}")
    return BUILDERS[name](**inputs)
