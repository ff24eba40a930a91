"""The preprocessors grading relies on, without running kernels: fast and exact."""
from __future__ import annotations

import nbformat
import pytest
from traitlets.config import Config

from autograder.config import Course
from autograder.pipeline.preprocessors import (PROBE_MIME, VERDICT_MIME, RepairMetadata, RestoreCells, TrustedVerdicts,
                                      record_outcome)
from autograder.checks.samples import TINY, tiny_course
from autograder.pipeline.release import register, release


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Course:
    root = tmp_path_factory.mktemp("grade")
    course = Course(repo=tiny_course(root / "repo"), workspace=root / "ws")
    release(course)
    register(course, TINY)
    return course


def released(course: Course) -> nbformat.NotebookNode:
    return nbformat.read(course.release_dir / TINY / "double.ipynb", as_version=4)


def resources(course: Course) -> dict:
    return {"nbgrader": {"notebook": "double", "assignment": TINY, "db_url": course.gradebook_url}}


def restore(course: Course, nb) -> nbformat.NotebookNode:
    c = Config()
    c.RestoreCells.add_missing_cells = True
    c.RestoreCells.source_root = str(course.source_dir)
    nb, _ = RepairMetadata(config=c).preprocess(nb, resources(course))
    nb, _ = RestoreCells(config=c).preprocess(nb, resources(course))
    return nb


def grade_ids(nb) -> list:
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


def test_hidden_tests_come_back_into_locked_cells(course):
    nb = restore(course, released(course))
    assert "### BEGIN HIDDEN TESTS" not in released(course).cells[4].source
    assert 'check("tiny.times2", times2)' in nb.cells[4].source


def restore_logging(course: Course, nb) -> tuple[nbformat.NotebookNode, list[str]]:
    """restore(), with what RestoreCells warned about."""
    import logging

    warned: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warned.append(record.getMessage())

    log = logging.getLogger("test_grade.restore")
    log.propagate, log.handlers = False, [Keep(logging.WARNING)]
    c = Config()
    c.RestoreCells.add_missing_cells = True
    c.RestoreCells.source_root = str(course.source_dir)
    nb, _ = RestoreCells(config=c, log=log).preprocess(nb, resources(course))
    return nb, warned


def test_an_untouched_notebook_gets_its_hidden_tests_without_a_checksum_warning(course):
    # The released test cell lacks its hidden tests; that is how it was handed out, not a change.
    nb, warned = restore_logging(course, released(course))
    assert 'check("tiny.times2", times2)' in nb.cells[4].source
    assert warned == []


def test_a_changed_locked_cell_is_still_reported_and_put_back(course):
    nb = released(course)
    nb.cells[3].source = '"""times2 returns a number."""\nassert True'      # a weakened visible test
    nb.cells[4].source += "\nprint('mine')"                                   # a test cell added to
    nb, warned = restore_logging(course, nb)
    assert nb.cells[3].source == released(course).cells[3].source
    assert 'check("tiny.times2", times2)' in nb.cells[4].source and "mine" not in nb.cells[4].source
    assert [w.split(" (")[0] for w in warned] == ["Attribute 'checksum' for cell test_times2_visible has changed!",
                                                  "Attribute 'checksum' for cell test_times2_hidden has changed!"]


def test_deleted_neighbouring_test_cells_come_back_in_order(course):
    nb = released(course)
    del nb.cells[3:5]                                  # both test cells: nbgrader's own placement raises KeyError
    nb = restore(course, nb)
    assert grade_ids(nb) == [None, "times2_solution", None, "test_times2_visible", "test_times2_hidden"]
    assert 'check("tiny.times2", times2)' in nb.cells[4].source


def test_deleted_solution_and_test_cells_still_restore_the_tests(course):
    nb = released(course)
    del nb.cells[1]                                    # the solution cell and, below, the visible test
    del nb.cells[2]
    nb = restore(course, nb)
    assert grade_ids(nb)[-2:] == ["test_times2_visible", "test_times2_hidden"]


def test_forged_and_broken_metadata_become_ordinary_cells(course):
    nb = released(course)
    bonus = nbformat.v4.new_code_cell("print('free points')")
    bonus.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "points": 100, "locked": False,
                                  "solution": False, "schema_version": 3}
    broken = nbformat.v4.new_code_cell("x = 1")
    broken.metadata["nbgrader"] = {"grade": True, "schema_version": 3}     # no grade_id, no points
    nb.cells[2:2] = [bonus, broken]
    nb = restore(course, nb)
    assert grade_ids(nb) == [None, "times2_solution", None, None, None, "test_times2_visible", "test_times2_hidden"]


