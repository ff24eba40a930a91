"""The grader's words in the course's language: one gettext catalogue per language.

Everything a student reads from the grader (the hidden checks' messages and hints, the
feedback page) and the report is written in English in the code, the templates and
``solutions/reference/mistakes.json``, and translated through
``locales/<language>/LC_MESSAGES/grading.po`` of the course repository. ``course.yml``
names the language (``language: ko``); English needs no catalogue.

    with language("ko"):
        _("{title}: passed on {count} case(s): {names}.", title=..., count=3, names=...)

``_`` looks the English up in the language in force and fills its named blanks
(``{name}``, or ``{name:.1e}`` with a format); ``N_`` only marks a constant for the
catalogue (a status label, a case name) that is translated where it is shown. A
message without a translation, or whose translation is marked fuzzy, stays English, as
Sphinx does with the book. ``python -m booktools.catalogues update`` extracts every
marked message (docs/translating.md). The catalogue is read with babel, so no compiled
file can fall behind the ``.po``. Instructor messages on the terminal stay English.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext as _gettext
import io
import string
from pathlib import Path

#: The source language: the messages as the code writes them.
SOURCE_LANGUAGE = "en"
#: The catalogue's domain: locales/<language>/LC_MESSAGES/grading.po
DOMAIN = "grading"
LOCALES = Path(__file__).resolve().parents[1] / "locales"

#: (language, catalogue) in force; a context variable, so grading threads never see each other's
_in_force: contextvars.ContextVar = contextvars.ContextVar("language", default=(SOURCE_LANGUAGE, None))


def catalogue_path(language: str, locales: Path = LOCALES) -> Path:
    return Path(locales) / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def languages(locales: Path = LOCALES) -> list[str]:
    """English and every language with a grading catalogue."""
    found = sorted(p.parent.parent.name for p in Path(locales).glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return [SOURCE_LANGUAGE, *found]


@functools.lru_cache(maxsize=8)
def _read(path: str, mtime_ns: int) -> _gettext.NullTranslations:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(path, "rb") as f:
        catalogue = read_po(f)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)   # fuzzy entries stay English
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def translations(language: str, locales: Path = LOCALES) -> _gettext.NullTranslations:
    """The catalogue of ``language`` (English: none); ValueError naming the languages there are."""
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    path = catalogue_path(language, locales)
    if not path.is_file():
        raise ValueError(f"language {language!r}: the grader has no messages in it "
                         f"(no {path}); use one of {', '.join(languages(locales))}")
    return _read(str(path), path.stat().st_mtime_ns)


def current() -> str:
    """The language in force."""
    return _in_force.get()[0]


def _catalogue() -> _gettext.NullTranslations:
    return _in_force.get()[1] or _gettext.NullTranslations()


@contextlib.contextmanager
def language(name: str | None):
    """Within the block (in this thread) every message is in ``name`` (None or "en": English)."""
    name = name or SOURCE_LANGUAGE
    token = _in_force.set((name, translations(name)))
    try:
        yield
    finally:
        _in_force.reset(token)


def translator(name: str | None):
    """``_`` bound to the language ``name`` whatever is in force (what a page template calls)."""
    catalogue = translations(name or SOURCE_LANGUAGE)

    def bound(english: str, **fields) -> str:
        text = catalogue.gettext(english) if english else english
        return fill(text, fields) if fields else text
    return bound


def fill(text: str, fields: dict) -> str:
    """``text`` with each ``{name}`` or ``{name:format}`` replaced from ``fields``; other braces kept."""
    out = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is None:
            continue
        if name not in fields:
            raise KeyError(f"message {text!r} needs {name!r}")
        value = fields[name]
        if conversion == "r":
            value = repr(value)
        out.append(format(value, spec or ""))
    return "".join(out)


def _(english: str, **fields) -> str:
    """``english`` in the language in force, its blanks filled from ``fields``."""
    text = _catalogue().gettext(english) if english else english
    return fill(text, fields) if fields else text


def translate(text: str) -> str:
    """A marked constant (``N_``) or a stored English message in the language in force, as it is."""
    return _catalogue().gettext(text) if text else text


def N_(english: str) -> str:
    """Mark ``english`` for the catalogue without translating it here (it is translated where shown)."""
    return english
