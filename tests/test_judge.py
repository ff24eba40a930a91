"""The judge: reference passes, known mistakes fail with their hint, other correct
answers pass, forged records fail cleanly."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest

from autograder.checks import diagnosis
from autograder.checks.cases import CHECKS
from autograder.checks.judge import REFERENCE, entry_errors, expected, judge, numeric
from autograder.checks.probe import record
from autograder.checks.tolerances import MIN_RIGHT_CLASS_PROBABILITY, NUMERIC_TOLERANCE, TRAIN_TARGET
from backprop.nn import layers
from reference import extra_layers
from reference.multi_layer_net import MultiLayerNet

MISTAKES = [(cid, m) for cid in diagnosis.catalogue()["checks"] for m in diagnosis.mistakes(cid)]
VARIANTS = [(cid, m) for cid, m in MISTAKES if m.variant]


def test_every_check_has_a_reference():
    assert set(REFERENCE) == set(CHECKS)


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_reference_recorded_through_probe_passes(check_id):
    verdict = judge(check_id, record(check_id, *REFERENCE[check_id]))
    assert verdict.passed, verdict.message
    assert verdict.hint is None


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_reference_agrees_with_numerical_gradient_oracle(check_id):
    want, oracle = expected(check_id), numeric(check_id)
    for name, value in oracle.items():
        assert np.max(entry_errors(want[name], value), initial=0) <= NUMERIC_TOLERANCE, name


def test_loss_cases_give_the_right_class_enough_probability():
    # LOSS_TOLERANCE accepts the book's + 1e-7 inside the log only under this condition.
    from backprop.nn.functions import class_indices, softmax

    for cid in ["ps3_cross_entropy", "ps3_swl_forward", "ps3_swl_backward"]:
        for case in CHECKS[cid].cases:
            y = case.inputs["y"] if "y" in case.inputs else softmax(case.inputs["x"])
            t = case.inputs["t"]
            if y.ndim == 1:
                y, t = y.reshape(1, -1), np.reshape(t, (1, -1))
            p = y[np.arange(len(y)), class_indices(t, y.shape)]
            assert p.min() >= MIN_RIGHT_CLASS_PROBABILITY, (cid, case.name)


def test_gradient_checks_have_a_numerical_oracle():
    with_oracle = {cid for cid in CHECKS if numeric(cid)}
    for cid in ["ps2_relu_backward", "ps2_affine_backward", "ps3_swl_backward", "ps3_softmax_layer",
                "ps4_gradient", "ps4_multi_gradient", "ps2_tanh_backward", "ps1_shopping_backward",
                "ps2_affine_last_axis_backward_nd", "ps1_add_mul_backward", "ps1_fan_out_backward"]:
        assert cid in with_oracle


@pytest.mark.parametrize("check_id,mistake", VARIANTS, ids=[f"{c}-{m.key}" for c, m in VARIANTS])
def test_each_known_mistake_fails_with_its_hint(check_id, mistake):
    verdict = judge(check_id, record(check_id, diagnosis._variant(mistake.variant)))
    assert not verdict.passed
    assert verdict.hint == mistake.hint
    assert "should" in verdict.message or "could not" in verdict.message or "raised" in verdict.message


def test_no_two_mistakes_of_a_check_look_alike():
    for cid, ms in {c: [m for m in diagnosis.mistakes(c) if m.variant] for c in diagnosis.catalogue()["checks"]}.items():
        outs = [diagnosis.variant_outputs(cid, m.key) for m in ms]
        for i in range(len(outs)):
            for j in range(len(outs)):
                if i != j and ms[i].hint != ms[j].hint:
                    assert not diagnosis.matches(outs[i], outs[j], expected(cid)), (cid, ms[i].key, ms[j].key)


def test_the_catalogue_names_real_checks_variants_and_rules():
    from reference import wrong_variants

    doc = diagnosis.catalogue()
    assert set(doc["checks"]) <= set(CHECKS)
    for cid in doc["checks"]:
        keys = [m.key for m in diagnosis.mistakes(cid)]
        assert len(set(keys)) == len(keys), cid
        for m in diagnosis.mistakes(cid):
            assert (m.variant is None) != (m.rule is None), (cid, m.key)
            assert m.rule is None or m.rule in diagnosis.RULES, (cid, m.key)
            assert m.variant is None or callable(getattr(wrong_variants, m.variant, None)), (cid, m.key)
    assert {"dout_changed", "grads_changed", "opposite_sign", "transposed"} <= set(doc["rules"])


# --- Correct answers written differently from the reference ---------------------------------

class ReluByMultiplying:
    def forward(self, x):
        self.positive = (x > 0).astype(float)
        return x * self.positive

    def backward(self, dout):
        return dout * self.positive


class SigmoidFromInputFormula:
    def forward(self, x):
        self.x = x.copy()
        return 1 / (1 + np.exp(-x))

    def backward(self, dout):
        e = np.exp(-self.x)
        return dout * e / (1 + e) ** 2


class AffineWithEinsum:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.shape = x.shape
        self.x = x.reshape(len(x), -1)
        return np.einsum("nd,dm->nm", self.x, self.W) + self.b

    def backward(self, dout):
        self.dW = np.einsum("nd,nm->dm", self.x, dout)
        self.db = dout.sum(axis=0)
        return np.einsum("nm,dm->nd", dout, self.W).reshape(self.shape)


def softmax_logsumexp(x):
    m = x.max(axis=-1, keepdims=True)
    return np.exp(x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))


def cross_entropy_book(y, t):
    """The book's version, with its + 1e-7 inside the log."""
    if y.ndim == 1:
        t, y = t.reshape(1, t.size), y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    n = y.shape[0]
    return -np.sum(np.log(y[np.arange(n), t] + 1e-7)) / n


