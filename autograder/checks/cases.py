"""Every hidden check: which objects it calls, on which seeded inputs.

``CHECKS[check_id]`` is a ``Check``; the calling conventions live in
``autograder.checks.drivers``. Inputs are built once, from fixed seeds, and are copied
before every call. This module holds no answers, so the sandbox may import it.
Edge cases the issue asks for: batch size 1, exact zeros for ReLU-like layers,
large logits for softmax (and rows of very different scale), non-square weights,
label-index targets, gradients of very different sizes for the gradient checker.
A check that builds on earlier exercises names them in ``STAND_INS``: while it
runs they are bound to correct stand-ins, so each exercise is graded once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from backprop.datasets.synthetic import spiral

from . import drivers as d
from .drivers import BY_HAND, GRADIENT, NUMERICAL
from .stand_ins import BOOK_NET_LAYERS, BOOK_NODES, BOOK_SOFTMAX


@dataclass(frozen=True)
class Case:
    name: str
    inputs: dict
    run: Callable
    numeric: Callable | None = None  # (objects, inputs) -> {output: array}; None where not smooth


@dataclass(frozen=True)
class Check:
    id: str
    title: str  # what is checked, for messages: "Relu.backward"
    objects: tuple  # what the test cell passes, e.g. ("Relu",)
    cases: tuple
    compare: str = "close"  # "close", "gradcheck" or "accuracy" (see autograder.checks.judge)
    blocks: tuple = ()  # course helpers switched off while the probe runs this check (see BLOCKS)
    stand_ins: tuple = ()  # earlier exercises bound to correct stand-ins while it runs (see STAND_INS)


def rng(seed):
    return np.random.default_rng(seed)


def forward_only(make=lambda cls: cls()):
    def run(objs, inputs, rec):
        rec("out", make(objs[0]).forward(inputs["x"].copy()))
    return run


def unary_cases(make=lambda cls: cls(), low=0.1, extra=(), with_out=True):
    """Random batch (smooth), batch of one, 3-D input, plus ``extra`` (name, x, smooth).

    ``with_out=False`` for a backward graded apart from its forward: only dx is recorded."""
    run, numeric = d.unary_layer(make, with_out)
    cases = [
        ("random batch (4, 5)", d.away_from_zero((4, 5), 1, low), True),
        ("batch of one (1, 6)", d.away_from_zero((1, 6), 2, low), True),
        ("3-D input (2, 3, 2)", d.away_from_zero((2, 3, 2), 3, low), True),
        *extra,
    ]
    return tuple(Case(name, {"x": x, "dout": rng(10 + i).standard_normal(x.shape)}, run,
                      numeric if smooth else None)
                 for i, (name, x, smooth) in enumerate(cases))


def with_zeros(shape, seed):
    x = rng(seed).standard_normal(shape)
    x.flat[::3] = 0.0
    return x


# --- Problem set 1: graphs and the chain rule -------------------------------------------

SHOPPING = (
    ("the notebook's prices", dict(pear=150.0, pear_num=4.0, lemon=80.0, lemon_num=5.0, bag=20.0, tax=1.08)),
    ("other prices", dict(pear=95.0, pear_num=7.0, lemon=60.0, lemon_num=2.0, bag=0.0, tax=1.2)),
    ("small numbers", dict(pear=1.5, pear_num=10.0, lemon=0.8, lemon_num=3.0, bag=0.5, tax=1.0)),
)


def _price_only(objs, inputs, rec):
    rec("price", objs[0](**inputs)[0])


_square_sum = d.returns_tuple(("x", "y"), ("z", "dx", "dy"))
_add_mul_value = d.returns_tuple(("x", "y", "z"), ("f", "dx", "dy", "dz"), recorded=("f",))
_add_mul_grads = d.returns_tuple(("x", "y", "z"), ("f", "dx", "dy", "dz"), recorded=("dx", "dy", "dz"))
_fan_out_value = d.returns_tuple(("x", "y"), ("f", "dx", "dy"), recorded=("f",))
_fan_out_grads = d.returns_tuple(("x", "y"), ("f", "dx", "dy"), recorded=("dx", "dy"))
ADD_MUL = [("x=-2, y=5, z=-4", -2.0, 5.0, -4.0), ("x=1.5, y=2, z=3", 1.5, 2.0, 3.0), ("x=0, y=0, z=7", 0.0, 0.0, 7.0)]
FAN_OUT = [("x=2, y=3", 2.0, 3.0), ("x=-1.5, y=4", -1.5, 4.0), ("x=0.5, y=-0.5", 0.5, -0.5)]


def _chain(x, steps=200):
    v = x
    for _ in range(steps):
        v = v * 1.01 + 0.001
    return v


def _diamond(x, y):
    a = x + y
    return (a * a) * x


AUTOGRAD = (  # (case name, build, inputs): x reused, exp, a diamond, a long chain
    ("x * y + x (x used twice)", lambda x, y: x * y + x, dict(x=2.0, y=-3.0)),
    ("exp(x * y) * x + y", lambda x, y: (x * y).exp() * x + y, dict(x=0.5, y=-1.2)),
    ("diamond: a = x + y, (a * a) * x", _diamond, dict(x=1.5, y=-0.5)),
    ("a chain of 200 steps", _chain, dict(x=0.3)),
)

PS1 = [
    Check("ps1_shopping_forward", "the shopping graph's price", ("shopping",),
          tuple(Case(n, v, _price_only) for n, v in SHOPPING)),
    Check("ps1_shopping_backward", "the shopping graph's gradients", ("shopping",),
          tuple(Case(n, v, d.shopping_run, d.shopping_numeric) for n, v in SHOPPING)),
    Check("ps1_square_forward", "Square.forward", ("Square",),
          (Case("random (3, 4)", {"x": rng(1).standard_normal((3, 4))}, forward_only()),
           Case("zeros and negatives (1, 5)", {"x": with_zeros((1, 5), 2)}, forward_only()))),
    Check("ps1_square_backward", "Square.backward", ("Square",),
          unary_cases(extra=[("exact zeros (2, 6)", with_zeros((2, 6), 4), True)], with_out=False)),
    Check("ps1_square_sum", "square_sum", ("square_sum",),
          tuple(Case(n, dict(x=x, y=y), *_square_sum)
                for n, x, y in [("x=1, y=2", 1.0, 2.0), ("x=-2.5, y=0.5", -2.5, 0.5), ("x=3, y=-3", 3.0, -3.0)])),
    Check("ps1_add_mul_forward", "add_mul's f", ("add_mul",),
          tuple(Case(n, dict(x=x, y=y, z=z), *_add_mul_value) for n, x, y, z in ADD_MUL)),
    Check("ps1_add_mul_backward", "add_mul's gradients", ("add_mul",),
          tuple(Case(n, dict(x=x, y=y, z=z), *_add_mul_grads) for n, x, y, z in ADD_MUL)),
    Check("ps1_autograd", "Value.backward", ("Value",),
          tuple(Case(n, v, *d.value_graph(build, tuple(v))) for n, build, v in AUTOGRAD)),
    Check("ps1_fan_out_forward", "fan_out's f", ("fan_out",),
          tuple(Case(n, dict(x=x, y=y), *_fan_out_value) for n, x, y in FAN_OUT)),
    Check("ps1_fan_out_backward", "fan_out's gradients", ("fan_out",),
          tuple(Case(n, dict(x=x, y=y), *_fan_out_grads) for n, x, y in FAN_OUT)),
]

# --- Problem set 2: layers --------------------------------------------------------------


def _binary_cases():
    cases = [("apple: 100 * 2, dout 1.1", dict(x=100.0, y=2.0, dout=1.1))]
    for i, shape in enumerate([(3,), (2, 4)]):
        r = rng(20 + i)
        cases.append((f"arrays {shape}", dict(x=r.standard_normal(shape), y=r.standard_normal(shape),
                                              dout=r.standard_normal(shape))))
    return tuple(Case(n, v, d.binary_layer, d.binary_numeric) for n, v in cases)


def _affine_cases():
    out = []
    for i, (name, x_shape, m) in enumerate([("batch (5, 3), W (3, 4)", (5, 3), 4),
                                            ("batch of one (1, 4), W (4, 2)", (1, 4), 2),
                                            ("tensor input (3, 2, 2), W (4, 3)", (3, 2, 2), 3)]):
        r = rng(30 + i)
        dim = int(np.prod(x_shape[1:]))
        inputs = dict(x=r.standard_normal(x_shape), W=r.standard_normal((dim, m)), b=r.standard_normal(m),
                      dout=r.standard_normal((x_shape[0], m)))
        out.append(Case(name, inputs, d.affine_run, d.affine_numeric))
    return tuple(out)


def _affine_last_axis_inputs():
    """(name, inputs) for a batch (N, D) and for inputs of other ranks."""
    out = []
    for i, (name, x_shape, m) in enumerate([("batch (4, 3), W (3, 2)", (4, 3), 2),
                                            ("sequences (2, 5, 3), W (3, 4)", (2, 5, 3), 4),
                                            ("one vector (4,), W (4, 3)", (4,), 3),
                                            ("rank 4 (2, 2, 3, 2), W (2, 5)", (2, 2, 3, 2), 5),
                                            ("batch of one (1, 5), W (5, 2)", (1, 5), 2)]):
        r = rng(35 + i)
        out.append((name, dict(x=r.standard_normal(x_shape), W=r.standard_normal((x_shape[-1], m)),
                               b=r.standard_normal(m), dout=r.standard_normal((*x_shape[:-1], m)))))
    return out


def _affine_last_axis_cases(part):
    """part: "forward" (every rank), "backward" on (N, D) batches, or "backward_nd" on other ranks."""
    inputs = _affine_last_axis_inputs()
    if part == "forward":
        return tuple(Case(n, {k: v[k] for k in ("x", "W", "b")}, d.affine_forward) for n, v in inputs)
    batches = [(n, v) for n, v in inputs if v["x"].ndim == 2]
    chosen = batches if part == "backward" else [(n, v) for n, v in inputs if v["x"].ndim != 2]
    return tuple(Case(n, v, d.affine_backward, d.affine_numeric) for n, v in chosen)


def _leaky(alpha):
    return lambda cls: cls(alpha)


def _forward_cases(make=lambda cls: cls(), prefix="", low=0.1):
    """forward(x) alone on a random batch, a batch of one, a 3-D input and exact zeros."""
    cases = [("random batch (4, 5)", d.away_from_zero((4, 5), 1, low)),
             ("batch of one (1, 6)", d.away_from_zero((1, 6), 2, low)),
             ("3-D input (2, 3, 2)", d.away_from_zero((2, 3, 2), 3, low))]
    if low < 0.5:  # a layer defined at 0
        cases.append(("exact zeros (2, 3)", with_zeros((2, 3), 9)))
    return tuple(Case(prefix + name, {"x": x}, forward_only(make)) for name, x in cases)


PS2 = [
    Check("ps2_mul_backward", "MulLayer.backward", ("MulLayer",), _binary_cases()),
    Check("ps2_add_backward", "AddLayer.backward", ("AddLayer",), _binary_cases()),
    Check("ps2_relu_backward", "Relu.backward", ("Relu",),
          unary_cases(extra=[("exact zeros (3, 4)", with_zeros((3, 4), 5), False)])),
    Check("ps2_sigmoid_backward", "Sigmoid.backward", ("Sigmoid",),
          # At |x| = 30 the slope is about 1e-13, below what central differences resolve:
          # that case is judged against the reference only.
          unary_cases(extra=[("large inputs (2, 3)", np.array([[-30.0, -8.0, 0.0], [8.0, 30.0, 0.5]]), False)])),
    Check("ps2_affine_backward", "Affine.backward", ("Affine",), _affine_cases()),
    Check("ps2_tanh_forward", "Tanh.forward", ("Tanh",), _forward_cases()),
    Check("ps2_tanh_backward", "Tanh.backward", ("Tanh",),
          unary_cases(extra=[("exact zeros (2, 3)", with_zeros((2, 3), 6), True)], with_out=False)),
    Check("ps2_leaky_relu_forward", "LeakyRelu.forward", ("LeakyRelu",),
          _forward_cases(_leaky(0.1)) + _forward_cases(_leaky(0.25), "alpha 0.25, ")[2:]),
    Check("ps2_leaky_relu_backward", "LeakyRelu.backward", ("LeakyRelu",),
          unary_cases(_leaky(0.1), with_out=False) + unary_cases(_leaky(0.25), extra=[
              ("alpha 0.25, exact zeros (3, 4)", with_zeros((3, 4), 7), False)], with_out=False)[3:]),
    Check("ps2_exp_forward", "Exp.forward", ("Exp",), _forward_cases()),
    Check("ps2_exp_backward", "Exp.backward", ("Exp",), unary_cases(with_out=False)),
    Check("ps2_reciprocal_forward", "Reciprocal.forward", ("Reciprocal",), _forward_cases(low=0.5)),
    Check("ps2_reciprocal_backward", "Reciprocal.backward", ("Reciprocal",), unary_cases(low=0.5, with_out=False)),
    Check("ps2_affine_last_axis_forward", "AffineLastAxis.forward", ("AffineLastAxis",),
          _affine_last_axis_cases("forward")),
    Check("ps2_affine_last_axis_backward", "AffineLastAxis.backward on a batch (N, D)", ("AffineLastAxis",),
          _affine_last_axis_cases("backward")),
    Check("ps2_affine_last_axis_backward_nd", "AffineLastAxis.backward on other ranks", ("AffineLastAxis",),
          _affine_last_axis_cases("backward_nd")),
    Check("ps2_sigmoid_from_nodes", "SigmoidFromNodes", ("SigmoidFromNodes",),
          unary_cases(extra=[("wide inputs (3, 3)", rng(8).standard_normal((3, 3)) * 5, True)])),
]

# --- Problem set 3: softmax and losses -----------------------------------------------------

LARGE_LOGITS = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])


def _probabilities(shape, seed):
    z = rng(seed).standard_normal(shape)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _ce_cases():
    y4 = _probabilities((4, 3), 40)
    labels = np.array([0, 2, 1, 2])
    y1 = _probabilities((3,), 41)
    run = d.function_of("y", "t", output="loss")
    return (Case("one-hot targets (4, 3)", dict(y=y4, t=np.eye(3)[labels]), run),
            Case("label targets (4,)", dict(y=y4, t=labels), run),
            Case("batch of one, label (1,)", dict(y=y4[:1], t=labels[:1]), run),
            Case("one sample (3,), one-hot (3,)", dict(y=y1, t=np.eye(3)[1]), run))


def _swl_inputs():
    r = rng(52)  # every right class keeps probability >= MIN_RIGHT_CLASS_PROBABILITY (tested)
    labels = np.array([0, 2, 1, 1, 2])
    return (("one-hot targets (5, 3)", dict(x=r.standard_normal((5, 3)), t=np.eye(3)[labels])),
            ("label targets (5,)", dict(x=r.standard_normal((5, 3)), t=labels)),
            ("book's example, batch of one", dict(x=np.log([[0.3, 0.2, 0.5]]), t=np.array([[0.0, 1.0, 0.0]]))),
            ("large logits, labels", dict(x=np.array([[1002.0, 1001.0, 1000.0], [0.0, 1000.0, 999.0]]),
                                          t=np.array([0, 1]))))


def _loss_only(objs, inputs, rec):
    rec("loss", objs[0]().forward(inputs["x"].copy(), inputs["t"].copy()))


def _mse_inputs():
    r = rng(60)
    return (("batch (4, 3)", dict(x=r.standard_normal((4, 3)), t=r.standard_normal((4, 3)))),
            ("batch of one (1, 2)", dict(x=r.standard_normal((1, 2)), t=r.standard_normal((1, 2)))),
            ("one sample (3,)", dict(x=r.standard_normal(3), t=r.standard_normal(3))))


PS3 = [
    Check("ps3_softmax", "softmax", ("softmax",), tuple(
        Case(n, {"x": x}, d.function_of("x")) for n, x in [
            ("batch (4, 5)", rng(42).standard_normal((4, 5)) * 2),
            ("one sample (5,)", rng(43).standard_normal(5)),
            ("batch of one (1, 3)", rng(44).standard_normal((1, 3))),
            ("large logits (2, 3)", LARGE_LOGITS),
            # Subtracting the whole array's maximum instead of each row's underflows the small rows.
            ("rows of very different scale (3, 3)", np.array([[1000.0, 1001.0, 1002.0], [0.0, 1.0, 2.0],
                                                              [-3.0, 0.0, 3.0]]))])),
    Check("ps3_cross_entropy", "cross_entropy_error", ("cross_entropy_error",), _ce_cases()),
    Check("ps3_swl_forward", "SoftmaxWithLoss.forward", ("SoftmaxWithLoss",),
          tuple(Case(n, v, _loss_only) for n, v in _swl_inputs())),
    Check("ps3_swl_backward", "SoftmaxWithLoss.backward", ("SoftmaxWithLoss",),
          tuple(Case(n, v, d.loss_layer, d.loss_numeric) for n, v in _swl_inputs())
          + (Case("dout = 2", dict(_swl_inputs()[0][1], dout=2.0), d.loss_layer, d.loss_numeric),)),
    Check("ps3_softmax_layer", "Softmax (layer)", ("Softmax",),
          unary_cases()[:2] + (Case("large logits (2, 3)", {"x": LARGE_LOGITS, "dout": rng(45).standard_normal((2, 3))},
                                    d.unary_layer()[0]),)),
    Check("ps3_mse_forward", "MeanSquaredError.forward", ("MeanSquaredError",),
          tuple(Case(n, v, _loss_only) for n, v in _mse_inputs())),
    Check("ps3_mse_backward", "MeanSquaredError.backward", ("MeanSquaredError",),
          tuple(Case(n, v, d.loss_layer, d.loss_numeric) for n, v in _mse_inputs())
          + (Case("dout = 2", dict(_mse_inputs()[0][1], dout=2.0), d.loss_layer, d.loss_numeric),)),
]

# --- Problem set 4: networks and training ---------------------------------------------------


def _net_params(sizes, seed):
    r = rng(seed)
    params = {}
    for i in range(1, len(sizes)):
        params[f"W{i}"] = r.standard_normal((sizes[i - 1], sizes[i])) * 0.5
        params[f"b{i}"] = r.standard_normal(sizes[i]) * 0.1
    return params


def _net_case(name, cls_args, sizes, n, seed, one_hot=False, prebuilt=False):
    """prebuilt: the check builds the layers itself (``drivers.layered_net``), so that a
    mistake in ``__init__`` costs the points of the ``__init__`` exercise only."""
    r = rng(seed)
    labels = r.integers(0, sizes[-1], size=n)
    inputs = dict(params=_net_params(sizes, seed), x=r.standard_normal((n, sizes[0])),
                  t=np.eye(sizes[-1])[labels] if one_hot else labels)
    if prebuilt:
        run, numeric = d.net_gradient(lambda cls: d.layered_net(cls, sizes))
    else:
        run, numeric = d.net_gradient(lambda cls: cls(*cls_args, weight_init_std=0.5, seed=0))
    return Case(name, inputs, run, numeric)


def _sgd_cases():
    r = rng(70)
    shapes = {"W1": (3, 2), "b1": (2,), "W2": (2, 4), "b2": (4,)}
    params = {k: r.standard_normal(s) for k, s in shapes.items()}
    grads = {k: r.standard_normal(s) for k, s in shapes.items()}
    return (Case("lr = 0.1", dict(params=params, grads=grads, lr=0.1), d.sgd_run),
            Case("lr = 0.5, one parameter", dict(params={"W": params["W2"]}, grads={"W": grads["W2"]}, lr=0.5),
                 d.sgd_run))


def _gradcheck_cases():
    """Right and wrong gradients at ordinary, tiny and huge scales of the loss.

    Only a scale-free measure (the relative error) is small for every right gradient
    and large for every wrong one: the mean absolute difference of a wrong gradient
    of size 1e-6 is tiny, and that of a right gradient of size 1e6 carries the
    finite-difference error of about 1e-3.
    """
    r = rng(80)
    x, t = r.standard_normal((5, 3)), r.standard_normal((5, 2))
    return tuple(Case(name, dict(seed=i, wrong=wrong, x=x, t=t * scale), d.gradient_check_run)
                 for i, (name, wrong, scale) in enumerate([
                     ("a correct model", None, 1.0), ("a wrong gradient for b", "b", 1.0),
                     ("a wrong gradient for W", "W", 1.0), ("tiny gradients (1e-6), a wrong one for b", "b", 1e-6),
                     ("huge gradients (1e6), all correct", None, 1e6)]))


#: The training check: full-batch gradient descent on ``spiral(TRAIN_PER_CLASS, TRAIN_SEED)``.
TRAIN_SEED, TRAIN_PER_CLASS, TRAIN_HIDDEN, TRAIN_STEPS, TRAIN_LR = 7, 60, (32,), 500, 1.0


def _train_case():
    x, t = spiral(TRAIN_PER_CLASS, TRAIN_SEED)
    params = _net_params((2, *TRAIN_HIDDEN, 3), 90)
    for key in params:
        if key.startswith("b"):
            params[key] = np.zeros_like(params[key])
    inputs = dict(x=x, t=t, params=params, hidden=TRAIN_HIDDEN, steps=TRAIN_STEPS, lr=TRAIN_LR)
    return (Case(f"{TRAIN_STEPS} steps on {3 * TRAIN_PER_CLASS} spiral points", inputs, d.train_run),)


PS4 = [
    Check("ps4_gradient", "TwoLayerNet.gradient", ("TwoLayerNet",), (
        _net_case("labels, batch (6, 4)", (4, 5, 3), (4, 5, 3), 6, 1),
        _net_case("one-hot, batch of one", (4, 5, 3), (4, 5, 3), 1, 2, one_hot=True),
        _net_case("sizes 7-3-4, batch (5, 7)", (7, 3, 4), (7, 3, 4), 5, 3))),
    Check("ps4_gradient_check", "gradient_check", ("gradient_check",), _gradcheck_cases(), compare="gradcheck"),
    Check("ps4_sgd_step", "sgd_step", ("sgd_step",), _sgd_cases()),
    Check("ps4_multi_init", "MultiLayerNet.__init__", ("MultiLayerNet",), tuple(
        Case(f"hidden {list(h)}", dict(input_size=i, hidden=h, output_size=o), d.net_structure)
        for i, h, o in [(4, (6, 4), 3), (2, (), 3), (3, (5, 5, 5), 2)])),
    # Thousands of entries per matrix, so that the sample spread is within a few per cent of
    # weight_init_std (tolerances.SCALE_TOLERANCE is many standard errors wide).
    Check("ps4_multi_init_scale", "MultiLayerNet.__init__'s weight scale", ("MultiLayerNet",), tuple(
        Case(f"weight_init_std={std}, hidden {list(h)}", dict(input_size=i, hidden=h, output_size=o,
                                                             weight_init_std=std), d.net_scale)
        for std, i, h, o in [(0.01, 100, (80,), 60), (0.5, 100, (80, 60), 50)])),
    Check("ps4_multi_gradient", "MultiLayerNet.gradient", ("MultiLayerNet",), (
        _net_case("hidden [6, 4]", (4, [6, 4], 3), (4, 6, 4, 3), 6, 4, prebuilt=True),
        _net_case("no hidden layer", (3, [], 2), (3, 2), 4, 5, one_hot=True, prebuilt=True),
        _net_case("hidden [5, 3, 4], batch of one", (4, [5, 3, 4], 3), (4, 5, 3, 4, 3), 1, 6, prebuilt=True))),
    Check("ps4_train", "training a MultiLayerNet with sgd_step", ("MultiLayerNet", "sgd_step"),
          _train_case(), compare="accuracy"),
]

#: What each check switches off while it runs the student's objects (groups of drivers.SWITCHED_OFF).
#: ps1 is done by hand; every backward or gradient check must come from the chain rule;
#: training is graded on net.gradient, which must be backprop, not finite differences.
#: The gradient checker (ps4_gradient_check) needs numerical_gradient, so it blocks nothing;
#: forward passes, sgd_step and the net's structure have no helper that answers them.
BLOCKS = {
    "ps1_shopping_forward": BY_HAND, "ps1_shopping_backward": BY_HAND, "ps1_square_forward": BY_HAND,
    "ps1_square_backward": BY_HAND, "ps1_square_sum": BY_HAND, "ps1_add_mul_forward": BY_HAND,
    "ps1_add_mul_backward": BY_HAND, "ps1_fan_out_forward": BY_HAND, "ps1_fan_out_backward": BY_HAND,
    "ps1_autograd": BY_HAND,
    "ps2_mul_backward": GRADIENT, "ps2_add_backward": GRADIENT, "ps2_relu_backward": GRADIENT,
    "ps2_sigmoid_backward": GRADIENT, "ps2_affine_backward": GRADIENT,
    "ps2_tanh_forward": (), "ps2_tanh_backward": GRADIENT, "ps2_leaky_relu_forward": (),
    "ps2_leaky_relu_backward": GRADIENT, "ps2_exp_forward": (), "ps2_exp_backward": GRADIENT,
    "ps2_reciprocal_forward": (), "ps2_reciprocal_backward": GRADIENT, "ps2_affine_last_axis_forward": (),
    "ps2_affine_last_axis_backward": GRADIENT, "ps2_affine_last_axis_backward_nd": GRADIENT,
    "ps2_sigmoid_from_nodes": GRADIENT,
    "ps3_softmax": (), "ps3_cross_entropy": (), "ps3_swl_forward": (), "ps3_swl_backward": GRADIENT,
    "ps3_softmax_layer": GRADIENT, "ps3_mse_forward": (), "ps3_mse_backward": GRADIENT,
    "ps4_gradient": GRADIENT, "ps4_gradient_check": (), "ps4_sgd_step": (), "ps4_multi_init": (),
    "ps4_multi_init_scale": (), "ps4_multi_gradient": GRADIENT, "ps4_train": (NUMERICAL,),
}

#: The earlier exercises each check builds on, bound to correct stand-ins while it runs
#: (``autograder.checks.stand_ins``): a mistake there costs that exercise's points only.
#: MultiLayerNet.gradient needs no stand-in: its check builds the layers itself.
STAND_INS = {
    "ps1_shopping_forward": BOOK_NODES, "ps1_shopping_backward": BOOK_NODES, "ps1_add_mul_forward": BOOK_NODES,
    "ps1_add_mul_backward": BOOK_NODES, "ps1_fan_out_forward": BOOK_NODES, "ps1_fan_out_backward": BOOK_NODES,
    "ps1_square_sum": BOOK_NODES + (("Square", "autograder.checks.stand_ins:Square"),),
    "ps2_sigmoid_from_nodes": BOOK_NODES + (("Exp", "autograder.checks.stand_ins:Exp"),
                                            ("Reciprocal", "autograder.checks.stand_ins:Reciprocal")),
    "ps3_swl_forward": BOOK_SOFTMAX, "ps3_swl_backward": BOOK_SOFTMAX, "ps3_softmax_layer": BOOK_SOFTMAX,
    "ps4_gradient": BOOK_NET_LAYERS, "ps4_multi_init": BOOK_NET_LAYERS, "ps4_multi_init_scale": BOOK_NET_LAYERS,
    "ps4_train": BOOK_NET_LAYERS,
}

CHECKS = {check.id: replace(check, blocks=BLOCKS[check.id], stand_ins=STAND_INS.get(check.id, ()))
          for check in PS1 + PS2 + PS3 + PS4}
