"""The theme's words in the Korean edition: "Back to top", "On this page", "previous page", ...

The book's theme (sphinx-book-theme on pydata-sphinx-theme) writes its page chrome through
Sphinx's own message domain, ``sphinx``, and pydata-sphinx-theme ships no Korean: the
Korean pages said "On this page" and "Back to top" around Korean text. Sphinx reads the
``sphinx`` domain from the book's ``locale_dirs`` before its own catalogues (and compiles
the ``.po`` itself), so ``locales/<language>/LC_MESSAGES/sphinx.po`` translates them.

Its English template is the installed theme's own (``pydata_sphinx_theme/locale/sphinx.pot``),
with the sentences of the book's overrides of theme components whose English the theme
hard-codes (``booktools/templates``, sidebar tooltips):
a theme upgrade that adds or changes a sentence makes ``make translations`` merge it in
(new untranslated, changed fuzzy) and the catalogue check fail until it is translated.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
DOMAIN = "sphinx"
#: The book's overrides of the theme's templates (booktools.editions puts them first).
TEMPLATES = ROOT / "booktools" / "templates"
_CALL = re.compile(r"""\b_\(\s*'([^']*)'\s*\)|\b_\(\s*"([^"]*)"\s*\)""")


def theme_template_path() -> Path:
    import pydata_sphinx_theme

    return Path(pydata_sphinx_theme.__file__).resolve().parent / "locale" / "sphinx.pot"


def po_path(language: str, locales: Path = LOCALES) -> Path:
    return Path(locales) / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def override_messages() -> list[tuple[str, str]]:
    """(English, where) of every ``_('...')`` in the book's overrides of the theme's templates."""
    found = []
    for path in sorted(TEMPLATES.glob("*.html")):
        for match in _CALL.finditer(path.read_text(encoding="utf-8")):
            found.append((match.group(1) or match.group(2), path.relative_to(ROOT).as_posix()))
    return found


def template():
    """The theme's English messages, and those of the book's overrides (a babel Catalog)."""
    from booktools.catalogues import read_catalogue

    catalogue = read_catalogue(theme_template_path())
    for english, where in override_messages():
        catalogue.add(english, locations=[(where, 0)])
    return catalogue


def update(language: str, locales: Path = LOCALES) -> Path:
    """Merge the installed theme's messages into the language's catalogue."""
    from booktools.catalogues import merge

    return merge(po_path(language, locales), template(), language, "theme")


def report(language: str, locales: Path = LOCALES):
    """How complete and current the language's theme catalogue is (``booktools.catalogues.Report``)."""
    from booktools.catalogues import compare

    return compare(f"theme ({DOMAIN}.po)", po_path(language, locales), [m.id for m in template() if m.id])
