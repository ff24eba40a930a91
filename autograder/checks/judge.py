"""Trusted side of a check: compare what the probe recorded with two oracles.

Runs only in the instructor's process, never in a student's kernel. For each
case of a check it computes the expected outputs by running the same case on
the reference objects, and, where the case defines one, the numerical gradient
of the reference *forward* pass.

The two oracles play different parts. A student's output passes when it agrees
with the *reference* within its tolerance; the numerical gradient confirms the
reference itself (``confirmed_expected`` refuses to grade against a reference
that disagrees with it). Accepting agreement with the numerical gradient alone
would pass a backward pass computed by finite differences instead of the chain
rule: such an answer lands within ``NUMERIC_TOLERANCE`` of the numerical oracle
by construction. A correct analytic answer written differently from the
reference agrees with it to rounding (about 1e-12, see ``tolerances``), so it
still earns full marks. Failures name a diagnosed mistake when one fits
(``autograder.checks.diagnosis``), else the first differing entry.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from backprop.nn import chain_rule as book_chain_rule, functions, layers
from backprop.nn.expect import distinct, number
from backprop.nn.gradcheck import REL_ERROR_FLOOR

from autograder.i18n import N_, _, translate
from backprop.nn.two_layer_net import TwoLayerNet
from reference import autograd, chain_rule, extra_layers, training
from reference.multi_layer_net import MultiLayerNet

from . import diagnosis
from .cases import CHECKS, spiral
from .coerce import MalformedRecord, parse_record
from .drivers import AWAY, LAYER_KINDS
from .probe import RAISED, record
from .tolerances import (GRADCHECK_LARGE, GRADCHECK_SMALL, LOSS_TOLERANCE, NUMERIC_TOLERANCE, REFERENCE_TOLERANCE,
                         SCALE_SHARE, SCALE_TOLERANCE, TRAIN_TARGET)

#: The held-out points for the training check: not the ones trained on.
HELD_OUT_SEED, HELD_OUT_PER_CLASS = 1234, 100

REFERENCE = {
    "ps1_shopping_forward": (chain_rule.shopping,), "ps1_shopping_backward": (chain_rule.shopping,),
    "ps1_square_forward": (extra_layers.Square,), "ps1_square_backward": (extra_layers.Square,),
    "ps1_square_sum": (book_chain_rule.square_sum,), "ps1_add_mul_forward": (chain_rule.add_mul,),
    "ps1_add_mul_backward": (chain_rule.add_mul,), "ps1_fan_out_forward": (chain_rule.fan_out,),
    "ps1_fan_out_backward": (chain_rule.fan_out,), "ps1_autograd": (autograd.Value,),
    "ps2_mul_backward": (layers.MulLayer,), "ps2_add_backward": (layers.AddLayer,),
    "ps2_relu_backward": (layers.Relu,), "ps2_sigmoid_backward": (layers.Sigmoid,),
    "ps2_affine_backward": (layers.Affine,), "ps2_sigmoid_from_nodes": (extra_layers.SigmoidFromNodes,),
    **{f"ps2_{name}_{part}": (cls,) for name, cls in [
        ("tanh", extra_layers.Tanh), ("leaky_relu", extra_layers.LeakyRelu), ("exp", extra_layers.Exp),
        ("reciprocal", extra_layers.Reciprocal)] for part in ("forward", "backward")},
    **{f"ps2_affine_last_axis_{part}": (extra_layers.AffineLastAxis,)
       for part in ("forward", "backward", "backward_nd")},
    "ps3_softmax": (functions.softmax,), "ps3_cross_entropy": (functions.cross_entropy_error,),
    "ps3_swl_forward": (layers.SoftmaxWithLoss,), "ps3_swl_backward": (layers.SoftmaxWithLoss,),
    "ps3_softmax_layer": (extra_layers.Softmax,), "ps3_mse_forward": (extra_layers.MeanSquaredError,),
    "ps3_mse_backward": (extra_layers.MeanSquaredError,),
    "ps4_gradient": (TwoLayerNet,), "ps4_gradient_check": (training.gradient_check,),
    "ps4_sgd_step": (training.sgd_step,), "ps4_multi_init": (MultiLayerNet,),
    "ps4_multi_init_scale": (MultiLayerNet,),
    "ps4_multi_gradient": (MultiLayerNet,), "ps4_train": (MultiLayerNet, training.sgd_step),
}


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str
    hint: str | None = None


@functools.lru_cache(maxsize=None)
def expected(check_id: str) -> dict:
    """The reference objects' record, parsed like a student's."""
    return parse_record(record(check_id, *REFERENCE[check_id]), check_id)


@functools.lru_cache(maxsize=None)
def numeric(check_id: str) -> dict:
    """{"case/output": numerical gradient} for every smooth case of the check."""
    out = {}
    for case in CHECKS[check_id].cases:
        if case.numeric is not None:
            for name, value in case.numeric(REFERENCE[check_id], case.inputs).items():
                out[f"{case.name}/{name}"] = np.asarray(value, dtype=np.float64)
    return out


@functools.lru_cache(maxsize=None)
def confirmed_expected(check_id: str) -> dict:
    """``expected(check_id)`` after checking it against the numerical oracle.

    A reference gradient off the numerical one is the course's bug, not the
    student's: grading stops with an error instead of judging against it.
    """
    want = expected(check_id)
    for name, value in numeric(check_id).items():
        if name not in want or np.any(entry_errors(want[name], value) > NUMERIC_TOLERANCE):
            raise RuntimeError(f"the reference for {check_id} disagrees with the numerical gradient at {name}; "
                               "fix the reference before grading")
    return want


def entry_errors(actual, wanted) -> np.ndarray:
    """Entrywise relative error, as ``backprop.nn.gradcheck.rel_error`` but on the array's scale.

    An entry far smaller than the array's largest (sigmoid's slope at x = 30 is
    1e-13 next to 0.25 at x = 0) carries the rounding error of the large ones
    (1 - out loses its digits), so the denominator is at least ``SCALE_SHARE``
    of the largest wanted entry.
    """
    scale = SCALE_SHARE * np.max(np.abs(wanted), initial=0.0)
    return np.abs(actual - wanted) / np.maximum(max(REL_ERROR_FLOOR, scale), np.abs(actual) + np.abs(wanted))


_LABELS = (  # internal output names -> words a student recognises
    (re.compile(r"^dout_after$"), N_("dout after backward")),
    (re.compile(r"^grads_after_(\w+)$"), N_("grads['{key}'] after sgd_step")),
    (re.compile(r"^shape_(\w+)$"), N_("the shape of params['{key}']")),
    (re.compile(r"^scale_(\w+)$"), N_("the standard deviation of params['{key}'] divided by weight_init_std")),
    (re.compile(r"^centre_(\w+)$"), N_("the mean of params['{key}'] divided by weight_init_std")),
    (re.compile(r"^n_params$"), N_("the number of entries in params")),
    (re.compile(r"^n_layers$"), N_("the number of entries in layers")),
    (re.compile(r"^error_(\w+)$"), N_("the relative error for '{key}'")),
    (re.compile(r"^d([Wb]\d+)$"), "grads['{key}']"),
    (re.compile(r"^([Wb]\d*)$"), "params['{key}']"),
)


def _where(name: str, index) -> str:
    output = name.split("/", 1)[1]
    for pattern, label in _LABELS:
        found = pattern.match(output)
        if found:
            output = translate(label).replace("{key}", found.group(1) if pattern.groups else "")
            break
    if not index:
        return output
    where = ", ".join(map(str, index))
    return f"{output}[{where}]" if " " not in output else _("entry [{where}] of {output}", where=where, output=output)


_KIND_NAMES = {code: name for name, code in LAYER_KINDS.items()}


def _layer_list(value: np.ndarray, named: bool) -> str:
    """The layers a record describes: "['Affine1', 'Relu1', ...]" or, by class, "[Affine, Relu, ...]"."""
    if named:
        return str([_KIND_NAMES.get(int(kind), "?") + (str(int(n)) if n >= 0 else "") for kind, n in value])
    return "[" + ", ".join(_KIND_NAMES.get(int(kind), _("another class")) for kind in value) + "]"


def _compare_layers(name, actual, wanted):
    output = name.split("/", 1)[1]
    named = output == "layer_names"
    if actual.shape == wanted.shape and np.array_equal(actual, wanted):
        return None
    if named and (actual.ndim != 2 or actual.shape[1:] != (2,)):
        return None if actual.size == wanted.size == 0 else _("the layer names could not be read")
    if named:
        return _("the layers, in order, should be {want}, got {got}", want=_layer_list(wanted, named),
                 got=_layer_list(actual, named))
    return _("the classes of the layers, in order, should be {want}, got {got}", want=_layer_list(wanted, named),
             got=_layer_list(actual, named))


#: Sample statistics of random weights (``drivers.net_scale``): compared with what the
#: distribution asked for, not with the reference's own draw, within SCALE_TOLERANCE.
NOMINAL = {"scale_": 1.0, "centre_": 0.0}


def _nominal(name: str) -> float | None:
    output = name.split("/", 1)[1]
    return next((value for prefix, value in NOMINAL.items() if output.startswith(prefix)), None)


def _case(name: str, problem: str) -> str:
    """``problem`` of the case ``name`` (the case's name is shown in the course's language)."""
    return _("case '{case}': {problem}", case=translate(name), problem=problem)


def compare_output(name, actual, wanted):
    """None when ``actual`` agrees with the reference ``wanted``, else a message."""
    case = name.split("/", 1)[0]
    if isinstance(actual, str):
        return _case(case, _("{what} could not be computed: {error}", what=_where(name, ()), error=actual))
    if name.endswith(("/layer_names", "/layer_types")):
        problem = _compare_layers(name, actual, wanted)
        return problem and _case(case, problem)
    if wanted.shape == () and actual.size == 1:
        actual = actual.reshape(())  # a loss returned as [2.5] is still the number 2.5
    if actual.shape != wanted.shape:
        return _case(case, _("{what} should have shape {want}, got {got}", what=_where(name, ()),
                             want=tuple(wanted.shape), got=tuple(actual.shape)))
    nominal = _nominal(name)
    if nominal is not None:
        if abs(float(actual) - nominal) <= SCALE_TOLERANCE:
            return None
        return _case(case, _("{what} should be within {tolerance:g} of {want}, got {got}", what=_where(name, ()),
                             tolerance=SCALE_TOLERANCE, want=number(nominal, 1), got=number(float(actual), 3)))
    tol = LOSS_TOLERANCE if name.endswith("/loss") else REFERENCE_TOLERANCE
    errors = entry_errors(actual, wanted)
    if not np.any(errors > tol):
        return None
    index = tuple(int(i) for i in np.argwhere(errors > tol)[0]) if errors.ndim else ()
    want_text, got_text = distinct(float(wanted[index]), float(actual[index]))
    return _case(case, _("{what} should be {want}, got {got}", what=_where(name, index), want=want_text, got=got_text))


def _away(outputs, case_name):
    """The message for a case whose backward evaluated forward away from its input, else None."""
    count = outputs.get(f"{case_name}/{AWAY}")
    if not isinstance(count, np.ndarray) or count.shape != () or count <= 0:
        return None
    return _case(case_name, _("while computing the gradient your code ran the forward pass {count} time(s) at "
                              "inputs or parameters other than the ones it was given. That is numerical "
                              "differentiation, which earns no points here: compute the gradient with the chain "
                              "rule from what forward stored", count=int(count)))


_UNDEFINED = re.compile(r"NameError(?: in \w+)?: name '(\w+)' is not defined")


def _defined_by(name: str) -> str | None:
    """The title of the exercise whose answer ``name`` is, if it is one."""
    return next((check.title for check in CHECKS.values() if name in check.objects), None)


def _raised(outputs, case_name):
    text = outputs.get(f"{case_name}/{RAISED}")
    if not isinstance(text, str):
        return None
    undefined = _UNDEFINED.search(text)
    if undefined and _defined_by(undefined.group(1)):
        return _("case '{case}' raised {error} ({name} is the answer of an earlier exercise, {exercise}: make its "
                 "cell run without errors first)", case=translate(case_name), error=text, name=undefined.group(1),
                 exercise=translate(_defined_by(undefined.group(1))))
    return _("case '{case}' raised {error}", case=translate(case_name), error=text)


def _close(check, outputs, want):
    problems = []
    for case in check.cases:
        problem = _raised(outputs, case.name) or _away(outputs, case.name)
        for name in (n for n in want if n.startswith(case.name + "/")):
            if problem:
                break
            if name not in outputs:
                problem = _case(case.name, _("no value was recorded for {what}", what=_where(name, ())))
            else:
                problem = compare_output(name, outputs[name], want[name])
        if problem:
            problems.append(problem)
    return problems


def _gradcheck(check, outputs, want):
    problems = []
    for name, wanted in want.items():
        case = name.split("/", 1)[0]
        actual = outputs.get(name)
        problem = _raised(outputs, case)
        if problem is None and (not isinstance(actual, np.ndarray) or actual.shape != ()):
            problem = _case(case, _("{what} should be one number, got {got}", what=_where(name, ()),
                                    got=repr(actual)[:200]))
        elif problem is None:
            value = float(actual)
            if wanted < GRADCHECK_SMALL and not 0 <= value < GRADCHECK_SMALL:
                problem = _case(case, _("the gradient is right, so {what} should be below {bound:g}, got {got}",
                                        what=_where(name, ()), bound=GRADCHECK_SMALL, got=number(value)))
            elif wanted > GRADCHECK_LARGE and not value > GRADCHECK_LARGE:
                problem = _case(case, _("the gradient is wrong, so {what} should be above {bound:g}, got {got}",
                                        what=_where(name, ()), bound=GRADCHECK_LARGE, got=number(value)))
        if problem and problem not in problems:
            problems.append(problem)
    return problems


def held_out_accuracy(params: dict) -> float:
    """Accuracy of a reference MultiLayerNet holding ``params`` on the held-out spiral."""
    x, t = spiral(HELD_OUT_PER_CLASS, HELD_OUT_SEED)
    n_affine = len(params) // 2
    hidden = [params[f"W{i}"].shape[1] for i in range(1, n_affine)]
    net = MultiLayerNet(x.shape[1], hidden, 3)
    net.params = {key: params[key] for key in net.params}
    return net.accuracy(x, t)


def _accuracy(check, outputs, want):
    case = check.cases[0].name
    problem = _raised(outputs, case)
    if problem:
        return [problem]
    params = {}
    for name, wanted in want.items():
        actual = outputs.get(name)
        if not isinstance(actual, np.ndarray) or actual.shape != wanted.shape:
            return [_case(case, _("{what} should be an array of shape {shape} after training", what=_where(name, ()),
                                  shape=tuple(wanted.shape)))]
        params[name.split("/", 1)[1]] = actual
    accuracy = held_out_accuracy(params)
    if accuracy < TRAIN_TARGET:
        return [_("after training, the network classifies {accuracy:.1%} of held-out points correctly; it should "
                  "reach {target:.0%}", accuracy=accuracy, target=TRAIN_TARGET)]
    return []


COMPARE = {"close": _close, "gradcheck": _gradcheck, "accuracy": _accuracy}


def judge(check_id: str, recorded) -> Verdict:
    """Verdict on one probe record (None when the test cell produced none)."""
    check = CHECKS.get(check_id)
    if check is None:
        return Verdict(False, _("unknown check {check}: the test cell was changed", check=repr(str(check_id)[:80])))
    if recorded is None:
        # Why the cell stopped is in the notebook, not in the record: the pipeline adds it
        # (autograder.pipeline.stopped), so no cause is guessed here.
        return Verdict(False, _("{title}: no result was recorded: the test cell stopped before its hidden check "
                                "could run {objects}.", title=translate(check.title), objects=" and ".join(check.objects)))
    try:
        outputs = parse_record(recorded, check_id)
    except MalformedRecord as exc:
        return Verdict(False, _("{title}: the recorded result is not valid ({error}); no credit.",
                                title=translate(check.title), error=exc))
    problems = COMPARE[check.compare](check, outputs, confirmed_expected(check_id))
    if not problems:
        names = ", ".join(translate(case.name) for case in check.cases)
        return Verdict(True, _("{title}: passed on {count} case(s): {names}.", title=translate(check.title),
                               count=len(check.cases), names=names))
    hint = diagnosis.diagnose(check_id, outputs, expected(check_id))
    if len(problems) > 1:
        return Verdict(False, _("{title}: {problem}. ({more} more case(s) differ.)", title=translate(check.title),
                                problem=problems[0], more=len(problems) - 1), hint)
    return Verdict(False, _("{title}: {problem}.", title=translate(check.title), problem=problems[0]), hint)
