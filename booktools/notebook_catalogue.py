"""The assignments' catalogues: every sentence of a notebook, translated through gettext.

The assignments are written once, in English, in ``solutions/notebook_sources/<assignment>.cells``
(``solutions/build_sources.py`` turns them into nbgrader's source notebooks). A student of
a Korean course gets the same notebooks with their prose in Korean and their code
unchanged, built by the same script from ``locales/<language>/LC_MESSAGES/assignments/
<assignment>.po``. A *message* is:

- in a Markdown cell: a heading, a paragraph (as written, over several lines), or a list
  item; display maths (``$$ ... $$``) is no message;
- in a code cell: a paragraph of a docstring, a comment (consecutive comment lines at
  one indentation are one message), and a string the code marks with ``_("...")``:
  what the visible tests print (``builds_on(_("Square (section 2)"), ...)``). A marked
  string with blanks names them, ``_("dx from {name}.backward", name=name)``, and
  becomes an f-string in the notebook: ``f"dx from {name}.backward"``. In the argument of
  ``install(...)`` the notebook states its own language (``install("en")``), so the
  package's messages (``backprop.messages``) speak it in the student's kernel too.

What lies between nbgrader's ``### BEGIN SOLUTION``/``### END SOLUTION`` or
``### BEGIN HIDDEN TESTS``/``### END HIDDEN TESTS`` markers is left alone: students never see
it. An entry that is untranslated or fuzzy leaves the English in place, as Sphinx does in
the book, and the catalogue's test fails until it is translated.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import string
import tokenize
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
SOURCES = ROOT / "solutions" / "notebook_sources"
SOURCE_LANGUAGE = "en"
FOLDER = "assignments"        # locales/<language>/LC_MESSAGES/assignments/<assignment>.po
LINE_WIDTH = 79
INSTALL = "install"           # install("en"): the notebook's language for the package's messages

_REGION = re.compile(r"^[ \t]*#+[ \t]*(BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*$")
_LIST_ITEM = re.compile(r"^(\s*(?:[*+-]|\d+[.)])\s+)(.*)$")
_HEADING = re.compile(r"^(#{1,6}\s+)(.*)$")


class NotebookCatalogueError(ValueError):
    """A source the catalogue cannot read (the message says where and why)."""


@dataclass(frozen=True)
class Message:
    text: str          # the English, as the source writes it
    where: str         # for translators: "<cell id>, <kind>"


# ---- Markdown ------------------------------------------------------------------------

def _markdown_pieces(source: str):
    """(prefix, text, continuation indent) of each translatable piece, and plain strings kept as they are."""
    blocks = re.split(r"(\n[ \t]*\n)", source)
    for block in blocks:
        if not block.strip() or block.lstrip().startswith("$$"):
            yield block
            continue
        lines = block.split("\n")
        heading = _HEADING.match(lines[0])
        if heading:
            yield from (heading.group(1), ("", heading.group(2), ""))
            lines = lines[1:]
            if lines:
                yield "\n"
            else:
                continue
        if _LIST_ITEM.match(lines[0]):
            items: list[list[str]] = []
            for line in lines:
                if _LIST_ITEM.match(line) or not items:
                    items.append([line])
                else:
                    items[-1].append(line)
            for i, item in enumerate(items):
                marker, first = _LIST_ITEM.match(item[0]).groups()
                indent = " " * len(marker)
                text = "\n".join([first, *(line.strip() for line in item[1:])])
                yield from (marker, ("", text, indent))
                if i < len(items) - 1:
                    yield "\n"
        else:
            yield ("", "\n".join(lines), "")


def markdown_messages(source: str) -> list[str]:
    return [piece[1] for piece in _markdown_pieces(source) if isinstance(piece, tuple)]


def translate_markdown(source: str, lookup) -> str:
    out = []
    for piece in _markdown_pieces(source):
        if isinstance(piece, str):
            out.append(piece)
        else:
            _, text, indent = piece
            out.append(lookup(text).replace("\n", "\n" + indent))
    return "".join(out)


# ---- code ----------------------------------------------------------------------------

def _hidden_lines(lines: list[str]) -> set[int]:
    """0-based numbers of the lines inside (and of) nbgrader's solution and hidden-test markers."""
    hidden, depth = set(), 0
    for i, line in enumerate(lines):
        m = _REGION.match(line)
        if m and m.group(1) == "BEGIN":
            depth += 1
        if depth or m:
            hidden.add(i)
        if m and m.group(1) == "END":
            depth = max(0, depth - 1)
    return hidden


