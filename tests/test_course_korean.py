"""A Korean course: the assignments released in Korean from the same sources, through a catalogue.

``course.yml`` ``language: ko`` makes ``backprop-grader release`` write exercises/ko/ from
solutions/ko/, which ``solutions/build_sources.py`` builds from the one English
``solutions/notebook_sources/*.cells`` with their prose, docstrings, comments and marked
strings translated through ``locales/ko/LC_MESSAGES/assignments/<assignment>.po``
(booktools.notebook_catalogue). These tests hold the catalogues complete and current (an
English sentence that changes turns its entry fuzzy and fails them), the Korean in the
glossary's terms and 합니다체, the Korean release clean and current, and a Korean notebook
running, speaking Korean when a visible test fails.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from booktools import notebook_catalogue as nc
from booktools.catalogues import code_names
from booktools.glossary import load, term_problems
from booktools.korean_style import register_problems

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("build_sources", ROOT / "solutions" / "build_sources.py")
build_sources = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("build_sources", build_sources)   # dataclasses look their module up here
_spec.loader.exec_module(sys.modules["build_sources"])
build_sources = sys.modules["build_sources"]
ASSIGNMENTS = list(build_sources.NOTEBOOKS)


def cells(assignment: str):
    return build_sources.parse(build_sources.SOURCES / f"{assignment}.cells")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_assignment_catalogue_is_complete_and_current(assignment):
    report = nc.report("ko", assignment, cells(assignment))
    assert not report.missing, f"{nc.po_path('ko', assignment)} is missing; run `make translations`"
    assert report.complete, report.summary()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_translations_keep_the_glossary_one_register_and_every_blank(assignment):
    path = nc.po_path("ko", assignment)
    glossary, names, problems = load(), code_names(path), []
    for m in nc.read(path):
        if not m.id or not m.string:
            continue
        problems += [f"{m.id[:60]!r}: {p}" for p in term_problems(m.id, m.string, glossary, names)]
        problems += [f"{m.id[:60]!r}: {p}" for p in register_problems(m.string)]
        code = r"``[^`]+``|`[^`]+`|\$[^$]+\$"
        blanks = re.compile(r"\{\w+(?::[^}\s]*)?\}")
        if sorted(blanks.findall(m.id)) != sorted(blanks.findall(m.string)):
            problems.append(f"{m.id[:60]!r}: the translation's blanks differ from the English")
        if set(re.findall(code, m.id)) != set(re.findall(code, m.string)):
            problems.append(f"{m.id[:60]!r}: the translation's code or maths differs from the English")
    assert not problems, "\n".join(problems)


def test_a_changed_english_sentence_turns_its_entry_fuzzy_and_keeps_english_until_translated(tmp_path):
    """What `make translations` does after an author edits a sentence: the old Korean no longer counts."""
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales" / "ko" / "LC_MESSAGES" / nc.FOLDER, locales / "ko" / "LC_MESSAGES" / nc.FOLDER)
    sources = cells("ps1_graphs")
    old = "Forward and backward pass of the shopping graph."
    new = "Forward and backward passes of the shopping graph."
    edited = [build_sources.Cell(**{**vars(c), "source": c.source.replace(old, new)}) if old in c.source else c
              for c in sources]
    assert edited != sources, "the sentence this test edits is gone from ps1_graphs.cells; pick another"
    assert nc.report("ko", "ps1_graphs", edited, locales).stale
    nc.update("ko", "ps1_graphs", edited, locales)
    report = nc.report("ko", "ps1_graphs", edited, locales)
    assert report.fuzzy == [new] and not report.complete
    lookup = nc.lookup_for("ko", "ps1_graphs", locales)
    assert lookup(new) == new                       # fuzzy: the English stays, as in the book
    assert lookup("Square (section 2)") == "Square(2절)"


def test_the_korean_release_is_current_and_clean_through_the_cli(capsys):
    assert main(["release", "--check", "--language", "ko", "--repo", str(ROOT)]) == 0
    assert "exercises/ko/ is current and shows no solutions or hidden tests" in capsys.readouterr().out


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_korean_and_english_notebooks_differ_in_words_only(assignment):
    """Same cells, same nbgrader metadata, same code once strings and comments are set aside."""
    def code(source: str) -> str:
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                node.value = ""
            elif isinstance(node, ast.JoinedStr):   # a translation may put its blanks in another order
                node.values = sorted((v for v in node.values if isinstance(v, ast.FormattedValue)), key=ast.dump)
        return ast.dump(tree)

    name = build_sources.NOTEBOOKS[assignment]
    english = nbformat.read(ROOT / "exercises" / assignment / f"{name}.ipynb", as_version=4)
    korean = nbformat.read(ROOT / "exercises" / "ko" / assignment / f"{name}.ipynb", as_version=4)
    def meta(cell):   # the checksum is of the cell's text, which is translated
        return {**cell.metadata, "nbgrader": {k: v for k, v in cell.metadata.get("nbgrader", {}).items()
                                               if k != "checksum"}}

    assert [(c.cell_type, c.id, meta(c)) for c in english.cells] == [(c.cell_type, c.id, meta(c)) for c in korean.cells]
    for en, ko in zip(english.cells, korean.cells):
        if en.cell_type == "code":
            assert code(en.source.replace('install("en")', 'install("ko")')) == code(ko.source), en.id
        else:
            assert re.search("[가-힣]", ko.source), f"{assignment} cell {en.id} is not in Korean"


def test_a_korean_notebook_says_in_korean_what_its_visible_test_found(tmp_path):
    """The Korean release with the answers typed in, Square.backward missing its factor 2: run in a fresh
    Python as a student's kernel runs it, the visible test fails with a Korean message."""
    nb = nbformat.read(ROOT / "exercises" / "ko" / "ps1_graphs" / "graphs.ipynb", as_version=4)
    answers = {c.id: re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", "", c.source + "\n", flags=re.M).rstrip()
               for c in nbformat.read(ROOT / "solutions" / "ko" / "ps1_graphs" / "graphs.ipynb", as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    sources = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            source = answers.get(cell.id, cell.source)
            if cell.id == "square":
                source = source.replace("return 2.0 * self.x * dout", "return self.x * dout")
            sources.append((cell.metadata.get("nbgrader", {}).get("grade_id", ""), source))
    (tmp_path / "cells.json").write_text(json.dumps(sources), encoding="utf-8")
    script = ("import json, sys\nns = {}\nfailed = {}\n"
              "for grade_id, source in json.load(open(sys.argv[1], encoding='utf-8')):\n"
              "    try:\n        exec(compile(source, grade_id, 'exec'), ns)\n"
              "    except AssertionError as exc:\n        failed[grade_id] = str(exc)\n"
              "print(json.dumps(failed, ensure_ascii=False))\n")
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "cells.json")], capture_output=True,
                          text=True, cwd=tmp_path, timeout=300, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr[-2000:]
    failed = json.loads(proc.stdout.strip().splitlines()[-1])   # after what the example cells print
    assert list(failed) == ["test_square_backward", "test_square_sum"], failed
    assert failed["test_square_backward"].startswith("입력 형상이 (3, 4)인 x와 dout(시드 0)에서 Square.backward의 dx: ")
    assert "수치 기울기" in failed["test_square_backward"] and "상대 오차" in failed["test_square_backward"]
    assert failed["test_square_sum"].startswith("이 테스트는 여러분이 작성한 Square(2절) 부분에 기대는데")


