"""The browser side of the widgets, put together from ``front/`` and what Python shares with it.

The static book has no Python, so the gradient-flow widget carries a port of the graph
model, its rules, layout and drawing (``ENGINE_FILES``) in front of its own front-end
(``front/gradient_flow.js``); the playground carries only its front-end and the one
constant of the book's layers it computes with (``LOG_FLOOR``, the cross-entropy's log
floor). In front of both go the constants, the operation table (``graph/ops.json``) and
the message catalogue (``backprop.messages``, in the installed language), each written
from its one source, so the two engines cannot disagree about them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .. import messages
from ..figures import grid, layout, phone, svg, text
from ..graph import expression
from ..graph.nodes import OPS_FILE
from ..nn import functions

#: The widgets' browser code and style sheet.
FRONT = Path(__file__).parent / "front"
#: The browser engine's files, in the order they are bundled (each uses the ones before it;
#: rules.js uses expression.js's parser, but only once the whole bundle has loaded).
ENGINE_FILES = ("messages.js", "numbers.js", "engine.js", "rules.js", "grid.js", "layout.js", "draw.js", "expression.js")
#: The message groups the browser reads (the "python" group stays in Python).
BROWSER_MESSAGES = (messages.BOTH, messages.BROWSER)


def _const(name: str, value) -> str:
    return f"const {name} = {json.dumps(value, ensure_ascii=False)};"


def messages_source() -> str:
    """The message catalogue, in the installed language, as the ``MESSAGES`` constant."""
    return _const("MESSAGES", messages.catalogue(*BROWSER_MESSAGES))


def constants_source() -> str:
    """The Python constants and the operation table the engine shares, as JavaScript ``const`` lines."""
    shared = {
        text: ("FONT", "SMALL", "MARGIN", "CHAR_EM", "DEFAULT_EM", "WIDE_EM", "BOLD", "DESCENDERS", "DESCENT",
               "WIDE_RANGES"),
        grid: ("CX", "RY", "R", "AUTO_ROW", "FORK_ANGLE"),
        layout: ("OUT_LEN", "LABEL_T", "SPREADS", "SPREAD_PROBLEM", "LABEL_GAP", "LABEL_LIFT", "LIFT_COST",
                 "LINE_COST", "PARALLEL", "GAP", "D", "LOCAL_SIDES", "LOCAL_RINGS", "LOCAL_LINE_COST",
                 "WIDEN_COST", "NAME_SIDES"),
        phone: ("PHONE_ACROSS", "PHONE_DOWN", "PROBLEM_UNITS"),
        svg: ("MIN_TEXT_PX", "INK", "GRAD", "FWD", "ACTIVE_FILL", "HALO", "FONT_FAMILY", "SHORT_SYMBOL",
              "PHONE_PX", "PHONE_MIN_TEXT_PX", "PAD", "PHONE_UNITS", "NARROW_MAX_PX"),
        expression: ("MAX_TEXT", "MAX_NODES", "FUNCTIONS", "MODULES"),
    }
    lines = [_const(name, getattr(module, name)) for module, names in shared.items() for name in names]
    lines.append(_const("OP_TABLE", json.loads(OPS_FILE.read_text(encoding="utf-8"))["ops"]))
    return "\n".join(lines)


def _read(name: str) -> str:
    return (FRONT / name).read_text(encoding="utf-8")


def engine_source() -> str:
    """The browser engine as one plain script; it defines ``BP`` (see front/expression.js)."""
    return "\n".join([messages_source(), constants_source(), *map(_read, ENGINE_FILES)])


@lru_cache(maxsize=4)
def _bundles(translations) -> tuple[str, str]:
    flow = engine_source() + "\n" + _read("gradient_flow.js")
    playground = "\n".join([messages_source(), _const("LOG_FLOOR", functions.LOG_FLOOR), _read("messages.js"),
                            _read("playground.js")])
    return flow, playground


def bundle() -> str:
    """The gradient-flow widget's anywidget module: the engine, then the front-end that uses it."""
    return _bundles(messages.installed())[0]


def playground_bundle() -> str:
    """The playground's anywidget module: the message catalogue, then its front-end."""
    return _bundles(messages.installed())[1]
