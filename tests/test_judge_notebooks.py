"""The assignment notebooks: current, well-formed, runnable with backprop alone, and graded
as expected (perfect, untouched, every diagnosed mistake) by probe + judge in-process."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from autograder.checks.cases import CHECKS
from autograder.checks.judge import judge
from autograder.checks.probe import MIME

ROOT = Path(__file__).resolve().parents[1]
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([^"']+)["']""")


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


build_sources = _load("build_sources", ROOT / "solutions" / "build_sources.py")
mistakes = _load("mistakes", ROOT / "solutions" / "mistakes.py")
NAMES = list(mistakes.ASSIGNMENT_OF)


def nbgrader_meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def test_committed_notebooks_are_current():
    assert build_sources.main(["--check"]) == 0


@pytest.mark.parametrize("name", NAMES)
def test_notebook_metadata_is_complete(name):
    nb = mistakes.source_notebook(name)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == len(ids)
    assert nb.cells[0].cell_type == "markdown" and "How to check your work" in nb.cells[0].source
    grade_ids = [nbgrader_meta(c)["grade_id"] for c in nb.cells if nbgrader_meta(c)]
    assert len(set(grade_ids)) == len(grade_ids)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta:
            assert meta["schema_version"] == 3 and set(meta) >= {"grade", "solution", "locked", "grade_id", "task"}
        if meta.get("grade"):
            assert meta["points"] >= 0 and meta["locked"]
            assert re.match(r'"""[^\n]+"""\n', cell.source), "a test cell opens with a one-line docstring"
        if meta.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source
    kinds = [("test" if nbgrader_meta(c).get("grade") else "solution" if nbgrader_meta(c).get("solution") else
              "example" if c.cell_type == "code" and not nbgrader_meta(c) else "") for c in nb.cells]
    for i, kind in enumerate(kinds):
        if kind == "solution":
            later = [k for k in kinds[i + 1:] if k in ("example", "test", "solution")]
            assert later and later[0] == "example", "each exercise is followed by an example cell"


def test_every_check_is_called_from_exactly_one_test_cell():
    calls = [cid for name in NAMES for c in mistakes.source_notebook(name).cells if nbgrader_meta(c).get("grade")
             for cid in CHECK_CALL.findall(c.source)]
    assert sorted(calls) == sorted(CHECKS)


