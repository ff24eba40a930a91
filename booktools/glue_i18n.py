"""Glued values in translated paragraphs: a Sphinx extension.

A page shows a computed number with MyST-NB's ``{glue:text}`key:fmt``` role, and a
translator keeps that role in the ``msgstr``. MyST-NB resolves the role while the
page is parsed, from the executed notebook it holds at that moment. Sphinx translates
a paragraph later (its ``Locale`` transform), parsing the ``msgstr`` on its own as a
fresh little document, where the notebook is gone: the role finds no value and the
number silently disappears ("사과의 총 가격은 원입니다." where English shows 220).

MyST-NB already knows how to paste a value after parsing: for a value glued in
another page (``{glue:text}`page::key```) it leaves a ``PendingGlueReference`` that
a post-transform fills from the page's ``<page>.glue.json`` when the HTML is written.
This extension makes the glue roles do the same for the page's own keys when they
run in a translated message, so a translated paragraph shows the very value the
English one does, formatted the same way.

One number, both editions. Each edition executes its pages (figures and other
outputs are drawn in the edition's language), so a measured time would differ
between them. When ``booktools_glue_from`` names the English edition's executed
pages (``booktools.build`` sets it for every translated edition), every glued
*number* is taken from there, and both editions show the same numbers; a glued
*string* (words) comes from the edition's own execution, in its own language.
"""

from __future__ import annotations

import re
from ast import literal_eval
from pathlib import Path

from myst_nb.ext.glue.crossref import generate_any_nodes, generate_text_nodes, read_glue_cache
from myst_nb.ext.glue.roles import PasteRoleAny, PasteTextRole
from myst_nb.ext.glue.utils import PendingGlueReference
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _in_translated_message(role) -> bool:
    """Whether the role runs in a msgstr's own document (no notebook attached)."""
    return "nb_renderer" not in role.document and hasattr(role.document.settings, "env")


def _deferred(role) -> bool:
    """Whether the value is pasted after parsing: in translated text, or from the English edition."""
    settings = role.document.settings
    return _in_translated_message(role) or bool(getattr(settings, "env", None)
                                                 and settings.env.config.booktools_glue_from)


def _pending(role, key: str, **attributes) -> PendingGlueReference:
    env = role.document.settings.env
    ref = PendingGlueReference(refdoc=env.docname, key=key, inline=True, **attributes)
    ref.source, ref.line = role.source, role.line
    return ref


class TranslatedPasteText(PasteTextRole):
    """``{glue:text}`key:fmt``` that also works inside a translated paragraph."""

    def run(self):
        if not _deferred(self) or "::" in self.text:
            return super().run()
        key, _, fmt_spec = self.text.rpartition(":") if ":" in self.text else (self.text, "", "s")
        return [_pending(self, key, gtype="text", fmt_spec=fmt_spec or "s")], []


class TranslatedPasteAny(PasteRoleAny):
    """``{glue}`key``` / ``{glue:any}`key``` that also work inside a translated paragraph."""

    def run(self):
        if not _deferred(self) or "::" in self.text:
            return super().run()
        return [_pending(self, self.text)], []


_NUMPY_SCALAR = re.compile(r"np\.\w+\((.*)\)")


def is_number(output: dict) -> bool:
    """Whether a glued output is a number (its plain text reads as an int or a float)."""
    text = output.get("data", {}).get("text/plain", "").strip()
    match = _NUMPY_SCALAR.fullmatch(text)
    try:
        value = literal_eval(match.group(1) if match else text)
    except (ValueError, SyntaxError):
        return False
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class PasteEnglishNumbers(SphinxPostTransform):
    """Paste glued numbers from the English edition's executed pages (``booktools_glue_from``).

    Runs before MyST-NB's own transform (priority 5), which then pastes what is left,
    glued words, from this edition's execution.
    """

    default_priority = 4

    def run(self, **kwargs) -> None:
        source = self.config.booktools_glue_from
        if not source:
            return
        app = self.app
        for node in list(self.document.findall(PendingGlueReference)):
            english = read_glue_cache(source, node.refdoc).get(node.key)
            glue_file = Path(source, *f"{node.refdoc}.glue.json".split("/"))
            page = Path(self.env.doc2path(node.refdoc))
            if english is None or page.stat().st_mtime > glue_file.stat().st_mtime:
                logger.warning(f"the English edition in {source} has no current value for {node.key!r} of "
                               f"{node.refdoc}; build both editions (python -m booktools.build)",
                               location=node, type="booktools", subtype="glue")
                continue
            if not is_number(english):
                continue
            if node.gtype == "text":
                pasted = generate_text_nodes(node, english)
            else:
                from myst_nb.core.render import get_mime_priority

                priority = get_mime_priority(app.builder.name, self.config["nb_mime_priority_overrides"])
                pasted = generate_any_nodes(node, english, priority, app.builder, self.env)
            if pasted:
                node.replace_self(pasted)


def setup(app):
    # The English edition's executed pages (its jupyter_execute folder), or "" to paste
    # every value from this edition's own execution.
    app.add_config_value("booktools_glue_from", "", "env")
    app.add_post_transform(PasteEnglishNumbers)
    app.setup_extension("myst_nb")   # its glue domain must exist before its roles are replaced
    app.add_role_to_domain("glue", "text", TranslatedPasteText(), override=True)
    app.add_role_to_domain("glue", "", TranslatedPasteAny(), override=True)
    app.add_role_to_domain("glue", "any", TranslatedPasteAny(), override=True)
    app.add_role("glue", TranslatedPasteAny(), override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
