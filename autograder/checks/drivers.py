"""How hidden checks call the student's code: one ``run`` per calling convention.

A ``run(objects, inputs, rec)`` calls the objects on copies of the inputs and
hands each result to ``rec(name, value)`` at once (so later calls cannot change
it). A ``numeric(objects, inputs)`` computes the second oracle, numerical
gradients of the *forward* pass, from whatever objects it is given (the judge
gives it reference ones, to confirm the reference; students are graded against
the reference). Nothing here knows an answer. The numerical helpers imported
below are switched off while a check that blocks them runs (``cases.BLOCKS``);
only ``numeric`` (called by the judge, outside the probe) and ``ToyNet`` (for
ps4_gradient_check, which blocks nothing) use them.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from backprop.nn.gradcheck import numerical_gradient, numerical_gradient_layer
from backprop.nn.layers import Affine, Relu, SoftmaxWithLoss


def _rng(seed):
    return np.random.default_rng(seed)


def away_from_zero(shape, seed, low=0.1, high=2.0):
    """Random values with |x| >= low: no kink of ReLU-like layers within a finite-difference step."""
    r = _rng(seed)
    return r.choice([-1.0, 1.0], size=shape) * r.uniform(low, high, size=shape)


def _copy(inputs, key):
    value = inputs[key]
    return value.copy() if isinstance(value, np.ndarray) else value


# --- Helpers that would answer a check for the student -----------------------------------
# While a check runs the student's objects, the probe switches off the helpers named
# by its ``blocks``: each listed function object's code is swapped for one that raises
# ``message`` (so a name the student imported earlier is switched off too) and put
# back afterwards. Visible tests, outside ``check``, use the helpers as usual.

NUMERICAL = "numerical gradients"
GRAPH_MODEL = "graph model"

#: group -> (message, ((module, "function" or "Class.method"), ...))
SWITCHED_OFF = {
    NUMERICAL: ("numerical gradients are switched off while your backward is graded: "
                "compute it with the chain rule",
                (("backprop.nn.gradcheck", "numerical_gradient"), ("backprop.nn.gradcheck", "numerical_gradient_layer"))),
    GRAPH_MODEL: ("the course's graph model is switched off while this check is graded: "
                  "build it from your own layers and the chain rule",
                  (("backprop.graph", "Graph.forward"), ("backprop.graph", "Graph.backward"),
                   ("backprop.graph", "Graph.evaluate"), ("backprop.graph", "Graph.steps"),
                   ("backprop.graph.steps", "build_steps"), ("backprop.graph.replay", "state_after"),
                   ("backprop.graph.expression", "expression_graph"))),
}
#: Checks of work done by hand (ps1): neither the graph model nor finite differences may answer.
BY_HAND = (GRAPH_MODEL, NUMERICAL)
#: Checks of a backward pass or a gradient: finite differences must not stand in for it, and
#: the graph model's scalar ops (exp, reciprocal, sigmoid...) carry local derivatives too.
GRADIENT = (NUMERICAL, GRAPH_MODEL)


# --- Calling conventions ------------------------------------------------------------------

def unary_layer(make=lambda cls: cls()):
    """forward(x) then backward(dout): records out, dx and dout after backward."""
    def run(objs, inputs, rec):
        layer = make(objs[0])
        rec("out", layer.forward(_copy(inputs, "x")))
        dout = _copy(inputs, "dout")
        rec("dx", layer.backward(dout))
        rec("dout_after", dout)

    def numeric(objs, inputs):
        return {"dx": numerical_gradient_layer(lambda a: make(objs[0]).forward(a),
                                               inputs["x"].copy(), inputs["dout"])}
    return run, numeric


def binary_layer(objs, inputs, rec):
    """MulLayer/AddLayer: forward(x, y), backward(dout) -> (dx, dy)."""
    layer = objs[0]()
    rec("out", layer.forward(_copy(inputs, "x"), _copy(inputs, "y")))
    dout = _copy(inputs, "dout")
    dx, dy = layer.backward(dout)
    rec("dx", dx)
    rec("dy", dy)
    rec("dout_after", dout)


def binary_numeric(objs, inputs):
    x, y, dout = (np.asarray(inputs[k], dtype=float) for k in ("x", "y", "dout"))
    return {"dx": numerical_gradient_layer(lambda a: objs[0]().forward(a, y), x.copy(), dout),
            "dy": numerical_gradient_layer(lambda a: objs[0]().forward(x, a), y.copy(), dout)}


def affine_run(objs, inputs, rec):
    layer = objs[0](_copy(inputs, "W"), _copy(inputs, "b"))
    rec("out", layer.forward(_copy(inputs, "x")))
    dout = _copy(inputs, "dout")
    rec("dx", layer.backward(dout))
    rec("dW", layer.dW)
    rec("db", layer.db)
    rec("dout_after", dout)


def affine_numeric(objs, inputs):
    cls, x, W, b, dout = objs[0], inputs["x"], inputs["W"], inputs["b"], inputs["dout"]
    return {"dx": numerical_gradient_layer(lambda a: cls(W, b).forward(a), x.copy(), dout),
            "dW": numerical_gradient_layer(lambda a: cls(a, b).forward(x), W.copy(), dout),
            "db": numerical_gradient_layer(lambda a: cls(W, a).forward(x), b.copy(), dout)}


def loss_layer(objs, inputs, rec):
    """forward(x, t), then backward() or backward(dout); records dx only (the loss has its own check)."""
    layer = objs[0]()
    layer.forward(_copy(inputs, "x"), _copy(inputs, "t"))
    rec("dx", layer.backward() if "dout" not in inputs else layer.backward(inputs["dout"]))


def loss_numeric(objs, inputs):
    scale = inputs.get("dout", 1.0)
    grad = numerical_gradient(lambda a: objs[0]().forward(a, inputs["t"]), inputs["x"].copy())
    return {"dx": scale * grad}


def function_of(*arg_names, output="y"):
    """A plain function called with the named inputs; records its value."""
    def run(objs, inputs, rec):
        rec(output, objs[0](*(_copy(inputs, k) for k in arg_names)))
    return run


def returns_tuple(arg_names, output_names):
    """A function returning a tuple (value, grad, grad, ...) in the order of output_names."""
    def run(objs, inputs, rec):
        result = objs[0](*(inputs[k] for k in arg_names))
        if len(result) != len(output_names):
            raise ValueError(f"expected {len(output_names)} values {output_names}, got {len(result)}")
        for name, value in zip(output_names, result):
            rec(name, value)

    def numeric(objs, inputs):
        out = {}
        for i, k in enumerate(arg_names):
            def f(a, i=i):
                args = [float(inputs[j]) for j in arg_names]
                args[i] = float(a[0])
                return objs[0](*args)[0]
            out[output_names[i + 1]] = numerical_gradient(f, np.array([float(inputs[k])]))[0]
        return out
    return run, numeric


def value_graph(build, names):
    """A Value-style engine: ``build(*leaves)`` returns the output; records it and each leaf's grad.

    The leaves are made with the checked class, so every operation runs its code;
    ``out.backward()`` is the piece under test.
    """
    def run(objs, inputs, rec):
        leaves = [objs[0](inputs[k]) for k in names]
        out = build(*leaves)
        out.backward()
        rec("out", out.data)
        for k, leaf in zip(names, leaves):
            rec("d" + k, leaf.grad)

    def numeric(objs, inputs):
        point = np.array([float(inputs[k]) for k in names])
        out = {}
        for i, k in enumerate(names):
            def f(a, i=i):
                args = point.copy()
                args[i] = a[0]
                return build(*[objs[0](v) for v in args]).data
            out["d" + k] = numerical_gradient(f, np.array([point[i]]))[0]
        return out
    return run, numeric


SHOPPING_KEYS = ("pear", "pear_num", "lemon", "lemon_num", "bag", "tax")


def shopping_run(objs, inputs, rec):
    price, grads = objs[0](**inputs)
    rec("price", price)
    for key in SHOPPING_KEYS:
        rec("d" + key, grads[key])


def shopping_numeric(objs, inputs):
    out = {}
    for key in SHOPPING_KEYS:
        def f(a, key=key):
            return objs[0](**{**inputs, key: float(a[0])})[0]
        out["d" + key] = numerical_gradient(f, np.array([float(inputs[key])]))[0]
    return out


# --- Networks and training --------------------------------------------------------------

def load_params(net, params):
    """Write seeded values into the net's own arrays (in place, so layers sharing them see it)."""
    for key, value in params.items():
        net.params[key][...] = value


