"""The translation catalogues of the book: ``python -m booktools.catalogues``.

    python -m booktools.catalogues update   # English messages -> locales/ko/LC_MESSAGES/<page>.po,
                                            # and the code's sentences -> the package's backprop.po (.mo)
    python -m booktools.catalogues check    # untranslated, fuzzy or stale entries per page (exit 1 if any)
    python -m booktools.catalogues extract  # only write the English messages: _build/gettext/pot/<page>.pot

English is the source. Sphinx's ``gettext`` builder cuts every page into messages
(a paragraph, a heading, a list item, a caption, an alt text: MyST Markdown exactly as
written, glue roles and all) and writes one ``.pot`` per page; sphinx-intl merges
them into ``locales/<language>/LC_MESSAGES/<page>.po``: a new message arrives
untranslated, a changed one keeps its old translation marked fuzzy, a removed one
is dropped (no obsolete ``#~`` entries). Sphinx shows English for every entry that is untranslated
or fuzzy, so ``check`` (and the test suite) fail until each is translated again.
A translator never sees a computed value: it is pasted into the translation when the
book builds. The workflow for translators is docs/translating.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from booktools.editions import EDITIONS, SOURCE_LANGUAGE

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
TRANSLATED = [lang for lang in EDITIONS if lang != SOURCE_LANGUAGE]
LINE_WIDTH = 79


def pot_dir(base: Path = ROOT) -> Path:
    return base / "_build" / "gettext" / "pot"


def extract(base: Path = ROOT, source: Path = ROOT) -> int:
    """Write the English messages of every page to ``base/_build/gettext/pot/<page>.pot``.

    The pages are executed, as in the book's build: a figure pasted from a notebook
    (``glue:figure``) exists, with its caption and alt text, only once its notebook has
    run. Executions are cached in ``_build/gettext`` (jupyter-cache keys them on the
    code cells), so after the first run a change of prose executes nothing again.
    Returns Sphinx's status.
    """
    from jupyter_book.sphinx import build_sphinx
    from myst_nb.core.render import base_render_priority

    work = base / "_build" / "gettext"
    # MyST-NB keeps only text outputs for the gettext builder, dropping a pasted figure
    # with its alt text; choose outputs as the HTML build does, so the messages are
    # exactly the ones the translated HTML build looks up.
    as_html = [("gettext", mime, rank) for mime, rank in base_render_priority()["html"].items()]
    result = build_sphinx(
        source, pot_dir(base), doctreedir=work / ".doctrees",
        noconfig=True, path_config=source / "_config.yml",
        confoverrides={"external_toc_path": (source / "_toc.yml").as_posix(),
                       "latex_individualpages": False, "language": SOURCE_LANGUAGE,
                       "nb_execution_mode": "cache", "nb_execution_cache_path": str(work / ".jupyter_cache"),
                       "nb_mime_priority_overrides": as_html},
        builder="gettext", warningiserror=True, keep_going=True,
    )
    if isinstance(result, BaseException):
        print(f"extracting the messages failed: {result!r}", file=sys.stderr)
        return 1
    return int(result or 0)


def extract_in_child(base: Path = ROOT) -> Path:
    """Run ``extract`` in a child process (Sphinx keeps state in module globals); return the .pot folder."""
    proc = subprocess.run([sys.executable, "-m", "booktools.catalogues", "extract", "--path-output", str(base)],
                          cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"extracting the English messages failed (exit code {proc.returncode}); see above")
    return pot_dir(base)


def templates(pot_dir: Path) -> dict[str, Path]:
    """Domain (page name, e.g. ``book/intro``) -> its ``.pot``, for every page that has messages.

    Not ``sphinx.pot``: the words of the book's theme templates, which Sphinx's gettext
    builder extracts too, belong to the theme's catalogue (``booktools.theme_catalogue``),
    whose English is the whole theme's."""
    from babel.messages.pofile import read_po

    from booktools.theme_catalogue import DOMAIN as THEME

    found = {}
    for pot in sorted(Path(pot_dir).rglob("*.pot")):
        if pot.relative_to(pot_dir).with_suffix("").as_posix() == THEME:
            continue
        with pot.open("rb") as f:
            if any(m.id for m in read_po(f)):
                found[pot.relative_to(pot_dir).with_suffix("").as_posix()] = pot
    return found


def catalogue_path(domain: str, language: str, locales: Path = LOCALES) -> Path:
    return locales / language / "LC_MESSAGES" / f"{domain}.po"


