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

import contextlib
from collections import OrderedDict

import numpy as np

from backprop.nn.gradcheck import numerical_gradient, numerical_gradient_layer
from backprop.nn.layers import Affine, Relu, SoftmaxWithLoss

from .watch import Watch

#: Output name of the count of forward evaluations away from the cached input (``watch``).
AWAY = "evaluations_away"


class StageError(Exception):
    """An exception of the student's code, with the method it came from ("forward", "backward")."""

    def __init__(self, stage: str, original: Exception):
        super().__init__(stage, original)
        self.stage, self.original = stage, original


@contextlib.contextmanager
def stage(name: str):
    """Errors inside the block name ``name`` as where they happened (interrupts pass unchanged)."""
    try:
        yield
    except StageError:
        raise
    except Exception as exc:
        raise StageError(name, exc) from exc


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

def _watch(layer) -> Watch:
    """A watch on ``layer``'s class and on the classes of the nodes it holds (SigmoidFromNodes' nodes)."""
    try:
        parts = [type(value) for value in vars(layer).values() if callable(getattr(type(value), "forward", None))]
    except TypeError:  # no __dict__
        parts = []
    return Watch([type(layer), *parts])


def _watched_pass(layer, forward, backward, rec, with_out=False):
    """Run ``forward()`` then ``backward()`` on ``layer`` under a watch; returns what backward returned.

    Records "out" (if ``with_out``) and how often backward evaluated forward away from its input
    (``AWAY``); an error names the method it came from.
    """
    with _watch(layer).installed() as watch:
        with stage("forward"):
            out = forward()
        if with_out:
            rec("out", out)
        with watch.backward_phase(), stage("backward"):
            result = backward()
    rec(AWAY, watch.away)
    return result


def unary_layer(make=lambda cls: cls(), with_out=True):
    """forward(x) then backward(dout): records out (if ``with_out``), dx, dout after backward, and
    how often backward evaluated forward away from x (``watch``)."""
    def run(objs, inputs, rec):
        layer = make(objs[0])
        dout = _copy(inputs, "dout")
        rec("dx", _watched_pass(layer, lambda: layer.forward(_copy(inputs, "x")), lambda: layer.backward(dout),
                                rec, with_out))
        rec("dout_after", dout)

    def numeric(objs, inputs):
        return {"dx": numerical_gradient_layer(lambda a: make(objs[0]).forward(a),
                                               inputs["x"].copy(), inputs["dout"])}
    return run, numeric


def binary_layer(objs, inputs, rec):
    """MulLayer/AddLayer: forward(x, y), backward(dout) -> (dx, dy)."""
    layer = objs[0]()
    dout = _copy(inputs, "dout")
    dx, dy = _watched_pass(layer, lambda: layer.forward(_copy(inputs, "x"), _copy(inputs, "y")),
                           lambda: layer.backward(dout), rec, with_out=True)
    rec("dx", dx)
    rec("dy", dy)
    rec("dout_after", dout)


def binary_numeric(objs, inputs):
    x, y, dout = (np.asarray(inputs[k], dtype=float) for k in ("x", "y", "dout"))
    return {"dx": numerical_gradient_layer(lambda a: objs[0]().forward(a, y), x.copy(), dout),
            "dy": numerical_gradient_layer(lambda a: objs[0]().forward(x, a), y.copy(), dout)}


def affine_run(objs, inputs, rec, with_out=True):
    layer = objs[0](_copy(inputs, "W"), _copy(inputs, "b"))
    dout = _copy(inputs, "dout")
    rec("dx", _watched_pass(layer, lambda: layer.forward(_copy(inputs, "x")), lambda: layer.backward(dout),
                            rec, with_out))
    rec("dW", layer.dW)
    rec("db", layer.db)
    rec("dout_after", dout)


def affine_forward(objs, inputs, rec):
    rec("out", objs[0](_copy(inputs, "W"), _copy(inputs, "b")).forward(_copy(inputs, "x")))


def affine_backward(objs, inputs, rec):
    """Affine-like layer, backward only: out is graded by its own check."""
    affine_run(objs, inputs, rec, with_out=False)


def affine_numeric(objs, inputs):
    cls, x, W, b, dout = objs[0], inputs["x"], inputs["W"], inputs["b"], inputs["dout"]
    return {"dx": numerical_gradient_layer(lambda a: cls(W, b).forward(a), x.copy(), dout),
            "dW": numerical_gradient_layer(lambda a: cls(a, b).forward(x), W.copy(), dout),
            "db": numerical_gradient_layer(lambda a: cls(W, a).forward(x), b.copy(), dout)}


def loss_layer(objs, inputs, rec):
    """forward(x, t), then backward() or backward(dout); records dx only (the loss has its own check)."""
    layer = objs[0]()
    rec("dx", _watched_pass(layer, lambda: layer.forward(_copy(inputs, "x"), _copy(inputs, "t")),
                            lambda: layer.backward() if "dout" not in inputs else layer.backward(inputs["dout"]), rec))


