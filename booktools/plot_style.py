"""The book's plots: SVG, in one style that stays readable on a phone.

A Sphinx extension (``_config.yml``) that

- has every executed page draw its matplotlib figures as SVG, sharp on any screen,
  in the book's plot style (``RC``: text sizes chosen so that a figure of the default
  width, shrunk to a 390 px phone, keeps its text at 9 px or more). It writes an IPython
  profile whose kernel configuration sets the inline backend's formats and rc, and
  points ``IPYTHONDIR`` at it: the kernels MyST-NB starts inherit it, the reader's own
  Jupyter does not (a downloaded notebook plots in the reader's own style);
- gives each SVG plot of a page the width below which its smallest text would be
  drawn under ``MIN_TEXT_PX`` (``--bp-min-width``, read by ``static/page.css``) and a
  box of its own (``span.bp-plot-scroll``): a plot drawn wider than a phone keeps that
  width and scrolls sideways in it, with a cue, instead of shrinking its axis labels
  to specks.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

from booktools.vendor import PLOT_FONT, SUBDIR, vendored_folder

LOGGER = logging.getLogger(__name__)

MIN_TEXT_PX = 9
# The default figure (6 x 3.6 in = 432 pt) shrunk to a phone's text column (about 358 px)
# draws 1 pt as 0.83 px: 12 pt text is 9.9 px there.
RC = {
    "figure.figsize": [6.0, 3.6],
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "figure.titlesize": 14,
    "lines.linewidth": 2,
    # the same ids on every build, so that the SVG files (and pages) do not change for nothing
    "svg.hashsalt": "backprop-from-scratch",
    # Hangul (the Korean edition's titles and labels) from Noto Sans KR, the book's Korean
    # face: matplotlib's own fonts have none and drew every syllable as an empty box.
    # The SVG carries each glyph's outline, so a reader needs no Korean font.
    "font.family": ["DejaVu Sans", "Noto Sans KR"],
}
FORMATS = {"svg"}


def kernel_config(font: Path) -> str:
    """The IPython kernel configuration of the book's build: SVG plots in RC, with ``font`` loaded."""
    return f"""# Written by booktools/plot_style.py for the book's build: plots as SVG, in the book's style.
c.InlineBackend.figure_formats = {sorted(FORMATS)!r}
c.InlineBackend.rc = {RC!r}
c.InteractiveShellApp.exec_lines = [
    "import matplotlib.font_manager as _fm; _fm.fontManager.addfont({str(font)!r}); del _fm",
]
"""

_WIDTH = re.compile(r'<svg\b[^>]*\bwidth="([\d.]+)pt"')
# matplotlib draws a text (svg.fonttype "path") as a group "text_N" holding glyphs scaled by
# size / 100, or (svg.fonttype "none") as a <text> element with a font size in pt
_GLYPH_SCALE = re.compile(r'<g id="text_\d+">\s*(?:<!--.*?-->\s*)?<g transform="[^"]*scale\(([\d.]+)[ ,)]', re.S)
_TEXT_SIZE = re.compile(r'<text\b[^>]*font(?:-size:|:[^;"]*?)\s*([\d.]+)px', re.S)


def svg_text_sizes(svg: str) -> tuple[float | None, list[float]]:
    """(width in pt, sizes in pt of every text) of a matplotlib SVG; width None if not one."""
    width = _WIDTH.search(svg)
    if width is None or "Matplotlib" not in svg[:3000]:
        return None, []
    sizes = [float(s) * 100 for s in _GLYPH_SCALE.findall(svg)] + [float(s) for s in _TEXT_SIZE.findall(svg)]
    return float(width.group(1)), sizes


def min_width_px(svg: str, min_text_px: float = MIN_TEXT_PX) -> float | None:
    """The narrowest CSS width at which every text of the plot is at least ``min_text_px`` high."""
    width_pt, sizes = svg_text_sizes(svg)
    if not width_pt or not sizes:
        return None
    return width_pt * min_text_px / min(sizes)


class PlotFontMissing(ExtensionError):
    """The vendored TrueType Korean font for plots is not there."""


def _profile(app, config) -> None:
    font = vendored_folder(app, SUBDIR, PlotFontMissing) / PLOT_FONT
    if not font.is_file():
        raise PlotFontMissing(f"{font} is missing; run `make vendor` (python -m booktools.vendor book/_vendor)")
    folder = Path(app.doctreedir).parent / "ipython"
    profile = folder / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text(kernel_config(font), encoding="utf-8")
    os.environ["IPYTHONDIR"] = str(folder)


_IMG = re.compile(r'<img\b[^>]*?\bsrc="([^"]*?_images/([^"/]+\.svg))"[^>]*>')


def _plot_widths(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if not body or ".svg" not in body:
        return
    sources = {Path(dest).name: src for src, dest in getattr(app.builder, "images", {}).items()}

    def widen(match: re.Match) -> str:
        tag, name = match.group(0), match.group(2)
        source = sources.get(name)
        path = Path(app.srcdir, source) if source else None
        if path is None or not path.is_file():
            return tag
        width = min_width_px(path.read_text(encoding="utf-8", errors="replace"))
        if width is None:
            return tag
        style = f"--bp-min-width: {width:.0f}px"
        if 'style="' in tag:
            tag = tag.replace('style="', f'style="{style}; ', 1)
        else:
            tag = tag.replace("<img ", f'<img style="{style}" ', 1)
        # the box that scrolls (with a cue) when the plot is wider than the column
        tag = tag.replace("<img ", '<img data-bp-plot="" ', 1)
        return f'<span class="bp-plot-scroll">{tag}</span>'

    context["body"] = _IMG.sub(widen, body)


def setup(app):
    app.connect("config-inited", _profile)
    app.connect("html-page-context", _plot_widths)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
