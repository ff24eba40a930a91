"""nbgrader preprocessors of the course: scores come from the trusted judge only.

Sanitizing (before anything runs): ``RepairMetadata`` drops nbgrader metadata that
a submission forged or broke, ``RestoreCells`` puts locked cells back (hidden tests
included) and re-adds deleted test cells where they belong.

Autograding (after execution, before ``SaveAutoGrades``): ``TrustedVerdicts``
replaces the outputs of every graded cell with the judge's verdict, so nbgrader's
rule "any error or stderr output scores 0" sees exactly one thing: whether the
trusted judge passed the student's recorded outputs.

Execution outcomes (timed out, kernel died, killed for memory) travel from the
execution step to the grading loop in ``resources[OUTCOME_KEY]``; see
:mod:`autograder.execution.outcomes`.
"""
from __future__ import annotations

import functools
import importlib
import json
import re
import traceback
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor, OverwriteCells
from traitlets import Unicode

from autograder import i18n
from autograder.checks.probe import MIME as PROBE_MIME  # the mime type of the probe's bundle
from autograder.checks.verdict import Verdict
from autograder.execution.outcomes import OUTCOME_KEY, TIMED_OUT, record_outcome

from .stopped import why_stopped

#: Mime type of the verdict that TrustedVerdicts leaves in each graded cell.
VERDICT_MIME = "application/vnd.backprop.verdict+json"

_CHECK_CALL = re.compile(r"""\bcheck\(\s*(['"])([^'"\\]+)\1""")


def _source_order(source_root: str, assignment: str, notebook: str) -> list[tuple[str, str | None]]:
    """(cell id, grade_id or None) of every cell of the instructor's notebook, in order; [] if unreadable."""
    path = Path(source_root) / assignment / f"{notebook}.ipynb"
    if not source_root or not path.exists():
        return []
    # The sanitize pass asks for every submission; the file is read once per version of it.
    return list(_read_source_order(str(path), path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=32)
def _read_source_order(path: str, mtime_ns: int) -> tuple[tuple[str, str | None], ...]:
    nb = nbformat.read(path, as_version=4)
    return tuple((c.get("id", ""), c.metadata.get("nbgrader", {}).get("grade_id")) for c in nb.cells)


class RepairMetadata(NbGraderPreprocessor):
    """Drop nbgrader metadata that does not describe a cell of the released notebook.

    A student can strip, corrupt or invent cell metadata (a new grade cell worth
    100 points, a schema nbgrader rejects). Such a cell becomes an ordinary cell;
    the real graded cells are then restored by RestoreCells from the gradebook.
    """

    def preprocess(self, nb, resources):
        from nbgrader.nbgraderformat import MetadataValidator, ValidationError

        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            source = gb.find_notebook(info["notebook"], info["assignment"])
            known = {cell.name for cell in source.source_cells}
        validator = MetadataValidator()
        for index, cell in enumerate(nb.cells):
            meta = cell.metadata.get("nbgrader")
            if meta is None:
                continue
            reason = None
            try:
                validator.upgrade_cell_metadata(cell)
                validator.validate_cell(cell)
            except (ValidationError, KeyError, TypeError, ValueError) as exc:
                reason = f"invalid metadata ({exc})"
            if reason is None and (utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell)) \
                    and meta.get("grade_id") not in known:
                reason = f"unknown grade_id {meta.get('grade_id')!r}"
            if reason:
                self.log.warning("cell %d of %s: %s; treating it as an ordinary cell", index, info["notebook"], reason)
                del cell.metadata["nbgrader"]
        return nb, resources


