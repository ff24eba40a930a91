"""How much room a figure's text takes: widths from the font, boxes that hold it.

Every label of a figure is placed as a box (``text_box``) before it is drawn, so the
boxes must hold the text in any font a reader's browser picks among those the figures
name: widths are DejaVu Sans's, the widest of them, and a text with a letter that hangs
below the baseline (y, p, brackets) has a box that reaches that far. The browser engine
reads the same numbers (``backprop.widgets.bundle``).
"""

from __future__ import annotations

import math

FONT, SMALL = 16.0, 14.0  # numbers and labels; the local-derivative text
MARGIN = 3.0              # the gap a label keeps from other labels and from circles
# Advance widths (in em) of the characters the figures write, measured in DejaVu Sans,
# the widest of the fonts the figures name (so a box holds its text in any of them);
# BOLD widens the gradients' semi-bold digits. Other characters: DEFAULT_EM, or WIDE_EM
# for Hangul and CJK.
CHAR_EM = {"'ijlIJ": 0.3, " ,.·/:;": 0.34, "ft-ᵀ()[]r": 0.4, "²¹⁰₀₁₂₃₄₅₆₇₈₉": 0.42, "_∂szc⁻": 0.56,
           "LFkvxyTPYoae": 0.62, "0123456789EΣhnuσSbdgpq": 0.64, "KVXZBRCA": 0.71, "UNHDGOQ": 0.79,
           "w+<=>×−": 0.84, "mWM": 1.0}
DEFAULT_EM, WIDE_EM, BOLD = 0.64, 1.0, 1.1
# Characters that reach below the baseline (digits do not), and how far, in em.
DESCENDERS, DESCENT = "gjpqy(),;_[]{}/|", 0.24
WIDE_RANGES = ((0x1100, 0x11FF), (0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF))
_EM = {ch: em for chars, em in CHAR_EM.items() for ch in chars}


def hypot(dx: float, dy: float) -> float:
    # Not math.hypot: the browser's Math.hypot may round differently, and the browser engine
    # must reach the same layout; a square root of a sum is rounded alike in both.
    return math.sqrt(dx * dx + dy * dy)


def char_em(ch: str) -> float:
    if ch in _EM:
        return _EM[ch]
    code = ord(ch)
    return WIDE_EM if any(lo <= code <= hi for lo, hi in WIDE_RANGES) else DEFAULT_EM


def text_width(text: str, size: float, bold: bool = False) -> float:
    return size * sum(char_em(ch) for ch in text) * (BOLD if bold else 1.0)


def descent(text: str, size: float) -> float:
    """How far ``text`` reaches below its digits' baseline (y, p, brackets, _), in SVG units."""
    return DESCENT * size if any(ch in DESCENDERS for ch in text) else 0.0


def text_box(px, py, nx, ny, text, size, bold=False):
    """Box (x0, y0, x1, y1) of ``text`` placed so that it touches point p from side n.

    The box is as tall as a digit (0.75 em), plus ``descent`` below where a letter hangs
    lower (the drawing centres the text in the part above, see ``svg._label``).
    """
    w, h = text_width(text, size, bold), 0.75 * size + descent(text, size)
    reach = abs(nx) * w / 2 + abs(ny) * h / 2   # the box's half-extent along n
    cx, cy = px + nx * reach, py + ny * reach
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
