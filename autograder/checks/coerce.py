"""Strict reading of a probe record: numbers of a stated shape, nothing else.

The record comes from the student's kernel, so it may be anything: wrong
types, ragged lists, NaN, strings that numpy would happily parse, megabytes of
data. ``parse_record`` accepts only what ``autograder.checks.probe`` can produce and
raises ``MalformedRecord`` for the rest.
"""

from __future__ import annotations

import math

import numpy as np

#: Caps on what a record may hold (ours hold a few dozen outputs of a few hundred numbers).
MAX_OUTPUTS = 400
MAX_ELEMENTS = 20_000
MAX_NDIM = 6
MAX_TEXT = 300


class MalformedRecord(ValueError):
    """The recorded data is not what the probe writes."""


def clean_text(value) -> str:
    """Student-controlled text, made short and printable."""
    text = value if isinstance(value, str) else repr(type(value).__name__)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text[:MAX_TEXT] + ("..." if len(text) > MAX_TEXT else "")


def _number(value) -> float:
    if type(value) not in (int, float):  # bool, str, None, subclasses: refused
        raise MalformedRecord(f"a value of type {type(value).__name__} where a number belongs")
    out = float(value)
    if not math.isfinite(out):
        raise MalformedRecord("NaN or infinity in the recorded numbers")
    return out


def _flatten(data, shape, depth, out):
    if depth == len(shape):
        out.append(_number(data))
        return
    if type(data) is not list or len(data) != shape[depth]:
        raise MalformedRecord(f"the data does not have the stated shape {shape}")
    for item in data:
        _flatten(item, shape, depth + 1, out)


def parse_output(entry) -> np.ndarray | str:
    """One output: a float64 array, or the error text (a str) the probe recorded."""
    if type(entry) is not dict:
        raise MalformedRecord("an output is not a mapping")
    if set(entry) == {"error"}:
        return clean_text(entry["error"])
    if set(entry) != {"shape", "data"}:
        raise MalformedRecord(f"an output has keys {sorted(map(str, entry))[:5]}, expected shape and data")
    shape = entry["shape"]
    if type(shape) is not list or len(shape) > MAX_NDIM or any(type(n) is not int or n < 0 for n in shape):
        raise MalformedRecord("an output's shape is not a short list of non-negative integers")
    if math.prod(shape) > MAX_ELEMENTS:
        raise MalformedRecord(f"an output states {math.prod(shape)} numbers, more than {MAX_ELEMENTS}")
    flat: list = []
    _flatten(entry["data"], tuple(shape), 0, flat)
    return np.array(flat, dtype=np.float64).reshape(shape)


def parse_record(recorded, check_id: str) -> dict:
    """{output name: array or error text} from a probe record for ``check_id``."""
    if type(recorded) is not dict or set(recorded) != {"check", "outputs"}:
        raise MalformedRecord("the record is not a mapping with 'check' and 'outputs'")
    if recorded["check"] != check_id:
        raise MalformedRecord(f"the record is for check {clean_text(recorded['check'])!r}, not {check_id!r}")
    outputs = recorded["outputs"]
    if type(outputs) is not dict or len(outputs) > MAX_OUTPUTS:
        raise MalformedRecord("the outputs are not a mapping of a sensible size")
    parsed = {}
    for name, entry in outputs.items():
        if type(name) is not str or len(name) > MAX_TEXT:
            raise MalformedRecord("an output name is not a short string")
        parsed[name] = parse_output(entry)
    return parsed
