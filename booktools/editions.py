"""The book's editions: English, the source, and Korean, translated through gettext.

Both editions are built from the same pages by the same Sphinx configuration; only
``language`` differs. The English edition is written to ``_build/html`` and every
other edition to a folder below it (``_build/html/ko``), so one relative link
joins a page to the same page of the other edition.

As a Sphinx extension (``booktools.editions`` in ``_config.yml``) this module

- exports the build's language to the executed pages as ``BACKPROP_LANG`` (see
  ``LANGUAGE_ENV``), so that code computing figures, plot labels and widget captions
  can pick its language; the kernels MyST-NB starts inherit it;
- puts a language switch in every page's header (and ``<link rel="alternate"
  hreflang>`` in its head) that leads to the same page of the other edition;
- translates the words of the configuration a reader sees on every page (the book's
  title, the footer) through the catalogue ``locales/<language>/LC_MESSAGES/_config.po``,
  which the gettext build fills like every page's catalogue.

``<html lang>`` comes from Sphinx's ``language`` (the theme writes it).
"""

from __future__ import annotations

import os
from pathlib import Path

# The variable executed pages read for the build's language ("en" or "ko"). Code in
# the student package reads it as os.environ.get("BACKPROP_LANG", "en"): a reader's
# own Jupyter has no such variable and gets English.
LANGUAGE_ENV = "BACKPROP_LANG"
SOURCE_LANGUAGE = "en"
# language -> folder of its edition below the English edition's output folder
EDITIONS: dict[str, str] = {"en": "", "ko": "ko"}
# How each edition names itself on the other edition's switch.
NAMES = {"en": "English", "ko": "한국어"}
SWITCH_TITLES = {"en": "Read this page in English", "ko": "이 페이지를 한국어로 읽기"}


def edition_language(config_language: str | None) -> str:
    """The edition a Sphinx ``language`` setting builds ("en" when unset)."""
    language = (config_language or SOURCE_LANGUAGE).split("_")[0]
    if language not in EDITIONS:
        raise ValueError(f"the book has no {language!r} edition; editions: {sorted(EDITIONS)} "
                         "(booktools/editions.py)")
    return language


def other_editions(language: str) -> list[str]:
    return [lang for lang in EDITIONS if lang != language]


def relative_link(page_uri: str, from_language: str, to_language: str) -> str:
    """The relative URL from ``page_uri`` of one edition to the same page of another.

    ``page_uri`` is the page's path inside its edition, e.g. ``book/ch1_graphs.html``.
    """
    depth = page_uri.count("/")
    up = "../" * (depth + (1 if EDITIONS[from_language] else 0))
    folder = EDITIONS[to_language]
    return up + (folder + "/" if folder else "") + page_uri


# ---- Sphinx extension ---------------------------------------------------------------

HERE = Path(__file__).resolve().parent


CONFIG_DOMAIN = "_config"
#: The theme options whose text a reader sees.
THEME_OPTION_TEXTS = ("extra_footer", "search_bar_text")


#: The footer's author line, one sentence: the theme writes its own translation of "By"
#: before the author, and Korean has no word to put there (it came out as "으로 <author>").
AUTHOR_LINE = "By {author}"


def config_messages(config) -> list[str]:
    """The configuration's words a reader sees: the book's title, its author, the footer and
    the search field's placeholder (jupyter-book's "Search this book...")."""
    options = config.html_theme_options
    texts = [config.html_title, config.author, *(options.get(key) for key in THEME_OPTION_TEXTS)]
    return [text for text in texts if isinstance(text, str) and text.strip()] + [AUTHOR_LINE]


def config_translations(confdir: str, config) -> dict[str, str]:
    """English -> translation, from ``_config.po`` of the build's language (done entries only)."""
    from babel.messages.pofile import read_po

    language = edition_language(config.language)
    found = {}
    for locale_dir in config.locale_dirs:
        po = Path(confdir, locale_dir, language, "LC_MESSAGES", f"{CONFIG_DOMAIN}.po")
        if po.is_file():
            with po.open("rb") as f:
                found.update({m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy})
    return found


def _translate_config(app, config) -> None:
    if edition_language(config.language) == SOURCE_LANGUAGE:
        return
    words = config_translations(app.confdir, config)
    config.html_title = words.get(config.html_title, config.html_title)
    config.author = words.get(config.author, config.author)
    for key in THEME_OPTION_TEXTS:
        text = config.html_theme_options.get(key)
        if text in words:
            config.html_theme_options[key] = words[text]


def _extract_config(app) -> None:
    """The gettext build: put the configuration's words in ``_config.pot``."""
    if app.builder.name != "gettext":
        return
    from sphinx.builders.gettext import MsgOrigin

    for text in config_messages(app.config):
        app.builder.catalogs[CONFIG_DOMAIN].add(text, MsgOrigin("_config.yml", 0))


def _config_inited(app, config) -> None:
    language = edition_language(config.language)
    # Kernels started by MyST-NB inherit this process's environment.
    os.environ[LANGUAGE_ENV] = language
    _translate_config(app, config)
    line = AUTHOR_LINE
    if language != SOURCE_LANGUAGE:
        line = config_translations(app.confdir, config).get(AUTHOR_LINE, AUTHOR_LINE)
    config.html_context = {**config.html_context, "author_line": line.format(author=config.author)}
    # First, so that templates/author.html replaces the theme's footer component of that name.
    config.templates_path = [str(HERE / "templates"), *config.templates_path]
    config.html_static_path = [*config.html_static_path, str(HERE / "static")]
    options = config.html_theme_options
    end = options.get("article_header_end", ["article-header-buttons.html"])
    if isinstance(end, str):
        end = [end]
    if "language-switch.html" not in end:
        options["article_header_end"] = ["language-switch.html", *end]


def _page_context(app, pagename, templatename, context, doctree) -> None:
    language = edition_language(app.config.language)
    uri = app.builder.get_target_uri(pagename)
    switches = [{"lang": other, "name": NAMES[other], "title": SWITCH_TITLES[other],
                 "url": relative_link(uri, language, other)} for other in other_editions(language)]
    context["language_switches"] = switches
    context["metatags"] = context.get("metatags", "") + "".join(
        f'\n<link rel="alternate" hreflang="{s["lang"]}" href="{s["url"]}" />' for s in switches)


def setup(app):
    app.connect("config-inited", _config_inited)
    app.connect("builder-inited", _extract_config)
    app.connect("html-page-context", _page_context)
    app.add_css_file("language-switch.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