class RestoreCells(OverwriteCells):
    """OverwriteCells whose re-added test cells land after their nearest surviving neighbour.

    nbgrader's own placement looks up the previous graded or solution cell and
    fails with a KeyError when that one was deleted too. Here the order comes from
    the instructor's notebook, and the neighbour may be any cell (found by its
    grade_id or its nbformat cell id), so a test lands after its example cell.
    """

    source_root = Unicode("", help="Folder of the instructor's source notebooks (solutions/).").tag(config=True)

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            # DeduplicateIds leaves "nbgrader": {} on the duplicates; nbgrader's task-cell pass
            # then fails with KeyError('grade_id'). Such a cell is an ordinary cell now.
            if "nbgrader" in cell.metadata and not cell.metadata["nbgrader"].get("grade_id"):
                del cell.metadata["nbgrader"]
        self._order = _source_order(self.source_root, resources["nbgrader"]["assignment"],
                                    resources["nbgrader"]["notebook"])
        self._hidden_tests = ClearHiddenTests(parent=self)   # release's own step, with its configured markers
        return super().preprocess(nb, resources)

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = {cell.name: cell for cell in source_nb.source_cells}
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}
        order = self._order or [("", cell.name) for cell in source_nb.source_cells]
        order += [("", name) for name in grade_cells if name not in {g for _, g in order}]
        for position, (_, grade_id) in enumerate(order):
            if grade_id not in grade_cells or grade_id in self._present(nb):
                continue
            self.log.warning("Missing grade cell %s encountered, adding it back", grade_id)
            cell = self.missing_cell_transform(source_cells[grade_id], grade_cells[grade_id].max_score,
                                               is_solution=grade_id in solution_ids)
            source_id = order[position][0]
            if source_id and source_id not in {c.get("id") for c in nb.cells}:
                cell["id"] = source_id  # nbformat 4.5 wants an id; the instructor's is the natural one
            nb.cells.insert(self._after(nb, order[:position]), cell)
        return nb, resources

    def _after(self, nb, earlier: list[tuple[str, str | None]]) -> int:
        """Index just after the nearest earlier source cell still in ``nb`` (by grade_id, else cell id)."""
        by_grade = self._present(nb)
        by_id = {cell.get("id"): i for i, cell in enumerate(nb.cells) if cell.get("id")}
        for cell_id, grade_id in reversed(earlier):
            if grade_id in by_grade:
                return by_grade[grade_id] + 1
            if cell_id and cell_id in by_id:
                return by_id[cell_id] + 1
        return 0

    def preprocess_cell(self, cell, resources, cell_index):
        self._put_back_hidden_tests(cell)
        return super().preprocess_cell(cell, resources, cell_index)

    def _put_back_hidden_tests(self, cell) -> None:
        """Give a locked cell that is exactly as released its hidden tests back, before nbgrader compares.

        The gradebook keeps the instructor's cell (hidden tests included) and its checksum; the
        student got it without the hidden tests. nbgrader's OverwriteCells puts the instructor's
        source back either way, but warns "checksum has changed" for every such cell of every
        submission, which buries the warnings about cells a student really changed.
        """
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is None or not utils.is_locked(cell):
            return
        try:
            source_cell = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
        except MissingEntry:
            return   # OverwriteCells says so
        released = nbformat.NotebookNode(source=source_cell.source)
        self._hidden_tests._remove_hidden_test_region(released)
        if source_cell.locked and cell.source == released.source:
            cell.source = source_cell.source

    @staticmethod
    def _present(nb) -> dict[str, int]:
        return {cell.metadata["nbgrader"]["grade_id"]: i for i, cell in enumerate(nb.cells)
                if utils.is_grade(cell) or utils.is_solution(cell)}


def _join_multiline(output) -> None:
    """Join text kept as a list of lines (raw JSON form) into one string, as nbformat.read would."""
    if isinstance(output.get("text"), list):
        output["text"] = "".join(map(str, output["text"]))
    for mime, value in output.get("data", {}).items():
        if isinstance(value, list) and not mime.endswith("json"):
            output["data"][mime] = "".join(map(str, value))