def layered_net(cls, sizes):
    """An instance of ``cls`` holding the documented params and layers, built without ``cls.__init__``.

    sizes: (D, H1, ..., C). params W1, b1, ... (zeros until ``load_params``);
    layers Affine1, Relu1, ..., AffineL from the student package; lastLayer a
    SoftmaxWithLoss. So ``gradient`` is graded apart from ``__init__``.
    """
    net = cls.__new__(cls)
    n_affine = len(sizes) - 1
    net.params, net.layers = {}, OrderedDict()
    for i in range(1, n_affine + 1):
        net.params[f"W{i}"] = np.zeros((sizes[i - 1], sizes[i]))
        net.params[f"b{i}"] = np.zeros(sizes[i])
        net.layers[f"Affine{i}"] = Affine(net.params[f"W{i}"], net.params[f"b{i}"])
        if i < n_affine:
            net.layers[f"Relu{i}"] = Relu()
    net.lastLayer = SoftmaxWithLoss()
    return net


def net_gradient(make):
    """net.gradient(x, t) after loading seeded params; records d<key> for every key."""
    def run(objs, inputs, rec):
        net = make(objs[0])
        load_params(net, inputs["params"])
        grads = net.gradient(_copy(inputs, "x"), _copy(inputs, "t"))
        for key in inputs["params"]:
            rec("d" + key, grads[key])

    def numeric(objs, inputs):
        net = make(objs[0])
        load_params(net, inputs["params"])
        grads = net.numerical_gradient(inputs["x"], inputs["t"])
        return {"d" + key: grads[key] for key in inputs["params"]}
    return run, numeric


