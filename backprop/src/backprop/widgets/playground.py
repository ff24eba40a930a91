"""The training playground: a small two-layer net learning 2-D points in the page.

``playground()`` is a widget (front-end ``front/playground.js``) that trains
``Affine -> activation -> Affine -> SoftmaxWithLoss`` on 200 points of one of
three data sets (spiral, circles, XOR) by full-batch gradient descent, in the
reader's browser with no kernel: the decision boundary and the loss curve
update as it learns. Hidden size, activation and learning rate can be chosen;
the choice is kept in the page's URL (``?pg-data=spiral&pg-hidden=8...``) so
that a reader can share it. Run trains ``STEP_BUDGET`` steps and stops (press
it again for as many more); the loss uses the book's ``cross_entropy_error``
(a log floor of ``LOG_FLOOR``, not ``+ 1e-7``). With the ReLU activation the
network is chapter 5's ``TwoLayerNet`` with 2 inputs and 2 classes.

Everything random is drawn here, once, with a seeded NumPy generator: the
points of every data set and the initial weights for every hidden size travel
in the widget state, so the page does not need a random generator of its own,
"Reset" always starts from the same weights, and a test can train the same
net with NumPy and compare the losses step by step
(tests/test_browser_playground.py).

Shapes: X (N, 2) points, t (N,) class labels 0/1; W1 (2, H), b1 (H,),
W2 (H, 2), b2 (2,).
"""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from .bundle import FRONT, playground_bundle

N_POINTS = 200
DATASETS = ("spiral", "circles", "xor")
HIDDEN_SIZES = (2, 4, 8, 16)
ACTIVATIONS = ("tanh", "relu", "sigmoid")
LEARNING_RATES = (0.03, 0.1, 0.3, 1.0, 3.0)
#: The settings a page opens with: chapter 5's TwoLayerNet (ReLU), which learns the
#: spiral within STEP_BUDGET steps (checked for these weights in the book's build and
#: for other seeds in backprop/tests/test_widget_playground.py).
DEFAULTS = {"data": "spiral", "hidden": 16, "act": "relu", "lr": 1.0}
#: Steps one press of Run trains: a few seconds in a browser.
STEP_BUDGET = 2000
#: Standard deviation of the first layer's starting weights. The points fill [-1, 1]²
#: and the spiral's arms lie about 0.3 apart, so a hidden unit needs weights of a few
#: units to bend the boundary between them; from Xavier's 1/sqrt(2), plain gradient
#: descent spends thousands of steps growing them first.
W1_STD = 3.0
DIGITS = 4   # the points and weights are rounded so the page stays small; the reference uses the same


def make_points(name: str, rng: np.random.Generator, n: int = N_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of data set ``name`` in [-1, 1]²: X (n, 2), t (n,) labels 0/1."""
    if name not in DATASETS:
        raise ValueError(f"name must be one of {', '.join(DATASETS)}, got {name!r}")
    half = n // 2
    if name == "xor":
        X = rng.uniform(-1, 1, size=(n, 2))
        t = (X[:, 0] * X[:, 1] > 0).astype(int)
    elif name == "circles":
        r = np.concatenate([rng.uniform(0, 0.45, half), rng.uniform(0.65, 1.0, n - half)])
        a = rng.uniform(0, 2 * np.pi, n)
        X = np.stack([r * np.cos(a), r * np.sin(a)], axis=1) + rng.normal(0, 0.04, (n, 2))
        t = np.repeat([0, 1], [half, n - half])
    else:   # two arms winding 1.5 turns around the centre
        s = rng.uniform(0.05, 1.0, n)
        arm = np.repeat([0, 1], [half, n - half])
        a = 3 * np.pi * s + np.pi * arm
        X = np.stack([s * np.cos(a), s * np.sin(a)], axis=1) + rng.normal(0, 0.03, (n, 2))
        t = arm
    return np.round(X, DIGITS), t


def init_weights(hidden: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Starting weights, zero biases: W1 (2, H) with standard deviation ``W1_STD``,
    W2 (H, 2) Xavier-scaled (1/sqrt(H)), b1 (H,), b2 (2,)."""
    w1 = rng.normal(0, W1_STD, (2, hidden))
    w2 = rng.normal(0, 1, (hidden, 2)) / np.sqrt(hidden)
    return {"W1": np.round(w1, DIGITS), "b1": np.zeros(hidden),
            "W2": np.round(w2, DIGITS), "b2": np.zeros(2)}


def playground_data(seed: int = 0) -> dict:
    """Every data set and every hidden size's initial weights, as the widget ships them (JSON-ready)."""
    rng = np.random.default_rng(seed)
    data = {}
    for name in DATASETS:
        X, t = make_points(name, rng)
        data[name] = {"X": X.tolist(), "t": t.tolist()}
    weights = {str(h): {k: v.tolist() for k, v in init_weights(h, rng).items()} for h in HIDDEN_SIZES}
    return {"seed": seed, "datasets": data, "weights": weights}


class Playground(anywidget.AnyWidget):
    """The training playground (see the module docstring)."""

    _css = FRONT / "widget.css"

    @property
    def _esm(self) -> str:
        return playground_bundle()   # as GradientFlow's: the messages of the installed language

    data = traitlets.Dict().tag(sync=True)
    defaults = traitlets.Dict().tag(sync=True)
    choices = traitlets.Dict().tag(sync=True)
    budget = traitlets.Int(STEP_BUDGET).tag(sync=True)

    def __init__(self, seed: int = 0, **defaults):
        unknown = sorted(set(defaults) - set(DEFAULTS))
        if unknown:
            raise ValueError(f"unknown settings {unknown}; the settings are {sorted(DEFAULTS)}")
        settings = {**DEFAULTS, **defaults}
        allowed = {"data": DATASETS, "hidden": HIDDEN_SIZES, "act": ACTIVATIONS, "lr": LEARNING_RATES}
        for key, options in allowed.items():
            if settings[key] not in options:
                raise ValueError(f"{key} must be one of {list(options)}, got {settings[key]!r}")
        super().__init__(data=playground_data(seed), defaults=settings,
                         choices={k: list(v) for k, v in allowed.items()})


def playground(seed: int = 0, **defaults) -> Playground:
    """The widget; ``defaults`` may set data, hidden, act and lr (the URL's settings win)."""
    return Playground(seed, **defaults)
