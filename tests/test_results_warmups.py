"""A 0-point warm-up passes or fails on its checks, so feedback and the report tell the
student which warm-ups they got right (a task whose answer the book prints is a warm-up: it
earns no points, but the student still learns whether it works)."""

from autograder.pipeline.results import CellResult, GradedCell


def _cell(points):
    return GradedCell("layers", "test_mul_backward", "mul_add", points, "MulLayer.backward swaps the inputs")


def test_a_warm_up_passes_when_all_its_checks_passed():
    ok = [{"check": "ps2_mul_backward", "passed": True, "message": "passed", "hint": None}]
    assert CellResult(_cell(0.0), 0.0, ok).passed


def test_a_warm_up_fails_when_a_check_failed_or_none_ran():
    bad = [{"check": "ps2_mul_backward", "passed": False, "message": "dx should be 3, got 1", "hint": None}]
    assert not CellResult(_cell(0.0), 0.0, bad).passed
    assert not CellResult(_cell(0.0), 0.0, []).passed


def test_a_cell_worth_points_passes_on_its_score_alone():
    assert CellResult(_cell(2.0), 2.0, []).passed
    assert not CellResult(_cell(2.0), 1.0, [{"passed": True}]).passed
