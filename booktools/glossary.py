"""The glossary: one Korean rendering for each English term (``locales/ko/glossary.yml``).

One data file serves three readers:

- the glossary page of both editions: the ``glossary-table`` directive (a Sphinx
  extension, ``booktools.glossary`` in ``_config.yml``) draws the table in the
  build's language, English-first and sorted by English in the English edition,
  Korean-first and in 가나다 order in the Korean one;
- the translator, who looks a term up there (docs/translating.md);
- the tests, which check each translated message with ``term_problems``: a message
  whose English mentions a term must use the term's Korean rendering, may keep the
  English word only in parentheses, and must contain no known mistranslation.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "locales" / "ko" / "glossary.yml"


class GlossaryError(ValueError):
    """The glossary file is malformed; the message names the entry and the field."""


@dataclass(frozen=True)
class Entry:
    en: tuple[str, ...]                 # English forms, as the table shows them
    ko: str                             # the one Korean rendering
    ko_also: tuple[str, ...] = ()       # other accepted spellings of the same rendering
    exceptions: tuple[str, ...] = ()    # English phrases containing a form that mean something else
    avoid: tuple[str, ...] = ()         # renderings that must never appear
    note: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def renderings(self) -> tuple[str, ...]:
        return (self.ko, *self.ko_also)

    @property
    def anchor(self) -> str:
        """The row's id, the same in both editions: ``term-backward-propagation``."""
        return "term-" + re.sub(r"[^a-z0-9]+", "-", self.en[0].lower()).strip("-")

    @property
    def keeps_english(self) -> bool:
        """Whether the Korean rendering is the English name itself (ReLU, Softmax-with-Loss)."""
        return any(form.lower() in self.ko.lower() for form in self.en)


@dataclass(frozen=True)
class Glossary:
    headers: dict[str, list[str]]
    never: tuple[str, ...]
    entries: tuple[Entry, ...]

    @cached_property
    def forbidden(self) -> tuple[str, ...]:
        """Every word that must never appear: the global list and each entry's ``avoid``."""
        return tuple(dict.fromkeys([*self.never, *(w for e in self.entries for w in e.avoid)]))

    @cached_property
    def by_length(self) -> list[tuple[str, Entry]]:
        """(form, entry) pairs, longest form first: a phrase is matched before its parts."""
        return sorted(((form, e) for e in self.entries for form in e.en), key=lambda fe: -len(fe[0]))