GUIDE = ROOT / "docs" / "student-guide.ko.md"


def test_the_korean_student_guide_quotes_what_the_course_really_says():
    """docs/student-guide.ko.md: its example failure is what a Korean notebook prints, its hint the grader's
    Korean hint, its table the assignments there are; its prose keeps 합니다체 and never a known mistranslation."""
    import numpy as np

    from backprop import messages
    from backprop.nn.expect import describe, expect_close

    text = GUIDE.read_text(encoding="utf-8")
    messages.install("ko")
    try:
        with pytest.raises(AssertionError) as info:
            expect_close("Tanh.backward의 dx", [[0.5, -1.5]], [[0.786448, 0.180707]], source="numerical",
                         given=describe(x=np.array([[0.5, -1.5]]), dout=np.ones((1, 2))))
    finally:
        messages.install(None)
    assert f"```text\n{info.value}\n```" in text
    hints = {m.string for m in nc.read(ROOT / "locales" / "ko" / "LC_MESSAGES" / "grading.po") if m.id}
    quoted = re.findall(r"^> 힌트: (.+)$", text, re.M)
    assert quoted and all(hint in hints for hint in quoted)
    for assignment, name in build_sources.NOTEBOOKS.items():
        assert f"| `{assignment}` | `{name}.ipynb` |" in text
        assert (ROOT / "exercises" / "ko" / assignment / f"{name}.ipynb").is_file()
    prose = re.sub(r"```.*?```|^\|.*$|^>.*$", " ", text, flags=re.S | re.M)
    assert register_problems(prose) == []
    glossary = load()
    assert not [word for word in glossary.forbidden if word in text]
