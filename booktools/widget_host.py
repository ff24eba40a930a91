"""Only widgets the book's widget host can draw.

The built book draws its widgets with ``static/widget-host.js`` (listed in
``_config.yml``'s ``nb_ipywidgets_js``), which gives anywidget widgets their model
interface over the state saved in the page, instead of Jupyter's widget manager
(3.6 MB of JavaScript and require.js on every widget page). It draws anywidget
widgets, as every widget of the book is (``backprop.widgets``), and ipywidgets' HTML
widget, which the book shows where a graph cannot be drawn. As a Sphinx
extension this module fails the build (a warning, and the build runs with
``--warningiserror``) when a page saves any other kind of widget, which the host would
leave blank, naming the page and the widget.
"""

from __future__ import annotations

import json

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
STATE = "application/vnd.jupyter.widget-state+json"
HOST_SCRIPT = "widget-host.js"
# (model module, model name) of what the host draws, and of what it may ignore: the
# layout every ipywidget carries, which anywidget's front-end never reads.
DRAWN = {("anywidget", "AnyModel"), ("@jupyter-widgets/controls", "HTMLModel")}
IGNORED = {("@jupyter-widgets/base", "LayoutModel"), ("@jupyter-widgets/controls", "HTMLStyleModel")}


def saved_models(script_files) -> list[dict]:
    """The widget models saved in a page, from its script list (MyST-NB's widget-state script)."""
    models = []
    for script in script_files:
        attributes = getattr(script, "attributes", {}) or {}
        if attributes.get("type") == STATE and attributes.get("body"):
            models += list(json.loads(attributes["body"]).get("state", {}).values())
    return models


def unsupported(models: list[dict]) -> list[str]:
    """``module.name`` of each model the host neither draws nor may ignore."""
    found = {(m.get("model_module"), m.get("model_name")) for m in models}
    return sorted(f"{module}.{name}" for module, name in found - DRAWN - IGNORED)


def _check_page(app, pagename, templatename, context, doctree) -> None:
    models = saved_models(context.get("script_files") or [])
    if not models:
        return
    others = unsupported(models)
    if others:
        LOGGER.warning(f"{pagename}: the page saves widgets the book's widget host cannot draw ({', '.join(others)}); "
                       "the book draws anywidget and HTML widgets only (booktools/static/widget-host.js)")
    scripts = [str(getattr(s, "filename", s)) for s in context.get("script_files") or []]
    if not any(name.endswith(HOST_SCRIPT) for name in scripts):
        LOGGER.warning(f"{pagename}: the page has widgets but does not load {HOST_SCRIPT}; "
                       "_config.yml's nb_ipywidgets_js must name it")


def setup(app):
    app.connect("html-page-context", _check_page, priority=950)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
