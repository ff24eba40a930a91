"""Assertions for the visible tests of the notebooks: a failure names the quantity, the input,
what was expected and what came back, with enough digits to see the difference.

    expect_shape("out", out, (2, 3, 5), given="x of shape (2, 3, 4), W (4, 5)")
    expect_close("dx", dx, [3.0, -2.0], given=describe(x=x, dout=dout))
    expect_gradient("dx", dx, lambda a: Tanh().forward(a), x, dout=dout, given=describe(x=x))
    builds_on("Exp (section 4)", lambda: check_layer(Exp, x))
    with calling("Tanh.backward", given="x of shape (2, 3)"):
        dx = layer.backward(dout)

Each raises ``AssertionError`` with a message such as::

    dx for x = [[0.5, -1.5]], dout = [[1.0, 1.0]]: expected [[0.786448, 0.180707]],
    got [[0.5, -1.5]]; the first entry that differs is dx[0, 0]: expected 0.786448, got 0.5

The grader's hidden checks format their numbers with ``distinct`` too. The sentences are
templates of ``backprop.messages`` (``expect.*``), so they speak the language the notebook
installs (``install("ko")``); the quantity and the input are the notebook's own words.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from .. import messages
from .gradcheck import REL_ERROR_FLOOR, SMOOTH_TOLERANCE, numerical_gradient, numerical_gradient_layer

#: Relative tolerance for values that are exact maths (a forward pass, a known gradient):
#: float64 rounding of the same formula written another way stays far below it.
EXACT_TOLERANCE = 1e-9
#: Arrays up to this many entries are printed in full; larger ones by their first difference.
PRINTED_ENTRIES = 12
#: Significant digits shown at least, and at most (float64 holds 17).
MIN_DIGITS, MAX_DIGITS = 6, 17
#: In a gradient check, an entry far smaller than the array's largest is compared on the scale of
#: this share of the largest: finite differences carry the rounding error of the large entries
#: (the grader's hidden checks do the same).
SCALE_SHARE = 1e-3
#: Where the expected value of ``expect_close`` comes from (the message says so).
EXPECTED, NUMERICAL = "expected", "numerical"


def needed_digits(expected: float, got: float) -> int:
    """The fewest significant digits (6 to 17) at which the two numbers print differently."""
    return next((digits for digits in range(MIN_DIGITS, MAX_DIGITS + 1)
                 if f"{expected:.{digits}g}" != f"{got:.{digits}g}"), MAX_DIGITS)


def number(value: float, digits: int = MIN_DIGITS) -> str:
    """``value`` with ``digits`` significant digits, always readable as a float ("1.0", not "1")."""
    text = f"{value:.{digits}g}"
    return text if any(ch in text for ch in ".eEn") else text + ".0"


def distinct(expected: float, got: float) -> tuple[str, str]:
    """Both numbers with the fewest significant digits (6 to 17) that show they differ."""
    digits = needed_digits(expected, got)
    return number(expected, digits), number(got, digits)


def _digits(expected: np.ndarray, got: np.ndarray) -> int:
    """Digits that tell apart every pair of entries that are not equal."""
    return max([needed_digits(float(e), float(g)) for e, g in zip(expected.ravel(), got.ravel()) if e != g],
               default=MIN_DIGITS)


def _nested(arr: np.ndarray, digits: int) -> str:
    if arr.ndim == 0:
        return number(float(arr), digits)
    return "[" + ", ".join(_nested(item, digits) for item in arr) + "]"


def show(value, digits: int = MIN_DIGITS) -> str:
    """A short text for a value in a message: small arrays in full, larger ones by shape."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    if arr.size <= PRINTED_ENTRIES:
        return _nested(arr, digits)
    return messages.text("expect.array_of_shape", shape=arr.shape)


def describe(**inputs) -> str:
    """The inputs of a test, for messages: "x = [[0.5, -1.5]], dout = an array of shape (4, 5)"."""
    return ", ".join(f"{name} = {show(value)}" for name, value in inputs.items())


def _as_array(quantity: str, got, given: str) -> np.ndarray:
    if got is None:
        raise AssertionError(messages.text("expect.no_result", quantity=quantity, given=given))
    try:
        return np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(messages.text("expect.not_numbers", quantity=quantity, given=given, got=show(got),
                                           type=type(got).__name__)) from None


def expect_shape(quantity: str, got, shape, *, given: str) -> None:
    """``got`` must be an array (or number) of exactly ``shape``."""
    actual = np.shape(_as_array(quantity, got, given))
    if actual != tuple(shape):
        raise AssertionError(messages.text("expect.shape", quantity=quantity, given=given, expected=tuple(shape),
                                           got=actual))


