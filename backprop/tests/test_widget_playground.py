"""The training playground's Python half: the points and weights it ships, and its settings."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.widgets.playground import (DATASETS, DEFAULTS, HIDDEN_SIZES, N_POINTS, Playground,
                                        make_points, playground, playground_data)


def test_every_data_set_and_hidden_size_is_shipped_with_the_documented_shapes():
    data = playground_data(0)
    assert sorted(data["datasets"]) == sorted(DATASETS)
    for name, d in data["datasets"].items():
        X, t = np.array(d["X"]), np.array(d["t"])
        assert X.shape == (N_POINTS, 2) and t.shape == (N_POINTS,), name
        assert set(t.tolist()) == {0, 1} and abs(t.mean() - 0.5) < 0.15, name   # both classes, near balance
        assert np.all(np.abs(X) <= 1.2), name
    for h in HIDDEN_SIZES:
        w = {k: np.array(v) for k, v in data["weights"][str(h)].items()}
        assert w["W1"].shape == (2, h) and w["b1"].shape == (h,)
        assert w["W2"].shape == (h, 2) and w["b2"].shape == (2,)
        assert np.all(w["b1"] == 0) and np.any(w["W1"] != 0)


def test_the_same_seed_gives_the_same_page_and_another_seed_another():
    assert playground_data(0) == playground_data(0)
    assert playground_data(0)["datasets"]["spiral"] != playground_data(1)["datasets"]["spiral"]


def test_the_classes_follow_the_shape_of_each_data_set():
    rng = np.random.default_rng(3)
    X, t = make_points("xor", rng)
    assert np.all((X[:, 0] * X[:, 1] > 0) == (t == 1))
    X, t = make_points("circles", rng)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[t == 0].max() < r[t == 1].min() + 0.2 and r[t == 0].mean() < 0.35 < r[t == 1].mean()


def test_settings_are_checked():
    w = playground()
    assert w.defaults == DEFAULTS and w.choices["hidden"] == list(HIDDEN_SIZES)
    assert Playground(hidden=2, act="relu").defaults["hidden"] == 2
    with pytest.raises(ValueError, match="hidden must be one of"):
        playground(hidden=3)
    with pytest.raises(ValueError, match="unknown settings"):
        playground(layers=3)
    with pytest.raises(ValueError, match="must be one of"):
        make_points("moons", np.random.default_rng(0))
