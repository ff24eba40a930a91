"""The probe: records numbers only, survives hostile student objects, imports no answers."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest

from autograder.checks import probe
from autograder.checks.cases import CHECKS
from autograder.checks.judge import REFERENCE, judge
from autograder.checks.probe import MIME, NONFINITE, RAISED, check, coerce, record
from backprop.nn.layers import Relu


def test_probe_and_cases_import_no_reference_code():
    code = ("import sys, autograder.checks.probe, autograder.checks.cases, autograder.checks.drivers; "
            "bad = [m for m in sys.modules if m == 'reference' or m.startswith('reference.')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_reference_record_is_strict_json(check_id):
    payload = record(check_id, *REFERENCE[check_id])
    json.dumps(payload, allow_nan=False)
    assert payload["check"] == check_id
    assert not any(RAISED in k for k in payload["outputs"])


def test_case_names_cannot_clash_with_output_names():
    for check in CHECKS.values():
        names = [case.name for case in check.cases]
        assert len(set(names)) == len(names) and not any("/" in n for n in names), check.id


def test_coerce_keeps_numbers_only():
    class Lying(np.ndarray):
        def __eq__(self, other):
            return True

    lying = np.arange(3.0).view(Lying)
    assert coerce(lying) == {"shape": [3], "data": [0.0, 1.0, 2.0]}
    assert coerce(2) == {"shape": [], "data": 2.0}
    assert coerce([[1, 2]])["shape"] == [1, 2]
    assert coerce(np.array([1.0, np.nan]))["error"].startswith(NONFINITE)
    assert "more than" in coerce(np.zeros(probe.MAX_ELEMENTS + 1))["error"]
    assert coerce("12") == {"shape": [], "data": 12.0}  # numpy reads it as a number; only the number is kept
    assert "could not read" in coerce(object())["error"]


class Exploding:
    """An object whose conversion to an array ends the process if nobody catches it."""

    def __init__(self, exc):
        self.exc = exc

    def __array__(self, *args, **kwargs):
        raise self.exc


@pytest.mark.parametrize("exc", [SystemExit(0), KeyboardInterrupt(), GeneratorExit(), RecursionError()])
def test_a_student_raising_anything_fails_that_check_only(exc):
    class Hostile(Relu):
        def backward(self, dout):
            raise exc

    hostile = record("ps2_relu_backward", Hostile)
    assert all(k.endswith(RAISED) or "/out" in k for k in hostile["outputs"])
    assert not judge("ps2_relu_backward", hostile).passed
    # The process carries on and the next check is unaffected.
    assert judge("ps2_relu_backward", record("ps2_relu_backward", Relu)).passed


def test_an_interrupt_skips_the_remaining_cases_and_check_reraises_it_after_emitting(monkeypatch):
    import IPython.display

    class Slow(Relu):
        def backward(self, dout):
            raise KeyboardInterrupt  # what the grader's timeout delivers

    out = record("ps2_relu_backward", Slow)["outputs"]
    assert out["random batch (4, 5)/raised"]["error"] == "KeyboardInterrupt"
    assert "not run" in out["batch of one (1, 6)/raised"]["error"]
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    with pytest.raises(KeyboardInterrupt):
        check("ps2_relu_backward", Slow)
    assert len(shown) == 1 and not judge("ps2_relu_backward", shown[0][MIME]).passed


def test_a_result_that_raises_on_conversion_is_recorded_as_an_error():
    class Hostile(Relu):
        def backward(self, dout):
            return Exploding(SystemExit(3))

    out = record("ps2_relu_backward", Hostile)["outputs"]
    assert "could not read" in out["random batch (4, 5)/dx"]["error"]
    assert not judge("ps2_relu_backward", {"check": "ps2_relu_backward", "outputs": out}).passed


def test_a_lying_array_subclass_earns_nothing():
    class Always(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(self), dtype=bool)

        def __array_finalize__(self, obj):
            pass

    class Cheat(Relu):
        def backward(self, dout):
            return np.zeros(np.shape(dout)).view(Always)

    assert not judge("ps2_relu_backward", record("ps2_relu_backward", Cheat)).passed


def test_student_writing_into_its_inputs_changes_no_case():
    before = {k: v.copy() for k, v in CHECKS["ps2_relu_backward"].cases[0].inputs.items()}

    class Vandal(Relu):
        def forward(self, x):
            out = super().forward(x)
            x[...] = 99.0
            return out

    record("ps2_relu_backward", Vandal)
    for key, value in CHECKS["ps2_relu_backward"].cases[0].inputs.items():
        np.testing.assert_array_equal(value, before[key])


def test_numpy_warnings_in_student_code_are_silenced_and_do_not_fail():
    class NoisySigmoid:
        def forward(self, x):
            with np.errstate(over="warn"):
                self.out = 1 / (1 + np.exp(-x * 1e3) ** 1e-3)
            return self.out

        def backward(self, dout):
            warnings.warn("student's own warning")
            return dout * (1.0 - self.out) * self.out

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec = record("ps2_sigmoid_backward", NoisySigmoid)
    assert not any(k.endswith(RAISED) for k in rec["outputs"])


def test_wrong_object_count_and_unknown_check_are_recorded_not_raised():
    assert "needs Relu" in record("ps2_relu_backward")["outputs"][RAISED]["error"]
    assert record("nope", Relu)["outputs"][RAISED]["error"].startswith("KeyError")


def test_exception_text_is_short_and_printable():
    class Loud(Relu):
        def backward(self, dout):
            raise ValueError("x\x1b[31m" + "y" * 5000)

    text = record("ps2_relu_backward", Loud)["outputs"][f"random batch (4, 5)/{RAISED}"]["error"]
    assert len(text) <= probe.MAX_ERROR_CHARS and "\x1b" not in text


def test_check_emits_one_display_output_with_the_probe_mime(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append((obj, raw)))
    check("ps2_relu_backward", Relu)
    assert len(shown) == 1 and shown[0][1] is True
    assert set(shown[0][0]) == {MIME}
    assert judge("ps2_relu_backward", shown[0][0][MIME]).passed