def _printed_names() -> set:
    """Names of every class and function the book prints or the student package holds.

    The package's modules (top-level definitions, methods included via their class),
    the objects chapters show with ``literalinclude :pyobject:``, and what a chapter's
    code cells define themselves.
    """
    import ast

    from myst_nb.core.read import read_myst_markdown_notebook

    names = set()
    for path in (ROOT / "backprop" / "src" / "backprop").rglob("*.py"):
        names |= {node.name for node in ast.parse(path.read_text()).body
                  if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    for page in (ROOT / "book").glob("*.md"):
        text = page.read_text()
        names |= set(re.findall(r"^:pyobject:\s*(\w+)", text, re.M))
        for cell in read_myst_markdown_notebook(text).cells:
            if cell.cell_type == "code":
                names |= set(re.findall(r"^\s*(?:def|class)\s+(\w+)", cell.source, re.M))
    return names


def _graded_tasks():
    """(grade_id, points, names of the graded objects, book= attribute) for every test cell."""
    for assignment in build_sources.NOTEBOOKS:
        for cell in build_sources.parse(build_sources.SOURCES / f"{assignment}.cells"):
            if cell.kind == "test":
                objects = {name for cid in CHECK_CALL.findall(cell.source) for name in CHECKS[cid].objects}
                yield cell.grade_id, cell.points, objects, cell.book_prints_answer


def test_at_most_a_tenth_of_the_points_are_for_work_the_book_or_the_student_package_prints():
    printed = _printed_names()
    tasks = list(_graded_tasks())
    overlap = sum(points for _, points, objects, book in tasks if book or objects & printed)
    total = sum(points for _, points, _, _ in tasks)
    assert total > 0 and overlap / total <= 0.10, (overlap, total, sorted(
        (gid, points) for gid, points, objects, book in tasks if points and (book or objects & printed)))
    # book=no must not hide a printed answer: the attribute agrees with what is printed.
    hidden = [gid for gid, _, objects, book in tasks if objects & printed and not book]
    assert not hidden, f"test cells marked book=no whose answer is printed: {hidden}"


def test_the_overlap_measure_sees_what_the_book_prints():
    """Control: the measure counts the book's layers and the moved square_sum as printed."""
    printed = _printed_names()
    assert {"MulLayer", "Affine", "SoftmaxWithLoss", "TwoLayerNet", "sgd_step", "softmax", "square_sum"} <= printed
    assert not {"Tanh", "Softmax", "MultiLayerNet", "AffineLastAxis", "fan_out", "Square"} & printed


def test_no_problem_set_hands_out_answers():
    """Given code comes from the student package (what the book prints) or the set's own skeletons;
    no given cell defines what another exercise grades."""
    graded = {name for _, points, objects, _ in _graded_tasks() if points for name in objects}
    for assignment in build_sources.NOTEBOOKS:
        own = set()
        cells = build_sources.parse(build_sources.SOURCES / f"{assignment}.cells")
        for cell in cells:
            if cell.kind == "test":
                own |= {name for cid in CHECK_CALL.findall(cell.source) for name in CHECKS[cid].objects}
        for cell in cells:
            if cell.kind == "given":
                for module in re.findall(r"(?:^|;)([\w.]+):", cell.attrs.get("include", "")):
                    assert module.startswith("backprop."), (assignment, cell.grade_id, module)
                defined = set(re.findall(r"^(?:def|class)\s+(\w+)", cell.source, re.M))
                assert not defined & graded, (assignment, cell.grade_id, defined & graded)
            if cell.kind == "solution" and "include" in cell.attrs:
                for module, names in re.findall(r"(?:^|;)([\w.]+):([\w,]+)", cell.attrs["include"]):
                    if module.startswith("reference"):
                        assert set(names.split(",")) <= own, (assignment, cell.grade_id, names)


@pytest.mark.parametrize("name", NAMES)
def test_student_version_holds_no_answers_and_no_instructor_imports(name):
    nb = mistakes.make_submission("release")[name]
    text = json.dumps([c.source for c in nb.cells])
    for marker in ("BEGIN SOLUTION", "HIDDEN TESTS", "autograder"):
        assert marker not in text
    assert not CHECK_CALL.search(text)
    assert not re.search(r"^\s*(from|import)\s+reference\b", "\n".join(c.source for c in nb.cells), re.M)


BLOCKER = textwrap.dedent('''
    import importlib.abc, sys
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("reference", "autograder"):
                raise ImportError(f"student code may not import {name}")
    sys.meta_path.insert(0, Block())
''')


def test_perfect_student_notebooks_run_with_backprop_only(tmp_path):
    """Every cell of the student version, solutions filled in, runs without reference or autograder,
    and a passing test cell prints nothing that looks like a failure."""
    sources = {name: [(bool(nbgrader_meta(c).get("grade")), c.source) for c in nb.cells if c.cell_type == "code"]
               for name, nb in mistakes.make_submission("perfect").items()}
    (tmp_path / "cells.json").write_text(json.dumps(sources))
    script = BLOCKER + textwrap.dedent('''
        import contextlib, io, json, re, sys, warnings
        warnings.simplefilter("always")
        for name, cells in json.load(open(sys.argv[1])).items():
            namespace = {}
            for i, (is_test, source) in enumerate(cells):
                shown = io.StringIO()
                with contextlib.redirect_stdout(shown), contextlib.redirect_stderr(shown), \\
                        warnings.catch_warnings(record=True) as caught:
                    exec(compile(source, f"<{name} cell {i}>", "exec"), namespace)
                text = shown.getvalue() + "".join(str(w.message) for w in caught)
                if is_test and re.search(r"fail|error|wrong|warn|expected", text, re.I):
                    sys.exit(f"{name} test cell {i} passed but printed: {text[:500]}")
        print("ran every cell")
    ''')
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "cells.json")],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ran every cell" in result.stdout


def test_every_visible_check_says_what_failed():
    """No bare assert and no unlabeled tuple: each assert in a test or given cell carries a text message,
    written out or marked for the assignments' catalogue (``_("...")``, an f-string in the notebook)."""
    import ast

    def marked(msg) -> bool:
        return (isinstance(msg, ast.Call) and isinstance(msg.func, ast.Name) and msg.func.id == "_"
                and isinstance(msg.args[0], ast.Constant) and isinstance(msg.args[0].value, str))

    for assignment in build_sources.NOTEBOOKS:
        for cell in build_sources.parse(build_sources.SOURCES / f"{assignment}.cells"):
            if cell.kind in ("test", "given"):
                for node in ast.walk(ast.parse(cell.source)):
                    if isinstance(node, ast.Assert):
                        assert isinstance(node.msg, ast.JoinedStr) or marked(node.msg) or (
                            isinstance(node.msg, ast.Constant) and isinstance(node.msg.value, str)), \
                            (assignment, cell.grade_id, ast.unparse(node)[:100])


MENU_NAMES = ("Kernel > Restart Kernel and Run All Cells...", "Run > Run Selected Cell")


