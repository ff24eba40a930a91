"""The code's catalogue: every sentence code shows, complete and current in Korean, chosen by BACKPROP_LANG.

``backprop/src/backprop/locales/ko/LC_MESSAGES/backprop.po`` holds the student package's
templates (the widgets' and figures' captions, buttons and errors) and the sentences the
chapters' code cells mark with ``_``. Like each page's catalogue it fails while an entry is
untranslated or fuzzy, and when the English moved on without ``make translations``
(docs/translating.md); its translations keep the glossary and 합니다체. The machinery is
tested on small pages and catalogues: a changed template comes back fuzzy, a chapter's
marked sentence is found, an unextractable one is refused with its place.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from backprop import messages
from backprop.graph.expression import FUNCTIONS
from booktools import code_catalogue
from booktools.glossary import load, term_problems
from booktools.korean_style import register_problems

ROOT = Path(__file__).resolve().parents[1]
PO = code_catalogue.po_path("ko")


def test_the_code_catalogue_is_translated_and_current():
    report = code_catalogue.report("ko")
    assert PO.is_file(), f"{PO} is missing; run `make translations`"
    assert not report.stale, report.summary()
    assert not report.untranslated and not report.fuzzy, report.summary()


def test_every_template_of_the_package_is_in_it():
    catalogue = code_catalogue.read(PO)
    have = {m.context for m in catalogue if m.id and m.context}
    assert set(messages.english()) <= have


def plain(text: str) -> str:
    """A template's words: its blanks and the expression grammar's function names (code) blanked."""
    text = re.sub(r"\{\w+\}", " ", text)
    return re.sub(rf"\b({'|'.join(FUNCTIONS)})\b", " ", text)


def test_translations_keep_the_glossary_and_one_register():
    glossary = load()
    problems = []
    for m in code_catalogue.read(PO):
        if not m.id or not m.string or m.string == m.id:
            continue
        problems += [f"{m.context or m.id!r}: {p}" for p in term_problems(plain(m.id), plain(m.string), glossary)]
        problems += [f"{m.context or m.id!r}: {p}" for p in register_problems(m.string)]
    assert not problems, "\n".join(problems)


def test_translations_keep_every_blank():
    for m in code_catalogue.read(PO):
        if m.id and m.string:
            assert set(re.findall(r"\{\w+\}", m.string)) == set(re.findall(r"\{\w+\}", m.id)), \
                f"{m.context or m.id!r}: the translation's blanks differ from the English"


def in_language(language: str | None, code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != messages.LANGUAGE_ENV}
    if language is not None:
        env[messages.LANGUAGE_ENV] = language
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 or language == "fr", proc.stderr
    return proc.stdout + proc.stderr


FORK_CAPTION = ("from backprop.graph.book import fork_graph\n"
                "print(fork_graph().steps()[-2].caption)\n")


def test_the_language_comes_from_the_environment():
    """The fork's last caption: English without BACKPROP_LANG, Korean with ko, a clear error for fr."""
    assert in_language(None, FORK_CAPTION).strip() == \
        "The input x feeds 2 nodes, so its gradient is the sum of what its 2 edges bring back: ∂f/∂x = 5 + 1 = 6."
    assert in_language("en", FORK_CAPTION).strip().startswith("The input x feeds 2 nodes")
    korean = in_language("ko", FORK_CAPTION).strip()
    assert korean.startswith("입력 x의 값은 노드 2개로 갔으므로") and korean.endswith("∂f/∂x = 5 + 1 = 6.")
    error = in_language("fr", FORK_CAPTION)
    assert "BACKPROP_LANG='fr': there are no messages in that language; use one of en, ko" in error


def test_the_widgets_browser_code_speaks_the_language():
    out = in_language("ko", "from backprop.widgets.bundle import bundle, playground_bundle\n"
                            "print('\"flow.play\": \"▶ 재생\"' in bundle(), '\"playground.lr\": \"학습률\"' in playground_bundle())")
    assert out.split() == ["True", "True"]