def loss_numeric(objs, inputs):
    scale = inputs.get("dout", 1.0)
    grad = numerical_gradient(lambda a: objs[0]().forward(a, inputs["t"]), inputs["x"].copy())
    return {"dx": scale * grad}


def function_of(*arg_names, output="y"):
    """A plain function called with the named inputs; records its value."""
    def run(objs, inputs, rec):
        rec(output, objs[0](*(_copy(inputs, k) for k in arg_names)))
    return run


def returns_tuple(arg_names, output_names, recorded=None):
    """A function returning a tuple (value, grad, grad, ...) in the order of output_names.

    ``recorded``: the outputs this check grades (default all), so that the value
    and the gradients of one function can be graded apart.
    """
    keep = tuple(output_names if recorded is None else recorded)

    def run(objs, inputs, rec):
        result = objs[0](*(inputs[k] for k in arg_names))
        if len(result) != len(output_names):
            raise ValueError(f"expected {len(output_names)} values {output_names}, got {len(result)}")
        for name, value in zip(output_names, result):
            if name in keep:
                rec(name, value)

    def numeric(objs, inputs):
        out = {}
        for i, k in enumerate(arg_names):
            if output_names[i + 1] not in keep:
                continue

            def f(a, i=i):
                args = [float(inputs[j]) for j in arg_names]
                args[i] = float(a[0])
                return objs[0](*args)[0]
            out[output_names[i + 1]] = numerical_gradient(f, np.array([float(inputs[k])]))[0]
        return out
    return run, (numeric if set(keep) - {output_names[0]} else None)


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


def _parts(net) -> list:
    """The classes of the net's layers and last layer: what its forward pass calls."""
    layers = list(getattr(net, "layers", {}).values()) + [getattr(net, "lastLayer", None)]
    return [type(layer) for layer in layers if callable(getattr(type(layer), "forward", None))]


def net_gradient(make):
    """net.gradient(x, t) after loading seeded params; records d<key> for every key, and how often
    a layer's forward ran with parameters other than the loaded ones (``watch``)."""
    def run(objs, inputs, rec):
        net = make(objs[0])
        load_params(net, inputs["params"])
        with Watch.for_parameters(_parts(net), inputs["params"]).installed() as watch:
            grads = net.gradient(_copy(inputs, "x"), _copy(inputs, "t"))
        for key in inputs["params"]:
            rec("d" + key, grads[key])
        rec(AWAY, watch.away)

    def numeric(objs, inputs):
        net = make(objs[0])
        load_params(net, inputs["params"])
        grads = net.numerical_gradient(inputs["x"], inputs["t"])
        return {"d" + key: grads[key] for key in inputs["params"]}
    return run, numeric


#: Layer kinds in ``net_structure``'s records: by name ("Affine3") and by class.
LAYER_KINDS = {"Affine": 1, "Relu": 2}


def _kind(name: str) -> int:
    return next((code for prefix, code in LAYER_KINDS.items() if name.startswith(prefix)), 0)


def _number(name: str) -> int:
    digits = "".join(ch for ch in name if ch.isdigit())
    return int(digits) if digits else -1


def net_structure(objs, inputs, rec):
    """MultiLayerNet(...) as built: parameter count and shapes, biases, and the layers in order
    (name kind, name number, class kind of each)."""
    net = objs[0](inputs["input_size"], list(inputs["hidden"]), inputs["output_size"],
                  weight_init_std=0.01, seed=0)
    sizes = [inputs["input_size"], *inputs["hidden"], inputs["output_size"]]
    rec("n_params", len(net.params))
    rec("n_layers", len(net.layers))
    for i in range(1, len(sizes)):
        rec(f"shape_W{i}", np.shape(net.params[f"W{i}"]))
        rec(f"b{i}", net.params[f"b{i}"])
    names = [str(name) for name in net.layers]
    rec("layer_names", [[_kind(name), _number(name)] for name in names])
    rec("layer_types", [_kind(type(layer).__name__) for layer in net.layers.values()])


def net_scale(objs, inputs, rec):
    """The spread of each weight matrix in units of weight_init_std: its standard deviation and
    mean over entries, divided by weight_init_std (about 1 and 0 for standard normal draws)."""
    std = inputs["weight_init_std"]
    net = objs[0](inputs["input_size"], list(inputs["hidden"]), inputs["output_size"], weight_init_std=std, seed=0)
    for i in range(1, len(inputs["hidden"]) + 2):
        W = np.asarray(net.params[f"W{i}"], dtype=np.float64)
        rec(f"scale_W{i}", np.std(W) / std)
        rec(f"centre_W{i}", np.mean(W) / std)


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
