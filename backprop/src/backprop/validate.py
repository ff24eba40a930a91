"""Argument checks shared by every public function.

Each check raises an error that names the argument, what was expected and what
arrived, so a reader can fix the call without reading our source.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_float_array(name: str, value, *, ndim: int | tuple[int, ...] | None = None,
                   shape: tuple | None = None, finite: bool = False) -> np.ndarray:
    """Return ``value`` as a float64 array, or raise naming ``name``.

    ``ndim`` is an int or tuple of allowed ranks; ``shape`` may hold ``None``
    for "any size" in a dimension, e.g. ``(None, 3)`` for (N, 3).
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a number or an array of numbers, got {type(value).__name__}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be a number or an array of numbers, got {type(value).__name__} ({exc})"
        ) from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(
            want is not None and want != got for want, got in zip(shape, arr.shape)
        ):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must hold only finite numbers, got a NaN or infinity")
    return arr


def as_number(name: str, value, *, finite: bool = True) -> float:
    """Return ``value`` as a Python float, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.generic)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    out = float(value)
    if finite and not np.isfinite(out):
        raise ValueError(f"{name} must be a finite number, got {out}")
    return out


def require_callable(name: str, value) -> None:
    """Raise unless ``value`` can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be callable (a function), got {type(value).__name__}")