def _graded_cell(outputs, source='"""x"""\ncheck("tiny.times2", times2)', execution_count=3):
    cell = nbformat.v4.new_code_cell(source, outputs=outputs, execution_count=execution_count)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 2, "locked": True, "solution": False}
    return cell


def _bundle(value):
    return nbformat.v4.new_output("display_data", data={PROBE_MIME: {
        "check": "tiny.times2", "outputs": {"y": {"shape": [], "data": [value]}}}})


def verdicts(*cells):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    c = Config()
    c.TrustedVerdicts.judge = "autograder.checks.samples:tiny_judge"
    res = {}
    nb, res = TrustedVerdicts(config=c).preprocess(nb, res)
    return nb, res


def test_a_warning_on_stderr_does_not_cost_a_passing_check():
    warning = nbformat.v4.new_output("stream", name="stderr", text="RuntimeWarning: overflow\n")
    nb, _ = verdicts(_graded_cell([warning, _bundle(14.0)]))
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["stream", "display_data"]
    assert outputs[0].name == "stdout" and outputs[1].data[VERDICT_MIME]["passed"] is True


def test_a_wrong_answer_leaves_one_error_and_the_hint():
    nb, _ = verdicts(_graded_cell([_bundle(7.0)]))
    outputs = nb.cells[0].outputs
    assert outputs[-1].output_type == "error" and outputs[-1].evalue == "tiny.times2: expected 14, got 7.0."
    assert "Hint: You returned x itself; multiply it." in outputs[0].text


def test_printed_success_or_a_second_bundle_earns_nothing():
    fake = nbformat.v4.new_output("stream", name="stdout", text="All tests passed!\n")
    nb, _ = verdicts(_graded_cell([fake]), _graded_cell([_bundle(14.0), _bundle(14.0)]))
    assert [c.outputs[1].data[VERDICT_MIME]["passed"] for c in nb.cells] == [False, False]
    assert "reported more than once" in nb.cells[1].outputs[0].text


def test_a_test_that_never_ran_fails_and_a_timeout_is_recorded():
    timeout = nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="", traceback=[])
    visible = _graded_cell([], source='"""visible only"""\nassert True', execution_count=None)
    nb, res = verdicts(_graded_cell([timeout]), visible)
    assert [c.outputs[1].data[VERDICT_MIME]["passed"] for c in nb.cells] == [False, False]
    assert "did not run to the end" in nb.cells[0].outputs[0].text
    assert res["backprop_outcome"] == [("timed out", "a cell ran past the time limit and was interrupted")]


def test_record_outcome_rejects_unknown_statuses():
    with pytest.raises(ValueError, match="status must be one of"):
        record_outcome({}, "exploded", "why")


def test_restored_cells_keep_the_instructors_cell_id(course):
    nb = released(course)
    ids = [c.id for c in nb.cells]
    del nb.cells[4]
    nb = restore(course, nb)
    assert [c.id for c in nb.cells] == ids
    nbformat.validate(nb)


def test_one_failing_submission_does_not_stop_the_batch(course, monkeypatch):
    from autograder.pipeline import grade as grade_module
    from autograder.pipeline.feedback import feedback
    from autograder.pipeline.gradebook import StatusRow

    for student in ("alice", "bob", "carl"):
        folder = course.submitted_dir / student / TINY
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-01-01 00:00:00 UTC\n")

    def fake(run, student):
        if student == "bob":
            raise RuntimeError("boom")
        return StatusRow(TINY, student, "graded", "fine", "2026-01-01 00:00:00 UTC", 6.0, 6.0, "now")

    monkeypatch.setattr(grade_module._Run, "_prepare", fake)
    rows = grade_module.grade(course, TINY, workers_count=1)
    assert [(r.student, r.status) for r in rows] == [("alice", "graded"), ("bob", "failed"), ("carl", "graded")]
    assert "RuntimeError: boom" in rows[1].reason and (rows[1].score, rows[1].max_score) == (0.0, 6.0)
    assert "the next run grades it again" in rows[1].reason
    page = feedback(course, TINY)[1].read_text()
    assert "Score: <strong>0 / 6</strong>" in page and "Grading note (failed)" in page


