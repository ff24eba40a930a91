"""What every page of the book loads, kept to what it uses.

A Sphinx extension (``_config.yml``) that

- drops FontAwesome's script (1.5 MB, on every page of the theme) through
  ``page_templates/layout.html`` (a folder of its own: a build without this extension
  keeps the theme's layout): the theme's stylesheet already draws every icon the
  book shows from FontAwesome's web fonts, and the script only swapped them for SVG;
- adds ``static/page.css`` and ``static/page.js``: what scrolls sideways says so (wide
  equations, tables, code and plots on a phone: a fading edge and a visible scroll
  bar), plots keep a white card and captions the mode's text colour in the dark mode.

The rest of the weight is cut where it is made: the widgets by their own host
(``booktools.widget_host``), the mathematics at build time (``booktools.static_math``),
the plots as SVG (``booktools.plot_style``), the Korean font by subsets
(``booktools.korean_font``).
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
CSS_NAME = "page.css"
JS_NAME = "page.js"


def without_script(html: str, path: str) -> str:
    """``html`` without the ``<script>`` element(s) loading ``path`` (any query string)."""
    return re.sub(r'<script\b[^>]*\bsrc="[^"]*' + re.escape(path) + r'(\?[^"]*)?"[^>]*>\s*</script>\s*', "", html)


def _filters(app) -> None:
    templates = getattr(app.builder, "templates", None)
    if templates is not None and hasattr(templates, "environment"):
        templates.environment.filters["bp_without_script"] = without_script


def _paths(app, config) -> None:
    """The layout without FontAwesome's script, and the static files (page.css, page.js)."""
    for setting, folder in (("templates_path", HERE / "page_templates"), ("html_static_path", HERE / "static")):
        paths = list(getattr(config, setting))
        if str(folder) not in map(str, paths):
            setattr(config, setting, [*paths, str(folder)])


def setup(app):
    app.connect("config-inited", _paths)
    app.connect("builder-inited", _filters)
    app.add_css_file(CSS_NAME)
    app.add_js_file(JS_NAME, defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
