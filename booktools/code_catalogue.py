"""The code's catalogue: every sentence that code shows, in one gettext catalogue per language.

Two kinds of sentence live in code rather than in a page's prose, and Sphinx's page
catalogues never see them:

- the student package's templates (``backprop/messages.json`` and the captions of
  ``graph/ops.json``): step captions, buttons, error messages, figure titles, the
  playground's controls; the message context of each is its key (``step.seed``);
- the sentences a chapter's code cells write and mark with ``_`` (``from
  backprop.messages import gettext as _``): figure captions, alt text, plot titles and
  axis labels; found by reading every code cell of ``book/*.md``.

Both go into ``backprop/src/backprop/locales/<language>/LC_MESSAGES/backprop.po`` (it ships
with the student package, so the widgets speak Korean wherever ``BACKPROP_LANG=ko``), merged
as sphinx-intl merges the pages' (babel's ``Catalog.update``: new entries untranslated,
changed ones fuzzy, removed ones dropped), and compiled to ``backprop.mo`` beside it,
which ``backprop.messages`` loads. ``python -m booktools.catalogues update`` and ``check``
(``make translations``) do this with the pages' catalogues.
"""

from __future__ import annotations

import ast
import io
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from backprop import messages
from booktools.catalogues import Report, write_catalogue

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "book"
# Which file of the package a template's key comes from (the .po's source comment).
_SOURCES = {"op.": "graph/ops.json"}

_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```\s*$", re.S | re.M)


class CatalogueError(ValueError):
    """A sentence marked for translation that cannot be extracted (the message says where and why)."""


def po_path(language: str, locales: Path = messages.LOCALES) -> Path:
    return locales / language / "LC_MESSAGES" / f"{messages.DOMAIN}.po"


def mo_path(language: str, locales: Path = messages.LOCALES) -> Path:
    return po_path(language, locales).with_suffix(".mo")


def _cell_code(cell: str) -> tuple[str, int]:
    """A code cell's Python, without its MyST options (``:tags: ...`` lines or a ``---`` block),
    and how many lines those took."""
    lines = cell.splitlines()
    total = len(lines)
    if lines and lines[0].strip() == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        lines = lines[end + 1:]
    while lines and lines[0].startswith(":"):
        lines = lines[1:]
    # IPython's magics and shell escapes are not Python: they hold no sentence to translate
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)
    return code, total - len(lines)


def page_sentences(page: Path) -> list[tuple[str, int]]:
    """(English, line) of every ``_("...")`` in the code cells of a MyST page."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in _CELL.finditer(text):
        code, options = _cell_code(match.group(1))
        offset = text.count("\n", 0, match.start(1)) + 1 + options   # the line of the code's first line
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            raise CatalogueError(f"{page.name}:{offset + (exc.lineno or 1) - 1}: a code cell is not Python "
                                 f"({exc.msg}); its sentences cannot be found") from None
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"):
                continue
            line = offset + node.lineno - 1
            if not node.args or not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                raise CatalogueError(f"{page.name}:{line}: _() needs the English sentence as a plain string; "
                                     "write its numbers as blanks, _(\"giving {z}\", z=...), not an f-string")
            found.append((node.args[0].value, line))
    return found


def template(pages: Path = PAGES) -> Catalog:
    """Every sentence in code, in English: the package's templates, then the chapters'."""
    catalogue = Catalog(project="backprop", fuzzy=False, charset="utf-8")
    for key, english in messages.english().items():
        source = next((f for prefix, f in _SOURCES.items() if key.startswith(prefix)), "messages.json")
        catalogue.add(english, context=key, auto_comments=[f"backprop/{source}: {key}"])
    for page in sorted(Path(pages).glob("*.md")):
        for english, line in page_sentences(page):
            if english in catalogue:
                catalogue[english].locations.append((f"book/{page.name}", line))
            else:
                catalogue.add(english, locations=[(f"book/{page.name}", line)])
    return catalogue


def keys(catalogue: Catalog) -> list[tuple[str, str | None]]:
    """(English, context) of every entry (the header left out)."""
    return [(m.id, m.context) for m in catalogue if m.id]


def read(path: Path) -> Catalog:
    with Path(path).open("rb") as f:
        return read_po(f)


def compiled(catalogue: Catalog) -> bytes:
    """The .mo of ``catalogue`` (fuzzy entries left out, as Sphinx and gettext leave them)."""
    out = io.BytesIO()
    write_mo(out, catalogue, use_fuzzy=False)
    return out.getvalue()


def update(language: str, locales: Path = messages.LOCALES, pages: Path = PAGES) -> Path:
    """Merge the current English sentences into ``language``'s catalogue and compile it."""
    path = po_path(language, locales)
    english = template(pages)
    if path.is_file():
        catalogue = read(path)
        catalogue.update(english)
    else:
        catalogue = Catalog(locale=language, project="backprop", fuzzy=False, charset="utf-8")
        catalogue.update(english)
    write_catalogue(path, catalogue)
    mo = mo_path(language, locales)
    fresh = compiled(read(path))
    if not mo.is_file() or mo.read_bytes() != fresh:
        mo.write_bytes(fresh)
    return path


@dataclass
class CodeReport(Report):
    """A page's report, and whether the compiled .mo is older than the .po."""

    mo_stale: bool = False

    @property
    def stale(self) -> bool:
        return self.mo_stale or super().stale

    def summary(self) -> str:
        if self.mo_stale and not super().stale:
            return f"{self.domain}: {mo_path('<language>').name} is not compiled from the .po; run `make translations`"
        return super().summary()


def report(language: str, locales: Path = messages.LOCALES, pages: Path = PAGES) -> CodeReport:
    """What keeps ``language``'s catalogue from being complete and current."""
    result = CodeReport(f"code ({messages.DOMAIN}.po)")
    path = po_path(language, locales)
    if not path.is_file():
        result.missing = True
        return result
    english = keys(template(pages))
    catalogue = read(path)
    current = {(m.id, m.context): m for m in catalogue if m.id}
    result.new = [k[0] for k in english if k not in current]
    result.gone = [k[0] for k in current if k not in set(english)]
    for k in english:
        message = current.get(k)
        if message is None:
            continue
        if message.fuzzy:
            result.fuzzy.append(k[0])
        elif not message.string:
            result.untranslated.append(k[0])
    mo = mo_path(language, locales)
    result.mo_stale = not mo.is_file() or mo.read_bytes() != compiled(catalogue)
    return result
