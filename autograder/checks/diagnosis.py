"""Name the likely mistake behind a failed check, in plain words.

The catalogue of known mistakes is data: ``mistakes.json`` of the instructor's
``reference`` package lists, per check, each mistake's key, its hint and either
a ``variant`` (a known-wrong version of the reference in
``reference.wrong_variants``) or a ``rule`` (a test below). The judge runs the
check's cases on a variant exactly as on the student's code; when the student's
recorded outputs match the variant's, its hint is shown. When no known mistake
matches, a few generic tests (dout changed, opposite sign, N times too large,
transposed) may still name what is wrong. Trusted side only.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

import numpy as np

from autograder.i18n import translate

from .coerce import parse_record
from .probe import NONE, NONFINITE, RAISED, record
from .tolerances import LOSS_TOLERANCE, MATCH_TOLERANCE, SCALE_TOLERANCE


@dataclass(frozen=True)
class Mistake:
    key: str
    hint: str
    variant: str | None = None  # name in reference.wrong_variants
    rule: str | None = None     # name in RULES


@functools.lru_cache(maxsize=None)
def catalogue() -> dict:
    """The parsed ``reference/mistakes.json``: {"checks": {check_id: [...]}, "rules": {name: hint}}."""
    return json.loads(resources.files("reference").joinpath("mistakes.json").read_text(encoding="utf-8"))


def mistakes(check_id: str) -> list[Mistake]:
    """The known mistakes of one check, in the order they are tried."""
    return [Mistake(m["key"], m["hint"], m.get("variant"), m.get("rule"))
            for m in catalogue()["checks"].get(check_id, [])]


def _variant(name: str):
    from reference import wrong_variants  # trusted side only; imported when first needed

    return getattr(wrong_variants, name)


@functools.lru_cache(maxsize=None)
def variant_outputs(check_id: str, key: str) -> dict:
    """The outputs of a variant mistake, recorded through the probe like a student's."""
    mistake = next(m for m in mistakes(check_id) if m.key == key)
    return parse_record(record(check_id, _variant(mistake.variant)), check_id)


def _tolerance(output: str) -> tuple[float, bool]:
    """(tolerance, relative?) for telling whether two recordings of ``output`` agree."""
    if output == "loss":
        return LOSS_TOLERANCE, True
    if output.startswith(("scale_", "centre_")):  # sample statistics of random draws
        return SCALE_TOLERANCE, False
    return MATCH_TOLERANCE, True


def _same(a, b, output: str = "") -> bool:
    if isinstance(a, str) or isinstance(b, str):
        if not (isinstance(a, str) and isinstance(b, str)):
            return False
        return all(a.startswith(kind) == b.startswith(kind) for kind in (NONFINITE, NONE))
    if a.shape != b.shape:
        if a.shape != () and b.shape != ():
            return False
        a, b = np.broadcast_arrays(a, b)  # 1.0 where the variant has an array of ones: the same mistake
    tolerance, relative = _tolerance(output)
    scale = np.maximum(1e-8, np.abs(a) + np.abs(b)) if relative else 1.0
    return bool(np.all(np.abs(a - b) / scale <= tolerance))


def _by_case(outputs: dict) -> dict:
    cases: dict = {}
    for name, value in outputs.items():
        case, _, output = name.partition("/")
        cases.setdefault(case, {})[output] = value
    return cases


def _agree(a: dict, b: dict) -> bool:
    return set(a) == set(b) and all(_same(a[k], b[k], k) for k in b)


def matches(outputs: dict, variant: dict, want: dict | None = None) -> bool:
    """True when the outputs agree with the variant's on every case the student's code could run.

    A case where the student's code raised is left out (it raised for a reason of its
    own: a batch of one it does not handle, say) when the variant ran there. Where
    both raised, the errors must read the same (type, method and message), and then
    they are evidence. The outputs must agree everywhere else, and on at least one
    case the variant must show its mistake (differ from ``want``, or raise as the
    student did), so that a right answer, or an unfinished one that raises
    NotImplementedError everywhere, never gets a mistake's hint.
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
                if mine[RAISED] != theirs[RAISED]:
                    return False
                evidence = True
            continue
        if RAISED in theirs or not _agree(mine, theirs):
            return False
        if want is None or not _agree(theirs, right.get(case, {})):
            evidence = True
    return evidence


# --- Rules: tests on the outputs themselves, for mistakes no variant can reproduce --------------

def _arrays(outputs: dict, want: dict):
    """(output name without case, actual, wanted) for every output both hold as arrays."""
    for name, wanted in want.items():
        actual = outputs.get(name)
        if isinstance(actual, np.ndarray) and isinstance(wanted, np.ndarray):
            yield name.split("/", 1)[1], actual, wanted


def _biases_not_zero(outputs: dict, want: dict) -> bool:
    """Every bias b<i> has its shape but is not all zeros; everything else is right."""
    bias = re.compile(r"^b\d+$")
    found = False
    for output, actual, wanted in _arrays(outputs, want):
        if actual.shape != wanted.shape:
            return False
        if bias.match(output):
            found = found or bool(np.any(actual != 0))
        elif not _same(actual, wanted, output):
            return False
    return found and not any(RAISED in name for name in outputs)


RULES = {"biases_not_zero": _biases_not_zero}


def _generic(outputs: dict, want: dict) -> tuple[str, str] | None:
    """(rule name, output) of the first generic pattern that one output shows on every case, or None."""
    by_output: dict = {}
    for name, wanted in want.items():
        output = name.partition("/")[2]
        by_output.setdefault(output, []).append((outputs.get(name), wanted))
    for output, pairs in by_output.items():
        if all(isinstance(a, str) and a.startswith(NONE) for a, _ in pairs):
            return "returned_none", output
        if not all(isinstance(a, np.ndarray) for a, _ in pairs):
            continue
        if output == "dout_after" or output.startswith("grads_after_"):
            if not all(_same(a, w) for a, w in pairs):
                return ("dout_changed" if output == "dout_after" else "grads_changed"), output
            continue
        if all(a.shape == w.shape and np.any(w != 0) for a, w in pairs) and all(_same(a, -w) for a, w in pairs):
            return "opposite_sign", output
        if all(w.ndim == 2 and a.shape == w.T.shape and _same(a, w.T) for a, w in pairs) and \
                any(a.shape != w.shape for a, w in pairs):
            return "transposed", output
    return None


def diagnose(check_id: str, outputs: dict, want: dict) -> str | None:
    """The hint of the first known mistake the outputs show, or of a generic pattern, or None."""
    for mistake in mistakes(check_id):
        if mistake.rule is not None:
            if RULES[mistake.rule](outputs, want):
                return translate(mistake.hint)
        elif matches(outputs, variant_outputs(check_id, mistake.key), want):
            return translate(mistake.hint)
    found = _generic(outputs, want)
    if found is None:
        return None
    rule, output = found
    return translate(catalogue()["rules"][rule]).replace("{output}", output)
