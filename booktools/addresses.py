"""The header's repository and launch buttons: shown only for a real address.

``_config.yml`` names the course's repository (``repository.url``) and a JupyterHub
(``launch_buttons.jupyterhub_url``). Until the course has a public home these are
empty, and a reader must not meet buttons that lead to a placeholder
(github.com/example/..., jupyterhub.example.org): as a Sphinx extension this module

- keeps the repository and issues buttons only when ``repository.url`` is a real
  address, and the launch buttons (Binder, Colab and JupyterHub open the page's
  ``.ipynb`` pair in that repository) only then too; JupyterHub also needs a real
  ``jupyterhub_url``;
- fails the build, naming the setting, when an address is a placeholder
  (``placeholder``): leave it empty instead, or give the real one;
- in a translated edition, says on the download and launch buttons that the notebook
  and the source they offer are the English page (the Korean prose lives in the
  catalogues, not in the notebook); the words go through ``_config.po`` like the
  book's title.

The download button (the executed page as ``.ipynb``, which runs with the student
package alone) needs no address and is always there.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

from sphinx.util import logging

from booktools.editions import CONFIG_DOMAIN, SOURCE_LANGUAGE, config_translations, edition_language

LOGGER = logging.getLogger(__name__)

# Names reserved for examples (RFC 2606, RFC 6761): an address under them is never real.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid", "localhost")
# Owners that stand for "your account here" on a code host.
PLACEHOLDER_OWNERS = {"example", "username", "your-username", "your-name", "your-org", "owner", "user"}
CODE_HOSTS = {"github.com", "gitlab.com", "bitbucket.org"}

REPOSITORY_BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button", "use_source_button")
LAUNCH_KEYS = ("binderhub_url", "jupyterhub_url", "colab_url", "jupyterlite_url", "deepnote_url")

# What a translated edition says on its download and launch buttons: the group's name
# (read aloud by a screen reader) and each item's visible text, where ``{name}`` is the
# item's own (".ipynb", ".md", "Binder", ...).
TRANSLATED_EDITION_LABELS = {
    "download": "Download this page: the notebook and the source are the English page",
    "download_item": "{name} (English page)",
    "launch": "Open the English page's notebook",
    "launch_item": "{name} (English notebook)",
}


def placeholder(url: str) -> str | None:
    """Why ``url`` is not a real address (a sentence), or None when it is one.

    An empty value is not a placeholder: it says "no address", and callers treat it so.
    """
    parsed = urlparse(url.strip())
    host = (parsed.hostname or "").lower().rstrip(".")
    if parsed.scheme not in ("http", "https") or not host:
        return f"{url!r} is not an http(s) address"
    if host in RESERVED_DOMAINS or host.endswith(tuple("." + d for d in RESERVED_DOMAINS)):
        return f"{host} is reserved for examples"
    if host.rsplit(".", 1)[-1] in RESERVED_TLDS:
        return f"{host} is under a top-level domain reserved for examples and tests"
    if host in CODE_HOSTS:
        owner = parsed.path.strip("/").split("/")[0].lower()
        if owner in PLACEHOLDER_OWNERS:
            return f"{host}/{owner} stands for an account, not the course's"
    return None


def real(url: str | None) -> bool:
    return bool(url and url.strip()) and placeholder(url) is None


def _check(setting: str, url: str | None) -> bool:
    """Whether ``url`` is real; warn (the build fails: --warningiserror) when it is a placeholder."""
    if not (url and url.strip()):
        return False
    reason = placeholder(url)
    if reason:
        LOGGER.warning(f"{setting} in _config.yml is a placeholder ({reason}): give the course's real "
                       "address, or leave it empty to build the book without the buttons that need it")
        return False
    return True


def _config_inited(app, config) -> None:
    options = config.html_theme_options
    has_repository = _check("repository.url", options.get("repository_url"))
    if not has_repository:
        options.pop("repository_url", None)
        for key in REPOSITORY_BUTTONS:
            options[key] = False
    launch = dict(options.get("launch_buttons") or {})
    hub = _check("launch_buttons.jupyterhub_url", launch.get("jupyterhub_url"))
    for key in LAUNCH_KEYS:
        # Binder, Colab and a JupyterHub open the page's pair in the repository
        keep = has_repository and (hub if key == "jupyterhub_url" else real(launch.get(key)))
        if not keep:
            launch[key] = ""
    launch["thebe"] = bool(launch.get("thebe")) and has_repository
    options["launch_buttons"] = launch


def _offer_notebook(app, pagename, templatename, context, doctree) -> None:
    """The download button's ``.ipynb`` (the executed page), with or without launch buttons.

    sphinx-book-theme copies the executed notebook into ``_sources`` only on its way to
    the launch buttons; without an address there are none, and the notebook would go too.
    """
    if "kernelspec" not in app.env.metadata.get(pagename, {}) or not context.get("sourcename", "").endswith(".md"):
        return
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return
    target = Path(app.outdir, "_sources", f"{pagename}.ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(executed, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def _extract_labels(app) -> None:
    """The gettext build: the translated edition's button words go to ``_config.pot``."""
    if app.builder.name != "gettext":
        return
    from sphinx.builders.gettext import MsgOrigin

    for text in TRANSLATED_EDITION_LABELS.values():
        app.builder.catalogs[CONFIG_DOMAIN].add(text, MsgOrigin("booktools/addresses.py", 0))


def translated_labels(app) -> dict[str, str]:
    """``TRANSLATED_EDITION_LABELS`` in the edition's language (empty in the source edition)."""
    if edition_language(app.config.language) == SOURCE_LANGUAGE:
        return {}
    words = config_translations(app.confdir, app.config)
    labels = {}
    for key, text in TRANSLATED_EDITION_LABELS.items():
        translated = words.get(text, text)
        if _blanks(translated) != _blanks(text):
            LOGGER.warning(f"the translation of {text!r} in _config.po must keep the blanks "
                           f"{sorted(_blanks(text))} and add none; it has {sorted(_blanks(translated))}")
            translated = text
        labels[key] = translated
    return labels


def _blanks(template: str) -> set[str]:
    import string
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _label_buttons(app, pagename, templatename, context, doctree) -> None:
    """A translated edition's download and launch buttons say that they offer the English page."""
    labels = translated_labels(app)
    if not labels:
        return
    for group in context.get("header_buttons") or []:
        kind = {"download-buttons": "download", "launch-buttons": "launch"}.get(group.get("label"))
        if kind is None:
            continue
        group["tooltip"] = labels[kind]
        for button in group.get("buttons") or []:
            if button.get("label") == "download-pdf-button":
                continue   # the printed page is this edition's own
            button["text"] = button["tooltip"] = labels[f"{kind}_item"].format(name=button.get("text", ""))


def setup(app):
    # After jupyter-book has put _config.yml's keys into html_theme_options, before the
    # theme reads the repository (its builder-inited handler).
    app.connect("config-inited", _config_inited, priority=900)
    app.connect("builder-inited", _extract_labels)
    # Before the theme makes its download button (priority 501).
    app.connect("html-page-context", _offer_notebook, priority=500)
    # After the theme has made its buttons (priority 501), before the page is written.
    app.connect("html-page-context", _label_buttons, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