def test_a_failed_submission_is_graded_again_without_force(course, monkeypatch):
    """A ``failed`` row is the grader's fault: the next run grades that submission again; others are skipped."""
    from autograder.pipeline import grade as grade_module
    from autograder.pipeline.records import submission_version
    from autograder.pipeline.gradebook import StatusRow, write_status

    for student in ("dora", "emil"):
        folder = course.submitted_dir / student / TINY
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-01-01 00:00:00 UTC\n")
    stamp = submission_version(folder)   # the status row keeps the graded files' digest: the same for both
    write_status(course.gradebook_url, StatusRow(TINY, "dora", "failed", "grader bug", stamp, 0.0, 6.0, "then"))
    write_status(course.gradebook_url, StatusRow(TINY, "emil", "graded", "fine", stamp, 6.0, 6.0, "then"))
    graded = []

    def fake(run, student):
        graded.append(student)
        return StatusRow(TINY, student, "graded", "fine", stamp, 6.0, 6.0, "now")

    monkeypatch.setattr(grade_module._Run, "_prepare", fake)
    rows = grade_module.grade(course, TINY, students=["dora", "emil"], workers_count=1)
    assert graded == ["dora"]
    assert [(r.student, r.status, r.graded_at) for r in rows] == [("dora", "graded", "now"), ("emil", "graded", "then")]


def test_progress_bar_names_the_student_counts_skipped_ones_and_shows_an_eta():
    import io

    from autograder.pipeline.gradebook import StatusRow
    from autograder.pipeline.grade import Progress, progress_bar

    out = io.StringIO()
    show = progress_bar(out, width=10)
    state = Progress(total=10, skipped=3, running=["bob", "carl"])
    show(state)
    assert out.getvalue().splitlines() == ["[###.......] 3/10 (3 skipped) | grading bob, carl | ETA --:--"]
    state.started -= 30.0           # 30 s for the first graded submission: 6 more to go, 3 min
    state.finished, state.running = 1, ["carl"]
    state.row = StatusRow(TINY, "bob", "graded", "fine", "t", 5.0, 6.0, "now")
    show(state)
    line = out.getvalue().splitlines()[-1]
    assert line.startswith("[####......] 4/10 (3 skipped) bob: graded, raw score 5/6 | grading carl | ETA 03:0")


def test_zero_workers_is_a_usage_error(course):
    from autograder.errors import UsageError
    from autograder.pipeline.grade import grade

    with pytest.raises(UsageError, match="at least 1, got 0"):
        grade(course, TINY, workers_count=0)


def test_the_scheduler_comes_from_dask_config_unless_given(monkeypatch):
    import dask

    from autograder.pipeline.grade import _resolve_scheduler

    assert _resolve_scheduler(None) is None                         # nothing set: the embedded cluster
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://10.0.0.5:8786")
    dask.config.refresh()
    try:
        assert _resolve_scheduler(None) == "tcp://10.0.0.5:8786"
        assert _resolve_scheduler("tcp://127.0.0.1:9000") == "tcp://127.0.0.1:9000"
    finally:
        monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
        dask.config.refresh()


def _solution_cell(source, outputs, grade_id="mul_add"):
    cell = nbformat.v4.new_code_cell(source, outputs=outputs, execution_count=1)
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": grade_id, "locked": False, "solution": True}
    return cell


def _name_error(name):
    return nbformat.v4.new_output("error", ename="NameError", evalue=f"name '{name}' is not defined", traceback=[])


def test_a_cell_without_a_record_shows_the_students_real_exception():
    torch = nbformat.v4.new_output("error", ename="ModuleNotFoundError", evalue="No module named 'torch'",
                                   traceback=[])
    solution = _solution_cell("import torch\n\n\ndef times2(x):\n    return 2 * x\n", [torch], grade_id="times2_solution")
    nb, _ = verdicts(solution, _graded_cell([_name_error("times2")]))
    text = nb.cells[1].outputs[0].text
    assert "The cell stopped with NameError: name 'times2' is not defined." in text
    assert "times2 is defined in cell 'times2_solution', which stopped with ModuleNotFoundError: " \
           "No module named 'torch': fix that first." in text
    assert "most likely" not in text.lower()


def test_a_name_no_cell_defines_is_said_so_and_other_errors_are_shown_as_they_are():
    nb, _ = verdicts(_graded_cell([_name_error("times2")]))
    assert "No cell above it defines times2: was it renamed or deleted?" in nb.cells[0].outputs[0].text
    boom = nbformat.v4.new_output("error", ename="ImportError", evalue="cannot import name 'check'\x1b[31m", traceback=[])
    nb, _ = verdicts(_graded_cell([boom]))
    text = nb.cells[0].outputs[0].text
    assert "The cell stopped with ImportError: cannot import name 'check'" in text and "\x1b" not in text
