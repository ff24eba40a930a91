"""The visible tests' assertions: each failure names the quantity, the input, expected and got,
with the digits that tell them apart."""

import re

import numpy as np
import pytest

from backprop.nn.expect import builds_on, describe, distinct, expect_close, expect_gradient, expect_shape, number


def test_distinct_shows_the_digits_that_differ():
    assert distinct(-0.0840358123, -0.0840357999) == ("-0.08403581", "-0.0840358")
    assert distinct(0.5, 0.25) == ("0.5", "0.25")
    assert distinct(1.0, 1.0) == ("1.0", "1.0")
    assert number(2.0) == "2.0" and number(float("nan")) == "nan"


def test_close_values_pass_and_a_difference_names_quantity_input_expected_and_got():
    expect_close("dx", [1.0, 2.0], np.array([1.0, 2.0 + 1e-12]), given="x = [1.0, 2.0]")
    with pytest.raises(AssertionError) as info:
        expect_close("dx from Tanh.backward", [[0.5, -1.5]], [[0.786448, 0.180707]],
                     given=describe(x=np.array([[0.5, -1.5]]), dout=np.ones((1, 2))))
    assert str(info.value) == ("dx from Tanh.backward for x = [[0.5, -1.5]], dout = [[1.0, 1.0]]: expected "
                               "[[0.786448, 0.180707]], got [[0.5, -1.5]]; the first entry that differs is dx from "
                               "Tanh.backward[0, 0]: expected 0.786448, got 0.5 (relative error 2.2e-01, more than 1e-09)")


def test_a_tiny_difference_is_printed_with_enough_digits():
    with pytest.raises(AssertionError, match=r"expected -0\.08403581, got -0\.0840358 \(relative"):
        expect_close("loss", -0.0840357999, -0.0840358123, given="y")


def test_large_arrays_are_described_by_their_first_difference():
    want = np.ones((4, 5))
    got = want.copy()
    got[2, 3] = 1.5
    with pytest.raises(AssertionError) as info:
        expect_close("dW", got, want, given="x of shape (4, 5)")
    assert str(info.value).startswith("dW for x of shape (4, 5): dW[2, 3]: expected 1.0, got 1.5")
    assert "[[" not in str(info.value)


@pytest.mark.parametrize("got,message", [
    (None, "got None (does the function or method return its result?)"),
    ("abc", "expected numbers, got 'abc'"),
    (np.ones(3), "expected shape (2,), got (3,) holding [1.0, 1.0, 1.0]"),
    (np.array([np.nan, 1.0]), "relative error not a number"),
])
def test_what_cannot_be_right_is_named(got, message):
    with pytest.raises(AssertionError, match=re.escape(message)):
        expect_close("y", got, [1.0, 1.0], given="x")


def test_shape_and_gradient_checks():
    expect_shape("out", np.zeros((2, 3)), (2, 3), given="x (2, 4)")
    with pytest.raises(AssertionError, match=r"^out for x \(2, 4\): expected shape \(2, 3\), got \(3,\)$"):
        expect_shape("out", np.zeros(3), (2, 3), given="x (2, 4)")
    x, dout = np.array([[0.5, -1.0]]), np.array([[1.0, 2.0]])
    expect_gradient("dx", dout * (1 - np.tanh(x) ** 2), np.tanh, x, dout=dout, given="x")
    expect_gradient("df/dx", 6.0, lambda a: a ** 2, 3.0, given="x = 3")  # one number
    with pytest.raises(AssertionError, match="the numerical gradient is 6.0, got 3.0"):
        expect_gradient("df/dx", 3.0, lambda a: a ** 2, 3.0, given="x = 3")


def test_builds_on_names_the_earlier_part_that_fails():
    builds_on("Exp (section 4)", lambda: None)

    def broken():
        raise AssertionError("dx from Exp.backward for x: expected 1.0, got 2.0")
    with pytest.raises(AssertionError) as info:
        builds_on("Exp (section 4)", broken)
    assert str(info.value).startswith("this test builds on your Exp (section 4), which fails its own check "
                                      "(dx from Exp.backward for x: expected 1.0, got 2.0). Fix Exp (section 4) first")
    with pytest.raises(AssertionError, match=r"which fails its own check \(NameError: name 'Exp' is not defined\)"):
        builds_on("Exp (section 4)", lambda: Exp)  # noqa: F821 - the undefined name is the point


@pytest.fixture
def korean():
    from backprop import messages

    messages.install("ko")
    yield
    messages.install(None)


def test_a_korean_notebook_reads_its_failures_in_korean(korean):
    """install("ko") (what a Korean course's notebook runs first) puts the same facts in Korean sentences."""
    with pytest.raises(AssertionError) as info:
        expect_close("dx", [[0.5, -1.5]], [[0.786448, 0.180707]], given="x = [[0.5, -1.5]]")
    assert str(info.value) == ("입력 x = [[0.5, -1.5]]에서 dx: 기댓값 [[0.786448, 0.180707]], 실제 값 [[0.5, -1.5]]. "
                               "처음으로 다른 원소 dx[0, 0]의 기댓값 0.786448, 실제 값 0.5(상대 오차 2.2e-01, 허용치 1e-09보다 "
                               "큽니다)")
    with pytest.raises(AssertionError, match="수치 기울기"):
        expect_gradient("dx", [1.0], lambda a: a ** 2, [3.0], given="x = [3.0]")
    with pytest.raises(AssertionError, match=r"^이 테스트는 여러분이 작성한 softmax 부분에 기대는데"):
        builds_on("softmax", lambda: expect_shape("y", [1.0], (2,), given="x"))