def _strings(value, where: str, field_name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise GlossaryError(f"{where}: `{field_name}` must be a list of words, got {value!r}")
    return tuple(v.strip() for v in value)


def load(path: Path = DATA) -> Glossary:
    """Read and check the glossary file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GlossaryError(f"{path}: cannot read the glossary: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise GlossaryError(f"{path}: expected `headers`, `never` and a list of `entries`")
    headers = data.get("headers") or {}
    if not all(isinstance(headers.get(lang), list) and len(headers[lang]) == 3 for lang in ("en", "ko")):
        raise GlossaryError(f"{path}: `headers` needs three column names for en and for ko")
    entries, seen = [], {}
    known = {"en", "ko", "ko_also", "except", "avoid", "note"}
    for i, raw in enumerate(data["entries"], 1):
        where = f"{path}: entry {i}"
        if not isinstance(raw, dict):
            raise GlossaryError(f"{where}: expected a mapping with `en` and `ko`, got {raw!r}")
        where = f"{path}: entry {i} ({raw.get('en')})"
        if set(raw) - known:
            raise GlossaryError(f"{where}: unknown fields {sorted(set(raw) - known)}; known: {sorted(known)}")
        en = _strings(raw.get("en"), where, "en")
        ko = raw.get("ko")
        if not en or not isinstance(ko, str) or not ko.strip():
            raise GlossaryError(f"{where}: needs `en` (a list of English forms) and `ko` (the Korean rendering)")
        for form in en:
            if form.lower() in seen:
                raise GlossaryError(f"{where}: {form!r} is already entry {seen[form.lower()]}; one rendering per term")
            seen[form.lower()] = i
        note = raw.get("note") or {}
        if not isinstance(note, dict) or set(note) - {"en", "ko"} or (note and set(note) != {"en", "ko"}):
            raise GlossaryError(f"{where}: `note` needs both `en` and `ko` (or neither)")
        entries.append(Entry(en=en, ko=ko.strip(), ko_also=_strings(raw.get("ko_also"), where, "ko_also"),
                             exceptions=_strings(raw.get("except"), where, "except"),
                             avoid=_strings(raw.get("avoid"), where, "avoid"), note=dict(note)))
    return Glossary(headers=headers, never=_strings(data.get("never"), path, "never"), entries=tuple(entries))


# ---- checking translations -----------------------------------------------------------

# What is not prose in a message: roles with their targets, code, maths, links.
_NOT_PROSE = re.compile(r"\{[\w:.-]+\}`[^`]*`|``.*?``|`[^`]*`|\$\$.*?\$\$|\$[^$\n]*\$|https?://\S+|<[^>]+>", re.S)

# Code the assignments' docstrings, hints and test messages write as plain text: a `{blank}`
# of a format string, a dotted name (`AddLayer.backward`, `net.gradient`, `x.T`) and a called
# one with its arguments (`softmax(x)`, `d(self)`): none of them is an English word to translate.
_IDENT = r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*"
_CODE_IN_TEXT = re.compile(r"\{\w*(?:![rsa])?(?::[^{}\s]*)?\}|" + _IDENT + r"(?:\.[A-Za-z_][A-Za-z0-9_]*)+(?:\([^()]*\))?|"
                           + _IDENT + r"\([^()]*\)|" + _IDENT + r"(?=\()|\.T\b")

# Words of Python itself, code wherever they stand: `손실(float)` names a type, not an English term.
PYTHON_WORDS = frozenset(keyword.kwlist) | {"self", "cls", "int", "float", "bool", "str", "bytes", "complex",
                                             "list", "dict", "tuple", "set", "frozenset", "ndarray"}

# Words before a noun: "the gradient", "each layer" are prose even where `gradient` and
# `layers` are also names of the code.
_DETERMINERS = frozenset("a an the this that these those its their our each every any all no one two "
                         "numerical local whole same new".split())


def prose(text: str) -> str:
    """``text`` with its roles, code, maths and links blanked out."""
    return _NOT_PROSE.sub(" ", text)


def words(text: str) -> str:
    """What the term checks read of ``text``: its prose, without the code it writes as plain
    text (blanks, dotted and called names)."""
    return _CODE_IN_TEXT.sub(lambda m: " " * len(m.group()), prose(text))


def is_code_word(word: str) -> bool:
    """Whether one word reads as code by itself: a word of Python, a snake_case or camelCase name."""
    return word in PYTHON_WORDS or "_" in word or bool(re.fullmatch(r"[a-z]+[A-Z]\w*|[A-Z][a-z0-9]+[A-Z][a-z]\w*", word))


def _form_pattern(form: str) -> re.Pattern:
    # Latin word boundaries: in Korean text a particle follows the word directly ("chain rule을");
    # a phrase may break across the lines of a docstring ("hidden\nlayer")
    body = r"\s+".join(map(re.escape, form.split()))
    return re.compile(r"(?<![A-Za-z0-9_-])" + body + r"(?:s|es)?(?![A-Za-z0-9_-])", re.I)


def _bare_names(english: str, korean: str, code_names) -> tuple[str, set[str]]:
    """``english`` with the code names it uses bare, as names, blanked out, and those names.

    A name counts where the translation keeps it as it is and, unless it is capitalized like a
    class (``Sigmoid``), no article or determiner stands before it in the English:
    ``the keys of gradient's result`` names the method, ``the gradient`` is the word.
    """
    found, spans = set(), []
    for name in code_names:
        pattern = re.compile(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])")
        if not pattern.search(korean):
            continue
        for m in pattern.finditer(english):
            before = re.findall(r"[A-Za-z]+", english[:m.start()])
            if name[0].isupper() or not before or before[-1].lower() not in _DETERMINERS:
                found.add(name)
                spans.append(m.span())
    for start, end in spans:
        english = english[:start] + " " * (end - start) + english[end:]
    return english, found


def _without(text: str, names) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", " " * len(name), text)
    return text


def mentions(english: str, glossary: Glossary) -> list[Entry]:
    """The entries whose English forms ``english`` uses, each phrase counted for its longest entry."""
    text = words(english)
    found: list[Entry] = []
    for form, entry in glossary.by_length:
        seen = text
        for phrase in entry.exceptions:
            seen = re.sub(re.escape(phrase), lambda m: " " * len(m.group()), seen, flags=re.I)
        matches = list(_form_pattern(form).finditer(seen))
        if matches and entry not in found:
            found.append(entry)
        for m in matches:   # a shorter entry must not see this phrase again
            text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    return found


def english_left_in(korean: str, glossary: Glossary, code: set[str] = frozenset()) -> list[str]:
    """English glossary terms a translation still uses outside parentheses and outside code
    (``code``: names that are code here, see ``term_problems``)."""
    text = _without(re.sub(r"\([^()]*\)", " ", words(korean)), code)
    return [form for form, entry in glossary.by_length
            if not entry.keeps_english and _form_pattern(form).search(text)]


def term_problems(msgid: str, msgstr: str, glossary: Glossary, code_names=frozenset()) -> list[str]:
    """What is wrong with the terms of one translated message (empty when nothing is).

    ``code_names`` are the names of the code the message talks about (an assignment's
    functions, classes and attributes): one the English uses bare and the translation keeps
    (``softmax overflows``, ``the number of entries in layers``) is code, not an English term;
    the same word as prose (``the gradient``) is still checked.
    """
    english, code = _bare_names(msgid, msgstr, code_names)
    problems = []
    for entry in mentions(english, glossary):
        if not any(r in msgstr for r in entry.renderings):
            expected = " or ".join(repr(r) for r in entry.renderings)
            problems.append(f"{' / '.join(entry.en)!r} is rendered {expected} (locales/ko/glossary.yml)")
    problems += [f"English {form!r} left in the translation; write its Korean term (English only in "
                 "parentheses at its first use)" for form in english_left_in(msgstr, glossary, code)]
    problems += [f"{word!r} must never appear: see `never`/`avoid` in locales/ko/glossary.yml"
                 for word in glossary.forbidden if word in msgstr]
    return problems


# ---- the glossary page ---------------------------------------------------------------

def rows(glossary: Glossary, language: str) -> list[tuple[Entry, list[str]]]:
    """The table's rows in ``language``: (entry, three cells), in that language's order."""
    if language == "ko":
        out = [(e, [e.ko, " / ".join(e.en), e.note.get("ko", "")]) for e in glossary.entries]
        return sorted(out, key=lambda row: row[1][0])
    out = [(e, [" / ".join(e.en), e.ko, e.note.get("en", "")]) for e in glossary.entries]
    return sorted(out, key=lambda row: row[1][0].lower())


def _table(glossary: Glossary, language: str):
    from docutils import nodes

    def cell(text: str):
        para = nodes.paragraph(text, text)
        para["translatable"] = False   # the data file holds both languages; no catalogue entry
        return nodes.entry("", para)

    table = nodes.table(classes=["bp-glossary"])
    group = nodes.tgroup(cols=3)
    table += group
    for width in (30, 25, 45):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    head += nodes.row("", *(cell(h) for h in glossary.headers[language]))
    group += head
    body = nodes.tbody()
    for entry, cells in rows(glossary, language):
        row = nodes.row("", *(cell(c) for c in cells))
        row["ids"].append(entry.anchor)
        body += row
    group += body
    return table


def _directive():
    from sphinx.util.docutils import SphinxDirective

    from booktools.editions import edition_language

    class GlossaryTable(SphinxDirective):
        """``{glossary-table}``: the glossary of ``locales/ko/glossary.yml`` in the build's language."""

        has_content = False

        def run(self):
            self.env.note_dependency(str(DATA))
            try:
                glossary = load()
            except GlossaryError as exc:
                raise self.error(str(exc)) from exc
            return [_table(glossary, edition_language(self.config.language))]

    return GlossaryTable


def setup(app):
    app.add_directive("glossary-table", _directive())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
