"""The grader's catalogue: every sentence a student (or the report) reads from the grader.

``locales/<language>/LC_MESSAGES/grading.po`` (read by ``autograder.i18n``; English needs
none) holds, with the English as the key:

- the sentences the grader's code marks, ``_("...")`` or ``N_("...")`` in ``autograder/``:
  the judge's verdicts, why a cell stopped, the status labels, a lateness in words;
- the sentences of the page templates, ``{{ _("...") }}`` in ``autograder/pipeline/templates/``;
- the data the hidden checks show: each known mistake's hint and each generic rule's hint
  in ``solutions/reference/mistakes.json``, and each check's title and case names
  (``autograder.checks.cases``).

It lives in the course repository, not in the student package: hints describe the hidden
checks. ``python -m booktools.catalogues update`` merges the current English into it
(a new message untranslated, a changed one fuzzy), ``check`` and the tests fail until it
is translated again (docs/translating.md).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from babel.messages.catalog import Catalog

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
DOMAIN = "grading"
CODE = ROOT / "autograder"
TEMPLATES = CODE / "pipeline" / "templates"
MISTAKES = ROOT / "solutions" / "reference" / "mistakes.json"
MARKERS = {"_", "N_"}
_TEMPLATE_CALL = re.compile(r"""\b_\(\s*"((?:[^"\\]|\\.)*)"|\b_\(\s*'((?:[^'\\]|\\.)*)'""")


class GradingCatalogueError(ValueError):
    """A marked sentence the catalogue cannot read (the message says where)."""


def po_path(language: str, locales: Path = LOCALES) -> Path:
    return Path(locales) / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def code_messages(source: str, where: str) -> list[tuple[str, str]]:
    """(English, place) of every ``_("...")`` / ``N_("...")`` in a Python module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name not in MARKERS or (isinstance(func, ast.Attribute) and not (
                isinstance(func.value, ast.Name) and func.value.id == "i18n")):
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append((first.value, f"{where}:{node.lineno}"))
        elif name == "_" and isinstance(first, ast.Name):
            continue   # _(label): a constant marked with N_ where it is defined
        else:
            raise GradingCatalogueError(f"{where}:{node.lineno}: {name}() takes the English as one plain string")
    return found


def template_messages(source: str, where: str) -> list[tuple[str, str]]:
    """(English, place) of every ``_("...")`` in a Jinja template (a ``_(value)`` is translated data)."""
    out = []
    for m in _TEMPLATE_CALL.finditer(source):
        text = m.group(1) if m.group(1) is not None else m.group(2)
        out.append((text.encode().decode("unicode_escape") if "\\" in text else text,
                    f"{where}:{source.count(chr(10), 0, m.start()) + 1}"))
    return out


def data_messages() -> list[tuple[str, str]]:
    """The hints of mistakes.json and the checks' titles and case names."""
    from autograder.checks.cases import CHECKS

    data = json.loads(MISTAKES.read_text(encoding="utf-8"))
    out = [(m["hint"], f"mistakes.json: {check}.{m['key']}") for check, ms in data["checks"].items() for m in ms]
    out += [(hint, f"mistakes.json: rules.{rule}") for rule, hint in data["rules"].items()]
    for check in CHECKS.values():
        out.append((check.title, f"autograder/checks/cases.py: {check.id} (title)"))
        out += [(case.name, f"autograder/checks/cases.py: {check.id} (case)") for case in check.cases]
    return out


def messages() -> list[tuple[str, str]]:
    """Every (English, place) the grader shows, code first, then templates, then data."""
    out = []
    for path in sorted(CODE.rglob("*.py")):
        out += code_messages(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    for path in sorted(TEMPLATES.glob("*.html")):
        out += template_messages(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    return out + data_messages()


def template() -> Catalog:
    catalogue = Catalog(project="grading", fuzzy=False, charset="utf-8")
    for text, where in messages():
        if not text:
            continue
        if text in catalogue:
            if len(catalogue[text].auto_comments) < 3:
                catalogue[text].auto_comments.append(where)
        else:
            catalogue.add(text, auto_comments=[where],
                          flags=("python-brace-format",) if re.search(r"\{\w+(:[^}\s]*)?\}", text) else ())
    return catalogue


def update(language: str, locales: Path = LOCALES) -> Path:
    """Merge the grader's current English into ``language``'s catalogue."""
    from booktools.catalogues import merge

    return merge(po_path(language, locales), template(), language, "grading")


def report(language: str, locales: Path = LOCALES):
    """What keeps ``language``'s grading catalogue from being complete and current."""
    from booktools.catalogues import compare

    return compare(f"grader ({DOMAIN}.po)", po_path(language, locales), [m.id for m in template() if m.id])
