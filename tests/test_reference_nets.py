"""The reference networks, training helpers and the problem set 1 graphs."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.nn.gradcheck import SMOOTH_TOLERANCE
from backprop.nn.training import sgd_step
from backprop.nn.two_layer_net import TwoLayerNet
from backprop.nn.chain_rule import square_sum
from reference.chain_rule import add_mul, fan_out, shopping
from reference.multi_layer_net import MultiLayerNet
from reference.training import gradient_check, train

# Network gradients cross ReLU kinks only if a hidden pre-activation lies within
# the finite-difference step of 0; these seeds were checked not to. Relative
# error is still bounded by SMOOTH_TOLERANCE because the loss is smooth there.
NET_SEEDS = [0, 1, 2]


def batch(seed, n=6, d=4, c=3):
    r = np.random.default_rng(100 + seed)
    return r.standard_normal((n, d)), r.integers(0, c, size=n)


@pytest.mark.parametrize("seed", NET_SEEDS)
@pytest.mark.parametrize("targets", ["labels", "one_hot"])
def test_two_layer_net_gradient_matches_numerical(seed, targets):
    x, labels = batch(seed)
    t = labels if targets == "labels" else np.eye(3)[labels]
    net = TwoLayerNet(4, 5, 3, weight_init_std=0.5, seed=seed)
    errors = gradient_check(net, x, t)
    assert set(errors) == {"W1", "b1", "W2", "b2"}
    assert max(errors.values()) < SMOOTH_TOLERANCE


@pytest.mark.parametrize("hidden", [[], [5], [6, 4, 5]])
def test_multi_layer_net_gradient_matches_numerical(hidden):
    x, t = batch(3)
    net = MultiLayerNet(4, hidden, 3, weight_init_std=0.5, seed=4)
    n_affine = len(hidden) + 1
    assert list(net.params) == [k for i in range(1, n_affine + 1) for k in (f"W{i}", f"b{i}")]
    assert net.params[f"W{n_affine}"].shape == ((hidden or [4])[-1], 3)
    assert max(gradient_check(net, x, t).values()) < SMOOTH_TOLERANCE


def test_multi_layer_net_with_one_hidden_layer_is_two_layer_net():
    x, t = batch(5)
    a = TwoLayerNet(4, 5, 3, weight_init_std=0.3, seed=9)
    b = MultiLayerNet(4, [5], 3, weight_init_std=0.3, seed=9)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    ga, gb = a.gradient(x, t), b.gradient(x, t)
    for key in ga:
        np.testing.assert_allclose(ga[key], gb[key], rtol=1e-12)


def test_replacing_a_parameter_array_takes_effect():
    # The book's net keeps the arrays it was built with; ours reads params on every pass.
    x, t = batch(6)
    net = TwoLayerNet(4, 5, 3, weight_init_std=0.5, seed=1)
    before = net.loss(x, t)
    net.params["W2"] = np.zeros_like(net.params["W2"])
    net.params["b2"] = np.zeros_like(net.params["b2"])
    assert before != pytest.approx(np.log(3))
    assert net.loss(x, t) == pytest.approx(np.log(3), rel=1e-12)


def test_a_layer_added_to_layers_takes_part_in_both_loops():
    """Chapter 5: adding a layer means adding its entry (and an Affine layer's arrays);
    predict and gradient stay as they are. Checked against matrix code written here."""
    from backprop.nn.layers import Affine, Relu

    x, t = batch(7, n=5, d=4, c=2)   # 2 classes: the added Affine3 ends in 2 scores
    net = TwoLayerNet(4, 5, 3, weight_init_std=0.5, seed=3)
    r = np.random.default_rng(8)
    net.params["W3"], net.params["b3"] = r.standard_normal((3, 2)), r.standard_normal(2)
    net.layers["Relu2"] = Relu()
    net.layers["Affine3"] = Affine(net.params["W3"], net.params["b3"])
    net.params["W3"] = net.params["W3"] * 2      # a new array: predict must hand it on
    p = net.params
    h1 = np.maximum(x @ p["W1"] + p["b1"], 0)
    h2 = np.maximum(h1 @ p["W2"] + p["b2"], 0)
    s = h2 @ p["W3"] + p["b3"]
    y = np.exp(s - s.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    n = len(x)
    assert net.loss(x, t) == pytest.approx(-np.mean(np.log(y[np.arange(n), t])), rel=1e-12)
    ds = (y - np.eye(2)[t]) / n
    dh2 = (ds @ p["W3"].T) * (h2 > 0)
    dh1 = (dh2 @ p["W2"].T) * (h1 > 0)
    want = {"W3": h2.T @ ds, "b3": ds.sum(0), "W2": h1.T @ dh2, "b2": dh2.sum(0), "W1": x.T @ dh1, "b1": dh1.sum(0)}
    got = net.gradient(x, t)
    assert set(got) == set(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-10, atol=1e-14, err_msg=key)


def test_sgd_step_updates_params_in_place_and_leaves_grads():
    params = {"W": np.array([[1.0, 2.0]]), "b": np.array([0.5])}
    grads = {"W": np.array([[10.0, -10.0]]), "b": np.array([1.0])}
    W = params["W"]
    sgd_step(params, grads, lr=0.1)
    assert params["W"] is W
    np.testing.assert_allclose(params["W"], [[0.0, 3.0]])
    np.testing.assert_allclose(params["b"], [0.4])
    assert grads["W"].tolist() == [[10.0, -10.0]]


def test_sgd_step_names_a_missing_gradient():
    with pytest.raises(KeyError, match="'b'"):
        sgd_step({"W": np.ones(2), "b": np.ones(1)}, {"W": np.ones(2)}, lr=0.1)


def test_gradient_check_flags_a_wrong_gradient():
    x, t = batch(2)
    net = TwoLayerNet(4, 5, 3, weight_init_std=0.5, seed=2)
    right = net.gradient

    def wrong(x, t):
        grads = right(x, t)
        grads["b1"] = grads["b1"] * 2
        return grads

    net.gradient = wrong
    errors = gradient_check(net, x, t)
    assert errors["b1"] > 0.1 and errors["W1"] < SMOOTH_TOLERANCE


def test_train_reduces_loss_and_reports_progress():
    r = np.random.default_rng(0)
    labels = r.integers(0, 3, size=150)
    x = np.eye(3)[labels] * 3 + r.standard_normal((150, 3)) * 0.5
    net = TwoLayerNet(3, 8, 3, weight_init_std=0.1, seed=0)
    seen = []
    history = train(net, x, labels, steps=60, lr=0.5, batch_size=50, seed=1, x_test=x, t_test=labels,
                    eval_every=20, callback=lambda step, loss: seen.append(step))
    assert seen == list(range(1, 61))
    assert history.eval_steps == [20, 40, 60]
    assert history.losses[-1] < history.losses[0] / 2
    assert history.test_acc[-1] > 0.9


def test_shopping_graph_matches_the_chain_rule_by_hand():
    price, grads = shopping(pear=150, pear_num=4, lemon=80, lemon_num=5, bag=20, tax=1.08)
    assert price == pytest.approx((150 * 4 + 80 * 5 + 20) * 1.08, rel=1e-14)
    assert grads == pytest.approx({"pear": 4 * 1.08, "pear_num": 150 * 1.08, "lemon": 5 * 1.08,
                                   "lemon_num": 80 * 1.08, "bag": 1.08, "tax": 1020.0}, rel=1e-14)


def test_square_sum_and_add_mul():
    assert square_sum(1.0, 2.0) == (9.0, 6.0, 6.0)
    assert add_mul(-2.0, 5.0, -4.0) == (-12.0, -4.0, -4.0, 3.0)


def test_fan_out_adds_the_gradients_of_both_paths():
    # f = (x + y) * x: df/dx = 2x + y (via the add node and directly), df/dy = x.
    assert fan_out(2.0, 3.0) == (10.0, 7.0, 2.0)