class _Offsets:
    """Character offsets in ``source`` from (1-based line, column); ast counts columns in UTF-8 bytes."""

    def __init__(self, source: str):
        self.lines = source.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def char(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col

    def byte(self, line: int, col: int) -> int:
        text = self.lines[line - 1].encode("utf-8")[:col].decode("utf-8", "replace")
        return self.starts[line - 1] + len(text)


@dataclass
class _Edit:
    start: int
    end: int
    english: list[str]                    # the messages it needs
    render: object                        # function(list of translations) -> replacement text


def _docstring_edits(tree, offsets: _Offsets, hidden: set[int], source: str) -> list[_Edit]:
    edits = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) or not node.body:
            continue
        first = node.body[0]
        if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)) or first.lineno - 1 in hidden:
            continue
        start = offsets.byte(first.lineno, first.col_offset)
        end = offsets.byte(first.end_lineno, first.end_col_offset)
        literal = source[start:end]
        if not literal.startswith('"""') or "\\" in literal:
            raise NotebookCatalogueError(f"line {first.lineno}: a docstring to translate is written with \"\"\" "
                                         f"and no backslash; got {literal[:40]!r}")
        paragraphs = re.split(r"\n\s*\n", inspect.cleandoc(first.value.value))
        indent = " " * first.col_offset
        # the closing quotes on a line of their own, or after the text, as the source has them
        own_line = "\n" in literal and not literal[:-3].split("\n")[-1].strip()

        def render(texts, indent=indent, own_line=own_line):
            body = "\n\n".join(texts).replace("\n\n\n", "\n\n")
            body = "\n".join((indent + line) if i and line else line for i, line in enumerate(body.split("\n")))
            if "\"\"\"" in body:
                raise NotebookCatalogueError(f"a translated docstring holds triple quotes: {body[:60]!r}")
            return f'"""{body}\n{indent}"""' if own_line else f'"""{body}"""'

        edits.append(_Edit(start, end, paragraphs, render))
    return edits


def _comment_edits(source: str, offsets: _Offsets, hidden: set[int]) -> list[_Edit]:
    comments = []   # (line, col, text, alone on its line)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.COMMENT or tok.start[0] - 1 in hidden:
            continue
        line_text = offsets.lines[tok.start[0] - 1]
        if _REGION.match(line_text) or re.match(r"#\s*(noqa|type:)", tok.string):
            continue
        comments.append((tok.start[0], tok.start[1], tok.string, not line_text[:tok.start[1]].strip()))
    groups: list[list] = []
    for c in comments:
        prev = groups[-1][-1] if groups else None
        if prev and c[3] and prev[3] and c[0] == prev[0] + 1 and c[1] == prev[1]:
            groups[-1].append(c)
        else:
            groups.append([c])
    edits = []
    for group in groups:
        first, last = group[0], group[-1]
        text = "\n".join(re.sub(r"^#\s?", "", c[2]) for c in group)
        indent = " " * first[1]
        alone = first[3]

        def render(texts, indent=indent, alone=alone):
            lines = texts[0].split("\n")
            if not alone:
                return "# " + " ".join(line.strip() for line in lines)
            return ("\n" + indent).join("# " + line if line else "#" for line in lines)

        start = offsets.char(first[0], first[1])
        end = offsets.char(last[0], last[1] + len(last[2]))
        edits.append(_Edit(start, end, [text], render))
    return edits


