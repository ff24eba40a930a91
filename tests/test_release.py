"""release: exercises/ is generated from solutions/, current, and shows no answers."""
from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from autograder.checks.samples import TINY, tiny_course
from autograder.cli import main
from autograder.config import Course
from autograder.pipeline import release

ASSIGNMENTS = ["ps1_graphs", "ps2_layers", "ps3_softmax", "ps4_network"]


# -- the course's own release -------------------------------------------------------------

@pytest.fixture(scope="module")
def repo_course() -> Course:
    return Course()


def test_the_course_has_its_four_assignments(repo_course):
    assert repo_course.assignments() == ASSIGNMENTS


def test_committed_exercises_are_current(repo_course):
    problems = release.stale(repo_course)
    assert problems == [], "exercises/ is stale; run `backprop-grader release` and commit:\n" + "\n".join(problems)


def test_committed_exercises_show_no_solutions_or_hidden_tests(repo_course):
    assert release.leaks(repo_course) == []
    for path in sorted(repo_course.release_dir.rglob("*.ipynb")):
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "HIDDEN TESTS", "autograder.probe", "autograder.checks", "from reference",
                       "import reference"):
            assert marker not in text, f"{path} contains {marker!r}"


# -- the mechanism, on a tiny course ------------------------------------------------------

@pytest.fixture
def tiny(tmp_path) -> Course:
    course = Course(repo=tiny_course(tmp_path / "repo"), workspace=tmp_path / "ws")
    release.release(course)
    return course


def test_release_removes_solutions_and_hidden_tests(tiny):
    nb = nbformat.read(tiny.release_dir / TINY / "double.ipynb", as_version=4)
    sources = [c.source for c in nb.cells]
    assert 'def times2(x):\n    """Return 2 * x."""\n    # YOUR CODE HERE\n    raise NotImplementedError()' in sources
    assert not any("return 2 * x" in s or "check(" in s for s in sources)
    assert all(not c.get("outputs") for c in nb.cells)
    assert release.stale(tiny) == [] and release.leaks(tiny) == []


def test_stale_names_the_notebook_that_changed(tiny):
    source = tiny.source_dir / TINY / "triple.ipynb"
    nb = nbformat.read(source, as_version=4)
    nb.cells[0].source += "\nMore words."
    nbformat.write(nb, source)
    assert release.stale(tiny) == ["exercises/tiny/triple.ipynb: differs from a fresh release"]
    (tiny.release_dir / TINY / "extra.ipynb").write_text("{}")
    shutil.rmtree(tiny.release_dir / TINY / "double.ipynb", ignore_errors=True)
    (tiny.release_dir / TINY / "double.ipynb").unlink()
    assert set(release.stale(tiny)) == {"exercises/tiny/triple.ipynb: differs from a fresh release",
                                        "exercises/tiny/double.ipynb: missing",
                                        "exercises/tiny/extra.ipynb: not produced by release"}


def test_leaks_finds_solution_text_markers_outputs_and_foreign_checksums(tiny):
    path = tiny.release_dir / TINY / "double.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace("raise NotImplementedError()", "return 2 * x")
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="6\n")]
    nb.cells[3].metadata.nbgrader["checksum"] = "0" * 32
    nb.cells[4].source += "\n### BEGIN HIDDEN TESTS"
    nbformat.write(nb, path)
    found = "\n".join(release.leaks(tiny))
    assert "contains solution or hidden-test text 'return 2 * x'" in found
    assert "contains the marker 'BEGIN HIDDEN TESTS'" in found
    assert "cell 2 carries outputs" in found
    assert "cell 3 (test_times2_visible) has a checksum that was not computed from the released text" in found


def test_cli_release_and_check(tmp_path, capsys):
    repo = tiny_course(tmp_path / "repo")
    common = ["--repo", str(repo), "--workspace", str(tmp_path / "ws")]
    assert main(["release", "--check", *common]) == 5          # nothing released yet
    assert "exercises/tiny: missing" in capsys.readouterr().err
    assert main(["release", *common]) == 0
    assert "wrote " in capsys.readouterr().out
    assert main(["release", "--check", *common]) == 0
    meta = json.loads((repo / "exercises/tiny/double.ipynb").read_text())["cells"][1]["metadata"]
    assert meta["nbgrader"]["solution"] is True
    assert main(["release", "ps7", *common]) == 2


def test_every_graded_cell_of_the_course_is_judged_by_a_trusted_check(repo_course):
    """TrustedVerdicts scores a cell from the judge only when its hidden tests call check()."""
    for name in repo_course.assignments():
        for path in (repo_course.source_dir / name).glob("*.ipynb"):
            for cell in nbformat.read(path, as_version=4).cells:
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("grade") and cell.cell_type == "code":
                    hidden = cell.source.split("### BEGIN HIDDEN TESTS", 1)
                    assert len(hidden) == 2 and 'check("' in hidden[1], f"{path.name}:{meta['grade_id']}"