class SoftmaxWithLossBook:
    def forward(self, x, t):
        self.t, self.y = t, softmax_logsumexp(x)
        return cross_entropy_book(self.y, t)

    def backward(self, dout=1):
        n = self.t.shape[0]
        if self.t.size == self.y.size:
            return dout * (self.y - self.t) / n
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        return dout * dx / n


class SoftmaxLayerWithJacobian:
    def forward(self, x):
        self.y = softmax_logsumexp(x)
        return self.y

    def backward(self, dout):
        rows = [(np.diag(y) - np.outer(y, y)) @ g for y, g in zip(self.y.reshape(-1, self.y.shape[-1]),
                                                                  dout.reshape(-1, dout.shape[-1]))]
        return np.array(rows).reshape(dout.shape)


def cross_entropy_as_1_element_array(y, t):
    return np.array([cross_entropy_book(y, t)])


def sgd_rebinding(params, grads, lr):
    for key in list(params):
        params[key] = params[key] - lr * grads[key]


def gradient_check_by_norm(net, x, t):
    a, n = net.gradient(x, t), net.numerical_gradient(x, t)
    return {k: float(np.linalg.norm(a[k] - n[k]) / (np.linalg.norm(a[k]) + np.linalg.norm(n[k]))) for k in a}


ALTERNATIVES = [
    ("ps2_relu_backward", (ReluByMultiplying,)),
    ("ps2_sigmoid_backward", (SigmoidFromInputFormula,)),
    ("ps2_affine_backward", (AffineWithEinsum,)),
    ("ps3_softmax", (softmax_logsumexp,)),
    ("ps3_cross_entropy", (cross_entropy_book,)),
    ("ps3_cross_entropy", (cross_entropy_as_1_element_array,)),
    ("ps3_swl_forward", (SoftmaxWithLossBook,)),
    ("ps3_swl_backward", (SoftmaxWithLossBook,)),
    ("ps3_softmax_layer", (SoftmaxLayerWithJacobian,)),
    ("ps4_sgd_step", (sgd_rebinding,)),
    ("ps4_gradient_check", (gradient_check_by_norm,)),
    ("ps4_train", (MultiLayerNet, sgd_rebinding)),
    ("ps2_sigmoid_from_nodes", (layers.Sigmoid,)),
]


@pytest.mark.parametrize("check_id,objects", ALTERNATIVES, ids=[a[0] for a in ALTERNATIVES])
def test_a_correct_answer_written_differently_passes(check_id, objects):
    verdict = judge(check_id, record(check_id, *objects))
    assert verdict.passed, verdict.message


# --- Wrong answers without a diagnosis, and forged records ----------------------------------