def _quoted(text: str, quote: str = '"') -> str:
    return quote + text.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n") + quote


def render_marked(text: str, fields: dict[str, str]) -> str:
    """The code for a marked string: a literal, or an f-string whose blanks hold the fields' expressions.

    fields: blank name -> the source of its expression. Falls back to ``"...".format(...)`` when
    no quote is free of the expressions (Python before 3.12 forbids the f-string's own quote there).
    """
    parts = list(string.Formatter().parse(text))
    names = {name for _, name, _, _ in parts if name is not None}
    if names - set(fields) or set(fields) - names:
        raise NotebookCatalogueError(f"{text!r}: its blanks {sorted(names)} and the fields given {sorted(fields)} differ")
    if not fields:
        return _quoted(text)
    exprs = "".join(fields.values())
    quote = next((q for q in ('"', "'") if q not in exprs and "\\" not in exprs), None)
    if quote is None:
        return _quoted(text) + ".format(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"
    out = []
    for literal, name, spec, conversion in parts:
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append("{" + fields[name] + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "f" + _quoted("".join(out), quote)


def _marked_edits(tree, offsets: _Offsets, hidden: set[int], source: str, language: str) -> list[_Edit]:
    edits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or node.lineno - 1 in hidden:
            continue
        start, end = offsets.byte(node.lineno, node.col_offset), offsets.byte(node.end_lineno, node.end_col_offset)
        if isinstance(node.func, ast.Name) and node.func.id == INSTALL:
            arg = node.args[0] if len(node.args) == 1 else None
            if not (isinstance(arg, ast.Constant) and arg.value == SOURCE_LANGUAGE):
                raise NotebookCatalogueError(f"line {node.lineno}: the notebook states its language as "
                                             f'{INSTALL}("{SOURCE_LANGUAGE}")')
            a, b = offsets.byte(arg.lineno, arg.col_offset), offsets.byte(arg.end_lineno, arg.end_col_offset)
            edits.append(_Edit(a, b, [], lambda texts: _quoted(language)))
            continue
        if not (isinstance(node.func, ast.Name) and node.func.id == "_"):
            continue
        if len(node.args) != 1 or not (isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            raise NotebookCatalogueError(f"line {node.lineno}: _() needs the English as one plain string, its "
                                         "blanks named and filled by keywords: _(\"got {x}\", x=...)")
        if any(k.arg is None for k in node.keywords):
            raise NotebookCatalogueError(f"line {node.lineno}: _() fills its blanks by name, not **kwargs")
        fields = {k.arg: source[offsets.byte(k.value.lineno, k.value.col_offset):
                                offsets.byte(k.value.end_lineno, k.value.end_col_offset)] for k in node.keywords}
        render_marked(node.args[0].value, fields)   # the English itself must render
        edits.append(_Edit(start, end, [node.args[0].value],
                           lambda texts, fields=fields: render_marked(texts[0], fields)))
    return edits


def _code_edits(source: str, language: str) -> list[_Edit]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise NotebookCatalogueError(f"line {exc.lineno}: the code is not Python ({exc.msg})") from None
    offsets = _Offsets(source)
    hidden = _hidden_lines(offsets.lines)
    edits = (_docstring_edits(tree, offsets, hidden, source) + _comment_edits(source, offsets, hidden)
             + _marked_edits(tree, offsets, hidden, source, language))
    edits.sort(key=lambda e: e.start)
    for a, b in zip(edits, edits[1:]):
        if b.start < a.end:
            raise NotebookCatalogueError(f"overlapping translatable text at character {b.start}: "
                                         f"{source[b.start:b.start + 40]!r}")
    return edits


def code_messages(source: str) -> list[str]:
    return [text for edit in _code_edits(source, SOURCE_LANGUAGE) for text in edit.english]


def translate_code(source: str, lookup, language: str = SOURCE_LANGUAGE) -> str:
    """``source`` with its docstrings, comments and marked strings in ``language`` (``lookup``: English ->
    translation); English resolves the markers only."""
    out, at = [], 0
    for edit in _code_edits(source, language):
        out += [source[at:edit.start], edit.render([lookup(t) for t in edit.english])]
        at = edit.end
    out.append(source[at:])
    return "".join(out)


# ---- a notebook's cells --------------------------------------------------------------

def cell_messages(kind: str, source: str) -> list[str]:
    return markdown_messages(source) if kind == "markdown" else code_messages(source)


def translate_cell(kind: str, source: str, lookup, language: str = SOURCE_LANGUAGE) -> str:
    if kind == "markdown":
        return translate_markdown(source, lookup)
    return translate_code(source, lookup, language)


def code_names(cells) -> set[str]:
    """Every name the cells' code uses (functions, classes, attributes, arguments, variables): in a
    docstring, a comment or a hint a bare ``softmax`` or ``layers`` can be code, not a word to translate
    (``booktools.glossary.term_problems`` decides which)."""
    names = set()
    for cell in cells:
        if cell.kind == "markdown":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            names.update(getattr(node, attr) for attr in ("id", "attr", "name", "arg")
                         if isinstance(getattr(node, attr, None), str))
    return names


# ---- the catalogues ------------------------------------------------------------------

def po_path(language: str, assignment: str, locales: Path = LOCALES) -> Path:
    return Path(locales) / language / "LC_MESSAGES" / FOLDER / f"{assignment}.po"


def languages(locales: Path = LOCALES) -> list[str]:
    """Every language with assignment catalogues (English, the source, has none)."""
    return sorted(p.parent.parent.name for p in Path(locales).glob(f"*/LC_MESSAGES/{FOLDER}"))


def read(path: Path) -> Catalog:
    with Path(path).open("rb") as f:
        return read_po(f)


def lookup_for(language: str, assignment: str, locales: Path = LOCALES):
    """English -> translation for one assignment; untranslated and fuzzy entries stay English."""
    if language == SOURCE_LANGUAGE:
        return lambda text: text
    path = po_path(language, assignment, locales)
    table = {m.id: m.string for m in read(path) if m.id and m.string and not m.fuzzy} if path.is_file() else {}
    return lambda text: table.get(text, text)


def template(assignment: str, cells) -> Catalog:
    """Every English message of one assignment's cells (build_sources.parse), in order."""
    catalogue = Catalog(project=f"assignment {assignment}", fuzzy=False, charset="utf-8")
    for index, cell in enumerate(cells, 1):
        where = f"cell {index}" + (f" ({cell.grade_id})" if cell.grade_id else "") + f", {cell.kind}"
        try:
            texts = cell_messages(cell.kind, cell.source)
        except NotebookCatalogueError as exc:
            raise NotebookCatalogueError(f"{assignment}.cells, {where}: {exc}") from None
        for text in texts:
            if text in catalogue:
                if where not in catalogue[text].auto_comments:
                    catalogue[text].auto_comments.append(where)
            else:
                catalogue.add(text, auto_comments=[where])
    return catalogue


def update(language: str, assignment: str, cells, locales: Path = LOCALES) -> Path:
    """Merge the assignment's current English into ``language``'s catalogue (new: untranslated, changed: fuzzy)."""
    from booktools.catalogues import merge

    return merge(po_path(language, assignment, locales), template(assignment, cells), language,
                 f"assignment {assignment}")


def report(language: str, assignment: str, cells, locales: Path = LOCALES):
    """What keeps one assignment's catalogue from being complete and current (booktools.catalogues.Report)."""
    from booktools.catalogues import compare

    return compare(f"{FOLDER}/{assignment}", po_path(language, assignment, locales),
                   [m.id for m in template(assignment, cells) if m.id])
