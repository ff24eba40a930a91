"""Every sentence the widgets and figures show: one catalogue, read by Python and the browser.

English is the source language. The templates live in two data files: ``messages.json``
beside this module (step captions, buttons, the expression widget's error messages, the
playground's controls, ...) and the caption text of each operation in
``graph/ops.json``, beside its rules, so that a new operation is written in one place.
This module reads both files (as data; it imports nothing of the package) and is the one
way to a sentence:

    text("step.seed", value="1")     # Python: a template with its blanks filled
    catalogue(BROWSER)               # the templates the browser reads (widgets.bundle)

A template names its blanks (``{value}``); callers fill them with text they have already
written, numbers through ``format_value`` on either side, so both engines write the same.

A sentence written in a chapter's code (a figure's caption, a plot's title or axis
label) has no key: the chapter marks it with ``gettext``, imported as ``_``, and the
English is its key:

    from backprop.messages import gettext as _
    figure(graph, caption=_("Problem 1, forward propagation."))
    ax.set_xlabel(_("epoch"))

Translation: one gettext catalogue holds both kinds, ``locales/<language>/LC_MESSAGES/
backprop.po`` beside this module (compiled to ``backprop.mo``; kept current with the
sources by ``python -m booktools.catalogues update``, see docs/translating.md). A
template is looked up as ``translations.pgettext(key, english)`` (the key is the message
context, so two keys with the same English may be translated apart), a chapter's
sentence as ``translations.gettext(english)``, at the moment it is used and when a
widget's browser code is put together. The language is the environment's
``BACKPROP_LANG`` ("en" when unset; the book's build sets it for each edition), read at
the first message; ``install(translations)`` puts any catalogue in its place. No call
site changes with the language.
"""

from __future__ import annotations

import gettext as _gettext   # the name gettext is this module's function for the chapters
import json
import os
import re
from functools import lru_cache
from pathlib import Path

_HERE = Path(__file__).parent
#: The groups of messages.json: who reads them.
BOTH, PYTHON, BROWSER = "both", "python", "browser"
_BLANK = re.compile(r"\{(\w+)\}")
#: The environment variable that names the language (the book's build sets it per edition).
LANGUAGE_ENV = "BACKPROP_LANG"
SOURCE_LANGUAGE = "en"
#: Where the translations are: LOCALES/<language>/LC_MESSAGES/DOMAIN.po (and .mo).
LOCALES = _HERE / "locales"
DOMAIN = "backprop"
_translations: _gettext.NullTranslations | None = None   # None: not chosen yet (BACKPROP_LANG decides)


def _op_captions(ops: dict) -> dict[str, str]:
    """The captions of ``graph/ops.json`` as catalogue entries: ``op.<name>.rule`` (every slot),
    ``op.<name>.rule.<k>`` (slot k), ``op.<name>.rule_many`` (more than two inputs)."""
    out = {}
    for name, op in ops.items():
        rule = op["rule"]
        if isinstance(rule, list):
            out.update({f"op.{name}.rule.{k}": text for k, text in enumerate(rule)})
        else:
            out[f"op.{name}.rule"] = rule
        if "rule_many" in op:
            out[f"op.{name}.rule_many"] = op["rule_many"]
    return out


@lru_cache(maxsize=None)
def _groups() -> dict[str, dict[str, str]]:
    data = json.loads((_HERE / "messages.json").read_text(encoding="utf-8"))
    ops = json.loads((_HERE / "graph" / "ops.json").read_text(encoding="utf-8"))["ops"]
    groups = {group: dict(data[group]) for group in (BOTH, PYTHON, BROWSER)}
    groups[BOTH].update(_op_captions(ops))
    keys = [key for group in groups.values() for key in group]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise ValueError(f"messages {twice} are defined twice; each key belongs to one group")
    return groups