def test_student_guides_use_jupyterlab_4_menu_names():
    """README's and docs/grading.md's student sections and every notebook name JupyterLab 4's menus."""
    readme = (ROOT / "README.md").read_text().split("## For students", 1)[1].split("\n## ", 1)[0]
    guide = (ROOT / "docs" / "grading.md").read_text().split("## For students", 1)[1].split("\n## ", 1)[0]
    notebooks = [mistakes.source_notebook(name).cells[0].source for name in NAMES]
    for text in [readme, guide, *notebooks]:
        flat = " ".join(text.split())
        for menu in MENU_NAMES:
            assert menu in flat, (menu, flat[:200])
        assert "Kernel → Restart & Run All" not in flat
    assert "one at a time" in " ".join(guide.split())


# --- Grading in-process, as autograde would (hidden tests restored, judge decides) -----------

def grade_in_process(name, student, monkeypatch):
    """{grade_id: (score, [verdicts])} for one student notebook, test cells restored from source."""
    import IPython.display

    source = {c.id: c for c in mistakes.source_notebook(name).cells}
    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    namespace: dict = {}
    results = {}
    for cell in student.cells:
        if cell.cell_type != "code":
            continue
        meta = nbgrader_meta(cell)
        code = source[cell.id].source if meta.get("grade") else cell.source
        shown.clear()
        try:
            exec(compile(code, f"<{name}:{cell.id}>", "exec"), namespace)
        except Exception:
            pass
        if meta.get("grade"):
            bundles = {b[MIME]["check"]: json.loads(json.dumps(b[MIME])) for b in shown if MIME in b}
            verdicts = [judge(cid, bundles.get(cid)) for cid in CHECK_CALL.findall(code)]
            passed = all(v.passed for v in verdicts)
            results[meta["grade_id"]] = (meta["points"] if passed else 0, verdicts)
    return results


def _check_kind(kind, monkeypatch, names=NAMES):
    """Exactly the expected test cells fail, and exactly the expected hints are shown."""
    submission = mistakes.make_submission(kind)
    edit = mistakes.MISTAKE_EDITS.get(kind) or mistakes.OTHER_EDITS.get(kind)
    for name in names:
        results = grade_in_process(name, submission[name], monkeypatch)
        failed = {gid for gid, (_, verdicts) in results.items() if not all(v.passed for v in verdicts)}
        if kind == "release":
            assert failed == set(results), (kind, name, set(results) - failed)
        else:
            assert failed == set(edit.fails if edit and edit.notebook == name else ()), (kind, name, {
                gid: [v.message for v in results[gid][1]] for gid in failed})
        scores = {gid: score for gid, (score, _) in results.items()}
        assert scores == mistakes.EXPECTED_SCORES[kind][name], (kind, name)
        hints = {gid: v.hint for gid, (_, verdicts) in results.items() for v in verdicts if v.hint}
        assert hints == mistakes.EXPECTED_HINTS.get(kind, {}).get(name, {}), (kind, name, hints, {
            gid: [v.message for v in results[gid][1]] for gid in failed})


@pytest.mark.parametrize("kind", ["perfect", "release", "syntax_error", "missing_module"])
def test_whole_submissions_score_as_expected(kind, monkeypatch):
    """The perfect and the untouched notebooks get no hint at all."""
    _check_kind(kind, monkeypatch)


@pytest.mark.parametrize("kind", list(mistakes.MISTAKE_EDITS))
def test_each_realistic_mistake_loses_its_points_and_gets_its_hint(kind, monkeypatch):
    _check_kind(kind, monkeypatch, names=[mistakes.MISTAKE_EDITS[kind].notebook])


@pytest.mark.parametrize("kind,message", [("numerical_backward", "numerical gradients are switched off"),
                                          ("own_finite_differences", "That is numerical differentiation"),
                                          ("graph_model", "graph model is switched off")])
def test_an_answer_computed_without_the_chain_rule_loses_its_points(kind, message, monkeypatch):
    edit = mistakes.OTHER_EDITS[kind]
    _check_kind(kind, monkeypatch, names=[edit.notebook])
    results = grade_in_process(edit.notebook, mistakes.make_submission(kind)[edit.notebook], monkeypatch)
    for gid in edit.fails:
        assert any(message in v.message for v in results[gid][1]), [v.message for v in results[gid][1]]


def visible_failures(name, student) -> dict:
    """{grade_id: error text} of the student version's test cells (visible asserts only) that fail."""
    import contextlib
    import io
    import warnings

    namespace: dict = {}
    failures = {}
    for cell in student.cells:
        if cell.cell_type != "code":
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(compile(cell.source, f"<{name}:{cell.id}>", "exec"), namespace)
        except Exception as exc:
            if nbgrader_meta(cell).get("grade"):
                failures[cell.id] = f"{type(exc).__name__}: {exc}"
    return failures


