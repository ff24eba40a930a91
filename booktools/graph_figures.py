"""The course's graph figures as numbered figures of the book, like its plots.

``backprop.figures.figure(graph, caption=..., name=...)`` gives a cell output with two
forms: HTML (what Jupyter shows: the drawing with its caption under it) and
``backprop.figures.svg.FIGURE_MIME``, the same drawing and caption as data. MyST-NB hands
the second to ``GraphFigureRenderer`` (registered under its ``myst_nb.mime_renderers``
entry point in the root pyproject.toml), which makes it a docutils figure: numbered in
the chapter's sequence with the plots (``numfig``), and, where the figure has a name,
the target of ``{numref}`fig-name```. The HTML builders prefer this form; any other
builder gets the plain HTML.

The caption is not offered to Sphinx's translation catalogues: it comes from the code
cell, already in the build's language (the code-strings catalogue, ``backprop.messages``).
"""

from __future__ import annotations

import json

from docutils import nodes

from backprop.figures.svg import FIGURE_MIME

HTML_BUILDERS = ("html", "dirhtml", "singlehtml")


class GraphFigureRenderer:
    """MyST-NB's ``MimeRenderPlugin``: FIGURE_MIME -> a figure node with the drawing and its caption."""

    # Before text/html (30) in the HTML builders' order.
    mime_priority_overrides = [(builder, FIGURE_MIME, 25) for builder in HTML_BUILDERS]

    @staticmethod
    def handle_mime(renderer, data, inline):
        if inline or data.mime_type != FIGURE_MIME:
            return None
        content = data.content if isinstance(data.content, dict) else json.loads(data.string)
        figure = nodes.figure(classes=list(content.get("classes") or []))
        figure += nodes.raw("", content["html"], format="html")
        caption = nodes.caption(content["caption"], content["caption"])
        caption["translatable"] = False   # already in the build's language
        figure += caption
        document = renderer.renderer.document
        name = content.get("name")
        if name:
            figure["names"].append(nodes.fully_normalize_name(name))
            document.note_explicit_target(figure, figure)
        else:   # numbered all the same: numfig counts figures that have an id
            document.set_id(figure)
        return [figure]