def net_structure(objs, inputs, rec):
    """MultiLayerNet(...) as built: parameter count and shapes, layer count, biases."""
    net = objs[0](inputs["input_size"], list(inputs["hidden"]), inputs["output_size"],
                  weight_init_std=0.01, seed=0)
    sizes = [inputs["input_size"], *inputs["hidden"], inputs["output_size"]]
    rec("n_params", len(net.params))
    rec("n_layers", len(net.layers))
    for i in range(1, len(sizes)):
        rec(f"shape_W{i}", np.shape(net.params[f"W{i}"]))
        rec(f"b{i}", net.params[f"b{i}"])


class ToyNet:
    """A two-parameter model for testing a gradient checker; not a graded network.

    loss = sum(sin(x @ W + b) * t); ``wrong`` names a parameter whose
    ``gradient`` is deliberately off by a factor of 3.
    """

    def __init__(self, seed, wrong=None):
        r = _rng(seed)
        self.params = {"W": r.standard_normal((3, 2)), "b": r.standard_normal(2)}
        self.wrong = wrong

    def loss(self, x, t):
        return float(np.sum(np.sin(x @ self.params["W"] + self.params["b"]) * t))

    def gradient(self, x, t):
        g = np.cos(x @ self.params["W"] + self.params["b"]) * t
        grads = {"W": x.T @ g, "b": g.sum(axis=0)}
        if self.wrong:
            grads[self.wrong] = 3 * grads[self.wrong]
        return grads

    def numerical_gradient(self, x, t):
        return {key: numerical_gradient(lambda _: self.loss(x, t), self.params[key]) for key in self.params}


def gradient_check_run(objs, inputs, rec):
    net = ToyNet(inputs["seed"], inputs["wrong"])
    errors = objs[0](net, _copy(inputs, "x"), _copy(inputs, "t"))
    for key in ("W", "b"):
        rec("error_" + key, errors[key])


def sgd_run(objs, inputs, rec):
    params = {k: v.copy() for k, v in inputs["params"].items()}
    grads = {k: v.copy() for k, v in inputs["grads"].items()}
    objs[0](params, grads, inputs["lr"])
    for key in inputs["params"]:
        rec(key, params[key])
        rec("grads_after_" + key, grads[key])


def train_run(objs, inputs, rec):
    """Full-batch gradient descent from seeded initial params, with the student's sgd_step."""
    net_cls, sgd_step = objs
    net = net_cls(2, list(inputs["hidden"]), 3, weight_init_std=0.5, seed=0)
    load_params(net, inputs["params"])
    x, t = inputs["x"], inputs["t"]
    for _ in range(inputs["steps"]):
        sgd_step(net.params, net.gradient(x.copy(), t.copy()), inputs["lr"])
    for key in inputs["params"]:
        rec(key, net.params[key])
