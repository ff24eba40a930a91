"""Hangul on any machine: the Korean web font of the book, as a Sphinx extension.

A reader whose machine has no Korean font would see empty boxes for every Hangul
syllable, in the Korean edition and in the Korean terms of the English one. The book
carries Noto Sans KR (from npm, pinned and hashed by ``booktools.vendor``), cut by
Fontsource into about 120 unicode-range subsets: the browser downloads only the
subsets whose characters a page shows, so an English page with a few Korean terms
fetches a few small files and a Korean page a few hundred kilobytes.

This extension writes ``_static/korean-font.css``: Fontsource's ``@font-face`` rules
for the numbered subsets (regular and bold, woff2 only: every browser that runs the
book's widgets reads woff2), pointing at the vendored files, with each subset's
``unicode-range`` cut down to the Korean and CJK blocks (``KOREAN_BLOCKS``), and puts
"Noto Sans KR" first in the theme's font lists. A Hangul syllable is then drawn with
it on every machine, whatever Korean font the machine has or lacks, and everything
else (Latin letters, digits, punctuation, which Fontsource's subsets also carry) keeps
the theme's fonts. Left to the browser's fallback after the theme's fonts, Hangul was
drawn as empty boxes in places by Chromium without a Korean system font.

The stylesheet of an edition holds only the subsets whose characters its pages contain
(the text, and the widgets' words in their saved state, escaped or not): every page
loads it, so all 240 rules (160 kB) on every page weighed more than the few subset
files a page downloads. A character typed into the search box that no page contains
is drawn by the system's fonts.
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
_RANGE = re.compile(r"unicode-range:\s*([^;]*);")

# The code points the font draws: Hangul Jamo, CJK symbols to ideographs (with the Hangul
# compatibility Jamo), Jamo extension A, Hangul syllables, CJK compatibility ideographs,
# CJK compatibility forms, half- and full-width forms.
KOREAN_BLOCKS = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF),
                 (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))

# First in every font list of the theme (pydata-sphinx-theme's and Bootstrap's): only
# the code points above reach it, everything else falls through to the theme's fonts.
STACK = f"""
html {{
  --pst-font-family-base: "{FAMILY}", var(--pst-font-family-base-system);
  --pst-font-family-heading: "{FAMILY}", var(--pst-font-family-base-system);
  --bs-font-sans-serif: "{FAMILY}", system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif;
  --bs-body-font-family: var(--bs-font-sans-serif);
}}
"""


def korean_ranges(unicode_range: str) -> list[tuple[int, int]]:
    """The parts of a CSS ``unicode-range`` value inside ``KOREAN_BLOCKS``."""
    kept = []
    for part in unicode_range.split(","):
        bounds = part.strip().upper().removeprefix("U+").split("-")
        start, end = int(bounds[0], 16), int(bounds[-1], 16)
        for low, high in KOREAN_BLOCKS:
            if start <= high and end >= low:
                kept.append((max(start, low), min(end, high)))
    return kept


def css_range(ranges: list[tuple[int, int]]) -> str:
    return ",".join(f"U+{a:x}" if a == b else f"U+{a:x}-{b:x}" for a, b in ranges)


class FontMissing(RuntimeError):
    """The vendored font files are not where the build looks for them."""


def font_faces(fontsource_css: str, url_prefix: str, used: set[int] | None = None) -> list[str]:
    """The ``@font-face`` rules of the numbered subsets, woff2 only, with URLs under ``url_prefix``;
    with ``used`` (code points), only the subsets that draw one of them."""
    faces = []
    for face in _FACE.findall(fontsource_css):
        match = _SUBSET_FILE.search(face)
        if match is None:   # the latin, cyrillic, vietnamese cuts: the theme's fonts have those
            continue
        ranges = korean_ranges(_RANGE.search(face).group(1))
        if not ranges:   # a subset of Latin letters and punctuation only
            continue
        if used is not None and not any(low <= c <= high for c in used for low, high in ranges):
            continue
        src = f"src: url({url_prefix}/{match.group(1)}) format('woff2');"
        face = re.sub(r"src:[^;]*;", src, face)
        faces.append(_RANGE.sub(f"unicode-range: {css_range(ranges)};", face))
    return faces


def stylesheet(font_dir: Path, url_prefix: str = FONT_DIR, used: set[int] | None = None) -> str:
    """``korean-font.css`` for the font files in ``font_dir`` (only the subsets drawing ``used``, if given)."""
    faces = []
    for weight in WEIGHTS:
        css = font_dir / f"{weight}.css"
        if not css.is_file():
            raise FontMissing(f"{css} is missing: the Korean web font is fetched with the book's other "
                              "front-end files; run `make vendor` (python -m booktools.vendor book/_vendor)")
        every = font_faces(css.read_text(encoding="utf-8"), url_prefix)
        missing = [f for f in re.findall(r"url\([^)]*/([^/)]+)\)", "".join(every)) if not (font_dir / f).is_file()]
        if not every or missing:
            raise FontMissing(f"{css}: {'no Hangul subsets found' if not every else f'{len(missing)} subset files missing'}"
                              "; run `make vendor` again")
        faces += font_faces(css.read_text(encoding="utf-8"), url_prefix, used) if used is not None else every
    return "/* Noto Sans KR, SIL Open Font License 1.1 (fonts/noto-sans-kr/LICENSE). */\n" + \
        "\n".join(faces) + "\n" + STACK


def _font_dir(app) -> Path:
    from booktools.vendor import vendored_folder
    return vendored_folder(app, FONT_DIR, FontMissing)


_ESCAPED = re.compile(r"\\u([0-9a-fA-F]{4})")


def korean_code_points(text: str) -> set[int]:
    """The code points of ``text`` in ``KOREAN_BLOCKS``, also those written as JSON's ``\\uXXXX``."""
    points = {ord(c) for c in text} | {int(h, 16) for h in _ESCAPED.findall(text)}
    return {c for c in points if any(low <= c <= high for low, high in KOREAN_BLOCKS)}


def edition_code_points(outdir: Path) -> set[int]:
    """The Korean code points of every page the build wrote: not the static files, nor the
    other editions published below the English one (``_build/html/ko``)."""
    from booktools.editions import EDITIONS

    other_editions = {folder for folder in EDITIONS.values() if folder}
    used: set[int] = set()
    for page in Path(outdir).rglob("*.html"):
        parts = page.relative_to(outdir).parts
        if "_static" not in parts and parts[0] not in other_editions:
            used |= korean_code_points(page.read_text(encoding="utf-8", errors="replace"))
    return used


def _write(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir, "_static", CSS_NAME)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(stylesheet(_font_dir(app), used=edition_code_points(Path(app.outdir))), encoding="utf-8")


def _check(app) -> None:
    if app.builder.format == "html":
        stylesheet(_font_dir(app))   # fail before the pages are executed, not after


def setup(app):
    app.add_css_file(CSS_NAME)
    app.connect("builder-inited", _check)
    app.connect("build-finished", _write)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