def update(languages: list[str] = TRANSLATED, locales: Path = LOCALES) -> None:
    """Merge the current English messages into every language's catalogues."""
    from sphinx_intl.basic import update as intl_update

    pots = templates(extract_in_child())
    with tempfile.TemporaryDirectory(prefix="pot-") as tmp:
        # sphinx-intl walks a whole folder: give it only the pages that have messages
        for domain, pot in pots.items():
            target = Path(tmp) / f"{domain}.pot"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(pot.read_bytes())
        intl_update(str(locales), tmp, tuple(languages), line_width=LINE_WIDTH, jobs=1)
    # sphinx-intl keeps a removed message as an obsolete "#~" entry; written again here, the
    # page's catalogue holds only the messages its page has (see write_catalogue)
    for language in languages:
        for domain in pots:
            path = catalogue_path(domain, language, locales)
            if path.is_file():
                write_catalogue(path, read_catalogue(path))


@dataclass
class Report:
    """What keeps one page's catalogue from being complete and current."""

    domain: str
    missing: bool = False                          # no .po for a page that has messages
    orphaned: bool = False                         # a .po for a page that has none
    new: list[str] = field(default_factory=list)   # English messages not in the .po: run update
    gone: list[str] = field(default_factory=list)  # .po messages no longer in English: run update
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return self.missing or self.orphaned or bool(self.new or self.gone)

    @property
    def complete(self) -> bool:
        return not (self.stale or self.untranslated or self.fuzzy)

    def summary(self) -> str:
        if self.missing:
            return f"{self.domain}: no catalogue; run `make translations`"
        if self.orphaned:
            return f"{self.domain}: a catalogue for a page without messages; delete it"
        parts = [f"{len(v)} {k}" for k, v in (("new in English", self.new), ("gone from English", self.gone),
                                              ("untranslated", self.untranslated), ("fuzzy", self.fuzzy)) if v]
        if not parts:
            return f"{self.domain}: complete"
        hint = "; run `make translations`" if self.stale else ""
        first = (self.new + self.gone + self.fuzzy + self.untranslated)[0]
        return f"{self.domain}: {', '.join(parts)}{hint}; first: {first[:90]!r}"


def read_catalogue(path: Path):
    from babel.messages.pofile import read_po

    with Path(path).open("rb") as f:
        return read_po(f)


def merge(path: Path, english, language: str, project: str) -> Path:
    """Merge the ``english`` messages (a babel Catalog) into the ``.po`` at ``path``, as sphinx-intl
    merges a page's: a new message arrives untranslated, a changed one fuzzy, a removed one is dropped."""
    from babel.messages.catalog import Catalog

    path = Path(path)
    catalogue = read_catalogue(path) if path.is_file() else Catalog(locale=language, project=project, fuzzy=False,
                                                                    charset="utf-8")
    catalogue.update(english)
    write_catalogue(path, catalogue)
    return path


def write_catalogue(path: Path, catalogue) -> bool:
    """Write ``catalogue`` to the ``.po`` at ``path`` unless only its header's dates would change;
    return whether it was written. Babel stamps the header with the time of every write, and
    `make translations` should leave nothing to commit when no message changed.

    Obsolete entries (messages the English no longer has, kept as "#~" by a merge) are left
    out: nothing reads them, a new or changed message is matched against the current ones,
    and an untranslated one among them looked like a translation left unfinished."""
    import io

    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, catalogue, width=LINE_WIDTH, omit_header=False, ignore_obsolete=True)
    path = Path(path)
    if path.is_file() and _undated(path.read_bytes()) == _undated(out.getvalue()):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return True


def _undated(po: bytes) -> bytes:
    """``po`` without its header's creation and revision dates."""
    return b"\n".join(line for line in po.split(b"\n")
                      if not line.startswith((b'"POT-Creation-Date:', b'"PO-Revision-Date:')))


def compare(domain: str, path: Path, english: list[str]) -> Report:
    """The report of the ``.po`` at ``path`` against the English messages ``english`` (msgids)."""
    result = Report(domain)
    if not Path(path).is_file():
        result.missing = True
        return result
    current = {m.id: m for m in read_catalogue(path) if m.id}
    result.new = [t for t in english if t not in current]
    result.gone = [t for t in current if t not in set(english)]
    for text in english:
        message = current.get(text)
        if message is not None and message.fuzzy:
            result.fuzzy.append(text)
        elif message is not None and not message.string:
            result.untranslated.append(text)
    return result