def test_an_undiagnosed_wrong_answer_shows_first_differing_entry():
    class TanhHalf(extra_layers.Tanh):
        def backward(self, dout):
            return 0.5 * super().backward(dout)

    verdict = judge("ps2_tanh_backward", record("ps2_tanh_backward", TanhHalf))
    assert not verdict.passed and verdict.hint is None
    assert "case 'random batch (4, 5)': dx[0, 0] should be " in verdict.message


def test_a_network_that_does_not_learn_fails_with_its_accuracy():
    verdict = judge("ps4_train", record("ps4_train", MultiLayerNet, lambda params, grads, lr: None))
    assert not verdict.passed
    assert f"should reach {TRAIN_TARGET:.0%}" in verdict.message


def test_a_gradient_checker_that_always_says_zero_fails():
    verdict = judge("ps4_gradient_check", record("ps4_gradient_check", lambda net, x, t: {"W": 0.0, "b": 0.0}))
    assert not verdict.passed and "gradient is wrong" in verdict.message


def test_missing_record_and_unknown_check_fail_plainly():
    assert not judge("ps2_relu_backward", None).passed
    assert "unknown check" in judge("no_such_check", {}).message


def _reference_record(check_id="ps2_relu_backward"):
    return copy.deepcopy(record(check_id, *REFERENCE[check_id]))


def _first_output(rec):
    return next(k for k, v in rec["outputs"].items() if "/dx" in k)


FORGERIES = {
    "not a dict": lambda r: "All tests passed",
    "wrong check id": lambda r: {**r, "check": "ps2_tanh"},
    "extra top-level key": lambda r: {**r, "passed": True},
    "NaN in data": lambda r: r["outputs"][_first_output(r)]["data"][0].__setitem__(0, float("nan")) or r,
    "string number": lambda r: r["outputs"][_first_output(r)]["data"][0].__setitem__(0, "1.0") or r,
    "bool number": lambda r: r["outputs"][_first_output(r)]["data"][0].__setitem__(0, True) or r,
    "wrong stated shape": lambda r: r["outputs"][_first_output(r)].__setitem__("shape", [5, 4]) or r,
    "ragged data": lambda r: r["outputs"][_first_output(r)]["data"].append([1.0]) or r,
    "huge shape": lambda r: r["outputs"][_first_output(r)].__setitem__("shape", [10 ** 6, 10 ** 6]) or r,
    "extra output key": lambda r: r["outputs"][_first_output(r)].__setitem__("passed", True) or r,
    "outputs missing": lambda r: {**r, "outputs": {}},
}


@pytest.mark.parametrize("forge", list(FORGERIES), ids=list(FORGERIES))
def test_a_forged_record_fails_cleanly(forge):
    verdict = judge("ps2_relu_backward", FORGERIES[forge](_reference_record()))
    assert not verdict.passed
    assert verdict.message.startswith("Relu.backward:") or "unknown" in verdict.message


# --- Hints on the cases the code could run; messages that name what is missing ----------------

class BiasNotSummedNoTensors(layers.Affine):
    """The bias mistake, by code that also cannot take a tensor input (it raises there)."""

    def forward(self, x):
        if np.ndim(x) > 2:
            raise ValueError("only (N, D) inputs")
        return super().forward(x)

    def backward(self, dout):
        dx = super().backward(dout)
        self.db = np.array(dout, dtype=float)
        return dx


def test_a_hint_is_given_when_the_mistake_shows_on_the_cases_that_ran():
    verdict = judge("ps2_affine_backward", record("ps2_affine_backward", BiasNotSummedNoTensors))
    assert not verdict.passed
    assert verdict.hint == next(m.hint for m in diagnosis.mistakes("ps2_affine_backward") if m.key == "bias_not_summed")


def test_a_right_answer_that_raises_on_one_case_gets_no_hint():
    class AffineNoTensors(layers.Affine):
        def forward(self, x):
            if np.ndim(x) > 2:
                raise ValueError("only (N, D) inputs")
            return super().forward(x)

    verdict = judge("ps2_affine_backward", record("ps2_affine_backward", AffineNoTensors))
    assert not verdict.passed and verdict.hint is None


def test_no_result_recorded_says_so_without_guessing_why():
    message = judge("ps2_sigmoid_from_nodes", None).message
    assert "no result was recorded" in message and "SigmoidFromNodes" in message
    assert "most likely" not in message.lower()  # the cause comes from the notebook (autograder.pipeline.stopped)