def english(*groups: str) -> dict[str, str]:
    """Key -> English template for the given groups (all of them when none is named)."""
    return dict(_english(groups or (BOTH, PYTHON, BROWSER)))


@lru_cache(maxsize=None)
def _english(groups: tuple[str, ...]) -> dict[str, str]:
    table = _groups()
    unknown = sorted(set(groups) - set(table))
    if unknown:
        raise ValueError(f"no message group {unknown}; the groups are {sorted(table)}")
    return {key: value for group in groups for key, value in table[group].items()}


def languages() -> list[str]:
    """The languages there are messages in: English and every one with a catalogue."""
    found = sorted(p.parent.parent.name for p in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return [SOURCE_LANGUAGE, *found]


def catalogue_for(language: str) -> _gettext.NullTranslations:
    """The catalogue of ``language`` ("en": none, English); a one-line error for one there is not."""
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    if language not in languages():
        raise ValueError(f"{LANGUAGE_ENV}={language!r}: there are no messages in that language; "
                         f"use one of {', '.join(languages())}")
    return _gettext.translation(DOMAIN, localedir=LOCALES, languages=[language])


def installed() -> _gettext.NullTranslations:
    """The catalogue in use (a cache of translated text can key on it): the one installed,
    else, from the first message on, the one ``BACKPROP_LANG`` names."""
    global _translations
    if _translations is None:
        _translations = catalogue_for(os.environ.get(LANGUAGE_ENV, "").strip() or SOURCE_LANGUAGE)
    return _translations


def template(key: str) -> str:
    """The template of ``key`` in the installed language."""
    source = _english((BOTH, PYTHON, BROWSER))
    if key not in source:
        raise KeyError(f"no message {key!r}; add it to backprop/messages.json")
    return installed().pgettext(key, source[key])


def gettext(english: str, **fields) -> str:
    """A sentence a chapter's code writes (``_("...")``), in the installed language.

    With ``fields`` its blanks are filled as a template's (``_("giving {z}", z=15)``);
    without, braces are left alone (a plot label may hold TeX such as ``$x_{1}$``).
    ``python -m booktools.catalogues update`` finds every ``_("...")`` in the chapters.
    """
    if not isinstance(english, str):
        raise TypeError(f"gettext takes the English sentence (a string), got {type(english).__name__}")
    translated = installed().gettext(english)
    return fill(translated, fields, english) if fields else translated


def fill(template_text: str, fields: dict[str, object], key: str = "") -> str:
    """``template_text`` with each ``{name}`` replaced by ``str(fields[name])``."""
    def blank(match):
        name = match.group(1)
        if name not in fields:
            raise KeyError(f"message {key or template_text!r} needs {name!r}; pass {name}=...")
        return str(fields[name])
    return _BLANK.sub(blank, template_text)


def text(key: str, **fields) -> str:
    """The message ``key`` in the installed language, its blanks filled from ``fields``."""
    return fill(template(key), fields, key)


def join(items: list[str]) -> str:
    """"a, b, c": items joined by the list separator."""
    return template("list.separator").join(items)


def join_and(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    if len(items) == 1:
        return items[0]
    return text("list.and", items=join(items[:-1]), last=items[-1])


def catalogue(*groups: str) -> dict[str, str]:
    """Key -> template in the installed language, for the given groups (what the browser reads)."""
    return {key: template(key) for key in english(*groups)}


def install(translations: _gettext.NullTranslations | str | None) -> None:
    """Show every message through ``translations``: a ``gettext`` catalogue, a language
    ("ko"; "en" for English) or ``None`` (English)."""
    global _translations
    if isinstance(translations, str):
        translations = catalogue_for(translations)
    if translations is not None and not callable(getattr(translations, "pgettext", None)):
        raise TypeError(f"translations must be a gettext catalogue with pgettext (e.g. "
                        f"gettext.translation(...)) or a language such as 'ko', got {type(translations).__name__}")
    _translations = translations if translations is not None else _gettext.NullTranslations()