def check(pot_dir: Path, language: str, locales: Path = LOCALES) -> list[Report]:
    """One report per page: the ``.po`` of ``language`` against the English messages in ``pot_dir``."""
    pots = templates(pot_dir)
    folder = locales / language / "LC_MESSAGES"
    pos = {p.relative_to(folder).with_suffix("").as_posix(): p for p in sorted(folder.rglob("*.po"))} \
        if folder.is_dir() else {}
    # the course's catalogues live beside the pages' but are no page's (grading_catalogue, notebook_catalogue)
    from booktools import grading_catalogue, notebook_catalogue, theme_catalogue

    pos = {domain: p for domain, p in pos.items()
           if domain not in (grading_catalogue.DOMAIN, theme_catalogue.DOMAIN)
           and not domain.startswith(notebook_catalogue.FOLDER + "/")}
    reports = []
    for domain in sorted(set(pots) | set(pos)):
        report = Report(domain)
        reports.append(report)
        if domain not in pos:
            report.missing = True
            continue
        if domain not in pots:
            report.orphaned = True
            continue
        english = [m.id for m in read_catalogue(pots[domain]) if m.id]
        catalogue = read_catalogue(pos[domain])
        current = {m.id: m for m in catalogue if m.id}
        report.new = [msgid for msgid in english if msgid not in current]
        report.gone = [msgid for msgid in current if msgid not in set(english)]
        for msgid in english:
            message = current.get(msgid)
            if message is None:
                continue
            if message.fuzzy:
                report.fuzzy.append(msgid)
            elif not message.string:
                report.untranslated.append(msgid)
    return reports


def _assignments():
    """(assignment, its cells) of every assignment the course releases (solutions/build_sources.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_sources", ROOT / "solutions" / "build_sources.py")
    module = sys.modules.setdefault("build_sources", importlib.util.module_from_spec(spec))
    if not hasattr(module, "NOTEBOOKS"):
        spec.loader.exec_module(module)
    return [(a, module.parse(module.SOURCES / f"{a}.cells")) for a in module.NOTEBOOKS]


def code_names(path: Path) -> frozenset[str]:
    """The names of the code a catalogue's messages talk about, for the glossary check
    (``booktools.glossary.term_problems``): an assignment's catalogue, its cells' code; the
    grader's (whose hints and titles name the students' code), every assignment's; a book
    page's, none, so its prose is checked word for word."""
    from booktools import notebook_catalogue

    path = Path(path)
    if path.parent.name == notebook_catalogue.FOLDER:
        chosen = [cells for a, cells in _assignments() if a == path.stem]
    elif path.name == "grading.po":
        chosen = [cells for _, cells in _assignments()]
    else:
        return frozenset()
    return frozenset(name for cells in chosen for name in notebook_catalogue.code_names(cells))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m booktools.catalogues", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "check", "extract"])
    parser.add_argument("--path-output", type=Path, default=ROOT,
                        help="the English edition's build is under PATH/_build (default: the repository)")
    args = parser.parse_args(argv)
    base = args.path_output.resolve()
    if args.command == "extract":
        return extract(base)
    from booktools import code_catalogue, grading_catalogue, notebook_catalogue, theme_catalogue

    if args.command == "update":
        update()
        for language in TRANSLATED:   # the sentences in code: the package's and the chapters' cells'
            code_catalogue.update(language)
            theme_catalogue.update(language)
            grading_catalogue.update(language)
            for assignment, cells in _assignments():
                notebook_catalogue.update(language, assignment, cells)
        print(f"catalogues updated under {LOCALES.relative_to(ROOT)}/ and "
              f"{code_catalogue.po_path('<language>').parent.relative_to(ROOT)}/; translate what is new "
              "or fuzzy (docs/translating.md), then `python -m booktools.catalogues check`")
        return 0
    incomplete = 0
    for language in TRANSLATED:
        course = [grading_catalogue.report(language),
                  *(notebook_catalogue.report(language, a, cells) for a, cells in _assignments())]
        book = [*check(extract_in_child(base), language), code_catalogue.report(language),
                theme_catalogue.report(language)]
        for report in [*book, *course]:
            print(f"[{language}] {report.summary()}")
            incomplete += not report.complete
    return 1 if incomplete else 0


if __name__ == "__main__":
    sys.exit(main())