def test_a_chapters_sentence_is_translated_with_its_blanks(tmp_path):
    english = "Inputs 10 and 5 enter an add node giving {z}."
    catalogue = code_catalogue.read(PO)
    catalogue.add(english, string="입력 10과 5가 덧셈 노드로 들어가 {z}이(가) 됩니다.")
    folder = tmp_path
    mo = folder / "ko" / "LC_MESSAGES" / f"{messages.DOMAIN}.mo"
    mo.parent.mkdir(parents=True, exist_ok=True)
    mo.write_bytes(code_catalogue.compiled(catalogue))
    import gettext

    messages.install(gettext.translation(messages.DOMAIN, localedir=folder, languages=["ko"]))
    try:
        assert messages.gettext(english, z=15) == "입력 10과 5가 덧셈 노드로 들어가 15이(가) 됩니다."
        assert messages.gettext("A sentence nobody translated.") == "A sentence nobody translated."
        assert messages.gettext("$x_{1}$") == "$x_{1}$"    # no fields: braces left alone
    finally:
        messages.install(None)
    assert messages.gettext(english, z=15) == "Inputs 10 and 5 enter an add node giving 15."
    with pytest.raises(TypeError, match="English sentence"):
        messages.gettext(3)


# ---- the machinery on a small page and catalogue -----------------------------------

PAGE = '''# A page

```{code-cell} ipython3
:tags: [remove-cell]
from backprop.messages import gettext as _
caption = _("Problem 1, forward propagation.")
%matplotlib inline
```

Some prose with _("not code").

```{code-cell} ipython3
label = _("epoch")
again = _("Problem 1, forward propagation.")
```
'''


def test_a_chapters_marked_sentences_are_found_with_their_places(tmp_path):
    (tmp_path / "page.md").write_text(PAGE)
    assert code_catalogue.page_sentences(tmp_path / "page.md") == [
        ("Problem 1, forward propagation.", 6), ("epoch", 13), ("Problem 1, forward propagation.", 14)]
    template = code_catalogue.template(tmp_path)
    entry = template["Problem 1, forward propagation."]
    assert entry.locations == [("book/page.md", 6), ("book/page.md", 14)] and entry.context is None
    assert ("step.seed" in {m.context for m in template})


def test_a_sentence_that_cannot_be_extracted_is_refused_with_its_place(tmp_path):
    (tmp_path / "page.md").write_text('# P\n\n```{code-cell} ipython3\nz = 1\nc = _(f"giving {z}")\n```\n')
    with pytest.raises(code_catalogue.CatalogueError, match=r"page.md:5: _\(\) needs the English sentence"):
        code_catalogue.template(tmp_path)


def test_a_changed_template_is_stale_then_fuzzy_until_translated_again(tmp_path, monkeypatch):
    locales, pages = tmp_path / "locales", tmp_path / "pages"
    pages.mkdir()
    (pages / "page.md").write_text(PAGE)
    code_catalogue.update("ko", locales, pages)
    report = code_catalogue.report("ko", locales, pages)
    assert not report.stale and "Problem 1, forward propagation." in report.untranslated
    path = code_catalogue.po_path("ko", locales)
    catalogue = code_catalogue.read(path)
    for m in catalogue:
        if m.id:
            m.string = "번역"
    from babel.messages.pofile import write_po
    with path.open("wb") as f:
        write_po(f, catalogue)
    assert code_catalogue.report("ko", locales, pages).mo_stale   # the .mo is older than the .po
    code_catalogue.update("ko", locales, pages)
    assert code_catalogue.report("ko", locales, pages).complete

    changed = dict(messages.english(), **{"step.seed": "Backward pass: it starts with {value} on the output."})
    monkeypatch.setattr(messages, "english", lambda *groups: changed)
    stale = code_catalogue.report("ko", locales, pages)
    assert stale.stale and stale.new == [changed["step.seed"]], stale.summary()
    code_catalogue.update("ko", locales, pages)                 # make translations
    merged = code_catalogue.report("ko", locales, pages)
    assert not merged.stale and merged.fuzzy == [changed["step.seed"]], merged.summary()


def test_an_update_that_changes_no_entry_leaves_the_files_alone(tmp_path):
    # Babel dates every catalogue it writes: without care each `make translations` would
    # leave a changed .po and .mo to commit though no sentence changed.
    locales, pages = tmp_path / "locales", tmp_path / "pages"
    pages.mkdir()
    (pages / "page.md").write_text(PAGE)
    code_catalogue.update("ko", locales, pages)
    po, mo = code_catalogue.po_path("ko", locales), code_catalogue.mo_path("ko", locales)
    before = po.read_bytes(), mo.read_bytes()
    os.utime(po, (0, 0))
    os.utime(mo, (0, 0))
    code_catalogue.update("ko", locales, pages)
    assert (po.read_bytes(), mo.read_bytes()) == before
    assert po.stat().st_mtime == 0 and mo.stat().st_mtime == 0    # not even rewritten
    (pages / "page.md").write_text(PAGE + "\n" + PAGE.replace("Problem 1", "Problem 2"))
    code_catalogue.update("ko", locales, pages)
    assert po.read_bytes() != before[0] and po.stat().st_mtime > 0