def expect_close(quantity: str, got, expected, *, given: str, tolerance: float = EXACT_TOLERANCE,
                 source: str = EXPECTED, scale_share: float = 0.0) -> None:
    """``got`` must agree with ``expected`` entry by entry within the relative ``tolerance``.

    The relative error is ``backprop.gradcheck.rel_error``'s: |got - expected| / max(floor, |got| + |expected|),
    with the floor raised to ``scale_share`` times the largest expected entry when that is larger.
    ``source`` says where the expected value comes from: ``EXPECTED`` or ``NUMERICAL`` (the numerical gradient).
    """
    if source not in (EXPECTED, NUMERICAL):
        raise ValueError(f"source must be {EXPECTED!r} or {NUMERICAL!r}, got {source!r}")
    want = np.asarray(expected, dtype=np.float64)
    actual = _as_array(quantity, got, given)
    if want.shape == () and actual.size == 1:
        actual = actual.reshape(())
    if actual.shape != want.shape:
        if actual.size <= PRINTED_ENTRIES:
            raise AssertionError(messages.text("expect.shape_holding", quantity=quantity, given=given,
                                               expected=want.shape, got=actual.shape, values=show(actual)))
        raise AssertionError(messages.text("expect.shape", quantity=quantity, given=given, expected=want.shape,
                                           got=actual.shape))
    floor = max(REL_ERROR_FLOOR, scale_share * float(np.max(np.abs(want), initial=0.0)))
    with np.errstate(invalid="ignore"):
        errors = np.abs(actual - want) / np.maximum(floor, np.abs(actual) + np.abs(want))
    bad = ~(errors <= tolerance)  # NaN counts as bad
    if not np.any(bad):
        return
    index = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
    e, g = distinct(float(want[index]), float(actual[index]))
    error = errors[index]
    where = f"{quantity}[{', '.join(map(str, index))}]" if index else quantity
    size = messages.text("expect.not_a_number") if math.isnan(error) else \
        messages.text("expect.relative_error", error=f"{error:.1e}", tolerance=f"{tolerance:g}")
    said = messages.text(f"expect.source.{source}")
    if want.size <= PRINTED_ENTRIES:
        digits = _digits(want, actual)
        raise AssertionError(messages.text("expect.differs_small", quantity=quantity, given=given, source=said,
                                           all_expected=_nested(want, digits), all_got=_nested(actual, digits),
                                           where=where, expected=e, got=g, error=size))
    raise AssertionError(messages.text("expect.differs", quantity=quantity, given=given, where=where, source=said,
                                       expected=e, got=g, error=size))


def expect_gradient(quantity: str, got, f, at, *, dout=None, given: str,
                    tolerance: float = SMOOTH_TOLERANCE) -> None:
    """``got`` must match the numerical gradient of ``f`` at ``at``.

    f: a function of one array (of one number when ``at`` is a number); with ``dout`` it
    returns an array shaped like dout and the gradient is that of sum(f(a) * dout) (what a
    layer's backward returns), else a number.
    """
    point = np.array(at, dtype=np.float64)
    if point.ndim == 0:  # a derivative with respect to one number
        numeric = numerical_gradient(lambda a: f(float(a[0])), point.reshape(1)).reshape(())
    elif dout is None:
        numeric = numerical_gradient(f, point)
    else:
        numeric = numerical_gradient_layer(f, point, np.asarray(dout, dtype=np.float64))
    expect_close(quantity, got, numeric, given=given, tolerance=tolerance, source=NUMERICAL,
                 scale_share=SCALE_SHARE)


def expect_unchanged(name: str, array, before, *, method: str) -> None:
    """``array`` (an input the caller owns, such as dout) must still equal its copy ``before``."""
    if not np.array_equal(array, before):
        raise AssertionError(messages.text("expect.changed", method=method, name=name))


@contextlib.contextmanager
def calling(what: str, *, given: str):
    """An exception raised inside the block is reported with what was called and on which input."""
    try:
        yield
    except AssertionError:
        raise
    except Exception as exc:
        raise AssertionError(messages.text("expect.raised", what=what, given=given,
                                           error=f"{type(exc).__name__}: {exc}")) from exc


def builds_on(part: str, check) -> None:
    """Run the check of an earlier ``part`` this test depends on; if it fails, say so and stop here.

    A later exercise built on a broken earlier one fails for the earlier one's reason: this
    names it instead of letting the later test report a misleading difference.
    """
    try:
        check()
    except Exception as exc:  # the earlier part's own failure, whatever it is
        reason = f"{type(exc).__name__}: {exc}" if not isinstance(exc, AssertionError) else str(exc)
        raise AssertionError(messages.text("expect.builds_on", part=part, reason=reason)) from None
