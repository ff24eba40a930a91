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
"""

from __future__ import annotations

from myst_nb.ext.glue.roles import PasteRoleAny, PasteTextRole
from myst_nb.ext.glue.utils import PendingGlueReference


def _in_translated_message(role) -> bool:
    """Whether the role runs in a msgstr's own document (no notebook attached)."""
    return "nb_renderer" not in role.document and hasattr(role.document.settings, "env")


def _pending(role, key: str, **attributes) -> PendingGlueReference:
    env = role.document.settings.env
    ref = PendingGlueReference(refdoc=env.docname, key=key, inline=True, **attributes)
    ref.source, ref.line = role.source, role.line
    return ref


class TranslatedPasteText(PasteTextRole):
    """``{glue:text}`key:fmt``` that also works inside a translated paragraph."""

    def run(self):
        if not _in_translated_message(self) or "::" in self.text:
            return super().run()
        key, _, fmt_spec = self.text.rpartition(":") if ":" in self.text else (self.text, "", "s")
        return [_pending(self, key, gtype="text", fmt_spec=fmt_spec or "s")], []


class TranslatedPasteAny(PasteRoleAny):
    """``{glue}`key``` / ``{glue:any}`key``` that also work inside a translated paragraph."""

    def run(self):
        if not _in_translated_message(self) or "::" in self.text:
            return super().run()
        return [_pending(self, self.text)], []


def setup(app):
    app.setup_extension("myst_nb")   # its glue domain must exist before its roles are replaced
    app.add_role_to_domain("glue", "text", TranslatedPasteText(), override=True)
    app.add_role_to_domain("glue", "", TranslatedPasteAny(), override=True)
    app.add_role_to_domain("glue", "any", TranslatedPasteAny(), override=True)
    app.add_role("glue", TranslatedPasteAny(), override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