def test_a_failure_caused_by_an_earlier_exercise_says_so():
    def fan_out(x, y):
        return Tanh().forward(x), 0.0, 0.0  # noqa: F821 - Tanh is another exercise's answer, not defined here

    verdict = judge("ps1_fan_out_backward", record("ps1_fan_out_backward", fan_out))
    assert not verdict.passed
    assert "Tanh is the answer of an earlier exercise" in verdict.message and "make its cell run" in verdict.message


def test_later_exercises_run_with_stand_ins_for_earlier_ones():
    """SigmoidFromNodes with a broken Exp in its namespace still passes: the check binds a correct Exp."""
    broken_exp = type("Exp", (extra_layers.Exp,), {"backward": lambda self, dout: dout})
    namespace = {"MulLayer": layers.MulLayer, "AddLayer": layers.AddLayer, "Exp": broken_exp,
                 "Reciprocal": extra_layers.Reciprocal}
    exec("class SigmoidFromNodes:\n"
         "    def __init__(self):\n"
         "        self.negate, self.exp, self.add_one, self.reciprocal = MulLayer(), Exp(), AddLayer(), Reciprocal()\n"
         "    def forward(self, x):\n"
         "        return self.reciprocal.forward(self.add_one.forward(self.exp.forward(self.negate.forward(x, -1.0)), 1.0))\n"
         "    def backward(self, dout):\n"
         "        db, _ = self.add_one.backward(self.reciprocal.backward(dout))\n"
         "        return self.negate.backward(self.exp.backward(db))[0]\n", namespace)
    verdict = judge("ps2_sigmoid_from_nodes", record("ps2_sigmoid_from_nodes", namespace["SigmoidFromNodes"]))
    assert verdict.passed, verdict.message
    assert namespace["Exp"] is broken_exp, "the student's own Exp is put back after the check"
    with_broken_exp = namespace["SigmoidFromNodes"]()
    with_broken_exp.forward(np.array([1.0]))
    assert not np.isclose(with_broken_exp.backward(np.array([1.0]))[0], 0.19661193), "control: the broken Exp is wrong"


# --- Messages with enough digits; the initialiser's scale; layers named in order -----------------

def test_a_tiny_difference_is_shown_with_the_digits_that_differ():
    class TanhAlmost(extra_layers.Tanh):
        def backward(self, dout):
            return super().backward(dout) * (1 + 3e-9)

    message = judge("ps2_tanh_backward", record("ps2_tanh_backward", TanhAlmost)).message
    should, got = re.search(r"should be (\S+), got (\S+?)\.(?: |$)", message).groups()
    assert should != got and float(should) != float(got), message


class MultiLayerNetBookInit(MultiLayerNet):
    """Another right initialiser: the book's np.random.randn (a fixed legacy generator here)."""

    def __init__(self, input_size, hidden_size_list, output_size, weight_init_std=0.01, seed=None):
        super().__init__(input_size, hidden_size_list, output_size, weight_init_std, seed)
        rng = np.random.RandomState(7)
        for key in self.params:
            if key.startswith("W"):
                self.params[key][...] = weight_init_std * rng.randn(*self.params[key].shape)


def test_the_initialiser_check_measures_the_weights_scale():
    from reference.wrong_variants import NetFixedScale

    assert judge("ps4_multi_init_scale", record("ps4_multi_init_scale", MultiLayerNetBookInit)).passed
    verdict = judge("ps4_multi_init_scale", record("ps4_multi_init_scale", NetFixedScale))
    assert not verdict.passed and "weight_init_std" in verdict.hint
    assert "the standard deviation of params['W1'] divided by weight_init_std should be within 0.1 of 1" \
        in verdict.message
    # Shapes alone do not see it: the structure check passes the same initialiser.
    assert judge("ps4_multi_init", record("ps4_multi_init", NetFixedScale)).passed


def test_layers_in_the_wrong_order_are_named_in_the_message():
    from reference.wrong_variants import NetLayerOrder

    message = judge("ps4_multi_init", record("ps4_multi_init", NetLayerOrder)).message
    assert "should be ['Affine1', 'Relu1', 'Affine2', 'Relu2', 'Affine3'], " \
           "got ['Affine1', 'Affine2', 'Affine3', 'Relu1', 'Relu2']" in message
