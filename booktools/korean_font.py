"""Hangul on any machine: the Korean web font of the book, as a Sphinx extension.

A reader whose machine has no Korean font would see empty boxes for every Hangul
syllable, in the Korean edition and in the Korean terms of the English one. The book
carries Noto Sans KR (from npm, pinned and hashed by ``backprop.vendor``), cut by
Fontsource into about 120 unicode-range subsets: the browser downloads only the
subsets whose characters a page shows, so an English page with a few Korean terms
fetches a few small files and a Korean page a few hundred kilobytes.

This extension writes ``_static/korean-font.css``: Fontsource's ``@font-face`` rules
for the numbered subsets (regular and bold, woff2 only: every browser that runs the
book's widgets reads woff2), pointing at the vendored files, and adds "Noto Sans KR"
after the theme's fonts, so Latin text keeps the theme's font and Hangul, which
those fonts lack, is drawn with it.
"""

from __future__ import annotations

import re
from pathlib import Path

FAMILY = "Noto Sans KR"
FONT_DIR = "backprop-offline/fonts/noto-sans-kr"   # below a folder of html_static_path
WEIGHTS = ("400", "700")
CSS_NAME = "korean-font.css"

_FACE = re.compile(r"@font-face\s*{[^}]*}", re.S)
_SUBSET_FILE = re.compile(r"url\(\./files/(noto-sans-kr-\d+-\d+-normal\.woff2)\)")

STACK = f"""
/* Hangul falls through the theme's fonts (none has it) to the book's own. */
html {{
  --pst-font-family-base: var(--pst-font-family-base-system), "{FAMILY}", sans-serif;
  --pst-font-family-heading: var(--pst-font-family-base-system), "{FAMILY}", sans-serif;
}}
"""


class FontMissing(RuntimeError):
    """The vendored font files are not where the build looks for them."""


def font_faces(fontsource_css: str, url_prefix: str) -> list[str]:
    """The ``@font-face`` rules of the numbered subsets, woff2 only, with URLs under ``url_prefix``."""
    faces = []
    for face in _FACE.findall(fontsource_css):
        match = _SUBSET_FILE.search(face)
        if match is None:   # the latin, cyrillic, vietnamese cuts: the theme's fonts have those
            continue
        src = f"src: url({url_prefix}/{match.group(1)}) format('woff2');"
        faces.append(re.sub(r"src:[^;]*;", src, face))
    return faces


def stylesheet(font_dir: Path, url_prefix: str = FONT_DIR) -> str:
    """The whole ``korean-font.css`` for the font files in ``font_dir``."""
    faces = []
    for weight in WEIGHTS:
        css = font_dir / f"{weight}.css"
        if not css.is_file():
            raise FontMissing(f"{css} is missing: the Korean web font is fetched with the book's other "
                              "front-end files; run `make vendor` (python -m backprop.vendor book/_vendor)")
        found = font_faces(css.read_text(encoding="utf-8"), url_prefix)
        missing = [f for f in re.findall(r"url\([^)]*/([^/)]+)\)", "".join(found)) if not (font_dir / f).is_file()]
        if not found or missing:
            raise FontMissing(f"{css}: {'no Hangul subsets found' if not found else f'{len(missing)} subset files missing'}"
                              "; run `make vendor` again")
        faces += found
    return "/* Noto Sans KR, SIL Open Font License 1.1 (fonts/noto-sans-kr/LICENSE). */\n" + \
        "\n".join(faces) + "\n" + STACK


def _font_dir(app) -> Path:
    for static in app.config.html_static_path:
        candidate = Path(app.confdir, static, FONT_DIR)
        if candidate.is_dir():
            return candidate
    raise FontMissing(f"no {FONT_DIR} folder in html_static_path {app.config.html_static_path}; "
                      "run `make vendor` (python -m backprop.vendor book/_vendor)")


def _write(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir, "_static", CSS_NAME)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(stylesheet(_font_dir(app)), encoding="utf-8")


def _check(app) -> None:
    if app.builder.format == "html":
        stylesheet(_font_dir(app))   # fail before the pages are executed, not after


def setup(app):
    app.add_css_file(CSS_NAME)
    app.connect("builder-inited", _check)
    app.connect("build-finished", _write)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
