"""The coordinator's adaptations of nbgrader: one session whose commits wait for the step's end,
and cell metadata checked against a schema validated once.

Both only change how often nbgrader does something, never what it stores or refuses:
what a step wrote appears at its end, all of it or (on failure) none, and bad cell
metadata is refused with jsonschema's own error as before.
"""
from __future__ import annotations

import sqlite3

import jsonschema
import nbgrader.preprocessors.saveautogrades as saveautogrades
import pytest
from nbformat.v4 import new_code_cell
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import common
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3

from autograder.pipeline.cell_schema import schema_checked_once
from autograder.pipeline.passes import end_step, one_gradebook


def committed_students(path) -> set[str]:
    """Students another connection sees: only what was committed."""
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT id FROM student")}


def test_a_step_appears_at_its_end_all_at_once_or_not_at_all(tmp_path):
    path = tmp_path / "gradebook.db"
    url = f"sqlite:///{path}"
    with one_gradebook(url, "course") as gradebook:
        # What nbgrader's SaveAutoGrades does: open "its own" gradebook, write, commit, close.
        with saveautogrades.Gradebook(url) as borrowed:
            borrowed.update_or_create_student("alice")   # commits inside nbgrader
            borrowed.update_or_create_student("bob")
        assert committed_students(path) == set()        # only flushed so far
        end_step(gradebook)
        assert committed_students(path) == {"alice", "bob"}

        with saveautogrades.Gradebook(url) as borrowed:
            borrowed.update_or_create_student("carol")
        end_step(gradebook, ok=False)                    # the step failed: none of it stays
        assert committed_students(path) == {"alice", "bob"}
        assert {s.id for s in gradebook.students} == {"alice", "bob"}
    assert saveautogrades.Gradebook is Gradebook    # nbgrader's own again after the run


def test_another_url_gets_its_own_gradebook(tmp_path):
    url, other = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    from autograder.pipeline.gradebook import ensure_gradebook
    ensure_gradebook(other)
    with one_gradebook(url, "course"):
        with saveautogrades.Gradebook(other) as separate:
            separate.update_or_create_student("dave")    # a real Gradebook: committed at once
    assert committed_students(tmp_path / "b.db") == {"dave"}


def graded_cell(points) -> dict:
    cell = new_code_cell("assert True")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "t1",
                                 "points": points, "schema_version": 3}
    return cell


def test_cell_metadata_is_checked_as_before_with_the_schema_checked_once(monkeypatch):
    checks = []
    real_check = jsonschema.Draft4Validator.check_schema
    validator = MetadataValidatorV3()
    with schema_checked_once():
        monkeypatch.setattr(jsonschema.Draft4Validator, "check_schema",
                            classmethod(lambda cls, schema: checks.append(1) or real_check(schema)))
        for _ in range(5):
            validator.validate_cell(graded_cell(2))
        with pytest.raises(jsonschema.ValidationError) as ours:
            validator.validate_cell(graded_cell("two"))
    assert len(checks) == 1     # jsonschema.validate would check the schema on each of the 6 calls
    assert common.jsonschema is jsonschema
    with pytest.raises(jsonschema.ValidationError) as theirs:
        validator.validate_cell(graded_cell("two"))
    assert str(ours.value) == str(theirs.value)
