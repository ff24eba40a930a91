"""The small language of the operation table's rules (``ops.json``), compiled to Python.

A rule is a formula such as ``1.0 / (1.0 + exp(-x))``: numbers, names, ``+ - * /``,
unary ``-``, parentheses and a few functions, with Python's precedence. The browser
engine reads the same text with its own parser (``widgets/front/rules.js``) and
evaluates it in the same order of floating-point operations, so both engines compute
the same numbers; ``sum`` and ``prod`` add and multiply left to right from 0 and 1
in both (Python's own ``sum`` compensates rounding since 3.12; JavaScript has none).

    exp(a), log(a), tanh(a)   the math functions
    sum(list), prod(list)     of ``xs`` (every input) or ``others`` (all but the slot's own)
    max(a, b)                 a if a > b else b
    step(a)                   1.0 if a > 0 else 0.0
"""

from __future__ import annotations

import ast
import math
from typing import Callable

Env = dict   # name -> float (or a list of floats for xs and others)
Rule = Callable[[Env], float]


def _sum(values) -> float:
    out = 0.0
    for v in values:
        out += v
    return out


def _prod(values) -> float:
    out = 1.0
    for v in values:
        out *= v
    return out


#: name -> (number of arguments, function)
FUNCTIONS = {
    "exp": (1, math.exp), "log": (1, math.log), "tanh": (1, math.tanh),
    "max": (2, lambda a, b: a if a > b else b),
    "step": (1, lambda a: 1.0 if a > 0 else 0.0),
}
LIST_FUNCTIONS = {"sum": _sum, "prod": _prod}
LISTS = ("xs", "others")
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}


def compile_rule(text: str, names: set[str]) -> Rule:
    """``text`` as a function of an environment that holds ``names``; ValueError if it is not a rule."""
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"rule {text!r} is not a formula ({exc.msg})") from None
    return _compile(tree, text, names)


def _compile(node: ast.AST, text: str, names: set[str]) -> Rule:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        value = float(node.value)
        return lambda env: value
    if isinstance(node, ast.Name) and node.id in names and node.id not in LISTS:
        name = node.id
        return lambda env: env[name]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _compile(node.operand, text, names)
        return lambda env: -inner(env)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        op, left, right = _BINARY[type(node.op)], _compile(node.left, text, names), _compile(node.right, text, names)
        return lambda env: op(left(env), right(env))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name, args = node.func.id, node.args
        if name in LIST_FUNCTIONS and len(args) == 1 and isinstance(args[0], ast.Name) \
                and args[0].id in LISTS and args[0].id in names:
            func, which = LIST_FUNCTIONS[name], args[0].id
            return lambda env: func(env[which])
        if name in FUNCTIONS and len(args) == FUNCTIONS[name][0]:
            func, parts = FUNCTIONS[name][1], [_compile(a, text, names) for a in args]
            if len(parts) == 1:
                (only,) = parts
                return lambda env: func(only(env))
            first, second = parts
            return lambda env: func(first(env), second(env))
    part = ast.get_source_segment(text, node) or text
    raise ValueError(f"rule {text!r}: {part!r} is not part of the rule language (names here: "
                     f"{', '.join(sorted(names))}; functions: {', '.join([*FUNCTIONS, *LIST_FUNCTIONS])})")