@pytest.mark.parametrize("kind", list(mistakes.MISTAKE_EDITS))
def test_visible_tests_catch_each_mistake_and_blame_the_right_part(kind):
    """The student's own test cells fail for the broken exercise; a later exercise that builds on it
    says so ("this test builds on your ...") instead of failing with a misleading difference."""
    edit = mistakes.MISTAKE_EDITS[kind]
    failures = visible_failures(edit.notebook, mistakes.make_submission(kind)[edit.notebook])
    assert set(edit.fails) <= set(failures), (kind, set(edit.fails) - set(failures))
    for gid, text in failures.items():
        assert gid in edit.fails or text.startswith("AssertionError: this test builds on your"), (kind, gid, text)


def test_expected_scores_cover_every_kind_and_cell():
    for kind in mistakes.KINDS:
        assert set(mistakes.EXPECTED_SCORES[kind]) == set(NAMES)
    total = sum(sum(cells.values()) for cells in mistakes.EXPECTED_SCORES["perfect"].values())
    assert total == sum(float(c.attrs["points"]) for a in build_sources.NOTEBOOKS
                        for c in build_sources.parse(build_sources.SOURCES / f"{a}.cells") if c.kind == "test")
    assert all(v == 0 for cells in mistakes.EXPECTED_SCORES["release"].values() for v in cells.values())


def test_every_catalogued_mistake_is_made_by_a_sample_submission():
    catalogued = {f"{cid}.{m['key']}" for cid, ms in mistakes.CATALOGUE["checks"].items() for m in ms}
    made = {entry for edit in mistakes.MISTAKE_EDITS.values() for entry in edit.hints if not entry.startswith("rule:")}
    assert made <= catalogued, made - catalogued
    assert catalogued <= made, catalogued - made


def test_every_graded_exercise_has_realistic_mistakes():
    """Every check but two has sample mistakes with a hint: Reciprocal.forward (1/x, nothing to get
    wrong that Tanh's and Exp's forward mistakes do not show) and the training warm-up (it runs the
    student's gradient and sgd_step, whose own mistakes make it fail)."""
    covered = {mistakes._hinted_check(edit, entry) for edit in mistakes.MISTAKE_EDITS.values() for entry in edit.hints}
    assert set(CHECKS) - covered == {"ps2_reciprocal_forward", "ps4_train"}
    trained = {kind for kind, edit in mistakes.MISTAKE_EDITS.items() if "test_train" in edit.fails}
    assert len(trained) >= 5


def _solution_lines() -> set:
    """Every line of solution code (inside the solution markers), without spaces, 12 characters or more."""
    lines = set()
    for name in NAMES:
        for cell in mistakes.source_notebook(name).cells:
            if nbgrader_meta(cell).get("solution"):
                inside = False
                for line in cell.source.splitlines():
                    if "### BEGIN SOLUTION" in line or "### END SOLUTION" in line:
                        inside = "BEGIN" in line
                    elif inside and len("".join(line.split())) >= 12:
                        lines.add("".join(line.split()))
    return lines


def test_no_hint_prints_the_answer():
    """A hint points at the mistake; it never holds a line of the solution, a formula (an equals
    sign: comparisons like x <= 0 are fine) or numpy code."""
    hints = [m["hint"] for ms in mistakes.CATALOGUE["checks"].values() for m in ms] + \
        list(mistakes.CATALOGUE["rules"].values())
    lines = _solution_lines()
    assert len(lines) > 40  # control: the solutions were found
    for hint in hints:
        flat = "".join(hint.split())
        assert not [line for line in lines if line in flat], hint
        assert not re.search(r"(?<![<>=!])=(?!=)", hint), hint
        assert "np." not in hint and "axis=" not in hint, hint


def test_solutions_import_nothing_from_the_grader():
    """The instructor's sources sit below the grader: the catalogue of mistakes is data it reads."""
    import ast

    for path in (ROOT / "solutions").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "autograder" for a in node.names), path
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "autograder", path
    for assignment in build_sources.NOTEBOOKS:
        for cell in build_sources.parse(build_sources.SOURCES / f"{assignment}.cells"):
            assert "autograder" not in cell.attrs.get("include", ""), (assignment, cell.grade_id)


def test_unknown_kind_and_bad_cell_files_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown submission kind"):
        mistakes.make_submission("nope")
    bad = tmp_path / "bad.cells"
    bad.write_text("%% test id=t points=1 book=no\nassert True\n")
    with pytest.raises(ValueError, match="one-line docstring"):
        build_sources.parse(bad)
    bad.write_text("%% solutoin id=s\npass\n")
    with pytest.raises(ValueError, match="unknown cell kind"):
        build_sources.parse(bad)
    bad.write_text("%% test id=t points=1\n")
    with pytest.raises(ValueError, match="book=yes|no"):
        build_sources.parse(bad)