class TrustedVerdicts(NbGraderPreprocessor):
    """Replace each graded code cell's outputs with the trusted judge's verdict.

    The check ids are read from the cell's source, which RestoreCells has reset to
    the instructor's version; the student's outputs enter only as the recorded
    probe bundle, which the judge coerces and compares. A cell whose check id
    shows more than one bundle (a forged one next to the real one) fails.
    """

    judge = Unicode("autograder.checks.judge:judge",
                    help="module:function with the signature judge(check_id, recorded) -> Verdict").tag(config=True)

    def _judge(self):
        module, _, name = self.judge.partition(":")
        return getattr(importlib.import_module(module), name)

    language = Unicode(i18n.SOURCE_LANGUAGE,
                       help="the course's language: the judge's messages and hints in it").tag(config=True)

    def preprocess(self, nb, resources):
        with i18n.language(self.language):
            return self._preprocess(nb, resources)

    def _preprocess(self, nb, resources):
        judge = self._judge()
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                _join_multiline(output)
                if output.get("output_type") == "error" and output.get("ename") == "CellTimeoutError":
                    if not any(status == TIMED_OUT for status, _ in resources.get(OUTCOME_KEY, [])):
                        record_outcome(resources, TIMED_OUT, "a cell ran past the time limit and was interrupted")
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell):
                cell.outputs = self._verdict_outputs(cell, judge, lambda index=index: why_stopped(nb.cells, index))
        return nb, resources

    def _verdict_outputs(self, cell, judge, stopped=lambda: "") -> list:
        """``stopped()``: why the cell recorded no result, from the notebook (asked only when it did not)."""
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        ids = list(dict.fromkeys(m.group(2) for m in _CHECK_CALL.finditer(cell.source)))
        bundles: dict[str, list] = {}
        for output in cell.get("outputs", []):
            bundle = output.get("data", {}).get(PROBE_MIME) if output.get("output_type") in (
                "display_data", "execute_result") else None
            if isinstance(bundle, dict) and isinstance(bundle.get("check"), str):
                bundles.setdefault(bundle["check"], []).append(bundle)
        checks = []
        for check_id in ids:
            found = bundles.get(check_id, [])
            if len(found) > 1:
                verdict = Verdict(False, i18n._("{check}: the check reported more than once, so its output "
                                                 "cannot be trusted.", check=check_id), None)
            else:
                # Plain JSON data for the judge: nbformat hands over NotebookNode (a dict subclass),
                # which the judge's strict `type(x) is dict` checks rightly refuse.
                plain = json.loads(json.dumps(found[0])) if found else None
                verdict = self._safe_judge(judge, check_id, plain)
                if plain is None and not verdict.passed:
                    verdict = Verdict(False, f"{verdict.message} {stopped()}".strip(), verdict.hint)
            checks.append({"check": check_id, "passed": bool(verdict.passed),
                           "message": str(verdict.message), "hint": verdict.hint and str(verdict.hint)})
        if not ids:
            # A visible test without a trusted check: it passes when its asserts ran without error.
            # A cell after a dead kernel or a killed run has no execution count: it did not pass.
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            ran = cell.get("execution_count") is not None
            message = (f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors
                       else i18n._("passed") if ran else i18n._("This test did not run (the notebook stopped before it)."))
            checks.append({"check": grade_id, "passed": ran and not errors, "message": message, "hint": None})
        passed = all(c["passed"] for c in checks)
        summary = {"cell": grade_id, "passed": passed, "checks": checks}
        text = "\n".join(c["message"] + ("\n" + i18n._("Hint: {hint}", hint=c["hint"]) if c["hint"] else "")
                         for c in checks)
        outputs = [nbformat.v4.new_output("stream", name="stdout", text=text + "\n"),
                   nbformat.v4.new_output("display_data", data={VERDICT_MIME: summary, "text/plain": text})]
        if not passed:
            first = next(c for c in checks if not c["passed"])
            outputs.append(nbformat.v4.new_output("error", ename="CheckFailed", evalue=first["message"],
                                                  traceback=[f"CheckFailed: {first['message']}"]))
        return outputs

    def _safe_judge(self, judge, check_id: str, recorded: dict | None):
        try:
            return judge(check_id, recorded)
        except Exception:  # a judge bug must cost this check, not the whole batch
            self.log.error("judge(%r) raised:\n%s", check_id, traceback.format_exc())
            return Verdict(False, f"{check_id}: could not be judged (grader error); "
                                  f"your instructor has been told.", None)
