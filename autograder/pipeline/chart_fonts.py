"""A font for the report's charts that draws Hangul, or the news that there is none.

matplotlib's own fonts have no Hangul: a Korean course's chart titles, exercise titles
and mistake hints came out as one empty box per syllable, with a warning per glyph. The
charts therefore draw with DejaVu Sans and, for what it lacks, the first font found that
has Hangul: the course's own Korean face (Noto Sans KR, which ``make vendor`` fetches
into ``book/_vendor`` for the book's plots), else one installed on the machine (Noto
Sans CJK, Nanum, ...). Where a chart needs Hangul and no such font exists, the report
leaves that chart out and says why; its tables hold the same numbers.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

#: Hangul Jamo, compatibility Jamo and syllables.
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
#: The book's build-time TrueType copy of its Korean face, below the repository.
COURSE_FONTS = ("book/_vendor/backprop-offline/plot-fonts",)


def has_hangul(*texts: str) -> bool:
    return any(HANGUL.search(t) for t in texts)


@functools.lru_cache(maxsize=4)
def hangul_family(repo: Path) -> str | None:
    """The family name of a font that draws Hangul (registered with matplotlib), or None."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    for folder in COURSE_FONTS:
        for path in sorted((Path(repo) / folder).glob("*.ttf")):
            font_manager.fontManager.addfont(str(path))
            return font_manager.FontProperties(fname=str(path)).get_name()
    for entry in font_manager.fontManager.ttflist:
        try:
            if 0xAC00 in FT2Font(entry.fname).get_charmap():   # 가, the first syllable
                return entry.name
        except (OSError, RuntimeError, ValueError):   # a font file matplotlib lists but cannot read
            continue
    return None


def chart_rc(family: str | None) -> dict:
    """matplotlib settings that draw with DejaVu Sans, and ``family`` for what it lacks."""
    return {"font.family": ["DejaVu Sans", family]} if family else {}
