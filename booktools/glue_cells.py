"""The book's code cells without their ``glue(...)`` bookkeeping.

Every number in the text is computed when the book builds and handed to the text with
``glue("name", value, display=False)``. Those calls are for the build, not for the
reader: a code cell shows its code without them (and without the import of ``glue``),
and a cell that held nothing else shows no code at all, only its output, as MyST-NB's
``remove-input`` tag would. The page still executes every line, glue calls included;
what remains on the page runs as shown (a glue call returns nothing a later line
could use), and the downloaded notebook keeps the calls.

As a Sphinx extension this edits the code blocks of the parsed pages
(``doctree-read``), in every edition alike. ``without_glue`` is the rule itself.
"""

from __future__ import annotations

import ast

from docutils import nodes

GLUE = "glue"


def _is_glue_call(stmt: ast.stmt) -> bool:
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    func = stmt.value.func
    return (isinstance(func, ast.Name) and func.id == GLUE) or (isinstance(func, ast.Attribute) and func.attr == GLUE)


def _imports_only_glue(stmt: ast.stmt) -> bool:
    return isinstance(stmt, (ast.Import, ast.ImportFrom)) and all(
        (alias.asname or alias.name).split(".")[-1] == GLUE for alias in stmt.names)


def _bodies(stmt: ast.stmt) -> list[list[ast.stmt]]:
    return [getattr(stmt, field) for field in ("body", "orelse", "finalbody")
            if isinstance(getattr(stmt, field, None), list) and getattr(stmt, field)]


def _bookkeeping(stmt: ast.stmt) -> bool:
    """A glue call, an import of glue alone, or a loop/if/with whose every branch is bookkeeping."""
    if _is_glue_call(stmt) or _imports_only_glue(stmt):
        return True
    if isinstance(stmt, (ast.For, ast.While, ast.If, ast.With)):
        return all(_bookkeeping(s) for body in _bodies(stmt) for s in body)
    return False


def _removed_lines(statements: list[ast.stmt], top: bool = True) -> set[int]:
    """1-based line numbers of the bookkeeping statements among ``statements`` (recursively).

    A nested block that holds nothing but bookkeeping keeps it (an empty block is no
    Python); at the top, the whole cell may go."""
    if not top and all(_bookkeeping(stmt) for stmt in statements):
        return set()
    lines: set[int] = set()
    for stmt in statements:
        if _bookkeeping(stmt):
            lines.update(range(stmt.lineno, stmt.end_lineno + 1))
        elif not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for body in _bodies(stmt):
                lines |= _removed_lines(body, top=False)
    return lines


def without_glue(source: str) -> str:
    """``source`` without its glue calls and glue imports; "" when nothing else is left.

    Comment lines directly above a removed statement go with it (they describe it).
    Code that is not valid Python (a cell magic) is returned unchanged.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    removed = _removed_lines(tree.body)
    if not removed:
        return source
    lines = source.splitlines()
    for number in sorted(removed):
        above = number - 1
        while above >= 1 and above not in removed and lines[above - 1].lstrip().startswith("#"):
            removed.add(above)
            above -= 1
    kept = [line for i, line in enumerate(lines, 1) if i not in removed]
    out: list[str] = []
    for line in kept:   # no run of blank lines where statements went
        if line.strip() or (out and out[-1].strip()):
            out.append(line)
    text = "\n".join(out).strip("\n")
    return text if text.strip() else ""


def _strip_glue(app, doctree) -> None:
    for source in list(doctree.findall(lambda n: isinstance(n, nodes.container)
                                       and n.get("nb_element") == "cell_code_source")):
        for block in source.findall(nodes.literal_block):
            code = block.astext()
            shown = without_glue(code)
            if shown == code:
                continue
            if not shown:
                source.parent.remove(source)
                break
            block.children = [nodes.Text(shown)]
            block.rawsource = shown


def setup(app):
    app.connect("doctree-read", _strip_glue)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
