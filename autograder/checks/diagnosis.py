"""Name the likely mistake behind a failed check, in plain words.

Each ``Mistake`` is a known-wrong variant of the reference (a small subclass
or function in ``autograder.checks.wrong_variants``) with a hint. The judge runs the
check's cases on it exactly as on the student's code; when the student's
recorded outputs match the variant's everywhere, the hint is shown. Trusted
side only.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from . import wrong_variants as w
from .coerce import parse_record
from .probe import NONFINITE, RAISED, record
from .tolerances import LOSS_TOLERANCE, MATCH_TOLERANCE


DOUT_HINT = ("backward changed the caller's dout (e.g. dout[mask] = 0 or dout *= ... writes into it); "
             "build a new array instead, e.g. np.where(mask, 0, dout) or dout * slope.")
GRADS_HINT = "sgd_step changed the gradients it was given; only params should change."


@dataclass(frozen=True)
class Mistake:
    key: str
    hint: str
    objects: tuple


_NOT_DIVIDED = "the loss is not divided by the batch size: take the mean over the N rows, not the sum."
_GRAD_NOT_DIVIDED = "the gradient is not divided by the batch size N: the loss is a mean over the batch."

MISTAKES = {
    "ps1_shopping_backward": [
        Mistake("tax_without_bag", "d(price)/d(tax) is the whole amount that gets taxed, the bag fee included.",
                (w.shopping_tax_without_bag,)),
        Mistake("mul_not_swapped", "a multiply node sends each input the OTHER input times dout: "
                "d(price)/d(pear) = pear_num * tax, d(price)/d(pear_num) = pear * tax.", (w.shopping_not_swapped,)),
    ],
    "ps1_square_backward": [Mistake("square_no_two", "the slope of x**2 is 2x: the factor 2 is missing.",
                                    (w.SquareNoTwo,))],
    "ps1_square_sum": [Mistake("square_at_inputs", "the square node's slope is 2t at its own input t = x + y, "
                               "not 2x or 2y: dz/dx = 2 * (x + y) * 1.", (w.square_sum_at_inputs,))],
    "ps1_add_mul": [Mistake("no_chain", "df/dx is the add node's local slope (1) times the gradient "
                            "arriving from the multiply node (z): df/dx = z.", (w.add_mul_no_chain,))],
    "ps1_autograd": [Mistake("overwrites", "a value used along several paths gets a gradient from each: add "
                             "them up (parent.grad += local * value.grad), do not overwrite with =.",
                             (w.ValueOverwrites,))],
    "ps2_mul_backward": [Mistake("not_swapped", "a multiply node swaps its inputs: dx = dout * y and "
                                 "dy = dout * x.", (w.MulNotSwapped,))],
    "ps2_add_backward": [
        Mistake("returns_ones", "an add node passes dout on unchanged: return (dout, dout), not (1, 1).",
                (w.AddReturnsOnes,)),
        Mistake("drops_branch", "an add node passes dout to BOTH inputs: return (dout, dout). One of your "
                "gradients is 0, so everything on that branch of the graph would get no gradient.",
                (w.AddDropsBranch,)),
    ],
    "ps2_relu_backward": [
        Mistake("writes_dout", DOUT_HINT, (w.ReluWritesDout,)),
        Mistake("slope_one_at_zero", "at x == 0 ReLU's slope counts as 0 (use the mask x <= 0, as forward does).",
                (w.ReluSlopeOneAtZero,)),
        Mistake("no_mask", "ReLU's backward passed dout through unchanged: where x <= 0 (the mask forward "
                "saved) the slope is 0, so dx = np.where(self.mask, 0, dout).", (w.ReluNoMask,)),
    ],
    "ps2_sigmoid_backward": [
        Mistake("from_input", "the sigmoid's derivative was computed from the input x; "
                "it is out * (1 - out), from the stored output.", (w.SigmoidFromInput,)),
        Mistake("drops_dout", "backward must multiply its local slope by the gradient arriving from above: "
                "dx = dout * out * (1 - out); out * (1 - out) alone ignores dout.", (w.SigmoidNoDout,)),
    ],
    "ps2_affine_backward": [
        Mistake("bias_not_summed", "the bias gradient is not summed over the batch: b is added to every row, "
                "so db = np.sum(dout, axis=0), shape (M,).", (w.AffineBiasNotSummed,)),
        Mistake("bias_averaged", "db must be the sum of dout over the batch, not its mean.", (w.AffineBiasAveraged,)),
        Mistake("dx_not_reshaped", "dx must have the shape of the original x: reshape it back "
                "(forward flattened the input to (N, D)).", (w.AffineDxFlat,)),
        Mistake("dW_transposed", "dW has the shape of W (D, M): dW = x.T @ dout, not dout.T @ x.",
                (w.AffineDwTransposed,)),
    ],
    "ps2_tanh": [Mistake("from_input", "tanh's slope is 1 - out**2, from the output tanh(x), not 1 - x**2.",
                         (w.TanhFromInput,))],
    "ps2_leaky_relu": [
        Mistake("zero_slope", "for x <= 0 the slope of LeakyRelu is alpha, not 0.", (w.LeakyZeroSlope,)),
        Mistake("fixed_alpha", "use the alpha given to __init__, not a fixed 0.01.", (w.LeakyFixedAlpha,)),
    ],
    "ps2_exp": [Mistake("slope_one", "the slope of exp is exp(x), its own output: dx = dout * out.",
                        (w.ExpSlopeOne,))],
    "ps2_reciprocal": [Mistake("no_minus", "the slope of 1/x is -1/x**2: the minus sign is missing.",
                               (w.ReciprocalNoMinus,))],
    "ps2_sigmoid_from_nodes": [Mistake("sign_lost", "the x(-1) node multiplies the gradient by -1 on the "
                                       "way back too; its sign is lost.", (w.NodesSigmoidSignLost,))],
    "ps3_softmax": [
        Mistake("no_max_shift", "softmax overflows for large scores: subtract each row's maximum before exp "
                "(np.max(x, axis=-1, keepdims=True)).", (w.softmax_no_shift,)),
        Mistake("wrong_axis", "softmax is taken over the wrong axis: each ROW (one sample's scores) must "
                "sum to 1, so use axis=-1 (or 1), not axis=0.", (w.softmax_columns,)),
        Mistake("whole_batch", "each row must sum to 1: sum over axis=-1 with keepdims=True, not over the "
                "whole batch.", (w.softmax_whole_batch,)),
        Mistake("global_max", "subtract each ROW's maximum (np.max(x, axis=-1, keepdims=True)), not the maximum "
                "of the whole array: next to a row of large scores, a row of small ones underflows to 0 / 0.",
                (w.softmax_global_max,)),
    ],
    "ps3_cross_entropy": [Mistake("not_divided", _NOT_DIVIDED, (w.ce_sum,))],
    "ps3_swl_forward": [Mistake("not_divided", _NOT_DIVIDED, (w.SwlLossSum,))],
    "ps3_swl_backward": [
        Mistake("not_divided", _GRAD_NOT_DIVIDED, (w.SwlNotDivided,)),
        Mistake("ignores_dout", "backward(dout) must multiply by dout (it is 1 only by default).",
                (w.SwlIgnoresDout,)),
        Mistake("only_one_hot", "backward works for one-hot targets but not for class labels t of shape (N,): "
                "turn labels into one-hot rows first (or subtract 1 at each row's label), then "
                "dx = dout * (y - t) / N.", (w.SwlOnlyOneHot,)),
    ],
    "ps3_softmax_layer": [Mistake("diagonal_only", "dout * y * (1 - y) keeps only the diagonal of softmax's "
                                  "Jacobian; every output depends on every input: "
                                  "dx = y * (dout - sum(dout * y, axis=-1, keepdims=True)).", (w.SoftmaxDiagonal,))],
    "ps3_mse_forward": [Mistake("not_divided", _NOT_DIVIDED, (w.MseNotDivided,))],
    "ps3_mse_backward": [Mistake("not_divided", _GRAD_NOT_DIVIDED, (w.MseGradNotDivided,))],
    "ps4_gradient_check": [Mistake("mean_abs", "report the relative error (rel_error from backprop.nn.gradcheck), "
                                   "not the mean absolute difference: the difference shrinks and grows with the "
                                   "size of the gradients, so it calls a wrong tiny gradient right and a right "
                                   "huge one wrong.", (w.gradient_check_mean_abs,))],
    "ps4_sgd_step": [
        Mistake("ascent", "the step goes uphill: subtract lr * grad to go down the loss.", (w.sgd_ascent,)),
        Mistake("ignores_lr", "the step must be scaled by the learning rate: params -= lr * grads.",
                (w.sgd_ignores_lr,)),
        Mistake("returns_new_dict", "sgd_step must change the caller's params (params[key] -= ...); "
                "returning a new dict leaves them as they were.", (w.sgd_returns_new_dict,)),
    ],
    "ps4_multi_init": [Mistake("relu_on_scores", "there is no ReLU after the last Affine layer: the "
                                   "scores go straight to Softmax-with-Loss.", (w.NetReluOnScores,))],
}


@functools.lru_cache(maxsize=None)
def variant_outputs(check_id: str, key: str) -> dict:
    mistake = next(m for m in MISTAKES[check_id] if m.key == key)
    return parse_record(record(check_id, *mistake.objects), check_id)


def _same(a, b, tolerance=MATCH_TOLERANCE) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        if not (isinstance(a, str) and isinstance(b, str)):
            return False
        return a.startswith(NONFINITE) == b.startswith(NONFINITE)
    if a.shape != b.shape:
        return False
    scale = np.maximum(1e-8, np.abs(a) + np.abs(b))
    return bool(np.all(np.abs(a - b) / scale <= tolerance))


def _by_case(outputs: dict) -> dict:
    cases: dict = {}
    for name, value in outputs.items():
        case, _, output = name.partition("/")
        cases.setdefault(case, {})[output] = value
    return cases


def _agree(a: dict, b: dict) -> bool:
    return set(a) == set(b) and all(
        _same(a[k], b[k], LOSS_TOLERANCE if k == "loss" else MATCH_TOLERANCE) for k in b)


def matches(outputs: dict, variant: dict, want: dict | None = None) -> bool:
    """True when the outputs agree with the variant's on every case the student's code could run.

    A case where the student's code raised (for a reason of its own: a batch of one it
    does not handle, say) is left out unless the variant raised there too, which
    counts as agreement. The outputs must agree everywhere else, and on at least one
    case the variant must show its mistake (differ from ``want``, or raise), so that
    a right answer never gets a mistake's hint.
    """
    student, wrong = _by_case(outputs), _by_case(variant)
    right = _by_case(want) if want is not None else {}
    if set(student) != set(wrong):
        return False
    evidence = False
    for case, mine in student.items():
        theirs = wrong[case]
        if RAISED in mine:
            if RAISED in theirs:
                evidence = True
            continue
        if RAISED in theirs or not _agree(mine, theirs):
            return False
        if want is None or not _agree(theirs, right.get(case, {})):
            evidence = True
    return evidence


def diagnose(check_id: str, outputs: dict, want: dict) -> str | None:
    """The hint of the first mistake the outputs match, or a rule-based hint, or None."""
    for mistake in MISTAKES.get(check_id, []):
        if matches(outputs, variant_outputs(check_id, mistake.key), want):
            return mistake.hint
    for name, wanted in want.items():
        actual = outputs.get(name)
        if isinstance(actual, np.ndarray) and not _same(actual, wanted):
            if name.endswith("/dout_after"):
                return DOUT_HINT
            if "/grads_after_" in name:
                return GRADS_HINT
    return None
