"""The browser side of the widgets, put together from ``front/`` and the constants Python shares.

The static book has no Python, so the gradient-flow widget carries a port of the
graph model, layout and drawing (``front/numbers.js``, ``front/engine.js``,
``front/figures.js``, ``front/expression.js``) bundled in front of its own
front-end (``front/gradient_flow.js``). Every constant both sides need is written
here from the Python module that owns it, so it exists once.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..figures import layout, svg
from ..graph import expression, replay

#: The widgets' browser code and style sheet.
FRONT = Path(__file__).parent / "front"
#: The browser engine's files, in the order they are bundled (each uses the ones before it).
ENGINE_FILES = ("numbers.js", "engine.js", "figures.js", "expression.js")


def constants_source() -> str:
    """The Python constants the engine shares, as JavaScript ``const`` lines (one source for both)."""
    shared = {
        layout: ("CX", "RY", "R", "FONT", "SMALL", "OUT_LEN", "LABEL_T", "LINE_COST", "LOCAL_SIDES",
                 "LOCAL_RINGS", "LOCAL_LINE_COST"),
        svg: ("MIN_TEXT_PX", "INK", "GRAD", "FWD", "ACTIVE_FILL", "HALO", "FONT_FAMILY", "SHORT_SYMBOL"),
        expression: ("MAX_TEXT", "MAX_NODES", "FUNCTIONS", "MODULES"),
    }
    lines = [f"const {name} = {json.dumps(getattr(module, name), ensure_ascii=False)};"
             for module, names in shared.items() for name in names]
    lines.append(f"const RULE_OP_NAMES = {json.dumps(sorted(replay._RULE_OPS))};")
    return "\n".join(lines)


def engine_source() -> str:
    """The browser engine as one script; it defines ``BP`` (see front/expression.js)."""
    files = [(FRONT / name).read_text(encoding="utf-8") for name in ENGINE_FILES]
    return "\n".join([constants_source(), *files])


def bundle() -> str:
    """The gradient-flow widget's anywidget module: the engine, then the front-end that uses it."""
    return engine_source() + "\n" + (FRONT / "gradient_flow.js").read_text(encoding="utf-8")
